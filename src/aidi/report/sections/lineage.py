"""The focus economy's lineage table: every node from the index down to the raw values,
indented by depth, with the year rule and the source in the report's language."""

from __future__ import annotations

import pandas as pd

from aidi.report.sections.view import ReportView, year_label
from aidi.report.translations import t

__all__ = ["lineage_table"]

_COLUMNS = ("label", "year", "raw_value", "value", "imputed", "normalised", "score", "weight",
            "contribution", "source")


def lineage_table(view: ReportView) -> pd.DataFrame | None:
    lineage, lang, labels = view.bundle.lineage, view.lang, view.labels
    if lineage is None or view.focus is None:
        return None
    rows = lineage.rows.copy()
    rows["label"] = ["\u2003" * int(d) + labels.get(n, n)
                     for d, n in zip(rows["depth"], rows["node"], strict=True)]
    rows["imputed"] = [bool(v) if k == "indicator" else None
                       for v, k in zip(rows["imputed"], rows["kind"], strict=True)]
    rows["year"] = [year_label(y, lang) for y in rows["year"]]
    rows["source"] = [t("source.exposure_model", lang)
                      if str(s).startswith("aidi exposure model") else s for s in rows["source"]]
    return rows[list(_COLUMNS)].rename(columns={"label": "node"})
