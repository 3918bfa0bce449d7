"""The spec's `presentation` block resolved for one build: which economy, which columns.

Pure: the spec, the economies built and their index in, concrete choices out — the explorer,
the report and the CLI ask here instead of hard-coding an economy or a node.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aidi.specs.schema import IndexSpec, Node

__all__ = ["ResolvedPresentation", "resolve_presentation"]


@dataclass(frozen=True)
class ResolvedPresentation:
    focus: str | None
    reference: str | None
    headline: tuple[str, ...]
    quadrant: tuple[str, str] | None


def _ranked(units: Sequence[str], index: Mapping[str, float]) -> list[str]:
    """Economies with an index, best first (ties in the given order)."""
    have = [u for u in units if isinstance(index.get(u), float | int)
            and math.isfinite(float(index[u]))]
    return sorted(have, key=lambda u: -float(index[u]))


def resolve_presentation(spec: IndexSpec, units: Sequence[str],
                         index: Mapping[str, float]) -> ResolvedPresentation:
    """The presentation of `spec` for the economies built (see `schema.Presentation`): a
    focus or reference the build lacks (or has not ranked) falls back to the defaults."""
    p = spec.presentation
    ranked = _ranked(units, index)
    ref = next((r for r in (p.reference, spec.reference) if r and r in units), None)
    focus = p.focus if p.focus in ranked else next(
        (u for u in ranked if u != ref), ranked[0] if ranked else (units[0] if units else None))
    if ref is None or ref == focus:
        ref = next((u for u in ranked if u != focus), None)
    pillars = [c.id for c in spec.root.children if isinstance(c, Node)]
    headline = p.headline or (spec.root.id, *pillars)
    quadrant = p.quadrant or ((pillars[0], pillars[1]) if len(pillars) >= 2 else None)
    return ResolvedPresentation(focus, ref, tuple(headline), quadrant)
