"""The report's one-page summary, generated from the results (never typed in).

Tiers from the natural breaks of the index, each pillar's leader, the focus economy's largest
gaps and strengths against the reference, the source's statements that hold and do not, and
the data caveats — each a short sentence from `aidi.report.translations`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from aidi.report.translations import t

__all__ = ["item_profile", "summary_sentences", "tiers"]


def tiers(index: pd.Series, n_tiers: int = 3) -> pd.Series:
    """Tier 1..n of each unit: natural breaks of the log index (Fisher's exact optimal split
    of the sorted values into `n_tiers` contiguous groups with the least within-group sum of
    squares — what Jenks' breaks approximate). Tier 1 holds the highest values; NaN index →
    NaN tier; fewer distinct values than tiers → one tier per value."""
    s = index.dropna().sort_values(ascending=False)
    out = pd.Series(np.nan, index=index.index, dtype=float)
    n = len(s)
    if n == 0:
        return out
    k = max(1, min(n_tiers, n))
    # on logarithms: the index is a geometric mean relative to the reference, so a tier is
    # a band of similar *ratios* (0.3 and 0.33 are close, 0.03 and 0.06 are not)
    x = np.log(np.maximum(s.to_numpy(dtype=float), 1e-12))
    c1, c2 = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(x * x)])

    def sse(i: int, j: int) -> float:  # values i..j-1
        m = j - i
        return float(c2[j] - c2[i] - (c1[j] - c1[i]) ** 2 / m)

    cost = np.full((k + 1, n + 1), np.inf)
    cut = np.zeros((k + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for g in range(1, k + 1):
        for j in range(g, n + 1):
            for i in range(g - 1, j):
                c = cost[g - 1, i] + sse(i, j)
                if c < cost[g, j] - 1e-15:
                    cost[g, j], cut[g, j] = c, i
    tier = np.empty(n, dtype=int)
    j = n
    for g in range(k, 0, -1):
        i = cut[g, j]
        tier[i:j] = g
        j = i
    out[s.index] = tier
    return out


def item_profile(result, focus: str, labels: Mapping[str, str]) -> pd.DataFrame:
    """Every node under the root — aggregates and indicators, in tree order — of `focus`
    relative to the reference: label, value, group (which pillar), level, kind, node."""
    from aidi.specs.schema import Indicator

    spec = result.spec
    ref = spec.reference or result.units[0]
    rel = result.relative_scores()
    norm = result.normalised
    rows = []
    branch = {c.id: g for g, c in enumerate(spec.root.children)}
    for path in spec.iter_paths():
        node, depth = path[-1], len(path) - 1
        is_ind = isinstance(node, Indicator)
        if is_ind:
            a, b = float(norm.loc[focus, node.id]), float(norm.loc[ref, node.id])
            value = a / b if np.isfinite(a) and np.isfinite(b) and b > 0 else np.nan
        else:
            value = float(rel.loc[focus, node.id])
        rows.append({"node": node.id, "label": labels.get(node.id, node.id), "value": value,
                     "group": branch[path[1].id] if depth else -1, "level": depth,
                     "kind": "indicator" if is_ind else "aggregate"})
    return pd.DataFrame(rows)


def summary_sentences(*, lang: str, scores: pd.DataFrame, names: Mapping[str, str],
                      labels: Mapping[str, str], pillars: list[str], reference: str,
                      focus: str | None, profile: pd.DataFrame | None,
                      checks: pd.DataFrame | None, statements: list[str],
                      mad: float | None, caveats: list[str],
                      relative: bool = True) -> list[str]:
    """The summary's sentences in `lang`."""
    sep = "、" if lang == "zh" else ", "
    out = [t("summary.count", lang, n=len(scores), reference=names.get(reference, reference))
           if relative else t("summary.count_plain", lang, n=len(scores))]
    if "tier" in scores:
        for k, group in scores.dropna(subset=["tier"]).groupby("tier", sort=True):
            if int(k) >= 3:
                break
            members = sep.join(f"{names.get(r.iso3, r.iso3)} {r.index:.2f}"
                               for r in group.itertuples())
            out.append(t("summary.tier", lang, tier=t(f"tier.{int(k)}", lang),
                         members=members))
    for p in pillars:
        if p not in scores or scores[p].notna().sum() == 0:
            continue
        order = scores.sort_values(p, ascending=False)
        first = order.iloc[0]
        runner = order.iloc[1] if len(order) > 1 else None
        out.append(t("summary.pillar_leader", lang, pillar=labels.get(p, p),
                     leader=names.get(first.iso3, first.iso3), value=f"{first[p]:.2f}",
                     second=names.get(runner.iso3, runner.iso3) if runner is not None else "—",
                     second_value=f"{runner[p]:.2f}" if runner is not None else "—"))
    if focus and profile is not None and len(profile):
        items = profile[(profile["kind"] == "indicator") & np.isfinite(profile["value"])]
        if len(items):
            weak = items.nsmallest(3, "value")
            strong = items.nlargest(2, "value")
            fmt = lambda d: sep.join(f"{r.label} {r.value:.2f}" for r in d.itertuples())  # noqa: E731
            out.append(t("summary.gaps", lang, focus=names.get(focus, focus),
                         reference=names.get(reference, reference), items=fmt(weak)))
            out.append(t("summary.strengths", lang, focus=names.get(focus, focus),
                         items=fmt(strong)))
    if checks is not None and len(checks):
        tested = checks["holds"].notna()
        out.append(t("summary.statements", lang,
                     held=int(checks.loc[tested, "holds"].astype(bool).sum()),
                     n=int(tested.sum())))
        out += [t("summary.not_held", lang, statement=s) for s, h
                in zip(statements, checks["holds"], strict=True) if h is not pd.NA and not h]
    if mad is not None and np.isfinite(mad):
        out.append(t("summary.mad", lang, mad=f"{mad:.3f}"))
    return out + caveats
