"""Gapminder Systema Globalis re-publications of WDI/ILOSTAT series missing from the WDI mirror.

Internet users (% of population, = WDI IT.NET.USER.ZS) feed the data dimension (size of
the online population producing data); services share of GDP and employment by broad
sector describe the economic structure used by the market pillar. ``geo`` is Gapminder's own
key (mostly lower-case ISO3); it is translated with the folder's entity file
(``iso3166_1_alpha3``, else the entity name, so ``kos`` becomes XKX).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import concat, map_iso3, rel, require, tidy

SOURCE = "Gapminder Systema Globalis (re-publishing World Bank WDI / ILOSTAT)"
FOLDER = "gapminder_systema_globalis"
ENTITIES = "ddf--entities--geo--country.csv"
#: Files read besides those named in the observations' ``file`` column.
EXTRA_INPUTS: tuple[str, ...] = (f"{FOLDER}/{ENTITIES}",)

#: concept → (series, name, unit, origin, dimension)
CONCEPTS: dict[str, tuple[str, str, str, str, str]] = {
    "internet_users": ("gapminder.internet_users", "Individuals using the Internet",
                       "% of population", "WDI IT.NET.USER.ZS (ITU)", "Data (non-embodied)"),
    "services_percent_of_gdp": ("gapminder.services_share_gdp", "Services, value added",
                                "% of GDP", "WDI NV.SRV.TETC.ZS", "Market (structure)"),
    "agriculture_workers_percent_of_employment": (
        "gapminder.employment_agriculture", "Employment in agriculture", "% of total employment",
        "ILOSTAT modelled estimates", "Market (structure)"),
    "industry_workers_percent_of_employment": (
        "gapminder.employment_industry", "Employment in industry", "% of total employment",
        "ILOSTAT modelled estimates", "Market (structure)"),
    "service_workers_percent_of_employment": (
        "gapminder.employment_services", "Employment in services", "% of total employment",
        "ILOSTAT modelled estimates", "Market (structure)"),
}

SERIES: dict[str, dict[str, str]] = {
    series: {"name": name, "unit": unit, "description": f"{dimension}. Origin: {origin}."}
    for series, name, unit, origin, dimension in CONCEPTS.values()
}


def geo_to_iso3(folder: Path) -> dict[str, str | None]:
    """Gapminder ``geo`` key → ISO3 (entity file's alpha-3, else its name, else the key)."""
    entities = pd.read_csv(require(folder / ENTITIES), keep_default_na=False, na_values=[""])
    mapping: dict[str, str | None] = {}
    for geo, alpha3, name in zip(entities["country"], entities["iso3166_1_alpha3"],
                                 entities["name"], strict=True):
        candidates = (alpha3, name, str(geo).upper())
        mapping[geo] = next((c for c in map_iso3(candidates) if c), None)
    return mapping


def read(raw_dir: Path) -> pd.DataFrame:
    """The five DDF datapoint files as tidy series."""
    folder = require(Path(raw_dir) / FOLDER)
    geo = geo_to_iso3(folder)
    frames = []
    for concept, (series, _, unit, _, _) in CONCEPTS.items():
        path = require(folder / f"ddf--datapoints--{concept}--by--geo--time.csv")
        data = pd.read_csv(path, keep_default_na=False, na_values=[""])
        frame = pd.DataFrame({"iso3": data["geo"].map(geo), "year": data["time"],
                              "value": data[concept]})
        frames.append(tidy(frame, series=series, unit=unit, source=SOURCE,
                           file=rel(raw_dir, path)))
    return concat(frames)
