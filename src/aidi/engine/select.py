"""From tidy observations to one value per (unit, indicator): transforms and year rules.

Transforms that divide by another series (per capita, share of GDP, any denominator) are
applied year by year *before* the year rule, so numerator and denominator always come from the
same year. The year rule then picks, per unit, the latest value in the window, the window mean,
or one exact year, and falls back to the latest earlier year when the window is empty (that
fallback is reported: it is an imputation by carrying the last observation forward).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.errors import AidiError
from aidi.specs.schema import DEFAULT_DENOMINATORS, Transform, YearRule


class MissingSeriesError(AidiError, KeyError):
    """A spec refers to a series the data does not have."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0])


@dataclass(frozen=True)
class SelectedColumn:
    """One indicator's values for every unit, with the year used and where they came from."""

    value: pd.Series          # after transform and year rule
    year: pd.Series           # year of the value (the latest year used, for a mean)
    year_label: pd.Series     # "2023", "2021–2023 mean", "2019 (latest earlier)"
    carried_forward: pd.Series  # bool: filled by the latest-earlier-year fallback
    numerator: pd.Series      # raw numerator value in that year (NaN for a mean)
    denominator: pd.Series    # raw denominator (or multiplier) in that year (NaN if none)


def _missing(series: str) -> MissingSeriesError:
    return MissingSeriesError(
        f"series {series!r} is not in the data; check the spec's `series` field against "
        "`aidi data info --series` (or import it with `aidi data import`)")


def panel(observations: pd.DataFrame, series: str, units: list[str]) -> pd.DataFrame:
    """Wide (units × years) table of one series; raises if the series is absent (one filter
    of the observations: fine for a few series; a whole build uses
    `aidi.engine.select_many`)."""
    rows = observations[observations["series"] == series]
    if rows.empty:
        raise _missing(series)
    wide = rows.pivot_table(index="iso3", columns="year", values="value", aggfunc="last")
    return wide.reindex(index=units)


def transformed_panel(observations: pd.DataFrame, series: str, transform: Transform,
                      units: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(transformed, numerator, denominator) panels, aligned by year."""
    num = panel(observations, series, units)
    den = None
    kind = transform.kind
    if kind in ("per_capita", "share_of_gdp", "ratio"):
        den_series = transform.denominator or DEFAULT_DENOMINATORS[kind]
        den = panel(observations, den_series, units).reindex(columns=num.columns)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = num / den.where(den != 0)
    elif kind == "product":
        den = panel(observations, transform.multiplier, units).reindex(columns=num.columns)
        out = num * den
    elif kind == "log":
        shifted = num + transform.offset
        if (shifted <= 0).any().any():
            bad = shifted[shifted <= 0].stack().dropna()  # the offending cells, not NaNs
            (iso, yr), val = next(iter(bad.items()))
            raise ValueError(f"log transform of {series!r}: value {val:g} for {iso} {yr} is not "
                             "positive after the offset; raise transform.offset")
        out = np.log(shifted)
    else:
        out = num.copy()
    return out * transform.scale, num, den


def apply_year_rule(trans: pd.DataFrame, num: pd.DataFrame, den: pd.DataFrame | None,
                    rule: YearRule) -> SelectedColumn:
    """Pick one value per unit according to `rule` (see module docstring)."""
    years = np.array(trans.columns, dtype=int)
    # row-major whatever the panel's layout: a row sum's rounding depends on it
    values = np.ascontiguousarray(trans.to_numpy(dtype=float))
    n_units = values.shape[0]
    in_win = (years >= rule.start) & (years <= rule.end)
    before = years < rule.start
    present = ~np.isnan(values)

    def last_index(mask_cols: np.ndarray) -> np.ndarray:
        m = present & mask_cols[None, :]
        idx = np.where(m, np.arange(len(years))[None, :], -1).max(axis=1) if len(years) else \
            np.full(n_units, -1)
        return idx

    out = np.full(n_units, np.nan)
    year = np.full(n_units, np.nan)
    label = np.array([""] * n_units, dtype=object)
    num_v = np.full(n_units, np.nan)
    den_v = np.full(n_units, np.nan)
    rows = np.arange(n_units)

    if rule.rule == "mean":
        win = np.where(present & in_win[None, :], values, np.nan)
        count = (~np.isnan(win)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(win, axis=1) / count
        out = np.where(count > 0, mean, np.nan)
        li = last_index(in_win)
        year = np.where(li >= 0, years[np.maximum(li, 0)], np.nan)
        label[count > 0] = f"{rule.start}–{rule.end} mean"
    else:
        cols = in_win if rule.rule == "latest" else (years == rule.end)
        li = last_index(cols)
        ok = li >= 0
        out[ok] = values[rows[ok], li[ok]]
        year[ok] = years[li[ok]]
        label[ok] = _labels(year[ok], "{}")
        _fill_raw(num_v, den_v, num, den, rows[ok], li[ok])

    carried = np.zeros(n_units, dtype=bool)
    if rule.fallback == "latest_earlier":
        li = last_index(before)
        need = np.isnan(out) & (li >= 0)
        out[need] = values[rows[need], li[need]]
        year[need] = years[li[need]]
        label[need] = _labels(year[need], "{} (latest earlier)")
        carried = need
        _fill_raw(num_v, den_v, num, den, rows[need], li[need])

    idx = trans.index
    return SelectedColumn(pd.Series(out, idx), pd.Series(year, idx), pd.Series(label, idx),
                          pd.Series(carried, idx), pd.Series(num_v, idx), pd.Series(den_v, idx))


def _labels(years: np.ndarray, fmt: str) -> np.ndarray:
    """`fmt` of each year as an object array whose equal labels are one string object (a few
    distinct years, not one string per cell: 8 bytes a cell at 200,000 units)."""
    distinct, inverse = np.unique(years.astype(int), return_inverse=True)
    return np.array([fmt.format(y) for y in distinct], dtype=object)[inverse]


def _fill_raw(num_v: np.ndarray, den_v: np.ndarray, num: pd.DataFrame, den: pd.DataFrame | None,
              rows: np.ndarray, cols: np.ndarray) -> None:
    n = num.to_numpy(dtype=float)
    num_v[rows] = n[rows, cols]
    if den is not None:
        den_v[rows] = den.to_numpy(dtype=float)[rows, cols]
