"""Which nodes the report and the terminal tables show beside the index (the frames themselves
are computed in `aidi.analysis.tables`)."""

from __future__ import annotations


def pillar_ids(spec) -> list[str]:
    """The root's children that are aggregates — the "pillars" the report charts and tabulates
    beside the index. A flat spec (indicators straight under the root) has none."""
    return [c.id for c in spec.root.children if hasattr(c, "children")]
