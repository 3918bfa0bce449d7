"""At COLUMNS=80 (the width of piped output) nothing is cut off: no option name in `--help`,
no figure and no header in a table.

Rich crops what does not fit with "…". In `--help` every option string a command declares
must appear whole; in a table, a cell that ends in "…" before its border is a crop (an "…"
inside a value, such as an editions range "v1…v3", is text and is allowed).
"""

from __future__ import annotations

import re

import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner

from aidi.cli import COMMAND_MODULES, COMMANDS, app
from aidi.commands.layout import fit, is_figure

NARROW = {"COLUMNS": "80", "TTY_COMPATIBLE": "0"}
#: a cell cropped by rich: "…" then only padding before the column border
CROPPED = re.compile(r"…\s*[│┃]")


def _commands() -> list[list[str]]:
    names = [[n] for m in COMMAND_MODULES for n, text in COMMANDS[m].items() if text]
    group = typer.main.get_group(app)
    data = group.get_command(None, "data")
    return [*names, ["data"], *[["data", n] for n in data.commands]]


def _options(path: list[str]) -> list[str]:
    group = typer.main.get_group(app)
    ctx = group.make_context("aidi", [*path, "--help"], resilient_parsing=True)
    cmd = group
    for name in path:
        cmd = cmd.get_command(ctx, name)
    return [o for p in cmd.params if not getattr(p, "hidden", False)
            for o in (*p.opts, *getattr(p, "secondary_opts", ())) if o.startswith("-")]


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_help_shows_every_option_name_whole(path: list[str]) -> None:
    res = CliRunner().invoke(app, [*path, "--help"], env=NARROW)
    assert res.exit_code == 0, res.output
    assert max(cell_len(line) for line in res.output.splitlines()) <= 80
    for opt in _options(path):
        assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", res.output), \
            f"aidi {' '.join(path)} --help: {opt} is cut off:\n{res.output}"


def test_the_check_catches_a_cropped_option() -> None:
    cropped = "│ --min-availabili…    <float>  drop economies  │"
    assert not re.search(r"(?<![\w-])--min-availability(?![\w-])", cropped)
    assert CROPPED.search("│ 1.000–1.… │")
    assert not CROPPED.search("│ v1…v3     │")


def test_fit_keeps_figures_whole_at_80_columns() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="wide")
    table.add_column("Economy")
    for head in ("Rank", "Median rank", "90% rank interval", "Index", "90% index interval",
                 "Failed samples"):
        table.add_column(head, justify="right")
    for name in ("United States (USA)", "Netherlands (NLD)", "Switzerland (CHE)"):
        table.add_row(name, "12", "15.0", "12.0–19.0", "0.254", "0.096–0.706", "18")
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(fit(table))
    text = console.export_text()
    assert not CROPPED.search(text) and "0.096–0.706" in text and "12.0–19.0" in text
    assert is_figure("+0.263") and is_figure("3→5") and is_figure("—")
    assert is_figure("5.29e+07–8.08e+10") and is_figure("12.5%")
    assert not is_figure("United States") and not is_figure("the weights")


def _no_crop(output: str) -> None:
    crops = [line for line in output.splitlines() if CROPPED.search(line)]
    assert not crops, "\n".join(crops)


def test_data_info_tables_fit(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))
    res = CliRunner().invoke(app, ["data", "info", "--series"], env=NARROW)
    assert res.exit_code == 0, res.output
    _no_crop(res.output)


def assert_tables_fit(output: str) -> None:
    """Every table line fits 80 columns and no cell is cropped (colour codes aside)."""
    output = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)
    table_lines = [line for line in output.splitlines() if set(line) & set("│┃┏└")]
    assert table_lines and max(cell_len(line) for line in table_lines) <= 80
    _no_crop(output)


#: tables not covered by tests/test_progress.py's run of every long command at 80 columns
TABLE_COMMANDS = {
    "uncertainty": ["uncertainty", "--samples", "64"],
    "build-zh": ["build", "--no-robustness", "--no-figures", "--lang", "zh"],
    "uncertainty-zh": ["uncertainty", "--samples", "64", "--lang", "zh"],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TABLE_COMMANDS))
def test_main_tables_fit_80_columns(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))
    res = CliRunner().invoke(app, [*TABLE_COMMANDS[name], "--out", str(tmp_path / "o")],
                             env=NARROW)
    assert res.exit_code == 0, res.output
    assert_tables_fit(res.output)
