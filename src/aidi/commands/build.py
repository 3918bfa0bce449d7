"""`aidi build`: the main job — build the index, compare with the source, write every output.

Only typer and rich are imported at start-up (`aidi --help` stays fast); the build goes through
the public API (`aidi.build`), the files through `aidi.report.writers` and
`aidi.report.build_report`. Every line printed follows `--lang`.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from aidi.commands.console import CommandConsole
from aidi.commands.layout import print_table
from aidi.commands.options import (
    CoinDataOpt,
    CoinMetaOpt,
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

console = CommandConsole()

#: Data availability required of each economy when building beyond the spec's own list.
WIDE_BUILD_MIN_AVAILABILITY = 0.6


def _t(key: str, lang: str, **fmt: object) -> str:
    from aidi.report.translations import t

    return t(key, lang, **fmt)


def print_reproduction(rep, lang: str, names, labels, across_time: bool = False) -> None:
    import pandas as pd

    from aidi.report.translations import label

    table = Table(title=_t("cli.repro_title_across_time" if across_time else "cli.repro_title",
                           lang))
    for col in ("economy", "measure", "kind", "published", "ours", "difference"):
        table.add_column(label(col, lang),
                         justify="right" if col in ("published", "ours", "difference")
                         else "left")
    for _, r in rep.table.iterrows():
        table.add_row(names.get(r.iso3, r.iso3), labels.get(r.measure, r.measure),
                      label(str(r.kind), lang, ("kind.",)), f"{r.published:.2f}",
                      "—" if pd.isna(r.ours) else f"{r.ours:.3f}",
                      "—" if pd.isna(r.difference) else f"{r.difference:+.3f}")
    print_table(console, table)
    console.print(_t("cli.mad", lang, mad=f"{rep.mean_abs_difference:.3f}",
                     mad_all=f"{rep.mean_abs_difference_all:.3f}"))


def print_scores(frame, lang: str, columns: list[str], names, labels) -> None:
    import pandas as pd

    table = Table(title=_t("cli.scores_title", lang))
    table.add_column("#", justify="right")
    table.add_column(_t("col.economy", lang))
    for c in columns:
        table.add_column(labels.get(c, c), justify="right")
    for _, r in frame.iterrows():
        table.add_row("" if pd.isna(r["rank"]) else str(r["rank"]),
                      f"{names.get(r.iso3, r.iso3)} ({r.iso3})",
                      *["—" if pd.isna(r[c]) else f"{r[c]:.3f}" for c in columns])
    print_table(console, table)


def _include(robustness: bool, calibrate: bool) -> tuple[str, ...]:
    """The analyses `aidi build` asks of the build: everything it shows, the Monte-Carlo and
    Sobol unless `--no-robustness`, the calibration with `--calibrate`."""
    from aidi.analysis.bundle import DEFAULT_ANALYSES, ROBUSTNESS

    return tuple(a for a in DEFAULT_ANALYSES if robustness or a not in ROBUSTNESS) + \
        (("calibration",) if calibrate else ())


def run_build(spec: str | None, out: Path, lang: str, focus: str, countries: str | None,
              edition: str | None, quiet: bool = False,
              min_availability: float | None = None, robustness: bool = True,
              figures: bool = True, timings: dict[str, float] | None = None,
              vintage: str | None = None, quiet_progress: bool = False,
              calibrate: bool = False, png: bool = False):
    """Build, analyse (`Build.analyses`), write the tables, figures, workbook and report into
    `out` as one set (`aidi.output_set`: a kill leaves the old set or the new one); print a
    summary (unless `quiet`); returns the engine's `BuildResult`. Progress shows on a terminal
    unless `quiet_progress` (`--quiet`); `calibrate` adds the calibration to the set."""
    from aidi.commands.common import nominal_build
    from aidi.output_set import output_set
    from aidi.report.build_report import write_build_report
    from aidi.report.writers import count_files, write_build_outputs, write_calibration

    started = time.perf_counter()
    timings = timings if timings is not None else {}
    meta = {"command": "build", "spec": spec, "edition": edition, "countries": countries,
            "vintage": vintage, "lang": lang}
    with output_set(out, "build", meta=meta) as txn, \
            show_progress(console, quiet_progress, lang) as progress:
        b = nominal_build(spec, edition, countries, min_availability=min_availability,
                          vintage=vintage, progress=progress)
        timings["build"] = time.perf_counter() - started
        t0 = time.perf_counter()
        bundle = b.analyses(include=_include(robustness, calibrate), focus=focus,
                            progress=progress)
        timings["analyses"] = time.perf_counter() - t0
        progress(_t("progress.tables", lang))
        t0 = time.perf_counter()
        paths = write_build_outputs(bundle, txn.stage)
        timings["tables"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        paths.update(write_build_report(bundle, txn.stage, lang=lang, figures=figures,
                                        progress=progress, timings=timings, png=png))
        timings["report_total"] = time.perf_counter() - t0
        if calibrate:
            paths.update(write_calibration(bundle.calibration, txn.stage))
    paths = txn.finals(paths)
    if not quiet:
        _print_summary(bundle, out, lang)
        _print_why(bundle.why, bundle.result, lang)
    console.print(_t("cli.wrote", lang, n=count_files(paths), out=str(out),
                     seconds=f"{time.perf_counter() - started:.1f}",
                     report=str(paths.get("report", "—"))))
    if calibrate:
        _print_calibration(bundle.calibration)
    return bundle.result


def _print_summary(bundle, out: Path, lang: str) -> None:
    """The scores, the reproduction and the statements, the economies screened out or left
    without an index, the data flags — all read from the analysis bundle."""
    from aidi.report import filenames as fn
    from aidi.report.data_flags import backcast_text, flag_counts_text
    from aidi.report.tables import pillar_ids
    from aidi.report.writers import economy_names, node_labels

    result, edition = bundle.result, bundle.edition
    names, labels = economy_names(result.units, lang), node_labels(result.spec, lang)
    print_scores(bundle.scores, lang, ["index", *pillar_ids(result.spec)], names, labels)
    if bundle.reproduction is not None:
        # the published figures are the 2024 edition's: any other edition is set beside them
        # as a comparison across time, not as a fit
        across = edition is not None and str(edition).strip().lower() not in ("2024", "")
        print_reproduction(bundle.reproduction, lang, names, labels, across_time=across)
        if bundle.statements is not None and len(bundle.statements):
            held, tested, _ = bundle.statement_counts
            console.print(_t("summary.statements", lang, held=held, n=tested))
    if result.screened_out:
        console.print(_t("summary.screened", lang, n=len(result.screened_out),
                         units=", ".join(result.screened_out)))
    missing = result.index[result.index.isna()].index.tolist()
    if missing:
        console.print(_t("cli.no_index", lang, units=", ".join(missing)))
    console.print(_t("cli.flag_counts", lang, file=str(out / fn.INDICATORS_CSV),
                     **flag_counts_text(bundle.flags.counts, lang)))
    if bundle.backcast:
        console.print(_t("cli.backcast", lang, edition=edition or result.spec.edition,
                         text=backcast_text(bundle.backcast, lang)))


def _print_why(why, result, lang: str) -> None:
    """Which spec this is and which is the default, and — beside the counterpart — the
    difference of each printed figure split over the spec differences."""
    from aidi.specs.loader import DEFAULT_SPEC

    console.print(_t("cli.spec", lang, spec=result.spec.id, default=DEFAULT_SPEC))
    if why is None or why.printed.empty:
        return
    from aidi.report.why_differ import player_label, printed_mads
    from aidi.report.writers import node_labels

    labels = node_labels(result.spec, lang)
    table = Table(title=_t("section.why", lang))
    for col, just in (("", "left"), (_t("col.published", lang), "right"), (why.spec_a, "right"),
                      (why.spec_b, "right"), (_t("why.col.largest", lang), "left")):
        table.add_column(col, justify=just)
    for _, r in why.printed.iterrows():
        parts = r[[f"part:{p}" for p in why.players]].astype(float)
        top = parts.abs().sort_values(ascending=False).index[:2]
        text = "; ".join(f"{player_label(k.removeprefix('part:'), labels, lang)} "
                         f"{parts[k]:+.3f}" for k in top)
        table.add_row(f"{r.iso3} {labels.get(r.node, r.node)}", f"{r.printed:.2f}",
                      f"{r.a:.3f}", f"{r.b:.3f}", text)
    console.print(table)
    mads = printed_mads(why)
    console.print(_t("why.mads", lang, a=why.spec_a, b=why.spec_b,
                     mad_a=f"{mads[why.spec_a]:.3f}", mad_b=f"{mads[why.spec_b]:.3f}"))


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build_cmd(
        spec: SpecOpt = None,
        out: OutOpt = Path("aidi-out"),
        lang: LangOpt = Lang.en,
        focus: str = typer.Option(None, "--focus",
                                  help="economy profiled against the reference (default: the "
                                       "spec's presentation focus, when built)"),
        countries: CountriesOpt = None,
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        coin_data: CoinDataOpt = None,
        coin_meta: CoinMetaOpt = None,
        min_availability: float = typer.Option(
            None, "--min-availability",
            help="drop economies with a smaller share of indicators available, 0–1 "
                 f"(default: the spec's; {WIDE_BUILD_MIN_AVAILABILITY} with --countries all)"),
        robustness: bool = typer.Option(
            True, "--robustness/--no-robustness",
            help="add uncertainty (1,000 samples) and Sobol sections to the report"),
        figures: bool = typer.Option(True, "--figures/--no-figures",
                                     help="draw the charts (SVG; the report embeds them)"),
        png: bool = typer.Option(False, "--png", help="also save each chart as PNG"),
        calibrate: bool = typer.Option(False, "--calibrate",
                                       help="also run the spec's calibration procedure (or, "
                                            "for a spec without one, fit dimension weights to "
                                            "the published figures as a diagnostic)"),
        quiet: QuietOpt = False,
    ) -> None:
        """Build the index and write scores, the reproduction table, figures and report.html."""
        if (coin_data is None) != (coin_meta is None):
            raise typer.BadParameter("--coin-data and --coin-meta go together")
        if min_availability is not None and not 0 <= min_availability <= 1:
            # checked here, not with typer's min/max: its range metavar widens --help
            from aidi.errors import UsageError

            raise UsageError(f"--min-availability must be between 0 and 1, got "
                             f"{min_availability}")
        from aidi.specs.loader import is_coin_steps

        if coin_data is not None or (spec and is_coin_steps(spec)):
            _coin_build(spec, out, lang, coin_data, coin_meta, quiet)
            return
        run_build(spec, out, lang, focus, countries, edition,
                  min_availability=min_availability, robustness=robustness,
                  figures=figures, vintage=vintage, quiet_progress=quiet, calibrate=calibrate,
                  png=png)

    @app.command("calibrate")
    def calibrate_cmd(
        spec: SpecOpt = None,
        out: OutOpt = None,  # type: ignore[assignment]
        vintage: VintageOpt = None,
        quiet: QuietOpt = False,
    ) -> None:
        """Re-run the spec's calibration procedure: fitted values, in-/out-of-sample and leave-one-out errors.

        With --out, calibration_parameters.csv and calibration_fit.csv are written there too.
        """  # noqa: E501
        from aidi.commands.common import nominal_build
        from aidi.report.writers import write_calibration

        with show_progress(console, quiet, "en") as progress:
            b = nominal_build(spec, None, None, vintage=vintage, progress=progress)
            progress("calibration")
            cal = b.analyses(include="calibration").calibration
        if out is not None:
            from aidi.output_set import output_set

            with output_set(out, "calibration",
                            meta={"command": "calibrate", "spec": spec}) as txn:
                write_calibration(cal, txn.stage)
        _print_calibration(cal)


def _coin_build(spec: str | None, out: Path, lang: str, coin_data: Path | None,
                coin_meta: Path | None, quiet: bool) -> None:
    """`aidi build` of COINr tables or a COINr steps file: COINr's output shapes
    (`aidi.commands.coinr_build`), written as one output set."""
    from aidi.commands.coinr_build import build_coin
    from aidi.output_set import output_set
    from aidi.specs.loader import resolve_spec_path

    steps = resolve_spec_path(spec) if spec else None
    with output_set(out, "build", meta={"command": "build", "spec": spec}) as txn, \
            show_progress(console, quiet, lang) as progress:
        progress(f"COINr build ({steps.name if steps else 'iData/iMeta'})")
        result = build_coin(coin_data, coin_meta, steps, txn.stage)
    top = result.index.sort_values(ascending=False).head(5)
    console.print(_t("cli.top_five", lang, units=", ".join(
        f"{u} {v:.2f}" for u, v in top.items())))
    console.print(_t("cli.wrote_coin", lang, n=len(result.units), out=str(out)))


def _print_calibration(cal) -> None:
    console.print(cal.summary())
    if hasattr(cal, "matches_spec") and not cal.matches_spec():
        console.print("[yellow]warning:[/yellow] the spec's values differ from the fitted ones")
