"""Why two specs of the same index differ: an exact Shapley split over the spec differences.

The source's index as published (`cicc-2024`) and the validity-driven index (`aidi-2024`)
share the tree of pillars and dimensions and differ in a handful of definitions. Each
difference is a *player*, found by comparing the two specs, never named in code:

- `<dimension>`: a dimension (a child of a pillar) whose subtree differs — its indicators,
  their series, years, transforms, treatments, normalisations or weights, and its own weight;
- `defaults`: the spec-wide defaults (year window, imputation, treatment, normalisation);
- `calibration`: the calibrated parameters (their settings disappear with it);
- `aggregation`: the aggregation settings of the index and the pillars.

For every subset of the players a hybrid spec takes those from `B` and the rest from `A`; all
2ⁿ hybrids are evaluated on the same data and economies (the engine's select, prepare and
tree pass), and the change from `A` to `B` of each economy's index and pillars is split by the
Shapley value over the players (`aidi.analysis.attribution.shapley`). The parts sum to the
change exactly: an interaction between two differences is shared between them, never left as
a residual. Scores are relative to the reference unit, as every output shows them.

For the printed figures, `gap_reasons` adds what remains between `A` (the source as we read
it) and the printed value, in words — the spec's `published[].gap` text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aidi.analysis.attribution import shapley
from aidi.engine.pipeline import prepare, resolved_reference, select
from aidi.engine.tree import aggregate_tree, compile_tree
from aidi.errors import InputError
from aidi.specs.calibration import Calibration
from aidi.specs.schema import IndexSpec, Node

if TYPE_CHECKING:
    from aidi.api import Build

#: Shapley needs 2ⁿ hybrid builds: beyond this many differences the split is refused.
MAX_PLAYERS = 12


@dataclass(frozen=True)
class WhyWeDiffer:
    """`frame`: one row per (iso3, node) for the index and the pillars — score_a, score_b,
    difference (b − a), one `part:<player>` column per player (they sum to `difference`),
    check (difference − Σ parts). `printed`: one row per printed figure of `A` — iso3, node,
    printed, `a`, `b` (named by the specs' ids in `labels`), a_minus_printed, b_minus_a, the
    parts, and the reason for what remains between `A` and the print (en, zh)."""

    spec_a: str
    spec_b: str
    players: tuple[str, ...]
    frame: pd.DataFrame
    printed: pd.DataFrame
    check: float

    def parts(self, unit: str, node: str = "index") -> pd.Series:
        """The Shapley parts of one economy's change at `node`, largest first."""
        row = self.frame[(self.frame["iso3"] == unit) & (self.frame["node"] == node)]
        if row.empty:
            raise InputError(f"no split for {unit} at {node}")
        parts = row.iloc[0][[f"part:{p}" for p in self.players]].astype(float)
        parts.index = list(self.players)
        return parts.reindex(parts.abs().sort_values(ascending=False).index)


def players(a: IndexSpec, b: IndexSpec) -> list[str]:
    """The differences between two specs that share their pillars (module docstring)."""
    pillars_a, pillars_b = _pillars(a), _pillars(b)
    if [p.id for p in pillars_a] != [p.id for p in pillars_b]:
        raise InputError(f"specs {a.id} and {b.id} have different pillars; the split compares "
                         "dimension by dimension and needs the same index and pillars")
    out = []
    for pa, pb in zip(pillars_a, pillars_b, strict=True):
        if [c.id for c in pa.children] != [c.id for c in pb.children]:
            raise InputError(f"pillar {pa.id} has different dimensions in {a.id} and {b.id}")
        out += [ca.id for ca, cb in zip(pa.children, pb.children, strict=True)
                if _computed(ca) != _computed(cb)]
    if a.defaults != b.defaults:
        out.append("defaults")
    if a.calibration != b.calibration:
        out.append("calibration")
    if _aggregation(a) != _aggregation(b):
        out.append("aggregation")
    return out


#: Fields that name or describe a node but do not change any number of this edition.
_WORDS = frozenset({"name", "description", "unit", "note", "intensity", "edition_rule"})


def _computed(node: Node) -> object:
    """A node's subtree without its words: what decides its numbers."""
    def strip(x: object) -> object:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in _WORDS}
        if isinstance(x, list | tuple):
            items = [strip(v) for v in x]
            # children in any order give the same numbers; other sequences keep their order
            return sorted(items, key=repr) if items and all(isinstance(v, dict)
                                                            for v in items) else items
        return x
    return strip(node.model_dump())


def _pillars(spec: IndexSpec) -> list[Node]:
    return [c for c in spec.root.children if isinstance(c, Node)]


def _aggregation(spec: IndexSpec) -> list[object]:
    return [(n.id, n.aggregate, n.standardise, n.weight) for n in [spec.root, *_pillars(spec)]]


def hybrid(a: IndexSpec, b: IndexSpec, switched: set[str]) -> IndexSpec:
    """`a` with the players in `switched` taken from `b` (see `players`)."""
    dims_b = {c.id: c for p in _pillars(b) for c in p.children}
    agg_b = {n.id: n for n in [b.root, *_pillars(b)]}
    take_agg = "aggregation" in switched

    def pillar(p: Node) -> Node:
        kids = tuple(dims_b[c.id] if c.id in switched else c for c in p.children)
        upd: dict[str, object] = {"children": kids}
        if take_agg:
            src = agg_b[p.id]
            upd.update(aggregate=src.aggregate, standardise=src.standardise, weight=src.weight)
        return p.model_copy(update=upd)

    root = a.root.model_copy(update={"children": tuple(
        pillar(c) if isinstance(c, Node) else c for c in a.root.children)})
    if take_agg:
        root = root.model_copy(update={"aggregate": b.root.aggregate,
                                       "standardise": b.root.standardise})
    spec = a.model_copy(update={
        "root": root, "published": (), "statements": (),
        "defaults": b.defaults if "defaults" in switched else a.defaults})
    cal = b.calibration if "calibration" in switched else a.calibration
    return spec.model_copy(update={"calibration": _kept_calibration(cal, spec)})


def _kept_calibration(cal: Calibration | None, spec: IndexSpec) -> Calibration | None:
    """The calibration's parameters that still set something in `spec`."""
    if cal is None:
        return None
    ids = {i.id for i in spec.indicators()}
    params = []
    for p in cal.parameters:
        targets = tuple(t for t in p.targets if t.indicators == "all" or
                        any(i in ids for i in t.indicators))
        if targets:
            params.append(p.model_copy(update={"targets": targets}))
    return cal.model_copy(update={"parameters": tuple(params)}) if params else None


class _Values:
    """Relative scores of the index and pillars for any hybrid, on fixed data and units."""

    def __init__(self, observations: pd.DataFrame, units: list[str], ref: str | None):
        self.obs = observations
        self.units = units
        self.ref = units.index(ref) if ref in units else None
        self.cache: dict[tuple[object, ...], np.ndarray] = {}

    def seed(self, build: Build, units: list[str]) -> None:
        """Reuse a build's own selected values (the same select step on the same data)."""
        data = build.result.data.reindex(index=units)
        for ind in build.spec.indicators():
            key = (ind.series, ind.transform, build.spec.effective_years(ind))
            self.cache.setdefault(key, data[ind.id].to_numpy(dtype=float))

    def columns(self, spec: IndexSpec) -> np.ndarray:
        """Selected values, indicator by indicator, cached by what selects them."""
        cols = []
        for ind in spec.indicators():
            key = (ind.series, ind.transform, spec.effective_years(ind))
            if key not in self.cache:
                one = spec.model_copy(update={"root": Node(
                    id="r", name=spec.root.name, children=(ind,))})
                self.cache[key] = select(one, self.obs, self.units).data.iloc[:, 0].to_numpy(
                    dtype=float)
            cols.append(self.cache[key])
        return np.column_stack(cols)

    def __call__(self, spec: IndexSpec, nodes: list[str]) -> np.ndarray:
        ids = [i.id for i in spec.indicators()]
        flat = spec.model_copy(update={"screen": spec.screen.model_copy(
            update={"min_availability": 0.0})})
        prep = prepare(self.columns(spec), self.units, flat, None, with_log=False)
        tree = compile_tree(flat, ids)
        values = aggregate_tree(prep.normalised, tree, self.ref)
        cols = [tree.col(n) for n in nodes]
        out = values[:, cols]
        if self.ref is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = out / out[self.ref]
        return out


def why_we_differ(a: Build, b: Build) -> WhyWeDiffer:
    """Split every economy's change from build `a` to build `b` (index and pillars) over the
    differences between their specs (module docstring); `a`'s printed figures get their
    gap to `a` in words."""
    spec_a = resolved_reference(a.spec, a.observations)
    spec_b = resolved_reference(b.spec, b.observations)
    if spec_a.reference != spec_b.reference:
        raise InputError("the two specs have different reference units")
    names = players(spec_a, spec_b)
    if len(names) > MAX_PLAYERS:
        raise InputError(f"{len(names)} differences: a Shapley split needs 2^{len(names)} "
                         f"builds; at most {MAX_PLAYERS} are supported")
    units = [u for u in b.units if u in set(a.units)]
    nodes = [spec_b.root.id, *[p.id for p in _pillars(spec_b)]]
    evaluate = _Values(b.observations, units, spec_b.reference)
    evaluate.seed(a, units)
    evaluate.seed(b, units)
    states = np.stack([evaluate(hybrid(spec_a, spec_b,
                                       {p for i, p in enumerate(names) if (m >> i) & 1}), nodes)
                       for m in range(1 << len(names))])
    parts = shapley(states)
    va, vb = states[0], states[-1]
    frame = _frame(units, nodes, va, vb, parts, names)
    check = max(_end_check(va, a, units, nodes), _end_check(vb, b, units, nodes))
    printed = _printed(spec_a, frame, names)
    return WhyWeDiffer(spec_a.id, spec_b.id, tuple(names), frame, printed, check)


def _frame(units: list[str], nodes: list[str], va: np.ndarray, vb: np.ndarray,
           parts: np.ndarray, names: list[str]) -> pd.DataFrame:
    rows = []
    for k, node in enumerate(nodes):
        f = pd.DataFrame({"iso3": units, "node": node, "score_a": va[:, k],
                          "score_b": vb[:, k], "difference": vb[:, k] - va[:, k],
                          **{f"part:{p}": parts[i][:, k] for i, p in enumerate(names)}})
        rows.append(f)
    out = pd.concat(rows, ignore_index=True)
    out["check"] = out["difference"] - out[[f"part:{p}" for p in names]].sum(axis=1)
    return out


def _end_check(v: np.ndarray, build: Build, units: list[str], nodes: list[str]) -> float:
    """How far the re-evaluated end point is from the build's own scores (0 = the same)."""
    own = build.relative().reindex(index=units)
    diffs = [np.nanmax(np.abs(v[:, k] - own[n].to_numpy(float)), initial=0.0)
             for k, n in enumerate(nodes) if n in own]
    return float(max(diffs, default=0.0))


def _printed(spec_a: IndexSpec, frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The printed figures of `A` (not the reference's 1s) beside both specs and the split."""
    rows = []
    keyed = frame.set_index(["iso3", "node"])
    for pub in spec_a.published:
        if pub.unit == spec_a.reference or (pub.unit, pub.node) not in keyed.index:
            continue
        r = keyed.loc[(pub.unit, pub.node)]
        rows.append({"iso3": pub.unit, "node": pub.node, "printed": pub.value,
                     "kind": "implied" if pub.note.lower().startswith("implied") else "printed",
                     "a": r["score_a"], "b": r["score_b"],
                     "a_minus_printed": r["score_a"] - pub.value,
                     "b_minus_a": r["difference"],
                     **{f"part:{p}": r[f"part:{p}"] for p in names},
                     "gap_reason": pub.gap.en if pub.gap else "",
                     "gap_reason_zh": pub.gap.get("zh") if pub.gap else ""})
    return pd.DataFrame(rows)
