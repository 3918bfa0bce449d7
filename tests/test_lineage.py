"""Lineage: every number shown is the build's own, and every score reconciles with its children."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

import aidi
from aidi.analysis.lineage import explain, provenance, reconcile, to_frame
from aidi.cli import app
from aidi.countries import GROUPS
from aidi.engine.pipeline import build
from aidi.inputs.model_series import with_model_series
from aidi.report.lineage_text import render_text
from aidi.store.duckdb_store import Store


@pytest.fixture(autouse=True)
def _store_env(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))


@pytest.fixture(scope="module")
def real(default_build):
    return default_build.result, default_build.observations


def text_of(renderable) -> str:
    console = Console(record=True, width=250)
    console.print(renderable)
    return console.export_text()


def assert_matches_engine(lineage, result):
    unit = lineage.unit
    rows = lineage.rows.set_index("node")
    for ind in rows[rows["kind"] == "indicator"].index:
        r = rows.loc[ind]
        for col, frame in (("value", result.data), ("treated", result.treated),
                           ("normalised", result.normalised), ("raw_value", result.numerators),
                           ("denominator", result.denominators)):
            np.testing.assert_equal(r[col], frame.loc[unit, ind])
        assert r["imputed"] == bool(result.imputed_mask.loc[unit, ind])
        assert r["year"] == result.years.loc[unit, ind]
    for agg in rows[rows["kind"] == "aggregate"].index:
        np.testing.assert_equal(rows.loc[agg, "score"], result.scores.loc[unit, agg])
    c = result.contributions
    c = c[c["iso3"] == unit].set_index("child")
    for node in rows.index:
        if node in c.index:
            assert rows.loc[node, "contribution"] == c.loc[node, "contribution"]
            assert rows.loc[node, "weight"] == c.loc[node, "weight"]


def test_tiny_lineage_equals_engine_and_reconciles(tiny_spec, tiny_obs):
    result = build(tiny_spec, tiny_obs)
    for unit in result.units:
        lin = explain(result, unit, observations=tiny_obs)
        assert_matches_engine(lin, result)
        rec = reconcile(lin)
        assert set(rec["node"]) == {"index", "ta", "mf"}
        assert rec["difference"].abs().max() < 1e-12
    lin = explain(result, "DEU", observations=tiny_obs).rows.set_index("node")
    assert lin.loc["c", "imputed"] and "used 2019" in lin.loc["c", "imputation"]
    assert lin.loc["b", "denominator_series"] == "s.pop"
    assert lin.loc["b", "source"] == "test" and lin.loc["b", "denominator_file"] == "test.csv"
    assert lin.loc["b", "raw_value"] == 20 and lin.loc["b", "denominator"] == 1


def test_subtree_and_unknown_unit(tiny_spec, tiny_obs):
    result = build(tiny_spec, tiny_obs)
    lin = explain(result, "chn", "ta")
    assert lin.unit == "CHN" and list(lin.rows["node"]) == ["ta", "a", "b"]
    assert list(lin.rows["depth"]) == [0, 1, 1]
    assert lin.rows.loc[0, "contribution"] == pytest.approx(
        result.contributions.query("iso3 == 'CHN' and child == 'ta'")["contribution"].iloc[0])
    with pytest.raises(KeyError, match="ZZZ is not in this build"):
        explain(result, "ZZZ")
    with pytest.raises(KeyError):
        explain(result, "CHN", "no_such_node")


def test_provenance_of_window_means(tiny_spec, tiny_obs):
    result = build(tiny_spec, tiny_obs)
    prov = provenance(tiny_obs, result).set_index(["iso3", "indicator"])
    assert prov.loc[("USA", "a"), "file"] == "test.csv"
    assert prov.loc[("DEU", "c"), "source"] == "test"        # the 2019 value actually used


def test_real_build_china(real):
    result, obs = real
    lin = explain(result, "CHN", observations=obs)
    assert_matches_engine(lin, result)
    assert reconcile(lin)["difference"].abs().max() < 1e-12
    rows = lin.rows.set_index("node")
    assert rows.loc["index", "score"] == result.index["CHN"]
    ind = rows[rows["kind"] == "indicator"]
    named = ind[~ind["series"].str.startswith("model.")]
    assert (named["source"] != "").all() and (named["file"] != "").all()
    text = text_of(render_text(lin))
    assert "Lineage of CHN" in text and "ai_compute_capacity" in text and "ln(score)" in text
    assert "算力" in text_of(render_text(explain(result, "CHN", "compute"), lang="zh"))
    frame = to_frame(lin)
    assert frame["iso3"].eq("CHN").all() and len(frame) == len(lin.rows)


def test_non_g20_unit_from_the_store(tmp_path):
    """units='all' on the store's edition, and the lineage of an economy outside the G20."""
    spec = aidi.load_spec()
    spec = spec.model_copy(update={"screen": spec.screen.model_copy(
        update={"min_availability": 0.6})})
    with Store.open(tmp_path / "store.duckdb") as store:
        obs = with_model_series(store.observations("2024"))
    result = build(spec, obs, units="all")
    others = [u for u in result.units if u not in GROUPS["G20"] and u not in GROUPS["TARGET_20"]
              and not np.isnan(result.index[u])]
    assert len(result.units) > 30 and others
    unit = "SGP" if "SGP" in others else others[0]
    lin = explain(result, unit, observations=obs)
    assert_matches_engine(lin, result)
    assert reconcile(lin)["difference"].abs().max() < 1e-12


def test_cli_explain(tmp_path):
    out = tmp_path / "lineage.csv"
    res = CliRunner().invoke(app, ["explain", "CHN", "compute", "--csv", str(out)],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Lineage of CHN: compute" in res.output and "hpc_performance" in res.output
    frame = pd.read_csv(out)
    assert list(frame["node"]) == ["compute", "ai_compute_capacity", "hpc_performance"]


def test_cli_explain_adds_a_unit_and_reports_errors(tmp_path):
    res = CliRunner().invoke(app, ["explain", "ARG", "compute", "--store",
                                   str(tmp_path / "s.duckdb"), "--edition", "latest"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "built with them plus ARG" in res.output and "Lineage of ARG" in res.output
    res = CliRunner().invoke(app, ["explain", "CHN", "no_such_node"])
    assert res.exit_code == 1 and "no node 'no_such_node'" in res.output
