"""Writers for why a score moved between two builds: attribution.csv,
attribution_events.csv and the focus economy's waterfall (`aidi diff`).

`aidi.analysis.attribution` computes; this module only presents: the tables as CSV, the
largest moves, and a waterfall — data by dimension, methodology by event on a shaded band,
weights — as PNG and SVG in English or Chinese.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aidi.analysis.attribution_changes import Change, Fact, SeriesRef
from aidi.io import safe_name, write_csv
from aidi.report.chart_base import PALETTE, _drawing, _footer, _Text, broken_axis
from aidi.report.timeline import TEXTS, _save, _say
from aidi.report.translations import has, t
from aidi.specs.schema import YearRule

if TYPE_CHECKING:
    from aidi.analysis.attribution import Attribution


def write_attribution(att: Attribution, out: Path, *, focus: str | None = None,
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


def change_text(change: Change, lang: str, labels: Mapping[str, str] | None = None,
                sides: Mapping[str, str] | None = None) -> str:
    """What a change did, in `lang` (from its facts; its English `detail` when it has none);
    `sides` names the builds ({"A": "2023", "B": "2024"})."""
    if not change.facts:
        return change.detail
    sep = "；" if lang == "zh" else "; "
    return sep.join(_fact_text(f, lang, labels or {}, sides or {}) for f in change.facts)


def _fact_text(f: Fact, lang: str, labels: Mapping[str, str],
               sides: Mapping[str, str]) -> str:
    values = dict(f.values)
    if "side" in values:
        values["side"] = sides.get(str(values["side"]), values["side"])
    for key, value in values.items():
        if isinstance(value, YearRule):
            values[key] = _rule_text(value, lang)
        elif isinstance(value, SeriesRef):
            values[key] = _series_text(value, lang)
        elif key == "ids":
            values[key] = ("、" if lang == "zh" else ", ").join(labels.get(i, i) for i in value)
        elif key == "field":
            values[key] = t(f"fact.field.{value}", lang) if has(f"fact.field.{value}") \
                else value
        elif key in ("a", "b", "node") and f.code in ("moved", "weight") and \
                isinstance(value, str):
            values[key] = labels.get(value, value)
        elif isinstance(value, float):
            values[key] = f"{value:g}"
    return t(f"fact.{f.code}", lang, **values)


def _rule_text(rule: YearRule, lang: str) -> str:
    text = t(f"rule.{rule.rule}", lang, start=rule.start, end=rule.end)
    return text + (t("rule.earlier", lang) if rule.fallback == "latest_earlier" else "")


def _series_text(ref: SeriesRef, lang: str) -> str:
    text = ref.series + (t("fact.stand_in", lang) if ref.stand_in else "")
    if ref.kind == "log":
        return t("fact.log", lang, series=text)
    if ref.kind == "level" or ref.other is None:
        return text
    return f"{text} {'×' if ref.kind == 'product' else '/'} {ref.other}"


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
        colour = PALETTE["accent2"] if v >= 0 else PALETTE["accent"]
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
