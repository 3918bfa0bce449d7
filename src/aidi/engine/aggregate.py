"""Aggregators: weighted means over the last axis, broadcasting over leading batch axes.

`x` has shape (..., n_units, n_children), `w` has shape (..., n_children) (or broadcastable),
the result (..., n_units). Missing children are skipped and the weights renormalised over the
children present (a unit with no child present is missing). Weights need not sum to one.

Zeros and negatives (the geometric and harmonic means are defined for positive values only):
- `nonpositive="error"` (default): any zero or negative child raises `NonPositiveError`, which
  says how many cells and where the first is, so nothing is silently dropped;
- `"zero"`: a zero child makes the unit's score 0 (the limit of the mean as the child → 0);
  negatives still raise;
- `"offset"`: shift all children by `offset` (> 0) and shift the result back.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Array = np.ndarray
NonPositive = Literal["error", "zero", "offset"]


class NonPositiveError(ValueError):
    """A geometric or harmonic mean met a zero or negative value."""


def _prepare(x: Array, w: Array) -> tuple[Array, Array, Array]:
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if np.any(w < 0):
        raise ValueError("weights must be >= 0")
    w = np.broadcast_to(w[..., None, :], x.shape) if w.ndim >= 1 else np.full(x.shape, w)
    present = ~np.isnan(x)
    wp = np.where(present, w, 0.0)
    return x, wp, wp.sum(axis=-1)


def coverage(x: Array, w: Array) -> Array:
    """Share of the total weight whose child is present, per unit."""
    x, wp, wsum = _prepare(x, w)
    total = np.broadcast_to(np.asarray(w, dtype=float)[..., None, :], x.shape).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, wsum / total, 0.0)


def weighted_arithmetic(x: Array, w: Array) -> Array:
    """Σ wᵢxᵢ / Σ wᵢ over the children present."""
    x, wp, wsum = _prepare(x, w)
    num = np.where(wp > 0, wp * np.nan_to_num(x), 0.0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(wsum > 0, num / wsum, np.nan)


def _check_nonpositive(x: Array, wp: Array, mode: NonPositive, offset: float,
                       name: str) -> tuple[Array, Array]:
    """Return (x used, mask of zero cells forcing a zero result)."""
    if mode == "offset":
        if offset <= 0:
            raise ValueError("nonpositive='offset' needs offset > 0")
        x = x + offset
    bad_neg = (x < 0) & (wp > 0)
    zero = (x == 0) & (wp > 0)
    bad = bad_neg | zero if mode == "error" else bad_neg
    if np.any(bad):
        idx = tuple(int(i[0]) for i in np.nonzero(bad))
        raise NonPositiveError(
            f"{name} mean needs positive values: {int(bad.sum())} zero/negative cell(s), first "
            f"at index {idx} (value {x[idx]:g}). Use min–max/ratio normalisation onto positive "
            "values, set aggregate.nonpositive to 'zero' (zeros give 0) or 'offset', or use the "
            "arithmetic mean.")
    return x, zero


def weighted_geometric(x: Array, w: Array, nonpositive: NonPositive = "error",
                       offset: float = 0.0) -> Array:
    """exp(Σ wᵢ ln xᵢ / Σ wᵢ) over the children present (see module doc for zeros)."""
    x, wp, wsum = _prepare(x, w)
    x, zero = _check_nonpositive(x, wp, nonpositive, offset, "geometric")
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where((wp > 0) & ~zero, wp * np.log(np.where(x > 0, x, 1.0)), 0.0)
        out = np.where(wsum > 0, np.exp(logs.sum(axis=-1) / wsum), np.nan)
    out = np.where(zero.any(axis=-1), 0.0, out)
    out = np.where(wsum > 0, out, np.nan)
    return out - offset if nonpositive == "offset" else out


def weighted_harmonic(x: Array, w: Array, nonpositive: NonPositive = "error",
                      offset: float = 0.0) -> Array:
    """Σ wᵢ / Σ (wᵢ / xᵢ) over the children present (see module doc for zeros)."""
    x, wp, wsum = _prepare(x, w)
    x, zero = _check_nonpositive(x, wp, nonpositive, offset, "harmonic")
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where((wp > 0) & ~zero, wp / np.where(x > 0, x, 1.0), 0.0).sum(axis=-1)
        out = np.where(wsum > 0, wsum / inv, np.nan)
    out = np.where(zero.any(axis=-1), 0.0, out)
    out = np.where(wsum > 0, out, np.nan)
    return out - offset if nonpositive == "offset" else out


def aggregate(x: Array, w: Array, method: str = "arithmetic", nonpositive: NonPositive = "error",
              offset: float = 0.0) -> Array:
    """Dispatch by name ('arithmetic', 'geometric', 'harmonic')."""
    if method == "arithmetic":
        return weighted_arithmetic(x, w)
    if method == "geometric":
        return weighted_geometric(x, w, nonpositive, offset)
    if method == "harmonic":
        return weighted_harmonic(x, w, nonpositive, offset)
    raise ValueError(f"unknown aggregation method {method!r}")


def contributions(x: Array, w: Array, method: str = "arithmetic") -> Array:
    """Each child's additive contribution to its parent's score, shape (..., n_units, n_children).

    Arithmetic: wᵢxᵢ / Σw, which sums to the score. Geometric: wᵢ ln xᵢ / Σw, which sums to
    ln(score) — the additive decomposition of a product. Harmonic: the share of Σ wᵢ/xᵢ times
    the score (sums to the score). Missing children contribute 0.
    """
    x, wp, wsum = _prepare(x, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            c = wp * np.nan_to_num(x) / wsum[..., None]
        elif method == "geometric":
            c = np.where(wp > 0, wp * np.log(np.where(x > 0, x, np.nan)), 0.0) / wsum[..., None]
        elif method == "harmonic":
            inv = np.where(wp > 0, wp / x, 0.0)
            score = wsum / inv.sum(axis=-1)
            c = inv / inv.sum(axis=-1, keepdims=True) * score[..., None]
        else:
            raise ValueError(f"unknown aggregation method {method!r}")
    return np.where(wp > 0, c, 0.0)
