"""The report's opening charts: the ranking, the two pillars, the focus economy item by item
against the reference, and the reproduction of the published figures.

Why together: they illustrate the built-in sections of the page (summary, ranking, pillars,
focus, reproduction) that `aidi.report.html` lays out from the report context, not sections
of their own. The shipped AIDI specs carry their own chart titles; any other spec gets
generic ones naming its root and scale.
"""

from __future__ import annotations

import pandas as pd

from aidi.report import filenames as fn
from aidi.report.sections.view import Chart, ReportView
from aidi.report.translations import t

__all__ = ["charts", "focus_profile"]

#: the figures the page's built-in sections show (the others belong to body sections)
HEADLINE = ("index_bar", "pillar_scatter", "focus_profile", "reproduction")


def focus_profile(view: ReportView) -> pd.DataFrame | None:
    """Every node under the root of the focus economy, relative to the reference."""
    from aidi.report.summary import item_profile

    return item_profile(view.bundle.result, view.focus, view.labels) if view.focus else None


def charts(view: ReportView) -> list[Chart]:
    from aidi.report import charts as ch

    lang, labels, pillars, spec = view.lang, view.labels, view.pillars, view.spec
    generic = not view.aidi_spec
    scale = view.scale()
    out = [Chart("index_bar", fn.fig_index_bar(lang), ch.draw_index_bar, (
        view.scores, lang, [(p, labels[p]) for p in pillars],
        t("chart.generic.index_bar", lang, name=labels[spec.root.id], scale=scale)
        if generic else None, scale if generic else None))]
    if len(pillars) == 2:
        x, y = pillars
        out.append(Chart("pillar_scatter", fn.fig_pillar_scatter(lang), ch.draw_pillar_scatter, (
            view.scores, lang, ((x, labels[x]), (y, labels[y])),
            t("chart.generic.scatter", lang, x=labels[x], y=labels[y], scale=scale)
            if generic else None)))
    profile = focus_profile(view)
    if profile is not None:
        out.append(Chart("focus_profile", fn.fig_focus_profile(view.focus, lang),
                         ch.draw_item_profile, (
                             profile, view.names[view.focus],
                             view.names.get(view.reference, view.reference), lang,
                             [labels[p] for p in pillars])))
    rep = view.bundle.reproduction
    if rep is not None and len(rep.table):
        out.append(Chart("reproduction", fn.fig_reproduction(lang), ch.draw_reproduction,
                         (rep.table, lang, labels)))
    return out
