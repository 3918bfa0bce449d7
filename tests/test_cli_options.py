"""The options every command shares are declared once (`aidi.commands.options`) and used as such.

Introspects the registered typer commands: a command declaring `--spec`, `--out`, `--lang`, …
must take it from the shared `Annotated` type (the very `OptionInfo` object), so help texts,
types and checks cannot drift; `--lang` refuses anything but en/zh before a command runs.
"""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest
import typer
from typer.testing import CliRunner

from aidi.cli import COMMAND_MODULES, app
from aidi.commands.data import data_app
from aidi.commands.options import SHARED_FLAGS

#: (command, flag) pairs that keep their own declaration, each with its reason.
OWN_DECLARATION = {
    ("data catalogue", "--out"): "a Markdown file to write, not an output folder",
    ("data info", "--edition"): "lists the series of an edition or a vintage id; default latest",
}
#: Placeholder arguments so that option parsing is reached.
ARGS = {"explain": ["X"], "gap": ["A", "B"], "diff": ["2023", "2024"]}


def _commands() -> dict[str, typer.core.TyperCommand]:
    out = {}
    for module in COMMAND_MODULES:
        sub = typer.Typer()
        importlib.import_module(f"aidi.commands.{module}").register(sub)
        out.update(typer.main.get_group(sub).commands)
    for name, cmd in typer.main.get_group(data_app).commands.items():
        out[f"data {name}"] = cmd
    return out


COMMANDS = _commands()


def _shared_uses(name: str, cmd) -> list[tuple[str, bool]]:
    """(flag, uses the shared definition) for each shared flag `cmd` declares."""
    hints = typing.get_type_hints(inspect.unwrap(cmd.callback), include_extras=True)
    out = []
    for param in cmd.params:
        flags = [f for f in getattr(param, "opts", []) if f in SHARED_FLAGS]
        if not flags or isinstance(param, typer.core.TyperArgument):
            continue
        hint = hints.get(param.name)
        info = typing.get_args(hint)[1] if typing.get_origin(hint) is typing.Annotated else None
        out.append((flags[0], info is typing.get_args(SHARED_FLAGS[flags[0]])[1]))
    return out


def test_every_command_is_found():
    assert {"build", "calibrate", "explain", "exposure", "gap", "scenario", "trends",
            "explore", "timeline", "diff", "data snapshot"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_shared_flags_use_the_shared_definition(name):
    own = [flag for flag, shared in _shared_uses(name, COMMANDS[name])
           if not shared and (name, flag) not in OWN_DECLARATION]
    assert not own, f"`aidi {name}` declares {own} itself; use aidi.commands.options"


def test_the_exceptions_are_still_needed():
    """An entry of OWN_DECLARATION whose command now uses the shared option is stale."""
    for (name, flag) in OWN_DECLARATION:
        uses = dict(_shared_uses(name, COMMANDS[name]))
        assert uses.get(flag) is False, (name, flag)


def test_a_command_that_takes_a_spec_takes_a_vintage():
    """Every command that builds the index can be pointed at a state of the data."""
    for name, cmd in COMMANDS.items():
        flags = {f for p in cmd.params for f in getattr(p, "opts", [])}
        if "--spec" in flags:
            assert "--vintage" in flags or "--vintage-a" in flags, name


@pytest.mark.parametrize("name", sorted(n for n in COMMANDS
                                        if ("--lang", True) in _shared_uses(n, COMMANDS[n])))
def test_lang_is_checked_before_the_command_runs(name, tmp_path):
    flags = {f for p in COMMANDS[name].params for f in getattr(p, "opts", [])}
    out = ["--out", str(tmp_path / "o")] if "--out" in flags else []
    res = CliRunner().invoke(app, [*name.split(), *ARGS.get(name, []), "--lang", "fr", *out])
    assert res.exit_code == 2, res.output
    assert "--lang" in res.output and "fr" in res.output
    assert not (tmp_path / "o").exists()  # nothing written, nothing built
