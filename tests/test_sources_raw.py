"""Raw readers: contract checks on the real raw files (skipped when absent) and spot checks
of values against the raw files read independently; filter logic on small synthetic files."""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aidi.countries import TARGET_20, is_country
from aidi.sources.raw import (
    COLUMNS,
    RawDataMissing,
    epoch,
    itu_gci,
    microsoft_diffusion,
    odin,
    registered_readers,
    stanford_ai_index,
    top500,
    wdi,
)
from tests.conftest import raw_dir

REPO = Path(__file__).resolve().parents[1]




RAW = raw_dir()
needs_raw = pytest.mark.skipif(RAW is None, reason="shared raw data not available")
READERS = {r.name: r for r in registered_readers() if r.read is not None}


@cache
def output(name: str) -> pd.DataFrame:
    assert RAW is not None
    return READERS[name].read(RAW)


def value(frame: pd.DataFrame, series: str, iso3: str, year: int) -> float:
    hit = frame[(frame["series"] == series) & (frame["iso3"] == iso3) & (frame["year"] == year)]
    assert len(hit) == 1, (series, iso3, year, len(hit))
    return float(hit["value"].iloc[0])


# ----------------------------------------------------------------------------- contract


@needs_raw
@pytest.mark.parametrize("name", sorted(READERS))
def test_reader_contract(name):
    frame = output(name)
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) > 0
    assert not frame.duplicated(["iso3", "year", "series"]).any()
    assert np.isfinite(frame["value"].to_numpy(dtype=float)).all()
    assert frame["iso3"].map(is_country).all()
    assert pd.api.types.is_integer_dtype(frame["year"])
    for column in ("unit", "source", "file"):
        assert frame[column].map(lambda v: isinstance(v, str) and v.strip() != "").all()
    meta = READERS[name].series
    assert set(frame["series"]) <= set(meta), set(frame["series"]) - set(meta)
    for series, group in frame.groupby("series"):
        assert group["unit"].nunique() == 1
        assert group["unit"].iloc[0] == meta[series]["unit"], series
        assert meta[series]["name"] and "description" in meta[series]
    for cell in frame["file"].unique():
        for part in cell.split(";"):
            assert (RAW / part).is_file(), part


@needs_raw
@pytest.mark.parametrize(
    "series",
    ["wdi.NY.GDP.PCAP.PP.CD", "wdi.GDP.PPP", "wdi.SP.POP.TOTL", "wgi.rq.estimate",
     "wgi.ge.estimate", "epoch.models.notable", "epoch.gpu_clusters.h100e", "top500.rmax",
     "un_ama.va.TVA", "un_ama.va.D", "stanford.investment.private_cum",
     "stanford.patents.granted_per_100k", "microsoft.ai_diffusion.user_share", "spi.overall",
     "gapminder.internet_users", "owid.cset.publications", "odin.overall", "odin.openness"],
)
def test_all_20_targets_in_key_series(series):
    frames = pd.concat([output(n) for n in READERS], ignore_index=True)
    present = set(frames.loc[frames["series"] == series, "iso3"])
    assert set(TARGET_20) <= present, sorted(set(TARGET_20) - present)


# ----------------------------------------------------------------------------- spot checks


def _csv_value(path: Path, key_column: str, key: str, year_column: str, year: str,
               value_column: str) -> float:
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row[key_column] == key and row[year_column] == year:
                return float(row[value_column])
    raise AssertionError(f"{key} {year} not in {path}")


@needs_raw
def test_wdi_usa_gdp_per_capita_ppp_2023_and_derived_gdp_ppp():
    frame = output("wdi")
    raw_pc = _csv_value(RAW / "wdi/NY.GDP.PCAP.PP.CD.csv", "Country Code", "USA", "Year", "2023",
                        "Value")
    raw_pop = _csv_value(RAW / "wdi/SP.POP.TOTL.csv", "Country Code", "USA", "Year", "2023",
                         "Value")
    assert value(frame, "wdi.NY.GDP.PCAP.PP.CD", "USA", 2023) == raw_pc
    assert math.isclose(value(frame, "wdi.GDP.PPP", "USA", 2023), raw_pc * raw_pop, rel_tol=1e-12)
    assert not frame["iso3"].isin(["WLD", "EUU", "HIC"]).any()
    assert "NAM" in set(frame["iso3"])  # Namibia's "NA"-like codes survive NA parsing


@needs_raw
@pytest.mark.slow
def test_wgi_values_and_special_codes():
    frame = output("wgi")
    raw = pd.read_excel(RAW / "wgi/wgidataset.xlsx", na_values="..")
    row = raw[(raw["code"] == "USA") & (raw["indicator"] == "rq") & (raw["year"] == 2023)].iloc[0]
    assert value(frame, "wgi.rq.estimate", "USA", 2023) == pytest.approx(row["estimate"])
    assert value(frame, "wgi.rq.pctrank", "USA", 2023) == pytest.approx(row["pctrank"])
    assert {"ROU", "COD", "TLS", "AND", "PSE", "XKX"} <= set(frame["iso3"])


@needs_raw
def test_epoch_notable_counts_each_distinct_country_once():
    frame = output("epoch")
    raw = pd.read_csv(RAW / "epoch_ai/notable_ai_models.csv")
    year = pd.to_datetime(raw["Publication date"], errors="coerce").dt.year
    cells = raw.loc[year == 2023, "Country (of organization)"].dropna()
    usa = sum("United States of America" in c.split(",") for c in cells)
    assert value(frame, "epoch.models.notable", "USA", 2023) == usa
    assert set(frame["year"]) == set(range(2018, 2026))
    assert value(frame, "epoch.models.notable", "MEX", 2023) == 0  # zero-filled target


@needs_raw
def test_top500_counts_and_units():
    frame = output("top500")
    nov23 = pd.read_excel(RAW / "top500/TOP500_202311.xlsx")
    usa = nov23[nov23["Country"] == "United States"]
    assert value(frame, "top500.systems", "USA", 2023) == len(usa)
    assert value(frame, "top500.rmax", "USA", 2023) == pytest.approx(usa["Rmax [TFlop/s]"].sum())
    nov16 = pd.read_csv(RAW / "top500/TOP500_201611_converted.csv")
    chn_gflops = nov16.loc[nov16["Country"] == "China", "Rmax"].sum()
    assert value(frame, "top500.rmax", "CHN", 2016) == pytest.approx(chn_gflops / 1000)
    kor = pd.read_csv(RAW / "top500/TOP500_201911_converted.csv")
    assert value(frame, "top500.systems", "KOR", 2019) == (kor["Country"] == "Korea, South").sum()
    assert value(frame, "top500.systems", "IDN", 2024) == 0


@needs_raw
@pytest.mark.filterwarnings("ignore:.*xlrd engine is deprecated")
def test_top500_more_lists_fill_the_gaps():
    """The second mirror's lists (top500_more_lists/SOURCE.md): Nov 2021/2022 join the yearly
    series, June lists form their own; the June 2017 list's plain `Rmax` header is TFlop/s."""
    frame = output("top500")
    nov = frame[frame["series"] == "top500.rmax"]
    assert set(range(2010, 2025)) <= set(nov["year"])  # no gap left in the November series
    nov22 = pd.read_excel(RAW / "top500_more_lists/TOP500_202211.xlsx")
    assert value(frame, "top500.systems", "CHN", 2022) == (nov22["Country"] == "China").sum() == 162
    assert value(frame, "top500.systems", "USA", 2021) == 149  # SOURCE.md's table
    jun17 = pd.read_excel(RAW / "top500_more_lists/TOP500_201706.xls")
    assert value(frame, "top500.june.rmax", "CHN", 2017) == pytest.approx(
        jun17.loc[jun17["Country"] == "China", "Rmax"].sum())  # already TFlop/s
    jun16 = pd.read_excel(RAW / "top500_more_lists/TOP500_201606.xls")
    assert value(frame, "top500.june.rmax", "CHN", 2016) == pytest.approx(
        jun16.loc[jun16["Country"] == "China", "Rmax"].sum() / 1000)  # GFlop/s
    assert value(frame, "top500.june.systems", "USA", 2010) == 282
    assert value(frame, "top500.june.systems", "MEX", 2015) == 1
    assert value(frame, "top500.june.systems.zero_filled", "IDN", 2023) == 0
    june = frame[frame["series"] == "top500.june.systems"]
    assert set(june["year"]) == set(range(2010, 2025))


@needs_raw
def test_stanford_values_and_percent_strings():
    frame = output("stanford_ai_index")
    raw = pd.read_csv(RAW / "stanford_ai_index_2025/ch4_economy/fig_4.3.8.csv")
    usa = raw.loc[raw["Geographic area"] == "United States"].iloc[0, 1]
    assert value(frame, "stanford.investment.private", "USA", 2024) == pytest.approx(usa)
    talent = pd.read_csv(RAW / "stanford_ai_index_2025/ch4_economy/fig_4.2.17.csv")
    isr = talent.loc[talent["Geographic area"] == "Israel"].iloc[0, 1]
    assert value(frame, "stanford.talent.concentration", "ISR", 2024) == float(isr.rstrip("%"))
    robots = pd.read_csv(RAW / "stanford_ai_index_2025/ch4_economy/fig_4.5.4.csv")
    chn = robots.loc[robots["Geographic area"] == "China"].iloc[0, 0]
    assert value(frame, "stanford.robots.installations", "CHN", 2023) == pytest.approx(chn)
    assert value(frame, "stanford.robots.installations", "CHN", 2015) > 0  # from fig 4.5.5
    assert value(frame, "stanford.policy.ai_bills_cum", "MEX", 2024) == 0


@needs_raw
def test_itu_gci_rescaled_editions():
    frame = output("itu_gci")
    raw = pd.read_csv(RAW / itu_gci.FILE, na_values=["#N/A"], keep_default_na=False, dtype=str)
    usa = raw[raw["Country"] == "United States"].iloc[0]
    assert value(frame, "itu.gci.score", "USA", 2014) == pytest.approx(float(usa["2014"]) * 100)
    assert value(frame, "itu.gci.score", "USA", 2020) == pytest.approx(float(usa["2020"]))
    assert frame["value"].between(0, 100).all()
    assert "CAN" not in set(frame["iso3"])
    assert len(frame[(frame["iso3"] == "SWZ")]) == 5  # Swaziland + Eswatini merged


@needs_raw
def test_microsoft_mac_roman_and_periods():
    frame = output("microsoft_diffusion")
    assert "TUR" in set(frame["iso3"])
    raw = pd.read_csv(RAW / microsoft_diffusion.FILE, encoding="mac_roman")
    are = raw[raw["Economy"] == "United Arab Emirates"].iloc[0]
    assert value(frame, "microsoft.ai_diffusion.user_share", "ARE", 2025) == float(
        are["H2 2025 AI Diffusion"].rstrip("%"))
    assert value(frame, "microsoft.ai_diffusion.q1_2026", "ARE", 2026) == float(
        are["Q1 2026 AI Diffusion"].rstrip("%"))


@needs_raw
def test_un_ama_tva_matches_raw():
    frame = output("un_ama")
    raw = pd.read_csv(RAW / "un_national_accounts_ama/un_ama_value_added_by_activity_current_usd.csv")
    row = raw[(raw["Country"] == "United States") & (raw["IndicatorName"] == "Total Value Added")]
    assert value(frame, "un_ama.va.TVA", "USA", 2023) == pytest.approx(row["2023"].iloc[0])
    assert {f"un_ama.va.{c}" for c in ("AB", "CE", "D", "F", "GH", "I", "JP", "TVA", "GDP")} == set(
        frame["series"])


@needs_raw
def test_owid_bills_use_the_as_of_year_and_drop_aggregates():
    frame = output("owid")
    bills = frame[frame["series"] == "owid.ai_bills_cum"]
    assert set(bills["year"]) == {2024}
    assert "XKX" in set(frame["iso3"])  # OWID_KOS


# ----------------------------------------------------------------------------- synthetic files


def test_missing_raw_folder_names_the_path(tmp_path):
    with pytest.raises(RawDataMissing, match=str(tmp_path / "wdi")):
        wdi.read(tmp_path)
    with pytest.raises(RawDataMissing, match="gpu_clusters.csv|notable_ai_models.csv"):
        epoch.read(tmp_path)
    with pytest.raises(RawDataMissing):
        top500.read(tmp_path)
    with pytest.raises(RawDataMissing, match="fig_4.3.8.csv"):
        stanford_ai_index.read(tmp_path)


def _write_clusters(folder: Path) -> None:
    header = ["Name", "Status", "Country", "First Operational Date", "H100 equivalents",
              "Power Capacity (MW)", "Include in Standard Analysis", "Possible Duplicate",
              "Superseded by", "Decommissioned Date (if applicable)"]
    rows = [
        ["a", "Existing", "United States of America", "2019-06-15", 100, 10, "True", "", "", ""],
        ["b", "Existing", "United States of America", "2021-01-01", 50, 5, "", "", "", ""],
        ["dup", "Existing", "United States of America", "2019-01-01", 999, 99, "True", "True", "", ""],
        ["old", "Existing", "China", "2018-03", 20, "", "True", "", "new", ""],
        ["plan", "Planned", "China", "", 5000, 500, "", "", "", ""],
        ["gone", "Decommissioned", "Japan", "2018-11-15", 7, 1, "", "", "", "2020-06-30"],
        ["late", "Existing", "Korea (Republic of)", "2025-12-31", 3, 1, "True", "", "", ""],
    ]
    pd.DataFrame(rows, columns=header).to_csv(folder / "gpu_clusters.csv", index=False)


def test_gpu_cluster_filters(tmp_path):
    folder = tmp_path / "epoch_ai"
    folder.mkdir()
    _write_clusters(folder)
    out = epoch._read_clusters(tmp_path)

    def v(series, iso3, year):
        return value(out, series, iso3, year)

    assert v("epoch.gpu_clusters.h100e", "USA", 2018) == 0
    assert v("epoch.gpu_clusters.h100e", "USA", 2019) == 100          # dup excluded
    assert v("epoch.gpu_clusters.h100e", "USA", 2021) == 100          # b not standard
    assert v("epoch.gpu_clusters_all.h100e", "USA", 2021) == 150
    assert v("epoch.gpu_clusters_all.power_mw", "USA", 2021) == 15
    assert v("epoch.gpu_clusters_all.count", "USA", 2021) == 2
    assert v("epoch.gpu_clusters_all.h100e", "CHN", 2025) == 0        # superseded, planned
    assert v("epoch.gpu_clusters_all.h100e", "JPN", 2019) == 7        # ran 2018-11 .. 2020-06
    assert v("epoch.gpu_clusters_all.h100e", "JPN", 2020) == 0
    assert v("epoch.gpu_clusters.h100e", "KOR", 2025) == 3            # operational by 31 Dec
    assert set(TARGET_20) <= set(out["iso3"])                          # zero-filled


def test_model_counts_split_multi_country_cells(tmp_path):
    folder = tmp_path / "epoch_ai"
    folder.mkdir()
    data = pd.DataFrame({
        "Model": ["m1", "m2", "m3", "m4"],
        "Publication date": ["2023-05-01", "2023-07-01", "2024-01-01", "2010-01-01"],
        "Country (of organization)": [
            "United States of America,China,China",
            "United Kingdom of Great Britain and Northern Ireland,Multinational",
            "Korea (Republic of)", "China"],
    })
    data.to_csv(folder / "notable_ai_models.csv", index=False)
    out = epoch._read_models(tmp_path, "notable", "notable_ai_models.csv")
    assert value(out, "epoch.models.notable", "USA", 2023) == 1
    assert value(out, "epoch.models.notable", "CHN", 2023) == 1       # "China,China" once
    assert value(out, "epoch.models.notable", "GBR", 2023) == 1
    assert value(out, "epoch.models.notable", "KOR", 2024) == 1
    assert 2010 not in set(out["year"])                                 # years 2018–2025 only


def test_top500_header_variants(tmp_path):
    folder = tmp_path / "top500"
    folder.mkdir()
    pd.DataFrame({"Country": ["United States", "Korea, South", "United States"],
                  "RMax": [2.0e6, 1.0e6, 5.0e5]}).to_csv(folder / "TOP500_201011_converted.csv",
                                                           index=False)
    pd.DataFrame({"Country": ["South Korea", "Türkiye"],
                  "Rmax [TFlop/s]": [5000.0, 1500.0]}).to_csv(folder / "TOP500_202411_converted.csv",
                                                        index=False)
    pd.DataFrame({"Country": ["Japan"], "Rmax [TFlop/s]": ["1,209,500.5"]}).to_csv(
        folder / "TOP500_202406_tab-separated.csv", index=False, sep="\t")  # June, tab, "1,209.5"
    more = tmp_path / "top500_more_lists"
    more.mkdir()
    pd.DataFrame({"Country": ["China", "Japan"], "Rmax": [90000.0, 1000.0]}).to_csv(
        more / "TOP500_201706.csv", index=False)  # plain header, TFlop/s from June 2017
    pd.DataFrame({"Country": ["China"], "Rmax": [4.0e8]}).to_csv(
        more / "TOP500_201606.csv", index=False)  # plain header, GFlop/s
    pd.DataFrame({"Country": ["France"], "Rmax [TFlop/s]": [7000.0]}).to_csv(
        more / "TOP500_202411.csv", index=False)  # also in top500/: that one wins
    out = top500.read(tmp_path)
    assert value(out, "top500.rmax", "USA", 2010) == pytest.approx(2500.0)  # GFlop/s → TFlop/s
    assert value(out, "top500.systems", "KOR", 2010) == 1
    assert value(out, "top500.systems", "KOR", 2024) == 1
    assert value(out, "top500.systems", "USA", 2024) == 0
    assert value(out, "top500.rmax", "TUR", 2024) == 1500.0
    assert value(out, "top500.systems", "FRA", 2024) == 0
    assert value(out, "top500.june.rmax", "JPN", 2024) == pytest.approx(1209500.5)
    assert value(out, "top500.june.rmax", "CHN", 2017) == pytest.approx(90000.0)
    assert value(out, "top500.june.rmax", "CHN", 2016) == pytest.approx(400000.0)
    assert "JPN" not in set(out.loc[(out["value"] > 0) & (out["series"] == "top500.rmax"), "iso3"])


def test_top500_unit_slip_and_bad_names_are_named(tmp_path):
    folder = tmp_path / "top500"
    folder.mkdir()
    pd.DataFrame({"Country": ["China"], "Rmax [TFlop/s]": [5.0e9]}).to_csv(
        folder / "TOP500_202311.csv", index=False)  # GFlop/s under a TFlop/s header
    with pytest.raises(top500.Top500Error, match="TOP500_202311.csv.*TFlop/s"):
        top500.read(tmp_path)
    pd.DataFrame({"Country": ["Atlantis"], "Rmax [TFlop/s]": [5.0e3]}).to_csv(
        folder / "TOP500_202311.csv", index=False)
    with pytest.raises(top500.Top500Error, match="Atlantis"):
        top500.read(tmp_path)


# ----------------------------------------------------------------------------- ODIN


@needs_raw
def test_odin_headline_scores_match_the_raw_all_categories_rows():
    """Spot checks read independently of the reader: the 2016 file is Latin-1 and says
    'All Categories', the 2022 file is UTF-8 with a BOM and says 'All categories' with
    pluralised score columns; footer rows are not countries."""
    frame = output("odin")
    raw16 = pd.read_csv(RAW / odin.FOLDER / "ODIN_scores_2016.csv", encoding="latin-1",
                        dtype=str)
    row = raw16[(raw16["Country Code"] == "CHN") & (raw16["Data categories"] == "All Categories")]
    assert value(frame, "odin.overall", "CHN", 2016) == float(row["Overall score"].iloc[0])
    raw22 = pd.read_csv(RAW / odin.FOLDER / "ODIN_scores_2022.csv", encoding="utf-8-sig",
                        dtype=str)
    raw22.columns = [c.strip() for c in raw22.columns]
    row = raw22[(raw22["Country Code"] == "DEU") & (raw22["Elements"] == "All categories")]
    assert value(frame, "odin.openness", "DEU", 2022) == float(row["Openness subscores"].iloc[0])
    assert value(frame, "odin.coverage", "DEU", 2022) == float(row["Coverage subscores"].iloc[0])
    assert sorted(frame["year"].unique()) == list(odin.EDITIONS)
    assert frame["value"].between(0, 100).all()
    for year in odin.EDITIONS:
        assert set(TARGET_20) <= set(frame.loc[(frame["year"] == year)
                                               & (frame["series"] == "odin.overall"), "iso3"])


def test_odin_refuses_a_file_without_its_category_column(tmp_path):
    folder = tmp_path / odin.FOLDER
    folder.mkdir()
    (folder / "ODIN_scores_2022.csv").write_text("Year,Country Code,Overall\n2022,USA,70\n",
                                                 encoding="utf-8")
    with pytest.raises(odin.OdinFormatError, match="Elements"):
        odin.read_edition(tmp_path, 2022)


def test_odin_reads_the_all_categories_row_and_drops_footers(tmp_path):
    folder = tmp_path / odin.FOLDER
    folder.mkdir()
    header = ("Year,Region,Region code,Country,Country Code,Elements,\"Coverage subscores\n\","
              "Openness subscores,Overall subscores\n")
    rows = ("2022,Europe,EUZ,Germany,DEU,All categories,80,75,78.8\n"
            "2022,Europe,EUZ,Germany,DEU,Labor,10,10,10\n"
            "23.1.2023 10:35,,,,,,,,\n")
    (folder / "ODIN_scores_2022.csv").write_text(header + rows, encoding="utf-8-sig")
    out = odin.read_edition(tmp_path, 2022).set_index("series")["value"]
    assert out.to_dict() == {"odin.overall": 78.8, "odin.coverage": 80.0,
                             "odin.openness": 75.0}
