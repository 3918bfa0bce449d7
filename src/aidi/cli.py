"""The `aidi` command line: one typer app, each command group in `aidi.commands`."""

from __future__ import annotations

import typer

from aidi.commands.data import data_app

app = typer.Typer(help="aidi — compute, audit and explore the AI Development Index.",
                  no_args_is_help=True, add_completion=False)
app.add_typer(data_app, name="data")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
