"""`aidi uncertainty`, `aidi sensitivity` (alias `sobol`) and `aidi audit`: how much the
ranking depends on the builder's choices, and whether the index holds together statistically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from aidi.commands.layout import print_table
from aidi.commands.options import CoinDataOpt, CoinMetaOpt, EditionOpt, VintageOpt
from aidi.commands.progress import QuietOpt, show_progress
from aidi.progress import WRITING, Progress, report

console = Console()

BACKENDS = ("numpy", "dask")


def _nominal(spec: str | None, edition: str | None, countries: str | None,
             coin_data: Path | None = None, coin_meta: Path | None = None,
             vintage: str | None = None, progress: Progress | None = None):
    """The nominal index's engine result, built as `aidi build` builds it (any spec)."""
    from aidi.commands.common import nominal_build

    return nominal_build(spec, edition, countries, coin_data, coin_meta, vintage=vintage,
                         progress=progress).result


def _config(no_weights: bool, weights: str, weight_spread: float, no_normalisation: bool,
            normalisations: str, no_aggregation: bool, aggregation_scope: str,
            no_imputation: bool, no_exclusion: bool, zeros: str):
    from aidi.analysis.robustness.config import UncertaintyConfig

    def names(text: str) -> tuple[str, ...]:
        return tuple(s.strip() for s in text.split(",") if s.strip())

    if weights not in ("uniform", "dirichlet"):
        raise typer.BadParameter("--weights must be uniform or dirichlet")
    if aggregation_scope not in ("pillars", "all"):
        raise typer.BadParameter("--aggregation-scope must be pillars or all")
    if zeros not in ("spec", "zero"):
        raise typer.BadParameter("--zeros must be spec or zero")
    from aidi.analysis.robustness.choices import resolve_normalisation
    from aidi.errors import UsageError

    if not 0 <= weight_spread < 1:
        raise UsageError(f"--weight-spread must be in [0, 1) (a share of each weight), got "
                         f"{weight_spread}")
    if not no_normalisation:
        for n in names(normalisations):  # presets and the catalogue's aidi/COINr names
            try:
                resolve_normalisation(n)
            except ValueError as exc:
                raise UsageError(f"--normalisations: {exc}") from None
    return UncertaintyConfig(
        weights="off" if no_weights else weights,  # type: ignore[arg-type]
        weight_spread=weight_spread,
        normalisations=() if no_normalisation else names(normalisations),
        aggregations=() if no_aggregation else ("arithmetic", "geometric"),
        aggregation_scope=aggregation_scope,  # type: ignore[arg-type]
        imputations=() if no_imputation else ("none", "mean", "median"),
        leave_one_out=not no_exclusion,
        zeros=zeros,  # type: ignore[arg-type]
    )


def _fmt(v: float, digits: int = 0) -> str:
    import math

    return "—" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def _print_caveats(res, zeros_hint: str) -> None:
    """Failed replicates (never silently dropped) and the design's notes, after any table."""
    msg = res.failure_message()
    if msg:
        console.print(f"[yellow]warning:[/yellow] {msg}")
        if res.design.config.zeros == "spec":
            console.print(f"  ({zeros_hint})")
    for note in res.design.notes:
        console.print(f"note: {note}")


def _t(key: str, lang: str, **fmt: object) -> str:
    from aidi.report.translations import t

    return t(key, lang, **fmt)


def _wrote(paths: dict[str, Path], out: Path, lang: str) -> str:
    from aidi.report.writers import count_files

    return _t("cli.wrote_files", lang, n=count_files(paths), out=str(out))


def _print_uncertainty(res, paths: dict[str, Path], out: Path, lang: str = "en") -> None:
    from aidi.report.translations import label
    from aidi.report.writers import economy_names

    names = economy_names(res.design.units, lang)
    summary = res.summary()
    table = Table(title=_t("cli.unc_title", lang, n=f"{res.n_samples:,}", seed=res.seed))
    for c in ("economy", "nominal_rank", "median_rank", "rank_interval", "nominal_index",
              "index_interval", "n_failed"):
        table.add_column(label(c, lang), justify="left" if c == "economy" else "right")
    for _, r in summary.iterrows():
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


def _print_sensitivity(res, paths: dict[str, Path], out: Path, lang: str = "en") -> None:
    from aidi.report.robustness import factor_label
    from aidi.report.translations import label

    df = res.frame[res.frame.output == res.headline]
    factors = list(dict.fromkeys(df.factor))
    table = Table(title=_t("cli.sobol_title", lang,
                           output=label(res.headline, lang, ("output.",)),
                           n_base=res.n_base, n=f"{res.n_evaluations:,}"))
    table.add_column(label("economy", lang))
    codes = {f: f"F{i}" for i, f in enumerate(factors, start=1)}  # legend below the table
    for f in factors:
        table.add_column(codes[f], justify="right")
    table.add_column(_t("cli.moved_most", lang))
    order = [res.design.units[i] for i in res.design.nominal_rank.argsort(kind="stable")]
    wide = df.pivot(index="iso3", columns="factor", values="ST")
    for iso3 in order:
        row = wide.loc[iso3, factors]
        top = row.idxmax() if row.notna().any() and row.max() > 0 else None
        table.add_row(iso3, *[_fmt(v, 2) for v in row],
                      factor_label(top, lang) if top else _t("cli.nothing", lang))
    print_table(console, table)
    console.print(" · ".join(f"{codes[f]} = {factor_label(f, lang)}" for f in factors),
                  markup=False)
    _print_caveats(res, "the indices are then conditional on the choices that do not fail; "
                        "--zeros zero lets a geometric mean meeting a zero give 0")
    t = res.timings
    console.print(_t("cli.sobol_done", lang, seconds=f"{res.seconds:.2f}")
                  + f" (model evaluations {t.get('model', 0.0):.2f} s, sampling {t.get('sample', 0.0):.2f}"
                  f" s, indices + bootstrap {t.get('estimate', 0.0):.2f} s)")
    console.print(_wrote(paths, out, lang))


def _run_uncertainty(result, design, config, samples: int, seed: int, backend: str,
                     scheduler: str | None, chunk_size: int | None, save_samples: bool, out: Path,
                     lang: str, progress: Progress):
    from aidi.analysis import budget
    from aidi.analysis.uncertainty import run_uncertainty
    from aidi.report.writers import write_uncertainty

    budget.check_uncertainty(design, samples, save_samples, chunk_size=chunk_size,
                             workers=budget_workers(backend, scheduler))
    res = run_uncertainty(result, samples, seed, config, backend, scheduler, chunk_size,
                          design=design, keep_samples=True if save_samples else None,
                          progress=progress)
    report(progress, WRITING)
    return res, write_uncertainty(res, out, lang, save_samples=save_samples)


def _run_sensitivity(result, design, config, samples: int, seed: int, backend: str,
                     scheduler: str | None, chunk_size: int | None, resamples: int, outputs: str,
                     convergence: bool, out: Path, lang: str, progress: Progress):
    from aidi.analysis import budget
    from aidi.analysis.sensitivity import parse_outputs, run_sensitivity
    from aidi.errors import UsageError
    from aidi.report.writers import write_sensitivity

    try:
        wanted = parse_outputs(outputs)
    except ValueError as exc:  # sensitivity.py's check, in the option's words
        raise UsageError(f"--outputs: {exc}") from None
    if not design.factors:
        raise UsageError("every choice is switched off (--no-weights, "
                         "--no-normalisation, …): nothing to analyse")
    budget.check_sensitivity(design, samples, wanted, chunk_size=chunk_size,
                             workers=budget_workers(backend, scheduler))
    res = run_sensitivity(result, samples, seed, config, backend, scheduler, chunk_size,
                          num_resamples=resamples, outputs=outputs, design=design,
                          progress=progress)
    report(progress, WRITING)
    paths = write_sensitivity(res, out, lang)
    if convergence:
        from aidi.analysis.sensitivity import sobol_convergence
        from aidi.report.convergence import write_convergence

        report(progress, "convergence")
        paths.update(write_convergence(sobol_convergence(res), out, lang))
    return res, paths


def budget_workers(backend: str, scheduler: str | None) -> int:
    """Chunks evaluated at once, for the memory plan (one on NumPy)."""
    from aidi.analysis.robustness.backends import dask_workers

    return dask_workers(scheduler) if backend == "dask" else 1


def _analysis_command(kind: str) -> Callable[..., None]:
    """One command body for `uncertainty` and `sensitivity`: same choices, same switches."""

    def command(
        spec: str = typer.Option(None, "--spec", help="spec name (aidi-2024) or YAML path"),
        out: Path = typer.Option(Path("aidi-out"), "--out", "-o", help="output folder"),
        samples: int = typer.Option(
            None, "--samples", "-n", min=1,
            help="Monte-Carlo samples (uncertainty, default 1000) or Sobol base samples, "
                 "rounded up to a power of 2 (sensitivity, default 1024)"),
        seed: int = typer.Option(0, "--seed", min=0,
                                 help="random seed (same seed → same output)"),
        backend: str = typer.Option("numpy", "--backend", help="numpy or dask"),
        scheduler: str = typer.Option(
            None, "--scheduler",
            help="with --backend dask: a scheduler address (tcp://host:8786) of a running "
                 "cluster, or nothing for a LocalCluster of AIDI_DASK_WORKERS (2) workers "
                 "here; 'threads' for Dask's threaded scheduler (docs/scale.md)"),
        chunk_size: int = typer.Option(
            None, "--chunk-size", min=1,
            help="samples per kernel call (default: as many as the memory limit allows, "
                 "AIDI_MEMORY_LIMIT_GB, up to a few MB per array)"),
        countries: str = typer.Option(None, "--countries",
                                      help="TARGET_20 (default), G20, all, or ISO3 list"),
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        coin_data: CoinDataOpt = None,
        coin_meta: CoinMetaOpt = None,
        no_weights: bool = typer.Option(False, "--no-weights", help="keep the spec's weights"),
        weights: str = typer.Option("uniform", "--weights",
                                    help="weight perturbation: uniform or dirichlet"),
        weight_spread: float = typer.Option(0.25, "--weight-spread",
                                            help="uniform: ± this share around each weight"),
        no_normalisation: bool = typer.Option(False, "--no-normalisation",
                                              help="keep the spec's normalisation"),
        normalisations: str = typer.Option(
            "ratio,minmax,zscore", "--normalisations",
            help="alternatives to the spec's normalisation: ratio, frontier, minmax (onto "
                 "[1, 100]), zscore (mean 10, sd 2), rank"),
        no_aggregation: bool = typer.Option(False, "--no-aggregation",
                                            help="keep the spec's aggregation methods"),
        aggregation_scope: str = typer.Option(
            "pillars", "--aggregation-scope",
            help="nodes whose method varies: pillars, or all nodes below the index"),
        no_imputation: bool = typer.Option(False, "--no-imputation",
                                           help="keep the spec's imputation"),
        no_exclusion: bool = typer.Option(False, "--no-exclusion",
                                          help="never leave an indicator out"),
        no_leave_one_out: bool = typer.Option(False, "--no-leave-one-out", hidden=True,
                                              help="the same as --no-exclusion"),
        zeros: str = typer.Option(
            "spec", "--zeros",
            help="a geometric mean meeting a zero: spec (default: the node's declared "
                 "`nonpositive` rule; a level that would meet a zero where the rule is 'error' "
                 "is removed from the design and noted) or zero (what-if: every such mean is "
                 "0, its limit — e.g. an economy with no AI supercomputer)"),
        lang: str = typer.Option("en", "--lang", help="chart and sentence language: en or zh"),
        save_samples: bool = typer.Option(False, "--save-samples",
                                          help="uncertainty: also write every sample"),
        resamples: int = typer.Option(100, "--resamples", min=1,
                                      help="sensitivity: bootstrap resamples for the CIs"),
        outputs: str = typer.Option(
            "index,rank", "--outputs",
            help="sensitivity: outputs to analyse, comma-separated — index, rank (per economy), "
                 "rank_shift (|rank − nominal| per economy), mean_rank_shift (over economies), "
                 "pillars (each economy's score on each of the index's children)"),
        convergence: bool = typer.Option(
            False, "--convergence",
            help="sensitivity: also recompute the indices on the nested prefixes N/8, N/4, "
                 "N/2, N of the same design (no new model runs) and chart them against N"),
        weight_groups: str = typer.Option(
            "one", "--weight-groups",
            help="the weights as one factor (one) or one factor per tree level (level)"),
        quiet: QuietOpt = False,
    ) -> None:
        if backend not in BACKENDS:
            raise typer.BadParameter(f"--backend must be one of {', '.join(BACKENDS)}")
        if kind == "sensitivity" and samples is not None and samples < 2:
            from aidi.errors import UsageError

            raise UsageError(f"--samples must be at least 2 for a Sobol analysis (it is "
                             f"rounded up to a power of 2; default 1024), got {samples}")
        if lang not in ("en", "zh"):
            raise typer.BadParameter("--lang must be en or zh")
        config = _config(no_weights, weights, weight_spread, no_normalisation, normalisations,
                         no_aggregation, aggregation_scope, no_imputation,
                         no_exclusion or no_leave_one_out, zeros)
        if weight_groups not in ("one", "level"):
            raise typer.BadParameter("--weight-groups must be one or level")
        if weight_groups != "one":
            import dataclasses

            config = dataclasses.replace(config, weight_groups=weight_groups)
        started = time.perf_counter()
        from aidi.analysis.robustness.design import build_design
        from aidi.output_set import output_set
        from aidi.report import filenames as fn

        sub = fn.UNCERTAINTY_DIR if kind == "uncertainty" else fn.SENSITIVITY_DIR
        with output_set(out, kind, meta={"command": kind, "spec": spec, "samples": samples,
                                         "seed": seed}) as txn, \
                show_progress(console, quiet, lang) as progress:
            result = _nominal(spec, edition, countries, coin_data, coin_meta, vintage,
                              progress)
            design = build_design(result, config)
            if kind == "uncertainty":
                res, paths = _run_uncertainty(result, design, config, samples or 1000, seed,
                                              backend, scheduler, chunk_size, save_samples,
                                              txn.stage / sub, lang, progress)
            else:
                res, paths = _run_sensitivity(result, design, config, samples or 1024, seed,
                                              backend, scheduler, chunk_size, resamples,
                                              outputs, convergence, txn.stage / sub, lang,
                                              progress)
        paths, out = txn.finals(paths), out / sub
        if kind == "uncertainty":
            _print_uncertainty(res, paths, out, lang)
        else:
            from aidi.report.robustness import sensitivity_sentences

            _print_sensitivity(res, paths, out, lang)
            sentences = sensitivity_sentences(res.frame, lang=lang, output=res.headline)
            for i in res.design.nominal_rank.argsort(kind="stable"):
                console.print(f"• {sentences[res.design.units[i]]}")
        console.print(_t("cli.total", lang, seconds=f"{time.perf_counter() - started:.1f}"))

    return command


def register(app: typer.Typer) -> None:
    unc = _analysis_command("uncertainty")
    unc.__doc__ = ("Monte-Carlo uncertainty analysis: rank and index intervals per economy "
                   "over weights, normalisation, aggregation, imputation and leave-one-out.")
    app.command("uncertainty")(unc)
    sens = _analysis_command("sensitivity")
    sens.__doc__ = ("Sobol sensitivity analysis: first-order and total indices of each choice "
                    "on each economy's rank and index (SALib).")
    app.command("sensitivity")(sens)
    app.command("sobol", hidden=True)(sens)

    @app.command("audit")
    def audit_cmd(
        spec: str = typer.Option(None, "--spec", help="spec name (aidi-2024) or YAML path"),
        out: Path = typer.Option(Path("aidi-out"), "--out", "-o", help="output folder"),
        countries: str = typer.Option(None, "--countries",
                                      help="TARGET_20 (default), G20, all, or ISO3 list"),
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        coin_data: CoinDataOpt = None,
        coin_meta: CoinMetaOpt = None,
        lang: str = typer.Option("en", "--lang", help="chart language: en or zh"),
        quiet: QuietOpt = False,
    ) -> None:
        """Statistical audit: correlations across levels, Cronbach's alpha, PCA and flags."""
        from aidi.analysis.audit import audit
        from aidi.report import filenames as fn
        from aidi.report.robustness import audit_findings
        from aidi.report.translations import label
        from aidi.report.writers import node_labels, write_audit

        if lang not in ("en", "zh"):
            raise typer.BadParameter("--lang must be en or zh")
        from aidi.output_set import output_set

        with output_set(out, "audit", meta={"command": "audit", "spec": spec}) as txn, \
                show_progress(console, quiet, lang) as progress:
            result = _nominal(spec, edition, countries, coin_data, coin_meta, vintage,
                              progress)
            report(progress, "audit")
            res = audit(result)
            report(progress, WRITING)
            paths = write_audit(res, txn.stage / fn.AUDIT_DIR, result, lang)
        paths, out = txn.finals(paths), out / fn.AUDIT_DIR
        labels = node_labels(result.spec, lang)
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
