"""Weighting methods: pure functions that turn data or expert judgements into weights.

COINr's (`get_PCA`, `get_opt_weights`, `get_eff_weights`), followed line by line, and the
ones COINr lacks: entropy, Benefit-of-the-Doubt (a linear programme per unit, with bounds on
each indicator's share), budget allocation and AHP from a table of expert inputs (with Saaty's
consistency ratio). A weight set is a name and a mapping node id → weight (relative within its
parent, as iMeta's `Weight`); `apply_weights` makes the spec that uses it, `tree_weights` the
per-node arrays `aidi.engine.tree.aggregate_tree(weights=...)` takes — which is how the
uncertainty analysis varies weights without rebuilding anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from aidi.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from aidi.engine.tree import CompiledTree
    from aidi.specs.schema import IndexSpec

Array = np.ndarray


@dataclass(frozen=True)
class WeightSet:
    """A named set of weights: node id → weight, relative within the node's parent."""

    name: str
    weights: Mapping[str, float] = field(default_factory=dict)
    note: str = ""


def equal_weights(n: int) -> Array:
    """1/n each: the default when nothing argues for a difference."""
    if n < 1:
        raise ValueError("need at least one weight")
    return np.full(n, 1.0 / n)


def apply_weights(spec: IndexSpec, weights: WeightSet | Mapping[str, float]) -> IndexSpec:
    """A copy of `spec` whose nodes carry `weights` (ids not named keep theirs)."""
    w = weights.weights if isinstance(weights, WeightSet) else weights
    ids = {n.id for n in spec.iter_nodes()}
    unknown = sorted(set(w) - ids)
    if unknown:
        raise KeyError(f"weights name unknown node(s) {unknown}")
    bad = {k: v for k, v in w.items() if not (np.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"weights must be finite and >= 0: {bad}")

    return spec.map_nodes(lambda n: n.model_copy(update={"weight": float(w[n.id])})
                          if n.id in w else n)


def tree_weights(tree: CompiledTree, weights: WeightSet | Mapping[str, float]
                 ) -> dict[str, Array]:
    """Per-node child-weight arrays for `aggregate_tree(weights=...)` from a weight set."""
    w = weights.weights if isinstance(weights, WeightSet) else weights
    return {n.id: np.array([w.get(c, n.weights[i]) for i, c in enumerate(n.children)])
            for n in tree.nodes}


def effective_weights(tree: CompiledTree) -> dict[str, float]:
    """COINr `get_eff_weights`: each node's weight within its parent (rescaled to sum to 1)
    times its parent's effective weight, down from the index (= 1). An indicator's effective
    weight is its share of the index under the arithmetic mean; the indicators' sum to 1."""
    out = {tree.root: 1.0}
    for node in reversed(tree.nodes):  # root first: parents before children
        total = node.weights.sum()
        for c, w in zip(node.children, node.weights, strict=True):
            out[c] = out[node.id] * (w / total if total > 0 else 0.0)
    return out


# ============================================================================ data-driven

def pca_weights(x: Array, groups: Sequence[object] | None = None) -> Array:
    """COINr `get_PCA(..., weights_to = ...)`: the loadings of the first principal component.

    Per group of columns (`groups[j]` = the parent of column j; COINr's `by_groups = TRUE`) or
    over all columns: rows with any missing value are dropped (COINr `na.omit`, with a
    warning there), columns centred and scaled (`prcomp(center = TRUE, scale = TRUE)`), and
    PC1's unit-length loading vector is the weight vector — not rescaled, possibly with
    negative entries, as in COINr. PCA's sign is arbitrary (R's follows LAPACK); aidi picks the
    one with a positive sum so the result is deterministic.
    """
    x = np.asarray(x, dtype=float)
    labels = np.zeros(x.shape[1], dtype=int) if groups is None else np.asarray(groups,
                                                                              dtype=object)
    out = np.full(x.shape[1], np.nan)
    for g in dict.fromkeys(labels.tolist()):
        cols = np.flatnonzero(labels == g)
        sub = x[:, cols]
        sub = sub[~np.isnan(sub).any(axis=1)]
        if sub.shape[0] < 2:
            raise ValueError(f"PCA of group {g!r} needs at least two complete rows")
        sd = sub.std(axis=0, ddof=1)
        if np.any(sd == 0):
            raise ValueError(f"PCA of group {g!r}: a column is constant (prcomp cannot scale it)")
        z = (sub - sub.mean(axis=0)) / sd
        v = np.linalg.svd(z, full_matrices=False)[2][0]
        out[cols] = v if v.sum() >= 0 else -v
    return out


def _corr(a: Array, b: Array, cortype: str) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    if cortype == "pearson":
        return float(np.corrcoef(a, b)[0, 1])
    from scipy import stats

    if cortype == "spearman":
        return float(stats.spearmanr(a, b)[0])
    if cortype == "kendall":
        return float(stats.kendalltau(a, b)[0])
    raise ValueError("cortype must be pearson, spearman or kendall")


@dataclass(frozen=True)
class OptResult:
    weights: Array        # sum to 1, each ≥ 0 (on the simplex)
    correlations: Array   # of each component with the index at the optimum (balance: / sum)
    objective: float
    converged: bool       # the optimiser met its tolerance within maxiter
    iterations: int
    target_gap: float = float("nan")  # balance: max |itarg − r/Σr| at the optimum
    message: str = ""


def _target(itarg: Array | str | None, k: int) -> Array:
    if itarg is None:
        raise ValueError("optype 'balance' needs itarg (target importances or 'equal')")
    t = np.ones(k) if isinstance(itarg, str) and itarg == "equal" else \
        np.asarray(itarg, dtype=float)
    if t.shape != (k,) or np.any(t < 0) or t.sum() <= 0:
        raise ValueError(f"itarg needs {k} non-negative values, one per component")
    return t / t.sum()


def opt_weights(components: Array, index_of: Callable[[Array], Array], w0: Array,
                itarg: Array | Literal["equal"] | None = None,
                optype: Literal["balance", "infomax"] = "balance",
                cortype: str = "pearson", toler: float = 0.1,
                maxiter: int = 500) -> OptResult:
    """COINr `get_opt_weights`: weights of one level chosen for the components' correlations
    with the index, constrained to the simplex (each weight ≥ 0, sum 1).

    `components` (units × k) are the level's values, `index_of(w)` the index recomputed with
    weights `w` at that level. `balance` minimises log(mean((itarg − r/Σr)²)) — the normalised
    correlations r match the target importances `itarg` (rescaled to sum 1), starting from
    itarg; `infomax` maximises Σr, starting from `w0`. COINr runs R's unconstrained
    Nelder–Mead on w/Σw, which can step to negative weights (with itarg = c(1, 2) on ASEM's
    level 3 it returns −0.10 and 1.10); aidi optimises w = softmax(z) with L-BFGS-B (scipy),
    so every result is a valid weight set (aidi's aggregators refuse negative weights). `converged` says whether the optimiser
    met its tolerance (`toler`, relative change of the objective, as COINr's `reltol`) within
    `maxiter` iterations; `target_gap` how far the balance is from the target — a target that
    needs a negative weight is out of reach on the simplex, and the message says so.
    """
    from scipy.optimize import minimize

    comps = np.asarray(components, dtype=float)
    k = comps.shape[1]
    if optype not in ("balance", "infomax"):
        raise ValueError("optype must be 'balance' or 'infomax'")
    t = _target(itarg, k) if optype == "balance" else None
    start = t.copy() if t is not None else np.asarray(w0, dtype=float) / np.sum(w0)

    def corrs(w: Array) -> Array:
        idx = index_of(w / w.sum())
        return np.array([_corr(comps[:, j], idx, cortype) for j in range(k)])

    def objective(w: Array) -> float:
        if not w.sum() > 0:
            return float("inf")
        r = corrs(w)
        if t is not None:
            mse = np.sum((t - r / r.sum()) ** 2) / k
            return float(np.log(max(mse, np.finfo(float).tiny)))  # exact balance: finite
        return float(-np.sum(r))

    def softmax(z: Array) -> Array:
        e = np.exp(z - z.max())
        return e / e.sum()

    def smooth(z: Array) -> float:
        """What L-BFGS-B minimises: the mean squared gap itself (log(mse) is COINr's
        reported objective, same minimiser, but not smooth near an exact balance)."""
        w = softmax(z)
        if t is None:
            return objective(w)
        r = corrs(w)
        return float(np.sum((t - r / r.sum()) ** 2) / k)

    res = minimize(smooth, np.log(np.clip(start, 1e-12, None)), method="L-BFGS-B",
                   options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-12})
    w = softmax(res.x)
    r = corrs(w)
    shown = r / r.sum() if t is not None else r
    gap = float(np.max(np.abs(t - shown))) if t is not None else float("nan")
    msg = "converged" if res.success else f"did not converge in {maxiter} iterations: " \
        f"{res.message}"
    if t is not None and gap > toler:
        msg += (f"; the normalised correlations stay {gap:.3g} from the target (more than "
                f"toler = {toler:g}): the target is out of reach with non-negative weights")
    ok = bool(res.success) or (t is not None and gap <= toler * 1e-3)
    if ok and not res.success:
        msg = "converged (the target is met exactly)"
    return OptResult(w, shown, objective(w), ok, int(res.nit), gap, msg)


def opt_weights_tree(normalised: Array, tree: CompiledTree, level: Sequence[str],
                     **kwargs: Any) -> OptResult:
    """`opt_weights` for a COINr Level of the tree: `level` lists its node ids (children of
    one or several parents); the index is re-aggregated with each trial weight vector."""
    from aidi.engine.tree import aggregate_tree

    base = aggregate_tree(normalised, tree)
    cols = [tree.col(c) for c in level]
    where = [(n, i) for c in level for n in tree.nodes for i, k in enumerate(n.children) if k == c]
    if len(where) != len(level):
        raise ValueError("every level id must be a child of an aggregate")
    w0 = np.array([n.weights[i] for n, i in where], dtype=float)
    root = tree.col(tree.root)

    def index_of(w: Array) -> Array:
        over = {n.id: n.weights.astype(float).copy() for n, _ in where}
        for (n, i), wi in zip(where, w, strict=True):
            over[n.id][i] = wi
        return aggregate_tree(normalised, tree, weights=over)[..., root]

    return opt_weights(base[:, cols], index_of, w0, **kwargs)


def entropy_weights(x: Array) -> Array:
    """Shannon-entropy weights (not in COINr): an indicator whose values are spread evenly
    over the units carries little information and gets a small weight.

    pᵢⱼ = xᵢⱼ / Σᵢ xᵢⱼ, eⱼ = −Σᵢ pᵢⱼ ln pᵢⱼ / ln n (n units with a value), wⱼ ∝ 1 − eⱼ. Needs
    non-negative values (normalise first, e.g. min–max); missing values are left out.
    """
    x = np.asarray(x, dtype=float)
    if np.nanmin(x) < 0:
        raise InputError("entropy weights need non-negative values (normalise first)")
    n = np.sum(~np.isnan(x), axis=0)
    if np.any(n < 2):
        raise ValueError("entropy weights need at least two values per indicator")
    p = x / np.nansum(x, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -np.nansum(plogp, axis=0) / np.log(n)
    d = 1.0 - e
    return d / d.sum() if d.sum() > 0 else equal_weights(x.shape[1])


@dataclass(frozen=True)
class BoDResult:
    scores: Array    # per unit, in [0, 1]; 1 = on the frontier
    weights: Array   # (units × indicators): each unit's own most favourable weights


def bod_weights(x: Array, lower: Array | float | None = None,
                upper: Array | float | None = None) -> BoDResult:
    """Benefit of the Doubt (not in COINr): each unit gets the weights that show it best.

    For unit i: maximise Σⱼ wⱼ xᵢⱼ subject to Σⱼ wⱼ xₖⱼ ≤ 1 for every unit k and w ≥ 0, plus
    optional bounds on indicator j's share of unit i's score, lowerⱼ ≤ wⱼ xᵢⱼ / Σₘ wₘ xᵢₘ ≤
    upperⱼ (without them a unit can put all weight on its best indicator). One linear
    programme per unit (scipy's HiGHS). Needs non-negative values and no missing ones.
    """
    from scipy.optimize import linprog

    x = np.asarray(x, dtype=float)
    if np.isnan(x).any():
        raise ValueError("Benefit of the Doubt needs complete data (impute first)")
    if x.min() < 0:
        raise InputError("Benefit of the Doubt needs non-negative values (normalise first)")
    n, k = x.shape
    lo = None if lower is None else np.broadcast_to(np.asarray(lower, dtype=float), (k,))
    hi = None if upper is None else np.broadcast_to(np.asarray(upper, dtype=float), (k,))
    if lo is not None and lo.sum() > 1 + 1e-12:
        raise ValueError("lower share bounds sum to more than 1: infeasible")
    if hi is not None and hi.sum() < 1 - 1e-12:
        raise ValueError("upper share bounds sum to less than 1: infeasible")
    scores, weights = np.empty(n), np.empty((n, k))
    eye = np.eye(k)
    for i in range(n):  # one small LP per unit; not a hot path
        rows, rhs = [x], [np.ones(n)]
        if lo is not None:
            rows.append(lo[:, None] * x[i][None, :] - eye * x[i])
            rhs.append(np.zeros(k))
        if hi is not None:
            rows.append(eye * x[i] - hi[:, None] * x[i][None, :])
            rhs.append(np.zeros(k))
        res = linprog(-x[i], A_ub=np.vstack(rows), b_ub=np.concatenate(rhs),
                      bounds=[(0, None)] * k, method="highs")
        if res.status != 0:
            raise ValueError(f"Benefit of the Doubt for unit {i}: {res.message}")
        weights[i], scores[i] = res.x, -res.fun
    return BoDResult(scores, weights)


# ============================================================================ expert inputs

def budget_weights(points: Array | pd.DataFrame) -> Array:
    """Budget allocation (not in COINr): each expert spreads a budget (say 100 points) over the
    indicators; the weights are the mean over experts of each one's shares. Rows = experts,
    columns = indicators; an expert's row is rescaled to sum 1 so budgets need not match."""
    p = np.asarray(points, dtype=float)
    if p.ndim != 2 or np.isnan(p).any() or p.min() < 0:
        raise InputError("budget allocation needs an experts × indicators table of points ≥ 0")
    total = p.sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("an expert allocated no points")
    return (p / total).mean(axis=0)


#: Saaty's random consistency index by matrix size
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                10: 1.49}


@dataclass(frozen=True)
class AHPResult:
    weights: Array
    lambda_max: float
    ci: float    # (λmax − n) / (n − 1)
    cr: float    # ci / random index; Saaty: ≤ 0.1 is acceptably consistent
    matrix: Array


def ahp_weights(pairwise: Array) -> AHPResult:
    """Analytic Hierarchy Process (not in COINr): weights from pairwise comparisons.

    `pairwise[i, j]` says how many times more important i is than j (Saaty's 1–9 scale), with
    aⱼᵢ = 1 / aᵢⱼ. Several experts' matrices (experts × n × n) are combined cell by cell by
    geometric mean (which keeps reciprocity). Weights: the principal eigenvector, sum 1.
    """
    a = np.asarray(pairwise, dtype=float)
    if a.ndim == 3:
        if np.any(a <= 0):
            raise InputError("pairwise comparisons must be positive")
        a = np.exp(np.log(a).mean(axis=0))
    n = a.shape[0]
    if a.shape != (n, n) or np.any(a <= 0) or np.isnan(a).any():
        raise InputError("AHP needs a square matrix of positive comparisons")
    if not np.allclose(a * a.T, 1.0, rtol=1e-6):
        raise ValueError("AHP matrix is not reciprocal (a[j, i] must be 1 / a[i, j])")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    lam = float(vals[k].real)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX.get(n, 1.49)
    return AHPResult(w, lam, ci, ci / ri if ri > 0 else 0.0, a)


def ahp_from_table(table: pd.DataFrame, items: Sequence[str]) -> AHPResult:
    """AHP from a long table of expert inputs: columns `expert, a, b, value` (a is `value`
    times as important as b). Missing pairs are an error; the reciprocal is filled in; the
    experts' matrices are combined by geometric mean (`ahp_weights`)."""
    need = {"expert", "a", "b", "value"}
    if not need <= set(table.columns):
        raise ValueError(f"AHP table needs columns {sorted(need)}")
    pos = {it: i for i, it in enumerate(items)}
    unknown = sorted((set(table["a"]) | set(table["b"])) - set(pos))
    if unknown:
        raise ValueError(f"AHP table names unknown item(s) {unknown}")
    mats = []
    for expert, rows in table.groupby("expert", sort=True):
        m = np.full((len(items), len(items)), np.nan)
        np.fill_diagonal(m, 1.0)
        for a, b, v in zip(rows["a"], rows["b"], rows["value"], strict=True):
            m[pos[a], pos[b]], m[pos[b], pos[a]] = float(v), 1.0 / float(v)
        if np.isnan(m).any():
            raise ValueError(f"expert {expert!r} did not compare every pair")
        mats.append(m)
    return ahp_weights(np.stack(mats))
