"""Scenarios: declarative what-ifs, hand-checked on the tiny spec and run on the snapshot."""

import numpy as np
import pytest
from typer.testing import CliRunner

from aidi.analysis.scenarios import Scenario, load_scenario, run_scenario, scenario_override
from aidi.cli import app
from aidi.engine.pipeline import build


def test_close_gap_hand_computed(tiny_spec, tiny_obs):
    nominal = build(tiny_spec, tiny_obs)
    sc = Scenario.model_validate({
        "id": "t", "name": {"en": "t"},
        "changes": [{"units": ["DEU"], "indicators": ["a"],
                     "close_gap": {"to": "USA", "fraction": 0.5}}]})
    ov = scenario_override(nominal, sc)
    assert ov.loc["DEU", "a"] == pytest.approx(2 + 0.5 * (10 - 2))
    assert ov.drop(index="DEU").isna().all().all()
    import aidi

    res = run_scenario(aidi.build(tiny_spec, data=tiny_obs), sc)
    # a: DEU 6/10 = .6 ; b unchanged .4 → TA .5 (USA 1)
    assert res.changed.scores.loc["DEU", "ta"] == pytest.approx(0.5)
    assert res.changed.scores.loc["CHN", "ta"] == nominal.scores.loc["CHN", "ta"]
    assert sum(e.step == "scenario" for e in res.changed.log) == 1


def test_nodes_expand_to_their_indicators(tiny_spec, tiny_obs):
    nominal = build(tiny_spec, tiny_obs)
    sc = Scenario.model_validate({"id": "t", "name": {"en": "t"},
                                  "changes": [{"units": ["CHN"], "nodes": ["ta"],
                                               "multiply": 2}]})
    ov = scenario_override(nominal, sc)
    np.testing.assert_allclose(ov.loc["CHN", ["a", "b"]], [10, 150])


def test_bad_scenarios_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="exactly one"):
        Scenario.model_validate({"id": "t", "name": {"en": "t"},
                                 "changes": [{"units": ["X"], "nodes": ["a"], "multiply": 2,
                                              "set": 1}]})
    bad = tmp_path / "s.yaml"
    bad.write_text("id: s\nname: {en: s}\nchanges: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="changes"):
        load_scenario(bad)


def test_shipped_scenario_japan_closes_in_on_china(tmp_path):
    res = CliRunner().invoke(app, ["scenario", "us-japan-sharing", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    import pandas as pd

    cmp = pd.read_csv(tmp_path / "scenario_us-japan-sharing.csv")
    idx = cmp[cmp.measure == "index"].set_index("iso3")
    assert idx.loc["JPN", "scenario"] > idx.loc["JPN", "nominal"]
    gap_before = idx.loc["CHN", "nominal"] - idx.loc["JPN", "nominal"]
    gap_after = idx.loc["CHN", "scenario"] - idx.loc["JPN", "scenario"]
    assert gap_after < gap_before
    assert idx.loc["USA", "scenario"] == pytest.approx(1.0)
