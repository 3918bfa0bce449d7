"""The aidi spec of a COINr build: the tree, directions, weights, denominators and targets
from iMeta, the build settings from the steps file (see `aidi.sources.coinr`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from aidi.sources.coinr_steps import CoinSteps, _model, _translate
from aidi.sources.coinr_tables import CoinTableError, _missing, _number
from aidi.specs.schema import (
    Defaults,
    IndexSpec,
    Indicator,
    Label,
    Node,
    Normalise,
    Screen,
    Transform,
    YearRule,
)

# ============================================================================ building the spec

def _merged(kind: str, steps: CoinSteps, extra: Mapping[str, Any] | None, where: str) -> Any:
    """A step's global settings with `extra` merged over them key by key (COINr modifyList).

    A step that is not listed does nothing (`method: none`), as a COINr build without that
    function; in particular no normalisation is aidi's `none`, not its `ratio` default.
    """
    base = dict(steps.settings.get(kind, {"method": "none"} if kind != "aggregate" else {}))
    if extra is None:
        return _model(kind, base, where)
    if extra == "none" or extra is False:
        return _model(kind, {**base, "method": "none"}, where)
    if not isinstance(extra, Mapping):
        raise CoinTableError(f"{where}: must be a mapping of settings or 'none'")
    base.update(_translate(kind, extra, where))
    return _model(kind, base, where)


#: COINr `f_n_para = "use_iMeta"`: the iMeta columns each normaliser reads (get_iMeta_norm_paras)
IMETA_NORM_COLUMNS = {
    "minmax": ("minmax_lower", "minmax_upper"),
    "scaled": ("scaled_lower", "scaled_upper"),
    "zscore": ("zscore_mean", "zscore_sd"), "target": ("Target",),
    "goalposts": ("goalpost_lower", "goalpost_upper", "goalpost_scale"),
}


def _imeta_norm_params(norm: Normalise, row: pd.Series, code: str) -> Normalise:
    """One indicator's normalisation parameters from its iMeta row (COINr's `use_iMeta`).

    Goalposts and targets are on the indicator's own scale; the engine applies the direction
    (COINr negates them for a negative indicator, which gives the same scores). Optional
    columns `dist2targ_cap_max` and `goalpost_trunc2posts` default to FALSE and TRUE.
    """
    where = f"iMeta line {row['_line']} (iCode {code!r})"
    cols = IMETA_NORM_COLUMNS.get(norm.method)
    if cols is None:
        raise CoinTableError(f"{where}: normaliser {norm.method!r} takes no iMeta parameters "
                             f"(COINr supports use_iMeta for {sorted(IMETA_NORM_COLUMNS)})")

    def num(col: str) -> float:
        cell = row.get(col)
        value = cell if isinstance(cell, float) else _number(cell, where, col) \
            if isinstance(cell, str) else float("nan")
        if not np.isfinite(value):
            raise CoinTableError(f"{where}: use_iMeta needs a number in column {col!r}")
        return float(value)

    def flag(col: str, default: bool) -> bool:
        cell = row.get(col)
        if cell is None or (isinstance(cell, str) and _missing(cell)):
            return default
        if str(cell).upper() in ("TRUE", "T", "1", "1.0"):
            return True
        if str(cell).upper() in ("FALSE", "F", "0", "0.0"):
            return False
        raise CoinTableError(f"{where}: {col} must be TRUE or FALSE, got {cell!r}")

    v = [num(c) for c in cols]
    d = float(row["Direction"])
    # COINr's get_iMeta_norm_paras: values for the d·x scale its normalisers see
    oriented = norm.semantics == "coinr"
    lo, hi = (-v[1], -v[0]) if oriented and d < 0 and len(v) > 1 else (v[0], v[1] if
                                                                        len(v) > 1 else 0.0)
    upd: dict[str, Any] = {"use_imeta": False}
    if norm.method == "minmax":
        upd.update(low=v[0], high=v[1])
    elif norm.method == "scaled":
        has_sf = not _missing(row.get("scale_factor")) if isinstance(row.get("scale_factor"),
                                                                       str) else \
            row.get("scale_factor") is not None and np.isfinite(row.get("scale_factor"))
        upd.update(npara=(lo, hi), scale_factor=num("scale_factor") if oriented or has_sf
                   else norm.scale_factor)
    elif norm.method == "zscore":
        upd.update(mean=v[0], sd=v[1])
    elif norm.method == "target":
        upd.update(target=v[0] * d if oriented else v[0],
                   cap=flag("dist2targ_cap_max", False))
    else:
        upd.update(goalposts=(lo, hi, v[2]) if oriented else tuple(v),
                   trunc=flag("goalpost_trunc2posts", True))
    try:
        return Normalise.model_validate({**norm.model_dump(), **upd})
    except ValidationError as exc:
        raise CoinTableError(f"{where}: {exc.errors()[0]['msg']}") from None


def spec_from_coin(meta: pd.DataFrame, steps: CoinSteps, units: list[str],
                   year: int) -> IndexSpec:
    """The aidi spec: the tree, directions, weights, denominators and targets from iMeta; the
    build settings from the steps; one exact year; the units of iData."""
    tree = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    _check_override_names(tree, steps)
    defaults = Defaults(
        years=YearRule(rule="exact", start=year, end=year, fallback="none"),
        impute=_merged("impute", steps, None, f"{steps.origin}: impute"),
        treat=_merged("treat", steps, None, f"{steps.origin}: treat"),
        normalise=_merged("normalise", steps, None, f"{steps.origin}: normalise"))
    builder = _TreeBuilder(meta, tree, steps, defaults, _level_overrides(tree, steps))
    root = tree[(tree["Type"] == "Aggregate") & tree["Parent"].isna()].iloc[0]
    try:
        return IndexSpec(id=steps.id, name=steps.name, description=steps.description,
                         units=tuple(units), screen=_screen(steps), defaults=defaults,
                         root=builder.node(root), published=steps.published)
    except ValidationError as exc:
        raise CoinTableError(f"{steps.origin}: {exc.errors()[0]['msg']}") from None


def _check_override_names(tree: pd.DataFrame, steps: CoinSteps) -> None:
    """Per-indicator and per-node settings name indicators / aggregates of iMeta."""
    ind_codes = set(tree.loc[tree["Type"] == "Indicator", "iCode"])
    agg_codes = set(tree["iCode"]) - ind_codes
    for kind, keys in (("impute", "indicators"), ("treat", "indicators"),
                       ("normalise", "indicators"), ("denominate", "indicators"),
                       ("aggregate", "nodes")):
        wanted = set(steps.overrides.get(kind, {}).get(keys, {}))
        valid = ind_codes if keys == "indicators" else agg_codes
        unknown = sorted(wanted - valid)
        if unknown:
            raise CoinTableError(f"{steps.origin}: {kind}.{keys} names {unknown}, which are not "
                                 f"{'indicators' if keys == 'indicators' else 'aggregates'} of "
                                 "iMeta")


def _level_overrides(tree: pd.DataFrame, steps: CoinSteps) -> dict[Any, Any]:
    """The aggregate settings per level (COINr's per-level vectors), checked against the
    levels of the tree."""
    lev_over = dict(steps.overrides.get("aggregate", {}).get("levels", {}))
    max_level = int(tree["Level"].max())
    n_vec = lev_over.pop("_vector_length", None)
    if n_vec is not None and n_vec != max_level - 1:
        raise CoinTableError(f"{steps.origin}: aggregate: a per-level vector (f_ag, f_ag_para or "
                             f"dat_thresh) needs one entry per level 2…{max_level} "
                             f"({max_level - 1}), got {n_vec} (COINr's length rule)")
    for lev in lev_over:
        if not (isinstance(lev, int) and 2 <= lev <= max_level):
            raise CoinTableError(f"{steps.origin}: aggregate.levels key {lev!r} must be a level "
                                 f"of an aggregate, 2…{max_level}")
    return lev_over


def _screen(steps: CoinSteps) -> Screen:
    """The screen step, on raw or imputed data by its place in the list."""
    if "screen" not in steps.order:
        return Screen()
    pos = steps.order.index("screen")
    after = "impute" in steps.order[:pos]
    return _model("screen", {**steps.settings["screen"], "on": "imputed" if after else "raw"},
                  f"{steps.origin}: screen")


def _label(row: pd.Series) -> Label:
    iname = row.get("iName")
    return Label(en=iname if isinstance(iname, str) and not _missing(iname) else row["iCode"])


class _TreeBuilder:
    """The spec's nodes and indicators from iMeta rows and the steps' settings."""

    def __init__(self, meta: pd.DataFrame, tree: pd.DataFrame, steps: CoinSteps,
                 defaults: Defaults, lev_over: Mapping[Any, Any]) -> None:
        self.steps, self.defaults, self.lev_over = steps, defaults, lev_over
        self.denominators = set(meta.loc[meta["Type"] == "Denominator", "iCode"])
        self.children: dict[str | None, list[pd.Series]] = {}
        for _, row in tree.iterrows():
            self.children.setdefault(row["Parent"], []).append(row)

    def node(self, row: pd.Series) -> Node:
        steps, code = self.steps, row["iCode"]
        agg = dict(steps.settings.get("aggregate", {}))
        for extra in (self.lev_over.get(int(row["Level"])),
                      steps.overrides.get("aggregate", {}).get("nodes", {}).get(code)):
            if extra is not None:
                if not isinstance(extra, Mapping):
                    raise CoinTableError(f"{steps.origin}: aggregate override for {code}: must "
                                         "be a mapping")
                agg.update(_translate("aggregate", extra, f"{steps.origin}: aggregate {code}"))
        kids = [self.indicator(k) if k["Type"] == "Indicator" else self.node(k)
                for k in self.children.get(code, [])]
        return Node(id=code, name=_label(row), weight=float(row["Weight"]),
                    aggregate=_model("aggregate", agg, f"{steps.origin}: aggregate {code}"),
                    children=tuple(kids))

    def indicator(self, row: pd.Series) -> Indicator:
        steps, code = self.steps, row["iCode"]
        unit = row.get("Unit")
        fields: dict[str, Any] = {
            "id": code, "name": _label(row), "series": code,
            "unit": unit if isinstance(unit, str) and not _missing(unit) else "",
            "direction": int(row["Direction"]), "weight": float(row["Weight"])}
        transform = self._transform(row, code)
        if transform is not None:
            fields["transform"] = transform
        for kind in ("impute", "treat", "normalise"):
            over = steps.overrides.get(kind, {}).get("indicators", {})
            if code in over:
                fields[kind] = _merged(kind, steps, over[code],
                                       f"{steps.origin}: {kind}.indicators.{code}")
        norm = self._normalise(fields.get("normalise", self.defaults.normalise), row, code)
        if norm is not None:
            fields["normalise"] = norm
        return Indicator(**fields)

    def _transform(self, row: pd.Series, code: str) -> Transform | None:
        """The denominator (iMeta's column, the step's `denomby` or per-indicator choice)."""
        steps = self.steps
        if "denominate" not in steps.order:
            return None
        den = row.get("Denominator")
        denominate = steps.overrides.get("denominate", {})
        scale = 1.0
        if denominate.get("denomby") is not None:
            den, scale = denominate["denomby"].get(code, (None, 1.0))
        den_over = denominate.get("indicators", {})
        if code in den_over:
            den = den_over[code]
            if den is not None and den not in self.denominators:
                raise CoinTableError(f"{steps.origin}: denominate.indicators.{code}: {den!r} is "
                                     "not a Denominator of iMeta")
        if not den:
            return None
        if den not in self.denominators:
            raise CoinTableError(f"{steps.origin}: denominate: {den!r} (for {code}) is not a "
                                 "Denominator of iMeta")
        # COINr: x / (denominator / ScaleFactor)
        return Transform(kind="ratio", denominator=den, scale=scale)

    def _normalise(self, norm: Normalise, row: pd.Series, code: str) -> Normalise | None:
        """The indicator's normalisation with its iMeta parameters and target filled in, or
        None when nothing is filled in."""
        changed = False
        if norm.use_imeta:
            norm, changed = _imeta_norm_params(norm, row, code), True
        if norm.method == "target" and norm.target is None:
            target = row.get("Target")
            if target is None or not np.isfinite(target):
                raise CoinTableError(f"iMeta line {row['_line']} (iCode {code!r}): distance-to-"
                                     "target normalisation needs a Target")
            sign = float(row["Direction"]) if norm.semantics == "coinr" else 1.0
            norm, changed = norm.model_copy(update={"target": float(target) * sign}), True
        return norm if changed else None
