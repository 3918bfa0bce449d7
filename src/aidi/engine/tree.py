"""The spec's tree compiled to index arrays, and a vectorised bottom-up aggregation over it.

`aggregate_tree` is the engine's hot path: given normalised indicators shaped
(..., n_units, n_indicators) it fills every aggregate node in one pass per node, broadcasting
over any leading batch axes (Monte-Carlo samples). Weights and methods can be overridden per
node, with weights given per sample, so uncertainty analysis never loops over samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from aidi.engine.aggregate import aggregate
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
            n.standardise))
    return CompiledTree(ind_ids, agg_ids, tuple(nodes))


def aggregate_tree(normalised: np.ndarray, tree: CompiledTree, ref: int | None = None,
                   weights: Mapping[str, np.ndarray] | None = None,
                   methods: Mapping[str, str] | None = None) -> np.ndarray:
    """All node values, shape (..., n_units, n_indicators + n_aggregates), columns = all_ids.

    `ref` is the reference unit's row for nodes with `standardise: ratio`. `weights[node]`
    (shape (..., n_children)) and `methods[node]` override the spec for that node.
    """
    x = np.asarray(normalised, dtype=float)
    n_ind = len(tree.indicator_ids)
    if x.shape[-1] != n_ind:
        raise ValueError(f"expected {n_ind} indicator columns, got {x.shape[-1]}")
    values = np.concatenate(
        [x, np.full(x.shape[:-1] + (len(tree.aggregate_ids),), np.nan)], axis=-1)
    weights = weights or {}
    methods = methods or {}
    for k, node in enumerate(tree.nodes):
        w = weights.get(node.id, node.weights)
        child = values[..., list(node.child_cols)]
        score = aggregate(child, w, methods.get(node.id, node.method), node.nonpositive,
                          node.offset)
        if node.min_coverage > 0:
            from aidi.engine.aggregate import coverage
            score = np.where(coverage(child, w) + 1e-12 >= node.min_coverage, score, np.nan)
        if node.standardise == "ratio":
            if ref is None:
                raise ValueError(f"node {node.id!r} standardises to a reference unit; none given")
            with np.errstate(divide="ignore", invalid="ignore"):
                score = score / score[..., ref : ref + 1]
        values[..., n_ind + k] = score
    return values


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank units by score along axis −2 (1 = highest; ties share the better rank; NaN → NaN).

    Works on (..., n_units, n_nodes) arrays, vectorised over the batch axes.
    """
    s = np.asarray(scores, dtype=float)
    filled = np.where(np.isnan(s), -np.inf, s)
    # rank = 1 + number of units strictly better
    better = (filled[..., None, :, :] > filled[..., :, None, :]).sum(axis=-2)
    return np.where(np.isnan(s), np.nan, 1.0 + better)
