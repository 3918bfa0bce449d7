"""The explorer's "over time" series and its reproduction tab with the spec switch.

A tiny pair of specs (A: the "source as published", with printed figures and the reasons for
their gaps, an indicator read from a stand-in series before 2023; B: its validity-driven
counterpart) on synthetic data, five editions each: the page shows Python's comparable series
(chained by default, fixed set, as published) with a marker per methodology break, the
printed figures beside both specs with the exact split of their difference, and a switch that
opens the other spec in the same state. Cheap: no shipped data, 20 rank-band variants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import aidi
from aidi.explorer import build_payload, write_explorer
from aidi.over_time import timeline
from tests._browser import Tab, browser_only, launch, read_export_csv

pytestmark = pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")
UNITS = ["USA", "CHN", "DEU", "JPN"]


def _spec(sid: str, other: str, *, source: bool) -> dict:
    """Two pillars (ta: a, b; mf: c). A reads `a` from a stand-in before 2023 and prints
    figures with reasons; B weights b twice."""
    a = {"id": "a", "name": {"en": "Alpha", "zh": "甲项"}, "series": "s.a"}
    if source:
        a["edition_rule"] = {"before": 2023, "series": "s.old", "note": "old series"}
    b = {"id": "b", "name": {"en": "Beta", "zh": "乙项"}, "series": "s.b",
         "weight": 1.0 if source else 2.0}
    gap = {"en": "Undisclosed items.", "zh": "未公开的分项。"} if source else None
    printed = [{"unit": "USA", "node": "index", "value": 1.0},
               {"unit": "CHN", "node": "index", "value": 0.7, **({"gap": gap} if gap else {})},
               {"unit": "CHN", "node": "ta", "value": 0.5, **({"gap": gap} if gap else {})}]
    return {
        "id": sid, "name": {"en": f"Tiny {sid}", "zh": f"小指数{sid}"}, "edition": "2024",
        "reference": "USA", "units": UNITS, "counterpart": other, "published": printed,
        "presentation": {"focus": "CHN"},
        "root": {"id": "index", "name": {"en": "Index", "zh": "指数"},
                 "aggregate": {"method": "geometric"}, "standardise": "ratio", "children": [
            {"id": "ta", "name": {"en": "Technology", "zh": "技术"}, "standardise": "ratio",
             "children": [a, b]},
            {"id": "mf", "name": {"en": "Market", "zh": "市场"}, "standardise": "ratio",
             "children": [{"id": "c", "name": {"en": "Gamma", "zh": "丙项"},
                           "series": "s.c"}]}]}}


def _observations() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = [(u, y, s, float(rng.uniform(1, 10)), "u", "test", "test.csv")
            for y in range(2015, 2025) for u in UNITS for s in ("s.a", "s.b", "s.c", "s.old")]
    return pd.DataFrame(rows, columns=["iso3", "year", "series", "value", "unit", "source",
                                       "file"])


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(build A, timeline A, build B, timeline B, page path)."""
    root = tmp_path_factory.mktemp("pair")
    pa, pb = root / "a.yaml", root / "b.yaml"
    pa.write_text(yaml.safe_dump(_spec("tiny-src", str(pb), source=True)), encoding="utf-8")
    pb.write_text(yaml.safe_dump(_spec("tiny-val", str(pa), source=False)), encoding="utf-8")
    obs = _observations()
    a, b = aidi.build(str(pa), data=obs), aidi.build(str(pb), data=obs)
    tla = timeline(a.spec, start=2021, observations=obs)
    tlb = timeline(b.spec, start=2021, observations=obs)
    page = write_explorer(b, root / "out", n_variants=20, timeline=tlb, others=[(a, tla)])
    return a, tla, b, tlb, page


def test_payload_carries_pythons_comparable_series_and_breaks(pair):
    a, tla, _, _, _ = pair
    t = build_payload(a, 20, timeline=tla, world=False)["timeline"]
    assert set(t["series"]) == {"chained", "fixed"}
    for name in ("chained", "fixed"):
        for node in ("index", "ta", "mf"):
            want = tla.table(node, name).reindex(list(a.units)).T.to_numpy(float)
            got = np.array(t["series"][name][node], dtype=float)
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], atol=0)
    assert [b["edition"] for b in t["breaks"]] == ["2023"]   # the stand-in leaves
    assert t["breaks"][0]["events"] == [{"kind": "stand_in", "name": "a", "part": "methodology"}]
    assert t["anchor"] == "2024" and "a" not in t["fixed_indicators"]
    assert t["backcast"] == {}  # built on the data given: no vintage to be a backcast of


def test_payload_reproduction_mad_and_split(pair):
    _, _, b, _, _ = pair
    r = build_payload(b, 20, world=False)["reproduction"]
    assert (r["a"], r["b"]) == ("tiny-src", "tiny-val")
    printed = [k for k, kind in enumerate(r["kind"]) if kind == "printed"]
    mad_a = np.mean([abs(r["value_a"][k] - r["printed"][k]) for k in printed])
    assert r["mad"]["a"] == pytest.approx(mad_a, abs=1e-15) and r["mad"]["n"] == len(printed)
    s = r["split"]
    for k in range(len(s["iso3"])):
        if s["a"][k] is not None and s["b"][k] is not None:
            total = sum(s["parts"][p][k] for p in r["players"])
            assert total == pytest.approx(s["b"][k] - s["a"][k], abs=1e-12)
    assert r["names"]["tiny-src"]["zh"] == "小指数tiny-src"


@pytest.fixture(scope="module")
def chromium():
    yield from launch()


def _csv_table(page: Tab) -> pd.DataFrame:
    return read_export_csv(page.tab.evaluate("window.aidiExplorer.csv()").encode("utf-8"))[1]


@browser_only
@pytest.mark.browser
def test_over_time_switches_series_and_marks_breaks(chromium, pair):
    a, tla, _, _, page_path = pair
    page = Tab(chromium, page_path.as_uri() + "#tab=time&spec=tiny-src")
    st = page.state()
    assert st["spec"] == "tiny-src" and st["state"]["series"] == "chained"
    for name in ("chained", "fixed", "published"):
        page.tab.click(f"#series [data-series={name}]")
        st = page.settle()
        assert st["state"]["series"] == name
        assert (f"series={name}" in page.tab.url) == (name != "chained")
        table = _csv_table(page).set_index("Code")
        want = tla.table("index", name if name != "published" else "published")
        for e in tla.editions:
            col = "latest" if e == "latest" else e
            np.testing.assert_allclose(table[col].to_numpy(float),
                                       want[e].reindex(table.index).to_numpy(float), atol=1e-12)
    marks = page.tab.evaluate("Array.from(document.querySelectorAll('#view .brkg title'), t => t.textContent)")
    assert len(marks) == 1 and "2023" in marks[0] and "Alpha" in marks[0]
    assert "Methodology breaks: 2023 (Alpha: stand-in series switched)" in page.tab.inner_text("#view-note")
    page.close()


@browser_only
@pytest.mark.browser
def test_reproduction_tab_and_spec_switch_both_languages(chromium, pair):
    _, _, b, _, page_path = pair
    r = build_payload(b, 20, world=False)["reproduction"]
    for phone, lang in ((False, "en"), (True, "zh")):
        page = Tab(chromium, page_path.as_uri() + f"#tab=repro&lang={lang}", phone=phone)
        st = page.state()
        assert st["spec"] == "tiny-val" and st["specs"] == ["tiny-val", "tiny-src"]
        rows = page.tab.evaluate("document.querySelectorAll('#view table.repro:not(.split) tbody tr').length")
        assert rows == len(r["iso3"])
        mad = page.tab.inner_text("#view .mad")
        assert f"{r['mad']['a']:.3f}"[:4] in mad
        assert page.tab.evaluate("document.querySelectorAll('#view svg.waterfall rect').length") \
            == len(r["players"]) + 2
        assert ("未公开的分项" if lang == "zh" else "Undisclosed items") in page.tab.inner_text("#view")
        assert page.overflow() == 0
        if phone:
            page.close()
            continue
        page.tab.click("#spec-buttons [data-spec=tiny-src]")
        page.tab.wait_for_load_state()
        st = page.settle()
        assert st["spec"] == "tiny-src" and st["state"]["tab"] == "repro"
        assert st["state"]["lang"] == lang and "spec=tiny-src" in page.tab.url
        page.tab.click("#spec-buttons [data-spec=tiny-val]")
        page.tab.wait_for_load_state()
        assert page.settle()["spec"] == "tiny-val" and "spec=" not in page.tab.url
        page.close()
