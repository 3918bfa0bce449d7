"""What a newcomer meets first: the version, and commands that work with nothing but the package."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from typer.testing import CliRunner

import aidi
from aidi.cli import app
from tests.conftest import asem_tables, raw_dir


def test_version_comes_from_the_package_metadata() -> None:
    assert aidi.__version__ == version("aidi")
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"aidi {version('aidi')}"



def test_asem_tables_are_shipped_in_the_package() -> None:
    """`--spec asem` reads the package's own copy first, so it needs no raw-data folder."""
    from aidi.specs.loader import shipped_spec_path

    data, meta = asem_tables()
    spec_dir = shipped_spec_path("asem").parent
    assert data == spec_dir / "coinr_asem" / "ASEM_iData.csv" and data.is_file()
    assert meta == spec_dir / "coinr_asem" / "ASEM_iMeta.csv" and meta.is_file()
    assert "bluefoxr/COINr" in (spec_dir / "coinr_asem" / "SOURCE.md").read_text("utf-8")


@pytest.mark.skipif(raw_dir() is None or not (raw_dir() / "coinr_asem").is_dir(),
                    reason="raw-data folder with coinr_asem/ absent (needs ../shared/data/raw "
                           "or AIDI_RAW_DIR): nothing to compare the packaged copy with")
def test_the_packaged_asem_tables_equal_the_raw_files() -> None:
    raw = raw_dir() / "coinr_asem"
    for path in asem_tables():
        assert path.read_bytes() == (raw / path.name).read_bytes(), path.name


def test_spec_asem_commands_need_no_raw_folder(tmp_path, monkeypatch) -> None:
    """With no raw-data folder at all, `--spec asem` builds from the packaged tables."""
    import aidi.sources.coinr_steps as coinr_steps

    monkeypatch.setattr(coinr_steps, "raw_roots", lambda: [])
    monkeypatch.setenv("AIDI_RAW_DIR", str(tmp_path / "nowhere"))
    res = CliRunner().invoke(app, ["build", "--spec", "asem", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b" / "scores.csv").is_file() and "CHE" in res.output
    res = CliRunner().invoke(app, ["uncertainty", "--spec", "asem", "--samples", "16",
                                   "--out", str(tmp_path / "u")])
    assert res.exit_code == 0, res.output
