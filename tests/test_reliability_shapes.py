"""Issue #25, class 5: every spec shape the schema accepts builds and reports; degenerate
parameters are refused when the spec is loaded, not half-way through a build.

Flat trees (indicators straight under the root) are the simplest composite indicator; the
report, the scores table and the terminal summary take their "pillars" from the root's
aggregate children, so a flat tree gets a report with the index alone. The slow tier runs
more shapes through every command that draws or reports.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from aidi.output_set import verify
from aidi.report import filenames as fn
from aidi.specs.loader import SpecError, spec_from_dict
from tests._reliability import DATA, assert_clean_error, cli, coin_tables
from tests.conftest import TINY_SPEC

FLAT_META = """\
Level,iCode,iName,Direction,Weight,Unit,Target,Denominator,Parent,Type
1,a,A,1,1,u,NA,NA,Index,Indicator
1,b,B,-1,1,u,NA,NA,Index,Indicator
1,c,C,1,2,u,NA,NA,Index,Indicator
2,Index,Index,1,1,Score,NA,NA,NA,Aggregate
"""

#: Shapes on the shipped snapshot's series: flat with a reference, mixed depths under a
#: geometric root (an indicator beside a chain of single-child nodes), one indicator.
SERIES = ("epoch.gpu_clusters.h100e", "epoch.models.notable", "gapminder.internet_users")
UNITS = ["USA", "CHN", "DEU", "JPN", "GBR", "FRA", "KOR", "IND"]


def _ind(i: int) -> dict:
    return {"id": f"x{i}", "name": {"en": f"Item {i}"}, "series": SERIES[i]}


SHAPES = {
    "flat": {"id": "flat", "name": {"en": "Flat"}, "reference": "USA", "units": UNITS,
             "root": {"id": "index", "name": {"en": "Flat index"},
                      "children": [_ind(0), _ind(1), _ind(2)]}},
    "mixed": {"id": "mixed", "name": {"en": "Mixed"}, "units": UNITS,
              "defaults": {"normalise": {"method": "minmax", "low": 1, "high": 100}},
              "root": {"id": "index", "name": {"en": "Mixed"},
                       "aggregate": {"method": "geometric"}, "children": [
                           _ind(0), {"id": "d1", "name": {"en": "D1"}, "children": [
                               {"id": "d2", "name": {"en": "D2"},
                                "aggregate": {"method": "harmonic"},
                                "children": [_ind(1), _ind(2)]}]}]}},
    "one": {"id": "one", "name": {"en": "One"}, "reference": "USA", "units": UNITS[:3],
            "root": {"id": "index", "name": {"en": "One"}, "standardise": "ratio",
                     "children": [_ind(2)]}},
}


def _write_spec(folder, name):
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(SHAPES[name], allow_unicode=True), encoding="utf-8")
    return path


def test_a_flat_coinr_tree_builds_and_reports(tmp_path):
    d, m = coin_tables(tmp_path / "in", meta=FLAT_META, data=DATA)
    out = tmp_path / "out"
    run = cli("build", "--coin-data", d, "--coin-meta", m, "--out", out)
    assert run.code == 0 and run.exception is None, run.output
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["uCode", "Index"] and len(scores) == 4


def test_a_flat_spec_builds_and_reports(tmp_path):
    """The red team's case: the report crashed with KeyError after writing some files."""
    out = tmp_path / "out"
    run = cli("build", "--spec", _write_spec(tmp_path, "flat"), "--out", out,
              "--no-figures", "--no-robustness")
    assert run.code == 0 and run.exception is None, run.output
    html = (out / fn.REPORT_HTML).read_text(encoding="utf-8")
    assert "Flat index" in html and "Item 2" in html
    scores = pd.read_csv(out / fn.SCORES_CSV)
    assert scores["rank"].notna().all() and "x0" not in scores.columns
    assert set(verify(out)) == {"build"}


def _tiny(**changes) -> dict:
    raw = copy.deepcopy(TINY_SPEC)
    raw.update(changes)
    return raw


@pytest.mark.parametrize(("normalise", "fragment"), [
    ({"method": "goalposts", "goalposts": [5, 5, 1]}, "lower < upper"),
    ({"method": "goalposts", "goalposts": [9, 1, 1]}, "lower < upper"),
    ({"method": "goalposts", "goalposts": [0, 1, 0]}, "scale must be > 0"),
    ({"method": "scaled", "npara": [100, 0]}, "lower < upper"),
    ({"method": "minmax", "low": 1, "high": float("inf")}, "finite"),
    ({"method": "target", "target": float("nan")}, "finite"),
])
def test_degenerate_normalisations_are_refused_at_load(normalise, fragment):
    with pytest.raises(SpecError, match=fragment):
        spec_from_dict(_tiny(defaults={"normalise": normalise}))


def test_other_degenerate_parameters_are_refused_at_load():
    raw = _tiny()
    raw["root"]["aggregate"] = {"method": "geometric", "nonpositive": "offset", "offset": 0}
    with pytest.raises(SpecError, match="offset.*> 0"):
        spec_from_dict(raw)


def test_a_ratio_without_a_reference_is_refused_before_any_work():
    from aidi.engine.guards import StepError
    from aidi.engine.pipeline import build
    from tests.conftest import tiny_observations

    spec = spec_from_dict(_tiny(reference=None, root={
        **TINY_SPEC["root"], "standardise": "none",
        "children": [{**c, "standardise": "none"} for c in TINY_SPEC["root"]["children"]]}))
    with pytest.raises(StepError, match="names no `reference`: add one"):
        build(spec, tiny_observations())


def test_a_log_offset_that_leaves_values_non_positive_is_an_error_naming_the_cell(tmp_path):
    """Known only with the data: refused at build, as one line naming the value, unit, year."""
    raw = _tiny()
    raw["root"]["children"][0]["children"][0]["transform"] = {"kind": "log", "offset": -100}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    from aidi.engine.guards import StepError
    from aidi.engine.pipeline import build
    from tests.conftest import tiny_observations

    with pytest.raises(StepError, match=r"step 'select'.*value -90 for USA 2022.*offset"):
        build(spec_from_dict(raw), tiny_observations())


def test_a_scenario_for_another_tree_is_a_clean_error(tmp_path):
    run = cli("scenario", "--spec", _write_spec(tmp_path, "flat"), "--out", tmp_path / "o")
    assert_clean_error(run, 1, "changes node", "does not have")


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_through_every_command(shape, tmp_path):
    """Full build (figures, uncertainty, Sobol), then each analysis and the explorer."""
    spec = _write_spec(tmp_path, shape)
    out = tmp_path / "out"
    for args in (["build"], ["uncertainty", "--samples", "50"],
                 ["sensitivity", "--samples", "8", "--resamples", "5"], ["audit"],
                 ["explore", "--variants", "50"]):
        run = cli(*args, "--spec", spec, "--out", out)
        assert run.code == 0 and run.exception is None, (args, run.output[-2000:])
    assert set(verify(out)) == {"build", "uncertainty", "sensitivity", "audit", "explorer"}
    assert (out / fn.REPORT_HTML).stat().st_size > 10_000
