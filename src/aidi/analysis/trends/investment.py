"""AI investment, newly funded companies, publications and patents by year (figures 1.8b, 1.12).

The source says private AI investment and newly funded AI companies "accelerated from 2021"
and that AI papers and patents accelerate. "Accelerated" is tested as a higher log-linear
growth rate in the later window than in the earlier one (with bootstrap intervals), beside
the one-year jump into the split year — the two readings can disagree, and the table shows
both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.analysis.trends.fits import loglinear

#: (series, geo, split year): growth before the split vs from the split on.
GROWTH_SPLITS: tuple[tuple[str, str, int], ...] = (
    ("investment.private", "World", 2021),
    ("investment.private", "United States", 2021),
    ("investment.private", "China", 2021),
    ("investment.private", "Europe", 2021),
    ("companies.newly_funded", "World", 2021),
    ("companies.newly_funded", "United States", 2021),
    ("companies.newly_funded", "China", 2021),
    ("companies.newly_funded", "Europe", 2021),
    ("investment.private_cset", "World", 2021),
    ("publications.cs", "World", 2018),
    ("patents.granted", "World", 2016),
    ("publications.cset", "World", 2019),
    ("patents.applications_cset", "World", 2018),
)


def _growth(sub: pd.DataFrame, n_boot: int, seed: int) -> dict[str, float]:
    if len(sub) < 3:
        return {"n": len(sub), "growth_pct": np.nan, "growth_lo": np.nan, "growth_hi": np.nan}
    trend = loglinear(sub["year"], sub["value"], n_boot=n_boot, seed=seed)
    lo, hi = trend.annual_factor_ci()
    return {"n": trend.n, "growth_pct": 100 * (trend.annual_factor() - 1),
            "growth_lo": 100 * (lo - 1), "growth_hi": 100 * (hi - 1)}


def growth_table(series: pd.DataFrame, *, n_boot: int, seed: int) -> pd.DataFrame:
    """Annual growth before and from each split year, and the jump into the split year."""
    rows = []
    for i, (name, geo, split) in enumerate(GROWTH_SPLITS):
        sub = series[(series["series"] == name) & (series["geo"] == geo)].sort_values("year")
        sub = sub[sub["year"] == sub["year"].round()]  # whole years only
        if name.endswith("_cset"):
            sub = sub[sub["year"] <= 2024]  # 2025 is CSET's projection
        if sub.empty:
            continue
        before, after = sub[sub["year"] < split], sub[sub["year"] >= split]
        b, a = _growth(before, n_boot, seed + 2 * i), _growth(after, n_boot, seed + 2 * i + 1)
        prev = before["value"].iloc[-1] if len(before) else np.nan
        first = after["value"].iloc[0] if len(after) else np.nan
        rows.append({
            "series": name, "geo": geo, "unit": str(sub["unit"].iloc[0]), "split_year": split,
            "before_start": float(before["year"].min()) if len(before) else np.nan,
            "after_end": float(after["year"].max()) if len(after) else np.nan,
            "before_growth_pct": b["growth_pct"], "before_lo": b["growth_lo"],
            "before_hi": b["growth_hi"], "after_growth_pct": a["growth_pct"],
            "after_lo": a["growth_lo"], "after_hi": a["growth_hi"],
            "jump_into_split_pct": 100 * (first / prev - 1) if prev else np.nan,
            "accelerated": bool(a["growth_lo"] > b["growth_hi"]) if np.isfinite(
                a["growth_lo"]) and np.isfinite(b["growth_hi"]) else False,
            "source": str(sub["source"].iloc[0]), "file": str(sub["file"].iloc[0])})
    return pd.DataFrame(rows)


def genai_facts(series: pd.DataFrame, year: int = 2023) -> pd.DataFrame:
    """Generative-AI private investment in ``year``, its multiple of the year before and its
    share of all AI private investment (AI Index, world)."""
    def value(name: str, y: int) -> float:
        hit = series[(series["series"] == name) & (series["geo"] == "World")
                     & (series["year"] == y)]
        return float(hit["value"].iloc[0]) if len(hit) else np.nan

    genai, prev, total = (value("investment.genai", year), value("investment.genai", year - 1),
                          value("investment.private", year))
    return pd.DataFrame([
        {"quantity": "genai_investment", "year": year, "value": genai, "unit": "billion US$"},
        {"quantity": "genai_multiple", "year": year, "value": genai / prev, "unit": "×"},
        {"quantity": "genai_share", "year": year, "value": 100 * genai / total,
         "unit": "% of AI private investment"},
    ])


def investment_table(series: pd.DataFrame) -> pd.DataFrame:
    """The year series behind figures 1.8b/1.12 (AI Index), tidy, for the CSV and charts."""
    keep = series["series"].str.startswith(("investment.", "companies."))
    return series[keep & ~series["series"].str.endswith("_cset")].reset_index(drop=True)
