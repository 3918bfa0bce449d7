"""The exposure model behind Market Friendliness: exposure scale and diffusion degree.

The source (CICC 2024, section 四, figure 1.15b) defines, per economy,

* **exposed share** = Σ_i exposure_i × value-added share_i over industries i — the share of
  output "theoretically exposed to AI". Industry exposure is assumed to be the same in every
  country (a US-measured exposure applied to each economy's industry mix);
* **exposure scale** = exposed share × GDP at PPP;
* **diffusion degree** = measured by the variance of the industry shares of AI-exposed output
  (contribution_i / exposed share); a more even spread means larger external scale effects,
  so *lower* variance is better.

The source gives neither the industry breakdown nor how standardised exposure scores become a
"share". Both are explicit parameters here. Industries are the seven that UN AMA value added
supports (ISIC Rev.3 groupings, with manufacturing split out of C-E):

    AB, D, CE_excl_D (= C-E minus D), F, GH, I, JP

Everything below is a pure function of its arguments (no file access except
:func:`load_user_exposure_table`), vectorised with NumPy across economies. It lives with the
inputs because a build reads its outputs as series (`aidi.inputs.model_series`); the check of
its numbers against the source's statements is an analysis (`aidi.analysis.exposure`).
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.countries import TARGET_20
from aidi.engine.exposure_shares import (
    INDUSTRIES,
    INDUSTRY_NAMES,
    SHARE_METHODS,
    aggregate_exposure,
    exposure_to_share,
)
from aidi.errors import AidiError

__all__ = [
    "INDUSTRIES",
    "INDUSTRY_NAMES",
    "VA_SERIES",
    "SHARE_METHODS",
    "DIFFUSION_METHODS",
    "ExposureResult",
    "ExposureTableError",
    "exposure_to_share",
    "aggregate_exposure",
    "value_added_shares_by_year",
    "value_added_shares",
    "gdp_ppp_from_observations",
    "exposure_model",
    "exposure_long",
    "exposure_summary",
    "exposure_series",
    "load_user_exposure_table",
]

#: UN AMA value-added series (current US$) in the tidy observations.
VA_SERIES: dict[str, str] = {
    code: f"un_ama.va.{code}" for code in ("AB", "CE", "D", "F", "GH", "I", "JP", "TVA")
}


GDP_PPP_SERIES = "wdi.GDP.PPP"
GDP_PC_PPP_SERIES = "wdi.NY.GDP.PCAP.PP.CD"
POP_SERIES = "wdi.SP.POP.TOTL"

SOURCE_LABEL = "aidi exposure model (Felten et al. AIIE × UN AMA value added)"
SERIES_IDS: dict[str, str] = {
    "exposed_share": "model.exposure.exposed_share",
    "exposure_scale": "model.exposure.scale",
    "diffusion": "model.exposure.diffusion",
    "exposure_variance": "model.exposure.variance",
}

# Tolerance when checking that the seven components add up to total value added.
_TVA_TOLERANCE = 0.01


class ExposureTableError(AidiError, ValueError):
    """A user-supplied exposure table is invalid; the message lists every problem found."""


# ----------------------------------------------------------------------------------------
# Industry structure (UN AMA) and GDP at PPP (WDI)
# ----------------------------------------------------------------------------------------

def _window(years: tuple[int, int]) -> list[int]:
    start, end = years
    if end < start:
        raise ValueError(f"years must be (start, end) with start <= end, got {years}")
    return list(range(start, end + 1))


def value_added_shares_by_year(
    observations: pd.DataFrame,
    years: tuple[int, int] = (2021, 2023),
    countries: Sequence[str] | None = TARGET_20,
) -> pd.DataFrame:
    """Industry shares of value added per economy and year, with a ``problem`` column.

    The seven components are AB, D, CE − D, F, GH, I, JP; shares are each component over
    their sum, and the sum is checked against ``un_ama.va.TVA`` when present (UN AMA's
    groupings add up to TVA exactly; a gap above 1 % flags the year). A year is unusable
    (``problem`` not empty) when a component is missing, CE < D (mining+utilities would be
    negative — happens for a few micro-states) or a component is negative.
    """
    wanted = set(VA_SERIES.values())
    obs = observations[observations["series"].isin(wanted)
                       & observations["year"].isin(_window(years))]
    if countries is not None:
        obs = obs[obs["iso3"].isin(countries)]
    if obs.empty:
        raise ValueError(f"no un_ama.va.* observations for {years} in the selected economies")
    wide = obs.pivot_table(index=["iso3", "year"], columns="series", values="value",
                           aggfunc="first").reindex(columns=sorted(wanted))
    v = {code: wide[series] for code, series in VA_SERIES.items()}
    comps = pd.DataFrame({"AB": v["AB"], "D": v["D"], "CE_excl_D": v["CE"] - v["D"],
                          "F": v["F"], "GH": v["GH"], "I": v["I"], "JP": v["JP"]})
    total = comps.sum(axis=1, min_count=len(INDUSTRIES))
    problem = _share_problems(comps, v, total)
    shares = comps.div(total, axis=0).where(problem == "")
    out = shares.reset_index()
    out["problem"] = problem.to_numpy()
    return out


def _share_problems(comps: pd.DataFrame, v: Mapping[str, pd.Series],
                    total: pd.Series) -> pd.Series:
    problem = pd.Series("", index=comps.index, dtype=object)
    gap = (total / v["TVA"] - 1.0).abs()
    problem[gap > _TVA_TOLERANCE] = "components differ from total value added by > 1%"
    problem[(comps < 0).any(axis=1)] = "negative component"
    problem[v["D"] > v["CE"]] = "manufacturing (D) exceeds C-E"
    missing = comps.isna()
    problem[missing.any(axis=1)] = [
        "missing " + ", ".join(c for c in INDUSTRIES if row[c])
        for _, row in missing[missing.any(axis=1)].iterrows()
    ]
    return problem


def value_added_shares(
    observations: pd.DataFrame,
    years: tuple[int, int] = (2021, 2023),
    countries: Sequence[str] | None = TARGET_20,
) -> pd.DataFrame:
    """Average industry shares of value added over a window of years (iso3 × industry).

    The source uses "2021–2023 levels" of industry structure; averaging the *shares* (not the
    US$ levels) keeps exchange-rate swings from weighting one year more than another. Each
    year's shares sum to 1, so their mean does too. A year that is missing or unusable for
    an economy (see :func:`value_added_shares_by_year`) is skipped and the average uses the
    remaining years; an economy with no usable year is dropped with a warning.
    ``attrs["n_years"]`` records how many years each economy's average uses,
    ``attrs["dropped"]`` the economies dropped and ``attrs["years"]`` the window.
    """
    by_year = value_added_shares_by_year(observations, years, countries)
    ok = by_year[by_year["problem"] == ""]
    shares = ok.groupby("iso3")[list(INDUSTRIES)].mean()
    shares.columns.name = "industry"
    wanted = list(countries) if countries is not None else sorted(by_year["iso3"].unique())
    dropped = [c for c in wanted if c not in shares.index]
    if dropped:
        warnings.warn(f"no usable value-added year in {years} for {dropped}; dropped",
                      stacklevel=2)
    shares = shares.reindex([c for c in wanted if c in shares.index])
    shares.attrs.update(n_years=ok.groupby("iso3").size().to_dict(), dropped=dropped,
                        years=tuple(years))
    return shares


def gdp_ppp_from_observations(
    observations: pd.DataFrame,
    year: int,
    countries: Sequence[str] | None = None,
) -> pd.Series:
    """GDP at PPP (current international $) per economy for ``year``.

    Per year, ``wdi.GDP.PPP`` where present, else ``wdi.NY.GDP.PCAP.PP.CD × wdi.SP.POP.TOTL``
    (the World Bank defines GDP per capita as GDP / population, so the product restores GDP;
    both factors come from the same year). If ``year`` is missing for an economy, its latest
    earlier year is used (never a later one).
    """
    series = [GDP_PPP_SERIES, GDP_PC_PPP_SERIES, POP_SERIES]
    obs = observations[observations["series"].isin(series) & (observations["year"] <= year)]
    if obs.empty:
        empty = pd.Series(dtype=float, name="gdp_ppp")
        return empty if countries is None else empty.reindex(list(countries))
    wide = obs.pivot_table(index=["iso3", "year"], columns="series", values="value",
                           aggfunc="first").reindex(columns=series)
    per_year = wide[GDP_PPP_SERIES].combine_first(wide[GDP_PC_PPP_SERIES] * wide[POP_SERIES])
    per_year = per_year.dropna().reset_index(name="gdp_ppp").sort_values("year")
    gdp = per_year.groupby("iso3")["gdp_ppp"].last()
    return gdp if countries is None else gdp.reindex(list(countries))


# ----------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------

def _effective_number(var: np.ndarray, k: int) -> np.ndarray:
    # Σ s² = k·(var + 1/k²) because the k shares sum to 1 → 1/Σ s² = 1/(k·var + 1/k).
    return 1.0 / (k * var + 1.0 / k)


def _inverse_variance(var: np.ndarray, k: int) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return 1.0 / var


def _evenness(var: np.ndarray, k: int) -> np.ndarray:
    # var_max = (k − 1)/k² when all exposed output sits in one industry.
    return 1.0 - var / ((k - 1) / k**2)


#: Decreasing transforms of the variance of exposed-output shares (larger = more diffuse).
DIFFUSION_METHODS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "effective_number": _effective_number,
    "inverse_variance": _inverse_variance,
    "evenness": _evenness,
}


DIFFUSION_UNITS: dict[str, str] = {
    "effective_number": "effective number of industries (1–7)",
    "inverse_variance": "1 / variance of industry shares of exposed output",
    "evenness": "evenness index (0–1)",
}


@dataclass(frozen=True)
class ExposureResult:
    """Exposure model output; arrays are read-only, rows follow ``iso3``.

    ``exposure`` is economy × industry for symmetry, though by the source's assumption every
    row is the same industry exposure vector.
    """

    iso3: tuple[str, ...]
    industries: tuple[str, ...]
    value_added_share: np.ndarray  # (n, k), rows sum to 1
    exposure: np.ndarray  # (n, k), 0–1
    contribution: np.ndarray  # (n, k) = share × exposure
    exposed_share: np.ndarray  # (n,) = Σ contribution
    gdp_ppp: np.ndarray  # (n,) current international $
    exposure_scale: np.ndarray  # (n,) = exposed_share × gdp_ppp
    exposure_variance: np.ndarray  # (n,) population variance of contribution / exposed_share
    diffusion: np.ndarray  # (n,) decreasing transform of exposure_variance
    diffusion_method: str
    variant: str
    years: tuple[int, int] | None
    gdp_year: int | None
    inputs: str

    def index_of(self, iso3: str) -> int:
        """Row of an economy (ValueError if absent)."""
        return self.iso3.index(iso3)


def _exposure_vector(
    industry_exposure: pd.DataFrame | pd.Series | Mapping[str, float], variant: str | None
) -> tuple[np.ndarray, str, str]:
    """Exposure per model industry (ordered as INDUSTRIES), variant label, input description."""
    label, inputs = variant or "custom", "user-supplied industry exposure"
    if isinstance(industry_exposure, pd.DataFrame):
        table = industry_exposure
        if "variant" in table.columns:
            variants = sorted(table["variant"].unique())
            if variant is None and len(variants) > 1:
                raise ValueError(f"industry_exposure has several variants {variants}; pass variant=")
            label = variant or variants[0]
            table = table[table["variant"] == label]
            if table.empty:
                raise ValueError(f"variant {label!r} not in industry_exposure ({variants})")
        if "file" in table.columns:
            inputs = "; ".join(sorted({str(f) for f in table["file"]}))
        series = table.set_index("industry")["exposure"]
    else:
        series = pd.Series(dict(industry_exposure), dtype=float)
    missing = [c for c in INDUSTRIES if c not in series.index or pd.isna(series.get(c))]
    if missing:
        raise ValueError(f"industry exposure missing for {missing}")
    vec = series.reindex(list(INDUSTRIES)).to_numpy(dtype=float)
    if vec.min() < 0 or vec.max() > 1:
        raise ValueError("industry exposure must be 0–1 shares; convert scores with exposure_to_share")
    return vec, label, inputs


def _share_matrix(shares: pd.DataFrame) -> np.ndarray:
    missing = [c for c in INDUSTRIES if c not in shares.columns]
    if missing:
        raise ValueError(f"value-added shares lack industries {missing}")
    s = shares[list(INDUSTRIES)].to_numpy(dtype=float)
    if np.isnan(s).any():
        raise ValueError("value-added shares contain NaN; drop those economies first")
    if not np.allclose(s.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("value-added shares must sum to 1 for every economy")
    return s


def _gdp_vector(gdp_ppp: pd.Series | pd.DataFrame | None, iso3: Sequence[str],
                year: int | None) -> np.ndarray:
    if gdp_ppp is None:
        return np.full(len(iso3), np.nan)
    if isinstance(gdp_ppp, pd.DataFrame):
        if year is None:
            raise ValueError("a GDP year is needed to read GDP PPP from observations")
        gdp_ppp = gdp_ppp_from_observations(gdp_ppp, year)
    return gdp_ppp.reindex(list(iso3)).to_numpy(dtype=float)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=float)
    a.flags.writeable = False
    return a


def exposure_model(
    shares: pd.DataFrame,
    industry_exposure: pd.DataFrame | pd.Series | Mapping[str, float],
    gdp_ppp: pd.Series | pd.DataFrame | None,
    *,
    variant: str | None = None,
    diffusion: str = "effective_number",
    gdp_year: int | None = None,
) -> ExposureResult:
    """Exposed share, exposure scale, exposure variance and diffusion per economy.

    ``shares``: iso3 × industry value-added shares (rows sum to 1), e.g. from
    :func:`value_added_shares`. ``industry_exposure``: the industry-exposure table (columns
    ``variant, industry, exposure``; choose ``variant`` if it holds several), a Series or a
    mapping industry → 0–1 exposure. ``gdp_ppp``: a Series iso3 → GDP PPP, or tidy
    observations (then GDP PPP of ``gdp_year``, default the last year of ``shares``'s window,
    see :func:`gdp_ppp_from_observations`), or None (scale left NaN).

    ``diffusion`` names a decreasing transform of the variance *v* of the k = 7 industry
    shares of exposed output (:data:`DIFFUSION_METHODS`). The index later normalises as
    value / value_USA, so the transform must be positive and larger-is-better:

    * ``"effective_number"`` (default): 1 / Σ s_i² = 1 / (k·v + 1/k), the "effective number
      of industries" over which exposed output is spread (1 … k). Strictly decreasing in *v*,
      bounded, so a ratio to the USA stays moderate — unlike 1/v, which explodes as the
      spread approaches perfectly even and would let a small variance difference dominate
      Market Friendliness.
    * ``"inverse_variance"``: 1 / v (unbounded; ratio to USA = v_USA / v).
    * ``"evenness"``: 1 − v / v_max with v_max = (k − 1)/k² (0 = all in one industry).
    """
    iso3 = tuple(str(c) for c in shares.index)
    s = _share_matrix(shares)
    e_vec, label, inputs = _exposure_vector(industry_exposure, variant)
    years = shares.attrs.get("years")
    gdp_year = gdp_year if gdp_year is not None else (years[1] if years else None)
    gdp = _gdp_vector(gdp_ppp, iso3, gdp_year)
    if diffusion not in DIFFUSION_METHODS:
        raise ValueError(f"unknown diffusion method {diffusion!r}; use one of {list(DIFFUSION_METHODS)}")

    e = np.broadcast_to(e_vec, s.shape)
    contrib = s * e
    exposed = contrib.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = contrib / exposed[:, None]
    var = spread.var(axis=1)
    k = len(INDUSTRIES)
    return ExposureResult(
        iso3=iso3, industries=INDUSTRIES, value_added_share=_frozen(s), exposure=_frozen(e),
        contribution=_frozen(contrib), exposed_share=_frozen(exposed), gdp_ppp=_frozen(gdp),
        exposure_scale=_frozen(exposed * gdp), exposure_variance=_frozen(var),
        diffusion=_frozen(DIFFUSION_METHODS[diffusion](var, k)), diffusion_method=diffusion,
        variant=label, years=tuple(years) if years else None, gdp_year=gdp_year,
        inputs=inputs,
    )


# ----------------------------------------------------------------------------------------
# Views of a result
# ----------------------------------------------------------------------------------------

def exposure_long(result: ExposureResult) -> pd.DataFrame:
    """One row per economy × industry: value_added_share, exposure, contribution (0–1)."""
    n, k = result.value_added_share.shape
    return pd.DataFrame({
        "iso3": np.repeat(result.iso3, k),
        "industry": np.tile(result.industries, n),
        "value_added_share": result.value_added_share.ravel(),
        "exposure": result.exposure.ravel(),
        "contribution": result.contribution.ravel(),
    })


def exposure_summary(result: ExposureResult) -> pd.DataFrame:
    """One row per economy: exposed_share (0–1), exposure_scale, diffusion, variance, GDP PPP."""
    return pd.DataFrame({
        "iso3": list(result.iso3),
        "exposed_share": result.exposed_share,
        "exposure_scale": result.exposure_scale,
        "diffusion": result.diffusion,
        "exposure_variance": result.exposure_variance,
        "gdp_ppp": result.gdp_ppp,
    })


def exposure_series(result: ExposureResult) -> pd.DataFrame:
    """The per-economy outputs as tidy observations, so the index pipeline reads them as series.

    ``year`` is the last year of the industry-structure window (or the GDP year when no
    window is known); ``file`` describes the inputs rather than naming one raw file.
    """
    year = result.years[1] if result.years else result.gdp_year
    if year is None:
        raise ValueError("the result has neither a year window nor a GDP year")
    window = f"{result.years[0]}–{result.years[1]}" if result.years else "n/a"
    file = (f"exposure variant {result.variant} [{result.inputs}] × UN AMA value-added shares "
            f"{window} × WDI GDP PPP {result.gdp_year}; diffusion = {result.diffusion_method}")
    units = {
        "exposed_share": "fraction of value added",
        "exposure_scale": "current international $",
        "diffusion": DIFFUSION_UNITS.get(result.diffusion_method, result.diffusion_method),
        "exposure_variance": "variance of industry shares of exposed output",
    }
    summary = exposure_summary(result)
    frames = [
        pd.DataFrame({"iso3": summary["iso3"], "year": int(year), "series": SERIES_IDS[col],
                      "value": summary[col].astype(float), "unit": units[col],
                      "source": SOURCE_LABEL, "file": file})
        for col in SERIES_IDS
    ]
    out = pd.concat(frames, ignore_index=True)
    out = out[np.isfinite(out["value"])]
    return out.sort_values(["series", "iso3", "year"], ignore_index=True)


# ----------------------------------------------------------------------------------------
# User-supplied exposure table
# ----------------------------------------------------------------------------------------

def load_user_exposure_table(path: str | Path) -> pd.DataFrame:
    """Read a user CSV ``industry,exposure`` (one row per model industry, exposure 0–1).

    Row numbers in error messages are spreadsheet rows (the header is row 1), so the user
    can jump straight to the cell. Every problem is reported at once. Industry codes are
    matched case-insensitively. Returns the industry-exposure table layout with
    ``variant = "user"``, ready for :func:`exposure_model`.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    absent = [c for c in ("industry", "exposure") if c not in header]
    if absent:
        raise ExposureTableError(
            f"{path}: row 1 (header) lacks column(s) {absent}; the first row must read "
            f"'industry,exposure'")
    values, errors = _parse_user_rows(rows[1:], header, path)
    missing = [c for c in INDUSTRIES if c not in values]
    if missing:
        errors.append(f"{path}: industry {missing} missing; add one row per industry "
                      f"({', '.join(INDUSTRIES)})")
    if errors:
        raise ExposureTableError("invalid exposure table:\n  " + "\n  ".join(errors))
    return pd.DataFrame({
        "variant": "user", "industry": list(INDUSTRIES),
        "industry_name": [INDUSTRY_NAMES[c] for c in INDUSTRIES],
        "exposure": [values[c] for c in INDUSTRIES], "n_naics": pd.NA,
        "source": "user-supplied exposure table", "file": str(path),
    })


def _parse_user_rows(rows: list[list[str]], header: list[str],
                     path: Path) -> tuple[dict[str, float], list[str]]:
    i_ind, i_exp = header.index("industry"), header.index("exposure")
    canonical = {c.lower(): c for c in INDUSTRIES}
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    errors: list[str] = []
    for rownum, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = row[i_ind].strip() if i_ind < len(row) else ""
        raw = row[i_exp].strip() if i_exp < len(row) else ""
        code = canonical.get(cell.lower())
        if code is None:
            errors.append(f"{path}: row {rownum}, field 'industry': unknown code {cell!r}; "
                          f"use one of {', '.join(INDUSTRIES)}")
        elif code in seen:
            errors.append(f"{path}: row {rownum}, field 'industry': duplicate {code!r} (first "
                          f"at row {seen[code]}); keep one row per industry")
        try:
            value = float(raw)
        except ValueError:
            errors.append(f"{path}: row {rownum}, field 'exposure': {raw!r} is not a number; "
                          f"write a share between 0 and 1, e.g. 0.42")
            continue
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            errors.append(f"{path}: row {rownum}, field 'exposure': {raw} is outside [0, 1]; "
                          f"convert standardised scores with exposure_to_share first")
            continue
        if code is not None and code not in seen:
            seen[code] = rownum
            values[code] = value
    return values, errors
