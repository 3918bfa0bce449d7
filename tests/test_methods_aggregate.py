"""Aggregators: COINr's `a_*` functions by hand from their documented formulas (R/aggregate.R),
Mazziotta–Pareto, COINr's `dat_thresh`, mixing methods in one level, and monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidi.engine import aggregate as ag
from aidi.engine.tree import aggregate_tree, compile_tree
from aidi.specs.loader import spec_from_dict
from aidi.specs.schema import Aggregate


def test_a_genmean():
    # (Σ w x^p / Σ w)^(1/p): x = (1, 3), p = 2 → sqrt((1 + 9) / 2) = sqrt(5)
    np.testing.assert_allclose(ag.weighted_generalised(np.array([[1.0, 3.0]]), [1, 1], 2),
                               [math.sqrt(5)])
    # weights (3, 1): sqrt((3·1 + 1·9) / 4) = sqrt(3)
    np.testing.assert_allclose(ag.weighted_generalised(np.array([[1.0, 3.0]]), [3, 1], 2),
                               [math.sqrt(3)])
    x = np.array([[1.0, 2.0, 4.0], [3.0, np.nan, 5.0]])
    np.testing.assert_allclose(ag.weighted_generalised(x, [1, 2, 1], -1),
                               ag.weighted_harmonic(x, [1, 2, 1]))
    np.testing.assert_allclose(ag.weighted_generalised(x, [1, 2, 1], 1),
                               ag.weighted_arithmetic(x, [1, 2, 1]))
    with pytest.raises(ValueError, match="p = 0"):
        ag.weighted_generalised(x, [1, 1, 1], 0)
    with pytest.raises(ag.NonPositiveError):
        ag.weighted_generalised(np.array([[0.0, 1.0]]), [1, 1], -1)


def test_a_copeland_by_hand():
    # units A = (1, 2, 3), B = (2, 1, 3), C = (3, 3, 1), D = (1, 1, 1), equal weights 1/3.
    # A vs B: A wins child 2 (1/3), ties child 3 (1/6) → 0.5 → 0; A vs C: 1/3 → −1;
    # A vs D: wins 2, 3 (2/3) + tie (1/6) = 5/6 → +1; A = 0. C beats everyone: 3; D loses: −3.
    x = np.array([[1.0, 2, 3], [2, 1, 3], [3, 3, 1], [1, 1, 1]])
    np.testing.assert_allclose(ag.copeland(x, [1, 1, 1]), [0, 0, 3, -3])
    orm = ag.outranking_matrix(x, [1, 1, 1])
    np.testing.assert_allclose(orm[0], [0, 0.5, 1 / 3, 5 / 6])
    # weights (3, 1, 1)/5: A vs B = 1/5 + 1/10 = 0.3 → −1 (B's child 1 outweighs)
    np.testing.assert_allclose(ag.copeland(x, [3, 1, 1])[:2], [-1 - 1 + 1, 1 - 1 + 1])


def test_a_copeland_missing_values_neither_win_nor_tie():
    # COINr sums w[row_i > row_j] with na.rm: a NaN comparison counts for nobody; (j, i) = 1 − (i, j)
    x = np.array([[1.0, np.nan], [0.0, 5.0]])
    orm = ag.outranking_matrix(x, [1, 1])
    np.testing.assert_allclose(orm, [[0, 0.5], [0.5, 0]])


def test_mazziotta_pareto_by_hand():
    # x = (100, 110): M = 105, S = 5 (population), MPI− = M − S·cv = 105 − 25/105
    np.testing.assert_allclose(ag.mazziotta_pareto(np.array([[100.0, 110.0]]), [1, 1],
                                                   standardise=False), [105 - 25 / 105])
    np.testing.assert_allclose(ag.mazziotta_pareto(np.array([[100.0, 110.0]]), [1, 1], penalty=1,
                                                   standardise=False), [105 + 25 / 105])
    # standardised: columns (1, 2, 3) and (3, 2, 1) → 100 ± 10·1/sqrt(2/3) = 100 ± 12.2474;
    # unit 1 = (87.75, 112.25): M = 100, S² = 150 → 100 − 150/100 = 98.5; unit 2 = (100, 100)
    x = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    np.testing.assert_allclose(ag.mazziotta_pareto(x, [1, 1]), [98.5, 100, 98.5])


def test_dispatch_and_contributions_of_new_methods():
    x = np.array([[1.0, 3.0], [2.0, 2.0]])
    np.testing.assert_allclose(ag.aggregate(x, [1, 1], "genmean", p=2),
                               ag.weighted_generalised(x, [1, 1], 2))
    c = ag.contributions(x, [1, 1], "genmean", p=2)
    np.testing.assert_allclose(c.sum(axis=-1), ag.weighted_generalised(x, [1, 1], 2))
    assert np.isnan(ag.contributions(x, [1, 1], "copeland")).all()


SPEC = {
    "id": "t", "name": {"en": "t"}, "units": ["A", "B", "C", "D"],
    "root": {"id": "I", "name": {"en": "I"}, "children": [
        {"id": "P", "name": {"en": "P"}, "aggregate": {"f_ag": "a_gmean", "dat_thresh": 0.6},
         "children": [{"id": f"p{k}", "name": {"en": "p"}, "series": f"s{k}"} for k in range(3)]},
        {"id": "Q", "name": {"en": "Q"}, "aggregate": {"f_ag": "a_copeland"},
         "children": [{"id": f"q{k}", "name": {"en": "q"}, "series": f"t{k}"} for k in range(2)]},
    ]},
}


def test_tree_mixes_methods_in_a_level_and_applies_dat_thresh():
    tree = compile_tree(spec_from_dict(SPEC))
    x = np.array([[1.0, 2, 4, 1, 2], [2, np.nan, 2, 2, 1], [1, np.nan, np.nan, 3, 3],
                  [4, 4, 4, 0, 0]])
    v = aggregate_tree(x, tree)
    p = v[:, tree.col("P")]
    # geometric means; unit C has 1 of 3 children (1/3 < 0.6) → NA, unit B 2 of 3 → kept
    np.testing.assert_allclose(p, [2.0, 2.0, np.nan, 4.0])
    # Copeland over all four units of Q's children
    np.testing.assert_allclose(v[:, tree.col("Q")], ag.copeland(x[:, 3:], [1, 1]))
    # the index: arithmetic mean of P and Q (C has no P: mean of Q alone)
    np.testing.assert_allclose(v[:, tree.col("I")],
                               np.nanmean(np.c_[p, v[:, tree.col("Q")]], axis=1))


def test_tree_batch_equals_per_sample_for_non_separable_nodes():
    tree = compile_tree(spec_from_dict(SPEC))
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 10, (4, 4, 5))
    batch = aggregate_tree(x, tree)
    for b in range(4):
        np.testing.assert_allclose(batch[b], aggregate_tree(x[b], tree))


def test_aggregate_model_coinr_syntax():
    a = Aggregate.model_validate({"f_ag": "a_genmean", "f_ag_para": {"p": 2}, "dat_thresh": 0.5})
    # COINr's a_genmean is NA for a unit with any missing child: dat_thresh 1 whatever given
    assert (a.method, a.p, a.dat_thresh) == ("genmean", 2.0, 1.0)
    assert Aggregate.model_validate({"f_ag": "a_hmean"}).method == "harmonic"
    with pytest.raises(ValueError, match="exponent p"):
        Aggregate.model_validate({"f_ag": "a_genmean"})
    with pytest.raises(ValueError, match="weights are not an aggregate setting"):
        Aggregate.model_validate({"f_ag": "a_amean", "w": "Original"})


# ---- monotonicity: raising one child of one unit never lowers that unit's score ------------
POS = arrays(np.float64, (5, 3), elements=st.floats(1.0, 100.0))


@settings(max_examples=60, deadline=None)
@given(POS, st.integers(0, 4), st.integers(0, 2), st.floats(0.01, 50.0),
       arrays(np.float64, 3, elements=st.floats(0.1, 5.0)))
def test_every_aggregator_is_monotone_in_a_positive_child(x, i, j, bump, w):
    y = x.copy()
    y[i, j] += bump
    cases = [("arithmetic", {}), ("geometric", {}), ("harmonic", {}), ("genmean", {"p": 2.0}),
             ("genmean", {"p": -1.5}), ("copeland", {})]
    for method, kw in cases:
        before = ag.aggregate(x, w, method, **kw)[i]
        after = ag.aggregate(y, w, method, **kw)[i]
        assert after >= before - 1e-9 * abs(before), method
    # Mazziotta–Pareto, M − S²/M, has ∂/∂xⱼ = wⱼ(2 − 2xⱼ/M + Σwx²/M²) ≥ 0 while xⱼ ≤ 1.5·M: it is
    # monotone on the scale it is meant for (standardised, 70–130) with equal weights, where
    # xⱼ/M ≤ 130/90; with a heavy low child a light high one can lower the score (the penalty)
    z = 70 + 60 * (x - 1) / 99
    zb = z.copy()
    zb[i, j] = min(z[i, j] + bump, 130.0)
    eq = np.ones(3)
    assert ag.mazziotta_pareto(zb, eq, standardise=False)[i] >= \
        ag.mazziotta_pareto(z, eq, standardise=False)[i] - 1e-9


def test_mazziotta_pareto_penalty_can_outweigh_a_light_child():
    # weights (1, 20, 1)/22, children (90, 70, 90) → raising child 1 to 130 lowers MPI−: the
    # unit becomes less balanced faster than its mean rises (∂ < 0 once x₁ > 1.5·M)
    w = np.array([1.0, 20.0, 1.0])
    before = ag.mazziotta_pareto(np.array([[90.0, 70, 90]]), w, standardise=False)
    after = ag.mazziotta_pareto(np.array([[130.0, 70, 90]]), w, standardise=False)
    assert after < before
