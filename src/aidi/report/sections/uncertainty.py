"""The Monte-Carlo over the open choices: each economy's rank interval, the least certain
ranks in words, and the failed samples said plainly (never silently dropped)."""

from __future__ import annotations

from aidi.report import filenames as fn
from aidi.report import robustness as rob
from aidi.report.html import Section
from aidi.report.sections.view import Chart, Parts, ReportView
from aidi.report.translations import t

__all__ = ["charts", "parts"]


def charts(view: ReportView) -> list[Chart]:
    unc = view.bundle.uncertainty
    if unc is None:
        return []
    return [Chart("uncertainty", fn.fig_uncertainty(view.lang), rob.draw_rank_intervals, (
        view.bundle.uncertainty_summary, view.lang, view.names,
        rob.failure_note(unc.n_samples, unc.n_failed_samples, view.lang)))]


def parts(view: ReportView) -> Parts:
    unc, lang = view.bundle.uncertainty, view.lang
    if unc is None:
        return Parts()
    summary = view.bundle.uncertainty_summary
    # the analysis words its failures in English; other languages get the translated note
    notes = [n for n in (unc.failure_message(),) if n and lang == "en"]
    if unc.n_failed_samples and lang != "en":
        notes.append(rob.failure_note(unc.n_samples, unc.n_failed_samples, lang))
    return Parts(Section(
        id="uncertainty", title_key="section.uncertainty",
        sentences=[t("unc.intro", lang, n=f"{unc.n_samples:,}"),
                   *rob.uncertainty_sentences(summary, view.names, lang), *notes],
        figures=view.figs("uncertainty"), table=rob.uncertainty_table(summary, view.names)))
