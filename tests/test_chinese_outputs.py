"""Chinese everywhere: the report's translations use Chinese punctuation in Chinese prose,
and the terminal tables (`aidi diff`, `aidi gap`) say everything in Chinese with `--lang zh`.
(The report, the figures, the workbook and the explorer have their own untranslated-text
tests: test_report_zh.py, test_excel.py, test_explorer_page.py.)"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from aidi.cli import app
from aidi.report.translations import translations
from tests.test_report_zh import english_words

#: Keys whose "Chinese" is deliberately Latin (drawn when no CJK font exists).
LATIN_FALLBACKS = {"chart.source_note_latin", "chart.font_fallback"}


def test_chinese_prose_uses_chinese_punctuation():
    ascii_next_to_cjk = re.compile(r"[\u4e00-\u9fff][,;:!?()]|[,;!?()][\u4e00-\u9fff]")
    bad = {k: v["zh"] for k, v in translations().items()
           if k not in LATIN_FALLBACKS and ascii_next_to_cjk.search(v.get("zh", ""))}
    assert not bad, bad


@pytest.mark.slow
def test_diff_table_in_chinese(tmp_path):
    res = CliRunner().invoke(app, ["diff", "2023", "2024", "--lang", "zh", "--out",
                                   str(tmp_path)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    # the table of largest moves, and the headers of the focus economy's changes (what each
    # methodology event was is written by the attribution analysis, in English, for now)
    lines = res.output.splitlines()
    moves = lines[:next(i for i, line in enumerate(lines) if line.startswith("└")) + 1]
    words = [w for line in moves for w in english_words(line)]
    assert not words, "\n".join(moves)
    assert "经济体" in res.output and "变动来源" in res.output and "合计" in res.output
