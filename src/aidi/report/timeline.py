"""Writers for the index over time: timeline.csv and its companions, and their charts.

The analyses (`aidi.analysis.timeline`, `aidi.analysis.comparable`) compute; this module only
presents: tables as CSV, and four charts of the editions (index and pillar trajectories, a rank
bump chart, the gap to the reference) — by default of the comparable (chain-linked) series,
with the focus economy's published series dotted beside it and every methodology break marked
— each as PNG and SVG, in English or Chinese (English labels when no CJK font can be found).
`aidi.report.attribution_report` draws why one change happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from aidi.analysis.comparable import DEFAULT_SERIES  # noqa: E402
from aidi.io import atomic_write, write_csv  # noqa: E402
from aidi.report.chart_base import PALETTE, _drawing, _footer, _Text  # noqa: E402

if TYPE_CHECKING:
    from aidi.over_time import Timeline

_DPI = 150
#: Economies drawn in colour (the rest in grey): the top of the last edition and the focus.
N_HIGHLIGHT = 7
_COLOURS = ("#1f4e79", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b",
            "#b8860b", "#6a3d9a")

TEXTS = {
    "index": {"en": "AI Development Index by edition ({ref} = 1)",
              "zh": "AI发展指数各年版本（{ref} = 1）"},
    "pillars": {"en": "Pillars by edition ({ref} = 1)", "zh": "两大支柱各年版本（{ref} = 1）"},
    "rank": {"en": "Rank by edition", "zh": "各年版本排名"},
    "gap": {"en": "Gap to {ref}: 1 − index", "zh": "与{ref}的差距：1 − 指数"},
    "edition": {"en": "edition (data window ends the year before)",
                "zh": "版本（数据窗口截至前一年）"},
    "latest": {"en": "latest", "zh": "最新"},
    "waterfall": {"en": "Why {name}'s {node} moved: {a} → {b}",
                  "zh": "{name}{node}变化的来源：{a} → {b}"},
    "methodology": {"en": "methodology", "zh": "方法"},
    "weights": {"en": "weights", "zh": "权重"},
    "data": {"en": "data", "zh": "数据"},
    "enters": {"en": "enters", "zh": "新增指标"},
    "leaves": {"en": "leaves", "zh": "移除指标"},
    "stand_in": {"en": "stand-in", "zh": "替代序列"},
    "series_switch": {"en": "series switch", "zh": "序列更换"},
    "window": {"en": "window", "zh": "窗口变化"},
    "indicator_method": {"en": "method", "zh": "方法"},
    "node_method": {"en": "aggregation", "zh": "汇总方法"},
    "default": {"en": "default", "zh": "默认方法"},
    "title_chained": {"en": " — comparable (chain-linked)", "zh": "——可比序列（链式连接）"},
    "title_fixed": {"en": " — comparable (fixed indicator set)", "zh": "——可比序列（固定指标集）"},
    "title_published": {"en": " — as published", "zh": "——各版本原值"},
    "series_chained": {"en": "Solid lines: chain-linked at the {anchor} edition — between "
                             "consecutive editions only the data part of the change is "
                             "carried (methodology changes removed exactly).",
                       "zh": "实线：以{anchor}年版本为基准的链式连接序列——相邻版本之间只累积"
                             "数据变化部分（方法变化已精确剔除）。"},
    "series_fixed": {"en": "Solid lines: every edition on the indicators no edition changes "
                           "(a fixed, narrower set).",
                     "zh": "实线：各版本仅用各期均未变化的指标（固定且更窄的指标集）。"},
    "series_published": {"en": "Each edition as published (methodology changes included).",
                         "zh": "各版本原值（含方法变化）。"},
    "dotted": {"en": "Dotted: {name} as published.", "zh": "虚线：{name}各版本原值。"},
    "note_breaks": {"en": "Dashed vertical lines: a methodology break between two editions "
                          "(timeline_breaks.csv lists each change).",
                    "zh": "竖虚线：相邻版本之间的方法变化（逐项见timeline_breaks.csv）。"},
    "note_backcast": {"en": "Editions {first}–{last}: {what}.",
                      "zh": "{first}–{last}年版本：{what}。"},
    "brk": {"en": "method break", "zh": "方法变化"},
    "brk_enters": {"en": "+{n} indicator(s)", "zh": "新增{n}项指标"},
    "brk_leaves": {"en": "−{n} indicator(s)", "zh": "移除{n}项指标"},
    "brk_stand_in": {"en": "{n} stand-in(s) ended", "zh": "{n}项替代序列更换"},
    "brk_series": {"en": "{n} series switch(es)", "zh": "{n}项序列更换"},
    "brk_window": {"en": "{n} window change(s)", "zh": "{n}项窗口变化"},
    "brk_other": {"en": "{n} other change(s)", "zh": "{n}项其他变化"},
}


def _say(key: str, text: _Text, **fmt: object) -> str:
    return TEXTS[key]["zh" if text.cjk else "en"].format(**fmt)


def _save(fig: Figure, stem: Path) -> list[Path]:
    """`stem`.png and `stem`.svg, each written atomically, without timestamps."""
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    atomic_write(png, lambda tmp: fig.savefig(tmp, format="png", dpi=_DPI,
                                              metadata={"Software": None}))
    with plt.rc_context({"svg.fonttype": "path"}):
        atomic_write(svg, lambda tmp: fig.savefig(tmp, format="svg",
                                                  metadata={"Date": None, "Creator": None}))
    plt.close(fig)
    return [png, svg]


# ---- tables ---------------------------------------------------------------------------------------
def write_timeline(tl: Timeline, out: Path, *, lang: str = "en", focus: str | None = None,
                   charts: bool = True, series: str = DEFAULT_SERIES) -> dict[str, Path]:
    """timeline.csv (published, chained and fixed-set values, break flags, who is ranked and
    why), timeline_notes.csv (each edition's rule per indicator), timeline_breaks.csv (each
    methodology event between consecutive editions), timeline_accounting.csv (every economy
    in every edition: ranked or not, and why) and the charts of `series`."""
    out = Path(out)
    paths = {"timeline": write_csv(tl.frame, out / "timeline.csv", float_format="%.6g")}
    notes = pd.concat([n.frame().assign(edition=e) for e, n in tl.notes.items()],
                      ignore_index=True) if tl.notes else pd.DataFrame()
    if len(notes):
        notes = notes[["edition", "indicator", "series", "rule", "fallback", "note"]]
        paths["timeline_notes"] = write_csv(notes, out / "timeline_notes.csv")
    paths["timeline_breaks"] = write_csv(break_events(tl), out / "timeline_breaks.csv")
    paths["timeline_accounting"] = write_csv(tl.accounting(), out / "timeline_accounting.csv",
                                             float_format="%.6g")
    if charts and len(tl.frame):
        for name, fn in (("fig_timeline_index", index_trajectories),
                         ("fig_timeline_pillars", pillar_trajectories),
                         ("fig_timeline_rank", rank_bump),
                         ("fig_timeline_gap", gap_to_reference)):
            files = fn(tl, lang, out / name, focus=focus, series=series)
            paths[name] = files[0]
    return paths


def break_events(tl: Timeline) -> pd.DataFrame:
    """One row per methodology or weights event between consecutive editions."""
    cols = ["edition_from", "edition", "change", "part", "kind", "detail", "note"]
    rows = [{"edition_from": lk.edition_from, "edition": lk.edition_to,
             **{k: v for k, v in c.record().items() if k in cols}}
            for lk in (tl.comparable.links if tl.comparable is not None else ())
            for c in lk.events]
    return pd.DataFrame(rows, columns=cols)


# ---- charts ----------------------------------------------------------------------------------------
def _axis(tl: Timeline) -> tuple[list[float], list[str]]:
    f = tl.frame.drop_duplicates("edition")
    return f["position"].tolist(), f["edition"].tolist()


def _column(node: str, series: str) -> str:
    return node if series == "published" else f"{node}_{series}"


def _highlight(tl: Timeline, focus: str, node: str = "index") -> list[str]:
    last = tl.frame[tl.frame["edition"] == tl.editions[-1]].sort_values(node, ascending=False)
    codes = [c for c in last["iso3"] if c != tl.reference][:N_HIGHLIGHT]
    if focus in set(tl.frame["iso3"]) and focus not in codes and focus != tl.reference:
        codes.append(focus)
    return codes


def _xticks(ax: plt.Axes, tl: Timeline, text: _Text) -> None:
    """One tick per edition, labelled by its year (or "latest"): never a fractional year."""
    xs, labels = _axis(tl)
    ax.set_xticks(xs, [_say("latest", text) if e == "latest" else str(e) for e in labels])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(_say("edition", text))
    ax.grid(axis="y", color=PALETTE["grid"], linewidth=0.8)
    ax.set_axisbelow(True)


def _breaks(ax: plt.Axes, tl: Timeline, text: _Text, label: bool = True) -> None:
    """A dashed vertical line between two editions whose methodology differs, and what
    changed at the top of the plot."""
    if tl.comparable is None:
        return
    pos = dict(zip(*reversed(_axis(tl)), strict=True))
    for lk in tl.comparable.links:
        if not lk.is_break:
            continue
        x = (pos[lk.edition_from] + pos[lk.edition_to]) / 2
        ax.axvline(x, color=PALETTE["note"], linestyle=(0, (4, 3)), linewidth=1, zorder=1)
        if label:
            ax.text(x, 0.99, _break_label(lk, text), transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=7, color=PALETTE["note"],
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})


def _break_label(lk, text: _Text) -> str:
    """"method break: +2 indicators, 2 stand-ins ended" (what the link's events did)."""
    kinds = [c.kind for c in lk.events]
    parts = []
    for kind, key in (("enters", "brk_enters"), ("leaves", "brk_leaves"),
                      ("stand_in", "brk_stand_in"), ("series_switch", "brk_series"),
                      ("window", "brk_window")):
        if kinds.count(kind):
            parts.append(_say(key, text, n=kinds.count(kind)))
    other = len(kinds) - sum(kinds.count(k) for k in ("enters", "leaves", "stand_in",
                                                       "series_switch", "window"))
    if other:
        parts.append(_say("brk_other", text, n=other))
    return _say("brk", text) + "\n" + "\n".join(parts)


def _lines(ax: plt.Axes, tl: Timeline, node: str, text: _Text, codes: Sequence[str],
           transform=None, focus: str | None = None, series: str = DEFAULT_SERIES) -> None:
    wide = tl.frame.pivot(index="position", columns="iso3",
                          values=_column(node, series)).sort_index()
    if transform is not None:
        wide = transform(wide)
    for code in wide.columns:
        if code in codes or code == tl.reference:
            continue
        ax.plot(wide.index, wide[code], color=PALETTE["muted"], linewidth=0.8, alpha=0.6)
    labels = []
    for i, code in enumerate(codes):
        if code not in wide.columns:
            continue
        y, colour = wide[code], _COLOURS[i % len(_COLOURS)]
        ax.plot(y.index, y, color=colour, linewidth=2, marker="o", markersize=3.5)
        if code == focus and series != "published":  # the focus as published, dotted
            pub = tl.frame.pivot(index="position", columns="iso3", values=node)[code]
            pub = transform(pub.to_frame())[code] if transform is not None else pub
            ax.plot(pub.index, pub, color=colour, linewidth=1.3, linestyle=":", marker="o",
                    markersize=2.5, markerfacecolor="white")
        ok = y.dropna()
        if len(ok):
            labels.append((ok.iloc[-1], text.economy(code), colour, ok.index[-1]))
    _end_labels(ax, labels)


def spread(ys: Sequence[float], gap: float, rounds: int = 200) -> np.ndarray:
    """Label positions near `ys` with at least `gap` between neighbours (pairwise relaxation:
    overlapping neighbours are pushed apart symmetrically)."""
    y = np.asarray(ys, dtype=float)
    order = np.argsort(y, kind="mergesort")
    p = y[order].copy()
    for _ in range(rounds):
        d = np.diff(p)
        short = d < gap - 1e-12
        if not short.any():
            break
        push = np.where(short, (gap - d) / 2, 0.0)
        p[:-1] -= push
        p[1:] += push
    out = np.empty_like(p)
    out[order] = p
    return out


def _end_labels(ax: plt.Axes, labels: list[tuple[float, str, str, float]]) -> None:
    """Names at the right end of the plot, level with their line's last point, spread so they
    never overlap."""
    if not labels:
        return
    lo, hi = ax.get_ylim()
    pos = spread([t[0] for t in labels], abs(hi - lo) * 0.042)
    right = max(t[3] for t in labels)
    for (y, name, colour, x), yy in zip(labels, pos, strict=True):
        ax.annotate(name, (x, y), xytext=(right + 0.25, yy), textcoords="data", va="center",
                    fontsize=8.5, color=colour, annotation_clip=False)
    xmin, xmax = ax.get_xlim()
    ax.set_xlim(xmin, xmax + max(0.6, 0.14 * (xmax - xmin)))


def _notes(tl: Timeline, text: _Text, focus: str, series: str) -> list[str]:
    """The footer: which series is drawn, the dotted focus line, breaks, backcast."""
    lines = [_say(f"series_{series}", text, anchor=tl.comparable.anchor
                  if tl.comparable is not None else "")]
    if series != "published" and focus in set(tl.frame["iso3"]):
        lines.append(_say("dotted", text, name=text.economy(focus)))
    if tl.comparable is not None and any(lk.is_break for lk in tl.comparable.links):
        lines.append(_say("note_breaks", text))
    back = tl.frame.loc[tl.frame["backcast"].astype(str) != "", ["edition", "backcast"]]
    if len(back):
        from aidi.report.data_flags import backcast_text

        eds = [e for e in tl.editions if e in set(back["edition"])]
        what = backcast_text(str(back["backcast"].iloc[0]), text.lang)
        lines.append(_say("note_backcast", text, first=eds[0], last=eds[-1], what=what))
    return lines


def index_trajectories(tl: Timeline, lang: str, stem: Path, *, focus: str | None = None,
                       series: str = DEFAULT_SERIES) -> list[Path]:
    text = _Text(lang)
    codes = _highlight(tl, focus)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(10, 6.2))
        _lines(ax, tl, "index", text, codes, focus=focus, series=series)
        ax.axhline(1.0, color=PALETTE["reference"], linestyle="--", linewidth=1)
        _xticks(ax, tl, text)
        _breaks(ax, tl, text)
        ax.set_title(_say("index", text, ref=text.economy(tl.reference or ""))
                     + _say(f"title_{series}", text), loc="left")
        _footer(fig, text, _notes(tl, text, focus, series))
        fig.subplots_adjust(left=0.07, right=0.97, top=0.92, bottom=0.25)
        return _save(fig, stem)


def pillar_trajectories(tl: Timeline, lang: str, stem: Path, *, focus: str | None = None,
                        series: str = DEFAULT_SERIES) -> list[Path]:
    text = _Text(lang)
    pillars = [c.id for c in tl.spec.root.children if c.id in tl.frame][:2] \
        if tl.spec is not None else []
    codes = _highlight(tl, focus)
    with _drawing(text):
        fig, axes = plt.subplots(1, max(len(pillars), 1), figsize=(12, 5.8), sharey=False)
        axes = np.atleast_1d(axes)
        for ax, p in zip(axes, pillars, strict=False):
            _lines(ax, tl, p, text, codes, focus=focus, series=series)
            ax.axhline(1.0, color=PALETTE["reference"], linestyle="--", linewidth=1)
            _xticks(ax, tl, text)
            _breaks(ax, tl, text, label=False)
            ax.set_title(text.node(p), fontsize=11)
        fig.suptitle(_say("pillars", text, ref=text.economy(tl.reference or ""))
                     + _say(f"title_{series}", text), x=0.01, ha="left", fontsize=13,
                     fontweight="normal" if text.cjk else "bold")
        _footer(fig, text, _notes(tl, text, focus, series))
        fig.subplots_adjust(left=0.06, right=0.94, top=0.86, bottom=0.25, wspace=0.25)
        return _save(fig, stem)


def rank_bump(tl: Timeline, lang: str, stem: Path, *, focus: str | None = None,
              series: str = DEFAULT_SERIES) -> list[Path]:
    """Published ranks (a rank is what an edition publishes), breaks marked; an economy's code
    is written at the left only when it is ranked in the first edition, so an economy ranked
    only later never gets a label in mid-chart."""
    text = _Text(lang)
    codes = [tl.reference, *_highlight(tl, focus)] if tl.reference else _highlight(tl, focus)
    wide = tl.frame.pivot(index="position", columns="iso3", values="rank").sort_index()
    n = int(np.nanmax(wide.to_numpy())) if wide.size else 1
    first, last = (wide.index.min(), wide.index.max()) if len(wide) else (0, 0)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(10, 0.3 * n + 2.6))
        for code in wide.columns:
            hi = code in codes
            colour = _COLOURS[codes.index(code) % len(_COLOURS)] if hi else PALETTE["muted"]
            y = wide[code]
            ax.plot(y.index, y, color=colour, linewidth=2.2 if hi else 0.9, marker="o",
                    markersize=4 if hi else 2.5, alpha=1 if hi else 0.7)
            ok = y.dropna()
            if len(ok) and ok.index[-1] == last:
                ax.annotate(text.economy(code), (ok.index[-1], ok.iloc[-1]),
                            xytext=(6, 0), textcoords="offset points", va="center",
                            fontsize=8, color=colour if hi else "#666666")
            if len(ok) and ok.index[0] == first:
                ax.annotate(code, (ok.index[0], ok.iloc[0]), xytext=(-6, 0),
                            textcoords="offset points", va="center", ha="right",
                            fontsize=7.5, color=colour if hi else "#888888")
        ax.set_ylim(n + 0.7, 0.3)
        ax.set_yticks(range(1, n + 1))
        _xticks(ax, tl, text)
        _breaks(ax, tl, text, label=False)
        xmin, xmax = ax.get_xlim()
        ax.set_xlim(xmin - 0.4, xmax + 1.6)
        ax.set_title(_say("rank", text), loc="left")
        _footer(fig, text, _notes(tl, text, focus, "published")[-2:])
        fig.subplots_adjust(left=0.08, right=0.97, top=0.94, bottom=0.14)
        return _save(fig, stem)


def gap_to_reference(tl: Timeline, lang: str, stem: Path, *, focus: str | None = None,
                     series: str = DEFAULT_SERIES) -> list[Path]:
    text = _Text(lang)
    codes = _highlight(tl, focus)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(10, 6.2))
        _lines(ax, tl, "index", text, codes, transform=lambda w: 1.0 - w, focus=focus,
               series=series)
        ax.axhline(0.0, color=PALETTE["reference"], linestyle="--", linewidth=1)
        _xticks(ax, tl, text)
        _breaks(ax, tl, text)
        ax.set_title(_say("gap", text, ref=text.economy(tl.reference or ""))
                     + _say(f"title_{series}", text), loc="left")
        _footer(fig, text, _notes(tl, text, focus, series))
        fig.subplots_adjust(left=0.07, right=0.97, top=0.92, bottom=0.25)
        return _save(fig, stem)
