"""Commands that only read create nothing: no store appears in the user's data folder.

The user data folder is platformdirs' (`$XDG_DATA_HOME/aidi` on Linux); each test points HOME
and the XDG folders at an empty temporary folder, unsets AIDI_STORE, and checks that it is
still empty afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidi.cli import app


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("AIDI_STORE", raising=False)
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_DATA_HOME", ".local/share"), ("XDG_CONFIG_HOME", ".config"),
                     ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state")):
        monkeypatch.setenv(var, str(home / sub))
    from platformdirs import user_data_dir

    assert Path(user_data_dir("aidi")).is_relative_to(home)
    return home


def _created(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


def test_data_info_without_a_store_describes_the_snapshot(home: Path) -> None:
    for args in (["data", "info"], ["data", "info", "--series"]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        assert "no local store yet" in res.output
        assert "the embedded snapshot is in use" in res.output
    assert "Series in the embedded snapshot" in res.output
    assert _created(home) == []


def test_data_info_with_an_explicit_missing_store_creates_none(home: Path, tmp_path: Path
                                                               ) -> None:
    target = tmp_path / "elsewhere" / "store.duckdb"
    res = CliRunner().invoke(app, ["data", "info", "--store", str(target)])
    assert res.exit_code == 0 and "no local store yet" in res.output
    assert not target.exists() and not target.parent.exists()


def test_reading_the_latest_data_creates_no_store(home: Path) -> None:
    """`--vintage latest` / `edition="latest"` without a store read the snapshot."""
    import aidi
    from aidi.inputs.vintages import load_vintage

    obs, _, origin = load_vintage("latest")
    assert len(obs) > 1000 and "snapshot" in origin
    res = CliRunner().invoke(app, ["explain", "CHN", "compute", "--vintage", "latest"])
    assert res.exit_code == 0, res.output
    with pytest.raises(aidi.AidiError, match="needs the local store"):
        load_vintage("v3")
    assert _created(home) == []
