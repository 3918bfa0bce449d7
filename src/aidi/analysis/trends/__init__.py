"""Trends behind the index (the source's section 二): compute growth, S-curves, the cost of
intelligence, investment and compute capacity — each of the source's claims set beside what
the data give.

:func:`trends` runs every analysis on the trends snapshot (default: the one shipped with the
package, derived from the raw files by ``aidi data snapshot``) and returns a frozen
:class:`TrendsResult` of DataFrames; it writes nothing (``aidi.report.trends_report`` does).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from aidi.analysis.trends import adoption, capacity, claims, compute, cost, investment
from aidi.params import PATH, PROGRESS, SEED, Interval, Options, validate_params
from aidi.progress import LOADING, Progress, report

__all__ = ["TrendsResult", "trends"]


@dataclass(frozen=True)
class TrendsResult:
    """Every table of the trend analyses (see each module for the columns)."""

    claims: pd.DataFrame              # the source's claims beside aidi's estimates
    compute_fits: pd.DataFrame        # estimated-break, fixed-2010 and frontier fits
    compute_domain_fits: pd.DataFrame
    compute_break_profile: pd.DataFrame
    adoption_fits: pd.DataFrame       # US household technologies × logistic/Gompertz/Bass
    ai_adoption_fits: pd.DataFrame
    cost_fits: pd.DataFrame
    gpt3_cost: pd.DataFrame
    investment: pd.DataFrame
    investment_growth: pd.DataFrame
    genai: pd.DataFrame
    h100_capacity: pd.DataFrame
    clusters_by_country: pd.DataFrame
    clusters_by_owner: pd.DataFrame
    models: pd.DataFrame              # inputs, for the figures
    hardware: pd.DataFrame
    adoption: pd.DataFrame
    series: pd.DataFrame
    seed: int
    n_boot: int
    lang: str

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables (not the inputs), name → DataFrame, in a stable order."""
        skip = {"models", "hardware", "adoption", "series", "seed", "n_boot", "lang"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}


@validate_params({"seed": [SEED], "n_boot": [Interval(int, 10, None)],
                  "lang": [Options(("en", "zh"))], "data": [PATH, None],
                  "progress": [PROGRESS, None]}, where="aidi.trends()")
def trends(seed: int = 0, n_boot: int = 500, lang: str = "en",
           data: Path | str | None = None, progress: Progress | None = None) -> TrendsResult:
    """Run the trend analyses and check the source's claims.

    ``seed`` fixes every bootstrap; ``n_boot`` is the number of replicates per fit; ``lang``
    (en|zh) picks the language of the claims' ``claim`` column; ``data`` is a trends snapshot
    folder (default: the shipped one); ``progress`` hears each group of fits.
    """
    from aidi.store.trends_snapshot import load_trends

    report(progress, LOADING)
    t = load_trends(Path(data) if data is not None else None)
    models, hardware, series = t["models"], t["hardware"], t["series"]
    report(progress, "compute growth fits")
    fits, domains, profile = compute.compute_trends(models, n_boot=n_boot, seed=seed)
    report(progress, "cost fits")
    cost_fits, gpt3 = cost.cost_trends(models, hardware, t["token_prices"], n_boot=n_boot,
                                       seed=seed + 1)
    report(progress, "adoption S-curves, investment, capacity")
    card = capacity.h100_card(hardware)
    inputs = claims.SOURCE_INPUTS
    h100 = capacity.h100_calculator(
        {"nvidia_2023": inputs["cards_nvidia_2023"], "meta_2024": inputs["cards_meta_2024"]},
        {"source": inputs["h100_tflops"] * 1e12, "epoch_max": card["max_flops"],
         "epoch_dense16": card["tensor16_flops"]}, inputs["utilisation"])
    results = {
        "compute_fits": fits, "compute_domain_fits": domains, "compute_break_profile": profile,
        "adoption_fits": adoption.household_fits(t["adoption"], n_boot=n_boot, seed=seed + 2),
        "ai_adoption_fits": adoption.ai_fits(series, n_boot=n_boot, seed=seed + 3),
        "cost_fits": cost_fits, "gpt3_cost": gpt3,
        "investment": investment.investment_table(series),
        "investment_growth": investment.growth_table(series, n_boot=n_boot, seed=seed + 4),
        "genai": investment.genai_facts(series),
        "h100_capacity": h100,
        "clusters_by_country": capacity.cluster_capacity(t["clusters"], "iso3"),
        "clusters_by_owner": capacity.cluster_capacity(t["clusters"], "owner"),
        "series": series,
    }
    report(progress, "claims")
    table = claims.evaluate(results)
    table.insert(2, "claim", table[f"claim_{lang}"])
    table.insert(3, "tested", table[f"tested_{lang}"])
    table.insert(table.columns.get_loc("needed_en"), "needed", table[f"needed_{lang}"])
    results.pop("series")
    return TrendsResult(claims=table, models=models, hardware=hardware, adoption=t["adoption"],
                        series=series, seed=seed, n_boot=n_boot, lang=lang, **results)
