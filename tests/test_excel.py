"""`scores.xlsx`: one sheet per table, translated bold headers, frozen panes, real numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from aidi.report.excel import write_workbook


def test_workbook_sheets_headers_panes_and_numbers(tmp_path):
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
    assert ws["E3"].value is None  # missing stays empty, never the text "nan"
    assert wb["audit"]["D2"].value is True
    assert ws.column_dimensions["B"].width >= len("United States")
    back = pd.read_excel(path, sheet_name=None)
    assert set(back) == {"scores", "audit"} and len(back["scores"]) == 2


@pytest.mark.slow
def test_build_writes_every_table(tmp_path):
    import aidi
    from aidi.report.build_report import write_build_report

    b = aidi.build()
    write_build_report(b.result, b.observations, tmp_path, figures=False, n_samples=100,
                       n_base=32)
    sheets = pd.read_excel(tmp_path / "scores.xlsx", sheet_name=None)
    assert {"scores", "ranks", "indicators", "contributions", "reproduction", "uncertainty",
            "sensitivity", "audit"} <= set(sheets)
    assert pd.api.types.is_float_dtype(sheets["scores"].iloc[:, 3])
