"""The report layer: translations, charts and the self-contained HTML report.

Everything runs on a synthetic 20-economy scores table (USA = 1), so these tests need neither
the snapshot nor a build, and they pass with or without a CJK font on the machine.
"""

from __future__ import annotations

import re
import string
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aidi.countries import TARGET_20, name_en, name_zh
from aidi.report import charts, fonts
from aidi.report.html import (
    ReportContext,
    Section,
    manifest_summary,
    markdown_to_html,
    render_report,
    table_html,
    write_report,
)
from aidi.report.translations import LANGS, all_keys, incomplete, label, t, translations
from aidi.specs.loader import load_spec

TA = dict(USA=1, CHN=.5, DEU=.15, JPN=.14, IND=.08, GBR=.16, FRA=.12, ITA=.05, BRA=.04,
          CAN=.11, RUS=.04, MEX=.02, AUS=.07, KOR=.13, ESP=.05, IDN=.02, NLD=.06, TUR=.02,
          SAU=.03, CHE=.09)
MF = dict(USA=1, CHN=1.16, DEU=.68, JPN=.69, IND=.9, GBR=.6, FRA=.55, ITA=.45, BRA=.5, CAN=.42,
          RUS=.55, MEX=.35, AUS=.38, KOR=.42, ESP=.36, IDN=.45, NLD=.3, TUR=.33, SAU=.3,
          CHE=.28)
DIMS = ["compute", "algorithms", "data", "finance", "exposure_scale", "diffusion", "policy"]
TA_DIMS = ("technology_activity", "compute", "algorithms", "data", "finance")
PILLARS = (("technology_activity", "Technology Activity"),
           ("market_friendliness", "Market Friendliness"))
SPEC = load_spec("aidi-2024")
#: What a build of aidi-2024 tells the report (the generic report knows no node or economy).
AIDI = {"focus": "CHN", "reference": "USA", "quadrant": SPEC.presentation.quadrant,
        "score_columns": ("index", "technology_activity", "market_friendliness", *DIMS)}


def _scores() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for c in TARGET_20:
        row = {"iso3": c, "name_en": name_en(c), "name_zh": name_zh(c),
               "technology_activity": TA[c], "market_friendliness": MF[c],
               "index": float(np.sqrt(TA[c] * MF[c]))}
        for d in DIMS:
            base = TA[c] if d in TA_DIMS else MF[c]
            row[d] = 1.0 if c == "USA" else base * rng.uniform(0.5, 1.5)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["rank"] = frame["index"].rank(ascending=False, method="min").astype(int)
    return frame.sort_values("rank").reset_index(drop=True)


@pytest.fixture
def scores() -> pd.DataFrame:
    return _scores()


def _repro() -> pd.DataFrame:
    return pd.DataFrame({
        "economy": ["USA", "CHN", "CHN", "CHN", "DEU", "DEU", "DEU", "GBR"],
        "measure": ["index", "index", "technology_activity", "market_friendliness", "index",
                    "technology_activity", "market_friendliness", "index"],
        "kind": ["reference", "published", "published", "published", "published", "published",
                 "implied", "published"],
        "published": [1.0, .76, .50, 1.16, .32, .15, .683, .31],
        "ours": [1.0, .72, .56, .94, .34, .16, .71, .33],
    }).assign(difference=lambda d: d.ours - d.published)


@pytest.fixture
def repro() -> pd.DataFrame:
    return _repro()


@pytest.fixture
def no_cjk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the machine has no CJK font (the CI machine's situation)."""
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)


# --- translations --------------------------------------------------------------------------------

def test_every_key_has_every_language() -> None:
    assert incomplete() == {}
    for key, texts in translations().items():
        assert set(texts) == set(LANGS), key


def test_placeholders_agree_between_languages() -> None:
    fields = string.Formatter()
    for key, texts in translations().items():
        names = [{f for _, f, _, _ in fields.parse(texts[lang]) if f} for lang in LANGS]
        assert names[0] == names[1], key


def test_chinese_texts_are_chinese() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    latin_only = {"chart.source_note_latin"}  # used exactly when no CJK font exists
    for key, texts in translations().items():
        if key.startswith(("section.", "col.", "node.", "chart.", "quadrant.", "tier.")) \
                and key not in latin_only:
            assert han.search(texts["zh"]), key


def test_t_and_label() -> None:
    assert t("section.ranking", "zh") == "指数排名"
    assert t("summary.mad", "en", mad="0.010").endswith("0.010.")
    assert label("technology_activity", "zh") == "技术活跃度"
    assert label("some_new_column", "zh") == "some_new_column"
    assert "report.title" in all_keys()


def test_unknown_key_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="section.rankin.*did you mean section.ranking"):
        t("section.rankin", "en")


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        t("report.title", "fr")


# --- charts ---------------------------------------------------------------------------------------

def _check_files(paths: list[Path]) -> None:
    assert [p.suffix for p in paths] == [".png", ".svg"]
    for p in paths:
        assert p.is_file() and p.stat().st_size > 1000, p
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in paths[1].read_bytes()[:2000]


def _draw_everything(scores: pd.DataFrame, repro: pd.DataFrame, lang: str,
                     out: Path) -> list[list[Path]]:
    return [
        charts.index_bar(scores, lang, out / f"bar_{lang}", PILLARS),
        charts.pillar_scatter(scores, lang, out / f"scatter_{lang}", PILLARS),
        charts.focus_profile(scores, "CHN", "USA", SPEC,
                             {"compute": "Compute (FLOPS)"} if lang == "en" else {},
                             lang, out / f"focus_{lang}"),
        charts.reproduction_chart(repro, lang, out / f"repro_{lang}"),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_each_chart_writes_png_and_svg(scores: pd.DataFrame, repro: pd.DataFrame, lang: str,
                                       tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = _draw_everything(scores, repro, lang, tmp_path)
    for paths in written:
        _check_files(paths)
    # never tofu: with or without a CJK font, no glyph is missing
    assert not [w for w in caught if "missing from font" in str(w.message)]


@pytest.mark.slow
def test_chinese_without_cjk_font_falls_back_to_codes(scores: pd.DataFrame, repro: pd.DataFrame,
                                                     tmp_path: Path, no_cjk: None) -> None:
    text = charts._Text("zh")
    assert text.fallback and text.lang == "en"
    assert text.economy("CHN", "China", "中国") == "CHN"
    assert text("chart.index_bar.title") == t("chart.index_bar.title", "en")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = _draw_everything(scores, repro, "zh", tmp_path)
    for paths in written:
        _check_files(paths)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert fonts.chart_fonts() == [fonts.BASE_FAMILY]
    assert not fonts.renderable("中国") and fonts.renderable("China — 1 × 2")


def test_last_resort_font_is_never_taken_for_cjk() -> None:
    family = fonts.find_cjk_font()
    assert family is None or not family.startswith("Last Resort")


@pytest.mark.slow
def test_chart_functions_tolerate_missing_values(scores: pd.DataFrame, tmp_path: Path) -> None:
    holes = scores.copy()
    holes.loc[3, ["technology_activity", "index"]] = np.nan
    holes.loc[5, "policy"] = np.nan
    _check_files(charts.index_bar(holes, "en", tmp_path / "bar", PILLARS))
    _check_files(charts.pillar_scatter(holes, "en", tmp_path / "scatter", PILLARS))
    _check_files(charts.focus_profile(holes, "IND", "USA", SPEC, None, "en",
                                      tmp_path / "focus", dims=["index", "policy"]))


def test_focus_profile_checks_its_inputs(scores: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="XXX"):
        charts.focus_profile(scores, "XXX", "USA", SPEC, None, "en", tmp_path / "f")
    with pytest.raises(ValueError, match="dimensions"):
        charts.focus_profile(scores, "CHN", "USA", SPEC, None, "en", tmp_path / "f",
                             dims=["nope"])


def test_reproduction_chart_accepts_the_iso3_column(repro: pd.DataFrame, tmp_path: Path) -> None:
    table = repro.rename(columns={"economy": "iso3"}).drop(columns=["difference", "kind"])
    _check_files(charts.reproduction_chart(table, "en", tmp_path / "r"))


def test_quadrants_split_at_the_medians(scores: pd.DataFrame) -> None:
    q = dict(zip(scores["iso3"], charts.quadrants(scores, *SPEC.presentation.quadrant),
                 strict=True))
    assert q["USA"] == "balanced" and q["CHN"] == "balanced"
    assert q["BRA"] == "application_led"  # low TA, high MF, like the source says
    assert q["CHE"] == "rd_led"
    assert q["MEX"] == "catching_up"


@pytest.mark.slow
def test_draw_all(scores: pd.DataFrame, repro: pd.DataFrame, tmp_path: Path) -> None:
    figs = charts.draw_all(scores, SPEC, "en", tmp_path, repro=repro)
    assert set(figs) == {"index_bar", "pillar_scatter", "focus_profile", "reproduction"}
    for paths in figs.values():
        _check_files(paths)


# --- HTML -----------------------------------------------------------------------------------------

METHOD = pd.DataFrame({
    "indicator": ["ai_compute_capacity", "exposed_gdp"],
    "name_en": ["AI supercomputer capacity", "AI-exposed GDP (PPP)"],
    "name_zh": ["AI算力集群规模", "AI暴露GDP(购买力平价)"],
    "dimension": ["technology_activity / compute", "market_friendliness / exposure_scale"],
    "unit": ["H100e", "int. $"], "source": ["Epoch AI", "aidi exposure model"],
    "years": ["latest in 2021–2023", "mean of 2021–2023"],
    "why": ["Large-scale compute deployed.", "Exposed share × GDP at PPP."],
})


def _context(scores: pd.DataFrame, repro: pd.DataFrame, figures: dict[str, list[Path]],
             **extra: object) -> ReportContext:
    return ReportContext(
        **AIDI, scores=scores, spec_name="aidi-2024", edition="2024", build_time="2026-01-02 03:04 UTC",
        snapshot=manifest_summary({"aidi_version": "0.1.0", "built_at": "2026-01-01",
                                   "rows": {"observations": 267572, "series": 103},
                                   "inputs": {"a": "x", "b": "y"},
                                   "sources": {"wdi": {}, "epoch": {}}}),
        reproduction=repro, mean_abs_difference=0.0375, figures=figures, methodology=METHOD,
        lineage=pd.DataFrame({"indicator": ["exposed_gdp"], "iso3": ["CHN"],
                              "file": ["wdi/NY.GDP.MKTP.PP.CD.csv"]}),
        sections=[Section(id="uncertainty", title_key="section.uncertainty",
                          sentences=["Ranks are stable <script>."],
                          table=pd.DataFrame({"iso3": ["CHN", "DEU"], "p05": [0.7, 0.3],
                                              "p95": [0.8, 0.35]})),
                  Section(id="custom-block", title="Custom block", html="<p>raw <em>ok</em></p>")],
        **extra)


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """The charts of the `scores`/`repro` tables, drawn once for the module's reports."""
    return charts.draw_all(_scores(), SPEC, "en", tmp_path_factory.mktemp("fig"),
                           repro=_repro())


def _external_refs(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""", page,
                      flags=re.I)


@pytest.mark.parametrize("lang", LANGS)
def test_report_is_self_contained_and_named(scores: pd.DataFrame, repro: pd.DataFrame,
                                            figures: dict[str, list[Path]], lang: str) -> None:
    page = render_report(_context(scores, repro, figures), lang)
    assert page.startswith("<!DOCTYPE html>")
    assert _external_refs(page) == []
    assert not re.search(r"<link\b|<script[^>]+src=|@import|url\(\s*['\"]?http", page, re.I)
    assert page.count('src="data:image/svg+xml;base64,') == 4
    names = scores["name_zh" if lang == "zh" else "name_en"]
    for name in names:
        assert name in page, name
    for key in ("section.summary", "section.ranking", "section.pillars", "section.focus",
                "section.reproduction", "section.methodology", "section.data",
                "section.uncertainty", "section.appendix"):
        assert f"<h2>{t(key, lang)}</h2>" in page
    # long tables (the lineage) are collapsible appendices
    assert f"<summary>{t('section.lineage', lang)}</summary>" in page
    assert "Custom block" in page and "<p>raw <em>ok</em></p>" in page
    assert "&lt;script&gt;" in page  # sentences are escaped, never injected
    assert "0.038" in page  # mean absolute difference, 3 decimals
    assert "2026-01-02 03:04 UTC" in page and "aidi-2024" in page


def test_chinese_report_has_chinese_headings(scores: pd.DataFrame, repro: pd.DataFrame,
                                             figures: dict[str, list[Path]]) -> None:
    page = render_report(_context(scores, repro, figures), "zh")
    assert '<html lang="zh-CN">' in page
    for title in ("摘要", "指数排名", "技术活跃度与市场友好度", "与已发布结果的对比", "方法与指标",
                  "数据快照", "不确定性分析"):
        assert f"<h2>{title}</h2>" in page
    for header in ("排名", "经济体", "指数", "技术活跃度", "市场友好度", "已发布", "本次计算", "差值"):
        assert f">{header}</th>" in page
    assert "AI算力集群规模" in page and "算力" in page  # indicator names and dimension path
    assert "研发与应用双强" in page  # quadrant names translated
    assert "Technology Activity" not in page.split("<main")[1].split("<footer")[0]


def test_scores_table_numbers(scores: pd.DataFrame) -> None:
    page = render_report(ReportContext(**AIDI, scores=scores), "en")
    usa = re.search(r"<tr><td class=\"num\" data-v=\"1.0\">1</td><td>United States</td>.*?</tr>",
                    page)
    assert usa and "1.000" in usa.group(0)
    china = scores.loc[scores.iso3 == "CHN", "index"].iloc[0]
    assert f"{china:.3f}" in page
    assert 'class="data sortable"' in page and "<script>" in page


def test_write_report_is_atomic(scores: pd.DataFrame, tmp_path: Path) -> None:
    out = write_report(ReportContext(**AIDI, scores=scores, title="T"), "zh", tmp_path / "r" / "x.html")
    assert out.read_text(encoding="utf-8").count("<h2>") >= 2
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.html"]


def test_section_validation() -> None:
    with pytest.raises(ValueError, match="section id"):
        Section(id="has space", title="x")
    with pytest.raises(ValueError, match="title"):
        Section(id="ok")
    with pytest.raises(KeyError, match="no translation"):
        Section(id="ok", title_key="section.nope")
    assert Section(id="a", title_key="section.audit").heading("zh") == "统计审计"


def test_lead_sections_follow_the_headline_ranking(scores: pd.DataFrame) -> None:
    """"Why we differ" is the reader's next question after the ranking: it comes right after
    it (and before every other section), in the contents and in the body."""
    ctx = ReportContext(scores=scores, lead_sections=[Section(id="why", title="Why")],
                        sections=[Section(id="later", title="Later")])
    ids = re.findall(r'<section id="([\w-]+)"', render_report(ctx, "en"))
    assert ids[:4] == ["summary", "ranking", "why", "later"], ids


def test_section_ids_must_be_unique(scores: pd.DataFrame) -> None:
    ctx = ReportContext(**AIDI, scores=scores, sections=[Section(id="ranking", title="Again")])
    with pytest.raises(ValueError, match="ranking"):
        render_report(ctx, "en")


def test_table_html_formats() -> None:
    frame = pd.DataFrame({"iso3": ["CHN", "USA"], "index": [0.76123, np.nan],
                          "rank": pd.array([2, None], dtype="Int64"), "note": ["a<b", None]})
    out = str(table_html(frame, "zh"))
    assert ">0.761<" in out and ">—<" in out and "a&lt;b" in out
    assert ">指数</th>" in out and ">排名</th>" in out


def test_markdown_subset() -> None:
    md = ("# Title\n\nSome *text* with `code` and a [link](https://example.org).\n\n"
          "- one\n- two\n\n1. first\n2. second\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
          "```\nx < y\n```\n")
    out = str(markdown_to_html(md))
    assert "<h2>Title</h2>" in out
    assert "<em>text</em>" in out and "<code>code</code>" in out
    assert "link (https://example.org)" in out and "href" not in out
    assert "<ul><li>one</li><li>two</li></ul>" in out
    assert "<ol><li>first</li><li>second</li></ol>" in out
    assert "<th>a</th>" in out and "<td>2</td>" in out
    assert "x &lt; y" in out


def test_methodology_as_markdown(scores: pd.DataFrame) -> None:
    page = render_report(ReportContext(**AIDI, scores=scores, methodology="## Compute\n\nWhy."), "en")
    assert "<h3>Compute</h3>" in page and "<p>Why.</p>" in page


def test_manifest_summary() -> None:
    out = manifest_summary({"aidi_version": "0.1.0", "rows": {"observations": 1234567},
                            "inputs": {"a": 1}, "sources": {"wdi": {}, "epoch": {}},
                            "skipped": {}})
    assert out == {"aidi_version": "0.1.0", "observations": "1,234,567", "inputs": "1",
                   "sources": "epoch, wdi"}
    assert label("observations", "zh", ("snap.",)) == "观测值数"


def test_node_labels_from_the_spec_come_first(scores: pd.DataFrame, repro: pd.DataFrame) -> None:
    from aidi.specs.schema import Label

    ctx = ReportContext(**AIDI, scores=scores, reproduction=repro,
                        node_labels={"compute": Label(en="Compute power", zh="算力资源"),
                                     "technology_activity": {"en": "Tech", "zh": None}},
                        methodology=METHOD)
    zh = render_report(ctx, "zh")
    assert ">算力资源</th>" in zh and "<h3>Tech / 算力资源</h3>" in zh
    en = render_report(ctx, "en")
    assert ">Compute power</th>" in en and "<td>Tech</td>" in en


# --- the report of a build: summary, tiers, profile, any spec ---------------------------------

def test_tiers_are_natural_breaks_of_the_log_index() -> None:
    from aidi.report.summary import tiers

    # hand-computed: on logs, {1, 0.9} | {0.3, 0.28} | {0.03, 0.025} is the least-squares split
    idx = pd.Series([1.0, 0.9, 0.3, 0.28, 0.03, 0.025, np.nan], index=list("abcdefg"))
    assert tiers(idx).tolist()[:6] == [1, 1, 2, 2, 3, 3]
    assert np.isnan(tiers(idx)["g"])
    assert tiers(pd.Series([0.5, 0.5], index=["x", "y"]), 3).tolist() == [1, 2]


def test_item_profile_is_every_node_relative_to_the_reference(default_build) -> None:
    from aidi.report.summary import item_profile
    from aidi.report.writers import node_labels

    b = default_build
    prof = item_profile(b.result, "CHN", node_labels(b.spec, "en"))
    assert len(prof) == len(list(b.spec.indicators())) + len(list(b.spec.aggregates()))
    row = prof.set_index("node").loc["ai_compute_capacity"]
    norm = b.result.normalised
    assert row.value == pytest.approx(norm.loc["CHN", "ai_compute_capacity"]
                                      / norm.loc["USA", "ai_compute_capacity"])
    assert prof.set_index("node").loc["index", "value"] == pytest.approx(
        b.relative().loc["CHN", "index"])


@pytest.mark.slow
def test_a_coinr_asem_build_gets_a_full_report(tmp_path: Path) -> None:
    """Node ids and labels come from the spec: the ASEM tree renders without AIDI names."""
    import aidi
    from aidi.report.build_report import write_build_report

    b = aidi.build("asem")
    paths = write_build_report(b.analyses(focus=b.units[1], n_samples=100, n_base=16),
                               tmp_path, lang="en")
    page = paths["report"].read_text(encoding="utf-8")
    for node in b.spec.aggregates():
        assert node.name.en in page
    assert 'id="ranking"' in page and 'id="audit"' in page and 'id="focus"' in page
    assert "Technology Activity" not in page
