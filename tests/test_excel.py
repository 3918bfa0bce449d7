"""`scores.xlsx`: typed numbers, a named table with filters and a frozen header on every
sheet, a sources-and-notes sheet, native charts, headers in the build's language — read back
with openpyxl."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from aidi.report.excel import ChartSpec, SheetSpec, write_workbook


def test_plain_mapping_sheets_headers_panes_and_numbers(tmp_path):
    scores = pd.DataFrame({"iso3": ["USA", "CHN"], "economy": ["United States", "China"],
                           "index": [1.0, 0.77], "rank": pd.array([1, 2], dtype="Int64"),
                           "gdp": [2.7e13, np.nan]})
    flags = pd.DataFrame({"node": ["data"], "flag": ["low_alpha"], "value": [0.48],
                          "holds": [True]})
    path = write_workbook({"scores": scores, "audit": flags}, tmp_path / "scores.xlsx", "zh")
    wb = load_workbook(path)
    assert wb.sheetnames == ["scores", "audit"]
    ws = wb["scores"]
    assert [c.value for c in ws[1]][:4] == ["代码", "经济体", "指数", "排名"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "C2"  # header row and the economy columns stay in view
    assert ws["C3"].value == pytest.approx(0.77) and ws["C3"].data_type == "n"
    assert ws["D3"].value == 2 and ws["D3"].number_format == "0"
    assert ws["E2"].number_format == "#,##0"
    assert ws["E3"].value is None  # missing stays empty, never the text "nan"
    assert wb["audit"]["D2"].value is True
    assert ws.column_dimensions["B"].width >= len("United States")
    assert all(len(s.tables) == 1 for s in wb)


def test_rank_format_and_charts(tmp_path):
    frame = pd.DataFrame({"Rank": pd.array([1, 2, 3], dtype="Int64"),
                          "Economy": ["A", "B", "C"], "Index": [1.0, 0.5, 0.25],
                          "X": [0.9, 0.4, 0.2], "Median rank": [1.0, 2.5, 3.0]})
    sheet = SheetSpec("Charts", "ChartData", frame, {"Median rank": "rank"}, freeze_cols=2)
    charts = (ChartSpec("bar", "Ranking", "Economy", ("Index",)),
              ChartSpec("scatter", "X and Index", "X", ("Index",), anchor="H20"))
    wb = load_workbook(write_workbook([sheet], tmp_path / "c.xlsx", charts=charts,
                                      chart_sheet=0))
    ws = wb["Charts"]
    assert [c.number_format for c in ws["E"][1:]] == ["0", "0.0", "0"]
    assert len(ws._charts) == 2 and ws.freeze_panes == "C2"


@pytest.fixture(scope="module")
def nominal(default_build):
    return default_build


@pytest.fixture(scope="module", params=["en", "zh"])
def workbook(request, tmp_path_factory, nominal):
    """The workbook `aidi build` writes (without the Monte-Carlo sheets: see the slow test)."""
    from aidi.analysis.bundle import DEFAULT_ANALYSES, ROBUSTNESS
    from aidi.report.build_report import _workbook
    from aidi.report.sections.view import ReportView

    b, lang = nominal, request.param
    out = tmp_path_factory.mktemp(f"xl_{lang}")
    bundle = b.analyses(include=[a for a in DEFAULT_ANALYSES if a not in ROBUSTNESS])
    path = _workbook(ReportView.of(bundle, lang), out)
    return lang, load_workbook(path), b


def test_every_sheet_filters_and_freezes(workbook):
    _, wb, _ = workbook
    for ws in wb:
        assert ws.tables, ws.title
        table = next(iter(ws.tables.values()))
        assert table.ref.startswith("A1:"), ws.title
        assert ws.freeze_panes and ws.freeze_panes.endswith("2"), ws.title
        headers = [c.value for c in ws[1] if c.value is not None]
        assert len(headers) == len(set(headers)), ws.title


def test_numbers_are_numbers(workbook):
    lang, wb, b = workbook
    sheets = wb.sheetnames
    scores = wb[sheets[0]]
    head = [c.value for c in scores[1]]
    rank_col = head.index("Rank" if lang == "en" else "排名") + 1
    ranks = [scores.cell(r, rank_col) for r in range(2, scores.max_row + 1)]
    assert all(c.value is None or (isinstance(c.value, int) and c.number_format == "0")
               for c in ranks)
    ind = wb[sheets[3]]
    head = [c.value for c in ind[1]]
    for name in (("First year", "Last year") if lang == "en" else ("起始年份", "截止年份")):
        col = head.index(name) + 1
        cells = [ind.cell(r, col) for r in range(2, ind.max_row + 1)]
        assert all(c.value is None or (isinstance(c.value, int) and 1990 < c.value < 2100)
                   for c in cells)
        assert sum(c.value is not None for c in cells) > 300
    # no number hides as text anywhere
    for ws in wb:
        for row in ws.iter_rows(min_row=2, values_only=True):
            for v in row:
                assert not (isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v)), \
                    (ws.title, v)


def test_sources_sheet_and_charts(workbook):
    lang, wb, b = workbook
    src = wb[wb.sheetnames[-1]]
    assert set(src.tables) == {"Sources", "Legend"}
    text = " ".join(str(c.value) for row in src.iter_rows() for c in row if c.value)
    for ind in b.spec.indicators():
        assert ind.series in text
    assert "CC BY 4.0" in text and "epoch_ai/" in text
    charts = sum(len(ws._charts) for ws in wb)
    assert charts >= 2


@pytest.mark.parametrize("workbook", ["zh"], indirect=True)
def test_chinese_workbook_has_chinese_headers_and_words(workbook):
    from tests.test_report_zh import english_words

    lang, wb, _ = workbook
    assert lang == "zh"
    found = {}
    data_cols = {"代码", "数据序列", "序列名称", "发布方", "文件", "许可"}
    for ws in wb:
        assert re.search(r"[\u4e00-\u9fff]", ws.title), ws.title
        heads = [c.value for c in ws[1]]
        for h in heads:
            for w in english_words(str(h)):
                found.setdefault(f"{ws.title} header: {w}", h)
        for row in ws.iter_rows(min_row=2, values_only=True):
            for h, v in zip(heads, row, strict=False):
                if isinstance(v, str) and h not in data_cols:
                    for w in english_words(v):
                        found.setdefault(f"{ws.title}/{h}: {w}", v[:60])
    assert not found, f"English in the Chinese workbook: {found}"


@pytest.mark.slow
def test_build_writes_every_sheet(tmp_path):
    import aidi
    from aidi.report.build_report import write_build_report

    b = aidi.build()
    write_build_report(b.analyses(n_samples=100, n_base=32), tmp_path, figures=False)
    wb = load_workbook(tmp_path / "scores.xlsx")
    assert {"Scores", "Charts", "Ranks", "Indicators", "Contributions", "Published figures",
            "Uncertainty", "Sensitivity", "Audit flags", "Audit by dimension",
            "Sources and notes"} == set(wb.sheetnames)
    unc = wb["Uncertainty"]
    head = [c.value for c in unc[1]]
    col = head.index("Median rank") + 1
    assert all(c.number_format in ("0", "0.0") for c in unc[unc.cell(1, col).column_letter][1:])
