"""Issue #25, classes 4 and 6: imports refuse ragged rows, read every supported number
format back exactly, and stream (chunk by chunk: memory does not grow with the file).

Supported formats: a decimal point with or without thousands commas or spaces (`1,234.5`,
`1 234.5`), a decimal comma with thousands points, spaces or no-break spaces (`1.234,5`,
`1 234,5`), percentages (`12.5 %`); with or without the separator given (`--decimal`).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidi.sources.validate import DataValidationError, validate_observations
from aidi.store.user_import import import_file, read_cells, to_long
from tests._reliability import assert_clean_error, cli

#: (decimal separator, thousands separator, CSV delimiter)
LOCALES = [(".", "", ","), (".", ",", ","), (".", " ", ","), (",", "", ";"),
           (",", ".", ";"), (",", " ", ";"), (",", "\u00a0", ";"), (",", "", "\t")]


#: Numbers whose only separator could be a thousands one or a decimal one.
AMBIGUOUS = re.compile(r"^-?\d{1,3}([.,]\d{3})+( %)?$")


def _fmt(x: float, decimals: int, dec: str, thou: str) -> str:
    text = f"{abs(x):,.{decimals}f}".replace(",", "\0").replace(".", dec).replace("\0", thou)
    return ("-" if x < 0 else "") + text


def _csv(rows: list[list[str]], delimiter: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _read_back(path, decimal=None) -> pd.Series:
    cells = read_cells(path)
    long, _ = to_long(cells, path.name, series="s", prefix="user.", unit="index",
                      decimal=decimal)
    rep = validate_observations(long, path.name)
    assert rep.n_rejected == 0, rep.summary()
    return rep.accepted.set_index("iso3")["value"]


@given(st.sampled_from(LOCALES), st.integers(1, 4), st.booleans(), st.booleans(),
       st.lists(st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False), min_size=1,
                max_size=8))
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_numbers_round_trip_in_every_locale_format(tmp_path_factory, locale, decimals,
                                                   given_sep, percent, values):
    dec, thou, delim = locale
    units = ["USA", "CHN", "DEU", "JPN", "GBR", "FRA", "KOR", "IND"][:len(values)]
    texts = [_fmt(v, decimals, dec, thou) + (" %" if percent else "") for v in values]
    path = tmp_path_factory.mktemp("loc") / "values.csv"
    path.write_bytes(_csv([["iso3", "year", "value"], *[[u, "2022", t] for u, t in
                                                         zip(units, texts, strict=True)]],
                          delim))
    want = pd.Series([round(v, decimals) for v in values], index=units)
    if not given_sep:
        try:
            got = _read_back(path)
        except DataValidationError as exc:
            # refused only when no value shows the separator: 0,500 — thousands or decimals?
            assert "--decimal" in str(exc)
            assert all(AMBIGUOUS.match(t) for t in texts), (texts, str(exc))
            given_sep = True
    if given_sep:
        got = _read_back(path, dec)
    pd.testing.assert_series_equal(got.loc[units], want, check_names=False, rtol=1e-12,
                                   atol=0)


def test_a_row_longer_than_the_header_is_refused_with_both_widths(tmp_path, store):
    """The red team's case: `1,234` split in two was stored as 1 and reported accepted."""
    path = tmp_path / "mine.csv"
    path.write_text("iso3,year,series,unit,value\nCHN,2022,ut,count,5\n"
                    "USA,2022,ut,count,1,234\nDEU,2022,ut,count\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        import_file(store, path)
    text = str(err.value)
    assert "row 3 has 6 cells" in text and "row 4 has 4 cells" in text
    assert "header (row 1) has 5" in text and "nothing was imported" in text
    assert "user.ut" not in set(store.observations("latest")["series"])


def test_cli_ragged_import_is_one_clean_error(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("iso3,year,series,unit,value\nUSA,2022,ut,count,1,234\n", encoding="utf-8")
    run = cli("data", "import", path, "--store", tmp_path / "s.duckdb")
    assert_clean_error(run, 1, "row 2 has 6 cells", "the header (row 1) has 5")


def test_a_trailing_delimiter_is_not_ragged(tmp_path, store):
    path = tmp_path / "mine.csv"
    path.write_text("iso3,year,series,unit,value\nUSA,2022,ut,count,7,\n", encoding="utf-8")
    res = import_file(store, path)
    assert res.report.accepted.set_index("iso3")["value"]["USA"] == 7


def test_chunks_give_the_same_result_as_one_read(tmp_path, store):
    """A file read 3 rows at a time: every check across rows (one unit per series, no key
    twice) still sees every row, rows keep their numbers, and what is stored is the same."""
    path = tmp_path / "mine.csv"
    path.write_text(
        "iso3,year,series,unit,value\n"
        "USA,2020,a,count,1\nCHN,2020,a,count,2\nDEU,2020,a,count,3\n"
        "USA,2020,a,count,4\nJPN,2020,a,percent,5\nGBR,2020,a,count,1.5\n"
        "FRA,2020,b,count,\"1,234.5\"\nKOR,2020,b,count,6\n", encoding="utf-8")
    res = import_file(store, path, chunk_rows=3)
    rej = res.report.rejected.set_index("row")
    assert rej.loc[2, "rule"] == "duplicate" and rej.loc[5, "rule"] == "duplicate"
    assert "rows 2, 5" in rej.loc[2, "reason"]
    assert rej.loc[6, "rule"] == "unit" and "differs from 'count'" in rej.loc[6, "reason"]
    assert res.report.n_accepted == 5
    stored = store.observations("latest").query("series.str.startswith('user.')")
    assert dict(zip(stored.iso3 + stored.series, stored.value, strict=True)) == {
        "CHNuser.a": 2.0, "DEUuser.a": 3.0, "GBRuser.a": 1.5, "FRAuser.b": 1234.5,
        "KORuser.b": 6.0}


def test_a_later_chunk_contradicting_the_decimal_separator_is_refused(tmp_path, store):
    path = tmp_path / "mine.csv"
    path.write_text("iso3,year,series,unit,value\nUSA,2020,a,count,1.5\nCHN,2020,a,count,2.5\n"
                    "DEU,2020,a,count,\"3,5\"\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"'1\.5'.*read with '\.'.*'3,5'"):
        import_file(store, path, chunk_rows=2)
