"""The API's common checks (issue 25.7, issue 22.1), the way scikit-learn's common checks
drive every estimator: every public entry point — the functions of `aidi.__all__` and every
public method of `aidi.Build` — declares its parameters (`aidi.params`), and a call with a
value none of a parameter's declarations accepts raises a `UsageError` naming the entry point
and the parameter, never a raw exception. The values are generated from the declarations
(other kinds, out-of-range numbers, empty lists) plus the red team's own list.

And the `Build` is deep-frozen: writing into any frame it hands out raises or leaves the build
unchanged, and it cannot be made, or changed, any other way than by building.
"""

from __future__ import annotations

import contextlib
import inspect
import pickle
from dataclasses import FrozenInstanceError

import numpy as np
import pandas as pd
import pytest

import aidi
from aidi.api import Build, Comparison
from aidi.errors import UsageError
from aidi.over_time import Timeline
from aidi.params import declared, invalid_values
from aidi.specs.loader import spec_from_dict
from tests.conftest import TINY_SPEC, tiny_observations


@pytest.fixture(scope="module")
def tiny() -> Build:
    return aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())


def _functions() -> dict[str, object]:
    out = {}
    for name in aidi.__all__:
        obj = getattr(aidi, name)
        if inspect.isfunction(obj):
            out[f"aidi.{name}"] = obj
    return out


def _methods() -> dict[str, object]:
    out = {}
    for cls in (Build, Comparison, Timeline):
        for name, obj in vars(cls).items():
            if name.startswith("_") or isinstance(obj, property):
                continue
            if callable(getattr(cls, name)):
                out[f"{cls.__name__}.{name}"] = getattr(cls, name)
    return out


ENTRY_POINTS = {**_functions(), **_methods()}


def _parameters(func: object) -> list[str]:
    return [n for n in inspect.signature(func).parameters if n not in ("self", "cls")]


def test_the_entry_points_are_found():
    assert {"aidi.build", "aidi.read_coin", "aidi.load_spec", "aidi.timeline", "aidi.trends",
            "Build.uncertainty", "Build.sensitivity", "Build.audit", "Build.with_weights",
            "Build.compare", "Build.from_inputs"} <= set(ENTRY_POINTS)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_every_parameter_is_declared_and_none_is_hidden(name):
    """No `**kwargs` or `*args`: every parameter is named, typed and declared."""
    func = ENTRY_POINTS[name]
    sig = inspect.signature(func)
    kinds = {p.kind for p in sig.parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds and \
        inspect.Parameter.VAR_POSITIONAL not in kinds, name
    params = _parameters(func)
    if not params:
        return
    decl = declared(func)
    assert decl is not None, f"{name} takes {params} but declares no constraints"
    assert set(decl.constraints) == set(params)
    hints = inspect.get_annotations(getattr(func, "__func__", func))
    assert set(params) <= set(hints), f"{name}: untyped parameters"


def _valid_arguments(name: str, tiny: Build) -> dict[str, object]:
    """Values that pass the declarations of each required parameter (what they lead to does
    not matter: the invalid one is refused before the body runs)."""
    return {
        "aidi.read_coin": {"idata": None, "imeta": None},
        "Build.from_inputs": {"inputs": tiny.inputs},
        "Build.explain": {"unit": "CHN"},
        "Build.resolve_unit": {"unit": "CHN"},
        "Build.resolve_node": {"node": "index"},
        "Build.with_weights": {"weights": {}},
        "Build.with_units": {"units": "all"},
        "Build.with_spec": {"spec": tiny.spec},
        "Build.with_changes": {"scenario": "x"},
        "Build.gap": {"a": "CHN", "b": "USA"},
        "Build.diff": {"other": tiny},
        "Build.compare": {"other": tiny},
        "Timeline.diff": {"a": "2024", "b": "2024"},
    }.get(name, {})


def _timeline(tiny: Build) -> Timeline:
    """A timeline of one edition (its methods are checked before they read anything)."""
    return Timeline(("2024",), {"2024": tiny}, {}, pd.DataFrame(), None, "USA")


def _cases() -> list[tuple[str, str, object]]:
    cases = []
    for name, func in sorted(ENTRY_POINTS.items()):
        decl = declared(func)
        if decl is None:
            continue
        for param, allowed in decl.constraints.items():
            cases += [(name, param, v) for v in invalid_values(allowed)]
    return cases


CASES = _cases()


def test_each_parameter_gets_invalid_values():
    named = {(n, p) for n, p, _ in CASES}
    declared_pairs = {(n, p) for n, f in ENTRY_POINTS.items() if declared(f)
                      for p in declared(f).constraints if p != "scheduler"}
    assert declared_pairs <= named   # only "anything" (a Dask scheduler) has no invalid value
    assert len(CASES) > 300


def _call(name: str, tiny: Build, kwargs: dict[str, object]) -> object:
    func = ENTRY_POINTS[name]
    if name.startswith("Build.") and name != "Build.from_inputs":
        return func(tiny, **kwargs)
    if name.startswith("Comparison."):
        return func(tiny.compare(tiny), **kwargs)
    if name.startswith("Timeline."):
        return func(_timeline(tiny), **kwargs)
    return func(**kwargs)


@pytest.mark.parametrize(("name", "param", "value"), CASES,
                         ids=[f"{n}-{p}-{i}" for i, (n, p, _) in enumerate(CASES)])
def test_an_invalid_value_is_a_usage_error_naming_the_parameter(tiny, name, param, value):
    kwargs = {**_valid_arguments(name, tiny), param: value}
    with pytest.raises(UsageError) as err:
        _call(name, tiny, kwargs)
    text = str(err.value)
    short = name.split(".")[-1]
    assert f" {param} " in text and f"{short}()" in text, text


@pytest.mark.parametrize(("call", "param"), [
    (lambda b: aidi.build(5), "spec"),
    (lambda b: aidi.build(countries=5), "countries"),
    (lambda b: aidi.build(countries=[]), "countries"),
    (lambda b: aidi.build(min_availability="half"), "min_availability"),
    (lambda b: aidi.build(edition=2023.5), "edition"),
    (lambda b: aidi.build(spce="aidi-2024"), "spce"),
    (lambda b: b.with_weights([0.5]), "weights"),
    (lambda b: b.with_weights({"data": "half"}), "weights"),
    (lambda b: b.uncertainty(seed=-1), "seed"),
    (lambda b: b.uncertainty(10, backend="spark"), "backend"),
    (lambda b: b.sensitivity(n_base=1), "n_base"),
    (lambda b: b.sensitivity(8, conf_level=1.0), "conf_level"),
    (lambda b: b.audit(thresholds={"r": 0.9}), "thresholds"),
    (lambda b: b.compare("CHN"), "other"),
    (lambda b: b.gap("CHN", 3), "b"),
    (lambda b: b.compare(b).largest(k=0), "k"),
    (lambda b: aidi.trends(lang="fr"), "lang"),
    (lambda b: aidi.trends(n_boot=5), "n_boot"),
    (lambda b: aidi.timeline(start="2019"), "start"),
    (lambda b: _timeline(b).diff("2023", "2024"), "no edition '2023'"),
    (lambda b: _timeline(b).table(series="smoothed"), "series"),
    (lambda b: aidi.load_spec(["aidi-2024"]), "source"),
])
def test_the_red_team_list(tiny, call, param):
    with pytest.raises(UsageError, match=param):
        call(tiny)


def test_an_edition_that_is_no_year_is_refused_by_the_timeline():
    with pytest.raises(UsageError, match="neither a year"):
        aidi.timeline(end="soon")


# ---- the deep-frozen Build -----------------------------------------------------------------------
def test_writing_into_the_scores_leaves_the_build_unchanged(tiny):
    before = tiny.scores.loc["CHN", "index"]
    scores = tiny.scores
    with contextlib.suppress(ValueError):  # pandas without copy-on-write: read-only arrays
        scores.loc["CHN", "index"] = 42.0
    scores["extra"] = 1.0
    ranks, index = tiny.ranks, tiny.index
    ranks.iloc[:, :] = 0
    index.iloc[0] = -1.0
    assert tiny.scores.loc["CHN", "index"] == before
    assert "extra" not in tiny.scores.columns
    assert (tiny.ranks.to_numpy() > 0).any()


def test_zeroing_the_result_cannot_change_what_a_later_audit_reports(tiny):
    first = tiny.audit()
    r = tiny.result
    normalised, scores = r.normalised, r.scores
    normalised.iloc[:, :] = 0.0
    scores.iloc[:, :] = 0.0
    assert (normalised.to_numpy() == 0).all()      # the copy took the write
    inputs, observations = tiny.inputs, tiny.observations
    inputs.observations.loc[:, "value"] = 0.0
    observations.loc[:, "value"] = 0.0
    with pytest.raises(ValueError):    # the arrays themselves are read-only
        tiny.result.normalised.to_numpy()[:] = 0.0
    with pytest.raises(ValueError):
        tiny.result.tree.nodes[-1].weights[:] = 0.0
    later = tiny.audit()
    for part in ("correlations", "matrix", "dimensions", "indicators", "flags"):
        pd.testing.assert_frame_equal(getattr(later, part), getattr(first, part))
    assert np.isfinite(tiny.result.normalised.to_numpy(dtype=float)).any()
    assert (tiny.observations["value"].fillna(0) != 0).any()


def test_a_build_is_made_only_by_building_and_cannot_be_changed(tiny):
    with pytest.raises(UsageError, match=r"aidi\.build\(\.\.\.\) or aidi\.Build\.from_inputs"):
        Build(tiny.inputs, tiny.result)
    with pytest.raises(FrozenInstanceError):
        tiny.origin = "elsewhere"
    with pytest.raises(FrozenInstanceError):
        tiny._result = None
    with pytest.raises(FrozenInstanceError):
        del tiny._inputs
    with pytest.raises(FrozenInstanceError):     # its inputs and result are frozen dataclasses
        tiny.result.units = ()
    again = Build.from_inputs(tiny.inputs)
    pd.testing.assert_frame_equal(again.scores, tiny.scores)


def test_a_build_survives_pickling_frozen(tiny):
    back = pickle.loads(pickle.dumps(tiny))
    pd.testing.assert_frame_equal(back.scores, tiny.scores)
    with pytest.raises(FrozenInstanceError):
        back.origin = "x"
    with pytest.raises(ValueError):
        back.result.scores.to_numpy()[:] = 0.0
