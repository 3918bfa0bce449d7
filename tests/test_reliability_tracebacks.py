"""Issue #10, class 4: every bad input ends in one clean line, never a Python traceback.

The CLI has one handler (`aidi.cli.AidiGroup`): an `AidiError` prints `error: …` as plain
text (user text such as `[/b]` is not Rich markup) and exits 1 (input) or 2 (usage); any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno

import pytest
import typer
from typer.testing import CliRunner

from aidi.cli import AidiGroup
from aidi.errors import AidiError, InputError, UsageError
from aidi.io import OutputError, atomic_write, check_writable, write_text
from aidi.sources.coinr import CoinTableError, read_coin
from aidi.sources.validate import DataValidationError
from aidi.store.user_import import read_cells
from tests._reliability import assert_clean_error, cli, coin_tables


def _tiny_app(exc: BaseException) -> typer.Typer:
    app = typer.Typer(cls=AidiGroup)

    @app.command()
    def boom() -> None:
        raise exc

    @app.command()
    def other() -> None:  # two commands, so `boom` is a subcommand as in aidi
        pass

    return app


@pytest.mark.parametrize(("exc", "code"), [(InputError("bad [/b] code [red]x"), 1),
                                           (UsageError("--samples [/b]"), 2)])
def test_handler_prints_user_text_verbatim_on_one_line(exc, code):
    res = CliRunner().invoke(_tiny_app(exc), ["boom"])
    assert res.exit_code == code
    assert isinstance(res.exception, SystemExit)
    assert res.stderr.strip() == f"error: {exc}"


def test_handler_keeps_the_traceback_of_a_bug():
    res = CliRunner().invoke(_tiny_app(RuntimeError("a bug")), ["boom"])
    assert isinstance(res.exception, RuntimeError)


def test_markup_in_a_country_code_is_printed_not_parsed():
    run = cli("scenario", "--countries", "USA,[/b]", "--out", "unused")
    assert_clean_error(run, 1, "[/b]")


def test_out_that_is_a_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    run = cli("exposure", "--out", f, "--no-sensitivity")
    assert_clean_error(run, 1, "existing file")


def test_unwritable_output_names_the_file(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="blocker"):
        check_writable(blocker / "lineage.csv", "--csv")
    with pytest.raises(OutputError, match="a file is in the way"):
        write_text("x", blocker / "out.txt")


def test_disk_full_while_writing_is_one_line_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("old")

    def full(tmp: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as err:
        atomic_write(target, full)
    assert "disk is full" in str(err.value) and "delete" not in str(err.value)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]   # no temporary left


@pytest.mark.parametrize(("args", "fragment"), [
    (["--weight-spread", "-1"], "--weight-spread"),
    (["--normalisations", "softmax"], "softmax"),
])
def test_out_of_range_uncertainty_options(args, fragment, tmp_path):
    run = cli("uncertainty", "--samples", "10", "--out", tmp_path, *args)
    assert_clean_error(run, 2, fragment)


def test_broken_scenario_yaml(tmp_path):
    bad = tmp_path / "sc.yaml"
    bad.write_text("id: [\n")
    run = cli("scenario", bad, "--out", tmp_path / "o")
    assert_clean_error(run, 1, "sc.yaml:2", "not valid YAML")


@pytest.mark.parametrize(("content", "fragment"), [
    (b"a,b\x00,c\n1,2,3\n", "NUL"),
    (b"iso3,year,year,value\nUSA,2020,2020,1\n", "more than once"),
    (b"iso3,,year\nUSA,x,2020\n", "no header"),
    (b"iso3,row,year\nUSA,1,2020\n", "'row'"),
])
def test_csv_quirks_are_named(tmp_path, content, fragment):
    f = tmp_path / "mine.csv"
    f.write_bytes(content)
    with pytest.raises(DataValidationError, match=fragment):
        read_cells(f)


def test_empty_coinr_table(tmp_path):
    d, m = coin_tables(tmp_path)
    d.write_text("")
    with pytest.raises(CoinTableError, match="empty"):
        read_coin(d, m)


def test_every_domain_error_is_an_aidi_error():
    for exc in (CoinTableError, DataValidationError, OutputError):
        assert issubclass(exc, AidiError)
