"""Normalisers: every COINr `n_*` function on small vectors worked out by hand from COINr's
documented formula (R/normalise.R in bluefoxr/COINr), aidi's own, the spec syntax, and
invariance properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidi.engine import normalise as nm
from aidi.engine.normalise import normalise_matrix
from aidi.specs.schema import Normalise

X = np.array([[2.0], [4.0], [6.0], [10.0]])          # one indicator, four units
TIES = np.array([[1.0], [2.0], [2.0], [3.0]])
UNITS = ["A", "B", "C", "D"]


def run(spec: dict, x: np.ndarray = X, direction: float = 1.0) -> np.ndarray:
    """Normalise one column through the spec model and the engine, as a build does."""
    s = Normalise.model_validate(spec)
    return normalise_matrix(x, [s], np.array([direction]), UNITS, ["x"])[:, 0]


def test_n_minmax_default_l_u_is_0_100():
    # COINr: (x − min) / (max − min) · (u − l) + l with l_u = c(0, 100): (x − 2) / 8 · 100
    np.testing.assert_allclose(run({"f_n": "n_minmax"}), [0, 25, 50, 100])
    np.testing.assert_allclose(run({"f_n": "n_minmax", "f_n_para": {"l_u": [1, 2]}}),
                               [1, 1.25, 1.5, 2])


def test_n_zscore_m_sd():
    # mean 5.5; sd (n − 1) = sqrt((3.5² + 1.5² + 0.5² + 4.5²) / 3) = sqrt(35 / 3)
    sd = math.sqrt(35 / 3)
    want = [(v - 5.5) / sd * 2 + 10 for v in (2, 4, 6, 10)]
    np.testing.assert_allclose(run({"f_n": "n_zscore", "f_n_para": {"m_sd": [10, 2]}}), want)
    # COINr's default m_sd = c(0, 1)
    np.testing.assert_allclose(run({"f_n": "n_zscore"}), [(v - 5.5) / sd for v in (2, 4, 6, 10)])


def test_n_zscore_negative_direction_flips_sign():
    np.testing.assert_allclose(run({"f_n": "n_zscore"}, direction=-1),
                               -run({"f_n": "n_zscore"}))


def test_n_scaled():
    # (x − l) / (u − l) · 100 with npara = c(0, 20): x / 20 · 100
    np.testing.assert_allclose(run({"f_n": "n_scaled", "f_n_para": {"npara": [0, 20]}}),
                               [10, 20, 30, 50])
    # default npara = c(0, 100): x itself
    np.testing.assert_allclose(run({"f_n": "n_scaled"}), [2, 4, 6, 10])


def test_n_fracmax_and_its_direction_as_coinr():
    np.testing.assert_allclose(run({"f_n": "n_fracmax"}), [0.2, 0.4, 0.6, 1.0])
    # COINr multiplies by −1 first: −x / max(−x) = −x / −2 = x / 2 (worse units score higher)
    np.testing.assert_allclose(run({"f_n": "n_fracmax"}, direction=-1), [1, 2, 3, 5])
    # aidi's frontier is min(x) / x for a negative indicator
    np.testing.assert_allclose(run({"method": "frontier"}, direction=-1), [1, 0.5, 1 / 3, 0.2])


def test_n_prank_n_rank_n_borda_sport_ranking():
    # ranks with ties.method = "min": 1, 2, 2, 4
    np.testing.assert_allclose(run({"f_n": "n_rank"}, TIES), [1, 2, 2, 4])
    np.testing.assert_allclose(run({"f_n": "n_borda"}, TIES), [0, 1, 1, 3])
    # (rank − 1) / (n − 1) = (0, 1, 1, 3) / 3
    np.testing.assert_allclose(run({"f_n": "n_prank"}, TIES), [0, 1 / 3, 1 / 3, 1])
    # COINr ignores ties.method (always "min"); aidi's own rank averages ties
    np.testing.assert_allclose(run({"f_n": "n_rank", "f_n_para": {"ties.method": "average"}},
                                   TIES), [1, 2, 2, 4])
    np.testing.assert_allclose(run({"method": "rank"}, TIES), [1, 2.5, 2.5, 4])


def test_n_goalposts_both_directions():
    gp = {"f_n": "n_goalposts", "f_n_para": {"gposts": [0, 8, 100]}}
    # (x − 0) / (8 − 0), truncated to [0, 1], × 100
    np.testing.assert_allclose(run(gp), [25, 50, 75, 100])
    # negative, posts given globally: COINr applies them to d·x = −x (its Normalise
    # multiplies by the direction first): (−x − 0)/8 < 0 → truncated to 0 everywhere
    np.testing.assert_allclose(run(gp, direction=-1), [0, 0, 0, 0])
    loose = {"f_n": "n_goalposts", "f_n_para": {"gposts": [0, 8, 1], "trunc2posts": False}}
    np.testing.assert_allclose(run(loose), [0.25, 0.5, 0.75, 1.25])


def test_n_dist2max_and_n_dist2ref():
    # 1 − (max − x) / (max − min) = (x − 2) / 8
    np.testing.assert_allclose(run({"f_n": "n_dist2max"}), [0, 0.25, 0.5, 1])
    # reference unit B (x = 4): (x − 2) / (4 − 2); COINr's cap_max defaults to FALSE
    np.testing.assert_allclose(run({"f_n": "n_dist2ref", "f_n_para": {"iref": "B"}}),
                               [0, 1, 2, 4])
    np.testing.assert_allclose(
        run({"f_n": "n_dist2ref", "f_n_para": {"iref": "B", "cap_max": True}}), [0, 1, 1, 1])


def test_n_dist2targ_uncapped_by_default_and_negative_direction():
    # (x − min) / (targ − min) = (x − 2) / 6
    np.testing.assert_allclose(run({"f_n": "n_dist2targ", "f_n_para": {"targ": 8}}),
                               [0, 1 / 3, 2 / 3, 4 / 3])
    # direction −1, targ given globally: COINr works on o = −x = (−2, −4, −6, −10):
    # (o − min o)/(targ − min o) = (o + 10)/13
    np.testing.assert_allclose(run({"f_n": "n_dist2targ", "f_n_para": {"targ": 3}},
                                   direction=-1), [8 / 13, 6 / 13, 4 / 13, 0])
    # with the target on the d·x scale (−3): (o + 10)/7 — what iMeta's Target 3 becomes
    np.testing.assert_allclose(run({"f_n": "n_dist2targ", "f_n_para": {"targ": -3}},
                                   direction=-1), [8 / 7, 6 / 7, 4 / 7, 0])
    # aidi's target caps at 1
    np.testing.assert_allclose(run({"method": "target", "target": 8}), [0, 1 / 3, 2 / 3, 1])


def test_missing_values_stay_missing_and_are_ignored():
    x = np.array([[2.0], [np.nan], [6.0], [10.0]])
    np.testing.assert_allclose(run({"f_n": "n_minmax"}, x), [0, np.nan, 50, 100])
    np.testing.assert_allclose(run({"f_n": "n_prank"}, x), [0, np.nan, 0.5, 1])


@pytest.mark.parametrize("spec", [{"method": "frontier"}, {"method": "minmax"},
                                  {"method": "target", "target": 8}, {"f_n": "n_fracmax"},
                                  {"f_n": "n_dist2ref", "f_n_para": {"iref": "C"}},
                                  {"method": "ratio", "reference": "C"}])
@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_an_indicator_nobody_reports_stays_missing_without_a_warning(spec, direction):
    """A column with no value at all (no unit of the set reports it) normalises to a missing
    column, said by the result rather than numpy's "All-NaN slice" RuntimeWarning; the other
    columns are what they are alone."""
    import warnings

    s = Normalise.model_validate(spec)
    x = np.column_stack([X[:, 0], np.full(4, np.nan)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = normalise_matrix(x, [s, s], np.array([direction, direction]), UNITS, ["x", "y"])
    assert np.isnan(out[:, 1]).all()
    np.testing.assert_array_equal(out[:, 0], normalise_matrix(X, [s], np.array([direction]),
                                                              UNITS, ["x"])[:, 0])


def test_batch_axes_give_the_per_sample_result():
    x = np.stack([X, X * 3 + 1])
    for spec in ({"f_n": "n_prank"}, {"f_n": "n_goalposts", "f_n_para": {"gposts": [0, 8, 1]}},
                 {"f_n": "n_dist2ref", "f_n_para": {"iref": "C"}}, {"f_n": "n_fracmax"}):
        s = Normalise.model_validate(spec)
        batch = normalise_matrix(x, [s], np.array([1.0]), UNITS)
        for b in range(2):
            np.testing.assert_allclose(batch[b], normalise_matrix(x[b], [s], np.array([1.0]),
                                                                  UNITS))


def test_bad_coinr_syntax_is_refused_with_reason():
    with pytest.raises(ValueError, match="unknown COINr normaliser"):
        Normalise.model_validate({"f_n": "n_magic"})
    with pytest.raises(ValueError, match="reference unit's code"):
        Normalise.model_validate({"f_n": "n_dist2ref", "f_n_para": {"iref": 2}})
    with pytest.raises(ValueError, match="needs `goalposts"):
        Normalise.model_validate({"f_n": "n_goalposts"})


# ---- properties ---------------------------------------------------------------------------
COLS = arrays(np.float64, (7, 3), elements=st.floats(-1e3, 1e3, allow_nan=False))


def _spread(x: np.ndarray) -> bool:
    return bool(np.all(np.ptp(x, axis=0) > 1e-3 * (1 + np.abs(x).max())))


@settings(max_examples=60, deadline=None)
@given(COLS, st.floats(0.1, 50), st.floats(-100, 100))
def test_minmax_and_zscore_are_invariant_to_positive_affine_maps(x, a, b):
    if not _spread(x):
        return
    y = a * x + b
    for f in (lambda v: nm.min_max(v, 0, 100), lambda v: nm.z_score(v, 10, 2)):
        np.testing.assert_allclose(f(y), f(x), rtol=1e-7, atol=1e-7)


@settings(max_examples=60, deadline=None)
@given(COLS)
def test_rank_normalisers_are_invariant_to_increasing_transforms(x):
    y = np.sign(x) * np.abs(x) ** 3 + 5 * x  # strictly increasing
    for f in (nm.percentile_rank, nm.borda, lambda v: nm.rank(v, ties="min")):
        np.testing.assert_array_equal(f(y), f(x))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (6, 2), elements=st.floats(0.1, 1e3)), st.floats(0.01, 100))
def test_ratio_normalisers_are_invariant_to_a_change_of_units(x, a):
    for f in (nm.fraction_of_max, lambda v: nm.ratio_to_reference(v, 0),
              lambda v: nm.ratio_to_frontier(v, np.array([1.0, -1.0]))):
        np.testing.assert_allclose(f(a * x), f(x), rtol=1e-9)
