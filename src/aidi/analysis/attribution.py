"""Why a score moved between two builds: an exact Shapley split into data, methodology, weights.

Two builds (two editions, two specs, one edition before and after a refresh) differ in three
change sets, and every score is a function v(D, M, W) of them:

- **data** (D): the observations and which of them each indicator reads — its series, year
  rule, and the transform that belongs to a replaced series (an edition's window and stand-ins
  are data: they say which numbers go in);
- **methodology** (M): every other spec step — transforms of the same series, imputation,
  outlier treatment, normalisation, aggregation methods, standardisation, the tree;
- **weights** (W): every node's weight within its parent.

The change v(B) − v(A) is split by the Shapley value over the three sets: each part is the
average, over the 3! orders of switching the sets from A to B, of the change that switching it
makes. The parts sum to the total exactly (up to rounding, ~1e-16): any interaction is shared
out, never left as a residual.

Within data, the split by dimension (the tree's level-2 nodes; the indicator's own top-level
node in shallower trees) is a Shapley value too, nested: in each of the four contexts in which
data is switched (M, W each at A or B), the data change is split by a Shapley value over the
dimensions — a hybrid takes the selected values of the switched dimensions' indicators from B,
the others from A — and the context splits are averaged with the outer Shapley weights (1/3,
1/6, 1/6, 1/3). So the dimension parts sum to the data part exactly. With more than
`MAX_SHAPLEY_GROUPS` dimensions the inner split is sequential (tree order) instead.

Scores are relative to the reference unit (reference = 1), as every output shows them. Both
builds are re-evaluated on the units they share, after the select step, with the engine's own
`prepare` and `aggregate_tree`; `Attribution.check` reports how far the re-evaluated end points
are from the two builds' own scores (0 when the unit sets agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from math import factorial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aidi.engine.pipeline import prepare, resolved_reference
from aidi.engine.select import MissingSeriesError, apply_year_rule, transformed_panel
from aidi.engine.tree import aggregate_tree, compile_tree, ranks
from aidi.errors import InputError
from aidi.progress import ATTRIBUTION, Progress, track
from aidi.specs.schema import IndexSpec, Indicator, Node, iter_nodes

if TYPE_CHECKING:
    from aidi.api import Build

PARTS = ("data", "methodology", "weights")
MAX_SHAPLEY_GROUPS = 12


@dataclass(frozen=True)
class Attribution:
    """The split of every (unit, node) change. `frame` columns: iso3, node, score_a, score_b,
    change, data, methodology, weights, `data:<dimension>` for each dimension, rank_a,
    rank_b, check (change − the three parts, ~1e-16)."""

    frame: pd.DataFrame
    dimensions: tuple[str, ...]
    label_a: str = "A"
    label_b: str = "B"
    notes: tuple[str, ...] = ()
    check: float = 0.0          # max |re-evaluated end point − the build's own score|
    inner: str = "shapley"      # how data is split by dimension: shapley | sequential
    units_dropped: tuple[str, ...] = field(default_factory=tuple)

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


# ---- the three change sets ----------------------------------------------------------------------
def compose(d: IndexSpec, m: IndexSpec, w: IndexSpec) -> IndexSpec:
    """The spec with methodology from `m`, data selection (series, year rule, and the transform
    of a replaced series) from `d`, and weights from `w` — for nodes the other spec has."""
    d_inds = {i.id: i for i in d.indicators()}
    weights = {n.id: n.weight for n in iter_nodes(w.root)}

    def fix(node: Node | Indicator) -> Node | Indicator:
        upd: dict[str, object] = {}
        if node.id in weights:
            upd["weight"] = weights[node.id]
        if isinstance(node, Node):
            upd["children"] = tuple(fix(c) for c in node.children)
        elif node.id in d_inds:
            di = d_inds[node.id]
            upd["years"] = d.effective_years(di)
            if di.series != node.series:
                upd["series"], upd["transform"] = di.series, di.transform
        return node.model_copy(update=upd)

    return m.model_copy(update={"root": fix(m.root), "edition": d.edition})


def dimension_of(spec: IndexSpec) -> dict[str, str]:
    """indicator → its dimension: the level-2 ancestor (the level-1 one in shallower trees)."""
    out: dict[str, str] = {}

    def walk(n: Node | Indicator, path: tuple[str, ...]) -> None:
        path = (*path, n.id)
        if isinstance(n, Node):
            for c in n.children:
                walk(c, path)
        else:
            out[n.id] = path[2] if len(path) > 3 else path[min(1, len(path) - 1)]

    walk(spec.root, ())
    return out


def select_values(spec: IndexSpec, observations: pd.DataFrame, units: list[str]) -> np.ndarray:
    """Indicator values after transform and year rule (units × indicators), NaN for a series
    the data lacks — the pipeline's select step for one spec × data pairing."""
    inds = spec.indicators()
    out = np.full((len(units), len(inds)), np.nan)
    for j, ind in enumerate(inds):
        try:
            trans, num, den = transformed_panel(observations, ind.series, ind.transform, units)
        except MissingSeriesError:
            continue
        out[:, j] = apply_year_rule(trans, num, den, spec.effective_years(ind)).value.to_numpy()
    return out


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


# ---- Shapley values ------------------------------------------------------------------------------
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


def sequential(values_along: np.ndarray) -> np.ndarray:
    """One-at-a-time split along a path of n + 1 states: part i = v(i+1) − v(i)."""
    return np.diff(values_along, axis=0)


# ---- the decomposition ---------------------------------------------------------------------------
def diff(a: Build, b: Build, *, label_a: str = "A", label_b: str = "B",
         progress: Progress | None = None) -> Attribution:
    """Split every (unit, node) change from build `a` to build `b` (see the module docstring);
    `progress` hears the hybrid builds evaluated."""
    spec_a, spec_b = a.spec, b.spec
    if spec_a.reference != spec_b.reference:
        raise InputError(f"the builds have different reference units ({spec_a.reference} and "
                         f"{spec_b.reference}); scores relative to them cannot be compared")
    units = [u for u in a.units if u in set(b.units)]
    if not units:
        raise InputError("the two builds share no unit")
    dropped = tuple(sorted(set(a.units) ^ set(b.units)))
    nodes_a = [n.id for n in a.spec.aggregates()]
    if nodes_a != [n.id for n in b.spec.aggregates()]:
        raise InputError("the two specs have different trees of aggregates; the attribution "
                         "compares node by node, so both need the same index, pillars and "
                         "dimensions (indicators may differ)")
    spec_a = resolved_reference(spec_a, a.observations)
    spec_b = resolved_reference(spec_b, b.observations)
    ref = units.index(spec_b.reference) if spec_b.reference in units else None
    info = b.inputs.unit_info.reindex(units) if b.inputs.unit_info is not None else None
    evaluate = _Evaluator(units, info, ref)

    specs = {"A": spec_a, "B": spec_b}
    obs = {"A": a.observations, "B": b.observations}
    own = {"A": a, "B": b}
    group_of = {**dimension_of(spec_a), **dimension_of(spec_b)}
    groups = _ordered_groups(spec_b, spec_a)
    k = len(groups)
    inner = "shapley" if k <= MAX_SHAPLEY_GROUPS else "sequential"

    selected: dict[tuple[str, str], np.ndarray] = {}

    def x(dk: str, mk: str) -> np.ndarray:
        if (dk, mk) not in selected:
            composed = compose(specs[dk], specs[mk], specs[mk])
            if _same_selection(composed, own[dk].spec):
                frame = own[dk].result.data.reindex(index=units)
                selected[(dk, mk)] = frame[[i.id for i in composed.indicators()]].to_numpy(float)
            else:
                selected[(dk, mk)] = select_values(composed, obs[dk], units)
        return selected[(dk, mk)]

    corner: dict[tuple[str, str, str], np.ndarray] = {}
    data_by_group: dict[tuple[str, str], np.ndarray] = {}
    n_evaluations = 4 * (2 ** k if inner == "shapley" else k + 1)
    done = 0
    for mk in ("A", "B"):
        ind_ids = [i.id for i in specs[mk].indicators()]
        gcols = [np.array([group_of.get(i) == g for i in ind_ids]) for g in groups]
        xa, xb = x("A", mk), x("B", mk)
        for wk in ("A", "B"):
            post_spec = compose(specs["A"], specs[mk], specs[wk])
            states = _hybrids(xa, xb, gcols, inner)
            vals = np.stack([evaluate(s, post_spec) for s in
                             track(states, progress, ATTRIBUTION, n_evaluations, done)])
            done += len(vals)
            corner[("A", mk, wk)], corner[("B", mk, wk)] = vals[0], vals[-1]
            data_by_group[(mk, wk)] = shapley(vals) if inner == "shapley" else sequential(vals)

    cols = _node_index(spec_b)
    parts, by_group = _outer(corner, data_by_group)
    va, vb = corner[("A", "A", "A")], corner[("B", "B", "B")]
    check = max(_end_check(va, a, units, cols), _end_check(vb, b, units, cols))
    frame = _frame(units, cols, va, vb, parts, by_group, groups)
    notes = []
    if dropped:
        notes.append(f"compared on the {len(units)} units both builds have; not in both: "
                     f"{', '.join(dropped)}")
    if inner == "sequential":
        notes.append(f"{k} dimensions: data split by dimension sequentially (tree order)")
    return Attribution(frame, tuple(groups), label_a, label_b, tuple(notes), check, inner,
                       dropped)


def _ordered_groups(*specs: IndexSpec) -> list[str]:
    out: list[str] = []
    for spec in specs:
        for g in dimension_of(spec).values():
            if g not in out:
                out.append(g)
    return out


def _same_selection(x: IndexSpec, y: IndexSpec) -> bool:
    """Whether two specs select the same values (same indicators, series, years, transforms)."""
    def key(s: IndexSpec) -> list[tuple[object, ...]]:
        return [(i.id, i.series, s.effective_years(i), i.transform) for i in s.indicators()]
    return key(x) == key(y)


def _hybrids(xa: np.ndarray, xb: np.ndarray, gcols: list[np.ndarray], inner: str
             ) -> list[np.ndarray]:
    """Selected data with some dimensions from B: every subset (bit i = dimension i) for a
    Shapley split, or the path switching one more dimension at a time."""
    k = len(gcols)
    if inner == "shapley":
        masks = range(1 << k)
        chosen = [[i for i in range(k) if (m >> i) & 1] for m in masks]
    else:
        chosen = [list(range(j)) for j in range(k + 1)]
    out = []
    for sel in chosen:
        cols = np.zeros(xa.shape[1], dtype=bool)
        for i in sel:
            cols |= gcols[i]
        out.append(np.where(cols[None, :], xb, xa))
    out[-1] = xb  # every dimension switched is B itself
    return out


def _outer(corner: dict[tuple[str, str, str], np.ndarray],
           inner: dict[tuple[str, str], np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Shapley over (data, methodology, weights) from the 8 corners, and the data part by
    dimension averaged over data's four contexts with the same weights."""
    w = shapley_weights(3)
    players = {"data": 0, "methodology": 1, "weights": 2}
    parts = {p: np.zeros_like(corner[("A", "A", "A")]) for p in PARTS}
    by_group = np.zeros_like(next(iter(inner.values())))
    for name, i in players.items():
        others = [j for j in range(3) if j != i]
        for s in range(3):
            for coal in combinations(others, s):
                state = ["A", "A", "A"]
                for j in coal:
                    state[j] = "B"
                before = tuple(state)
                state[i] = "B"
                after = tuple(state)
                parts[name] = parts[name] + w[s] * (corner[after] - corner[before])
                if name == "data":
                    by_group = by_group + w[s] * inner[(before[1], before[2])]
    return parts, by_group


def _node_index(spec: IndexSpec) -> dict[str, int]:
    return {n.id: k for k, n in enumerate(compile_tree(
        spec, [i.id for i in spec.indicators()]).nodes)}


def _end_check(v: np.ndarray, build: Build, units: list[str], cols: dict[str, int]) -> float:
    own = build.relative().reindex(index=units)
    diffs = [np.nanmax(np.abs(v[:, cols[c]] - own[c].to_numpy(float)), initial=0.0)
             for c in own.columns if c in cols]
    return float(max(diffs, default=0.0))


def _frame(units: list[str], cols: dict[str, int], va: np.ndarray, vb: np.ndarray,
           parts: dict[str, np.ndarray], by_group: np.ndarray, groups: list[str]
           ) -> pd.DataFrame:
    """The long table, one row per (unit, aggregate node)."""
    ra, rb = ranks(va), ranks(vb)
    rows = []
    for node, k in cols.items():
        frame = pd.DataFrame({
            "iso3": units, "node": node, "score_a": va[:, k], "score_b": vb[:, k],
            "change": vb[:, k] - va[:, k],
            **{p: parts[p][:, k] for p in PARTS},
            **{f"data:{g}": by_group[i][:, k] for i, g in enumerate(groups)},
            "rank_a": ra[:, k], "rank_b": rb[:, k]})
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    out["check"] = out["change"] - out[list(PARTS)].sum(axis=1)
    return out
