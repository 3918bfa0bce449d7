"""Comparable series across editions: what the index did when its methodology is held fixed.

Published editions change methodology now and then (an indicator enters, a stand-in is
replaced): the as-published series mixes those breaks with real movement. Two comparable
series set it right, beside the published one:

- **chained** (the default) — chain-linked like a national accounts volume series or a
  chain-linked price index: between each pair of consecutive editions the change is split
  exactly (`aidi.analysis.attribution`, Owen/Shapley) into data, methodology and weights, and
  only the data part is carried from one edition to the next. The chain is anchored at the
  spec's own (base) edition, where it equals the published index, and reads backwards and
  forwards from there: each link uses every indicator both neighbouring editions define the
  same way, symmetric in the two editions' methodologies, so no information is thrown away
  and no edition's methodology is privileged. An economy without an index in an edition
  breaks its chain there (no value beyond the gap).
- **fixed** — every edition recomputed on the indicators that no link changes (the
  intersection): one definition for the whole span, at the price of leaving out every
  indicator that entered, left or switched series at some edition (so it is a different,
  narrower index — hence not the default).

Each link's methodology and weights events are its *break*: the timeline marks them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aidi.analysis.attribution import Change, attribute, scores_with

if TYPE_CHECKING:
    from aidi.api import Build

SERIES = ("chained", "fixed", "published")
DEFAULT_SERIES = "chained"


@dataclass(frozen=True)
class Link:
    """From one edition to the next: each (unit, node) change split into data, methodology
    and weights, and the changes that are not data (the break, empty when none)."""

    edition_from: str
    edition_to: str
    parts: pd.DataFrame                # iso3, node, score_a, score_b, change, data, methodology, weights
    events: tuple[Change, ...]

    @property
    def is_break(self) -> bool:
        return bool(self.events)

    def describe(self) -> str:
        """"enters: ai_startups|stand_in: ai_patents" — the break in one cell."""
        return "|".join(f"{c.kind}: {c.name}" for c in self.events)


@dataclass(frozen=True)
class Comparable:
    """The comparable series of a timeline (long frames: iso3, edition, node, value)."""

    links: tuple[Link, ...]
    chained: pd.DataFrame
    fixed: pd.DataFrame
    fixed_indicators: tuple[str, ...]
    anchor: str | None

    def breaks(self) -> pd.DataFrame:
        """One row per link: from, to, break (bool), events, n_events."""
        return pd.DataFrame([{"edition_from": lk.edition_from, "edition": lk.edition_to,
                              "break": lk.is_break, "events": lk.describe(),
                              "n_events": len(lk.events)} for lk in self.links],
                            columns=["edition_from", "edition", "break", "events", "n_events"])


def comparable(builds: Mapping[str, Build], editions: Sequence[str],
               anchor: str | None) -> Comparable:
    """Links between consecutive editions, the chained series anchored at `anchor` (the base
    edition; the last edition when it is not built) and the fixed-set series."""
    eds = list(editions)
    links = tuple(link(builds[a], builds[b], a, b) for a, b in zip(eds, eds[1:], strict=False))
    anchor = anchor if anchor in eds else (eds[-1] if eds else None)
    published = _long({e: builds[e].relative() for e in eds})
    chained = chain(published, links, eds, anchor)
    moved = {i for lk in links for c in lk.events for i in (*c.indicators, *c.cells)}
    keep = tuple(i.id for i in builds[eds[-1]].spec.indicators() if i.id not in moved) \
        if eds else ()
    fixed = _long({e: scores_with(builds[e], keep) for e in eds})
    return Comparable(links, chained, fixed, keep, anchor)


def link(a: Build, b: Build, label_a: str, label_b: str) -> Link:
    """The three-part split from edition `a` to `b` (8 evaluations, no split by change)."""
    att = attribute(a, b, label_a=label_a, label_b=label_b, split=False)
    events = tuple(c for c in att.changes if c.part != "data")
    cols = ["iso3", "node", "score_a", "score_b", "change", "data", "methodology", "weights"]
    return Link(label_a, label_b, att.frame[cols].copy(), events)


def _long(wide: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    frames = []
    for edition, frame in wide.items():
        f = frame.rename_axis("iso3").reset_index().melt(id_vars="iso3", var_name="node")
        frames.append(f.assign(edition=edition))
    if not frames:
        return pd.DataFrame(columns=["iso3", "edition", "node", "value"])
    return pd.concat(frames, ignore_index=True)[["iso3", "edition", "node", "value"]]


def chain(published: pd.DataFrame, links: Sequence[Link], editions: Sequence[str],
          anchor: str | None) -> pd.DataFrame:
    """Chain-linked values: the published value at `anchor`, then each link's data part added
    going forward and subtracted going back (NaN beyond a gap)."""
    if anchor is None:
        return published.iloc[0:0]
    values = published.pivot_table(index=["iso3", "node"], columns="edition", values="value",
                                   dropna=False)
    values = values.reindex(columns=list(editions))
    out = pd.DataFrame(np.nan, index=values.index, columns=values.columns)
    out[anchor] = values[anchor]
    data = {(lk.edition_from, lk.edition_to): lk.parts.set_index(["iso3", "node"])["data"]
            for lk in links}
    k = list(editions).index(anchor)
    for i in range(k + 1, len(editions)):            # forward: + data part of the link
        step = data[(editions[i - 1], editions[i])].reindex(out.index)
        out[editions[i]] = out[editions[i - 1]] + step
    for i in range(k - 1, -1, -1):                   # backward: − data part of the link
        step = data[(editions[i], editions[i + 1])].reindex(out.index)
        out[editions[i]] = out[editions[i + 1]] - step
    long = out.reset_index().melt(id_vars=["iso3", "node"], var_name="edition")
    return long[["iso3", "edition", "node", "value"]]
