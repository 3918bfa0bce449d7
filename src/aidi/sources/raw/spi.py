"""World Bank Statistical Performance Indicators (2016–2019 vintage) → ``spi.overall|pillarN``.

Statistical capacity is the "institutions for obtaining, using and circulating data" side
of the data dimension. The overall score equals WDI ``IQ.SPI.OVRL``; pillars 1–5 are data
use, services, products, sources and infrastructure. Only years with a value are emitted
(the overall score exists for 2016–2019 in this vintage).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import concat, map_iso3, rel, require, tidy

SOURCE = "World Bank — Statistical Performance Indicators (SPI)"
FILE = "spi/SPI_index.csv"
UNIT = "score 0-100"

COLUMNS: dict[str, tuple[str, str]] = {
    "SPI.INDEX": ("spi.overall", "SPI overall score"),
    "SPI.INDEX.PIL1": ("spi.pillar1", "SPI pillar 1: data use"),
    "SPI.INDEX.PIL2": ("spi.pillar2", "SPI pillar 2: data services"),
    "SPI.INDEX.PIL3": ("spi.pillar3", "SPI pillar 3: data products"),
    "SPI.INDEX.PIL4": ("spi.pillar4", "SPI pillar 4: data sources"),
    "SPI.INDEX.PIL5": ("spi.pillar5", "SPI pillar 5: data infrastructure"),
}

SERIES: dict[str, dict[str, str]] = {
    series: {"name": name, "unit": UNIT,
             "description": f"Data (non-embodied): statistical capacity; column {column} of the "
                            "SPI index file (= WDI IQ.SPI.* ), vintage ending 2019."}
    for column, (series, name) in COLUMNS.items()
}

#: Dimension 2.2 of pillar 2: openness of the national statistical office's data (Open Data
#: Watch's ODIN openness criteria: machine-readable, non-proprietary formats, download options,
#: metadata, open terms of use) — the "openness" item of the source's data institutions.
OPENNESS_COLUMN = "SPI.D2.2.Openness.subscore"
SERIES["spi.openness"] = {
    "name": "SPI data openness subscore (ODIN)", "unit": "score 0-1",
    "description": "Data (non-embodied), institutions: openness of official statistics — "
                   f"column {OPENNESS_COLUMN} of the SPI index file (Open Data Watch ODIN "
                   "openness elements), vintage ending 2019."}


def read(raw_dir: Path) -> pd.DataFrame:
    """SPI overall score and the five pillar scores per country-year."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=["", "NA"])
    iso3 = map_iso3(data["iso3c"])
    frames = [
        tidy(pd.DataFrame({"iso3": iso3, "year": data["date"], "value": data[column]}),
             series=series, unit=UNIT, source=SOURCE, file=rel(raw_dir, path))
        for column, (series, _) in COLUMNS.items()
    ]
    frames.append(tidy(pd.DataFrame({"iso3": iso3, "year": data["date"],
                                     "value": data[OPENNESS_COLUMN]}),
                       series="spi.openness", unit="score 0-1", source=SOURCE,
                       file=rel(raw_dir, path)))
    return concat(frames)
