"""Normalisers: pure functions over arrays shaped (..., n_units, n_indicators).

Every function normalises each indicator (last axis) across units (second-to-last axis) and
broadcasts over any leading batch axes, so the same code serves one build and 10,000
Monte-Carlo variants at once. Missing values (NaN) stay missing and are ignored by the
statistics. Directions (+1 / −1 per indicator) are applied here, so that after normalisation
larger always means better.
"""

from __future__ import annotations

import numpy as np

from aidi.engine.normalise_coinr import normalise_coinr, refuse_infinite
from aidi.errors import InputError

Array = np.ndarray


def _directions(x: Array, directions: Array | None) -> Array:
    if directions is None:
        return np.ones(x.shape[-1])
    d = np.asarray(directions, dtype=float)
    if d.shape[-1] != x.shape[-1] or not np.all(np.isin(d, (-1.0, 1.0))):
        raise ValueError("directions must be +1 or -1, one per indicator")
    return d


def orient(x: Array, directions: Array | None) -> Array:
    """Flip the sign of negative-direction indicators (larger = better afterwards)."""
    return np.asarray(x, dtype=float) * _directions(x, directions)


def ratio_to_reference(x: Array, ref: int, directions: Array | None = None) -> Array:
    """x / x[ref] (reference unit = 1); for direction −1, x[ref] / x.

    This is the source's "relative to the USA (USA = 1)". It is unit-free (a change of units
    cancels) and keeps proportions, which min–max does not. A reference value of zero or a
    missing reference makes the whole indicator missing (there is nothing to be relative to);
    for direction −1 a unit value of zero is infinitely good and is reported as missing too.
    """
    x = np.asarray(x, dtype=float)
    d = _directions(x, directions)
    r = np.take(x, [ref], axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d > 0, x / r, r / x)
    out[~np.isfinite(out)] = np.nan
    return out


def column_extreme(fn, x: Array, axis: int | tuple[int, ...] = -2,
                   keepdims: bool = True) -> Array:
    """`fn` (`np.nanmin` / `np.nanmax`) of each indicator over `axis` (the units); a column
    with no value at all gives NaN, said explicitly rather than through numpy's "All-NaN
    slice" warning — an indicator nobody in the unit set reports is a legitimate input (the
    column stays missing and the coverage rules decide)."""
    empty = np.isnan(x).all(axis=axis, keepdims=keepdims)
    if not np.any(empty):
        return fn(x, axis=axis, keepdims=keepdims)
    full = np.isnan(x).all(axis=axis, keepdims=True)
    return np.where(empty, np.nan, fn(np.where(full, 0.0, x), axis=axis, keepdims=keepdims))


def min_max(x: Array, low: float = 0.0, high: float = 1.0,
            directions: Array | None = None) -> Array:
    """Linear map of each indicator onto [low, high] (worst → low, best → high).

    An indicator with no spread (max == min) maps to the midpoint (low + high) / 2: every unit
    is equally good, and a constant should not silently become all-missing.
    """
    x = orient(x, directions)
    lo = column_extreme(np.nanmin, x)
    hi = column_extreme(np.nanmax, x)
    span = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(span > 0, (x - lo) / span, 0.5)
    scaled = np.where(np.isnan(x), np.nan, scaled)
    return low + scaled * (high - low)


def z_score(x: Array, mean: float = 0.0, sd: float = 1.0,
            directions: Array | None = None) -> Array:
    """Standardise to mean `mean` and standard deviation `sd` (sample sd, ddof = 1, as COINr)."""
    x = orient(x, directions)
    mu = np.nanmean(x, axis=-2, keepdims=True)
    s = np.nanstd(x, axis=-2, ddof=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (x - mu) / s, 0.0)
    z = np.where(np.isnan(x), np.nan, z)
    return mean + sd * z


def rank(x: Array, directions: Array | None = None, ties: str = "average") -> Array:
    """Rank across units, 1 = worst; missing stays missing.

    `ties="average"` (aidi's default) shares the mean rank; `ties="min"` gives tied units the
    lowest rank, which is what COINr's `n_rank` always does (its `ties.method` argument is
    accepted but ignored: the body calls `rank(x, ties.method = "min")`).
    """
    from scipy.stats import rankdata  # imported here: scipy.stats costs ~1 s at start-up

    if ties not in ("average", "min"):
        raise ValueError(f"ties must be 'average' or 'min', got {ties!r}")
    x = orient(x, directions)
    if ties == "min":
        return _rank_min(x)
    return rankdata(x, axis=-2, nan_policy="omit", method=ties)


def _rank_min(x: Array) -> Array:
    """Sport ranking along axis −2 (ties → the lowest rank), NaN kept: one sort, no per-column
    loop — scipy's rankdata with nan_policy is ~10× slower on (samples, units, k) blocks."""
    order = np.argsort(x, axis=-2, kind="stable")  # NaN sort last
    s = np.take_along_axis(x, order, axis=-2)
    n = x.shape[-2]
    idx = np.broadcast_to(np.arange(n).reshape((n, 1)), s.shape)
    start = np.ones(s.shape, dtype=bool)
    start[..., 1:, :] = s[..., 1:, :] != s[..., :-1, :]
    first = np.maximum.accumulate(np.where(start, idx, 0), axis=-2)
    out = np.empty(s.shape)
    np.put_along_axis(out, order, first + 1.0, axis=-2)
    return np.where(np.isnan(x), np.nan, out)


def percentile_rank(x: Array, directions: Array | None = None) -> Array:
    """COINr `n_prank`: (rank − 1) / (n − 1) with sport ranking (ties → lowest rank), n = units
    with a value; the worst unit gets 0, the best 1. A column with one value gives NaN (0/0)."""
    r = rank(x, directions, ties="min")
    n = np.sum(~np.isnan(np.asarray(x, dtype=float)), axis=-2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (r - 1.0) / (n - 1.0)


def borda(x: Array, directions: Array | None = None) -> Array:
    """COINr `n_borda`: the Borda score rank − 1 (sport ranking), i.e. how many units rank below."""
    return rank(x, directions, ties="min") - 1.0


def scaled(x: Array, low: float = 0.0, high: float = 100.0,
           directions: Array | None = None, scale: float = 100.0) -> Array:
    """COINr `n_scaled(npara = c(l, u), scale_factor)`: (d·x − l) / (u − l) · scale_factor
    (default 100), a fixed linear rescaling.

    Not min–max: `l` and `u` are given, not taken from the data, so scores of different
    editions stay comparable. As in COINr the direction multiplies x first, so for a negative
    indicator `l` and `u` are on the negated scale.
    """
    if high == low:
        raise ValueError("scaled normalisation needs npara[0] != npara[1]")
    return (orient(x, directions) - low) / (high - low) * scale


def fraction_of_max(x: Array, directions: Array | None = None) -> Array:
    """COINr `n_fracmax`: d·x / max(d·x).

    COINr multiplies by the direction before dividing, so for a negative indicator with
    positive values this is x / min(x) (≥ 1, larger for worse units): the numbers COINr gives,
    kept here so a transcribed build matches. aidi's `frontier` (min(x) / x) is the one to use
    for a negative ratio-scale indicator. A maximum of 0 (e.g. a negative indicator with a
    zero value: −0) gives ±Inf, as in COINr; `normalise_matrix` refuses those (`NonFinite`).
    """
    o = orient(x, directions)
    with np.errstate(divide="ignore", invalid="ignore"):
        return o / column_extreme(np.nanmax, o)


def distance_to_reference(x: Array, ref: int, directions: Array | None = None,
                          cap: bool = False) -> Array:
    """COINr `n_dist2ref`: 1 − (x_ref − x) / (x_ref − x_min), COINr's arithmetic exactly.

    The reference unit scores 1, the worst 0; `cap` sets scores above 1 to 1 (`cap_max`).
    Direction is applied by sign first, as in COINr. A missing reference makes the column
    missing (COINr: NA with a warning). With the reference at the minimum every other unit
    is 1 − (−Δ/0) = +Inf (capped: 1, as in COINr) and the reference 1 − 0/0 = NaN (missing,
    as COINr's NaN is); an uncapped +Inf is refused by `normalise_matrix`.
    """
    o = orient(x, directions)
    lo = column_extreme(np.nanmin, o)
    r = np.take(o, [ref], axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - (r - o) / (r - lo)
    return np.where(out > 1, 1.0, out) if cap else out


def goalposts(x: Array, lower: Array | float, upper: Array | float, scale: Array | float = 1.0,
              directions: Array | None = None, trunc: bool = True) -> Array:
    """COINr `n_goalposts`: the share of the way from the lower goalpost to the upper, × scale.

    Goalposts are on the indicator's own scale. Direction +1: (x − l) / (u − l); direction −1:
    (u − x) / (u − l) — the result COINr gives when the goalposts come from iMeta
    (`f_n_para = "use_iMeta"`, which negates and swaps them for a negative indicator). `trunc`
    (COINr `trunc2posts`, default TRUE) clips to [0, 1] before scaling.
    """
    x = np.asarray(x, dtype=float)
    d = _directions(x, directions)
    lo = np.broadcast_to(np.asarray(lower, dtype=float), x.shape[-1:])
    hi = np.broadcast_to(np.asarray(upper, dtype=float), x.shape[-1:])
    if np.any(hi == lo):
        raise ValueError("goalposts need lower != upper")
    y = np.where(d > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    if trunc:
        y = np.clip(y, 0.0, 1.0)
    return y * np.asarray(scale, dtype=float)


def ratio_to_frontier(x: Array, directions: Array | None = None) -> Array:
    """x / max(x): the best unit = 1 (direction −1: min(x) / x)."""
    x = np.asarray(x, dtype=float)
    d = _directions(x, directions)
    best = np.where(d > 0, column_extreme(np.nanmax, x), column_extreme(np.nanmin, x))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d > 0, x / best, best / x)
    out[~np.isfinite(out)] = np.nan
    return out


def distance_to_target(x: Array, target: Array | float, directions: Array | None = None,
                       cap: bool = True) -> Array:
    """(x − worst) / (target − worst), capped at 1 if `cap`: the share of the way to the target.

    For direction −1 the target is a low value and worst is the maximum: (max − x) / (max − t),
    which is COINr's `n_dist2targ` (its `cap_max` defaults to FALSE; aidi's `target` caps).
    A target equal to the worst value gives 1 (COINr: Inf/NaN).
    """
    x = np.asarray(x, dtype=float)
    d = _directions(x, directions)
    t = np.broadcast_to(np.asarray(target, dtype=float), x.shape[-1:])
    worst = np.where(d > 0, column_extreme(np.nanmin, x), column_extreme(np.nanmax, x))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (x - worst) / (t - worst)
    out[~np.isfinite(out) & ~np.isnan(x)] = 1.0
    return np.minimum(out, 1.0) if cap else out


def identity(x: Array, directions: Array | None = None) -> Array:
    """No normalisation (direction still applied by sign)."""
    return orient(x, directions)


def normalise_matrix(x: Array, settings: list, directions: Array, units: list[str],
                     names: list[str] | None = None) -> Array:
    """Normalise each indicator column by its own `Normalise` setting (batch axes allowed).

    Columns sharing the same setting are normalised together in one vectorised call.
    """
    from aidi.engine import registry  # the registry imports this module

    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    names = names or [str(j) for j in range(x.shape[-1])]
    groups: dict[object, list[int]] = {}
    for j, s in enumerate(settings):
        groups.setdefault(s, []).append(j)
    for s, cols in groups.items():
        sub = x[..., cols]
        d = np.asarray(directions, dtype=float)[cols]
        m = s.method
        special = normalise_coinr(orient(sub, d), s) \
            if getattr(s, "semantics", "aidi") == "coinr" else None
        if special is not None:
            out[..., cols] = special
            refuse_infinite(special, sub, m, [names[j] for j in cols])
            continue
        if registry.method("normalise", m).needs_reference:
            if s.reference is None:
                raise InputError(f"{m} normalisation of {names[cols[0]]!r} needs a reference "
                                 "unit")
            if s.reference not in units:
                raise InputError(f"reference unit {s.reference!r} is not among the units built")
        if m == "dist2ref":
            res = distance_to_reference(sub, units.index(s.reference), d, s.cap is True)
        elif m == "prank":
            res = percentile_rank(sub, d)
        elif m == "borda":
            res = borda(sub, d)
        elif m == "scaled":
            res = scaled(sub, s.npara[0], s.npara[1], d, s.scale_factor)
        elif m == "fracmax":
            res = fraction_of_max(sub, d)
        elif m == "goalposts":
            lo, hi, sc = s.goalposts
            res = goalposts(sub, lo, hi, sc, d, s.trunc)
        elif s.method == "ratio":
            neg = column_extreme(np.nanmin, sub, tuple(range(sub.ndim - 1)), False) < 0
            if np.any(neg):
                bad = [names[cols[k]] for k in np.flatnonzero(neg)]
                raise InputError(f"ratio normalisation needs non-negative values; {bad} have "
                                 "negative ones — use a percentile rank or min–max instead")
            res = ratio_to_reference(sub, units.index(s.reference), d)
        elif s.method == "minmax":
            res = min_max(sub, s.low, s.high, d)
        elif s.method == "zscore":
            res = z_score(sub, s.mean, s.sd, d)
        elif s.method == "rank":
            res = rank(sub, d, s.ties)
        elif s.method == "frontier":
            res = ratio_to_frontier(sub, d)
        elif s.method == "target":
            res = distance_to_target(sub, s.target, d, s.cap is not False)
        elif s.method == "none":
            res = identity(sub, d)
        else:  # pragma: no cover - the schema forbids it
            raise ValueError(f"unknown normalisation {s.method!r}")
        refuse_infinite(res, sub, m, [names[j] for j in cols])
        out[..., cols] = shape_scores(res, getattr(s, "power", 1.0), getattr(s, "ceiling", None),
                                      [names[j] for j in cols])
    return out


def shape_scores(x: Array, power: float = 1.0, ceiling: float | None = None,
                 names: list[str] | None = None) -> Array:
    """A normalised score raised to `power`, then capped at `ceiling` (missing stays missing).

    Both are monotone, so the order of units is kept; `power` needs non-negative scores (a
    negative score has no real power) and says which indicator has one.
    """
    if power == 1.0 and ceiling is None:
        return x
    x = np.asarray(x, dtype=float)
    if power != 1.0:
        neg = (x < 0).reshape(-1, x.shape[-1]).any(axis=0)
        if neg.any():
            bad = [names[k] if names else str(k) for k in np.flatnonzero(neg)]
            raise ValueError(f"normalisation power needs non-negative scores; {bad} have "
                             "negative ones")
        x = np.power(x, power)
    if ceiling is not None:
        x = np.where(np.isnan(x), np.nan, np.minimum(x, ceiling))
    return x
