"""Unit screening by data availability and by zeros (COINr's `Screen`)."""

from __future__ import annotations

import numpy as np


def availability(x: np.ndarray) -> np.ndarray:
    """Share of non-missing indicators per unit (rows of an n_units × n_indicators array)."""
    x = np.asarray(x, dtype=float)
    return (~np.isnan(x)).sum(axis=-1) / x.shape[-1]


def nonzero_share(x: np.ndarray) -> np.ndarray:
    """COINr's `Non_Zero`: 1 − zeros / values present, per unit (NaN for a unit with none)."""
    x = np.asarray(x, dtype=float)
    present = (~np.isnan(x)).sum(axis=-1)
    zeros = (x == 0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - zeros / present


def screen_mask(x: np.ndarray, units: list[str], unit_screen: str = "byNA",
                dat_thresh: float = 0.0, nonzero_thresh: float = 0.05,
                force_include: tuple[str, ...] = (),
                force_exclude: tuple[str, ...] = ()) -> np.ndarray:
    """COINr's `Screen.data.frame`: which units are kept (True).

    byNA: availability ≥ `dat_thresh`; byzeros: non-zero share ≥ `nonzero_thresh`;
    byNAandzeros: both. Then `force_include` / `force_exclude` (COINr `Force`) override; a
    forced unit that is not among `units` is an error, as in COINr.
    """
    if unit_screen not in ("byNA", "byzeros", "byNAandzeros"):
        raise ValueError(f"unit_screen must be byNA, byzeros or byNAandzeros, got {unit_screen!r}")
    low_data = availability(x) < dat_thresh - 1e-12
    with np.errstate(invalid="ignore"):
        low_nonzero = nonzero_share(x) < nonzero_thresh
    keep = {"byNA": ~low_data, "byzeros": ~low_nonzero,
            "byNAandzeros": ~(low_data | low_nonzero)}[unit_screen]
    unknown = sorted((set(force_include) | set(force_exclude)) - set(units))
    if unknown:
        raise ValueError(f"Force names unit(s) {unknown} that are not in the data")
    codes = np.asarray(units, dtype=object)
    keep = np.where(np.isin(codes, list(force_include)), True, keep)
    return np.where(np.isin(codes, list(force_exclude)), False, keep)
