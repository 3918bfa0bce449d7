"""Making a variant design (`build_design`): one builder per factor, the variants precomputed once.

COINr rebuilds the whole index for each Monte-Carlo sample (~0.13 s each). Most of that work
repeats: the per-indicator stages (impute → treat → normalise) have only a handful of possible
outcomes — one per imputation × winsorisation × normalisation level — so they are computed
once here into an array `matrices[imputation·winsorisation, normalisation, unit, indicator]`.
A sample then only *gathers* its matrix, turns its weights and its left-out indicator into
per-sample weight arrays, and runs the tree aggregation on a (samples, units, indicators)
block (`aidi.analysis.robustness.evaluate`). Nothing on the hot path loops over samples.

Each discrete factor has its builder, which parses the configured alternatives
(`aidi.analysis.robustness.choices`) into `Levels` — the spec's own level first — and drops,
with a note, an alternative that changes nothing or cannot apply here: `aggregation_levels`,
`imputation_levels`, `winsorisation_levels`, `normalisation_levels`, `exclusion_levels`; the
weights' factors come from `weight_nodes` and `weight_factors`. `variant_matrices` runs the
pipeline's own `prepare` once per preparation level; `aidi.analysis.robustness.pruning`
removes levels that take part in impossible combinations; `lay_out_factors` assigns the
columns of the uniform inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from aidi.analysis.robustness.choices import (
    OVERRIDABLE_IMPUTATION,
    POSITIVE_PARAMETERS,
    method_update,
    params_label,
    resolve_aggregation,
    resolve_imputation,
    resolve_normalisation,
)
from aidi.analysis.robustness.config import FACTOR_ORDER, UncertaintyConfig
from aidi.analysis.robustness.evaluate import GENMEAN_FAILURE
from aidi.analysis.robustness.pruning import possible_levels
from aidi.analysis.robustness.variant_design import Factor, VariantDesign
from aidi.engine import registry
from aidi.engine.normalise import normalise_matrix
from aidi.engine.pipeline import BuildResult, ReferenceScreenedOut, prepare
from aidi.engine.tree import CompiledTree
from aidi.specs.schema import Impute, IndexSpec, Indicator, Normalise, Treat

Array = np.ndarray


@dataclass(frozen=True)
class Levels:
    """One discrete factor's levels: readable labels ("spec" first) and what each sets."""

    labels: tuple[str, ...]
    settings: tuple[Any, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, Any]]) -> Levels:
        return cls(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))

    def take(self, keep: Array) -> Levels:
        """The levels where the boolean mask `keep` is true."""
        idx = np.flatnonzero(keep)
        return Levels(tuple(self.labels[i] for i in idx), tuple(self.settings[i] for i in idx))


@dataclass(frozen=True)
class AggregationLevel:
    """What one aggregation level sets: each node's method, the fields the rebuild's rewrite
    sets on the nodes in scope, and the compiled tree with those methods and parameters."""

    methods: Mapping[str, str]
    updates: Mapping[str, Mapping[str, Any]]
    tree: CompiledTree


@dataclass(frozen=True)
class Candidates:
    """The units a variant may score (the build's candidates, before screening) and their data."""

    units: tuple[str, ...]
    data: Array
    info: pd.DataFrame | None

    @classmethod
    def of(cls, result: BuildResult) -> Candidates:
        cand = result.candidates if result.candidates is not None else result.data
        info = result.candidate_info if result.candidates is not None else result.unit_info
        return cls(tuple(cand.index), cand.to_numpy(dtype=float), info)


# ---- one indicator's setting under a level (the design's and the oracle's rewrite) ----------
def imputed(spec: IndexSpec, ind: Indicator, alt: str | Impute | None) -> Impute:
    """The indicator's imputation under alternative `alt` (None = the spec's): only an open
    method (`OVERRIDABLE_IMPUTATION`) is replaced — by a method name, or a whole `Impute`."""
    imp = spec.effective_impute(ind)
    if alt is None or imp.method not in OVERRIDABLE_IMPUTATION:
        return imp
    return alt if isinstance(alt, Impute) else imp.model_copy(update={"method": alt})


def treated(spec: IndexSpec, ind: Indicator, level: str) -> Treat:
    """The indicator's treatment with winsorisation limit `level` ("spec" = as is)."""
    t = spec.effective_treat(ind)
    if level != "spec" and t.method == "winsorise":
        t = t.model_copy(update={"winmax": int(level)})
    return t


# ---- one builder per factor ---------------------------------------------------------------------
def _scope_nodes(tree: CompiledTree, scope: str) -> list[str]:
    """Aggregate nodes whose method may vary: the pillars, or every node below the index (the
    index's own geometric mean of the pillars is the source's definition, not a choice)."""
    if scope == "pillars":
        return [c for c in tree.nodes[-1].children if c in tree.aggregate_ids]
    return list(tree.aggregate_ids[:-1])


def aggregation_levels(tree: CompiledTree, config: UncertaintyConfig,
                       notes: list[str]) -> Levels:
    """The spec's aggregation, then each alternative for the nodes in scope (one that gives
    the same method and parameters everywhere as an earlier level is dropped)."""
    scope = _scope_nodes(tree, config.aggregation_scope)
    spec_key = {n.id: (n.method, n.params) for n in tree.nodes}
    pairs = [("spec", AggregationLevel({n.id: n.method for n in tree.nodes}, {}, tree))]
    keys = [spec_key]
    for entry in config.aggregations:
        label, alt = resolve_aggregation(entry)
        params = alt.method_params()
        key = {**spec_key, **{nid: (alt.method, params) for nid in scope}}
        if key in keys:
            notes.append(f"aggregation '{label}' equals an earlier level in scope; dropped")
            continue
        keys.append(key)
        alt_tree = replace(tree, nodes=tuple(
            replace(n, method=alt.method, params=params) if n.id in scope else n
            for n in tree.nodes))
        pairs.append((label, AggregationLevel({nid: m for nid, (m, _) in key.items()},
                                              {nid: method_update(alt) for nid in scope},
                                              alt_tree)))
    return Levels.of(pairs)


def needs_positive(aggregation: Levels) -> bool:
    """Whether any aggregation level has a mean that needs non-negative (positive) children."""
    return any(registry.method("aggregate", n.method).needs_nonnegative(dict(n.params))
               for level in aggregation.settings for n in level.tree.nodes)


def imputation_levels(spec: IndexSpec, config: UncertaintyConfig, notes: list[str]) -> Levels:
    """The spec's imputation, then each alternative that changes some indicator's setting."""
    pairs: list[tuple[str, str | Impute | None]] = [("spec", None)]
    seen = [[imputed(spec, i, None) for i in spec.indicators()]]
    for entry in config.imputations:
        label, alt = resolve_imputation(entry)
        settings = [imputed(spec, i, alt) for i in spec.indicators()]
        if settings in seen:
            notes.append(f"imputation '{label}' changes no indicator's method; dropped")
            continue
        seen.append(settings)
        pairs.append((label, alt))
    return Levels.of(pairs)


def winsorisation_levels(spec: IndexSpec, config: UncertaintyConfig,
                         notes: list[str]) -> Levels:
    """The spec's winsorisation limit, then each configured `winmax` (none if nothing is
    winsorised)."""
    labels = ["spec"]
    if config.winsorisation:
        if not any(spec.effective_treat(i).method == "winsorise" for i in spec.indicators()):
            notes.append("winsorisation limits given, but no indicator is winsorised; dropped")
        else:
            labels += [str(int(k)) for k in config.winsorisation]
    return Levels(tuple(labels), tuple(labels))


def normalisation_levels(spec: IndexSpec, config: UncertaintyConfig, positive: bool,
                         notes: list[str]) -> Levels:
    """The spec's normalisation, then each alternative for every indicator: given the spec's
    reference unit where it needs one, and positive parameters for a catalogue name alone
    when a geometric/harmonic mean follows (`positive`)."""
    pairs: list[tuple[str, Normalise | None]] = [("spec", None)]
    for entry in config.normalisations:
        label, norm, named = resolve_normalisation(entry)
        if registry.method("normalise", norm.method).needs_reference and norm.reference is None:
            if not spec.reference:
                notes.append(f"normalisation '{label}' needs a reference unit; dropped")
                continue
            norm = norm.model_copy(update={"reference": spec.reference})
        if named and positive and norm.method in POSITIVE_PARAMETERS:
            upd = POSITIVE_PARAMETERS[norm.method]
            if any(getattr(norm, k) != v for k, v in upd.items()):
                norm = norm.model_copy(update=upd)
                notes.append(f"normalisation '{label}': {params_label(norm, ('reference',))} "
                             "(positive, as a geometric/harmonic mean follows)")
        if positive and registry.method("normalise", norm.method).reaches_zero(norm):
            notes.append(f"normalisation '{label}' gives the worst unit 0 or less and a "
                         "geometric/harmonic mean follows: with zeros='zero' such a mean is 0, "
                         "otherwise the sample fails (counted)")
        pairs.append((label, norm))
    return Levels.of(pairs)


def exclusion_levels(spec: IndexSpec, config: UncertaintyConfig) -> Levels:
    """No indicator left out, then each indicator that may be: weight > 0 and a sibling with
    weight > 0, so that no node (dimension, sub-dimension) ever loses its last indicator."""
    out: list[str] = []
    if config.leave_one_out:
        for node in spec.aggregates():
            weighted = [c for c in node.children if c.weight > 0]
            if len(weighted) >= 2:
                out += [c.id for c in weighted if isinstance(c, Indicator)]
        order = [i.id for i in spec.indicators()]
        out.sort(key=order.index)
    labels = ("none", *out)
    return Levels(labels, labels)


def weight_nodes(tree: CompiledTree, config: UncertaintyConfig) -> list[str]:
    """Nodes whose child weights are perturbed: in scope, with at least two weighted children."""
    if config.weights == "off":
        return []
    scope = list(tree.aggregate_ids) if config.weight_scope == "all" \
        else list(tree.aggregate_ids[:-1])
    return [n.id for n in tree.nodes if n.id in scope and len(n.children) >= 2
            and np.count_nonzero(n.weights) >= 2]


def weight_factors(spec: IndexSpec, config: UncertaintyConfig,
                   nodes: list[str]) -> list[tuple[str, list[str]]]:
    """(factor name, nodes) of the weights: one `weights` factor, or one per level. A node's
    children are weighted at COINr's level of the node − 1, counted up from the deepest
    indicator (level 1) — on a regular tree, the children's own level."""
    if not nodes:
        return []
    if config.weight_groups == "one":
        return [("weights", list(nodes))]
    depth = spec.level_of()
    top = max(depth.values())
    by_level: dict[int, list[str]] = {}
    for nid in nodes:
        by_level.setdefault(top - depth[nid], []).append(nid)
    return [(f"weights.level{k}", by_level[k]) for k in sorted(by_level)]


# ---- the precomputed variants -------------------------------------------------------------------
def variant_matrices(result: BuildResult, cand: Candidates, levels: dict[str, Levels],
                     notes: list[str]) -> tuple[Array, Levels]:
    """(matrices, normalisation levels kept): every (imputation, winsorisation) level through
    the pipeline's own `prepare` on the candidate units (screening included: a unit the
    variant screens out is missing in it), each normalised by every normalisation level.
    A normalisation that fails here, or equals an earlier level, is dropped; a failed
    preparation level falls back to the spec's."""
    spec, ids = result.spec, tuple(result.tree.indicator_ids)
    imp, win, norm = levels["imputation"], levels["winsorisation"], levels["normalisation"]
    mats = np.full((len(imp.labels) * len(win.labels), len(norm.labels), len(cand.units),
                    len(ids)), np.nan)
    prep_ok = np.ones(mats.shape[0], dtype=bool)
    keep_norm = np.ones(len(norm.labels), dtype=bool)
    for a, alt in enumerate(imp.settings):
        for b, wlevel in enumerate(win.labels):
            k = a * len(win.labels) + b
            try:
                prep = prepare(cand.data, cand.units, spec, cand.info,
                               impute=[imputed(spec, i, alt) for i in spec.indicators()],
                               treat=[treated(spec, i, wlevel) for i in spec.indicators()],
                               with_log=False)
            except ReferenceScreenedOut as exc:
                notes.append(f"imputation '{imp.labels[a]}', winsorisation '{wlevel}': {exc}; "
                             "dropped")
                prep_ok[k] = False
                continue
            _normalise_level(spec, ids, cand, prep, norm, mats[k], keep_norm, notes)
    if not prep_ok[0]:
        raise ValueError("the spec's own data preparation fails; cannot build variants")
    _drop_equal_normalisations(mats, norm.labels, keep_norm, notes)
    mats = mats[:, keep_norm]
    mats[~prep_ok] = mats[0]
    return np.ascontiguousarray(mats), norm.take(keep_norm)


def _normalise_level(spec: IndexSpec, ids: tuple[str, ...], cand: Candidates, prep: Any,
                     norm: Levels, out: Array, keep: Array, notes: list[str]) -> None:
    """One preparation level normalised by every normalisation level, into `out` (norm,
    unit, indicator); a normalisation that is not possible here is dropped (`keep`)."""
    inds = spec.indicators()
    directions = np.array([i.direction for i in inds], dtype=float)
    kept_units = [u for u, k in zip(cand.units, prep.keep, strict=True) if k]
    for c, setting in enumerate(norm.settings):
        try:
            x = prep.normalised if setting is None else normalise_matrix(
                prep.treated, [setting] * len(inds), directions, kept_units, list(ids))
        except ValueError as exc:
            if keep[c]:
                notes.append(f"normalisation '{norm.labels[c]}' is not possible here ({exc}); "
                             "dropped")
            keep[c] = False
            continue
        out[c][prep.keep] = x


def _drop_equal_normalisations(mats: Array, labels: Sequence[str], keep: Array,
                               notes: list[str]) -> None:
    """Mark a normalisation level whose every variant equals an earlier kept level's."""
    for c in range(1, len(labels)):
        if keep[c] and any(keep[d] and _same(mats[:, c], mats[:, d]) for d in range(c)):
            notes.append(f"normalisation '{labels[c]}' equals an earlier level; dropped")
            keep[c] = False


def _same(a: Array, b: Array) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


# ---- the design ---------------------------------------------------------------------------------
def build_design(result: BuildResult, config: UncertaintyConfig | None = None) -> VariantDesign:
    """Precompute every per-indicator variant of `result` and lay out the factors.

    Cost: one `prepare` per (imputation, winsorisation) level and one normalisation per
    (level, normalisation) pair — milliseconds — instead of one full build per sample.
    """
    config = config or UncertaintyConfig()
    spec, notes = result.spec, []
    # aggregation first: whether a geometric mean follows decides the normalisers' defaults
    agg = aggregation_levels(result.tree, config, notes)
    levels = {"imputation": imputation_levels(spec, config, notes),
              "winsorisation": winsorisation_levels(spec, config, notes),
              "normalisation": normalisation_levels(spec, config, needs_positive(agg), notes),
              "aggregation": agg, "exclusion": exclusion_levels(spec, config)}
    cand = Candidates.of(result)
    mats, levels["normalisation"] = variant_matrices(result, cand, levels, notes)
    if config.exclude_impossible:
        mats, levels = _possible_only(result, cand, mats, levels, config, notes)
    return _design(result, cand, config, mats, levels, notes)


def _nominal_index(result: BuildResult, units: Sequence[str]) -> Array:
    return result.scores[result.tree.root].reindex(list(units)).to_numpy(dtype=float)


def _possible_only(result: BuildResult, cand: Candidates, mats: Array,
                   levels: dict[str, Levels], config: UncertaintyConfig,
                   notes: list[str]) -> tuple[Array, dict[str, Levels]]:
    """The matrices and levels without the levels that take part in impossible combinations
    (`aidi.analysis.robustness.pruning`)."""
    ref = cand.units.index(result.spec.reference) if result.spec.reference in cand.units \
        else None
    trees = [a.tree for a in levels["aggregation"].settings]
    keep = possible_levels(mats, trees, ref, levels["exclusion"].labels,
                           _nominal_index(result, cand.units),
                           {k: v.labels for k, v in levels.items()}, cand.units, config.zeros,
                           notes)
    n_win = len(levels["winsorisation"].labels)
    imp_idx, win_idx = np.flatnonzero(keep["imputation"]), np.flatnonzero(keep["winsorisation"])
    prep_idx = (imp_idx[:, None] * n_win + win_idx[None, :]).ravel()
    mats = np.ascontiguousarray(mats[prep_idx][:, np.flatnonzero(keep["normalisation"])])
    return mats, {k: v.take(keep[k]) for k, v in levels.items()}


def lay_out_factors(spec: IndexSpec, tree: CompiledTree, config: UncertaintyConfig,
                    levels: Mapping[str, Levels], nodes: list[str]) -> tuple[Factor, ...]:
    """The factors in `FACTOR_ORDER`, each given its columns of the uniform inputs: one per
    perturbed child weight, one per discrete factor with more than one level."""
    factors: list[Factor] = []
    col = 0
    for name in FACTOR_ORDER:
        if name == "weights":
            for fname, fnodes in weight_factors(spec, config, nodes):
                k = sum(len(tree.nodes[tree.aggregate_ids.index(n)].children) for n in fnodes)
                factors.append(Factor(fname, (), tuple(range(col, col + k)), tuple(fnodes)))
                col += k
        elif len(levels[name].labels) > 1:
            factors.append(Factor(name, levels[name].labels, (col,)))
            col += 1
    return tuple(factors)


def _design(result: BuildResult, cand: Candidates, config: UncertaintyConfig, mats: Array,
            levels: dict[str, Levels], notes: list[str]) -> VariantDesign:
    spec, tree, units = result.spec, result.tree, cand.units
    nodes = weight_nodes(tree, config)
    agg = levels["aggregation"]
    reasons = ("",) + tuple(f"a geometric/harmonic mean met a zero or negative value at node "
                            f"'{n.id}' (its `nonpositive` policy is 'error')"
                            for n in tree.nodes) + (GENMEAN_FAILURE,)
    return VariantDesign(
        units=units, indicator_ids=tuple(tree.indicator_ids),
        ref=units.index(spec.reference) if spec.reference in units else None,
        tree=tree, matrices=mats, imputation_levels=levels["imputation"].labels,
        winsorisation_levels=levels["winsorisation"].labels,
        normalisation_levels=levels["normalisation"].labels, aggregation_levels=agg.labels,
        aggregation_methods=tuple(a.methods for a in agg.settings),
        exclusion_levels=levels["exclusion"].labels, weight_nodes=tuple(nodes),
        factors=lay_out_factors(spec, tree, config, levels, nodes), config=config,
        nominal_index=_nominal_index(result, units),
        nominal_rank=result.ranks[tree.root].reindex(list(units)).to_numpy(dtype=float),
        failure_reasons=reasons, notes=tuple(notes),
        aggregation_trees=tuple(a.tree for a in agg.settings),
        aggregation_updates=tuple(a.updates for a in agg.settings),
        normalisation_settings=levels["normalisation"].settings,
        imputation_alternatives=levels["imputation"].settings)
