"""Epoch AI models and GPU clusters → per country-year counts and installed AI compute.

Models (algorithms dimension): a model lists every developer's country, comma-separated
(``"United States of America,China,China"``). We count a model **once for each distinct
country it lists** (so one US–UK model adds 1 to both; "Multinational" is ignored): this is
"models a country's organisations took part in", which is what a capability indicator needs;
the world total is therefore not the sum over countries.

GPU clusters (compute dimension): H100-equivalents and power of the clusters operating in a
country at the end of each year. A cluster counts from the year of its first-operational date
until its decommissioning date (clusters now "Decommissioned" still count for the years they
ran when the date is known; without a date they are dropped). Two variants, because Epoch's
"standard analysis" flag leaves out e.g. most anonymised Chinese systems:

* ``epoch.gpu_clusters.*`` — Status Existing (or decommissioned later), ``Include in Standard
  Analysis`` true, not a possible duplicate, not superseded, not decommissioned by year end;
* ``epoch.gpu_clusters_all.*`` — the same without the standard-analysis flag.

Counts are zero-filled for every country that appears anywhere in the file and for the 20
target economies: absence from a census-style database means zero, not unknown. Every 0 written
for an absent unit is marked by a row of ``<series>.zero_filled`` (``aidi.sources.raw._fills``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.countries import TARGET_20, to_iso3
from aidi.sources.raw._common import concat, rel, require, tidy
from aidi.sources.raw._fills import ZERO_FILLED, marker_metadata, markers

SOURCE_MODELS = "Epoch AI — Data on AI Models"
SOURCE_CLUSTERS = "Epoch AI — GPU Clusters"
FOLDER = "epoch_ai"
YEARS = range(2018, 2026)

_MODEL_FILES: dict[str, tuple[str, str]] = {
    # series suffix: (file, description)
    "notable": ("notable_ai_models.csv", "notable AI models (Epoch notability criteria)"),
    "large_scale": ("large_scale_ai_models.csv",
                    "large-scale AI models (training compute > 1e23 FLOP, or suspected)"),
    "frontier": ("frontier_ai_models.csv", "frontier AI models (Epoch frontier subset)"),
    "robotics": ("all_ai_models_2025-04.csv",
                 "AI models whose Domain includes Robotics (full Epoch database, Apr 2025)"),
}
# Series computed on a subset of a file's rows: key → (column, substring it must contain).
_DOMAIN_FILTERS: dict[str, tuple[str, str]] = {"robotics": ("Domain", "Robotics")}
_COUNTRY_COLUMNS = ("Country (of organization)", "Country (from Organization)")

SERIES: dict[str, dict[str, str]] = {
    f"epoch.models.{key}": {
        "name": f"Number of {desc.split(' (')[0]} by developer country",
        "unit": "count",
        "description": f"Algorithms: {desc} published in the year; a model counts "
                       "once for each distinct country of its developer organisations.",
    }
    for key, (_, desc) in _MODEL_FILES.items()
}
for _variant, _label in (("gpu_clusters", "standard-analysis clusters"),
                         ("gpu_clusters_all", "all existing clusters")):
    SERIES[f"epoch.{_variant}.h100e"] = {
        "name": f"AI compute installed, {_label} (H100-equivalents)",
        "unit": "H100 equivalents",
        "description": "Compute: sum of H100-equivalents of GPU clusters operational at year end "
                       "(first operational by 31 Dec, not decommissioned, not a possible duplicate "
                       "or superseded)" + ("; only 'Include in Standard Analysis'."
                                           if _variant == "gpu_clusters" else "."),
    }
    SERIES[f"epoch.{_variant}.power_mw"] = {
        "name": f"AI cluster power capacity, {_label}",
        "unit": "MW",
        "description": "Compute: sum of 'Power Capacity (MW)' of the same clusters (clusters "
                       "without a power figure add nothing).",
    }
    SERIES[f"epoch.{_variant}.count"] = {
        "name": f"Number of AI GPU clusters, {_label}",
        "unit": "count",
        "description": "Compute: number of the same clusters operating at year end.",
    }

SERIES.update(marker_metadata(dict(SERIES), ZERO_FILLED))


def _countries(cell: object) -> list[str]:
    """Distinct ISO3 codes listed in a comma-separated country cell (order kept)."""
    if not isinstance(cell, str):
        return []
    codes = [to_iso3(part) for part in cell.split(",")]
    return list(dict.fromkeys(c for c in codes if c))


def _zero_filled(counts: pd.DataFrame, universe: set[str]) -> pd.DataFrame:
    """Complete a (iso3, year) → value frame over ``universe`` × YEARS with zeros; column
    ``filled`` is True where the 0 was written here (the unit is absent that year)."""
    index = pd.MultiIndex.from_product([sorted(universe), list(YEARS)], names=["iso3", "year"])
    counted = counts.set_index(["iso3", "year"])["value"]
    full = counted.reindex(index, fill_value=0.0).reset_index()
    full["filled"] = ~index.isin(counted.index)
    return full


def _with_markers(full: pd.DataFrame, series: str, unit: str, source: str,
                  file: str) -> pd.DataFrame:
    """The zero-filled series and its `.zero_filled` marker rows (see `_fills`)."""
    return concat([tidy(full, series=series, unit=unit, source=source, file=file),
                   markers(full, full["filled"], series, ZERO_FILLED, unit=unit, source=source,
                           file=file)])


def _read_models(raw_dir: Path, key: str, filename: str) -> pd.DataFrame:
    path = require(Path(raw_dir) / FOLDER / filename)
    data = pd.read_csv(path, low_memory=False)
    column = next((c for c in _COUNTRY_COLUMNS if c in data.columns), None)
    if column is None:
        raise ValueError(f"{path}: no country column among {_COUNTRY_COLUMNS}")
    if key in _DOMAIN_FILTERS:
        col, needle = _DOMAIN_FILTERS[key]
        data = data[data[col].fillna("").astype(str).str.contains(needle, regex=False)]
    year = pd.to_datetime(data["Publication date"], errors="coerce", format="mixed").dt.year
    long = pd.DataFrame({"iso3": data[column].map(_countries), "year": year}).explode("iso3")
    long = long.dropna()
    universe = set(long["iso3"]) | set(TARGET_20)
    long = long[long["year"].isin(YEARS)]
    counts = long.groupby(["iso3", "year"]).size().rename("value").reset_index()
    return _with_markers(_zero_filled(counts, universe), f"epoch.models.{key}", "count",
                         SOURCE_MODELS, rel(raw_dir, path))


def _flag(column: pd.Series) -> pd.Series:
    """Epoch's checkbox columns: True when the cell says true, False when empty."""
    text = column.astype("string").str.strip().str.lower()
    return text.eq("true").fillna(False).astype(bool)


def _cluster_frame(path: Path) -> pd.DataFrame:
    """Clusters that are (or were) operating, with parsed dates and ISO3."""
    data = pd.read_csv(path, low_memory=False)
    frame = pd.DataFrame({
        "iso3": [to_iso3(c) if isinstance(c, str) else None for c in data["Country"]],
        "status": data["Status"].astype("string").str.strip(),
        "start": pd.to_datetime(data["First Operational Date"], errors="coerce", format="mixed"),
        "end": pd.to_datetime(data["Decommissioned Date (if applicable)"], errors="coerce",
                              format="mixed"),
        "h100e": pd.to_numeric(data["H100 equivalents"], errors="coerce"),
        "power_mw": pd.to_numeric(data["Power Capacity (MW)"], errors="coerce"),
        "standard": _flag(data["Include in Standard Analysis"]),
        "duplicate": _flag(data["Possible Duplicate"]),
        "superseded": data["Superseded by"].notna(),
    })
    return frame


def _read_clusters(raw_dir: Path) -> pd.DataFrame:
    path = require(Path(raw_dir) / FOLDER / "gpu_clusters.csv")
    clusters = _cluster_frame(path)
    universe = set(clusters["iso3"].dropna()) | set(TARGET_20)
    base = clusters[
        (clusters["status"].eq("Existing")
         | (clusters["status"].eq("Decommissioned") & clusters["end"].notna()))
        & ~clusters["duplicate"]
        & ~clusters["superseded"]
        & clusters["iso3"].notna()
        & clusters["start"].notna()
    ]
    frames = []
    for variant, subset in (("gpu_clusters", base[base["standard"]]), ("gpu_clusters_all", base)):
        rows = []
        for year in YEARS:
            year_end = pd.Timestamp(year=year, month=12, day=31)
            live = subset[(subset["start"] <= year_end)
                          & (subset["end"].isna() | (subset["end"] > year_end))]
            agg = live.groupby("iso3").agg(h100e=("h100e", "sum"), power_mw=("power_mw", "sum"),
                                           count=("h100e", "size"))
            agg["year"] = year
            rows.append(agg.reset_index())
        totals = pd.concat(rows, ignore_index=True)
        for measure, unit in (("h100e", "H100 equivalents"), ("power_mw", "MW"),
                              ("count", "count")):
            counts = totals[["iso3", "year", measure]].rename(columns={measure: "value"})
            frames.append(_with_markers(_zero_filled(counts, universe),
                                        f"epoch.{variant}.{measure}", unit, SOURCE_CLUSTERS,
                                        rel(raw_dir, path)))
    return concat(frames)


def read(raw_dir: Path) -> pd.DataFrame:
    """Model counts (notable, large-scale, frontier) and GPU-cluster compute, 2018–2025."""
    frames = [_read_models(raw_dir, key, filename)
              for key, (filename, _) in _MODEL_FILES.items()]
    frames.append(_read_clusters(raw_dir))
    return concat(frames)
