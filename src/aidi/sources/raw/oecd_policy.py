"""OECD.AI policy corpus (third-party scrape, LLM-typed) → AI policy initiative counts.

A rough, transparent proxy for the "national AI strategy / policy activity" item of the
policy-environment dimension, which no clean country-year table covers. Counts are of
documents per jurisdiction and year, zero-filled between 2000 and the corpus' last year for
jurisdictions present in the corpus (Russia is absent, so it gets no value rather than 0); each
written 0 is marked by a row of ``<series>.zero_filled`` (``aidi.sources.raw._fills``).
Cumulative counts include documents dated before 2000. ``has_strategy`` is 1 from the first
year of a document that the corpus author typed "Strategy" (their classification, not
OECD's; e.g. China's 2017 plan is typed Strategy, Netherlands has a 1986 entry). The EU and
international bodies are not countries and are dropped. The corpus was scraped in early
2026, so the last two years are incomplete.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import concat, map_iso3, rel, require, tidy
from aidi.sources.raw._fills import ZERO_FILLED, marker_metadata, markers

SOURCE = "OECD.AI Policy Observatory corpus (derived, lsempe77/ai-governance-capacity)"
FILE = "oecd_ai_policy_corpus_derived/master_dataset.csv"
FIRST_YEAR = 2000

SERIES: dict[str, dict[str, str]] = {
    "oecd_ai.policy.initiatives": {
        "name": "AI policy initiatives (OECD.AI corpus)", "unit": "count",
        "description": "Policy environment: documents dated in the year (sample of OECD.AI).",
    },
    "oecd_ai.policy.initiatives_cum": {
        "name": "AI policy initiatives, cumulative (OECD.AI corpus)", "unit": "count",
        "description": "Policy environment: documents dated up to and including the year.",
    },
    "oecd_ai.policy.strategies_cum": {
        "name": "AI strategy documents, cumulative (OECD.AI corpus)", "unit": "count",
        "description": "Policy environment: documents typed 'Strategy' up to the year.",
    },
    "oecd_ai.policy.has_strategy": {
        "name": "Has an AI strategy document (OECD.AI corpus)", "unit": "indicator (0/1)",
        "description": "Policy environment: 1 from the year of the first 'Strategy' document.",
    },
}

_COUNTS = dict(SERIES)
SERIES.update(marker_metadata(_COUNTS, ZERO_FILLED))


def read(raw_dir: Path) -> pd.DataFrame:
    """Annual and cumulative initiative counts and strategy presence per jurisdiction-year."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_csv(path, low_memory=False)
    docs = pd.DataFrame({
        "iso3": map_iso3(data["jurisdiction"]),
        "year": pd.to_numeric(data["year"], errors="coerce"),
        "strategy": data["policy_type"].astype("string").str.strip().eq("Strategy").fillna(False),
    }).dropna(subset=["iso3", "year"])
    docs["year"] = docs["year"].astype(int)
    last = int(docs["year"].max())
    index = pd.MultiIndex.from_product(
        [sorted(docs["iso3"].unique()), range(int(docs["year"].min()), last + 1)],
        names=["iso3", "year"])
    per_year = docs.groupby(["iso3", "year"]).agg(n=("strategy", "size"), s=("strategy", "sum"))
    documented = index.isin(per_year.index)
    per_year = per_year.reindex(index, fill_value=0)
    cum = per_year.groupby(level="iso3").cumsum()
    table = pd.DataFrame({
        "oecd_ai.policy.initiatives": per_year["n"],
        "oecd_ai.policy.initiatives_cum": cum["n"],
        "oecd_ai.policy.strategies_cum": cum["s"],
        "oecd_ai.policy.has_strategy": (cum["s"] > 0).astype(int),
        # written by this reader, not read: no document that year / none up to that year
        "_filled": ~documented, "_filled_cum": (cum["n"] == 0).to_numpy(),
    }).reset_index()
    table = table[table["year"] >= FIRST_YEAR]
    frames = []
    for series, meta in _COUNTS.items():
        frame = table[["iso3", "year"]].assign(value=table[series].astype(float))
        frames.append(tidy(frame, series=series, unit=meta["unit"], source=SOURCE,
                           file=rel(raw_dir, path)))
        filled = table["_filled" if series == "oecd_ai.policy.initiatives" else "_filled_cum"]
        frames.append(markers(table, filled, series, ZERO_FILLED, unit=meta["unit"],
                              source=SOURCE, file=rel(raw_dir, path), value=series))
    return concat(frames)
