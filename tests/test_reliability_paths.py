"""Issue #10, class 3: no file lands outside `--out`.

File names built from user input go through `aidi.io.safe_name` and `out_path`; and every
command, run with `--out` in a temporary folder from another temporary folder, writes
nothing anywhere else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aidi.io import MAX_NAME, OutputError, out_path, safe_name
from tests._reliability import cli, coin_tables


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_safe_name_is_one_plain_component(text):
    name = safe_name(text)
    assert name and len(name) <= MAX_NAME
    assert "/" not in name and "\\" not in name and "\0" not in name
    assert not name.startswith(".") and ".." not in name
    root = Path("/tmp/aidi-root")
    assert out_path(root, name).resolve().parent == root.resolve()


@pytest.mark.parametrize("name", ["../x.csv", "/etc/x.csv", "a/../../x.csv", "..", ""])
def test_out_path_refuses_escapes(tmp_path, name):
    with pytest.raises(OutputError, match="outside the output folder"):
        out_path(tmp_path / "out", name)


def _files(root: Path, skip: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and skip not in p.parents}


@pytest.fixture
def sandbox(tmp_path, tmp_path_factory, monkeypatch):
    """(out, env): cwd, HOME and the store location are temporary folders outside `out`."""
    cwd, home, out = tmp_path / "cwd", tmp_path / "home", tmp_path / "out"
    for d in (cwd, home):
        d.mkdir()
    monkeypatch.chdir(cwd)
    env = {"HOME": str(home), "AIDI_STORE": str(home / "store.duckdb"),
           "XDG_DATA_HOME": str(home / ".local"), "MPLCONFIGDIR":
           str(tmp_path_factory.mktemp("mpl"))}
    return out, env


def _scenario(folder: Path) -> Path:
    from importlib import resources

    shipped = resources.files("aidi.specs").joinpath("scenarios", "us_japan_sharing.yaml")
    data = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    data["id"] = "/../../escaped"
    path = folder / "sc.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.slow
def test_no_command_writes_outside_out(sandbox, tmp_path):
    out, env = sandbox
    inputs = tmp_path / "inputs"
    d, m = coin_tables(inputs)
    imp = inputs / "mine.csv"
    imp.write_text("iso3,year,series,value,unit\nUSA,2020,x,1,count\nNOWHERE,2020,x,2,count\n")
    sc = _scenario(inputs)
    store = out / "store.duckdb"
    commands = [
        ["build", "--no-robustness", "--out", out / "build"],
        ["build", "--coin-data", d, "--coin-meta", m, "--out", out / "coin"],
        ["explain", "CHN", "--csv", out / "explain" / "chn.csv"],
        ["exposure", "--no-sensitivity", "--out", out / "exposure"],
        ["scenario", sc, "--out", out / "scenario"],
        ["uncertainty", "--samples", "50", "--out", out / "unc"],
        ["sensitivity", "--samples", "8", "--resamples", "5", "--out", out / "sens"],
        ["audit", "--out", out / "audit"],
        ["data", "import", imp, "--store", store, "--rejected", out / "rejected.csv"],
        ["data", "info", "--store", store],
    ]
    before = _files(tmp_path, out)
    failed = []
    for args in commands:
        run = cli(*args, env=env)
        if run.exception is not None or run.code != 0:
            failed.append((args[0], run.code, repr(run.exception), run.output[-300:]))
    assert not failed, failed
    assert _files(tmp_path, out) - before == set()
    assert (out / "scenario" / "scenario_escaped.csv").is_file()
    assert (out / "rejected.csv").is_file()
