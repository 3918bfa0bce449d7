"""Issue #10: property-based fuzz of the three readers of user files.

Whatever the spec loader, the CSV/XLSX importer or the COINr reader is given, the outcome is
a clean `AidiError` or a valid result — never another exception.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidi.errors import AidiError
from aidi.sources.validate import validate_observations
from aidi.specs.loader import load_spec, parse_yaml, spec_from_dict
from aidi.store.user_import import read_cells, to_long
from tests._reliability import DATA, META

FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["USA", "zzz", "[/b]", "../x", "1e999", ".inf", "", "ＵＳＡ"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


BASE = load_spec("aidi-2024").model_dump(mode="json")
PATHS = [p for p in _paths(BASE) if p]


def _set(obj, path, value):
    obj = copy.deepcopy(obj)
    cur = obj
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value
    return obj


@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
@FUZZ
def test_spec_loader_never_crashes(edits):
    raw = BASE
    for path, value in edits:
        try:
            raw = _set(raw, path, value)
        except (KeyError, IndexError, TypeError):
            continue
    try:
        spec = spec_from_dict(raw)
    except AidiError:
        return
    import aidi

    try:
        b = aidi.build(spec)
    except AidiError:
        return
    assert len(b.units) >= 1


@given(st.text(max_size=200))
@FUZZ
def test_yaml_text_never_crashes(text):
    with contextlib.suppress(AidiError):
        parse_yaml(text, "fuzz.yaml")


CELLS = st.one_of(st.sampled_from(["USA", "China", "中国", "XXX", "2020", "1,5", "1.234,5",
                                   "1,234.5", "n/a", "-", "inf", "1e999", "", "x;y", '"']),
                  st.text(max_size=8), st.integers(-5, 3000).map(str))
HEADERS = st.lists(st.sampled_from(["iso3", "country", "year", "series", "value", "unit",
                                    "2019", "2020", "source", "row", "", "x"]),
                   min_size=1, max_size=6)


def _import(path: Path) -> None:
    try:
        cells = read_cells(path)
        long, _ = to_long(cells, path.name, series="s", prefix="user.", unit="count")
        validate_observations(long, path.name)
    except AidiError:
        pass


@given(HEADERS, st.lists(st.lists(CELLS, max_size=7), max_size=6),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "latin-1", "gbk"]))
@FUZZ
def test_csv_importer_never_crashes(tmp_path_factory, header, rows, sep, encoding):
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    text = "\n".join(sep.join(r) for r in [header, *rows])
    path.write_bytes(text.encode(encoding, errors="replace"))
    _import(path)


@given(st.binary(max_size=300))
@FUZZ
def test_csv_importer_survives_any_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bin") / "f.csv"
    path.write_bytes(data)
    _import(path)


@given(HEADERS, st.lists(st.lists(st.one_of(CELLS, st.floats(allow_nan=True),
                                            st.integers(-10**9, 10**9)), max_size=6),
                         max_size=5))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_xlsx_importer_never_crashes(tmp_path_factory, header, rows):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    path = tmp_path_factory.mktemp("xlsx") / "f.xlsx"
    wb = Workbook()
    for r in [header, *rows]:  # Excel cannot hold control characters: the file never would
        wb.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                          for v in r])
    wb.save(path)
    _import(path)


def _cells(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


COIN_CELLS = st.one_of(st.sampled_from(["NA", "", "inf", "-1", "0", "x", "Index", "P",
                                        "Indicator", "Aggregate", "2", "1e999", "AAA"]),
                       st.text(max_size=5))


@given(st.sampled_from(["meta", "data"]), st.integers(0, 6), st.integers(0, 9), COIN_CELLS)
@FUZZ
def test_coinr_reader_never_crashes(tmp_path_factory, which, row, col, value):
    import aidi

    meta, data = _cells(META), _cells(DATA)
    table = meta if which == "meta" else data
    r = table[row % len(table)]
    r[col % len(r)] = value.replace(",", "").replace("\n", "")
    folder = tmp_path_factory.mktemp("coin")
    (folder / "iMeta.csv").write_text("\n".join(",".join(x) for x in meta), encoding="utf-8")
    (folder / "iData.csv").write_text("\n".join(",".join(x) for x in data), encoding="utf-8")
    try:
        coin = aidi.read_coin(folder / "iData.csv", folder / "iMeta.csv")
        b = aidi.build(data=coin)
    except AidiError:
        return
    assert isinstance(b.index, pd.Series)


@pytest.mark.parametrize("text", ["a: [", "a: 1\na: 2", "- *x", "!!python/object:os.system x",
                                  "a: " + "[" * 2000])
def test_hostile_yaml_is_a_clean_error(text):
    with pytest.raises(AidiError):
        parse_yaml(text, "x.yaml")
