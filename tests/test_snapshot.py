"""Snapshot builder (reproducible, validating, atomic) and loaders of the shipped snapshot."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from aidi.countries import TARGET_20
from aidi.sources.raw import COLUMNS, RawDataMissing, Reader, registered_readers
from aidi.store import snapshot as snap
from aidi.store.snapshot import (
    SnapshotError,
    build_snapshot,
    load_manifest,
    load_observations,
    load_series_catalog,
    load_table,
    snapshot_dir,
)
from tests.conftest import raw_dir

REPO = Path(__file__).resolve().parents[1]




RAW = raw_dir()
SERIES_META = {"fake.a": {"name": "A", "unit": "count", "description": "test"}}


def _rows(**override) -> pd.DataFrame:
    rows = [
        ("USA", 2021, "fake.a", 1.5, "count", "Fake", "fake/data.csv"),
        ("CHN", 2021, "fake.a", 2.0 / 3.0, "count", "Fake", "fake/data.csv"),
        ("DEU", 2022, "fake.a", 123456789.123456, "count", "Fake", "fake/data.csv"),
        ("DEU", 1990, "fake.a", 9.0, "count", "Fake", "fake/data.csv"),  # before MIN_YEAR
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for column, (index, new) in override.items():
        frame[column] = frame[column].astype(object)
        frame.loc[index, column] = new
    return frame


def _reader(frame: pd.DataFrame, name: str = "fake", optional: bool = False,
            tables: dict | None = None) -> Reader:
    return Reader(name=name, read=lambda raw: frame.copy(), series=SERIES_META,
                  tables=tables or {}, optional=optional)


@pytest.fixture
def fake_raw(tmp_path) -> Path:
    raw = tmp_path / "raw"
    (raw / "fake").mkdir(parents=True)
    (raw / "fake" / "data.csv").write_text("anything\n")
    return raw


def _table(raw: Path) -> pd.DataFrame:
    return pd.DataFrame({"industry": ["AB", "D"], "exposure": [0.1, 0.4],
                         "source": ["Fake"] * 2, "file": ["fake/data.csv"] * 2})


# ----------------------------------------------------------------------------- building


def test_build_is_byte_reproducible_and_complete(fake_raw, tmp_path):
    readers = [_reader(_rows(), tables={"toy_table": _table})]
    first, second = tmp_path / "one", tmp_path / "two"
    m1 = build_snapshot(fake_raw, first, readers=readers)
    m2 = build_snapshot(fake_raw, second, readers=readers)
    data1 = (first / "observations.csv.gz").read_bytes()
    assert data1 == (second / "observations.csv.gz").read_bytes()
    assert data1[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0
    assert m1.outputs == m2.outputs
    assert m1.rows["observations"] == 3 and m1.rows["table:toy_table"] == 2
    assert m1.inputs == {"fake/data.csv": hashlib.sha256(b"anything\n").hexdigest()}
    assert m1.sources["fake"] == {"rows": 3, "series": 1, "countries": 3}
    for name, digest in m1.outputs.items():
        assert hashlib.sha256((first / name).read_bytes()).hexdigest() == digest
    obs = load_observations(first)
    assert list(obs.columns) == list(COLUMNS)
    assert list(obs["iso3"]) == ["CHN", "DEU", "USA"]  # sorted by series, iso3, year
    assert obs.loc[obs["iso3"] == "DEU", "value"].iloc[0] == pytest.approx(123456789.1, rel=1e-9)
    catalog = load_series_catalog(first)
    assert catalog.loc[0, "series"] == "fake.a" and catalog.loc[0, "name"] == "A"
    assert load_table("toy_table", first)["exposure"].tolist() == [0.1, 0.4]
    manifest = load_manifest(first)
    assert manifest.outputs == m1.outputs and manifest.min_year == snap.MIN_YEAR
    assert not [p for p in first.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"iso3": (1, "WLD")}, "unknown or aggregate iso3"),
        ({"iso3": (1, "usa")}, "unknown or aggregate iso3"),
        ({"value": (2, float("nan"))}, "not a finite number"),
        ({"value": (2, float("inf"))}, "not a finite number"),
        ({"year": (0, 2021.5)}, "not an integer"),
        ({"unit": (1, "")}, "empty or non-text 'unit'"),
        ({"file": (1, None)}, "empty or non-text 'file'"),
        ({"iso3": (1, "USA")}, "duplicate"),
    ],
)
def test_bad_row_names_reader_file_and_row_and_keeps_snapshot(fake_raw, tmp_path, override,
                                                              reason):
    out = tmp_path / "snap"
    build_snapshot(fake_raw, out, readers=[_reader(_rows())])
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = _reader(_rows(**override), name="broken")
    with pytest.raises(SnapshotError) as info:
        build_snapshot(fake_raw, out, readers=[_reader(_rows(), name="good"), bad])
    message = str(info.value)
    assert "reader 'broken'" in message and reason in message and "row " in message
    assert "fake/data.csv" in message or "'file'" in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_failure_while_writing_leaves_no_temp_and_old_files(fake_raw, tmp_path, monkeypatch):
    out = tmp_path / "snap"
    build_snapshot(fake_raw, out, readers=[_reader(_rows())])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(snap.os, "fsync", boom)
    changed = _rows(value=(0, 99.0))
    with pytest.raises(OSError, match="disk full"):
        build_snapshot(fake_raw, out, readers=[_reader(changed)])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_series_emitted_by_two_readers_is_an_error(fake_raw, tmp_path):
    with pytest.raises(SnapshotError, match="emitted by readers"):
        build_snapshot(fake_raw, tmp_path / "s",
                       readers=[_reader(_rows(), "one"), _reader(_rows(), "two")])


def test_file_column_must_name_existing_raw_files(fake_raw, tmp_path):
    frame = _rows()
    frame["file"] = "fake/missing.csv"
    with pytest.raises(SnapshotError, match="missing.csv"):
        build_snapshot(fake_raw, tmp_path / "s", readers=[_reader(frame)])


def test_missing_sources_optional_skipped_required_raise(fake_raw, tmp_path):
    def absent(raw: Path) -> pd.DataFrame:
        raise RawDataMissing(f"raw data not found: {raw / 'nothing'}")

    optional = Reader(name="extra", read=absent, optional=True)
    manifest = build_snapshot(fake_raw, tmp_path / "s", readers=[_reader(_rows()), optional])
    assert "extra" in manifest.skipped
    required = Reader(name="core", read=absent, optional=False)
    with pytest.raises(RawDataMissing, match="nothing"):
        build_snapshot(fake_raw, tmp_path / "t", readers=[_reader(_rows()), required])
    with pytest.raises(RawDataMissing):
        build_snapshot(tmp_path / "no-such-dir", tmp_path / "u", readers=[_reader(_rows())])


@pytest.mark.skipif(RAW is None, reason="shared raw data not available")
@pytest.mark.slow
def test_real_subset_builds_identically_twice(tmp_path):
    readers = [r for r in registered_readers() if r.name in {"wgi", "epoch", "top500", "itu_gci"}]
    m1 = build_snapshot(RAW, tmp_path / "a", readers=readers)
    m2 = build_snapshot(RAW, tmp_path / "b", readers=readers)
    a = (tmp_path / "a" / "observations.csv.gz").read_bytes()
    assert a == (tmp_path / "b" / "observations.csv.gz").read_bytes()
    assert m1.outputs["observations.csv.gz"] == m2.outputs["observations.csv.gz"]
    assert set(m1.inputs) >= {"wgi/wgidataset.xlsx", "epoch_ai/gpu_clusters.csv"}


# ----------------------------------------------------------------------------- shipped snapshot

shipped = pytest.mark.skipif(not (snapshot_dir() / "observations.csv.gz").is_file(),
                             reason="shipped snapshot not built yet")


@shipped
def test_shipped_observations_follow_the_contract():
    obs = load_observations()
    assert list(obs.columns) == list(COLUMNS)
    assert not obs.duplicated(["iso3", "year", "series"]).any()
    assert obs["year"].dtype == "int64" and obs["value"].dtype == "float64"
    assert obs["year"].min() >= snap.MIN_YEAR
    gdp = obs[(obs["series"] == "wdi.GDP.PPP") & (obs["year"] == 2023)]
    assert set(TARGET_20) <= set(gdp["iso3"])
    obs.loc[:, "value"] = 0.0  # a copy: the cache is not affected
    assert load_observations()["value"].abs().sum() > 0


@shipped
def test_shipped_catalog_manifest_and_tables_agree():
    obs = load_observations()
    catalog = load_series_catalog()
    assert set(catalog["series"]) == set(obs["series"])
    assert {"series", "name", "unit", "source", "file", "description"} <= set(catalog.columns)
    manifest = load_manifest()
    assert manifest.rows["observations"] == len(obs)
    folder = snapshot_dir()
    for name, digest in manifest.outputs.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    for key in manifest.rows:
        if key.startswith("table:"):
            assert len(load_table(key.split(":", 1)[1])) == manifest.rows[key]
    assert (folder / "observations.csv.gz").stat().st_size < 3_000_000


def test_cli_reports_missing_raw_folder(tmp_path):
    import typer
    from typer.testing import CliRunner

    from aidi.commands.data import data_app

    app = typer.Typer()
    app.add_typer(data_app, name="data")  # as in aidi.cli
    result = CliRunner().invoke(app, ["data", "snapshot", "--raw", str(tmp_path / "none"),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "raw data folder not found" in result.output
    assert not (tmp_path / "out").exists()
