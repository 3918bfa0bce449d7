"""Issue #10, class 8: no leftovers, no quiet acceptances.

A killed import's temporary copy is removed on the next open; a failed refresh or import
creates no store; a refresh or import with nothing new stores no empty vintage; a Latin-1
CSV is not read as GB18030; repeated YAML keys are refused; unknown options are refused.
"""

from __future__ import annotations

import fcntl

import pytest

from aidi.specs.loader import SpecError, parse_yaml
from aidi.store.duckdb_store import Store
from aidi.store.user_import import decode_text, import_file
from tests._reliability import assert_clean_error, cli


def _leftover(path):
    tmp = path.with_name(f".{path.name}.1a2b3c4d.tmp")
    tmp.write_bytes(b"\0" * 1024)
    return tmp


def test_leftover_copy_is_removed_on_open(store):
    path = store.path
    store.close()
    tmp = _leftover(path)
    Store.open(path).close()
    assert not tmp.exists()


def test_a_live_writers_copy_is_left_alone(store):
    path = store.path
    store.close()
    tmp = _leftover(path)
    with open(path.with_name(f".{path.name}.lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)           # as a writer in progress holds it
        Store.open(path).close()
        assert tmp.exists()
        fcntl.flock(lock, fcntl.LOCK_UN)


def test_failed_refresh_creates_no_store(tmp_path, monkeypatch):
    from aidi.store import refresh as refresh_mod
    from tests.test_connectors import offline_fetcher

    monkeypatch.setattr(refresh_mod, "default_fetcher", lambda session=None: offline_fetcher)
    path = tmp_path / "new" / "store.duckdb"
    run = cli("data", "refresh", "--source", "wdi", "--store", path)
    assert_clean_error(run, 1, "cannot reach")
    assert not path.exists()


def test_refused_import_creates_no_store(tmp_path):
    bad = tmp_path / "mine.csv"
    bad.write_text("iso3,year,series,value,unit\nNOWHERE,2020,x,1,count\n")
    path = tmp_path / "store.duckdb"
    run = cli("data", "import", bad, "--store", path)
    assert_clean_error(run, 1, "store is unchanged")
    assert not path.exists()


def test_nothing_new_stores_no_empty_vintage(store, tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("iso3,year,series,value,unit\nUSA,2020,x,1,count\nCHN,2020,x,2,count\n")
    first = import_file(store, f)
    assert first.vintage_id is not None
    n = len(store.vintages())
    again = import_file(store, f)
    assert again.vintage_id is None and len(store.vintages()) == n


def test_keep_going_refresh_with_nothing_new(store):
    from aidi.store import refresh as refresh_mod
    from tests.test_connectors import SOURCES, offline_fetcher, only, recorded_fetcher

    sources = [only("wdi", "NY.GDP.PCAP.PP.CD", "SP.POP.TOTL"), SOURCES["owid_publications"]]
    refresh_mod.refresh(store, sources, fetch=recorded_fetcher)
    n = len(store.vintages())

    def half(source):
        return offline_fetcher(source) if source.name == "wdi" else recorded_fetcher(source)

    res = refresh_mod.refresh(store, sources, fetch=half, keep_going=True)
    assert res.vintage_id is None and res.stored_rows == 0 and res.unchanged_rows > 0
    assert len(store.vintages()) == n


def test_latin1_csv_is_not_read_as_gb18030():
    notes: list[str] = []
    text = decode_text("country,value\nCôte d'Ivoire,1\nSão Tomé,2\n".encode("latin-1"),
                       "f.csv", notes)
    assert "Côte d'Ivoire" in text and "São Tomé" in text
    assert notes and "not UTF-8" in notes[0] and "Windows-1252" in notes[0]


def test_gbk_csv_is_read_as_chinese_and_said_so():
    notes: list[str] = []
    text = decode_text("国家,数值\n中国,1\n日本,2\n".encode("gbk"), "f.csv", notes)
    assert "中国" in text and "GB18030" in notes[0]


def test_repeated_yaml_keys_are_refused_with_both_lines():
    with pytest.raises(SpecError, match=r"'weight' appears twice.*lines 2 and 3"):
        parse_yaml("id: a\nweight: 1\nweight: 2\n", "s.yaml")


def test_exposure_lang_fr_is_refused(tmp_path):
    run = cli("exposure", "--lang", "fr", "--out", tmp_path, "--no-sensitivity")
    assert_clean_error(run, 2, "--lang")
