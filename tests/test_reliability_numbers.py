"""Issue #10, class 2: no number is silently changed.

Decimal commas are read as decimals (and said so), ambiguous files are refused; infinite,
NaN or all-zero weights are spec errors; `--samples 0` is refused; COINr `inf` cells are
errors naming the cell.
"""

from __future__ import annotations

import pandas as pd
import pytest

from aidi.errors import UsageError
from aidi.sources.coinr import CoinTableError, read_coin
from aidi.sources.validate import DataValidationError
from aidi.specs.loader import SpecError, load_spec, spec_from_dict
from aidi.store.user_import import decimal_separator, import_file
from tests._reliability import DATA, assert_clean_error, cli, coin_tables


def _stored(store, vid: str) -> dict[tuple[str, int], float]:
    obs = store.observations(vid)
    obs = obs[obs["series"] == "user.x"]
    return {(r.iso3, int(r.year)): r.value for r in obs.itertuples()}


def test_semicolon_csv_with_decimal_commas_is_read_as_decimals(store, tmp_path):
    f = tmp_path / "eu.csv"
    f.write_text("iso3;year;series;value;unit\nUSA;2020;x;1,5;count\nCHN;2020;x;1.234,25;count\n")
    res = import_file(store, f)
    assert _stored(store, res.vintage_id) == {("USA", 2020): 1.5, ("CHN", 2020): 1234.25}
    assert any("decimal comma" in n for n in res.notes)


def test_thousands_commas_with_decimal_points(store, tmp_path):
    f = tmp_path / "us.csv"
    f.write_text('iso3,year,series,value,unit\nUSA,2020,x,"1,234.5",count\nCHN,2020,x,2.5,count\n')
    res = import_file(store, f)
    assert _stored(store, res.vintage_id) == {("USA", 2020): 1234.5, ("CHN", 2020): 2.5}


@pytest.mark.parametrize(("values", "delimiter", "decimal", "expected"), [
    (["1,5", "2,25"], ";", None, ","),
    (["1.5", "1,234.5"], ",", None, "."),
    (["1,500"], ",", None, "."),         # thousands, the comma-file convention (noted)
    (["1,500"], ";", ",", ","),          # the user says which
    (["12", "7"], ";", None, "."),       # whole numbers: nothing to decide
])
def test_decimal_separator(values, delimiter, decimal, expected):
    sep, _ = decimal_separator(pd.Series(values), "f.csv", delimiter=delimiter, given=decimal)
    assert sep == expected


@pytest.mark.parametrize(("values", "delimiter", "match"), [
    (["1,5", "2.5"], ",", "mixed decimal separators"),
    (["1,500", "2,000"], ";", "thousands or decimals"),
    (["1,000", "2,000"], "\t", "nothing else in the file says which"),   # found by hypothesis
    (["1.500"], ";", "thousands or decimals"),
])
def test_ambiguous_numbers_are_refused(values, delimiter, match):
    with pytest.raises(DataValidationError, match=match):
        decimal_separator(pd.Series(values), "f.csv", pd.Series([2, 3, 4][:len(values)]),
                          delimiter)


def test_cli_decimal_option(store, tmp_path):
    f = tmp_path / "eu.csv"
    f.write_text("iso3;year;series;value;unit\nUSA;2020;x;1,500;count\n")
    store.close()
    run = cli("data", "import", f, "--store", store.path)
    assert_clean_error(run, 1, "--decimal")
    run = cli("data", "import", f, "--store", store.path, "--decimal", ",")
    assert run.code == 0, run.output
    with type(store).open(store.path) as s:
        assert _stored(s, "latest") == {("USA", 2020): 1.5}


def _spec_dict() -> dict:
    return load_spec().model_dump(mode="json")


@pytest.mark.parametrize("weight", [float("inf"), "1e999", float("nan"), "-inf"])
def test_non_finite_weight_is_a_spec_error(weight):
    d = _spec_dict()
    d["root"]["children"][0]["children"][0]["weight"] = weight
    with pytest.raises(SpecError, match="finite"):
        spec_from_dict(d)


def test_all_zero_child_weights_are_a_spec_error():
    d = _spec_dict()
    node = d["root"]["children"][0]
    for child in node["children"]:
        child["weight"] = 0
    with pytest.raises(SpecError, match=f"every child of node '{node['id']}' has weight 0"):
        spec_from_dict(d)


def test_some_zero_weights_are_fine():
    d = _spec_dict()
    d["root"]["children"][0]["children"][0]["weight"] = 0
    assert spec_from_dict(d).root.children[0].children[0].weight == 0


def test_samples_zero_is_refused(tmp_path):
    run = cli("uncertainty", "--samples", "0", "--out", tmp_path)
    assert_clean_error(run, 2)
    run = cli("sensitivity", "--samples", "0", "--out", tmp_path)
    assert_clean_error(run, 2)


def test_api_samples_zero_is_refused():
    import aidi

    with pytest.raises(UsageError, match="n_samples must be a whole number >= 1"):
        aidi.build().uncertainty(0)


@pytest.mark.parametrize("cell", ["inf", "-Inf", "1e999"])
def test_coinr_inf_cell_is_an_error_naming_it(tmp_path, cell):
    d, m = coin_tables(tmp_path, data=DATA.replace("Borduria,BBB,2020,2,", f"Borduria,BBB,2020,{cell},"))
    with pytest.raises(CoinTableError, match=r"line 3 \(uCode 'BBB'\).*not a finite number"):
        read_coin(d, m)
