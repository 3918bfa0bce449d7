"""`aidi trends`: the source's trend claims (compute growth, S-curves, cost, investment,
capacity) checked against the embedded trends snapshot; writes claims.csv, fit tables,
figures and trends.html."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from aidi.commands.layout import print_table
from aidi.commands.options import Lang, LangOpt, OutOpt, QuietOpt
from aidi.commands.progress import show_progress


def _fmt(v: float, unit: str = "") -> str:
    if v is None or not math.isfinite(v):
        return "—"
    if unit == "year":
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) >= 1e4 or abs(v) < 10 else f"{v:,.1f}"


def trends_command(
    out: OutOpt = Path("aidi-trends"),
    lang: LangOpt = Lang.en,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every bootstrap.")] = 0,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap replicates per fit.")
                         ] = 500,
    data: Annotated[Path | None, typer.Option(
        "--data", help="Trends snapshot folder (default: the shipped one).")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Check the source's trend claims against the data: claims.csv, fits, figures, HTML."""
    from rich.console import Console
    from rich.table import Table

    from aidi.analysis.trends import trends
    from aidi.report.trends_report import tr, write_trends

    if bootstrap < 10:
        raise typer.BadParameter("--bootstrap must be at least 10")
    from aidi.output_set import output_set

    console = Console()
    with output_set(out, "trends", meta={"command": "trends", "seed": seed}) as txn, \
            show_progress(console, quiet, lang) as progress:
        try:
            res = trends(seed=seed, n_boot=bootstrap, lang=lang, data=data, progress=progress)
        except FileNotFoundError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1) from None
        written = write_trends(res, txn.stage, lang, progress=progress)
    table = Table(title="The source's claims against the data")
    for col in ("claim", "source", "aidi", "95% interval", "unit", "verdict"):
        table.add_column(col, justify="right" if col in ("source", "aidi") else "left")
    for r in res.claims.itertuples():
        u = r.unit
        interval = (f"{_fmt(r.ci_low, u)}–{_fmt(r.ci_high, u)}" if math.isfinite(r.ci_low)
                    else "—")
        table.add_row(r.claim_id, _fmt(r.source_value, u), _fmt(r.estimate, u), interval, u,
                      tr(f"verdict.{r.verdict}", lang))
    print_table(console, table)
    for r in res.claims.itertuples():
        if r.verdict == "not_testable":
            console.print(f"{r.claim_id}: {tr('verdict.not_testable', lang)} — "
                          f"{tr('col.closest', lang)}: {r.closest}; {tr('col.needed', lang)}: "
                          f"{getattr(r, f'needed_{lang}')}", markup=False)
        elif r.closest:
            console.print(f"{r.claim_id}: {tr('col.closest', lang)}: {r.closest}", markup=False)
    typer.echo(tr("cli.wrote", lang, n=len(written), out=out))


def register(app: typer.Typer) -> None:
    app.command("trends")(trends_command)
