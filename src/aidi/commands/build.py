"""`aidi build`: the main job — build the index, compare with the source, write every output."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from aidi.analysis.reproduction import Reproduction, compare, qualitative_checks
from aidi.engine.pipeline import BuildResult, build
from aidi.io import write_csv
from aidi.report.tables import indicators_frame, scores_frame

console = Console()


def print_reproduction(rep: Reproduction) -> None:
    table = Table(title="Reproduction of the published figures (USA = 1)")
    for col in ("economy", "measure", "kind", "published", "ours", "difference"):
        table.add_column(col, justify="right" if col in ("published", "ours", "difference")
                         else "left")
    for _, r in rep.table.iterrows():
        table.add_row(r.iso3, r.measure, r.kind, f"{r.published:.2f}",
                      "—" if pd.isna(r.ours) else f"{r.ours:.3f}",
                      "—" if pd.isna(r.difference) else f"{r.difference:+.3f}")
    console.print(table)
    console.print(f"Mean absolute difference over printed figures: "
                  f"[bold]{rep.mean_abs_difference:.3f}[/bold]; including implied figures: "
                  f"{rep.mean_abs_difference_all:.3f}")


def print_scores(frame: pd.DataFrame, lang: str, columns: list[str]) -> None:
    table = Table(title="AI Development Index (USA = 1)" if lang == "en" else "AI发展指数(美国=1)")
    table.add_column("#", justify="right")
    table.add_column("economy")
    for c in columns:
        table.add_column(c, justify="right")
    name_col = "name_zh" if lang == "zh" else "name_en"
    for _, r in frame.iterrows():
        table.add_row("" if pd.isna(r["rank"]) else str(r["rank"]), f"{r[name_col]} ({r.iso3})",
                      *["—" if pd.isna(r[c]) else f"{r[c]:.3f}" for c in columns])
    console.print(table)


def write_build_outputs(result: BuildResult, out: Path) -> dict[str, Path]:
    """The machine-readable outputs every build writes."""
    paths = {
        "scores": write_csv(scores_frame(result), out / "scores.csv"),
        "indicators": write_csv(indicators_frame(result), out / "indicators.csv"),
        "contributions": write_csv(result.contributions, out / "contributions.csv"),
        "build_log": write_csv(result.log_frame(), out / "build_log.csv"),
    }
    if result.spec.published:
        paths["reproduction"] = write_csv(compare(result).table, out / "reproduction.csv")
        checks = qualitative_checks(result)
        if len(checks):
            paths["reproduction_checks"] = write_csv(checks, out / "reproduction_checks.csv")
    return paths


#: Data availability required of each economy when building beyond the spec's own list
#: (`--countries all`): an economy with most indicators missing would be scored on a handful.
WIDE_BUILD_MIN_AVAILABILITY = 0.6


def run_build(spec: str | None, out: Path, lang: str, focus: str, countries: str | None,
              edition: str | None, quiet: bool = False,
              min_availability: float | None = None, robustness: bool = True) -> BuildResult:
    """Load inputs, build, write outputs and the report; returns the result."""
    from aidi.commands.common import load_inputs

    started = time.perf_counter()
    with console.status("loading spec and data…") as status:
        spec_obj, obs, units = load_inputs(spec, edition, countries)
        if min_availability is None and countries and countries.strip().lower() == "all":
            min_availability = WIDE_BUILD_MIN_AVAILABILITY
        if min_availability is not None:
            spec_obj = spec_obj.model_copy(update={"screen": spec_obj.screen.model_copy(
                update={"min_availability": min_availability})})
        result = build(spec_obj, obs, units=units,
                       progress=lambda msg: status.update(f"building: {msg}…"))
        status.update("writing tables…")
        paths = write_build_outputs(result, out)
        status.update("drawing figures and the report…")
        from aidi.report.build_report import write_build_report

        paths.update(write_build_report(result, obs, out, lang=lang, focus=focus,
                                        edition=edition, robustness=robustness))
    if not quiet:
        frame = scores_frame(result)
        cols = ["index"] + [c for c in frame.columns[5:7]]
        print_scores(frame, lang, cols)
        if result.spec.published:
            print_reproduction(compare(result))
            checks = qualitative_checks(result)
            if len(checks):
                console.print(f"The source's ranking statements: {int(checks.holds.sum())} of "
                              f"{len(checks)} hold in our build (reproduction_checks.csv)")
                for _, r in checks[~checks.holds].iterrows():
                    console.print(f"  does not hold: {r.statement} ({r.ours})")
        if result.screened_out:
            console.print(f"{len(result.screened_out)} economies dropped for lack of data "
                          f"(availability < {result.spec.screen.min_availability:.0%}): "
                          f"{', '.join(result.screened_out)}")
        missing = result.index[result.index.isna()].index.tolist()
        if missing:
            console.print(f"no index for {', '.join(missing)} (a pillar has no data)")
        n_imp = int(result.imputed_mask.to_numpy().sum())
        if n_imp:
            console.print(f"{n_imp} indicator value(s) imputed or carried forward — see "
                          f"{out / 'build_log.csv'}")
        console.print(f"wrote {len(paths)} outputs to {out} in "
                      f"{time.perf_counter() - started:.1f} s (report: {paths.get('report', '—')})")
    return result


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build_cmd(
        spec: str = typer.Option(None, "--spec", help="spec name (aidi-2024) or YAML path"),
        out: Path = typer.Option(Path("aidi-out"), "--out", "-o", help="output folder"),
        lang: str = typer.Option("en", "--lang", help="report language: en or zh"),
        focus: str = typer.Option("CHN", "--focus", help="economy profiled against the reference"),
        countries: str = typer.Option(None, "--countries",
                                      help="TARGET_20 (default), G20, all, or ISO3 list"),
        edition: str = typer.Option(None, "--edition",
                                    help="data edition: 2024 (shipped snapshot), latest, or a "
                                         "vintage id from `aidi data info`"),
        coin_data: Path = typer.Option(None, "--coin-data", help="COINr iData CSV"),
        coin_meta: Path = typer.Option(None, "--coin-meta", help="COINr iMeta CSV"),
        min_availability: float = typer.Option(
            None, "--min-availability", min=0.0, max=1.0,
            help="drop economies with a smaller share of indicators available (default: the "
                 f"spec's; {WIDE_BUILD_MIN_AVAILABILITY} with --countries all)"),
        robustness: bool = typer.Option(
            True, "--robustness/--no-robustness",
            help="add uncertainty (1,000 samples), Sobol and audit sections to the report"),
        calibrate: bool = typer.Option(False, "--calibrate",
                                       help="also fit dimension weights to the published "
                                            "figures (reported separately; never the default)"),
    ) -> None:
        """Build the index and write scores, the reproduction table, figures and report.html."""
        if lang not in ("en", "zh"):
            raise typer.BadParameter("--lang must be en or zh")
        if (coin_data is None) != (coin_meta is None):
            raise typer.BadParameter("--coin-data and --coin-meta go together")
        try:
            from aidi.specs.loader import is_coin_steps, resolve_spec_path

            if coin_data is not None or (spec and is_coin_steps(spec)):
                from aidi.commands.coinr_build import build_coin

                steps = resolve_spec_path(spec) if spec else None
                result = build_coin(coin_data, coin_meta, steps, out)
                top = result.index.sort_values(ascending=False).head(5)
                console.print("top five: " + ", ".join(f"{u} {v:.2f}" for u, v in top.items()))
                console.print(f"wrote a COINr-style build of {len(result.units)} units to {out}"
                              + ("" if steps else " (no steps file: COINr's default steps)"))
                return
            result = run_build(spec, out, lang, focus.upper(), countries, edition,
                               min_availability=min_availability, robustness=robustness)
            if calibrate:
                from aidi.analysis.calibration import calibrate_weights, write_calibration

                cal = calibrate_weights(result)
                write_calibration(cal, out)
                console.print(cal.summary())
        except (ValueError, KeyError, FileNotFoundError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
