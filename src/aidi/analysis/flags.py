"""Data-quality flags per cell, data coverage per economy, and who is ranked and who is not.

A composite index is only as defensible as its weakest cells, so every cell a build did not
simply read from a publisher in the edition's window is flagged:

- `imputed` — the pipeline filled a missing cell (e.g. a median), or the reader wrote an upper
  bound for an economy absent from a top-N list (`<series>.upper_bound` markers);
- `carried_forward` — the window was empty and the latest earlier value was used;
- `zero_filled` — the value rests on a 0 the reader wrote because the economy was absent from a
  census-type file (`<series>.zero_filled` markers, see `aidi.sources.raw._fills`), which is a
  conclusion about absence, not a reported zero;
- `out_of_window` — the value rests on years outside the edition's data window (the spec's
  default year rule, 2021–2023 for AIDI 2024, moved with each edition: 2020–2022 for edition
  2023), e.g. a cumulative 2013–24 figure;
- `stale` — the newest year the value rests on is before the edition's window (a 2019
  statistical-capacity score in an edition whose window is 2022–2024), whether the year rule
  reached back for it (`carried_forward`) or an edition rule moved the window there (`latest`).

Every flag is judged against the build's own edition window, never today's, and read from the
build's own observations (`Build.observations`), never the shipped snapshot's.

Coverage rules live in the spec (each aggregate's `dat_thresh`/`min_coverage`), so the engine
already leaves a node missing when too few children are present; this module says *why* an
economy ends up without an index and lists it instead of ranking it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult
from aidi.sources.raw._fills import UPPER_BOUND, ZERO_FILLED

FLAGS: tuple[str, ...] = ("imputed", "carried_forward", "stale", "zero_filled", "out_of_window")
UNRANKED_COLUMNS = ["iso3", "reason"]


def _markers(observations: pd.DataFrame) -> pd.DataFrame:
    """The reader's marker rows (`<series>.zero_filled`, `<series>.upper_bound`). The suffix
    is tested once per distinct series name, not once per row: a build asks for the flags
    several times and the observations run to hundreds of thousands of rows."""
    series = observations["series"]
    marked = [x for x in series.dropna().unique() if str(x).endswith((ZERO_FILLED, UPPER_BOUND))]
    keep = series.isin(marked)
    return observations.loc[keep, ["iso3", "series", "year"]].astype(
        {"iso3": str, "series": str, "year": int})


def _marked(result: BuildResult, markers: pd.DataFrame, suffix: str) -> pd.DataFrame:
    """Units × indicators: True where a year the cell rests on carries a `suffix` marker."""
    ids = list(result.tree.indicator_ids)
    units = list(result.units)
    out = pd.DataFrame(False, index=units, columns=ids)
    if result.year_from is None or result.year_to is None or markers.empty:
        return out
    by_series = dict(tuple(markers.groupby("series", sort=False)))
    pos = {u: i for i, u in enumerate(units)}
    for ind in result.spec.indicators():
        m = by_series.get(ind.series + suffix)
        if m is None:
            continue
        lo = result.year_from[ind.id].reindex(units).to_numpy(dtype=float)
        hi = result.year_to[ind.id].reindex(units).to_numpy(dtype=float)
        m = m[m["iso3"].isin(pos)]
        rows = m["iso3"].map(pos).to_numpy(dtype=int)
        yr = m["year"].to_numpy(dtype=float)
        hit = (yr >= lo[rows]) & (yr <= hi[rows])
        flagged = np.zeros(len(units), dtype=bool)
        flagged[rows[hit]] = True
        out[ind.id] = flagged
    return out


def _logged(result: BuildResult, code: str) -> pd.DataFrame:
    ids = list(result.tree.indicator_ids)
    out = pd.DataFrame(False, index=list(result.units), columns=ids)
    for e in result.log:
        if e.code == code and e.unit in out.index and e.indicator in out.columns:
            out.loc[e.unit, e.indicator] = True
    return out


def _out_of_window(result: BuildResult) -> pd.DataFrame:
    ids = list(result.tree.indicator_ids)
    units = list(result.units)
    if result.year_from is None or result.year_to is None:
        return pd.DataFrame(False, index=units, columns=ids)
    window = result.spec.defaults.years
    lo, hi = result.year_from.reindex(units)[ids], result.year_to.reindex(units)[ids]
    return ((lo < window.start) | (hi > window.end)).fillna(False).astype(bool)


def _stale(result: BuildResult) -> pd.DataFrame:
    ids = list(result.tree.indicator_ids)
    units = list(result.units)
    if result.year_to is None:
        return pd.DataFrame(False, index=units, columns=ids)
    start = result.spec.defaults.years.start
    return (result.year_to.reindex(units)[ids] < start).fillna(False).astype(bool)


def flag_frames(result: BuildResult, observations: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """{flag: units × indicators bool frame} for every flag in `FLAGS`.

    `observations` are the build's own data (`Build.observations`): the reader's markers
    (zero-filled, upper bound) are read from them, never from another state of the data.
    """
    markers = _markers(observations)
    return {
        "imputed": _logged(result, "imputed") | _marked(result, markers, UPPER_BOUND),
        "carried_forward": _logged(result, "carried_forward"),
        "stale": _stale(result),
        "zero_filled": _marked(result, markers, ZERO_FILLED),
        "out_of_window": _out_of_window(result),
    }


def flag_counts(result: BuildResult,
                observations: pd.DataFrame) -> dict[str, int]:
    """How many cells carry each flag, with `cells` (units × indicators built), `missing` (no
    value after imputation) and `clean` (a value read in the window with no flag)."""
    frames = flag_frames(result, observations)
    data = result.imputed.reindex(list(result.units))[list(result.tree.indicator_ids)]
    missing = data.isna()
    any_flag = np.zeros(missing.shape, dtype=bool)
    for frame in frames.values():
        any_flag |= frame.to_numpy(dtype=bool)
    return {"cells": int(missing.size), **{f: int(frames[f].to_numpy().sum()) for f in FLAGS},
            "missing": int(missing.to_numpy().sum()),
            "clean": int((~any_flag & ~missing.to_numpy()).sum())}


def cell_flag_labels(result: BuildResult,
                     observations: pd.DataFrame) -> pd.DataFrame:
    """Units × indicators: the cell's flags joined by ';' ('' = read in the window)."""
    frames = flag_frames(result, observations)
    ids = list(result.tree.indicator_ids)
    labels = np.full((len(result.units), len(ids)), "", dtype=object)
    for flag in FLAGS:
        hit = frames[flag].to_numpy(dtype=bool)
        labels = np.where(hit, np.where(labels == "", flag, labels + ";" + flag), labels)
    return pd.DataFrame(labels, index=list(result.units), columns=ids)


def coverage(result: BuildResult, observations: pd.DataFrame) -> pd.Series:
    """Per unit: the share of the spec's indicators with a value read from a publisher (not
    missing, not imputed or bounded). Zero-filled and out-of-window cells count as data but
    are flagged."""
    frames = flag_frames(result, observations)
    data = result.data.reindex(list(result.units))[list(result.tree.indicator_ids)]
    measured = data.notna() & ~frames["imputed"]
    return measured.mean(axis=1).rename("coverage")


def flag_summary(result: BuildResult, observations: pd.DataFrame) -> pd.Series:
    """Per unit: 'flag:n' for each flag the unit's cells carry, and why it is not ranked."""
    frames = flag_frames(result, observations)
    reasons = dict(unranked(result).itertuples(index=False, name=None))
    out = {}
    for u in result.units:
        parts = [f"{flag}:{int(frames[flag].loc[u].sum())}" for flag in FLAGS
                 if frames[flag].loc[u].any()]
        if u in reasons:
            parts.insert(0, f"unranked: {reasons[u]}")
        out[u] = "; ".join(parts)
    return pd.Series(out, name="flags")


def _threshold(node) -> float:
    return max(node.dat_thresh or 0.0, node.min_coverage)


def _missing_reason(result: BuildResult, node_id: str, unit: str) -> str:
    """Why `node_id` is missing for `unit`: which children are missing, against its threshold,
    and, for each missing child that is itself an aggregate, why that one is missing — down to
    the indicator cells, so a reader sees the one cell that decided it."""
    tree = result.tree
    node = tree.nodes[tree.aggregate_ids.index(node_id)]
    values = pd.concat([result.imputed.reindex(list(result.units)), result.scores], axis=1)
    present = [c for c in node.children if np.isfinite(values.loc[unit, c])]
    missing = [c for c in node.children if c not in present]
    need = _threshold(node)
    text = (f"{node_id} missing ({len(present)} of {len(node.children)} present, "
            f"needs {need:.0%}; no {', '.join(missing)})")
    deeper = [_missing_reason(result, c, unit) for c in missing if c in tree.aggregate_ids]
    return "; ".join([text, *deeper])


def unranked(result: BuildResult) -> pd.DataFrame:
    """Economies built but without an index (a pillar below its coverage rule), with the
    reason, plus those the availability screen removed before the build."""
    root = result.tree.root
    rows = []
    idx = result.scores[root]
    root_node = result.tree.nodes[-1]
    for u in idx.index[~np.isfinite(idx.to_numpy(dtype=float))]:
        gone = [c for c in root_node.children if not np.isfinite(result.scores.loc[u, c])]
        reason = "; ".join(_missing_reason(result, c, u) for c in gone) if gone else \
            _missing_reason(result, root, u)
        rows.append({"iso3": u, "reason": reason})
    for u in result.screened_out:
        thr = result.spec.screen.min_availability
        rows.append({"iso3": u, "reason": f"screened out: fewer than {thr:.0%} of the "
                                          "indicators have data"})
    return pd.DataFrame(rows, columns=UNRANKED_COLUMNS)


def ranked_and_unranked(result: BuildResult, observations: pd.DataFrame
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked economies: iso3, index, rank, coverage, flags — by rank; the unranked list:
    iso3, reason). An economy without an index is never given a rank."""
    root = result.tree.root
    rel = result.relative_scores()[root]
    ranked = pd.DataFrame({"iso3": list(result.units), "index": rel.to_numpy(),
                           "rank": result.ranks[root].to_numpy(),
                           "coverage": coverage(result, observations).to_numpy(),
                           "flags": flag_summary(result, observations).to_numpy()})
    ranked = ranked[np.isfinite(ranked["index"].to_numpy(dtype=float))]
    ranked = ranked.sort_values(["rank", "iso3"]).reset_index(drop=True)
    ranked["rank"] = ranked["rank"].astype(int)
    return ranked, unranked(result)
