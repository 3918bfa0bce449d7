"""The alternatives a robustness analysis may offer for each open choice, as the user writes
them, parsed into the spec's own step models.

An alternative is a name (a preset of `NORMALISATIONS`, a method of the catalogue by aidi's or
COINr's name — `aidi.engine.registry`, `aidi.specs.coinr_syntax`), a mapping of step fields in
either syntax (`{f_n: n_goalposts, f_n_para: {gposts: [0, 100, 1]}}`, `{method: knn,
n_neighbors: 3}`), or the validated step model itself. Each `resolve_*` returns a readable
label and the setting, or raises `UsageError` naming the entry and what would be accepted —
so a configuration is checked when it is made, before any build (`config.UncertaintyConfig`).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from aidi.engine import registry
from aidi.errors import UsageError
from aidi.specs.coinr_syntax import COINR_AGGREGATORS, COINR_IMPUTERS
from aidi.specs.schema import Aggregate, Impute, Normalise

#: An alternative as the user writes it: a name, a mapping of step fields (aidi's or COINr's
#: syntax), or the validated step model itself.
Choice = str | Mapping[str, Any] | BaseModel

#: Alternative normalisations by name; `ratio` gets the spec's reference unit.
NORMALISATIONS: dict[str, Normalise] = {
    "ratio": Normalise(method="ratio"),
    "frontier": Normalise(method="frontier"),
    "minmax": Normalise(method="minmax", low=1.0, high=100.0),
    "zscore": Normalise(method="zscore", mean=10.0, sd=2.0),
    "rank": Normalise(method="rank"),
}
#: Where a geometric or harmonic mean follows, a normaliser named without parameters takes these
#: instead of COINr's defaults, so that its outputs stay positive (as the presets above).
POSITIVE_PARAMETERS: dict[str, dict[str, float]] = {
    "minmax": {"low": 1.0, "high": 100.0},
    "zscore": {"mean": 10.0, "sd": 2.0},
}
#: Imputation methods the analysis may swap; others (e.g. `min`, a known bound, or `mode` for
#: an ordinal indicator) are kept.
OVERRIDABLE_IMPUTATION = ("none", "mean", "median", "row_mean", "row_median", "iterative", "knn")


def _literal(model: type[BaseModel], name: str) -> tuple[str, ...]:
    return tuple(typing.get_args(model.model_fields[name].annotation))


def params_label(model: BaseModel, skip: tuple[str, ...]) -> str:
    """`method(k=v, …)` with the fields that differ from the model's defaults."""
    default = type(model).model_construct()
    parts = []
    for k in type(model).model_fields:
        if k in ("method", "semantics", *skip):  # semantics: which syntax it was written in
            continue
        v, d = getattr(model, k), getattr(default, k)
        if v != d:
            v = list(v) if isinstance(v, tuple) else v
            parts.append(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}")
    method = str(model.method)  # type: ignore[attr-defined]
    return f"{method}({', '.join(parts)})" if parts else method


def _validate(model: type[BaseModel], data: Mapping[str, Any], what: str, entry: object):
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise UsageError(f"{what} {entry!r}: {msg}") from None


def resolve_normalisation(entry: Choice) -> tuple[str, Normalise, bool]:
    """(label, setting, named) of a normalisation alternative; `named` = given by a catalogue
    name alone, so its parameters are defaults that may be moved to keep outputs positive."""
    if isinstance(entry, Normalise):
        return params_label(entry, ("reference", "use_imeta")), entry, False
    if isinstance(entry, Mapping):
        n = _validate(Normalise, entry, "normalisation", dict(entry))
        return params_label(n, ("reference", "use_imeta")), n, False
    if not isinstance(entry, str):
        raise UsageError(f"a normalisation alternative is a name or a mapping, got {entry!r}")
    if entry in NORMALISATIONS:
        return entry, NORMALISATIONS[entry], False
    hit = next((m for m in registry.CATALOGUE if m.kind == "normalise"
                and entry in (m.name, m.coinr)), None)
    if hit is None:
        known = sorted(set(NORMALISATIONS) | {m.coinr or m.name for m in registry.CATALOGUE
                                              if m.kind == "normalise"})
        raise UsageError(f"unknown normalisation {entry!r}; choose from {known}, or give a "
                         "mapping with parameters")
    own = hit.name in _literal(Normalise, "method") and entry == hit.name
    data = {"method": hit.name} if own else {"f_n": hit.coinr}
    try:
        n = Normalise.model_validate(data)
    except ValidationError as exc:
        msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise UsageError(f"normalisation {entry!r} needs parameters ({msg}): give it as a "
                         f"mapping, e.g. {{'f_n': '{hit.coinr or hit.name}', 'f_n_para': "
                         "{...}}") from None
    return entry, n, True


def resolve_aggregation(entry: Choice) -> tuple[str, Aggregate]:
    """(label, setting) of an aggregation alternative (only its method and the method's
    parameters replace a node's; the node keeps its zero policy and thresholds)."""
    if isinstance(entry, Aggregate):
        return params_label(entry, _AGG_KEPT), entry
    if isinstance(entry, Mapping):
        a = _validate(Aggregate, entry, "aggregation", dict(entry))
        return params_label(a, _AGG_KEPT), a
    if not isinstance(entry, str):
        raise UsageError(f"an aggregation alternative is a name or a mapping, got {entry!r}")
    if entry in COINR_AGGREGATORS:
        data: dict[str, Any] = {"f_ag": entry}
    elif entry in _literal(Aggregate, "method"):
        data = {"method": entry}
    else:
        raise UsageError(f"unknown aggregation {entry!r}; choose from "
                         f"{sorted(_literal(Aggregate, 'method') + tuple(COINR_AGGREGATORS))} "
                         "or give a mapping with parameters, e.g. {'f_ag': 'a_genmean', "
                         "'f_ag_para': {'p': 2}}")
    return entry, _validate(Aggregate, data, "aggregation", entry)


_AGG_KEPT = ("nonpositive", "offset", "min_coverage", "dat_thresh")


def method_update(a: Aggregate) -> dict[str, Any]:
    """The fields an aggregation alternative sets on a node: its method and parameters."""
    return {"method": a.method, "p": a.p, "penalty": a.penalty,
            "standardise_children": a.standardise_children}


def resolve_imputation(entry: Choice) -> tuple[str, str | Impute]:
    """(label, alternative): aidi's method name replaces an indicator's method only (its group
    and parameters kept); a COINr name, a mapping or an `Impute` replaces the whole setting."""
    if isinstance(entry, Impute):
        return params_label(entry, ()), entry
    if isinstance(entry, Mapping):
        imp = _validate(Impute, entry, "imputation", dict(entry))
        return params_label(imp, ()), imp
    if not isinstance(entry, str):
        raise UsageError(f"an imputation alternative is a name or a mapping, got {entry!r}")
    if entry in _literal(Impute, "method"):
        return entry, entry
    if entry in COINR_IMPUTERS:
        return entry, _validate(Impute, {"f_i": entry}, "imputation", entry)
    raise UsageError(f"unknown imputation {entry!r}; choose from "
                     f"{sorted(_literal(Impute, 'method') + tuple(COINR_IMPUTERS))} or give a "
                     "mapping, e.g. {'f_i': 'i_median_grp', 'use_group': 'EurAsia_group'}")
