"""Every method as a typed object: its function, its names (aidi's and COINr's) and what it can do.

Code that needs to know something about a method — does a geometric mean follow, can this
normaliser give the worst unit 0, can the explorer page recompute it — asks the registry
(`method(kind, name).needs_positive(params)`) instead of comparing method names, so a method's
capabilities are declared once, here, and `tests/test_method_registry.py` checks every
declaration against the function's behaviour (scikit-learn's `check_estimator` idea).

`CATALOGUE` lists every method with its COINr name, or None where COINr has none;
docs/methods.md is checked against it. `get(kind, name)` returns the pure array function,
accepting aidi's name (`zscore`) or COINr's (`n_zscore`). COINr's call syntax
(`{f_n: n_zscore, f_n_para: {m_sd: [10, 2]}}`) is translated by `aidi.specs.coinr_syntax`
(re-exported here), which the spec models run before validation.

The method modules import nothing but NumPy at load time, so the registry holds the functions
themselves; a method module that asks the registry about its own methods imports it inside
the function (the registry imports the method modules).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aidi.engine import aggregate as agg
from aidi.engine import impute as imp
from aidi.engine import normalise as nrm
from aidi.engine import treat as trt
from aidi.engine import weights as wts
from aidi.errors import UsageError
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

Kind = Literal["normalise", "aggregate", "impute", "treat", "weights"]
KINDS: tuple[Kind, ...] = ("normalise", "aggregate", "impute", "treat", "weights")
#: A method's parameters: a mapping, a step model (`Normalise`, `Aggregate`, …) or the
#: (name, value) pairs of `CompiledNode.params`; what is left out takes the model's default.
Params = Mapping[str, Any] | Any


class UnknownMethod(UsageError, KeyError):
    """A method name that is neither aidi's nor COINr's for that step."""


def _as_mapping(params: Params) -> Mapping[str, Any]:
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return params
    fields = getattr(type(params), "model_fields", None)
    if fields is not None:  # a pydantic step model
        return {k: getattr(params, k) for k in fields}
    return dict(params)


@dataclass(frozen=True)
class Rule:
    """A capability that may depend on the method's parameters: `rule(params) -> bool`.

    `text` says when it holds, for messages and docs ("always", "p < 0", …).
    """

    when: Callable[[Mapping[str, Any]], bool]
    text: str

    def __call__(self, params: Params = None) -> bool:
        return bool(self.when(_as_mapping(params)))


ALWAYS = Rule(lambda p: True, "always")
NEVER = Rule(lambda p: False, "never")


@dataclass(frozen=True)
class Method:
    """One method of one step, and what it can do.

    Rules (called with the method's parameters):
    - `needs_positive`: a zero or negative input is refused with an `AidiError`
      (`NonPositiveError` for the means);
    - `needs_nonnegative`: a negative input is refused with an `AidiError` (implied by
      `needs_positive`);
    - `reaches_zero`: the worst unit's output can be 0 or less by construction, whatever the
      data — a geometric or harmonic mean that follows then meets a zero;
    - `separable`: a unit's output depends on its own values only, not on the other units'
      (what lets a computation split the units axis).

    Flags:
    - `on_page`: the explorer's JavaScript engine (`explorer/assets/engine.js`) computes it,
      so the page can recompute a build that uses it;
    - `needs_reference`: needs the spec's reference unit (normalisers);
    - `zero_policy`: takes the `nonpositive` policy (`error` | `zero` | `offset`) and `offset`
      (aggregators);
    - `child_by_child`: the tree pass computes it one child block at a time
      (`aggregate.separable_mean`) instead of stacking the children (aggregators);
    - `contributions`: how the children's contributions (`aggregate.contributions`) add up —
      `sum` to the score, `log` to ln(score), `none` when it has no additive decomposition;
    - `matrix`: fills several columns at once from each other (imputers), rather than each
      column from the other units' values of that column;
    - `keeps_order`: after normalisation a better raw value (by the indicator's direction)
      never scores lower (normalisers; COINr's `n_fracmax` does not, for direction −1).
    """

    kind: Kind
    name: str               # aidi's name (the spec's `method:` value, or the weights function)
    coinr: str | None       # COINr's function name, None = not in COINr
    function: Callable[..., Any]
    needs_positive: Rule = NEVER
    needs_nonnegative: Rule = NEVER
    reaches_zero: Rule = NEVER
    separable: Rule = NEVER
    on_page: bool = False
    needs_reference: bool = False
    zero_policy: bool = False
    child_by_child: bool = False
    contributions: Literal["sum", "log", "none"] = "none"
    matrix: bool = False
    keeps_order: bool = True


# ---- rules that depend on parameters ---------------------------------------------------------
def _p(params: Mapping[str, Any]) -> float | None:
    return params.get("p")


_ZERO_REFUSED = Rule(lambda p: p.get("nonpositive", "error") == "error",
                     "nonpositive: error (the default)")
_NEGATIVE_REFUSED = Rule(lambda p: p.get("nonpositive", "error") != "offset",
                         "nonpositive: error or zero")
_GENMEAN_POSITIVE = Rule(lambda p: _p(p) is not None and _p(p) < 0, "p < 0")
_GENMEAN_NONNEGATIVE = Rule(lambda p: _p(p) is not None and (_p(p) < 0 or _p(p) != int(_p(p))),
                            "p < 0 or p fractional")
_MPI_SEPARABLE = Rule(lambda p: not p.get("standardise", p.get("standardise_children", True)),
                      "children not standardised across units")
_LOW_AT_ZERO = Rule(lambda p: p.get("low", 0.0) <= 0, "low <= 0")
_MEAN_AT_ZERO = Rule(lambda p: p.get("mean", 0.0) <= 0, "mean <= 0")
_ROW_OWN = Rule(lambda p: not p.get("normalise_first", True), "normalise_first: false")


def _m(kind: Kind, name: str, coinr: str | None, function: Callable[..., Any],
       **flags: Any) -> Method:
    return Method(kind, name, coinr, function, **flags)


N, A, IM, T, W = "normalise", "aggregate", "impute", "treat", "weights"
_MEAN = {"separable": ALWAYS, "child_by_child": True, "on_page": True}
CATALOGUE: tuple[Method, ...] = (
    _m(N, "minmax", "n_minmax", nrm.min_max, reaches_zero=_LOW_AT_ZERO, on_page=True),
    _m(N, "zscore", "n_zscore", nrm.z_score, reaches_zero=_MEAN_AT_ZERO, on_page=True),
    _m(N, "scaled", "n_scaled", nrm.scaled, reaches_zero=ALWAYS, separable=ALWAYS),
    _m(N, "fracmax", "n_fracmax", nrm.fraction_of_max, keeps_order=False),
    _m(N, "prank", "n_prank", nrm.percentile_rank, reaches_zero=ALWAYS),
    _m(N, "rank", "n_rank", nrm.rank),
    _m(N, "borda", "n_borda", nrm.borda, reaches_zero=ALWAYS),
    _m(N, "goalposts", "n_goalposts", nrm.goalposts, reaches_zero=ALWAYS, separable=ALWAYS),
    _m(N, "dist2max", "n_dist2max", nrm.min_max, reaches_zero=_LOW_AT_ZERO),
    _m(N, "dist2ref", "n_dist2ref", nrm.distance_to_reference, reaches_zero=ALWAYS,
       needs_reference=True),
    _m(N, "target", "n_dist2targ", nrm.distance_to_target, reaches_zero=ALWAYS),
    _m(N, "ratio", None, nrm.ratio_to_reference, needs_nonnegative=ALWAYS, needs_reference=True,
       on_page=True),
    _m(N, "frontier", None, nrm.ratio_to_frontier, on_page=True),
    _m(N, "none", "none", nrm.identity, separable=ALWAYS, on_page=True),
    _m(A, "arithmetic", "a_amean", agg.weighted_arithmetic, contributions="sum", **_MEAN),
    _m(A, "geometric", "a_gmean", agg.weighted_geometric, needs_positive=_ZERO_REFUSED,
       needs_nonnegative=_NEGATIVE_REFUSED, zero_policy=True, contributions="log", **_MEAN),
    _m(A, "harmonic", "a_hmean", agg.weighted_harmonic, needs_positive=_ZERO_REFUSED,
       needs_nonnegative=_NEGATIVE_REFUSED, zero_policy=True, contributions="sum", **_MEAN),
    _m(A, "genmean", "a_genmean", agg.weighted_generalised, needs_positive=_GENMEAN_POSITIVE,
       needs_nonnegative=_GENMEAN_NONNEGATIVE, separable=ALWAYS, contributions="sum"),
    _m(A, "copeland", "a_copeland", agg.copeland, reaches_zero=ALWAYS),
    _m(A, "mpi", None, agg.mazziotta_pareto, separable=_MPI_SEPARABLE),
    _m(IM, "none", None, imp.impute_none, separable=ALWAYS, on_page=True),
    _m(IM, "mean", "i_mean", imp.impute_mean, on_page=True),
    _m(IM, "median", "i_median", imp.impute_median, on_page=True),
    _m(IM, "mean_grp", "i_mean_grp", imp.impute_mean),
    _m(IM, "median_grp", "i_median_grp", imp.impute_median),
    _m(IM, "min", None, imp.impute_min, on_page=True),
    _m(IM, "mode", None, imp.impute_mode),
    _m(IM, "row_mean", "i_mean (impute_by = row)", imp.impute_row, separable=_ROW_OWN,
       matrix=True),
    _m(IM, "row_median", "i_median (impute_by = row)", imp.impute_row, separable=_ROW_OWN,
       matrix=True),
    _m(IM, "panel", "impute_panel", imp.impute_panel, separable=ALWAYS),
    _m(IM, "iterative", None, imp.impute_iterative, matrix=True),
    _m(IM, "knn", None, imp.impute_knn, matrix=True),
    _m(T, "winsorise", "winsorise", trt.winsorise_column),
    _m(T, "log_ct", "log_CT", trt.log_ct),
    _m(T, "log_ct_plus", "log_CT_plus", trt.log_ct_plus),
    _m(T, "log_ct_orig", "log_CT_orig", trt.log_ct_orig, reaches_zero=ALWAYS),
    _m(T, "log_gii", "log_GII", trt.log_gii, reaches_zero=ALWAYS),
    _m(T, "boxcox", "boxcox", trt.boxcox, reaches_zero=ALWAYS),
    _m(T, "log", None, trt.log_transform, reaches_zero=ALWAYS),
    _m(W, "equal", None, wts.equal_weights),
    _m(W, "manual", None, wts.apply_weights),
    _m(W, "pca", "get_PCA", wts.pca_weights),
    _m(W, "opt_balance", "get_opt_weights (optype = balance)", wts.opt_weights),
    _m(W, "opt_infomax", "get_opt_weights (optype = infomax)", wts.opt_weights),
    _m(W, "effective", "get_eff_weights", wts.effective_weights),
    _m(W, "entropy", None, wts.entropy_weights, needs_nonnegative=ALWAYS),
    _m(W, "bod", None, wts.bod_weights, needs_nonnegative=ALWAYS),
    _m(W, "budget", None, wts.budget_weights, needs_nonnegative=ALWAYS),
    _m(W, "ahp", None, wts.ahp_weights, needs_positive=ALWAYS, needs_nonnegative=ALWAYS),
)


def _index() -> dict[tuple[str, str], Method]:
    """(kind, aidi's or COINr's name) → method; aidi's names first, so a COINr name never
    shadows one of aidi's."""
    out: dict[tuple[str, str], Method] = {}
    for m in CATALOGUE:
        out.setdefault((m.kind, m.name), m)
    for m in CATALOGUE:
        if m.coinr:
            out.setdefault((m.kind, m.coinr), m)
    return out


_BY_NAME = _index()


def method(kind: Kind, name: str) -> Method:
    """The method of step `kind` called `name` (aidi's name or COINr's)."""
    try:
        return _BY_NAME[(kind, name)]
    except KeyError:
        if kind not in KINDS:
            raise UnknownMethod(f"no step {kind!r}; steps: {', '.join(KINDS)}") from None
        raise UnknownMethod(f"no {kind} method {name!r}; known: {names(kind)}") from None


def methods(kind: Kind | None = None, **flags: bool) -> tuple[Method, ...]:
    """The methods of a step (every step when `kind` is None) whose flags equal `flags`,
    e.g. `methods("aggregate", on_page=True)`; in catalogue order."""
    return tuple(m for m in CATALOGUE if (kind is None or m.kind == kind)
                 and all(getattr(m, k) == v for k, v in flags.items()))


def names(kind: Kind, **flags: bool) -> tuple[str, ...]:
    """aidi's names of `methods(kind, **flags)`."""
    return tuple(m.name for m in methods(kind, **flags))


def get(kind: Kind, name: str) -> Callable[..., Any]:
    """The array function of a method, by aidi's or COINr's name."""
    return method(kind, name).function
