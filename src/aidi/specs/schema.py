"""The declarative index spec: an immutable, validated tree index → … → indicators.

A spec is data, not code: the whole build (which series, which years, how each indicator is
transformed, imputed, treated, normalised, weighted and aggregated) is read from a YAML file and
validated here, so that a user can read, diff and swap it. Every model is frozen: analyses make
variants with `model_copy(update=...)` instead of mutating a shared object.

Settings cascade: an indicator's own `impute`/`treat`/`normalise` override the spec's `defaults`
(COINr users often report per-indicator settings being ignored in favour of global ones; here
the most specific setting always wins, and `effective_*` helpers make that explicit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from aidi.specs.base import Label, _Frozen
from aidi.specs.blocks import Editions, Presentation, PublishedValue
from aidi.specs.calibration import Calibration
from aidi.specs.coinr_syntax import coinr_aggregate, coinr_impute, coinr_normalise, coinr_treat
from aidi.specs.intensity import IntensityForm
from aidi.specs.statements import Statement
from aidi.specs.tree_walk import iter_nodes, iter_paths, map_tree, revalidated

Transform_ = Literal["log", "log_ct", "log_ct_plus", "log_ct_orig", "log_gii", "boxcox"]

NodeId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=64)]


class YearRule(_Frozen):
    """Which year(s) of a series feed the indicator.

    - `latest`: the latest year with a value inside [start, end];
    - `mean`: the mean of the values inside [start, end];
    - `exact`: the value of year `end`.
    `fallback: latest_earlier` then takes the latest value before `start` when the window is
    empty (recorded in the log as an imputation); `none` leaves the cell missing.
    """

    rule: Literal["latest", "mean", "exact"] = "latest"
    start: int = Field(2021, ge=1900, le=2100)
    end: int = Field(2023, ge=1900, le=2100)
    fallback: Literal["none", "latest_earlier"] = "latest_earlier"

    @model_validator(mode="after")
    def _window(self) -> YearRule:
        if self.start > self.end:
            raise ValueError(f"start ({self.start}) must be <= end ({self.end})")
        return self


#: The series `per_capita` and `share_of_gdp` divide by unless a transform names another.
DEFAULT_DENOMINATORS = {"per_capita": "wdi.SP.POP.TOTL", "share_of_gdp": "wdi.NY.GDP.MKTP.CD"}


class Transform(_Frozen):
    """How a raw value becomes the indicator value before imputation.

    - `level`: as is; `log`: natural log of (x + offset);
    - `per_capita`: ÷ population series; `share_of_gdp`: ÷ GDP series; `ratio`: ÷ `denominator`;
    - `product`: × `multiplier` series (e.g. internet users % × population = users);
    `scale` multiplies the result (e.g. 0.01 for a percentage, 1e-9 to show billions).
    """

    kind: Literal["level", "log", "per_capita", "share_of_gdp", "ratio", "product"] = "level"
    denominator: str | None = None
    multiplier: str | None = None
    offset: float = 0.0
    scale: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _needs_denominator(self) -> Transform:
        if self.kind == "ratio" and not self.denominator:
            raise ValueError("transform kind 'ratio' needs a `denominator` series id")
        if self.kind == "product" and not self.multiplier:
            raise ValueError("transform kind 'product' needs a `multiplier` series id")
        return self


class Impute(_Frozen):
    """Missing-value treatment (after the year rule's own fallback).

    Column methods (`mean`, `median`, `min`, `mode`, optionally within `group`) fill a cell from
    the other units; row methods (`row_mean`, `row_median`) from the unit's other indicators,
    min–max scaled first when `normalise_first` (COINr's default for `impute_by = "row"`);
    `iterative` (scikit-learn's IterativeImputer: each indicator regressed on the others, an
    EM-like round robin) and `knn` (KNNImputer, `n_neighbors`) use every column at once.
    `scope: dimension_with_data` fills a cell only where the unit has a measured value for
    another indicator of the same parent: one missing cell of a dimension that still has data
    is imputed (and flagged), a dimension with no data at all stays missing — imputation then
    never invents a whole dimension for an economy.
    COINr syntax is accepted: `{f_i: i_median_grp, use_group: EurAsia_group}`.
    """

    method: Literal["none", "mean", "median", "min", "mode", "row_mean", "row_median",
                    "iterative", "knn"] = "none"
    scope: Literal["all", "dimension_with_data"] = "all"
    group: str | None = Field(
        None, description="impute within groups given by this unit attribute (e.g. EurAsia_group)"
    )
    normalise_first: bool = True
    group_level: int | None = Field(
        None, ge=2, description="row methods: the row statistic within each group of "
        "indicators sharing an ancestor at this COINr level (2 = parents)")
    n_neighbors: int = Field(5, ge=1)
    max_iter: int = Field(10, ge=1)
    seed: int = 0

    @model_validator(mode="before")
    @classmethod
    def _coinr(cls, data: object) -> object:
        return coinr_impute(data) if isinstance(data, dict) else data


class Treat(_Frozen):
    """Outlier treatment (see `aidi.engine.treat` for the exact rule).

    `winsorise` follows COINr's default rule: while |skewness| ≥ `skew_thresh` and kurtosis ≥
    `kurt_thresh`, winsorise one more point, up to `winmax` points; if still outside, apply the
    `fallback` transform to the original values instead. Fallbacks: `log` (aidi's
    ln(x − min + 1), mirrored for negative skew), `log_ct` (COINr's default `log_CT`,
    ln(x − min + 0.01·range)), COINr's `log_ct_plus` (mirrored for negative skew),
    `log_ct_orig` (ln(x − min + 1)), `log_gii`, `boxcox` (λ = `lam`, or estimated), `none`.
    `method: <transform>` always transforms. COINr syntax is accepted:
    `{f1_para: {winmax: 5}, f2: log_CT}` (with COINr's defaults: winsorise, log_CT fallback),
    and all of COINr's Treat: `f1` a transform, `f_pass_para` thresholds apart from f1's,
    `force_win`, `combine_treat`, Box-Cox λ in `f1_para` or `f2_para`.
    """

    def effective_fallback(self) -> str:
        if self.fallback is not None:
            return self.fallback
        return "log_ct" if self.semantics == "coinr" else "log"

    def pass_thresholds(self) -> tuple[float, float]:
        """The pass check's thresholds (COINr's f_pass_para)."""
        coinr = self.semantics == "coinr"
        sk = self.pass_skew_thresh if self.pass_skew_thresh is not None else \
            (2.0 if coinr else self.skew_thresh)
        ku = self.pass_kurt_thresh if self.pass_kurt_thresh is not None else \
            (3.5 if coinr else self.kurt_thresh)
        return sk, ku

    method: Literal["none", "winsorise"] | Transform_ = "none"
    f1: Literal["winsorise"] | Transform_ = Field(
        "winsorise", description="COINr's f1: the first treatment of a failing column")
    f1_lam: float | None = Field(None, description="Box-Cox λ when f1 is boxcox")
    winmax: int = Field(5, ge=0)
    skew_thresh: float = Field(2.0, gt=0)
    kurt_thresh: float = Field(3.5, gt=0)
    force_win: bool = Field(False, description="COINr's force_win: winsorise winmax points "
                            "even if the column passes")
    pass_skew_thresh: float | None = Field(
        None, gt=0, description="COINr's f_pass_para skew_thresh (None: aidi → skew_thresh, "
        "coinr → 2)")
    pass_kurt_thresh: float | None = Field(
        None, gt=0, description="COINr's f_pass_para kurt_thresh (None: aidi → kurt_thresh, "
        "coinr → 3.5)")
    fallback: Literal["none"] | Transform_ | None = Field(
        None, description="COINr's f2 (None: aidi → log, coinr → log_ct)")
    lam: float | None = Field(None, description="Box-Cox λ; None = maximum likelihood (scipy)")
    combine: bool = Field(False, description="COINr's combine_treat: f2 on f1's output")
    semantics: Literal["aidi", "coinr"] = "aidi"

    @model_validator(mode="before")
    @classmethod
    def _coinr(cls, data: object) -> object:
        return coinr_treat(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _boxcox_lambda(self) -> Treat:
        """COINr's boxcox has no default λ (without one it errors and COINr leaves the column
        untreated); aidi's estimates λ, which a COINr-syntax build must not do silently."""
        if self.semantics == "coinr" and self.method == "winsorise":
            if self.f1 == "boxcox" and self.f1_lam is None:
                raise ValueError("f1 = boxcox needs f1_para: {lambda: …} (COINr's boxcox has no "
                                 "default λ)")
            if self.effective_fallback() == "boxcox" and self.lam is None:
                raise ValueError("f2 = boxcox needs f2_para: {lambda: …} (COINr's boxcox has no "
                                 "default λ)")
        return self


class Normalise(_Frozen):
    """Normalisation of an indicator across units.

    - `ratio`: value ÷ reference unit's value (reference = 1); negative direction → reference ÷ value;
    - `minmax`: linear onto [low, high]; `zscore`: mean `mean`, sd `sd`;
    - `rank`: rank among units (1 = lowest);
    - `frontier`: value ÷ best value (best = 1);
    - `target`: (x − min) / (target − min), capped at 1 (COINr `n_dist2targ` with cap: false);
    - `prank` / `borda`: COINr's percentile rank and Borda score (sport ranking);
    - `fracmax`: COINr's d·x / max(d·x); `dist2ref`: (x − min) / (x_ref − min);
    - `goalposts`: (x − l) / (u − l) clipped to [0, 1], × scale; `scaled`: (x − l) / (u − l)·100;
    - `none`: unchanged.
    Then, for any method, `power` raises the (non-negative) score to a power and `ceiling`
    caps it — e.g. `{method: ratio, ceiling: 1.6}`: "at most 1.6 × the reference", or
    `{method: ratio, power: 0.7}` on a variance with direction −1: (v_ref / v)^0.7.
    COINr syntax is accepted: `{f_n: n_zscore, f_n_para: {m_sd: [10, 2]}}` (see
    `coinr_normalise`), with COINr's defaults for parameters left out.
    """

    method: Literal["ratio", "minmax", "zscore", "rank", "prank", "borda", "frontier",
                    "fracmax", "target", "dist2ref", "goalposts", "scaled", "none"] = "ratio"
    reference: str | None = None
    low: float = 0.0
    high: float = 1.0
    mean: float = 0.0
    sd: float = Field(1.0, gt=0)
    target: float | None = None
    ties: Literal["average", "min"] = "average"
    cap: bool | None = Field(None, description="cap scores at 1 (target: default yes; "
                             "dist2ref: default no, as COINr's cap_max)")
    npara: tuple[float, float] = (0.0, 100.0)
    goalposts: tuple[float, float, float] | None = Field(
        None, description="(lower, upper, scale) on the indicator's own scale")
    trunc: bool = True
    power: float = Field(1.0, gt=0, allow_inf_nan=False,
                         description="raise the normalised score to this power")
    ceiling: float | None = Field(None, gt=0, allow_inf_nan=False,
                                  description="cap the normalised score (after `power`)")
    scale_factor: float = Field(100.0, description="n_scaled's scale_factor")
    semantics: Literal["aidi", "coinr"] = Field(
        "aidi", description="coinr: COINr 1.1.14's arithmetic where aidi's differs (set by "
        "COINr's call syntax; see aidi.engine.normalise_coinr)")
    use_imeta: bool = Field(False, description="per-indicator parameters come from iMeta columns "
                            "(COINr f_n_para: use_iMeta); filled in when a coin is read")

    @model_validator(mode="before")
    @classmethod
    def _coinr(cls, data: object) -> object:
        return coinr_normalise(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _bounds(self) -> Normalise:
        if self.method == "minmax" and not self.low < self.high:
            raise ValueError(f"minmax needs low < high, got low={self.low}, high={self.high}")
        if self.use_imeta:
            return self
        if self.method == "target" and self.target is None:
            raise ValueError("normalise method 'target' needs `target`")
        if self.method == "goalposts" and self.goalposts is None:
            raise ValueError("normalise method 'goalposts' needs `goalposts: [lower, upper, "
                             "scale]`")
        if self.method == "goalposts":
            lower, upper, scale = self.goalposts  # type: ignore[misc]
            if not lower < upper:
                raise ValueError(f"goalposts need lower < upper (on the indicator's own scale; "
                                 f"the direction decides which end is good), got lower="
                                 f"{lower:g}, upper={upper:g}")
            if not scale > 0:
                raise ValueError(f"the goalposts' scale must be > 0 (e.g. 1 or 100), got "
                                 f"{scale:g}")
        if self.method == "scaled" and not self.npara[0] < self.npara[1]:
            raise ValueError(f"normalise method 'scaled' needs npara = [lower, upper] with "
                             f"lower < upper, got {list(self.npara)}")
        return self


class Aggregate(_Frozen):
    """How a node combines its children.

    Zeros and negatives: `arithmetic` accepts any value; `geometric` and `harmonic` need
    positive values — with `nonpositive: error` (default) a zero or negative child raises an
    error naming the unit and child, with `zero` a zero child makes the score 0 (negatives still
    raise), with `offset` every child is shifted by `offset` before and after aggregation.
    Missing children: weights are renormalised over the children present; a unit with fewer
    than `min_coverage` of its children's weight present gets a missing score; with
    `dat_thresh` (COINr's), fewer than that share of its children by count. `genmean` is the
    power mean with exponent `p`; `copeland` the weighted pairwise-majority score; `mpi` the
    Mazziotta–Pareto index (`penalty` −1: penalise unbalanced children; children standardised
    across units to 100 ± 10 first unless `standardise_children: false`). COINr syntax is
    accepted: `{f_ag: a_genmean, f_ag_para: {p: 2}, dat_thresh: 0.5}`.
    """

    method: Literal["arithmetic", "geometric", "harmonic", "genmean", "copeland",
                    "mpi"] = "arithmetic"
    nonpositive: Literal["error", "zero", "offset"] = "error"
    offset: float = Field(0.0, ge=0)
    min_coverage: float = Field(0.0, ge=0, le=1)
    dat_thresh: float | None = Field(None, ge=0, le=1, description="COINr's threshold: a unit "
                                     "with a smaller share of children present (by count) is NA")
    p: float | None = Field(None, description="exponent of the generalised mean")
    penalty: Literal[-1, 1] = -1
    standardise_children: bool = True
    semantics: Literal["aidi", "coinr"] = Field(
        "aidi", description="coinr: COINr's handling of missing children where it differs "
        "(a_genmean: any missing child → NA, as COINr's sum without na.rm)")

    @model_validator(mode="before")
    @classmethod
    def _coinr(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        d = coinr_aggregate(data)
        if d.get("semantics") == "coinr" and d.get("method") == "genmean":
            d["dat_thresh"] = 1.0  # COINr's a_genmean: sum(w * x^p) is NA with any NA child
        return d

    @model_validator(mode="after")
    def _params(self) -> Aggregate:
        if self.method == "genmean" and (self.p is None or self.p == 0):
            raise ValueError("aggregate method 'genmean' needs an exponent p != 0 (p = 0 is the "
                             "geometric mean)")
        if self.nonpositive == "offset" and self.offset <= 0:
            raise ValueError("nonpositive: offset needs `offset` > 0 (the shift added to every "
                             "child before the mean), e.g. offset: 1")
        return self

    def method_params(self) -> tuple[tuple[str, object], ...]:
        """The parameters the engine's aggregator takes beyond the weights."""
        if self.method == "genmean":
            return (("p", self.p),)
        if self.method == "mpi":
            return (("penalty", self.penalty), ("standardise", self.standardise_children))
        return ()


class EditionRule(_Frozen):
    """How an indicator follows the index's yearly editions (see `aidi.specs.editions`).

    Year rules are written for the spec's own edition (`editions.base`); edition Y moves them
    by Y − base. `shift`: `window` moves start and end, `end` only the end (a total since a
    fixed year), `none` keeps the rule. An `exact` rule always moves as one year.
    `before: Y0`: editions before Y0 cannot use the series as written (the raw data has it
    only as a cumulative or single-year figure); they read `series` instead (with `years` and
    `transform`, written for the base edition and moved the same way; transform default
    `level`), or, without `series`, keep the moved rule with no latest-earlier fallback, so
    the indicator is missing and its parent's weights renormalise. `note` says why.
    """

    shift: Literal["window", "end", "none"] = "window"
    before: int | None = Field(None, ge=1900, le=2100)
    series: str | None = Field(None, min_length=1)
    years: YearRule | None = None
    transform: Transform | None = None
    note: str = ""


class Indicator(_Frozen):
    """A leaf: one series, its year rule, transform and treatment."""

    id: NodeId
    name: Label
    series: str = Field(min_length=1)
    unit: str = ""
    description: str = ""
    direction: Literal[1, -1] = 1
    weight: float = Field(1.0, ge=0, allow_inf_nan=False)
    years: YearRule | None = None
    transform: Transform = Transform()
    impute: Impute | None = None
    treat: Treat | None = None
    normalise: Normalise | None = None
    edition_rule: EditionRule | None = None
    #: per-person or per-output form for the spec's intensity variant (`aidi.specs.intensity`)
    intensity: IntensityForm | None = None


class Node(_Frozen):
    """An aggregate: index, pillar, dimension or sub-dimension."""

    id: NodeId
    name: Label
    description: str = ""
    weight: float = Field(1.0, ge=0, allow_inf_nan=False)
    aggregate: Aggregate = Aggregate()
    standardise: Literal["none", "ratio"] = Field(
        "none", description="'ratio': divide the score by the reference unit's score (ref = 1)"
    )
    children: tuple[Child, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _some_weight(self) -> Node:
        """All-zero child weights leave nothing to average: the node (and every score above
        it) would silently be missing, so it is refused."""
        if all(c.weight == 0 for c in self.children):
            raise ValueError(f"every child of node {self.id!r} has weight 0; give at least one "
                             "a positive weight (or remove the node)")
        return self


def _child_kind(value: object) -> str:
    """A child with a `series` is an indicator, otherwise an aggregate node."""
    if isinstance(value, dict):
        return "indicator" if "series" in value else "node"
    return "indicator" if isinstance(value, Indicator) else "node"


Child = Annotated[
    Annotated["Node", Tag("node")] | Annotated[Indicator, Tag("indicator")],
    Discriminator(_child_kind),
]


class Defaults(_Frozen):
    years: YearRule = YearRule()
    impute: Impute = Impute()
    treat: Treat = Treat()
    normalise: Normalise = Normalise()


class Screen(_Frozen):
    """Drop units whose share of non-missing indicators is below `min_availability` (COINr's
    `Screen(unit_screen = "byNA", dat_thresh)`); `byzeros` drops those whose share of non-zero
    values among the present ones is below `nonzero_thresh`, `byNAandzeros` either; units in
    `force_include` / `force_exclude` are kept / removed whatever (COINr's `Force`).

    `on` says which data the availability is counted on: `raw` (default) — the selected values
    before imputation, so a unit kept has real data; `imputed` — after imputation, which is
    what COINr's documented example does (`Screen(coin, dset = "Imputed")`): imputation then
    uses every unit, and only units that imputation could not fill are screened out.
    """

    min_availability: float = Field(0.0, ge=0, le=1)
    on: Literal["raw", "imputed"] = "raw"
    unit_screen: Literal["byNA", "byzeros", "byNAandzeros"] = Field(
        "byNA", description="COINr's rule: by availability, by share of non-zero values, or both")
    nonzero_thresh: float = Field(0.05, ge=0, le=1, description="COINr's nonzero_thresh: least "
                                  "share of non-zero values among those present")
    force_include: tuple[str, ...] = Field((), description="units kept whatever (COINr Force)")
    force_exclude: tuple[str, ...] = Field((), description="units removed whatever (COINr Force)")

    @property
    def active(self) -> bool:
        """Whether the screen can remove (or force) anything at all."""
        return bool(self.min_availability > 0 or self.unit_screen != "byNA"
                    or self.force_include or self.force_exclude)


class IndexSpec(_Frozen):
    """A whole composite indicator."""

    id: NodeId
    name: Label
    edition: str = ""
    description: str = ""
    reference: str | None = Field(None, description="reference unit for ratio normalisation")
    units: tuple[str, ...] | str = Field("TARGET_20", description="a group name, `all`, or a "
                                         "non-empty list of unit codes or names")
    screen: Screen = Screen()
    defaults: Defaults = Defaults()
    root: Node
    published: tuple[PublishedValue, ...] = ()
    editions: Editions = Editions()
    presentation: Presentation = Presentation()
    #: open choices fixed by a named calibration procedure (`aidi.specs.calibration`)
    calibration: Calibration | None = None
    #: the source's statements about its results, testable on a build (`aidi.specs.statements`)
    statements: tuple[Statement, ...] = ()
    #: another spec this one is set beside, difference by difference (`aidi.analysis.why_differ`)
    counterpart: str | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> IndexSpec:
        if not isinstance(self.units, str) and not self.units:
            raise ValueError("`units` is an empty list: list the units to build, or name a "
                             "group (TARGET_20, G20) or all")
        seen: set[str] = set()
        for node in iter_nodes(self.root):
            if node.id in seen:
                raise ValueError(f"node id {node.id!r} is used more than once")
            seen.add(node.id)
        for pub in self.published:
            if pub.node not in seen:
                raise ValueError(f"published value refers to unknown node {pub.node!r}")
        shown = (*self.presentation.headline, *(self.presentation.quadrant or ()))
        unknown = [n for n in shown if n not in seen]
        if unknown:
            raise ValueError(f"presentation names unknown node(s) {unknown}")
        named = [n for st in self.statements for n in st.test.nodes()]
        if self.calibration is not None:
            named += [*self.calibration.fit, *self.calibration.test]
            named += [i for p in self.calibration.parameters for t in p.targets
                      if t.indicators != "all" for i in t.indicators]
        unknown = sorted({n for n in named if n not in seen})
        if unknown:
            raise ValueError(f"statements or calibration name unknown node(s) {unknown}")
        if self.reference is None:
            ratio = [n.id for n in iter_nodes(self.root)
                     if isinstance(n, Node) and n.standardise == "ratio"]
            if ratio:
                raise ValueError(f"node(s) {ratio} are standardised to the reference unit "
                                 "(standardise: ratio), but the spec names no `reference`")
        return self

    # ---- navigation -------------------------------------------------------------------------
    def indicators(self) -> list[Indicator]:
        return [n for n in iter_nodes(self.root) if isinstance(n, Indicator)]

    def aggregates(self) -> list[Node]:
        return [n for n in iter_nodes(self.root) if isinstance(n, Node)]

    def node(self, node_id: str) -> Node | Indicator:
        for n in iter_nodes(self.root):
            if n.id == node_id:
                return n
        raise KeyError(f"no node {node_id!r} in spec {self.id!r}")

    def parent_of(self) -> dict[str, str]:
        return {c.id: n.id for n in self.aggregates() for c in n.children}

    def level_of(self) -> dict[str, int]:
        """Depth from the root (root = 0)."""
        return {path[-1].id: len(path) - 1 for path in self.iter_paths()}

    # ---- walking and rewriting (aidi.specs.tree_walk) ---------------------------------------
    def iter_nodes(self, start: str | None = None, *,
                   order: Literal["pre", "post"] = "pre") -> Iterator[Node | Indicator]:
        """Every node of the tree, or of the subtree at node `start`, depth-first in child
        order: parents before children (`pre`) or after them (`post`, bottom-up)."""
        return iter_nodes(self.root if start is None else self.node(start), order)

    def iter_paths(self, start: str | None = None) -> Iterator[tuple[Node | Indicator, ...]]:
        """`iter_nodes(start)`, each node with the path to it from `start` (default: the root):
        `path[-1]` is the node, `len(path) - 1` its depth, `path[1]` the branch it is in."""
        return iter_paths(self.root if start is None else self.node(start))

    def map_nodes(self, fn: Callable[[Node | Indicator], Node | Indicator]) -> IndexSpec:
        """A new, validated spec with every node replaced by `fn(node)`, bottom-up: `fn` gets a
        node whose children are mapped already (a parent can check or re-weight its new
        children) and returns it, changed with `model_copy(update=...)` or as it is. Changed
        nodes and the spec are validated again (`InputError` names the rule a rewrite breaks);
        unchanged ones are shared with this spec."""
        root = map_tree(self.root, fn)
        return self if root is self.root else revalidated(self.model_copy(update={"root": root}))

    # ---- the settings cascade ---------------------------------------------------------------
    def effective_years(self, ind: Indicator) -> YearRule:
        return ind.years or self.defaults.years

    def effective_impute(self, ind: Indicator) -> Impute:
        return ind.impute or self.defaults.impute

    def effective_treat(self, ind: Indicator) -> Treat:
        return ind.treat or self.defaults.treat

    def effective_normalise(self, ind: Indicator) -> Normalise:
        """The indicator's normalisation, else the defaults'; the calibrated parameters
        (`calibration`) set their fields last."""
        norm = ind.normalise or self.defaults.normalise
        if norm.method == "ratio" and norm.reference is None:
            norm = norm.model_copy(update={"reference": self.reference})
        if self.calibration is not None:
            fields = self.calibration.settings_for(ind.id)
            if fields:
                norm = norm.model_copy(update=fields)
        return norm


Node.model_rebuild()
