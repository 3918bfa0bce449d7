"""The written rule for saturated and stale series, applied to a build's indicators.

An indicator that nearly every economy maxes out cannot tell economies apart, and one whose
newest value predates the window measures a past the index does not describe. The rule
(docs/methodology.md, "Saturated and stale series"):

- **stale**: the newest year the indicator's values rest on (median over the economies with
  a value) is at least `STALE_YEARS` years before the edition's window starts;
- **saturated**: at least `SATURATED_SHARE` of the economies with a value score at least
  `NEAR_BEST` of the best economy's value (on the indicator's own scale, oriented so that
  larger is better).

What a spec does about a flagged indicator is the spec's: the validity-driven `aidi-2024`
replaces a stale series by a fresher one measuring the same thing (SPI 2019 → ODIN 2022) and
drops a saturated one when its dimension keeps other indicators (the Global Cybersecurity
Index); the source's own index `cicc-2024` keeps the items the text names, flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult

STALE_YEARS = 2
SATURATED_SHARE = 0.75
NEAR_BEST = 0.9
COLUMNS = ["indicator", "newest_year", "window_start", "stale", "share_near_best",
           "saturated", "n"]


def indicator_health(result: BuildResult) -> pd.DataFrame:
    """One row per indicator: its newest year, the share of economies near the best, and the
    two flags of the rule (module docstring)."""
    spec = result.spec
    rows = []
    for ind in spec.indicators():
        start = spec.effective_years(ind).start
        years = result.year_to[ind.id] if result.year_to is not None else pd.Series(np.nan)
        newest = float(np.nanmedian(years)) if years.notna().any() else float("nan")
        x = result.data[ind.id].to_numpy(dtype=float) * ind.direction
        x = x[np.isfinite(x)]
        share = float("nan")
        if len(x) and x.max() > 0 and (x >= 0).all():
            share = float((x >= NEAR_BEST * x.max()).mean())
        rows.append({"indicator": ind.id, "newest_year": newest, "window_start": start,
                     "stale": bool(np.isfinite(newest) and newest <= start - STALE_YEARS),
                     "share_near_best": share,
                     "saturated": bool(np.isfinite(share) and share >= SATURATED_SHARE),
                     "n": int(len(x))})
    return pd.DataFrame(rows, columns=COLUMNS)
