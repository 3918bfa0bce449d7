"""The batch kernel: a block of samples evaluated as array operations, no loop over samples.

A sample *gathers* its precomputed indicator matrix (`VariantDesign.variant_index`: fancy
indexing over the sample axis of the node-major variants), takes its per-sample weights
(`VariantDesign.sample_weights`, a left-out indicator at weight 0) and the samples of one
aggregation level run the engine's tree pass together on a (nodes, samples, units) block
(`aidi.engine.tree.aggregate_node_major`). Chunks of samples are handed out by
`aidi.analysis.robustness.backends`.

Failures are counted, never dropped silently: a geometric (or harmonic) mean meeting a zero or
a negative under the node's `nonpositive: error` policy is what makes a rebuild raise, so the
whole sample is marked failed with that node as the reason (`VariantDesign.failure_reasons`);
an economy whose index is missing or not finite in a sample fails for that economy only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from aidi.engine.aggregate import NonPositiveError
from aidi.engine.tree import CompiledTree, aggregate_node_major, aggregate_tree_marked, ranks_last

if TYPE_CHECKING:
    from aidi.analysis.robustness.variant_design import VariantDesign

Array = np.ndarray
#: Failure code of a generalised mean (p < 0, or fractional p) meeting a non-positive child.
GENMEAN_FAILURE = "a generalised mean met a zero or negative value it cannot take"


@dataclass(frozen=True)
class ChunkResult:
    """Outputs for a block of samples: index and rank per (sample, unit), failure code per sample
    (0 = ok, k = `VariantDesign.failure_reasons[k]`); with `nodes=` also those nodes' scores,
    (sample, unit, node) in the order of `node_ids`."""

    index: Array
    rank: Array
    failure: Array
    nodes: Array | None = None
    node_ids: tuple[str, ...] = ()


def evaluate_chunk(design: VariantDesign, u: Array,
                   nodes: str | Sequence[str] | None = None) -> ChunkResult:
    """Index, rank and failure code for each row of `u` (shape (n, n_vars)); with `nodes`
    ("pillars" or node ids) also those nodes' scores, read from the same tree pass.

    Gathers each sample's precomputed indicator matrix, builds per-sample weights, and runs
    the tree once per aggregation level present (on that level's samples only).
    """
    u = np.asarray(u, dtype=float)
    if u.ndim != 2 or u.shape[1] != design.n_vars:
        raise ValueError(f"inputs must have shape (n, {design.n_vars}), got {u.shape}")
    n, n_units = u.shape[0], len(design.units)
    variant, weights = design.variant_index(u), design.sample_weights(u)
    agg = design.level_index(u, "aggregation")
    node_ids = design.node_columns(nodes)
    node_cols = [design.tree.col(i) for i in node_ids]
    index = np.empty((n, n_units))
    values = np.empty((n, n_units, len(node_cols))) if node_ids else None
    failure = np.zeros(n, dtype=np.intp)
    trees = design.aggregation_trees or (design.tree,) * len(design.aggregation_levels)
    # one node-major block for the chunk, each aggregation level's samples a part of it:
    # its size does not depend on how the samples fall (`aidi.analysis.budget` counts it)
    buf = np.empty(len(design.tree.all_ids) * n * n_units)
    used = 0
    for lvl in np.unique(agg):
        sel = np.flatnonzero(agg == lvl)
        block = buf[used:used + len(design.tree.all_ids) * len(sel) * n_units].reshape(
            len(design.tree.all_ids), len(sel), n_units)
        used += block.size
        methods = None if design.aggregation_trees else design.aggregation_methods[lvl]
        fail = _level_pass(design, block, trees[lvl], {k: v[sel] for k, v in weights.items()},
                           methods, variant[sel])
        index[sel] = block[-1]
        if values is not None:
            for j, c in enumerate(node_cols):
                values[sel, :, j] = block[c]
        failure[sel] = fail
        del block
    del buf
    index[~np.isfinite(index)] = np.nan
    if values is not None:
        values[~np.isfinite(values)] = np.nan
    return ChunkResult(index, ranks_last(index), failure, values, node_ids)


def _level_pass(design: VariantDesign, block: Array, tree: CompiledTree,
                w: Mapping[str, Array], methods: Mapping[str, str] | None,
                variants: Array) -> Array:
    """One aggregation level's samples: gather their matrices into `block`, run the tree pass
    in place, blank the failed samples; their failure codes."""
    np.take(design.node_major_matrices, variants, axis=1,
            out=block[:len(design.indicator_ids)], mode="clip")
    fail = _tree_pass(design, block, tree, w, methods, variants)
    block[:, fail > 0] = np.nan
    return fail


def _tree_pass(design: VariantDesign, block: Array, tree: CompiledTree,
               w: Mapping[str, Array], methods: Mapping[str, str] | None,
               variants: Array) -> Array:
    """The tree pass in place on one aggregation level's block; failure code per sample.

    Geometric and harmonic means mark their failures per sample; a generalised mean
    (p < 0) meeting a zero raises for the whole block, so only then — the failure path —
    the block is gathered again (the first pass may have replaced bad cells) and redone
    one sample at a time to fail just the samples concerned.
    """
    zeros = design.config.zeros
    try:
        fail, _ = aggregate_node_major(block, tree, design.ref, w, methods, zeros,
                                       design.indicator_state)
        return fail
    except NonPositiveError:
        np.take(design.node_major_matrices, variants, axis=1,
                out=block[:len(design.indicator_ids)], mode="clip")
    fail = np.zeros(block.shape[1], dtype=np.intp)
    code = design.failure_reasons.index(GENMEAN_FAILURE)
    for i in range(block.shape[1]):
        try:
            f, _ = aggregate_node_major(block[:, i:i + 1], tree, design.ref,
                                        {k: v[i:i + 1] for k, v in w.items()}, methods, zeros)
            fail[i] = f[0]
        except NonPositiveError:
            fail[i] = code
    return fail


def tree_pass(x: Array, tree: CompiledTree, ref: int | None,
              weights: Mapping[str, Array] | None = None,
              methods: Mapping[str, str] | None = None,
              zeros: str = "spec") -> tuple[Array, Array]:
    """One chunk of variants through the engine's tree, failures marked per sample
    (`aidi.engine.tree.aggregate_tree_marked`): one sample meeting a zero under
    `nonpositive: error` must not sink the other 1,999 of its chunk."""
    return aggregate_tree_marked(x, tree, ref, weights, methods, zeros)
