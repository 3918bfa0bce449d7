"""The spec's optional top-level blocks that say how it is compared and shown, not how it is
built: `published` figures, yearly `editions`, and the `presentation` (focus, reference,
headline columns, quadrant axes). Re-exported by `aidi.specs.schema`."""

from __future__ import annotations

from pydantic import Field

from aidi.specs.base import Label, _Frozen

__all__ = ["Editions", "Presentation", "PublishedValue"]


class PublishedValue(_Frozen):
    """A figure printed in the source, to compare our build against (never used to compute)."""

    unit: str
    node: str
    value: float
    rank: int | None = None
    note: str = ""
    #: what remains between the source's index as we read it and this figure, and why
    gap: Label | None = None


class Editions(_Frozen):
    """How yearly editions are made from this spec (`aidi.specs.editions`): `base` is the
    edition year the year rules are written for (default: `edition`, when it is a year); a
    year counts as complete for `latest` when at least `complete_share` of the units that
    ever report a series report it that year."""

    base: int | None = Field(None, ge=1900, le=2100)
    complete_share: float = Field(0.8, gt=0, le=1)


class Presentation(_Frozen):
    """How outputs show this index by default — optional, every field with a default.

    - `focus`: the economy profiled first (the explorer's selected economy, the report's
      focus profile). Default: the top-ranked economy other than the reference.
    - `reference`: the economy the profile compares against. Default: the spec's `reference`,
      else the top-ranked economy other than the focus.
    - `headline`: node ids shown as the headline columns (ranking bars, summary tables).
      Default: the root and its aggregate children (the pillars).
    - `quadrant`: two node ids, the x and y axes of the quadrant chart. Default: the root's
      first two aggregate children (no quadrant chart when it has fewer).

    A focus or reference that is not among the economies built falls back to the default
    (`aidi.specs.presentation.resolve_presentation`), so one spec serves any `--countries`.
    Spec authors (new YAMLs): add the block when the defaults are not what a reader expects;
    issue 22 will extend it (more views, labels), keeping these four fields.
    """

    focus: str | None = None
    reference: str | None = None
    headline: tuple[str, ...] = ()
    quadrant: tuple[str, str] | None = None
