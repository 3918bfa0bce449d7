"""Figure 1.15b-style chart: each economy's output by industry, split into AI-exposed parts."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

INDUSTRY_LABELS = {
    "en": {"AB": "Agriculture", "D": "Manufacturing", "CE_excl_D": "Mining & utilities",
           "F": "Construction", "GH": "Trade, hotels", "I": "Transport & comms",
           "JP": "Finance, business, public & other services"},
    "zh": {"AB": "农林牧渔", "D": "制造业", "CE_excl_D": "采矿与公用事业", "F": "建筑业",
           "GH": "批发零售与住宿餐饮", "I": "交通运输与通信", "JP": "金融、商务、公共及其他服务"},
}


def exposure_stacked_bar(long: pd.DataFrame, lang: str, stem: Path) -> list[Path]:
    """Stacked bars of AI-exposed output (share of value added) by industry, per economy,
    sorted by total exposed share; writes `stem`.png and `stem`.svg."""
    from aidi.report.fonts import use_cjk_font

    cjk = use_cjk_font() if lang == "zh" else False
    labels = INDUSTRY_LABELS["zh" if (lang == "zh" and cjk) else "en"]
    wide = long.pivot(index="iso3", columns="industry", values="contribution")
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    order = [c for c in labels if c in wide.columns]
    fig, ax = plt.subplots(figsize=(11, 5.2))
    bottom = pd.Series(0.0, index=wide.index)
    colors = plt.get_cmap("tab10").colors
    for i, ind in enumerate(order):
        ax.bar(wide.index, wide[ind] * 100, bottom=bottom * 100, label=labels[ind],
               color=colors[i % len(colors)], width=0.75)
        bottom += wide[ind]
    ax.axhline(bottom.mean() * 100, color="black", lw=1, ls="--")
    title = ("AI-exposed share of output by industry (%)" if labels is INDUSTRY_LABELS["en"]
             else "各行业AI暴露产值占比(%)")
    ax.set_title(title)
    ax.set_ylabel("%")
    ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.08),
              frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.99, 0.01, "Felten et al. AIIE × UN AMA value added; dashed = mean",
             ha="right", fontsize=7, color="grey")
    fig.tight_layout()
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=130, metadata={"Software": None})
    with plt.rc_context({"svg.fonttype": "path"}):  # glyphs as paths: the SVG needs no font
        fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return paths
