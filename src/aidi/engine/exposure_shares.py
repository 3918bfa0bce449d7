"""The AI-exposure model's pure maths: exposure scores → 0–1 shares, and NAICS → model
industries by crosswalk-weighted means.

These run both when the snapshot is built (`aidi.sources.raw.aioe` writes the industry
exposure table) and in the exposure model (`aidi.inputs.exposure_model`), so they live below
both: pure functions over arrays and small frames, importing nothing of aidi's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

#: The model's industries, in display order; together they make up total value added.
INDUSTRIES: tuple[str, ...] = ("AB", "D", "CE_excl_D", "F", "GH", "I", "JP")

INDUSTRY_NAMES: dict[str, str] = {
    "AB": "Agriculture, hunting, forestry, fishing (ISIC Rev.3 A-B)",
    "D": "Manufacturing (ISIC Rev.3 D)",
    "CE_excl_D": "Mining and utilities (ISIC Rev.3 C and E = C-E minus D)",
    "F": "Construction (ISIC Rev.3 F)",
    "GH": "Wholesale, retail trade, restaurants and hotels (ISIC Rev.3 G-H)",
    "I": "Transport, storage and communication (ISIC Rev.3 I)",
    "JP": "Other activities: finance, real estate, business services, public admin., "
          "education, health... (ISIC Rev.3 J-P)",
}

SHARE_METHODS: tuple[str, ...] = ("minmax", "rank", "logistic", "as_is")
ShareMethod = Literal["minmax", "rank", "logistic", "as_is"]


# ----------------------------------------------------------------------------------------
# From standardised scores to a 0–1 "exposed share"
# ----------------------------------------------------------------------------------------

def exposure_to_share(
    scores: Sequence[float] | np.ndarray | pd.Series,
    method: ShareMethod = "minmax",
    *,
    reference: Sequence[float] | np.ndarray | pd.Series | None = None,
    slope: float = 1.0,
    midpoint: float = 0.0,
) -> np.ndarray | pd.Series:
    """Turn exposure scores into a 0–1 "theoretically exposed share".

    Felten et al. publish AIIE standardised across US industries (mean 0, sd 1), so there is
    no natural zero or one: turning them into a share is a modelling choice, made explicit:

    * ``"minmax"`` (default): ``(x − min) / (max − min)`` over ``reference`` (default: the
      scores themselves), clipped to [0, 1]. It is affine, so it keeps the *relative distances*
      between industries that the published scores measure, and it needs no free parameter:
      the least exposed industry of the reference universe means "no exposure", the most
      exposed "full exposure". Used on the 4-digit NAICS universe of a variant (≈250
      industries) *before* aggregation, the anchors are the published extremes, so none of
      the seven aggregated industries is forced to exactly 0 or 1 (which min–max over only
      seven aggregates would do, wiping out agriculture's contribution). Being affine, it
      commutes with the weighted-mean aggregation, so the order does not matter for it (it
      does for the two non-linear methods). Read the result as a relative 0–1 scale, not a
      measured share of tasks; the source's ≈50 % (China) and ≈55 % (mean) were not used
      to choose it — :func:`compare_with_source` only reports the gap.
    * ``"rank"``: mid-rank percentile within ``reference``, ``(rank − 1) / (n − 1)``; robust
      to outliers but throws away the magnitudes.
    * ``"logistic"``: ``1 / (1 + exp(−slope·(x − midpoint)))``; the average industry maps to
      0.5, but ``slope`` is an arbitrary free parameter.
    * ``"as_is"``: scores that already are shares (e.g. a user table); checked to lie in
      [0, 1].

    NaN stays NaN. A Series in gives a Series (same index) out; anything else an ndarray.
    """
    x = np.asarray(scores, dtype=float)
    ref = x if reference is None else np.asarray(reference, dtype=float)
    ref = ref[np.isfinite(ref)]
    if method == "minmax":
        out = _minmax(x, ref)
    elif method == "rank":
        out = _rank(x, ref)
    elif method == "logistic":
        out = 1.0 / (1.0 + np.exp(-slope * (x - midpoint)))
    elif method == "as_is":
        out = _as_is(x)
    else:
        raise ValueError(f"unknown exposure-to-share method {method!r}; use one of {SHARE_METHODS}")
    if isinstance(scores, pd.Series):
        return pd.Series(out, index=scores.index, name=scores.name)
    return out


def _minmax(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    lo, hi = ref.min(), ref.max()
    if hi <= lo:
        raise ValueError("min–max needs a reference with spread (max > min)")
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


def _rank(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    if ref.size < 2:
        raise ValueError("rank needs a reference of at least two scores")
    srt = np.sort(ref)
    below = np.searchsorted(srt, x, side="left")
    ties = np.searchsorted(srt, x, side="right") - below
    mid = below + np.maximum(ties - 1, 0) / 2.0
    out = np.clip(mid / (ref.size - 1), 0.0, 1.0)
    return np.where(np.isnan(x), np.nan, out)


def _as_is(x: np.ndarray) -> np.ndarray:
    finite = x[np.isfinite(x)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise ValueError("method 'as_is' needs scores already in [0, 1]; "
                         "use 'minmax', 'rank' or 'logistic' for standardised scores")
    return x.copy()


def aggregate_exposure(
    naics_exposure: pd.Series,
    crosswalk: pd.DataFrame,
    employment: pd.Series | None = None,
) -> pd.DataFrame:
    """Weighted mean of NAICS-level exposure per model industry.

    ``exposure_g = Σ_n w_ng·m_n·x_n / Σ_n w_ng·m_n`` where ``w_ng`` is the crosswalk weight of
    NAICS industry *n* in model industry *g* (weights sum to 1 per *n*) and ``m_n`` the
    employment weight (1 for every *n* when ``employment`` is None — equal weights, because
    no occupation-by-industry or industry employment table is available in the raw inputs).

    Returns one row per model industry: ``industry, exposure, n_naics`` (number of NAICS
    industries with a positive weight) and ``weight`` (Σ w_ng·m_n).
    """
    x = naics_exposure.dropna()
    cw = crosswalk[crosswalk["naics4"].isin(x.index) & (crosswalk["weight"] > 0)]
    missing = sorted(set(x.index) - set(cw["naics4"]))
    if missing:
        raise ValueError(f"NAICS industries without a crosswalk row: {missing}")
    m = pd.Series(1.0, index=x.index) if employment is None else employment.reindex(x.index)
    if m.isna().any():
        raise ValueError(f"employment weights missing for {sorted(m.index[m.isna()])}")
    w = cw["weight"].to_numpy() * m.loc[cw["naics4"]].to_numpy()
    frame = pd.DataFrame({"industry": cw["industry"].to_numpy(), "w": w,
                          "wx": w * x.loc[cw["naics4"]].to_numpy()})
    g = frame.groupby("industry", sort=False).agg(wx=("wx", "sum"), w=("w", "sum"),
                                                  n_naics=("w", "size"))
    g = g.reindex(list(INDUSTRIES))
    return pd.DataFrame({
        "industry": list(INDUSTRIES),
        "exposure": (g["wx"] / g["w"]).to_numpy(),
        "n_naics": g["n_naics"].fillna(0).astype(int).to_numpy(),
        "weight": g["w"].fillna(0.0).to_numpy(),
    })
