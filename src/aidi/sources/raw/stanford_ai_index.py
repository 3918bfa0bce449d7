"""Stanford HAI AI Index 2025 public chart data → country-level series.

The chart CSVs are small cross-sections or short panels; each one we use is declared in
``FIGURES`` (file, year or year column, unit, scale) so the mapping from figure to series is
reviewable in one place. Years not printed in a file come from the figure titles of the 2025
report (data through calendar 2024; patents per capita through 2023). Regional rows
("Europe", "Rest of the world", ...) are dropped. Where two figures give the same
country-year (robot installations: 2023 top-15 cross-section vs the 2011–23 panel of 5),
the first figure listed wins because it is printed with more precision. Top-N cross-sections
(``TOP_N``) bound every absent economy by the smallest value listed; those values are marked
by ``<series>.upper_bound`` rows (``aidi.sources.raw._fills``).

Not used: figures whose reference period is not stated in the file (public AI contract
spending, ICT graduates, legislative mentions), regional-only figures, survey opinion data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aidi.countries import is_country, known_iso3
from aidi.sources.raw._common import concat, map_iso3, rel, require, tidy, to_number
from aidi.sources.raw._fills import UPPER_BOUND, marker_metadata, markers

SOURCE = "Stanford HAI — AI Index Report 2025 (public data)"
FOLDER = "stanford_ai_index_2025"
_GEO_COLUMNS = ("geographic area", "country", "select geographic area")


@dataclass(frozen=True)
class Figure:
    """One chart file: where the values, countries and years are."""

    file: str
    year: int | None = None          # fixed reference year, or None to read `year_column`
    year_column: str | None = None   # 'Year', 'Label' or 'Date' (m/d/yy)


@dataclass(frozen=True)
class Spec:
    series: str
    figures: tuple[Figure, ...]
    name: str
    unit: str
    description: str


SPECS: tuple[Spec, ...] = (
    Spec("stanford.investment.private", (Figure("ch4_economy/fig_4.3.8.csv", 2024),),
         "Private investment in AI", "billion US$",
         "Finance: AI private investment in the year (Quid), fig 4.3.8."),
    Spec("stanford.investment.private_cum", (Figure("ch4_economy/fig_4.3.9.csv", 2024),),
         "Private investment in AI, 2013–24 (sum)", "billion US$",
         "Finance: cumulative AI private investment 2013–2024 (Quid), stored at year 2024, "
         "fig 4.3.9."),
    Spec("stanford.companies.newly_funded", (Figure("ch4_economy/fig_4.3.12.csv", 2024),),
         "Newly funded AI companies", "count",
         "Algorithms (productisation)/finance: AI companies receiving first funding in the "
         "year (Quid), fig 4.3.12."),
    Spec("stanford.companies.newly_funded_cum", (Figure("ch4_economy/fig_4.3.13.csv", 2024),),
         "Newly funded AI companies, 2013–24 (sum)", "count",
         "Algorithms (productisation): cumulative 2013–2024, stored at year 2024, fig 4.3.13."),
    Spec("stanford.patents.granted_per_100k", (Figure("ch1_research_development/fig_1.2.4.csv",
                                                      2023),),
         "Granted AI patents per 100,000 inhabitants", "per 100,000 inhabitants",
         "Algorithms (embodied/productisation): granted AI patents (PATSTAT via CSET), fig 1.2.4."),
    Spec("stanford.models.notable", (Figure("ch1_research_development/fig_1.3.1.csv", 2024),),
         "Notable machine learning models", "count",
         "Algorithms (non-embodied): notable models in the year by country (Epoch via AI Index; "
         "only countries with at least one model are listed), fig 1.3.1."),
    Spec("stanford.models.notable_cum", (Figure("ch1_research_development/fig_1.3.3.csv", 2024),),
         "Notable machine learning models, 2003–24 (sum)", "count",
         "Algorithms (non-embodied): cumulative 2003–2024, stored at year 2024, fig 1.3.3."),
    Spec("stanford.research.highly_cited_top100",
         (Figure("ch1_research_development/fig_1.1.11.csv", year_column="Label"),),
         "Highly cited AI publications in the top 100", "count",
         "Algorithms (non-embodied): top-100 most cited AI publications by author country, "
         "fig 1.1.11."),
    Spec("stanford.talent.concentration", (Figure("ch4_economy/fig_4.2.17.csv", 2024),),
         "AI talent concentration (LinkedIn)", "% of LinkedIn members",
         "Algorithms (talent): share of LinkedIn members with AI engineering skills, 2024, "
         "fig 4.2.17."),
    Spec("stanford.talent.skill_penetration", (Figure("ch4_economy/fig_4.2.15.csv", 2024),),
         "Relative AI skill penetration, 2015–24 (LinkedIn)", "ratio to global average",
         "Algorithms (talent): AI skill intensity relative to the global average over "
         "2015–2024, stored at year 2024, fig 4.2.15."),
    Spec("stanford.talent.hiring_yoy", (Figure("ch4_economy/fig_4.2.13.csv", 2024),),
         "Relative AI hiring rate, year-over-year change (LinkedIn)", "%",
         "Algorithms (talent): growth of the AI hiring rate relative to overall hiring, 2024, "
         "fig 4.2.13."),
    Spec("stanford.talent.net_migration",
         (Figure("ch4_economy/fig_4.2.23.csv", year_column="Date"),),
         "Net AI talent migration (LinkedIn)", "per 10,000 LinkedIn members",
         "Algorithms (talent): net inflow of AI-skilled LinkedIn members, fig 4.2.23 "
         "(fig 4.2.22 repeats its 2024 values)."),
    Spec("stanford.jobs.ai_postings_share",
         (Figure("ch4_economy/fig_4.2.1.csv", year_column="Year"),
          Figure("ch4_economy/fig_4.2.2.csv", year_column="Year")),
         "AI job postings (Lightcast)", "% of all job postings",
         "Algorithms (talent demand)/market: figs 4.2.1 and 4.2.2 (disjoint country sets)."),
    Spec("stanford.robots.installations",
         (Figure("ch4_economy/fig_4.5.4.csv", year_column="Label"),
          Figure("ch4_economy/fig_4.5.5.csv", year_column="Year")),
         "Industrial robot installations (IFR)", "thousand units",
         "Algorithms/data (embodied): new industrial robots installed in the year. 2023 for 15 "
         "countries from fig 4.5.4 (one decimal); 2011–2022 for 5 countries from fig 4.5.5."),
    Spec("stanford.policy.ai_bills_cum", (Figure("ch6_policy_governance/fig_6.2.1.csv", 2024),),
         "AI-related bills passed into law, 2016–24 (sum)", "count",
         "Policy environment: AI Index legislative tracking, 116 geographies, stored at year "
         "2024, fig 6.2.1."),
)

SERIES: dict[str, dict[str, str]] = {
    s.series: {"name": s.name, "unit": s.unit, "description": s.description} for s in SPECS
}
#: Top-N cross-sections: series → (figure file, year). An economy absent from the list
#: installed fewer than the smallest value listed, so that value is its upper bound.
TOP_N: dict[str, tuple[str, int]] = {
    "stanford.robots.installations": ("ch4_economy/fig_4.5.4.csv", 2023),
}
SERIES.update(marker_metadata({s: SERIES[s] for s in TOP_N}, UPPER_BOUND))


def _find(columns: pd.Index, wanted: tuple[str, ...]) -> str | None:
    for column in columns:
        if str(column).strip().lower() in wanted:
            return column
    return None


def read_figure(raw_dir: Path, figure: Figure) -> pd.DataFrame:
    """One chart file → frame with iso3, year, value (regions dropped)."""
    path = require(Path(raw_dir) / FOLDER / figure.file)
    data = pd.read_csv(path, encoding="utf-8", keep_default_na=False, na_values=[""])
    geo = _find(data.columns, _GEO_COLUMNS)
    if geo is None:
        raise ValueError(f"{path}: no country column in {list(data.columns)}")
    skip = {geo, figure.year_column, "Gender"}
    value_columns = [c for c in data.columns if c not in skip]
    if len(value_columns) != 1:
        raise ValueError(f"{path}: expected one value column, found {value_columns}")
    if figure.year is not None:
        year = pd.Series(figure.year, index=data.index)
    elif figure.year_column == "Date":
        year = pd.to_datetime(data["Date"], format="%m/%d/%y").dt.year
    else:
        year = pd.to_numeric(data[figure.year_column], errors="coerce")
    frame = pd.DataFrame({
        "iso3": map_iso3(data[geo].astype(str).str.strip()),
        "year": year,
        "value": to_number(data[value_columns[0]]),
    })
    frame = frame.dropna(subset=["iso3", "year", "value"])
    frame["file"] = rel(raw_dir, path)
    return frame


def read(raw_dir: Path) -> pd.DataFrame:
    """Every series in ``SPECS``; earlier figures win on duplicate country-years."""
    frames = []
    for spec in SPECS:
        parts = pd.concat([read_figure(raw_dir, fig) for fig in spec.figures], ignore_index=True)
        parts = parts.drop_duplicates(["iso3", "year"], keep="first")
        for file, part in parts.groupby("file", sort=False):
            frames.append(tidy(part, series=spec.series, unit=spec.unit, source=SOURCE,
                               file=str(file)))
        if spec.series in TOP_N:
            frames.append(_upper_bounds(raw_dir, spec, parts))
    return concat(frames)


def _upper_bounds(raw_dir: Path, spec: Spec, parts: pd.DataFrame) -> pd.DataFrame:
    """Every economy absent from a top-N list gets the smallest listed value, marked as an
    upper bound (`<series>.upper_bound`); the smallest listed value is the list's own, not
    the smallest among whichever economies a build happens to include."""
    file, year = TOP_N[spec.series]
    listed = parts[(parts["year"] == year) & parts["file"].str.endswith(file)]
    absent = sorted(c for c in known_iso3() if is_country(c) and c not in set(listed["iso3"]))
    bound = pd.DataFrame({"iso3": absent, "year": year, "value": float(listed["value"].min())})
    path = rel(raw_dir, require(Path(raw_dir) / FOLDER / file))
    return concat([tidy(bound, series=spec.series, unit=spec.unit, source=SOURCE, file=path),
                   markers(bound, pd.Series(True, index=bound.index), spec.series, UPPER_BOUND,
                           unit=spec.unit, source=SOURCE, file=path)])
