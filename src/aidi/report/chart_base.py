"""What every report chart shares: one palette, the chart texts in English or Chinese (with the
fallback to English when no CJK font exists), one style, the footer, legends, titles and
saving as PNG and SVG. The charts themselves are in `aidi.report.charts` and the other
report modules; nothing here knows an index's nodes or economies.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from aidi.report import fonts  # noqa: E402
from aidi.report.economies import economy_name  # noqa: E402
from aidi.report.translations import has, t  # noqa: E402

__all__ = ["PALETTE", "PILLAR_COLORS", "broken_axis", "year_ticks"]


#: One palette for every chart (colour-blind-safe Okabe–Ito hues where colours carry meaning).
PALETTE: dict[str, str] = {
    "index": "#1f4e79",
    "accent": "#d55e00",       # vermillion: the first pillar, losses
    "accent2": "#009e73",      # bluish green: the second pillar, gains
    "reference": "#7f7f7f",
    "published": "#222222",
    "ours": "#1f4e79",
    "muted": "#9a9a9a",
    "grid": "#e6e6e6",
    "note": "#6b6b6b",
}

_DPI = 150

#: Colours and markers of the root's children (pillars), in spec order.
PILLAR_COLORS: tuple[str, ...] = (PALETTE["accent"], PALETTE["accent2"],
                                  "#cc79a7", "#e69f00", "#56b4e9")
_MARKERS = ("D", "o", "s", "^", "v")


class _Text:
    """Texts for one chart: the requested language if it can be drawn, else English."""

    def __init__(self, lang: str) -> None:
        if lang not in ("en", "zh"):
            raise ValueError(f"unknown language {lang!r}; choose en or zh")
        self.requested = lang
        self.cjk = lang == "zh" and fonts.find_cjk_font() is not None
        self.lang = "zh" if self.cjk else "en"
        self.fallback = lang == "zh" and not self.cjk

    def __call__(self, key: str, **fmt: object) -> str:
        return t(key, self.lang, **fmt)

    def economy(self, iso3: str, name_en: object = None, name_zh: object = None) -> str:
        """An economy's name in the chart language; the ISO3 code when Chinese cannot be drawn."""
        if self.requested == "zh":
            zh = name_zh if isinstance(name_zh, str) and name_zh else economy_name(iso3, "zh")
            return zh if self.cjk and fonts.renderable(zh) else iso3
        en = name_en if isinstance(name_en, str) and name_en else economy_name(iso3, "en")
        return en

    def node(self, node: str, given: str | None = None) -> str:
        """A dimension's label: `given` if drawable, else the translation, else the id."""
        if given and fonts.renderable(given):
            return given
        if has(f"node.{node}"):
            return self(f"node.{node}")
        return node

    def rc(self) -> dict[str, object]:
        return {
            # An explicit family list (not the generic "sans-serif") is what makes matplotlib
            # fall back glyph by glyph from DejaVu Sans to the CJK font.
            "font.family": fonts.chart_fonts(),
            "svg.hashsalt": "aidi",
            "svg.fonttype": "path",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#444444",
            "axes.titlesize": 13,
            # CJK fonts usually come in one weight: a bold title would mix bold Latin with
            # regular Chinese, so Chinese titles stay regular.
            "axes.titleweight": "normal" if self.cjk else "bold",
            "axes.titlelocation": "left",
            "axes.titlepad": 12,
            "axes.labelsize": 10,
            "axes.labelcolor": "#333333",
            "xtick.labelsize": 9,
            "ytick.labelsize": 9.5,
            "xtick.color": "#444444",
            "ytick.color": "#333333",
            "legend.frameon": False,
            "legend.fontsize": 9,
        }


@contextmanager
def _drawing(text: _Text) -> Iterator[None]:
    """The chart style, and no "failed to find font weight bold" log lines: CJK fonts come in
    one weight and matplotlib logs that for every bold label it falls back through."""
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with plt.rc_context(text.rc()):
            yield
    finally:
        log.setLevel(level)


def _names(scores: pd.DataFrame, text: _Text) -> list[str]:
    cols = {c: scores[c] if c in scores else pd.Series([None] * len(scores), index=scores.index)
            for c in ("name_en", "name_zh")}
    return [text.economy(str(i), e, z)
            for i, e, z in zip(scores["iso3"], cols["name_en"], cols["name_zh"], strict=True)]


def _fmt(value: float, digits: int = 3) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _footer(fig: Figure, text: _Text, extra: Iterable[str] = ()) -> None:
    """Source note (and the font fallback notice) in the bottom-left corner."""
    note = text("chart.source_note")
    if not fonts.renderable(note):
        note = text("chart.source_note_latin")
    lines = [*extra, note]
    if text.fallback:
        lines.append(t("chart.font_fallback", "en"))
    width = fig.get_figwidth() * 72 / (7.5 * 0.56)  # Latin characters across the figure
    wrapped = [part for line in lines for part in _wrap(line, int(width * 0.96))]
    fig.text(0.01, 0.008, "\n".join(wrapped), ha="left", va="bottom", fontsize=7.5,
             color=PALETTE["note"], linespacing=1.4)


def _wrap(line: str, width: int) -> list[str]:
    """A note broken into lines of at most `width` Latin-character widths (a CJK character
    counts two), at spaces in Latin text and anywhere in Chinese."""
    out, cur, used = [], "", 0
    tokens = re.findall(r"\S+\s*|\s+", line) if not re.search(r"[\u4e00-\u9fff]", line) \
        else list(line)
    for tok in tokens:
        w = sum(2 if ord(c) > 0x2E7F else 1 for c in tok)
        if used + w > width and cur:
            out.append(cur.rstrip())
            cur, used = "", 0
        cur += tok
        used += w
    if cur.strip():
        out.append(cur.rstrip())
    return out or [line]


def year_ticks(fig: Figure) -> None:
    """Whole-year ticks ("2012", never "2012.5") on every axis whose x range is years."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        if ax.get_xscale() == "linear" and lo >= 1900 and hi <= 2100:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins="auto"))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}"))


def broken_axis(ax: plt.Axes, bars_at: Sequence[float] = ()) -> None:
    """Mark a value axis that does not start at 0: a double slash on the axis near its
    bottom, and on each bar (at x in `bars_at`) that the axis cuts — the bars' values are
    printed, so the cut hides nothing."""
    lo = ax.get_ylim()[0]
    if lo <= 0:
        return
    style = {"color": "#444444", "lw": 1.0, "clip_on": False, "zorder": 6}
    for dx in (-0.006, 0.006):
        ax.plot([dx - 0.008, dx + 0.008], [0.012, 0.032], transform=ax.transAxes, **style)
    span = ax.get_ylim()[1] - lo
    for x in bars_at:
        for dy in (0.015, 0.035):
            ax.plot([x - 0.32, x + 0.32], [lo + dy * span, lo + (dy + 0.015) * span],
                    color="white", lw=2.2, zorder=6, solid_capstyle="butt")


def _top_legend(ax: plt.Axes, **kwargs: object) -> None:
    """A one-row legend between the title and the plot, where it can never hide a bar or a
    marker whatever the data (call before layout; `_title` aligns it)."""
    handles, labels = ax.get_legend_handles_labels()
    if "handles" in kwargs:
        handles = list(kwargs.pop("handles"))  # type: ignore[arg-type]
        labels = [h.get_label() for h in handles]
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(handles),
              borderaxespad=0.2, handletextpad=0.4, columnspacing=1.6, **kwargs)


def _title(ax: plt.Axes, title: str) -> None:
    """Put the title (and a top legend) flush with the figure's left margin, after layout, so
    charts with long economy names keep the same title position as the others."""
    pos = ax.get_position()
    x = -(pos.x0 - 0.012) / pos.width
    ax.set_title(title, loc="left", x=x, pad=28 if ax.get_legend() else 12)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_bbox_to_anchor((x - 0.008, 1.0), transform=ax.transAxes)


def _save(fig: Figure, stem: Path) -> list[Path]:
    """Write `stem`.png and `stem`.svg (no timestamps, so reruns give identical SVG)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    fig.savefig(png, dpi=_DPI, metadata={"Software": None})
    with plt.rc_context({"svg.fonttype": "path"}):  # glyphs as paths: the SVG needs no font
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return [png, svg]


def _ranked(scores: pd.DataFrame) -> pd.DataFrame:
    key = "rank" if "rank" in scores and scores["rank"].notna().any() else "index"
    asc = key == "rank"
    return scores.sort_values(key, ascending=asc, na_position="last").reset_index(drop=True)
