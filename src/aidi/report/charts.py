"""The report's figures, in English or Chinese, each written as PNG (for slides) and SVG (for
the HTML report and print).

Four charts, after the source's figures:

- `index_bar` — the ranked index with both pillars as markers (figure 1.14);
- `pillar_scatter` — Technology Activity against Market Friendliness, quadrants at the medians,
  so "R&D-led" and "application-led" economies (the source's comparative-advantage reading)
  can be seen at once;
- `focus_profile` — one economy against the reference = 1, item by item (figure 1.15a);
- `reproduction_chart` — our build beside the published figures.

Every function takes the data, a language and a file stem, and returns the written paths.
All share one palette and one layout (left-aligned title, grey source note), and run inside a
local `rc_context` so nothing leaks into other plots. When Chinese is asked for but no CJK font
exists (see `aidi.report.fonts`), a chart falls back to English texts and ISO3 economy codes and
says so in its footer, instead of drawing empty boxes.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from aidi.report.economies import economy_name, quadrants  # noqa: E402,F401
from aidi.report.economies import numeric_column as _num  # noqa: E402
from aidi.report.fonts import chart_fonts, find_cjk_font, renderable  # noqa: E402
from aidi.report.translations import has, t  # noqa: E402

__all__ = ["PALETTE", "PILLAR_COLORS", "TA_DIMS", "MF_DIMS", "QUADRANTS", "FOCUS_DIMS",
           "index_bar", "draw_index_bar", "pillar_scatter", "draw_pillar_scatter",
           "focus_profile", "draw_item_profile", "reproduction_chart", "draw_reproduction",
           "draw_all", "quadrants", "economy_name"]

#: One palette for every chart (colour-blind-safe Okabe–Ito hues where colours carry meaning).
PALETTE: dict[str, str] = {
    "index": "#1f4e79",
    "technology_activity": "#d55e00",
    "market_friendliness": "#009e73",
    "reference": "#7f7f7f",
    "published": "#222222",
    "ours": "#1f4e79",
    "muted": "#9a9a9a",
    "grid": "#e6e6e6",
    "note": "#6b6b6b",
}

#: Dimensions under each pillar (used to colour bars by pillar).
TA_DIMS: tuple[str, ...] = ("technology_activity", "compute", "algorithms", "data", "finance")
MF_DIMS: tuple[str, ...] = ("market_friendliness", "exposure_scale", "diffusion", "policy")

#: Quadrant ids (translation keys `quadrant.<id>`) and their colours.
QUADRANTS: dict[str, str] = {
    "balanced": PALETTE["index"],
    "rd_led": PALETTE["technology_activity"],
    "application_led": PALETTE["market_friendliness"],
    "catching_up": PALETTE["muted"],
}

_DPI = 150

#: Colours and markers of the root's children (pillars), in spec order.
PILLAR_COLORS: tuple[str, ...] = (PALETTE["technology_activity"], PALETTE["market_friendliness"],
                                  "#cc79a7", "#e69f00", "#56b4e9")
_MARKERS = ("D", "o", "s", "^", "v")


class _Text:
    """Texts for one chart: the requested language if it can be drawn, else English."""

    def __init__(self, lang: str) -> None:
        if lang not in ("en", "zh"):
            raise ValueError(f"unknown language {lang!r}; choose en or zh")
        self.requested = lang
        self.cjk = lang == "zh" and find_cjk_font() is not None
        self.lang = "zh" if self.cjk else "en"
        self.fallback = lang == "zh" and not self.cjk

    def __call__(self, key: str, **fmt: object) -> str:
        return t(key, self.lang, **fmt)

    def economy(self, iso3: str, name_en: object = None, name_zh: object = None) -> str:
        """An economy's name in the chart language; the ISO3 code when Chinese cannot be drawn."""
        if self.requested == "zh":
            zh = name_zh if isinstance(name_zh, str) and name_zh else economy_name(iso3, "zh")
            return zh if self.cjk and renderable(zh) else iso3
        en = name_en if isinstance(name_en, str) and name_en else economy_name(iso3, "en")
        return en

    def node(self, node: str, given: str | None = None) -> str:
        """A dimension's label: `given` if drawable, else the translation, else the id."""
        if given and renderable(given):
            return given
        if has(f"node.{node}"):
            return self(f"node.{node}")
        return node

    def rc(self) -> dict[str, object]:
        return {
            # An explicit family list (not the generic "sans-serif") is what makes matplotlib
            # fall back glyph by glyph from DejaVu Sans to the CJK font.
            "font.family": chart_fonts(),
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
    if not renderable(note):
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


# --- figure 1.14 ---------------------------------------------------------------------------------

def index_bar(scores: pd.DataFrame, lang: str, stem: Path,
              pillars: Sequence[tuple[str, str]] | None = None) -> list[Path]:
    """`draw_index_bar`, saved as `stem`.png and `stem`.svg."""
    from aidi.report.figures import save_figure

    return save_figure(draw_index_bar(scores, lang, pillars), stem)


def _default_pillars(scores: pd.DataFrame, text: _Text) -> list[tuple[str, str]]:
    return [(c, text(f"legend.{c}")) for c in ("technology_activity", "market_friendliness")
            if c in scores]


def draw_index_bar(scores: pd.DataFrame, lang: str,
                   pillars: Sequence[tuple[str, str]] | None = None,
                   title: str | None = None, xlabel: str | None = None) -> Figure:
    """Ranked horizontal bars of the index, with Technology Activity and Market Friendliness as
    markers on the same USA = 1 scale (the source's figure 1.14).

    Horizontal bars keep 20 economy names readable in both scripts; the markers show at a glance
    which pillar lifts or holds back each economy, which is the story the source tells.
    """
    text = _Text(lang)
    data = _ranked(scores)
    n = len(data)
    names = _names(data, text)
    pillars = list(pillars) if pillars is not None else _default_pillars(data, text)
    idx = _num(data, "index")
    pvals = [_num(data, c) for c, _ in pillars]
    finite = np.concatenate([v[np.isfinite(v)] for v in (idx, *pvals)] + [np.array([1.0])])
    xmax = max(1.05, float(finite.max()) * 1.06)
    y = np.arange(n)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9.2, 0.34 * n + 2.3))
        bars = ax.barh(y, np.nan_to_num(idx), height=0.62, color=PALETTE["index"],
                       label=text("legend.index"), zorder=2)
        markers = []
        for k, ((_, plabel), vals) in enumerate(zip(pillars, pvals, strict=True)):
            markers.append(ax.scatter(vals, y, marker=_MARKERS[k % len(_MARKERS)],
                                      s=42, color=PILLAR_COLORS[k % len(PILLAR_COLORS)],
                                      edgecolor="white", linewidth=0.8, zorder=3,
                                      label=plabel))
        ax.axvline(1.0, color=PALETTE["reference"], lw=1, ls="--", zorder=1)
        ax.set_yticks(y, names)
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlim(0, xmax)
        ax.set_xlabel(xlabel or text("chart.index_bar.xlabel"))
        ax.xaxis.grid(True, color=PALETTE["grid"], zorder=0)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        # The index value in a column right of the plot, so it never collides with a marker.
        trans = ax.get_yaxis_transform()
        ax.text(1.01, -1.0, text("col.index"), transform=trans, ha="left", va="center",
                fontsize=8.5, color=PALETTE["note"], fontweight="bold", clip_on=False)
        for yi, v in zip(y, idx, strict=True):
            ax.text(1.01, yi, _fmt(v), transform=trans, ha="left", va="center", fontsize=8.5,
                    color=PALETTE["index"], clip_on=False)
        title = title or text("chart.index_bar.title")
        ax.set_title(title, pad=28)
        _top_legend(ax, handles=[bars, *markers])
        fig.tight_layout(rect=(0, 0.05, 0.97, 1))
        _title(ax, title)
        _footer(fig, text)
        return fig


# --- pillars scatter ------------------------------------------------------------------------------

def _crosses(box: Bbox, vlines: Sequence[float], hlines: Sequence[float]) -> bool:
    return any(box.x0 <= x <= box.x1 for x in vlines) or any(box.y0 <= y <= box.y1
                                                              for y in hlines)


def _place_labels(ax: plt.Axes, xs: np.ndarray, ys: np.ndarray, labels: Sequence[str],
                  colors: Sequence[str], vlines: Sequence[float] = (),
                  hlines: Sequence[float] = ()) -> None:
    """Label every point so that no label overlaps another label, a point, a text already
    on the axes, or the reference lines at `vlines`/`hlines` (data coordinates).

    A greedy search (the approach of adjustText, kept small and deterministic): point by
    point, top to bottom, try eight directions at growing distances and keep the first spot
    inside the axes that touches nothing placed so far; a label set away from its point gets
    a thin leader line, so it is never unclear which point it names.
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    taken: list[Bbox] = [Bbox.from_bounds(px - 5, py - 5, 10, 10) for px, py in pts]
    taken += [txt.get_window_extent(renderer) for txt in ax.texts]
    vx = [ax.transData.transform((v, ys[0]))[0] for v in vlines] if len(ys) else []
    hy = [ax.transData.transform((xs[0], h))[1] for h in hlines] if len(xs) else []
    axbox = ax.get_window_extent(renderer)
    directions = [(1, 0.6, "left", "bottom"), (1, -0.6, "left", "top"),
                  (-1, 0.6, "right", "bottom"), (-1, -0.6, "right", "top"),
                  (0, 1, "center", "bottom"), (0, -1, "center", "top"),
                  (1, 0, "left", "center"), (-1, 0, "right", "center")]
    candidates = [(r * dx, r * dy, ha, va, r > 6) for r in (5, 13, 22, 32, 44, 58, 74, 92)
                  for dx, dy, ha, va in directions]
    style = {"fontsize": 8.5, "textcoords": "offset points"}
    for i in np.argsort(-pts[:, 1]):
        best = None
        for strict in (True, False):  # crossing a reference line only when nothing else fits
            for dx, dy, ha, va, lead in candidates:
                arrow = {"arrowstyle": "-", "color": colors[i], "lw": 0.6, "shrinkA": 0,
                         "shrinkB": 3} if lead else None
                ann = ax.annotate(labels[i], (xs[i], ys[i]), xytext=(dx, dy), ha=ha, va=va,
                                  color=colors[i], arrowprops=arrow, **style)
                # the text's own box (an Annotation's extent would include its leader line,
                # which always touches its own point)
                ann.update_positions(renderer)
                box = Text.get_window_extent(ann, renderer).expanded(1.04, 1.12)
                inside = axbox.x0 <= box.x0 and box.x1 <= axbox.x1 and axbox.y0 <= box.y0 \
                    and box.y1 <= axbox.y1
                if inside and not any(box.overlaps(b) for b in taken) and \
                        not (strict and _crosses(box, vx, hy)):
                    best = box
                    break
                ann.remove()
            if best is not None:
                break
        if best is None:  # no free spot at all: the label goes, the point keeps its colour
            continue
        taken.append(best)


def pillar_scatter(scores: pd.DataFrame, lang: str, stem: Path,
                   axes: tuple[tuple[str, str], tuple[str, str]] | None = None) -> list[Path]:
    """`draw_pillar_scatter`, saved as `stem`.png and `stem`.svg."""
    from aidi.report.figures import save_figure

    return save_figure(draw_pillar_scatter(scores, lang, axes), stem)


def draw_pillar_scatter(scores: pd.DataFrame, lang: str,
                        axes: tuple[tuple[str, str], tuple[str, str]] | None = None,
                        title: str | None = None) -> Figure:
    """Technology Activity (x) against Market Friendliness (y), log scales, every point labelled,
    quadrant lines at the medians and dotted lines of equal index (TA × MF = constant).

    Log scales because Technology Activity spans two orders of magnitude (the frontier vs the
    rest) and the index is a geometric mean: equal-index lines are then straight.
    """
    text = _Text(lang)
    (xc, xlabel), (yc, ylabel) = axes or (("technology_activity", ""),
                                          ("market_friendliness", ""))
    ok = np.isfinite(_num(scores, xc)) & np.isfinite(_num(scores, yc))
    data = scores[ok].reset_index(drop=True)
    xs, ys = _num(data, xc), _num(data, yc)
    quad = quadrants(data, xc, yc)
    colors = [QUADRANTS.get(str(q), PALETTE["muted"]) for q in quad]
    names = _names(data, text)
    log = bool(len(xs)) and bool((xs > 0).all() and (ys > 0).all())
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9.2, 7.4))
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
        if len(xs):
            lo_x, hi_x = float(xs.min()), float(xs.max())
            lo_y, hi_y = float(ys.min()), float(ys.max())
            if log:
                ax.set_xlim(lo_x / 1.35, hi_x * 1.35)
                ax.set_ylim(lo_y / 1.1, hi_y * 1.1)
            else:
                pad_x, pad_y = (hi_x - lo_x) * 0.1 + 0.05, (hi_y - lo_y) * 0.1 + 0.05
                ax.set_xlim(lo_x - pad_x, hi_x + pad_x)
                ax.set_ylim(lo_y - pad_y, hi_y + pad_y)
            mx, my = float(np.median(xs)), float(np.median(ys))
            ax.axvline(mx, color=PALETTE["reference"], lw=1, ls="--", zorder=1)
            ax.axhline(my, color=PALETTE["reference"], lw=1, ls="--", zorder=1)
            _quadrant_names(ax, text)
            if log:
                _iso_index_lines(ax)
            ax.scatter(xs, ys, s=48, c=colors, edgecolor="white", linewidth=0.8, zorder=3)
        unit = text("chart.scatter.log_unit") if log else text("chart.index_bar.xlabel")
        ax.set_xlabel(f"{xlabel} ({unit})" if xlabel else
                      text("chart.scatter.xlabel" if log else "chart.index_bar.xlabel"))
        ax.set_ylabel(f"{ylabel} ({unit})" if ylabel else
                      text("chart.scatter.ylabel" if log else "chart.index_bar.xlabel"))
        title = title or text("chart.scatter.title")
        ax.set_title(title)
        _plain_log_ticks(ax, log)
        ax.grid(True, which="major", color=PALETTE["grid"], zorder=0)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        _title(ax, title)
        if len(xs):
            _place_labels(ax, xs, ys, names, colors, vlines=(mx,), hlines=(my,))
        _footer(fig, text, [text("chart.scatter.median_note", n=len(data))])
        return fig


def _plain_log_ticks(ax: plt.Axes, log: bool) -> None:
    if not log:
        return
    from matplotlib.ticker import FuncFormatter, LogLocator

    fmt = FuncFormatter(lambda v, _pos: f"{v:g}")
    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        # Under one decade, 1-2-5 leaves a single tick: add 3 and 7.
        subs = (1.0, 2.0, 5.0) if hi / lo > 8 else (1.0, 2.0, 3.0, 5.0, 7.0)
        axis.set_major_locator(LogLocator(base=10, subs=subs))
        axis.set_major_formatter(fmt)
        axis.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))


def _iso_index_lines(ax: plt.Axes) -> None:
    """Dotted curves TA × MF = k² (index = k), labelled at the top edge of the plot."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    renderer = ax.figure.canvas.get_renderer()
    xs = np.geomspace(x0, x1, 50)
    for k in (0.1, 0.2, 0.3, 0.5, 0.75, 1.0):
        ys = k * k / xs
        if ys.max() < y0 or ys.min() > y1:
            continue
        ax.plot(xs, ys, color=PALETTE["muted"], lw=0.7, ls=":", zorder=1)
        x_top = k * k / y1  # where the curve leaves through the top edge
        if x0 < x_top < x1:
            label = ax.text(x_top, y1, f" {k:g}", fontsize=7.5, color=PALETTE["muted"],
                            ha="left", va="top")
            box = label.get_window_extent(renderer)
            if any(box.overlaps(o.get_window_extent(renderer)) for o in ax.texts
                   if o is not label):
                label.remove()  # a quadrant's name is there: the curve stays unlabelled
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _quadrant_names(ax: plt.Axes, text: _Text) -> None:
    spots = {"balanced": (0.99, 0.99, "right", "top"), "rd_led": (0.99, 0.01, "right", "bottom"),
             "application_led": (0.01, 0.99, "left", "top"),
             "catching_up": (0.01, 0.01, "left", "bottom")}
    for key, (x, y, ha, va) in spots.items():
        ax.text(x, y, text(f"quadrant.{key}"), transform=ax.transAxes, ha=ha, va=va,
                fontsize=9, color=QUADRANTS[key], alpha=0.85, fontweight="bold")


# --- figure 1.15a ---------------------------------------------------------------------------------

def focus_profile(scores: pd.DataFrame, focus: str, reference: str, dims: Sequence[str],
                  labels: Mapping[str, str] | None, lang: str, stem: Path) -> list[Path]:
    """One economy against the reference = 1 over the aggregate columns `dims` of `scores`
    (see `draw_item_profile`; the report draws every indicator too, `items_profile`)."""
    from aidi.report.figures import save_figure

    text = _Text(lang)
    table = scores.set_index("iso3")
    for code in (focus, reference):
        if code not in table.index:
            raise KeyError(f"economy {code!r} is not in the scores table")
    dims = [d for d in dims if d in table.columns]
    if not dims:
        raise ValueError("none of the requested dimensions is a column of the scores table")
    num = table[dims].apply(pd.to_numeric, errors="coerce")
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (num.loc[focus] / num.loc[reference]).to_numpy(dtype=float)
    labels = labels or {}
    group = [0 if d in TA_DIMS else 1 if d in MF_DIMS else -1 for d in dims]
    level = [0 if d == "index" else 1 if d in ("technology_activity", "market_friendliness")
             else 2 for d in dims]
    items = pd.DataFrame({"label": [text.node(d, labels.get(d)) for d in dims], "value": rel,
                          "group": group, "level": level, "kind": "aggregate"})
    row, ref_row = table.loc[focus], table.loc[reference]
    return save_figure(draw_item_profile(
        items, text.economy(focus, row.get("name_en"), row.get("name_zh")),
        text.economy(reference, ref_row.get("name_en"), ref_row.get("name_zh")), lang), stem)


def _ratio_ticks(ax: plt.Axes, lo: float, hi: float) -> None:
    """Ticks 0.1, 0.2, 0.5, 1×, 2×, 5× … within [lo, hi], in plain numbers."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ticks = [m * 10.0 ** e for e in range(-3, 4) for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: (f"{v:g}×" if v >= 1 else f"{v:g}")))


def draw_item_profile(items: pd.DataFrame, focus_name: str, ref_name: str, lang: str,
                      group_labels: Sequence[str] | None = None) -> Figure:
    """One economy against the reference = 1, item by item, as horizontal bars with a
    reference line at 1 (the source's figure 1.15a, China vs the USA).

    `items` has one row per bar, top to bottom: `label` (in `lang`), `value` (relative to the
    reference), `group` (which pillar: colours the bar; −1 for the index), `level` (depth in
    the tree: indents the label) and `kind` ("aggregate" bars are dark and bold, "indicator"
    bars lighter). The axis is logarithmic around the reference's 1 when every value is
    positive, so every bar is to scale whatever its size (no clipping), and each value is
    printed beside its bar.
    """
    from matplotlib.colors import to_rgba

    text = _Text(lang)
    rel = pd.to_numeric(items["value"], errors="coerce").to_numpy(dtype=float)
    groups = items["group"].to_numpy(dtype=int)
    levels = items["level"].to_numpy(dtype=int)
    aggregate = (items["kind"] == "aggregate").to_numpy()
    base = [PALETTE["index"] if g < 0 else PILLAR_COLORS[g % len(PILLAR_COLORS)] for g in groups]
    colors = [c if agg else to_rgba(c, 0.45) for c, agg in zip(base, aggregate, strict=True)]
    ylabels = [("    " * max(int(lv) - 1, 0)) + str(lbl)
               for lbl, lv in zip(items["label"], levels, strict=True)]
    finite = rel[np.isfinite(rel)]
    # Ratios to the reference span orders of magnitude (0.1 … 7×): a log axis centred on 1
    # shows every bar to scale — nothing clipped — with bars growing left or right of the
    # reference; without positive values it falls back to a linear axis from 0.
    log = bool(len(finite)) and bool((finite > 0).all())
    n = len(items)
    y = np.arange(n)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9.2, 0.3 * n + 2.2))
        if log:
            lo = min(0.5, float(finite.min())) / 1.6
            hi = max(2.0, float(finite.max())) * 1.6
            ax.set_xscale("log")
            start = np.ones(n)
            width = np.where(np.isfinite(rel), rel, 1.0) - 1.0
            bars = ax.barh(y, width, left=start, height=0.62, color=colors, zorder=2)
            ax.set_xlim(lo, hi)
        else:
            hi = max(1.15, float(finite.max()) * 1.12 if len(finite) else 1.15)
            bars = ax.barh(y, np.nan_to_num(rel), height=0.62, color=colors, zorder=2)
            ax.set_xlim(min(0.0, float(finite.min()) * 1.1) if len(finite) else 0.0, hi)
        for bar, agg in zip(bars, aggregate, strict=True):
            if agg:
                bar.set_edgecolor("#222222")
                bar.set_linewidth(0.7)
        ax.axvline(1.0, color=PALETTE["reference"], lw=1.2, ls="--", zorder=3)
        for yi, v in zip(y, rel, strict=True):
            if not np.isfinite(v):
                ax.text(1.0, yi, " —", va="center", ha="left", fontsize=8, color="#333333")
                continue
            right = v >= 1 or not log
            ax.text(v * (1.04 if log and right else 0.96 if log else 1.0) +
                    (0 if log else hi * 0.01), yi, _fmt(v, 2) + ("×" if log else ""),
                    va="center", ha="left" if right else "right", fontsize=8,
                    color="#333333", zorder=4)
        if log:
            _ratio_ticks(ax, lo, hi)
        ax.set_yticks(y, ylabels)
        for tick, agg, lv in zip(ax.get_yticklabels(), aggregate, levels, strict=True):
            if agg and lv <= 1 and not text.cjk:
                tick.set_fontweight("bold")
            if not agg:
                tick.set_color("#555555")
        ax.set_ylim(n - 0.4, -0.7)
        ax.set_xlabel(text("chart.focus.xlabel_log" if log else "chart.focus.xlabel",
                           reference=ref_name))
        ax.xaxis.grid(True, color=PALETTE["grid"], zorder=0)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        title = text("chart.focus.title", focus=focus_name, reference=ref_name)
        ax.set_title(title, pad=28)
        names = list(group_labels) if group_labels is not None else \
            [text(f"legend.{k}") for k in ("technology_activity", "market_friendliness")]
        handles = [Line2D([], [], marker="s", ls="", ms=8, color=PALETTE["index"],
                          label=text("legend.index"))]
        handles += [Line2D([], [], marker="s", ls="", ms=8,
                           color=PILLAR_COLORS[k % len(PILLAR_COLORS)], label=name)
                    for k, name in enumerate(names) if (groups == k).any()]
        if (~aggregate).any():
            handles.append(Line2D([], [], marker="s", ls="", ms=8, color=to_rgba("#777777", 0.45),
                                  label=text("legend.indicator")))
        _top_legend(ax, handles=handles)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        _title(ax, title)
        _footer(fig, text)
        return fig


# --- reproduction ---------------------------------------------------------------------------------

def _repro_frame(repro: pd.DataFrame) -> pd.DataFrame:
    frame = repro.copy()
    if "economy" not in frame and "iso3" in frame:
        frame = frame.rename(columns={"iso3": "economy"})
    missing = {"economy", "measure", "published", "ours"} - set(frame.columns)
    if missing:
        raise ValueError(f"reproduction table lacks columns {sorted(missing)}")
    if "difference" not in frame:
        frame["difference"] = frame["ours"] - frame["published"]
    return frame


def reproduction_chart(repro: pd.DataFrame, lang: str, stem: Path,
                       labels: Mapping[str, str] | None = None) -> list[Path]:
    """`draw_reproduction`, saved as `stem`.png and `stem`.svg."""
    from aidi.report.figures import save_figure

    return save_figure(draw_reproduction(repro, lang, labels), stem)


def draw_reproduction(repro: pd.DataFrame, lang: str,
                      node_labels: Mapping[str, str] | None = None) -> Figure:
    """Published (hollow) and our (filled) value for every published figure, joined by a line,
    with the difference printed at the right.

    A dumbbell rather than a scatter of ours vs published: with a handful of figures the reader
    wants to read each pair by name. Figures the source only implies (`kind == "implied"`) get a
    grey hollow marker so they are not mistaken for printed ones.
    """
    text = _Text(lang)
    frame = _repro_frame(repro).reset_index(drop=True)
    kinds = frame["kind"].astype(str) if "kind" in frame else pd.Series("published",
                                                                            index=frame.index)
    node_labels = node_labels or {}
    labels = [f"{text.economy(str(e))} · {text.node(str(m), node_labels.get(str(m)))}"
              for e, m in zip(frame["economy"], frame["measure"], strict=True)]
    pub, ours = _num(frame, "published"), _num(frame, "ours")
    diff = _num(frame, "difference")
    printed = (kinds == "published").to_numpy()
    mad = np.nanmean(np.abs(diff[printed])) if printed.any() and \
        np.isfinite(diff[printed]).any() else np.nan
    n = len(frame)
    y = np.arange(n)
    finite = np.concatenate([pub[np.isfinite(pub)], ours[np.isfinite(ours)], [1.0]])
    xmax = max(1.1, float(finite.max()) * 1.08)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9.2, 0.36 * n + 2.4))
        for yi, p, o in zip(y, pub, ours, strict=True):
            if np.isfinite(p) and np.isfinite(o):
                ax.plot([p, o], [yi, yi], color=PALETTE["muted"], lw=1.6, zorder=1)
        implied = (kinds == "implied").to_numpy()
        ax.scatter(pub[~implied], y[~implied], s=48, facecolor="white",
                   edgecolor=PALETTE["published"], linewidth=1.4, zorder=3,
                   label=text("legend.published"))
        if implied.any():
            ax.scatter(pub[implied], y[implied], s=48, facecolor="white",
                       edgecolor=PALETTE["muted"], linewidth=1.4, linestyle="--", zorder=3,
                       label=text("legend.implied"))
        ax.scatter(ours, y, s=44, color=PALETTE["ours"], zorder=4, label=text("legend.ours"))
        ax.axvline(1.0, color=PALETTE["reference"], lw=1, ls="--", zorder=0)
        trans = ax.get_yaxis_transform()
        ax.text(1.01, -1.0, text("col.difference"), transform=trans, ha="left", va="center",
                fontsize=8.5, color=PALETTE["note"], fontweight="bold", clip_on=False)
        for yi, d in zip(y, diff, strict=True):
            shown = "—" if not np.isfinite(d) else f"{d:+.3f}".replace("-", "\u2212")
            ax.text(1.01, yi, shown, transform=trans, ha="left", va="center", fontsize=8.5,
                    clip_on=False,
                    color=PALETTE["note"] if not np.isfinite(d) or abs(d) < 0.05 else "#b03a2e")
        ax.set_yticks(y, labels)
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlim(0, xmax)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.xaxis.grid(True, color=PALETTE["grid"], zorder=0)
        ax.set_xlabel(text("chart.repro.xlabel"))
        ax.set_title(text("chart.repro.title"), pad=28)
        _top_legend(ax)
        fig.tight_layout(rect=(0, 0.06, 0.92, 1))
        _title(ax, text("chart.repro.title"))
        extra = [] if not math.isfinite(mad) else [text("chart.repro.mad", mad=f"{mad:.3f}")]
        _footer(fig, text, extra)
        return fig


# --- all four at once -----------------------------------------------------------------------------

#: Dimensions of the focus profile, in the order of the source's figure 1.15a.
FOCUS_DIMS: tuple[str, ...] = ("index", "technology_activity", "compute", "algorithms", "data",
                               "finance", "market_friendliness", "exposure_scale", "diffusion",
                               "policy")


def draw_all(scores: pd.DataFrame, lang: str, outdir: Path, *,
             repro: pd.DataFrame | None = None, focus: str | None = "CHN",
             reference: str = "USA", dims: Sequence[str] = FOCUS_DIMS,
             labels: Mapping[str, str] | None = None) -> dict[str, list[Path]]:
    """Draw every standard chart into `outdir` and return name → paths, with the names
    `ReportContext.figures` expects: index_bar, pillar_scatter, focus_profile (if `focus` is
    in `scores`), reproduction (if `repro` has rows). (`aidi build` uses
    `aidi.report.build_report`, which draws in parallel and at indicator level.)"""
    from aidi.report import filenames as fn

    outdir = Path(outdir)
    figs = {"index_bar": index_bar(scores, lang, outdir / fn.fig_index_bar(lang)),
            "pillar_scatter": pillar_scatter(scores, lang,
                                             outdir / fn.fig_pillar_scatter(lang))}
    have = set(scores["iso3"])
    if focus and focus in have and reference in have:
        figs["focus_profile"] = focus_profile(scores, focus, reference, dims, labels, lang,
                                              outdir / fn.fig_focus_profile(focus, lang))
    if repro is not None and len(repro):
        figs["reproduction"] = reproduction_chart(repro, lang, outdir / fn.fig_reproduction(lang))
    return figs
