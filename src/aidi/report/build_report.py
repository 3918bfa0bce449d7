"""`report.html`, its figures, `scores.xlsx` and the sections' CSV files from one analysis bundle.

The analyses compute (`Build.analyses()` → `aidi.analysis.bundle.Analyses`); this module only
renders. It submits every section's charts to a `FigurePool` (they draw in worker processes
while the workbook is written here), then gathers the sections in the order of a published
index report: summary, why we differ, ranking, pillars, the focus economy item by item,
reproduction, exposure, the source's statements, the intensity variant, robustness
(uncertainty, sensitivity, audit as findings), methodology, data, and collapsible appendices.
Each section is a module of `aidi.report.sections`; node ids and labels come from the spec, so
any spec (the shipped AIDI, COINr's ASEM) gets a full report.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from aidi.progress import FIGURES, REPORT, Progress, silent
from aidi.report import filenames as fn
from aidi.report.html import ReportContext, Section, manifest_summary, write_report
from aidi.report.sections import (
    audit,
    exposure,
    headline,
    intensity,
    sensitivity,
    statements,
    summary,
    uncertainty,
    why,
)
from aidi.report.sections.lineage import lineage_table
from aidi.report.sections.view import ReportView
from aidi.report.translations import t

if TYPE_CHECKING:
    from aidi.analysis.bundle import Analyses

__all__ = ["BODY", "write_build_report"]

#: The body's sections, in the page's order (each a module with `parts(view)`).
BODY = (exposure, statements, intensity, uncertainty, sensitivity, audit)
#: The modules whose charts the report draws (`charts(view)`), in submission order.
CHARTS = (headline, exposure, uncertainty, sensitivity, audit)
#: What the page cannot do without (the summary's caveats read the flags and the audit).
REQUIRED = ("tables", "flags", "audit")
#: Files every build writes beside the report (`aidi.report.writers`), offered as downloads.
_TABLES = (fn.REPORT_HTML, fn.SCORES_CSV, fn.INDICATORS_CSV, fn.CONTRIBUTIONS_CSV,
           fn.BUILD_LOG_CSV)


class _Clock:
    """Phase timings (seconds) into `sink`, for `benchmarks/bench_build.py`."""

    def __init__(self, sink: MutableMapping[str, float] | None) -> None:
        self.sink = sink if sink is not None else {}
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.sink[phase] = self.sink.get(phase, 0.0) + now - self.last
        self.last = now


def _publishers(catalogue: pd.DataFrame | None) -> list[str]:
    """Publishers' names as the catalogue gives them ("Epoch AI", "World Bank WDI", …)."""
    if catalogue is None or "source" not in catalogue:
        return []
    return [str(s).split(" — ")[0].strip() for s in catalogue["source"].dropna()]


def _font_chars(view: ReportView) -> str:
    """Every non-ASCII character the page can show: the language's translations and the
    build's names (a superset of the page's text, known before the page is written, so the
    font subset is cut in a worker while the workbook is written)."""
    from aidi.report.translations import translations

    lang, catalogue = view.lang, view.bundle.catalogue
    texts = [*view.names.values(), *view.labels.values(),
             *(i.name.get(lang) or "" for i in view.spec.indicators())]
    if catalogue is not None:
        texts += list(catalogue["source"].astype(str))
    chars = set("—–−×÷≈±·↑▲▼…“”‘’")
    for v in translations().values():
        chars.update(str(v.get(lang, "")) + str(v.get("en", "")))
    for x in texts:
        chars.update(str(x))
    return "".join(sorted(c for c in chars if ord(c) > 0x7F))


def _font_task(chars: str) -> str:
    from aidi.report.webfont import font_face_css

    return font_face_css(chars)


def _workbook(view: ReportView, out: Path) -> Path:
    """`scores.xlsx` (`aidi.report.workbook` decides the sheets, `aidi.report.excel` writes)."""
    from aidi.report.excel import write_workbook
    from aidi.report.workbook import workbook_sheets
    from aidi.specs.presentation import resolve_presentation

    result = view.bundle.result
    shown = resolve_presentation(view.spec, result.units, result.index.to_dict())
    sheets, charts = workbook_sheets(view.bundle, view.scores, view.lang,
                                     quadrant=shown.quadrant)
    return write_workbook(sheets, out / fn.SCORES_XLSX, view.lang, charts=charts)


def _draw(view: ReportView, out: Path, *, figures: bool, formats: tuple[str, ...],
          paths: dict[str, Path], say: Progress, clock: _Clock,
          figure_texts: MutableMapping[str, tuple[str, ...]] | None
          ) -> tuple[dict[str, list[Path]], str, str]:
    """Draw every section's charts in workers while the workbook is written here; returns
    (figure name → paths, the font CSS, the font's characters)."""
    from aidi.report.figures import FigureJob, FigurePool
    from aidi.report.webfont import font_face_css, is_cached

    figs: dict[str, list[Path]] = {}
    with FigurePool(progress=lambda done, total: say(FIGURES, done, total)) as pool:
        font_chars = _font_chars(view)
        # a subset cut before is a file read; a new one is cut in a worker meanwhile
        font_future = pool.task(_font_task, font_chars) \
            if pool.parallel and not is_cached(font_chars) else None
        for module in CHARTS if figures else ():
            for c in module.charts(view):
                pool.submit(FigureJob(c.name, out / c.stem, c.draw, c.args, formats=formats))
        clock.lap("figures_submit")
        paths["scores_xlsx"] = _workbook(view, out)
        clock.lap("workbook")
        say(t("progress.waiting", view.lang))
        for name, res in pool.results().items():
            if figure_texts is not None:
                figure_texts[name] = res.texts
            figs[name] = list(res.paths)
            paths.update({p.name: p for p in res.paths})
        font_css = font_future.result() if font_future is not None else \
            font_face_css(font_chars)
        clock.lap("figures_wait")
    return figs, font_css, font_chars


def _context(view: ReportView, body: list[Section], downloads: tuple[str, ...]
             ) -> ReportContext:
    """The report context: the page's built-in sections from the view, `body` after them."""
    from aidi.io import reproducible_timestamp
    from aidi.report.data_flags import backcast_text
    from aidi.report.methodology import indicator_table
    from aidi.specs.presentation import resolve_presentation

    b, lang, labels, pillars, spec = view.bundle, view.lang, view.labels, view.pillars, view.spec
    profile = headline.focus_profile(view)
    rep = b.reproduction
    pillar_titles = {} if view.aidi_spec or len(pillars) != 2 else {
        k: t("section.pillars_of", lang, x=labels[pillars[0]], y=labels[pillars[1]])
        for k in ("pillars", "pillar_scatter")}
    full_scores = view.scores.drop(columns=[c for c in ("name_en", "name_zh", "flags")
                                            if c in view.scores])
    return ReportContext(
        subtitle=None if view.aidi_spec else "", section_titles=pillar_titles,
        scores=view.scores, title=t("report.title_for", lang, name=spec.name.get(lang))
        if spec.name.get(lang) != t("report.title", lang) else None,
        spec_name=spec.name.get(lang), edition=(b.edition or spec.edition) + (
            f" · {backcast_text(b.backcast, lang)}" if b.backcast else ""),
        build_time=reproducible_timestamp(),
        snapshot=manifest_summary(b.manifest, _publishers(b.catalogue)) if b.manifest else {},
        reproduction=rep.table if rep is not None else None,
        mean_abs_difference=rep.mean_abs_difference if rep is not None else None,
        figures={k: v for k, v in view.figures.items() if k in headline.HEADLINE},
        methodology=indicator_table(spec, b.observations, b.catalogue, list(b.result.units),
                                    lang),
        sections=tuple(body), lead_sections=why.lead_sections(view), focus=view.focus,
        lineage=lineage_table(view), reference=view.reference,
        node_labels={n: {lang: v} for n, v in labels.items()},
        quadrant=resolve_presentation(spec, b.result.units, b.result.index.to_dict()).quadrant,
        score_columns=["index", *pillars],
        summary=summary.sentences(view, profile, statements.statement_texts(view)),
        appendix=((t("appendix.scores", lang), full_scores),), downloads=downloads,
        note=t("ui.relative_note_for", lang,
               reference=view.names.get(view.reference, view.reference))
        if spec.reference else "")


def write_build_report(bundle: Analyses, out: Path, *, lang: str = "en",
                       figures: bool = True, png: bool = False,
                       extra_sections: tuple[Section, ...] = (),
                       progress: Progress | None = None,
                       timings: MutableMapping[str, float] | None = None,
                       figure_texts: MutableMapping[str, tuple[str, ...]] | None = None
                       ) -> dict[str, Path]:
    """Figures (SVG, which the report embeds; PNG too with `png`), `scores.xlsx`, the
    sections' CSV files and `report.html` for one bundle; returns name → path of every file
    written. `figures=False` skips the charts (the report then has tables only);
    `extra_sections` follow the body; `timings` receives the phases' seconds, `figure_texts`
    every chart's visible texts (for the untranslated-text test)."""
    from aidi.io import write_csv

    missing = [a for a in REQUIRED if a not in bundle.include]
    if missing:
        from aidi.errors import UsageError

        raise UsageError(f"the report needs the analyses {', '.join(missing)}: call "
                         f"Build.analyses() with them in `include`")
    clock, say = _Clock(timings), progress or silent
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    view = ReportView.of(bundle, lang)
    paths: dict[str, Path] = {}
    figs, font_css, font_chars = _draw(
        view, out, figures=figures, formats=(".png", ".svg") if png else (".svg",),
        paths=paths, say=say, clock=clock, figure_texts=figure_texts)
    say(REPORT)
    view = ReportView(bundle, lang, view.names, view.labels, view.pillars, view.scores, figs)
    body: list[Section] = []
    for module in BODY:
        part = module.parts(view)
        paths.update({name: write_csv(frame, out / name) for name, frame in part.csv.items()})
        if part.section is not None:
            body.append(part.section)
    body.extend(extra_sections)
    downloads = tuple(sorted({p.name for p in paths.values()} | set(_TABLES)))
    paths["report"] = write_report(_context(view, body, downloads), lang, out / fn.REPORT_HTML,
                                   font_css=font_css, font_chars=font_chars)
    clock.lap("render")
    return paths
