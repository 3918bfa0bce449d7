"""The Chinese report says everything in Chinese, and renders on a machine without CJK fonts.

Every visible text node of the `zh` report (parsed with html.parser: no <script>, <style>,
<code>, and no attribute values) and every text of every chart (collected from the matplotlib
figures before saving) is split into words; a Latin word fails the test unless it is a code
(all capitals: USA, GDP, PPP, AIIE…), contains a digit or an identifier character (a file,
series or unit such as H100e, TFlop/s), is in the short allow-list of proper names and
symbols below, or is part of a publisher's or dataset's name from the snapshot's catalogue.
A browser test in headless Chromium (skipped without it) checks that both reports render
with the embedded font and never scroll sideways; the screenshots in docs/ are made by
`python benchmarks/screenshots.py`, never by the tests.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

#: Proper names, method names and symbols that stay Latin in Chinese text.
ALLOWED = {
    "aidi", "Sobol", "Pearson", "Cronbach", "Felten", "ln", "log", "MF", "TA", "Epoch",
    "Stanford", "Quid", "Crunchbase", "TOP500", "WIPO", "OECD", "Tortoise", "Noto", "Sans",
    "et", "al", "SC", "iFinD", "COINr", "tn", "Rmax", "TFlop", "CJK", "Z", "r", "n",
    "Raj", "Seamans", "Eloundou",
}


def _catalogue_words() -> set[str]:
    """Words of the publishers' and datasets' names (proper names, shown as published)."""
    try:
        from aidi.store.snapshot import load_series_catalog

        cat = load_series_catalog()
    except FileNotFoundError:
        return set()
    words: set[str] = set()
    for text in cat["source"].astype(str):
        words.update(re.findall(r"[A-Za-z]+", text))
    return words


class _Texts(HTMLParser):
    """Visible text nodes: not in <script>/<style>/<code>/<title>, not attribute values."""

    SKIP = {"script", "style", "code", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


_ALLOWED_ALL: set[str] | None = None


def english_words(text: str) -> list[str]:
    """The Latin words of `text` that are neither codes, identifiers, units nor names."""
    global _ALLOWED_ALL
    if _ALLOWED_ALL is None:
        _ALLOWED_ALL = ALLOWED | _catalogue_words()
    bad = []
    for chunk in text.split():
        if re.search(r"[0-9_./@:\\]", chunk):  # numbers, files, series ids, units, codes
            continue
        for word in re.findall(r"[A-Za-z]+", chunk):
            if word.isupper() or word in _ALLOWED_ALL or len(word) == 1:
                continue
            bad.append(word)
    return bad


def test_english_words_finds_english_and_spares_codes():
    assert english_words("nominal_rank 排名 True 美国(USA) Sobol指数 fig_a.png") == ["True"]
    assert english_words("中位数 median rank") == ["median", "rank"]
    assert english_words("ln(MF/TA) +0.52,中位数 GDP PPP") == []


@pytest.fixture(scope="module")
def zh_build(tmp_path_factory, default_build):
    from aidi.report.build_report import write_build_report

    out = tmp_path_factory.mktemp("zh")
    b = default_build
    texts: dict[str, tuple[str, ...]] = {}
    write_build_report(b.analyses(focus="CHN"), out, lang="zh", figure_texts=texts)
    return out, texts


def test_zh_report_has_no_untranslated_text(zh_build):
    out, _ = zh_build
    html = (out / "report.html").read_text(encoding="utf-8")
    found = {}
    for text in visible_texts(html):
        for word in english_words(text):
            found.setdefault(word, text[:80])
    assert not found, f"English in the Chinese report: {found}"
    assert "<h4>" not in html and "&lt;h4&gt;" not in html


def test_zh_figures_have_no_untranslated_text(zh_build):
    _, texts = zh_build
    assert {"index_bar", "pillar_scatter", "focus_profile", "reproduction", "exposure",
            "uncertainty", "sensitivity", "audit"} <= set(texts)
    found = {}
    for name, items in texts.items():
        for text in items:
            for word in english_words(text):
                found.setdefault(f"{name}: {word}", text[:80])
    assert not found, f"English in the Chinese figures: {found}"


def test_zh_report_embeds_the_cjk_subset(zh_build):
    out, _ = zh_build
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "@font-face{font-family:'aidi CJK'" in html
    assert '"aidi CJK"' in html  # first in the page's font-family list


def _screenshot(html: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(html.as_uri())
        page.wait_for_timeout(300)
        # every CJK glyph comes from the embedded font: the font must be loaded and used
        assert page.evaluate("document.fonts.check(\"16px 'aidi CJK'\", '指数')")
        # nothing wider than the page (wide tables scroll inside their own box)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow
        page.screenshot(path=str(png), full_page=False)
        browser.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
@pytest.mark.slow
def test_both_languages_render_in_chromium(zh_build, tmp_path):
    pytest.importorskip("playwright", reason="needs playwright (test extra)")
    import aidi
    from aidi.report.build_report import write_build_report

    out_zh, _ = zh_build
    b = aidi.build()
    write_build_report(b.analyses(focus="CHN"), tmp_path, lang="en")
    _screenshot(tmp_path / "report.html", tmp_path / "report_en.png")
    _screenshot(out_zh / "report.html", tmp_path / "report_zh.png")
    assert (tmp_path / "report_zh.png").stat().st_size > 10_000
