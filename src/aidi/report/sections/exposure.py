"""The exposure model's section: the three tables of the model on the build's economies
(written as `exposure.csv`, `exposure_summary.csv`, `exposure_vs_source.csv`), the exposed
share by industry, and the model's checks against the source's figures, in words."""

from __future__ import annotations

import pandas as pd

from aidi.report import filenames as fn
from aidi.report.html import Section, table_html
from aidi.report.sections.view import Chart, Parts, ReportView
from aidi.report.translations import has, t

__all__ = ["charts", "parts"]


def charts(view: ReportView) -> list[Chart]:
    ex = view.bundle.exposure
    if ex is None:
        return []
    from aidi.report.exposure_chart import draw_exposure

    return [Chart("exposure", fn.fig_exposure(view.lang), draw_exposure,
                  (ex.long, view.lang, view.names))]


def parts(view: ReportView) -> Parts:
    ex, lang = view.bundle.exposure, view.lang
    if ex is None:
        return Parts()
    summ, cmp = ex.summary, ex.vs_source
    table = pd.DataFrame({"iso3": summ["iso3"], "exposed_share": summ["exposed_share"] * 100,
                          "exposure_scale_tn": summ["exposure_scale"] / 1e12,
                          "diffusion": summ["diffusion"]})
    cmp_view = pd.DataFrame({
        "statement": [t(f"exposure.stmt.{k}", lang) if has(f"exposure.stmt.{k}") else s
                      for k, s in zip(cmp["key"], cmp["statement"], strict=True)],
        "published": cmp["published"], "ours": cmp["ours"], "holds": cmp["holds"]})
    variant = ex.result.variant
    sentence = t("exposure.sentence", lang,
                 variant=t(f"exposure.variant.{variant}", lang)
                 if has(f"exposure.variant.{variant}") else variant,
                 start=ex.result.years[0], end=ex.result.years[1], n=len(summ),
                 mean=f"{float(summ['exposed_share'].mean()):.1%}")
    section = Section(id="exposure", title_key="section.exposure", table=table,
                      figures=view.figs("exposure"), sentences=[sentence],
                      html=str(table_html(cmp_view, lang, sortable=False)))
    return Parts(section, {fn.EXPOSURE_CSV: ex.long, fn.EXPOSURE_SUMMARY_CSV: summ,
                           fn.EXPOSURE_VS_SOURCE_CSV: cmp})
