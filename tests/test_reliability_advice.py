"""Issue #10, class 5: messages state the real cause, and none advises deleting intact data.

A corrupt store was called "in use by another program" (the check matched "b*lock*"); a full
disk was called "may be corrupt … delete it", which would destroy a user's imports.
"""

from __future__ import annotations

import errno

import pytest

from aidi.store.duckdb_store import Store, StoreError, _friendly
from tests._reliability import assert_clean_error, cli

CHECKSUM = ("Corrupt database file: computed checksum 6113317906033235039 does not match "
            "stored checksum 6095022977310334815 in block at location 12288")
LOCKED = ('IO Error: Could not set lock on file "/x/store.duckdb": Conflicting lock is held '
          "in /usr/bin/python3 (PID 4242)")
FULL = 'IO Error: Could not write file "/x/store.duckdb": No space left on device'


def test_checksum_error_is_damage_not_a_lock(tmp_path):
    msg = str(_friendly(tmp_path / "s.duckdb", RuntimeError(CHECKSUM)))
    assert "damaged" in msg and "in use" not in msg
    assert "delete" not in msg and "rename" in msg


def test_lock_is_a_lock(tmp_path):
    msg = str(_friendly(tmp_path / "s.duckdb", RuntimeError(LOCKED)))
    assert "in use by another program" in msg and "delete" not in msg


@pytest.mark.parametrize("exc", [RuntimeError(FULL), OSError(errno.ENOSPC, "No space left")])
def test_disk_full_keeps_the_store_and_says_so(tmp_path, exc):
    msg = str(_friendly(tmp_path / "s.duckdb", exc))
    assert "no space left" in msg and "unchanged" in msg
    assert "corrupt" not in msg and "delete" not in msg


def test_disk_full_while_copying_the_store(store, monkeypatch):
    import shutil

    from aidi.store import duckdb_store
    from tests.test_store import refresh_prov, revised

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    before = store.path.read_bytes()
    monkeypatch.setattr(duckdb_store.shutil, "copyfile", full)
    with pytest.raises(StoreError, match="no space left") as err:
        store.add_vintage(revised(), refresh_prov())
    assert "delete" not in str(err.value)
    monkeypatch.setattr(duckdb_store.shutil, "copyfile", shutil.copyfile)
    assert store.path.read_bytes() == before


def _damage(path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(8192, min(len(data), 3 * 262144)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_data_info_on_a_damaged_store_is_one_line(tmp_path, store):
    path = store.path
    store.close()
    _damage(path)
    run = cli("data", "info", "--store", path)
    assert_clean_error(run, 1, str(path))
    assert "in use" not in run.output and "delete" not in run.output
    with pytest.raises(StoreError, match="damaged|cannot be used|not an aidi"), \
            Store.open(path) as s:
        s.info()
