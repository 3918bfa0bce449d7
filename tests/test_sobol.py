"""The vectorised Sobol' estimator against SALib (same design, same resample indices, 1e-12),
a hand-computed case, and the invariants that make "all outputs at once" safe."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample
from SALib.test_functions import Ishigami

from aidi.analysis.sobol import (
    factor_names,
    resample_counts,
    resample_indices,
    saltelli_sample,
    sobol_indices,
)

GROUPED = {"num_vars": 4, "names": ["a", "b", "c", "d"], "groups": ["g1", "g1", "g2", "g3"],
           "bounds": [[-np.pi, np.pi], [-np.pi, np.pi], [-np.pi, np.pi], [0.0, 2.0]]}
PLAIN = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
TOL = 1e-12


def _outputs(x: np.ndarray) -> np.ndarray:
    """Four outputs: Ishigami, a smooth one, a constant, and a 0/1 step (mostly constant)."""
    return np.column_stack([Ishigami.evaluate(x[:, :3]), x[:, 3] ** 2 + x[:, 0],
                            np.full(len(x), 3.5), (x[:, 1] > 2.9).astype(float)])


def _salib(problem: dict, y: np.ndarray, second: bool, seed: int, resamples: int = 100) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns on the constant output
        return salib_analyze.analyze(dict(problem), y.copy(), calc_second_order=second,
                                     num_resamples=resamples, seed=seed)


@pytest.mark.parametrize("problem", [GROUPED, PLAIN], ids=["grouped", "plain"])
@pytest.mark.parametrize("second", [False, True])
def test_sample_is_salibs_row_for_row(problem, second):
    ours = saltelli_sample(problem, 64, seed=5, calc_second_order=second)
    theirs = salib_sample.sample(dict(problem), 64, calc_second_order=second, seed=5)
    np.testing.assert_array_equal(ours, theirs)
    d = len(factor_names(problem))
    assert ours.shape == (64 * ((2 * d if second else d) + 2), problem["num_vars"])


@pytest.mark.parametrize("second", [False, True])
def test_indices_and_intervals_match_salib_for_every_output(second):
    x = salib_sample.sample(dict(GROUPED), 256, calc_second_order=second, seed=3)
    y = _outputs(x)
    ours = sobol_indices(y, 3, num_resamples=100, seed=11, calc_second_order=second)
    keys = ["S1", "S1_conf", "ST", "ST_conf"] + (["S2", "S2_conf"] if second else [])
    for m in range(y.shape[1]):
        ref = _salib(GROUPED, y[:, m], second, seed=11)
        for k in keys:
            np.testing.assert_allclose(getattr(ours, k)[..., m], ref[k], rtol=0, atol=TOL,
                                       err_msg=f"output {m}, {k}")
    # the constant output: nothing moves it; the step output still has a real interval
    assert np.all(ours.ST[:, 2] == 0) and np.all(ours.ST_conf[:, 2] == 0)
    assert ours.ST_conf[0, 3] > 0


def test_given_resample_indices_match_salibs_estimators():
    """Seed 0 is where SALib draws from the global state, so feed both the same indices."""
    x = salib_sample.sample(dict(PLAIN), 128, calc_second_order=False, seed=0)
    y = _outputs(np.column_stack([x, x[:, 0]]))[:, :2]
    r = np.random.default_rng(123).integers(128, size=(128, 40))   # SALib's (N, R) layout
    ours = sobol_indices(y, 3, resamples=r.T)
    z = 1.959963984540054
    for m in range(2):
        yy = (y[:, m] - y[:, m].mean()) / y[:, m].std()
        a, b = yy[0::5], yy[4::5]
        ab = np.column_stack([yy[j + 1::5] for j in range(3)])
        for j in range(3):
            s1 = salib_analyze.first_order(a[r], ab[r, j], b[r])
            st = salib_analyze.total_order(a[r], ab[r, j], b[r])
            np.testing.assert_allclose(ours.S1_boot[:, j, m], s1, rtol=0, atol=TOL)
            np.testing.assert_allclose(ours.ST_boot[:, j, m], st, rtol=0, atol=TOL)
            np.testing.assert_allclose(ours.S1_conf[j, m], z * s1.std(ddof=1), rtol=0,
                                       atol=TOL)
            np.testing.assert_allclose(ours.ST[j, m],
                                       salib_analyze.total_order(a, ab[:, j], b), atol=TOL)


def test_seed_zero_is_a_seed():
    x = saltelli_sample(PLAIN, 128, seed=0)
    y = Ishigami.evaluate(x)
    a, b = sobol_indices(y, 3, seed=0), sobol_indices(y, 3, seed=0)
    np.testing.assert_array_equal(a.ST_conf, b.ST_conf)
    np.testing.assert_array_equal(a.S1_boot, b.S1_boot)
    c = sobol_indices(y, 3, seed=1)
    assert not np.array_equal(a.ST_conf, c.ST_conf)
    np.testing.assert_array_equal(saltelli_sample(PLAIN, 128, seed=0), x)
    # SALib's own draw for a non-zero seed, transposed to one resample per row
    np.testing.assert_array_equal(resample_indices(128, 7, 5),
                                  np.random.default_rng(5).integers(128, size=(128, 7)).T)


def test_hand_computed_two_blocks():
    """D = 1, N = 2, rows (A, AB, B) = (0, 1, 2) and (2, 1, 0): the mean is 1, so
    S1 = mean((B − 1)(AB − A)) / var([A; B]) = mean(1·1, (−1)(−1)) / 1 = 1 and
    ST = ½ mean((A − AB)²) / var([A; B]) = ½ · 1 / 1 = 0.5 (SALib's standardisation cancels)."""
    y = np.array([0.0, 1.0, 2.0, 2.0, 1.0, 0.0])
    same = np.array([[0, 1], [1, 0], [0, 1]])  # every resample = both blocks once
    res = sobol_indices(y, 1, resamples=same)
    np.testing.assert_allclose(res.S1[0, 0], 1.0, atol=1e-15)
    np.testing.assert_allclose(res.ST[0, 0], 0.5, atol=1e-15)
    np.testing.assert_allclose(res.S1_boot[:, 0, 0], 1.0, atol=1e-15)
    assert res.S1_conf[0, 0] == pytest.approx(0.0, abs=1e-15)
    # a resample drawing block 0 twice: [A; B] = (0, 0, 2, 2) → var 1; (B − 1)(AB − A) = 1
    twice = sobol_indices(y, 1, resamples=np.array([[0, 0], [1, 1]]))
    np.testing.assert_allclose(twice.S1_boot[:, 0, 0], [1.0, 1.0], atol=1e-15)


def test_counts_and_bad_shapes():
    c = resample_counts(np.array([[0, 0, 2], [1, 2, 0]]), 3)
    np.testing.assert_array_equal(c, [[2, 0, 1], [1, 1, 1]])
    with pytest.raises(ValueError, match="shape"):
        resample_counts(np.array([[0, 3, 1]]), 3)
    with pytest.raises(ValueError, match="blocks"):
        sobol_indices(np.zeros(7), 1)
    with pytest.raises(ValueError, match="at least 2 resamples"):
        sobol_indices(np.arange(9.0), 1, num_resamples=1)


block_outputs = arrays(np.float64, st.tuples(st.integers(2, 12).map(lambda n: n * 4),
                                             st.integers(1, 4)),
                       elements=st.floats(-1e3, 1e3, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(y=block_outputs, scale=st.floats(0.01, 100), shift=st.floats(-1e3, 1e3),
       seed=st.integers(0, 2**32 - 1))
def test_outputs_are_independent_and_scale_free(y, scale, shift, seed):
    """D = 2 (blocks of 4 rows). One output's indices do not depend on the others beside it,
    nor on its units (affine change), nor on the output chunking."""
    res = sobol_indices(y, 2, num_resamples=20, seed=seed, chunk=1)
    alone = sobol_indices(y[:, -1], 2, num_resamples=20, seed=seed)
    np.testing.assert_allclose(res.ST[:, -1], alone.ST[:, 0], atol=1e-9)
    np.testing.assert_allclose(res.S1_conf[:, -1], alone.S1_conf[:, 0], atol=1e-9)
    moved = sobol_indices(y * scale + shift, 2, num_resamples=20, seed=seed)
    # columns whose spread survives the affine change well above round-off
    ok = np.ptp(y, axis=0) * scale > 1e-4 * (abs(shift) + scale * np.abs(y).max(axis=0) + 1)
    np.testing.assert_allclose(moved.S1[:, ok], res.S1[:, ok], rtol=1e-6, atol=1e-6)
    assert np.all(np.isfinite(res.S1)) and np.all(res.ST >= 0) and np.all(res.ST_conf >= 0)
