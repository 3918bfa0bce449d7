"""Helpers for the port of COINr's tests/testthat: COINr calls written with aidi's API."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.engine.normalise import normalise_matrix
from aidi.engine.pipeline import build
from aidi.sources.coinr import read_coin
from aidi.specs.schema import Normalise
from tests._coinr_reference import ASEM


def norm(x, f_n: str | None = None, direction: int = 1, spec: dict | None = None,
         **para) -> np.ndarray:
    """`Normalise(x, f_n, f_n_para = list(...))` on one vector (units U0, U1, …); `spec`
    gives aidi's own syntax instead (for COINr functions called with an explicit direction)."""
    s = Normalise.model_validate(spec if spec is not None else
                                 {"f_n": f_n or "n_minmax", **({"f_n_para": para} if para
                                                               else {})})
    x = np.asarray(x, dtype=float)
    units = [f"U{i}" for i in range(x.size)]
    return normalise_matrix(x[:, None], [s], np.array([float(direction)]), units)[:, 0]


def coin(steps: list[dict], meta=None, data=None):
    """`new_coin(ASEM_iData, ASEM_iMeta)` then the given steps (COINr syntax), built."""
    meta = meta or ASEM / "ASEM_iMeta.csv"
    data = data or ASEM / "ASEM_iData.csv"
    spec, obs, info = read_coin(data, meta, {"steps": steps})
    return build(spec, obs, unit_info=info)


def raw(result) -> pd.DataFrame:
    """The build's indicator values before any step (COINr's "Raw" data set)."""
    return result.data


def runif(shape, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(size=shape)
