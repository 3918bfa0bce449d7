"""The `aidi` command line: one typer app, each command group in `aidi.commands`.

Errors are handled once, here: an `AidiError` (bad input, spec, data file, option) prints its
message on one line to stderr — as plain text, so user text such as `[/b]` in a code or a
file name is never read as Rich markup — and exits with `err.exit_code` (1 input, 2 usage);
typer's usage errors exit 2; anything else is a bug and keeps its traceback.

Only typer's public API is used here (no `import click`): recent typer releases carry their own
copy of click and no longer install it, so a plain `pip install .` has no `click` module.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from aidi.commands.data import data_app
from aidi.errors import AidiError


def report_error(err: AidiError) -> None:
    """Print an AidiError on stderr, one line, without interpreting markup."""
    message = " ".join(str(err).split()) if "\n" not in str(err) else str(err).strip()
    typer.echo(f"error: {message}", err=True)


class AidiGroup(TyperGroup):
    """The root command group: turns every `AidiError` raised below it into a clean exit."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AidiError as err:
            report_error(err)
            raise typer.Exit(err.exit_code) from None


# Each module exposes `register(app)`; the order is the order of `aidi --help`.
COMMAND_MODULES = ("build", "explain", "exposure", "scenario", "gap", "robustness", "trends",
                   "explore", "timeline")

#: The commands each module registers, with the one-line help `aidi --help` shows, so that
#: listing them imports none of the modules (pandas, matplotlib, …): a module is imported
#: when one of its commands runs or shows its own help. tests/test_cli_build.py checks that
#: this table matches what the modules register.
COMMANDS: dict[str, dict[str, str]] = {
    "build": {"build": "Build the index and write scores, the reproduction table, figures and "
                       "report.html.",
              "calibrate": "Re-run the spec's calibration procedure: fitted values, in-/out-of-"
                           "sample and leave-one-out errors."},
    "explain": {"explain": "Every number behind a score: raw values, sources, years, "
                           "imputation, weights."},
    "exposure": {"exposure": "Exposed share, exposure scale and diffusion per economy, by "
                             "industry."},
    "scenario": {"scenario": "Rebuild the index under a scenario and show who moves."},
    "gap": {"gap": "Gap to overtake: the smallest factor on A's indicators that puts A strictly "
                   "above B."},
    "robustness": {
        "uncertainty": "Monte-Carlo uncertainty analysis: rank and index intervals per economy "
                       "over weights, normalisation, aggregation, imputation and leave-one-out.",
        "sensitivity": "Sobol sensitivity analysis: first-order and total indices of each "
                       "choice on each economy's rank and index (SALib).",
        "sobol": "",  # hidden alias of sensitivity
        "audit": "Statistical audit: correlations across levels, Cronbach's alpha, PCA and "
                 "flags."},
    "trends": {"trends": "Check the source's trend claims against the data: claims.csv, fits, "
                         "figures, HTML."},
    "explore": {"explore": "Write explorer.html: chart, table, map, over time and profiles in "
                           "one offline page."},
    "timeline": {"timeline": "Build every yearly edition and write timeline.csv (published "
                             "and comparable series, break flags, who is ranked and why) and "
                             "the trajectory charts.",
                 "diff": "Split every score change from A to B into data (by dimension), "
                         "methodology (by event) and weights, exactly (Owen/Shapley); write "
                         "attribution.csv, attribution_events.csv and a waterfall."},
}


class LazyGroup(AidiGroup):
    """Commands are loaded from their module on first use; help lists them from `COMMANDS`."""

    _listing = False

    def _module_of(self, name: str) -> str | None:
        for module in COMMAND_MODULES:
            if name in COMMANDS.get(module, {}):
                return module
        return None

    def list_commands(self, ctx: Any) -> list[str]:
        lazy = [n for m in COMMAND_MODULES for n in COMMANDS.get(m, {})]
        return list(dict.fromkeys([*lazy, *super().list_commands(ctx)]))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        module = self._module_of(cmd_name)
        if module is None:
            return super().get_command(ctx, cmd_name)
        if self._listing:  # `aidi --help`: a stand-in with the help text, nothing imported
            text = COMMANDS[module][cmd_name]
            return TyperCommand(cmd_name, help=text, short_help=text, hidden=not text)
        sub = typer.Typer()
        importlib.import_module(f"aidi.commands.{module}").register(sub)
        for name, cmd in typer.main.get_group(sub).commands.items():
            self.add_command(cmd, name)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(help="aidi — compute, audit and explore the AI Development Index.",
                  no_args_is_help=True, add_completion=False, cls=LazyGroup)
app.add_typer(data_app, name="data")


def _show_version(value: bool) -> None:
    if value:
        from aidi import __version__

        typer.echo(f"aidi {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True,
                                       callback=_show_version,
                                       help="Show aidi's version and exit.")) -> None:
    """aidi — compute, audit and explore the AI Development Index."""


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
