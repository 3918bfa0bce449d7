"""The explorer: its payload (no browser), and the page in a real Chromium.

The browser tests drive `explorer.html` from `file://` through Playwright with Debian's
`chromium` and check the page's numbers against the Python API: scores for 20 random weight
sets, normalisation and aggregation switches and three scenarios equal `Build.with_weights`
/ `with_spec` / `with_changes` to 1e-9, and its rank bands equal
`aidi.explorer.rank_bands` (itself checked against `Build.uncertainty` and full rebuilds).
They fail on any network request and save the screenshots docs/explorer.png and
docs/explorer_zh.png.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import aidi
from aidi.analysis.variants import OVERRIDABLE_IMPUTATION
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
from aidi.explorer.export import band_design, band_samples, scenario_support, spec_for
from aidi.explorer.page import strings
from aidi.specs.loader import spec_from_dict
from tests.conftest import REPO, TINY_SPEC, tiny_observations

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ATOL = 1e-9


@pytest.fixture(scope="module")
def nominal() -> aidi.Build:
    return aidi.build()


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


def test_unsupported_specs_are_refused_or_limited(nominal):
    spec = nominal.spec
    root = spec.root.model_copy(update={"aggregate": spec.root.aggregate.model_copy(
        update={"method": "copeland"})})
    with pytest.raises(InputError, match="explorer aggregates by"):
        build_payload(nominal.with_spec(spec.model_copy(update={"root": root})), 10)
    first = spec.indicators()[0]
    treated = spec.model_copy(update={"defaults": spec.defaults.model_copy(update={
        "treat": spec.defaults.treat.model_copy(update={"method": "winsorise"})})})
    assert first.id in scenario_support(treated) and "treated" in scenario_support(treated)
    assert scenario_support(spec) == ""


# ---- the page in Chromium ----------------------------------------------------------------------
def _have_browser() -> str:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    return ""


browser_only = pytest.mark.skipif(bool(_have_browser()), reason=_have_browser() or "ok")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    """The page as a user gets it: `aidi explore` on the default build."""
    out = tmp_path_factory.mktemp("explore")
    res = CliRunner().invoke(app, ["explore", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out / "explorer.html"


class Page:
    """One browser tab on the page; records any request that is not the file itself."""

    def __init__(self, browser, url: str):
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.tab.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
                    else self.requests.append(r.url))
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))
        self.tab.goto(url)
        self.settle()

    def settle(self) -> dict:
        self.tab.wait_for_function("window.aidiState && window.aidiState.bandsPending === false")
        return self.state()

    def state(self) -> dict:
        return self.tab.evaluate("window.aidiState")

    def set_weights(self, weights: dict[str, float]) -> dict:
        """Move every slider named, as a reader would (an `input` event each)."""
        self.tab.evaluate("""(ws) => { for (const [id, v] of Object.entries(ws)) {
            const el = document.getElementById('w-' + id); el.value = String(v);
            el.dispatchEvent(new Event('input', {bubbles: true})); } }""", weights)
        return self.settle()

    def close(self) -> None:
        assert not self.requests, f"the page made network requests: {self.requests}"
        assert not self.errors, self.errors
        self.tab.close()


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
def test_hand_computed_tiny_index_in_the_browser(browser, tmp_path):
    """3 economies, 3 indicators: the page's numbers against values worked out by hand."""
    b = aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())
    path = tmp_path / "explorer.html"
    path.write_text(render(build_payload(b, n_variants=20)), encoding="utf-8")
    page = Page(browser, path.as_uri())
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
    page.close()


@browser_only
@pytest.mark.browser
@pytest.mark.slow
def test_twenty_weight_sets_match_python(browser, page_file, nominal):
    page = Page(browser, page_file.as_uri())
    assert page.state()["selfCheck"] <= 1e-12
    design = band_design(nominal)
    movable = [n["id"] for n in build_payload(nominal, 1)["nodes"] if n["parent"]]
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
def test_normalisation_and_aggregation_switch_match_python(browser, page_file, nominal):
    page = Page(browser, page_file.as_uri())
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


def _add_change(page: Page, unit: str, node: str, op: str, to: str = "USA",
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
def test_three_scenarios_match_with_changes(browser, page_file, nominal):
    page = Page(browser, page_file.as_uri())
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
def test_gap_to_overtake_is_the_smallest_factor(browser, page_file, nominal):
    page = Page(browser, page_file.as_uri())
    order = nominal.index.sort_values(ascending=False).index
    a, b = order[3], order[2]  # the 4th passes the 3rd
    page.tab.select_option("#gap-a", a)
    page.tab.select_option("#gap-b", b)
    page.tab.select_option("#gap-node", "compute")
    page.tab.click("#gap-go")
    gap = page.state()["gap"]
    assert gap["kind"] == "factor" and gap["factor"] > 1, gap
    assert page.tab.inner_text("#gap-out").strip()

    def passes(m: float) -> bool:
        sc = [{"units": [a], "nodes": ["compute"], "multiply": m}]
        idx = build_for_state(nominal, scenario=sc).index
        return bool(idx[a] > idx[b])

    assert passes(gap["factor"] * (1 + 1e-7)) and not passes(gap["factor"] * (1 - 1e-7))
    page.close()


@browser_only
@pytest.mark.browser
@pytest.mark.slow
def test_state_link_language_csv_and_screenshots(browser, page_file, nominal):
    page = Page(browser, page_file.as_uri())
    page.set_weights({"data": 0.5, "ai_patents": 2.25})
    page.tab.select_option("#sel", "JPN")
    page.tab.click("#presets button")
    st = page.settle()
    docs = REPO / "docs"
    page.tab.screenshot(path=str(docs / "explorer.png"), full_page=True)
    # download CSV: the current scores, relative to the reference
    with page.tab.expect_download() as dl:
        page.tab.click("#csv")
    csv = pd.read_csv(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8")))
    np.testing.assert_allclose(csv["index"].to_numpy(), np.array(st["relative"]["index"]),
                               atol=1e-12)
    assert csv["rank"].tolist() == st["ranks"]["index"]
    # Chinese: every label translated, rendered with the embedded font
    page.tab.click("#lang button[data-lang=zh]")
    st_zh = page.settle()
    zh = strings()["zh"]
    labels = page.tab.evaluate("""Array.from(document.querySelectorAll('[data-i18n]'))
        .map(e => [e.dataset.i18n, e.textContent])""")
    assert labels and all(text == zh[key] for key, text in labels)
    assert page.tab.evaluate("document.fonts.check(\"12px 'aidi CJK'\", '技术活跃度')")
    assert page.tab.evaluate("document.fonts.status") == "loaded"
    assert "日本" in page.tab.inner_text("#profile-box")
    page.tab.screenshot(path=str(docs / "explorer_zh.png"), full_page=True)
    # the link restores the view in a fresh tab
    url = page.tab.url
    assert "#" in url
    page.close()
    other = Page(browser, url)
    restored = other.state()
    for key in ("w", "norm", "agg", "sc", "sel", "lang"):
        assert restored["state"][key] == st_zh["state"][key], key
    assert restored["state"]["lang"] == "zh" and restored["state"]["sel"] == "JPN"
    np.testing.assert_allclose(restored["scores"]["index"], st["scores"]["index"], atol=0)
    other.close()
