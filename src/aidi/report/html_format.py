"""How the report writes numbers and names: figures with their decimals (a true minus, "—"
for missing), published figures as printed, economy and node names in the report language."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from aidi.report.translations import label


def _is_num(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(v)


def _fmt_num(v: object, decimals: int) -> str:
    if _missing(v):
        return "—"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}" if abs(int(v)) >= 10000 else str(int(v))
    x = float(v)  # type: ignore[arg-type]
    if not math.isfinite(x):
        return "—"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:.{decimals}f}".replace("-", "\u2212")


def _fmt_int(v: object) -> str:
    return "—" if _missing(v) else str(int(float(v)))  # type: ignore[arg-type]


def _fmt_published(v: object) -> str:
    """Published figures as the source printed them: two decimals unless it gave three."""
    if _missing(v):
        return "—"
    x = float(v)  # type: ignore[arg-type]
    return f"{x:.2f}" if abs(round(x, 2) - x) < 1e-9 else f"{x:.3f}"


class _Names:
    """Economy names in the report language: the scores table first, then aidi.countries."""

    def __init__(self, scores: pd.DataFrame, lang: str) -> None:
        self.lang = lang
        col = "name_zh" if lang == "zh" else "name_en"
        self.known: dict[str, str] = {}
        if col in scores and "iso3" in scores:
            for iso3, name in zip(scores["iso3"], scores[col], strict=True):
                if isinstance(name, str) and name:
                    self.known[str(iso3)] = name

    def __call__(self, iso3: object) -> str:
        from aidi.report.economies import economy_name

        code = str(iso3)
        return self.known.get(code) or economy_name(code, self.lang)


class _Nodes:
    """Node names in the report language: the spec's labels first, then the translations."""

    def __init__(self, labels: Mapping[str, object], lang: str) -> None:
        self.labels = labels
        self.lang = lang

    def __call__(self, node: object) -> str:
        key = str(node).strip()
        given = self.labels.get(key)
        getter = getattr(given, "get", None)
        if callable(getter):
            text = getter(self.lang) or getter("en")
            if text:
                return str(text)
        return label(key, self.lang, ("node.", "col."))
