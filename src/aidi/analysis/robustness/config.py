"""Which of a build's open choices a robustness analysis varies, and how: `UncertaintyConfig`.

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

The configuration is checked when it is made (every alternative parsed by
`aidi.analysis.robustness.choices`), so a bad choice is refused before any build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aidi.analysis.robustness.choices import (
    Choice,
    resolve_aggregation,
    resolve_imputation,
    resolve_normalisation,
)
from aidi.errors import UsageError

FACTOR_ORDER = ("weights", "normalisation", "aggregation", "imputation", "winsorisation",
                "exclusion")


@dataclass(frozen=True)
class UncertaintyConfig:
    """Which choices are uncertain, and how. An empty tuple / `"off"` switches a factor off.

    The first level of every discrete factor is the spec's own choice ("spec"); the tuples list
    the alternatives to it (names or mappings, `aidi.analysis.robustness.choices`).
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
