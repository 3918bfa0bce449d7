"""COINr 1.1.14's own tests (bluefoxr/COINr tests/testthat/*.R), ported: one test per COINr
expectation about a method aidi implements, named test_<file>__<test_that>__<n> after the
COINr file (test-<file>.R), its test_that block and the expectation's place in it. COINr's
`runif` data become seeded draws; COINr calls are written in COINr's syntax through aidi's
API (tests/_coinr_testthat.py). This file: normalise, aggregate, treat, Screen, Denominate;
tests/test_coinr_testthat_more.py: Impute, impute_panel, weights, stats, trends.

Not ported (they test R objects, plotting or R functions passed by name, not a method):
test-normalise "norm_coin" compares COINr's coin and data-frame dispatch (the coin path is
checked against COINr's numbers in test_coinr_reference.py); test-aggregate "agg_purse",
the `silly_aggregate` / "sum" parts of "aggregation by level" and "sum_by_level" (user R
functions); test-treat "disable_treat" (a purse flag) and the `f2 = "log"` expectation (base R's
log as a user function); expect_s3_class / expect_type checks throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aidi.engine.aggregate import (
    copeland,
    outranking_matrix,
    weighted_arithmetic,
    weighted_generalised,
    weighted_geometric,
    weighted_harmonic,
)
from aidi.engine.screen import screen_mask
from aidi.engine.treat import _outside, kurtosis, skewness, treat_matrix, winsorise_column
from aidi.engine.tree import aggregate_tree, compile_tree
from aidi.engine.weights import apply_weights
from aidi.specs.loader import spec_from_dict
from aidi.specs.schema import Treat
from tests._coinr_reference import ASEM, HAVE_ASEM
from tests._coinr_testthat import coin, norm, raw, runif

needs_asem = pytest.mark.skipif(not HAVE_ASEM, reason="ASEM example data not present")
X10 = np.arange(1.0, 11)


def check_skew_kurt(x) -> bool:
    """COINr's check_SkewKurt(x)$Pass with its default thresholds."""
    return not _outside(np.asarray(x, dtype=float), 2.0, 3.5)


# ============================================================== test-normalise.R: norm_num
def test_normalise__norm_num__1():
    assert norm(X10, "n_minmax", l_u=[2, 7]).min() == pytest.approx(2)


def test_normalise__norm_num__2():
    assert norm(X10, "n_minmax", l_u=[2, 7]).max() == pytest.approx(7)


def test_normalise__norm_num__3():
    assert norm(X10, "n_zscore", m_sd=[5, 2]).mean() == pytest.approx(5)


def test_normalise__norm_num__4():
    assert norm(X10, "n_zscore", m_sd=[5, 2]).std(ddof=1) == pytest.approx(2)


def test_normalise__norm_num__5():
    assert norm(X10, "n_dist2targ", targ=8, cap_max=True).min() == pytest.approx(0)


def test_normalise__norm_num__6():
    assert norm(X10, "n_dist2targ", targ=8, cap_max=True).max() == pytest.approx(1)


def test_normalise__norm_num__7():
    xn = norm(X10, "n_dist2targ", targ=8, cap_max=True)
    np.testing.assert_array_equal(xn[X10 >= 8], 1.0)


# ============================================================== test-normalise.R: norm_df
V1, V2 = runif(10, 1), runif(10, 2)


@pytest.mark.parametrize("v", [1, 2])
def test_normalise__norm_df__1_2_min_is_0(v):
    assert norm(V1 if v == 1 else V2).min() == 0


@pytest.mark.parametrize("v", [1, 2])
def test_normalise__norm_df__3_4_max_is_100(v):
    assert norm(V1 if v == 1 else V2).max() == pytest.approx(100)


def test_normalise__norm_df__5_indiv_minmax_min():
    assert norm(V1, "n_minmax", l_u=[1, 10]).min() == pytest.approx(1)


def test_normalise__norm_df__6_indiv_minmax_max():
    assert norm(V1, "n_minmax", l_u=[1, 10]).max() == pytest.approx(10)


def test_normalise__norm_df__7_indiv_borda():
    assert sorted(norm(V2, "n_borda")) == list(range(10))


def test_normalise__norm_df__8_negative_direction_min_gets_100():
    assert norm(V1, direction=-1)[V1.min() == V1][0] == pytest.approx(100)


def test_normalise__norm_df__9_negative_direction_max_gets_0():
    assert norm(V1, direction=-1)[V1.max() == V1][0] == pytest.approx(0)


def test_normalise__norm_df__10_positive_direction_min_gets_0():
    assert norm(V2)[V2.min() == V2][0] == pytest.approx(0)


def test_normalise__norm_df__11_positive_direction_max_gets_100():
    assert norm(V2)[V2.max() == V2][0] == pytest.approx(100)


# ============================================================== test-normalise.R: n_funcs
X = runif(10, 4)   # a seed whose first value is not the minimum (iref = 1 below)


def test_normalise__n_funcs__1_n_scaled():
    np.testing.assert_allclose(norm(X, "n_scaled", npara=[1, 10]), (X - 1) / 9 * 100)


def test_normalise__n_funcs__2_n_dist2max():
    np.testing.assert_allclose(norm(X, "n_dist2max"),
                               1 - (X.max() - X) / (X.max() - X.min()))


def test_normalise__n_funcs__3_n_dist2ref():
    np.testing.assert_allclose(norm(X, "n_dist2ref", iref="U0"),
                               1 - (X[0] - X) / (X[0] - X.min()))


def test_normalise__n_funcs__4_n_dist2ref_capped():
    want = 1 - (X[0] - X) / (X[0] - X.min())
    np.testing.assert_allclose(norm(X, "n_dist2ref", iref="U0", cap_max=True),
                               np.minimum(want, 1))


def test_normalise__n_funcs__5_n_fracmax():
    np.testing.assert_allclose(norm(X, "n_fracmax"), X / X.max())


def test_normalise__n_funcs__6_n_goalposts():
    want = np.clip((X - 0.2) / 0.6, 0, 1) * 10
    np.testing.assert_allclose(norm(X, "n_goalposts", gposts=[0.2, 0.8, 10]), want)


@pytest.mark.parametrize(("n", "x", "direction", "want"), [
    (7, 1, 1, 0.1), (8, 11, 1, 1), (9, -1, 1, 0), (10, 1, -1, 0.9), (11, -1, -1, 1),
    (12, 11, -1, 0)])
def test_normalise__n_funcs__7_to_12_goalpost_cases(n, x, direction, want):
    # COINr calls n_goalposts(x, c(0, 10, 1), direction) directly: posts on x's own scale,
    # formula reversed for direction −1 — aidi's own `goalposts` method
    spec = {"method": "goalposts", "goalposts": [0, 10, 1]}
    assert norm([x, 5.0], spec=spec, direction=direction)[0] == pytest.approx(want)


# ============================================================== test-normalise.R: dist2targ
def test_normalise__dist2targ__1():
    np.testing.assert_allclose(norm([0, 5, 11], "n_dist2targ", targ=10), [0, 0.5, 1.1])


def test_normalise__dist2targ__2():
    np.testing.assert_allclose(norm([0, 5, 11], "n_dist2targ", targ=10, cap_max=True),
                               [0, 0.5, 1])


def test_normalise__dist2targ__3_reverse_direction():
    # n_dist2targ(x, targ = 0, direction = -1) called directly: (max − x)/(max − targ)
    got = norm([-1, 1, 10], spec={"method": "target", "target": 0, "cap": False}, direction=-1)
    np.testing.assert_allclose(got, [1.1, 0.9, 0])


def test_normalise__dist2targ__4_reverse_direction_capped():
    got = norm([-1, 1, 10], spec={"method": "target", "target": 0, "cap": True}, direction=-1)
    np.testing.assert_allclose(got, [1, 0.9, 0])


# ============================================================== test-normalise.R: dist2targ_coin
@pytest.fixture(scope="module")
def dist2targ_coin():
    return coin([{"normalise": {"f_n": "n_dist2targ", "f_n_para": "use_iMeta"}},
                 {"aggregate": {"f_ag": "a_amean"}}])


def _target(code: str) -> float:
    m = pd.read_csv(ASEM / "ASEM_iMeta.csv")
    return float(m.loc[m.iCode == code, "Target"].iloc[0])


@needs_asem
def test_normalise__dist2targ_coin__1_LPI(dist2targ_coin):
    xr = raw(dist2targ_coin)["LPI"]
    want = (xr - xr.min()) / (_target("LPI") - xr.min())
    np.testing.assert_allclose(dist2targ_coin.normalised["LPI"], want)


@needs_asem
def test_normalise__dist2targ_coin__2_CO2_negative(dist2targ_coin):
    xr = raw(dist2targ_coin)["CO2"]
    want = (xr.max() - xr) / (xr.max() - _target("CO2"))
    np.testing.assert_allclose(dist2targ_coin.normalised["CO2"], want)


# ============================================================== test-normalise.R: iMeta_norm_paras
def _meta_with(tmp_path, **cols):
    m = pd.read_csv(ASEM / "ASEM_iMeta.csv")
    for col, fn in cols.items():
        m[col] = [fn(code) for code in m["iCode"]]
    path = tmp_path / "iMeta.csv"
    m.to_csv(path, index=False)
    return path


def _special(code: str) -> bool:
    return code in ("LPI", "CO2")


@pytest.fixture(scope="module")
def imeta_minmax(tmp_path_factory):
    if not HAVE_ASEM:
        pytest.skip("ASEM example data not present")
    p = _meta_with(tmp_path_factory.mktemp("mm"), minmax_lower=lambda c: 5 if _special(c) else 1,
                   minmax_upper=lambda c: 50 if _special(c) else 100)
    return coin([{"normalise": {"f_n": "n_minmax", "f_n_para": "use_iMeta"}},
                 {"aggregate": {"f_ag": "a_amean"}}], meta=p).normalised


@pytest.fixture(scope="module")
def imeta_zscore(tmp_path_factory):
    if not HAVE_ASEM:
        pytest.skip("ASEM example data not present")
    p = _meta_with(tmp_path_factory.mktemp("zs"), zscore_mean=lambda c: 100 if _special(c) else 10,
                   zscore_sd=lambda c: 10 if _special(c) else 1)
    return coin([{"normalise": {"f_n": "n_zscore", "f_n_para": "use_iMeta"}},
                 {"aggregate": {"f_ag": "a_amean"}}], meta=p).normalised


@pytest.mark.parametrize(("n", "code", "stat", "want"), [
    (1, "LPI", "min", 5), (2, "CO2", "min", 5), (3, "LPI", "max", 50), (4, "CO2", "max", 50),
    (5, "Flights", "min", 1), (6, "Flights", "max", 100)])
def test_normalise__iMeta_norm_paras__1_to_6_minmax(imeta_minmax, n, code, stat, want):
    assert getattr(imeta_minmax[code], stat)() == pytest.approx(want)


@pytest.mark.parametrize(("n", "code", "stat", "want"), [
    (7, "LPI", "mean", 100), (8, "CO2", "mean", 100), (9, "LPI", "std", 10),
    (10, "CO2", "std", 10), (11, "Flights", "mean", 10), (12, "Flights", "std", 1)])
def test_normalise__iMeta_norm_paras__7_to_12_zscore(imeta_zscore, n, code, stat, want):
    assert getattr(imeta_zscore[code], stat)() == pytest.approx(want)


@pytest.fixture(scope="module")
def imeta_goalposts(tmp_path_factory):
    if not HAVE_ASEM:
        pytest.skip("ASEM example data not present")
    d = pd.read_csv(ASEM / "ASEM_iData.csv")
    rng = {c: (d[c].min(), d[c].max()) for c in d.columns if d[c].dtype.kind in "if"}

    def post(c, side):
        if c not in rng:
            return np.nan
        lo, hi = rng[c]
        return lo + 0.05 * (hi - lo) if side == 0 else hi - 0.05 * (hi - lo)

    p = _meta_with(tmp_path_factory.mktemp("gp"), goalpost_lower=lambda c: post(c, 0),
                   goalpost_upper=lambda c: post(c, 1),
                   goalpost_scale=lambda c: 10 if c == "Flights" else 1,
                   goalpost_trunc2posts=lambda c: c != "Goods")
    res = coin([{"normalise": {"f_n": "n_goalposts", "f_n_para": "use_iMeta"}},
                {"aggregate": {"f_ag": "a_amean"}}], meta=p)
    return res, {c: (post(c, 0), post(c, 1)) for c in ("LPI", "Tariff")}


def test_normalise__iMeta_norm_paras__13_goalposts_LPI(imeta_goalposts):
    res, posts = imeta_goalposts
    lo, hi = posts["LPI"]
    want = np.clip((raw(res)["LPI"] - lo) / (hi - lo), 0, 1)
    np.testing.assert_allclose(res.normalised["LPI"], want)


def test_normalise__iMeta_norm_paras__14_goalposts_negative_Tariff(imeta_goalposts):
    res, posts = imeta_goalposts
    lo, hi = posts["Tariff"]   # n_goalposts(x, c(lo, hi, 1), direction = -1): (x − hi)/(lo − hi)
    want = np.clip((raw(res)["Tariff"] - hi) / (lo - hi), 0, 1)
    np.testing.assert_allclose(res.normalised["Tariff"], want)


# ============================================================== test-aggregate.R: agg_df
AGG = runif((20, 5), 4)


def _agg_tree(w, **agg):
    spec = spec_from_dict({"id": "t", "name": {"en": "t"}, "units": [f"U{i}" for i in range(20)],
                           "root": {"id": "r", "name": {"en": "r"}, "aggregate": agg,
                                    "children": [{"id": f"v{j}", "name": {"en": "v"},
                                                  "series": f"s{j}", "weight": float(w[j])}
                                                 for j in range(5)]}})
    return compile_tree(spec, [f"v{j}" for j in range(5)])


def test_aggregate__agg_df__1_default_row_means():
    got = aggregate_tree(AGG, _agg_tree(np.ones(5), f_ag="a_amean"))[:, -1]
    np.testing.assert_allclose(got, AGG.mean(axis=1))


def test_aggregate__agg_df__2_weights():
    w = np.arange(1.0, 6)
    got = aggregate_tree(AGG, _agg_tree(w, f_ag="a_amean"))[:, -1]
    np.testing.assert_allclose(got, AGG @ w / w.sum())


def test_aggregate__agg_df__3_dat_thresh_gives_NA():
    x = AGG.copy()
    x[0, :4] = np.nan
    got = aggregate_tree(x, _agg_tree(np.arange(1.0, 6), f_ag="a_amean", dat_thresh=0.5))
    assert np.isnan(got[0, -1])


def test_aggregate__agg_df__4_rest_unchanged():
    x = AGG.copy()
    x[0, :4] = np.nan
    w = np.arange(1.0, 6)
    got = aggregate_tree(x, _agg_tree(w, f_ag="a_amean", dat_thresh=0.5))[1:, -1]
    np.testing.assert_allclose(got, AGG[1:] @ w / w.sum())


# ============================================================== test-aggregate.R: agg_coin
@needs_asem
def test_aggregate__agg_coin__1_follows_weights_and_structure():
    base = coin([{"denominate": {}}, {"impute": {"f_i": "i_mean_grp", "use_group": "EurAsia_group"}},
                 {"screen": {"dat_thresh": 0.9}}, {"treat": {"f1_para": {"winmax": 5}}},
                 {"normalise": {"f_n": "n_minmax", "f_n_para": {"l_u": [0, 100]}}},
                 {"aggregate": {"f_ag": "a_amean"}}])
    rng = np.random.default_rng(5)
    alt = {n.id: float(rng.uniform()) for n in base.spec.indicators() + base.spec.aggregates()}
    from aidi.engine.pipeline import build
    from aidi.sources.coinr import read_coin

    spec, obs, info = read_coin(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv",
                                {"steps": [{"denominate": {}}, {"impute": {
                                    "f_i": "i_mean_grp", "use_group": "EurAsia_group"}},
                                    {"screen": {"dat_thresh": 0.9}},
                                    {"treat": {"f1_para": {"winmax": 5}}},
                                    {"normalise": {"f_n": "n_minmax"}},
                                    {"aggregate": {"f_ag": "a_amean"}}]})
    res = build(apply_weights(spec, alt), obs, unit_info=info)
    values = res.normalised.copy()
    for node in reversed(res.spec.aggregates()):   # children before parents
        kids = [c.id for c in node.children]
        w = np.array([alt[k] for k in kids])
        values[node.id] = values[kids].to_numpy() @ w / w.sum()
    np.testing.assert_allclose(res.scores.to_numpy(), values[list(res.scores.columns)].to_numpy(),
                               rtol=1e-12)


# ============================================================== test-aggregate.R: agg_functions
def test_aggregate__agg_functions__1_gmean():
    assert weighted_geometric(np.array([[1.0, 2, 3]]), np.ones(3))[0] == \
        pytest.approx(6 ** (1 / 3))


def test_aggregate__agg_functions__2_gmean_negative_is_an_error():
    with pytest.raises(ValueError):
        weighted_geometric(np.array([[1.0, 2, -1]]), np.ones(3))


def test_aggregate__agg_functions__3_gmean_zero_is_an_error():
    with pytest.raises(ValueError):
        weighted_geometric(np.array([[1.0, 2, 0]]), np.ones(3))


def test_aggregate__agg_functions__4_gmean_weighted():
    assert weighted_geometric(np.array([[1.0, 2, 3]]), np.array([1.0, 1, 2]))[0] == \
        pytest.approx((1 * 2 * 3 ** 2) ** (1 / 4))


def test_aggregate__agg_functions__5_hmean_weighted():
    assert weighted_harmonic(np.array([[1.0, 2, 3]]), np.array([2.0, 1, 1]))[0] == \
        pytest.approx(4 / (2 / 1 + 1 / 2 + 1 / 3))


def test_aggregate__agg_functions__6_genmean_p_minus_1_is_hmean():
    assert weighted_generalised(np.array([[1.0, 2, 3]]), np.array([2.0, 1, 1]), p=-1)[0] == \
        pytest.approx(4 / (2 / 1 + 1 / 2 + 1 / 3))


def test_aggregate__agg_functions__7_genmean_p_1_is_amean():
    assert weighted_generalised(np.array([[1.0, 2, 3]]), np.ones(3), p=1)[0] == \
        pytest.approx(2)
    assert weighted_arithmetic(np.array([[1.0, 2, 3]]), np.ones(3))[0] == pytest.approx(2)


# ============================================================== test-aggregate.R: outranking
OUT = np.c_[[1.0, 2, 3, 4], [3.0, 2, 1, 5], [2.0, 3, 1, 4]]
ORM = outranking_matrix(OUT, np.ones(3))


def test_aggregate__outranking__1_rows():
    assert ORM.shape[0] == 4


def test_aggregate__outranking__2_cols():
    assert ORM.shape[1] == 4


def test_aggregate__outranking__3_diagonal():
    np.testing.assert_array_equal(np.diag(ORM), 0)


@pytest.mark.parametrize(("n", "i", "want"), [(4, 1, 2 / 3), (5, 2, 1 / 3), (6, 3, 1.0)])
def test_aggregate__outranking__4_to_6_scores(n, i, want):
    assert ORM[i, 0] == pytest.approx(want)


def test_aggregate__outranking__7_dominant_pairs():
    assert int(np.sum(ORM == 1)) == 3
    assert np.sum(ORM == 1) / ((16 - 4) / 2) == pytest.approx(3 / 6)   # fracDominant


# ============================================================== test-aggregate.R: copeland
def test_aggregate__copeland__1_scores():
    orm = np.sign(ORM - 0.5)
    np.fill_diagonal(orm, 0)
    np.testing.assert_array_equal(copeland(OUT, np.ones(3)), orm.sum(axis=1))


TIE = np.array([[1.0, 2], [2.0, 1]])


def test_aggregate__copeland__2_tie_upper():
    assert outranking_matrix(TIE, np.ones(2))[0, 1] == 0.5


def test_aggregate__copeland__3_tie_lower():
    assert outranking_matrix(TIE, np.ones(2))[1, 0] == 0.5


def test_aggregate__copeland__4_tied_units_score_0():
    np.testing.assert_array_equal(copeland(TIE, np.ones(2)), [0, 0])


# ============================================================== test-aggregate.R: aggregation by level
@pytest.fixture(scope="module")
def by_level(tmp_path_factory):
    # COINr aggregates the Raw data set itself; aidi aggregates after normalisation, which
    # with f_n = none still applies directions (as COINr's Normalise does): all +1 here
    if not HAVE_ASEM:
        pytest.skip("ASEM example data not present")
    p = _meta_with(tmp_path_factory.mktemp("lv"), Direction=lambda c: 1)
    return coin([{"normalise": {"f_n": "none"}},
                 {"aggregate": {"f_ag": ["a_amean", "a_gmean", "a_amean"]}}], meta=p)


def test_aggregate__aggregation_by_level__1_level2_amean(by_level):
    kids = [c.id for c in by_level.spec.node("Physical").children]
    w = np.array([c.weight for c in by_level.spec.node("Physical").children])
    x = by_level.normalised[kids].iloc[0].to_numpy()
    ok = ~np.isnan(x)
    assert by_level.scores["Physical"].iloc[0] == pytest.approx(x[ok] @ w[ok] / w[ok].sum())


def test_aggregate__aggregation_by_level__2_level3_gmean(by_level):
    node = by_level.spec.node("Conn")
    x = by_level.scores[[c.id for c in node.children]].iloc[0].to_numpy()
    w = np.array([c.weight for c in node.children])
    assert by_level.scores["Conn"].iloc[0] == pytest.approx(np.exp(w @ np.log(x) / w.sum()))


# ============================================================== test-treat.R: treat_num
OUTLIER = np.r_[np.arange(1.0, 11), 100]
TWO = np.r_[np.arange(1.0, 21), 100, 200]


def _treat(x, **coinr):
    out, recs = treat_matrix(np.asarray(x, float)[:, None], [Treat.model_validate(coinr)])
    return out[:, 0], recs


def test_treat__treat_num__1_fails_check():
    assert not check_skew_kurt(OUTLIER)


def test_treat__treat_num__2_point_winsorised():
    assert _treat(OUTLIER, f1_para={"winmax": 5}, f2=None)[0][-1] == 10


def test_treat__treat_num__3_others_unchanged():
    np.testing.assert_array_equal(_treat(OUTLIER, f1_para={"winmax": 5}, f2=None)[0][:10],
                                  OUTLIER[:10])


def test_treat__treat_num__4_passes_now():
    assert check_skew_kurt(_treat(OUTLIER, f1_para={"winmax": 5}, f2=None)[0])


def test_treat__treat_num__5_winmax_1_without_f2_still_fails():
    assert not check_skew_kurt(_treat(TWO, f1_para={"winmax": 1}, f2=None)[0])


def test_treat__treat_num__7_forced_winsorisation_of_3_points():
    _, recs = _treat(TWO, f1_para={"winmax": 3, "force_win": True}, f2=None)
    assert len(recs[0].winsorised_low + recs[0].winsorised_high) == 3


# ============================================================== test-treat.R: treat_df
TDF = np.c_[runif(11, 6), np.r_[np.arange(1.0, 11), 100], np.r_[np.arange(1.0, 11), -100]]


@pytest.mark.parametrize("col", [0, 1, 2])
def test_treat__treat_df__1_to_3_df_equals_numeric(col):
    s = Treat.model_validate({"f1": "winsorise", "f1_para": {"winmax": 2}, "f2": "log_CT",
                              "f2_para": {"na.rm": True}, "f_pass": "check_SkewKurt"})
    out, _ = treat_matrix(TDF, [s] * 3)
    one, _ = winsorise_column(TDF[:, col], 2, fallback="log_ct", pass_thresh=(2.0, 3.5))
    np.testing.assert_array_equal(out[:, col], one)


# ============================================================== test-treat.R: treat_coin
@needs_asem
def test_treat__treat_coin__1_coin_equals_df():
    res = coin([{"treat": {"f1_para": {"winmax": 5}}}, {"normalise": {"f_n": "none"}},
                {"aggregate": {"f_ag": "a_amean"}}])
    s = Treat.model_validate({"f1_para": {"winmax": 5}})
    direct, _ = treat_matrix(raw(res).to_numpy(), [s] * raw(res).shape[1])
    np.testing.assert_array_equal(res.treated.to_numpy(), direct)


# ============================================================== test-Screen.R: screendf
def _screen_data():
    x = runif((10, 10), 7)
    x[0, 0:5] = np.nan
    x[1, 0] = np.nan
    x[2, 0:5] = 0
    x[3, 0] = 0
    return x, list("abcdefghij")


def test_Screen__screendf__1_byNA_075_removes_first():
    x, ids = _screen_data()
    np.testing.assert_array_equal(screen_mask(x, ids, "byNA", 0.75), np.arange(10) != 0)


def test_Screen__screendf__2_byNA_1_removes_first_two():
    x, ids = _screen_data()
    np.testing.assert_array_equal(screen_mask(x, ids, "byNA", 1.0), np.arange(10) > 1)


def test_Screen__screendf__3_byzeros_075_removes_third():
    x, ids = _screen_data()
    np.testing.assert_array_equal(screen_mask(x, ids, "byzeros", nonzero_thresh=0.75),
                                  np.arange(10) != 2)


def test_Screen__screendf__4_force_out():
    x, ids = _screen_data()
    np.testing.assert_array_equal(screen_mask(x, ids, "byNA", 1.0, force_exclude=("f",)),
                                  ~np.isin(np.arange(10), [0, 1, 5]))


@needs_asem
def test_Screen__screen_coin__1_coin_equals_df():
    res = coin([{"screen": {"unit_screen": "byNAandzeros", "dat_thresh": 0.9,
                            "nonzero_thresh": 0.5, "Force": {"uCode": ["GBR"],
                                                             "Include": [False]}}},
                {"normalise": {"f_n": "none"}}, {"aggregate": {"f_ag": "a_amean"}}])
    d = pd.read_csv(ASEM / "ASEM_iData.csv")
    cols = [i.id for i in res.spec.indicators()]
    keep = screen_mask(d[cols].to_numpy(float), list(d["uCode"]), "byNAandzeros", 0.9, 0.5,
                       force_exclude=("GBR",))
    assert list(res.units) == list(d["uCode"][keep])


# ============================================================== test-Denominate.R
@pytest.fixture(scope="module")
def denominated():
    if not HAVE_ASEM:
        pytest.skip("ASEM example data not present")
    res = coin([{"denominate": {"denomby": [
        {"iCode": "Goods", "Denominator": "GDP", "ScaleFactor": 1},
        {"iCode": "Flights", "Denominator": "Population", "ScaleFactor": 1000}]}},
        {"normalise": {"f_n": "none"}}, {"aggregate": {"f_ag": "a_amean"}}])
    return res, pd.read_csv(ASEM / "ASEM_iData.csv").set_index("uCode")


def test_Denominate__Denominate_df__1_by_GDP(denominated):
    res, d = denominated
    np.testing.assert_allclose(res.data["Goods"], (d["Goods"] / d["GDP"]).loc[list(res.units)])


def test_Denominate__Denominate_df__2_scale_factor(denominated):
    res, d = denominated
    np.testing.assert_allclose(res.data["Flights"],
                               (d["Flights"] / d["Population"] * 1000).loc[list(res.units)])


def test_Denominate__Denominate_df__3_no_denominator(denominated):
    res, d = denominated
    np.testing.assert_array_equal(res.data["LPI"], d["LPI"].loc[list(res.units)])


@needs_asem
def test_Denominate__Denom_coin__1_imeta_denominators():
    res = coin([{"denominate": {}}, {"normalise": {"f_n": "none"}},
                {"aggregate": {"f_ag": "a_amean"}}])
    d = pd.read_csv(ASEM / "ASEM_iData.csv").set_index("uCode")
    m = pd.read_csv(ASEM / "ASEM_iMeta.csv").dropna(subset=["Denominator"])
    for code, den in zip(m["iCode"], m["Denominator"], strict=True):
        np.testing.assert_allclose(res.data[code], (d[code] / d[den]).loc[list(res.units)])


def test_stats_skew_kurt_used_by_treat_are_coinrs():
    # test-stats.R "stats" 5–7 in test_coinr_testthat_more.py; here the formulas by hand
    x = np.array([1.0, 2, 3, 10])
    m = x - x.mean()
    n = 4
    assert skewness(x) == pytest.approx(np.sqrt(n) * np.sum(m ** 3) / np.sum(m ** 2) ** 1.5 *
                                        np.sqrt(n * (n - 1)) / (n - 2))
    r = n * np.sum(m ** 4) / np.sum(m ** 2) ** 2
    assert kurtosis(x) == pytest.approx(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))
