"""COINr's call syntax → aidi's step fields, with COINr's defaults for what is left out.

`coinr_normalise` / `coinr_aggregate` / `coinr_impute` / `coinr_treat` rewrite a step written
the way a COINr call reads — `{f_n: n_zscore, f_n_para: {m_sd: [10, 2]}}` — into the fields of
`aidi.specs.schema`'s step models, which run them before validation (so both vocabularies are
accepted wherever a step is) and the COINr steps reader runs them before merging overrides.
Sources: COINr's R/normalise.R, aggregate.R, impute.R, treat.R (bluefoxr/COINr 1.1.x).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _pair(value: Any, what: str) -> tuple[float, float]:
    if not (isinstance(value, list | tuple) and len(value) == 2) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise ValueError(f"{what} must be a pair of numbers [a, b], got {value!r}")
    return float(value[0]), float(value[1])


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    return float(value)


def _para(data: dict[str, Any], key: str) -> dict[str, Any]:
    para = data.pop(key, None)
    if para is None:
        return {}
    if not isinstance(para, Mapping):
        raise ValueError(f"{key} must be a mapping of parameters, got {para!r}")
    return dict(para)


def _coinr_name(data: dict[str, Any], key: str, prefix: str) -> str | None:
    """COINr's function name from `key`, or from `method:` when that holds a COINr name."""
    name = data.pop(key, None)
    method = data.get("method")
    if name is None and isinstance(method, str) and method.startswith(prefix):
        name = data.pop("method")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"{key} must be one function name, got {name!r} (a different function "
                         "per level is written with the steps file's `levels:` overrides)")
    return name


#: COINr normaliser → (aidi method, COINr's defaults of the omitted parameters)
COINR_NORMALISERS: dict[str, tuple[str, dict[str, Any]]] = {
    "n_minmax": ("minmax", {"low": 0.0, "high": 100.0}),
    "n_zscore": ("zscore", {"mean": 0.0, "sd": 1.0}),
    "n_scaled": ("scaled", {"npara": (0.0, 100.0)}),
    "n_fracmax": ("fracmax", {}),
    "n_prank": ("prank", {}),
    "n_rank": ("rank", {"ties": "min"}),
    "n_borda": ("borda", {}),
    "n_goalposts": ("goalposts", {"trunc": True}),
    "n_dist2max": ("minmax", {"low": 0.0, "high": 1.0}),
    "n_dist2ref": ("dist2ref", {"cap": False}),
    "n_dist2targ": ("target", {"cap": False}),
    "none": ("none", {}),
}
_N_PARAMS = ("l_u", "m_sd", "npara", "scale_factor", "gposts", "trunc2posts", "iref",
             "cap_max", "targ", "ties.method")


def coinr_normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """`{f_n: n_zscore, f_n_para: {m_sd: [10, 2]}}` → `{method: zscore, mean: 10, sd: 2}`.

    `f_n_para: use_iMeta` sets `use_imeta` (the coin reader fills each indicator's parameters
    from its iMeta row). A COINr function name sets `semantics: coinr`: COINr's arithmetic,
    with `gposts` and `targ` applying to direction × x as in COINr
    (`aidi.engine.normalise_coinr`). COINr's parameter names are also accepted beside aidi's `method`
    (`{method: minmax, l_u: [1, 100]}`). `direction` is not a parameter: it is the indicator's.
    """
    d = dict(data)
    f_n = _coinr_name(d, "f_n", "n_")
    raw_para = d.get("f_n_para")
    para = {} if raw_para == "use_iMeta" else _para(d, "f_n_para")
    if raw_para == "use_iMeta":
        d.pop("f_n_para")
        d["use_imeta"] = True
    para.update({k: d.pop(k) for k in _N_PARAMS if k in d})
    if f_n is None and not para:
        return d
    if f_n is not None:
        if not isinstance(f_n, str) or f_n not in COINR_NORMALISERS:
            raise ValueError(f"unknown COINr normaliser {f_n!r}; known: {sorted(COINR_NORMALISERS)}")
        method, defaults = COINR_NORMALISERS[f_n]
        d["method"] = method
        d["semantics"] = "coinr"   # COINr's arithmetic, posts/targets on the d·x scale
        for k, v in defaults.items():
            d.setdefault(k, v)
    for key, value in para.items():
        if key == "l_u":
            d["low"], d["high"] = _pair(value, "l_u")
        elif key == "m_sd":
            d["mean"], d["sd"] = _pair(value, "m_sd")
        elif key == "npara":
            d["npara"] = _pair(value, "npara")
        elif key == "scale_factor":
            d["scale_factor"] = _number(value, "scale_factor")
        elif key == "gposts":
            if not (isinstance(value, list | tuple) and len(value) == 3):
                raise ValueError(f"gposts must be [lower, upper, scale], got {value!r}")
            d["goalposts"] = tuple(_number(v, "gposts") for v in value)
        elif key == "trunc2posts":
            d["trunc"] = bool(value)
        elif key == "iref":
            if not isinstance(value, str):
                raise ValueError("iref: give the reference unit's code (e.g. 'DEU'), not its "
                                 "row number — aidi's rows are not in a fixed order")
            d["reference"] = value
        elif key == "cap_max":
            d["cap"] = bool(value)
        elif key == "targ":
            d["target"] = _number(value, "targ")
        elif key == "ties.method":
            pass  # COINr's n_rank / n_prank / n_borda accept it and always use "min"
        elif key == "direction":
            raise ValueError("direction is the indicator's (iMeta Direction), not a parameter")
        else:
            raise ValueError(f"unknown parameter {key!r} of COINr normaliser {f_n!r}")
    return d


COINR_AGGREGATORS = {"a_amean": "arithmetic", "a_gmean": "geometric", "a_hmean": "harmonic",
                     "a_genmean": "genmean", "a_copeland": "copeland",
                     "a_mpi": "mpi"}  # a_mpi: aidi's own, named in COINr's style


def coinr_aggregate(data: Mapping[str, Any]) -> dict[str, Any]:
    """`{f_ag: a_genmean, f_ag_para: {p: 2}, dat_thresh: 0.5}` → aidi's `Aggregate` fields.

    A COINr name sets `semantics: coinr` (COINr's a_genmean gives NA to a unit with any
    missing child). Per-level vectors (`f_ag: [a_amean, a_gmean]`) are the coin steps
    reader's job (`aidi.sources.coinr`), which turns them into `levels:` overrides.

    Weights are not a parameter here (they are the tree's, or a named weight set's); `by_df`
    is accepted and dropped (aidi passes whole columns to every aggregator).
    """
    d = dict(data)
    f_ag = _coinr_name(d, "f_ag", "a_")
    para = _para(d, "f_ag_para")
    d.pop("by_df", None)
    if "w" in d or "w" in para:
        raise ValueError("weights are not an aggregate setting: they are the tree's (iMeta "
                         "Weight) or a named weight set's (aidi.engine.weights)")
    if f_ag is not None:
        if not isinstance(f_ag, str) or f_ag not in COINR_AGGREGATORS:
            raise ValueError(f"unknown COINr aggregator {f_ag!r}; known: "
                             f"{sorted(COINR_AGGREGATORS)}")
        d["method"] = COINR_AGGREGATORS[f_ag]
        d["semantics"] = "coinr"
    for key, value in para.items():
        if key in ("p", "penalty"):
            d[key] = value
        elif key == "standardise":
            d["standardise_children"] = value
        else:
            raise ValueError(f"unknown parameter {key!r} of aggregator {f_ag or d.get('method')!r}")
    return d


COINR_IMPUTERS = {"i_mean": "mean", "i_median": "median", "i_mean_grp": "mean",
                  "i_median_grp": "median"}


def coinr_impute(data: Mapping[str, Any]) -> dict[str, Any]:
    """`{f_i: i_median_grp, use_group: EurAsia_group}` → `{method: median, group: ...}`.

    `impute_by: row` turns i_mean / i_median into aidi's row methods (min–max scaled first
    unless `normalise_first: false`, COINr's default), within each group of indicators at
    `group_level` if given. COINr's default imputer is `i_mean`. `impute_by: df` (a user's R
    function on the whole table) is refused.
    """
    d = dict(data)
    coinr_keys = {"f_i", "f_i_para", "use_group", "impute_by", "group_level"} & set(d)
    f_i = _coinr_name(d, "f_i", "i_")
    if f_i is None and not coinr_keys:
        return d
    if "use_group" in d:
        d["group"] = d.pop("use_group")
    para = _para(d, "f_i_para")
    by = d.pop("impute_by", "column")
    if by == "df":
        raise ValueError("impute_by: df passes the whole table to a user's R function, which aidi "
                         "cannot call; aidi's whole-table imputers are `method: iterative` and "
                         "`method: knn`")
    if f_i == "impute_panel":
        raise ValueError("panel imputation is the year rule's job in aidi: `years: {fallback: "
                         "latest_earlier}` (or aidi.engine.impute.impute_panel on arrays)")
    if f_i is not None or "method" not in d:
        f_i = f_i or "i_mean"
        if not isinstance(f_i, str) or f_i not in COINR_IMPUTERS:
            raise ValueError(f"unknown COINr imputer {f_i!r}; known: {sorted(COINR_IMPUTERS)}")
        if f_i.endswith("_grp") and not d.get("group"):
            raise ValueError(f"{f_i} imputes within groups: give use_group")
        d["method"] = COINR_IMPUTERS[f_i]
    if by == "row":
        if d["method"] not in ("mean", "median"):
            raise ValueError("impute_by: row works with i_mean or i_median")
        d["method"] = f"row_{d['method']}"
    elif by != "column":
        raise ValueError(f"impute_by must be column, row or df, got {by!r}")
    elif d.get("group_level") is not None and not str(d["method"]).startswith("row_"):
        d.pop("group_level")  # COINr splits the columns, which a column method ignores
    for key in ("n_neighbors", "max_iter", "seed"):
        if key in para:
            d[key] = para.pop(key)
    if para:
        raise ValueError(f"unknown imputation parameter(s) {sorted(para)}")
    return d


COINR_TRANSFORMS = {"log_CT": "log_ct", "log_CT_plus": "log_ct_plus",
                    "log_CT_orig": "log_ct_orig", "log_GII": "log_gii", "boxcox": "boxcox"}
_TREAT_KEYS = {"f1", "f1_para", "f2", "f2_para", "f_pass", "f_pass_para", "combine_treat"}
_F1_PARA = {"winmax": "winmax", "skew_thresh": "skew_thresh", "kurt_thresh": "kurt_thresh",
            "force_win": "force_win", "lambda": "f1_lam"}
_PASS_PARA = {"skew_thresh": "pass_skew_thresh", "kurt_thresh": "pass_kurt_thresh"}


def _transform_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or name not in COINR_TRANSFORMS:
        raise ValueError(f"{what} must be one of {sorted(COINR_TRANSFORMS)}, got {name!r}")
    return COINR_TRANSFORMS[name]


def _treat_params(d: dict[str, Any], para: dict[str, Any], names: Mapping[str, str],
                  what: str) -> None:
    for key, value in para.items():
        if key in names:
            d[names[key]] = bool(value) if key == "force_win" else value
        elif key == "makepos":
            if not value:
                raise ValueError(f"{what}: boxcox makepos: FALSE is not supported")
        elif key != "na.rm":
            raise ValueError(f"unknown parameter {key!r} in {what}")


def coinr_treat(data: Mapping[str, Any]) -> dict[str, Any]:
    """COINr's `Treat` specs → aidi's `Treat` fields; only what is written is set, so a
    per-indicator override merges over the global specs key by key (COINr's modifyList).

    `f1` is `winsorise` (COINr's default) or a transform, applied to a column failing the
    `f_pass_para` check; a column still failing gets `f2` (default `log_CT`; `null`/`none`:
    nothing) on its original values, or on f1's output with `combine_treat: true`. `f1_para`:
    winmax, skew_thresh, kurt_thresh, force_win, lambda (f1 = boxcox); `f2_para`: lambda.
    A COINr key sets `semantics: coinr` (the pass check's thresholds then default to COINr's
    2 and 3.5 whatever f1's are). COINr's transform names are also accepted as `method:`.
    """
    d = dict(data)
    for key in ("method", "fallback", "f1"):
        if isinstance(d.get(key), str) and d[key] in COINR_TRANSFORMS:
            d[key] = COINR_TRANSFORMS[d[key]]
    if not (_TREAT_KEYS & set(d)):
        return d
    d["semantics"] = "coinr"
    d.setdefault("method", "winsorise")
    f1_para, f2_para, pass_para = (_para(d, k) for k in ("f1_para", "f2_para", "f_pass_para"))
    if d.pop("f_pass", "check_SkewKurt") != "check_SkewKurt":
        raise ValueError("f_pass: only COINr's check_SkewKurt is supported")
    if "combine_treat" in d:
        d["combine"] = bool(d.pop("combine_treat"))
    if "f2" in d:
        f2 = d.pop("f2")
        d["fallback"] = "none" if f2 in (None, "none") else _transform_name(f2, "f2")
    if "f1" in d and d["f1"] != "winsorise":
        d["f1"] = _transform_name(d["f1"], "f1 (winsorise or a transform)") \
            if d["f1"] not in COINR_TRANSFORMS.values() else d["f1"]
    _treat_params(d, f1_para, _F1_PARA, "f1_para")
    _treat_params(d, pass_para, _PASS_PARA, "f_pass_para")
    _treat_params(d, f2_para, {"lambda": "lam"}, "f2_para")
    for key in ("lam", "f1_lam"):
        if key in d and d[key] is not None:
            d[key] = _number(d[key], "lambda")
    return d
