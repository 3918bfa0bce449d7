"""aidi.countries: publisher name variants, special codes, aggregates, names and groups."""

from __future__ import annotations

import pytest

from aidi.countries import (
    GROUPS,
    TARGET_20,
    from_m49,
    is_aggregate,
    is_country,
    name_en,
    name_zh,
    to_iso3,
)


def test_target_20_is_twenty_known_codes():
    assert len(TARGET_20) == len(set(TARGET_20)) == 20
    assert all(is_country(c) for c in TARGET_20)
    assert GROUPS["TARGET_20"] == TARGET_20


def test_g20_members_without_eu():
    g20 = GROUPS["G20"]
    assert len(g20) == len(set(g20)) == 19
    assert {"ARG", "ZAF", "USA", "CHN"} <= set(g20)
    assert "EUU" not in g20 and all(is_country(c) for c in g20)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("United States of America", "USA"),
        ("United States", "USA"),
        ("Korea (Republic of)", "KOR"),
        ("Korea, South", "KOR"),
        ("South Korea", "KOR"),
        ("Republic of Korea", "KOR"),
        ("Korea", "KOR"),
        ("Korea (the Republic of)", "KOR"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Turkey ", "TUR"),
        ("Russian Federation", "RUS"),
        ("Russia", "RUS"),
        ("China (People’s Republic of)", "CHN"),
        ("China ", "CHN"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("Great Britain", "GBR"),
        ("Saudi Arabia", "SAU"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("Hong Kong", "HKG"),
        ("Taiwan", "TWN"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Philippines (the)", "PHL"),
        ("Congo (DRC)", "COD"),
        ("Cote D'Ivoire", "CIV"),
        ("Austria*", "AUT"),
        ("中国", "CHN"),
        ("美国", "USA"),
        ("韩国", "KOR"),
        ("日本", "JPN"),
        ("USA", "USA"),
        ("deu", "DEU"),
    ],
)
def test_to_iso3_variants(name, code):
    assert to_iso3(name) == code


@pytest.mark.parametrize(
    ("code", "iso3"),
    [("ROM", "ROU"), ("ZAR", "COD"), ("TMP", "TLS"), ("ADO", "AND"), ("WBG", "PSE"),
     ("KSV", "XKX"), ("OWID_KOS", "XKX")],
)
def test_wgi_and_owid_special_codes(code, iso3):
    assert to_iso3(code) == iso3


@pytest.mark.parametrize(
    "name",
    ["WLD", "EUU", "HIC", "OWID_WRL", "World", "Europe", "European Union", "Multinational",
     "Rest of the world", "Global", "", "   ", "Atlantis"],
)
def test_aggregates_and_unknowns_map_to_none(name):
    assert to_iso3(name) is None


def test_non_strings_map_to_none():
    assert to_iso3(None) is None  # type: ignore[arg-type]
    assert to_iso3(float("nan")) is None  # type: ignore[arg-type]


def test_is_aggregate():
    assert is_aggregate("WLD") and is_aggregate("euu") and is_aggregate("OWID_EUR")
    assert not is_aggregate("USA") and not is_aggregate("XKX")


def test_names():
    expected = ["美国", "中国", "德国", "日本", "印度", "英国", "法国", "意大利", "巴西", "加拿大",
                "俄罗斯", "墨西哥", "澳大利亚", "韩国", "西班牙", "印度尼西亚", "荷兰", "土耳其",
                "沙特阿拉伯", "瑞士"]
    assert [name_zh(c) for c in TARGET_20] == expected
    assert name_en("KOR") == "South Korea"
    assert name_en("usa") == "United States"
    assert name_zh("FRO") != name_en("FRO")  # pycountry's zh_CN catalogue is used
    assert name_zh("XKX") == "科索沃"
    assert name_en("ZZZ") == "ZZZ" and name_zh("ZZZ") == "ZZZ"


def test_chinese_names_round_trip():
    for code in TARGET_20:
        assert to_iso3(name_zh(code)) == code
        assert to_iso3(name_en(code)) == code


def test_from_m49():
    assert from_m49(156) == "CHN"
    assert from_m49("840") == "USA"
    assert from_m49(412) == "XKX"
    assert from_m49(810) is None  # USSR (former)
    assert from_m49("x") is None
