"""The explorer: its payload (no browser), and the page's numbers in a real Chromium.

The browser tests drive `explorer.html` from `file://` through Playwright with Debian's
`chromium` and check the page's numbers against the Python API: scores for 20 random weight
sets, normalisation and aggregation switches and three scenarios equal `Build.with_weights`
/ `with_spec` / `with_changes` to 1e-9, and its rank bands equal
`aidi.explorer.rank_bands` (itself checked against `Build.uncertainty` and full rebuilds).
They fail on any network request, page error or console error. The views, the phone layout,
the exports and the translations are tested in tests/test_explorer_page.py; screenshots for
docs/ are made by `python benchmarks/screenshots.py`, never by the tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import aidi
from aidi.analysis.robustness.choices import OVERRIDABLE_IMPUTATION
from aidi.cli import app
from aidi.errors import InputError
from aidi.explorer import (
    BAND_CONFIG,
    build_for_state,
    build_payload,
    rank_bands,
    render,
    scenario_from_page,
)
from aidi.explorer.export import (
    band_design,
    band_samples,
    scenario_support,
    scenario_why,
    spec_for,
)
from aidi.explorer.page import strings
from aidi.specs.loader import spec_from_dict
from tests._browser import Tab, browser_only, launch
from tests.conftest import TINY_SPEC, tiny_observations

ATOL = 1e-9


@pytest.fixture(scope="module")
def nominal(default_build) -> aidi.Build:
    return default_build


@pytest.fixture(scope="module")
def payload(nominal):
    return build_payload(nominal, n_variants=1000, seed=0)


def _page_json(html: str, element: str) -> dict:
    m = re.search(rf'<script id="{element}" type="application/json">(.*?)</script>', html, re.S)
    assert m, element
    return json.loads(m.group(1))


# ---- the payload, without a browser ------------------------------------------------------------
def test_normalised_matrices_are_the_python_builds(nominal, payload):
    assert payload["normalisations"][0] == "spec" and len(payload["normalisations"]) >= 3
    for level in payload["normalisations"]:
        want = build_for_state(nominal, normalisation=level).result.normalised
        got = np.array(payload["normalised"][level], dtype=float)
        assert np.array_equal(got, want.reindex(payload["units"]).to_numpy(), equal_nan=True), \
            level


def test_rank_bands_with_the_spec_weights_are_build_uncertainty(nominal):
    ours = rank_bands(nominal, None, 400, seed=3).set_index("iso3")
    ref = nominal.uncertainty(400, seed=3, config=BAND_CONFIG).summary().set_index("iso3")
    for a, b in (("p05_rank", "p05_rank"), ("median_rank", "median_rank"),
                 ("p95_rank", "p95_rank"), ("n_valid", "n_valid")):
        np.testing.assert_array_equal(ours[a].to_numpy(), ref[b].reindex(ours.index).to_numpy())


def _variant_spec(nominal, design, sample, weights):
    """The spec a full rebuild uses for one band variant under the reader's weights."""
    norm = design.normalisation_levels[sample["norm"]]
    imp = design.imputation_levels[sample["prep"]]
    excluded = sample["exclude"]
    w = dict(weights)
    if excluded >= 0:
        w[design.indicator_ids[excluded]] = 0.0
    spec = spec_for(nominal.spec, norm)
    if imp != "spec":
        def rewrite(n):
            if hasattr(n, "children"):
                return n.model_copy(update={"children": tuple(rewrite(c) for c in n.children)})
            eff = spec.effective_impute(n)
            if eff.method in OVERRIDABLE_IMPUTATION:
                return n.model_copy(update={"impute": eff.model_copy(update={"method": imp})})
            return n
        spec = spec.model_copy(update={"root": rewrite(spec.root)})
    return spec, w


@pytest.mark.slow
def test_one_variant_band_is_the_rank_of_a_full_rebuild(nominal):
    """n = 1: the band collapses to that variant's rank, which a rebuild must give."""
    design = band_design(nominal)
    weights = {"data": 2.0, "compute": 0.5, "policy": 1.5}
    checked = 0
    for seed in range(12):
        s = {k: int(v[0]) for k, v in band_samples(design, 1, seed).items()}
        spec, w = _variant_spec(nominal, design, s, weights)
        try:
            rebuilt = nominal.with_spec(spec).with_weights(w)
        except InputError:  # leaving out a node's only child: not expressible as weights
            continue
        band = rank_bands(nominal, weights, 1, seed).set_index("iso3")
        want = rebuilt.ranks["index"].reindex(band.index).to_numpy()
        np.testing.assert_array_equal(band["p05_rank"].to_numpy(), want)
        np.testing.assert_array_equal(band["p95_rank"].to_numpy(), want)
        checked += 1
        if checked == 3:
            break
    assert checked == 3


def test_rank_bands_ignore_a_common_scale_of_sibling_weights(nominal):
    a = rank_bands(nominal, {"compute": 1.0, "algorithms": 2.0, "data": 1.0, "finance": 1.0},
                   200, 1)
    b = rank_bands(nominal, {"compute": 3.0, "algorithms": 6.0, "data": 3.0, "finance": 3.0},
                   200, 1)
    pd.testing.assert_frame_equal(a, b)


def test_preset_is_the_shipped_scenario(nominal, payload):
    preset = next(p for p in payload["presets"] if p["id"] == "us-japan-sharing")
    ours = nominal.with_changes(scenario_from_page(preset["changes"])).scores
    ref = nominal.with_changes("us-japan-sharing").scores
    pd.testing.assert_frame_equal(ours, ref)


def test_page_is_one_offline_file(nominal, payload):
    html = render(payload, "zh", font_css=lambda text: "@font-face{font-family:'x';}")
    assert _page_json(html, "aidi-data")["units"] == payload["units"]
    assert "default-src 'none'" in html  # the browser refuses any fetch
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html) + \
        re.findall(r"url\(([^)]+)\)", html) + re.findall(r"@import", html)
    assert all(not r.startswith(("http", "//")) for r in refs), refs
    assert '<html lang="zh">' in html and "__DATA__" not in html


def test_every_label_has_both_languages():
    s = strings()
    assert set(s["en"]) == set(s["zh"])
    assert all(v.strip() for lang in s.values() for v in lang.values())
    assert all(re.search(r"[\u4e00-\u9fff]", v) for v in s["zh"].values())
    assert all(s["zh"][k] != s["en"][k] for k in s["en"])


def test_methods_the_page_cannot_recompute_are_fixed_never_refused(nominal):
    spec = nominal.spec
    root = spec.root.model_copy(update={"aggregate": spec.root.aggregate.model_copy(
        update={"method": "copeland"})})
    fixed = build_payload(nominal.with_spec(spec.model_copy(update={"root": root})), 10,
                          world=False)
    assert fixed["fixed"] == {"on": True, "nodes": [{"node": "index", "method": "copeland"}]}
    assert fixed["aggregations"] == ["spec"] and not fixed["scenario"]["supported"]
    assert "fixed" in fixed["bands"] and "matrices" not in fixed["bands"]
    steps = {(m["step"], m["method"]): m["changeable"] for m in fixed["methods"]}
    assert steps[("aggregate", "copeland")] is False
    first = spec.indicators()[0]
    treated = spec.model_copy(update={"defaults": spec.defaults.model_copy(update={
        "treat": spec.defaults.treat.model_copy(update={"method": "winsorise"})})})
    assert first.id in scenario_support(treated) and "treated" in scenario_support(treated)
    assert scenario_support(spec) == ""
    assert scenario_why(treated)["code"] == "treat" and scenario_why(spec) == {}


def test_presentation_and_world_map(payload):
    assert payload["presentation"]["focus"] == "CHN"
    assert payload["presentation"]["quadrant"] == ["technology_activity",
                                                   "market_friendliness"]
    world = payload["world"]
    codes = [s["iso3"] for s in world["shapes"]]
    assert len(codes) == len(set(codes)) > 170  # one shape per economy
    assert set(payload["units"]) <= set(codes) and "ATA" not in codes
    assert all(world["names"]["zh"][c] for c in codes)


def test_vendored_boundaries_are_the_recorded_file():
    import hashlib
    from importlib import resources

    folder = resources.files("aidi.explorer").joinpath("assets", "vendor", "world-atlas")
    data = folder.joinpath("countries-110m.json").read_bytes()
    provenance = folder.joinpath("PROVENANCE.md").read_text(encoding="utf-8")
    assert hashlib.sha256(data).hexdigest() in provenance
    assert "ISC" in folder.joinpath("LICENSE").read_text(encoding="utf-8") or \
        "ISC" in provenance


def test_chinese_labels_use_chinese_punctuation():
    zh = strings()["zh"]
    bad = {k: v for k, v in zh.items()
           if re.search(r"[\u4e00-\u9fff][,;:!?()]|[,;:!?()][\u4e00-\u9fff]", v)}
    assert not bad, bad


# ---- the page's numbers in Chromium --------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium():
    yield from launch()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    """The page as a user gets it: `aidi explore` on the default build."""
    out = tmp_path_factory.mktemp("explore")
    res = CliRunner().invoke(app, ["explore", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out / "explorer.html"


def _scores(state: dict, units: list[str]) -> pd.DataFrame:
    return pd.DataFrame({k: np.array(v, dtype=float) for k, v in state["scores"].items()},
                        index=units)


def _assert_scores(state: dict, build: aidi.Build) -> None:
    assert state["error"] is None, state["error"]
    got = _scores(state, state["units"])
    want = build.scores.reindex(index=got.index, columns=got.columns)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=ATOL)
    ranks = pd.DataFrame(state["ranks"], index=state["units"]).astype(float)
    np.testing.assert_array_equal(ranks.to_numpy(),
                                  build.ranks.reindex(index=got.index,
                                                      columns=got.columns).to_numpy())


def _assert_bands(state: dict, want: pd.DataFrame) -> None:
    got = pd.DataFrame(state["bands"]).T.reindex(want["iso3"])
    for ours, theirs in (("p05", "p05_rank"), ("p50", "median_rank"), ("p95", "p95_rank"),
                         ("n_valid", "n_valid")):
        np.testing.assert_allclose(got[ours].to_numpy(dtype=float),
                                   want[theirs].to_numpy(dtype=float), rtol=0, atol=ATOL)


@browser_only
@pytest.mark.browser
def test_hand_computed_tiny_index_in_the_browser(chromium, tmp_path):
    """3 economies, 3 indicators: the page's numbers against values worked out by hand."""
    b = aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())
    path = tmp_path / "explorer.html"
    path.write_text(render(build_payload(b, n_variants=20)), encoding="utf-8")
    page = Tab(chromium, path.as_uri())
    assert page.state()["selfCheck"] <= 1e-12
    # ratio to USA: a = (1, .5, .2), b per capita = (1, 1.5, .4), c (direction −1) = (1, 2, 5)
    idx = page.state()["scores"]["index"]
    np.testing.assert_allclose(idx, [1.0, np.sqrt(1.0 * 2.0), np.sqrt(0.3 * 5.0)], atol=1e-12)
    # weight a = 3: TA(CHN) = (3·.5 + 1.5)/4 = .75, TA(DEU) = (3·.2 + .4)/4 = .25
    st = page.set_weights({"a": 3.0})
    np.testing.assert_allclose(st["scores"]["ta"], [1.0, 0.75, 0.25], atol=1e-12)
    np.testing.assert_allclose(st["scores"]["index"], [1.0, np.sqrt(1.5), np.sqrt(1.25)],
                               atol=1e-12)
    assert st["ranks"]["index"] == [3.0, 1.0, 2.0]
    # gap to overtake, the page's port against the hand-computed 4/3 → 1.334 (test_gap.py)
    page.set_weights({"a": 1.0})
    gap = page.tab.evaluate("window.aidiExplorer.gap('DEU', 'CHN', 'ta')")
    assert (gap["kind"], gap["factor"], gap["below"]) == ("factor", 1.334, 1.333)
    page.close()


@browser_only
@pytest.mark.browser
@pytest.mark.slow
def test_twenty_weight_sets_match_python(chromium, page_file, nominal):
    page = Tab(chromium, page_file.as_uri())
    assert page.state()["selfCheck"] <= 1e-12
    design = band_design(nominal)
    movable = [n["id"] for n in build_payload(nominal, 1, world=False)["nodes"] if n["parent"]]
    rng = np.random.default_rng(20240613)
    for k in range(20):
        chosen = rng.choice(movable, size=rng.integers(3, len(movable) + 1), replace=False)
        # 12 significant digits: a range input keeps 15, so the slider holds exactly this
        weights = {str(i): float(f"{rng.uniform(0.05, 2.0):.12g}") for i in chosen}
        st = page.set_weights(weights)
        assert all(st["state"]["w"][i] == w for i, w in weights.items()), k
        full = {i: st["state"]["w"][i] for i in movable}
        _assert_scores(st, nominal.with_weights(full))
        _assert_bands(st, rank_bands(nominal, full, 1000, 0, design=design))
    page.close()


@browser_only
@pytest.mark.browser
@pytest.mark.slow
def test_normalisation_and_aggregation_switch_match_python(chromium, page_file,
                                                           nominal):
    page = Tab(chromium, page_file.as_uri())
    weights = {"data": 0.4, "compute": 1.7, "policy": 0.6}
    page.set_weights(weights)
    for norm, agg in (("minmax", "geometric"), ("ratio", "spec")):
        page.tab.select_option("#norm", norm)
        page.tab.select_option("#agg", agg)
        st = page.settle()
        assert (st["state"]["norm"], st["state"]["agg"]) == (norm, agg)
        _assert_scores(st, build_for_state(nominal, weights=weights, normalisation=norm,
                                           aggregation=agg))
        _assert_bands(st, rank_bands(nominal, weights, 1000, 0, aggregation=agg))
    page.close()


def _add_change(page: Tab, unit: str, node: str, op: str, to: str = "USA",
                param: float | None = None) -> dict:
    t = page.tab
    t.select_option("#sc-unit", unit)
    t.select_option("#sc-node", node)
    t.select_option("#sc-op", op)
    if op != "multiply":
        t.select_option("#sc-to", to)
    if param is not None:
        t.fill("#sc-param", str(param))
    t.click("#sc-add")
    return page.settle()


@browser_only
@pytest.mark.browser
@pytest.mark.slow
def test_three_scenarios_match_with_changes(chromium, page_file, nominal):
    page = Tab(chromium, page_file.as_uri())
    # 1. the source's preset, default weights
    page.tab.click("#presets button")
    st = page.settle()
    _assert_scores(st, nominal.with_changes("us-japan-sharing"))
    page.tab.click("#sc-clear")
    # 2. multiply India's compute by 3, with other weights
    weights = {"technology_activity": 1.3, "finance": 0.2, "exposure_scale": 2.0}
    page.set_weights(weights)
    st = _add_change(page, "IND", "compute", "multiply", param=3)
    assert st["state"]["sc"] == [{"units": ["IND"], "nodes": ["compute"], "multiply": 3}]
    _assert_scores(st, build_for_state(nominal, weights=weights, scenario=st["state"]["sc"]))
    # 3. and Germany closes half its data gap to the USA, z-scores throughout
    page.tab.select_option("#norm", "zscore")
    st = _add_change(page, "DEU", "data", "close", to="USA", param=0.5)
    assert len(st["state"]["sc"]) == 2
    _assert_scores(st, build_for_state(nominal, weights=weights, normalisation="zscore",
                                       scenario=st["state"]["sc"]))
    page.close()


@browser_only
@pytest.mark.browser
@pytest.mark.slow
def test_gap_to_overtake_is_pythons_rule(chromium, page_file, nominal):
    """The page's port and `Build.gap` give the same factor, for several economies, nodes
    and weights; the answer passes strictly and the grid step below does not."""
    page = Tab(chromium, page_file.as_uri())
    order = nominal.index.sort_values(ascending=False).index
    cases = [(order[3], order[2], "compute", {}), (order[5], order[1], "index", {}),
             (order[8], order[4], "data", {"finance": 0.3, "policy": 2.0})]
    for a, b, node, weights in cases:
        page.set_weights({k: v for k, v in weights.items()} or {"data": 1.0})
        js = page.tab.evaluate("([a, b, n]) => window.aidiExplorer.gap(a, b, n)", [a, b, node])
        py = build_for_state(nominal, weights=weights or None).gap(a, b, node)
        assert (js["kind"], js["factor"], js["below"]) == (py.kind, py.factor, py.below), \
            (a, b, node)
        np.testing.assert_allclose([js["index_a"], js["index_b"]], [py.index_a, py.index_b],
                                   atol=ATOL)
    # through the profile's controls, as a reader does it
    page.tab.evaluate("location.hash = '#economy=" + order[3] + "'")
    page.settle()
    page.tab.select_option("#gap-b", order[2])
    page.tab.select_option("#gap-node", "compute")
    page.tab.click("#gap-go")
    gap = page.settle()["gap"]
    assert gap["kind"] == "factor" and gap["factor"] == nominal.gap(order[3], order[2],
                                                                    "compute").factor
    assert str(gap["factor"]) in page.tab.inner_text("#gap-out")
    page.close()
