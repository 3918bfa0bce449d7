"""The build's tables as users receive them (CSV files and terminal tables).

Why here, in the analysis layer: `scores.csv` and `indicators.csv` are data — every number in
them is computed (relative scores, coverage, flags) — and the report, the workbook and the
command line render the same frames from the analysis bundle (`aidi.analysis.bundle`), never
recomputing them.
"""

from __future__ import annotations

import pandas as pd

from aidi.engine.pipeline import BuildResult


def _names(units: list[str]) -> tuple[list[str], list[str]]:
    from aidi.countries import name_en, name_zh

    return [name_en(u) for u in units], [name_zh(u) for u in units]


def aggregate_columns(result: BuildResult) -> list[str]:
    """Aggregate nodes below the root, level by level (pillars, then dimensions, ...)."""
    levels = result.spec.level_of()
    aggs = [a for a in result.tree.aggregate_ids if a != result.tree.root]
    order = {nid: i for i, nid in enumerate(n.id for n in result.spec.aggregates())}
    return sorted(aggs, key=lambda a: (levels[a], order[a]))


def scores_frame(result: BuildResult, observations: pd.DataFrame) -> pd.DataFrame:
    """One row per unit: iso3, names, index, rank, then every aggregate, sorted by rank, then
    `coverage` (share of indicators read from a publisher) and `flags` (counts of imputed,
    carried-forward, zero-filled and out-of-window cells; why an unranked economy has no rank;
    see `aidi.analysis.flags`, which reads the reader's markers from `observations`).

    With a reference unit every aggregate is shown relative to it (reference = 1), see
    `BuildResult.relative_scores`.
    """
    units = list(result.units)
    en, zh = _names(units)
    root = result.tree.root
    rel = result.relative_scores()
    frame = pd.DataFrame({"iso3": units, "name_en": en, "name_zh": zh,
                          "index": rel[root].to_numpy(),
                          "rank": result.ranks[root].to_numpy()})
    for col in aggregate_columns(result):
        frame[col] = rel[col].to_numpy()
    frame["rank"] = frame["rank"].astype("Int64")
    from aidi.analysis.flags import coverage, flag_summary

    frame["coverage"] = coverage(result, observations).reindex(units).to_numpy()
    frame["flags"] = flag_summary(result, observations).reindex(units).to_numpy()
    return frame.sort_values(["rank", "iso3"], na_position="last").reset_index(drop=True)


def indicators_frame(result: BuildResult) -> pd.DataFrame:
    """Long table: every indicator cell with its raw value, year, imputation and normalised value
    (indicator after indicator, units in build order; whole columns at once)."""
    spec = result.spec
    parent = spec.parent_of()
    inds = spec.indicators()
    ids, units = [i.id for i in inds], list(result.units)
    k = len(units)

    def cells(frame: pd.DataFrame):
        return frame.reindex(index=units, columns=ids).to_numpy().T.ravel()

    return pd.DataFrame({
        "iso3": units * len(ids), "indicator": [i for i in ids for _ in range(k)],
        "dimension": [parent.get(i, "") for i in ids for _ in range(k)],
        "series": [i.series for i in inds for _ in range(k)], "year": cells(result.years),
        "value": cells(result.data), "imputed": cells(result.imputed_mask).astype(bool),
        "value_used": cells(result.treated), "normalised": cells(result.normalised),
        "weight": [i.weight for i in inds for _ in range(k)]})


def with_intensity(scores: pd.DataFrame, intensity: BuildResult | None) -> pd.DataFrame:
    """`scores` with the intensity variant's index, rank and pillars beside the level ones
    (`<column>_intensity`), so the two are published together, never blended."""
    if intensity is None:
        return scores
    rel = intensity.relative_scores()
    root = intensity.tree.root
    cols = {"index_intensity": rel[root],
            "rank_intensity": intensity.ranks[root].astype("Int64")}
    for pillar in intensity.spec.root.children:
        cols[f"{pillar.id}_intensity"] = rel[pillar.id]
    extra = pd.DataFrame(cols)
    extra.index.name = "iso3"
    return scores.merge(extra.reset_index(), on="iso3", how="left")
