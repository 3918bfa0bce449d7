"""Statistical audit of a build, after the OECD/JRC Handbook and COINr's `get_corr`,
`get_cronbach`, `get_PCA`, `get_corr_flags` and `check_SkewKurt`.

The questions: does each indicator move with the dimension it is averaged into (and not against
it)? Does one indicator dominate its dimension? Do the members of a dimension measure something
common (Cronbach's alpha, the share of variance of the first principal component)? Are there
outliers that treatment should have handled (COINr's rule: |skewness| > 2 and kurtosis > 3.5)?

Correlations use the build's normalised indicators (direction applied, so "negative" means
"pulls against its parent") and aggregate scores, over the units with both values present.
Alpha and PCA use the units with every child present. Everything is pure NumPy/pandas on the
`BuildResult`; `aidi.report.writers.write_audit` writes the files and
`aidi.report.robustness` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult
from aidi.engine.treat import kurtosis, skewness
from aidi.specs.schema import Indicator, iter_nodes

__all__ = ["AuditThresholds", "AuditResult", "audit", "cronbach_alpha", "pca_first",
           "pearson", "rankdata", "spearman"]


@dataclass(frozen=True)
class AuditThresholds:
    """Flag thresholds (defaults: COINr's and the JRC's rules of thumb)."""

    negative_r: float = 0.0          # r with the parent below this → "negative_with_parent"
    weak_r: float = 0.3              # r with the parent below this → "weak_with_parent"
    dominant_r: float = 0.9          # r with the parent above this …
    others_weak_r: float = 0.5       # … while the siblings' mean r is below this → dominant
    dominance_share: float = 0.5     # mean share of an arithmetic parent's score (≥ 3 children)
    collinear_r: float = 0.9         # |r| between siblings above this → "collinear"
    skew: float = 2.0                # |skewness| above this …
    kurt: float = 3.5                # … and kurtosis above this → "outliers"
    alpha: float = 0.7               # Cronbach's alpha below this → "low_alpha"


@dataclass(frozen=True)
class AuditResult:
    correlations: pd.DataFrame   # long: node, other, relation, pearson, spearman, n
    matrix: pd.DataFrame         # Pearson, every node × every node, tree order
    dimensions: pd.DataFrame     # per aggregate: alpha, PCA first-component share, …
    indicators: pd.DataFrame     # per indicator: skew, kurtosis, r with parent, share, …
    flags: pd.DataFrame          # node, parent, flag, value, threshold, detail


# ---- statistics -------------------------------------------------------------------------------
def _pair(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = ~(np.isnan(x) | np.isnan(y))
    return x[ok], y[ok]


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson r over the pairs with both values; NaN if fewer than 3 or no spread."""
    a, b = _pair(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their average rank (as `scipy.stats.rankdata`, without the
    second of start-up that importing scipy.stats costs)."""
    return pd.Series(np.asarray(x, dtype=float)).rank(method="average").to_numpy()


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman ρ: Pearson r of the ranks (ties averaged)."""
    a, b = _pair(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if a.size < 3:
        return float("nan")
    return pearson(rankdata(a), rankdata(b))


def _complete(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[~np.isnan(x).any(axis=1)]


def cronbach_alpha(x: np.ndarray) -> float:
    """α = k/(k−1) · (1 − Σ var(xᵢ) / var(Σ xᵢ)) over complete rows (units) of an
    (n_units × k) array; NaN for k < 2, fewer than 2 complete rows or no total variance."""
    x = _complete(x)
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total))


def pca_first(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Share of variance explained by the first principal component of the correlation matrix
    (standardised children), and its loadings (sign chosen so they sum ≥ 0).

    Children without spread are left out (loading NaN); NaN share if fewer than 2 remain.
    """
    x = _complete(x)
    k = x.shape[1]
    loadings = np.full(k, np.nan)
    if x.shape[0] < 3:
        return float("nan"), loadings
    keep = x.std(axis=0, ddof=1) > 0
    if keep.sum() < 2:
        return float("nan"), loadings
    # the correlation matrix's eigenpairs from the SVD of the standardised data: the same
    # numbers, without a children × children matrix (10,000 children → 10⁸ cells)
    xs = x[:, keep]
    z = (xs - xs.mean(axis=0)) / xs.std(axis=0, ddof=1)
    _, sv, vt = np.linalg.svd(z, full_matrices=False)
    v = vt[0]
    v = -v if v.sum() < 0 else v
    loadings[keep] = v
    return float(sv[0] ** 2 / (sv ** 2).sum()), loadings


def pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`pearson` of each column pair of two (units × pairs) arrays, at once (NaN = missing;
    pairs use the units where both are present)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = np.where(ok, a, np.nan), np.where(ok, b, np.nan)
    n = ok.sum(axis=0)
    out = np.full(a.shape[1], np.nan)
    live = n >= 3
    if not live.any():
        return out
    a, b, ok = a[:, live], b[:, live], ok[:, live]
    with np.errstate(invalid="ignore", divide="ignore"):
        da = np.where(ok, a - np.nanmean(a, axis=0), 0.0)
        db = np.where(ok, b - np.nanmean(b, axis=0), 0.0)
        r = (da * db).sum(axis=0) / np.sqrt((da * da).sum(axis=0) * (db * db).sum(axis=0))
        flat = (np.nanmax(a, axis=0) == np.nanmin(a, axis=0)) | \
            (np.nanmax(b, axis=0) == np.nanmin(b, axis=0))
    out[live] = np.where(flat, np.nan, np.clip(r, -1.0, 1.0))
    return out


def pair_correlations(x: np.ndarray, a: np.ndarray, b: np.ndarray, batch: int = 50_000
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Pearson, Spearman, n) of the column pairs (a[i], b[i]) of `x` (units × columns), as
    `pearson`/`spearman` give them one by one — in batches of array operations, so a spec with
    thousands of indicators is audited in seconds."""
    pe, sp, n = (np.full(len(a), np.nan), np.full(len(a), np.nan), np.zeros(len(a), int))
    for lo in range(0, len(a), batch):
        sl = slice(lo, lo + batch)
        xa, xb = x[:, a[sl]], x[:, b[sl]]
        ok = ~(np.isnan(xa) | np.isnan(xb))
        xa, xb = np.where(ok, xa, np.nan), np.where(ok, xb, np.nan)
        n[sl] = ok.sum(axis=0)
        pe[sl] = pearson_columns(xa, xb)
        ra = pd.DataFrame(xa).rank(method="average").to_numpy()
        rb = pd.DataFrame(xb).rank(method="average").to_numpy()
        sp[sl] = pearson_columns(ra, rb)
    return pe, sp, n


# ---- the audit ----------------------------------------------------------------------------------
#: Nodes of the full correlation matrix; a larger tree gets its aggregates only (a matrix of
#: 10,000 indicators would hold 10⁸ numbers no one can read).
MATRIX_MAX_NODES = 400
#: Children of one aggregate up to which every pair of siblings is correlated.
SIBLINGS_MAX = 300


def audit(result: BuildResult, thresholds: AuditThresholds | None = None) -> AuditResult:
    """Correlations across and within levels, alpha and PCA per aggregate, and flags."""
    th = thresholds or AuditThresholds()
    spec = result.spec
    values = result.values()
    order = [n.id for n in iter_nodes(spec.root) if n.id in values.columns]
    kind = {n.id: "indicator" if isinstance(n, Indicator) else "aggregate"
            for n in iter_nodes(spec.root)}
    x = values.to_numpy(dtype=float)
    pos = {c: i for i, c in enumerate(values.columns)}
    corr = _correlations(spec, x, pos, order, kind)
    mat = _matrix(x, pos, order if len(order) <= MATRIX_MAX_NODES else
                  [o for o in order if kind[o] == "aggregate"][:MATRIX_MAX_NODES])
    shares = _contribution_shares(result)
    dims_df = _dimensions(spec, values, corr)
    inds_df = _indicators(result, corr, shares)
    flags = _flags(spec, corr, dims_df, inds_df, shares, th)
    return AuditResult(corr, mat, dims_df, inds_df, flags)


def _correlations(spec, x: np.ndarray, pos: dict[str, int], order: list[str],
                  kind: dict[str, str]) -> pd.DataFrame:
    """Each node against its parent and ancestors, and siblings pairwise (up to
    `SIBLINGS_MAX` children per node): Pearson, Spearman, pairs complete."""
    parent, depth = spec.parent_of(), spec.level_of()

    def ancestors(node: str) -> list[str]:
        out = []
        while node in parent:
            node = parent[node]
            out.append(node)
        return out

    rows = []
    for node in order:
        for i, anc in enumerate(ancestors(node)):
            rows.append((node, anc, "parent" if i == 0 else "ancestor"))
    for agg in spec.aggregates():
        if len(agg.children) <= SIBLINGS_MAX:
            rows.extend((a, b, "sibling") for a, b in combinations([c.id for c in agg.children],
                                                                  2))
    a_idx = np.array([pos[a] for a, _, _ in rows], dtype=np.intp)
    b_idx = np.array([pos[b] for _, b, _ in rows], dtype=np.intp)
    pe, sp, n = pair_correlations(x, a_idx, b_idx)
    return pd.DataFrame({
        "node": [a for a, _, _ in rows], "node_type": [kind[a] for a, _, _ in rows],
        "node_depth": [depth[a] for a, _, _ in rows], "other": [b for _, b, _ in rows],
        "other_type": [kind[b] for _, b, _ in rows],
        "other_depth": [depth[b] for _, b, _ in rows],
        "relation": [r for _, _, r in rows], "pearson": pe, "spearman": sp, "n": n},
        columns=["node", "node_type", "node_depth", "other", "other_type", "other_depth",
                 "relation", "pearson", "spearman", "n"])


def _dimensions(spec, values: pd.DataFrame, corr: pd.DataFrame) -> pd.DataFrame:
    """One row per aggregate: its children's Cronbach's alpha, first principal component and
    mean sibling correlation."""
    parent, depth = spec.parent_of(), spec.level_of()
    sib = corr[corr["relation"] == "sibling"]
    sib_mean = pd.concat([sib[["node", "pearson"]],
                          sib[["other", "pearson"]].rename(columns={"other": "node"})]) \
        .assign(parent=lambda f: f["node"].map(parent)).groupby("parent")["pearson"].mean()
    dims = []
    for agg in spec.aggregates():
        kids = [c.id for c in agg.children]
        xa = values[kids].to_numpy(dtype=float)
        several = len(kids) >= 2
        share, load = pca_first(xa) if several else (float("nan"), np.full(1, np.nan))
        dims.append({
            "node": agg.id, "depth": depth[agg.id], "parent": parent.get(agg.id, ""),
            "method": agg.aggregate.method, "n_children": len(kids),
            "n_units_complete": int(len(_complete(xa))),
            "cronbach_alpha": cronbach_alpha(xa) if several else float("nan"),
            "pca_first_share": share,
            "pca_first_loadings": "; ".join(f"{k}: {v:.3f}" for k, v in zip(kids, load,
                                                                            strict=False)
                                            if np.isfinite(v)),
            "mean_child_correlation": float(sib_mean.get(agg.id, float("nan")))
            if several else float("nan"),
        })
    return pd.DataFrame(dims)


def _indicators(result: BuildResult, corr: pd.DataFrame,
                shares: dict[tuple[str, str], float]) -> pd.DataFrame:
    """One row per indicator: coverage, skew and kurtosis before and after treatment, its
    correlation with its parent and its mean share of the parent's score."""
    parent = result.spec.parent_of()
    par = corr[corr["relation"] == "parent"].set_index("node")
    inds = []
    imputed, treated = result.imputed, result.treated
    for ind in result.spec.indicators():
        xi = imputed[ind.id].to_numpy(dtype=float)
        t = treated[ind.id].to_numpy(dtype=float)
        p = parent.get(ind.id, "")
        inds.append({
            "indicator": ind.id, "parent": p,
            "n": int((~np.isnan(xi)).sum()),
            "n_missing": int(result.data[ind.id].isna().sum()),
            "n_imputed_or_carried": int(result.imputed_mask[ind.id].sum()),
            "skew": skewness(xi), "kurtosis": kurtosis(xi),
            "skew_treated": skewness(t), "kurtosis_treated": kurtosis(t),
            "r_parent": float(par.at[ind.id, "pearson"]) if p else float("nan"),
            "rho_parent": float(par.at[ind.id, "spearman"]) if p else float("nan"),
            "mean_share_of_parent": shares.get((p, ind.id), float("nan")),
        })
    return pd.DataFrame(inds)


def _matrix(x: np.ndarray, pos: dict[str, int], order: list[str]) -> pd.DataFrame:
    """Pearson r of every pair of `order` (pairwise complete), 1 on the diagonal."""
    k = len(order)
    a, b = np.triu_indices(k, 1)
    cols = np.array([pos[o] for o in order], dtype=np.intp)
    r = np.eye(k)
    if len(a):
        pe = pair_correlations(x, cols[a], cols[b])[0]
        r[a, b] = pe
        r[b, a] = pe
    return pd.DataFrame(r, index=order, columns=order)


def _contribution_shares(result: BuildResult) -> dict[tuple[str, str], float]:
    """Mean over units of each child's share of its arithmetic parent's score."""
    c = result.contributions
    c = c[c["method"] == "arithmetic"]
    if c.empty:
        return {}
    total = c.groupby(["iso3", "parent"])["contribution"].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (c["contribution"] / total).where(total != 0)
    mean = share.groupby([c["parent"], c["child"]]).mean()
    return {(str(p), str(ch)): float(v) for (p, ch), v in mean.items()}


def _flags(spec, corr: pd.DataFrame, dims: pd.DataFrame, inds: pd.DataFrame,
           shares: dict[tuple[str, str], float], th: AuditThresholds) -> pd.DataFrame:
    rows: list[dict[str, object]] = []

    def flag(node: str, parent: str, name: str, value: float, threshold: float,
             detail: str) -> None:
        rows.append({"node": node, "parent": parent, "flag": name, "value": value,
                     "threshold": threshold, "detail": detail})

    par = corr[corr["relation"] == "parent"].set_index("node")
    for agg in spec.aggregates():
        kids = [c.id for c in agg.children]
        rs = {k: float(par.at[k, "pearson"]) if k in par.index else float("nan") for k in kids}
        finite = [v for v in rs.values() if np.isfinite(v)]
        total, count = float(np.sum(finite)), len(finite)
        for k in kids:
            r = rs[k]
            if not np.isfinite(r):
                continue
            if r < th.negative_r:
                flag(k, agg.id, "negative_with_parent", r, th.negative_r,
                     f"{k} correlates negatively with {agg.id} (r = {r:.2f}): it pulls against "
                     "the other members; check its direction or its place")
            elif r < th.weak_r and len(kids) > 1:
                flag(k, agg.id, "weak_with_parent", r, th.weak_r,
                     f"{k} is weakly correlated with {agg.id} (r = {r:.2f}): it adds little to "
                     "the aggregate's ranking")
            others = (total - r) / (count - 1) if count > 1 else float("nan")  # siblings' mean
            if r > th.dominant_r and count > 1 and others < th.others_weak_r:
                flag(k, agg.id, "dominates_parent", r, th.dominant_r,
                     f"{k} almost determines {agg.id} (r = {r:.2f}) while its siblings are weak "
                     f"(mean r = {others:.2f})")
            share = shares.get((agg.id, k), float("nan"))
            if len(kids) >= 3 and np.isfinite(share) and share > th.dominance_share:
                flag(k, agg.id, "dominant_contribution", share, th.dominance_share,
                     f"{k} makes up {share:.0%} of {agg.id} on average ({len(kids)} children)")
    sib = corr[(corr["relation"] == "sibling") & (corr["pearson"].abs() > th.collinear_r)]
    pmap = spec.parent_of()
    for _, r in sib.iterrows():
        flag(f"{r.node} & {r.other}", pmap.get(r.node, ""), "collinear", float(r.pearson),
             th.collinear_r, f"{r.node} and {r.other} are nearly collinear (r = {r.pearson:.2f}): "
             "together they double-count one thing")
    for r in inds.to_dict("records"):
        sk, ku, sk_t, ku_t = r["skew"], r["kurtosis"], r["skew_treated"], r["kurtosis_treated"]
        if abs(sk) > th.skew and ku > th.kurt:
            treated = (sk_t, ku_t) != (sk, ku)
            fixed = treated and not (abs(sk_t) > th.skew and ku_t > th.kurt)
            flag(r["indicator"], r["parent"], "outliers", float(sk), th.skew,
                 f"{r['indicator']}: skewness {sk:.2f}, kurtosis {ku:.2f} "
                 + ("(treated within the thresholds)" if fixed else
                    "(still outside after treatment)" if treated else
                    "(not treated: a few economies carry most of its spread)"))
    for _, d in dims.iterrows():
        if np.isfinite(d.cronbach_alpha) and d.cronbach_alpha < th.alpha:
            flag(d.node, d.parent, "low_alpha", float(d.cronbach_alpha), th.alpha,
                 f"{d.node}: Cronbach's alpha {d.cronbach_alpha:.2f} < {th.alpha}: its "
                 f"{d.n_children} members share little common variation")
    return pd.DataFrame(rows, columns=["node", "parent", "flag", "value", "threshold",
                                       "detail"])
