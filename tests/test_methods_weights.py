"""Weights: COINr's get_eff_weights / get_PCA / get_opt_weights semantics, entropy,
Benefit-of-the-Doubt, budget allocation and AHP — by hand — and weights summing to one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidi.engine import weights as wt
from aidi.engine.tree import aggregate_tree, compile_tree
from aidi.specs.loader import spec_from_dict

SPEC = {
    "id": "t", "name": {"en": "t"}, "units": ["A", "B", "C"],
    "root": {"id": "I", "name": {"en": "I"}, "children": [
        {"id": "P", "name": {"en": "P"}, "children": [
            {"id": "a", "name": {"en": "a"}, "series": "a"},
            {"id": "b", "name": {"en": "b"}, "series": "b"}]},
        {"id": "Q", "name": {"en": "Q"}, "children": [
            {"id": "c", "name": {"en": "c"}, "series": "c", "weight": 2}]},
    ]},
}


def test_effective_weights_as_get_eff_weights():
    eff = wt.effective_weights(compile_tree(spec_from_dict(SPEC)))
    # P, Q: 1/2 each; a, b: 1/2 of P = 1/4; c: the only child of Q → 1/2
    assert eff == {"I": 1.0, "P": 0.5, "Q": 0.5, "a": 0.25, "b": 0.25, "c": 0.5}


def test_apply_and_tree_weights():
    spec = spec_from_dict(SPEC)
    new = wt.apply_weights(spec, wt.WeightSet("alt", {"a": 3.0, "Q": 2.0}))
    assert new.node("a").weight == 3 and new.node("Q").weight == 2 and new.node("b").weight == 1
    tree = compile_tree(spec)
    over = wt.tree_weights(tree, {"a": 3.0, "Q": 2.0})
    x = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 10]])
    np.testing.assert_allclose(aggregate_tree(x, tree, weights=over),
                               aggregate_tree(x, compile_tree(new)))
    with pytest.raises(KeyError, match="unknown node"):
        wt.apply_weights(spec, {"zz": 1.0})


def test_pca_weights_are_pc1_loadings():
    # two perfectly correlated columns: PC1 = (1, 1)/sqrt(2)
    x = np.array([[1.0, 2.0], [2.0, 4.1], [3.0, 6.0], [4.0, 7.9]])
    np.testing.assert_allclose(wt.pca_weights(x), [1 / math.sqrt(2)] * 2, rtol=1e-3)
    # by group: each group on its own; rows with a missing value dropped (na.omit)
    y = np.c_[x, x[:, ::-1] * [1, -1]]
    y[0, 0] = np.nan
    w = wt.pca_weights(y, ["g1", "g1", "g2", "g2"])
    np.testing.assert_allclose(np.abs(w), [1 / math.sqrt(2)] * 4, rtol=2e-3)
    assert w[2] * w[3] < 0  # anti-correlated pair: loadings of opposite sign, as prcomp gives


def test_entropy_weights_by_hand():
    x = np.array([[1.0, 1.0, 1.0], [1.0, 3.0, 9.0]])
    # column 1: p = (.5, .5), e = 1, d = 0; column 2: p = (.25, .75); column 3: p = (.1, .9)
    e2 = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    e3 = -(0.1 * math.log(0.1) + 0.9 * math.log(0.9)) / math.log(2)
    d = np.array([0.0, 1 - e2, 1 - e3])
    np.testing.assert_allclose(wt.entropy_weights(x), d / d.sum(), atol=1e-12)


def test_benefit_of_the_doubt_by_hand():
    x = np.array([[1.0, 0.5], [0.5, 1.0], [0.4, 0.4]])
    r = wt.bod_weights(x)
    # units 1, 2 are on the frontier; unit 3: max .4(w1 + w2) s.t. w1 + .5w2 ≤ 1, .5w1 + w2 ≤ 1
    # → w1 = w2 = 2/3, score 8/15
    np.testing.assert_allclose(r.scores, [1, 1, 8 / 15], atol=1e-9)
    # upper share bound 0.6: unit 1 may take at most 60% from indicator 1 → w2 ≥ 4/3·w1;
    # with .5w1 + w2 ≤ 1 binding, score = .5 + .75·w1 at w1 = 6/11 → 10/11
    np.testing.assert_allclose(wt.bod_weights(x, upper=0.6).scores[0], 10 / 11, atol=1e-9)
    with pytest.raises(ValueError, match="complete data"):
        wt.bod_weights(np.array([[1.0, np.nan], [1.0, 1.0]]))


def test_budget_allocation_by_hand():
    # shares (.5, .5, 0) and (.2, .3, .5) → mean (.35, .4, .25); a budget of 10 is the same
    np.testing.assert_allclose(wt.budget_weights([[50, 50, 0], [20, 30, 50]]), [.35, .4, .25])
    np.testing.assert_allclose(wt.budget_weights([[50, 50, 0], [2, 3, 5]]), [.35, .4, .25])


def test_ahp_consistent_matrix_recovers_weights():
    w = np.array([0.5, 0.3, 0.2])
    a = w[:, None] / w[None, :]
    r = wt.ahp_weights(a)
    np.testing.assert_allclose(r.weights, w)
    assert math.isclose(r.lambda_max, 3.0) and abs(r.cr) < 1e-9


def test_ahp_saaty_example_and_expert_table():
    r = wt.ahp_weights(np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]))
    # CI = (λ − 3)/2, CR = CI / 0.58 (Saaty's random index for n = 3)
    assert math.isclose(r.cr, (r.lambda_max - 3) / 2 / 0.58) and 0 < r.cr < 0.1
    np.testing.assert_allclose(r.weights, [0.637, 0.258, 0.105], atol=1e-3)
    table = pd.DataFrame({"expert": ["e1", "e1", "e1", "e2", "e2", "e2"],
                          "a": ["x", "x", "y"] * 2, "b": ["y", "z", "z"] * 2,
                          "value": [2, 4, 2, 8, 4, 0.5]})
    t = wt.ahp_from_table(table, ["x", "y", "z"])
    # geometric mean of the two experts: a_xy = sqrt(2·8) = 4, a_xz = 4, a_yz = sqrt(2·0.5) = 1
    np.testing.assert_allclose(t.matrix[0], [1, 4, 4])
    np.testing.assert_allclose(t.matrix[1, 2], 1.0)
    with pytest.raises(ValueError, match="reciprocal"):
        wt.ahp_weights(np.array([[1, 2], [2, 1]]))


def test_opt_weights_balance_and_infomax():
    rng = np.random.default_rng(7)
    comps = rng.normal(size=(40, 3)) + rng.normal(size=(40, 1)) * [0.2, 1.0, 2.0]

    def index_of(w):
        return comps @ w

    bal = wt.opt_weights(comps, index_of, np.ones(3) / 3, itarg="equal", toler=1e-6,
                         maxiter=2000)
    start = np.array([np.corrcoef(comps[:, j], comps.mean(axis=1))[0, 1] for j in range(3)])
    # the optimised normalised correlations are nearer equal than equal weights' are
    assert np.abs(bal.correlations - 1 / 3).max() < np.abs(start / start.sum() - 1 / 3).max()
    assert math.isclose(bal.weights.sum(), 1.0)
    info = wt.opt_weights(comps, index_of, np.ones(3) / 3, optype="infomax", toler=1e-6)
    assert info.correlations.sum() >= start.sum() - 1e-9


def test_opt_weights_tree_level():
    tree = compile_tree(spec_from_dict(SPEC))
    x = np.random.default_rng(2).uniform(0, 10, (12, 3))
    r = wt.opt_weights_tree(x, tree, ["P", "Q"], itarg=[1, 1], toler=1e-6)
    assert r.weights.shape == (2,) and math.isclose(r.weights.sum(), 1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (6, 4), elements=st.floats(0.0, 100.0)))
def test_weights_sum_to_one(x):
    if np.all(np.ptp(x, axis=0) > 0) and np.all(x.sum(axis=0) > 0):
        assert math.isclose(wt.entropy_weights(x).sum(), 1.0)
    if np.all(x.sum(axis=1) > 0):
        assert math.isclose(wt.budget_weights(x).sum(), 1.0)
    v = np.abs(x[0]) + 1.0
    assert math.isclose(wt.ahp_weights(v[:, None] / v[None, :]).weights.sum(), 1.0)
    eff = wt.effective_weights(compile_tree(spec_from_dict(SPEC)))
    assert math.isclose(sum(eff[i] for i in "abc"), 1.0)
