"""The explorer's views in Chromium, as a reader uses them: tabs (chart · table · map · over
time · profile), a phone (iPhone 13 emulation: no sideways scroll, every control reachable),
the exports (PNG, SVG and CSV read back), the map (one shape per economy), the edition slider,
shareable states, any spec (ASEM), unranked economies apart, and Chinese with nothing left in
English. Every page is opened from `file://` and fails on any request, page or console error.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

import aidi
from aidi.cli import app
from aidi.explorer import build_payload, render
from aidi.specs.loader import spec_from_dict
from tests._browser import Tab, browser_only, launch, read_export_csv
from tests.conftest import TINY_SPEC, tiny_observations

pytestmark = [browser_only, pytest.mark.browser]
TABS = ("chart", "table", "map", "profile")


@pytest.fixture(scope="module")
def chromium():
    yield from launch()


@pytest.fixture(scope="module")
def tiny_page(tmp_path_factory):
    b = aidi.build(spec_from_dict(TINY_SPEC), data=tiny_observations())
    path = tmp_path_factory.mktemp("tiny") / "explorer.html"
    path.write_text(render(build_payload(b, n_variants=20)), encoding="utf-8")
    return path


def _explore(tmp_path_factory, *args: str):
    out = tmp_path_factory.mktemp("explore")
    res = CliRunner().invoke(app, ["explore", "--out", str(out), "--variants", "200", *args])
    assert res.exit_code == 0, res.output
    return out / "explorer.html"


# ---- a phone ---------------------------------------------------------------------------------
def _reachable(page: Tab, selector: str) -> list[str]:
    """Controls under `selector` a finger cannot reach: off-screen sideways, covered, or smaller
    than 40 px (each scrolled into view first)."""
    return page.tab.evaluate("""(sel) => {
      const bad = [];
      document.querySelectorAll(sel).forEach(el => {
        if (el.closest('[hidden]') || el.offsetParent === null) return;
        el.scrollIntoView({block: 'center', inline: 'nearest'});
        const r = el.getBoundingClientRect();
        const id = el.id || el.dataset.tab || el.dataset.node || el.textContent.trim().slice(0, 20);
        if (r.left < 0 || r.right > window.innerWidth + 0.5) { bad.push(id + ' off-screen'); return; }
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (!hit || !(hit === el || el.contains(hit) || hit.contains(el) || hit.closest('label') === el.closest('label'))) bad.push(id + ' covered');
        else if (r.height < 40 && el.type !== 'range') bad.push(id + ' ' + Math.round(r.height) + ' px high');
      });
      return bad;
    }""", selector)


def test_phone_no_sideways_scroll_every_control_reachable(chromium, tiny_page):
    page = Tab(chromium, tiny_page.as_uri(), phone=True)
    assert page.tab.evaluate("window.innerWidth") == 390
    for tab in TABS:
        page.tab_to(tab)
        assert page.overflow() == 0, tab
        bad = _reachable(page, ".tabs button, .viewbar select, .viewbar button, .downloads button,"
                               " #view select, #view button, header button")
        assert not bad, (tab, bad)
    # the controls live in a drawer: closed, it covers nothing; open, all of it is reachable
    assert page.tab.evaluate("getComputedStyle(document.getElementById('drawer')).visibility") \
        == "hidden"
    page.tab.click("#menu")
    page.tab.wait_for_timeout(300)
    bad = _reachable(page, "#drawer select, #drawer button, #drawer input")
    assert not bad, bad
    assert page.overflow() == 0
    page.tab.fill("#w-a", "2")
    page.tab.dispatch_event("#w-a", "input")
    assert page.settle()["state"]["w"]["a"] == 2.0
    page.tab.click("#drawer-close")
    page.close()


# ---- exports ----------------------------------------------------------------------------------
def _check_png(data: bytes) -> tuple[int, int]:
    from matplotlib.image import imread

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(io.BytesIO(data), format="png")
    assert len(np.unique(img[..., :3])) > 10  # drawn, not blank
    return img.shape[1], img.shape[0]


def test_every_view_exports_png_svg_csv(chromium, tiny_page):
    page = Tab(chromium, tiny_page.as_uri() + "#w=a:2", downloads=True)
    st = page.state()
    for tab, view in (("chart", "ranking"), ("table", "table"), ("map", "map"),
                      ("profile", "profile")):
        page.tab_to(tab)
        name, data = page.download("#dl-csv")
        assert name.startswith(f"tiny_{view}") and name.endswith("_custom_en.csv"), name
        head, table = read_export_csv(data)
        for key in ("specification", "edition", "weights", "normalisation",
                    "pillars' aggregation", "scenario", "link state"):
            assert key in head, (view, key)
        assert "a = 2.00" in head["weights"] and head["scenario"] == "none"
        assert len(table) >= 3
        name, data = page.download("#dl-svg")
        assert name.endswith(".svg") and view in name
        svg = ET.fromstring(data.decode("utf-8"))
        assert svg.tag.endswith("svg") and b"Tiny" in data
        name, data = page.download("#dl-png")
        w, h = _check_png(data)
        assert name.endswith(".png") and w > 400 and h > 200
    # the ranking's CSV holds the page's numbers
    page.tab_to("chart")
    _, data = page.download("#dl-csv")
    _, table = read_export_csv(data)
    rel = dict(zip(st["units"], st["relative"]["index"], strict=True))
    np.testing.assert_allclose(table["Index"].to_numpy(),
                               [rel[c] for c in table["Code"]], rtol=0, atol=1e-12)
    page.close()


# ---- the map and links ------------------------------------------------------------------------
def test_map_one_shape_per_economy_and_links(chromium, tiny_page):
    page = Tab(chromium, tiny_page.as_uri() + "#tab=map")
    shapes = page.tab.evaluate("""Array.from(document.querySelectorAll('#view path.c'))
        .map(p => [p.dataset.unit, p.getAttribute('fill')])""")
    codes = [c for c, _ in shapes]
    assert len(codes) == len(set(codes)) > 170
    fills = dict(shapes)
    assert all(fills[c].startswith("#") and fills[c] != "#e9ecef" for c in ("USA", "CHN", "DEU"))
    assert fills["FRA"] == "#e9ecef"  # not in this build
    page.tab.click("#view path.c[data-unit=DEU]", force=True)
    st = page.settle()
    assert st["state"]["tab"] == "profile" and st["state"]["sel"] == "DEU"
    assert "economy=DEU" in page.tab.url and "tab=" not in page.tab.url.split("#")[1]
    page.close()
    # the link opens the same view in a fresh tab
    other = Tab(chromium, tiny_page.as_uri() + "#economy=DEU&vs=CHN")
    st = other.state()["state"]
    assert (st["tab"], st["sel"], st["ref"]) == ("profile", "DEU", "CHN")
    assert "DEU" in other.tab.inner_text("#view-title") or "Germany" in \
        other.tab.inner_text("#view-title")
    other.close()


# ---- the AIDI page: editions, Chinese, unranked apart ------------------------------------------
@pytest.fixture(scope="module")
def aidi_page(tmp_path_factory):
    return _explore(tmp_path_factory)


@pytest.mark.slow
def test_edition_slider_spans_first_edition_to_latest(chromium, aidi_page):
    page = Tab(chromium, aidi_page.as_uri() + "#tab=time")
    st = page.state()
    eds = st["editions"]
    assert int(eds[0]) <= 2017 and eds[-1] == "latest"
    assert st["selfCheckTimeline"] <= 1e-9  # every edition re-aggregated = Python's timeline
    assert page.tab.evaluate("document.getElementById('edition').max") == str(len(eds) - 1)
    lines = page.tab.evaluate("document.querySelectorAll('#view path.ln').length")
    assert lines >= 15
    page.tab_to("map")
    page.tab.fill("#edition", "1")
    page.tab.dispatch_event("#edition", "input")
    st = page.settle()
    assert st["state"]["ed"] == 1 and f"edition={eds[1]}" in page.tab.url
    assert eds[1] in page.tab.inner_text("#view-title")
    page.close()


@pytest.mark.slow
def test_over_time_comparable_breaks_backcast_and_reproduction(chromium, aidi_page):
    """The shipped spec: chained series by default with the 2024 break (start-ups enter) in
    its marker, backcast editions starred; the reproduction tab's 9 printed figures; the
    switch to the source's index as published keeps the view."""
    page = Tab(chromium, aidi_page.as_uri() + "#tab=time&economy=CHN")
    st = page.state()
    assert st["state"]["series"] == "chained" and st["specs"] == ["aidi-2024", "cicc-2024"]
    marks = page.tab.evaluate("Array.from(document.querySelectorAll('#view .brkg title'), "
                              "t => t.textContent)")
    assert any(m.startswith("break in the series · 2024") for m in marks), marks
    ticks = page.tab.evaluate("Array.from(document.querySelectorAll('#view text.axis.bc'), "
                              "t => t.textContent)")
    assert "2023*" in ticks and "2024*" not in ticks
    assert "Backcast" in page.tab.inner_text("#view-note")
    page.tab_to("repro")
    assert "9 printed figures" in page.tab.inner_text("#view .mad")
    page.tab.click("#spec-buttons [data-spec=cicc-2024]")
    page.tab.wait_for_load_state()
    st = page.settle()
    assert st["spec"] == "cicc-2024" and st["state"]["tab"] == "repro"
    page.close()


def _visible_texts(page: Tab) -> list[str]:
    return page.tab.evaluate("""() => {
      const out = [];
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent.trim() || el.closest('script, style, code, title, [hidden]')) continue;
        if (el.closest('#drawer') === null && !el.getClientRects().length) continue;
        out.push(n.textContent.trim());
      }
      return out;
    }""")


@pytest.mark.slow
def test_chinese_page_has_no_untranslated_text(chromium, aidi_page):
    from tests.test_report_zh import english_words

    proper = {"Python", "Natural", "Earth"}  # names: the language, the boundary data set
    page = Tab(chromium, aidi_page.as_uri() + "#lang=zh")
    found: dict[str, str] = {}
    for tab in ("chart", "table", "map", "time", "profile", "repro"):
        page.tab_to(tab)
        for text in _visible_texts(page):
            for word in set(english_words(text)) - proper:
                found.setdefault(f"{tab}: {word}", text[:80])
    page.tab.evaluate("document.querySelector('.seg [data-chart=quadrant]').click()")
    page.tab_to("chart")
    for text in _visible_texts(page):
        for word in set(english_words(text)) - proper:
            found.setdefault(f"quadrant: {word}", text[:80])
    assert not found, f"English in the Chinese explorer: {found}"
    assert page.tab.evaluate("document.fonts.check(\"12px 'aidi CJK'\", '技术活跃度')")
    page.close()


@pytest.mark.slow
def test_all_economies_unranked_shown_apart_without_bands(chromium, tmp_path_factory):
    path = _explore(tmp_path_factory, "--countries", "all", "--no-timeline")
    page = Tab(chromium, path.as_uri())
    st = page.state()
    unranked = [u for u, v in zip(st["units"], st["scores"]["index"], strict=True) if v is None]
    assert unranked
    assert st["state"]["sel"] == "CHN"  # the spec's focus, not the first economy
    rows = page.tab.evaluate("""Array.from(document.querySelectorAll('#view g.row'))
        .map(g => [g.dataset.unit, g.classList.contains('unranked')])""")
    assert sorted(u for u, apart in rows if apart) == sorted(unranked)
    ranked = [u for u, apart in rows if not apart]
    assert len(ranked) == len(st["units"]) - len(unranked)
    # one rank dot and at most one band per ranked economy; none for the unranked
    dots = page.tab.evaluate("document.querySelector('#view path.dot').getAttribute('d')")
    bands = page.tab.evaluate("document.querySelector('#view path.band').getAttribute('d')")
    assert dots.count("Z") == len(ranked) and bands.count("M") <= len(ranked)
    assert page.overflow() == 0
    page.close()


# ---- any spec ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_asem_page_works_like_aidi(chromium, tmp_path_factory):
    path = _explore(tmp_path_factory, "--spec", "asem")
    html = path.read_text(encoding="utf-8")
    assert re.search(r"Sustainable Connectivity", html)
    for phone in (False, True):
        page = Tab(chromium, path.as_uri(), phone=phone, downloads=True)
        assert page.state()["selfCheck"] <= 1e-9
        for tab in TABS:
            page.tab_to(tab)
            assert page.overflow() == 0, tab
        # what the page cannot recompute is listed as fixed, never silently replaced
        fixed = page.tab.evaluate("document.querySelectorAll('#methods li.fixed').length")
        assert fixed >= 2
        name, data = page.download("#dl-csv")
        assert name.startswith("asem_") and read_export_csv(data)[1].shape[0] > 40
        page.close()
