"""The select step for every indicator at once: transforms and year rules as array operations.

`aidi.engine.select` states the rules one indicator at a time (a panel per series, a year rule
per panel); a spec of 10,000 indicators made that tens of thousands of small pandas
operations. Here every series the spec reads becomes one slab of a (series × units × years)
array built in one pass over the observations; each transform is applied to all the
indicators that use it in one operation, and each distinct year rule to all its indicators
at once. The rules are the same: a transform that divides (per capita, share of GDP, any
denominator) is applied year by year before the year rule; `latest` takes the latest year
with a value in the window, `mean` the window's mean, `exact` the value of year `end`; the
`latest_earlier` fallback takes the latest value before the window when it is empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.engine.select import _missing
from aidi.specs.schema import DEFAULT_DENOMINATORS, IndexSpec, Indicator, Transform, YearRule

__all__ = ["Selection", "select_all"]

_DIVIDES = ("per_capita", "share_of_gdp", "ratio")


@dataclass(frozen=True)
class Selection:
    """Units × indicators arrays (same order as the spec's indicators)."""

    value: np.ndarray         # after transform and year rule
    year: np.ndarray          # year of the value (the latest used, for a mean); NaN = none
    label: np.ndarray         # "2023", "2021–2023 mean", "2019 (latest earlier)", "" (object)
    carried: np.ndarray       # bool: filled by the latest-earlier fallback
    numerator: np.ndarray     # raw series value in that year (NaN for a mean)
    denominator: np.ndarray   # raw denominator or multiplier in that year (NaN if none)
    year_from: np.ndarray     # first year the value rests on (NaN = no value)
    year_to: np.ndarray       # last year the value rests on


def _second(t: Transform) -> str | None:
    """The series a transform divides or multiplies by, if any."""
    if t.kind in _DIVIDES:
        return t.denominator or DEFAULT_DENOMINATORS[t.kind]
    if t.kind == "product":
        return t.multiplier
    return None


def _slabs(observations: pd.DataFrame, series: list[str], units: Sequence[str]
           ) -> tuple[np.ndarray, np.ndarray]:
    """(values[series, unit, year], years): the last non-missing value of each (series,
    unit, year) — what a pivot of each series gives — over the union of their years."""
    rows = observations.loc[observations["series"].isin(series) &
                            observations["iso3"].isin(units),
                            ["series", "iso3", "year", "value"]]
    rows = rows[rows["value"].notna()]
    s_code = pd.Categorical(rows["series"], categories=series).codes
    u_code = pd.Categorical(rows["iso3"], categories=list(units)).codes
    years = np.unique(rows["year"].to_numpy(dtype=np.int64)) if len(rows) else \
        np.zeros(0, dtype=np.int64)
    y_code = np.searchsorted(years, rows["year"].to_numpy(dtype=np.int64))
    out = np.full((len(series), len(units), len(years)), np.nan)
    flat = (s_code.astype(np.int64) * len(units) + u_code) * len(years) + y_code
    # the last row of each key wins, as the per-series pivot's "last"
    _, last = np.unique(flat[::-1], return_index=True)
    keep = len(flat) - 1 - last
    out.reshape(-1)[flat[keep]] = rows["value"].to_numpy(dtype=float)[keep]
    return out, years


def _present_series(observations: pd.DataFrame, series: list[str]) -> set[str]:
    return set(observations.loc[observations["series"].isin(series), "series"].unique())


def select_all(spec: IndexSpec, observations: pd.DataFrame, units: Sequence[str]
               ) -> Selection:
    """Every indicator's transform and year rule for `units` (see the module docstring).
    Raises `MissingSeriesError` for a series the data lacks, `ValueError` for a log
    transform meeting a value that is not positive after its offset."""
    inds = spec.indicators()
    needed = list(dict.fromkeys([s for i in inds for s in (i.series, _second(i.transform))
                                 if s is not None]))
    present = _present_series(observations, needed)
    for s in needed:  # in the spec's order, as the per-indicator pass met them
        if s not in present:
            raise _missing(s)
    slab, years = _slabs(observations, needed, units)
    pos = {s: k for k, s in enumerate(needed)}
    num = slab[[pos[i.series] for i in inds]]                       # (ind, unit, year)
    trans, den = _transformed(inds, num, slab, pos, list(units), years)
    out = _empty(len(units), len(inds))
    rules: dict[YearRule, list[int]] = {}
    for j, ind in enumerate(inds):
        rules.setdefault(spec.effective_years(ind), []).append(j)
    for rule, cols in rules.items():
        _apply_rule(rule, np.asarray(cols), trans, num, den, years, out)
    return Selection(**out)


def _transformed(inds: list[Indicator], num: np.ndarray, slab: np.ndarray,
                 pos: dict[str, int], units: list[str], years: np.ndarray):
    """(transformed values, denominator-or-multiplier values or NaN), (ind, unit, year)."""
    den = np.full(num.shape, np.nan)
    out = num.copy()
    kinds = np.array([i.transform.kind for i in inds])
    for kind in dict.fromkeys(kinds):
        j = np.flatnonzero(kinds == kind)
        t = [inds[k].transform for k in j]
        if kind in _DIVIDES or kind == "product":
            d = slab[[pos[_second(x)] for x in t]]
            den[j] = d
            with np.errstate(divide="ignore", invalid="ignore"):
                out[j] = num[j] / np.where(d != 0, d, np.nan) if kind != "product" \
                    else num[j] * d
        elif kind == "log":
            shifted = num[j] + np.array([x.offset for x in t])[:, None, None]
            bad = shifted <= 0
            if bad.any():
                a, u, y = (int(v[0]) for v in np.nonzero(bad))
                raise ValueError(f"log transform of {inds[j[a]].series!r}: value "
                                 f"{shifted[a, u, y]:g} for {units[u]} {years[y]} is not "
                                 "positive after the offset; raise transform.offset")
            out[j] = np.log(shifted)
    scale = np.array([i.transform.scale for i in inds])
    if (scale != 1).any():
        out = out * scale[:, None, None]
    return out, den


def _empty(n_units: int, n_ind: int) -> dict[str, np.ndarray]:
    nan = lambda: np.full((n_units, n_ind), np.nan)  # noqa: E731
    return {"value": nan(), "year": nan(), "label": np.full((n_units, n_ind), "", dtype=object),
            "carried": np.zeros((n_units, n_ind), dtype=bool), "numerator": nan(),
            "denominator": nan(), "year_from": nan(), "year_to": nan()}


def _last(present: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Index of the latest year among `cols` with a value, per (ind, unit); −1 if none."""
    if not len(cols):
        return np.full(present.shape[:2], -1)
    idx = np.where(present & cols, np.arange(len(cols)), -1)
    return idx.max(axis=-1)


def _apply_rule(rule: YearRule, cols: np.ndarray, trans: np.ndarray, num: np.ndarray,
                den: np.ndarray, years: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """One year rule for the indicators `cols` (all units at once), written into `out`."""
    v = trans[cols]                                                  # (k, unit, year)
    present = ~np.isnan(v)
    in_win = (years >= rule.start) & (years <= rule.end)
    k, n_units = v.shape[0], v.shape[1]
    value = np.full((k, n_units), np.nan)
    year = np.full((k, n_units), np.nan)
    label = np.full((k, n_units), "", dtype=object)
    num_v, den_v = np.full((k, n_units), np.nan), np.full((k, n_units), np.nan)
    if rule.rule == "mean":
        win = np.where(present[..., in_win], v[..., in_win], np.nan)
        count = (~np.isnan(win)).sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(win, axis=-1) / count
        value = np.where(count > 0, mean, np.nan)
        li = _last(present, in_win)
        year = np.where(li >= 0, years[np.maximum(li, 0)], np.nan) if len(years) else year
        label[count > 0] = f"{rule.start}–{rule.end} mean"
    else:
        li = _last(present, in_win if rule.rule == "latest" else years == rule.end)
        _take(li, v, num[cols], den[cols], years, value, year, num_v, den_v)
        label[li >= 0] = _labels(year[li >= 0], "{}")
    carried = np.zeros((k, n_units), dtype=bool)
    if rule.fallback == "latest_earlier":
        li = _last(present, years < rule.start)
        need = np.isnan(value) & (li >= 0)
        li = np.where(need, li, -1)
        _take(li, v, num[cols], den[cols], years, value, year, num_v, den_v)
        label[need] = _labels(year[need], "{} (latest earlier)")
        carried = need
    has = ~np.isnan(value)
    mean = (rule.rule == "mean") & ~carried
    lo = np.where(mean, float(rule.start), year)
    hi = np.where(mean, float(rule.end), year)
    for name, arr in (("value", value), ("year", year), ("label", label),
                      ("carried", carried), ("numerator", num_v), ("denominator", den_v),
                      ("year_from", np.where(has, lo, np.nan)),
                      ("year_to", np.where(has, hi, np.nan))):
        out[name][:, cols] = arr.T


def _take(li: np.ndarray, v: np.ndarray, num: np.ndarray, den: np.ndarray, years: np.ndarray,
          value, year, num_v, den_v) -> None:
    """Fill the cells where `li` >= 0 with the value, year and raw inputs of that year."""
    a, u = np.nonzero(li >= 0)
    y = li[a, u]
    value[a, u] = v[a, u, y]
    year[a, u] = years[y]
    num_v[a, u] = num[a, u, y]
    den_v[a, u] = den[a, u, y]


def _labels(years: np.ndarray, fmt: str) -> list[str]:
    text = {y: fmt.format(int(y)) for y in np.unique(years)}
    return [text[y] for y in years]
