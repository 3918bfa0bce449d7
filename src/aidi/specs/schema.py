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

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

NodeId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Label(_Frozen):
    """A name in English and Chinese (Chinese falls back to English)."""

    en: str
    zh: str | None = None

    def get(self, lang: str = "en") -> str:
        return self.zh if (lang == "zh" and self.zh) else self.en


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
    """Missing-value treatment (after the year rule's own fallback)."""

    method: Literal["none", "mean", "median", "min"] = "none"
    group: str | None = Field(
        None, description="impute within groups given by this unit attribute (e.g. EurAsia_group)"
    )


class Treat(_Frozen):
    """Outlier treatment (see `aidi.engine.treat` for the exact rule).

    `winsorise` follows COINr's default rule: while |skewness| ≥ `skew_thresh` and kurtosis ≥
    `kurt_thresh`, winsorise one more point, up to `winmax` points; if still outside, apply the
    `fallback` transform to the original values instead. Fallbacks: `log` (aidi's
    ln(x − min + 1), mirrored for negative skew), `log_ct` (COINr's default `log_CT`,
    ln(x − min + 0.01·range)), `none`. `method: log` / `log_ct` always transform.
    """

    method: Literal["none", "winsorise", "log", "log_ct"] = "none"
    winmax: int = Field(5, ge=0)
    skew_thresh: float = Field(2.0, gt=0)
    kurt_thresh: float = Field(3.5, gt=0)
    fallback: Literal["none", "log", "log_ct"] = "log"


class Normalise(_Frozen):
    """Normalisation of an indicator across units.

    - `ratio`: value ÷ reference unit's value (reference = 1); negative direction → reference ÷ value;
    - `minmax`: linear onto [low, high]; `zscore`: mean `mean`, sd `sd`;
    - `rank`: rank among units (1 = lowest);
    - `frontier`: value ÷ best value (best = 1);
    - `target`: (x − min) / (target − min), capped at 1;
    - `none`: unchanged.
    """

    method: Literal["ratio", "minmax", "zscore", "rank", "frontier", "target", "none"] = "ratio"
    reference: str | None = None
    low: float = 0.0
    high: float = 1.0
    mean: float = 0.0
    sd: float = Field(1.0, gt=0)
    target: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Normalise:
        if self.method == "minmax" and not self.low < self.high:
            raise ValueError(f"minmax needs low < high, got low={self.low}, high={self.high}")
        if self.method == "target" and self.target is None:
            raise ValueError("normalise method 'target' needs `target`")
        return self


class Aggregate(_Frozen):
    """How a node combines its children.

    Zeros and negatives: `arithmetic` accepts any value; `geometric` and `harmonic` need
    positive values — with `nonpositive: error` (default) a zero or negative child raises an
    error naming the unit and child, with `zero` a zero child makes the score 0 (negatives still
    raise), with `offset` every child is shifted by `offset` before and after aggregation.
    Missing children: weights are renormalised over the children present; a unit with fewer
    than `min_coverage` of its children's weight present gets a missing score.
    """

    method: Literal["arithmetic", "geometric", "harmonic"] = "arithmetic"
    nonpositive: Literal["error", "zero", "offset"] = "error"
    offset: float = Field(0.0, ge=0)
    min_coverage: float = Field(0.0, ge=0, le=1)


class Indicator(_Frozen):
    """A leaf: one series, its year rule, transform and treatment."""

    id: NodeId
    name: Label
    series: str = Field(min_length=1)
    unit: str = ""
    description: str = ""
    direction: Literal[1, -1] = 1
    weight: float = Field(1.0, ge=0)
    years: YearRule | None = None
    transform: Transform = Transform()
    impute: Impute | None = None
    treat: Treat | None = None
    normalise: Normalise | None = None


class Node(_Frozen):
    """An aggregate: index, pillar, dimension or sub-dimension."""

    id: NodeId
    name: Label
    description: str = ""
    weight: float = Field(1.0, ge=0)
    aggregate: Aggregate = Aggregate()
    standardise: Literal["none", "ratio"] = Field(
        "none", description="'ratio': divide the score by the reference unit's score (ref = 1)"
    )
    children: tuple[Child, ...] = Field(min_length=1)


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
    """Drop units whose share of non-missing indicators is below `min_availability`.

    `on` says which data the availability is counted on: `raw` (default) — the selected values
    before imputation, so a unit kept has real data; `imputed` — after imputation, which is
    what COINr's documented example does (`Screen(coin, dset = "Imputed")`): imputation then
    uses every unit, and only units that imputation could not fill are screened out.
    """

    min_availability: float = Field(0.0, ge=0, le=1)
    on: Literal["raw", "imputed"] = "raw"


class PublishedValue(_Frozen):
    """A figure printed in the source, to compare our build against (never used to compute)."""

    unit: str
    node: str
    value: float
    rank: int | None = None
    note: str = ""


class IndexSpec(_Frozen):
    """A whole composite indicator."""

    id: NodeId
    name: Label
    edition: str = ""
    description: str = ""
    reference: str | None = Field(None, description="reference unit for ratio normalisation")
    units: tuple[str, ...] | str = "TARGET_20"
    screen: Screen = Screen()
    defaults: Defaults = Defaults()
    root: Node
    published: tuple[PublishedValue, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> IndexSpec:
        seen: set[str] = set()
        for node in iter_nodes(self.root):
            if node.id in seen:
                raise ValueError(f"node id {node.id!r} is used more than once")
            seen.add(node.id)
        for pub in self.published:
            if pub.node not in seen:
                raise ValueError(f"published value refers to unknown node {pub.node!r}")
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
        out: dict[str, int] = {}

        def walk(n: Node | Indicator, d: int) -> None:
            out[n.id] = d
            if isinstance(n, Node):
                for c in n.children:
                    walk(c, d + 1)

        walk(self.root, 0)
        return out

    # ---- the settings cascade ---------------------------------------------------------------
    def effective_years(self, ind: Indicator) -> YearRule:
        return ind.years or self.defaults.years

    def effective_impute(self, ind: Indicator) -> Impute:
        return ind.impute or self.defaults.impute

    def effective_treat(self, ind: Indicator) -> Treat:
        return ind.treat or self.defaults.treat

    def effective_normalise(self, ind: Indicator) -> Normalise:
        norm = ind.normalise or self.defaults.normalise
        if norm.method == "ratio" and norm.reference is None:
            norm = norm.model_copy(update={"reference": self.reference})
        return norm


def iter_nodes(node: Node | Indicator):
    """Depth-first, parents before children."""
    yield node
    if isinstance(node, Node):
        for child in node.children:
            yield from iter_nodes(child)


Node.model_rebuild()
