"""Transitional: what `aidi.analysis.sensitivity` still imports from here.

Presentation moved to `aidi.report.robustness` (charts, tables, sentences) and
`aidi.report.writers` (files). `sensitivity.py` was being rewritten when the rest moved, so
its `write_sensitivity`/`sensitivity_section` still use these names; they delegate lazily to
the report layer. Delete this module once those two functions leave `sensitivity.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["ReportSection", "economy_name", "factor_label", "sobol_chart"]


@dataclass(frozen=True)
class ReportSection:
    """Tables, figure paths, sentences and caveats of one robustness section."""

    key: str
    title: str
    tables: dict[str, pd.DataFrame]
    figures: tuple[Path, ...]
    sentences: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def economy_name(iso3: str, lang: str = "en") -> str:
    from aidi.report.charts import economy_name as name

    return name(iso3, lang)


def factor_label(name: str, lang: str = "en") -> str:
    from aidi.report.robustness import factor_label as label

    return label(name, lang)


def sobol_chart(sobol: pd.DataFrame, stem: Path, output: str = "rank", lang: str = "en",
                order: Sequence[str] | None = None) -> list[Path]:
    from aidi.report.figures import save_figure
    from aidi.report.robustness import draw_sobol
    from aidi.report.writers import economy_names

    units = list(order or sobol.loc[sobol["iso3"] != "all", "iso3"].unique())
    fig = draw_sobol(sobol, output, lang, units, economy_names(units, lang))
    return save_figure(fig, Path(stem))
