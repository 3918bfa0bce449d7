"""The intensity variant of a spec: every level indicator per person or per unit of output.

A level index (AI compute, start-ups, investment, exposed GDP …) measures capacity and size
together, so it ranks large economies first; small advanced economies (Israel, Switzerland,
Singapore) are judged on their size. The intensity variant keeps the spec's tree, weights and
methods and replaces each indicator that declares an `intensity:` form by that form — another
series (e.g. the exposed *share* of output instead of exposed GDP), another transform
(`per_capita`, `share_of_gdp`, `ratio`) or another treatment. Indicators without one are
already intensities (shares, scores) and are kept as they are. It is published beside the
level index (`aidi build` writes both), never blended into it.

`intensity_spec(spec)` derives it; the shipped name `<spec>-intensity` (e.g.
`aidi-2024-intensity`) loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from aidi.specs.schema import IndexSpec, Indicator, Node

#: Suffix of a derived intensity spec's id and shipped name.
SUFFIX = "-intensity"


class IntensityForm(BaseModel):
    """An indicator's per-person or per-output form; unset fields keep the level form's
    (setting `series` alone resets the transform to `level`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    series: str | None = Field(None, min_length=1)
    transform: dict | None = None
    treat: dict | None = None
    years: dict | None = None
    note: str = ""


def has_intensity(spec: IndexSpec) -> bool:
    """Whether any indicator of the spec declares an intensity form."""
    return any(i.intensity is not None for i in spec.indicators())


def intensity_spec(spec: IndexSpec) -> IndexSpec:
    """The spec's intensity variant (see the module docstring). The source's printed figures,
    statements and calibration belong to the level index and are not carried over."""
    from aidi.specs.schema import Indicator, Label, Transform, Treat, YearRule

    if not has_intensity(spec):
        raise ValueError(f"spec {spec.id!r} declares no intensity form for any indicator")

    def swap(node: Node | Indicator) -> Node | Indicator:
        if not isinstance(node, Indicator):
            return node.model_copy(update={"children": tuple(swap(c) for c in node.children)})
        form = node.intensity
        if form is None:
            return node
        upd: dict[str, object] = {"intensity": None}
        if form.series is not None:
            upd["series"] = form.series
            upd["transform"] = Transform()
        if form.transform is not None:
            upd["transform"] = Transform.model_validate(form.transform)
        if form.treat is not None:
            upd["treat"] = Treat.model_validate(form.treat)
        if form.years is not None:
            upd["years"] = YearRule.model_validate(form.years)
        return node.model_copy(update=upd)

    name = Label(en=f"{spec.name.en} — intensity",
                 zh=f"{spec.name.get('zh')}(强度)")
    return spec.model_copy(update={
        "id": spec.id + SUFFIX, "name": name, "root": swap(spec.root), "published": (),
        "statements": (), "calibration": None, "counterpart": None,
        "description": "Intensity variant (per person or per unit of output) of "
                       f"{spec.id}: " + spec.description})
