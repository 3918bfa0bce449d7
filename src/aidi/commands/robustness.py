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

console = Console()

BACKENDS = ("numpy", "dask")


def _nominal(spec: str | None, edition: str | None, countries: str | None):
    """Load the inputs as `aidi build` does and build the nominal index."""
    from aidi.commands.common import load_inputs
    from aidi.engine.pipeline import build

    spec_obj, obs, units = load_inputs(spec, edition, countries)
    return build(spec_obj, obs, units=units)


def _config(no_weights: bool, weights: str, weight_spread: float, no_normalisation: bool,
            normalisations: str, no_aggregation: bool, aggregation_scope: str,
            no_imputation: bool, no_exclusion: bool, zeros: str):
    from aidi.analysis.variants import UncertaintyConfig

    def names(text: str) -> tuple[str, ...]:
        return tuple(s.strip() for s in text.split(",") if s.strip())

    if weights not in ("uniform", "dirichlet"):
        raise typer.BadParameter("--weights must be uniform or dirichlet")
    if aggregation_scope not in ("pillars", "all"):
        raise typer.BadParameter("--aggregation-scope must be pillars or all")
    if zeros not in ("spec", "zero"):
        raise typer.BadParameter("--zeros must be spec or zero")
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


def _print_uncertainty(res, paths: dict[str, Path], out: Path) -> None:
    summary = res.summary()
    table = Table(title=f"Rank uncertainty over {res.n_samples:,} variants (seed {res.seed})")
    for c in ("economy", "nominal", "median", "90% interval", "index", "index 90% interval",
              "failed"):
        table.add_column(c, justify="left" if c == "economy" else "right")
    for _, r in summary.iterrows():
        table.add_row(f"{r['name']} ({r.iso3})", _fmt(r.nominal_rank), _fmt(r.median_rank, 1),
                      f"{_fmt(r.p05_rank, 1)}–{_fmt(r.p95_rank, 1)}", _fmt(r.nominal_index, 3),
                      f"{_fmt(r.p05_index, 3)}–{_fmt(r.p95_index, 3)}", str(int(r.n_failed)))
    console.print(table)
    _print_caveats(res, "--zeros zero lets a geometric mean meeting a zero give 0 instead of "
                        "failing")
    console.print(f"{res.n_samples:,} samples in {res.seconds:.2f} s on {res.backend}; wrote "
                  f"{len(paths)} files to {out}")


def _print_sensitivity(res, paths: dict[str, Path], out: Path) -> None:
    from aidi.analysis.robustness_report import factor_label

    df = res.frame[res.frame.output == "rank"]
    factors = list(dict.fromkeys(df.factor))
    table = Table(title=f"Total Sobol indices on each economy's rank ({res.n_base} base samples, "
                        f"{res.n_evaluations:,} evaluations)")
    table.add_column("economy")
    for f in factors:
        table.add_column(f, justify="right")
    table.add_column("moved most by")
    order = [res.design.units[i] for i in res.design.nominal_rank.argsort(kind="stable")]
    wide = df.pivot(index="iso3", columns="factor", values="ST")
    for iso3 in order:
        row = wide.loc[iso3, factors]
        top = row.idxmax() if row.notna().any() and row.max() > 0 else None
        table.add_row(iso3, *[_fmt(v, 2) for v in row],
                      factor_label(top) if top else "nothing (rank constant)")
    console.print(table)
    _print_caveats(res, "the indices are then conditional on the choices that do not fail; "
                        "--zeros zero lets a geometric mean meeting a zero give 0")
    console.print(f"Sobol analysis in {res.seconds:.2f} s; wrote {len(paths)} files to {out}")


def _analysis_command(kind: str) -> Callable[..., None]:
    """One command body for `uncertainty` and `sensitivity`: same choices, same switches."""

    def command(
        spec: str = typer.Option(None, "--spec", help="spec name (aidi-2024) or YAML path"),
        out: Path = typer.Option(Path("aidi-out"), "--out", "-o", help="output folder"),
        samples: int = typer.Option(
            None, "--samples", "-n",
            help="Monte-Carlo samples (uncertainty, default 1000) or Sobol base samples, "
                 "rounded up to a power of 2 (sensitivity, default 1024)"),
        seed: int = typer.Option(0, "--seed", help="random seed (same seed → same output)"),
        backend: str = typer.Option("numpy", "--backend", help="numpy or dask"),
        scheduler: str = typer.Option(
            None, "--scheduler",
            help="with --backend dask: a scheduler address (tcp://host:8786), 'local' for an "
                 "in-process LocalCluster, or nothing for Dask's threaded scheduler"),
        chunk_size: int = typer.Option(2000, "--chunk-size", help="samples per chunk"),
        countries: str = typer.Option(None, "--countries",
                                      help="TARGET_20 (default), G20, all, or ISO3 list"),
        edition: str = typer.Option(None, "--edition", help="data edition (default 2024)"),
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
        no_exclusion: bool = typer.Option(False, "--no-exclusion", "--no-leave-one-out",
                                          help="never leave an indicator out"),
        zeros: str = typer.Option(
            "zero", "--zeros",
            help="a geometric mean meeting a zero: zero (default: the mean is 0, its limit — "
                 "e.g. an economy with no AI supercomputer) or spec (follow the node's policy; "
                 "'error' → the sample fails and is counted in n_failed)"),
        lang: str = typer.Option("en", "--lang", help="chart and sentence language: en or zh"),
        save_samples: bool = typer.Option(False, "--save-samples",
                                          help="uncertainty: also write every sample"),
        resamples: int = typer.Option(100, "--resamples",
                                      help="sensitivity: bootstrap resamples for the CIs"),
    ) -> None:
        if backend not in BACKENDS:
            raise typer.BadParameter(f"--backend must be one of {', '.join(BACKENDS)}")
        if lang not in ("en", "zh"):
            raise typer.BadParameter("--lang must be en or zh")
        config = _config(no_weights, weights, weight_spread, no_normalisation, normalisations,
                         no_aggregation, aggregation_scope, no_imputation, no_exclusion, zeros)
        started = time.perf_counter()
        try:
            with console.status("building the nominal index…"):
                result = _nominal(spec, edition, countries)
            if kind == "uncertainty":
                from aidi.analysis.uncertainty import run_uncertainty, write_uncertainty

                res = run_uncertainty(result, samples or 1000, seed, config, backend, scheduler,
                                      chunk_size)
                paths = write_uncertainty(res, out, lang, save_samples=save_samples)
                _print_uncertainty(res, paths, out)
            else:
                from aidi.analysis.sensitivity import (
                    run_sensitivity,
                    sensitivity_sentences,
                    write_sensitivity,
                )

                res = run_sensitivity(result, samples or 1024, seed, config, backend,
                                      scheduler, chunk_size, num_resamples=resamples)
                paths = write_sensitivity(res, out, lang)
                _print_sensitivity(res, paths, out)
                sentences = sensitivity_sentences(res.frame, lang=lang)
                for i in res.design.nominal_rank.argsort(kind="stable"):
                    console.print(f"• {sentences[res.design.units[i]]}")
        except (ValueError, KeyError, FileNotFoundError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        console.print(f"total {time.perf_counter() - started:.1f} s")

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
        edition: str = typer.Option(None, "--edition", help="data edition (default 2024)"),
        lang: str = typer.Option("en", "--lang", help="chart language: en or zh"),
    ) -> None:
        """Statistical audit: correlations across levels, Cronbach's alpha, PCA and flags."""
        from aidi.analysis.audit import audit, audit_heatmap, write_audit

        if lang not in ("en", "zh"):
            raise typer.BadParameter("--lang must be en or zh")
        try:
            result = _nominal(spec, edition, countries)
            res = audit(result)
            paths = write_audit(res, out)
            for p in audit_heatmap(res, result, out / "fig_audit_correlations", lang):
                paths[p.name] = p
        except (ValueError, KeyError, FileNotFoundError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        table = Table(title="Aggregates: internal consistency")
        for c in ("node", "children", "Cronbach's α", "PCA 1st share", "mean r"):
            table.add_column(c, justify="left" if c == "node" else "right")
        for _, d in res.dimensions.iterrows():
            table.add_row(("  " * int(d.depth)) + d.node, str(d.n_children),
                          _fmt(d.cronbach_alpha, 2), _fmt(d.pca_first_share, 2),
                          _fmt(d.mean_child_correlation, 2))
        console.print(table)
        if len(res.flags):
            flags = Table(title=f"{len(res.flags)} flags")
            flags.add_column("flag")
            flags.add_column("detail")
            for _, f in res.flags.iterrows():
                flags.add_row(f.flag, f.detail)
            console.print(flags)
        console.print(f"wrote {len(paths)} files to {out}")
