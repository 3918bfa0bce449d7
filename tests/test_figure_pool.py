"""Figures and the font subset as a build uses them: only the formats asked for, no worker
process when nothing needs one, and the CJK subset cut once per character set (on disk)."""

from __future__ import annotations

import multiprocessing

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from aidi.report import webfont  # noqa: E402
from aidi.report.figures import FigureJob, FigurePool, save_figure  # noqa: E402


def _line():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set_title("a line")
    return fig


def test_only_the_formats_asked_for(tmp_path):
    assert [p.suffix for p in save_figure(_line(), tmp_path / "a", formats=(".svg",))] == \
        [".svg"]
    assert not (tmp_path / "a.png").exists()
    with pytest.raises(ValueError, match="figure formats"):
        save_figure(_line(), tmp_path / "b", formats=(".pdf",))


def test_a_pool_with_nothing_to_do_starts_no_process(tmp_path):
    before = set(multiprocessing.active_children())
    with FigurePool(workers=2) as pool:
        assert pool.results() == {}
        assert set(multiprocessing.active_children()) == before
    with FigurePool(workers=1) as pool:  # one worker: in this process
        pool.submit(FigureJob("line", tmp_path / "line", _line, formats=(".svg",)))
        out = pool.results()
    assert set(multiprocessing.active_children()) == before
    assert [p.name for p in out["line"].paths] == ["line.svg"]
    assert "a line" in out["line"].texts


@pytest.fixture
def font_cache(tmp_path, monkeypatch):
    if webfont._font_path() is None:
        pytest.skip("no CJK font installed (noto-cjk-sans-otc)")
    monkeypatch.setenv("AIDI_CACHE_DIR", str(tmp_path / "cache"))
    webfont._subset.cache_clear()
    webfont._cut_here.clear()
    yield tmp_path / "cache" / "fonts"
    webfont._subset.cache_clear()
    webfont._cut_here.clear()


def test_the_subset_is_cut_once_per_character_set(font_cache, monkeypatch):
    text = "指数 AI发展"
    assert not webfont.is_cached(text)
    css = webfont.font_face_css(text)
    assert css.startswith("@font-face{font-family:'aidi CJK'")
    files = list(font_cache.iterdir())
    assert len(files) == 1 and files[0].suffix in (".woff2", ".woff")
    # a new process (the cache of this one cleared) reads the file: no cut, the same bytes
    webfont._subset.cache_clear()
    webfont._cut_here.clear()
    assert webfont.is_cached(text)
    monkeypatch.setattr(webfont, "_cut", lambda *a: pytest.fail("cut again"))
    assert webfont.font_face_css(text) == css
    assert not webfont.is_cached("发展中国")  # another character set: another subset


def test_an_unwritable_cache_is_skipped(font_cache, monkeypatch):
    font_cache.parent.mkdir(parents=True)
    font_cache.write_text("not a folder")  # the cache path is a file: writes fail
    assert webfont.font_face_css("指数").startswith("@font-face")
