"""Figure 1.15b-style chart: each economy's AI-exposed output, stacked by industry."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from aidi.report.charts import _drawing, _footer, _Text
from aidi.report.translations import has

__all__ = ["INDUSTRIES", "draw_exposure", "exposure_stacked_bar"]

#: Industry codes (UN AMA ISIC groups) in stacking order; names are `industry.<code>` keys.
INDUSTRIES = ("AB", "D", "CE_excl_D", "F", "GH", "I", "JP")


def draw_exposure(long: pd.DataFrame, lang: str, names: Mapping[str, str] | None = None):
    """Stacked bars of AI-exposed output (share of value added, %) by industry, per economy,
    sorted by the total exposed share, with the mean as a dashed line."""
    import matplotlib.pyplot as plt

    text = _Text(lang)
    names = names or {}
    wide = long.pivot(index="iso3", columns="industry", values="contribution")
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    order = [c for c in INDUSTRIES if c in wide.columns] + \
        [c for c in wide.columns if c not in INDUSTRIES]
    labels = [text.economy(i, names.get(i), names.get(i)) if text.lang == lang else i
              for i in wide.index]
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(11, 5.6))
        bottom = pd.Series(0.0, index=wide.index)
        colors = plt.get_cmap("tab10").colors
        for i, code in enumerate(order):
            name = text(f"industry.{code}") if has(f"industry.{code}") else code
            ax.bar(range(len(wide)), wide[code] * 100, bottom=bottom * 100, label=name,
                   color=colors[i % len(colors)], width=0.75)
            bottom += wide[code].fillna(0.0)
        mean = float(bottom.mean()) * 100
        ax.axhline(mean, color="black", lw=1, ls="--")
        ax.text(len(wide) - 0.5, mean, " " + text("chart.exposure.mean", mean=f"{mean:.0f}"),
                va="bottom", ha="right", fontsize=8)
        ax.set_xticks(range(len(wide)), labels, rotation=45, ha="right")
        ax.set_ylabel(text("chart.exposure.ylabel"))
        ax.set_title(text("chart.exposure.title"), loc="left")
        ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  frameon=False)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        _footer(fig, text, [text("chart.exposure.note")])
        return fig


def exposure_stacked_bar(long: pd.DataFrame, lang: str, stem: Path,
                         names: Mapping[str, str] | None = None) -> list[Path]:
    """`draw_exposure`, saved as `stem`.png and `stem`.svg."""
    from aidi.report.figures import save_figure

    return save_figure(draw_exposure(long, lang, names), Path(stem))
