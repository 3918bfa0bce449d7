"""Statistical audit on small hand-made data, against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aidi.analysis.audit import (
    AuditThresholds,
    audit,
    cronbach_alpha,
    pca_first,
    pearson,
    rankdata,
    spearman,
)
from aidi.engine.pipeline import build
from aidi.report.robustness import audit_findings
from aidi.report.writers import node_labels, write_audit
from aidi.specs.loader import spec_from_dict

SMALL = np.array([[1, 2], [2, 3], [3, 5], [4, 4]], dtype=float)


def test_cronbach_alpha_by_hand():
    # item variances 5/3 and 5/3; totals 3, 5, 8, 8 → variance 6; α = 2·(1 − (10/3)/6) = 8/9
    assert cronbach_alpha(SMALL) == pytest.approx(8 / 9)
    assert math.isnan(cronbach_alpha(SMALL[:, :1]))  # needs two items


def test_pca_first_component_share_by_hand():
    # r = 4/5 (cross-products 4, sums of squares 5 and 5); two variables → share (1 + r)/2
    share, loadings = pca_first(SMALL)
    assert share == pytest.approx(0.9)
    np.testing.assert_allclose(loadings, [1 / math.sqrt(2)] * 2)


def test_correlations_by_hand():
    a, b = SMALL[:, 0], SMALL[:, 1]
    assert pearson(a, b) == pytest.approx(0.8)
    # ranks 1 2 3 4 vs 1 2 4 3: ρ = 1 − 6·Σd²/(n(n²−1)) = 1 − 12/60
    assert spearman(a, b) == pytest.approx(0.8)
    assert pearson(np.array([1.0, np.nan, 3, 4]), np.array([2.0, 5, np.nan, 8])) is not None
    assert math.isnan(pearson(np.ones(5), np.arange(5.0)))


UNITS = ["USA", "CHN", "DEU", "JPN", "GBR", "FRA", "ITA", "CAN", "KOR", "ESP"]
A = np.arange(1.0, 11)
S = np.array([1, -1] * 5, dtype=float)
VALUES = {
    "a": A,
    "b": A + S,           # r(a, b) = 77.5 / 82.5 = 31/33
    "c": 11 - A,          # exactly against a
    "e": np.array([1, 2, 1, 2, 1, 2, 1, 2, 1, 60.0]),
    "f": np.array([2, 4, 2, 4, 2, 4, 2, 4, 2, 119.0]),
}


@pytest.fixture(scope="module")
def hand():
    ind = [{"id": k, "name": {"en": k}, "series": f"h.{k}"} for k in VALUES]
    spec = spec_from_dict({
        "id": "hand", "name": {"en": "Hand"}, "units": UNITS,
        "defaults": {"normalise": {"method": "none"}},
        "root": {"id": "index", "name": {"en": "I"}, "children": [
            {"id": "d1", "name": {"en": "D1"}, "children": ind[:3]},
            {"id": "d2", "name": {"en": "D2"}, "children": ind[3:]}]}})
    obs = pd.DataFrame([(u, 2022, f"h.{k}", float(v[i]), "u", "t", "t.csv")
                        for k, v in VALUES.items() for i, u in enumerate(UNITS)],
                       columns=["iso3", "year", "series", "value", "unit", "source", "file"])
    result = build(spec, obs)
    return result, audit(result)


def test_audit_correlations_across_levels_match_hand_values(hand):
    result, res = hand
    c = res.correlations.set_index(["node", "other"])
    r = 31 / 33
    # d1 = (a + b + c)/3 = (11 + b)/3, so r(c, d1) = r(c, b) = −r(a, b)
    assert c.loc[("c", "d1"), "pearson"] == pytest.approx(-r)
    assert c.loc[("b", "d1"), "pearson"] == pytest.approx(1.0)
    assert c.loc[("a", "b"), "spearman"] == pytest.approx(r)
    assert c.loc[("a", "c"), "pearson"] == pytest.approx(-1.0)
    assert c.loc[("c", "d1"), "relation"] == "parent"
    assert c.loc[("c", "index"), "relation"] == "ancestor"
    assert c.loc[("d1", "index"), "n"] == 10
    assert res.matrix.loc["a", "c"] == pytest.approx(-1.0)
    assert list(res.matrix.index[:3]) == ["index", "d1", "a"]  # tree order


def test_alpha_and_pca_per_dimension_by_hand(hand):
    _, res = hand
    d = res.dimensions.set_index("node")
    # equal item variances v; total a + b + c = 11 + b has variance v → α = 3/2·(1 − 3) = −3
    assert d.loc["d1", "cronbach_alpha"] == pytest.approx(-3.0)
    # correlation matrix [[1, r, −1], [r, 1, −r], [−1, −r, 1]]: λ₁ = (3 + √(1 + 8r²)) / 2
    r = 31 / 33
    assert d.loc["d1", "pca_first_share"] == pytest.approx((3 + math.sqrt(1 + 8 * r**2)) / 6)
    assert d.loc["d1", "n_children"] == 3 and d.loc["d1", "n_units_complete"] == 10


def test_flags(hand):
    _, res = hand
    f = res.flags
    got = set(zip(f.node, f.flag, strict=True))
    assert ("c", "negative_with_parent") in got
    assert ("e & f", "collinear") in got
    assert ("e", "outliers") in got and ("f", "outliers") in got
    assert ("d1", "low_alpha") in got
    assert not any(flag == "negative_with_parent" and node in ("a", "b")
                   for node, flag in got)
    ind = res.indicators.set_index("indicator")
    assert ind.loc["e", "skew"] > 2 and ind.loc["e", "kurtosis"] > 3.5
    stricter = audit(hand[0], AuditThresholds(collinear_r=1.0))
    assert "collinear" not in set(stricter.flags.flag)


def test_dominance_flags():
    units = UNITS[:8]
    x = np.arange(1.0, 9)
    vals = {"big": x * 100, "s1": np.array([3, 1, 2, 3, 1, 2, 3, 1.0]),
            "s2": np.array([1, 2, 1, 3, 2, 1, 3, 2.0])}
    ind = [{"id": k, "name": {"en": k}, "series": f"h.{k}"} for k in vals]
    spec = spec_from_dict({"id": "dom", "name": {"en": "D"}, "units": units,
                           "defaults": {"normalise": {"method": "none"}},
                           "root": {"id": "index", "name": {"en": "I"}, "children": ind}})
    obs = pd.DataFrame([(u, 2022, f"h.{k}", float(v[i]), "u", "t", "t.csv")
                        for k, v in vals.items() for i, u in enumerate(units)],
                       columns=["iso3", "year", "series", "value", "unit", "source", "file"])
    res = audit(build(spec, obs))
    got = set(zip(res.flags.node, res.flags.flag, strict=True))
    assert ("big", "dominates_parent") in got and ("big", "dominant_contribution") in got


def test_writes_files_and_report_section(hand, tmp_path):
    result, res = hand
    paths = write_audit(res, tmp_path, result, "en")
    for name in ("audit_correlations", "audit_dimensions", "audit_flags", "audit_indicators"):
        assert paths[name].exists()
    dims = pd.read_csv(paths["audit_dimensions"])
    assert {"node", "cronbach_alpha", "pca_first_share"} <= set(dims.columns)
    flags = pd.read_csv(paths["audit_flags"])
    assert {"node", "flag", "detail"} <= set(flags.columns)
    assert (tmp_path / "fig_audit_correlations_en.png").exists()
    assert (tmp_path / "fig_audit_correlations_en.svg").exists()
    findings = audit_findings(res.flags, node_labels(result.spec, "en"), "en")
    assert any("negatively" in s for s in findings)
    zh = audit_findings(res.flags, node_labels(result.spec, "zh"), "zh")
    assert len(zh) == len(findings) and any("负相关" in s for s in zh)


def test_rankdata_averages_ties():
    np.testing.assert_array_equal(rankdata(np.array([3.0, 1.0, 3.0, 2.0])), [3.5, 1, 3.5, 2])


def test_audit_of_the_synthetic_index_runs(tmp_path):
    from tests._robustness_data import synthetic_build

    _, _, result = synthetic_build()
    res = audit(result)
    assert len(res.dimensions) == len(result.spec.aggregates())
    assert set(res.indicators["indicator"]) == set(result.tree.indicator_ids)
    assert res.correlations["pearson"].between(-1 - 1e-12, 1 + 1e-12).all()
