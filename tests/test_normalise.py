"""Normalisers: hand-computed cases and invariants."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidi.engine import normalise as nz

X = np.array([[10.0, 2.0], [5.0, 4.0], [0.0, 1.0], [np.nan, 8.0]])


def test_ratio_to_reference_hand_computed():
    out = nz.ratio_to_reference(X, ref=0, directions=[1, -1])
    np.testing.assert_allclose(out[:, 0], [1.0, 0.5, 0.0, np.nan])
    np.testing.assert_allclose(out[:, 1], [1.0, 0.5, 2.0, 0.25])


def test_ratio_zero_reference_is_missing():
    out = nz.ratio_to_reference(np.array([[0.0], [3.0]]), ref=0)
    assert np.isnan(out).all()


def test_min_max_hand_computed():
    out = nz.min_max(X, 0, 100, directions=[1, -1])
    np.testing.assert_allclose(out[:, 0], [100, 50, 0, np.nan])
    np.testing.assert_allclose(out[:, 1], [100 * 6 / 7, 100 * 4 / 7, 100, 0])


def test_min_max_constant_column_is_midpoint():
    out = nz.min_max(np.array([[3.0], [3.0]]), 0, 10)
    np.testing.assert_allclose(out, [[5.0], [5.0]])


def test_z_score_uses_sample_sd():
    out = nz.z_score(np.array([[1.0], [2.0], [3.0]]))
    np.testing.assert_allclose(out[:, 0], [-1.0, 0.0, 1.0])


def test_rank_and_frontier_and_target():
    np.testing.assert_allclose(nz.rank(np.array([[3.0], [1.0], [3.0], [np.nan]]))[:, 0],
                               [2.5, 1.0, 2.5, np.nan])
    np.testing.assert_allclose(nz.ratio_to_frontier(np.array([[2.0], [4.0]]))[:, 0], [0.5, 1.0])
    np.testing.assert_allclose(
        nz.distance_to_target(np.array([[0.0], [5.0], [20.0]]), 10.0)[:, 0], [0.0, 0.5, 1.0])


positive = arrays(np.float64, (6, 3), elements=st.floats(0.01, 1e6))


@given(positive, st.floats(1e-3, 1e3))
def test_ratio_is_unchanged_by_units(x, factor):
    np.testing.assert_allclose(nz.ratio_to_reference(x * factor, 0),
                               nz.ratio_to_reference(x, 0), rtol=1e-9)


@given(positive, st.integers(0, 5))
def test_reference_is_exactly_one(x, ref):
    out = nz.ratio_to_reference(x, ref, directions=[1, -1, 1])
    assert np.all(out[ref] == 1.0)


@given(positive, st.permutations(range(6)))
@settings(max_examples=50)
def test_permuting_units_permutes_results(x, perm):
    perm = np.array(perm)
    for f in (nz.min_max, nz.z_score, nz.rank, nz.ratio_to_frontier):
        np.testing.assert_allclose(f(x[perm]), f(x)[perm])
    ref = 2
    np.testing.assert_allclose(nz.ratio_to_reference(x[perm], int(np.flatnonzero(perm == ref)[0])),
                               nz.ratio_to_reference(x, ref)[perm])


def test_batch_axes_broadcast():
    batch = np.stack([X, X * 2])
    np.testing.assert_allclose(nz.min_max(batch)[1], nz.min_max(X))


def test_bad_directions_rejected():
    with pytest.raises(ValueError, match="directions"):
        nz.min_max(X, directions=[1, 0])
