"""A COINr purse built as aidi editions, and COINr's `get_trends` per unit and indicator.

`build_purse` builds every Time of a `aidi.sources.coinr_panel.CoinPanel` (the spec of each
Time from `aidi.specs.editions.edition_spec`, i23's public function); `panel_frame` lays a
stage of the builds side by side as COINr's purse data set (uCode, Time, columns);
`get_trends` is COINr 1.1.14's `get_trends` (R/trends.R) with its two trend functions:

- `CAGR`: (y_last / y_first)^(1 / (t_last − t_first)) − 1 over the points present (0 when
  first and last are equal, as COINr);
- `prc_change`: with 3+ points the least-squares slope b and intercept a, 100 · b /
  (a + b · t_first) per time unit; with 2 points ((y₂ − y₁) · 100 / y₁) / (t₂ − t₁); 0 if
  every value is equal.

`use_latest = n` keeps the last n time points up to the unit's latest value (NA if the series
is shorter); `adjust_directions` multiplies by the indicator's direction. Fewer than two values
give NA. Interpolation (`interp_at`) is not offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult, build
from aidi.sources.coinr_panel import CoinPanel
from aidi.specs.editions import edition_spec

Stage = Literal["data", "imputed", "treated", "normalised", "scores"]


def build_purse(panel: CoinPanel) -> dict[int, BuildResult]:
    """Every Time of the panel built on its own units (COINr's per-coin build)."""
    out = {}
    for t, units in panel.units.items():
        spec_t, _ = edition_spec(panel.spec, t, panel.observations)
        spec_t = spec_t.model_copy(update={"units": units})
        out[t] = build(spec_t, panel.observations, units=list(units),
                       unit_info=panel.unit_info)
    return out


def panel_frame(builds: Mapping[int, BuildResult], stage: Stage = "scores") -> pd.DataFrame:
    """One stage of every build stacked: columns uCode, Time, then the stage's columns
    (`scores` = every aggregate, COINr's "Aggregated" without the indicators)."""
    frames = []
    for t, res in builds.items():
        f = getattr(res, stage).copy()
        f.insert(0, "Time", t)
        f.insert(0, "uCode", [str(u) for u in f.index])
        frames.append(f.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)


def raw_frame(panel: CoinPanel) -> pd.DataFrame:
    """COINr's purse "Raw" data set: every unit of every Time, indicators as read (before any
    screening), as a panel frame (uCode, Time, indicator columns)."""
    ids = [i.id for i in panel.spec.indicators()]
    obs = panel.observations[panel.observations["series"].isin(ids)]
    wide = obs.pivot_table(index=["iso3", "year"], columns="series", values="value",
                           aggfunc="first")
    rows = [(u, t) for t, us in panel.units.items() for u in us]
    wide = wide.reindex(pd.MultiIndex.from_tuples(rows, names=["iso3", "year"]))
    wide = wide.reindex(columns=ids).reset_index()
    return wide.rename(columns={"iso3": "uCode", "year": "Time"})


def cagr(y: np.ndarray, x: np.ndarray) -> float:
    """COINr's `CAGR`: compound annual growth from the first to the last point present."""
    ok = ~np.isnan(y)
    if ok.sum() < 2:
        return float("nan")
    y, x = y[ok], x[ok]
    order = np.argsort(x)
    y, x = y[order], x[order]
    if y[-1] == y[0]:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((y[-1] / y[0]) ** (1.0 / (x[-1] - x[0])) - 1.0)


def prc_change(y: np.ndarray, x: np.ndarray, per: float = 1.0) -> float:
    """COINr's `prc_change`: percent change per `per` time units (regression with 3+ points)."""
    ok = ~np.isnan(y)
    if ok.sum() < 2:
        return float("nan")
    y, x = y[ok], x[ok]
    if np.all(y == y[0]):
        return 0.0
    order = np.argsort(x)
    y, x = y[order], x[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        if y.size < 3:
            return float((y[-1] - y[0]) * 100 / y[0] * (per / (x[-1] - x[0])))
        # least squares with centred time (R's lm on raw years loses ~8 digits to
        # conditioning; this is the same line, computed stably): a + b·t₁ = ȳ + b(t₁ − t̄)
        xc = x - x.mean()
        slope = float(np.sum(xc * (y - y.mean())) / np.sum(xc * xc))
        return float(slope * per / (y.mean() + slope * (x[0] - x.mean())) * 100)


TRENDS = {"CAGR": cagr, "prc_change": prc_change}


def _one(y: np.ndarray, t: np.ndarray, f, use_latest: int | None) -> float:
    if np.sum(~np.isnan(y)) < 2:
        return float("nan")
    if use_latest is not None:
        last = int(np.max(np.flatnonzero(~np.isnan(y))))
        first = last - use_latest + 1
        if first < 1:   # COINr: i_first must be > 1 (1-based), i.e. > 0 here
            return float("nan")
        y, t = y[first:last + 1], t[first:last + 1]
        if np.sum(~np.isnan(y)) < 2:
            return float("nan")
    return f(y, t)


def get_trends(frame: pd.DataFrame, columns: list[str] | None = None,
               f_trend: Literal["CAGR", "prc_change"] = "CAGR", use_latest: int | None = None,
               directions: Mapping[str, int] | None = None) -> pd.DataFrame:
    """COINr's `get_trends(purse, dset, f_trend, use_latest, adjust_directions)` on a panel
    frame (uCode, Time, columns): one row per unit and column with the trend, `Avail` (share
    of Times with a value), `t_first` and `t_latest` (first and last Time with a value, when
    there are two or more). `directions` (column → ±1) multiplies the trend, as COINr's
    `adjust_directions = TRUE` with iMeta's directions."""
    if f_trend not in TRENDS:
        raise ValueError(f"f_trend must be one of {sorted(TRENDS)}, got {f_trend!r}")
    cols = columns or [c for c in frame.columns if c not in ("uCode", "Time")]
    rows = []
    for unit, grp in frame.groupby("uCode", sort=True):
        grp = grp.sort_values("Time")
        t = grp["Time"].to_numpy(dtype=float)
        for col in cols:
            y = grp[col].to_numpy(dtype=float)
            have = np.flatnonzero(~np.isnan(y))
            value = _one(y, t, TRENDS[f_trend], use_latest)
            value *= (directions or {}).get(col, 1)
            rows.append({"uCode": unit, "iCode": col, f_trend: value,
                         "Avail": float(np.mean(~np.isnan(y))),
                         "t_first": t[have[0]] if have.size > 1 else np.nan,
                         "t_latest": t[have[-1]] if have.size > 1 else np.nan})
    return pd.DataFrame(rows).sort_values(["iCode", "uCode"], ignore_index=True)
