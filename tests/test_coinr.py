"""COINr-style input (iData/iMeta + steps) and the exact reproduction of COINr's ASEM example.

Reference values come from COINr's own documentation (bluefoxr/COINr):
- `articles/results.md` ("Presenting Results"): `get_results()` of `build_example_coin()` —
  the top six units at every aggregate level and India's summary, to 2 decimals;
- `articles/aggregate.md`: the Aggregated data set of the same coin, first five units (AUS, AUT,
  BEL, BGD, BGR), every aggregate, to 3 significant figures;
- issue #19: NEET in the example coin's Normalised data set for SWE, THA, VNM (7 digits);
- `articles/treat.md`: skewness, kurtosis and treatment of `c(1:10, 30, 100)` and of raw ASEM
  Flights, Goods, Services (`Dets_Table`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aidi.api import load_spec
from aidi.engine import treat
from aidi.engine.pipeline import build
from aidi.sources.coinr import CoinTableError, parse_steps, read_coin, read_idata, read_imeta
from aidi.specs.loader import shipped_spec_path
from tests.conftest import asem_tables

ASEM = asem_tables()[0].parent  # the packaged copy: no raw-data folder needed

LEVELS = {4: ["Index"], 3: ["Conn", "Sust"],
          2: ["Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ", "Social",
              "SusEcFin"]}
RESULTS_COLS = ["Index", "Conn", "Sust", "Physical", "ConEcFin", "Political", "Instit", "P2P",
                "Environ", "Social", "SusEcFin"]
# get_results(coin, dset = "Aggregated", tab_type = "Aggs") — articles/results.md
PUBLISHED_TOP6 = {
    "CHE": [68.38, 62.79, 73.98, 63.41, 32.87, 74.78, 85.94, 56.93, 77.21, 87.85, 56.88],
    "NLD": [64.82, 61.94, 67.70, 64.87, 46.62, 84.55, 71.74, 41.92, 58.73, 86.58, 57.78],
    "DNK": [64.80, 57.10, 72.51, 50.52, 30.43, 78.13, 75.35, 51.04, 69.83, 86.40, 61.29],
    "NOR": [64.47, 57.44, 71.50, 58.18, 25.70, 80.03, 89.46, 33.80, 70.90, 87.00, 56.59],
    "BEL": [63.54, 63.99, 63.09, 71.97, 48.22, 80.84, 75.60, 43.32, 53.01, 86.17, 50.09],
    "SWE": [63.00, 53.87, 72.12, 51.51, 23.87, 80.98, 74.51, 38.50, 66.37, 87.74, 62.27],
}
# get_unit_summary(coin, usel = "IND", Levels = c(4,3,2)) — score and rank
PUBLISHED_IND = {"Index": (39.79, 45), "Conn": (28.60, 44), "Sust": (50.99, 43),
                 "Physical": (18.78, 48), "ConEcFin": (6.38, 49), "Political": (51.90, 33),
                 "Instit": (59.84, 37), "P2P": (6.07, 47), "Environ": (75.34, 6),
                 "Social": (22.74, 51), "SusEcFin": (54.88, 36)}
# signif(Aggregated, 3), first five units — articles/aggregate.md
AGG_COLS = ["ConEcFin", "Environ", "Instit", "P2P", "Physical", "Political", "Social", "SusEcFin",
            "Conn", "Sust", "Index"]
PUBLISHED_SIGNIF3 = {
    "AUS": [12.6, 31.9, 52.4, 39.50, 34.8, 52.5, 71.9, 55.7, 38.4, 53.2, 45.8],
    "AUT": [26.2, 69.5, 77.5, 54.10, 41.1, 78.2, 72.8, 62.9, 55.4, 68.4, 61.9],
    "BEL": [48.2, 53.0, 75.6, 43.30, 72.0, 80.8, 86.2, 50.1, 64.0, 63.1, 63.5],
    "BGD": [13.3, 81.7, 26.5, 5.85, 22.9, 32.4, 27.5, 64.6, 20.2, 57.9, 39.0],
    "BGR": [24.6, 55.7, 75.9, 27.10, 28.4, 67.5, 53.3, 61.7, 44.7, 56.9, 50.8],
}


# ============================================================================ malformed tables

META = """\
Level,iCode,iName,Direction,Weight,Unit,Target,Denominator,Parent,Type
1,a,A,1,1,u,NA,NA,P,Indicator
1,b,B,-1,1,u,NA,pop,P,Indicator
1,c,C,1,2,u,NA,NA,Q,Indicator
2,P,Pillar P,1,1,Score,NA,NA,Index,Aggregate
2,Q,Pillar Q,1,1,Score,NA,NA,Index,Aggregate
3,Index,Index,1,1,Score,NA,NA,NA,Aggregate
NA,region,Region,NA,NA,NA,NA,NA,NA,Group
NA,pop,Population,NA,NA,k,NA,NA,NA,Denominator
"""
DATA = """\
uName,uCode,region,Time,pop,a,b,c
Aland,AAA,north,2020,10,1,10,5
Borduria,BBB,north,2020,20,2,NA,6
Carpania,CCC,south,2020,40,4,30,NA
Dorne,DDD,south,2020,80,8,40,9
"""


def _tables(tmp_path: Path, meta: str = META, data: str = DATA) -> tuple[Path, Path]:
    m, d = tmp_path / "iMeta.csv", tmp_path / "iData.csv"
    m.write_text(textwrap.dedent(meta), encoding="utf-8")
    d.write_text(textwrap.dedent(data), encoding="utf-8")
    return d, m


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


def test_small_tables_read_into_spec_observations_and_groups(tmp_path):
    d, m = _tables(tmp_path)
    spec, obs, info = read_coin(d, m)
    assert [n.id for n in spec.aggregates()] == ["Index", "P", "Q"]
    b = spec.node("b")
    assert b.direction == -1 and b.transform.kind == "ratio" and b.transform.denominator == "pop"
    assert spec.node("c").weight == 2
    assert set(obs["series"]) == {"a", "b", "c", "pop"} and set(obs["year"]) == {2020}
    assert info.loc["CCC", "region"] == "south" and info.loc["AAA", "uName"] == "Aland"
    # default steps (COINr's defaults): denominate, min–max 0–100, arithmetic mean
    r = build(spec, obs, unit_info=info)
    np.testing.assert_allclose(r.data.loc["AAA", "b"], 1.0)          # 10 / 10
    assert r.normalised.max().max() == 100 and r.normalised.min().min() == 0
    assert np.isnan(r.data.loc["BBB", "b"])                          # missing stays missing


@pytest.mark.parametrize("old,new,needle", [
    ("1,a,A,1,1,u,NA,NA,P,Indicator", "1,a,A,1,1,u,NA,NA,Pillar,Indicator",
     "iMeta.csv line 2 (iCode 'a'): Parent 'Pillar' is not an iCode"),
    ("2,P,Pillar P,1,1,Score,NA,NA,Index,Aggregate", "2,P,Pillar P,1,1,Score,NA,NA,P,Aggregate",
     "cycle P → P"),
    ("1,b,B,-1,1,u,NA,pop,P,Indicator", "1,b,B,2,1,u,NA,pop,P,Indicator",
     "line 3 (iCode 'b'): Direction must be 1 or -1"),
    ("1,c,C,1,2,u,NA,NA,Q,Indicator", "1,c,C,1,two,u,NA,NA,Q,Indicator",
     "line 4 (iCode 'c'): Weight must be numeric, got 'two'"),
    ("1,c,C,1,2,u,NA,NA,Q,Indicator", "1,a,C,1,2,u,NA,NA,Q,Indicator",
     "line 4 (iCode 'a'): iCode 'a' is already used on line 2"),
    ("NA,region,Region,NA,NA,NA,NA,NA,NA,Group", "NA,region,Region,NA,NA,NA,NA,NA,NA,Grouping",
     "line 8 (iCode 'region'): Type 'Grouping'"),
    ("1,c,C,1,2,u,NA,NA,Q,Indicator", "1,4c,C,1,2,u,NA,NA,Q,Indicator",
     "line 4 (iCode '4c'): iCode '4c' must start with a letter"),
    ("2,Q,Pillar Q,1,1,Score,NA,NA,Index,Aggregate", "2,Q,Pillar Q,1,1,Score,NA,NA,NA,Aggregate",
     "exactly one root"),
    ("1,c,C,1,2,u,NA,NA,Q,Indicator", "1,c,C,1,2,u,NA,NA,Index,Indicator",
     "line 4 (iCode 'c'): Parent 'Index' is at Level 3, not 2"),
    ("1,b,B,-1,1,u,NA,pop,P,Indicator", "1,b,B,-1,1,u,NA,region,P,Indicator",
     "line 3 (iCode 'b'): Denominator 'region' is not an iCode of Type 'Denominator'"),
    ("1,a,A,1,1,u,NA,NA,P,Indicator", "1,a,A,1,1,u,NA,NA,region,Indicator",
     "line 2 (iCode 'a'): Parent 'region' is a Group, not an Aggregate"),
])
def test_malformed_imeta_names_the_row(tmp_path, old, new, needle):
    d, m = _tables(tmp_path, meta=_edit(META, old, new))
    with pytest.raises(CoinTableError) as err:
        read_coin(d, m)
    assert needle in str(err.value)


def test_cycle_between_two_aggregates_is_reported_with_its_lines(tmp_path):
    meta = _edit(META, "2,Q,Pillar Q,1,1,Score,NA,NA,Index,Aggregate",
                 "2,Q,Pillar Q,1,1,Score,NA,NA,R,Aggregate\n2,R,R,1,1,Score,NA,NA,Q,Aggregate")
    d, m = _tables(tmp_path, meta=meta)
    with pytest.raises(CoinTableError, match=r"cycle Q → R → Q \(lines 6, 7\)"):
        read_imeta(m)


def test_missing_required_imeta_column(tmp_path):
    meta = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 4)
                     for line in META.splitlines())
    d, m = _tables(tmp_path, meta=meta)
    with pytest.raises(CoinTableError, match=r"missing column\(s\) \['Weight'\]"):
        read_imeta(m)


@pytest.mark.parametrize("old,new,needle", [
    ("Borduria,BBB,north,2020,20,2,NA,6", "Borduria,BBB,north,2020,20,2,n/a?,6",
     "iData.csv line 3 (uCode 'BBB'): column 'b' must be numeric, got 'n/a?'"),
    ("uName,uCode,region,Time,pop,a,b,c", "uName,uCode,region,Time,pop,a,b,cc",
     "iMeta line 4 (iCode 'c'): the indicator column 'c' is missing from iData.csv"),
    ("Dorne,DDD,south,2020,80,8,40,9", "Dorne,AAA,south,2020,80,8,40,9",
     "uCode 'AAA' appears more than once (lines [2, 5])"),
    ("Dorne,DDD,south,2020,80,8,40,9", "Dorne,,south,2020,80,8,40,9",
     "iData.csv line 5: uCode is empty"),
    ("Dorne,DDD,south,2020,80,8,40,9", "Dorne,DDD,south,2021,80,8,40,9",
     "several Time values [2020, 2021]"),
    ("Dorne,DDD,south,2020,80,8,40,9", "Dorne,DDD,south,soon,80,8,40,9",
     "iData.csv line 5 (uCode 'DDD'): Time must be numeric, got 'soon'"),
])
def test_malformed_idata_names_the_row(tmp_path, old, new, needle):
    d, m = _tables(tmp_path, data=_edit(DATA, old, new))
    with pytest.raises(CoinTableError) as err:
        read_coin(d, m)
    assert needle in str(err.value)


def test_idata_column_not_in_imeta_is_refused(tmp_path):
    data = "\n".join(line + (",extra" if i == 0 else ",1") for i, line in
                     enumerate(DATA.splitlines()))
    d, m = _tables(tmp_path, data=data)
    with pytest.raises(CoinTableError, match="column 'extra' is not described in iMeta"):
        read_idata(d, read_imeta(m))


def test_panel_data_needs_a_time(tmp_path):
    data = DATA + "Dorne,DDD,south,2021,80,9,41,10\n"
    d, m = _tables(tmp_path, data=data)
    with pytest.raises(CoinTableError, match="panel data"):
        read_coin(d, m)
    spec, obs, _ = read_coin(d, m, {"coin": {"time": 2021}, "steps": [
        {"normalise": {"method": "minmax"}}, {"aggregate": {}}]})
    assert list(spec.units) == ["DDD"] and set(obs["year"]) == {2021}


# ============================================================================ steps file

def test_steps_in_an_order_the_pipeline_cannot_run_are_refused():
    with pytest.raises(CoinTableError, match="aidi runs them in the order"):
        parse_steps({"steps": [{"treat": {}}, {"impute": {"method": "mean"}}]})
    with pytest.raises(CoinTableError, match="screen comes after treat"):
        parse_steps({"steps": [{"treat": {}}, {"screen": {"min_availability": 0.5}}]})
    with pytest.raises(CoinTableError, match="unknown step 'weight'"):
        parse_steps({"steps": [{"weight": {}}]})
    with pytest.raises(CoinTableError, match=r"steps\[0\].treat: winmax"):
        parse_steps({"steps": [{"treat": {"winmax": -1}}]})


def test_coinr_aliases_and_screen_position():
    s = parse_steps({"steps": [
        {"impute": {"method": "i_mean_grp", "use_group": "region"}},
        {"screen": {"dat_thresh": 0.5}},
        {"normalise": {"method": "n_minmax", "l_u": [1, 100]}},
        {"aggregate": {"method": "a_gmean"}}]})
    assert s.settings["impute"] == {"method": "mean", "group": "region"}
    assert s.settings["screen"] == {"min_availability": 0.5}
    assert s.settings["normalise"] == {"method": "minmax", "low": 1.0, "high": 100.0,
                                       "semantics": "coinr"}
    assert s.settings["aggregate"] == {"method": "geometric", "semantics": "coinr"}


def test_screen_before_or_after_imputation_follows_the_listed_order(tmp_path):
    d, m = _tables(tmp_path)
    base = [{"normalise": {"method": "minmax"}}, {"aggregate": {}}]
    before = read_coin(d, m, {"steps": [{"screen": {"min_availability": 0.9}},
                                        {"impute": {"method": "mean"}}, *base]}).spec
    after = read_coin(d, m, {"steps": [{"impute": {"method": "mean"}},
                                       {"screen": {"min_availability": 0.9}}, *base]}).spec
    assert before.screen.on == "raw" and after.screen.on == "imputed"


def test_per_indicator_settings_merge_over_the_step_like_coinr_indiv_specs(tmp_path):
    d, m = _tables(tmp_path)
    spec = read_coin(d, m, {"steps": [
        {"treat": {"winmax": 3, "indicators": {"a": {"winmax": 0}, "c": "none"}}},
        {"normalise": {"method": "minmax", "low": 0, "high": 100,
                       "indicators": {"b": {"low": 50}}}},
        {"aggregate": {}}]}).spec
    a = spec.effective_treat(spec.node("a"))
    assert (a.method, a.winmax, a.fallback) == ("winsorise", 0, "log_ct")   # method kept
    assert spec.effective_treat(spec.node("c")).method == "none"
    assert spec.effective_treat(spec.node("b")).winmax == 3                  # the global step
    nb = spec.effective_normalise(spec.node("b"))
    assert (nb.method, nb.low, nb.high) == ("minmax", 50, 100)
    with pytest.raises(CoinTableError, match=r"treat.indicators names \['zz'\]"):
        read_coin(d, m, {"steps": [{"treat": {"indicators": {"zz": "none"}}}]})


def test_aggregation_per_level_and_per_node(tmp_path):
    d, m = _tables(tmp_path)
    spec = read_coin(d, m, {"steps": [
        {"normalise": {"method": "minmax", "low": 1, "high": 100}},
        {"aggregate": {"method": "arithmetic", "levels": {2: {"method": "geometric"}},
                       "nodes": {"Q": {"method": "harmonic"}}}}]}).spec
    assert spec.node("P").aggregate.method == "geometric"      # level 2
    assert spec.node("Q").aggregate.method == "harmonic"       # node wins over level
    assert spec.node("Index").aggregate.method == "arithmetic"  # global


# ============================================================================ the treat rule

def test_skew_and_kurtosis_hand_computed():
    # x = (0,0,0,0,10): deviations (−2,−2,−2,−2,8); Σm² = 80, Σm³ = 480, Σm⁴ = 4160, n = 5
    # skew = √5·480/80^1.5 · √20/3 = √5;  r = 5·4160/80² = 3.25, kurt = (6·0.25+6)·4/(3·2) = 5
    v = np.array([0.0, 0, 0, 0, 10])
    assert treat.skewness(v) == pytest.approx(np.sqrt(5), abs=1e-14)
    assert treat.kurtosis(v) == 5.0
    # COINr's vignette (articles/treat.md): skew(c(1:10, 30, 100)), kurt(...)
    x = np.r_[np.arange(1, 11), 30, 100.0]
    assert treat.skewness(x) == pytest.approx(3.063241, abs=5e-7)
    assert treat.kurtosis(x) == pytest.approx(9.741391, abs=5e-7)


def test_thresholds_are_inclusive_as_in_coinr_check_skewkurt():
    # COINr passes a column when |skew| < t1 OR kurt < t2: kurtosis exactly at the threshold fails
    v = np.array([0.0, 0, 0, 0, 10])
    _, rec = treat.winsorise_column(v, winmax=1, kurt_thresh=5.0)
    assert rec.winsorised_high == (4,)
    _, rec = treat.winsorise_column(v, winmax=1, kurt_thresh=5.0 + 1e-9)
    assert not rec.changed


def test_winsorise_one_point_as_in_coinr_vignette():
    x = np.r_[np.arange(1, 11), 30, 100.0]
    out, rec = treat.winsorise_column(x, winmax=2, fallback="log_ct")
    assert rec.winsorised_high == (11,) and out[11] == 30 and rec.transformed is None
    assert treat.skewness(out) == pytest.approx(1.712038, abs=5e-7)
    assert treat.kurtosis(out) == pytest.approx(1.815781, abs=5e-7)


def test_winmax_counts_winsorised_units_not_iterations_times_ties():
    # four high outliers need four points: each pass ties the pulled-in point with the next one
    x = np.r_[np.arange(1, 31), [1000, 1001, 1002, 1003.0]]
    out, rec = treat.winsorise_column(x, winmax=5, fallback="log_ct")
    assert rec.winsorised_high == (30, 31, 32, 33) and rec.transformed is None
    assert out.max() == 30
    out3, rec3 = treat.winsorise_column(x, winmax=3, fallback="log_ct")
    assert rec3.transformed == "log_ct" and rec3.winsorised_high == ()
    np.testing.assert_allclose(out3, np.log(x - 1 + 0.01 * (1003 - 1)))   # on the ORIGINAL x


def test_low_side_winsorised_when_skew_is_negative():
    x = -np.r_[np.arange(1, 11), 30, 100.0]
    out, rec = treat.winsorise_column(x, winmax=2)
    assert rec.winsorised_low == (11,) and out[11] == -30


def test_no_fallback_is_recorded_not_silent():
    x = np.r_[np.arange(1, 31), [1000, 1001, 1002, 1003.0]]
    out, rec = treat.winsorise_column(x, winmax=1, fallback="none")
    assert rec.transformed is None and rec.winsorised_high == (33,)
    assert "no fallback" in rec.notes[0]


def test_treatment_of_raw_asem_matches_coinr_dets_table():
    data = pd.read_csv(ASEM / "ASEM_iData.csv")
    # Treat(ASEM_iData[c("Flights", "Goods", "Services")]) — articles/treat.md
    expected = {"Flights": (2.103287, 4.508879, 1, 1.900658, 3.336065),
                "Goods": (2.649973, 8.266610, 2, 1.140608, 0.1572047)}
    for code, (sk0, ku0, nwin, sk1, ku1) in expected.items():
        out, rec = treat.winsorise_column(data[code].to_numpy(float), 5, fallback="log_ct")
        assert (rec.skew_before, rec.kurt_before) == pytest.approx((sk0, ku0), abs=5e-6)
        assert len(rec.winsorised_high) == nwin and rec.transformed is None
        assert (rec.skew_after, rec.kurt_after) == pytest.approx((sk1, ku1), abs=5e-6)
    s = data["Services"].to_numpy(float)
    assert (treat.skewness(s), treat.kurtosis(s)) == pytest.approx((1.701085, 2.375656), abs=5e-6)
    # winmax = 1: Goods still fails (2.469910, 7.087309) → log_CT of the original (0.03104001,
    # −0.8888965); Flights with winmax = 0 → log_CT (−0.09502644, −0.8305217)
    out, rec = treat.winsorise_column(data["Goods"].to_numpy(float), 1, fallback="log_ct")
    assert rec.transformed == "log_ct"
    assert (rec.skew_after, rec.kurt_after) == pytest.approx((0.03104001, -0.8888965), abs=5e-8)
    out, rec = treat.winsorise_column(data["Flights"].to_numpy(float), 0, fallback="log_ct")
    assert (rec.skew_after, rec.kurt_after) == pytest.approx((-0.09502644, -0.8305217), abs=5e-8)


# ============================================================================ ASEM reproduction

@pytest.fixture(scope="module")
def asem():
    spec, obs, info = read_coin(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv",
                                shipped_spec_path("asem"))
    return build(spec, obs, unit_info=info)


def test_asem_top_five_index_values_and_ranks(asem):
    top = asem.index.sort_values(ascending=False).head(5)
    assert list(top.index) == ["CHE", "NLD", "DNK", "NOR", "BEL"]
    assert [round(v, 2) for v in top] == [68.38, 64.82, 64.80, 64.47, 63.54]
    for pub in asem.spec.published:
        assert round(asem.scores.loc[pub.unit, pub.node], 2) == pub.value
        assert asem.ranks.loc[pub.unit, pub.node] == pub.rank


def test_asem_every_published_value_at_every_level(asem):
    """Every figure COINr prints for this build, at every level, within its rounding."""
    diffs: dict[int, float] = {}
    for unit, values in PUBLISHED_TOP6.items():
        for col, pub in zip(RESULTS_COLS, values, strict=True):
            lev = next(k for k, v in LEVELS.items() if col in v)
            d = abs(asem.scores.loc[unit, col] - pub)
            diffs[lev] = max(diffs.get(lev, 0.0), d)
    for col, (pub, rank) in PUBLISHED_IND.items():
        lev = next(k for k, v in LEVELS.items() if col in v)
        diffs[lev] = max(diffs[lev], abs(asem.scores.loc["IND", col] - pub))
        assert asem.ranks.loc["IND", col] == rank
    assert all(d <= 0.005 + 1e-9 for d in diffs.values()), diffs
    for unit, values in PUBLISHED_SIGNIF3.items():
        for col, pub in zip(AGG_COLS, values, strict=True):
            assert float(f"{asem.scores.loc[unit, col]:.3g}") == pub, (unit, col)
    # top six of every column of get_results are the top six of the index
    assert list(asem.index.sort_values(ascending=False).index[:6]) == list(PUBLISHED_TOP6)


def test_asem_indicator_level_matches_coinr(asem):
    # bluefoxr/COINr issue #19: coin$Data$Normalised NEET for SWE, THA, VNM
    np.testing.assert_allclose(asem.normalised.loc[["SWE", "THA", "VNM"], "NEET"],
                               [86.50602, 65.30120, 100.0], atol=5e-6)


def test_asem_steps_log_and_order(asem):
    log = asem.log_frame()
    assert asem.screened_out == () and len(asem.units) == 51    # Screened (51 units)
    assert (log.step == "impute").sum() == 65                    # every NA filled by group mean
    assert int(asem.imputed_mask.to_numpy().sum()) == 65
    treated = log[log.step == "treat"]
    # after denomination (COINr treats the denominated data): e.g. Flights (1 point), Services (4)
    assert (treated.indicator == "Flights").sum() == 1
    assert (treated.indicator == "Services").sum() == 4
    assert not treated.detail.str.contains("transform").any()   # ≤ 5 points always sufficed
    assert log[log.step == "screen"].detail.str.contains("51 of 51").any()


def test_asem_screening_before_imputation_would_differ(asem):
    """COINr screens the imputed data; screening the raw data removes five countries."""
    spec = asem.spec.model_copy(update={"screen": asem.spec.screen.model_copy(
        update={"on": "raw"})})
    _, obs, info = read_coin(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv",
                             shipped_spec_path("asem"))
    raw_first = build(spec, obs, unit_info=info)
    assert set(raw_first.screened_out) == {"BRN", "LAO", "MMR", "BGD", "KHM"}
    assert abs(raw_first.index["CHE"] - asem.index["CHE"]) > 0.01


def test_shipped_asem_spec_loads_with_its_tree(asem):
    spec = load_spec("asem")
    assert len(spec.indicators()) == 49 and spec.root.id == "Index"
    assert spec.screen.on == "imputed" and spec.defaults.treat.fallback == "log_ct"


def test_build_coin_writes_coinr_shaped_outputs(tmp_path):
    from aidi.commands.coinr_build import build_coin

    result = build_coin(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv",
                        shipped_spec_path("asem"), tmp_path)
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns) == ["uCode", *RESULTS_COLS]
    assert list(scores.uCode[:5]) == ["CHE", "NLD", "DNK", "NOR", "BEL"]
    assert scores.Index.is_monotonic_decreasing and len(scores) == 51
    # written at full precision
    assert scores.Index[0] == result.scores.loc["CHE", "Index"]
    norm = pd.read_csv(tmp_path / "indicators_normalised.csv")
    assert list(norm.columns) == ["uCode", *[i.id for i in result.spec.indicators()]]
    log = pd.read_csv(tmp_path / "build_log.csv")
    assert list(log.columns) == ["step", "unit", "indicator", "code", "method", "before",
                                 "after", "detail"]
    assert {"denominate", "impute", "screen", "treat"} <= set(log.step)
    # the same build from the steps file alone (its `coin:` paths)
    again = build_coin(None, None, shipped_spec_path("asem"), tmp_path / "again")
    assert again.scores.equals(result.scores)


def test_lower_case_ucodes_come_back_as_spelled_in_idata(tmp_path):
    from aidi.commands.coinr_build import build_coin

    data = DATA.replace("AAA", "aaa").replace("DDD", "dDd")
    d, m = _tables(tmp_path, data=data)
    result = build_coin(d, m, None, tmp_path / "out")
    assert "AAA" in result.units                                  # aidi's unit ids
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    assert set(scores.uCode) == {"aaa", "BBB", "CCC", "dDd"}
    assert list(scores.columns) == ["uCode", "Index", "P", "Q"]


def test_an_aidi_spec_passed_as_steps_is_explained(tmp_path):
    d, m = _tables(tmp_path)
    with pytest.raises(CoinTableError, match="aidi index spec"):
        read_coin(d, m, {"id": "x", "root": {}})
