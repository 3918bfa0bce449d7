"""Sobol' indices against their analytic values (not only against SALib): the Ishigami
function and the Sobol' G function, as SALib's own tests use them. Cheap: N = 4,096 base
samples of 3–6 factors, 25 bootstrap resamples."""

from __future__ import annotations

import numpy as np
import pytest

from aidi.analysis.sobol import saltelli_sample, sobol_indices

N = 4096


def _ishigami_truth(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Ishigami & Homma (1990): analytic first-order and total indices."""
    pi = np.pi
    v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def _g_truth(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sobol' G function: Vᵢ = 1/(3(1 + aᵢ)²), V = Π(1 + Vᵢ) − 1."""
    vi = 1 / (3 * (1 + a) ** 2)
    var = np.prod(1 + vi) - 1
    total = np.array([vi[i] * np.prod(np.delete(1 + vi, i)) for i in range(a.size)]) / var
    return vi / var, total


def _indices(problem: dict, f) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = saltelli_sample(problem, N, seed=3)
    si = sobol_indices(f(x), problem["num_vars"], num_resamples=25, seed=3)
    return si.S1[:, 0], si.ST[:, 0], si.ST_conf[:, 0]


def test_ishigami_first_order_and_total_match_the_analytic_values():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}

    def ishigami(x):
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    s1, st, _ = _indices(problem, ishigami)
    t1, tt = _ishigami_truth()
    np.testing.assert_allclose(s1, t1, atol=0.03)   # (0.3139, 0.4424, 0)
    np.testing.assert_allclose(st, tt, atol=0.03)   # (0.5576, 0.4424, 0.2437)


def test_sobol_g_function_matches_the_analytic_values():
    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
    problem = {"num_vars": 6, "names": [f"x{i}" for i in range(6)], "bounds": [[0, 1]] * 6}

    def g(x):
        return np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)

    s1, st, _ = _indices(problem, g)
    t1, tt = _g_truth(a)
    np.testing.assert_allclose(s1, t1, atol=0.03)
    np.testing.assert_allclose(st, tt, atol=0.03)
    # the ordering the function is built for: smaller aᵢ, more important
    assert list(np.argsort(-st)[:4]) == [0, 1, 2, 3]


@pytest.mark.parametrize("a", [0.0, 9.0])
def test_sobol_g_one_factor_is_all_of_the_variance(a):
    # one factor: S1 = ST = 1 exactly in truth; the estimator within its interval
    problem = {"num_vars": 2, "names": ["x", "dummy"], "bounds": [[0, 1], [0, 1]]}
    s1, st, _ = _indices(problem, lambda x: (np.abs(4 * x[:, 0] - 2) + a) / (1 + a))
    np.testing.assert_allclose(s1, [1, 0], atol=0.03)
    np.testing.assert_allclose(st, [1, 0], atol=0.03)
