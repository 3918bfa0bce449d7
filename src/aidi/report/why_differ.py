"""The "why we differ" section and `reproduction.csv` columns (renders `WhyWeDiffer`).

For each printed figure: the print, the source's index as we read it (`cicc-2024`), the
validity-driven index (`aidi-2024`), the difference between the two split exactly over the
spec differences, and in words what remains between the literal reading and the print.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from aidi.report.html import Section
from aidi.report.translations import has, t

#: spec-wide players (the others are dimensions, named by the spec's labels)
_PLAYER_KEYS = ("defaults", "calibration", "aggregation")


def player_label(player: str, labels: Mapping[str, str], lang: str) -> str:
    if player in _PLAYER_KEYS and has(f"why.player.{player}"):
        return t(f"why.player.{player}", lang)
    return labels.get(player, player)


def why_table(w, lang: str, labels: Mapping[str, str]) -> pd.DataFrame:
    """One row per printed figure (implied values marked), parts as columns."""
    p = w.printed
    if p.empty:
        return p
    out = pd.DataFrame({
        "iso3": p["iso3"],
        "measure": [labels.get(n, n) + (f" ({t('kind.implied', lang)})" if k == "implied"
                                        else "") for n, k in zip(p["node"], p["kind"],
                                                                 strict=True)],
        "published": p["printed"], w.spec_a: p["a"], w.spec_b: p["b"],
        f"{w.spec_b} − {w.spec_a}": p["b_minus_a"]})
    for player in w.players:
        out[player_label(player, labels, lang)] = p[f"part:{player}"]
    out[f"{w.spec_a} − {t('col.published', lang)}"] = p["a_minus_printed"]
    return out


def gap_bullets(w, lang: str, labels: Mapping[str, str],
                names: Mapping[str, str]) -> list[str]:
    """What remains between the literal reading and the print, one bullet per reason, naming
    the figures it explains (a reason shared by several figures is said once)."""
    column = "gap_reason_zh" if lang == "zh" else "gap_reason"
    sep = "、" if lang == "zh" else ", "
    out: dict[str, list[str]] = {}
    for r in w.printed.itertuples():
        text = getattr(r, column) or r.gap_reason
        if text:
            out.setdefault(text, []).append(f"{names.get(r.iso3, r.iso3)} "
                                            f"{labels.get(r.node, r.node)}")
    colon = "：" if lang == "zh" else ": "
    return [sep.join(figs) + colon + text for text, figs in out.items()]


def printed_mads(w) -> dict[str, float]:
    """Mean absolute difference of each spec to the printed (not implied) figures."""
    p = w.printed[w.printed["kind"] == "printed"]
    return {w.spec_a: float((p["a"] - p["printed"]).abs().mean()),
            w.spec_b: float((p["b"] - p["printed"]).abs().mean())}


def why_section(w, lang: str, labels: Mapping[str, str], default_spec: str,
                names: Mapping[str, str] | None = None) -> Section:
    """The section shown right after the headline ranking: the figures with the split, then what
    remains between the literal reading and the print, in words."""
    mads = printed_mads(w)
    sentences = [t("why.intro", lang, a=w.spec_a, b=w.spec_b, n=len(w.players),
                   players="、".join(player_label(p, labels, lang) for p in w.players)
                   if lang == "zh" else ", ".join(player_label(p, labels, lang)
                                                  for p in w.players)),
                 t("why.mads", lang, a=w.spec_a, b=w.spec_b,
                   mad_a=f"{mads.get(w.spec_a, float('nan')):.3f}",
                   mad_b=f"{mads.get(w.spec_b, float('nan')):.3f}"),
                 t("why.default", lang, spec=default_spec, source=w.spec_a),
                 t("why.remains", lang, a=w.spec_a)]
    return Section(id="why", title_key="section.why", sentences=sentences,
                   bullets=gap_bullets(w, lang, labels, names or {}),
                   table=why_table(w, lang, labels))


def reproduction_with_why(table: pd.DataFrame, w) -> pd.DataFrame:
    """`reproduction.csv` with both specs' values, the split and the reason beside each
    printed figure (empty for rows the split does not cover)."""
    if w is None or w.printed.empty:
        return table
    keep = ["iso3", "node", "a", "b", "b_minus_a", *[f"part:{p}" for p in w.players],
            "a_minus_printed", "gap_reason", "gap_reason_zh"]
    extra = w.printed[keep].rename(columns={
        "node": "measure", "a": f"value:{w.spec_a}", "b": f"value:{w.spec_b}",
        "b_minus_a": f"difference:{w.spec_b}-{w.spec_a}",
        "a_minus_printed": f"difference:{w.spec_a}-printed"})
    return table.merge(extra, on=["iso3", "measure"], how="left")
