"""The whole build on a tiny hand-computed case."""

import numpy as np
import pytest

from aidi.engine.pipeline import build
from aidi.engine.select import MissingSeriesError


def test_tiny_build_matches_hand_computation(tiny_spec, tiny_obs):
    r = build(tiny_spec, tiny_obs)
    # a: 10, 5, 2 → ratios 1, .5, .2 ; b per capita: 50, 75, 20 → 1, 1.5, .4
    np.testing.assert_allclose(r.scores["ta"], [1.0, 1.0, 0.3])
    # c (direction −1): 50, 25, 10 (DEU's 2019 value carried forward) → 1, 2, 5
    np.testing.assert_allclose(r.scores["mf"], [1.0, 2.0, 5.0])
    np.testing.assert_allclose(r.index, [1.0, np.sqrt(2.0), np.sqrt(1.5)])
    assert list(r.ranks["index"]) == [3, 1, 2]
    assert r.years.loc["DEU", "c"] == "2019 (latest earlier)"
    assert r.imputed_mask.loc["DEU", "c"]
    assert any(e.step == "select" and e.unit == "DEU" for e in r.log)


def test_contributions_reconcile_with_scores(tiny_spec, tiny_obs):
    r = build(tiny_spec, tiny_obs)
    c = r.contributions
    for node in ("ta", "mf"):
        s = c[c.parent == node].groupby("iso3")["contribution"].sum()
        np.testing.assert_allclose(s.reindex(r.units), r.scores[node])
    g = c[c.parent == "index"].groupby("iso3")["contribution"].sum()
    np.testing.assert_allclose(np.exp(g.reindex(r.units)), r.index)


def test_build_is_deterministic(tiny_spec, tiny_obs):
    a, b = build(tiny_spec, tiny_obs), build(tiny_spec, tiny_obs)
    assert a.scores.equals(b.scores) and a.contributions.equals(b.contributions)


def test_permuting_units_permutes_results(tiny_spec, tiny_obs):
    a = build(tiny_spec, tiny_obs, units=["USA", "CHN", "DEU"])
    b = build(tiny_spec, tiny_obs, units=["DEU", "USA", "CHN"])
    assert np.array_equal(a.scores.loc[list(b.units)].to_numpy(), b.scores.to_numpy())


def test_missing_series_is_a_clear_error(tiny_spec, tiny_obs):
    with pytest.raises(MissingSeriesError, match="s.pop"):
        build(tiny_spec, tiny_obs[tiny_obs.series != "s.pop"])


def test_reference_always_one(tiny_spec, tiny_obs):
    r = build(tiny_spec, tiny_obs)
    assert (r.scores.loc["USA"] == 1.0).all()


def test_group_imputation_needs_unit_info(tiny_spec, tiny_obs):
    spec = tiny_spec.model_copy(update={"defaults": tiny_spec.defaults.model_copy(
        update={"impute": tiny_spec.defaults.impute.model_copy(update={"method": "mean",
                                                                        "group": "region"})})})
    obs = tiny_obs[~((tiny_obs.iso3 == "DEU") & (tiny_obs.series == "s.a"))]
    with pytest.raises(ValueError, match="region"):
        build(spec, obs)


def test_qualitative_checks_on_a_constructed_ranking():
    """The spec's statements are tested on the build: tiers off ranks, advantage off
    ln(MF/TA) vs the median, items off values relative to the reference."""
    import copy

    import pandas as pd

    from aidi.analysis.reproduction import qualitative_checks
    from aidi.specs.loader import spec_from_dict
    from tests.conftest import TINY_SPEC

    d = copy.deepcopy(TINY_SPEC)
    d["units"] = ["USA", "CHN", "DEU", "JPN", "GBR", "IND"]
    d["root"]["children"][0]["id"] = "technology_activity"
    d["root"]["children"][1]["id"] = "market_friendliness"
    lean = {"kind": "lean", "application": "market_friendliness", "rd": "technology_activity"}
    d["statements"] = [
        {"key": "tier1", "text": {"en": "first tier"},
         "test": {"kind": "ranks", "node": "index", "units": ["USA", "CHN"],
                  "positions": [1, 2]}},
        {"key": "india6", "text": {"en": "India 6th"},
         "test": {"kind": "ranks", "node": "index", "units": ["IND"], "positions": [6]}},
        {"key": "rd_usa", "text": {"en": "USA R&D"}, "test": {**lean, "unit": "USA",
                                                           "side": "rd"}},
        {"key": "app_ind", "text": {"en": "IND app"}, "test": {**lean, "unit": "IND",
                                                            "side": "application"}},
        {"key": "ta_ahead", "text": {"en": "CHN ahead"},
         "test": {"kind": "above", "node": "technology_activity", "unit": "CHN",
                  "others": ["DEU", "JPN"]}},
        {"key": "half", "text": {"en": "CHN below half"},
         "test": {"kind": "relative", "node": "technology_activity", "unit": "CHN",
                  "op": "lt", "value": 0.5}},
        {"key": "absent", "text": {"en": "Brazil first"},
         "test": {"kind": "ranks", "node": "index", "units": ["BRA"], "positions": [1]}}]
    spec = spec_from_dict(d)
    vals = {"USA": (10, 10, 1), "CHN": (6, 6, 0.7), "DEU": (3, 3, 1.8), "JPN": (3, 3, 1.9),
            "GBR": (3, 3, 2.0), "IND": (1, 1, 1.1)}
    rows = []
    for u, (a, b, c) in vals.items():
        rows += [(u, 2022, "s.a", a), (u, 2022, "s.b", b), (u, 2022, "s.pop", 1.0),
                 (u, 2022, "s.c", c)]
    obs = pd.DataFrame(rows, columns=["iso3", "year", "series", "value"]).assign(
        unit="u", source="t", file="t")
    result = build(spec, obs)
    checks = qualitative_checks(result).set_index("key")
    assert checks.loc["tier1", "holds"] and checks.loc["india6", "holds"]
    assert checks.loc["rd_usa", "holds"] and checks.loc["app_ind", "holds"]
    assert checks.loc["ta_ahead", "holds"]
    ta = result.relative_scores().loc["CHN", "technology_activity"]
    assert checks.loc["half", "value"] == pytest.approx(ta)
    assert bool(checks.loc["half", "holds"]) == (ta < 0.5)
    assert checks.loc["absent", "holds"] is pd.NA  # Brazil is not built: not testable
