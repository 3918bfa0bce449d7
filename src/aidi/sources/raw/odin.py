"""Open Data Watch — Open Data Inventory (ODIN) 2016–2022 → ``odin.overall|coverage|openness``.

ODIN scores how much official statistics a national statistical office publishes (coverage:
indicators, disaggregation, recent years, sub-national levels) and how openly (openness:
machine-readable, non-proprietary formats, download options, metadata, open terms of use),
over 22 data categories, 0–100. It is the availability side of the source's data dimension —
"the openness, governance framework and infrastructure" of data — with a time dimension
(editions 2016, 2017, 2018, 2020, 2022) that the 2019-vintage SPI lacks.

Only the "All categories" row of each country is read (its overall, coverage and openness
subscores). The files differ by edition: 2016/2017 are Latin-1 (the footer's "©"), 2018–2022
UTF-8 with a BOM; header cells carry embedded newlines; the category column is
``Data categories`` (2016–2020) or ``Elements`` (2022) and the score columns gain an "s" in
2022 (``Coverage subscores``, ``Overall subscores``); each file ends with licence/timestamp
footer rows, dropped by requiring a four-digit year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import check_unique, concat, map_iso3, rel, require, tidy

SOURCE = "Open Data Watch — Open Data Inventory (ODIN)"
FOLDER = "odin_open_data_inventory"
EDITIONS: tuple[int, ...] = (2016, 2017, 2018, 2020, 2022)
UNIT = "score 0-100"
#: the row that carries a country's headline scores
ALL_CATEGORIES = "all categories"

#: series → (column names by edition style, name, description)
SCORES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "odin.overall": (("Overall score", "Overall subscores"), "ODIN overall score",
                     "Data availability of official statistics: coverage and openness over 22 "
                     "data categories (Open Data Inventory, all categories)."),
    "odin.coverage": (("Coverage subscore", "Coverage subscores"), "ODIN coverage subscore",
                      "Data availability: indicator coverage and disaggregation, data for the "
                      "last 5 and 10 years, first and second administrative levels."),
    "odin.openness": (("Openness subscore", "Openness subscores"), "ODIN openness subscore",
                      "Data openness: machine-readable and non-proprietary formats, download "
                      "options, metadata, open terms of use."),
}

SERIES: dict[str, dict[str, str]] = {
    series: {"name": name, "unit": UNIT,
             "description": f"{text} Editions 2016, 2017, 2018, 2020, 2022."}
    for series, (_, name, text) in SCORES.items()
}


class OdinFormatError(ValueError):
    """An ODIN file whose columns are not the ones this reader knows."""


def _file(raw_dir: Path, year: int) -> Path:
    return require(Path(raw_dir) / FOLDER / f"ODIN_scores_{year}.csv")


def read_edition(raw_dir: Path, year: int) -> pd.DataFrame:
    """The three headline scores of one ODIN edition, one row per country and score."""
    path = _file(raw_dir, year)
    encoding = "latin-1" if year <= 2017 else "utf-8-sig"
    data = pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False)
    data.columns = [str(c).strip() for c in data.columns]
    category = next((c for c in ("Data categories", "Elements") if c in data.columns), None)
    if category is None or "Country Code" not in data.columns:
        raise OdinFormatError(f"{path}: no 'Data categories'/'Elements' or 'Country Code' "
                              f"column (columns: {list(data.columns)})")
    data = data[data["Year"].str.strip().str.fullmatch(r"\d{4}")]
    data = data[data[category].str.strip().str.lower() == ALL_CATEGORIES]
    iso3 = map_iso3(data["Country Code"].str.strip())
    frames = []
    for series, (columns, _, _) in SCORES.items():
        column = next((c for c in columns if c in data.columns), None)
        if column is None:
            raise OdinFormatError(f"{path}: none of the columns {list(columns)} found "
                                  f"(columns: {list(data.columns)})")
        frame = pd.DataFrame({"iso3": iso3, "year": data["Year"].astype(int).to_numpy(),
                              "value": data[column].to_numpy()})
        frames.append(tidy(frame, series=series, unit=UNIT, source=SOURCE,
                           file=rel(raw_dir, path)))
    return concat(frames)


def read(raw_dir: Path) -> pd.DataFrame:
    """ODIN overall, coverage and openness scores for every country and edition."""
    out = concat(read_edition(raw_dir, year) for year in EDITIONS)
    return check_unique(out, f"{FOLDER}/ODIN_scores_*.csv")
