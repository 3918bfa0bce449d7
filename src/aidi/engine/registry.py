"""Every method by name — aidi's names and COINr's — and COINr's call syntax translated to aidi's.

Two jobs, both about names:

1. `get(kind, name)` returns the pure array function behind a method (`"normalise"`,
   `"aggregate"`, `"impute"`, `"treat"`, `"weights"`), accepting aidi's name (`zscore`) or
   COINr's (`n_zscore`), so an analysis (the uncertainty factors, `Build.with_*`) can pick a
   method from a string. `CATALOGUE` lists every method with its COINr name, or None where
   COINr has none; docs/methods.md is checked against it.
2. COINr's call syntax (`{f_n: n_zscore, f_n_para: {m_sd: [10, 2]}}`) is translated by
   `aidi.specs.coinr_syntax` (re-exported here), which the spec models run before validation.

Engine modules are imported only when a function is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any, NamedTuple

from aidi.specs.coinr_syntax import (  # noqa: F401  (re-exported: one place for names)
    COINR_AGGREGATORS,
    COINR_IMPUTERS,
    COINR_NORMALISERS,
    COINR_TRANSFORMS,
    coinr_aggregate,
    coinr_impute,
    coinr_normalise,
    coinr_treat,
)


class Method(NamedTuple):
    kind: str            # normalise | aggregate | impute | treat | weights
    name: str            # aidi's name (the spec's `method:` value, or the weights function)
    coinr: str | None    # COINr's function name, None = not in COINr
    function: str        # "module:function" of the pure array function


def _m(kind: str, name: str, coinr: str | None, function: str) -> Method:
    return Method(kind, name, coinr, function)


N, A, IM, T, W = "normalise", "aggregate", "impute", "treat", "weights"
CATALOGUE: tuple[Method, ...] = (
    _m(N, "minmax", "n_minmax", "normalise:min_max"),
    _m(N, "zscore", "n_zscore", "normalise:z_score"),
    _m(N, "scaled", "n_scaled", "normalise:scaled"),
    _m(N, "fracmax", "n_fracmax", "normalise:fraction_of_max"),
    _m(N, "prank", "n_prank", "normalise:percentile_rank"),
    _m(N, "rank", "n_rank", "normalise:rank"),
    _m(N, "borda", "n_borda", "normalise:borda"),
    _m(N, "goalposts", "n_goalposts", "normalise:goalposts"),
    _m(N, "dist2max", "n_dist2max", "normalise:min_max"),
    _m(N, "dist2ref", "n_dist2ref", "normalise:distance_to_reference"),
    _m(N, "target", "n_dist2targ", "normalise:distance_to_target"),
    _m(N, "ratio", None, "normalise:ratio_to_reference"),
    _m(N, "frontier", None, "normalise:ratio_to_frontier"),
    _m(N, "none", "none", "normalise:identity"),
    _m(A, "arithmetic", "a_amean", "aggregate:weighted_arithmetic"),
    _m(A, "geometric", "a_gmean", "aggregate:weighted_geometric"),
    _m(A, "harmonic", "a_hmean", "aggregate:weighted_harmonic"),
    _m(A, "genmean", "a_genmean", "aggregate:weighted_generalised"),
    _m(A, "copeland", "a_copeland", "aggregate:copeland"),
    _m(A, "mpi", None, "aggregate:mazziotta_pareto"),
    _m(IM, "mean", "i_mean", "impute:impute_mean"),
    _m(IM, "median", "i_median", "impute:impute_median"),
    _m(IM, "mean_grp", "i_mean_grp", "impute:impute_mean"),
    _m(IM, "median_grp", "i_median_grp", "impute:impute_median"),
    _m(IM, "min", None, "impute:impute_min"),
    _m(IM, "mode", None, "impute:impute_mode"),
    _m(IM, "row_mean", "i_mean (impute_by = row)", "impute:impute_row"),
    _m(IM, "row_median", "i_median (impute_by = row)", "impute:impute_row"),
    _m(IM, "panel", "impute_panel", "impute:impute_panel"),
    _m(IM, "iterative", None, "impute:impute_iterative"),
    _m(IM, "knn", None, "impute:impute_knn"),
    _m(T, "winsorise", "winsorise", "treat:winsorise_column"),
    _m(T, "log_ct", "log_CT", "treat:log_ct"),
    _m(T, "log_ct_plus", "log_CT_plus", "treat:log_ct_plus"),
    _m(T, "log_ct_orig", "log_CT_orig", "treat:log_ct_orig"),
    _m(T, "log_gii", "log_GII", "treat:log_gii"),
    _m(T, "boxcox", "boxcox", "treat:boxcox"),
    _m(T, "log", None, "treat:log_transform"),
    _m(W, "equal", None, "weights:equal_weights"),
    _m(W, "manual", None, "weights:apply_weights"),
    _m(W, "pca", "get_PCA", "weights:pca_weights"),
    _m(W, "opt_balance", "get_opt_weights (optype = balance)", "weights:opt_weights"),
    _m(W, "opt_infomax", "get_opt_weights (optype = infomax)", "weights:opt_weights"),
    _m(W, "effective", "get_eff_weights", "weights:effective_weights"),
    _m(W, "entropy", None, "weights:entropy_weights"),
    _m(W, "bod", None, "weights:bod_weights"),
    _m(W, "budget", None, "weights:budget_weights"),
    _m(W, "ahp", None, "weights:ahp_weights"),
)


def get(kind: str, name: str) -> Callable[..., Any]:
    """The array function of a method, by aidi's or COINr's name."""
    for m in CATALOGUE:
        if m.kind == kind and name in (m.name, m.coinr):
            module, func = m.function.split(":")
            return getattr(import_module(f"aidi.engine.{module}"), func)
    known = sorted({m.name for m in CATALOGUE if m.kind == kind})
    raise KeyError(f"no {kind} method {name!r}; known: {known}")
