"""`aidi exposure`: the AI-exposure model behind Market Friendliness, and its checks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from aidi.commands.layout import print_table
from aidi.commands.progress import QuietOpt, show_progress
from aidi.progress import FIGURES, LOADING, report

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("exposure")
    def exposure_cmd(
        out: Path = typer.Option(Path("aidi-out"), "--out", "-o", help="output folder"),
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
        countries: str = typer.Option(None, "--countries", help="TARGET_20 (default), all, …"),
        edition: str = typer.Option(None, "--edition", help="data edition (default 2024)"),
        sensitivity: bool = typer.Option(True, "--sensitivity/--no-sensitivity",
                                         help="rebuild the index with every exposure table"),
        lang: str = typer.Option("en", "--lang", help="chart language: en or zh"),
        quiet: QuietOpt = False,
    ) -> None:
        """Exposed share, exposure scale and diffusion per economy, by industry."""
        from aidi.analysis import exposure as ex
        from aidi.analysis.exposure_inputs import ExposureSettings, run_exposure
        from aidi.api import load_inputs
        from aidi.commands.common import check_lang
        from aidi.engine.pipeline import resolve_units
        from aidi.errors import UsageError
        from aidi.io import write_csv
        from aidi.output_set import output_set
        from aidi.report.exposure_chart import exposure_stacked_bar

        check_lang(lang)
        for option, value, allowed in (
                ("--variant", variant, ("aiie", "lm_aiie", "ig_aiie")),
                ("--share-method", share_method, ex.SHARE_METHODS),
                ("--diffusion", diffusion, tuple(ex.DIFFUSION_METHODS))):
            if value not in allowed:
                raise UsageError(f"{option} must be one of {', '.join(allowed)}, got {value!r}")
        settings = ExposureSettings(variant="user" if exposure_table else variant,
                                    user_table=exposure_table, share_method=share_method,
                                    diffusion=diffusion)
        with output_set(out, "exposure", meta={"command": "exposure",
                                               "variant": variant}) as txn, \
                show_progress(console, quiet, lang) as progress:
            report(progress, LOADING)
            inputs = load_inputs(None, edition=edition, countries=countries)
            spec, obs = inputs.spec, inputs.observations
            unit_list = resolve_units(spec, obs, inputs.units)
            report(progress, "exposure model")
            result = run_exposure(obs, settings, countries=unit_list)
            summary = ex.exposure_summary(result)
            long = ex.exposure_long(result)
            write_csv(long, txn.stage / "exposure.csv")
            write_csv(summary[["iso3", "exposed_share", "exposure_scale", "diffusion",
                               "exposure_variance", "gdp_ppp"]],
                      txn.stage / "exposure_summary.csv")
            comparison = ex.compare_with_source(result)
            write_csv(comparison, txn.stage / "exposure_vs_source.csv")
            report(progress, FIGURES)
            figs = exposure_stacked_bar(long, lang, txn.stage / "fig_exposure_by_industry")
            variants = [ExposureSettings(variant=v, share_method=share_method,
                                         diffusion=diffusion)
                        for v in ("aiie", "lm_aiie", "ig_aiie")]
            if exposure_table:
                variants.append(settings)
            sens = None
            if sensitivity:
                from aidi.analysis.exposure_sensitivity import exposure_table_sensitivity

                report(progress, f"index rebuilt with {len(variants)} exposure tables")
                sens = exposure_table_sensitivity(spec, obs, variants, units=unit_list)
                write_csv(sens, txn.stage / "exposure_sensitivity.csv")

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
        for _, r in comparison.iterrows():
            cmp_table.add_row(str(r.statement), _fmt(r.published), _fmt(r.ours),
                              _fmt(r.difference), {True: "yes", False: "NO"}.get(r.holds, "—"))
        print_table(console, cmp_table)
        if sens is not None:
            moved = sens[sens.rank_change.abs() > 0]
            console.print(f"index rebuilt with {len(variants)} exposure tables: "
                          f"{moved.iso3.nunique()} economies change rank; largest index change "
                          f"{sens.index_change.abs().max():.3f} (exposure_sensitivity.csv)")
        console.print(f"wrote exposure.csv, exposure_summary.csv, exposure_vs_source.csv and "
                      f"{len(figs)} figure files to {out}")


def _fmt(v: object) -> str:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—" if v is None else str(v)
    return "—" if f != f else f"{f:.3f}"
