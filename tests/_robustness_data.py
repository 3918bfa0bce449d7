"""A synthetic 20-economy index for the robustness tests and the benchmark.

Shaped like the AIDI: two pillars standardised to USA = 1 and combined by a geometric mean,
five dimensions, twelve indicators, frontier normalisation, missing cells (one indicator imputed
by `min`, as the AIDI's top-N lists), one negative-direction indicator, one winsorised indicator,
and optionally two economies with zero compute (so a geometric mean meets a zero).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult, build
from aidi.specs.loader import spec_from_dict
from aidi.specs.schema import IndexSpec

UNITS = ["USA", "CHN", "DEU", "JPN", "IND", "GBR", "FRA", "ITA", "BRA", "CAN", "RUS", "MEX",
         "AUS", "KOR", "ESP", "IDN", "NLD", "TUR", "SAU", "CHE"]


def _ind(i: int, **extra: object) -> dict:
    return {"id": f"i{i}", "name": {"en": f"indicator {i}"}, "series": f"syn.s{i}", **extra}


def synthetic_spec_dict() -> dict:
    return {
        "id": "synthetic", "name": {"en": "Synthetic index"}, "reference": "USA",
        "units": UNITS,
        "defaults": {"normalise": {"method": "frontier"}},
        "root": {
            "id": "index", "name": {"en": "Index"}, "aggregate": {"method": "geometric"},
            "standardise": "ratio", "children": [
                {"id": "tech", "name": {"en": "Tech"}, "standardise": "ratio", "children": [
                    {"id": "compute", "name": {"en": "Compute"},
                     "children": [_ind(1), _ind(2, treat={"method": "winsorise"})]},
                    {"id": "talent", "name": {"en": "Talent"}, "weight": 2.0,
                     "children": [_ind(3), _ind(4), _ind(5, impute={"method": "min"})]},
                    {"id": "finance", "name": {"en": "Finance"},
                     "children": [_ind(6), _ind(7, weight=0.5)]}]},
                {"id": "market", "name": {"en": "Market"}, "standardise": "ratio", "children": [
                    {"id": "adoption", "name": {"en": "Adoption"},
                     "children": [_ind(8), _ind(9)]},
                    {"id": "policy", "name": {"en": "Policy"},
                     "children": [_ind(10), _ind(11), _ind(12, direction=-1)]}]}]},
    }


def synthetic_spec() -> IndexSpec:
    return spec_from_dict(synthetic_spec_dict())


def synthetic_observations(seed: int = 7, zeros: bool = True,
                           missing: bool = True) -> pd.DataFrame:
    """Tidy observations for the synthetic spec (one year, 2022)."""
    rng = np.random.default_rng(seed)
    n = len(UNITS)
    size = rng.lognormal(0.0, 1.0, n)
    size[0] = size.max() * 1.3  # the reference leads most indicators, as the USA does
    vals = {}
    for i in range(1, 13):
        base = size if i <= 7 else rng.lognormal(0.0, 0.3, n)
        vals[i] = base * rng.lognormal(0.0, 0.5 if i <= 7 else 0.2, n) * 10 ** (i % 3)
    if zeros:
        for i in (1, 2):
            vals[i][[11, 15]] = 0.0  # MEX, IDN: no compute at all
    if missing:
        vals[3][[8, 17]] = np.nan
        vals[5][[9, 12, 18]] = np.nan
        vals[10][[4]] = np.nan
    rows = [(u, 2022, f"syn.s{i}", float(v[k]), "u", "synthetic", "syn.csv")
            for i, v in vals.items() for k, u in enumerate(UNITS) if np.isfinite(v[k])]
    return pd.DataFrame(rows, columns=["iso3", "year", "series", "value", "unit", "source",
                                       "file"])


def synthetic_build(zeros: bool = True, missing: bool = True,
                    seed: int = 7) -> tuple[IndexSpec, pd.DataFrame, BuildResult]:
    spec = synthetic_spec()
    obs = synthetic_observations(seed, zeros, missing)
    return spec, obs, build(spec, obs)


def synthetic_api_build(syn: tuple[IndexSpec, pd.DataFrame, BuildResult]):
    """The synthetic build as the `aidi.Build` a command starts from (same spec and data)."""
    from aidi.api import Build, Inputs

    return Build.from_inputs(Inputs(syn[0], syn[1]))
