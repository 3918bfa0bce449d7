"""Writers for the index over time: timeline.csv, attribution.csv and their charts.

The analyses (`aidi.analysis.timeline`, `aidi.analysis.attribution`) compute; this module only
presents: tables as CSV, and four charts of the editions (index and pillar trajectories, a rank
bump chart, the gap to the reference) plus a waterfall of one economy's change, each as PNG and
SVG, in English or Chinese (English labels when no CJK font can be found).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from aidi.io import atomic_write, safe_name, write_csv  # noqa: E402
from aidi.report.charts import PALETTE, _drawing, _footer, _Text, broken_axis  # noqa: E402

if TYPE_CHECKING:
    from aidi.analysis.attribution import Attribution
    from aidi.over_time import Timeline

_DPI = 150
#: Economies drawn in colour (the rest in grey): the top of the last edition and the focus.
N_HIGHLIGHT = 7
_COLOURS = ("#1f4e79", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b",
            "#b8860b", "#6a3d9a")

TEXTS = {
    "index": {"en": "AI Development Index by edition ({ref} = 1)",
              "zh": "AI发展指数各年版本({ref} = 1)"},
    "pillars": {"en": "Pillars by edition ({ref} = 1)", "zh": "两大支柱各年版本({ref} = 1)"},
    "rank": {"en": "Rank by edition", "zh": "各年版本排名"},
    "gap": {"en": "Gap to {ref}: 1 − index", "zh": "与{ref}的差距：1 − 指数"},
    "edition": {"en": "edition (data window ends the year before)",
                "zh": "版本(数据窗口截至前一年)"},
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
    "technology_activity": {"en": "Technology Activity", "zh": "技术活跃度"},
    "market_friendliness": {"en": "Market Friendliness", "zh": "市场友好度"},
    "note_fallback": {"en": "Editions before {base} use stand-ins for single-year figures "
                            "(see timeline_notes.csv)",
                      "zh": "{base}年以前的版本以替代序列代替单年数据(见timeline_notes.csv)"},
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


# ---- tables --------------------------------------------------------------------------------------
def write_timeline(tl: Timeline, out: Path, *, lang: str = "en", focus: str = "CHN",
                   charts: bool = True) -> dict[str, Path]:
    """timeline.csv, timeline_notes.csv (each edition's rule per indicator) and the charts."""
    out = Path(out)
    paths = {"timeline": write_csv(tl.frame, out / "timeline.csv", float_format="%.6g")}
    notes = pd.concat([n.frame().assign(edition=e) for e, n in tl.notes.items()],
                      ignore_index=True) if tl.notes else pd.DataFrame()
    if len(notes):
        notes = notes[["edition", "indicator", "series", "rule", "fallback", "note"]]
        paths["timeline_notes"] = write_csv(notes, out / "timeline_notes.csv")
    if charts and len(tl.frame):
        for name, fn in (("fig_timeline_index", index_trajectories),
                         ("fig_timeline_pillars", pillar_trajectories),
                         ("fig_timeline_rank", rank_bump),
                         ("fig_timeline_gap", gap_to_reference)):
            files = fn(tl, lang, out / name, focus=focus)
            paths[name] = files[0]
    return paths


def write_attribution(att: Attribution, out: Path, *, focus: str | None = "CHN",
                      node: str = "index", lang: str = "en",
                      labels: Mapping[str, str] | None = None) -> dict[str, Path]:
    """attribution.csv (every unit × node), attribution_events.csv (what each change did
    for every economy at `node`: values before and after, contribution) and the focus
    economy's waterfall at `node`."""
    out = Path(out)
    paths = {"attribution": write_csv(att.frame, out / "attribution.csv", float_format="%.10g")}
    units = list(dict.fromkeys(att.frame["iso3"]))
    events = pd.concat([att.by_change(u, node) for u in units], ignore_index=True)
    events.insert(1, "node", node)
    paths["attribution_events"] = write_csv(events, out / "attribution_events.csv",
                                            float_format="%.10g")
    if focus is not None and focus in set(att.frame["iso3"]):
        files = waterfall(att, focus, lang, out / f"fig_waterfall_{safe_name(focus)}", node=node,
                          labels=labels)
        paths["waterfall"] = files[0]
    return paths


def changes_table(att: Attribution, k: int = 10, node: str = "index") -> pd.DataFrame:
    """The largest moves at `node` with their parts — the report's "changes since the
    previous edition" table (iso3, from, to, change, data, methodology, weights, the largest
    data dimension, ranks)."""
    top = att.largest(k, node)
    dims = [c for c in top.columns if c.startswith("data:")]
    main = top[dims].abs().idxmax(axis=1).str.removeprefix("data:") if dims and len(top) else ""
    return pd.DataFrame({"iso3": top["iso3"], "from": top["score_a"], "to": top["score_b"],
                         "change": top["change"], "data": top["data"],
                         "methodology": top["methodology"], "weights": top["weights"],
                         "main_data_dimension": main, "rank_from": top["rank_a"],
                         "rank_to": top["rank_b"]})


# ---- charts ----------------------------------------------------------------------------------------
def _axis(tl: Timeline) -> tuple[list[float], list[str]]:
    f = tl.frame.drop_duplicates("edition")
    return f["position"].tolist(), f["edition"].tolist()


def _highlight(tl: Timeline, focus: str, node: str = "index") -> list[str]:
    last = tl.frame[tl.frame["edition"] == tl.editions[-1]].sort_values(node, ascending=False)
    codes = [c for c in last["iso3"] if c != tl.reference][:N_HIGHLIGHT]
    if focus in set(tl.frame["iso3"]) and focus not in codes and focus != tl.reference:
        codes.append(focus)
    return codes


def _xticks(ax: plt.Axes, tl: Timeline, text: _Text) -> None:
    xs, labels = _axis(tl)
    ax.set_xticks(xs, [_say("latest", text) if e == "latest" else e for e in labels])
    ax.set_xlabel(_say("edition", text))
    ax.grid(axis="y", color=PALETTE["grid"], linewidth=0.8)
    ax.set_axisbelow(True)


def _lines(ax: plt.Axes, tl: Timeline, node: str, text: _Text, codes: Sequence[str],
           transform=None) -> None:
    wide = tl.frame.pivot(index="position", columns="iso3", values=node).sort_index()
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
        y = wide[code]
        ax.plot(y.index, y, color=_COLOURS[i % len(_COLOURS)], linewidth=2, marker="o",
                markersize=3.5)
        ok = y.dropna()
        if len(ok):
            labels.append((ok.iloc[-1], text.economy(code), _COLOURS[i % len(_COLOURS)],
                           ok.index[-1]))
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
    """Names at the right end of their lines, spread so they never overlap."""
    if not labels:
        return
    lo, hi = ax.get_ylim()
    pos = spread([t[0] for t in labels], abs(hi - lo) * 0.042)
    for (y, name, colour, x), yy in zip(labels, pos, strict=True):
        ax.annotate(name, (x, y), xytext=(x + 0.25, yy), textcoords="data", va="center",
                    fontsize=8.5, color=colour, annotation_clip=False)
    xmin, xmax = ax.get_xlim()
    ax.set_xlim(xmin, xmax + max(0.6, 0.14 * (xmax - xmin)))


def index_trajectories(tl: Timeline, lang: str, stem: Path, *, focus: str = "CHN"
                       ) -> list[Path]:
    text = _Text(lang)
    codes = _highlight(tl, focus)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9, 5.4))
        _lines(ax, tl, "index", text, codes)
        ax.axhline(1.0, color=PALETTE["reference"], linestyle="--", linewidth=1)
        _xticks(ax, tl, text)
        ax.set_title(_say("index", text, ref=text.economy(tl.reference or "")))
        stand_in = any(n.fallbacks() for n in tl.notes.values())
        base = tl.spec.editions.base or tl.spec.edition if tl.spec is not None else ""
        _footer(fig, text, [_say("note_fallback", text, base=base)] if stand_in else [])
        fig.subplots_adjust(left=0.07, right=0.97, top=0.91, bottom=0.17)
        return _save(fig, stem)


def pillar_trajectories(tl: Timeline, lang: str, stem: Path, *, focus: str = "CHN"
                        ) -> list[Path]:
    text = _Text(lang)
    pillars = [p for p in ("technology_activity", "market_friendliness") if p in tl.frame]
    if not pillars and tl.spec is not None:
        pillars = [c.id for c in tl.spec.root.children if c.id in tl.frame][:2]
    codes = _highlight(tl, focus)
    with _drawing(text):
        fig, axes = plt.subplots(1, max(len(pillars), 1), figsize=(12, 5.2), sharey=False)
        axes = np.atleast_1d(axes)
        for ax, p in zip(axes, pillars, strict=False):
            _lines(ax, tl, p, text, codes)
            ax.axhline(1.0, color=PALETTE["reference"], linestyle="--", linewidth=1)
            _xticks(ax, tl, text)
            ax.set_title(TEXTS[p]["zh" if text.cjk else "en"] if p in TEXTS else p,
                         fontsize=11)
        fig.suptitle(_say("pillars", text, ref=text.economy(tl.reference or "")), x=0.01,
                     ha="left", fontsize=13, fontweight="normal" if text.cjk else "bold")
        _footer(fig, text)
        fig.subplots_adjust(left=0.06, right=0.94, top=0.86, bottom=0.17, wspace=0.25)
        return _save(fig, stem)


def rank_bump(tl: Timeline, lang: str, stem: Path, *, focus: str = "CHN") -> list[Path]:
    text = _Text(lang)
    codes = [tl.reference, *_highlight(tl, focus)] if tl.reference else _highlight(tl, focus)
    wide = tl.frame.pivot(index="position", columns="iso3", values="rank").sort_index()
    n = int(np.nanmax(wide.to_numpy())) if wide.size else 1
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9, 0.3 * n + 2.2))
        for code in wide.columns:
            hi = code in codes
            colour = _COLOURS[codes.index(code) % len(_COLOURS)] if hi else PALETTE["muted"]
            y = wide[code]
            ax.plot(y.index, y, color=colour, linewidth=2.2 if hi else 0.9, marker="o",
                    markersize=4 if hi else 2.5, alpha=1 if hi else 0.7)
            ok = y.dropna()
            if len(ok):
                ax.annotate(text.economy(code), (ok.index[-1], ok.iloc[-1]),
                            xytext=(6, 0), textcoords="offset points", va="center",
                            fontsize=8, color=colour if hi else "#666666")
                ax.annotate(code, (ok.index[0], ok.iloc[0]), xytext=(-6, 0),
                            textcoords="offset points", va="center", ha="right",
                            fontsize=7.5, color=colour if hi else "#888888")
        ax.set_ylim(n + 0.7, 0.3)
        ax.set_yticks(range(1, n + 1))
        _xticks(ax, tl, text)
        xmin, xmax = ax.get_xlim()
        ax.set_xlim(xmin - 0.4, xmax + 1.6)
        ax.set_title(_say("rank", text))
        _footer(fig, text)
        fig.subplots_adjust(left=0.08, right=0.97, top=0.93, bottom=0.1)
        return _save(fig, stem)


def gap_to_reference(tl: Timeline, lang: str, stem: Path, *, focus: str = "CHN"
                     ) -> list[Path]:
    text = _Text(lang)
    codes = _highlight(tl, focus)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(9, 5.4))
        _lines(ax, tl, "index", text, codes, transform=lambda w: 1.0 - w)
        ax.axhline(0.0, color=PALETTE["reference"], linestyle="--", linewidth=1)
        _xticks(ax, tl, text)
        ax.set_title(_say("gap", text, ref=text.economy(tl.reference or "")))
        _footer(fig, text)
        fig.subplots_adjust(left=0.07, right=0.97, top=0.91, bottom=0.15)
        return _save(fig, stem)


def _step_label(r, text: _Text, labels: Mapping[str, str]) -> str:
    """"data: Compute", "enters: AI legislation", "weights" — a change as a bar label."""
    name = text.node(r.change, labels.get(r.change))
    if r.part == "data":  # the band above says "data"
        return name
    if r.part == "weights":
        return _say("weights", text)
    return f"{_say(r.kind, text) if r.kind in TEXTS else _say('methodology', text)}: {name}"


def waterfall(att: Attribution, unit: str, lang: str, stem: Path, *, node: str = "index",
              labels: Mapping[str, str] | None = None) -> list[Path]:
    """Score in A, then each change's part — data by dimension, methodology by event (on a
    shaded band, each bar named by what happened), weights — and the score in B."""
    text = _Text(lang)
    row = att.of(unit, node)
    steps = [(r.part, _step_label(r, text, labels or {}), float(r.contribution))
             for r in att.by_change(unit, node).itertuples()]
    if not any(c.part == "weights" for c in att.changes):
        steps.append(("weights", _say("weights", text), float(row["weights"])))
    start, end = float(row["score_a"]), float(row["score_b"])
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(11, 6.2))
        _waterfall_bars(ax, start, end, [v for _p, _n, v in steps])
        _part_bands(ax, [p for p, _n, _v in steps], text)
        ticks = [att.label_a, *(textwrap.fill(n, 22) for _p, n, _v in steps), att.label_b]
        ax.set_xticks(range(len(ticks)), ticks, rotation=40, ha="right", fontsize=8,
                      rotation_mode="anchor")
        ax.grid(axis="y", color=PALETTE["grid"], linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_title(_say("waterfall", text, name=text.economy(unit), node=text.node(node),
                          a=att.label_a, b=att.label_b), pad=22)
        _footer(fig, text)
        fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.3)
        return _save(fig, stem)


def _waterfall_bars(ax: plt.Axes, start: float, end: float, steps: Sequence[float]) -> None:
    """The end bars, one floating bar per step with its value, and the y range."""
    n = len(steps) + 1
    for x, v in ((0, start), (n, end)):
        ax.bar(x, v, color=PALETTE["index"], width=0.6)
        ax.annotate(f"{v:.3f}", (x, v), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=8)
    level = start
    for i, v in enumerate(steps, start=1):
        colour = PALETTE["market_friendliness"] if v >= 0 else PALETTE["technology_activity"]
        ax.bar(i, v, bottom=level, color=colour if abs(v) > 0 else PALETTE["muted"], width=0.6)
        ax.plot([i - 1.3, i + 0.3], [level, level], color="#999999", linewidth=0.6)
        ax.annotate(f"{v:+.3f}".replace("-", "\u2212") if abs(v) >= 5e-4 else "0.000",
                    (i, level + max(v, 0)), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=8)
        level += v
    levels = np.cumsum([start, *steps])
    lo, hi = float(min(levels.min(), end)), float(max(levels.max(), end))
    pad = 0.3 * (hi - lo) + 0.01
    ax.set_ylim(max(0.0, lo - pad), hi + pad)
    broken_axis(ax, (0, n))  # the end bars are cut by the axis: say so


def _part_bands(ax: plt.Axes, parts: Sequence[str], text: _Text) -> None:
    """Each part's name above its bars; methodology on a shaded band."""
    for part in dict.fromkeys(parts):
        xs = [i for i, p in enumerate(parts, start=1) if p == part]
        lo, hi = min(xs) - 0.45, max(xs) + 0.45
        if part == "methodology":
            ax.axvspan(lo, hi, color="#efe9f5", zorder=0)
        ax.text((lo + hi) / 2, 1.005, _say(part, text), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8.5, color=PALETTE["note"])
