"""docs/api.md's worked example runs: every ```python block, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_api_doc_has_examples() -> None:
    assert len(_blocks()) >= 5


def test_the_worked_example_runs(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))
    namespace: dict[str, object] = {}
    for i, block in enumerate(_blocks()):
        try:
            exec(compile(block, f"{DOC.name}[block {i}]", "exec"), namespace)  # noqa: S102
        except pytest.skip.Exception:
            break
    out = capsys.readouterr().out
    assert "China: index" in out and "unknown unit 'XXX'" in out and "Japan:" in out
    assert not (tmp_path / "store.duckdb").exists()  # reading never creates a store
