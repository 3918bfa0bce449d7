"""Aggregators: hand-computed cases, zero/negative rules and the mean inequality."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidi.engine import aggregate as ag

X = np.array([[1.0, 4.0], [2.0, 8.0], [np.nan, 3.0]])
W = np.array([1.0, 3.0])


def test_arithmetic_hand_computed_and_missing_renormalised():
    np.testing.assert_allclose(ag.weighted_arithmetic(X, W), [13 / 4, 26 / 4, 3.0])


def test_geometric_hand_computed():
    np.testing.assert_allclose(ag.weighted_geometric(X, W),
                               [4 ** 0.75, 2 ** 0.25 * 8 ** 0.75, 3.0])


def test_harmonic_hand_computed():
    np.testing.assert_allclose(ag.weighted_harmonic(X, W)[:2], [4 / (1 + 3 / 4), 4 / (0.5 + 3 / 8)])


def test_geometric_zero_is_an_error_by_default_and_zero_on_request():
    x = np.array([[0.0, 2.0], [1.0, 2.0]])
    with pytest.raises(ag.NonPositiveError, match="zero/negative"):
        ag.weighted_geometric(x, [1, 1])
    np.testing.assert_allclose(ag.weighted_geometric(x, [1, 1], nonpositive="zero"),
                               [0.0, np.sqrt(2)])


def test_geometric_negative_always_raises_unless_offset():
    x = np.array([[-1.0, 2.0]])
    with pytest.raises(ag.NonPositiveError):
        ag.weighted_geometric(x, [1, 1], nonpositive="zero")
    np.testing.assert_allclose(ag.weighted_geometric(x, [1, 1], "offset", 2.0), [np.sqrt(4) - 2])


def test_all_missing_is_missing():
    assert np.isnan(ag.weighted_arithmetic(np.array([[np.nan, np.nan]]), [1, 1])[0])


def test_contributions_sum_to_score():
    c = ag.contributions(X, W, "arithmetic")
    np.testing.assert_allclose(c.sum(axis=1), ag.weighted_arithmetic(X, W))
    g = ag.contributions(X, W, "geometric")
    np.testing.assert_allclose(np.exp(g.sum(axis=1)), ag.weighted_geometric(X, W))
    h = ag.contributions(X[:2], W, "harmonic")
    np.testing.assert_allclose(h.sum(axis=1), ag.weighted_harmonic(X[:2], W))


pos = arrays(np.float64, (5, 4), elements=st.floats(1e-3, 1e4))
wts = arrays(np.float64, (4,), elements=st.floats(0.01, 10))


@given(pos, wts)
def test_harmonic_le_geometric_le_arithmetic(x, w):
    a = ag.weighted_arithmetic(x, w)
    g = ag.weighted_geometric(x, w)
    h = ag.weighted_harmonic(x, w)
    assert np.all(g <= a * (1 + 1e-9))
    assert np.all(h <= g * (1 + 1e-9))


@given(pos, wts, st.floats(0.1, 10))
def test_weights_scale_free(x, w, k):
    np.testing.assert_allclose(ag.weighted_arithmetic(x, w * k), ag.weighted_arithmetic(x, w))


def test_per_sample_weights_broadcast():
    w = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = ag.weighted_arithmetic(np.stack([X, X]), w)
    np.testing.assert_allclose(out[0], [1, 2, np.nan])
    np.testing.assert_allclose(out[1], [4, 8, 3])


def test_negative_weights_rejected():
    with pytest.raises(ValueError, match="weights"):
        ag.weighted_arithmetic(X, [-1, 1])
