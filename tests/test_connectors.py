"""Connectors on recorded responses, and `aidi data refresh` — never touching the network.

The fixtures in tests/fixtures/recorded/ are responses in the publishers' exact formats (WB API
v2 JSON pages, IMF DataMapper JSON, OECD SDMX-ML generic data, OWID grapher CSV, Epoch CSV).
Fetchers are injected: a fake one replays them, an offline one raises ConnectionError.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import requests
from typer.testing import CliRunner

from aidi.cli import app
from aidi.sources.connectors import (
    Payload,
    SourceConfig,
    SourceUnreachable,
    connector,
    load_sources,
    select_sources,
)
from aidi.sources.connectors.base import describe_network_error
from aidi.sources.validate import DataValidationError, validate_observations
from aidi.store import refresh as refresh_mod
from aidi.store import vintages as vt
from aidi.store.duckdb_store import Store
from tests.conftest import tiny_observations

REC = Path(__file__).parent / "fixtures" / "recorded"
WHEN = "2025-07-03T10:00:00Z"
SOURCES = {s.name: s for s in load_sources()}


@pytest.fixture(autouse=True)
def _store_env(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))


def only(name: str, *codes: str) -> SourceConfig:
    src = SOURCES[name]
    return src.model_copy(update={"series": tuple(s for s in src.series if s.code in codes)})


def wb_payload() -> Payload:
    codes = ("NY.GDP.PCAP.PP.CD", "SP.POP.TOTL")
    return Payload("wdi", {c: json.loads((REC / f"worldbank_{c}.json").read_text()) for c in codes},
                   {}, retrieved_at=WHEN, publisher_vintage="2025-07-01")


def file_payload(name: str, fixture: str) -> Payload:
    return Payload(name, {"file": (REC / fixture).read_bytes()}, {}, retrieved_at=WHEN)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- config ----------------------------------------------------------------------------------

def test_shipped_sources_file_is_valid():
    kinds = {s.kind for s in SOURCES.values()}
    assert kinds == {"worldbank", "imf_datamapper", "oecd_sdmx", "file_url"}
    wdi = {s.id for s in SOURCES["wdi"].series}
    assert "wdi.NY.GDP.PCAP.PP.CD" in wdi and "wdi.SP.POP.TOTL" in wdi
    assert {s.id for s in SOURCES["wgi"].series} >= {"wgi.rq.estimate"}


def test_refreshed_ids_keep_the_snapshot_units():
    """A refresh must not change a snapshot series' unit (it would mix definitions)."""
    from aidi.store.snapshot import load_series_catalog

    cat = load_series_catalog().set_index("series")["unit"]
    for src in SOURCES.values():
        for s in src.series:
            if s.id in cat.index:
                assert s.unit == cat[s.id], (src.name, s.id)


def test_select_sources():
    assert [s.name for s in select_sources(list(SOURCES.values()), ["wdi"])] == ["wdi"]
    with pytest.raises(ValueError, match="unknown source"):
        select_sources(list(SOURCES.values()), ["nope"])


def test_duplicate_series_across_sources_rejected(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("""
sources:
  - {name: a, kind: imf_datamapper, publisher: p, dataset: d, source: s, url: https://x.org,
     series: [{code: X, id: same.id, unit: count}]}
  - {name: b, kind: imf_datamapper, publisher: p, dataset: d, source: s, url: https://x.org,
     series: [{code: Y, id: same.id, unit: count}]}
""")
    with pytest.raises(ValueError, match="same.id"):
        load_sources(bad)


# ---- parsing recorded responses --------------------------------------------------------------

def test_worldbank_parse_v2_pages():
    src = only("wdi", "NY.GDP.PCAP.PP.CD", "SP.POP.TOTL")
    parsed = connector("worldbank").parse(wb_payload(), src)
    assert len(parsed) == 12                          # the null DEU 2024 value is skipped
    report = validate_observations(parsed, "wdi", rules=src.rules())
    acc = report.accepted.set_index(["iso3", "year", "series"])
    assert acc.loc[("USA", 2023, "wdi.NY.GDP.PCAP.PP.CD"), "value"] == pytest.approx(82769.4122114216)
    assert acc.loc[("CHN", 2023, "wdi.SP.POP.TOTL"), "value"] == 1410710000
    assert ("XKX", 2023, "wdi.NY.GDP.PCAP.PP.CD") in acc.index      # Kosovo is an economy
    assert set(report.rejected["country"]) == {"AFE", "WLD", "EUU"}
    assert set(report.rejected["rule"]) == {"aggregate"}
    assert acc["publisher_vintage"].eq("2025-07-01").all()
    assert acc["series_code"].isin(["NY.GDP.PCAP.PP.CD", "SP.POP.TOTL"]).all()


def test_worldbank_parse_wbgapi_rows():
    """`fetch` stores wbgapi's rows (the v2 row objects without the page header)."""
    rows = json.loads((REC / "worldbank_SP.POP.TOTL.json").read_text())[1]
    payload = Payload("wdi", {"SP.POP.TOTL": rows}, {}, retrieved_at=WHEN)
    parsed = connector("worldbank").parse(payload, only("wdi", "SP.POP.TOTL"))
    assert list(parsed["country"]) == ["CHN", "DEU", "USA", "EUU"]
    assert parsed["file"].str.contains("indicator/SP.POP.TOTL").all()


def test_worldbank_fetch_uses_wbgapi(monkeypatch):
    import wbgapi

    calls = []
    rows = json.loads((REC / "worldbank_SP.POP.TOTL.json").read_text())[1]
    monkeypatch.setattr(wbgapi, "fetch", lambda url, params: calls.append((url, params)) or rows)
    monkeypatch.setattr(wbgapi.source, "get", lambda db: {"lastupdated": "2025-07-01"})
    payload = connector("worldbank").fetch(only("wdi", "SP.POP.TOTL"), None)
    assert calls[0][0] == "country/all/indicator/SP.POP.TOTL"
    assert calls[0][1]["source"] == 2 and calls[0][1]["date"].startswith("2000:")
    assert payload.publisher_vintage == "2025-07-01" and payload.responses["SP.POP.TOTL"] == rows
    assert wbgapi.get_options == {}  # the timeout setting is restored


def test_imf_datamapper_parse_drops_groups_and_projections():
    src = only("imf_weo", "NGDPDPC")
    body = json.loads((REC / "imf_datamapper_NGDPDPC.json").read_text())
    payload = Payload("imf_weo", {"NGDPDPC": body}, {}, retrieved_at="2025-04-22T00:00:00Z")
    parsed = connector("imf_datamapper").parse(payload, src)
    assert set(parsed["country"]) == {"USA", "CHN", "DEU"}          # no WEOWORLD/ADVEC, no VEN nulls
    assert parsed["year"].astype(int).max() == 2024                 # 2025+ are projections
    report = validate_observations(parsed, "imf", rules=src.rules())
    assert report.n_rejected == 0 and report.n_accepted == 12


def test_oecd_sdmx_parse_generic_data():
    src = only("oecd_msti", ".A.G.PT_B1GQ..")
    payload = Payload("oecd_msti", {".A.G.PT_B1GQ..": (REC / "oecd_msti_gerd.xml").read_bytes()},
                      {}, retrieved_at=WHEN)
    parsed = connector("oecd_sdmx").parse(payload, src)
    acc = validate_observations(parsed, "oecd").accepted.set_index(["iso3", "year"])
    assert acc.loc[("USA", 2022), "value"] == pytest.approx(3.5873)
    assert acc.loc[("CHN", 2023), "value"] == pytest.approx(2.5773)
    assert len(acc) == 4                                             # EU27_2020 is a group
    assert acc["publisher_vintage"].str.startswith("2025-03-14").all()


def test_oecd_fetch_builds_the_sdmx_request():
    class Session:
        sent: list = []

        def send(self, prepared, timeout):
            self.sent.append(prepared)
            resp = requests.Response()
            resp.status_code, resp._content = 200, (REC / "oecd_msti_gerd.xml").read_bytes()
            return resp

    session = Session()
    payload = connector("oecd_sdmx").fetch(only("oecd_msti", ".A.G.PT_B1GQ.."), session)
    url = session.sent[0].url
    assert url.startswith("https://sdmx.oecd.org/public/rest/data/OECD.STI.STP,DSD_MSTI@DF_MSTI")
    assert "/.A.G.PT_B1GQ.." in url and "startPeriod=2000" in url
    assert "genericdata" in session.sent[0].headers["Accept"]
    assert payload.urls[".A.G.PT_B1GQ.."] == url


def test_owid_grapher_csv():
    parsed = connector("file_url").parse(
        file_payload("owid_publications",
                     "owid_annual-scholarly-publications-on-artificial-intelligence.csv"),
        SOURCES["owid_publications"])
    report = validate_observations(parsed, "owid")
    acc = report.accepted.set_index(["iso3", "year"])
    assert acc.loc[("CHN", 2022), "value"] == 121624 and acc.loc[("XKX", 2022), "value"] == 63
    assert list(report.rejected["row"]) == [10]                     # OWID_WRL, file line 10
    assert "ASEAN" not in " ".join(parsed["country"])                # blank Code = region


def test_epoch_records_counted_like_the_snapshot_reader():
    parsed = connector("file_url").parse(
        file_payload("epoch_notable", "epoch_notable_ai_models.csv"), SOURCES["epoch_notable"])
    acc = validate_observations(parsed, "epoch").accepted.set_index(["iso3", "year"])["value"]
    assert acc[("USA", 2023)] == 2 and acc[("GBR", 2023)] == 1      # joint model: both count
    assert acc[("CHN", 2024)] == 2                                   # "China,China" counts once
    assert acc[("DEU", 2022)] == 0                                   # zero-filled (TARGET_20)
    assert acc.index.get_level_values("year").min() == 2018          # 2015 model outside window


def test_file_url_column_patterns_report_what_the_file_has():
    src = SOURCES["owid_publications"]
    bad = src.model_copy(update={"series": (src.series[0].model_copy(
        update={"columns": ("Nope*",)}),)})
    with pytest.raises(ValueError, match="no single value"):
        connector("file_url").parse(
            file_payload("owid_publications",
                         "owid_annual-scholarly-publications-on-artificial-intelligence.csv"), bad)


def test_describe_network_error():
    exc = requests.ConnectionError(
        "HTTPSConnectionPool(host='api.worldbank.org', port=443): Max retries exceeded "
        "(Caused by NameResolutionError(\"Failed to resolve 'api.worldbank.org' "
        "([Errno -3] Temporary failure in name resolution)\"))")
    assert describe_network_error(exc) == "Temporary failure in name resolution"
    resp = requests.Response()
    resp.status_code, resp.reason = 503, "Service Unavailable"
    assert describe_network_error(requests.HTTPError(response=resp)) == "HTTP 503 Service Unavailable"


# ---- refresh -----------------------------------------------------------------------------------

def recorded_fetcher(source: SourceConfig) -> Payload:
    return {"wdi": wb_payload(),
            "owid_publications": file_payload(
                "owid_publications",
                "owid_annual-scholarly-publications-on-artificial-intelligence.csv")}[source.name]


def offline_fetcher(source: SourceConfig) -> Payload:
    raise requests.ConnectionError(
        f"HTTPSConnectionPool(host='{source.host}', port=443): Max retries exceeded "
        "(Caused by NameResolutionError(\"[Errno -3] Temporary failure in name resolution\"))")


@pytest.fixture
def seeded(tmp_path):
    seed = pd.concat([tiny_observations(), pd.DataFrame([
        ("CHN", 2023, "wdi.SP.POP.TOTL", 1.4e9, "persons", "World Bank WDI", "wdi/SP.POP.TOTL.csv"),
        ("USA", 2023, "wdi.SP.POP.TOTL", 334914895.0, "persons", "World Bank WDI",
         "wdi/SP.POP.TOTL.csv")], columns=tiny_observations().columns)], ignore_index=True)
    path = tmp_path / "store.duckdb"
    Store.open(path, seed=seed).close()
    return path


def test_refresh_stores_one_vintage_with_provenance(seeded):
    sources = [only("wdi", "NY.GDP.PCAP.PP.CD", "SP.POP.TOTL"), SOURCES["owid_publications"]]
    with Store.open(seeded) as store:
        result = refresh_mod.refresh(store, sources, fetch=recorded_fetcher)
        assert result.vintage_id == "v2"
        assert result.unchanged_rows == 1                       # USA 2023 population identical
        latest = store.observations("latest", provenance=True)
        pop = latest.query("series == 'wdi.SP.POP.TOTL' and iso3 == 'CHN'").iloc[0]
        assert pop.value == 1410710000 and pop.vintage_id == "v2"
        assert pop.publisher == "World Bank" and pop.retrieved_at == WHEN
        assert pop.url.startswith("https://api.worldbank.org/v2/country/all/indicator/SP.POP.TOTL")
        assert "owid.cset.publications" in set(latest["series"])
        assert store.observations("2024").query("series == 'wdi.SP.POP.TOTL' and iso3 == 'CHN'"
                                                ).value.iloc[0] == 1.4e9
        v = store.vintages().set_index("vintage_id").loc["v2"]
        assert v.kind == "refresh" and v.sources == "wdi,owid_publications"


def test_offline_refresh_leaves_store_unchanged(seeded):
    before = sha(seeded)
    with Store.open(seeded) as store, pytest.raises(SourceUnreachable) as err:
        refresh_mod.refresh(store, [only("wdi", "SP.POP.TOTL")], fetch=offline_fetcher)
    assert str(err.value) == ("cannot reach api.worldbank.org: Temporary failure in name "
                              "resolution; the store is unchanged")
    assert sha(seeded) == before


def test_second_source_failing_leaves_store_unchanged(seeded):
    """All sources are fetched before anything is written."""
    before = sha(seeded)
    calls = []

    def flaky(source):
        calls.append(source.name)
        if source.name == "owid_publications":
            raise requests.Timeout("read timed out")
        return recorded_fetcher(source)

    sources = [only("wdi", "NY.GDP.PCAP.PP.CD", "SP.POP.TOTL"), SOURCES["owid_publications"]]
    with Store.open(seeded) as store, pytest.raises(SourceUnreachable, match="ourworldindata"):
        refresh_mod.refresh(store, sources, fetch=flaky)
    assert calls == ["wdi", "owid_publications"] and sha(seeded) == before


def test_keep_going_stores_what_was_reached(seeded):
    def half(source):
        return offline_fetcher(source) if source.name == "owid_publications" \
            else recorded_fetcher(source)

    sources = [only("wdi", "NY.GDP.PCAP.PP.CD", "SP.POP.TOTL"), SOURCES["owid_publications"]]
    with Store.open(seeded) as store:
        result = refresh_mod.refresh(store, sources, fetch=half, keep_going=True)
        assert [e.source for e in result.unreachable] == ["owid_publications"]
        assert store.vintages().iloc[-1]["sources"] == "wdi"


def test_failure_while_storing_leaves_store_unchanged(seeded, monkeypatch):
    before = sha(seeded)
    monkeypatch.setattr(vt, "insert_observations",
                        lambda con, keep: (_ for _ in ()).throw(RuntimeError("killed")))
    with Store.open(seeded) as store, pytest.raises(RuntimeError, match="killed"):
        refresh_mod.refresh(store, [only("wdi", "SP.POP.TOTL")], fetch=recorded_fetcher)
    assert sha(seeded) == before


def test_unit_change_is_rejected(seeded):
    src = only("wdi", "SP.POP.TOTL")
    src = src.model_copy(update={"series": (src.series[0].model_copy(update={"unit": "millions"}),)})
    with Store.open(seeded) as store, pytest.raises(DataValidationError, match="store's unit"):
        refresh_mod.refresh(store, [src], fetch=recorded_fetcher)


def test_strict_refuses_any_rejected_row(seeded):
    with Store.open(seeded) as store, pytest.raises(DataValidationError, match="aggregate"):
        refresh_mod.refresh(store, [only("wdi", "SP.POP.TOTL")], fetch=recorded_fetcher,
                            strict=True)


# ---- CLI ---------------------------------------------------------------------------------------

def test_cli_refresh_offline(seeded, monkeypatch):
    before = sha(seeded)
    monkeypatch.setattr(refresh_mod, "default_fetcher", lambda session=None: offline_fetcher)
    res = CliRunner().invoke(app, ["data", "refresh", "--source", "wdi", "--store", str(seeded)])
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        "cannot reach api.worldbank.org: Temporary failure in name resolution; the store is "
        "unchanged"]
    assert sha(seeded) == before


def test_cli_refresh_recorded(seeded, monkeypatch, tmp_path):
    monkeypatch.setattr(refresh_mod, "default_fetcher", lambda session=None: recorded_fetcher)
    monkeypatch.setattr(refresh_mod, "connector", _connector_for_subset)
    rejected = tmp_path / "rejected.csv"
    res = CliRunner().invoke(app, ["data", "refresh", "-s", "wdi", "-s", "owid_publications",
                                   "--rejected", str(rejected)])          # store from AIDI_STORE
    assert res.exit_code == 0, res.output
    assert "stored vintage v2" in res.output and "aggregate" in res.output
    assert set(pd.read_csv(rejected)["rule"]) == {"aggregate"}


def _connector_for_subset(kind):
    """The real connector, but WDI parsed for the two recorded codes only."""
    real = connector(kind)
    if kind != "worldbank":
        return real
    return type(real)(real.fetch, lambda payload, source: real.parse(
        payload, only("wdi", *payload.responses)))


def test_cli_unknown_source(seeded):
    res = CliRunner().invoke(app, ["data", "refresh", "--source", "nope", "--store", str(seeded)])
    assert res.exit_code == 2 and "unknown source" in res.output
