"""The tree pass at scale: ranks by sorting, and the checked-once fast path of the batch kernel.

- `ranks` sorts instead of comparing every unit with every other; it must give exactly the
  pairwise definition (1 + the number of strictly better units, ties share the better rank,
  NaN → NaN) on any batch shape, ties and infinities included.
- `aggregate_node_major(clean=...)` skips the missing/zero checks for children known clean;
  it must give the same bits as the checked path (`separable_mean`), zeros under
  `nonpositive: zero`, per-sample weights with zeros (leave-one-out) and NaN aggregates
  included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidi.engine.tree import (
    FINITE,
    NONNEGATIVE,
    POSITIVE,
    UNKNOWN,
    CompiledNode,
    CompiledTree,
    aggregate_node_major,
    ranks,
    ranks_last,
)


def pairwise_ranks(scores: np.ndarray) -> np.ndarray:
    """The definition, units × units (the old implementation): the oracle."""
    s = np.asarray(scores, dtype=float)
    filled = np.where(np.isnan(s), -np.inf, s)
    better = (filled[..., None, :, :] > filled[..., :, None, :]).sum(axis=-2)
    return np.where(np.isnan(s), np.nan, 1.0 + better)


def test_ranks_hand_computed_ties_share_the_better_rank_and_nan_last() -> None:
    x = np.array([[3.0], [1.0], [3.0], [np.nan], [2.0], [-np.inf]])
    np.testing.assert_array_equal(ranks(x)[:, 0], [1, 4, 1, np.nan, 3, 5])


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(1, 4)),
              elements=st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0, np.inf, -np.inf, np.nan])))
def test_ranks_by_sort_equal_the_pairwise_definition(x: np.ndarray) -> None:
    np.testing.assert_array_equal(ranks(x), pairwise_ranks(x))


def test_ranks_last_is_ranks_on_the_last_axis_and_handles_empty() -> None:
    x = np.random.default_rng(0).integers(0, 5, (4, 30)).astype(float)
    np.testing.assert_array_equal(ranks_last(x), ranks(x[..., None])[..., 0])
    assert ranks_last(np.empty((3, 0))).shape == (3, 0)


def _tree(methods: tuple[str, ...], policy: str = "zero") -> CompiledTree:
    """4 indicators → two nodes of two → a root; `methods` for the two nodes and the root."""
    ids = ("a", "b", "c", "d")
    n1 = CompiledNode("p", ("a", "b"), (0, 1), np.array([1.0, 2.0]), methods[0], policy, 0.0,
                      0.0, "none")
    n2 = CompiledNode("q", ("c", "d"), (2, 3), np.array([1.0, 1.0]), methods[1], policy, 0.0,
                      0.0, "none")
    root = CompiledNode("r", ("p", "q"), (4, 5), np.array([3.0, 1.0]), methods[2], policy,
                        0.0, 0.0, "none")
    return CompiledTree(ids, ("p", "q", "r"), (n1, n2, root))


@pytest.mark.parametrize("methods", [("arithmetic",) * 3, ("geometric",) * 3,
                                     ("harmonic", "geometric", "arithmetic")])
@pytest.mark.parametrize("with_zeros", [False, True])
def test_clean_path_gives_the_checked_paths_bits(methods, with_zeros: bool) -> None:
    rng = np.random.default_rng(3)
    n_s, n_u = 40, 25
    x = rng.choice([0.5, 1.0, 2.0, 7.25], size=(4, n_s, n_u)) * rng.random((4, n_s, n_u))
    if with_zeros:
        x[rng.random(x.shape) < 0.05] = 0.0
    w = {"p": rng.random((n_s, 2)), "q": rng.random((n_s, 2)), "r": rng.random((n_s, 2))}
    w["p"][::5, 0] = 0.0  # left out in every fifth sample
    w["q"][:, 1] = 0.0    # left out everywhere
    tree = _tree(methods)
    checked = np.empty((7, n_s, n_u))
    checked[:4] = x
    fast = checked.copy()
    f1, _ = aggregate_node_major(checked, tree, None, w, None, "zero")
    state = np.full(4, NONNEGATIVE if with_zeros else POSITIVE)
    f2, _ = aggregate_node_major(fast, tree, None, w, None, "zero", clean=state)
    np.testing.assert_array_equal(f1, f2)
    np.testing.assert_array_equal(checked, fast)  # bit for bit, NaN where both are NaN


def test_clean_state_is_respected_for_unknown_children_and_errors() -> None:
    """An UNKNOWN child (with a NaN) and a zero under `nonpositive: error` take the checked
    path: the NaN is skipped with its weight, the zero fails the sample."""
    tree = _tree(("arithmetic", "geometric", "arithmetic"), policy="error")
    x = np.ones((7, 3, 4))
    x[0, 0, 1] = np.nan
    x[2, 1, 2] = 0.0
    a, b = x.copy(), x.copy()
    fa, _ = aggregate_node_major(a, tree, None, None, None, "spec")
    fb, _ = aggregate_node_major(b, tree, None, None, None, "spec",
                                 clean=np.array([UNKNOWN, FINITE, NONNEGATIVE, POSITIVE]))
    np.testing.assert_array_equal(fa, fb)
    np.testing.assert_array_equal(a, b)
    assert fb.tolist() == [0, 2, 0]
