"""The variant design: precomputed variants of one build and the mapping from uniform inputs
to the choices each sample makes (`VariantDesign`, made by `aidi.analysis.robustness.design`).

A sample is a row of uniform [0, 1) inputs. Its discrete choices are read by `level_index`
(one column per discrete factor), its weights by `sample_weights` (one column per perturbed
child weight); `variant_levels` gives the three indices a sample's indicator matrix is
gathered by — the one decoding the batch kernel (`aidi.analysis.robustness.evaluate`), the
rebuild oracle and the explorer's rank bands all use.

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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aidi.analysis.robustness.config import UncertaintyConfig
from aidi.engine.tree import FINITE, NONNEGATIVE, POSITIVE, UNKNOWN, CompiledTree
from aidi.errors import UsageError
from aidi.specs.schema import Impute, Normalise

if TYPE_CHECKING:
    from aidi.analysis.robustness.evaluate import ChunkResult

Array = np.ndarray


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

    def preparation_index(self, u: Array) -> Array:
        """Each sample's row of the (imputation × winsorisation) axis of `matrices`."""
        return self.level_index(u, "imputation") * len(self.winsorisation_levels) + \
            self.level_index(u, "winsorisation")

    def variant_index(self, u: Array) -> Array:
        """Each sample's precomputed indicator matrix: the preparation row × normalisation
        level, the row of `node_major_matrices`' variant axis."""
        return self.preparation_index(u) * self.matrices.shape[1] + \
            self.level_index(u, "normalisation")

    def excluded_columns(self, u: Array) -> Array:
        """Each sample's left-out indicator, as its column of `indicator_ids` (−1 = none)."""
        cols = np.array([-1] + [self.indicator_ids.index(i) for i in self.exclusion_levels[1:]],
                        dtype=np.intp)
        return cols[self.level_index(u, "exclusion")]

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
        if self.factor("exclusion") is not None:
            excluded_col = self.excluded_columns(u)
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
        ("pillars" or node ids) also those nodes' scores — `evaluate.evaluate_chunk`."""
        from aidi.analysis.robustness.evaluate import evaluate_chunk

        return evaluate_chunk(self, u, nodes)


def variant_levels(design: VariantDesign, u: Array) -> dict[str, Array]:
    """The levels of each sample (row of `u`) that pick its precomputed indicator matrix and
    its left-out indicator: `prep` (row of the imputation × winsorisation axis of
    `matrices`), `norm` (normalisation level), `exclude` (the left-out indicator's column,
    −1 = none) — `design.matrices[prep, norm]` is the sample's (units × indicators) matrix."""
    u = np.asarray(u, dtype=float)
    return {"prep": design.preparation_index(u), "norm": design.level_index(u, "normalisation"),
            "exclude": design.excluded_columns(u)}


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
