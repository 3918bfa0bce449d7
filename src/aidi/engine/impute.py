"""Imputers: fill missing cells of a (..., n_units, n_indicators) array, column by column.

Each returns the filled array; the caller compares it with the input's missing cells to log
which cells were filled. The year-based fallback ("latest earlier year") lives in
`aidi.engine.select`, where the years are still known.
"""

from __future__ import annotations

import warnings

import numpy as np

Array = np.ndarray


def impute_none(x: Array) -> Array:
    return np.asarray(x, dtype=float).copy()


def _fill(x: Array, stat, groups: Array | None) -> Array:
    x = np.asarray(x, dtype=float)
    out = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column → stays NaN
        if groups is None:
            fill = stat(x, axis=-2, keepdims=True)
            return np.where(np.isnan(x), fill, x)
        groups = np.asarray(groups)
        for g in np.unique(groups[~_is_missing_group(groups)]):
            rows = groups == g
            sub = x[..., rows, :]
            fill = stat(sub, axis=-2, keepdims=True)
            out[..., rows, :] = np.where(np.isnan(sub), fill, sub)
    return out


def _is_missing_group(groups: Array) -> Array:
    return np.array([g is None or (isinstance(g, float) and np.isnan(g)) for g in groups])


def impute_mean(x: Array, groups: Array | None = None) -> Array:
    """Fill with the cross-unit mean of the indicator (within the unit's group if given).

    A unit with no group, or a group with no value, keeps its missing cell.
    """
    return _fill(x, np.nanmean, groups)


def impute_median(x: Array, groups: Array | None = None) -> Array:
    """Fill with the cross-unit median (within group if given)."""
    return _fill(x, np.nanmedian, groups)


def impute_min(x: Array, groups: Array | None = None) -> Array:
    """Fill with the lowest observed value (within group if given).

    For top-N lists (e.g. the 15 largest robot markets) a unit that is absent is known to be
    below the list's smallest entry: the minimum is then an upper bound, not a guess.
    """
    return _fill(x, np.nanmin, groups)


def _nanmode(x: Array, axis: int = -2, keepdims: bool = True) -> Array:
    """Most frequent value along `axis`, ignoring NaN; ties → the smallest such value."""
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    srt = np.sort(x, axis=-1)  # NaN last
    n = srt.shape[-1]
    # run length of equal values ending at each position
    same = np.concatenate([np.zeros(srt.shape[:-1] + (1,), bool), srt[..., 1:] == srt[..., :-1]],
                          axis=-1)
    run = np.zeros(srt.shape)
    for k in range(n):  # n = units: a short loop, vectorised over the other axes
        run[..., k] = np.where(same[..., k], run[..., k - 1] + 1 if k else 1, 1)
    run = np.where(np.isnan(srt), 0, run)
    best = np.argmax(run, axis=-1)  # first maximum → smallest value among ties
    out = np.take_along_axis(srt, best[..., None], axis=-1)
    out = np.where(np.all(np.isnan(srt), axis=-1, keepdims=True), np.nan, out)
    out = np.moveaxis(out, -1, axis)
    return out if keepdims else np.squeeze(out, axis)


def impute_mode(x: Array, groups: Array | None = None) -> Array:
    """Fill with the most frequent value (within group if given) — for ordinal or categorical
    indicators (scores 0–5, yes/no) where a mean is not a possible value. Not in COINr."""
    return _fill(x, _nanmode, groups)


IMPUTERS = {"none": impute_none, "mean": impute_mean, "median": impute_median, "min": impute_min,
            "mode": impute_mode}


def impute_row(x: Array, stat: str = "mean", directions: Array | None = None,
               normalise_first: bool = True) -> Array:
    """COINr `Impute(impute_by = "row")`: fill a unit's missing indicators with the mean (or
    median) of its other indicators.

    With `normalise_first` (COINr's default for rows) each column is first multiplied by its
    direction and min–max scaled onto [0, 1], the row statistic taken there, and the result
    mapped back to the column's own scale — otherwise indicators in different units would be
    averaged. Works on (..., n_units, n_indicators).
    """
    x = np.asarray(x, dtype=float)
    d = np.ones(x.shape[-1]) if directions is None else np.asarray(directions, dtype=float)
    f = {"mean": np.nanmean, "median": np.nanmedian}[stat]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if normalise_first:
            o = x * d
            lo = np.nanmin(o, axis=-2, keepdims=True)
            hi = np.nanmax(o, axis=-2, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                z = (o - lo) / (hi - lo)
            fill = f(z, axis=-1, keepdims=True)
            back = (fill * (hi - lo) + lo) * d
        else:
            back = np.broadcast_to(f(x, axis=-1, keepdims=True), x.shape)
    return np.where(np.isnan(x), back, x)


def impute_iterative(x: Array, max_iter: int = 10, seed: int = 0) -> Array:
    """scikit-learn's IterativeImputer: each indicator with gaps is regressed (Bayesian ridge)
    on the others, round robin, until the fills settle — a chained-equations cousin of EM that
    uses the correlation between indicators. Deterministic for a given `seed`. Not in COINr."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError("iterative imputation takes one (units × indicators) matrix")
    keep = ~np.all(np.isnan(x), axis=0)
    out = x.copy()
    if keep.any() and np.isnan(x[:, keep]).any():
        imp = IterativeImputer(max_iter=max_iter, random_state=seed, sample_posterior=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter is reported below
            out[:, keep] = imp.fit_transform(x[:, keep])
    return out


def impute_knn(x: Array, n_neighbors: int = 5) -> Array:
    """scikit-learn's KNNImputer: the mean of the `n_neighbors` units nearest on the indicators
    both have (NaN-Euclidean distance). Columns are min–max scaled for the distance only, so an
    indicator in large units does not decide who is near; fills are in the column's own
    units. Not in COINr."""
    from sklearn.impute import KNNImputer

    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError("kNN imputation takes one (units × indicators) matrix")
    keep = ~np.all(np.isnan(x), axis=0)
    out = x.copy()
    if keep.any() and np.isnan(x[:, keep]).any():
        sub = x[:, keep]
        lo, hi = np.nanmin(sub, axis=0), np.nanmax(sub, axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        z = KNNImputer(n_neighbors=n_neighbors).fit_transform((sub - lo) / span)
        out[:, keep] = np.where(np.isnan(sub), z * span + lo, sub)
    return out


def impute_panel(x: Array, times: Array, method: str = "latest",
                 max_time: int | None = None) -> Array:
    """COINr `impute_panel` on a (n_times, n_units, n_indicators) array, `times` ascending.

    - `latest`: a missing cell takes the unit's latest earlier value, looking back at most
      `max_time` time points (never forwards);
    - `constant` / `linear`: R's `approx(rule = 2)` along time per unit and indicator — step
      or straight-line interpolation between observed points, and the nearest observed value
      before the first and after the last.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(times, dtype=float)
    if x.ndim != 3 or t.shape != (x.shape[0],) or np.any(np.diff(t) <= 0):
        raise ValueError("impute_panel takes (times, units, indicators) with ascending times")
    if method == "latest":
        out = x.copy()
        look = x.shape[0] - 1 if max_time is None else max_time
        for lag in range(1, look + 1):  # a loop over time lags, vectorised over cells
            prev = np.full_like(x, np.nan)
            prev[lag:] = x[:-lag]
            out = np.where(np.isnan(out), prev, out)
        return out
    if method not in ("constant", "linear"):
        raise ValueError("method must be latest, constant or linear")
    flat = x.reshape(x.shape[0], -1)
    out = flat.copy()
    for c in np.flatnonzero(np.isnan(flat).any(axis=0) & ~np.isnan(flat).all(axis=0)):
        ok = ~np.isnan(flat[:, c])
        tt, yy = t[ok], flat[ok, c]
        if method == "linear":
            out[:, c] = np.interp(t, tt, yy)  # ends held at the nearest value: rule = 2
        else:
            idx = np.searchsorted(tt, t, side="right") - 1  # last observed at or before
            out[:, c] = yy[np.clip(idx, 0, len(yy) - 1)]
    return out.reshape(x.shape)


def ancestors_at(parent_of: dict[str, str], ids: list[str], level: int) -> list[str]:
    """Each indicator's ancestor at COINr level `level` (indicators are level 1, their parents
    2, …): the groups COINr's `Impute(group_level = …)` imputes rows within."""
    out = []
    for code in ids:
        node = code
        for _ in range(level - 1):
            if node not in parent_of:
                raise ValueError(f"group_level {level} is above the top of the tree (indicator "
                                 f"{code!r})")
            node = parent_of[node]
        out.append(node)
    return out


def _row_groups(cols: list[int], imp, lineage) -> list[list[int]]:
    level = getattr(imp, "group_level", None)
    if not level or not imp.method.startswith("row_"):
        return [cols]
    if lineage is None or level not in lineage:
        raise ValueError(f"group_level {level} needs the indicators' ancestors (lineage)")
    groups: dict[str, list[int]] = {}
    for j in cols:
        groups.setdefault(lineage[level][j], []).append(j)
    return list(groups.values())


def impute_matrix(x: Array, settings: list, unit_info=None,
                  names: list[str] | None = None, directions: Array | None = None,
                  lineage: dict[int, list[str]] | None = None) -> Array:
    """Impute each column of an (n_units × n_indicators) array by its own `Impute` setting
    (method, optional grouping attribute looked up in `unit_info`, a DataFrame by unit).

    Column methods run per column; matrix methods (flagged `matrix` in the registry) run once
    over all the columns that share the same setting, filling only those columns. `directions`
    is used by the row methods' min–max step (all +1 when not given).
    """
    from aidi.engine import registry  # the registry imports this module

    matrix = {s.method for s in settings if registry.method("impute", s.method).matrix}
    x = np.asarray(x, dtype=float)
    out = x.copy()
    names = names or [str(j) for j in range(x.shape[-1])]
    d = np.ones(x.shape[-1]) if directions is None else np.asarray(directions, dtype=float)
    shared: dict[object, list[int]] = {}
    for j, imp in enumerate(settings):
        if imp.method in matrix:
            shared.setdefault(imp, []).append(j)
    for imp, all_cols in shared.items():
        for cols in _row_groups(all_cols, imp, lineage):
            if not np.isnan(x[:, cols]).any():
                continue
            sub = x[:, cols]
            if imp.method in ("row_mean", "row_median"):
                res = impute_row(sub, imp.method.removeprefix("row_"), d[cols],
                                 imp.normalise_first)
            elif imp.method == "iterative":
                res = impute_iterative(sub, imp.max_iter, imp.seed)
            else:
                res = impute_knn(sub, imp.n_neighbors)
            out[:, cols] = res
    for j, imp in enumerate(settings):
        if imp.method == "none" or imp.method in matrix or not np.isnan(x[:, j]).any():
            continue
        groups = None
        if imp.group:
            if unit_info is None or imp.group not in unit_info.columns:
                raise ValueError(f"indicator {names[j]!r} imputes by group {imp.group!r}, but the "
                                 "units have no such attribute (pass unit_info with that column)")
            groups = unit_info[imp.group].to_numpy(dtype=object)
        out[:, j] = IMPUTERS[imp.method](x[:, [j]], groups)[:, 0]
    return out
