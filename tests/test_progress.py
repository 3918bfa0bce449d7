"""Progress: named phases on a terminal, nothing when piped or with --quiet.

The protocol (`aidi.progress`) is a plain callable the analysis and API layers call; the
display (`aidi.commands.progress`) is rich's, and only when the console is a terminal. A
terminal is forced here either with `Console(force_terminal=True)` or, for a whole command
run through typer's CliRunner, with rich's own switches TTY_COMPATIBLE / FORCE_COLOR.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from aidi import progress as phases
from aidi.cli import app
from aidi.commands.progress import show_progress

TERMINAL = {"TTY_COMPATIBLE": "1", "FORCE_COLOR": "1", "COLUMNS": "100"}
PIPED = {"TTY_COMPATIBLE": "0", "COLUMNS": "100"}


def _terminal(width: int = 100) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=width, color_system=None), buf


def test_track_reports_each_item_and_the_total() -> None:
    heard: list[tuple] = []
    items = list(phases.track(["a", "b", "c"], lambda *a: heard.append(a), "steps"))
    assert items == ["a", "b", "c"]
    assert heard == [("steps", 0, 3), ("steps", 1, 3), ("steps", 2, 3), ("steps", 3, 3)]
    assert list(phases.track([1, 2], None, "x")) == [1, 2]  # no callback: nothing to call
    heard.clear()
    list(phases.track([1], lambda *a: heard.append(a), "more", total=5, start=3))
    assert heard == [("more", 3, 5), ("more", 4, 5)]
    phases.report(None, "anything", 1, 2)  # None-safe


def test_the_display_is_silent_off_a_terminal_and_with_quiet() -> None:
    piped = Console(file=io.StringIO())
    assert not piped.is_terminal
    with show_progress(piped) as progress:
        assert progress is phases.silent
    console, buf = _terminal()
    with show_progress(console, quiet=True) as progress:
        assert progress is phases.silent
        progress(phases.LOADING)
    assert buf.getvalue() == ""


def test_a_terminal_shows_named_phases_with_counts() -> None:
    console, buf = _terminal()
    with show_progress(console) as progress:
        progress(phases.LOADING)
        progress(phases.BUILDING)
        progress(phases.SAMPLES, 0, 1000)
        progress(phases.SAMPLES, 1000, 1000)
        progress(phases.FIGURES, 3, 8)
        progress(phases.ATTRIBUTION, 37)  # a count with no known end
    text = buf.getvalue()
    for name in ("loading data", "building", "Monte-Carlo samples", "figures"):
        assert name in text
    assert "1,000/1,000" in text and "8/8" in text  # finished: every row complete
    assert "37/37" in text


def test_phase_names_follow_the_language() -> None:
    console, buf = _terminal()
    with show_progress(console, lang="zh") as progress:
        progress(phases.LOADING)
        progress(f"{phases.EDITION} 2019")
        progress(f"{phases.BUILDING} 2023")
    assert "读取数据" in buf.getvalue() and "版本 2019" in buf.getvalue()
    assert "测算 2023" in buf.getvalue()


def _uncertainty(tmp_path, env: dict[str, str], *extra: str) -> str:
    res = CliRunner().invoke(app, ["uncertainty", "--samples", "64", "--out", str(tmp_path),
                                   *extra], env=env)
    assert res.exit_code == 0, res.output
    return res.output


def test_a_command_shows_progress_only_on_a_terminal(tmp_path) -> None:
    shown = _uncertainty(tmp_path / "tty", TERMINAL)
    assert "Monte-Carlo samples" in shown and "64/64" in shown
    piped = _uncertainty(tmp_path / "piped", PIPED)
    assert "Monte-Carlo samples" not in piped and "loading data" not in piped
    # the piped output is the command's own: its table and the files written
    assert "wrote" in piped


@pytest.mark.slow
def test_quiet_hides_the_progress_on_a_terminal(tmp_path) -> None:
    quiet = _uncertainty(tmp_path, TERMINAL, "--quiet")
    assert "Monte-Carlo samples" not in quiet and "loading data" not in quiet


#: Every long command, cheaply configured, and phases its display must name.
LONG_COMMANDS = {
    "build": (["build", "--no-robustness", "--no-figures"], ["loading data", "building"]),
    "sensitivity": (["sensitivity", "--samples", "8"], ["building", "Sobol evaluations"]),
    "audit": (["audit"], ["building", "audit"]),
    "scenario": (["scenario"], ["building", "scenario us-japan-sharing"]),
    "trends": (["trends", "--bootstrap", "10"], ["compute growth fits", "figures"]),
    "timeline": (["timeline", "--from", "2023", "--no-charts"],
                 ["edition 2023", "edition latest"]),
    "diff": (["diff", "2023", "2024"], ["building 2023", "attribution builds"]),
    "exposure": (["exposure", "--no-sensitivity"], ["exposure model", "figures"]),
    "explore": (["explore", "--variants", "20"], ["building", "explorer page"]),
    "gap": (["gap", "CHN", "USA"], ["building", "gap CHN → USA"]),
    "build-asem": (["build", "--spec", "asem"], ["COINr build (asem_example.yaml)"]),
    "calibrate": (["calibrate", "--spec", "cicc-2024"], ["building", "calibration"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LONG_COMMANDS))
def test_every_long_command_names_its_phases_on_a_terminal(name, tmp_path, monkeypatch) -> None:
    """One run per command on an 80-column terminal: its phases are shown, and its tables
    (drawn at the width of piped output) cut no figure (tests/test_narrow_terminal.py)."""
    from tests.test_narrow_terminal import assert_tables_fit

    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))
    args, expected = LONG_COMMANDS[name]
    out = [] if name == "gap" else ["--out", str(tmp_path / "out")]
    res = CliRunner().invoke(app, [*args, *out], env={**TERMINAL, "COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    for phase in expected:
        assert phase in res.output, (phase, res.output[-2000:])
    if name not in ("explore", "build-asem", "calibrate"):  # these print no table
        assert_tables_fit(res.output)


@pytest.mark.slow
def test_data_import_shows_its_phase(tmp_path, monkeypatch) -> None:
    csv = tmp_path / "mine.csv"
    csv.write_text("iso3,year,series,value,unit\nUSA,2022,user.x,1.5,index\n", encoding="utf-8")
    store = tmp_path / "store.duckdb"
    res = CliRunner().invoke(app, ["data", "import", str(csv), "--store", str(store)],
                             env=TERMINAL)
    assert res.exit_code == 0, res.output
    assert "importing mine.csv" in res.output and "stored vintage" in res.output


def test_a_command_console_follows_each_run_s_terminal(monkeypatch) -> None:
    """A console made at import kept the first run's terminal for every later run in the
    process (a 100-column terminal run, then a piped 80-column run drew 100-column tables)."""
    from aidi.commands.console import CommandConsole

    console = CommandConsole()
    for key, value in TERMINAL.items():
        monkeypatch.setenv(key, value)
    assert console.is_terminal and console.width == 100
    monkeypatch.delenv("FORCE_COLOR")
    for key, value in {**PIPED, "COLUMNS": "80"}.items():
        monkeypatch.setenv(key, value)
    assert not console.is_terminal and console.width == 80


def test_no_command_module_makes_its_console_at_import() -> None:
    import importlib
    import pkgutil

    from rich.console import Console

    import aidi.commands
    from aidi.commands.console import CommandConsole

    for info in pkgutil.iter_modules(aidi.commands.__path__):
        module = importlib.import_module(f"aidi.commands.{info.name}")
        made = [name for name, value in vars(module).items() if isinstance(value, Console)]
        assert not made, (info.name, made)
        if "console" in vars(module):
            assert isinstance(module.console, CommandConsole), info.name
