"""Why an economy scores what it scores: every number from the raw value up to the index.

`explain(result, "CHN")` walks the spec's tree from the root (or from a node) and, for each
indicator under it, lays out the raw value(s) with series, source, file and year, the
transform, any imputation, the treated and normalised values, its weight and its contribution
to its parent; for each aggregate, its score, weight and contribution up to its parent. Every
number is read from the `BuildResult` itself — nothing is recomputed — so the lineage always
agrees with the build, and `reconcile` shows that each score equals the sum of its children's
contributions (its logarithm for a geometric mean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.engine import registry
from aidi.engine.pipeline import BuildResult
from aidi.engine.select import DEFAULT_DENOMINATORS
from aidi.specs.describe import describe_transform
from aidi.specs.schema import Indicator, YearRule

COLUMNS = ("depth", "node", "kind", "parent", "name_en", "name_zh", "series", "year",
           "raw_value", "denominator", "transform", "value", "imputed", "imputation", "treated",
           "treatment", "normalised", "score", "rank", "method", "weight", "parent_method",
           "contribution", "source", "file", "denominator_series", "denominator_source",
           "denominator_file")
_YEAR = re.compile(r"^(\d{4})")


@dataclass(frozen=True)
class Lineage:
    """The rows of one explanation (COLUMNS), root (or `node`) first, depth-first."""

    unit: str
    node: str
    spec_id: str
    reference: str | None
    rows: pd.DataFrame


# ---- provenance --------------------------------------------------------------------------------

def denominator_series(ind: Indicator) -> str | None:
    """The series an indicator divides by (or multiplies by), if any."""
    t = ind.transform
    if t.kind in DEFAULT_DENOMINATORS or t.kind == "ratio":
        return t.denominator or DEFAULT_DENOMINATORS.get(t.kind)
    return t.multiplier if t.kind == "product" else None


def _years(label: object, rule: YearRule) -> tuple[int, int] | None:
    """Years a cell's value came from, from its label ("2023", "2021–2023 mean", …)."""
    text = str(label) if isinstance(label, str) else ""
    if not text:
        return None
    if "mean" in text:
        return rule.start, rule.end
    match = _YEAR.match(text)
    return (int(match.group(1)),) * 2 if match else None


def provenance(observations: pd.DataFrame, result: BuildResult) -> pd.DataFrame:
    """Source and file of every (unit, indicator) cell, from the observations actually used.

    Columns: iso3, indicator, series, source, file, denominator_series, denominator_source,
    denominator_file. A window mean lists every source/file of the window (';'-separated).
    The years come from the build's structured `year_from`/`year_to` stages.
    """
    frame = _spans(result)
    out = frame[["iso3", "indicator", "series", "denominator_series"]].copy()
    out[["source", "file"]] = _lookup(frame, "series", observations)
    out[["denominator_source", "denominator_file"]] = _lookup(frame, "denominator_series",
                                                              observations)
    return out.fillna({"denominator_series": ""})


def _spans(result: BuildResult) -> pd.DataFrame:
    """Every (unit, indicator) cell with a value: its series, denominator and the years
    `lo`–`hi` it rests on (indicator after indicator; whole columns, not a lookup per cell)."""
    inds = result.spec.indicators()
    ids, units = [i.id for i in inds], list(result.units)
    cols = ["iso3", "indicator", "series", "denominator_series", "lo", "hi"]
    if result.year_from is None or result.year_to is None:
        cells = [(u, i.id, i.series, denominator_series(i), *span) for i in inds
                 for u in units if (span := _years(result.years.loc[u, i.id],
                                                   result.spec.effective_years(i)))]
        return pd.DataFrame(cells, columns=cols)

    def flat(frame: pd.DataFrame) -> np.ndarray:
        return frame.reindex(index=units, columns=ids).to_numpy(dtype=float).T.ravel()

    lo, hi = flat(result.year_from), flat(result.year_to)
    keep = ~np.isnan(lo)
    k = len(units)
    frame = pd.DataFrame({
        "iso3": np.tile(np.asarray(units, dtype=object), len(ids))[keep],
        "indicator": np.repeat(np.asarray(ids, dtype=object), k)[keep],
        "series": np.repeat(np.asarray([i.series for i in inds], dtype=object), k)[keep],
        "denominator_series": np.repeat(np.asarray([denominator_series(i) for i in inds],
                                                   dtype=object), k)[keep],
        "lo": lo[keep].astype(int), "hi": hi[keep].astype(int)})
    return frame.reset_index(drop=True)


def cell_provenance(result: BuildResult, observations: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, indicator) with everything that made the cell: series, years,
    source and file, denominator, transform, raw and selected value, imputation, treated and
    normalised value (what `Build.provenance` returns)."""
    prov = provenance(observations, result).set_index(["iso3", "indicator"])
    imp = {(e.unit, e.indicator): e.method or e.code for e in result.log
           if e.code in ("imputed", "carried_forward")}
    inds = result.spec.indicators()
    ids, units = [i.id for i in inds], list(result.units)
    iso3, ind_col = np.tile(units, len(ids)), np.repeat(ids, len(units))
    keys = pd.MultiIndex.from_arrays([iso3, ind_col])
    p = prov.reindex(keys)

    def flat(frame: pd.DataFrame | None) -> np.ndarray:
        """A units × indicators frame as one column, indicator after indicator."""
        if frame is None:
            return np.full(len(keys), np.nan)
        return frame.reindex(index=units, columns=ids).to_numpy().T.ravel()

    def text(col: str) -> np.ndarray:
        return p[col].fillna("").to_numpy() if col in p else np.full(len(keys), "")

    return pd.DataFrame({
        "iso3": iso3, "indicator": ind_col,
        "series": np.repeat([i.series for i in inds], len(units)),
        "year_from": flat(result.year_from).astype(float),
        "year_to": flat(result.year_to).astype(float),
        "year": flat(result.years), "source": text("source"), "file": text("file"),
        "denominator_series": np.repeat([denominator_series(i) or "" for i in inds],
                                        len(units)),
        "denominator_file": text("denominator_file"),
        "transform": np.repeat([i.transform.kind for i in inds], len(units)),
        "raw_value": flat(result.numerators), "value": flat(result.data),
        "imputed": flat(result.imputed_mask).astype(bool),
        "imputation": [imp.get(k, "") for k in zip(iso3, ind_col, strict=True)],
        "treated": flat(result.treated), "normalised": flat(result.normalised)})


def _lookup(cells: pd.DataFrame, key: str, observations: pd.DataFrame) -> pd.DataFrame:
    empty = pd.DataFrame({"source": "", "file": ""}, index=cells.index)
    wanted = cells[cells[key].notna()]
    if wanted.empty:
        return empty
    obs = observations[observations["series"].isin(set(wanted[key]))
                       & observations["iso3"].isin(set(wanted["iso3"]))]
    merged = wanted.reset_index().merge(obs[["iso3", "series", "year", "source", "file"]],
                                        left_on=["iso3", key], right_on=["iso3", "series"],
                                        how="inner", suffixes=("", "_obs"))
    merged = merged[merged["year"].between(merged["lo"], merged["hi"])]
    joined = pd.DataFrame({col: _distinct_joined(merged["index"], merged[col])
                           for col in ("source", "file")})
    return joined.reindex(cells.index).fillna("")


def _distinct_joined(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Per key, its distinct values (as text, first seen first) joined by '; ' — whole columns:
    a key with one distinct value (nearly every cell) is taken as it is, and only the few with
    several go through a join (a Python function per group took minutes at 200,000 cells)."""
    d = pd.DataFrame({"key": keys.to_numpy(), "value": values.astype(str).to_numpy()}
                     ).drop_duplicates()
    several = d["key"].duplicated(keep=False).to_numpy()
    one = pd.Series(d["value"].to_numpy()[~several], index=d["key"].to_numpy()[~several])
    many = d[several].groupby("key", sort=False)["value"].agg("; ".join)
    return pd.concat([one, many]).sort_index()


# ---- explain -----------------------------------------------------------------------------------

class _UnitFacts:
    """What `explain` looks up for one unit, node after node — the unit's contributions by
    child and its log entries by indicator — gathered in one pass each (a lookup per node in
    the whole table made a 10,000-indicator lineage quadratic)."""

    def __init__(self, result: BuildResult, unit: str) -> None:
        c = result.contributions
        mine = c[c["iso3"] == unit]
        self.contrib: dict[str, tuple[float, float, str]] = {}
        for child, w, v, m in zip(mine["child"], mine["weight"], mine["contribution"],
                                  mine["method"], strict=True):
            self.contrib.setdefault(str(child), (float(w), float(v), str(m)))
        self.log: dict[str, list] = {}
        for e in result.log:
            if e.unit in (unit, ""):
                self.log.setdefault(e.indicator, []).append(e)
        self.unit = unit

    def log_text(self, ind: str, steps: tuple[str, ...], indicator_wide: bool = False) -> str:
        return "; ".join(e.detail for e in self.log.get(ind, ()) if e.step in steps and
                         (e.unit == self.unit or (indicator_wide and e.unit == "")))

    def contribution(self, node: str) -> tuple[float, float, str]:
        return self.contrib.get(node, (np.nan, np.nan, ""))


def _normalisation(result: BuildResult, ind: Indicator) -> str:
    norm = result.spec.effective_normalise(ind)
    text = norm.method + (f" (ref {norm.reference})" if norm.reference else "")
    return text + (", direction −" if ind.direction < 0 else "")


def explain(result: BuildResult, unit: str, node: str | None = None,
            observations: pd.DataFrame | None = None) -> Lineage:
    """The lineage of `unit` from the root (or `node`) down; see the module docstring.

    `observations` (the data the build used) fills in source and file for each raw value.
    """
    unit = unit.upper()
    if unit not in result.units:
        why = " (screened out for lack of data)" if unit in result.screened_out else ""
        raise KeyError(f"{unit} is not in this build{why}; units: {', '.join(result.units)}")
    spec = result.spec
    start = spec.node(node) if node else spec.root
    parent_of = spec.parent_of()
    prov = (provenance(observations, result).set_index(["iso3", "indicator"])
            if observations is not None else None)
    rows: list[dict[str, object]] = []
    facts = _UnitFacts(result, unit)

    for path in spec.iter_paths(start.id):
        n, depth = path[-1], len(path) - 1
        weight, contrib, pmethod = facts.contribution(n.id)
        row: dict[str, object] = {
            "depth": depth, "node": n.id, "parent": parent_of.get(n.id, ""),
            "name_en": n.name.en, "name_zh": n.name.get("zh"), "weight": weight,
            "parent_method": pmethod, "contribution": contrib}
        if isinstance(n, Indicator):
            row.update(_indicator_row(result, unit, n, prov, facts))
        else:
            ratio = " ÷ reference" if n.standardise == "ratio" else ""
            row.update({"kind": "aggregate", "score": result.scores.loc[unit, n.id],
                        "rank": result.ranks.loc[unit, n.id],
                        "method": n.aggregate.method + ratio})
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    return Lineage(unit, start.id, spec.id, spec.reference, frame)


def _indicator_row(result: BuildResult, unit: str, ind: Indicator,
                   prov: pd.DataFrame | None, facts: _UnitFacts) -> dict[str, object]:
    key = (unit, ind.id)
    found = prov is not None and key in prov.index
    p = prov.loc[key] if found else None
    return {
        "kind": "indicator", "series": ind.series, "year": result.years.loc[unit, ind.id],
        "raw_value": result.numerators.loc[unit, ind.id],
        "denominator": result.denominators.loc[unit, ind.id],
        "transform": describe_transform(ind), "value": result.data.loc[unit, ind.id],
        "imputed": bool(result.imputed_mask.loc[unit, ind.id]),
        "imputation": facts.log_text(ind.id, ("select", "impute")),
        "treated": result.treated.loc[unit, ind.id],
        "treatment": facts.log_text(ind.id, ("treat",), indicator_wide=True),
        "normalised": result.normalised.loc[unit, ind.id],
        "score": result.normalised.loc[unit, ind.id], "method": _normalisation(result, ind),
        "source": p["source"] if p is not None else "", "file": p["file"] if p is not None else "",
        "denominator_series": denominator_series(ind) or "",
        "denominator_source": p["denominator_source"] if p is not None else "",
        "denominator_file": p["denominator_file"] if p is not None else "",
    }


def to_frame(lineage: Lineage) -> pd.DataFrame:
    """The lineage as a flat table (iso3 first) for CSV, the HTML report or a notebook."""
    frame = lineage.rows.copy()
    frame.insert(0, "iso3", lineage.unit)
    return frame


def reconcile(lineage: Lineage) -> pd.DataFrame:
    """Per aggregate: its score against the score implied by its children's contributions.

    Arithmetic and harmonic: Σ contributions = score; geometric: exp(Σ contributions) = score.
    `difference` is 0 up to floating-point rounding.
    """
    rows = lineage.rows
    out = []
    for agg in rows[rows["kind"] == "aggregate"].itertuples():
        kids = rows[rows["parent"] == agg.node]
        if kids.empty:
            continue
        total = float(kids["contribution"].sum())
        method = str(kids["parent_method"].iloc[0])
        log = registry.method("aggregate", method).contributions == "log"
        implied = float(np.exp(total)) if log else total
        out.append({"node": agg.node, "method": method, "score": float(agg.score),
                    "sum_of_contributions": total, "implied_score": implied,
                    "difference": implied - float(agg.score)})
    return pd.DataFrame(out)
