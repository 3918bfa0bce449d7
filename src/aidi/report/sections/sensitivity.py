"""The Sobol indices of the open choices: the headline output's (rank, else index) first
and total-order indices per economy as a heatmap, the leading factors in words, and the
full table in an appendix."""

from __future__ import annotations

import numpy as np

from aidi.report import filenames as fn
from aidi.report import robustness as rob
from aidi.report.html import Section
from aidi.report.sections.view import Chart, Parts, ReportView
from aidi.report.translations import has, t

__all__ = ["charts", "parts"]


def _order(view: ReportView) -> list[str]:
    """Economies in nominal rank order (the heatmap's rows)."""
    design = view.bundle.sensitivity.design
    return [design.units[i] for i in np.argsort(design.nominal_rank, kind="stable")]


def charts(view: ReportView) -> list[Chart]:
    sens = view.bundle.sensitivity
    if sens is None:
        return []
    return [Chart("sensitivity", fn.fig_sobol(sens.headline, view.lang), rob.draw_sobol,
                  (sens.frame, sens.headline, view.lang, _order(view), view.names))]


def parts(view: ReportView) -> Parts:
    sens, lang = view.bundle.sensitivity, view.lang
    if sens is None:
        return Parts()
    frame, head = sens.frame, sens.headline
    full = frame[["iso3", "output", "factor", "S1", "S1_conf", "ST", "ST_conf"]].copy()
    full["factor"] = [rob.factor_label(f, lang) for f in full["factor"]]
    full["output"] = [t(f"output.{o}", lang) if has(f"output.{o}") else o
                      for o in full["output"]]
    return Parts(Section(
        id="sensitivity", title_key="section.sensitivity",
        sentences=[t("sobol.intro", lang, n=f"{sens.n_evaluations:,}"),
                   *rob.sobol_sentences(frame, head, view.names, lang, _order(view))],
        figures=view.figs("sensitivity"), table=rob.sobol_top(frame, head, view.names, lang),
        appendix=[(t("appendix.sobol", lang), full)]))
