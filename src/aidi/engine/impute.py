"""Imputers: fill missing cells of a (..., n_units, n_indicators) array, column by column.

Each returns the filled array; `missing_mask(x)` tells the caller which cells were filled, which
is what the build log records. The year-based fallback ("latest earlier year") lives in
`aidi.engine.select`, where the years are still known.
"""

from __future__ import annotations

import warnings

import numpy as np

Array = np.ndarray


def missing_mask(x: Array) -> Array:
    return np.isnan(np.asarray(x, dtype=float))


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


IMPUTERS = {"none": impute_none, "mean": impute_mean, "median": impute_median, "min": impute_min}


def impute_matrix(x: Array, settings: list, unit_info=None,
                  names: list[str] | None = None) -> Array:
    """Impute each column of an (n_units × n_indicators) array by its own `Impute` setting
    (method, optional grouping attribute looked up in `unit_info`, a DataFrame by unit)."""
    x = np.asarray(x, dtype=float)
    out = x.copy()
    names = names or [str(j) for j in range(x.shape[-1])]
    for j, imp in enumerate(settings):
        if imp.method == "none" or not np.isnan(x[:, j]).any():
            continue
        groups = None
        if imp.group:
            if unit_info is None or imp.group not in unit_info.columns:
                raise ValueError(f"indicator {names[j]!r} imputes by group {imp.group!r}, but the "
                                 "units have no such attribute (pass unit_info with that column)")
            groups = unit_info[imp.group].to_numpy(dtype=object)
        out[:, j] = IMPUTERS[imp.method](x[:, [j]], groups)[:, 0]
    return out
