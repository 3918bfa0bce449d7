"""`aidi explain` in the terminal: the lineage of one score, node by node, top to bottom.

A vertical layout rather than a wide table: one heading line per node (indented by depth) and
below it its numbers as "label value" pairs that wrap at word boundaries, so every value is
shown whole in an 80-column terminal and when piped to a file — a table would cut values to
"0.7…" or drop columns. Every label comes from `aidi.report.translations` (`explain.*`).
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.padding import Padding
from rich.text import Text

from aidi.analysis.lineage import Lineage
from aidi.engine import registry
from aidi.report.translations import t

__all__ = ["render_text"]


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "—"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)


def _method(text: str, lang: str) -> str:
    """"geometric ÷ reference" → "几何平均 ÷ 基准" (unknown words stay as they are)."""
    from aidi.report.translations import has

    base, _, rest = str(text).partition(" ÷ reference")
    word = t(f"agg.{base}", lang) if has(f"agg.{base}") else base
    return word + (t("agg.ratio", lang) if _ else "")


def _pairs(pairs: list[tuple[str, str]], indent: int) -> Padding:
    line = Text(no_wrap=False, overflow="fold")
    for i, (key, value) in enumerate(pairs):
        if i:
            line.append(" · ", style="dim")
        line.append(key + " ", style="dim")
        line.append(value)
    return Padding(line, (0, 0, 0, indent))


def render_text(lineage: Lineage, lang: str = "en") -> Group:
    """The lineage as rich renderables: a title, then per node its name and its numbers;
    per indicator also its raw value, year, imputation, source and file."""
    rows = lineage.rows

    def k(key: str) -> str:
        return t(f"explain.{key}", lang)

    title = t("explain.title", lang, unit=lineage.unit, node=lineage.node)
    if lineage.reference:
        title += t("explain.reference", lang, reference=lineage.reference)
    out: list[Text | Padding] = [Text(title, style="bold")]
    for r in rows.itertuples():
        depth = int(r.depth)
        name = (r.name_zh if lang == "zh" and isinstance(r.name_zh, str) and r.name_zh
                else r.name_en)
        head = Text("  " * depth)
        head.append(str(name), style="bold" if r.kind != "indicator" else "")
        head.append(f" ({r.node})", style="dim")
        out.append(head)
        pairs = [(k("score"), _fmt(r.score))]
        if r.kind != "indicator":
            pairs.append((k("rank"), _fmt(r.rank if not isinstance(r.rank, float)
                                          or np.isnan(r.rank) else int(r.rank))))
            pairs.append((k("method"), _method(str(r.method), lang)))
        pairs += [(k("weight"), _fmt(r.weight)), (k("contribution"), _fmt(r.contribution))]
        if r.kind == "indicator":
            pairs = [(k("year"), _fmt(r.year)), (k("raw"), _fmt(r.raw_value)),
                     (k("value"), _fmt(r.value)),
                     (k("imputed"), t("bool.yes" if r.imputed else "bool.no", lang)),
                     (k("treated"), _fmt(r.treated)), *pairs]
            out.append(_pairs(pairs, 2 * depth + 2))
            src = [(k("series"), str(r.series)), (k("source"), str(r.source or "—")),
                   (k("file"), str(r.file or "—"))]
            out.append(_pairs(src, 2 * depth + 2))
            if r.denominator_series:
                out.append(_pairs([(k("denominator"), str(r.denominator_series)),
                                   (k("source"), str(r.denominator_source or "—")),
                                   (k("file"), str(r.denominator_file or "—"))], 2 * depth + 2))
        else:
            out.append(_pairs(pairs, 2 * depth + 2))
    if any(registry.method("aggregate", m).contributions == "log"
           for m in set(rows["parent_method"]) if isinstance(m, str) and m):
        out.append(Text(k("geo_note"), style="dim"))
    return Group(*out)
