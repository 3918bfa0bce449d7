"""The spec's tree compiled to index arrays, and a vectorised bottom-up aggregation over it.

`aggregate_tree` is the engine's hot path: given normalised indicators shaped
(..., n_units, n_indicators) it fills every aggregate node in one pass per node, broadcasting
over any leading batch axes (Monte-Carlo samples). Weights and methods can be overridden per
node, with weights given per sample, so uncertainty analysis never loops over samples.
Non-separable aggregators (Copeland, Mazziotta–Pareto) need every unit of a node's children,
which each node's call has: the units axis is never split.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from aidi.engine import registry
from aidi.engine.aggregate import NonPositiveError, aggregate, separable_mean
from aidi.engine.guards import safe_weights
from aidi.specs.schema import IndexSpec, Node


@dataclass(frozen=True)
class CompiledNode:
    id: str
    children: tuple[str, ...]
    child_cols: tuple[int, ...]
    weights: np.ndarray
    method: str
    nonpositive: str
    offset: float
    min_coverage: float
    standardise: str
    #: method parameters beyond weights (genmean `p`; mpi `penalty`, `standardise`)
    params: tuple[tuple[str, object], ...] = ()
    #: COINr `dat_thresh`: a unit with a smaller share of children present (by count) is NaN
    dat_thresh: float | None = None


@dataclass(frozen=True)
class CompiledTree:
    indicator_ids: tuple[str, ...]
    aggregate_ids: tuple[str, ...]   # bottom-up (children before parents), root last
    nodes: tuple[CompiledNode, ...]  # same order as aggregate_ids

    @property
    def all_ids(self) -> tuple[str, ...]:
        return self.indicator_ids + self.aggregate_ids

    def col(self, node_id: str) -> int:
        return self._cols[node_id]

    @functools.cached_property
    def _cols(self) -> dict[str, int]:
        """Column of every node id (a dict: `col` is called per node, 10,000s of times)."""
        return {nid: i for i, nid in enumerate(self.all_ids)}

    @property
    def root(self) -> str:
        return self.aggregate_ids[-1]


def compile_tree(spec: IndexSpec, indicator_ids: list[str] | None = None) -> CompiledTree:
    """Compile the spec's tree; `indicator_ids` fixes the indicator column order (default: spec)."""
    ind_ids = tuple(indicator_ids or [i.id for i in spec.indicators()])
    order = [n for n in spec.iter_nodes(order="post") if isinstance(n, Node)]
    agg_ids = tuple(n.id for n in order)
    all_ids = ind_ids + agg_ids
    pos = {nid: i for i, nid in enumerate(all_ids)}
    nodes = []
    for n in order:
        kids = tuple(c.id for c in n.children)
        nodes.append(CompiledNode(
            n.id, kids, tuple(pos[k] for k in kids),
            np.array([c.weight for c in n.children], dtype=float), n.aggregate.method,
            n.aggregate.nonpositive, n.aggregate.offset, n.aggregate.min_coverage,
            n.standardise, n.aggregate.method_params(), n.aggregate.dat_thresh))
    return CompiledTree(ind_ids, agg_ids, tuple(nodes))


def aggregate_tree(normalised: np.ndarray, tree: CompiledTree, ref: int | None = None,
                   weights: Mapping[str, np.ndarray] | None = None,
                   methods: Mapping[str, str] | None = None,
                   units: Sequence[str] | None = None,
                   zeros: str = "spec") -> np.ndarray:
    """All node values, shape (..., n_units, n_indicators + n_aggregates), columns = all_ids.

    `ref` is the reference unit's row for nodes with `standardise: ratio`. `weights[node]`
    (shape (..., n_children)) and `methods[node]` override the spec for that node. A zero or
    negative child of a geometric/harmonic node under `nonpositive: error` raises
    `NonPositiveError` naming the node, the unit (from `units`) and the child.
    `zeros="zero"` applies `nonpositive: zero` wherever the spec says `error`.
    """
    values, failure, first_bad = _aggregate_tree(normalised, tree, ref, weights, methods, zeros)
    if first_bad is not None:
        k, idx, value, n_bad = first_bad
        node = tree.nodes[k]
        unit = units[idx[-2]] if units is not None else f"row {idx[-2]}"
        raise NonPositiveError(
            f"node {node.id!r}: the {methods.get(node.id, node.method) if methods else node.method}"
            f" mean needs positive values, but {n_bad} child value(s) are zero or negative; "
            f"first: unit {unit}, child {node.children[idx[-1]]!r} = "
            f"{value:g}. Normalise onto positive values (e.g. min–max with low: 1), set this "
            "node's aggregate.nonpositive to 'zero' (a zero child gives 0) or 'offset', or use "
            "the arithmetic mean.")
    return values


def aggregate_tree_marked(normalised: np.ndarray, tree: CompiledTree, ref: int | None = None,
                          weights: Mapping[str, np.ndarray] | None = None,
                          methods: Mapping[str, str] | None = None,
                          zeros: str = "spec") -> tuple[np.ndarray, np.ndarray]:
    """`aggregate_tree` for a batch of variants: a sample whose geometric/harmonic node meets a
    zero (under `nonpositive: error`) is marked failed instead of sinking the whole batch.

    Returns (values, failure): `failure` (batch shape) is 0 for a good sample, else 1 + the
    position of the first failing node; a failed sample's values are all NaN. Where nothing
    fails the values equal `aggregate_tree`'s exactly.
    """
    values, failure, _ = _aggregate_tree(normalised, tree, ref, weights, methods, zeros)
    values[failure > 0] = np.nan
    return values, failure


def _aggregate_tree(x: np.ndarray, tree: CompiledTree, ref: int | None,
                    weights: Mapping[str, np.ndarray] | None,
                    methods: Mapping[str, str] | None, zeros: str):
    """The one bottom-up pass both public functions share.

    Works node-major — one contiguous (..., n_units) block per node — so that a node's
    children are whole blocks and its weighted mean is a few elementwise operations per child
    (`separable_mean`), not a reduction over a short last axis; the result is returned in the
    public (..., n_units, n_nodes) layout (a view).
    """
    x = np.asarray(x, dtype=float)
    n_ind = len(tree.indicator_ids)
    if x.shape[-1] != n_ind:
        raise ValueError(f"expected {n_ind} indicator columns, got {x.shape[-1]}")
    node_major = np.empty((n_ind + len(tree.aggregate_ids),) + x.shape[:-1])
    node_major[:n_ind] = np.moveaxis(x, -1, 0)
    failure, first_bad = aggregate_node_major(node_major, tree, ref, weights, methods, zeros)
    return np.moveaxis(node_major, 0, -1), failure, first_bad


#: What is known of a node-major block before the pass (`aggregate_node_major(clean=...)`):
#: nothing; every value finite; finite and ≥ 0; finite and > 0.
UNKNOWN, FINITE, NONNEGATIVE, POSITIVE = 0, 1, 2, 3


def aggregate_node_major(node_major: np.ndarray, tree: CompiledTree, ref: int | None,
                         weights: Mapping[str, np.ndarray] | None = None,
                         methods: Mapping[str, str] | None = None, zeros: str = "spec",
                         clean: np.ndarray | None = None):
    """The tree pass in place on a node-major array (n_indicators + n_aggregates, ...,
    n_units) whose first n_indicators blocks hold the normalised indicators: fills the
    aggregate blocks and returns (failure per sample, first failing cell or None).

    The batch analyses gather their variants straight into this layout, so no transposition
    is needed on the hot path. They also pass `clean` (one entry per indicator: `FINITE`,
    `NONNEGATIVE`, `POSITIVE` or `UNKNOWN` for every value the block can hold, known from the
    precomputed variants): a separable node whose children are all clean enough then skips the
    checks for missing, infinite and non-positive values (`_clean_mean`), with the same
    arithmetic; the aggregates' own state is checked once, as they are computed.
    """
    n_ind = len(tree.indicator_ids)
    weights = weights or {}
    methods = methods or {}
    failure = np.zeros(node_major.shape[1:-1], dtype=np.intp)
    first_bad = None
    state = None
    if clean is not None:
        state = np.zeros(len(node_major), dtype=np.intp)
        state[:n_ind] = clean
    for k, node in enumerate(tree.nodes):
        w = safe_weights(weights.get(node.id, node.weights), node.id)
        method = methods.get(node.id, node.method)
        policy = "zero" if (zeros == "zero" and node.nonpositive == "error") else node.nonpositive
        children = [node_major[c] for c in node.child_cols]
        if state is not None and _can_skip_checks(state[list(node.child_cols)], method, policy):
            score, wsum = _clean_mean(children, w, method, bool(
                (state[list(node.child_cols)] == POSITIVE).all()))
            node_major[n_ind + k] = _node_rules(score, wsum, w, children, node, ref, True)
            state[n_ind + k] = _state(node_major[n_ind + k])
            continue
        if registry.method("aggregate", method).zero_policy:
            failure, bad = _mark_nonpositive(children, w, k, policy, node.offset, failure)
            if bad is not None and first_bad is None:
                first_bad = bad
        if registry.method("aggregate", method).child_by_child:
            score, wsum = separable_mean(children, w, method, policy, node.offset)
        else:
            params = dict(node.params) if method == node.method else {}
            score = aggregate(np.stack(children, axis=-1), w, method, policy, node.offset,
                              **params)
            wsum = None
        node_major[n_ind + k] = _node_rules(score, wsum, w, children, node, ref, False)
        if state is not None:
            state[n_ind + k] = _state(node_major[n_ind + k])
    return failure, first_bad


def _node_rules(score: np.ndarray, wsum: np.ndarray | None, w: np.ndarray,
                children: list[np.ndarray], node: CompiledNode, ref: int | None,
                finite: bool) -> np.ndarray:
    """A node's rules after its mean: COINr's `dat_thresh`, `min_coverage`, and the ratio to
    the reference unit. `finite` = no child can be missing (the data threshold cannot bite)."""
    if node.dat_thresh is not None and not finite and any(np.isnan(c).any() for c in children):
        present = sum((~np.isnan(c)).astype(float) for c in children) / len(children)
        score = np.where(present < node.dat_thresh, np.nan, score)
    if node.min_coverage > 0:
        if wsum is None:
            _, wsum = separable_mean(children, w, "arithmetic")
        total = w.sum(axis=-1)[..., None] if w.ndim > 1 else w.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = np.where(total > 0, wsum / total, 0.0)
        score = np.where(cov + 1e-12 >= node.min_coverage, score, np.nan)
    if node.standardise == "ratio":
        if ref is None:
            raise ValueError(f"node {node.id!r} standardises to a reference unit; none given")
        with np.errstate(divide="ignore", invalid="ignore"):
            score = score / score[..., ref : ref + 1]
    return score


def _can_skip_checks(kids: np.ndarray, method: str, policy: str) -> bool:
    """Whether `_clean_mean` gives this node what `separable_mean` would: every child finite
    (arithmetic); positive, or ≥ 0 where a zero child makes the mean 0 (geometric, harmonic;
    not shifted by an offset)."""
    mean = registry.method("aggregate", method)
    if not mean.child_by_child:
        return False
    if not mean.zero_policy:  # the arithmetic mean
        return bool((kids >= FINITE).all())
    if policy == "offset":
        return False
    return bool((kids >= (NONNEGATIVE if policy == "zero" else POSITIVE)).all())


def _state(block: np.ndarray) -> int:
    """What a computed block is (`POSITIVE`, …, `UNKNOWN`): one check per aggregate."""
    if not np.isfinite(block).all():
        return UNKNOWN
    low = block.min() if block.size else 1.0
    return POSITIVE if low > 0 else NONNEGATIVE if low >= 0 else FINITE


def _clean_mean(children: list[np.ndarray], w: np.ndarray, method: str,
                positive: bool = True):
    """`separable_mean` for children known finite (and, for the geometric and harmonic
    means, ≥ 0 under `nonpositive: zero`, or > 0): the same operations in the same order —
    weights summed child by child, Σ wⱼ·xⱼ (or wⱼ·ln xⱼ, wⱼ/xⱼ) accumulated from zero, then
    the ratio — so the result is bit for bit the same, without the passes that look for
    missing, infinite and non-positive cells. A zero child with weight > 0 adds ln 0 = −∞ (or
    1/0 = ∞), which makes the mean exactly 0, as `separable_mean`'s zero rule does; a child
    of weight 0 adds nothing. The tests compare the two on random blocks.
    """
    w = np.asarray(w, dtype=float)
    if np.any(w < 0):
        raise ValueError("weights must be >= 0")
    shape = np.broadcast_shapes(*(np.shape(c) for c in children))
    wsum = np.zeros(shape[:-1] + (1,))
    acc = np.zeros(shape)
    tmp = np.empty(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, xj in enumerate(children):
            wj = w[..., j, None] if w.ndim > 1 else w[j]
            wsum += wj
            if method == "arithmetic":
                np.multiply(xj, wj, out=tmp)
            else:
                if method == "geometric":
                    np.log(xj, out=tmp)
                else:
                    np.divide(1.0, xj, out=tmp)
                if not positive and not _weight_all_positive(wj, tmp):
                    continue  # weight 0 throughout: nothing added (separable_mean adds 0.0)
                tmp *= wj
            acc += tmp
        if method == "arithmetic":
            out = np.divide(acc, wsum, out=acc)
        elif method == "geometric":
            out = np.exp(np.divide(acc, wsum, out=acc), out=acc)
        else:
            out = np.divide(wsum, acc, out=acc)
        np.copyto(out, np.nan, where=~(wsum > 0))
    return out, np.broadcast_to(wsum, shape)


def _weight_all_positive(wj: np.ndarray | float, tmp: np.ndarray) -> bool:
    """For a child that may hold zeros (ln 0 = −∞ in `tmp`): False if its weight is 0 for
    every sample (skip it); else zero the samples where it is 0 (0·∞ would be NaN; those
    samples add nothing), weight them by `wj` afterwards and return True."""
    wj = np.asarray(wj)
    if wj.ndim == 0:
        return bool(wj > 0)
    off = wj[..., 0] <= 0
    if off.all():
        return False
    if off.any():
        tmp[off] = 0.0
    return True


def _mark_nonpositive(children: list[np.ndarray], w: np.ndarray, k: int, policy: str,
                      offset: float, failure: np.ndarray):
    """Fail (code k + 1) the samples where node k's geometric/harmonic mean meets a cell it
    cannot take; returns (failure, (k, index, value, count) of the first such cell or None).

    A bad cell is replaced in place by a positive stand-in (1) so the mean can be computed:
    the sample is failed and its values are discarded (`aggregate_tree` raises on the first
    bad cell, the batch path sets a failed sample to NaN). Children are checked one at a time,
    so no more than one mask is alive — the memory budget counts one.
    """
    first, hit, n_bad = None, None, 0
    for j, xj in enumerate(children):
        bad = _nonpositive_cells(xj, w, j, policy, offset)
        if not bad.any():
            continue
        n_bad += int(bad.sum())
        rows = bad.any(axis=-1)
        hit = rows if hit is None else hit | rows
        if first is None:
            idx = tuple(int(i[0]) for i in np.nonzero(bad))
            first = (idx + (j,), float(xj[idx]))
        np.copyto(xj, 1.0, where=bad)
    if hit is None:
        return failure, None
    failure = np.where((failure == 0) & hit, k + 1, failure)
    return failure, (k, first[0], first[1], n_bad)


def _nonpositive_cells(xj: np.ndarray, w: np.ndarray, j: int, policy: str,
                       offset: float) -> np.ndarray:
    """Cells of child `j` a geometric/harmonic mean cannot take under `policy` (negatives;
    zeros too under 'error'), among children with weight > 0."""
    wj = w[..., j, None] if w.ndim > 1 else w[j]
    test = xj + offset if policy == "offset" else xj
    return (wj > 0) & ~np.isnan(xj) & ((test < 0) | ((test == 0) & (policy == "error")))


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank units by score along axis −2 (1 = highest; ties share the better rank; NaN → NaN).

    Works on (..., n_units, n_nodes) arrays, vectorised over the batch axes; see
    `ranks_last` for how (a sort per column, O(n log n) — never a units × units comparison).
    """
    s = np.asarray(scores, dtype=float)
    return np.moveaxis(ranks_last(np.moveaxis(s, -2, -1)), -1, -2)


def ranks_last(scores: np.ndarray) -> np.ndarray:
    """Rank along the last axis: 1 + the number of strictly better units, NaN → NaN.

    One sort per row: with the values in descending order, a unit's rank is 1 + the position
    where its run of equal values starts (everything before is strictly better), carried over
    the run by a running maximum. A missing value sorts as −∞, last, as the pairwise definition
    counts it (a true −∞ ties with it; neither is better than the other).
    """
    s = np.asarray(scores, dtype=float)
    n = s.shape[-1]
    out = np.empty(s.shape)
    if n == 0 or s.size == 0:
        return out
    missing = np.isnan(s)
    # peak: three (…, n) arrays beside the input and the result (`aidi.analysis.budget`)
    v = np.negative(s, where=~missing, out=np.full(s.shape, np.inf))  # −score; NaN → +∞
    order = np.argsort(v, axis=-1)
    v = np.take_along_axis(v, order, axis=-1)
    new_run = v[..., 1:] != v[..., :-1]
    del v
    start = np.zeros(s.shape, dtype=np.intp)
    start[..., 1:] = np.arange(1, n)
    start[..., 1:] *= new_run
    del new_run
    np.maximum.accumulate(start, axis=-1, out=start)
    start += 1
    np.put_along_axis(out, order, start, axis=-1)
    out[missing] = np.nan
    return out
