"""`aidi data …`: the data layer's commands (snapshot, refresh, info, import)."""

from __future__ import annotations

import typer

data_app = typer.Typer(help="Build the snapshot, refresh from publishers, inspect and import data.",
                       no_args_is_help=True)
