"""COINr's own arithmetic for the normalisers whose edge cases aidi decides differently.

A step written in COINr's syntax (`f_n: n_minmax`, …) carries `semantics: coinr` and gets
COINr 1.1.14's numbers (R/normalise.R), including where aidi's own methods choose otherwise:

- `n_minmax` (and `n_dist2max`, its l_u = c(0, 1) case) of a constant column: 0/0 = NaN (aidi's `minmax`: the midpoint);
- `n_zscore` of a constant column: NaN (aidi's `zscore`: the mean);
- `n_goalposts(gposts)`, `n_dist2targ(targ)` given globally: COINr multiplies x by the direction
  *before* the call and passes no direction, so the posts and the target apply to d·x (aidi's
  `goalposts` / `target`: to x, with the formula reversed for d = −1). With
  `f_n_para: use_iMeta` the coin reader turns iMeta's own-scale values into d·x-scale ones as
  COINr's `get_iMeta_norm_paras` does, so both routes give COINr's numbers;
- `n_dist2targ` with the target at the worst value: COINr's x/0 (aidi's `target`: 1).

Values COINr computes as ±Inf (`n_fracmax` dividing by a zero maximum, `n_dist2ref` with the
reference at the minimum and no cap, `n_dist2targ` with the target at the minimum) spread into
every aggregate above them in COINr; aidi refuses them with `NonFiniteNormalisation`, whose
message says what COINr would do — never a silent difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aidi.errors import AidiError

Array = np.ndarray


class NonFiniteNormalisation(AidiError, ValueError):
    """A normaliser produced ±Inf (COINr would carry it into the aggregates)."""


def coinr_minmax(o: Array, low: float, high: float) -> Array:
    """`n_minmax(x, l_u)` on the direction-adjusted values o: NaN for a constant column."""
    lo = np.nanmin(o, axis=-2, keepdims=True)
    hi = np.nanmax(o, axis=-2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (o - lo) / (hi - lo) * (high - low) + low


def coinr_zscore(o: Array, mean: float, sd: float) -> Array:
    """`n_zscore(x, m_sd)`: (x − mean)/sd · m_sd[2] + m_sd[1] (sample sd; NaN if constant)."""
    mu = np.nanmean(o, axis=-2, keepdims=True)
    s = np.nanstd(o, axis=-2, ddof=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (o - mu) / s * sd + mean


def coinr_goalposts(o: Array, lower: float, upper: float, scale: float,
                    trunc: bool) -> Array:
    """`n_goalposts(x, gposts)` with COINr's default direction = 1, on o = d·x."""
    y = (o - lower) / (upper - lower)
    if trunc:
        y = np.clip(y, 0.0, 1.0)
    return y * scale


def coinr_dist2targ(o: Array, target: Array | float, cap: bool) -> Array:
    """`n_dist2targ(x, targ)` with direction = 1, on o = d·x: (x − min)/(targ − min)."""
    lo = np.nanmin(o, axis=-2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (o - lo) / (np.asarray(target, dtype=float) - lo)
    return np.where(y > 1, 1.0, y) if cap else y


def normalise_coinr(o: Array, setting: object) -> Array | None:
    """COINr's result for a setting whose arithmetic differs from aidi's method, else None
    (the method's own function gives COINr's numbers)."""
    m = setting.method
    if m == "minmax":
        return coinr_minmax(o, setting.low, setting.high)
    if m == "zscore":
        return coinr_zscore(o, setting.mean, setting.sd)
    if m == "goalposts":
        lo, hi, sc = setting.goalposts
        return coinr_goalposts(o, lo, hi, sc, setting.trunc)
    if m == "target":
        return coinr_dist2targ(o, setting.target, setting.cap is True)
    return None


_WHAT_COINR_DOES = {
    "fracmax": "n_fracmax divides by the direction-adjusted maximum, which is 0 here",
    "dist2ref": "n_dist2ref divides by x_ref − min, which is 0 here (the reference is the "
                "minimum)",
    "target": "n_dist2targ divides by targ − min, which is 0 here",
}


def refuse_infinite(res: Array, x: Array, method: str, names: Sequence[str]) -> None:
    """Raise if a normaliser turned a finite value into ±Inf, saying what COINr would do."""
    bad = np.isinf(res) & np.isfinite(x)
    if not bad.any():
        return
    cols = sorted({names[j] for j in np.flatnonzero(bad.reshape(-1, bad.shape[-1]).any(0))})
    why = _WHAT_COINR_DOES.get(method, f"{method} divides by zero here")
    raise NonFiniteNormalisation(
        f"{method} normalisation of {', '.join(cols)} gives ±Inf for {int(bad.sum())} value(s): "
        f"{why}. COINr 1.1.14 keeps the ±Inf, and they spread into every aggregate above "
        "(as ±Inf, or NaN where +Inf meets −Inf); aidi refuses rather than give other numbers. "
        "Use another normaliser for these indicators (e.g. n_minmax, or aidi's `frontier`), "
        "or cap_max: true where COINr offers it")
