"""Issue #10, class 1: every unit code is resolved against the country table or refused.

Phantom economies (`XXX`), unknown groups, aggregates (`WLD`), empty codes and unknown
references are errors naming the closest matches; codes are case-insensitive and names
(English, Chinese, full-width) are accepted; an unknown `--focus` is an error, not a
silently missing figure.
"""

from __future__ import annotations

import pytest

import aidi
from aidi.errors import UnknownUnitError
from tests._reliability import assert_clean_error, cli


@pytest.fixture(scope="module")
def nominal(default_build):
    return default_build


@pytest.mark.parametrize(("countries", "match"), [
    (["USA", "CHN", "XXX"], "did you mean"),
    ("NOPE_GROUP", "NOPE_GROUP"),
    (["USA", "WLD"], "region or group"),
    (["USA", ""], "empty unit code"),
])
def test_unknown_countries_are_refused(countries, match):
    with pytest.raises(UnknownUnitError, match=match):
        aidi.build(countries=countries)


def test_a_group_name_builds_its_members():
    """What `aidi build --countries G7` builds (the CLI run itself is in the slow tier)."""
    b = aidi.build(countries="G7")
    assert sorted(b.units) == sorted(["USA", "JPN", "DEU", "GBR", "FRA", "ITA", "CAN"])


def test_names_and_case_resolve(nominal):
    b = aidi.build(countries=["usa", "中国", "Japan", "ＤＥＵ"])
    assert set(b.units) == {"USA", "CHN", "JPN", "DEU"}


@pytest.mark.parametrize("ref", ["usa", "ＵＳＡ", "United States"])
def test_reference_spellings_mean_the_usa(nominal, ref):
    b = nominal.with_spec(nominal.spec.model_copy(update={"reference": ref}))
    assert b.relative().loc["USA", "index"] == pytest.approx(1.0)
    assert b.index.equals(nominal.index)


def test_unknown_reference_is_refused(nominal):
    with pytest.raises(UnknownUnitError, match="ZZZ"):
        nominal.with_spec(nominal.spec.model_copy(update={"reference": "ZZZ"}))


@pytest.mark.parametrize("code", ["ZZZ", "", "WLD"])
def test_explain_unknown_unit(nominal, code):
    with pytest.raises(UnknownUnitError):
        nominal.explain(code)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--countries", "USA,CHN,XXX"], "XXX"),
    (["--focus", "../../x"], "../../x"),
    (["--focus", "ZZZ"], "ZZZ"),
])
def test_cli_build_refuses_unknown_units(tmp_path, args, fragment):
    run = cli("build", "--no-robustness", "--out", tmp_path / "o", *args)
    assert_clean_error(run, 1, fragment)
    assert not (tmp_path / "x").exists()
