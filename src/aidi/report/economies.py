"""What the tables and the charts both say about economies: their names in a language, and
each one's quadrant on the two pillars. Plain pandas — no matplotlib — so a build without
figures never imports a plotting library (`aidi.report.charts` re-exports these)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def economy_name(iso3: str, lang: str) -> str:
    """`aidi.countries` name of an economy, or the code itself if the lookup fails."""
    try:
        from aidi.countries import name_en, name_zh

        return (name_zh if lang == "zh" else name_en)(iso3) or iso3
    except (ImportError, KeyError, LookupError, ValueError):
        return iso3


def numeric_column(scores: pd.DataFrame, col: str) -> np.ndarray:
    """A column as floats (NaN where missing or not a number; all NaN if absent)."""
    if col not in scores:
        return np.full(len(scores), np.nan)
    return pd.to_numeric(scores[col], errors="coerce").to_numpy(dtype=float)


def quadrants(scores: pd.DataFrame, x: str, y: str) -> pd.Series:
    """Each economy's quadrant id relative to the medians of the columns `x` and `y` (the
    spec's presentation quadrant, its two pillars; ties count as above).

    Medians rather than the reference's 1: with USA = 1 nearly every economy lies below 1 on
    both pillars, so lines at 1 would say nothing; medians split the group into R&D-led,
    application-led, balanced and catching-up economies, the source's comparative advantages.
    """
    ta, mf = numeric_column(scores, x), numeric_column(scores, y)
    ta_hi = ta >= np.nanmedian(ta) if np.isfinite(ta).any() else np.zeros(len(ta), bool)
    mf_hi = mf >= np.nanmedian(mf) if np.isfinite(mf).any() else np.zeros(len(mf), bool)
    out = np.where(ta_hi & mf_hi, "balanced",
                   np.where(ta_hi, "rd_led", np.where(mf_hi, "application_led", "catching_up")))
    out = np.where(np.isfinite(ta) & np.isfinite(mf), out, None)
    return pd.Series(out, index=scores.index, name="quadrant", dtype=object)
