"""Outlier treatment, with COINr's default rule and its definitions of skewness and kurtosis.

The rule is COINr's `Treat()` default (`f1 = "winsorise"`, `f_pass = "check_SkewKurt"`,
`f2 = "log_CT"`; R/treat.R in bluefoxr/COINr), reproduced step for step because the published
results of its example build depend on every detail:

1. An indicator *passes* when |skewness| < `skew_thresh` OR kurtosis < `kurt_thresh`; it is
   *outside* (needs treatment) when |skewness| ≥ `skew_thresh` AND kurtosis ≥ `kurt_thresh`.
2. While outside and fewer than `winmax` points have been winsorised: if skewness ≥ 0 the
   highest value (all units tied at it) is set to the next-highest value, otherwise the lowest
   to the next-lowest; skewness and kurtosis are recomputed after each point. The count is the
   number of distinct units changed (ties count once per unit, as in COINr, where the units
   already winsorised are tied with the maximum and are counted again in `which(x == max(x))`).
3. If still outside after `winmax` points, the winsorisation is discarded and the fallback
   transform is applied to the *original* column (COINr's `combine_treat = FALSE`):
   - `log_ct` (COINr's default `log_CT`): ln(x − min + 0.01·(max − min));
   - `log` (aidi's): ln(x − min + 1) for positive skew, −ln(max − x + 1) for negative skew
     (keeps the direction of a negatively skewed indicator);
   - `none`: the column is left untreated (and the log says so).

Skewness and kurtosis are the sample-adjusted estimators used by COINr (`skew`, `kurt`, taken
from e1071 type 2, equal to Excel's SKEW and KURT), computed with COINr's own arithmetic:
  m = x − mean(x);  skew = √n Σm³ / (Σm²)^{3/2} · √(n(n−1)) / (n−2)
  r = n Σm⁴ / (Σm²)²;  kurt = ((n+1)(r−3) + 6)(n−1) / ((n−2)(n−3))
Missing values are ignored. With fewer than 3 (skew) or 4 (kurtosis) values the statistic is
NaN and the column is never treated (COINr stops with an error instead).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


def _present(x: Array) -> Array:
    v = np.asarray(x, dtype=float)
    return v[~np.isnan(v)]


def skewness(x: Array) -> float:
    """Sample-adjusted skewness (COINr `skew`, e1071 type 2); missing values ignored."""
    v = _present(x)
    n = v.size
    if n < 3:
        return float("nan")
    m = v - v.mean()
    m2 = np.sum(m**2)
    if m2 == 0:
        return 0.0
    y = np.sqrt(n) * np.sum(m**3) / m2**1.5
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: Array) -> float:
    """Sample-adjusted excess kurtosis (COINr `kurt`, e1071 type 2); missing values ignored."""
    v = _present(x)
    n = v.size
    if n < 4:
        return float("nan")
    m = v - v.mean()
    m2 = np.sum(m**2)
    if m2 == 0:
        return 0.0
    r = n * np.sum(m**4) / m2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


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
    """COINr's `check_SkewKurt` failing: |skew| ≥ threshold AND kurtosis ≥ threshold."""
    sk, ku = skewness(v), kurtosis(v)
    return bool(abs(sk) >= skew_thresh and ku >= kurt_thresh)


def log_transform(x: Array) -> Array:
    """aidi's log-type transform: ln(x − min + 1) for positive skew (keeps order, handles ≤ 0);
    for negative skew the mirror image −ln(max − x + 1), so the indicator keeps its direction."""
    v = np.asarray(x, dtype=float)
    if skewness(v) >= 0:
        return np.log(v - np.nanmin(v) + 1)
    return -np.log(np.nanmax(v) - v + 1)


def log_ct(x: Array) -> Array:
    """COINr's default fallback `log_CT`: ln(x − min + 0.01·(max − min)).

    The shift 0.01·range (rather than 1) makes the transform independent of the indicator's
    unit; the minimum maps to ln(0.01·range). A constant column has no range: ln(0) = −inf, so
    a constant column is returned unchanged instead (it is never outside the thresholds anyway).
    """
    v = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    if not hi > lo:
        return v.copy()
    return np.log(v - lo + 0.01 * (hi - lo))


def log_ct_plus(x: Array) -> Array:
    """COINr `log_CT_plus`: `log_CT` for positive skew, its mirror −ln(max + a − x) otherwise
    (a = 0.01·range), so a negatively skewed indicator is compressed at the low end and keeps
    its direction. COINr tests `skew > 0` here (`>=` in winsorise); a zero skew mirrors."""
    v = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    if not hi > lo:
        return v.copy()
    a = 0.01 * (hi - lo)
    return np.log(v - lo + a) if skewness(v) > 0 else -np.log(hi + a - v)


def log_ct_orig(x: Array) -> Array:
    """COINr `log_CT_orig` (the COIN Tool's original): ln(x − min + 1). Not unit-free: the +1
    means a change of units changes the shape of the transform."""
    v = np.asarray(x, dtype=float)
    return np.log(v - np.nanmin(v) + 1.0)


def log_gii(x: Array) -> Array:
    """COINr `log_GII` (the GII 2020 spreadsheet's): ln((max − 1)(x − min) / (max − min) + 1).

    Maps min → 0 and max → ln(max). COINr warns it flips the direction when max < 1 (then
    max − 1 < 0); that is kept. Note: COINr 1.1.14's function computes this and returns the
    untransformed x (its body assigns the result to x1 and returns x) — aidi returns the
    documented transform.
    """
    v = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    if not hi > lo:
        return v.copy()
    return np.log((hi - 1.0) * (v - lo) / (hi - lo) + 1.0)


def boxcox(x: Array, lam: float | None = None, makepos: bool = True) -> Array:
    """Box-Cox: (yᵏ − 1) / λ, ln y for λ = 0, with y = x − min + 1 when `makepos` (COINr
    `boxcox(x, lambda, makepos = TRUE)`). `lam=None` estimates λ by maximum likelihood
    (scipy.stats.boxcox on the values present) — not in COINr, which takes λ as given."""
    v = np.asarray(x, dtype=float)
    y = v - np.nanmin(v) + 1.0 if makepos else v
    if lam is None:
        from scipy.stats import boxcox as _bc  # scipy.stats is slow to import

        present = y[~np.isnan(y)]
        if present.size < 2 or np.all(present == present[0]):
            return v.copy()
        lam = float(_bc(present)[1])
    if np.nanmin(y) <= 0:
        raise ValueError("Box-Cox needs positive values (use makepos)")
    return np.log(y) if lam == 0 else (y**lam - 1.0) / lam


FALLBACKS = {"log": log_transform, "log_ct": log_ct, "log_ct_plus": log_ct_plus,
             "log_ct_orig": log_ct_orig, "log_gii": log_gii, "boxcox": boxcox}


def _transform(name: str, x: Array, lam: float | None = None) -> Array:
    return boxcox(x, lam) if name == "boxcox" else FALLBACKS[name](x)


def _winsorise(v: Array, winmax: int, skew_thresh: float, kurt_thresh: float,
               force: bool = False) -> tuple[Array, set[int], set[int]]:
    """COINr's `winsorise`: while failing its own thresholds (or always, with `force_win`) and
    fewer than `winmax` points are winsorised, pull in the maximum (skew ≥ 0) or the minimum."""
    work = v.copy()
    low: set[int] = set()
    high: set[int] = set()
    present = ~np.isnan(work)
    while (force or _outside(work, skew_thresh, kurt_thresh)) and len(low | high) < winmax:
        if skewness(work) >= 0:   # COINr: skew >= 0 → high outliers
            top = np.flatnonzero(present & (work == np.nanmax(work)))
            rest = work[present & ~np.isin(np.arange(work.size), top)]
            if rest.size == 0:
                break
            work[top] = rest.max()
            high.update(int(i) for i in top)
        else:
            bot = np.flatnonzero(present & (work == np.nanmin(work)))
            rest = work[present & ~np.isin(np.arange(work.size), bot)]
            if rest.size == 0:
                break
            work[bot] = rest.min()
            low.update(int(i) for i in bot)
    return work, low, high


def winsorise_column(x: Array, winmax: int = 5, skew_thresh: float = 2.0,
                     kurt_thresh: float = 3.5, fallback: str = "log",
                     column: int = 0, lam: float | None = None, *,
                     f1: str = "winsorise", f1_lam: float | None = None,
                     pass_thresh: tuple[float, float] | None = None, force_win: bool = False,
                     combine: bool = False) -> tuple[Array, TreatRecord]:
    """COINr's `Treat.numeric` on one column; returns the treated column and what was done.

    check (`pass_thresh`, COINr's f_pass_para; default: f1's thresholds) → if failing, `f1`
    (winsorise with its own thresholds, `winmax`, `force_win`; or a transform) → check again →
    if still failing, `fallback` (COINr's f2) on the original column, or on f1's output with
    `combine` (COINr's combine_treat). A column with too few values to check is left alone.
    """
    v = np.asarray(x, dtype=float).copy()
    sk0, ku0 = skewness(v), kurtosis(v)
    p_sk, p_ku = pass_thresh if pass_thresh is not None else (skew_thresh, kurt_thresh)
    if not (np.isfinite(sk0) and np.isfinite(ku0)) or not _outside(v, p_sk, p_ku):
        return v, TreatRecord(column, skew_before=sk0, kurt_before=ku0, skew_after=sk0,
                              kurt_after=ku0)
    low: set[int] = set()
    high: set[int] = set()
    notes: list[str] = []
    transformed = None
    if f1 == "winsorise":
        work, low, high = _winsorise(v, winmax, skew_thresh, kurt_thresh, force_win)
    else:
        work, transformed = _transform(f1, v, f1_lam), f1
    if _outside(work, p_sk, p_ku):
        if fallback in FALLBACKS:
            base = work if combine else v
            if not combine:
                low, high, transformed = set(), set(), None
            work = _transform(fallback, base, lam)
            transformed = f"{transformed}+{fallback}" if transformed else fallback
        else:
            notes.append(f"still outside the thresholds after {len(low | high)} winsorised "
                         "point(s); no fallback transform")
    high -= low  # a unit pulled in from both ends is reported once, on the side it ended on
    return work, TreatRecord(column, tuple(sorted(low)), tuple(sorted(high)), transformed,
                             sk0, ku0, skewness(work), kurtosis(work), tuple(notes))


class CoinrDeviationWarning(UserWarning):
    """aidi gives another number than COINr on purpose (a COINr bug kept out)."""


def _warn_log_gii(name: str) -> None:
    warnings.warn(f"treatment of {name!r} applies log_GII: COINr 1.1.14's log_GII returns its "
                  "input unchanged (it computes the transform into x1 and returns x), so COINr "
                  "would leave this column untreated; aidi applies the documented transform",
                  CoinrDeviationWarning, stacklevel=4)


def treat_matrix(x: Array, settings: Sequence[object],
                 names: Sequence[str] | None = None) -> tuple[Array, list[TreatRecord]]:
    """Treat each column of an (n_units × n_indicators) array by its own `Treat` setting.

    `settings[j]` is an `aidi.specs.schema.Treat`: method ('none' | 'winsorise' = COINr's
    rule | a transform of `FALLBACKS`, applied always), and the rule's f1, thresholds,
    fallback (f2), λs, force_win, combine. `names` label the log_GII deviation warning.
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    records: list[TreatRecord] = []
    for j, s in enumerate(settings):
        method = getattr(s, "method", "none")
        if method == "none":
            continue
        if method in FALLBACKS:
            out[:, j] = _transform(method, x[:, j], getattr(s, "lam", None))
            records.append(TreatRecord(j, transformed=method, skew_before=skewness(x[:, j]),
                                       kurt_before=kurtosis(x[:, j]),
                                       skew_after=skewness(out[:, j]),
                                       kurt_after=kurtosis(out[:, j])))
            continue
        out[:, j], rec = winsorise_column(
            x[:, j], s.winmax, s.skew_thresh, s.kurt_thresh, s.effective_fallback(), column=j,
            lam=s.lam, f1=s.f1, f1_lam=s.f1_lam, pass_thresh=s.pass_thresholds(),
            force_win=s.force_win, combine=s.combine)
        if s.semantics == "coinr" and "log_gii" in (rec.transformed or "").split("+"):
            _warn_log_gii(names[j] if names else str(j))
        if rec.changed or rec.notes:
            records.append(rec)
    return out, records
