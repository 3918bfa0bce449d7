"""The index over time as tables: per-cell status, who is ranked, and one row per economy ×
edition (`_timeline_frame`), with the chained and fixed-set series beside it.

What an edition's build reads is `aidi.inputs.editions.edition_inputs`; the builds themselves
are `aidi.over_time`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aidi.specs.editions import (
    LATEST,
    EditionNotes,
)
from aidi.specs.schema import IndexSpec

if TYPE_CHECKING:
    from aidi.analysis.comparable import Comparable
    from aidi.api import Build

#: The earliest edition the timeline looks for.
EARLIEST = 2000


def position(edition: str, years: Sequence[int]) -> float:
    """x position of an edition on a time axis: its year; `latest` one after the last year."""
    if edition == LATEST:
        return float(max(years) + 1) if years else 0.0
    return float(edition)


def _scored(b: Build) -> bool:
    ref = b.spec.reference
    return ref is None or (ref in b.index.index and bool(np.isfinite(b.index.get(ref))))


def cell_status(b: Build) -> pd.DataFrame:
    """Per (unit, indicator): `real`, `carried` (latest earlier year), `imputed` or
    `missing` — what each cell of the build rests on."""
    r = b.result
    raw = r.data.reindex(index=list(r.units))
    status = pd.DataFrame("real", index=raw.index, columns=raw.columns)
    log = b.log
    carried = log[log["code"] == "carried_forward"]
    status[r.imputed_mask.reindex_like(status).fillna(False).astype(bool)] = "imputed"
    for u, ind in zip(carried["unit"], carried["indicator"], strict=True):
        if u in status.index and ind in status.columns:
            status.loc[u, ind] = "carried"
    status[r.imputed.reindex_like(status).isna()] = "missing"
    return status


def accounting(b: Build) -> pd.DataFrame:
    """Every economy asked for in one build: `ranked`, `unranked` (a node below the spec's
    coverage rule — the reason names the nodes and cells) or `screened out`, with the reason."""
    from aidi.analysis.flags import unranked

    why = dict(unranked(b.result).itertuples(index=False, name=None))
    rows = [{"iso3": u, "status": "unranked" if u in why else "ranked", "reason": why.get(u, "")}
            for u in b.units]
    rows += [{"iso3": u, "status": "screened out", "reason": why.get(u, "")}
             for u in b.result.screened_out]
    return pd.DataFrame(rows, columns=["iso3", "status", "reason"])


def _timeline_frame(editions: list[str], builds: Mapping[str, Build],
                    notes: Mapping[str, EditionNotes], years: list[int],
                    vintage: str) -> pd.DataFrame:
    from aidi.countries import name_en, name_zh

    rows = []
    for e in editions:
        b = builds[e]
        rel = b.relative()
        ind_rel = _indicators_relative(b)
        status = cell_status(b)
        account = accounting(b).set_index("iso3")
        stand_in = [i.indicator for i in notes[e].indicators if i.fallback == "stand-in"]
        n_ind = status.shape[1]
        pillars = [c.id for c in b.spec.root.children]
        for u in b.units:
            st = status.loc[u]
            flags = [f"{k}={'|'.join(st.index[st == k])}" for k in ("carried", "imputed",
                                                                     "missing") if (st == k).any()]
            if stand_in:
                flags.insert(0, f"stand-in={'|'.join(stand_in)}")
            row = {"iso3": u, "name_en": _safe(name_en, u), "name_zh": _safe(name_zh, u),
                   "edition": e, "position": position(e, years), "window": _window(b),
                   "vintage": vintage, "index": rel.loc[u, b.result.tree.root],
                   "rank": b.ranks.loc[u, b.result.tree.root],
                   **{f"rank_{p}": b.ranks.loc[u, p] for p in pillars if p in b.ranks},
                   "coverage": float((st == "real").sum()) / n_ind if n_ind else np.nan,
                   "n_carried": int((st == "carried").sum()),
                   "n_imputed": int((st == "imputed").sum()),
                   "n_missing": int((st == "missing").sum()),
                   "n_stand_in": len(stand_in), "flags": "; ".join(flags),
                   "status": account.loc[u, "status"], "reason": account.loc[u, "reason"],
                   "backcast": b.inputs.backcast or ""}
            for node in _tree_order(b.spec):
                if node in rel.columns and node != b.result.tree.root:
                    row[node] = rel.loc[u, node]
                elif node in ind_rel.columns:
                    row[node] = ind_rel.loc[u, node]
            rows.append(row)
    return pd.DataFrame(rows)


def with_comparable(frame: pd.DataFrame, comp: Comparable, nodes: Sequence[str]
                    ) -> pd.DataFrame:
    """`frame` with, per economy × edition, the chained and fixed-set values of `nodes`
    (`<node>_chained`, `<node>_fixed`; the published value stays in `<node>`), and the break
    into the edition: `break` (methodology or weights changed since the previous edition),
    `break_events`, and the previous edition's change split into `data_change`,
    `methodology_change`, `weights_change` (index)."""
    out = frame.copy()
    for name, series in (("chained", comp.chained), ("fixed", comp.fixed)):
        wide = series[series["node"].isin(list(nodes))].pivot_table(
            index=["iso3", "edition"], columns="node", values="value", dropna=False)
        wide.columns = [f"{c}_{name}" for c in wide.columns]
        out = out.merge(wide.reset_index(), on=["iso3", "edition"], how="left")
    breaks = comp.breaks().set_index("edition")
    out["break"] = out["edition"].map(breaks["break"]).fillna(False).astype(bool)
    out["break_events"] = out["edition"].map(breaks["events"]).fillna("")
    parts = [lk.parts[lk.parts["node"] == "index"].assign(edition=lk.edition_to)
             for lk in comp.links]
    if parts:
        p = pd.concat(parts, ignore_index=True)[["iso3", "edition", "data", "methodology",
                                                 "weights"]]
        p.columns = ["iso3", "edition", "data_change", "methodology_change", "weights_change"]
        out = out.merge(p, on=["iso3", "edition"], how="left")
    return out


def _safe(fn, code: str) -> str:
    try:
        return fn(code) or code
    except (KeyError, LookupError, ValueError):
        return code


def _window(b: Build) -> str:
    """The default window of the edition (the most common year rule span)."""
    rules = [b.spec.effective_years(i) for i in b.spec.indicators()]
    spans = pd.Series([f"{r.start}–{r.end}" for r in rules if r.rule != "exact"])
    return str(spans.mode().iloc[0]) if len(spans) else ""


def _indicators_relative(b: Build) -> pd.DataFrame:
    norm = b.result.normalised
    ref = b.spec.reference
    if ref is None or ref not in norm.index:
        return norm
    with np.errstate(divide="ignore", invalid="ignore"):
        out = norm / norm.loc[ref]
    return out.replace([np.inf, -np.inf], np.nan)


def _tree_order(spec: IndexSpec) -> list[str]:
    from aidi.specs.schema import iter_nodes

    return [n.id for n in iter_nodes(spec.root)]
