"""Every variant of the index a robustness analysis can ask for, precomputed once and evaluated
for thousands of samples as array operations.

COINr rebuilds the whole index for each Monte-Carlo sample (~0.13 s each). Most of that work
repeats: the per-indicator stages (impute → treat → normalise) have only a handful of possible
outcomes — one per imputation method × normalisation method — so they are computed once here
into an array `matrices[imputation, normalisation, unit, indicator]`. A sample then only
*gathers* its matrix (fancy indexing over the sample axis), turns its weights and its left-out
indicator into per-sample weight arrays, and runs the tree aggregation on a
(samples, units, indicators) block. Nothing on the hot path loops over samples.

Each uncertain choice is a *factor* driven by uniform [0, 1) inputs, so that the Monte-Carlo
(uncertainty) and the Saltelli design (Sobol sensitivity) share one model:

- `weights` — one input per perturbed child weight: uniform ±`weight_spread` around the spec's
  weight, or a Dirichlet draw centred on it (the inputs go through the gamma quantile function);
- `normalisation` — the spec's own normalisation, or an alternative applied to every indicator.
  Alternatives stay positive so geometric means remain defined (COINr's own sensitivity example:
  min–max onto [1, 100], z-scores with mean 10 and sd 2), and the pillars keep the spec's
  standardisation (reference = 1), so every variant's index is on the same "USA = 1" scale;
- `aggregation` — the spec's methods, or arithmetic / geometric for the nodes in scope (by
  default the pillars: how dimensions are combined; `all` = every node below the index);
- `imputation` — the spec's, or none / mean / median for every indicator whose spec uses one of
  those (an indicator imputed by `min` keeps it: that is a known bound, not an open choice);
- `exclusion` — no indicator left out, or one of them (weight 0 in its parent; the parent's
  other children share its weight, and a node left without children drops out the same way).

A discrete factor with L levels maps u to level ⌊u·L⌋. Levels that turn out identical to an
earlier one (e.g. "mean" imputation when nothing is missing) are dropped and noted.

Failures are counted, never dropped silently: a geometric (or harmonic) mean meeting a zero or a
negative under the node's `nonpositive: error` policy is what makes a rebuild raise, so here the
whole sample is marked failed with that node as the reason; an economy whose index is missing
or not finite in a sample fails for that economy only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from aidi.engine.aggregate import NonPositiveError
from aidi.engine.impute import IMPUTERS
from aidi.engine.normalise import normalise_matrix
from aidi.engine.pipeline import (
    BuildResult,
    ReferenceHasNoValue,
    ReferenceScreenedOut,
    build,
    prepare,
)
from aidi.engine.tree import CompiledTree, aggregate_node_major, aggregate_tree_marked, ranks
from aidi.specs.schema import Impute, IndexSpec, Indicator, Node, Normalise

Array = np.ndarray

#: Alternative normalisations by name; `ratio` gets the spec's reference unit.
NORMALISATIONS: dict[str, Normalise] = {
    "ratio": Normalise(method="ratio"),
    "frontier": Normalise(method="frontier"),
    "minmax": Normalise(method="minmax", low=1.0, high=100.0),
    "zscore": Normalise(method="zscore", mean=10.0, sd=2.0),
    "rank": Normalise(method="rank"),
}
#: Imputation methods the analysis may swap; others (e.g. `min`, a known bound) are kept.
OVERRIDABLE_IMPUTATION = ("none", "mean", "median")
FACTOR_ORDER = ("weights", "normalisation", "aggregation", "imputation", "winsorisation",
                "exclusion")


@dataclass(frozen=True)
class UncertaintyConfig:
    """Which choices are uncertain, and how. An empty tuple / `"off"` switches a factor off.

    The first level of every discrete factor is the spec's own choice ("spec"); the tuples list
    the alternatives to it.
    """

    weights: Literal["off", "uniform", "dirichlet"] = "uniform"
    weight_spread: float = 0.25
    dirichlet_concentration: float = 20.0
    weight_scope: Literal["below_root", "all"] = "below_root"
    normalisations: tuple[str, ...] = ("ratio", "minmax", "zscore")
    aggregations: tuple[str, ...] = ("arithmetic", "geometric")
    aggregation_scope: Literal["pillars", "all"] = "pillars"
    imputations: tuple[str, ...] = ("none", "mean", "median")
    winsorisation: tuple[int, ...] = ()
    leave_one_out: bool = True
    zeros: Literal["spec", "zero"] = "zero"

    @classmethod
    def nominal(cls) -> UncertaintyConfig:
        """Every perturbation off: each sample is the spec's own build."""
        return cls(weights="off", normalisations=(), aggregations=(), imputations=(),
                   winsorisation=(), leave_one_out=False)

    def __post_init__(self) -> None:
        for name, allowed in (("weights", ("off", "uniform", "dirichlet")),
                              ("weight_scope", ("below_root", "all")),
                              ("aggregation_scope", ("pillars", "all")),
                              ("zeros", ("spec", "zero"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not 0 <= self.weight_spread < 1:
            raise ValueError("weight_spread must be in [0, 1)")
        if self.dirichlet_concentration <= 0:
            raise ValueError("dirichlet_concentration must be > 0")
        bad = [n for n in self.normalisations if n not in NORMALISATIONS]
        if bad:
            raise ValueError(f"unknown normalisation(s) {bad}; choose from {sorted(NORMALISATIONS)}")
        bad = [a for a in self.aggregations if a not in ("arithmetic", "geometric", "harmonic")]
        if bad:
            raise ValueError(f"unknown aggregation(s) {bad}")
        if any(int(k) != k or k < 0 for k in self.winsorisation):
            raise ValueError("winsorisation limits must be whole numbers >= 0, got "
                             f"{list(self.winsorisation)}")
        bad = [m for m in self.imputations if m not in IMPUTERS]
        if bad:
            raise ValueError(f"unknown imputation(s) {bad}; choose from {sorted(IMPUTERS)}")


@dataclass(frozen=True)
class Factor:
    """One uncertain choice: its name, its levels (discrete) and its columns of the inputs."""

    name: str
    levels: tuple[str, ...]
    columns: tuple[int, ...]

    @property
    def discrete(self) -> bool:
        return self.name != "weights"


@dataclass(frozen=True)
class ChunkResult:
    """Outputs for a block of samples: index and rank per (sample, unit), failure code per sample
    (0 = ok, k = `VariantDesign.failure_reasons[k]`)."""

    index: Array
    rank: Array
    failure: Array


@dataclass(frozen=True)
class VariantDesign:
    """Precomputed variants of one build and the mapping from uniform inputs to choices.

    Picklable and free of pandas on the hot path, so Dask workers receive it once.
    """

    units: tuple[str, ...]
    indicator_ids: tuple[str, ...]
    ref: int | None
    tree: CompiledTree
    matrices: Array                      # (n_imputation·n_winsorisation, n_norm, n_units, n_ind)
    imputation_levels: tuple[str, ...]
    winsorisation_levels: tuple[str, ...]
    normalisation_levels: tuple[str, ...]
    aggregation_levels: tuple[str, ...]
    aggregation_methods: tuple[Mapping[str, str], ...]
    exclusion_levels: tuple[str, ...]    # "none", then indicator ids
    weight_nodes: tuple[str, ...]
    factors: tuple[Factor, ...]
    config: UncertaintyConfig
    nominal_index: Array
    nominal_rank: Array
    failure_reasons: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def node_major_matrices(self) -> Array:
        """`matrices` as (n_indicators, n_variants, n_units), variant = prep·n_norm + norm:
        the layout the tree pass gathers from without a transposition."""
        n_prep, n_norm, n_units, n_ind = self.matrices.shape
        flat = self.matrices.reshape(n_prep * n_norm, n_units, n_ind)
        return np.ascontiguousarray(np.moveaxis(flat, -1, 0))

    # ---- inputs → choices -------------------------------------------------------------------
    @property
    def n_vars(self) -> int:
        return sum(len(f.columns) for f in self.factors)

    def factor(self, name: str) -> Factor | None:
        return next((f for f in self.factors if f.name == name), None)

    def level_index(self, u: Array, name: str) -> Array:
        """The level chosen per sample for a discrete factor (0 = the spec's, if off)."""
        u = np.asarray(u, dtype=float)
        f = self.factor(name)
        if f is None:
            return np.zeros(u.shape[0], dtype=np.intp)
        n = len(f.levels)
        return np.minimum((u[:, f.columns[0]] * n).astype(np.intp), n - 1)

    def sample_weights(self, u: Array) -> dict[str, Array]:
        """Per-sample child weights, shape (n, n_children), for every node that varies."""
        u = np.asarray(u, dtype=float)
        n = u.shape[0]
        out: dict[str, Array] = {}
        f = self.factor("weights")
        if f is not None:
            col = 0
            for node_id in self.weight_nodes:
                node = self.tree.nodes[self.tree.aggregate_ids.index(node_id)]
                k = len(node.children)
                uu = u[:, list(f.columns[col:col + k])]
                col += k
                out[node_id] = _perturb(node.weights, uu, self.config)
        exc = self.level_index(u, "exclusion")
        if self.factor("exclusion") is not None:
            excluded_col = np.array([-1] + [self.indicator_ids.index(i)
                                            for i in self.exclusion_levels[1:]])[exc]
            for node in self.tree.nodes:
                hit = np.asarray(node.child_cols)[None, :] == excluded_col[:, None]
                if not hit.any():
                    continue
                w = out.get(node.id, np.broadcast_to(node.weights, (n, len(node.children))))
                out[node.id] = np.where(hit, 0.0, w)
        return out

    def decode(self, u: Array) -> pd.DataFrame:
        """The choices of each sample, as readable labels (one row per sample)."""
        u = np.asarray(u, dtype=float)
        cols = {}
        for name, levels in (("normalisation", self.normalisation_levels),
                             ("aggregation", self.aggregation_levels),
                             ("imputation", self.imputation_levels),
                             ("winsorisation", self.winsorisation_levels),
                             ("exclusion", self.exclusion_levels)):
            cols[name] = np.asarray(levels, dtype=object)[self.level_index(u, name)]
        return pd.DataFrame(cols)

    # ---- the model --------------------------------------------------------------------------
    def evaluate(self, u: Array) -> ChunkResult:
        """Index, rank and failure code for each row of `u` (shape (n, n_vars)).

        Gathers each sample's precomputed indicator matrix, builds per-sample weights, and runs
        the tree once per aggregation level present (on that level's samples only).
        """
        u = np.asarray(u, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.n_vars:
            raise ValueError(f"inputs must have shape (n, {self.n_vars}), got {u.shape}")
        n, n_units = u.shape[0], len(self.units)
        n_norm = self.matrices.shape[1]
        prep = self.level_index(u, "imputation") * len(self.winsorisation_levels) + \
            self.level_index(u, "winsorisation")
        variant = prep * n_norm + self.level_index(u, "normalisation")
        weights = self.sample_weights(u)
        agg = self.level_index(u, "aggregation")
        index = np.full((n, n_units), np.nan)
        failure = np.zeros(n, dtype=np.intp)
        n_ind, root = len(self.indicator_ids), len(self.tree.all_ids) - 1
        by_indicator = self.node_major_matrices
        for lvl in np.unique(agg):
            sel = np.flatnonzero(agg == lvl)
            block = np.empty((len(self.tree.all_ids), len(sel), n_units))
            np.take(by_indicator, variant[sel], axis=1, out=block[:n_ind])
            w = {k: v[sel] for k, v in weights.items()}
            fail, _ = aggregate_node_major(block, self.tree, self.ref, w,
                                           self.aggregation_methods[lvl], self.config.zeros)
            block[:, fail > 0] = np.nan
            index[sel] = block[root]
            failure[sel] = fail
        index = np.where(np.isfinite(index), index, np.nan)
        return ChunkResult(index, ranks(index[..., None])[..., 0], failure)


def _perturb(w0: Array, u: Array, config: UncertaintyConfig) -> Array:
    """Map uniform inputs (n, k) to weights around the nominal `w0` (k,)."""
    if config.weights == "uniform":
        return w0 * (1.0 + config.weight_spread * (2.0 * u - 1.0))
    from scipy.special import gammaincinv

    u = np.minimum(u, 1.0 - 1e-12)  # the gamma quantile of 1 is infinite
    total = w0.sum()
    alpha = config.dirichlet_concentration * w0 / total if total > 0 else w0
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.where(alpha > 0, gammaincinv(np.where(alpha > 0, alpha, 1.0), u), 0.0)
        s = g.sum(axis=-1, keepdims=True)
        return np.where(s > 0, g / s * total, w0)


def tree_pass(x: Array, tree: CompiledTree, ref: int | None,
              weights: Mapping[str, Array] | None = None,
              methods: Mapping[str, str] | None = None,
              zeros: str = "spec") -> tuple[Array, Array]:
    """One chunk of variants through the engine's tree, failures marked per sample
    (`aidi.engine.tree.aggregate_tree_marked`): one sample meeting a zero under
    `nonpositive: error` must not sink the other 1,999 of its chunk."""
    return aggregate_tree_marked(x, tree, ref, weights, methods, zeros)


# ---- precomputation ----------------------------------------------------------------------------
def _impute_settings(spec: IndexSpec, method: str) -> list[Impute]:
    """The spec's imputation with `method` for every overridable indicator ("spec" = as is)."""
    out = []
    for ind in spec.indicators():
        imp = spec.effective_impute(ind)
        if method != "spec" and imp.method in OVERRIDABLE_IMPUTATION:
            imp = imp.model_copy(update={"method": method})
        out.append(imp)
    return out


def _treat_settings(spec: IndexSpec, level: str) -> list[object]:
    """The spec's treatment with winsorisation limit `level` where it winsorises."""
    out = []
    for ind in spec.indicators():
        t = spec.effective_treat(ind)
        if level != "spec" and t.method == "winsorise":
            t = t.model_copy(update={"winmax": int(level)})
        out.append(t)
    return out


def _normalisers(spec: IndexSpec, name: str) -> list[Normalise]:
    inds = spec.indicators()
    if name == "spec":
        return [spec.effective_normalise(i) for i in inds]
    norm = NORMALISATIONS[name]
    if norm.method == "ratio":
        norm = norm.model_copy(update={"reference": spec.reference})
    return [norm] * len(inds)


def _same(a: Array, b: Array) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _scope_nodes(tree: CompiledTree, scope: str) -> list[str]:
    """Aggregate nodes whose method may vary: the pillars, or every node below the index (the
    index's own geometric mean of the pillars is the source's definition, not a choice)."""
    if scope == "pillars":
        return [c for c in tree.nodes[-1].children if c in tree.aggregate_ids]
    return list(tree.aggregate_ids[:-1])


def build_design(result: BuildResult, config: UncertaintyConfig | None = None) -> VariantDesign:
    """Precompute every per-indicator variant of `result` and lay out the factors.

    Each (imputation, winsorisation) level runs the pipeline's own `prepare` step (impute →
    screen on imputed data → treat → normalise) on the build's candidate units, so a variant
    is the full rebuild with that choice, screening included; a unit the variant screens out
    is missing in it. Cost: one `prepare` per level and one normalisation per (level,
    normalisation) pair — milliseconds — instead of one full build per sample.
    """
    config = config or UncertaintyConfig()
    spec, tree = result.spec, result.tree
    ids = tuple(tree.indicator_ids)
    cand = result.candidates if result.candidates is not None else result.data
    info = result.candidate_info if result.candidates is not None else result.unit_info
    units = tuple(cand.index)
    data = cand.to_numpy(dtype=float)
    notes: list[str] = []
    directions = np.array([i.direction for i in spec.indicators()], dtype=float)

    imp_levels = ["spec"]
    seen = [_impute_settings(spec, "spec")]
    for m in config.imputations:
        settings = _impute_settings(spec, m)
        if settings in seen:
            notes.append(f"imputation '{m}' changes no indicator's method; dropped")
            continue
        seen.append(settings)
        imp_levels.append(m)
    win_levels = ["spec"]
    if config.winsorisation:
        if not any(spec.effective_treat(i).method == "winsorise" for i in spec.indicators()):
            notes.append("winsorisation limits given, but no indicator is winsorised; dropped")
        else:
            win_levels += [str(int(k)) for k in config.winsorisation]
    norm_levels = ["spec"]
    for name in config.normalisations:
        if name == "ratio" and not spec.reference:
            notes.append("normalisation 'ratio' needs a reference unit; dropped")
            continue
        norm_levels.append(name)

    n_u = len(units)
    mats = np.full((len(imp_levels) * len(win_levels), len(norm_levels), n_u, len(ids)), np.nan)
    prep_ok = np.ones(mats.shape[0], dtype=bool)
    keep_norm = np.ones(len(norm_levels), dtype=bool)
    for a, imp in enumerate(imp_levels):
        for b, win in enumerate(win_levels):
            k = a * len(win_levels) + b
            try:
                prep = prepare(data, units, spec, info, impute=_impute_settings(spec, imp),
                               treat=_treat_settings(spec, win), with_log=False)
            except ReferenceScreenedOut as exc:
                notes.append(f"imputation '{imp}', winsorisation '{win}': {exc}; dropped")
                prep_ok[k] = False
                continue
            kept_units = [u for u, keep in zip(units, prep.keep, strict=True) if keep]
            for c, name in enumerate(norm_levels):
                try:
                    norm = prep.normalised if name == "spec" else normalise_matrix(
                        prep.treated, _normalisers(spec, name), directions, kept_units,
                        list(ids))
                except ValueError as exc:
                    if keep_norm[c]:
                        notes.append(f"normalisation '{name}' is not possible here ({exc}); "
                                     "dropped")
                    keep_norm[c] = False
                    continue
                mats[k, c][prep.keep] = norm
    if not prep_ok[0]:
        raise ValueError("the spec's own data preparation fails; cannot build variants")
    for c in range(1, len(norm_levels)):
        if keep_norm[c] and any(keep_norm[d] and _same(mats[:, c], mats[:, d])
                                for d in range(c)):
            notes.append(f"normalisation '{norm_levels[c]}' equals an earlier level; dropped")
            keep_norm[c] = False
    mats = mats[:, keep_norm]
    norm_levels = [n for n, k in zip(norm_levels, keep_norm, strict=True) if k]
    # a failed (imputation, winsorisation) level falls back to the spec's preparation
    mats[~prep_ok] = mats[0]
    mats = np.ascontiguousarray(mats)

    # aggregation levels: the spec's methods, then each alternative for the nodes in scope
    scope = _scope_nodes(tree, config.aggregation_scope)
    spec_methods = {n.id: n.method for n in tree.nodes}
    agg_levels, agg_methods = ["spec"], [dict(spec_methods)]
    for alt in config.aggregations:
        methods = {**spec_methods, **{nid: alt for nid in scope}}
        if any(methods == m for m in agg_methods):
            notes.append(f"aggregation '{alt}' equals the spec's methods in scope; dropped")
            continue
        agg_levels.append(alt)
        agg_methods.append(methods)

    # weights: every child of the nodes in scope with at least two children
    weight_nodes: list[str] = []
    if config.weights != "off":
        cand = list(tree.aggregate_ids) if config.weight_scope == "all" \
            else list(tree.aggregate_ids[:-1])
        weight_nodes = [n.id for n in tree.nodes if n.id in cand and len(n.children) >= 2
                        and np.count_nonzero(n.weights) >= 2]

    exclusion = ["none"] + ([i for i in ids if _weight_of(spec, i) > 0]
                            if config.leave_one_out else [])

    factors: list[Factor] = []
    col = 0
    n_w = sum(len(tree.nodes[tree.aggregate_ids.index(n)].children) for n in weight_nodes)
    for name in FACTOR_ORDER:
        if name == "weights":
            if n_w:
                factors.append(Factor("weights", (), tuple(range(col, col + n_w))))
                col += n_w
            continue
        levels = {"normalisation": norm_levels, "aggregation": agg_levels,
                  "imputation": imp_levels, "winsorisation": win_levels,
                  "exclusion": exclusion}[name]
        if len(levels) > 1:
            factors.append(Factor(name, tuple(levels), (col,)))
            col += 1

    root = tree.root
    reasons = ("",) + tuple(f"a geometric/harmonic mean met a zero or negative value at node "
                            f"'{n.id}' (its `nonpositive` policy is 'error')" for n in tree.nodes)
    return VariantDesign(
        units=units, indicator_ids=ids,
        ref=units.index(spec.reference) if spec.reference in units else None,
        tree=tree, matrices=mats, imputation_levels=tuple(imp_levels),
        winsorisation_levels=tuple(win_levels),
        normalisation_levels=tuple(norm_levels), aggregation_levels=tuple(agg_levels),
        aggregation_methods=tuple(agg_methods), exclusion_levels=tuple(exclusion),
        weight_nodes=tuple(weight_nodes), factors=tuple(factors), config=config,
        nominal_index=result.scores[root].reindex(list(units)).to_numpy(dtype=float),
        nominal_rank=result.ranks[root].reindex(list(units)).to_numpy(dtype=float),
        failure_reasons=reasons, notes=tuple(notes))


def _weight_of(spec: IndexSpec, node_id: str) -> float:
    return float(spec.node(node_id).weight)


# ---- evaluation over chunks, on NumPy or Dask ----------------------------------------------------
def evaluate_samples(design: VariantDesign, u: Array, backend: str = "numpy",
                     scheduler: str | None = None, chunk_size: int = 2000) -> ChunkResult:
    """Evaluate all rows of `u` in chunks of `chunk_size` samples (bounded memory).

    The chunks are independent and each sample's arithmetic does not depend on which chunk it
    is in, so every backend and chunk size gives bit-identical results. `backend="dask"` runs
    the chunks as Dask tasks: on the threaded scheduler by default, on an in-process
    `LocalCluster` for `scheduler="local"`, or on a running cluster given its address.
    """
    u = np.asarray(u, dtype=float)
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    bounds = [(i, min(i + chunk_size, u.shape[0])) for i in range(0, u.shape[0], chunk_size)]
    if backend == "numpy":
        parts = [design.evaluate(u[a:b]) for a, b in bounds]
    elif backend == "dask":
        parts = _evaluate_dask(design, u, bounds, scheduler)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose numpy or dask")
    if not parts:
        n = len(design.units)
        return ChunkResult(np.empty((0, n)), np.empty((0, n)), np.empty(0, dtype=np.intp))
    return ChunkResult(np.concatenate([p.index for p in parts]),
                       np.concatenate([p.rank for p in parts]),
                       np.concatenate([p.failure for p in parts]))


def _evaluate_chunk(design: VariantDesign, u: Array) -> ChunkResult:
    return design.evaluate(u)


def _evaluate_dask(design: VariantDesign, u: Array, bounds: Sequence[tuple[int, int]],
                   scheduler: str | None) -> list[ChunkResult]:
    import dask

    shared = dask.delayed(design, pure=True, traverse=False)
    tasks = [dask.delayed(_evaluate_chunk, pure=True)(shared, u[a:b]) for a, b in bounds]
    if scheduler in (None, "", "threads", "threaded"):
        return list(dask.compute(*tasks, scheduler="threads"))
    if scheduler == "synchronous":
        return list(dask.compute(*tasks, scheduler="synchronous"))
    from distributed import Client, LocalCluster

    if scheduler == "local":
        with LocalCluster(processes=False, n_workers=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            return list(client.gather(client.compute(tasks)))
    with Client(scheduler) as client:
        return list(client.gather(client.compute(tasks)))


# ---- the naive reference: one full rebuild per sample ------------------------------------------
def spec_variant(design: VariantDesign, spec: IndexSpec, u_row: Array) -> IndexSpec:
    """The spec a full rebuild would use for one sample (the reference the fast path must match).

    Rewrites the choices into a copy of the spec: every indicator's normalisation, the
    imputation of overridable indicators, the methods of the nodes in scope, every child weight
    (left-out indicator = 0) and, with `zeros="zero"`, the nodes' `nonpositive` policy.
    """
    u = np.asarray(u_row, dtype=float).reshape(1, -1)
    choice = design.decode(u).iloc[0]
    methods = design.aggregation_methods[design.aggregation_levels.index(choice["aggregation"])]
    weights = {k: v[0] for k, v in design.sample_weights(u).items()}
    norm = None if choice["normalisation"] == "spec" else \
        _normalisers(spec, str(choice["normalisation"]))[0]
    imp_method = str(choice["imputation"])
    win = str(choice["winsorisation"])

    def rewrite(n: Node | Indicator) -> Node | Indicator:
        if isinstance(n, Indicator):
            upd: dict[str, object] = {}
            if norm is not None:
                upd["normalise"] = norm
            eff = spec.effective_impute(n)
            if imp_method != "spec" and eff.method in OVERRIDABLE_IMPUTATION:
                upd["impute"] = eff.model_copy(update={"method": imp_method})
            treat = spec.effective_treat(n)
            if win != "spec" and treat.method == "winsorise":
                upd["treat"] = treat.model_copy(update={"winmax": int(win)})
            return n.model_copy(update=upd)
        kids = tuple(rewrite(c) for c in n.children)
        if n.id in weights:
            kids = tuple(c.model_copy(update={"weight": float(w)})
                         for c, w in zip(kids, weights[n.id], strict=True))
        agg = n.aggregate.model_copy(update={"method": methods[n.id]})
        if design.config.zeros == "zero" and agg.nonpositive == "error":
            agg = agg.model_copy(update={"nonpositive": "zero"})
        return n.model_copy(update={"children": kids, "aggregate": agg})

    return spec.model_copy(update={"root": rewrite(spec.root)})


def naive_evaluate(design: VariantDesign, result: BuildResult, observations: pd.DataFrame,
                   u: Array) -> ChunkResult:
    """One complete `pipeline.build` per sample — COINr's way; the oracle and the benchmark's
    baseline (deliberately a per-sample loop)."""
    u = np.asarray(u, dtype=float)
    n, n_units = u.shape[0], len(design.units)
    index = np.full((n, n_units), np.nan)
    rank = np.full((n, n_units), np.nan)
    failure = np.zeros(n, dtype=np.intp)
    for s in range(n):
        variant = spec_variant(design, result.spec, u[s])
        info = result.candidate_info if result.candidates is not None else result.unit_info
        try:
            r = build(variant, observations, units=list(design.units), unit_info=info)
        except ReferenceHasNoValue:
            continue  # every unit's standardised score is missing: the batch path gives NaN
        except NonPositiveError:
            failure[s] = 1
            continue
        idx = r.scores[r.tree.root].reindex(list(design.units)).to_numpy(dtype=float)
        index[s] = np.where(np.isfinite(idx), idx, np.nan)
        rank[s] = ranks(index[s][:, None])[:, 0]
    return ChunkResult(index, rank, failure)
