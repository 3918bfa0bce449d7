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
    """Horizontal stacked bars of AI-exposed output (share of value added, %) by industry, one
    row per economy sorted by the total exposed share, the total printed at each bar's end,
    the mean as a dashed line and the industries' legend above the plot (economy names read
    without rotation and nothing overlaps them)."""
    import matplotlib.pyplot as plt

    from aidi.report.charts import _title

    text = _Text(lang)
    names = names or {}
    wide = long.pivot(index="iso3", columns="industry", values="contribution")
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    order = [c for c in INDUSTRIES if c in wide.columns] + \
        [c for c in wide.columns if c not in INDUSTRIES]
    labels = [text.economy(i, names.get(i), names.get(i)) if text.lang == lang else i
              for i in wide.index]
    n = len(wide)
    y = range(n)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9.2, 0.32 * n + 2.6))
        left = pd.Series(0.0, index=wide.index)
        colors = plt.get_cmap("tab10").colors
        for i, code in enumerate(order):
            name = text(f"industry.{code}") if has(f"industry.{code}") else code
            ax.barh(y, wide[code].fillna(0.0) * 100, left=left * 100, label=name,
                    color=colors[i % len(colors)], height=0.7)
            left += wide[code].fillna(0.0)
        total = left * 100
        trans = ax.get_yaxis_transform()  # totals in a column right of the plot: no overlap
        for yi, v in zip(y, total, strict=True):
            ax.text(1.01, yi, f"{v:.0f}%", va="center", ha="left", fontsize=8,
                    color="#333333", transform=trans, clip_on=False)
        mean = float(total.mean())
        ax.axvline(mean, color="black", lw=1, ls="--")
        ax.text(mean, -0.55, " " + text("chart.exposure.mean", mean=f"{mean:.0f}"),
                va="bottom", ha="left", fontsize=8)
        ax.set_yticks(list(y), labels)
        ax.set_ylim(n - 0.4, -1.1)
        ax.set_xlim(0, float(total.max()) * 1.1)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.xaxis.grid(True, color="#e6e6e6", zorder=0)
        ax.set_axisbelow(True)
        ax.set_xlabel(text("chart.exposure.ylabel"))
        title = text("chart.exposure.title")
        ax.set_title(title, pad=44)
        handles, names_ = ax.get_legend_handles_labels()
        ax.legend(handles, names_, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=4,
                  borderaxespad=0.2, handletextpad=0.4, columnspacing=1.2, fontsize=8.5)
        fig.tight_layout(rect=(0, 0.07, 0.96, 1))
        _title(ax, title)
        pos = ax.get_position()  # two legend rows: the title sits above both
        ax.set_title(title, loc="left", x=-(pos.x0 - 0.012) / pos.width, pad=46)
        _footer(fig, text, [text("chart.exposure.note")])
        return fig


def exposure_stacked_bar(long: pd.DataFrame, lang: str, stem: Path,
                         names: Mapping[str, str] | None = None) -> list[Path]:
    """`draw_exposure`, saved as `stem`.png and `stem`.svg."""
    from aidi.report.figures import save_figure

    return save_figure(draw_exposure(long, lang, names), Path(stem))
