"""Imputation and treatment methods: COINr's `i_*`, row and panel imputation, scikit-learn's
iterative and kNN imputers, COINr's log variants and Box-Cox — by hand, with the spec syntax."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aidi.engine import impute as im
from aidi.engine import treat as tr
from aidi.specs.schema import Impute, Treat


def test_i_mean_grp_and_i_median_grp():
    x = np.array([[1.0], [np.nan], [3.0], [10.0], [np.nan], [4.0]])
    groups = np.array(["a", "a", "a", "b", "b", "b"], dtype=object)
    # group a: mean(1, 3) = 2; group b: mean(10, 4) = 7, median the same for two values
    np.testing.assert_allclose(im.impute_mean(x, groups).ravel(), [1, 2, 3, 10, 7, 4])
    x2 = np.array([[1.0], [2.0], [10.0], [np.nan]])
    np.testing.assert_allclose(im.impute_median(x2).ravel(), [1, 2, 10, 2])  # median(1, 2, 10)


def test_impute_model_coinr_syntax():
    s = Impute.model_validate({"f_i": "i_median_grp", "use_group": "EurAsia_group"})
    assert (s.method, s.group) == ("median", "EurAsia_group")
    assert Impute.model_validate({"use_group": "g"}).method == "mean"  # COINr's default i_mean
    assert Impute.model_validate({"f_i": "i_mean", "impute_by": "row"}).method == "row_mean"
    with pytest.raises(ValueError, match="give use_group"):
        Impute.model_validate({"f_i": "i_mean_grp"})
    with pytest.raises(ValueError, match="year rule"):
        Impute.model_validate({"f_i": "impute_panel"})


def test_mode_takes_the_most_frequent_value_smallest_on_ties():
    x = np.array([[1.0], [2.0], [2.0], [np.nan], [3.0], [3.0]])
    np.testing.assert_allclose(im.impute_mode(x).ravel(), [1, 2, 2, 2, 3, 3])


def test_row_imputation_normalises_first_with_directions():
    x = np.array([[0.0, 10.0], [2.0, np.nan], [10.0, 30.0]])
    # column 1 min–max: (0, 0.2, 1); unit 2's row mean there = 0.2 → column 2: 0.2·20 + 10 = 14
    np.testing.assert_allclose(im.impute_row(x)[1, 1], 14.0)
    # column 2 negative: −x scaled, 0.2 maps back to (0.2·20 − 30)·(−1) = 26
    np.testing.assert_allclose(im.impute_row(x, directions=np.array([1.0, -1.0]))[1, 1], 26.0)
    # without normalising: the raw row mean, 2
    np.testing.assert_allclose(im.impute_row(x, normalise_first=False)[1, 1], 2.0)


def test_impute_panel_latest_constant_linear():
    t = [2000, 2001, 2002]
    x = np.array([1.0, np.nan, np.nan])[:, None, None]
    np.testing.assert_allclose(im.impute_panel(x, t, "latest", max_time=1).ravel(), [1, 1, np.nan])
    np.testing.assert_allclose(im.impute_panel(x, t, "latest").ravel(), [1, 1, 1])
    y = np.array([1.0, np.nan, 3.0])[:, None, None]
    np.testing.assert_allclose(im.impute_panel(y, t, "linear").ravel(), [1, 2, 3])
    np.testing.assert_allclose(im.impute_panel(y, t, "constant").ravel(), [1, 1, 3])
    # approx(rule = 2): before the first observation, the first value
    z = np.array([np.nan, 2.0, 4.0])[:, None, None]
    np.testing.assert_allclose(im.impute_panel(z, t, "linear").ravel(), [2, 2, 4])
    np.testing.assert_allclose(im.impute_panel(z, t, "latest").ravel(), [np.nan, 2, 4])


def test_iterative_and_knn_imputation():
    x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, np.nan], [4.0, 8.0], [5.0, 10.0]])
    # an exact linear relation y = 2x: the regression imputer recovers 6
    np.testing.assert_allclose(im.impute_iterative(x, seed=1)[2, 1], 6.0, atol=1e-3)
    # kNN with 2 neighbours on column 1: units with x = 2 and 4 → (4 + 8) / 2 = 6
    np.testing.assert_allclose(im.impute_knn(x, 2)[2, 1], 6.0)
    assert np.array_equal(im.impute_iterative(x, seed=1), im.impute_iterative(x, seed=1))


def test_impute_matrix_runs_matrix_methods_over_shared_columns():
    x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, np.nan], [4.0, 8.0]])
    knn = Impute(method="knn", n_neighbors=2)
    out = im.impute_matrix(x, [knn, knn])
    np.testing.assert_allclose(out[2, 1], 6.0)
    assert np.array_equal(out[~np.isnan(x)], x[~np.isnan(x)])


def test_coinr_log_transforms_by_hand():
    # log_CT_orig: ln(x − min + 1): x = (0, e − 1) → (0, 1)
    np.testing.assert_allclose(tr.log_ct_orig(np.array([0.0, math.e - 1])), [0, 1])
    # log_CT: ln(x − min + 0.01·range): x = (0, 100) → ln 1, ln 101
    np.testing.assert_allclose(tr.log_ct(np.array([0.0, 100.0])), [0, math.log(101)])
    # log_CT_plus, negative skew: −ln(max + a − x), a = 1
    x = np.array([0.0, 90, 95, 100])
    assert tr.skewness(x) < 0
    np.testing.assert_allclose(tr.log_ct_plus(x), [-math.log(101), -math.log(11),
                                                   -math.log(6), 0.0])
    # log_GII: ln((max − 1)(x − min)/(max − min) + 1) with min 1, max 5: ln x
    np.testing.assert_allclose(tr.log_gii(np.array([1.0, 3, 5])), [0, math.log(3), math.log(5)])


def test_boxcox_given_and_estimated_lambda():
    # makepos: y = x − min + 1 = (1, 2, 3); λ = 2: (y² − 1)/2 = (0, 1.5, 4); λ = 0: ln y
    np.testing.assert_allclose(tr.boxcox(np.array([0.0, 1, 2]), 2), [0, 1.5, 4])
    np.testing.assert_allclose(tr.boxcox(np.array([0.0, 1, 2]), 0), np.log([1, 2, 3]))
    x = np.random.default_rng(0).lognormal(0, 1, 200)
    assert abs(tr.skewness(tr.boxcox(x))) < abs(tr.skewness(x)) / 4


def test_treat_model_coinr_syntax_and_rule():
    s = Treat.model_validate({"f1_para": {"winmax": 5}})
    assert (s.method, s.winmax, s.effective_fallback(), s.skew_thresh, s.kurt_thresh) == \
        ("winsorise", 5, "log_ct", 2.0, 3.5)
    assert Treat.model_validate({"f2": "log_CT_plus"}).fallback == "log_ct_plus"
    b = Treat.model_validate({"f1_para": {"winmax": 1}, "f2": "boxcox",
                              "f2_para": {"lambda": 0.5}})
    assert (b.fallback, b.lam) == ("boxcox", 0.5)
    # f1 = a transform: applied only to a column that fails the skew/kurtosis check
    f1 = Treat.model_validate({"f1": "log_CT"})
    outlier = np.r_[np.arange(1.0, 11), 30, 100]   # COINr's treat vignette vector: fails
    calm = np.arange(1.0, 13)                        # passes
    out, recs = tr.treat_matrix(np.c_[outlier, calm], [f1, f1])
    np.testing.assert_allclose(out[:, 0], tr.log_ct(outlier))
    np.testing.assert_allclose(out[:, 1], calm)
    assert [r.transformed for r in recs] == ["log_ct"]


def test_treat_matrix_boxcox_fallback_uses_lambda():
    x = np.r_[np.arange(1.0, 11), 30, 100]
    s = Treat(method="winsorise", winmax=0, fallback="boxcox", lam=0.5)
    out, _ = tr.treat_matrix(x[:, None], [s])
    np.testing.assert_allclose(out[:, 0], tr.boxcox(x, 0.5))
