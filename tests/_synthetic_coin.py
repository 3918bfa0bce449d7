"""Synthetic COINr tables of any size, for the scale tests and `benchmarks/bench_scale.py`.

An `iData` of `n_units` units (codes U000000, …) and `n_indicators` log-normal indicators with
a share of missing cells, and an `iMeta` with a 3-level tree: indicators → `n_dims`
dimensions (round robin) → two pillars → the index; weights 1, direction 1. Read with
`aidi.read_coin` (COINr's default steps: min–max onto 0–100, arithmetic means).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def write_coin(folder: Path, n_units: int, n_indicators: int = 50, *, n_dims: int = 10,
               missing: float = 0.02, seed: int = 0) -> tuple[Path, Path]:
    """Write `iData.csv` and `iMeta.csv` into `folder`; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    codes = [f"U{i:06d}" for i in range(n_units)]
    ind = [f"i{j:03d}" for j in range(n_indicators)]
    dims = [f"d{k:02d}" for k in range(min(n_dims, n_indicators))]
    x = rng.lognormal(0.0, 1.0, (n_units, n_indicators))
    x[rng.random(x.shape) < missing] = np.nan
    data = pd.DataFrame(x, columns=ind)
    data.insert(0, "uCode", codes)
    data.insert(0, "uName", codes)
    data["Time"] = 2020
    rows = [{"Level": 1, "iCode": c, "iName": c, "Direction": 1, "Weight": 1,
             "Parent": dims[j % len(dims)], "Type": "Indicator"} for j, c in enumerate(ind)]
    rows += [{"Level": 2, "iCode": c, "iName": c, "Direction": 1, "Weight": 1,
              "Parent": f"p{k % 2}", "Type": "Aggregate"} for k, c in enumerate(dims)]
    rows += [{"Level": 3, "iCode": f"p{k}", "iName": f"p{k}", "Direction": 1, "Weight": 1,
              "Parent": "Index", "Type": "Aggregate"} for k in range(2)]
    rows.append({"Level": 4, "iCode": "Index", "iName": "Index", "Direction": 1, "Weight": 1,
                 "Parent": None, "Type": "Aggregate"})
    idata, imeta = folder / "iData.csv", folder / "iMeta.csv"
    data.to_csv(idata, index=False)
    pd.DataFrame(rows).to_csv(imeta, index=False)
    return idata, imeta


def synthetic_build(folder: Path, n_units: int, n_indicators: int = 50, **kw):
    """`aidi.build(data=aidi.read_coin(...))` on freshly written synthetic tables."""
    import aidi

    return aidi.build(data=aidi.read_coin(*write_coin(folder, n_units, n_indicators, **kw)))
