"""The spec's tree compiled to index arrays, and a vectorised bottom-up aggregation over it.

`aggregate_tree` is the engine's hot path: given normalised indicators shaped
(..., n_units, n_indicators) it fills every aggregate node in one pass per node, broadcasting
over any leading batch axes (Monte-Carlo samples). Weights and methods can be overridden per
node, with weights given per sample, so uncertainty analysis never loops over samples.
Non-separable aggregators (Copeland, Mazziotta–Pareto) need every unit of a node's children,
which each node's call has: the units axis is never split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from aidi.engine.aggregate import SEPARABLE, NonPositiveError, aggregate, separable_mean
from aidi.specs.schema import IndexSpec, Indicator, Node


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
        return self.all_ids.index(node_id)

    @property
    def root(self) -> str:
        return self.aggregate_ids[-1]


def compile_tree(spec: IndexSpec, indicator_ids: list[str] | None = None) -> CompiledTree:
    """Compile the spec's tree; `indicator_ids` fixes the indicator column order (default: spec)."""
    ind_ids = tuple(indicator_ids or [i.id for i in spec.indicators()])
    order: list[Node] = []

    def post(n: Node | Indicator) -> None:
        if isinstance(n, Node):
            for c in n.children:
                post(c)
            order.append(n)

    post(spec.root)
    agg_ids = tuple(n.id for n in order)
    all_ids = ind_ids + agg_ids
    nodes = []
    for n in order:
        kids = tuple(c.id for c in n.children)
        nodes.append(CompiledNode(
            n.id, kids, tuple(all_ids.index(k) for k in kids),
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


def aggregate_node_major(node_major: np.ndarray, tree: CompiledTree, ref: int | None,
                         weights: Mapping[str, np.ndarray] | None = None,
                         methods: Mapping[str, str] | None = None, zeros: str = "spec"):
    """The tree pass in place on a node-major array (n_indicators + n_aggregates, ...,
    n_units) whose first n_indicators blocks hold the normalised indicators: fills the
    aggregate blocks and returns (failure per sample, first failing cell or None).

    The batch analyses gather their variants straight into this layout, so no transposition
    is needed on the hot path.
    """
    n_ind = len(tree.indicator_ids)
    weights = weights or {}
    methods = methods or {}
    failure = np.zeros(node_major.shape[1:-1], dtype=np.intp)
    first_bad = None
    for k, node in enumerate(tree.nodes):
        w = np.asarray(weights.get(node.id, node.weights), dtype=float)
        method = methods.get(node.id, node.method)
        policy = "zero" if (zeros == "zero" and node.nonpositive == "error") else node.nonpositive
        children = [node_major[c] for c in node.child_cols]
        if method in ("geometric", "harmonic"):
            bads = [_nonpositive_cells(xj, w, j, policy, node.offset)
                    for j, xj in enumerate(children)]
            if any(b.any() for b in bads):
                hit = np.logical_or.reduce([b.any(axis=-1) for b in bads])
                failure = np.where((failure == 0) & hit, k + 1, failure)
                if first_bad is None:
                    j = next(i for i, b in enumerate(bads) if b.any())
                    idx = tuple(int(i[0]) for i in np.nonzero(bads[j]))
                    first_bad = (k, idx + (j,), float(children[j][idx]),
                                 int(sum(b.sum() for b in bads)))
                # a positive stand-in; the sample is failed
                children = [np.where(b, 1.0, c) for b, c in zip(bads, children, strict=True)]
        if method in SEPARABLE:
            score, wsum = separable_mean(children, w, method, policy, node.offset)
        else:
            params = dict(node.params) if method == node.method else {}
            score = aggregate(np.stack(children, axis=-1), w, method, policy, node.offset,
                              **params)
            wsum = None
        if node.dat_thresh is not None and any(np.isnan(c).any() for c in children):
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
        node_major[n_ind + k] = score
    return failure, first_bad


def _nonpositive_cells(xj: np.ndarray, w: np.ndarray, j: int, policy: str,
                       offset: float) -> np.ndarray:
    """Cells of child `j` a geometric/harmonic mean cannot take under `policy` (negatives;
    zeros too under 'error'), among children with weight > 0."""
    wj = w[..., j, None] if w.ndim > 1 else w[j]
    test = xj + offset if policy == "offset" else xj
    return (wj > 0) & ~np.isnan(xj) & ((test < 0) | ((test == 0) & (policy == "error")))


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank units by score along axis −2 (1 = highest; ties share the better rank; NaN → NaN).

    Works on (..., n_units, n_nodes) arrays, vectorised over the batch axes.
    """
    s = np.asarray(scores, dtype=float)
    filled = np.where(np.isnan(s), -np.inf, s)
    # rank = 1 + number of units strictly better
    better = (filled[..., None, :, :] > filled[..., :, None, :]).sum(axis=-2)
    return np.where(np.isnan(s), np.nan, 1.0 + better)
