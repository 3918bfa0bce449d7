"""ATLAS community-scraped data-centre list → facility count per country (``atlas.datacenters``).

A rough proxy for colocation/data-centre density in the compute dimension — not capacity.
The list has no dates; the count is stored at 2025, the year of the scrape (repo commit of
October 2025). It is biased toward Western colocation directories (China and Japan are
undercounted), so prefer Epoch's GPU clusters for compute. About 15% of rows have no
``country``; for those the country is taken from the end of ``address`` (after dropping
trailing phone numbers, e-mails and URLs) when its last one to five words are exactly a
country name known to :func:`aidi.countries.to_iso3`; rows still unplaced are dropped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.countries import to_iso3
from aidi.sources.raw._common import map_iso3, rel, require, tidy

SOURCE = "ATLAS — A Data Center Project (community scrape)"
FILE = "datacenter_atlas/datacenters_processed.csv"
SCRAPE_YEAR = 2025

SERIES: dict[str, dict[str, str]] = {
    "atlas.datacenters": {
        "name": "Data-centre facilities listed (ATLAS scrape)",
        "unit": "count",
        "description": "Compute (proxy): facilities per country in an OSINT scrape dated 2025; "
                       "coverage biased toward Western colocation directories.",
    },
}


def country_from_address(address: object) -> str | None:
    """ISO3 of the country name that ends an address, if any (exact match, ≤ 5 words)."""
    if not isinstance(address, str):
        return None
    words = address.replace(",", " ").split()
    while words and any(ch.isdigit() or ch in "@+" for ch in words[-1]) or (
            words and words[-1].lower().startswith("www.")):
        words.pop()
    for size in range(min(5, len(words)), 0, -1):
        code = to_iso3(" ".join(words[-size:]))
        if code:
            return code
    return None


def read(raw_dir: Path) -> pd.DataFrame:
    """Number of listed facilities per country, at the scrape year."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_csv(path, keep_default_na=False, na_values=[""])
    iso3 = pd.Series(map_iso3(data["country"]), dtype="object")
    missing = iso3.isna()
    iso3[missing] = [country_from_address(a) for a in data.loc[missing, "address"]]
    iso3 = iso3.dropna()
    counts = iso3.value_counts().rename("value").rename_axis("iso3").reset_index()
    counts["year"] = SCRAPE_YEAR
    return tidy(counts, series="atlas.datacenters", unit="count", source=SOURCE,
                file=rel(raw_dir, path))
