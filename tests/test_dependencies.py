"""Every import of the package is a declared dependency, so `pip install .` is enough.

The class of bug this guards: `aidi.cli` once imported `click`, which pyproject.toml did not
declare; it was installed only by chance (through dask in the test extra), so the README's
first command failed on a fresh machine. Here the package's imports are read with `ast`, each
non-stdlib top-level module is mapped to its distribution (`packages_distributions()`), and
that distribution must be a core dependency. Optional extras are imported only through
`aidi.errors.import_extra(module, extra)`, whose module must belong to that extra.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from aidi.errors import MissingExtraError, import_extra

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "aidi"


def _name(requirement: str) -> str:
    """'dask[array]>=2024.1' → 'dask' (PEP 503 normalised)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {_name(r) for r in project["dependencies"]}
    extras = {k: {_name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    return core, extras


def _imports(root: Path) -> Iterator[tuple[str, str]]:
    """(top-level module, where) for every absolute import statement under `root`."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                yield name.split(".")[0], f"{path.relative_to(root.parent)}:{node.lineno}"


def _extra_imports(root: Path) -> Iterator[tuple[str, str, str]]:
    """(module, extra, where) for every `import_extra("module", "extra")` call."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "import_extra"
                    and len(node.args) == 2
                    and all(isinstance(a, ast.Constant) for a in node.args)):
                yield node.args[0].value, node.args[1].value, f"{path.relative_to(root.parent)}"


@functools.cache
def _module_owners() -> dict[str, list[str]]:
    return packages_distributions()


def _distributions(module: str) -> set[str]:
    return {_name(d) for d in _module_owners().get(module, [])}


def _undeclared(root: Path, allowed: set[str]) -> list[str]:
    bad = []
    local = {"aidi", "tests", "benchmarks",  # and helper modules the tests put on sys.path
             *(p.stem for d in (root, REPO / "tests", REPO / "benchmarks") for p in d.rglob("*.py"))}
    for module, where in _imports(root):
        if module in sys.stdlib_module_names or module in local:
            continue
        dists = _distributions(module)
        if not dists & allowed:
            bad.append(f"{where}: import {module} (distribution {sorted(dists) or '?'}) is not "
                       "declared")
    return bad


def test_every_runtime_import_is_a_core_dependency() -> None:
    core, _ = _declared()
    assert _undeclared(PACKAGE, core) == []


def test_optional_imports_name_their_extra() -> None:
    core, extras = _declared()
    calls = list(_extra_imports(PACKAGE))
    assert calls, "the dask backend imports dask through import_extra"
    for module, extra, where in calls:
        assert extra in extras, f"{where}: no extra {extra!r} in pyproject.toml"
        assert _distributions(module) & extras[extra], f"{where}: {module} not in [{extra}]"
        assert not _distributions(module) & core, f"{where}: {module} is a core dependency"


def test_tests_and_benchmarks_import_only_declared_packages() -> None:
    core, extras = _declared()
    allowed = core | extras["test"]
    assert _undeclared(REPO / "tests", allowed) + _undeclared(REPO / "benchmarks", allowed) == []


def test_the_click_class_of_bug_is_caught(tmp_path: Path) -> None:
    """The check fails on an undeclared import (here: click, as cli.py once had)."""
    (tmp_path / "mod.py").write_text("import click\nimport numpy\nimport json\n")
    core, _ = _declared()
    found = _undeclared(tmp_path, core)
    assert len(found) == 1 and "import click" in found[0]


def test_a_missing_extra_says_what_to_install() -> None:
    with pytest.raises(MissingExtraError, match=r'pip install "aidi\[dask\]"'):
        import_extra("aidi_no_such_module_xyz", "dask")
    assert import_extra("json", "dask").dumps([1]) == "[1]"
