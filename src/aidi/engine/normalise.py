"""Normalisers: pure functions over arrays shaped (..., n_units, n_indicators).

Every function normalises each indicator (last axis) across units (second-to-last axis) and
broadcasts over any leading batch axes, so the same code serves one build and 10,000
Monte-Carlo variants at once. Missing values (NaN) stay missing and are ignored by the
statistics. Directions (+1 / −1 per indicator) are applied here, so that after normalisation
larger always means better.
"""

from __future__ import annotations

import numpy as np

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


def min_max(x: Array, low: float = 0.0, high: float = 1.0,
            directions: Array | None = None) -> Array:
    """Linear map of each indicator onto [low, high] (worst → low, best → high).

    An indicator with no spread (max == min) maps to the midpoint (low + high) / 2: every unit
    is equally good, and a constant should not silently become all-missing.
    """
    x = orient(x, directions)
    lo = np.nanmin(x, axis=-2, keepdims=True)
    hi = np.nanmax(x, axis=-2, keepdims=True)
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


def rank(x: Array, directions: Array | None = None) -> Array:
    """Rank across units, 1 = worst, ties averaged; missing stays missing."""
    from scipy.stats import rankdata  # imported here: scipy.stats costs ~1 s at start-up

    x = orient(x, directions)
    return rankdata(x, axis=-2, nan_policy="omit", method="average")


def ratio_to_frontier(x: Array, directions: Array | None = None) -> Array:
    """x / max(x): the best unit = 1 (direction −1: min(x) / x)."""
    x = np.asarray(x, dtype=float)
    d = _directions(x, directions)
    best = np.where(d > 0, np.nanmax(x, axis=-2, keepdims=True),
                    np.nanmin(x, axis=-2, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d > 0, x / best, best / x)
    out[~np.isfinite(out)] = np.nan
    return out


def distance_to_target(x: Array, target: Array | float, directions: Array | None = None,
                       cap: bool = True) -> Array:
    """(x − worst) / (target − worst), capped at 1: the share of the way to the target.

    For direction −1 the target is a low value and worst is the maximum.
    """
    x = np.asarray(x, dtype=float)
    d = _directions(x, directions)
    t = np.broadcast_to(np.asarray(target, dtype=float), x.shape[-1:])
    worst = np.where(d > 0, np.nanmin(x, axis=-2, keepdims=True),
                     np.nanmax(x, axis=-2, keepdims=True))
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
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    names = names or [str(j) for j in range(x.shape[-1])]
    groups: dict[object, list[int]] = {}
    for j, s in enumerate(settings):
        groups.setdefault(s, []).append(j)
    for s, cols in groups.items():
        sub = x[..., cols]
        d = np.asarray(directions, dtype=float)[cols]
        if s.method == "ratio":
            if s.reference is None:
                raise ValueError(f"ratio normalisation of {names[cols[0]]!r} needs a reference unit")
            if s.reference not in units:
                raise ValueError(f"reference unit {s.reference!r} is not among the units built")
            neg = np.nanmin(sub, axis=tuple(range(sub.ndim - 1))) < 0
            if np.any(neg):
                bad = [names[cols[k]] for k in np.flatnonzero(neg)]
                raise ValueError(f"ratio normalisation needs non-negative values; {bad} have "
                                 "negative ones — use a percentile rank or min–max instead")
            res = ratio_to_reference(sub, units.index(s.reference), d)
        elif s.method == "minmax":
            res = min_max(sub, s.low, s.high, d)
        elif s.method == "zscore":
            res = z_score(sub, s.mean, s.sd, d)
        elif s.method == "rank":
            res = rank(sub, d)
        elif s.method == "frontier":
            res = ratio_to_frontier(sub, d)
        elif s.method == "target":
            res = distance_to_target(sub, s.target, d)
        elif s.method == "none":
            res = identity(sub, d)
        else:  # pragma: no cover - the schema forbids it
            raise ValueError(f"unknown normalisation {s.method!r}")
        out[..., cols] = res
    return out
