"""No AIDI id in generic code: the engine, analysis, report, explorer and commands work for any
spec, so the AI Development Index's own ids live in its specs (`specs/*.yaml`, their
`presentation` block read through `aidi.specs.presentation`), never in code.

The ids are derived from the shipped AIDI specs (aidi-2024, cicc-2024): every node id with an
underscore (`technology_activity`, `exposure_scale`, `ai_compute_capacity`, …) and the
economies the specs name (focus, reference: `CHN`, `USA`). One-word node ids (`index`,
`data`, `compute`, `policy`, …) are ordinary words any code uses and are not searched.

Python is read with `ast`: a node id counts anywhere inside a string literal; an economy code
counts when a literal is exactly the code (a value the code acts on — `focus="CHN"`), not as
an example inside a sentence ("codes such as USA,CHN"). Docstrings and comments are prose and
are not searched. The page's scripts and the report's templates are searched for quoted ids.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from aidi.specs.loader import load_spec

SRC = Path(__file__).resolve().parents[1] / "src" / "aidi"

#: Spec-specific code, allowed to name AIDI ids — path under src/aidi (a folder ends in /).
ALLOWED = {
    "countries.py": "the country table: every ISO3 code and name is data there",
    "inputs/exposure_model.py": "the exposure model of the chapter: its measures "
                                "(exposure_scale, exposure_variance) are what the AIDI "
                                "dimensions are named after",
    "analysis/exposure.py": "the chapter's figure-1.15b statements on China, the USA and "
                            "Korea, checked against the exposure model",
    "analysis/trends/": "the chapter's trend claims (the USA's and China's compute, "
                        "adoption), checked against the data",
    "report/trends_report.py": "the report of those trend claims",
    "report/sections/exposure.py": "the exposure model's report section: it shows the model's "
                                   "own output columns (exposure_scale), as exposure_model does",
    "sources/raw/": "readers of publisher files name the publishers' own fields and rows",
}


def _ids() -> tuple[set[str], set[str]]:
    nodes: set[str] = set()
    codes: set[str] = set()
    for name in ("aidi-2024", "cicc-2024"):
        spec = load_spec(name)
        nodes |= {n.id for n in spec.iter_nodes() if "_" in n.id}
        codes |= {c for c in (spec.reference, spec.presentation.focus,
                              spec.presentation.reference) if c}
    return nodes, codes


NODES, CODES = _ids()
NODE_RE = re.compile(r"(?<![\w.])(" + "|".join(sorted(NODES, key=len, reverse=True))
                     + r")(?!\w)")
QUOTED_RE = re.compile(r"""["'](""" + "|".join(sorted(NODES | CODES, key=len, reverse=True))
                       + r""")["']""")


def _allowed(rel: str) -> bool:
    return any(rel == a or (a.endswith("/") and rel.startswith(a)) for a in ALLOWED)


def _prose(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings or bare string statements."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)}


def python_hits(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    prose = _prose(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in prose:
            found = set(NODE_RE.findall(node.value))
            if node.value.strip() in CODES:
                found.add(node.value.strip())
            hits += [(node.lineno, f) for f in sorted(found)]
    return hits


def _all_hits() -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(SRC.rglob("*")):
        rel = path.relative_to(SRC).as_posix()
        if _allowed(rel) or "/vendor/" in f"/{rel}" or not path.is_file():
            continue
        if path.suffix == ".py":
            found = python_hits(path.read_text(encoding="utf-8"))
        elif path.suffix in (".js", ".html", ".j2", ".jinja"):
            found = [(i, m) for i, line in enumerate(path.read_text(encoding="utf-8")
                                                     .splitlines(), start=1)
                     for m in QUOTED_RE.findall(line)]
        else:
            continue
        if found:
            out[rel] = found
    return out


def test_the_ids_are_found():
    assert {"technology_activity", "market_friendliness", "exposure_scale"} <= NODES
    assert {"CHN", "USA"} <= CODES


def test_no_aidi_id_in_generic_code():
    hits = _all_hits()
    assert not hits, "AIDI ids in generic code (read them from the spec's presentation):\n" \
        + "\n".join(f"  {f}:{line}: {i}" for f, found in hits.items() for line, i in found)


@pytest.mark.parametrize("path", sorted(ALLOWED))
def test_each_allowed_path_exists(path):
    assert (SRC / path).exists(), f"{path} is gone: remove it from ALLOWED"


def test_the_search_sees_an_id_in_code_not_in_prose():
    code = ('"""Profiles CHN against technology_activity."""\n'
            'def f(focus="CHN", col="technology_activity", note="codes such as CHN"):\n'
            '    """technology_activity in a docstring is prose."""\n'
            '    return f"{focus} {col}: market_friendliness"\n')
    assert python_hits(code) == [(2, "CHN"), (2, "technology_activity"),
                                 (4, "market_friendliness")]
