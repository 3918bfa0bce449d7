"""Unit screening by data availability."""

from __future__ import annotations

import numpy as np


def availability(x: np.ndarray) -> np.ndarray:
    """Share of non-missing indicators per unit (rows of an n_units × n_indicators array)."""
    x = np.asarray(x, dtype=float)
    return (~np.isnan(x)).sum(axis=-1) / x.shape[-1]


def screen_units(x: np.ndarray, min_availability: float) -> np.ndarray:
    """Boolean mask of the units kept: availability ≥ `min_availability`."""
    if not 0 <= min_availability <= 1:
        raise ValueError("min_availability must be in [0, 1]")
    return availability(x) >= min_availability - 1e-12
