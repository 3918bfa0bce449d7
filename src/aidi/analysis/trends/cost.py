"""The cost of intelligence: hardware price-performance, training cost, price per token.

Three readings of the source's "cost of intelligence falls fast" (GPT-3-level training from
$4.6 M in 2020 to $0.45 M in 2022, ≈70 % a year):

* **hardware** — FLOP/s per launch-price dollar of ML accelerators (Epoch), log-linear on
  release date: what the same money buys in raw compute;
* **training compute** — Epoch's estimated training cost (2023 USD) per FLOP of notable
  models, and the cost of training a GPT-3-sized run (its FLOP from the same table) read off
  that trend in 2020 and 2022;
* **inference at a fixed capability** — the AI Index's cheapest price per million tokens of a
  model scoring at least a threshold model on a benchmark.

Hardware and compute prices capture only part of the source's figure: its 70 % also credits
better algorithms (the same capability with less compute), which no table here measures — so
the claims about a GPT-3-*level* model in 2022 and its yearly decline are not testable with
these data (`aidi.analysis.trends.claims`); GPT-3 itself in 2020 is, with Epoch's cost at
cloud rental prices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.analysis.trends.fits import LinearTrend, loglinear, percentile_ci

GPT3_MODEL = "GPT-3 175B (davinci)"


def _row(topic: str, scope: str, x: pd.Series, trend: LinearTrend, data: str, unit: str,
         **extra: object) -> dict[str, object]:
    f_lo, f_hi = trend.annual_factor_ci()
    d_lo, d_hi = trend.doubling_ci
    falling = trend.slope < 0
    half = (12.0 * np.log10(2.0) / -trend.slope) if falling else np.inf
    return {"topic": topic, "scope": scope, "n": trend.n, "start_year": float(x.min()),
            "end_year": float(x.max()), "unit": unit, "slope_log10": trend.slope,
            "intercept_log10": trend.intercept, "annual_factor": trend.annual_factor(),
            "annual_factor_lo": f_lo, "annual_factor_hi": f_hi,
            "annual_change_pct": 100 * (trend.annual_factor() - 1),
            "annual_change_lo": 100 * (f_lo - 1), "annual_change_hi": 100 * (f_hi - 1),
            "doubling_months": trend.doubling_months if not falling else np.nan,
            "doubling_lo": d_lo if not falling else np.nan,
            "doubling_hi": d_hi if not falling else np.nan,
            "halving_months": half, "data": data, "method": "log-linear OLS, pairs bootstrap",
            **extra}


def cost_trends(models: pd.DataFrame, hardware: pd.DataFrame, token_prices: pd.DataFrame, *,
                n_boot: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(trend table, GPT-3-level cost table)."""
    rows = []
    hw = hardware[hardware["price_usd"] > 0]
    for i, (scope, col) in enumerate((("fp32", "fp32_flops"), ("tensor16", "tensor16_flops"),
                                      ("max_precision", "max_flops"))):
        sub = hw[hw[col] > 0]
        if len(sub) >= 3:
            trend = loglinear(sub["year"], sub[col] / sub["price_usd"], n_boot=n_boot,
                              seed=seed + i)
            rows.append(_row("hardware_price_performance", scope, sub["year"], trend,
                             "Epoch AI ML hardware (launch price)", "FLOP/s per US$"))
    costed = models[(models["cost_usd_2023"] > 0) & (models["compute_flop"] > 0)]
    per_flop = loglinear(costed["year"], costed["cost_usd_2023"] / costed["compute_flop"],
                         n_boot=n_boot, seed=seed + 10)
    rows.append(_row("training_cost_per_flop", "notable", costed["year"], per_flop,
                     "Epoch AI notable models (training cost, 2023 USD)", "US$ per FLOP"))
    total = loglinear(costed["year"], costed["cost_usd_2023"], n_boot=n_boot, seed=seed + 11)
    rows.append(_row("training_cost", "notable", costed["year"], total,
                     "Epoch AI notable models (training cost, 2023 USD)", "US$"))
    for j, (bench, sub) in enumerate(token_prices.groupby("benchmark", sort=True)):
        if len(sub) < 3:
            continue
        trend = loglinear(sub["year"], sub["usd_per_mtok"], n_boot=n_boot, seed=seed + 20 + j)
        rows.append(_row("price_per_token_at_threshold", bench, sub["year"], trend,
                         "AI Index 2025 fig 1.3.22", "US$ per million tokens",
                         threshold_model=str(sub["threshold_model"].iloc[0])))
    return pd.DataFrame(rows), gpt3_cost(models, per_flop)


def gpt3_cost(models: pd.DataFrame, per_flop: LinearTrend,
              years: tuple[float, float] = (2020.5, 2022.5)) -> pd.DataFrame:
    """Cost of a GPT-3-sized training run (its FLOP from Epoch) on the $/FLOP trend."""
    match = models[models["model"] == GPT3_MODEL]
    if match.empty or not (match["compute_flop"] > 0).any():
        return pd.DataFrame()
    flop = float(match["compute_flop"].iloc[0])
    rows = []
    for year in years:
        boot = flop * 10.0 ** per_flop.predict_boot(year)
        lo, hi = percentile_ci(boot)
        rows.append({"quantity": f"cost_{int(year)}", "year": year, "compute_flop": flop,
                     "value": float(flop * 10.0 ** per_flop.predict(year)), "lo": lo, "hi": hi,
                     "unit": "US$ (2023)"})
    own = float(match["cost_usd_2023"].iloc[0])
    if own > 0:  # Epoch's estimate for GPT-3 itself, beside the trend-line value
        rows.append({"quantity": "gpt3_own_cost", "year": float(match["year"].iloc[0]),
                     "compute_flop": flop, "value": own, "lo": np.nan, "hi": np.nan,
                     "unit": "US$ (2023)"})
    cloud = float(match["cost_cloud_usd"].iloc[0]) if "cost_cloud_usd" in match else np.nan
    if cloud > 0:  # … and at cloud rental prices, what a "training cost of GPT-3" quotes
        rows.append({"quantity": "gpt3_cloud_cost", "year": float(match["year"].iloc[0]),
                     "compute_flop": flop, "value": cloud, "lo": np.nan, "hi": np.nan,
                     "unit": "US$"})
    decline = 1.0 - 10.0 ** per_flop.slope
    d_boot = 1.0 - 10.0 ** per_flop.slope_boot
    lo, hi = percentile_ci(d_boot)
    rows.append({"quantity": "annual_decline", "year": np.nan, "compute_flop": flop,
                 "value": 100 * decline, "lo": 100 * lo, "hi": 100 * hi, "unit": "% a year"})
    return pd.DataFrame(rows)
