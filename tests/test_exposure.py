"""Exposure model: hand-computed cases, crosswalk invariants, user tables, real raw files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidi.analysis.exposure import compare_with_source
from aidi.inputs.exposure_model import (
    INDUSTRIES,
    ExposureTableError,
    aggregate_exposure,
    exposure_long,
    exposure_model,
    exposure_series,
    exposure_summary,
    exposure_to_share,
    gdp_ppp_from_observations,
    load_user_exposure_table,
    value_added_shares,
    value_added_shares_by_year,
)
from tests.conftest import raw_dir

RAW = raw_dir() or Path("/nonexistent/raw")
needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason="raw data folder absent")

# Industry order: AB, D, CE_excl_D, F, GH, I, JP
EXPOSURE = dict(zip(INDUSTRIES, [0.1, 0.4, 0.4, 0.2, 0.5, 0.5, 0.8], strict=True))
SHARES_A = [0.1, 0.2, 0.1, 0.1, 0.1, 0.1, 0.3]
INV = [1 / e for e in EXPOSURE.values()]  # shares ∝ 1/exposure → equal contributions
SHARES_B = [v / sum(INV) for v in INV]


def _hand_model(diffusion: str = "effective_number"):
    shares = pd.DataFrame([SHARES_A, SHARES_B], index=["AAA", "BBB"], columns=list(INDUSTRIES))
    gdp = pd.Series({"AAA": 100.0, "BBB": 200.0})
    return exposure_model(shares, EXPOSURE, gdp, diffusion=diffusion)


# ------------------------------------------------------------------ hand-computed model

def test_hand_computed_exposed_share_variance_and_diffusion():
    res = _hand_model()
    # A: contributions 0.01, 0.08, 0.04, 0.02, 0.05, 0.05, 0.24 → 0.49
    contrib_a = np.array([0.01, 0.08, 0.04, 0.02, 0.05, 0.05, 0.24])
    assert res.contribution[0] == pytest.approx(contrib_a)
    assert res.exposed_share[0] == pytest.approx(0.49)
    # Σ c² = 0.0711 → Σ s² = 0.0711 / 0.49² ; variance = Σ s²/7 − (1/7)²
    sum_sq = 0.0711 / 0.49**2
    assert res.exposure_variance[0] == pytest.approx(sum_sq / 7 - 1 / 49)
    assert res.exposure_variance[0] == pytest.approx(0.02189564, abs=1e-8)
    assert res.diffusion[0] == pytest.approx(0.49**2 / 0.0711)  # effective number 1/Σ s²
    assert res.exposure_scale[0] == pytest.approx(49.0)
    # B: every industry contributes 1/Σ(1/e) → perfectly even, 7 effective industries
    assert res.exposed_share[1] == pytest.approx(7 / sum(INV))
    assert res.exposure_variance[1] == pytest.approx(0.0, abs=1e-15)
    assert res.diffusion[1] == pytest.approx(7.0)
    assert res.exposure_scale[1] == pytest.approx(200 * 7 / sum(INV))


def test_other_diffusion_transforms():
    var_a = 0.0711 / 0.49**2 / 7 - 1 / 49
    assert _hand_model("inverse_variance").diffusion[0] == pytest.approx(1 / var_a)
    ev = _hand_model("evenness").diffusion
    assert ev[0] == pytest.approx(1 - var_a / (6 / 49))
    assert ev[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown diffusion"):
        _hand_model("nope")


def test_result_is_read_only_and_views_have_contract_columns():
    res = _hand_model()
    with pytest.raises(ValueError):
        res.exposed_share[0] = 1.0
    long = exposure_long(res)
    assert list(long.columns) == ["iso3", "industry", "value_added_share", "exposure",
                                  "contribution"]
    assert len(long) == 14
    assert long.groupby("iso3")["value_added_share"].sum().to_numpy() == pytest.approx([1, 1])
    summ = exposure_summary(res)
    assert {"iso3", "exposed_share", "exposure_scale", "diffusion", "exposure_variance",
            "gdp_ppp"} <= set(summ.columns)


def test_exposure_series_is_tidy():
    shares = pd.DataFrame([SHARES_A], index=["AAA"], columns=list(INDUSTRIES))
    shares.attrs["years"] = (2021, 2023)
    res = exposure_model(shares, EXPOSURE, pd.Series({"AAA": 10.0}))
    tidy = exposure_series(res)
    assert list(tidy.columns) == ["iso3", "year", "series", "value", "unit", "source", "file"]
    assert set(tidy["series"]) == {"model.exposure.exposed_share", "model.exposure.scale",
                                   "model.exposure.diffusion", "model.exposure.variance"}
    assert (tidy["year"] == 2023).all()
    assert tidy.set_index("series").loc["model.exposure.scale", "value"] == pytest.approx(4.9)


def test_model_rejects_bad_inputs():
    shares = pd.DataFrame([SHARES_A], index=["AAA"], columns=list(INDUSTRIES))
    with pytest.raises(ValueError, match="missing"):
        exposure_model(shares, {k: v for k, v in EXPOSURE.items() if k != "F"}, None)
    with pytest.raises(ValueError, match="0–1"):
        exposure_model(shares, {**EXPOSURE, "F": 1.5}, None)
    with pytest.raises(ValueError, match="sum to 1"):
        exposure_model(shares * 2, EXPOSURE, None)
    table = pd.DataFrame({"variant": ["a"] * 7 + ["b"] * 7, "industry": list(INDUSTRIES) * 2,
                          "exposure": 0.5})
    with pytest.raises(ValueError, match="several variants"):
        exposure_model(shares, table, None)
    assert exposure_model(shares, table, None, variant="b").exposed_share[0] == pytest.approx(0.5)


@settings(max_examples=200, deadline=None)
@given(
    raw_shares=st.lists(st.floats(0.0, 10.0), min_size=7, max_size=7).filter(lambda v: sum(v) > 0.01),
    expo=st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7),
)
def test_exposed_share_is_between_min_and_max_exposure(raw_shares, expo):
    shares = np.array(raw_shares) / sum(raw_shares)
    frame = pd.DataFrame([shares], index=["XXX"], columns=list(INDUSTRIES))
    res = exposure_model(frame, dict(zip(INDUSTRIES, expo, strict=True)), None)
    e = res.exposed_share[0]
    assert min(expo) - 1e-12 <= e <= max(expo) + 1e-12
    if e > 1e-9:
        assert res.exposure_variance[0] >= -1e-15
        assert 1 - 1e-9 <= res.diffusion[0] <= 7 + 1e-9


# ------------------------------------------------------------------ scores → shares

def test_exposure_to_share_methods():
    x = np.array([-2.0, 0.0, 1.0, 2.0])
    assert exposure_to_share(x) == pytest.approx([0.0, 0.5, 0.75, 1.0])
    assert exposure_to_share(np.array([0.0]), reference=x) == pytest.approx([0.5])
    assert exposure_to_share(x, "rank") == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    assert exposure_to_share(np.array([1.0, 1.0, 3.0]), "rank") == pytest.approx([0.25, 0.25, 1])
    assert exposure_to_share(np.array([0.0]), "logistic") == pytest.approx([0.5])
    s = pd.Series([0.2, 0.3], index=["a", "b"])
    out = exposure_to_share(s, "as_is")
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"]
    with pytest.raises(ValueError, match="as_is"):
        exposure_to_share(x, "as_is")
    with pytest.raises(ValueError, match="unknown"):
        exposure_to_share(x, "zscore")  # type: ignore[arg-type]


def test_aggregate_exposure_weighted_mean():
    x = pd.Series({"n1": 0.2, "n2": 0.6, "n3": 1.0})
    cw = pd.DataFrame({"naics4": ["n1", "n2", "n2", "n3"], "industry": ["D", "D", "JP", "JP"],
                       "weight": [1.0, 0.5, 0.5, 1.0]})
    out = aggregate_exposure(x, cw).set_index("industry")
    assert out.loc["D", "exposure"] == pytest.approx((0.2 + 0.5 * 0.6) / 1.5)
    assert out.loc["JP", "exposure"] == pytest.approx((0.5 * 0.6 + 1.0) / 1.5)
    assert out.loc["D", "n_naics"] == 2 and np.isnan(out.loc["AB", "exposure"])
    emp = pd.Series({"n1": 3.0, "n2": 1.0, "n3": 1.0})
    out = aggregate_exposure(x, cw, emp).set_index("industry")
    assert out.loc["D", "exposure"] == pytest.approx((3 * 0.2 + 0.5 * 0.6) / 3.5)


# ------------------------------------------------------------------ value-added shares

def _va_obs(iso3: str, year: int, ab, ce, d, f, gh, i, jp, tva=None) -> list[dict]:
    vals = {"AB": ab, "CE": ce, "D": d, "F": f, "GH": gh, "I": i, "JP": jp}
    vals["TVA"] = tva if tva is not None else sum(v for v in vals.values() if v is not None) - d
    return [{"iso3": iso3, "year": year, "series": f"un_ama.va.{k}", "value": v,
             "unit": "current US$", "source": "test", "file": "test"}
            for k, v in vals.items() if v is not None]


def test_value_added_shares_average_and_skips():
    rows = (_va_obs("AAA", 2021, 10, 30, 20, 10, 10, 10, 30)     # D 20, CE−D 10; total 100
            + _va_obs("AAA", 2022, 20, 60, 40, 20, 20, 20, 60)   # same shares, doubled
            + _va_obs("AAA", 2023, 5, 20, 25, 5, 5, 5, 10)       # D > CE → skipped
            + _va_obs("BBB", 2021, 10, 30, 20, 10, 10, 10, 30)
            + _va_obs("BBB", 2023, 0, 40, 30, 10, 10, 10, 30))  # 2022 missing
    obs = pd.DataFrame(rows)
    by_year = value_added_shares_by_year(obs, countries=["AAA", "BBB"])
    assert by_year.set_index(["iso3", "year"]).loc[("AAA", 2023), "problem"].startswith("manuf")
    shares = value_added_shares(obs, countries=["AAA", "BBB"])
    assert shares.loc["AAA"].to_dict() == pytest.approx(
        {"AB": 0.1, "D": 0.2, "CE_excl_D": 0.1, "F": 0.1, "GH": 0.1, "I": 0.1, "JP": 0.3})
    assert shares.loc["BBB", "AB"] == pytest.approx(0.05)  # mean of 0.10 (2021) and 0.00 (2023)
    assert shares.loc["BBB", "D"] == pytest.approx((0.2 + 0.3) / 2)
    assert shares.attrs["n_years"] == {"AAA": 2, "BBB": 2}
    assert shares.sum(axis=1).to_numpy() == pytest.approx([1, 1])
    with pytest.warns(UserWarning, match="CCC"):
        value_added_shares(obs, countries=["AAA", "CCC"])


def test_gdp_ppp_falls_back_to_per_capita_times_population():
    obs = pd.DataFrame([
        {"iso3": "AAA", "year": 2023, "series": "wdi.GDP.PPP", "value": 5.0},
        {"iso3": "BBB", "year": 2023, "series": "wdi.NY.GDP.PCAP.PP.CD", "value": 2.0},
        {"iso3": "BBB", "year": 2023, "series": "wdi.SP.POP.TOTL", "value": 3.0},
        {"iso3": "CCC", "year": 2022, "series": "wdi.NY.GDP.PCAP.PP.CD", "value": 4.0},
        {"iso3": "CCC", "year": 2022, "series": "wdi.SP.POP.TOTL", "value": 1.0},
        {"iso3": "CCC", "year": 2024, "series": "wdi.GDP.PPP", "value": 99.0},
    ])
    gdp = gdp_ppp_from_observations(obs, 2023)
    assert gdp.to_dict() == {"AAA": 5.0, "BBB": 6.0, "CCC": 4.0}


# ------------------------------------------------------------------ user table

def test_user_table_round_trip(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("industry,exposure\n" + "".join(f"{k.lower()},{v}\n" for k, v in EXPOSURE.items()))
    table = load_user_exposure_table(path)
    assert list(table["industry"]) == list(INDUSTRIES)
    assert table["exposure"].tolist() == pytest.approx(list(EXPOSURE.values()))
    res = exposure_model(pd.DataFrame([SHARES_A], index=["AAA"], columns=list(INDUSTRIES)),
                         table, None)
    assert res.exposed_share[0] == pytest.approx(0.49)


def test_user_table_errors_name_file_row_and_field(tmp_path):
    path = tmp_path / "bad_exposure.csv"
    path.write_text("industry,exposure\n"
                    "AB,0.1\n"            # row 2 ok
                    "XX,0.3\n"            # row 3 unknown code
                    "D,high\n"            # row 4 non-numeric
                    "AB,0.2\n"            # row 5 duplicate
                    "F,1.7\n")            # row 6 out of range
    with pytest.raises(ExposureTableError) as err:
        load_user_exposure_table(path)
    msg = str(err.value)
    assert "bad_exposure.csv: row 3, field 'industry': unknown code 'XX'" in msg
    assert "row 4, field 'exposure': 'high' is not a number" in msg
    assert "row 5, field 'industry': duplicate 'AB' (first at row 2)" in msg
    assert "row 6, field 'exposure'" in msg and "outside [0, 1]" in msg
    assert "missing" in msg and "CE_excl_D" in msg


def test_user_table_header_error(tmp_path):
    path = tmp_path / "nohead.csv"
    path.write_text("sector,value\nAB,0.1\n")
    with pytest.raises(ExposureTableError, match=r"nohead\.csv: row 1 \(header\)"):
        load_user_exposure_table(path)


# ------------------------------------------------------------------ crosswalk on real files

@pytest.fixture(scope="module")
def aioe_module():
    from aidi.sources.raw import aioe
    return aioe


@needs_raw
@pytest.mark.parametrize("split", ["contained", "equal"])
def test_crosswalk_weights_sum_to_one(aioe_module, split):
    cw = aioe_module.crosswalk_weights(RAW, isic31_split=split)
    sums = cw.groupby("naics4")["weight"].sum()
    assert len(sums) == 250
    assert sums.to_numpy() == pytest.approx(np.ones(250))
    assert set(cw["industry"]) == set(INDUSTRIES)
    i4 = aioe_module.isic4_to_industry(RAW, split).groupby("isic4")["weight"].sum()
    assert i4.to_numpy() == pytest.approx(np.ones(len(i4)))


@needs_raw
def test_intermediate_mappings_sum_to_one(aioe_module):
    n6 = aioe_module.naics6_to_isic4(RAW).groupby("naics6")["weight"].sum()
    assert n6.to_numpy() == pytest.approx(np.ones(len(n6)))
    rows = aioe_module.naics_rows_to_naics6(RAW).groupby("naics4")["weight"].sum()
    assert rows.to_numpy() == pytest.approx(np.ones(250))


@needs_raw
def test_crosswalk_known_links(aioe_module):
    cw = aioe_module.crosswalk_weights(RAW).pivot_table(
        index="naics4", columns="industry", values="weight", fill_value=0.0)
    assert cw.loc["5170", "I"] == pytest.approx(1.0)          # telecoms: Rev.3 I
    assert cw.loc["5111", "D"] > 0.5                          # publishing: Rev.3.1 D (22)
    assert cw.loc["9991", "JP"] > 0.9                         # federal government
    assert cw.loc["3250:3255+3256", "D"] == pytest.approx(1.0)
    assert cw.loc["8132", "JP"] == pytest.approx(1.0)         # no hunting carve-out
    assert cw.loc["1133", "AB"] > 0.5


@needs_raw
def test_aiie_variants_share_one_industry_list(aioe_module):
    scores = aioe_module.read_aiie_scores(RAW)
    keys = [set(g["naics4"]) for _, g in scores.groupby("variant")]
    assert len(keys) == 3 and keys[0] == keys[1] == keys[2]
    assert len(keys[0]) == 250


@needs_raw
def test_industry_exposure_table(aioe_module):
    table = aioe_module.TABLES["industry_exposure"](RAW)
    assert list(table.columns) == ["variant", "industry", "industry_name", "exposure", "n_naics",
                                   "source", "file", "share_method"]
    assert set(table["variant"]) == {"aiie", "lm_aiie", "ig_aiie"}
    assert set(table["share_method"]) == {"minmax", "rank", "logistic"}
    assert table["exposure"].between(0, 1).all()
    assert (table.groupby(["variant", "share_method"]).size() == 7).all()


# ------------------------------------------------------------------ real data end to end

@pytest.fixture(scope="module")
def real_result(aioe_module):
    from aidi.countries import TARGET_20
    from aidi.sources.raw import un_ama, wdi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs = pd.concat([un_ama.read(RAW), wdi.read(RAW)], ignore_index=True)
        table = aioe_module.read_industry_exposure(RAW)
    shares = value_added_shares(obs, countries=TARGET_20)
    return exposure_model(shares, table, obs, variant="aiie")


@needs_raw
def test_real_data_all_20_economies_in_unit_interval(real_result):
    from aidi.countries import TARGET_20

    summ = exposure_summary(real_result).set_index("iso3")
    assert sorted(summ.index) == sorted(TARGET_20)
    assert ((summ["exposed_share"] > 0) & (summ["exposed_share"] < 1)).all()
    assert (summ["diffusion"] > 0).all() and (summ["exposure_scale"] > 0).all()
    assert real_result.gdp_year == 2023


@needs_raw
def test_real_data_comparison_table(real_result):
    table = compare_with_source(real_result)
    assert list(table.columns)[:5] == ["statement", "published", "ours", "difference", "holds"]
    assert len(table) >= 10
    assert table["holds"].map(lambda v: v is None or isinstance(v, bool)).all()
    assert table["ours"].notna().all()
