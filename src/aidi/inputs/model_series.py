"""The model series: the exposure model run on a data edition, its outputs as tidy series.

The exposure model needs three inputs — the industry-exposure table (shipped in the snapshot as
`industry_exposure.csv`, or a user's CSV), UN AMA value added by industry and GDP at PPP (both
tidy observations). This module gathers them with the documented defaults, so that `aidi build`
(through `model.exposure.*` series) and `aidi exposure` compute exactly the same numbers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aidi.inputs import exposure_model as ex

DEFAULT_VARIANT = "aiie"
DEFAULT_YEARS = (2021, 2023)


@dataclass(frozen=True)
class ExposureSettings:
    """The model's open choices, all explicit (see docs/methodology.md)."""

    variant: str = DEFAULT_VARIANT          # aiie | lm_aiie | ig_aiie | user
    share_method: str = "minmax"            # standardised score → 0–1: minmax | rank | logistic
    years: tuple[int, int] = DEFAULT_YEARS  # industry-structure window (the source's choice)
    diffusion: str = "effective_number"
    user_table: Path | None = None          # a user's industry,exposure CSV (variant "user")


def industry_exposure_table(settings: ExposureSettings) -> pd.DataFrame:
    """The exposure-by-industry table for the chosen variant."""
    if settings.user_table is not None:
        return ex.load_user_exposure_table(settings.user_table)
    from aidi.store.snapshot import load_table

    table = load_table("industry_exposure")
    if settings.variant not in set(table["variant"]):
        raise ValueError(f"unknown exposure variant {settings.variant!r}; the snapshot has "
                         f"{sorted(set(table['variant']))} (or pass a CSV with --exposure-table)")
    table = table[table["variant"] == settings.variant]
    if "share_method" in table.columns:
        methods = sorted(set(table["share_method"]))
        if settings.share_method not in methods:
            raise ValueError(f"unknown share method {settings.share_method!r}; the snapshot has "
                             f"{methods}")
        table = table[table["share_method"] == settings.share_method]
    return table


def run_exposure(observations: pd.DataFrame, settings: ExposureSettings | None = None,
                 countries: list[str] | None = None) -> ex.ExposureResult:
    """The exposure model for every economy with a complete industry breakdown."""
    settings = settings or ExposureSettings()
    table = industry_exposure_table(settings)
    have = sorted(observations.loc[observations["series"] == "un_ama.va.TVA", "iso3"].unique())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # economies without a usable year are simply absent
        shares = ex.value_added_shares(observations, years=settings.years,
                                       countries=countries or have)
    return ex.exposure_model(shares, table, observations,
                             variant=None if settings.user_table else settings.variant,
                             diffusion=settings.diffusion)


def exposure_observations(observations: pd.DataFrame,
                          settings: ExposureSettings | None = None) -> pd.DataFrame | None:
    """The model's outputs as tidy `model.exposure.*` series (None if the inputs are absent)."""
    if not (observations["series"] == "un_ama.va.TVA").any():
        return None
    try:
        from aidi.store.snapshot import load_table

        load_table("industry_exposure")
    except (FileNotFoundError, KeyError):
        return None
    result = run_exposure(observations, settings)
    series = ex.exposure_series(result)
    return series.dropna(subset=["value"])


def with_model_series(observations: pd.DataFrame,
                      years: tuple[int, int] | None = None) -> pd.DataFrame:
    """The observations with the series aidi's own models compute (the AI-exposure model,
    on the industry-structure window `years`; None = the model's default).

    Model outputs are series like any other (`model.exposure.scale`, ...), with a source that
    names the model, so specs read them the same way and lineage can trace them. Data that
    already carry model series (a user's frame) keep them; data without value added in the
    window simply get none.
    """
    if observations["series"].astype(str).str.startswith("model.").any():
        return observations
    settings = ExposureSettings() if years is None else ExposureSettings(years=years)
    try:
        extra = exposure_observations(observations, settings)
    except ValueError:  # no value added in the window: the model series are simply absent
        extra = None
    if extra is None or extra.empty:
        return observations
    return pd.concat([observations, extra], ignore_index=True)
