"""Country codes, names and groups.

Every publisher spells economies differently ("Korea (Republic of)", "Korea, South",
"Türkiye", "中国", WGI's ``ROM``...). All readers go through :func:`to_iso3` so that one
explicit alias table, plus an exact (never fuzzy) lookup in ISO 3166 via pycountry, decides
what a name means. Anything that is not a single economy — regions, income groups,
"Multinational", "Rest of the world" — maps to ``None`` and is dropped by the readers.
"""

from __future__ import annotations

import difflib
import gettext
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import pycountry

from aidi.errors import UnknownUnitError

__all__ = [
    "resolve_unit",
    "TARGET_20",
    "GROUPS",
    "name_en",
    "name_zh",
    "to_iso3",
    "from_m49",
    "is_aggregate",
    "is_country",
    "known_iso3",
]

#: The 20 economies "with the largest economic size" of the CICC 2024 index.
TARGET_20: tuple[str, ...] = (
    "USA", "CHN", "DEU", "JPN", "IND", "GBR", "FRA", "ITA", "BRA", "CAN",
    "RUS", "MEX", "AUS", "KOR", "ESP", "IDN", "NLD", "TUR", "SAU", "CHE",
)

#: Country groups. G20 lists the 19 member countries (the EU and the AU are not countries).
GROUPS: dict[str, tuple[str, ...]] = {
    "TARGET_20": TARGET_20,
    "G20": (
        "ARG", "AUS", "BRA", "CAN", "CHN", "FRA", "DEU", "IND", "IDN", "ITA",
        "JPN", "KOR", "MEX", "RUS", "SAU", "ZAF", "TUR", "GBR", "USA",
    ),
    "G7": ("CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"),
}

# Standard Chinese names of the 20 (pycountry's zh_CN catalogue says 大韩民国 etc.).
_ZH_TARGET: dict[str, str] = {
    "USA": "美国", "CHN": "中国", "DEU": "德国", "JPN": "日本", "IND": "印度",
    "GBR": "英国", "FRA": "法国", "ITA": "意大利", "BRA": "巴西", "CAN": "加拿大",
    "RUS": "俄罗斯", "MEX": "墨西哥", "AUS": "澳大利亚", "KOR": "韩国", "ESP": "西班牙",
    "IDN": "印度尼西亚", "NLD": "荷兰", "TUR": "土耳其", "SAU": "沙特阿拉伯", "CHE": "瑞士",
}

# Codes used for economies that ISO 3166-1 does not (or no longer) assign.
_EXTRA_ECONOMIES: dict[str, str] = {"XKX": "Kosovo"}
# Chinese names used in CICC-style reports where pycountry's zh_CN differs.
_EXTRA_ZH: dict[str, str] = {"XKX": "科索沃", "HKG": "中国香港", "MAC": "中国澳门", "TWN": "中国台湾"}

# Publisher-specific 3-letter codes (WGI, old WB) → ISO3.
_CODE_ALIASES: dict[str, str] = {
    "ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "ADO": "AND", "WBG": "PSE", "KSV": "XKX",
    "OWID_KOS": "XKX",
}

# Aggregate codes used by the World Bank (WDI/CLASS) and UN/OWID-style publishers.
_AGGREGATE_CODES: frozenset[str] = frozenset({
    "AFE", "AFW", "ARB", "CEB", "CSS", "EAP", "EAR", "EAS", "ECA", "ECS", "EMU", "EUU",
    "FCS", "HIC", "HPC", "IBD", "IBT", "IDA", "IDB", "IDX", "INX", "LAC", "LCN", "LDC",
    "LIC", "LMC", "LMY", "LTE", "MEA", "MIC", "MNA", "NAC", "OED", "OSS", "PRE", "PSS",
    "PST", "SAS", "SSA", "SSF", "SST", "TEA", "TEC", "TLA", "TMN", "TSA", "TSS", "UMC",
    "WLD", "EU", "EU27", "EU28", "EUR", "EA", "EA19", "EA20", "OECD", "G20", "G7",
})

# Publisher name variants (normalised with _norm) → ISO3. Only single economies here.
_NAME_ALIASES: dict[str, str] = {
    # United States
    "united states": "USA", "united states of america": "USA", "us": "USA", "u.s.": "USA",
    "usa": "USA",
    # China and its SARs / Taiwan as published separately
    "china": "CHN", "china (people's republic of)": "CHN", "people's republic of china": "CHN",
    "mainland china": "CHN",
    "hong kong": "HKG", "hong kong sar, china": "HKG", "hong kong, china": "HKG",
    "china, hong kong sar": "HKG", "china, hong kong special administrative region": "HKG",
    "macao": "MAC", "macau": "MAC", "macao sar": "MAC", "macao sar, china": "MAC",
    "china, macao sar": "MAC", "china, macao special administrative region": "MAC",
    "taiwan": "TWN", "taiwan, china": "TWN", "chinese taipei": "TWN",
    # Korea
    "south korea": "KOR", "korea, south": "KOR", "korea (republic of)": "KOR",
    "korea (the republic of)": "KOR", "republic of korea": "KOR", "korea, rep.": "KOR",
    "korea, rep": "KOR", "korea": "KOR", "south korea (rep.of korea)": "KOR",
    "korea, republic of": "KOR",
    "north korea": "PRK", "korea, dem. people's rep.": "PRK",
    "north korea, (dem. people's rep. of korea)": "PRK",
    "democratic people's republic of korea": "PRK",
    "korea (the democratic people's republic of)": "PRK",
    # United Kingdom
    "united kingdom": "GBR", "uk": "GBR", "great britain": "GBR",
    "united kingdom of great britain and northern ireland": "GBR",
    "united kingdom of great britin and northern ireland": "GBR",
    "united kingdom of great britain and northern ireland (the)": "GBR",
    # Russia, Türkiye and other frequent variants
    "russia": "RUS", "russian federation": "RUS", "russian federation (the)": "RUS",
    "turkey": "TUR", "türkiye": "TUR", "turkiye": "TUR", "turrkey": "TUR",
    "iran": "IRN", "iran, islamic rep.": "IRN", "iran (islamic republic of)": "IRN",
    "vietnam": "VNM", "viet nam": "VNM",
    "laos": "LAO", "lao pdr": "LAO", "lao people's democratic republic": "LAO",
    "syria": "SYR", "syrian arab republic": "SYR",
    "egypt": "EGY", "egypt, arab rep.": "EGY",
    "venezuela": "VEN", "venezuela, rb": "VEN", "venezuela (bolivarian republic of)": "VEN",
    "bolivia": "BOL", "bolivia (plurinational state of)": "BOL",
    "tanzania": "TZA", "united republic of tanzania": "TZA",
    "tanzania, united republic of": "TZA",
    "moldova": "MDA", "republic of moldova": "MDA", "moldova (the republic of)": "MDA",
    "czech republic": "CZE", "czechia": "CZE",
    "slovak republic": "SVK", "slovakia": "SVK",
    "kyrgyz republic": "KGZ", "kyrgyzstan": "KGZ",
    "brunei": "BRN", "brunei darussalam": "BRN",
    "cape verde": "CPV", "cabo verde": "CPV",
    "swaziland": "SWZ", "eswatini": "SWZ",
    "macedonia": "MKD", "north macedonia": "MKD", "the former yugoslav republic of macedonia": "MKD",
    "micronesia": "FSM", "micronesia, fed. sts.": "FSM", "micronesia (federated states of)": "FSM",
    "bahamas": "BHS", "bahamas, the": "BHS", "the bahamas": "BHS",
    "gambia": "GMB", "gambia, the": "GMB", "the gambia": "GMB",
    "congo": "COG", "congo, rep.": "COG", "republic of the congo": "COG",
    "congo (the)": "COG",
    "congo (drc)": "COD", "congo, dem. rep.": "COD", "democratic republic of the congo": "COD",
    "dr congo": "COD", "congo (the democratic republic of the)": "COD",
    "cote d'ivoire": "CIV", "côte d'ivoire": "CIV", "ivory coast": "CIV",
    "curacao": "CUW", "curaçao": "CUW",
    "sao tome and principe": "STP", "são tomé and principe": "STP",
    "são tomé and príncipe": "STP",
    "st. kitts and nevis": "KNA", "st kitts and nevis": "KNA", "saint kitts and nevis": "KNA",
    "st. lucia": "LCA", "saint lucia": "LCA",
    "st. vincent and the grenadines": "VCT", "saint vincent and the grenadines": "VCT",
    "st. martin (french part)": "MAF", "sint maarten (dutch part)": "SXM",
    "virgin islands (u.s.)": "VIR", "british virgin islands": "VGB",
    "west bank and gaza": "PSE", "palestine": "PSE", "state of palestine": "PSE",
    "kosovo": "XKX",
    "yemen, rep.": "YEM", "yemen": "YEM",
    "philippines (the)": "PHL", "philippines": "PHL",
    "netherlands (the)": "NLD", "netherlands": "NLD", "kingdom of the netherlands": "NLD",
    "netherlands (kingdom of the)": "NLD",
    "united arab emirates (the)": "ARE",
    "bosnia and herzegovina": "BIH",
    "timor-leste": "TLS", "east timor": "TLS",
    "myanmar": "MMR", "burma": "MMR",
    "türkiye, republic of": "TUR",
    "bolivarian republic of venezuela": "VEN",
    "china, people's republic of": "CHN",
    "hongkong": "HKG",
    "vatican": "VAT", "holy see": "VAT", "vatican city": "VAT",
}

_TRAILING_MARKS = re.compile(r"[\s*†‡]+$")
_SPACES = re.compile(r"\s+")


def _norm(name: str) -> str:
    """Normalise a publisher label for lookup (Unicode, quotes, spacing, case, footnote marks)."""
    text = unicodedata.normalize("NFKC", str(name))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = _TRAILING_MARKS.sub("", text.strip())
    text = _SPACES.sub(" ", text)
    return text.casefold()


@cache
def _zh_catalogue() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except OSError:  # pragma: no cover - pycountry always ships zh_CN
        return gettext.NullTranslations()


@cache
def known_iso3() -> frozenset[str]:
    """All codes accepted as a single economy: ISO 3166-1 alpha-3 plus XKX (Kosovo)."""
    return frozenset({c.alpha_3 for c in pycountry.countries} | set(_EXTRA_ECONOMIES))


@cache
def _name_index() -> dict[str, str]:
    """Exact-name index: aliases, pycountry name/official_name/common_name, Chinese names."""
    index: dict[str, str] = {}
    zh = _zh_catalogue()
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index.setdefault(_norm(value), country.alpha_3)
        translated = zh.gettext(country.name)
        if translated and translated != country.name:
            index.setdefault(_norm(translated), country.alpha_3)
    for code, name in _EXTRA_ECONOMIES.items():
        index.setdefault(_norm(name), code)
    for code, name in {**_ZH_TARGET, **_EXTRA_ZH}.items():
        index[_norm(name)] = code
    index.update(_NAME_ALIASES)  # explicit aliases win over the generic lookup
    return index


def is_country(code: str) -> bool:
    """True if ``code`` is an ISO3 code of a single economy (or XKX)."""
    return isinstance(code, str) and code.upper() in known_iso3()


def is_aggregate(code: str) -> bool:
    """True for region/income-group/world codes (WB ``WLD``, ``EUU``…, OWID ``OWID_*``)."""
    if not isinstance(code, str):
        return False
    upper = code.strip().upper()
    return upper in _AGGREGATE_CODES or upper.startswith("OWID_")


@cache
def to_iso3(name: str) -> str | None:
    """Map a publisher's country name or code to ISO3; ``None`` for aggregates and unknowns.

    Exact lookups only (no fuzzy matching), so a new spelling fails loudly as ``None``
    instead of silently matching the wrong economy.
    """
    if name is None or not isinstance(name, str):
        return None
    raw = name.strip().rstrip("*").strip()
    if not raw:
        return None
    upper = raw.upper()
    if upper in _CODE_ALIASES:
        return _CODE_ALIASES[upper]
    if len(raw) == 3 and raw.isalpha() and upper in known_iso3():
        return upper
    if is_aggregate(upper):
        return None
    return _name_index().get(_norm(raw))


# UN M49 numeric codes of economies that ISO 3166-1 does not number.
_M49_EXTRA: dict[int, str] = {412: "XKX"}


@cache
def from_m49(code: int | str) -> str | None:
    """ISO3 for a UN M49 numeric country code; ``None`` for former states and unknowns."""
    try:
        number = int(code)
    except (TypeError, ValueError):
        return None
    if number in _M49_EXTRA:
        return _M49_EXTRA[number]
    country = pycountry.countries.get(numeric=f"{number:03d}")
    return country.alpha_3 if country else None


@cache
def name_en(iso3: str) -> str:
    """English short name (pycountry common name if any); the code itself when unknown."""
    code = str(iso3).upper()
    if code in _EXTRA_ECONOMIES:
        return _EXTRA_ECONOMIES[code]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


@cache
def name_zh(iso3: str) -> str:
    """Chinese name: standard names for the 20, pycountry's zh_CN otherwise, else English."""
    code = str(iso3).upper()
    if code in _ZH_TARGET:
        return _ZH_TARGET[code]
    if code in _EXTRA_ZH:
        return _EXTRA_ZH[code]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return name_en(code)
    translated = _zh_catalogue().gettext(country.name)
    return translated if translated and translated != country.name else name_en(code)


def _clean_code(text: str) -> str:
    """NFKC (full-width ＵＳＡ → USA), trimmed, upper-case."""
    return unicodedata.normalize("NFKC", str(text)).strip().upper()


class UnitPool(dict):
    """The units a build or its data has, keyed by their cleaned code (`_clean_code`) → the
    data's own spelling. Built once and passed as `allowed` to many `resolve_unit` calls, so
    resolving n units costs n look-ups, not n rebuilds of an n-entry table."""

    @classmethod
    def of(cls, allowed: Iterable[str]) -> UnitPool:
        return cls({_clean_code(a): str(a) for a in allowed})


def resolve_unit(text: str, allowed: Iterable[str] | UnitPool | None = None) -> str:
    """The unit code meant by `text` — a code in any case (full-width too), an English or
    Chinese name — checked against `allowed` (the units a build or the data has, or a
    `UnitPool` of them) when given.

    Raises `UnknownUnitError` naming the closest matches, so a typo never becomes a phantom
    economy and a region code (WLD, EUU) never passes for one.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnknownUnitError(f"empty unit code {text!r}; give an ISO3 code such as USA")
    pool = None if allowed is None else \
        (allowed if isinstance(allowed, UnitPool) else UnitPool.of(allowed))
    if pool is not None and text in pool:  # already clean and present: the common case
        return pool[text]
    code = _clean_code(text)
    candidates = [code]
    mapped = to_iso3(unicodedata.normalize("NFKC", text).strip())
    if mapped:
        candidates.append(mapped)
    for cand in candidates:
        if pool is None:
            if cand in known_iso3():
                return cand
        elif cand in pool:
            return pool[cand]
    if is_aggregate(code):
        raise UnknownUnitError(f"{text!r} is a region or group code, not an economy; name "
                               "economies (ISO3) or a group such as TARGET_20 or G20")
    universe = sorted(pool) if pool is not None else sorted(known_iso3())
    close = difflib.get_close_matches(code, universe, n=3, cutoff=0.5)
    where = "in this build or its data" if pool is not None else "in ISO 3166-1"
    known = next((c for c in candidates if c in known_iso3()), None)
    if known and pool is not None:
        raise UnknownUnitError(f"{known} ({name_en(known)}) has no data here; units available: "
                               f"{_short_list(universe)}")
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownUnitError(f"unknown unit {text!r}: no such code or name {where}{hint}")


def _short_list(codes: list[str], k: int = 12) -> str:
    return ", ".join(codes[:k]) + (f", … ({len(codes)} in all)" if len(codes) > k else "")
