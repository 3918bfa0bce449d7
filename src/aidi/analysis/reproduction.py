"""Our build beside the figures the source published, with the differences said plainly.

The published figures live in the spec (`published:`), as data with a note on where each comes
from; they are only ever compared with, never used to compute. Values the source implies but
does not print (e.g. a pillar recovered from Index = √(TA × MF)) are marked `implied` and kept
out of the headline mean absolute difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult

COLUMNS = ["iso3", "measure", "kind", "published", "ours", "difference", "abs_difference",
           "published_rank", "our_rank", "note"]


@dataclass(frozen=True)
class Reproduction:
    table: pd.DataFrame            # one row per published figure (COLUMNS)
    mean_abs_difference: float     # over printed figures only
    mean_abs_difference_all: float  # including implied figures (not the reference's 1s)

    def largest_misses(self, n: int = 3) -> pd.DataFrame:
        return self.table.sort_values("abs_difference", ascending=False).head(n)


def compare(result: BuildResult) -> Reproduction:
    """Compare every `published` figure of the spec with the build's value for it."""
    rows = []
    for pub in result.spec.published:
        ours = np.nan
        our_rank = np.nan
        if pub.unit in result.scores.index and pub.node in result.scores.columns:
            ours = float(result.scores.loc[pub.unit, pub.node])
            our_rank = float(result.ranks.loc[pub.unit, pub.node])
        if pub.unit == result.spec.reference:
            kind = "reference"  # 1 by construction: shown, never counted as agreement
        elif pub.note.lower().startswith("implied"):
            kind = "implied"
        else:
            kind = "published"
        rows.append({"iso3": pub.unit, "measure": pub.node, "kind": kind,
                     "published": pub.value, "ours": ours, "difference": ours - pub.value,
                     "abs_difference": abs(ours - pub.value), "published_rank": pub.rank,
                     "our_rank": our_rank, "note": pub.note})
    table = pd.DataFrame(rows, columns=COLUMNS)
    printed = table[table.kind == "published"]
    return Reproduction(table, _mean(printed["abs_difference"]),
                        _mean(table.loc[table.kind != "reference", "abs_difference"]))


def _mean(s: pd.Series) -> float:
    s = s.dropna()
    return float(s.mean()) if len(s) else float("nan")


def qualitative_checks(result: BuildResult, ta: str = "technology_activity",
                       mf: str = "market_friendliness") -> pd.DataFrame:
    """The source's ranking statements (section 四(二)) tested on our build.

    Tiers: USA and China first; Germany, Japan, UK second; India right behind. Comparative
    advantage: an economy leans to application if its log(MF) − log(TA) is above the 20-economy
    median of that difference (to R&D if below): India, Russia, Brazil like China on the
    application side; UK, Korea, Switzerland like the USA on the R&D side.
    """
    root = result.tree.root
    if ta not in result.scores or mf not in result.scores:
        return pd.DataFrame(columns=["statement", "holds", "ours"])
    rank = result.ranks[root]
    rel = result.relative_scores()
    lean = np.log(rel[mf]) - np.log(rel[ta])
    med = float(lean.median())

    def ranks_of(units: list[str]) -> str:
        return ", ".join(f"{u} {int(rank[u])}" for u in units if u in rank)

    rows = []
    first = ["USA", "CHN"]
    second = ["DEU", "JPN", "GBR"]
    have = set(rank.index)
    if set(first + second) <= have:
        rows.append({"statement": "USA and China form the first tier (ranks 1–2)",
                     "holds": set(rank[first]) == {1.0, 2.0}, "ours": ranks_of(first)})
        rows.append({"statement": "Germany, Japan, UK form the second tier (ranks 3–5)",
                     "holds": set(rank[second]) == {3.0, 4.0, 5.0}, "ours": ranks_of(second)})
    if "IND" in have:
        rows.append({"statement": "India follows close behind the second tier (rank 6)",
                     "holds": bool(rank["IND"] == 6), "ours": ranks_of(["IND"])})
    for units, side in ((["CHN", "IND", "RUS", "BRA"], "application"),
                        (["USA", "GBR", "KOR", "CHE"], "R&D")):
        for u in units:
            if u not in have:
                continue
            holds = bool(lean[u] > med) if side == "application" else bool(lean[u] < med)
            rows.append({"statement": f"{u} has a comparative advantage on the {side} side",
                         "holds": holds,
                         "ours": f"log(MF/TA) {lean[u]:+.2f} vs median {med:+.2f}"})
    return pd.DataFrame(rows)
