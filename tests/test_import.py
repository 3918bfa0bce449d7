"""`aidi data import`: the user's own CSV/Excel series, validated, with spreadsheet row numbers."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from aidi.cli import app
from aidi.engine.pipeline import build
from aidi.sources.validate import DataValidationError
from aidi.specs.loader import spec_from_dict
from aidi.store.duckdb_store import Store
from aidi.store.user_import import import_file
from tests.conftest import TINY_SPEC, tiny_observations


@pytest.fixture(autouse=True)
def _store_env(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDI_STORE", str(tmp_path / "store.duckdb"))


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


LONG = """iso3,year,series,value,unit,source
USA,2022,my_series,10,count,my survey
CHN,2022,my_series,"1,234",count,
Narnia,2022,my_series,3,count,

DEU,2022,my_series,abc,count,
FRA,1850,my_series,2,count,
ITA,2022,my_series,-4,count,
"""


def test_long_csv_with_row_numbers_in_errors(store, tmp_path):
    result = import_file(store, write(tmp_path / "mine.csv", LONG))
    assert result.layout == "long" and result.series == ("user.my_series",)
    rej = result.report.rejected.set_index("row")["reason"]
    # header = row 1; the blank line is row 5, so DEU is row 6 as a spreadsheet shows it
    assert "unknown country 'Narnia'" in rej[4]
    assert "value 'abc' is not a number" in rej[6]
    assert "year 1850 outside" in rej[7]
    assert "negative value -4" in rej[8]
    summary = result.report.summary()
    assert "mine.csv, row 4: unknown country 'Narnia'" in summary
    obs = store.observations("latest", provenance=True).query("series == 'user.my_series'")
    assert dict(zip(obs.iso3, obs.value, strict=True)) == {"USA": 10.0, "CHN": 1234.0}
    assert set(obs.source) == {"my survey", "user import: mine.csv"}
    v = store.vintages().iloc[-1]
    assert v.kind == "import" and v.label == "user import: mine.csv"


def test_wide_csv_one_series(store, tmp_path):
    wide = "country,2020,2021,2022\nUnited States,1,2,3\n中国,4,,6\nAtlantis,7,8,9\n"
    result = import_file(store, write(tmp_path / "wide.csv", wide), series="adoption",
                         unit="% of population")
    assert result.layout == "wide" and result.series == ("user.adoption",)
    assert result.report.n_accepted == 5
    assert set(result.report.rejected["row"]) == {4}
    assert "wide.csv, row 4, column 2020: unknown country 'Atlantis'" in result.report.summary()


def test_wide_needs_series_and_unit(store, tmp_path):
    path = write(tmp_path / "wide.csv", "country,2020\nUSA,1\n")
    with pytest.raises(DataValidationError, match="--series NAME and --unit UNIT"):
        import_file(store, path)


def test_unrecognised_layout(store, tmp_path):
    with pytest.raises(DataValidationError, match="cannot tell the layout"):
        import_file(store, write(tmp_path / "x.csv", "a,b\n1,2\n"))


def test_xlsx_rows_and_chinese_headers(store, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["国家", "年份", "数值"])
    ws.append(["德国", 2022, 5.5])
    ws.append([None, None, None])
    ws.append(["日本", 2022, "n/a"])
    ws.append(["Korea, Rep.", 2022, 7])
    wb.save(tmp_path / "book.xlsx")
    result = import_file(store, tmp_path / "book.xlsx", series="user.score", unit="index")
    acc = result.report.accepted.set_index("iso3")["value"]
    assert acc.to_dict() == {"DEU": 5.5, "KOR": 7.0}
    rej = result.report.rejected
    assert list(rej["row"]) == [4] and list(rej["reason"]) == ["empty value"]


def test_gbk_csv(store, tmp_path):
    text = "country,year,series,value,unit\n中国,2022,gdp_share,18.5,% of world GDP\n"
    result = import_file(store, write(tmp_path / "gbk.csv", text, encoding="gbk"))
    assert result.report.accepted.iloc[0]["iso3"] == "CHN"


def test_nothing_valid_raises_and_store_unchanged(store, tmp_path):
    before = hashlib.sha256(store.path.read_bytes()).hexdigest()
    path = write(tmp_path / "bad.csv", "iso3,year,series,value,unit\nXXX,2022,a,1,count\n")
    with pytest.raises(DataValidationError, match=r"bad.csv, row 2: unknown country 'XXX'"):
        import_file(store, path)
    assert hashlib.sha256(store.path.read_bytes()).hexdigest() == before


def test_strict_refuses_partial_files(store, tmp_path):
    with pytest.raises(DataValidationError, match="Narnia"):
        import_file(store, write(tmp_path / "mine.csv", LONG), strict=True)
    assert len(store.vintages()) == 1


def test_unit_must_match_the_store(store, tmp_path):
    path = write(tmp_path / "a.csv", "iso3,year,series,value,unit\nUSA,2022,s.a,1,kg\n")
    with pytest.raises(DataValidationError, match="store's unit 'u'"):
        import_file(store, path, series_prefix="")


def test_user_series_in_a_custom_spec(store, tmp_path):
    path = write(tmp_path / "x.csv", "iso3,year,value\nUSA,2022,4\nCHN,2022,8\nDEU,2022,2\n")
    import_file(store, path, series="my_series", unit="count")
    raw = dict(TINY_SPEC)
    raw["root"] = {**TINY_SPEC["root"], "children": [*TINY_SPEC["root"]["children"], {
        "id": "mine", "name": {"en": "Mine"}, "children": [
            {"id": "m", "name": {"en": "m"}, "series": "user.my_series"}]}]}
    spec = spec_from_dict(raw)
    for edition in ("latest", "2024"):       # imports are layered onto pinned editions too
        result = build(spec, store.observations(edition))
        assert result.normalised.loc["CHN", "m"] == pytest.approx(2.0)


def test_cli_import(tmp_path):
    Store.open(tmp_path / "store.duckdb", seed=tiny_observations()).close()
    path = write(tmp_path / "mine.csv", LONG)
    res = CliRunner().invoke(app, ["data", "import", str(path), "--series-prefix", "me.",
                                   "--rejected", str(tmp_path / "rej.csv")])
    assert res.exit_code == 0, res.output
    assert "mine.csv, row 4: unknown country 'Narnia'" in res.output
    assert "stored vintage v2" in res.output and "me.my_series" in res.output
    assert list(pd.read_csv(tmp_path / "rej.csv")["row"]) == [4, 6, 7, 8]


def test_cli_import_refused(tmp_path):
    path = write(tmp_path / "bad.csv", "iso3,year,series,value,unit\nXXX,2022,a,1,count\n")
    res = CliRunner().invoke(app, ["data", "import", str(path),
                                   "--store", str(tmp_path / "s.duckdb")])
    assert res.exit_code == 1
    assert "import refused, the store is unchanged" in res.output
    assert "Traceback" not in res.output
