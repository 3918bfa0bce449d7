"""The source's statements tested on the build: each in the report's language (the spec
carries both), whether it holds, and the value it rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.report.html import Section
from aidi.report.sections.view import Parts, ReportView
from aidi.report.translations import t

__all__ = ["parts", "statement_texts"]


def statement_texts(view: ReportView) -> list[str]:
    """Each statement in the report's language (the summary lists those that do not hold)."""
    checks = view.bundle.statements
    if checks is None or not len(checks):
        return []
    return [_statement(r, view.lang) for _, r in checks.iterrows()]


def _statement(row, lang: str) -> str:
    zh = row.get("statement_zh")
    return str(zh) if lang == "zh" and isinstance(zh, str) and zh else str(row["statement"])


def _evidence(row, lang: str) -> str:
    """The value a statement rests on, in `lang` (the CSV keeps the English `ours`)."""
    kind, ours = str(row.get("kind") or ""), str(row["ours"])
    if kind == "lean":
        return t("stmt.lean", lang, lean=f"{row['lean']:+.2f}", median=f"{row['median']:+.2f}")
    if kind == "ranks" and ours.startswith("ranks: "):
        return t("stmt.ranks", lang, ranks=ours.removeprefix("ranks: "))
    value, threshold = row.get("value"), row.get("threshold")
    if value is not None and np.isfinite(value):
        return t("stmt.value", lang, value=f"{value:.3f}",
                 threshold=f"{threshold:.3f}" if np.isfinite(threshold) else "—")
    return ours if lang == "en" else "—"


def parts(view: ReportView) -> Parts:
    checks = view.bundle.statements
    if checks is None or not len(checks):
        return Parts()
    held, tested, _ = view.bundle.statement_counts
    table = pd.DataFrame({"statement": statement_texts(view), "holds": checks["holds"],
                          "evidence": [_evidence(r, view.lang) for _, r in checks.iterrows()]})
    return Parts(Section(id="statements", title_key="section.statements", table=table,
                         sentences=[t("summary.statements", view.lang, held=held, n=tested)]))
