"""`aidi uncertainty`, `aidi sensitivity` (alias `sobol`) and `aidi audit`: how much the
ranking depends on the builder's choices, and whether the index holds together statistically.

The commands only build (`aidi.build`, through `nominal_build`) and ask the `Build`
(`uncertainty`, `sensitivity`, `audit`); the analyses check their own parameters
(`UncertaintyConfig`, `Build.uncertainty`/`sensitivity`, the memory plan), so what the CLI adds
is the option types — choices and ranges typer refuses before anything runs — and the tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from aidi.progress import WRITING, Progress, report

if TYPE_CHECKING:
    from aidi.analysis.robustness.config import UncertaintyConfig
    from aidi.api import Build

console = CommandConsole()


# The options' choices (typer shows and checks them); values are the names.
Backend = StrEnum("Backend", ["numpy", "dask"])
WeightDraw = StrEnum("WeightDraw", ["uniform", "dirichlet"])
AggregationScope = StrEnum("AggregationScope", ["pillars", "all"])
Zeros = StrEnum("Zeros", ["spec", "zero"])
WeightGroups = StrEnum("WeightGroups", ["one", "level"])


# ---- the options of both analyses ----------------------------------------------------------------
SeedOpt = Annotated[int, typer.Option("--seed", min=0,
                                      help="random seed (same seed → same output)")]
BackendOpt = Annotated[Backend, typer.Option("--backend", help="numpy or dask")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="with --backend dask: a scheduler address (tcp://host:8786) of a "
                        "running cluster, or nothing for a LocalCluster of AIDI_DASK_WORKERS "
                        "(2) workers here; 'threads' for Dask's threaded scheduler "
                        "(docs/scale.md)")]
ChunkOpt = Annotated[int | None, typer.Option(
    "--chunk-size", min=1, help="samples per kernel call (default: as many as the memory "
                                "limit allows, AIDI_MEMORY_LIMIT_GB, up to a few MB per array)")]
NoWeightsOpt = Annotated[bool, typer.Option("--no-weights", help="keep the spec's weights")]
WeightsOpt = Annotated[WeightDraw, typer.Option(
    "--weights", help="weight perturbation: uniform or dirichlet")]
SpreadOpt = Annotated[float, typer.Option(
    "--weight-spread", min=0.0, max=1.0,
    help="uniform: ± this share around each weight, in [0, 1)")]
NoNormOpt = Annotated[bool, typer.Option("--no-normalisation",
                                         help="keep the spec's normalisation")]
NormsOpt = Annotated[str, typer.Option(
    "--normalisations", help="alternatives to the spec's normalisation: ratio, frontier, "
                             "minmax (onto [1, 100]), zscore (mean 10, sd 2), rank, or a "
                             "catalogue name (n_prank, …)")]
NoAggOpt = Annotated[bool, typer.Option("--no-aggregation",
                                        help="keep the spec's aggregation methods")]
ScopeOpt = Annotated[AggregationScope, typer.Option(
    "--aggregation-scope", help="nodes whose method varies: pillars, or all nodes below the "
                                "index")]
NoImpOpt = Annotated[bool, typer.Option("--no-imputation", help="keep the spec's imputation")]
NoExclOpt = Annotated[bool, typer.Option("--no-exclusion", help="never leave an indicator out")]
NoLooOpt = Annotated[bool, typer.Option("--no-leave-one-out", hidden=True,
                                        help="the same as --no-exclusion")]
ZerosOpt = Annotated[Zeros, typer.Option(
    "--zeros", help="a geometric mean meeting a zero: spec (default: the node's declared "
                    "`nonpositive` rule; a level that would meet a zero where the rule is "
                    "'error' is removed from the design and noted) or zero (what-if: every "
                    "such mean is 0, its limit — e.g. an economy with no AI supercomputer)")]
GroupsOpt = Annotated[WeightGroups, typer.Option(
    "--weight-groups", help="the weights as one factor (one) or one factor per tree level "
                            "(level)")]


def _config(no_weights: bool, weights: str, weight_spread: float, no_normalisation: bool,
            normalisations: str, no_aggregation: bool, aggregation_scope: str,
            no_imputation: bool, no_exclusion: bool, zeros: str,
            weight_groups: str) -> UncertaintyConfig:
    """The choices the flags switch on, as the analyses' configuration (which checks them)."""
    from aidi.analysis.robustness.config import UncertaintyConfig

    return UncertaintyConfig(
        weights="off" if no_weights else str(weights),  # type: ignore[arg-type]
        weight_spread=weight_spread,
        normalisations=() if no_normalisation else
        tuple(s.strip() for s in normalisations.split(",") if s.strip()),
        aggregations=() if no_aggregation else ("arithmetic", "geometric"),
        aggregation_scope=str(aggregation_scope),  # type: ignore[arg-type]
        imputations=() if no_imputation else ("none", "mean", "median"),
        leave_one_out=not no_exclusion,
        zeros=str(zeros),  # type: ignore[arg-type]
        weight_groups=str(weight_groups),  # type: ignore[arg-type]
    )


def _nominal(spec: str | None, edition: str | None, countries: str | None,
             coin_data: Path | None = None, coin_meta: Path | None = None,
             vintage: str | None = None, progress: Progress | None = None) -> Build:
    """The nominal `Build`, made as `aidi build` makes it (any spec)."""
    from aidi.commands.common import nominal_build

    return nominal_build(spec, edition, countries, coin_data, coin_meta, vintage=vintage,
                         progress=progress)


Analyse = Callable[["Build", Path, Progress], tuple[Any, dict[str, Path]]]


def _run(kind: str, out: Path, meta: dict[str, Any], source: tuple, quiet: bool, lang: str,
         analyse: Analyse) -> tuple[Build, Any, dict[str, Path], Path]:
    """Build, analyse and write into the command's own subfolder of `out`, all or nothing
    (`output_set`); (the build, the result, final paths, that subfolder)."""
    from aidi.output_set import output_set
    from aidi.report import filenames as fn

    sub = {"uncertainty": fn.UNCERTAINTY_DIR, "sensitivity": fn.SENSITIVITY_DIR,
           "audit": fn.AUDIT_DIR}[kind]
    with output_set(out, kind, meta={"command": kind, **meta}) as txn, \
            show_progress(console, quiet, lang) as progress:
        b = _nominal(*source, progress)
        res, paths = analyse(b, txn.stage / sub, progress)
    return b, res, txn.finals(paths), out / sub


# ---- the commands -------------------------------------------------------------------------------
def uncertainty(
    spec: SpecOpt = None, out: OutOpt = Path("aidi-out"),
    samples: Annotated[int, typer.Option("--samples", "-n", min=1,
                                         help="Monte-Carlo samples")] = 1000,
    seed: SeedOpt = 0, backend: BackendOpt = Backend.numpy, scheduler: SchedulerOpt = None,
    chunk_size: ChunkOpt = None, countries: CountriesOpt = None, edition: EditionOpt = None,
    vintage: VintageOpt = None, coin_data: CoinDataOpt = None, coin_meta: CoinMetaOpt = None,
    no_weights: NoWeightsOpt = False, weights: WeightsOpt = WeightDraw.uniform,
    weight_spread: SpreadOpt = 0.25, no_normalisation: NoNormOpt = False,
    normalisations: NormsOpt = "ratio,minmax,zscore", no_aggregation: NoAggOpt = False,
    aggregation_scope: ScopeOpt = AggregationScope.pillars, no_imputation: NoImpOpt = False,
    no_exclusion: NoExclOpt = False, no_leave_one_out: NoLooOpt = False,
    zeros: ZerosOpt = Zeros.spec, weight_groups: GroupsOpt = WeightGroups.one,
    lang: LangOpt = Lang.en,
    save_samples: Annotated[bool, typer.Option("--save-samples",
                                               help="also write every sample")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Monte-Carlo uncertainty analysis: rank and index intervals per economy over weights,
    normalisation, aggregation, imputation and leave-one-out."""
    started = time.perf_counter()
    config = _config(no_weights, weights, weight_spread, no_normalisation, normalisations,
                     no_aggregation, aggregation_scope, no_imputation,
                     no_exclusion or no_leave_one_out, zeros, weight_groups)

    def analyse(b: Build, folder: Path, progress: Progress):
        from aidi.report.writers import write_uncertainty

        res = b.uncertainty(samples, seed, config, backend.value, scheduler=scheduler,
                            chunk_size=chunk_size, save_samples=save_samples,
                            progress=progress)
        report(progress, WRITING)
        return res, write_uncertainty(res, folder, lang, save_samples=save_samples)

    source = (spec, edition, countries, coin_data, coin_meta, vintage)
    _, res, paths, folder = _run("uncertainty", out,
                                 {"spec": spec, "samples": samples, "seed": seed}, source,
                                 quiet, lang, analyse)
    _print_uncertainty(res, paths, folder, lang)
    console.print(_t("cli.total", lang, seconds=f"{time.perf_counter() - started:.1f}"))


def sensitivity(
    spec: SpecOpt = None, out: OutOpt = Path("aidi-out"),
    samples: Annotated[int, typer.Option(
        "--samples", "-n", min=2,
        help="Sobol base samples, rounded up to a power of 2")] = 1024,
    seed: SeedOpt = 0, backend: BackendOpt = Backend.numpy, scheduler: SchedulerOpt = None,
    chunk_size: ChunkOpt = None, countries: CountriesOpt = None, edition: EditionOpt = None,
    vintage: VintageOpt = None, coin_data: CoinDataOpt = None, coin_meta: CoinMetaOpt = None,
    no_weights: NoWeightsOpt = False, weights: WeightsOpt = WeightDraw.uniform,
    weight_spread: SpreadOpt = 0.25, no_normalisation: NoNormOpt = False,
    normalisations: NormsOpt = "ratio,minmax,zscore", no_aggregation: NoAggOpt = False,
    aggregation_scope: ScopeOpt = AggregationScope.pillars, no_imputation: NoImpOpt = False,
    no_exclusion: NoExclOpt = False, no_leave_one_out: NoLooOpt = False,
    zeros: ZerosOpt = Zeros.spec, weight_groups: GroupsOpt = WeightGroups.one,
    lang: LangOpt = Lang.en,
    resamples: Annotated[int, typer.Option("--resamples", min=1,
                                           help="bootstrap resamples for the CIs")] = 100,
    outputs: Annotated[str, typer.Option(
        "--outputs", help="outputs to analyse, comma-separated — index, rank (per economy), "
                          "rank_shift (|rank − nominal| per economy), mean_rank_shift (over "
                          "economies), pillars (each economy's score on each of the index's "
                          "children)")] = "index,rank",
    convergence: Annotated[bool, typer.Option(
        "--convergence", help="also recompute the indices on the nested prefixes N/8, N/4, "
                              "N/2, N of the same design (no new model runs) and chart them "
                              "against N")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Sobol sensitivity analysis: first-order and total indices of each choice on each
    economy's rank and index (SALib)."""
    started = time.perf_counter()
    config = _config(no_weights, weights, weight_spread, no_normalisation, normalisations,
                     no_aggregation, aggregation_scope, no_imputation,
                     no_exclusion or no_leave_one_out, zeros, weight_groups)

    def analyse(b: Build, folder: Path, progress: Progress):
        res = b.sensitivity(samples, seed, config, backend=backend.value, scheduler=scheduler,
                            chunk_size=chunk_size, num_resamples=resamples, outputs=outputs,
                            progress=progress)
        return res, _write_sensitivity(res, folder, lang, convergence, progress)

    source = (spec, edition, countries, coin_data, coin_meta, vintage)
    _, res, paths, folder = _run("sensitivity", out,
                                 {"spec": spec, "samples": samples, "seed": seed}, source,
                                 quiet, lang, analyse)
    _print_sensitivity(res, paths, folder, lang)
    console.print(_t("cli.total", lang, seconds=f"{time.perf_counter() - started:.1f}"))


def _write_sensitivity(res, folder: Path, lang: str, convergence: bool,
                       progress: Progress) -> dict[str, Path]:
    """The Sobol table and charts, and with `convergence` the indices on nested prefixes."""
    from aidi.report.writers import write_sensitivity

    report(progress, WRITING)
    paths = write_sensitivity(res, folder, lang)
    if convergence:
        from aidi.report.convergence import write_convergence

        report(progress, "convergence")
        paths.update(write_convergence(res.convergence(), folder, lang))
    return paths


def audit(spec: SpecOpt = None, out: OutOpt = Path("aidi-out"),
          countries: CountriesOpt = None, edition: EditionOpt = None,
          vintage: VintageOpt = None, coin_data: CoinDataOpt = None,
          coin_meta: CoinMetaOpt = None, lang: LangOpt = Lang.en,
          quiet: QuietOpt = False) -> None:
    """Statistical audit: correlations across levels, Cronbach's alpha, PCA and flags."""
    def analyse(b: Build, folder: Path, progress: Progress):
        from aidi.report.writers import write_audit

        report(progress, "audit")
        res = b.audit()
        report(progress, WRITING)
        return res, write_audit(res, folder, b.result, lang)

    source = (spec, edition, countries, coin_data, coin_meta, vintage)
    b, res, paths, folder = _run("audit", out, {"spec": spec}, source, quiet, lang, analyse)
    _print_audit(res, b, paths, folder, lang)


def register(app: typer.Typer) -> None:
    app.command("uncertainty")(uncertainty)
    app.command("sensitivity")(sensitivity)
    app.command("sobol", hidden=True)(sensitivity)
    app.command("audit")(audit)


# ---- what the commands print --------------------------------------------------------------------
def _fmt(v: float, digits: int = 0) -> str:
    import math

    return "—" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def _t(key: str, lang: str, **fmt: object) -> str:
    from aidi.report.translations import t

    return t(key, lang, **fmt)


def _wrote(paths: dict[str, Path], out: Path, lang: str) -> str:
    from aidi.report.writers import count_files

    return _t("cli.wrote_files", lang, n=count_files(paths), out=str(out))


def _print_caveats(res, zeros_hint: str) -> None:
    """Failed replicates (never silently dropped) and the design's notes, after any table."""
    msg = res.failure_message()
    if msg:
        console.print(f"[yellow]warning:[/yellow] {msg}")
        if res.design.config.zeros == "spec":
            console.print(f"  ({zeros_hint})")
    for note in res.design.notes:
        console.print(f"note: {note}")


def _print_uncertainty(res, paths: dict[str, Path], out: Path, lang: str) -> None:
    from aidi.report.translations import label
    from aidi.report.writers import economy_names

    names = economy_names(res.design.units, lang)
    table = Table(title=_t("cli.unc_title", lang, n=f"{res.n_samples:,}", seed=res.seed))
    for c in ("economy", "nominal_rank", "median_rank", "rank_interval", "nominal_index",
              "index_interval", "n_failed"):
        table.add_column(label(c, lang), justify="left" if c == "economy" else "right")
    for _, r in res.summary().iterrows():
        table.add_row(f"{names.get(r.iso3, r.iso3)} ({r.iso3})", _fmt(r.nominal_rank),
                      _fmt(r.median_rank, 1),
                      f"{_fmt(r.p05_rank, 1)}–{_fmt(r.p95_rank, 1)}", _fmt(r.nominal_index, 3),
                      f"{_fmt(r.p05_index, 3)}–{_fmt(r.p95_index, 3)}", str(int(r.n_failed)))
    print_table(console, table)
    _print_caveats(res, "--zeros zero lets a geometric mean meeting a zero give 0 instead of "
                        "failing")
    console.print(_t("cli.unc_done", lang, n=f"{res.n_samples:,}",
                     seconds=f"{res.seconds:.2f}", backend=res.backend))
    console.print(_wrote(paths, out, lang))


def _print_sensitivity(res, paths: dict[str, Path], out: Path, lang: str) -> None:
    from aidi.report.robustness import factor_label, sensitivity_sentences

    factors = list(dict.fromkeys(res.frame[res.frame.output == res.headline].factor))
    codes = {f: f"F{i}" for i, f in enumerate(factors, start=1)}  # legend below the table
    print_table(console, _sobol_table(res, factors, codes, lang))
    console.print(" · ".join(f"{codes[f]} = {factor_label(f, lang)}" for f in factors),
                  markup=False)
    _print_caveats(res, "the indices are then conditional on the choices that do not fail; "
                        "--zeros zero lets a geometric mean meeting a zero give 0")
    t = res.timings
    console.print(_t("cli.sobol_done", lang, seconds=f"{res.seconds:.2f}")
                  + f" (model evaluations {t.get('model', 0.0):.2f} s, sampling "
                  f"{t.get('sample', 0.0):.2f} s, indices + bootstrap "
                  f"{t.get('estimate', 0.0):.2f} s)")
    console.print(_wrote(paths, out, lang))
    sentences = sensitivity_sentences(res.frame, lang=lang, output=res.headline)
    for i in res.design.nominal_rank.argsort(kind="stable"):
        console.print(f"• {sentences[res.design.units[i]]}")


def _sobol_table(res, factors: list[str], codes: dict[str, str], lang: str) -> Table:
    """Total Sobol indices of the headline output: economies (nominal order) × factors."""
    from aidi.report.robustness import factor_label
    from aidi.report.translations import label

    table = Table(title=_t("cli.sobol_title", lang,
                           output=label(res.headline, lang, ("output.",)),
                           n_base=res.n_base, n=f"{res.n_evaluations:,}"))
    table.add_column(label("economy", lang))
    for f in factors:
        table.add_column(codes[f], justify="right")
    table.add_column(_t("cli.moved_most", lang))
    df = res.frame[res.frame.output == res.headline]
    wide = df.pivot(index="iso3", columns="factor", values="ST")
    for i in res.design.nominal_rank.argsort(kind="stable"):
        row = wide.loc[res.design.units[i], factors]
        top = row.idxmax() if row.notna().any() and row.max() > 0 else None
        table.add_row(res.design.units[i], *[_fmt(v, 2) for v in row],
                      factor_label(top, lang) if top else _t("cli.nothing", lang))
    return table


def _print_audit(res, b: Build, paths: dict[str, Path], out: Path, lang: str) -> None:
    from aidi.report.robustness import audit_findings
    from aidi.report.translations import label
    from aidi.report.writers import node_labels

    labels = node_labels(b.spec, lang)
    table = Table(title=_t("cli.audit_title", lang))
    for c in ("node", "n_children", "cronbach_alpha", "pca_first_share",
              "mean_child_correlation"):
        table.add_column(label(c, lang), justify="left" if c == "node" else "right")
    for _, d in res.dimensions.iterrows():
        table.add_row(("  " * int(d.depth)) + labels.get(d.node, d.node), str(d.n_children),
                      _fmt(d.cronbach_alpha, 2), _fmt(d.pca_first_share, 2),
                      _fmt(d.mean_child_correlation, 2))
    print_table(console, table)
    if len(res.flags):
        console.print(_t("cli.flags_title", lang, n=len(res.flags)))
        for line in audit_findings(res.flags, labels, lang):
            console.print(f"• {line}")
    console.print(_wrote(paths, out, lang))
