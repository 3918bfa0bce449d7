"""Outlier treatment, with COINr's default rule and its definitions of skewness and kurtosis.

The rule (COINr `qTreat`/`Treat` default): while |skewness| > `skew_thresh` AND kurtosis >
`kurt_thresh`, winsorise one more point on the side of the skew (the most extreme value is set to
the next one in), up to `winmax` points. If the indicator is still outside the thresholds after
`winmax` points, undo the winsorisation and apply a log-type transform instead (`fallback`).

Skewness and kurtosis are the sample-adjusted estimators (as in COINr / Excel SKEW and KURT):
  skew = n / ((n−1)(n−2)) Σ zᵢ³,   kurt = n(n+1) / ((n−1)(n−2)(n−3)) Σ zᵢ⁴ − 3(n−1)² / ((n−2)(n−3))
with zᵢ = (xᵢ − mean) / sd (sample sd). Missing values are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


def skewness(x: Array) -> float:
    """Sample-adjusted skewness (missing values ignored)."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 3:
        return float("nan")
    s = v.std(ddof=1)
    if s == 0:
        return 0.0
    z = (v - v.mean()) / s
    return float(n / ((n - 1) * (n - 2)) * np.sum(z**3))


def kurtosis(x: Array) -> float:
    """Sample-adjusted excess kurtosis (missing values ignored)."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4:
        return float("nan")
    s = v.std(ddof=1)
    if s == 0:
        return 0.0
    z = (v - v.mean()) / s
    a = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(z**4)
    return float(a - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


@dataclass(frozen=True)
class TreatRecord:
    """What treatment did to one indicator column."""

    column: int
    winsorised_low: tuple[int, ...] = ()
    winsorised_high: tuple[int, ...] = ()
    transformed: str | None = None
    skew_before: float = float("nan")
    kurt_before: float = float("nan")
    skew_after: float = float("nan")
    kurt_after: float = float("nan")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return bool(self.winsorised_low or self.winsorised_high or self.transformed)


def _outside(v: Array, skew_thresh: float, kurt_thresh: float) -> bool:
    sk, ku = skewness(v), kurtosis(v)
    return bool(abs(sk) > skew_thresh and ku > kurt_thresh)


def log_transform(x: Array) -> Array:
    """COINr's log-type fallback: ln(x − min + 1) for positive skew (keeps order, handles ≤ 0);
    for negative skew the mirror image −ln(max − x + 1)."""
    v = np.asarray(x, dtype=float)
    if skewness(v) >= 0:
        return np.log(v - np.nanmin(v) + 1)
    return -np.log(np.nanmax(v) - v + 1)


def winsorise_column(x: Array, winmax: int = 5, skew_thresh: float = 2.0,
                     kurt_thresh: float = 3.5, fallback: str = "log",
                     column: int = 0) -> tuple[Array, TreatRecord]:
    """Apply the rule above to one column; returns the treated column and what was done."""
    v = np.asarray(x, dtype=float).copy()
    sk0, ku0 = skewness(v), kurtosis(v)
    low: list[int] = []
    high: list[int] = []
    work = v.copy()
    while _outside(work, skew_thresh, kurt_thresh) and len(low) + len(high) < winmax:
        high_side = skewness(work) > 0
        order = np.argsort(np.where(np.isnan(work), np.nan, work))
        valid = order[~np.isnan(work[order])]
        if valid.size < 2:
            break
        if high_side:
            top = np.flatnonzero(work == work[valid[-1]])
            rest = work[~np.isin(np.arange(work.size), top) & ~np.isnan(work)]
            if rest.size == 0:
                break
            work[top] = rest.max()
            high.extend(int(i) for i in top)
        else:
            bot = np.flatnonzero(work == work[valid[0]])
            rest = work[~np.isin(np.arange(work.size), bot) & ~np.isnan(work)]
            if rest.size == 0:
                break
            work[bot] = rest.min()
            low.extend(int(i) for i in bot)
    transformed = None
    if _outside(work, skew_thresh, kurt_thresh) and fallback == "log":
        work = log_transform(v)
        low, high, transformed = [], [], "log"
    return work, TreatRecord(column, tuple(sorted(set(low))), tuple(sorted(set(high))),
                             transformed, sk0, ku0, skewness(work), kurtosis(work))


def treat_matrix(x: Array, settings: Sequence[object]) -> tuple[Array, list[TreatRecord]]:
    """Treat each column of an (n_units × n_indicators) array by its own `Treat` setting.

    `settings[j]` has attributes method ('none' | 'winsorise' | 'log'), winmax, skew_thresh,
    kurt_thresh, fallback (see `aidi.specs.schema.Treat`).
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    records: list[TreatRecord] = []
    for j, s in enumerate(settings):
        method = getattr(s, "method", "none")
        if method == "none":
            continue
        if method == "log":
            out[:, j] = log_transform(x[:, j])
            records.append(TreatRecord(j, transformed="log", skew_before=skewness(x[:, j]),
                                       kurt_before=kurtosis(x[:, j])))
            continue
        out[:, j], rec = winsorise_column(x[:, j], s.winmax, s.skew_thresh, s.kurt_thresh,
                                          s.fallback, column=j)
        if rec.changed:
            records.append(rec)
    return out, records
