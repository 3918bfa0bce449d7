"""Report pieces of the robustness analyses: a `ReportSection` container and the three charts
(rank intervals, Sobol indices, correlation heatmap), each written as PNG and SVG.

The charts live beside the analyses rather than in `aidi.report.charts` so the report module only
has to place what `uncertainty_section`, `sensitivity_section` and `audit_section` hand it: a
title, tables, figure paths and sentences, in English or Chinese. Chinese labels need a CJK
font (`aidi.report.fonts`); without one the charts fall back to English and ISO3 codes rather
than drawing empty boxes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

_DPI = 150
_BLUE, _ORANGE, _GREY, _NOTE = "#1f4e79", "#d55e00", "#9a9a9a", "#6b6b6b"

#: How each uncertain choice is named in sentences and charts.
FACTOR_LABELS: dict[str, dict[str, str]] = {
    "weights": {"en": "the weights", "zh": "权重"},
    "normalisation": {"en": "the normalisation method", "zh": "标准化方法"},
    "aggregation": {"en": "the aggregation within pillars", "zh": "支柱内的加总方法"},
    "imputation": {"en": "the treatment of missing data", "zh": "缺失值处理方法"},
    "exclusion": {"en": "leaving one indicator out", "zh": "剔除单个指标"},
}


@dataclass(frozen=True)
class ReportSection:
    """What the report needs to add one robustness section.

    `tables` are report-ready DataFrames (named), `figures` the written chart files (PNG and
    SVG of each chart), `sentences` the plain-language findings, `notes` caveats that must be
    shown with the numbers (failed replicates, dropped levels).
    """

    key: str
    title: str
    tables: dict[str, pd.DataFrame]
    figures: tuple[Path, ...]
    sentences: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def factor_label(name: str, lang: str = "en") -> str:
    labels = FACTOR_LABELS.get(name)
    return labels.get(lang, labels["en"]) if labels else name


def economy_name(iso3: str, lang: str = "en") -> str:
    """The economy's name from `aidi.countries`, or its code."""
    try:
        from aidi.countries import name_en, name_zh

        return (name_zh if lang == "zh" else name_en)(iso3) or iso3
    except (ImportError, KeyError, LookupError, ValueError):
        return iso3


def _cjk() -> bool:
    try:
        from aidi.report.fonts import find_cjk_font

        return find_cjk_font() is not None
    except ImportError:  # pragma: no cover - the report package is optional here
        return False


def chart_lang(lang: str) -> str:
    """The language a chart can actually be drawn in (zh needs a CJK font)."""
    if lang not in ("en", "zh"):
        raise ValueError(f"unknown language {lang!r}; choose en or zh")
    return "zh" if lang == "zh" and _cjk() else "en"


@contextmanager
def _style(lang: str) -> Iterator[None]:
    rc: dict[str, object] = {"axes.spines.top": False, "axes.spines.right": False,
                             "font.size": 9, "axes.titlesize": 11, "svg.hashsalt": "aidi"}
    if lang == "zh":
        from aidi.report.fonts import chart_fonts

        rc["font.family"] = chart_fonts()
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with plt.rc_context(rc):
            yield
    finally:
        log.setLevel(level)


def _save(fig: Figure, stem: Path) -> list[Path]:
    """`stem`.png and `stem`.svg, without timestamps so reruns are identical."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    fig.savefig(png, dpi=_DPI, metadata={"Software": None}, bbox_inches="tight")
    with plt.rc_context({"svg.fonttype": "path"}):  # glyphs as paths: the SVG needs no font
        fig.savefig(svg, metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    return [png, svg]


def _label(iso3: str, lang: str) -> str:
    return f"{economy_name(iso3, lang)} ({iso3})" if lang == "en" else economy_name(iso3, lang)


def rank_interval_chart(summary: pd.DataFrame, stem: Path, lang: str = "en",
                        note: str = "") -> list[Path]:
    """Each economy's 5th–95th percentile rank interval, median and nominal rank.

    Economies are ordered by nominal rank; rank 1 is at the left, so a long bar reads "this
    position depends on the builder's choices".
    """
    lang = chart_lang(lang)
    df = summary.sort_values(["nominal_rank", "iso3"]).reset_index(drop=True)
    n = len(df)
    y = np.arange(n)[::-1]
    with _style(lang):
        fig, ax = plt.subplots(figsize=(7.5, 0.32 * n + 1.6))
        ax.hlines(y, df["p05_rank"], df["p95_rank"], color=_BLUE, lw=5, alpha=0.35,
                  label="5th–95th percentile" if lang == "en" else "5%–95%分位区间")
        ax.plot(df["median_rank"], y, "o", color=_BLUE, ms=5,
                label="median" if lang == "en" else "中位数")
        ax.plot(df["nominal_rank"], y, "D", mfc="none", mec=_ORANGE, ms=6,
                label="nominal (spec)" if lang == "en" else "基准排名")
        ax.set_yticks(y, [_label(i, lang) for i in df["iso3"]])
        ax.set_xlim(0.5, max(float(np.nanmax(df["p95_rank"])) if n else 1, n) + 0.5)
        ax.set_xticks(range(1, n + 1))
        ax.grid(axis="x", color="#e6e6e6", lw=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel("rank (1 = best)" if lang == "en" else "排名(1 = 最高)")
        ax.set_title("How certain is each rank?" if lang == "en" else "排名的不确定性",
                     loc="left", pad=24)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False,
                  fontsize=8, borderaxespad=0.2)
        if note:
            fig.text(0.01, -0.01, note, fontsize=7, color=_NOTE, ha="left", va="top")
        fig.tight_layout()
        return _save(fig, stem)


def sobol_chart(sobol: pd.DataFrame, stem: Path, output: str = "rank", lang: str = "en",
                order: Sequence[str] | None = None) -> list[Path]:
    """Heatmap of total Sobol indices (economy × choice), first-order index in brackets."""
    lang = chart_lang(lang)
    df = sobol[sobol["output"] == output]
    st = df.pivot(index="iso3", columns="factor", values="ST")
    s1 = df.pivot(index="iso3", columns="factor", values="S1")
    rows = [i for i in (order or st.index) if i in st.index]
    cols = [c for c in FACTOR_LABELS if c in st.columns] + \
        [c for c in st.columns if c not in FACTOR_LABELS]
    st, s1 = st.loc[rows, cols], s1.loc[rows, cols]
    with _style(lang):
        fig, ax = plt.subplots(figsize=(1.5 * len(cols) + 3.2, 0.32 * len(rows) + 1.8))
        im = ax.imshow(st.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for (r, c), v in np.ndenumerate(st.to_numpy(dtype=float)):
            if np.isfinite(v):
                w = s1.iat[r, c]
                txt = f"{v:.2f}" + (f" ({w:.2f})" if np.isfinite(w) else "")
                ax.text(c, r, txt, ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 else "#222222")
        ax.set_xticks(range(len(cols)), [factor_label(c, lang) for c in cols], rotation=20,
                      ha="right")
        ax.set_yticks(range(len(rows)), [_label(i, lang) for i in rows])
        what = {"rank": ("rank", "排名"), "index": ("index value", "指数值")}[output]
        ax.set_title(f"What moves each economy's {what[0]}: total Sobol index (first-order)"
                     if lang == "en" else f"各经济体{what[1]}的总Sobol指数(一阶)", loc="left")
        fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
        fig.tight_layout()
        return _save(fig, stem)


def correlation_heatmap(matrix: pd.DataFrame, stem: Path, lang: str = "en",
                        groups: Sequence[int] = (), title: str | None = None) -> list[Path]:
    """Pearson correlations of every node with every other (tree order), with lines between
    the indicator groups of each dimension."""
    lang = chart_lang(lang)
    m = matrix.to_numpy(dtype=float)
    k = len(matrix)
    with _style(lang):
        size = max(5.0, 0.28 * k + 2.0)
        fig, ax = plt.subplots(figsize=(size + 1.0, size))
        im = ax.imshow(m, cmap="RdBu_r", vmin=-1, vmax=1)
        if k <= 20:  # past that the numbers are unreadable (and slow): see the CSV
            for (r, c), v in np.ndenumerate(m):
                if np.isfinite(v) and r != c:
                    ax.text(c, r, f"{v:.1f}".replace("0.", ".").replace("-.", "−."),
                            ha="center", va="center", fontsize=5.5,
                            color="white" if abs(v) > 0.7 else "#222222")
        for g in groups:
            ax.axhline(g - 0.5, color="#333333", lw=0.6)
            ax.axvline(g - 0.5, color="#333333", lw=0.6)
        ax.set_xticks(range(k), list(matrix.columns), rotation=90, fontsize=6.5)
        ax.set_yticks(range(k), list(matrix.index), fontsize=6.5)
        ax.set_title(title or ("Correlations between indicators and aggregates (Pearson)"
                               if lang == "en" else "指标与各层级之间的相关系数(Pearson)"),
                     loc="left")
        fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
        fig.tight_layout()
        return _save(fig, stem)
