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

import math
from collections.abc import Mapping, Sequence
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

from aidi.report.chart_base import (  # noqa: E402
    _MARKERS,
    PALETTE,
    PILLAR_COLORS,
    _drawing,
    _fmt,
    _footer,
    _names,
    _ranked,
    _Text,
    _title,
    _top_legend,
    broken_axis,
    year_ticks,
)
from aidi.report.economies import economy_name, quadrants  # noqa: E402,F401
from aidi.report.economies import numeric_column as _num  # noqa: E402
from aidi.specs.schema import IndexSpec, Node  # noqa: E402

__all__ = ["PALETTE", "PILLAR_COLORS", "QUADRANTS", "broken_axis", "year_ticks", "profile_nodes",
           "index_bar", "draw_index_bar", "pillar_scatter", "draw_pillar_scatter",
           "focus_profile", "draw_item_profile", "reproduction_chart", "draw_reproduction",
           "draw_all", "quadrants", "economy_name"]

#: Quadrant ids (translation keys `quadrant.<id>`) and their colours.
QUADRANTS: dict[str, str] = {
    "balanced": PALETTE["index"],
    "rd_led": PALETTE["accent"],
    "application_led": PALETTE["accent2"],
    "catching_up": PALETTE["muted"],
}

# --- figure 1.14 ---------------------------------------------------------------------------------

def index_bar(scores: pd.DataFrame, lang: str, stem: Path,
              pillars: Sequence[tuple[str, str]] | None = None) -> list[Path]:
    """`draw_index_bar`, saved as `stem`.png and `stem`.svg."""
    from aidi.report.figures import save_figure

    return save_figure(draw_index_bar(scores, lang, pillars), stem)


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
    pillars = list(pillars or ())
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
    if axes is None:
        raise ValueError("draw_pillar_scatter needs its two axes: ((x column, label), "
                         "(y column, label)) — the spec's presentation quadrant")
    (xc, xlabel), (yc, ylabel) = axes
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

def profile_nodes(spec: IndexSpec) -> list[tuple[str, int, int]]:
    """The profile's bars from the spec: the root, each pillar (its aggregate children) and
    their aggregate children, depth first, as (node, pillar number or -1, level)."""
    out = [(spec.root.id, -1, 0)]
    pillars = [c for c in spec.root.children if isinstance(c, Node)]
    for k, pillar in enumerate(pillars):
        out.append((pillar.id, k, 1))
        out += [(c.id, k, 2) for c in pillar.children if isinstance(c, Node)]
    return out


def focus_profile(scores: pd.DataFrame, focus: str, reference: str, spec: IndexSpec,
                  labels: Mapping[str, str] | None, lang: str, stem: Path,
                  dims: Sequence[str] | None = None) -> list[Path]:
    """One economy against the reference = 1 over the spec's aggregates down to the pillars'
    dimensions (`profile_nodes`; only `dims` when given) — see `draw_item_profile`; the
    report draws every indicator too, `items_profile`."""
    from aidi.report.figures import save_figure

    text = _Text(lang)
    table = scores.set_index("iso3")
    for code in (focus, reference):
        if code not in table.index:
            raise KeyError(f"economy {code!r} is not in the scores table")
    nodes = [n for n in profile_nodes(spec) if n[0] in table.columns
             and (dims is None or n[0] in dims)]
    dims = [n[0] for n in nodes]
    if not dims:
        raise ValueError("none of the requested dimensions is a column of the scores table")
    num = table[dims].apply(pd.to_numeric, errors="coerce")
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (num.loc[focus] / num.loc[reference]).to_numpy(dtype=float)
    labels = labels or {}
    group, level = [n[1] for n in nodes], [n[2] for n in nodes]
    items = pd.DataFrame({"label": [text.node(d, labels.get(d)) for d in dims], "value": rel,
                          "group": group, "level": level, "kind": "aggregate"})
    row, ref_row = table.loc[focus], table.loc[reference]
    return save_figure(draw_item_profile(
        items, text.economy(focus, row.get("name_en"), row.get("name_zh")),
        text.economy(reference, ref_row.get("name_en"), ref_row.get("name_zh")), lang,
        [text.node(c, labels.get(c)) for c in dims if level[dims.index(c)] == 1]), stem)


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
    reference line at 1 (the source's figure 1.15a).

    `items` has one row per bar, top to bottom: `label` (in `lang`), `value` (relative to the
    reference), `group` (which pillar: colours the bar; −1 for the index), `level` (depth in
    the tree: indents the label) and `kind` ("aggregate" bars are dark and bold, "indicator"
    bars lighter). The axis is logarithmic around the reference's 1 when every value is
    positive, so every bar is to scale whatever its size (no clipping), and each value is
    printed beside its bar. `group_labels` name the groups in the legend.
    """
    text = _Text(lang)
    rel = pd.to_numeric(items["value"], errors="coerce").to_numpy(dtype=float)
    groups = items["group"].to_numpy(dtype=int)
    levels = items["level"].to_numpy(dtype=int)
    aggregate = (items["kind"] == "aggregate").to_numpy()
    finite = rel[np.isfinite(rel)]
    # Ratios to the reference span orders of magnitude (0.1 … 7×): a log axis centred on 1
    # shows every bar to scale — nothing clipped — with bars growing left or right of the
    # reference; without positive values it falls back to a linear axis from 0.
    log = bool(len(finite)) and bool((finite > 0).all())
    n = len(items)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9.2, 0.3 * n + 2.2))
        lo, hi = _profile_bars(ax, rel, groups, aggregate, log)
        if log:
            _ratio_ticks(ax, lo, hi)
        ylabels = [("    " * max(int(lv) - 1, 0)) + str(lbl)
                   for lbl, lv in zip(items["label"], levels, strict=True)]
        ax.set_yticks(np.arange(n), ylabels)
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
        _top_legend(ax, handles=_profile_legend(text, groups, aggregate, group_labels))
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        _title(ax, title)
        _footer(fig, text)
        return fig


def _profile_bars(ax: plt.Axes, rel: np.ndarray, groups: np.ndarray, aggregate: np.ndarray,
                  log: bool) -> tuple[float, float]:
    """The bars (from 1 on a log axis, from 0 on a linear one), outlined when aggregates,
    the reference line and each value beside its bar; returns the x range."""
    from matplotlib.colors import to_rgba

    base = [PALETTE["index"] if g < 0 else PILLAR_COLORS[g % len(PILLAR_COLORS)] for g in groups]
    colors = [c if agg else to_rgba(c, 0.45) for c, agg in zip(base, aggregate, strict=True)]
    finite = rel[np.isfinite(rel)]
    y = np.arange(len(rel))
    if log:
        lo = min(0.5, float(finite.min())) / 1.6
        hi = max(2.0, float(finite.max())) * 1.6
        ax.set_xscale("log")
        width = np.where(np.isfinite(rel), rel, 1.0) - 1.0
        bars = ax.barh(y, width, left=np.ones(len(rel)), height=0.62, color=colors, zorder=2)
    else:
        hi = max(1.15, float(finite.max()) * 1.12 if len(finite) else 1.15)
        bars = ax.barh(y, np.nan_to_num(rel), height=0.62, color=colors, zorder=2)
        lo = min(0.0, float(finite.min()) * 1.1) if len(finite) else 0.0
    ax.set_xlim(lo, hi)
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
    return lo, hi


def _profile_legend(text: _Text, groups: np.ndarray, aggregate: np.ndarray,
                    group_labels: Sequence[str] | None) -> list[Line2D]:
    """Index, each group drawn (named by `group_labels`), and indicators when drawn."""
    from matplotlib.colors import to_rgba

    handles = [Line2D([], [], marker="s", ls="", ms=8, color=PALETTE["index"],
                      label=text("legend.index"))]
    handles += [Line2D([], [], marker="s", ls="", ms=8,
                       color=PILLAR_COLORS[k % len(PILLAR_COLORS)], label=name)
                for k, name in enumerate(group_labels or ()) if (groups == k).any()]
    if (~aggregate).any():
        handles.append(Line2D([], [], marker="s", ls="", ms=8, color=to_rgba("#777777", 0.45),
                              label=text("legend.indicator")))
    return handles


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

def draw_all(scores: pd.DataFrame, spec: IndexSpec, lang: str, outdir: Path, *,
             repro: pd.DataFrame | None = None, labels: Mapping[str, str] | None = None
             ) -> dict[str, list[Path]]:
    """Draw every standard chart into `outdir` and return name → paths, with the names
    `ReportContext.figures` expects: index_bar, pillar_scatter (with a quadrant),
    focus_profile (when the focus and the reference are built), reproduction (if `repro` has
    rows). Pillars, quadrant axes, focus and reference come from the spec's presentation
    (`aidi.specs.presentation`). (`aidi build` uses `aidi.report.build_report`, which draws in
    parallel and at indicator level.)"""
    from aidi.report import filenames as fn
    from aidi.specs.presentation import resolve_presentation

    text, labels = _Text(lang), labels or {}
    index = dict(zip(scores["iso3"], pd.to_numeric(scores["index"], errors="coerce"),
                     strict=True))
    p = resolve_presentation(spec, list(scores["iso3"]), index)
    pillars = [(c.id, text.node(c.id, labels.get(c.id))) for c in spec.root.children
               if isinstance(c, Node) and c.id in scores]
    outdir = Path(outdir)
    figs = {"index_bar": index_bar(scores, lang, outdir / fn.fig_index_bar(lang), pillars)}
    if p.quadrant and all(c in scores for c in p.quadrant):
        axes = tuple((c, text.node(c, labels.get(c))) for c in p.quadrant)
        figs["pillar_scatter"] = pillar_scatter(scores, lang,
                                                outdir / fn.fig_pillar_scatter(lang), axes)
    if p.focus and p.reference:
        figs["focus_profile"] = focus_profile(scores, p.focus, p.reference, spec, labels, lang,
                                              outdir / fn.fig_focus_profile(p.focus, lang))
    if repro is not None and len(repro):
        figs["reproduction"] = reproduction_chart(repro, lang, outdir / fn.fig_reproduction(lang))
    return figs
