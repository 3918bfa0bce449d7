"""Raw publisher files → the tidy tables behind the trend analyses (``aidi trends``).

The country readers (``epoch``, ``owid``, ``stanford_ai_index``, ``technology_adoption``)
aggregate to country-years and drop what is not a country panel: model-level rows, hardware,
single clusters, the US household diffusion curves, world totals. The trend analyses need
exactly those, so this module reads them into small model-, item- or year-level tables. It
reuses the country readers' parsing (Epoch's country cells and checkbox flags, AI Index figure
files) instead of re-implementing it; every table carries ``source`` and ``file`` columns so a
number in ``claims.csv`` can be traced back to a raw file.

Not registered in :data:`aidi.sources.raw.REGISTRY` (that registry feeds the country
snapshot); :func:`aidi.store.trends_snapshot.build_trends_snapshot` calls :data:`TABLES`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.sources.raw import epoch, owid, stanford_ai_index
from aidi.sources.raw._common import map_iso3, rel, require, to_number

SOURCE_MODELS = epoch.SOURCE_MODELS
SOURCE_CLUSTERS = epoch.SOURCE_CLUSTERS
SOURCE_HARDWARE = "Epoch AI — Data on Machine Learning Hardware"
SOURCE_ADOPTION = "Our World in Data — Technology Diffusion (Comin and Hobijn (2004) and others)"
SOURCE_AI_INDEX = stanford_ai_index.SOURCE
SOURCE_OWID = owid.SOURCE
SOURCE_MSFT = "Microsoft AI Economy Institute — AI Diffusion Report"

#: Epoch's single-domain labels drawn as their own trend in the source's figure 1.10a; every
#: other label (multimodal, several domains, speech, robotics, ...) is "other", as the figure's
#: note says ("recommendation, multimodal, other and unspecified types").
DOMAIN_GROUPS: dict[str, str] = {"Language": "language", "Vision": "vision", "Games": "games"}


def decimal_year(dates: pd.Series) -> pd.Series:
    """Dates → fractional years (2020-07-02 → 2020.5), NaN where the date is missing."""
    dates = pd.to_datetime(dates, errors="coerce", format="mixed")
    start = pd.to_datetime(dates.dt.year.astype("Int64").astype(str) + "-01-01", errors="coerce")
    days = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    return dates.dt.year + (dates - start).dt.days / days


def _provenance(frame: pd.DataFrame, source: str, raw_dir: Path, path: Path) -> pd.DataFrame:
    return frame.assign(source=source, file=rel(raw_dir, path))


# --------------------------------------------------------------------------- Epoch AI

def read_models(raw_dir: Path) -> pd.DataFrame:
    """Epoch notable models with a publication date and a training compute or cost.

    One row per model: fractional publication year, domain (raw and grouped as in figure
    1.10a), training compute (FLOP), training cost (2023 USD) and Epoch's cost at cloud
    rental prices (what the source's "training cost of GPT-3" is), Epoch's frontier flag and
    confidence, and the developers' ISO3 codes (';'-joined, as :mod:`epoch` reads them).
    """
    raw_dir = Path(raw_dir)
    path = require(raw_dir / epoch.FOLDER / "notable_ai_models.csv")
    data = pd.read_csv(path, low_memory=False)
    out = pd.DataFrame({
        "model": data["Model"].astype(str).str.strip(),
        "organization": data["Organization"].fillna("").astype(str),
        "date": pd.to_datetime(data["Publication date"], errors="coerce",
                               format="mixed").dt.strftime("%Y-%m-%d"),
        "year": decimal_year(data["Publication date"]).round(4),
        "domain": data["Domain"].fillna("").astype(str),
        "compute_flop": to_number(data["Training compute (FLOP)"]),
        "cost_usd_2023": to_number(data["Training compute cost (2023 USD)"]),
        # Epoch's estimate at cloud rental prices (its column `Training compute cost (cloud)`)
        "cost_cloud_usd": to_number(data["Training compute cost (cloud)"])
        if "Training compute cost (cloud)" in data.columns else float("nan"),
        "frontier": epoch._flag(data["Frontier model"]),
        "confidence": data["Confidence"].fillna("").astype(str),
        "countries": data["Country (of organization)"].map(epoch._countries).map(";".join),
    })
    out["domain_group"] = out["domain"].map(DOMAIN_GROUPS).fillna("other")
    keep = out["year"].notna() & (out["compute_flop"].gt(0) | out["cost_usd_2023"].gt(0))
    out = out[keep].sort_values(["date", "model"], kind="mergesort").reset_index(drop=True)
    return _provenance(out, SOURCE_MODELS, raw_dir, path)


def read_hardware(raw_dir: Path) -> pd.DataFrame:
    """Epoch ML accelerators: release date, launch price and peak FLOP/s by precision."""
    raw_dir = Path(raw_dir)
    path = require(raw_dir / epoch.FOLDER / "ml_hardware.csv")
    data = pd.read_csv(path, low_memory=False)
    out = pd.DataFrame({
        "hardware": data["Hardware name"].astype(str).str.strip(),
        "manufacturer": data["Manufacturer"].fillna("").astype(str),
        "type": data["Type"].fillna("").astype(str),
        "date": pd.to_datetime(data["Release date"], errors="coerce",
                               format="mixed").dt.strftime("%Y-%m-%d"),
        "year": decimal_year(data["Release date"]).round(4),
        "price_usd": to_number(data["Release price (USD)"]),
        "fp32_flops": to_number(data["FP32 (single precision) performance (FLOP/s)"]),
        "tensor16_flops": to_number(data["Tensor-FP16/BF16 performance (FLOP/s)"]),
        "fp8_flops": to_number(data["FP8 performance (FLOP/s)"]),
        "max_flops": to_number(data["Max performance"]),
    })
    out = out[out["year"].notna()].sort_values(["date", "hardware"], kind="mergesort")
    return _provenance(out.reset_index(drop=True), SOURCE_HARDWARE, raw_dir, path)


def read_clusters(raw_dir: Path) -> pd.DataFrame:
    """Epoch GPU clusters with owner, country, dates, H100-equivalents and 16-bit OP/s.

    All rows are kept with the flags the aggregation needs (status, standard analysis,
    possible duplicate, superseded), parsed by :func:`aidi.sources.raw.epoch._cluster_frame`.
    """
    raw_dir = Path(raw_dir)
    path = require(raw_dir / epoch.FOLDER / "gpu_clusters.csv")
    data = pd.read_csv(path, low_memory=False)
    base = epoch._cluster_frame(path)
    out = pd.DataFrame({
        "cluster": data["Name"].astype(str).str.strip(),
        "owner": data["Owner"].fillna("").astype(str).str.strip(),
        "iso3": base["iso3"].fillna(""),
        "sector": data["Sector"].fillna("").astype(str),
        "status": base["status"].fillna(""),
        "certainty": data["Certainty"].fillna("").astype(str),
        "start": base["start"].dt.strftime("%Y-%m-%d"),
        "end": base["end"].dt.strftime("%Y-%m-%d"),
        "h100e": base["h100e"],
        "op16_per_s": to_number(data["16-bit OP/s"]),
        "power_mw": base["power_mw"],
        "standard": base["standard"],
        "duplicate": base["duplicate"],
        "superseded": base["superseded"],
    })
    out = out.sort_values(["cluster", "start"], kind="mergesort", na_position="last")
    return _provenance(out.reset_index(drop=True), SOURCE_CLUSTERS, raw_dir, path)


# --------------------------------------------------------------------------- adoption

ADOPTION_FILE = "technology_adoption/owid_technology_diffusion_comin_hobijn_us_households.csv"
ADOPTION_COLUMN = "Technology Diffusion (Comin and Hobijn (2004) and others)"


def read_adoption(raw_dir: Path) -> pd.DataFrame:
    """US household adoption by technology and year (% of households or relevant units)."""
    raw_dir = Path(raw_dir)
    path = require(raw_dir / ADOPTION_FILE)
    data = pd.read_csv(path)
    out = pd.DataFrame({"technology": data["Entity"].astype(str).str.strip(),
                        "year": data["Year"].astype(int),
                        "share_pct": to_number(data[ADOPTION_COLUMN])})
    out = out.dropna().drop_duplicates(["technology", "year"], keep="first")
    out = out.sort_values(["technology", "year"], kind="mergesort").reset_index(drop=True)
    return _provenance(out, SOURCE_ADOPTION, raw_dir, path)


# --------------------------------------------------------------------------- year series

#: AI Index figures read as (series, file, column holding the geography or None, unit).
AI_INDEX_SERIES: tuple[tuple[str, str, str | None, str], ...] = (
    ("investment.private", "ch4_economy/fig_4.3.2.csv", None, "billion US$"),
    ("investment.genai", "ch4_economy/fig_4.3.3.csv", None, "billion US$"),
    ("companies.newly_funded", "ch4_economy/fig_4.3.4.csv", None, "count"),
    ("companies.newly_funded_genai", "ch4_economy/fig_4.3.5.csv", None, "count"),
    ("investment.private", "ch4_economy/fig_4.3.10.csv", "Geographic area", "billion US$"),
    ("investment.genai", "ch4_economy/fig_4.3.11.csv", "Geographic area", "billion US$"),
    ("companies.newly_funded", "ch4_economy/fig_4.3.14.csv", "Geographic area", "count"),
    ("publications.cs", "ch1_research_development/fig_1.1.1.csv", None, "thousand"),
    ("patents.granted", "ch1_research_development/fig_1.2.1.csv", None, "thousand"),
)

#: OWID country charts that also carry a World row (CSET estimates), by chart file.
OWID_SERIES: dict[str, str] = {
    "private-investment-in-artificial-intelligence-cset.csv": "investment.private_cset",
    "annual-scholarly-publications-on-artificial-intelligence.csv": "publications.cset",
    "artificial-intelligence-patents-submitted.csv": "patents.applications_cset",
}


def _ai_index_series(raw_dir: Path) -> list[pd.DataFrame]:
    folder = raw_dir / stanford_ai_index.FOLDER
    frames = []
    for series, file, geo_column, unit in AI_INDEX_SERIES:
        path = require(folder / file)
        data = pd.read_csv(path, encoding="utf-8")
        value_col = next(c for c in data.columns if c not in ("Year", geo_column))
        geo = (data[geo_column].astype(str).str.strip() if geo_column
               else pd.Series("World", index=data.index))
        frame = pd.DataFrame({"series": series, "geo": geo,
                              "year": pd.to_numeric(data["Year"]).astype(int),
                              "value": to_number(data[value_col]), "unit": unit})
        frames.append(_provenance(frame, SOURCE_AI_INDEX, raw_dir, path))
    types = require(folder / "ch4_economy/fig_4.3.1.csv")
    data = pd.read_csv(types)
    frame = pd.DataFrame({
        "series": "investment.by_type." + data["Investment Type"].str.strip().str.lower()
        .str.replace(r"[^a-z]+", "_", regex=True),
        "geo": "World", "year": data["Year"].astype(int),
        "value": to_number(data.iloc[:, 2]), "unit": "billion US$"})
    frames.append(_provenance(frame, SOURCE_AI_INDEX, raw_dir, types))
    return frames


def _owid_series(raw_dir: Path) -> list[pd.DataFrame]:
    frames = []
    for chart in owid.CHARTS:
        if chart.file not in OWID_SERIES:
            continue
        path = require(raw_dir / owid.FOLDER / chart.file)
        data = pd.read_csv(path, keep_default_na=False, na_values=[""])
        iso3 = pd.Series(map_iso3(data["Code"]), index=data.index)
        is_world = data["Code"].eq("OWID_WRL")
        keep = is_world | iso3.notna()
        frame = pd.DataFrame({
            "series": OWID_SERIES[chart.file],
            "geo": np.where(is_world, "World", iso3.fillna("")),
            "year": data["Year"].astype(int),
            "value": to_number(data[chart.column]),
            "unit": "US$" if chart.unit == "US$" else "count",
        })[keep]
        frames.append(_provenance(frame, f"{SOURCE_OWID} ({chart.origin})", raw_dir, path))
    return frames


def _genai_users(raw_dir: Path) -> pd.DataFrame:
    """Generative-AI user share of the USA in the three published periods (fractional year)."""
    path = require(raw_dir / "microsoft_ai_diffusion/AI_Diffusion_Q12026_Update.csv")
    data = pd.read_csv(path, encoding="mac_roman")
    row = data[pd.Series(map_iso3(data["Economy"].astype(str).str.strip())).eq("USA").to_numpy()]
    periods = {"H1 2025 AI Diffusion": 2025.25, "H2 2025 AI Diffusion": 2025.75,
               "Q1 2026 AI Diffusion": 2026.125}
    frame = pd.DataFrame({"series": "adoption.genai_user_share", "geo": "USA",
                          "year": list(periods.values()),
                          "value": [float(to_number(row[c]).iloc[0]) for c in periods],
                          "unit": "% of population"})
    return _provenance(frame, SOURCE_MSFT, raw_dir, path)


def read_series(raw_dir: Path) -> pd.DataFrame:
    """Year series: AI investment, newly funded companies, publications, patents, GenAI users.

    ``geo`` is "World", an AI Index region label ("China", "Europe", "United States") or an
    ISO3 code (CSET country rows). ``year`` is a float because the GenAI user share is
    half-yearly; every other series has whole years.
    """
    raw_dir = Path(raw_dir)
    frames = [*_ai_index_series(raw_dir), *_owid_series(raw_dir), _genai_users(raw_dir)]
    out = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    out["year"] = out["year"].astype(float)
    out = out.sort_values(["series", "geo", "year", "file"], kind="mergesort")
    return out.drop_duplicates(["series", "geo", "year"], keep="first").reset_index(drop=True)


def read_token_prices(raw_dir: Path) -> pd.DataFrame:
    """AI Index fig 1.3.22: cheapest price per million tokens of models at or above a
    benchmark threshold, by date — a direct measure of the cost of a fixed level of
    intelligence (inference side)."""
    raw_dir = Path(raw_dir)
    path = require(raw_dir / stanford_ai_index.FOLDER / "ch1_research_development/fig_1.3.22.csv")
    data = pd.read_csv(path)
    date = pd.to_datetime(data["Publication Date"], format="%m/%d/%y")
    out = pd.DataFrame({"benchmark": data["Benchmark"].str.strip(),
                        "threshold_model": data["Threshold Model"].str.strip(),
                        "model": data["Model"].str.strip(), "date": date.dt.strftime("%Y-%m-%d"),
                        "year": decimal_year(date).round(4),
                        "usd_per_mtok": to_number(data["USD per 1M tokens"])})
    out = out.sort_values(["benchmark", "date", "model"], kind="mergesort").reset_index(drop=True)
    return _provenance(out, SOURCE_AI_INDEX, raw_dir, path)


#: Table name → reader, in the order the trends snapshot writes them.
TABLES: dict[str, Callable[[Path], pd.DataFrame]] = {
    "models": read_models,
    "hardware": read_hardware,
    "clusters": read_clusters,
    "adoption": read_adoption,
    "series": read_series,
    "token_prices": read_token_prices,
}
