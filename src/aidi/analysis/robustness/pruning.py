"""Which levels of the discrete factors a design keeps, so that it draws only possible indices.

The design draws only possible indices (`UncertaintyConfig.exclude_impossible`, on by default):
leaving out an indicator is offered only where its parent keeps another child with weight, and
`build_design` evaluates every combination of discrete levels once, at nominal weights, before
laying out the factors. A level that takes part in an impossible combination — a geometric or
harmonic mean meeting a zero or a negative where the spec declares no rule for it
(`nonpositive: error`), or an economy that loses its index only because an indicator is left
out (a leave-one-out that empties a node for it) — is removed from the design, never the
spec's own level, and the removal is noted with the first node and economy concerned. Weight
draws stay positive, so they cannot create a zero the nominal weights do not. Zeros follow the
spec's declared rule (`zeros="spec"`); `zeros="zero"` is the explicit what-if "every geometric
mean treats a zero child as 0".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from aidi.analysis.robustness.evaluate import GENMEAN_FAILURE
from aidi.engine.aggregate import NonPositiveError
from aidi.engine.tree import CompiledTree, aggregate_node_major

Array = np.ndarray


#: The discrete factors in the order `possible_levels` lays them out on its array's axes.
_PRUNE_AXES = ("imputation", "winsorisation", "normalisation", "aggregation", "exclusion")


def possible_levels(mats: Array, trees: Sequence[CompiledTree], ref: int | None,
                     exclusion: Sequence[str], nominal: Array,
                     levels: Mapping[str, Sequence[str]], units: Sequence[str], zeros: str,
                     notes: list[str]) -> dict[str, Array]:
    """Which level of each discrete factor to keep so that no combination is impossible.

    Every combination is evaluated once at nominal weights (vectorised over the precomputed
    variants); impossible = a geometric/harmonic mean meets a value its node's declared rule
    refuses, or an economy with an index in the spec's own build loses it only because an
    indicator is left out (a level that screens economies out, e.g. no imputation, is a
    possible index: those economies are missing in it, as in a rebuild). Then, greedily, the
    non-spec level taking part in the most impossible combinations is removed (ties: the
    first in the factor order of `_PRUNE_AXES`, then the first level) until none is left.
    """
    bad, why = _impossible_combinations(mats, trees, ref, exclusion, nominal, levels, units,
                                        zeros)
    keep = {name: np.ones(len(levels[name]), dtype=bool) for name in _PRUNE_AXES}
    if bad[(0,) * bad.ndim]:
        notes.append("the spec's own build is impossible here: " + why[(0,) * bad.ndim])
        bad[(0,) * bad.ndim] = False
    while True:
        sub = bad[np.ix_(*(keep[n] for n in _PRUNE_AXES))]
        if not sub.any():
            return keep
        best, share = None, -1.0
        for axis, name in enumerate(_PRUNE_AXES):
            kept = np.flatnonzero(keep[name])
            count = np.moveaxis(sub, axis, 0).reshape(len(kept), -1).sum(axis=1)
            for pos in range(1, len(kept)):  # position 0 is the spec's own level
                if count[pos] > share:
                    best, share = (axis, int(kept[pos])), float(count[pos])
        if best is None or share <= 0:
            notes.append("impossible combinations remain that involve only the spec's own "
                         "levels; they are counted as failed samples")
            return keep
        axis, level = best
        name = _PRUNE_AXES[axis]
        mask = np.ones(bad.shape, dtype=bool)
        for i, n in enumerate(_PRUNE_AXES):
            sel = keep[n].copy() if i != axis else np.arange(len(keep[n])) == level
            mask &= np.expand_dims(sel, [d for d in range(bad.ndim) if d != i])
        first = np.argwhere(bad & mask)
        reason = why[tuple(first[0])] if len(first) else ""
        total = int(np.prod([keep[n].sum() for i, n in enumerate(_PRUNE_AXES) if i != axis]))
        notes.append(f"{name} '{levels[name][level]}' removed from the design: impossible in "
                     f"{int(share)} of its {total} combinations ({reason})")
        keep[name][level] = False


def _impossible_combinations(mats: Array, trees: Sequence[CompiledTree], ref: int | None,
                             exclusion: Sequence[str], nominal: Array,
                             levels: Mapping[str, Sequence[str]], units: Sequence[str],
                             zeros: str) -> tuple[Array, Array]:
    """(impossible, reason) over (imputation, winsorisation, normalisation, aggregation,
    exclusion), evaluated at nominal weights."""
    n_imp, n_win = len(levels["imputation"]), len(levels["winsorisation"])
    n_prep, n_norm, n_units, n_ind = mats.shape
    flat = np.moveaxis(mats.reshape(n_prep * n_norm, n_units, n_ind), -1, 0)
    tree0 = trees[0]
    shape = (n_imp, n_win, n_norm, len(trees), len(exclusion))
    bad = np.zeros(shape, dtype=bool)
    why = np.full(shape, "", dtype=object)
    has_index = np.isfinite(nominal)
    kept_index: dict[int, np.ndarray] = {}  # per aggregation level: index finite without LOO
    for e, excluded in enumerate(exclusion):
        weights = {}
        if excluded != "none":
            col = tree0.indicator_ids.index(excluded)
            for node in tree0.nodes:
                if col in node.child_cols:
                    weights[node.id] = np.where(np.asarray(node.child_cols) == col, 0.0,
                                                node.weights)
        for a, tree in enumerate(trees):
            index, fail = _nominal_pass(flat, tree, ref, weights, zeros)
            if e == 0:
                kept_index[a] = np.isfinite(index)
            # an economy losing its index only because an indicator is left out (a variant
            # that screens economies out, e.g. without imputation, is a possible index)
            lost = has_index[None, :] & kept_index[a] & ~np.isfinite(index)
            for v in np.flatnonzero((fail > 0) | lost.any(axis=1)):
                p, n = divmod(int(v), n_norm)
                i, w = divmod(p, n_win)
                bad[i, w, n, a, e] = True
                if fail[v] > len(tree.nodes):
                    why[i, w, n, a, e] = GENMEAN_FAILURE
                elif fail[v] > 0:
                    node = tree.nodes[int(fail[v]) - 1].id
                    why[i, w, n, a, e] = (f"a geometric/harmonic mean meets a zero or negative "
                                          f"at node '{node}' (its `nonpositive` is 'error')")
                else:
                    u = units[int(np.flatnonzero(lost[v])[0])]
                    why[i, w, n, a, e] = f"{u} has no index"
    return bad, why


def _nominal_pass(flat: Array, tree: CompiledTree, ref: int | None,
                  weights: Mapping[str, Array], zeros: str) -> tuple[Array, Array]:
    """(index per variant and unit, failure code per variant) of the node-major variants
    `flat` at fixed weights; a generalised mean meeting a zero (which raises for the whole
    block) is retried one variant at a time and marked with a code past the last node."""
    n_ind = flat.shape[0]

    def run(x: Array) -> tuple[Array, Array]:
        block = np.empty((len(tree.all_ids),) + x.shape[1:])
        block[:n_ind] = x
        fail, _ = aggregate_node_major(block, tree, ref, weights, None, zeros)
        return block[-1], fail

    try:
        return run(flat)
    except NonPositiveError:
        pass
    index = np.full(flat.shape[1:], np.nan)
    fail = np.zeros(flat.shape[1], dtype=np.intp)
    for v in range(flat.shape[1]):
        try:
            index[v], fail[v] = (a[0] for a in run(flat[:, v:v + 1]))
        except NonPositiveError:
            fail[v] = len(tree.nodes) + 1
    return index, fail
