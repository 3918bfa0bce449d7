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
    """Tier statements are read off ranks; advantage off log(MF) − log(TA) vs the median."""
    import copy

    import pandas as pd

    from aidi.analysis.reproduction import qualitative_checks
    from aidi.specs.loader import spec_from_dict
    from tests.conftest import TINY_SPEC

    d = copy.deepcopy(TINY_SPEC)
    d["units"] = ["USA", "CHN", "DEU", "JPN", "GBR", "IND"]
    d["root"]["children"][0]["id"] = "technology_activity"
    d["root"]["children"][1]["id"] = "market_friendliness"
    spec = spec_from_dict(d)
    vals = {"USA": (10, 10, 1), "CHN": (6, 6, 0.7), "DEU": (3, 3, 1.8), "JPN": (3, 3, 1.9),
            "GBR": (3, 3, 2.0), "IND": (1, 1, 1.1)}
    rows = []
    for u, (a, b, c) in vals.items():
        rows += [(u, 2022, "s.a", a), (u, 2022, "s.b", b), (u, 2022, "s.pop", 1.0),
                 (u, 2022, "s.c", c)]
    obs = pd.DataFrame(rows, columns=["iso3", "year", "series", "value"]).assign(
        unit="u", source="t", file="t")
    checks = qualitative_checks(build(spec, obs)).set_index("statement")
    assert checks.loc["USA and China form the first tier (ranks 1–2)", "holds"]
    assert checks.loc["India follows close behind the second tier (rank 6)", "holds"]
    assert checks.loc["USA has a comparative advantage on the R&D side", "holds"]
    assert checks.loc["IND has a comparative advantage on the application side", "holds"]
