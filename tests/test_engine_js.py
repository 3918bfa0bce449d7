"""The explorer's engine (`explorer/assets/engine.js`, a port of the Python engine) unit-tested
under node, against fixtures exported from Python.

The fixtures are real payloads (`build_payload`) of the tiny hand-computed spec and of the
default build, page states (weights, normalisation, aggregation, scenario changes) and what the
Python API gives for each (`build_for_state`: scores, ranks, normalised values;
`rank_bands`). `tests/js/engine.test.js` recomputes each state with the engine, as the page
does, and compares to 1e-9. The browser tests (tests/test_explorer.py) drive the whole page;
these run the engine alone, in a second, with no browser.

node is required, not optional: CI has it (Node 20), and a missing node fails this test rather
than skipping it, so the engine's tests cannot silently switch off.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aidi
from aidi.errors import AidiError
from aidi.explorer import build_for_state, build_payload, rank_bands
from aidi.specs.loader import spec_from_dict
from tests.conftest import TINY_SPEC, tiny_observations

JS_TESTS = Path(__file__).parent / "js"
N_VARIANTS = 40


def _matrix(frame: pd.DataFrame) -> list:
    return [[None if not np.isfinite(v) else float(v) for v in row]
            for row in frame.to_numpy(dtype=float)]


def _expected(build: aidi.Build, units: list[str], aggregates: list[str]) -> dict:
    scores = build.scores.reindex(index=units, columns=aggregates)
    ranks = build.ranks.reindex(index=units, columns=aggregates)
    return {"scores": {a: [None if not np.isfinite(v) else float(v) for v in scores[a]]
                       for a in aggregates},
            "ranks": {a: [None if not np.isfinite(v) else float(v) for v in ranks[a]]
                      for a in aggregates}}


def _case(nominal: aidi.Build, payload: dict, label: str, state: dict) -> dict | None:
    """One page state and Python's answer, or None when Python refuses the state."""
    try:
        b = build_for_state(nominal, weights=state.get("w"), normalisation=state.get("norm",
                            "spec"), aggregation=state.get("agg", "spec"),
                            scenario=state.get("sc"))
        out = _expected(b, payload["units"], payload["aggregate_ids"])
    except AidiError:
        return None
    if state.get("sc"):
        out["normalised"] = _matrix(b.result.normalised.reindex(
            index=payload["units"], columns=payload["indicator_ids"]))
    return {"label": label, "state": state, **out}


def _fixture(nominal: aidi.Build, states: dict[str, dict], band_weights: dict) -> dict:
    payload = build_payload(nominal, n_variants=N_VARIANTS, seed=0, world=False)
    cases = [c for label, st in states.items() if (c := _case(nominal, payload, label, st))]
    assert len(cases) == len(states), "every state is one Python accepts"
    full = {n["id"]: n["weight"] for n in payload["nodes"] if n["parent"]} | band_weights
    bands = rank_bands(nominal, full, N_VARIANTS, seed=0).set_index("iso3")
    return {"payload": payload, "states": cases,
            "bands": {"state": {"w": band_weights},
                      "expected": {u: {k: float(v) for k, v in r.items()}
                                   for u, r in bands.iterrows()}}}


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory, default_build) -> Path:
    tiny = aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())
    nominal = default_build
    pillars = [c.id for c in nominal.spec.root.children]
    first_dim = nominal.spec.root.children[0].children[0].id
    tiny_states = {
        "as built": {},
        "weight a = 3": {"w": {"a": 3.0}},
        "arithmetic pillars": {"agg": "arithmetic"},
        "scenario: CHN's a × 2": {"sc": [{"units": ["CHN"], "nodes": ["a"], "multiply": 2}]},
    }
    states = {
        "as built": {},
        "other weights": {"w": {pillars[0]: 1.7, first_dim: 0.3}},
        "min–max normalisation": {"norm": "minmax"},
        "arithmetic pillars": {"agg": "arithmetic"},
        "scenario: multiply, then close half a gap": {
            "sc": [{"units": ["IND"], "nodes": [first_dim], "multiply": 3},
                   {"units": ["DEU"], "nodes": [first_dim],
                    "close_gap": {"to": nominal.spec.reference, "fraction": 0.5}}]},
        "scenario with z-scores": {
            "norm": "zscore", "sc": [{"units": ["JPN"], "nodes": [pillars[-1]], "set": 1.0}]},
    }
    out = tmp_path_factory.mktemp("engine_js") / "fixtures.json"
    out.write_text(json.dumps({"tiny": _fixture(tiny, tiny_states, {"a": 2.0}),
                               "default": _fixture(nominal, states, {pillars[0]: 2.0})},
                              allow_nan=False), encoding="utf-8")
    return out


def test_engine_js_under_node(fixtures):
    node = shutil.which("node")
    assert node, "node (Node.js >= 18) is needed to test the explorer's engine; CI has it"
    res = subprocess.run([node, "--test", str(JS_TESTS)], capture_output=True, text=True,
                         env={"AIDI_ENGINE_FIXTURES": str(fixtures), "PATH": ""}, timeout=120)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    passed = [line for line in res.stdout.splitlines() if line.startswith("# pass")]
    assert passed and int(passed[0].split()[-1]) >= 15, res.stdout[-2000:]
