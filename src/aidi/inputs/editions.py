"""An edition's inputs: what any build of a yearly edition reads.

`edition_inputs(spec, edition, vintage)` gives the spec with its year rules moved to the
edition (`aidi.specs.editions`), the observations of the vintage (a state of the data: the
shipped snapshot by default, or the pin the edition was published on), and the model series
(AI exposure) computed on the edition's own industry-structure window. Editions are pinned:
with no `vintage`, every edition reads the shipped snapshot (or its `edition-Y` pin in the
store), so a refresh never moves a past edition.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aidi.inputs.model_series import DEFAULT_YEARS, with_model_series
from aidi.inputs.observations import without_models
from aidi.inputs.vintages import edition_vintage, load_vintage, vintage_date
from aidi.specs.editions import (
    LATEST,
    EditionNotes,
    base_year,
    edition_spec,
    is_base,
    latest_complete_year,
    parse_edition,
    spec_units,
)
from aidi.specs.schema import IndexSpec

#: Series the exposure model's industry-structure window needs (UN AMA, WDI GDP at PPP).
EXPOSURE_INPUTS = ("un_ama.va.TVA", "wdi.GDP.PPP")


@dataclass(frozen=True)
class EditionInputs:
    """What an edition's build reads, and how it was made."""

    spec: IndexSpec
    observations: pd.DataFrame
    edition: str | None
    vintage: str
    origin: str
    notes: EditionNotes | None
    exposure_years: tuple[int, int] | None
    backcast: str | None = None   # "backcast on the 2026-12-04 snapshot" (see `backcast`)


def exposure_window(spec: IndexSpec, edition: str | None, observations: pd.DataFrame,
                    units: Sequence[str] | str | None = None) -> tuple[int, int] | None:
    """The exposure model's industry-structure window for an edition (None = its default).

    The model's default window (2021–2023) is written for the base edition and moves with it;
    `latest` ends it at the latest complete year of value added and GDP at PPP.
    """
    if is_base(spec, edition):
        return None
    if edition == LATEST:
        end = latest_complete_year(observations, list(EXPOSURE_INPUTS), spec_units(spec, units),
                                   spec.editions.complete_share)
        if end is None:
            return None
        span = DEFAULT_YEARS[1] - DEFAULT_YEARS[0]
        return (end - span, end)
    delta = int(str(edition)) - base_year(spec)
    return (DEFAULT_YEARS[0] + delta, DEFAULT_YEARS[1] + delta)


def edition_inputs(spec: IndexSpec, edition: str | int | None = None,
                   vintage: str | None = None, *, countries: Sequence[str] | str | None = None,
                   observations: pd.DataFrame | None = None,
                   store: str | Path | None = None) -> EditionInputs:
    """The spec and data of `edition` (a year, `latest`, None = the spec as written) on
    `vintage` (None: the edition's pin if the store has one, else the shipped snapshot).

    `observations` replaces reading the vintage: a user's data frame (no `vintage`), or the
    vintage `vintage` already read (a timeline reads it once for every edition); model series
    in them are recomputed for the edition's window.
    """
    edition, vintage = _legacy(edition, vintage)
    label = parse_edition(edition)
    if observations is not None:  # a vintage already read (a timeline), or the user's data
        base = without_models(observations)
        name, origin = (vintage, vintage) if vintage is not None else ("given", "user data")
    else:
        pinned = vintage if vintage is not None else edition_vintage(label, store)
        base, name, origin = load_vintage(pinned, store=store)
    said = backcast(spec, label, name, store) if name != "given" else None
    if label is None:
        return EditionInputs(spec, with_model_series(base), None, name,
                             _with(origin, said), None, None, said)
    window = exposure_window(spec, label, base, countries)
    obs = with_model_series(base, window)
    spec_e, notes = edition_spec(spec, label, obs, units=countries)
    return EditionInputs(spec_e, obs, label, name, _with(f"{origin} · edition {label}", said),
                         notes, window, said)


def _with(origin: str, said: str | None) -> str:
    return f"{origin} · {said}" if said else origin


def backcast(spec: IndexSpec, edition: str | None, vintage: str,
             store: str | Path | None = None) -> str | None:
    """"backcast on the <date> snapshot" when an edition is computed from a state of the data
    that is not the one it was published on: every year edition except the one the vintage
    pins (the shipped snapshot pins the base edition; a store pin `edition-Y` pins Y) — its
    values revised since, labels applied with hindsight. `latest` is never a backcast."""
    from aidi.store.editions import DEFAULT_EDITION, EDITION_PIN, SNAPSHOT

    if edition == LATEST:
        return None
    year = int(edition) if edition is not None else _base_or_none(spec)
    own = DEFAULT_EDITION if vintage == SNAPSHOT else (
        vintage.removeprefix(EDITION_PIN) if vintage.startswith(EDITION_PIN) else None)
    if year is None or (own is not None and str(year) == own):
        return None
    date = vintage_date(vintage, store)
    what = "snapshot" if vintage == SNAPSHOT else f"vintage {vintage}"
    return f"backcast on the {date} {what}" if date else f"backcast on the {what}"


def _base_or_none(spec: IndexSpec) -> int | None:
    from aidi.errors import UsageError

    try:
        return base_year(spec)
    except UsageError:
        return None


def _legacy(edition: str | int | None, vintage: str | None
            ) -> tuple[str | int | None, str | None]:
    """`edition="snapshot"` / `"v3"` named a state of the data before editions were years:
    still read, as that vintage of the spec as written, with a FutureWarning."""
    text = str(edition).strip().lower() if edition is not None else ""
    if vintage is None and (text == "snapshot" or re.match(r"^v\d+$", text)):
        warnings.warn(f"edition={edition!r} names a state of the data: use "
                      f"vintage={edition!r} (--vintage); an edition is the index's year",
                      FutureWarning, stacklevel=3)
        return None, text
    return edition, vintage


