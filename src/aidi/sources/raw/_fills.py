"""Marker series for values a reader wrote itself rather than read: zero-fills and bounds.

Census-style files (Epoch's model and cluster databases, TOP500 lists, the OECD.AI corpus)
list only the units that have something; a reader writes 0 for a unit absent in a year, which is
a conclusion ("absent from a census → none"), not a measurement. Top-N figures (the AI Index's
15 largest robot markets) bound an absent unit by the smallest value listed. The tidy contract
has no room for a provenance column (the snapshot keeps exactly its seven columns), so each such
value is marked by a row of a companion series `<series>.zero_filled` or `<series>.upper_bound`
(same economy-year; the row repeats the value the reader wrote, in the series' unit).
`aidi.analysis.flags` turns these markers into per-cell flags, so a reader-written value can
always be told apart from a measured one.
"""

from __future__ import annotations

import pandas as pd

from aidi.sources.raw._common import empty, tidy

ZERO_FILLED = ".zero_filled"
UPPER_BOUND = ".upper_bound"
MARKER_SUFFIXES: tuple[str, ...] = (ZERO_FILLED, UPPER_BOUND)


def markers(frame: pd.DataFrame, mask: pd.Series, series: str, suffix: str, *, unit: str,
            source: str, file: str, value: str = "value") -> pd.DataFrame:
    """Marker rows `<series><suffix>` for the (iso3, year) rows of `frame` where `mask` holds,
    repeating the written value (column `value` of `frame`)."""
    hit = frame.loc[mask.to_numpy(dtype=bool), ["iso3", "year", value]]
    if hit.empty:
        return empty()
    return tidy(hit.rename(columns={value: "value"}), series=series + suffix, unit=unit,
                source=source, file=file)


def marker_metadata(series: dict[str, dict[str, str]], suffix: str) -> dict[str, dict[str, str]]:
    """`SERIES` entries for the marker companions of `series` (for the snapshot catalogue)."""
    what = {ZERO_FILLED: "zero-filled: the unit is absent from the census file in that year, so "
                         "the reader wrote 0 (not a reported zero)",
            UPPER_BOUND: "upper bound: the unit is absent from a top-N list, so the reader wrote "
                         "the smallest value listed (a bound, not a measurement)"}[suffix]
    return {s + suffix: {"name": f"{meta.get('name', s)} — {suffix.strip('.')} marker",
                         "unit": meta.get("unit", ""),
                         "description": f"Provenance marker of {s}: a row (repeating the value) "
                                        f"where the value is {what}."}
            for s, meta in series.items()}


