"""Why a score moved between two builds: an exact split into data, methodology and weights,
and within each part into named changes.

Two builds (two editions, two specs, one edition before and after a refresh) differ by a set of
named changes (`aidi.analysis.attribution_changes`): per dimension, the data of the indicators
both define the same way; per event, an indicator entering or leaving, a stand-in, a series
switch, a window change, a method; and the weights. Every score is a function v(S) of which
changes S have been switched from A to B, evaluated with the engine's own post-select steps
(`prepare`, `aggregate_tree`) on the units both builds have.

The change v(B) − v(A) is split by the Owen value — the Shapley value with the changes grouped
by part: each part gets the Shapley value of a three-player game (data, methodology, weights),
averaged over the 3! orders of switching the parts; within a part, each change gets the Shapley
value of the game among the part's changes, in each context of the other parts, averaged with
the same weights. So the parts sum to the total exactly and the changes of a part to the part
(up to rounding, ~1e-16); interactions are shared out, never left as a residual. A part with
more than `MAX_EXACT` changes is split by Shapley values estimated on seeded antithetic
permutations, which still sum exactly.

Scores are relative to the reference unit (reference = 1), as every output shows them.
`Attribution.check` reports how far the re-evaluated end points are from the two builds' own
scores (0 when the unit sets agree).

Two specs on the same data (the source's index as published beside the validity-driven one)
are a pair of builds like any other: every difference is a methodology or weights change,
including the spec's calibration (its fitted method parameters, switched as a whole). Swapping
A and B negates every part and every change's share (the sampled split draws the same
permutations of the same changes in both directions, and antithetic pairs make it exact).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from math import factorial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aidi.analysis.attribution_changes import (
    PARTS,
    Change,
    Side,
    by_dimension,
    check_cover,
    edition_year,
    find_changes,
    merge_changes,
)
from aidi.engine.pipeline import prepare, resolved_reference
from aidi.engine.tree import aggregate_tree, compile_tree, ranks
from aidi.errors import InputError
from aidi.progress import ATTRIBUTION, Progress, report
from aidi.specs.schema import IndexSpec, Indicator, Node, iter_nodes

if TYPE_CHECKING:
    from aidi.api import Build

__all__ = ["PARTS", "Attribution", "Change", "attribute", "build_changes", "diff",
           "merge_changes", "shapley"]

#: Largest number of changes in one part split by exact Shapley values (2ⁿ evaluations).
MAX_EXACT = 8
#: Antithetic permutation pairs for a part with more changes.
N_PERMUTATION_PAIRS = 24
_EMPTY = "empty--"


@dataclass(frozen=True)
class Attribution:
    """The split of every (unit, node) change.

    `frame` columns: iso3, node, score_a, score_b, change, data, methodology, weights, then
    `<part>:<change>` for each change of a part with more than one (data by dimension,
    methodology by event), rank_a, rank_b, check (change − the three parts, ~1e-16).
    `changes` describes each change; `values_a`/`values_b` are the selected indicator values
    of each build (what an event changed for an economy)."""

    frame: pd.DataFrame
    dimensions: tuple[str, ...]
    label_a: str = "A"
    label_b: str = "B"
    notes: tuple[str, ...] = ()
    check: float = 0.0          # max |re-evaluated end point − the build's own score|
    inner: str = "shapley"      # how parts are split by change: shapley | sampled | none
    units_dropped: tuple[str, ...] = field(default_factory=tuple)
    changes: tuple[Change, ...] = ()
    values_a: pd.DataFrame | None = None
    values_b: pd.DataFrame | None = None

    def largest(self, k: int = 10, node: str = "index") -> pd.DataFrame:
        """The k largest moves (by |change|) at `node`."""
        f = self.frame[self.frame["node"] == node]
        order = f["change"].abs().sort_values(ascending=False, kind="mergesort").index
        return f.reindex(order).head(k).reset_index(drop=True)

    def of(self, unit: str, node: str = "index") -> pd.Series:
        f = self.frame[(self.frame["iso3"] == unit) & (self.frame["node"] == node)]
        if f.empty:
            raise InputError(f"no attribution for {unit} at {node}; units: "
                             f"{', '.join(sorted(set(self.frame['iso3'])))}")
        return f.iloc[0]

    def events(self) -> pd.DataFrame:
        """One row per change: change, part, kind, indicators, detail, note."""
        return pd.DataFrame([c.record() for c in self.changes],
                            columns=["change", "part", "kind", "indicators", "detail", "note"])

    def by_change(self, unit: str, node: str = "index") -> pd.DataFrame:
        """What each change did for `unit` at `node`: the events table with the unit's
        selected value before and after (single-indicator changes) and the contribution."""
        row = self.of(unit, node)
        out = self.events()
        out.insert(0, "iso3", unit)
        out["value_a"] = [self._value(self.values_a, unit, c) for c in self.changes]
        out["value_b"] = [self._value(self.values_b, unit, c) for c in self.changes]
        out["contribution"] = [float(row[_column(c, self.changes)]) for c in self.changes]
        return out

    @staticmethod
    def _value(values: pd.DataFrame | None, unit: str, change: Change) -> float:
        cells = change.cells
        if values is None or len(cells) != 1 or cells[0] not in values.columns:
            return float("nan")
        return float(values.loc[unit, cells[0]]) if unit in values.index else float("nan")


def _column(change: Change, changes: Sequence[Change]) -> str:
    """The frame column of a change: its part when the part has only it, else part:name."""
    n = sum(c.part == change.part for c in changes)
    return change.part if n == 1 else f"{change.part}:{change.name}"


# ---- the evaluation of a state -------------------------------------------------------------------
@dataclass(frozen=True)
class _Evaluator:
    """Post-select steps (impute → treat → normalise → aggregate) on fixed units."""

    units: list[str]
    info: pd.DataFrame | None
    ref: int | None

    def __call__(self, x: np.ndarray, spec: IndexSpec) -> np.ndarray:
        spec = spec.model_copy(update={"screen": spec.screen.model_copy(
            update={"min_availability": 0.0})})
        ids = [i.id for i in spec.indicators()]
        prep = prepare(x, self.units, spec, self.info, with_log=False)
        tree = compile_tree(spec, ids)
        values = aggregate_tree(prep.normalised, tree, self.ref, units=self.units)
        agg = values[:, len(ids):]
        if self.ref is None:
            return agg
        with np.errstate(divide="ignore", invalid="ignore"):
            return agg / agg[self.ref]


class _States:
    """Specs and selected values of every mix of A and B (a bit per switched change)."""

    def __init__(self, spec_a: IndexSpec, spec_b: IndexSpec, xa: pd.DataFrame,
                 xb: pd.DataFrame, changes: Sequence[Change], evaluate: _Evaluator,
                 progress: Progress | None = None) -> None:
        self.spec_a, self.spec_b, self.changes = spec_a, spec_b, list(changes)
        self.inds = ({i.id: i for i in spec_a.indicators()}, {i.id: i for i in spec_b.indicators()})
        self.parents = (spec_a.parent_of(), spec_b.parent_of())
        self.weights = ({n.id: n.weight for n in iter_nodes(spec_a.root)},
                        {n.id: n.weight for n in iter_nodes(spec_b.root)})
        self.nodes_a = {n.id: n for n in spec_a.aggregates()}
        self.nodes_b = {n.id: n for n in spec_b.aggregates()}
        # each aggregate's children: B's in B's order, then indicators only A puts there
        self.children = {n.id: list(dict.fromkeys(
            [*(c.id for c in n.children),
             *(i for i, p in self.parents[0].items() if p == n.id and i not in self.nodes_b)]))
            for n in spec_b.aggregates()}
        self.owned = {i for c in changes for i in c.indicators}
        self.ids = list(dict.fromkeys([*xb.columns, *xa.columns]))
        self.xa = xa.reindex(columns=self.ids).to_numpy(dtype=float)
        self.xb = xb.reindex(columns=self.ids).to_numpy(dtype=float)
        self.col = {i: k for k, i in enumerate(self.ids)}
        self.evaluate = evaluate
        self.cache: dict[int, np.ndarray] = {}
        self.progress = progress

    def value(self, mask: int) -> np.ndarray:
        if mask not in self.cache:
            spec, x = self.state(mask)
            self.cache[mask] = self.evaluate(x, spec)
            report(self.progress, ATTRIBUTION, len(self.cache))
        return self.cache[mask]

    def state(self, mask: int) -> tuple[IndexSpec, np.ndarray]:
        on = [c for k, c in enumerate(self.changes) if (mask >> k) & 1]
        switched = {f: {x for c in on for x in getattr(c, f)}
                    for f in ("cells", "indicators", "nodes", "settings", "weights")}
        settings = switched["settings"]
        defaults = self.spec_a.defaults.model_copy(update={
            f: getattr(self.spec_b.defaults, f) for f in settings - {"calibration"}})
        root = self._node(self.spec_b.root, switched)
        # the calibration sets method fields of every indicator it targets: one side's whole
        calibration = (self.spec_b if "calibration" in settings else self.spec_a).calibration
        spec = self.spec_b.model_copy(update={"root": root, "defaults": defaults,
                                              "calibration": calibration})
        ids = [i.id for i in spec.indicators()]
        from_b = np.array([i in switched["cells"] for i in ids], dtype=bool)
        cols = [self.col.get(i, -1) for i in ids]
        xa = np.column_stack([self.xa[:, c] if c >= 0 else np.full(len(self.xa), np.nan)
                              for c in cols])
        xb = np.column_stack([self.xb[:, c] if c >= 0 else np.full(len(self.xb), np.nan)
                              for c in cols])
        return spec, np.where(from_b[None, :], xb, xa)

    def _node(self, nb: Node, on: dict[str, set[str]]) -> Node:
        src = nb if nb.id in on["nodes"] else self.nodes_a[nb.id]
        kids: list[Node | Indicator] = []
        for cid in self.children[nb.id]:
            if cid in self.nodes_b:
                kids.append(self._node(self.nodes_b[cid], on))
                continue
            side = 1 if (cid in on["indicators"] or cid not in self.owned) else 0
            ind = self.inds[side].get(cid)
            if ind is not None and self.parents[side].get(cid) == nb.id:
                kids.append(ind.model_copy(update={"weight": self._weight(cid, on)}))
        if not kids:  # every indicator of the node switched out: the node is a missing child
            kids = [Indicator(id=f"{_EMPTY}{nb.id}", name={"en": "none"}, series=_EMPTY)]
        return src.model_copy(update={"children": tuple(kids), "weight": self._weight(nb.id, on)})

    def _weight(self, node_id: str, on: dict[str, set[str]]) -> float:
        wa, wb = self.weights[0].get(node_id), self.weights[1].get(node_id)
        if wa is None or wb is None:
            return float(wb if wa is None else wa)
        return float(wb if node_id in on["weights"] else wa)


# ---- Shapley and Owen values ---------------------------------------------------------------------
def shapley_weights(n: int) -> np.ndarray:
    """Weight of a coalition of size s (not holding the player): s!(n−s−1)!/n!."""
    return np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])


def shapley(values: np.ndarray) -> np.ndarray:
    """Shapley values of n players from v over all 2ⁿ coalitions (`values[mask]`, bit i =
    player i switched; any trailing shape). Returns (n, *shape)."""
    size = values.shape[0]
    n = size.bit_length() - 1
    if 1 << n != size:
        raise ValueError(f"need 2ⁿ coalition values, got {size}")
    masks = np.arange(size)
    popcount = np.array([bin(m).count("1") for m in masks])
    w = shapley_weights(n) if n else np.zeros(0)
    out = np.zeros((n, *values.shape[1:]))
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        wt = w[popcount[without]].reshape(-1, *([1] * (values.ndim - 1)))
        out[i] = (wt * (values[without | (1 << i)] - values[without])).sum(axis=0)
    return out


def _bits(members: Sequence[int]) -> int:
    return sum(1 << k for k in members)


def _inner(group: Sequence[int], base: int, value: Callable[[int], np.ndarray],
           seed: int) -> tuple[np.ndarray, str]:
    """Each change's share of switching `group` on top of `base` (sums to the group's total).
    Sampled splits draw the same seeded permutations in every context (common random numbers):
    the context of the reverse game is the complement of a forward one, and its antithetic
    pairs are then the forward pairs reversed, so the reverse split is exactly the negative."""
    rng = np.random.default_rng(seed)
    k = len(group)
    if k <= MAX_EXACT:
        subsets = [base | _bits([group[i] for i in range(k) if (m >> i) & 1])
                   for m in range(1 << k)]
        return shapley(np.stack([value(s) for s in subsets])), "shapley"
    out = np.zeros((k, *value(base).shape))
    for _ in range(N_PERMUTATION_PAIRS):
        order = rng.permutation(k)
        for perm in (order, order[::-1]):           # antithetic pair
            mask, before = base, value(base)
            for i in perm:
                mask |= 1 << group[i]
                after = value(mask)
                out[i] += after - before
                before = after
    return out / (2 * N_PERMUTATION_PAIRS), "sampled"


def owen(groups: Sequence[Sequence[int]], value: Callable[[int], np.ndarray], *,
         split: bool = True, seed: int = 0) -> tuple[list[np.ndarray], dict[int, np.ndarray], str]:
    """(each group's part, each change's part when `split`, how groups were split): the Owen
    value of the game v over changes grouped into `groups`."""
    players = [list(g) for g in groups]
    m = len(players)
    w = shapley_weights(m) if m else np.zeros(0)
    zero = np.zeros_like(value(0))
    parts = [zero.copy() for _ in players]
    per: dict[int, np.ndarray] = {}
    how = "shapley"
    for gi, group in enumerate(players):
        others = [players[j] for j in range(m) if j != gi]
        for s in range(m):
            for coal in combinations(range(m - 1), s):
                base = _bits([k for j in coal for k in others[j]])
                total = value(base | _bits(group)) - value(base)
                parts[gi] = parts[gi] + w[s] * total
                if not split:
                    continue
                if len(group) == 1:
                    share, kind = total[None], "shapley"
                else:
                    share, kind = _inner(group, base, value, seed)
                how = "sampled" if kind == "sampled" else how
                for i, k in enumerate(group):
                    per[k] = per.get(k, zero) + w[s] * share[i]
    return parts, per, how if split else "none"


# ---- the decomposition ---------------------------------------------------------------------------
def build_changes(a: Build, b: Build) -> list[Change]:
    """Every difference between two builds as named changes (see attribution_changes)."""
    return find_changes(_side(a), _side(b), {**dimension_of(a.spec), **dimension_of(b.spec)})


def _side(build: Build) -> Side:
    return Side(build.spec, build.result.data, edition_year(build.spec, build.inputs.edition))


def dimension_of(spec: IndexSpec) -> dict[str, str]:
    """indicator → its dimension: the level-2 ancestor (the level-1 one in shallower trees)."""
    return {p[-1].id: (p[2] if len(p) > 3 else p[min(1, len(p) - 1)]).id
            for p in spec.iter_paths() if isinstance(p[-1], Indicator)}


def attribute(a: Build, b: Build, *, changes: Sequence[Change] | None = None,
              label_a: str = "A", label_b: str = "B", split: bool = True,
              seed: int = 0, progress: Progress | None = None) -> Attribution:
    """Split every (unit, node) change from build `a` to build `b` into data, methodology and
    weights, and each part into its changes (default: `build_changes(a, b)`; any regrouping
    of them by `merge_changes`). `split=False` computes the three parts only (8 evaluations);
    `progress` hears each mixed build evaluated.

    Two different specs (a spec pair, not two editions of one spec) are split by default with
    each dimension's indicator events merged (`by_dimension`), so no mix empties a dimension
    and every change's share is defined."""
    atoms = build_changes(a, b)
    if changes is None and a.spec.id != b.spec.id:
        changes = by_dimension(atoms, {**dimension_of(a.spec), **dimension_of(b.spec)})
    changes = list(atoms if changes is None else changes)
    check_cover(changes, atoms)
    units = [u for u in a.units if u in set(b.units)]
    if not units:
        raise InputError("the two builds share no unit")
    dropped = tuple(sorted(set(a.units) ^ set(b.units)))
    spec_a = resolved_reference(a.spec, a.observations)
    spec_b = resolved_reference(b.spec, b.observations)
    ref = units.index(spec_b.reference) if spec_b.reference in units else None
    info = b.inputs.unit_info.reindex(units) if b.inputs.unit_info is not None else None
    xa, xb = a.result.data.reindex(index=units), b.result.data.reindex(index=units)
    states = _States(spec_a, spec_b, xa, xb, changes, _Evaluator(units, info, ref), progress)
    # each part's changes in name order: the sampled split draws the same permutations of
    # the same changes from A to B as from B to A, so swapping the builds negates every part
    groups = [sorted((k for k, c in enumerate(changes) if c.part == p),
                     key=lambda k: changes[k].name) for p in PARTS]
    present = [g for g in groups if g]
    parts, per, how = owen(present, states.value, split=split, seed=seed)
    full = _bits(range(len(changes)))
    va, vb = states.value(0), states.value(full)
    cols = _node_index(spec_b)
    check = max(_end_check(va, a, units, cols), _end_check(vb, b, units, cols))
    by_part = {p: parts[present.index(g)] if g else np.zeros_like(va)
               for p, g in zip(PARTS, groups, strict=True)}
    frame = _frame(units, cols, va, vb, by_part, per, changes)
    return Attribution(frame, tuple(c.name for c in changes if c.part == "data"), label_a,
                       label_b, _notes(units, dropped, how), check, how, dropped,
                       tuple(changes), xa, xb)


def scores_with(build: Build, keep: Sequence[str]) -> pd.DataFrame:
    """The build's aggregate scores (relative to the reference) with only the indicators
    `keep`, each with its own selected values and the build's methods — a dimension left
    without indicators is a missing child. (The fixed-set series of a timeline.)"""
    spec = resolved_reference(build.spec, build.observations)
    units = list(build.units)
    ref = units.index(spec.reference) if spec.reference in units else None
    info = build.inputs.unit_info.reindex(units) if build.inputs.unit_info is not None else None
    kept = spec.model_copy(update={"root": _without(spec.root, set(spec_ids(spec)) - set(keep))})
    ids = spec_ids(kept)
    x = build.result.data.reindex(index=units, columns=ids).to_numpy(dtype=float)
    values = _Evaluator(units, info, ref)(x, kept)
    cols = _node_index(spec)
    return pd.DataFrame(values[:, list(cols.values())], index=units, columns=list(cols))


def spec_ids(spec: IndexSpec) -> list[str]:
    return [i.id for i in spec.indicators()]


def _without(node: Node, drop: set[str]) -> Node:
    """`node` with the indicators `drop` removed (an emptied aggregate keeps a placeholder)."""
    kids = [(_without(c, drop) if isinstance(c, Node) else c) for c in node.children
            if isinstance(c, Node) or c.id not in drop]
    if not kids:
        kids = [Indicator(id=f"{_EMPTY}{node.id}", name={"en": "none"}, series=_EMPTY)]
    return node.model_copy(update={"children": tuple(kids)})


def diff(a: Build, b: Build, *, label_a: str = "A", label_b: str = "B",
         changes: Sequence[Change] | None = None,
         progress: Progress | None = None) -> Attribution:
    """`attribute` under the name `aidi diff` and `Build.diff` use."""
    return attribute(a, b, changes=changes, label_a=label_a, label_b=label_b,
                     progress=progress)


def _notes(units: list[str], dropped: tuple[str, ...], how: str) -> tuple[str, ...]:
    notes = []
    if dropped:
        notes.append(f"compared on the {len(units)} units both builds have; not in both: "
                     f"{', '.join(dropped)}")
    if how == "sampled":
        notes.append(f"a part with more than {MAX_EXACT} changes is split by Shapley values "
                     f"estimated on {2 * N_PERMUTATION_PAIRS} seeded permutations (they still "
                     "sum to the part exactly)")
    return tuple(notes)


def _node_index(spec: IndexSpec) -> dict[str, int]:
    return {n.id: k for k, n in enumerate(compile_tree(
        spec, [i.id for i in spec.indicators()]).nodes)}


def _end_check(v: np.ndarray, build: Build, units: list[str], cols: dict[str, int]) -> float:
    own = build.relative().reindex(index=units)
    diffs = [np.nanmax(np.abs(v[:, cols[c]] - own[c].to_numpy(float)), initial=0.0)
             for c in own.columns if c in cols]
    return float(max(diffs, default=0.0))


def _frame(units: list[str], cols: dict[str, int], va: np.ndarray, vb: np.ndarray,
           parts: dict[str, np.ndarray], per: dict[int, np.ndarray],
           changes: Sequence[Change]) -> pd.DataFrame:
    """The long table, one row per (unit, aggregate node)."""
    ra, rb = ranks(va), ranks(vb)
    split = [(k, c) for k, c in enumerate(changes) if _column(c, changes) != c.part]
    rows = []
    for node, k in cols.items():
        rows.append(pd.DataFrame({
            "iso3": units, "node": node, "score_a": va[:, k], "score_b": vb[:, k],
            "change": vb[:, k] - va[:, k], **{p: parts[p][:, k] for p in PARTS},
            **{_column(c, changes): per[j][:, k] if j in per else np.nan for j, c in split},
            "rank_a": ra[:, k], "rank_b": rb[:, k]}))
    out = pd.concat(rows, ignore_index=True)
    out["check"] = out["change"] - out[list(PARTS)].sum(axis=1)
    return out
