"""The `aidi` command line: one typer app, each command group in `aidi.commands`."""

from __future__ import annotations

import importlib

import typer

from aidi.commands.data import data_app

app = typer.Typer(help="aidi — compute, audit and explore the AI Development Index.",
                  no_args_is_help=True, add_completion=False)
app.add_typer(data_app, name="data")

# Each module exposes `register(app)`; the order is the order of `aidi --help`.
COMMAND_MODULES = ("build", "explain", "exposure", "scenario", "robustness")
for _name in COMMAND_MODULES:
    importlib.import_module(f"aidi.commands.{_name}").register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
