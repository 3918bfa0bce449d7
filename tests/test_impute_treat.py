"""Imputers and outlier treatment on hand-made data."""

import numpy as np

from aidi.engine import impute, treat


def test_mean_and_median_imputation():
    x = np.array([[1.0], [3.0], [np.nan], [8.0]])
    np.testing.assert_allclose(impute.impute_mean(x)[2, 0], 4.0)
    np.testing.assert_allclose(impute.impute_median(x)[2, 0], 3.0)


def test_group_imputation_stays_within_group():
    x = np.array([[1.0], [3.0], [np.nan], [10.0], [np.nan]])
    groups = np.array(["a", "a", "a", "b", "b"], dtype=object)
    out = impute.impute_mean(x, groups)
    np.testing.assert_allclose(out[:, 0], [1, 3, 2, 10, 10])


def test_skew_kurt_sample_adjusted_match_hand_computation():
    v = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    n, m, s = 5, v.mean(), v.std(ddof=1)
    z = (v - m) / s
    skew = n / ((n - 1) * (n - 2)) * (z**3).sum()
    kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * (z**4).sum() - 3 * (n - 1) ** 2 / (
        (n - 2) * (n - 3))
    assert abs(treat.skewness(v) - skew) < 1e-12
    assert abs(treat.kurtosis(v) - kurt) < 1e-12


def test_winsorisation_pulls_in_the_outlier():
    v = np.array([1.0, 2, 2, 3, 3, 3, 4, 4, 5, 100])
    out, rec = treat.winsorise_column(v, winmax=5)
    assert rec.winsorised_high == (9,)
    assert out[9] == 5.0
    assert rec.transformed is None


def test_no_treatment_when_within_thresholds():
    v = np.arange(10, dtype=float)
    out, rec = treat.winsorise_column(v)
    np.testing.assert_array_equal(out, v)
    assert not rec.changed


def test_min_imputation_bounds_top_n_lists():
    x = np.array([[5.0], [2.0], [np.nan]])
    np.testing.assert_allclose(impute.impute_min(x)[:, 0], [5, 2, 2])
