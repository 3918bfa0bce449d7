"""The index over time, as builds: one `aidi.Build` per yearly edition (`aidi.timeline`).

A layer over `aidi.api`: it makes builds, so it sits above the API, while the pure pieces —
an edition's inputs and spec (`aidi.inputs.editions.edition_inputs`), the per-cell status
and the timeline table — stay in the analysis layer, and the Shapley attribution of a change
between two builds is `aidi.analysis.attribution.diff`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from aidi.analysis.attribution import Attribution, diff
from aidi.analysis.comparable import SERIES, Comparable, comparable
from aidi.analysis.timeline import (
    EARLIEST,
    _scored,
    _timeline_frame,
    with_comparable,
)
from aidi.api import EDITION_KINDS, SPEC_KINDS, Build, Inputs
from aidi.errors import AidiError, UsageError
from aidi.inputs.build_inputs import as_spec
from aidi.inputs.editions import EditionInputs, edition_inputs
from aidi.inputs.vintages import load_vintage
from aidi.params import (
    COUNTRIES,
    PATH,
    PROGRESS,
    TEXT,
    InstanceOf,
    Interval,
    Options,
    validate_params,
)
from aidi.progress import EDITION, Progress, report
from aidi.specs.editions import LATEST, EditionNotes, base_year, parse_edition
from aidi.specs.schema import IndexSpec

__all__ = ["Timeline", "build_edition", "timeline"]

#: The progress phase of the comparable series (links between consecutive editions).
COMPARABLE = "comparable series"


def build_edition(spec: IndexSpec, edition: str | int | None = None, vintage: str | None = None,
                  *, countries: Sequence[str] | str | None = None,
                  observations: pd.DataFrame | None = None, store: str | Path | None = None,
                  min_availability: float | None = None) -> Build:
    """`aidi.Build` of one edition (what `aidi.build(edition=…, vintage=…)` does)."""
    return _build_edition(spec, edition, vintage, countries=countries,
                          observations=observations, store=store,
                          min_availability=min_availability)[0]


def _build_edition(spec: IndexSpec, edition: str | int | None, vintage: str | None, *,
                   countries: Sequence[str] | str | None,
                   observations: pd.DataFrame | None, store: str | Path | None = None,
                   min_availability: float | None = None) -> tuple[Build, EditionInputs]:
    ei = edition_inputs(spec, edition, vintage, countries=countries,
                        observations=observations, store=store)
    units = countries if countries is None or isinstance(countries, str) else tuple(countries)
    inputs = Inputs(ei.spec, ei.observations, None, units, ei.edition, ei.origin, ei.backcast)
    return Build.from_inputs(inputs, min_availability=min_availability), ei


# ---- the timeline --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timeline:
    """Builds of consecutive editions and their table (`frame`, one row per economy × edition:
    iso3, names, edition, position, window, vintage, index, rank, rank of each pillar,
    coverage, counts of carried/imputed/missing/stand-in cells, flags, then every node relative
    to the reference)."""

    editions: tuple[str, ...]
    builds: Mapping[str, Build]
    notes: Mapping[str, EditionNotes]
    frame: pd.DataFrame
    first_edition: int | None
    reference: str | None
    skipped: Mapping[str, str] = field(default_factory=dict)
    spec: IndexSpec | None = None
    comparable: Comparable | None = None

    @validate_params({"node": [TEXT], "series": [Options(SERIES)]})
    def table(self, node: str = "index", series: str = "published") -> pd.DataFrame:
        """iso3 × edition table of one node (or `rank`): `published` (each edition as
        built), `chained` or `fixed` (the comparable series, `aidi.analysis.comparable`)."""
        column = node if series == "published" else f"{node}_{series}"
        if column not in self.frame.columns:
            raise UsageError(f"no {series} series of {node!r} in the timeline; series: "
                             f"{', '.join(SERIES)}")
        t = self.frame.pivot(index="iso3", columns="edition", values=column)
        return t.reindex(columns=list(self.editions))

    def accounting(self) -> pd.DataFrame:
        """Every economy in every edition: edition, iso3, status (ranked, unranked, screened
        out, not built), reason, index — plus a row per edition that could not be built."""
        f = self.frame[["edition", "iso3", "status", "reason", "index"]]
        gone = pd.DataFrame([{"edition": e, "iso3": "", "status": "not built", "reason": r,
                              "index": float("nan")} for e, r in self.skipped.items()],
                            columns=f.columns)
        return pd.concat([f, gone], ignore_index=True) if len(gone) else f.reset_index(drop=True)

    @validate_params({"a": [TEXT], "b": [TEXT]})
    def diff(self, a: str, b: str) -> Attribution:
        """Why every score moved from edition `a` to edition `b` (`Build.diff`)."""
        missing = [e for e in (a, b) if e not in self.builds]
        if missing:
            raise UsageError(f"Timeline.diff(): no edition {missing[0]!r} in this timeline; "
                             f"editions: {', '.join(self.editions)}")
        return diff(self.builds[a], self.builds[b], label_a=a, label_b=b)


@validate_params({"spec": [*SPEC_KINDS, None], "start": [Interval(int, 1900, 2100), None],
                  "end": [*EDITION_KINDS], "countries": [*COUNTRIES, None], "vintage": [TEXT, None],
                  "observations": [InstanceOf("a DataFrame of tidy observations",
                                              (pd.DataFrame,)), None],
                  "store": [PATH, None], "progress": [PROGRESS, None]})
def timeline(spec: str | Path | IndexSpec | None = None, *, start: int | None = None,
             end: str | int = LATEST, countries: Sequence[str] | str | None = None,
             vintage: str | None = None, observations: pd.DataFrame | None = None,
             store: str | Path | None = None, progress: Progress | None = None) -> Timeline:
    """Build every edition from `start` (default: the first one the reference can be scored
    on) to `end` (a year, or `latest` = every year up to the spec's base edition, then
    `latest`) on one vintage, and tabulate them; `progress` hears "edition 2024", …"""
    spec_obj = as_spec(spec)
    base = base_year(spec_obj)
    with_latest = parse_edition(end) == LATEST
    last_year = base if with_latest else int(str(parse_edition(end)))
    if start is not None and start > last_year:
        raise UsageError(f"--from {start} is after --to {end}")
    if observations is None:
        pinned = vintage if vintage is not None else None
        observations, vintage, _origin = load_vintage(pinned, store=store)

    builds: dict[str, Build] = {}
    made: dict[str, EditionNotes] = {}
    skipped: dict[str, str] = {}

    def attempt(label: str) -> bool:
        report(progress, f"{EDITION} {label}")
        try:
            builds[label], ei = _build_edition(spec_obj, label, vintage, countries=countries,
                                               observations=observations)
            if ei.notes is not None:
                made[label] = ei.notes
        except AidiError as exc:
            skipped[label] = str(exc).splitlines()[0]
            return False
        return _scored(builds[label])

    years: list[int]
    if start is None:  # walk back from the base edition until the reference has no index
        first = None
        for y in range(last_year, EARLIEST - 1, -1):
            if not attempt(str(y)):
                builds.pop(str(y), None)
                skipped.setdefault(str(y), "the reference has no index (a pillar is missing)")
                break
            first = y
        years = list(range(first, last_year + 1)) if first is not None else []
    else:
        years = [y for y in range(start, last_year + 1) if attempt(str(y)) or
                 builds.pop(str(y), None) is not None]
        first = years[0] if years else None
    editions = [str(y) for y in years]
    if with_latest and attempt(LATEST):
        editions.append(LATEST)
    editions = [e for e in editions if e in builds]
    notes = {e: made[e] for e in editions}
    frame = _timeline_frame(editions, builds, notes, years, vintage or "")
    ref = builds[editions[-1]].spec.reference if editions else spec_obj.reference
    report(progress, COMPARABLE)
    comp = comparable(builds, editions, str(base))
    nodes = ["index", *(c.id for c in spec_obj.root.children)]
    frame = with_comparable(frame, comp, nodes)
    return Timeline(tuple(editions), {e: builds[e] for e in editions}, notes, frame, first, ref,
                    {k: v for k, v in skipped.items() if k not in builds}, spec_obj, comp)
