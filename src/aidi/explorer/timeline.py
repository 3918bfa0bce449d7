"""The explorer's "over time" data: every edition of a timeline, ready for the page.

The explorer sits below `aidi.over_time` (it may not build editions itself), so the caller —
`aidi explore` — builds the `Timeline` and passes it in. Per edition the page gets the
normalised indicators (so it re-aggregates every edition with the reader's weights, exactly as
it does the current one) and Python's scores relative to the reference, ranks, coverage,
window and flags (the as-published series, and the page's self-check at the spec's weights).
Economies are the current build's, in its order; one an edition did not build is null there.

The comparable series come from the timeline analysis as computed (`aidi.analysis.comparable`;
the page never recomputes them): per series (`chained`, `fixed`) and node (the index and the
pillars), one row per edition of values relative to the reference, at the spec's weights and
methods. With them: each methodology break (the edition it enters and the link's events, each a
kind and an indicator or setting the page names in the reader's language) and each backcast
edition (computed from a later state of the data, with that state's date).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from aidi.api import Build
    from aidi.over_time import Timeline

__all__ = ["timeline_payload"]

#: Columns of the timeline frame copied per edition and economy, besides the node scores.
_PER_UNIT = ("rank", "coverage", "flags", "window")


def _matrix(frame: pd.DataFrame) -> list[list[float | None]]:
    a = frame.to_numpy(dtype=float)
    return [[v if np.isfinite(v) else None for v in row] for row in a.tolist()]


def _column(frame: pd.DataFrame, col: str, units: list[str]) -> list[Any]:
    if col not in frame:
        return [None] * len(units)
    s = frame.set_index("iso3")[col].reindex(units)
    out = []
    for v in s.tolist():
        if isinstance(v, float | np.floating) and not np.isfinite(v):
            out.append(None)
        elif isinstance(v, np.integer | np.floating):
            out.append(v.item())
        else:
            out.append(v)
    return out


def timeline_payload(tl: Timeline, build: Build) -> dict[str, Any]:
    """`{"editions", "current", "units", "reference", "editions_data": {edition: {...}}}`
    for the page (see the module docstring); `current` is the edition the page's build is
    (the spec's own edition when it is one of the timeline's)."""
    units = list(build.units)
    inds = list(build.result.tree.indicator_ids)
    aggs = list(build.result.tree.aggregate_ids)
    per: dict[str, Any] = {}
    for e in tl.editions:
        r = tl.builds[e].result
        rows = tl.frame[tl.frame["edition"] == e]
        rel = rows.set_index("iso3").reindex(units)
        per[e] = {
            "normalised": _matrix(r.normalised.reindex(index=units, columns=inds)),
            "relative": _matrix(rel.reindex(columns=aggs)),
            **{c: _column(rows, c, units) for c in _PER_UNIT},
        }
    edition = build.inputs.edition or build.spec.edition or ""
    current = edition if edition in tl.editions else (tl.editions[-1] if tl.editions else "")
    return {"editions": list(tl.editions), "current": current, "units": units,
            "reference": tl.reference or "", "first": tl.first_edition,
            "data": per, "skipped": dict(tl.skipped), **comparable_payload(tl, units),
            "backcast": backcast_payload(tl)}


def comparable_payload(tl: Timeline, units: list[str]) -> dict[str, Any]:
    """`{"series": {name: {node: [[value per unit] per edition]}}, "anchor", "breaks",
    "fixed_indicators"}` — the comparable series as `Timeline.table` gives them, and one
    entry per methodology break: `{"edition", "from", "events": [{"kind", "name", "part"}]}`.
    Empty series without a comparable analysis."""
    comp = tl.comparable
    if comp is None:
        return {"series": {}, "anchor": "", "breaks": [], "fixed_indicators": []}
    series: dict[str, dict[str, list[list[float | None]]]] = {}
    for name in ("chained", "fixed"):
        nodes = [c.removesuffix(f"_{name}") for c in tl.frame.columns if c.endswith(f"_{name}")]
        series[name] = {node: _matrix(tl.table(node, name).reindex(units).T) for node in nodes}
    breaks = [{"edition": lk.edition_to, "from": lk.edition_from,
               "events": [{"kind": c.kind, "name": c.name, "part": c.part} for c in lk.events]}
              for lk in comp.links if lk.is_break]
    return {"series": series, "anchor": comp.anchor or "", "breaks": breaks,
            "fixed_indicators": list(comp.fixed_indicators)}


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def backcast_payload(tl: Timeline) -> dict[str, dict[str, str]]:
    """Per backcast edition: `{"date": "2026-12-04" (or ""), "text": the English sentence}`
    (`aidi.inputs.editions.backcast`); editions computed on their own vintage are absent."""
    out = {}
    for e in tl.editions:
        said = tl.builds[e].inputs.backcast
        if said:
            m = _DATE.search(said)
            out[e] = {"date": m.group(0) if m else "", "text": said}
    return out
