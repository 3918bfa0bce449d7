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
  weight, or a Dirichlet draw centred on it (the inputs go through the gamma quantile function).
  With `weight_groups="level"` they form one factor per tree level instead — `weights.level1`
  (the indicators' weights within their parents), `weights.level2`, … numbered as COINr
  numbers levels (indicators = 1; a node's children are weighted at its level − 1, counted
  from the deepest indicator) — so the Sobol analysis says *which level's* weights matter;
- `normalisation` — the spec's own normalisation, or an alternative applied to every indicator:
  a preset of `NORMALISATIONS`, any normaliser of the methods catalogue by aidi's or COINr's
  name (`n_prank`, `n_borda`, `n_minmax`, …, `aidi.engine.registry`) with COINr's defaults, or
  a mapping with parameters (`{f_n: n_goalposts, f_n_para: {gposts: [0, 100, 1]}}`). Where a
  geometric or harmonic mean follows, a COINr name alone keeps positive outputs as the presets
  do (COINr's own sensitivity example: min–max onto [1, 100], z-scores with mean 10 and sd 2);
  the pillars keep the spec's standardisation (reference = 1), so every variant's index is on
  the same "USA = 1" scale;
- `aggregation` — the spec's methods, or an aggregator of the catalogue (arithmetic,
  geometric, harmonic, copeland, mpi, `a_*` names, or a mapping such as
  `{f_ag: a_genmean, f_ag_para: {p: 2}}`) for the nodes in scope (by default the pillars: how
  dimensions are combined; `all` = every node below the index). Each level is its own compiled
  tree, so parameters (p, penalty) travel with the method;
- `imputation` — the spec's, or another imputer for every indicator whose spec uses an open
  one (`OVERRIDABLE_IMPUTATION`; an indicator imputed by `min` keeps it: that is a known bound,
  not an open choice): aidi's name replaces the method only (a group is kept), COINr's name
  (`i_median`) or a mapping (`{f_i: i_median_grp, use_group: EurAsia_group}`, `{method: knn,
  n_neighbors: 3}`) replaces the whole setting; `iterative` and `knn` are scikit-learn's;
- `winsorisation` — the spec's winsorisation limit, or another `winmax`;
- `exclusion` — no indicator left out, or one of them (weight 0 in its parent; the parent's
  other children share its weight, and a node left without children drops out the same way).

Categorical factors in a Sobol design. A discrete factor with L levels maps u to level ⌊u·L⌋.
For a Monte-Carlo sample that gives every level probability exactly 1/L. In a scrambled Sobol
design of N = 2^m base samples each input column holds exactly one point in every interval
[j/N, (j+1)/N), so ⌊u·L⌋ is exactly balanced (N/L points per level) when L divides N — but for
other L a level can get ⌊N/L⌋ − 1 or ⌈N/L⌉ + 1 points (an interval straddling a level's edge
falls either way). `VariantDesign.with_resolution(N)`, which the Sobol analysis applies, maps
through that grid instead: level = ⌊⌊u·N⌋·L / N⌋, so the N base points give each level ⌊N/L⌋ or
⌈N/L⌉ points exactly, and the design's level frequencies are exactly the model's level
probabilities. The estimator is unchanged: the model is still a function of uniform inputs.
Levels that turn out identical to an earlier one (e.g. "mean" imputation when nothing is
missing) are dropped and noted.

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

With `exclude_impossible=False` failures are counted, never dropped silently: a geometric (or
harmonic) mean meeting a zero or a negative under the node's `nonpositive: error` policy is
what makes a rebuild raise, so here the whole sample is marked failed with that node as the
reason; an economy whose index is missing or not finite in a sample fails for that economy only.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from aidi.engine import registry
from aidi.engine.aggregate import NonPositiveError
from aidi.engine.normalise import normalise_matrix
from aidi.engine.pipeline import (
    BuildResult,
    ReferenceHasNoValue,
    ReferenceScreenedOut,
    build,
    prepare,
)
from aidi.engine.tree import (
    FINITE,
    NONNEGATIVE,
    POSITIVE,
    UNKNOWN,
    CompiledTree,
    aggregate_node_major,
    aggregate_tree_marked,
    ranks,
    ranks_last,
)
from aidi.errors import UsageError
from aidi.progress import SAMPLES, Progress
from aidi.specs.coinr_syntax import COINR_AGGREGATORS, COINR_IMPUTERS
from aidi.specs.schema import Aggregate, Impute, IndexSpec, Indicator, Node, Normalise

Array = np.ndarray
#: An alternative as the user writes it: a name, a mapping of step fields (aidi's or COINr's
#: syntax), or the validated step model itself.
Choice = str | Mapping[str, Any] | BaseModel

#: Alternative normalisations by name; `ratio` gets the spec's reference unit.
NORMALISATIONS: dict[str, Normalise] = {
    "ratio": Normalise(method="ratio"),
    "frontier": Normalise(method="frontier"),
    "minmax": Normalise(method="minmax", low=1.0, high=100.0),
    "zscore": Normalise(method="zscore", mean=10.0, sd=2.0),
    "rank": Normalise(method="rank"),
}
#: Where a geometric or harmonic mean follows, a normaliser named without parameters takes these
#: instead of COINr's defaults, so that its outputs stay positive (as the presets above).
POSITIVE_PARAMETERS: dict[str, dict[str, float]] = {
    "minmax": {"low": 1.0, "high": 100.0},
    "zscore": {"mean": 10.0, "sd": 2.0},
}
#: Imputation methods the analysis may swap; others (e.g. `min`, a known bound, or `mode` for
#: an ordinal indicator) are kept.
OVERRIDABLE_IMPUTATION = ("none", "mean", "median", "row_mean", "row_median", "iterative", "knn")
FACTOR_ORDER = ("weights", "normalisation", "aggregation", "imputation", "winsorisation",
                "exclusion")
#: Failure code of a generalised mean (p < 0, or fractional p) meeting a non-positive child.
GENMEAN_FAILURE = "a generalised mean met a zero or negative value it cannot take"


def _literal(model: type[BaseModel], name: str) -> tuple[str, ...]:
    return tuple(typing.get_args(model.model_fields[name].annotation))


def _params_label(model: BaseModel, skip: tuple[str, ...]) -> str:
    """`method(k=v, …)` with the fields that differ from the model's defaults."""
    default = type(model).model_construct()
    parts = []
    for k in type(model).model_fields:
        if k in ("method", "semantics", *skip):  # semantics: which syntax it was written in
            continue
        v, d = getattr(model, k), getattr(default, k)
        if v != d:
            v = list(v) if isinstance(v, tuple) else v
            parts.append(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}")
    method = str(model.method)  # type: ignore[attr-defined]
    return f"{method}({', '.join(parts)})" if parts else method


def _validate(model: type[BaseModel], data: Mapping[str, Any], what: str, entry: object):
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise UsageError(f"{what} {entry!r}: {msg}") from None


def resolve_normalisation(entry: Choice) -> tuple[str, Normalise, bool]:
    """(label, setting, named) of a normalisation alternative; `named` = given by a catalogue
    name alone, so its parameters are defaults that may be moved to keep outputs positive."""
    if isinstance(entry, Normalise):
        return _params_label(entry, ("reference", "use_imeta")), entry, False
    if isinstance(entry, Mapping):
        n = _validate(Normalise, entry, "normalisation", dict(entry))
        return _params_label(n, ("reference", "use_imeta")), n, False
    if not isinstance(entry, str):
        raise UsageError(f"a normalisation alternative is a name or a mapping, got {entry!r}")
    if entry in NORMALISATIONS:
        return entry, NORMALISATIONS[entry], False
    hit = next((m for m in registry.CATALOGUE if m.kind == "normalise"
                and entry in (m.name, m.coinr)), None)
    if hit is None:
        known = sorted(set(NORMALISATIONS) | {m.coinr or m.name for m in registry.CATALOGUE
                                              if m.kind == "normalise"})
        raise UsageError(f"unknown normalisation {entry!r}; choose from {known}, or give a "
                         "mapping with parameters")
    own = hit.name in _literal(Normalise, "method") and entry == hit.name
    data = {"method": hit.name} if own else {"f_n": hit.coinr}
    try:
        n = Normalise.model_validate(data)
    except ValidationError as exc:
        msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise UsageError(f"normalisation {entry!r} needs parameters ({msg}): give it as a "
                         f"mapping, e.g. {{'f_n': '{hit.coinr or hit.name}', 'f_n_para': "
                         "{...}}") from None
    return entry, n, True


def resolve_aggregation(entry: Choice) -> tuple[str, Aggregate]:
    """(label, setting) of an aggregation alternative (only its method and the method's
    parameters replace a node's; the node keeps its zero policy and thresholds)."""
    if isinstance(entry, Aggregate):
        return _params_label(entry, _AGG_KEPT), entry
    if isinstance(entry, Mapping):
        a = _validate(Aggregate, entry, "aggregation", dict(entry))
        return _params_label(a, _AGG_KEPT), a
    if not isinstance(entry, str):
        raise UsageError(f"an aggregation alternative is a name or a mapping, got {entry!r}")
    if entry in COINR_AGGREGATORS:
        data: dict[str, Any] = {"f_ag": entry}
    elif entry in _literal(Aggregate, "method"):
        data = {"method": entry}
    else:
        raise UsageError(f"unknown aggregation {entry!r}; choose from "
                         f"{sorted(_literal(Aggregate, 'method') + tuple(COINR_AGGREGATORS))} "
                         "or give a mapping with parameters, e.g. {'f_ag': 'a_genmean', "
                         "'f_ag_para': {'p': 2}}")
    return entry, _validate(Aggregate, data, "aggregation", entry)


_AGG_KEPT = ("nonpositive", "offset", "min_coverage", "dat_thresh")


def _method_update(a: Aggregate) -> dict[str, Any]:
    """The fields an aggregation alternative sets on a node: its method and parameters."""
    return {"method": a.method, "p": a.p, "penalty": a.penalty,
            "standardise_children": a.standardise_children}


def resolve_imputation(entry: Choice) -> tuple[str, str | Impute]:
    """(label, alternative): aidi's method name replaces an indicator's method only (its group
    and parameters kept); a COINr name, a mapping or an `Impute` replaces the whole setting."""
    if isinstance(entry, Impute):
        return _params_label(entry, ()), entry
    if isinstance(entry, Mapping):
        imp = _validate(Impute, entry, "imputation", dict(entry))
        return _params_label(imp, ()), imp
    if not isinstance(entry, str):
        raise UsageError(f"an imputation alternative is a name or a mapping, got {entry!r}")
    if entry in _literal(Impute, "method"):
        return entry, entry
    if entry in COINR_IMPUTERS:
        return entry, _validate(Impute, {"f_i": entry}, "imputation", entry)
    raise UsageError(f"unknown imputation {entry!r}; choose from "
                     f"{sorted(_literal(Impute, 'method') + tuple(COINR_IMPUTERS))} or give a "
                     "mapping, e.g. {'f_i': 'i_median_grp', 'use_group': 'EurAsia_group'}")


@dataclass(frozen=True)
class UncertaintyConfig:
    """Which choices are uncertain, and how. An empty tuple / `"off"` switches a factor off.

    The first level of every discrete factor is the spec's own choice ("spec"); the tuples list
    the alternatives to it (names or mappings, see the module docstring).
    """

    weights: Literal["off", "uniform", "dirichlet"] = "uniform"
    weight_spread: float = 0.25
    dirichlet_concentration: float = 20.0
    weight_scope: Literal["below_root", "all"] = "below_root"
    normalisations: tuple[Choice, ...] = ("ratio", "minmax", "zscore")
    aggregations: tuple[Choice, ...] = ("arithmetic", "geometric")
    aggregation_scope: Literal["pillars", "all"] = "pillars"
    imputations: tuple[Choice, ...] = ("none", "mean", "median")
    winsorisation: tuple[int, ...] = ()
    leave_one_out: bool = True
    zeros: Literal["spec", "zero"] = "spec"
    #: remove levels that take part in impossible combinations (see the module docstring)
    exclude_impossible: bool = True
    #: "one": all perturbed weights are one factor; "level": one factor per tree level
    weight_groups: Literal["one", "level"] = "one"

    @classmethod
    def nominal(cls) -> UncertaintyConfig:
        """Every perturbation off: each sample is the spec's own build."""
        return cls(weights="off", normalisations=(), aggregations=(), imputations=(),
                   winsorisation=(), leave_one_out=False)

    def __post_init__(self) -> None:
        for name, allowed in (("weights", ("off", "uniform", "dirichlet")),
                              ("weight_scope", ("below_root", "all")),
                              ("aggregation_scope", ("pillars", "all")),
                              ("zeros", ("spec", "zero")),
                              ("weight_groups", ("one", "level"))):
            if getattr(self, name) not in allowed:
                raise UsageError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not 0 <= self.weight_spread < 1:
            raise UsageError("weight_spread must be in [0, 1)")
        if self.dirichlet_concentration <= 0:
            raise UsageError("dirichlet_concentration must be > 0")
        for n in self.normalisations:
            resolve_normalisation(n)
        for a in self.aggregations:
            resolve_aggregation(a)
        for m in self.imputations:
            resolve_imputation(m)
        if any(int(k) != k or k < 0 for k in self.winsorisation):
            raise UsageError("winsorisation limits must be whole numbers >= 0, got "
                             f"{list(self.winsorisation)}")


@dataclass(frozen=True)
class Factor:
    """One uncertain choice: its name, its levels (discrete) and its columns of the inputs;
    a weights factor also lists the nodes whose child weights its columns drive, in order."""

    name: str
    levels: tuple[str, ...]
    columns: tuple[int, ...]
    nodes: tuple[str, ...] = ()

    @property
    def discrete(self) -> bool:
        return not is_weights_factor(self.name)


def is_weights_factor(name: str) -> bool:
    """`weights`, or one level's weights (`weights.level2`)."""
    return name == "weights" or name.startswith("weights.")


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
    #: per aggregation level: the compiled tree with that level's methods and parameters
    aggregation_trees: tuple[CompiledTree, ...] = ()
    #: per aggregation level: node id → the `Aggregate` fields it sets (the rebuild's rewrite)
    aggregation_updates: tuple[Mapping[str, Mapping[str, Any]], ...] = ()
    #: per normalisation level: the setting every indicator takes (None = the spec's)
    normalisation_settings: tuple[Normalise | None, ...] = ()
    #: per imputation level: a method name, a whole `Impute`, or None (the spec's)
    imputation_alternatives: tuple[str | Impute | None, ...] = ()
    #: N of a Sobol design: discrete levels map through the 1/N grid (module docstring)
    level_resolution: int | None = None

    @cached_property
    def node_major_matrices(self) -> Array:
        """`matrices` as (n_indicators, n_variants, n_units), variant = prep·n_norm + norm:
        the layout the tree pass gathers from without a transposition.

        Made once; `matrices` then becomes a view of it (the same numbers, read through other
        strides), so the design holds its variants once, not twice."""
        n_prep, n_norm, n_units, n_ind = self.matrices.shape
        flat = self.matrices.reshape(n_prep * n_norm, n_units, n_ind)
        node_major = np.ascontiguousarray(np.moveaxis(flat, -1, 0))
        view = np.moveaxis(node_major, 0, -1).reshape(n_prep, n_norm, n_units, n_ind)
        object.__setattr__(self, "matrices", view)  # frozen dataclass: same values, one copy
        return node_major

    @cached_property
    def indicator_state(self) -> Array:
        """Per indicator, what every precomputed variant's values are: `POSITIVE`, `FINITE` or
        `UNKNOWN` (`aidi.engine.tree`) — lets the tree pass skip checks that cannot fire."""
        m = self.matrices
        finite = np.isfinite(m).all(axis=(0, 1, 2))  # one byte per cell, no float copy
        low = m.min(axis=(0, 1, 2), initial=np.inf)  # NaN where not finite: unused there
        return np.where(~finite, UNKNOWN, np.where(low > 0, POSITIVE,
                                                   np.where(low >= 0, NONNEGATIVE, FINITE)))

    def with_resolution(self, n_base: int | None) -> VariantDesign:
        """The same design with discrete levels read on the 1/`n_base` grid (exact balance
        over a Sobol design of `n_base` base samples); None = plain ⌊u·L⌋."""
        if n_base is not None and n_base < 1:
            raise UsageError("n_base must be >= 1")
        self.node_major_matrices  # noqa: B018 - made once here, shared by both designs
        out = replace(self, level_resolution=n_base)
        for cached in ("node_major_matrices", "indicator_state"):  # share the cached arrays
            if cached in self.__dict__:
                out.__dict__[cached] = self.__dict__[cached]
        return out

    # ---- inputs → choices -------------------------------------------------------------------
    @property
    def n_vars(self) -> int:
        return sum(len(f.columns) for f in self.factors)

    def factor(self, name: str) -> Factor | None:
        return next((f for f in self.factors if f.name == name), None)

    @property
    def weight_factors(self) -> tuple[Factor, ...]:
        return tuple(f for f in self.factors if not f.discrete)

    def level_index(self, u: Array, name: str) -> Array:
        """The level chosen per sample for a discrete factor (0 = the spec's, if off):
        ⌊u·L⌋, or ⌊⌊u·N⌋·L/N⌋ with `level_resolution` N."""
        u = np.asarray(u, dtype=float)
        f = self.factor(name)
        if f is None:
            return np.zeros(u.shape[0], dtype=np.intp)
        n = len(f.levels)
        x = u[:, f.columns[0]]
        r = self.level_resolution
        if r:
            cell = np.clip((x * r).astype(np.intp), 0, r - 1)
            return (cell * n) // r
        return np.minimum((x * n).astype(np.intp), n - 1)

    def sample_weights(self, u: Array) -> dict[str, Array]:
        """Per-sample child weights, shape (n, n_children), for every node that varies."""
        u = np.asarray(u, dtype=float)
        n = u.shape[0]
        out: dict[str, Array] = {}
        for f in self.weight_factors:
            col = 0
            for node_id in f.nodes:
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

    def node_columns(self, nodes: str | Sequence[str] | None) -> tuple[str, ...]:
        """Node ids `evaluate(nodes=...)` returns: "pillars" = the root's children."""
        if nodes is None:
            return ()
        ids = list(self.tree.nodes[-1].children) if nodes == "pillars" else \
            ([nodes] if isinstance(nodes, str) else list(nodes))
        bad = [i for i in ids if i not in self.tree.all_ids]
        if bad:
            raise UsageError(f"unknown node(s) {bad}")
        return tuple(ids)

    # ---- the model --------------------------------------------------------------------------
    def evaluate(self, u: Array, nodes: str | Sequence[str] | None = None) -> ChunkResult:
        """Index, rank and failure code for each row of `u` (shape (n, n_vars)); with `nodes`
        ("pillars" or node ids) also those nodes' scores, read from the same tree pass.

        Gathers each sample's precomputed indicator matrix, builds per-sample weights, and runs
        the tree once per aggregation level present (on that level's samples only).
        """
        u = np.asarray(u, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.n_vars:
            raise ValueError(f"inputs must have shape (n, {self.n_vars}), got {u.shape}")
        n, n_units = u.shape[0], len(self.units)
        variant = self.variant_index(u)
        weights = self.sample_weights(u)
        agg = self.level_index(u, "aggregation")
        index = np.empty((n, n_units))
        node_ids = self.node_columns(nodes)
        node_cols = [self.tree.col(i) for i in node_ids]
        values = np.empty((n, n_units, len(node_cols))) if node_ids else None
        failure = np.zeros(n, dtype=np.intp)
        n_nodes, n_ind = len(self.tree.all_ids), len(self.indicator_ids)
        trees = self.aggregation_trees or (self.tree,) * len(self.aggregation_levels)
        # one node-major block for the chunk, each aggregation level's samples a part of it:
        # its size does not depend on how the samples fall (`aidi.analysis.budget` counts it)
        buf = np.empty(n_nodes * n * n_units)
        used = 0
        for lvl in np.unique(agg):
            sel = np.flatnonzero(agg == lvl)
            size = n_nodes * len(sel) * n_units
            block = buf[used:used + size].reshape(n_nodes, len(sel), n_units)
            used += size
            np.take(self.node_major_matrices, variant[sel], axis=1, out=block[:n_ind],
                    mode="clip")
            w = {k: v[sel] for k, v in weights.items()}
            methods = None if self.aggregation_trees else self.aggregation_methods[lvl]
            fail = self._tree_pass(block, trees[lvl], w, methods, variant[sel])
            block[:, fail > 0] = np.nan
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

    def variant_index(self, u: Array) -> Array:
        """Each sample's precomputed indicator matrix: (imputation, winsorisation) level ×
        normalisation level, the row of `node_major_matrices`' variant axis."""
        n_norm = self.matrices.shape[1]
        prep = self.level_index(u, "imputation") * len(self.winsorisation_levels) + \
            self.level_index(u, "winsorisation")
        return prep * n_norm + self.level_index(u, "normalisation")

    def _tree_pass(self, block: Array, tree: CompiledTree, w: Mapping[str, Array],
                   methods: Mapping[str, str] | None, variants: Array) -> Array:
        """The tree pass in place on one aggregation level's block; failure code per sample.

        Geometric and harmonic means mark their failures per sample; a generalised mean
        (p < 0) meeting a zero raises for the whole block, so only then — the failure path —
        the block is gathered again (the first pass may have replaced bad cells) and redone
        one sample at a time to fail just the samples concerned.
        """
        try:
            fail, _ = aggregate_node_major(block, tree, self.ref, w, methods, self.config.zeros,
                                           self.indicator_state)
            return fail
        except NonPositiveError:
            np.take(self.node_major_matrices, variants, axis=1,
                    out=block[:len(self.indicator_ids)], mode="clip")
        fail = np.zeros(block.shape[1], dtype=np.intp)
        code = self.failure_reasons.index(GENMEAN_FAILURE)
        for i in range(block.shape[1]):
            try:
                f, _ = aggregate_node_major(block[:, i:i + 1], tree, self.ref,
                                            {k: v[i:i + 1] for k, v in w.items()}, methods,
                                            self.config.zeros)
                fail[i] = f[0]
            except NonPositiveError:
                fail[i] = code
        return fail


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
def _impute_settings(spec: IndexSpec, alt: str | Impute | None) -> list[Impute]:
    """The spec's imputation with alternative `alt` for every overridable indicator (None = as
    is): a method name replaces the method, an `Impute` the whole setting."""
    out = []
    for ind in spec.indicators():
        imp = spec.effective_impute(ind)
        if alt is not None and imp.method in OVERRIDABLE_IMPUTATION:
            imp = alt if isinstance(alt, Impute) else imp.model_copy(update={"method": alt})
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


def _normalisers(spec: IndexSpec, setting: Normalise | None) -> list[Normalise]:
    inds = spec.indicators()
    if setting is None:
        return [spec.effective_normalise(i) for i in inds]
    return [setting] * len(inds)


def _same(a: Array, b: Array) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _scope_nodes(tree: CompiledTree, scope: str) -> list[str]:
    """Aggregate nodes whose method may vary: the pillars, or every node below the index (the
    index's own geometric mean of the pillars is the source's definition, not a choice)."""
    if scope == "pillars":
        return [c for c in tree.nodes[-1].children if c in tree.aggregate_ids]
    return list(tree.aggregate_ids[:-1])


def _needs_positive(method: str, params: Mapping[str, Any]) -> bool:
    return registry.method("aggregate", method).needs_nonnegative(params)


def _reaches_zero(n: Normalise) -> bool:
    """Normalisations that give the worst unit 0 or less by construction."""
    return registry.method("normalise", n.method).reaches_zero(n)


def _aggregation_levels(spec: IndexSpec, tree: CompiledTree, config: UncertaintyConfig,
                        notes: list[str]):
    """(labels, methods, updates, trees) per aggregation level, "spec" first."""
    scope = _scope_nodes(tree, config.aggregation_scope)
    spec_key = {n.id: (n.method, n.params) for n in tree.nodes}
    labels, methods, updates, trees = ["spec"], [{n.id: n.method for n in tree.nodes}], [{}], \
        [tree]
    keys = [spec_key]
    for entry in config.aggregations:
        label, alt = resolve_aggregation(entry)
        params = alt.method_params()
        key = {**spec_key, **{nid: (alt.method, params) for nid in scope}}
        if key in keys:
            notes.append(f"aggregation '{label}' equals an earlier level in scope; dropped")
            continue
        keys.append(key)
        labels.append(label)
        methods.append({nid: m for nid, (m, _) in key.items()})
        updates.append({nid: _method_update(alt) for nid in scope})
        trees.append(replace(tree, nodes=tuple(
            replace(n, method=alt.method, params=params) if n.id in scope else n
            for n in tree.nodes)))
    return labels, methods, updates, trees


def _weight_factors(spec: IndexSpec, tree: CompiledTree, config: UncertaintyConfig,
                    weight_nodes: list[str]) -> list[tuple[str, list[str]]]:
    """(factor name, nodes) of the weights: one `weights` factor, or one per level. A node's
    children are weighted at COINr's level of the node − 1, counted up from the deepest
    indicator (level 1) — on a regular tree, the children's own level."""
    if not weight_nodes:
        return []
    if config.weight_groups == "one":
        return [("weights", list(weight_nodes))]
    depth = spec.level_of()
    top = max(depth.values())
    by_level: dict[int, list[str]] = {}
    for nid in weight_nodes:
        by_level.setdefault(top - depth[nid], []).append(nid)
    return [(f"weights.level{k}", by_level[k]) for k in sorted(by_level)]


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

    # aggregation first: whether a geometric mean follows decides the normalisers' defaults
    agg_levels, agg_methods, agg_updates, agg_trees = _aggregation_levels(spec, tree, config,
                                                                          notes)
    positive = any(_needs_positive(n.method, dict(n.params)) for t in agg_trees
                   for n in t.nodes)

    imp_levels: list[str] = ["spec"]
    imp_alts: list[str | Impute | None] = [None]
    seen = [_impute_settings(spec, None)]
    for entry in config.imputations:
        label, alt = resolve_imputation(entry)
        settings = _impute_settings(spec, alt)
        if settings in seen:
            notes.append(f"imputation '{label}' changes no indicator's method; dropped")
            continue
        seen.append(settings)
        imp_levels.append(label)
        imp_alts.append(alt)
    win_levels = ["spec"]
    if config.winsorisation:
        if not any(spec.effective_treat(i).method == "winsorise" for i in spec.indicators()):
            notes.append("winsorisation limits given, but no indicator is winsorised; dropped")
        else:
            win_levels += [str(int(k)) for k in config.winsorisation]
    norm_levels: list[str] = ["spec"]
    norm_settings: list[Normalise | None] = [None]
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
                notes.append(f"normalisation '{label}': {_params_label(norm, ('reference',))} "
                             "(positive, as a geometric/harmonic mean follows)")
        if positive and _reaches_zero(norm):
            notes.append(f"normalisation '{label}' gives the worst unit 0 or less and a "
                         "geometric/harmonic mean follows: with zeros='zero' such a mean is 0, "
                         "otherwise the sample fails (counted)")
        norm_levels.append(label)
        norm_settings.append(norm)

    n_u = len(units)
    mats = np.full((len(imp_levels) * len(win_levels), len(norm_levels), n_u, len(ids)), np.nan)
    prep_ok = np.ones(mats.shape[0], dtype=bool)
    keep_norm = np.ones(len(norm_levels), dtype=bool)
    for a, imp in enumerate(imp_alts):
        for b, win in enumerate(win_levels):
            k = a * len(win_levels) + b
            try:
                prep = prepare(data, units, spec, info, impute=_impute_settings(spec, imp),
                               treat=_treat_settings(spec, win), with_log=False)
            except ReferenceScreenedOut as exc:
                notes.append(f"imputation '{imp_levels[a]}', winsorisation '{win}': {exc}; "
                             "dropped")
                prep_ok[k] = False
                continue
            kept_units = [u for u, keep in zip(units, prep.keep, strict=True) if keep]
            for c, setting in enumerate(norm_settings):
                try:
                    norm = prep.normalised if setting is None else normalise_matrix(
                        prep.treated, _normalisers(spec, setting), directions, kept_units,
                        list(ids))
                except ValueError as exc:
                    if keep_norm[c]:
                        notes.append(f"normalisation '{norm_levels[c]}' is not possible here "
                                     f"({exc}); dropped")
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
    norm_settings = [n for n, k in zip(norm_settings, keep_norm, strict=True) if k]
    # a failed (imputation, winsorisation) level falls back to the spec's preparation
    mats[~prep_ok] = mats[0]
    mats = np.ascontiguousarray(mats)

    # weights: every child of the nodes in scope with at least two children
    weight_nodes: list[str] = []
    if config.weights != "off":
        cand = list(tree.aggregate_ids) if config.weight_scope == "all" \
            else list(tree.aggregate_ids[:-1])
        weight_nodes = [n.id for n in tree.nodes if n.id in cand and len(n.children) >= 2
                        and np.count_nonzero(n.weights) >= 2]

    exclusion = ["none"] + (_leave_one_out_levels(spec) if config.leave_one_out else [])
    if config.exclude_impossible:
        ref = units.index(spec.reference) if spec.reference in units else None
        nominal = result.scores[tree.root].reindex(list(units)).to_numpy(dtype=float)
        levels = {"imputation": imp_levels, "winsorisation": win_levels,
                  "normalisation": norm_levels, "aggregation": agg_levels,
                  "exclusion": exclusion}
        keep = _possible_levels(mats, agg_trees, ref, exclusion, nominal, levels, units,
                                config.zeros, notes)
        imp_idx, win_idx = np.flatnonzero(keep["imputation"]), np.flatnonzero(keep["winsorisation"])
        prep_idx = (imp_idx[:, None] * len(win_levels) + win_idx[None, :]).ravel()
        norm_idx, agg_idx = np.flatnonzero(keep["normalisation"]), np.flatnonzero(keep["aggregation"])
        mats = np.ascontiguousarray(mats[prep_idx][:, norm_idx])
        imp_levels = [imp_levels[i] for i in imp_idx]
        imp_alts = [imp_alts[i] for i in imp_idx]
        win_levels = [win_levels[i] for i in win_idx]
        norm_levels = [norm_levels[i] for i in norm_idx]
        norm_settings = [norm_settings[i] for i in norm_idx]
        agg_levels, agg_methods, agg_updates, agg_trees = (
            [x[i] for i in agg_idx] for x in (agg_levels, agg_methods, agg_updates, agg_trees))
        exclusion = [e for e, k in zip(exclusion, keep["exclusion"], strict=True) if k]

    factors: list[Factor] = []
    col = 0
    for name in FACTOR_ORDER:
        if name == "weights":
            for fname, fnodes in _weight_factors(spec, tree, config, weight_nodes):
                k = sum(len(tree.nodes[tree.aggregate_ids.index(n)].children) for n in fnodes)
                factors.append(Factor(fname, (), tuple(range(col, col + k)), tuple(fnodes)))
                col += k
            continue
        levels = {"normalisation": norm_levels, "aggregation": agg_levels,
                  "imputation": imp_levels, "winsorisation": win_levels,
                  "exclusion": exclusion}[name]
        if len(levels) > 1:
            factors.append(Factor(name, tuple(levels), (col,)))
            col += 1

    root = tree.root
    reasons = ("",) + tuple(f"a geometric/harmonic mean met a zero or negative value at node "
                            f"'{n.id}' (its `nonpositive` policy is 'error')"
                            for n in tree.nodes) + (GENMEAN_FAILURE,)
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
        failure_reasons=reasons, notes=tuple(notes), aggregation_trees=tuple(agg_trees),
        aggregation_updates=tuple(agg_updates), normalisation_settings=tuple(norm_settings),
        imputation_alternatives=tuple(imp_alts))


def _leave_one_out_levels(spec: IndexSpec) -> list[str]:
    """Indicators that may be left out: weight > 0 and a sibling with weight > 0, so that no
    node (dimension, sub-dimension) ever loses its last indicator."""
    out = []
    for node in spec.aggregates():
        weighted = [c for c in node.children if c.weight > 0]
        if len(weighted) >= 2:
            out += [c.id for c in weighted if isinstance(c, Indicator)]
    order = [i.id for i in spec.indicators()]
    return sorted(out, key=order.index)


#: The discrete factors in the order `_possible_levels` lays them out on its array's axes.
_PRUNE_AXES = ("imputation", "winsorisation", "normalisation", "aggregation", "exclusion")


def _possible_levels(mats: Array, trees: Sequence[CompiledTree], ref: int | None,
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


# ---- evaluation over chunks: aidi.analysis.robustness.backends (re-exported for callers) ----
def evaluate_samples(design: VariantDesign, u: Array, backend: str = "numpy",
                     scheduler: Any = None, chunk_size: int | None = None,
                     nodes: str | Sequence[str] | None = None,
                     progress: Progress | None = None, phase: str = SAMPLES) -> ChunkResult:
    """`aidi.analysis.robustness.backends.evaluate_samples`."""
    from aidi.analysis.robustness.backends import evaluate_samples as run

    return run(design, u, backend, scheduler, chunk_size, nodes, progress, phase)


# ---- the naive reference: one full rebuild per sample ------------------------------------------
def spec_variant(design: VariantDesign, spec: IndexSpec, u_row: Array) -> IndexSpec:
    """The spec a full rebuild would use for one sample (the reference the fast path must match).

    Rewrites the choices into a copy of the spec: every indicator's normalisation, the
    imputation of overridable indicators, the methods (and their parameters) of the nodes in
    scope, every child weight (left-out indicator = 0) and, with `zeros="zero"`, the nodes'
    `nonpositive` policy.
    """
    u = np.asarray(u_row, dtype=float).reshape(1, -1)
    level = {name: int(design.level_index(u, name)[0])
             for name in ("normalisation", "aggregation", "imputation")}
    updates = design.aggregation_updates[level["aggregation"]] if design.aggregation_updates \
        else {nid: {"method": m} for nid, m in
              design.aggregation_methods[level["aggregation"]].items()}
    weights = {k: v[0] for k, v in design.sample_weights(u).items()}
    norm = design.normalisation_settings[level["normalisation"]]
    imp = design.imputation_alternatives[level["imputation"]]
    win = str(design.decode(u).iloc[0]["winsorisation"])

    def rewrite(n: Node | Indicator) -> Node | Indicator:
        if isinstance(n, Indicator):
            upd: dict[str, object] = {}
            if norm is not None:
                upd["normalise"] = norm
            eff = spec.effective_impute(n)
            if imp is not None and eff.method in OVERRIDABLE_IMPUTATION:
                upd["impute"] = imp if isinstance(imp, Impute) else \
                    eff.model_copy(update={"method": imp})
            treat = spec.effective_treat(n)
            if win != "spec" and treat.method == "winsorise":
                upd["treat"] = treat.model_copy(update={"winmax": int(win)})
            return n.model_copy(update=upd)
        kids = n.children
        if n.id in weights:
            kids = tuple(c.model_copy(update={"weight": float(w)})
                         for c, w in zip(kids, weights[n.id], strict=True))
        agg = n.aggregate.model_copy(update=dict(updates.get(n.id, {})))
        if design.config.zeros == "zero" and agg.nonpositive == "error":
            agg = agg.model_copy(update={"nonpositive": "zero"})
        return n.model_copy(update={"children": kids, "aggregate": agg})

    return spec.map_nodes(rewrite)


def naive_evaluate(design: VariantDesign, result: BuildResult, observations: pd.DataFrame,
                   u: Array, nodes: str | Sequence[str] | None = None) -> ChunkResult:
    """One complete `pipeline.build` per sample — COINr's way; the oracle and the benchmark's
    baseline (deliberately a per-sample loop). `nodes` as in `VariantDesign.evaluate`."""
    u = np.asarray(u, dtype=float)
    n, n_units = u.shape[0], len(design.units)
    node_ids = design.node_columns(nodes)
    index = np.full((n, n_units), np.nan)
    rank = np.full((n, n_units), np.nan)
    values = np.full((n, n_units, len(node_ids)), np.nan) if node_ids else None
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
        if values is not None:
            allv = r.values().reindex(list(design.units))[list(node_ids)].to_numpy(dtype=float)
            values[s] = np.where(np.isfinite(allv), allv, np.nan)
    return ChunkResult(index, rank, failure, values, node_ids)
