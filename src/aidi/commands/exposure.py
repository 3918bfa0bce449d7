"""`aidi exposure`: the AI-exposure model behind Market Friendliness, and its checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from aidi.commands.console import CommandConsole
from aidi.commands.layout import print_table
from aidi.commands.options import (
    CountriesOpt,
    EditionOpt,
    Lang,
    LangOpt,
    OutOpt,
    QuietOpt,
    SpecOpt,
    VintageOpt,
)
from aidi.commands.progress import show_progress
from aidi.progress import FIGURES, LOADING, report

if TYPE_CHECKING:
    import pandas as pd

console = CommandConsole()

#: The exposure tables shipped in the snapshot (`--variant`).
VARIANTS = ("aiie", "lm_aiie", "ig_aiie")


@dataclass(frozen=True)
class ExposureRun:
    """What `aidi exposure` computed, for the tables it prints."""

    result: object          # aidi.inputs.exposure_model.ExposureResult
    summary: pd.DataFrame
    comparison: pd.DataFrame
    sensitivity: pd.DataFrame | None
    n_tables: int
    n_figures: int


def register(app: typer.Typer) -> None:
    @app.command("exposure")
    def exposure_cmd(
        out: OutOpt = Path("aidi-out"),
        variant: str = typer.Option("aiie", "--variant",
                                    help="exposure table: aiie, lm_aiie or ig_aiie"),
        exposure_table: Path = typer.Option(None, "--exposure-table",
                                            help="your own CSV with columns industry,exposure"),
        share_method: str = typer.Option(
            "minmax", "--share-method",
            help="standardised AIIE score → 0–1 exposure: minmax (default), rank or logistic"),
        diffusion: str = typer.Option(
            "effective_number", "--diffusion",
            help="variance → diffusion: effective_number (default), inverse_variance, evenness"),
        spec: SpecOpt = None,
        countries: CountriesOpt = None,
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        sensitivity: bool = typer.Option(True, "--sensitivity/--no-sensitivity",
                                         help="rebuild the index with every exposure table"),
        lang: LangOpt = Lang.en,
        quiet: QuietOpt = False,
    ) -> None:
        """Exposed share, exposure scale and diffusion per economy, by industry."""
        from aidi.inputs.model_series import ExposureSettings

        _check_choices(variant, share_method, diffusion)
        settings = ExposureSettings(variant="user" if exposure_table else variant,
                                    user_table=exposure_table, share_method=share_method,
                                    diffusion=diffusion)
        with output_set_for(out, variant) as txn, \
                show_progress(console, quiet, lang) as progress:
            run = _run(txn.stage, settings, spec, edition, vintage, countries, sensitivity,
                       lang, progress)
        _print_run(run, out)


def output_set_for(out: Path, variant: str):
    """The output set `aidi exposure` writes into `out` (a kill keeps the old set or the new)."""
    from aidi.output_set import output_set

    return output_set(out, "exposure", meta={"command": "exposure", "variant": variant})


def _check_choices(variant: str, share_method: str, diffusion: str) -> None:
    from aidi.errors import UsageError
    from aidi.inputs import exposure_model as ex

    for option, value, allowed in (
            ("--variant", variant, VARIANTS),
            ("--share-method", share_method, ex.SHARE_METHODS),
            ("--diffusion", diffusion, tuple(ex.DIFFUSION_METHODS))):
        if value not in allowed:
            raise UsageError(f"{option} must be one of {', '.join(allowed)}, got {value!r}")


def _run(stage: Path, settings, spec: str | None, edition: str | None, vintage: str | None,
         countries: str | None, sensitivity: bool, lang: str, progress) -> ExposureRun:
    """The exposure model on the spec's inputs, its tables and chart written to `stage`, and
    (with `sensitivity`) the index rebuilt with every exposure table."""
    from aidi.analysis.exposure import compare_with_source
    from aidi.api import load_inputs
    from aidi.engine.pipeline import resolve_units
    from aidi.inputs import exposure_model as ex
    from aidi.inputs.model_series import ExposureSettings, run_exposure
    from aidi.io import write_csv
    from aidi.report.exposure_chart import exposure_stacked_bar

    report(progress, LOADING)
    inputs = load_inputs(spec, edition=edition, countries=countries, vintage=vintage)
    obs = inputs.observations
    unit_list = resolve_units(inputs.spec, obs, inputs.units)
    report(progress, "exposure model")
    result = run_exposure(obs, settings, countries=unit_list)
    summary, long = ex.exposure_summary(result), ex.exposure_long(result)
    write_csv(long, stage / "exposure.csv")
    write_csv(summary, stage / "exposure_summary.csv")
    comparison = compare_with_source(result)
    write_csv(comparison, stage / "exposure_vs_source.csv")
    report(progress, FIGURES)
    figs = exposure_stacked_bar(long, lang, stage / "fig_exposure_by_industry")
    tables = [ExposureSettings(variant=v, share_method=settings.share_method,
                               diffusion=settings.diffusion) for v in VARIANTS]
    if settings.user_table is not None:
        tables.append(settings)
    sens = None
    if sensitivity:
        from aidi.analysis.exposure_sensitivity import exposure_table_sensitivity

        report(progress, f"index rebuilt with {len(tables)} exposure tables")
        sens = exposure_table_sensitivity(inputs.spec, obs, tables, units=unit_list)
        write_csv(sens, stage / "exposure_sensitivity.csv")
    return ExposureRun(result, summary, comparison, sens, len(tables), len(figs))


def _print_run(run: ExposureRun, out: Path) -> None:
    result, summary = run.result, run.summary
    table = Table(title=f"AI exposure by economy (table {result.variant}, industry "
                        f"structure {result.years[0]}–{result.years[1]})")
    for col in ("economy", "exposed share", "exposure scale (intl $ tn)", "diffusion"):
        table.add_column(col, justify="left" if col == "economy" else "right")
    for _, r in summary.sort_values("exposed_share", ascending=False).iterrows():
        table.add_row(r.iso3, f"{r.exposed_share:.1%}", f"{r.exposure_scale / 1e12:.2f}",
                      f"{r.diffusion:.3f}")
    print_table(console, table)
    console.print(f"mean exposed share of the {len(summary)} economies: "
                  f"{summary.exposed_share.mean():.1%}")
    cmp_table = Table(title="Against the source (figure 1.15b)")
    for col in ("statement", "published", "ours", "difference", "holds"):
        cmp_table.add_column(col)
    for _, r in run.comparison.iterrows():
        cmp_table.add_row(str(r.statement), _fmt(r.published), _fmt(r.ours),
                          _fmt(r.difference), {True: "yes", False: "NO"}.get(r.holds, "—"))
    print_table(console, cmp_table)
    if run.sensitivity is not None:
        sens = run.sensitivity
        moved = sens[sens.rank_change.abs() > 0]
        console.print(f"index rebuilt with {run.n_tables} exposure tables: "
                      f"{moved.iso3.nunique()} economies change rank; largest index change "
                      f"{sens.index_change.abs().max():.3f} (exposure_sensitivity.csv)")
    console.print(f"wrote exposure.csv, exposure_summary.csv, exposure_vs_source.csv and "
                  f"{run.n_figures} figure files to {out}")


def _fmt(v: object) -> str:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—" if v is None else str(v)
    return "—" if f != f else f"{f:.3f}"
