"""S-curves of technology adoption: US households (Comin–Hobijn) and the AI series.

The source's rule: general-purpose technologies (electricity, PCs) crossed the *second*
inflection of their S-curve about 35 years after introduction, at about 70 % household
adoption. "Second inflection" is read as in its figure 1.7 — where growth starts to slow,
i.e. the minimum of the curve's second derivative (for a logistic at ≈78.9 % of saturation,
for a Gompertz at ≈68 %). "Introduction" is the year the fitted curve reaches 1 % of
households (the compiled series mostly start at 10 %, so this is an extrapolation of the
fitted curve and is flagged as such).

Each series is trimmed at its maximum (landlines and cars fall later; a diffusion curve is
about the rise). An inflection counts as *located* only when no parameter ended on a bound
and it lies inside the observed years; otherwise the series is too short (or still
exponential) to place it, and the table says so instead of reporting an extrapolation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.analysis.trends.fits import CURVES, CurveFit, fit_curve, summarise

INTRO_LEVEL = 1.0
MIN_POINTS = 6

#: AI series fitted with the same models: (series, geo, label, saturation bound × max).
AI_SERIES: tuple[tuple[str, str, str, float], ...] = (
    ("investment.private", "World", "AI private investment (AI Index, Quid)", 20.0),
    ("companies.newly_funded", "World", "Newly funded AI companies (AI Index, Quid)", 20.0),
    ("patents.granted", "World", "AI patents granted (AI Index)", 20.0),
    ("publications.cs", "World", "AI publications in CS (AI Index)", 20.0),
    ("adoption.genai_user_share", "USA", "Generative-AI user share, USA (Microsoft)", 0.0),
)


def trim_rise(years: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The series up to (and including) its first maximum, sorted by year."""
    order = np.argsort(years, kind="mergesort")
    years, values = years[order], values[order]
    stop = int(np.argmax(values)) + 1
    return years[:stop], values[:stop]


def fit_row(name: str, fit: CurveFit, *, levels: tuple[float, ...] = (INTRO_LEVEL, 70.0),
            natural_cap: bool = False) -> dict[str, object]:
    """One table row: parameters, landmarks with intervals, and whether they are located.

    ``natural_cap``: the saturation bound is a real ceiling (100 % of households), so a fit
    that reaches it is full adoption, not an unidentified saturation.
    """
    s = fit.landmark_samples(levels)
    bound = [p for p in fit.at_bound if not (natural_cap and p == "K")]
    row: dict[str, object] = {"series": name, "model": fit.model, "n": int(fit.t.size),
                              "first_year": float(fit.t.min()), "last_year": float(fit.t.max()),
                              "rmse": fit.rmse, "at_bound": ";".join(bound)}
    for pname, value in zip(CURVES[fit.model].params, fit.theta, strict=True):
        row[f"param_{pname}"] = float(value)
    for key in ("saturation", "inflection_year", "first_inflection_year",
                "second_inflection_year", "second_inflection_level"):
        row[key], row[f"{key}_lo"], row[f"{key}_hi"] = summarise(s[key])
    intro = s.get(f"year_at_{INTRO_LEVEL:g}")
    if intro is not None:
        row["intro_year"] = float(intro[0])
        row["intro_extrapolated"] = bool(intro[0] < fit.t.min())
        for key, target in (("years_to_70", s.get("year_at_70")),
                            ("years_to_second", s["second_inflection_year"])):
            if target is None:
                continue
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = summarise(target - intro)
    mid = float(row["inflection_year"])
    row["located"] = not bound and fit.t.min() <= mid <= fit.t.max()
    row["first_inflection_passed"] = bool(
        row["located"] and np.isfinite(row["first_inflection_year_hi"])
        and row["first_inflection_year_hi"] <= fit.t.max())
    return row


def household_fits(adoption: pd.DataFrame, *, n_boot: int, seed: int,
                   models: tuple[str, ...] = ("logistic", "gompertz", "bass")) -> pd.DataFrame:
    """Every US household technology × S-curve model (Bass only with ≥ 8 points)."""
    rows = []
    for i, (tech, group) in enumerate(adoption.groupby("technology", sort=True)):
        years, share = trim_rise(group["year"].to_numpy(float), group["share_pct"].to_numpy(float))
        if years.size < MIN_POINTS or share.max() - share.min() < 10:
            continue
        for j, model in enumerate(models):
            if model == "bass" and years.size < 8:
                continue
            fit = fit_curve(model, years, share, k_max=100.0, n_boot=n_boot,
                            seed=seed + 100 * i + j)
            rows.append(fit_row(tech, fit, natural_cap=True))
    return pd.DataFrame(rows)


def ai_fits(series: pd.DataFrame, *, n_boot: int, seed: int) -> pd.DataFrame:
    """Logistic and Gompertz fits of the AI series, or a row saying why there is none."""
    rows = []
    for i, (name, geo, label, k_factor) in enumerate(AI_SERIES):
        sub = series[(series["series"] == name) & (series["geo"] == geo)]
        years, values = sub["year"].to_numpy(float), sub["value"].to_numpy(float)
        base = {"series": label, "series_id": name, "geo": geo, "n": int(years.size),
                "first_year": float(years.min()) if years.size else np.nan,
                "last_year": float(years.max()) if years.size else np.nan}
        if years.size < MIN_POINTS:
            rows.append({**base, "model": "logistic", "located": False,
                         "note": f"only {years.size} observations: too short to locate an "
                                 "inflection"})
            continue
        order = np.argsort(years)
        years, values = years[order], values[order]
        k_max = k_factor * float(values.max()) if k_factor else 100.0
        for j, model in enumerate(("logistic", "gompertz")):
            fit = fit_curve(model, years, values, k_max=k_max, n_boot=n_boot,
                            seed=seed + 1000 + 10 * i + j)
            row = fit_row(label, fit, levels=())
            note = ("inflection located inside the data" if row["located"] else
                    "not located: " + (f"{row['at_bound']} on its bound (no saturation in "
                                       "sight)" if row["at_bound"] else
                                       "the fitted inflection lies outside the observed years"))
            rows.append({**base, **row, "series": label, "note": note})
    return pd.DataFrame(rows)
