"""Gap to overtake (`aidi.analysis.gap`, `Build.gap`, `aidi gap`): the smallest grid factor at
which A is strictly above B — worked out by hand on the tiny index, checked against full
rebuilds (`Build.with_changes`) on AIDI, and through the CLI."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import aidi
from aidi.analysis.gap import GRID_SIZE, MAX_FACTOR, grid_factor, improvement, shown_digits
from aidi.cli import app
from aidi.errors import InputError
from aidi.specs.loader import spec_from_dict
from tests.conftest import TINY_SPEC, tiny_observations


@pytest.fixture(scope="module")
def tiny():
    return aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())


@pytest.fixture(scope="module")
def nominal(default_build):
    return default_build


def test_grid_is_four_significant_digits():
    assert grid_factor(0) == 1.0 and grid_factor(1) == 1.001 and grid_factor(8999) == 9.999
    assert grid_factor(9000) == 10.0 and grid_factor(9001) == 10.01
    assert grid_factor(GRID_SIZE - 1) == MAX_FACTOR


@given(st.integers(0, GRID_SIZE - 2))
@settings(max_examples=200, deadline=None)
def test_grid_is_increasing_and_exact_decimals(k):
    a, b = grid_factor(k), grid_factor(k + 1)
    assert a < b
    assert float(f"{a:.4g}") == a  # four significant digits, exactly as printed


def test_hand_computed_tiny_gap(tiny):
    """Ratio to USA: DEU's TA = .3 f when a and b grow by f, its index √(.3 f · 5) passes
    CHN's √2 once f > 4/3: the grid's answer is 1.334, and 1.333 does not pass."""
    g = tiny.gap("DEU", "CHN", "ta")
    assert (g.kind, g.factor, g.below) == ("factor", 1.334, 1.333)
    assert g.index_a == pytest.approx(math.sqrt(1.5 * 1.334), abs=1e-12)
    assert g.index_b == pytest.approx(math.sqrt(2.0), abs=1e-12)
    # lower is better for c: "improve by f" divides it by f, which gives the same threshold
    assert tiny.gap("DEU", "CHN", "c").factor == 1.334


def test_other_cases(tiny):
    assert tiny.gap("CHN", "DEU").kind == "ahead"
    assert tiny.gap("CHN", "CHN").kind == "same"
    with pytest.raises(InputError, match="unknown node|no node"):
        tiny.gap("DEU", "CHN", "nope")


def test_unreachable_when_the_node_has_no_weight(tiny):
    """With a weight of 0, improving `a` cannot move DEU's index at all."""
    g = tiny.with_weights({"a": 0.0}).gap("DEU", "CHN", "a")
    assert g.kind == "unreachable" and g.factor is None


def test_answer_is_the_full_rebuild_and_strict(nominal):
    order = nominal.index.sort_values(ascending=False).index
    for a, b, node in ((order[3], order[2], "compute"), (order[6], order[4], None)):
        g = nominal.gap(a, b, node)
        assert g.kind == "factor" and g.factor > 1
        after = nominal.with_changes(g.scenario).index
        assert after[a] > after[b]  # strictly: never a tie
        assert (g.index_a, g.index_b) == (after[a], after[b])
        before = nominal.with_changes(improvement(nominal.result, a, g.node, g.below)).index
        assert not before[a] > before[b]
        d = g.digits()
        assert f"{g.index_a:.{d}f}" != f"{g.index_b:.{d}f}"


def test_shown_digits():
    assert shown_digits(0.340148, 0.340139) == 5
    assert shown_digits(0.5, 0.25) == 3


def test_cli_gap(nominal):
    order = nominal.index.sort_values(ascending=False).index
    res = CliRunner().invoke(app, ["gap", order[3], order[2], "--node", "compute"])
    assert res.exit_code == 0, res.output
    g = nominal.gap(order[3], order[2], "compute")
    assert f"{g.factor:g}" in res.output and "passes" in res.output


@pytest.mark.slow
def test_cli_gap_chinese_and_bad_unit(nominal):
    order = nominal.index.sort_values(ascending=False).index
    res = CliRunner().invoke(app, ["gap", order[3], order[2], "--node", "compute",
                                   "--lang", "zh"])
    assert res.exit_code == 0 and "超过" in res.output and "passes" not in res.output
    res = CliRunner().invoke(app, ["gap", "XXX", "CHN"])
    assert res.exit_code == 1 and "XXX" in res.output
