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

from collections.abc import Sequence
from typing import Literal

import numpy as np

from aidi.errors import AidiError

Array = np.ndarray
NonPositive = Literal["error", "zero", "offset"]


class NonPositiveError(AidiError, ValueError):
    """A geometric or harmonic mean met a zero or negative value."""


def _complete(x: Array, w: Array) -> tuple[Array, Array] | None:
    """(x, w) as float arrays when no child is missing and `w` is per child — the common case
    of the batch analyses, where the weighted sums can run as one `einsum` over the children
    without materialising a (..., units, children) weight array; None otherwise."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if w.ndim == 0 or np.isnan(x).any():
        return None
    if np.any(w < 0):
        raise ValueError("weights must be >= 0")
    return x, w


def _wsum(x: Array, w: Array, wsum: Array) -> Array:
    """Σ wᵢ xᵢ over the children (last axis), weights broadcast over units."""
    return np.einsum("...uk,...k->...u", x, w) if w.ndim > 1 else x @ w


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
    fast = _complete(x, w)
    if fast is not None:
        x, w = fast
        wsum = w.sum(axis=-1)[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(wsum > 0, _wsum(x, w, wsum) / wsum, np.nan)
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
    fast = _complete(x, w) if nonpositive != "offset" else None
    if fast is not None:
        x, w = fast
        live = np.broadcast_to((w > 0)[..., None, :], x.shape)
        x, zero = _check_nonpositive(x, live, nonpositive, offset, "geometric")
        wsum = w.sum(axis=-1)[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = _wsum(np.log(np.where(x > 0, x, 1.0)), w, wsum)
            out = np.where(wsum > 0, np.exp(logs / wsum), np.nan)
        return np.where(zero.any(axis=-1), 0.0, out)
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
    fast = _complete(x, w) if nonpositive != "offset" else None
    if fast is not None:
        x, w = fast
        live = np.broadcast_to((w > 0)[..., None, :], x.shape)
        x, zero = _check_nonpositive(x, live, nonpositive, offset, "harmonic")
        wsum = w.sum(axis=-1)[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = _wsum(1.0 / np.where(x > 0, x, 1.0), w, wsum)
            out = np.where(wsum > 0, wsum / inv, np.nan)
        return np.where(zero.any(axis=-1), 0.0, out)
    x, wp, wsum = _prepare(x, w)
    x, zero = _check_nonpositive(x, wp, nonpositive, offset, "harmonic")
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where((wp > 0) & ~zero, wp / np.where(x > 0, x, 1.0), 0.0).sum(axis=-1)
        out = np.where(wsum > 0, wsum / inv, np.nan)
    out = np.where(zero.any(axis=-1), 0.0, out)
    out = np.where(wsum > 0, out, np.nan)
    return out - offset if nonpositive == "offset" else out


def weighted_generalised(x: Array, w: Array, p: float | None = None) -> Array:
    """COINr `a_genmean`: (Σ wᵢ xᵢᵖ / Σ wᵢ)^(1/p) over the children present (power mean).

    p = 1 is the arithmetic mean, p = −1 the harmonic, p → 0 the geometric (refused here as in
    COINr: use `geometric`). For p < 0 every child must be positive; for non-integer p > 0 a
    negative child has no real power and is refused too (COINr returns NaN).
    """
    if p is None:
        raise ValueError("the generalised mean needs its exponent p (f_ag_para: {p: ...})")
    if p == 0:
        raise ValueError("generalised mean with p = 0 is the geometric mean: use 'geometric'")
    x, wp, wsum = _prepare(x, w)
    live = (wp > 0) & ~np.isnan(x)
    if (p < 0 and np.any(live & (x <= 0))) or (p != int(p) and np.any(live & (x < 0))):
        raise NonPositiveError(f"generalised mean with p = {p:g} needs positive values")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        powered = np.where(live, wp * np.where(live, x, 1.0) ** p, 0.0).sum(axis=-1)
        return np.where(wsum > 0, (powered / wsum) ** (1.0 / p), np.nan)


def outranking_matrix(x: Array, w: Array) -> Array:
    """COINr `outrankMatrix`: for units i < j, Σ w over children where i beats j plus half of
    Σ w where they tie (weights rescaled to sum to 1; a missing value neither beats nor ties);
    for i > j, 1 − the (j, i) entry — COINr computes the upper triangle only; diagonal 0.

    Shape (..., n_units, n_units); this is what makes Copeland non-separable: a unit's score
    depends on every other unit's values.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    w = w / np.sum(w, axis=-1, keepdims=True)
    xi, xj = x[..., :, None, :], x[..., None, :, :]
    w = np.broadcast_to(w, x.shape[:-2] + w.shape[-1:])  # weights per sample, or shared
    # einsum on the boolean tensors: no float copy of the (..., units, units, k) block
    upper = np.einsum("...ijk,...k->...ij", xi > xj, w) + \
        0.5 * np.einsum("...ijk,...k->...ij", xi == xj, w)
    n = x.shape[-2]
    iu = np.triu(np.ones((n, n), dtype=bool), k=1)
    orm = np.where(iu, upper, 1.0 - np.swapaxes(upper, -1, -2))
    return np.where(np.eye(n, dtype=bool), 0.0, orm)


def copeland(x: Array, w: Array) -> Array:
    """COINr `a_copeland`: row sums of the outranking matrix mapped to +1 (> 0.5), −1 (< 0.5),
    0 (= 0.5): wins minus losses in weighted pairwise majority contests. Ordinal: any
    increasing transform of a child leaves it unchanged."""
    orm = outranking_matrix(x, w)
    s = np.sign(orm - 0.5)
    n = orm.shape[-1]
    s = np.where(np.eye(n, dtype=bool), 0.0, s)
    return s.sum(axis=-1)


def mazziotta_pareto(x: Array, w: Array, penalty: int = -1, standardise: bool = True) -> Array:
    """Mazziotta–Pareto index (not in COINr): M ± S·cv, with M and S the (weighted) mean and
    population standard deviation of a unit's children and cv = S / M.

    `penalty = −1` (MPI−, for indicators where larger is better) lowers the score of units
    whose children are unbalanced: the children are treated as only partly substitutable.
    `standardise` first rescales each child across units to mean 100 and population sd 10
    (De Muro, Mazziotta & Pareto 2011), which makes the method non-separable; set it False
    when the children are already on a common positive scale.
    """
    if penalty not in (-1, 1):
        raise ValueError("penalty must be -1 (MPI−, penalise imbalance) or +1 (MPI+)")
    x = np.asarray(x, dtype=float)
    if standardise:
        with np.errstate(divide="ignore", invalid="ignore"):
            mu = np.nanmean(x, axis=-2, keepdims=True)
            sd = np.nanstd(x, axis=-2, keepdims=True)
            x = np.where(sd > 0, 100.0 + 10.0 * (x - mu) / sd, 100.0)
    x, wp, wsum = _prepare(x, w)
    xv = np.nan_to_num(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(wsum > 0, (wp * xv).sum(axis=-1) / wsum, np.nan)
        var = (wp * (xv - m[..., None]) ** 2).sum(axis=-1) / wsum
        s = np.sqrt(np.maximum(var, 0.0))
        return m + penalty * s * s / m


def separable_mean(children: Sequence[Array], w: Array, method: str,
                   nonpositive: NonPositive = "error", offset: float = 0.0) -> tuple[Array, Array]:
    """The weighted arithmetic, geometric or harmonic mean of children given as one array per
    child, each (..., n_units) — the layout of the tree pass, where a sum over a short last
    axis of (..., n_units, n_children) would cost more than all the arithmetic. Same rules as
    `weighted_arithmetic` / `weighted_geometric` / `weighted_harmonic` (missing children skipped
    and weights renormalised; zeros and negatives by `nonpositive`). `w` is (n_children,) or
    (..., n_children) per sample. Returns (score, Σ of the present children's weights).
    The registry flags these three `child_by_child`.
    """
    if method not in ("arithmetic", "geometric", "harmonic"):
        raise ValueError(f"separable_mean does arithmetic, geometric or harmonic, not {method!r}")
    w = np.asarray(w, dtype=float)
    if np.any(w < 0):
        raise ValueError("weights must be >= 0")
    if nonpositive == "offset" and offset <= 0:
        raise ValueError("nonpositive='offset' needs offset > 0")
    shape = np.broadcast_shapes(*(np.shape(c) for c in children))
    complete = [not np.isnan(c).any() for c in children]
    # with every child present the weight sum is per sample, not per unit: (..., 1)
    wsum = np.zeros(shape[:-1] + (1,) if all(complete) else shape)
    acc = np.zeros(shape)
    zero_any = np.zeros(shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, xj in enumerate(children):
            wj = w[..., j, None] if w.ndim > 1 else w[j]
            if method == "arithmetic" and complete[j]:
                wsum += wj
                acc += np.where(wj > 0, xj * wj, 0.0) if np.any(np.isinf(xj)) else xj * wj
                continue
            wpj = np.where(np.isnan(xj), 0.0, wj) if not complete[j] else \
                np.broadcast_to(wj, shape)
            wsum += wpj if not complete[j] else wj
            live = wpj > 0
            if method == "arithmetic":
                acc += np.where(live, wpj * xj, 0.0)
                continue
            xx = xj + offset if nonpositive == "offset" else xj
            zero = live & (xx == 0)
            bad = live & (xx < 0)
            if nonpositive == "error":
                bad = bad | zero
            if bad.any():
                idx = tuple(int(i[0]) for i in np.nonzero(bad))
                raise NonPositiveError(
                    f"{method} mean needs positive values: {int(bad.sum())} zero/negative "
                    f"cell(s) of child {j}, first at index {idx} (value {xx[idx]:g}). Use "
                    "min–max/ratio normalisation onto positive values, set "
                    "aggregate.nonpositive to 'zero' (zeros give 0) or 'offset', or use the "
                    "arithmetic mean.")
            zero_any |= zero
            ok = live & ~zero
            safe = np.where(ok, xx, 1.0)
            acc += np.where(ok, wpj * (np.log(safe) if method == "geometric" else 1.0 / safe),
                            0.0)
        if method == "arithmetic":
            out = acc / wsum
        else:
            out = np.exp(acc / wsum) if method == "geometric" else wsum / acc
            out = np.where(zero_any, 0.0, out)
        out = np.where(wsum > 0, out, np.nan)
    wsum = np.broadcast_to(wsum, shape)
    return (out - offset if nonpositive == "offset" else out), wsum


def aggregate(x: Array, w: Array, method: str = "arithmetic", nonpositive: NonPositive = "error",
              offset: float = 0.0, p: float | None = None, penalty: int = -1,
              standardise: bool = True) -> Array:
    """Dispatch by name: 'arithmetic', 'geometric', 'harmonic', 'genmean' (exponent `p`),
    'copeland', 'mpi' (Mazziotta–Pareto, `penalty`, `standardise`)."""
    if method == "arithmetic":
        return weighted_arithmetic(x, w)
    if method == "geometric":
        return weighted_geometric(x, w, nonpositive, offset)
    if method == "harmonic":
        return weighted_harmonic(x, w, nonpositive, offset)
    if method == "genmean":
        return weighted_generalised(x, w, p)
    if method == "copeland":
        return copeland(x, w)
    if method == "mpi":
        return mazziotta_pareto(x, w, penalty, standardise)
    raise ValueError(f"unknown aggregation method {method!r}")


def contributions(x: Array, w: Array, method: str = "arithmetic",
                  p: float | None = None) -> Array:
    """Each child's additive contribution to its parent's score, shape (..., n_units, n_children).

    Arithmetic: wᵢxᵢ / Σw, which sums to the score. Geometric: wᵢ ln xᵢ / Σw, which sums to
    ln(score) — the additive decomposition of a product. Harmonic: the share of Σ wᵢ/xᵢ times
    the score (sums to the score). Generalised mean: the share of Σ wᵢxᵢᵖ times the score (NaN
    without `p`). Copeland and Mazziotta–Pareto have no additive decomposition by child: NaN.
    Missing children contribute 0.
    """
    from aidi.engine import registry  # the registry imports this module

    x, wp, wsum = _prepare(x, w)
    if registry.method("aggregate", method).contributions == "none" or \
            (method == "genmean" and p is None):
        return np.where(wp > 0, np.nan, 0.0)
    if method == "genmean":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pw = np.where(wp > 0, wp * np.where(wp > 0, x, 1.0) ** p, 0.0)
            score = weighted_generalised(x, w, p)
            c = pw / pw.sum(axis=-1, keepdims=True) * score[..., None]
        return np.where(wp > 0, c, 0.0)
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
