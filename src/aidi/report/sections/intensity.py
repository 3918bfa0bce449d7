"""The intensity variant beside the level index (per person or per unit of output): both
ranks and indices from the scores table, published together, never blended."""

from __future__ import annotations

from aidi.report.html import Section
from aidi.report.sections.view import Parts, ReportView
from aidi.report.translations import t

__all__ = ["parts"]


def parts(view: ReportView) -> Parts:
    scores = view.scores
    if "index_intensity" not in scores:
        return Parts()
    table = scores[["iso3", "rank", "index", "rank_intensity", "index_intensity"]]
    return Parts(Section(id="intensity", title_key="section.intensity", table=table,
                         sentences=[t("intensity.intro", view.lang, spec=view.spec.id)]))
