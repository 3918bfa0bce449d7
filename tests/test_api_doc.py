"""docs/api.md's worked example runs: every ```python block, in order, in one namespace.

The examples are for users with a plain `pip install .`: they import nothing from the test
extra (no pytest) and skip nothing. `.ci/run` also runs them in a fresh venv without extras.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_api_doc_has_examples() -> None:
    assert len(_blocks()) >= 5


def test_the_worked_example_runs(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))
    namespace: dict[str, object] = {}
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"{DOC.name}[block {i}]", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "China: index" in out and "unknown unit 'XXX'" in out and "Japan:" in out
    assert not (tmp_path / "store.duckdb").exists()  # reading never creates a store
    assert "Index" in out  # the ASEM block ran (its tables ship with aidi)


def test_the_examples_need_only_a_plain_install() -> None:
    """No example imports a test-only package; every import is aidi or a core dependency."""
    import ast
    import tomllib

    core = {d.split(">")[0].split("[")[0].split("=")[0].strip().lower() for d in tomllib.loads(
        (DOC.parents[1] / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]}
    for block in _blocks():
        for node in ast.walk(ast.parse(block)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                top = name.split(".")[0]
                assert top == "aidi" or top in core or top in sys.stdlib_module_names, name
