"""Training-compute growth of notable AI models (the source's figure 1.10a).

The source quotes Epoch's eras: compute doubled every ≈21.6 months before 2010 and every ≈6
months since. Here the break is *estimated* (profile least squares over candidate years,
:func:`aidi.analysis.trends.fits.segmented`) on Epoch's notable models, with bootstrap
intervals that carry the break's uncertainty into both doubling times. The "largest runs"
reading is checked on Epoch's frontier flag, and the post-break trend is fitted by domain
(language, vision, games, other), as the figure draws it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.analysis.trends.fits import LinearTrend, SegmentedTrend, loglinear, segmented

DATA = "Epoch AI notable models (training compute, FLOP)"
GROWTH_YEARS = 13.0  # the source's "over the past 13 years"


def compute_points(models: pd.DataFrame) -> pd.DataFrame:
    """Models with a positive training compute and a publication date."""
    return models[(models["compute_flop"] > 0) & models["year"].notna()].reset_index(drop=True)


def _growth(slopes: np.ndarray | float, years: float = GROWTH_YEARS) -> np.ndarray | float:
    return 10.0 ** (np.asarray(slopes, dtype=float) * years)


def _row(scope: str, segment: str, x: pd.Series, trend: LinearTrend, **extra: object) -> dict:
    lo, hi = trend.doubling_ci
    g_lo, g_hi = (float(_growth(s)) for s in trend.slope_ci)
    return {"scope": scope, "segment": segment, "start_year": float(x.min()),
            "end_year": float(x.max()), "n": trend.n, "slope_log10": trend.slope,
            "intercept_log10": trend.intercept, "doubling_months": trend.doubling_months,
            "doubling_lo": lo, "doubling_hi": hi,
            "growth_13y": float(_growth(trend.slope)), "growth_13y_lo": g_lo,
            "growth_13y_hi": g_hi, "data": DATA, "method": "log-linear OLS, pairs bootstrap",
            **extra}


def segmented_table(fit: SegmentedTrend, points: pd.DataFrame) -> pd.DataFrame:
    """The two segments of the estimated-break fit as rows of the fit table."""
    rows = []
    b_lo, b_hi = fit.break_ci
    for segment, slope, boot in (("pre", fit.pre_slope, fit.pre_boot),
                                 ("post", fit.post_slope, fit.post_boot)):
        d_lo, d_hi = fit.doubling_ci(segment)
        s_lo, s_hi = np.quantile(boot[np.isfinite(boot)], [0.025, 0.975])
        side = points["year"] < fit.break_year if segment == "pre" else (
            points["year"] >= fit.break_year)
        rows.append({
            "scope": "all_notable", "segment": segment,
            "start_year": float(points.loc[side, "year"].min()),
            "end_year": float(points.loc[side, "year"].max()), "n": int(side.sum()),
            "slope_log10": slope, "intercept_log10": fit.intercept - slope * fit.break_year,
            "doubling_months": fit.doubling(segment), "doubling_lo": d_lo, "doubling_hi": d_hi,
            "growth_13y": float(_growth(slope)), "growth_13y_lo": float(_growth(s_lo)),
            "growth_13y_hi": float(_growth(s_hi)),
            "break_year": fit.break_year, "break_lo": b_lo, "break_hi": b_hi,
            "data": DATA, "method": "continuous two-segment log-linear fit, break by profile "
                                    "least squares, pairs bootstrap (break re-estimated)"})
    return pd.DataFrame(rows)


def compute_trends(models: pd.DataFrame, *, n_boot: int, seed: int
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(fits, domain_fits, profile): the estimated-break fit with its fixed-2010 and frontier
    companions; the post-break trend by domain; the break's least-squares profile."""
    pts = compute_points(models)
    fit = segmented(pts["year"].to_numpy(), pts["compute_flop"].to_numpy(), n_boot=n_boot,
                    seed=seed)
    rows = [segmented_table(fit, pts)]
    extra: list[dict] = []
    for label, mask in (("pre", pts["year"] < 2010), ("post", pts["year"] >= 2010)):
        sub = pts[mask]
        trend = loglinear(sub["year"], sub["compute_flop"], n_boot=n_boot, seed=seed + 1)
        extra.append(_row("all_notable_fixed_2010", label, sub["year"], trend, break_year=2010.0))
    frontier = pts[pts["frontier"].astype(bool) & (pts["year"] >= fit.break_year)]
    if len(frontier) >= 3:
        trend = loglinear(frontier["year"], frontier["compute_flop"], n_boot=n_boot,
                          seed=seed + 2)
        extra.append(_row("frontier", "post", frontier["year"], trend,
                          break_year=fit.break_year))
    fits = pd.concat([*rows, pd.DataFrame(extra)], ignore_index=True)
    domain_rows = []
    post = pts[pts["year"] >= fit.break_year]
    for i, (group, sub) in enumerate(post.groupby("domain_group", sort=True)):
        if len(sub) < 3:
            continue
        trend = loglinear(sub["year"], sub["compute_flop"], n_boot=n_boot, seed=seed + 10 + i)
        domain_rows.append(_row(f"domain_{group}", "post", sub["year"], trend,
                                break_year=fit.break_year))
    profile = pd.DataFrame({"break_year": fit.grid, "sse": fit.profile_sse})
    return fits, pd.DataFrame(domain_rows), profile
