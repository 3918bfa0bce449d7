"""`aidi timeline` (the index edition by edition) and `aidi diff A B` (why a score moved)."""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape
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
from aidi.errors import UsageError
from aidi.progress import BUILDING, FIGURES, LOADING, WRITING, report

console = CommandConsole()
_EDITION = re.compile(r"^(\d{4}|latest)$", re.IGNORECASE)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Editions before a series starts leave whole columns empty; NumPy's "All-NaN slice"
    warning about them says nothing the flags do not."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        yield


def _fmt(v: object, digits: int = 3, sign: bool = False) -> str:
    if v is None or pd.isna(v):
        return "—"
    return f"{float(v):+.{digits}f}" if sign else f"{float(v):.{digits}f}"


def _side(text: str, spec: str | None, edition: str | None, vintage: str | None,
          countries: str | None):
    """One side of a diff: an edition year / `latest` (built from --spec) or a spec."""
    from aidi.api import load_spec
    from aidi.over_time import build_edition

    if _EDITION.match(text.strip()):
        return build_edition(load_spec(spec), text.strip().lower(), vintage,
                             countries=countries), text.strip().lower()
    return build_edition(load_spec(text), edition, vintage, countries=countries), \
        Path(text).stem


def print_moves(att, k: int, node: str, lang: str = "en", names=None, labels=None) -> None:
    """The largest moves as a table in `lang`: economy, both scores, the change and its
    parts (data, methodology, weights), the data dimension that moved it most, the ranks."""
    from aidi.report.attribution_report import changes_table
    from aidi.report.translations import t

    names, labels = names or {}, labels or {}
    table = Table(title=t("cli.diff.title", lang, node=labels.get(node, node), a=att.label_a,
                          b=att.label_b))
    rows = changes_table(att, k, node)
    # parts that are zero for every economy shown get a line, not a column (fits 80 columns)
    quiet = [c for c in ("methodology", "weights") if not rows[c].abs().gt(5e-4).any()]
    heads = [("economy", "left", None), ("scores", "right", None), ("change", "right", "change"),
             ("data", "right", "data"), ("method", "right", "methodology"),
             ("weights", "right", "weights"), ("top", "left", None), ("rank", "right", None)]
    heads = [h for h in heads if h[2] not in quiet]
    for key, justify, _col in heads:
        table.add_column(t(f"cli.diff.{key}", lang, a=att.label_a[:8], b=att.label_b[:8]),
                         justify=justify, no_wrap=key != "economy")
    for _, r in rows.iterrows():
        top = str(r.main_data_dimension)
        cells = {"economy": names.get(r.iso3, r.iso3),
                 "scores": f"{_fmt(r['from'])}→{_fmt(r['to'])}",
                 "top": escape(labels.get(top, top))[:16],
                 "rank": f"{_fmt(r.rank_from, 0)}→{_fmt(r.rank_to, 0)}"}
        table.add_row(*[cells[key] if col is None else _fmt(r[col], sign=True)
                        for key, _j, col in heads])
    if quiet:
        table.caption = t("cli.diff.quiet", lang, parts="、".join(
            t(f"cli.diff.{'method' if q == 'methodology' else q}", lang) for q in quiet)
            if lang == "zh" else ", ".join(
            t(f"cli.diff.{'method' if q == 'methodology' else q}", lang).lower() for q in quiet))
    print_table(console, table)


def print_changes(att, unit: str, node: str, lang: str = "en", names=None,
                  labels=None) -> None:
    """One row per change for `unit` with its part of the move, and under the table, per
    change, what happened (A → B) — as lines, so series ids wrap at spaces, never inside."""
    from aidi.report.attribution_report import change_text
    from aidi.report.translations import has, t

    names, labels = names or {}, labels or {}
    rows = att.by_change(unit, node)
    table = Table(title=t("cli.changes.title", lang, unit=names.get(unit, unit),
                          node=labels.get(node, node), a=att.label_a, b=att.label_b))
    for col, just in (("n", "right"), ("change", "left"), ("part", "left"), ("kind", "left"),
                      ("share", "right")):
        table.add_column(t(f"cli.changes.{col}", lang), justify=just, overflow="fold")

    def word(prefix: str, value: object) -> str:
        key = f"cli.changes.{prefix}.{value}"
        return t(key, lang) if has(key) else str(value)

    lines = []
    sides = {"A": att.label_a, "B": att.label_b}
    for k, (r, change) in enumerate(zip(rows.itertuples(), att.changes, strict=True), start=1):
        table.add_row(str(k), labels.get(r.change, r.change), word("part", r.part),
                      word("kind", r.kind), _fmt(r.contribution, sign=True))
        single = r.part == "data" and not (pd.isna(r.value_a) and pd.isna(r.value_b))
        what = _values(r, labels) if single else change_text(change, lang, labels, sides)
        lines.append(f"[{k}] {what}")
    row = att.of(unit, node)
    table.add_row("", t("cli.changes.total", lang), "",
                  f"{_fmt(row.score_a)} → {_fmt(row.score_b)}", _fmt(row.change, sign=True))
    print_table(console, table)
    for line in lines:
        console.print(escape(line))


def _values(r, labels) -> str:
    name = labels.get(r.indicators, r.indicators)
    return f"{name}: {_num(r.value_a)} → {_num(r.value_b)}"


def _num(v: float) -> str:
    return "—" if pd.isna(v) else f"{float(v):.4g}"


FocusOpt = Annotated[str | None, typer.Option(
    "--focus", help="economy highlighted (default: the spec's presentation focus)")]


def register(app: typer.Typer) -> None:
    @app.command("timeline")
    def timeline_cmd(
        start: int = typer.Option(None, "--from", help="first edition (default: the first "
                                  "one the reference can be scored on)"),
        end: str = typer.Option("latest", "--to", help="last edition: a year, or latest "
                                "(every year to the spec's own edition, then latest)"),
        spec: SpecOpt = None,
        countries: CountriesOpt = None,
        vintage: VintageOpt = None,
        out: OutOpt = Path("aidi-timeline"),
        focus: FocusOpt = None,
        lang: LangOpt = Lang.en,
        charts: bool = typer.Option(True, "--charts/--no-charts"),
        series: str = typer.Option("chained", "--series", help="series the charts draw: "
                                   "chained (comparable, default), fixed, published"),
        quiet: QuietOpt = False,
    ) -> None:
        """Build every yearly edition and write timeline.csv (published and comparable series,
        break flags, who is ranked and why) and the trajectory charts."""
        run_timeline(TimelineArgs(start, end, spec, countries, vintage, out, focus, lang,
                                  charts, series, quiet))

    @app.command("diff")
    def diff_cmd(
        a: str = typer.Argument(..., help="edition year, latest, or a spec name/path"),
        b: str = typer.Argument(..., help="edition year, latest, or a spec name/path"),
        spec: SpecOpt = None,
        edition: EditionOpt = None,
        vintage_a: str = typer.Option(None, "--vintage-a", help="data state of A"),
        vintage_b: str = typer.Option(None, "--vintage-b", help="data state of B"),
        countries: CountriesOpt = None,
        focus: FocusOpt = None,
        node: str = typer.Option("index", "--node", help="node of the table and waterfall"),
        top: int = typer.Option(10, "--top", min=1, help="rows of the table"),
        lang: LangOpt = Lang.en,
        out: OutOpt = Path("aidi-diff"),
        quiet: QuietOpt = False,
    ) -> None:
        """Split every score change from A to B into data (by dimension), methodology (by
        event) and weights, exactly (Owen/Shapley); write attribution.csv,
        attribution_events.csv and a waterfall."""
        run_diff(DiffArgs(a, b, spec, edition, vintage_a, vintage_b, countries, focus, node,
                          top, lang, out, quiet))


@dataclass(frozen=True)
class TimelineArgs:
    """`aidi timeline`'s options (see its --help)."""

    start: int | None
    end: str
    spec: str | None
    countries: str | None
    vintage: str | None
    out: Path
    focus: str | None
    lang: str
    charts: bool
    series: str
    quiet: bool


def _focus(focus: str | None, build) -> str | None:
    """`--focus` as given (upper case), else the spec's presentation focus for `build`."""
    if focus:
        return focus.upper()
    from aidi.specs.presentation import resolve_presentation

    return resolve_presentation(build.spec, build.units, build.index.to_dict()).focus


def run_timeline(o: TimelineArgs) -> None:
    """Build the editions, write timeline.csv and the charts as one output set, print the
    table and the notes under it."""
    from aidi.analysis.comparable import SERIES
    from aidi.output_set import output_set
    from aidi.over_time import timeline
    from aidi.report.timeline import write_timeline

    if o.series not in SERIES:
        raise UsageError(f"--series must be one of {', '.join(SERIES)}")
    with output_set(o.out, "timeline", meta={"command": "timeline"}) as txn, \
            show_progress(console, o.quiet, o.lang) as progress:
        report(progress, LOADING)
        with _quiet():
            tl = timeline(o.spec, start=o.start, end=o.end, countries=o.countries,
                          vintage=o.vintage, progress=progress)
        if not tl.editions:
            raise UsageError(f"no edition could be built "
                             f"({'; '.join(tl.skipped.values())})")
        focus = _focus(o.focus, tl.builds[tl.editions[-1]])
        report(progress, FIGURES if o.charts else WRITING)
        paths = write_timeline(tl, txn.stage, lang=o.lang, focus=focus, charts=o.charts,
                               series=o.series)
    _print_timeline(tl, focus, o.series)
    console.print(f"first edition: {tl.first_edition}; wrote {len(paths)} outputs to "
                  f"{escape(str(o.out))}", markup=True)


@dataclass(frozen=True)
class DiffArgs:
    """`aidi diff`'s arguments and options (see its --help)."""

    a: str
    b: str
    spec: str | None
    edition: str | None
    vintage_a: str | None
    vintage_b: str | None
    countries: str | None
    focus: str | None
    node: str
    top: int
    lang: str
    out: Path
    quiet: bool


def run_diff(o: DiffArgs) -> None:
    """Build both sides, split every change, write the attribution set, print the moves and
    (for the focus) the changes behind its move."""
    from aidi.analysis.attribution import diff
    from aidi.output_set import output_set
    from aidi.report.attribution_report import write_attribution
    from aidi.report.writers import node_labels

    with output_set(o.out, "diff", meta={"command": "diff"}) as txn, \
            show_progress(console, o.quiet, o.lang) as progress, _quiet():
        report(progress, f"{BUILDING} {o.a}")
        ba, la = _side(o.a, o.spec, o.edition, o.vintage_a, o.countries)
        report(progress, f"{BUILDING} {o.b}")
        bb, lb = _side(o.b, o.spec, o.edition, o.vintage_b, o.countries)
        if la == lb and (o.vintage_a or o.vintage_b):
            la, lb = (f"{la}@{o.vintage_a or 'snapshot'}", f"{lb}@{o.vintage_b or 'snapshot'}")
        att = diff(ba, bb, label_a=la, label_b=lb, progress=progress)
        bb.resolve_node(o.node)
        focus = _focus(o.focus, bb)
        report(progress, FIGURES)
        labels = {**node_labels(ba.spec, o.lang), **node_labels(bb.spec, o.lang)}
        paths = txn.finals(write_attribution(att, txn.stage, focus=focus, node=o.node,
                                             lang=o.lang, labels=labels))
    _print_diff(att, bb, o, focus, labels, paths)


def _print_diff(att, bb, o: DiffArgs, focus: str | None, labels, paths) -> None:
    from aidi.report.translations import t
    from aidi.report.writers import economy_names

    names = economy_names(bb.units, o.lang)
    print_moves(att, o.top, o.node, o.lang, names, labels)
    if focus in set(att.frame["iso3"]):
        print_changes(att, focus, o.node, o.lang, names, labels)
    worst = float(att.frame["check"].abs().max())
    for note in att.notes:
        console.print(note, markup=False)
    sep = "、" if o.lang == "zh" else ", "
    console.print(t("cli.diff.done", o.lang, worst=f"{worst:.1e}",
                    files=sep.join(p.name for p in paths.values()), out=str(o.out)),
                  markup=False)


def _print_timeline(tl, focus: str, series: str = "chained", n: int = 4) -> None:
    """Editions down, the leading economies (and the focus) across: the comparable value /
    the published one; then the breaks, who is not ranked and why, and the backcast."""
    shown = "published" if series == "published" else series
    comp, pub = tl.table("index", shown), tl.table("index")
    order = pub[tl.editions[-1]].sort_values(ascending=False).index[:n].tolist()
    if focus in pub.index and focus not in order:
        order.append(focus)
    what = "as published" if shown == "published" else f"{shown} / as published"
    table = Table(title=f"Index by edition, {tl.reference} = 1: {what}")
    table.add_column("edition")
    table.add_column("break")
    for code in order:
        table.add_column(code, justify="right")
    breaks = tl.comparable.breaks().set_index("edition") if tl.comparable else None
    for e in tl.editions:
        brk = "—" if breaks is None or e not in breaks.index else \
            "yes" if breaks.loc[e, "break"] else "no"
        table.add_row(e, brk, *[_pair(comp.loc[c, e], pub.loc[c, e], shown) for c in order])
    print_table(console, table)
    for line in timeline_lines(tl):
        console.print(line, markup=False)


def _pair(comparable: object, published: object, series: str) -> str:
    if series == "published":
        return _fmt(published)
    return f"{_fmt(comparable)}/{_fmt(published)}"


def timeline_lines(tl) -> list[str]:
    """Sentences under the timeline table: each break, each economy not ranked (editions and
    reason), the backcast, the fixed set."""
    lines = [f"break {lk.edition_from}→{lk.edition_to}: "
             + "; ".join(f"{c.kind} {c.name}" for c in lk.events)
             for lk in (tl.comparable.links if tl.comparable else ()) if lk.is_break]
    acc = tl.accounting()
    built = acc[acc["status"] != "not built"]
    for (code, reason), g in built[built["status"] != "ranked"].groupby(["iso3", "reason"],
                                                                        sort=False):
        lines.append(f"{code} {g['status'].iloc[0]} in {', '.join(g['edition'])}: {reason}")
    if not (built["status"] != "ranked").any():
        n = built["iso3"].nunique()
        lines.append(f"all {n} economies ranked in every edition built "
                     f"({tl.editions[0]}–{tl.editions[-1]})")
    for e, reason in tl.skipped.items():
        lines.append(f"edition {e} not built: {reason}")
    back = tl.frame.loc[tl.frame["backcast"].astype(str) != "", ["edition", "backcast"]]
    if len(back):
        eds = list(dict.fromkeys(back["edition"]))
        lines.append(f"editions {eds[0]}–{eds[-1]}: {back['backcast'].iloc[0]}")
    if tl.comparable is not None:
        lines.append(f"chained series anchored at {tl.comparable.anchor}; fixed set: "
                     f"{len(tl.comparable.fixed_indicators)} indicators "
                     "(timeline.csv: index, index_chained, index_fixed, break, break_events)")
    return lines
