"""Our World in Data AI charts (CSET, Epoch, AI Index) → country-year series.

Only the country-level charts are read; model-level charts (training compute, parameters)
belong to trend analyses, not to the country panel. Country codes come from OWID's ``Code``
column (ISO3; ``OWID_*`` aggregates are dropped, ``OWID_KOS`` is Kosovo). The CSET investment
chart's projected column is not used. The bills chart says "as of 2024" in its header but
puts 2023 in its Year column; the header's year is used (its values equal AI Index 2025
fig 6.2.1, which covers 2016–2024).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import concat, map_iso3, rel, require, tidy

SOURCE = "Our World in Data — artificial intelligence charts"
FOLDER = "owid_ai"
_AS_OF = re.compile(r"as of (\d{4})")


@dataclass(frozen=True)
class Chart:
    series: str
    file: str
    column: str
    name: str
    unit: str
    description: str
    origin: str


CHARTS: tuple[Chart, ...] = (
    Chart("owid.cset.publications", "annual-scholarly-publications-on-artificial-intelligence.csv",
          "All", "AI scholarly publications", "count",
          "Algorithms (non-embodied): AI publications, full counting by author country "
          "(latest year incomplete).", "CSET Emerging Technology Observatory"),
    Chart("owid.cset.patents", "artificial-intelligence-patents-submitted.csv", "All",
          "AI patent applications", "count",
          "Algorithms (embodied/productisation): AI patent applications.",
          "CSET Emerging Technology Observatory"),
    Chart("owid.cset.private_investment", "private-investment-in-artificial-intelligence-cset.csv",
          "All", "Private investment in AI (CSET estimate)", "US$",
          "Finance: CSET's Crunchbase-based estimate (differs from Quid's in the AI Index); the "
          "projected column is not used.", "CSET Emerging Technology Observatory"),
    Chart("owid.ai_bills_cum", "cumulative-number-artificial-intelligence-bills-passed.csv",
          "Cumulative AI-related bills passed into law since 2016, as of 2024",
          "Cumulative AI-related bills passed into law since 2016", "count",
          "Policy environment: stored at the 'as of' year of the chart header.", "AI Index"),
    Chart("owid.large_scale_systems_cum",
          "cumulative-number-of-large-scale-ai-systems-by-country.csv",
          "Cumulative number of large-scale AI systems by country",
          "Cumulative number of large-scale AI systems (>1e23 FLOP)", "count",
          "Algorithms/compute: large-scale systems by developer country since 2019 (Epoch); "
          "the last year reflects the chart's download date.", "Epoch AI"),
)

SERIES: dict[str, dict[str, str]] = {
    c.series: {"name": c.name, "unit": c.unit, "description": f"{c.description} Origin: {c.origin}."}
    for c in CHARTS
}


def read_chart(raw_dir: Path, chart: Chart) -> pd.DataFrame:
    """One OWID grapher CSV → tidy rows of one series."""
    path = require(Path(raw_dir) / FOLDER / chart.file)
    data = pd.read_csv(path, keep_default_na=False, na_values=[""])
    if chart.column not in data.columns:
        raise ValueError(f"{path}: column {chart.column!r} not in {list(data.columns)}")
    year = data["Year"]
    match = _AS_OF.search(chart.column)
    if match:
        year = pd.Series(int(match.group(1)), index=data.index)
    frame = pd.DataFrame({"iso3": map_iso3(data["Code"]), "year": year,
                          "value": data[chart.column]})
    return tidy(frame, series=chart.series, unit=chart.unit, source=f"{SOURCE} ({chart.origin})",
                file=rel(raw_dir, path))


def read(raw_dir: Path) -> pd.DataFrame:
    """All country-level OWID AI charts listed in ``CHARTS``."""
    return concat(read_chart(raw_dir, chart) for chart in CHARTS)
