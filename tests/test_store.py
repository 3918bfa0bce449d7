"""The local DuckDB store: seeding, vintages, editions, atomic writes, clear errors.

Every test points AIDI_STORE into tmp_path: the real user data directory is never touched.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from aidi.cli import app
from aidi.engine.pipeline import build
from aidi.sources.validate import DataValidationError
from aidi.store import vintages as vt
from aidi.store.duckdb_store import Provenance, Store, StoreError, store_path
from aidi.store.editions import UnknownEdition
from tests.conftest import tiny_observations


@pytest.fixture(autouse=True)
def _store_env(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "env-store.duckdb"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def revised(value: float = 7.0) -> pd.DataFrame:
    """A refresh that revises CHN s.a 2022 (5 → value) and adds a new year."""
    rows = [("CHN", 2022, "s.a", value, "u", "test refresh", "https://example.org/api"),
            ("USA", 2022, "s.a", 10.0, "u", "test refresh", "https://example.org/api"),
            ("USA", 2023, "s.a", 11.0, "u", "test refresh", "https://example.org/api")]
    return pd.DataFrame(rows, columns=["iso3", "year", "series", "value", "unit", "source", "file"])


def refresh_prov() -> Provenance:
    return Provenance(kind="refresh", label="test refresh", publisher="Example",
                      dataset="demo", url="https://example.org/api",
                      retrieved_at="2025-01-02T03:04:05Z")


# ---- paths -----------------------------------------------------------------------------------

def test_store_path_precedence(tmp_path, monkeypatch):
    assert store_path(tmp_path / "x.duckdb") == tmp_path / "x.duckdb"
    assert store_path() == tmp_path / "env-store.duckdb"
    monkeypatch.setenv("AIDI_STORE", str(tmp_path))  # a folder → store.duckdb inside it
    assert store_path() == tmp_path / "store.duckdb"
    monkeypatch.delenv("AIDI_STORE")
    assert store_path().name == "store.duckdb" and "aidi" in str(store_path())


# ---- seeding and reading ---------------------------------------------------------------------

def test_seed_is_edition_2024(store):
    obs = store.observations("2024")
    expected = tiny_observations().sort_values(["series", "iso3", "year"], kind="mergesort")
    pd.testing.assert_frame_equal(obs, expected.reset_index(drop=True), check_dtype=False)
    assert list(obs.columns) == ["iso3", "year", "series", "value", "unit", "source", "file"]
    v = store.vintages()
    assert list(v["vintage_id"]) == ["v1"] and v.loc[0, "kind"] == "seed"
    eds = store.editions().set_index("edition")
    assert eds.loc["2024", "vintages"] == "v1" and "latest" in eds.index


def test_shipped_snapshot_seed_equals_snapshot(tmp_path):
    from aidi.store.snapshot import load_observations

    with Store.open(tmp_path / "full.duckdb") as s:
        pd.testing.assert_frame_equal(s.observations("2024"), load_observations())
        assert s.vintages().loc[0, "kind"] == "snapshot"
        info = s.info()
        assert info.rows == len(load_observations()) and info.series > 50


def test_newer_shipped_snapshot_is_followed(tmp_path, monkeypatch):
    path = tmp_path / "full.duckdb"
    Store.open(path).close()
    monkeypatch.setattr(vt, "shipped_sha", lambda: "0" * 64)  # as if aidi were upgraded
    with Store.open(path) as s:
        eds = s.editions().set_index("edition")
        assert eds.loc["2024", "vintages"] == "v2" and eds.loc["2024", "revision"] == 2
        assert list(s.vintages()["kind"]) == ["snapshot", "snapshot"]
    with Store.open(path) as s:  # not re-added on the next open
        assert len(s.vintages()) == 2


def test_provenance_columns(store):
    store.add_vintage(revised(), refresh_prov())
    obs = store.observations("latest", provenance=True)
    row = obs[(obs.iso3 == "CHN") & (obs.series == "s.a")].iloc[0]
    assert row.vintage_id == "v2" and row.publisher == "Example"
    assert row.url == "https://example.org/api" and row.retrieved_at == "2025-01-02T03:04:05Z"


# ---- vintages and editions -------------------------------------------------------------------

def test_refresh_stores_only_new_or_revised_values(store):
    vid = store.add_vintage(revised(), refresh_prov())
    v = store.vintages().set_index("vintage_id").loc[vid]
    assert (v.n_new, v.n_changed, v.n_unchanged, v.n_rows) == (1, 1, 1, 2)


def test_editions_latest_and_as_of(store):
    store.add_vintage(revised(7.0), refresh_prov())
    store.add_vintage(revised(8.0), refresh_prov())

    def chn(edition: str) -> float:
        o = store.observations(edition)
        return float(o.query("iso3 == 'CHN' and series == 's.a' and year == 2022").value.iloc[0])

    assert chn("2024") == 5.0
    assert chn("latest") == 8.0
    assert chn("v2") == 7.0 and chn("2") == 7.0 and chn("v1") == 5.0
    assert len(store.observations("latest")) == len(store.observations("2024")) + 1


def test_create_edition_pins(store):
    store.add_vintage(revised(7.0), refresh_prov())
    store.create_edition("mine")                       # frozen latest
    store.add_vintage(revised(9.0), refresh_prov())
    o = store.observations("mine")
    assert float(o.query("iso3 == 'CHN' and series == 's.a' and year == 2022").value.iloc[0]) == 7
    with pytest.raises(ValueError, match="reserved"):
        store.create_edition("latest")
    with pytest.raises(UnknownEdition):
        store.create_edition("x", ["v99"])


def test_unknown_edition_lists_known(store):
    with pytest.raises(UnknownEdition, match="known: latest, 2024, v1"):
        store.observations("2019")


def test_imports_overlay_pinned_editions(store):
    user = pd.DataFrame({"iso3": ["USA", "CHN"], "year": [2022, 2022], "series": "user.x",
                         "value": [1.0, 2.0], "unit": "count", "source": "user import: x.csv",
                         "file": "x.csv"})
    store.add_vintage(user, Provenance(kind="import", label="user import: x.csv"))
    assert set(store.observations("2024")["series"]) >= {"user.x", "s.a"}
    # an import of a published series does not change a pinned edition
    fix = revised(99.0).assign(source="user import: fix.csv")
    store.add_vintage(fix, Provenance(kind="import", label="user import: fix.csv"))
    o = store.observations("2024")
    assert float(o.query("iso3 == 'CHN' and series == 's.a' and year == 2022").value.iloc[0]) == 5


def test_edition_build_unchanged_after_refresh(store, tiny_spec):
    before = build(tiny_spec, store.observations("2024"))
    store.add_vintage(revised(50.0), refresh_prov())
    after = build(tiny_spec, store.observations("2024"))
    pd.testing.assert_frame_equal(before.scores, after.scores)
    latest = build(tiny_spec, store.observations("latest"))
    assert not latest.scores.equals(before.scores)
    assert latest.data.loc["CHN", "a"] == 50.0


def test_add_vintage_rejects_structural_problems(store):
    dup = pd.concat([revised(), revised()], ignore_index=True)
    with pytest.raises(DataValidationError, match="more than once"):
        store.add_vintage(dup, refresh_prov())
    with pytest.raises(DataValidationError, match="missing column"):
        store.add_vintage(revised().drop(columns="unit"), refresh_prov())
    assert len(store.vintages()) == 1


# ---- atomicity -------------------------------------------------------------------------------

def test_failure_mid_transaction_leaves_file_byte_identical(store, monkeypatch):
    path = store.path
    before = sha(path)
    real = vt.insert_observations

    def insert_then_fail(con, keep):
        real(con, keep)                      # rows are in the (copied) database…
        raise RuntimeError("disk full")      # …when the failure hits

    monkeypatch.setattr(vt, "insert_observations", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        store.add_vintage(revised(), refresh_prov())
    assert sha(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        [path.name, f".{path.name}.lock"])
    assert list(store.vintages()["vintage_id"]) == ["v1"]   # the handle still works


def test_large_failed_write_leaves_file_byte_identical(store, monkeypatch):
    """DuckDB writes big uncommitted inserts into the file; the copy-on-write must hide that."""
    before = sha(store.path)
    big = pd.DataFrame({"iso3": "USA", "year": range(1900, 2101), "series": "s.big",
                        "value": 1.0, "unit": "u", "source": "t", "file": "f"})
    big = pd.concat([big.assign(series=f"s.big{i}") for i in range(700)], ignore_index=True)
    real = vt.insert_vintage

    def then_fail(con, frame, prov, **kw):
        real(con, frame, prov, **kw)
        raise RuntimeError("power cut")

    monkeypatch.setattr(vt, "insert_vintage", then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        store.add_vintage(big, refresh_prov())
    assert sha(store.path) == before


# ---- clear errors ----------------------------------------------------------------------------

def test_corrupt_file_gives_one_line_with_the_fix(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as err:
        Store.open(bad)
    msg = str(err.value)
    assert str(bad) in msg and "rename it" in msg and "delete" not in msg and "\n" not in msg
    res = CliRunner().invoke(app, ["data", "info", "--store", str(bad)])
    assert res.exit_code != 0
    assert "Traceback" not in res.output and str(bad) in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_foreign_duckdb_file(tmp_path):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(StoreError, match="not an aidi data store"):
        Store.open(other)


def test_locked_file(tmp_path, store):
    path = store.path
    store.close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("locked", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="in use by another program") as err:
            Store.open(path)
        assert str(path) in str(err.value)
    finally:
        holder.kill()
        holder.wait()


# ---- CLI ---------------------------------------------------------------------------------------

def test_data_info_cli(store):
    store.add_vintage(revised(), refresh_prov())
    path = store.path
    store.close()
    res = CliRunner().invoke(app, ["data", "info", "--store", str(path), "--series"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for text in (str(path), "v1", "v2", "2024", "latest", "s.a", "seed", "refresh"):
        assert text in res.output


def test_handles_see_their_own_writes_and_reopen_sees_others(store):
    other = Store.open(store.path)
    other.add_vintage(revised(), refresh_prov())
    assert list(other.vintages()["vintage_id"]) == ["v1", "v2"]
    with Store.open(store.path) as fresh:
        assert list(fresh.vintages()["vintage_id"]) == ["v1", "v2"]
    store.add_vintage(revised(8.0), refresh_prov())          # based on the file, not the view
    assert list(store.vintages()["vintage_id"]) == ["v1", "v2", "v3"]
    other.close()


# ---- validation --------------------------------------------------------------------------------

@pytest.mark.slow
def test_shipped_snapshot_passes_the_store_validation():
    from aidi.sources.validate import validate_observations
    from aidi.store.snapshot import load_observations

    assert validate_observations(load_observations(), "snapshot").n_rejected == 0


def test_unit_ranges():
    from aidi.sources.validate import unit_range

    assert unit_range("% of population") == (0.0, 100.0)
    assert unit_range("percentile rank (0-100)") == (0.0, 100.0)
    assert unit_range("score 0-100") == (0.0, 100.0)
    assert unit_range("count") == (0.0, None)
    assert unit_range("% of GDP") is None and unit_range("current US$") is None


def test_validation_rules_and_names():
    from aidi.sources.validate import SeriesRule, validate_observations

    frame = pd.DataFrame({
        "country": ["美国", "Korea, Rep.", "WLD", "USA", "USA", "CHN"],
        "year": [2022, 2022, 2022, 2023, 2023, 2022.5],
        "series": ["x", "x", "x", "x", "x", "x"], "value": [1, 2, 1, 1, 1.5, 1],
        "unit": "index"})
    rep = validate_observations(frame, "t.csv", rules={"x": SeriesRule(0, 1.5)})
    assert list(rep.accepted["iso3"]) == ["USA"]
    reasons = dict(zip(rep.rejected["row"], rep.rejected["rule"], strict=True))
    assert reasons == {2: "range", 3: "aggregate", 4: "duplicate", 5: "duplicate", 6: "year"}
    with pytest.raises(DataValidationError, match="missing column"):
        validate_observations(frame.drop(columns="unit"), "t.csv")
