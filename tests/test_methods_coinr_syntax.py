"""COINr's call syntax in COINr-steps specs: the ASEM build written with f_n / f_ag / f_i /
f1_para gives the shipped build's numbers (and so COINr's published ones); iMeta parameters
(use_iMeta); the method catalogue matches docs/methods.md."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from aidi.engine import registry
from aidi.engine.pipeline import build
from aidi.sources.coinr import read_coin
from aidi.specs.loader import shipped_spec_path
from tests.conftest import REPO, asem_tables

ASEM = asem_tables()[0].parent  # the packaged copy: no raw-data folder needed

# src/aidi/specs/asem_example.yaml, each step written as the R call reads
ASEM_COINR = """\
kind: coinr-steps
id: asem_coinr
name: ASEM in COINr syntax
coin: {{data: {data}, meta: {meta}}}
steps:
  - denominate: {{}}
  - impute: {{f_i: i_mean_grp, use_group: EurAsia_group}}
  - screen: {{dat_thresh: 0.9}}
  - treat: {{f1_para: {{winmax: 5}}}}
  - normalise: {{f_n: n_minmax, f_n_para: {{l_u: [0, 100]}}}}
  - aggregate: {{f_ag: a_amean}}
"""
# get_results(coin, dset = "Aggregated") of COINr's example (articles/results.md): Index
PUBLISHED_INDEX = {"CHE": 68.38, "NLD": 64.82, "DNK": 64.80, "NOR": 64.47, "BEL": 63.54}


def _build(tmp_path: Path, text: str):
    steps = tmp_path / "steps.yaml"
    steps.write_text(text.format(data=ASEM / "ASEM_iData.csv", meta=ASEM / "ASEM_iMeta.csv"),
                     encoding="utf-8")
    spec, obs, info = read_coin(None, None, steps)
    return build(spec, obs, unit_info=info)


@pytest.fixture(scope="module")
def shipped():
    spec, obs, info = read_coin(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv",
                                shipped_spec_path("asem"))
    return build(spec, obs, unit_info=info)


def test_asem_in_coinr_syntax_equals_the_shipped_build(tmp_path, shipped):
    mine = _build(tmp_path, ASEM_COINR)
    np.testing.assert_array_equal(mine.normalised.to_numpy(), shipped.normalised.to_numpy())
    np.testing.assert_array_equal(mine.scores.to_numpy(), shipped.scores.to_numpy())
    for unit, value in PUBLISHED_INDEX.items():
        assert round(float(mine.index[unit]), 2) == value


def test_asem_other_coinr_calls_transcribe(tmp_path, shipped):
    # Normalise(f_n = "n_zscore", f_n_para = list(m_sd = c(10, 2))); Aggregate(f_ag = "a_gmean")
    # needs positive values: z-scores around 10 with sd 2 over 51 units are (here) all > 0
    text = ASEM_COINR.replace("{{f_n: n_minmax, f_n_para: {{l_u: [0, 100]}}}}",
                              "{{f_n: n_zscore, f_n_para: {{m_sd: [10, 2]}}}}")
    z = _build(tmp_path, text)
    t = shipped.treated.to_numpy()
    d = np.array([i.direction for i in shipped.spec.indicators()], dtype=float)
    want = (t * d - np.nanmean(t * d, axis=0)) / np.nanstd(t * d, axis=0, ddof=1) * 2 + 10
    np.testing.assert_allclose(z.normalised.to_numpy(), want, rtol=1e-12)
    text = ASEM_COINR.replace("{{f_ag: a_amean}}", "{{f_ag: a_genmean, f_ag_para: {{p: 2}}}}")
    g = _build(tmp_path, text)
    conn = [c.id for c in g.spec.node("Physical").children]
    x = g.normalised[conn].to_numpy()
    w = np.array([c.weight for c in g.spec.node("Physical").children])
    np.testing.assert_allclose(g.scores["Physical"].to_numpy(),
                               np.sqrt(np.nansum(w * x**2, axis=1) /
                                       np.sum(w * ~np.isnan(x), axis=1)))


META = """\
Level,iCode,iName,Direction,Weight,Unit,Target,Parent,Type,goalpost_lower,goalpost_upper,goalpost_scale
1,a,A,1,1,u,8,Index,Indicator,0,8,100
1,b,B,-1,1,u,3,Index,Indicator,0,8,100
2,Index,Index,1,1,Score,NA,NA,Aggregate,NA,NA,NA
"""
DATA = """\
uCode,a,b
AAA,2,2
BBB,4,4
CCC,6,6
DDD,10,10
"""


def _coin(tmp_path: Path, normalise: str):
    (tmp_path / "m.csv").write_text(textwrap.dedent(META), encoding="utf-8")
    (tmp_path / "d.csv").write_text(textwrap.dedent(DATA), encoding="utf-8")
    return read_coin(tmp_path / "d.csv", tmp_path / "m.csv",
                     {"steps": [{"normalise": normalise}, {"aggregate": {"f_ag": "a_amean"}}]})


def test_use_imeta_goalposts_and_targets(tmp_path):
    spec, obs, info = _coin(tmp_path, {"f_n": "n_goalposts", "f_n_para": "use_iMeta"})
    r = build(spec, obs, unit_info=info)
    # a: (x − 0)/8 ·100 truncated; b (direction −1): (8 − x)/8 ·100 truncated
    np.testing.assert_allclose(r.normalised["a"], [25, 50, 75, 100])
    np.testing.assert_allclose(r.normalised["b"], [75, 50, 25, 0])
    spec, obs, info = _coin(tmp_path, {"f_n": "n_dist2targ", "f_n_para": "use_iMeta"})
    r = build(spec, obs, unit_info=info)
    # a: (x − 2)/(8 − 2), uncapped (no dist2targ_cap_max column: FALSE); b: (10 − x)/(10 − 3)
    np.testing.assert_allclose(r.normalised["a"], [0, 1 / 3, 2 / 3, 4 / 3])
    np.testing.assert_allclose(r.normalised["b"], [8 / 7, 6 / 7, 4 / 7, 0])


def test_every_catalogued_method_is_documented_and_resolves():
    doc = (REPO / "docs" / "methods.md").read_text(encoding="utf-8")
    for m in registry.CATALOGUE:
        assert f"`{m.name}`" in doc, m.name
        if m.coinr and " " not in m.coinr:
            assert f"`{m.coinr}`" in doc, m.coinr
        assert callable(registry.get(m.kind, m.name))
        if m.coinr and " " not in m.coinr:
            assert registry.get(m.kind, m.coinr) is registry.get(m.kind, m.name)
