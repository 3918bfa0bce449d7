"""OWID technology-adoption charts → number of internet users per country (``owid_tech.*``).

The absolute online population is a scale measure of the "existing data" endowment
(non-embodied data dimension) that a share cannot give. The other country charts in the
folder (internet share, mobile, broadband; all ending 2019) duplicate WDI/Gapminder series
with newer vintages and are not read; the US household diffusion curves are not country
panels (they feed the S-curve analysis elsewhere).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import map_iso3, rel, require, tidy

SOURCE = "Our World in Data — technology adoption (World Bank & UN based)"
FILE = "technology_adoption/number-of-internet-users-by-country.csv"
COLUMN = "Number of internet users (OWID based on WB & UN)"

SERIES: dict[str, dict[str, str]] = {
    "owid_tech.internet_users": {
        "name": "Number of internet users",
        "unit": "persons",
        "description": "Data (non-embodied): size of the online population, 1990–2017 "
                       "(OWID from World Bank share × UN population).",
    },
}


def read(raw_dir: Path) -> pd.DataFrame:
    """Internet users (persons) per country-year."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_csv(path, keep_default_na=False, na_values=[""])
    frame = pd.DataFrame({"iso3": map_iso3(data["Code"]), "year": data["Year"],
                          "value": data[COLUMN]})
    return tidy(frame, series="owid_tech.internet_users", unit="persons", source=SOURCE,
                file=rel(raw_dir, path))
