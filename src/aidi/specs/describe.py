"""Plain-language descriptions of a spec's year rules and transforms, in English or Chinese.

They live beside the spec schema (not in the report) because the analyses' lineage tables and
the report both describe the same rules, and the analysis layer must not depend on the report.
"""

from __future__ import annotations

from aidi.specs.schema import Indicator, YearRule

__all__ = ["describe_transform", "describe_years"]

_YEARS = {
    "en": {"latest": "latest in {start}–{end}", "mean": "mean of {start}–{end}",
           "exact": "{end}", "fallback": ", else latest earlier year"},
    "zh": {"latest": "{start}–{end}年最新值", "mean": "{start}–{end}年均值",
           "exact": "{end}年", "fallback": ",否则取更早的最新年份"},
}
#: Plain names of the series transforms use most (denominators, multipliers); any other
#: series is named by its id unless the caller passes names (`series_names`).
PLAIN_SERIES = {
    "en": {"wdi.SP.POP.TOTL": "population", "wdi.NY.GDP.MKTP.CD": "GDP (current US$)",
           "wdi.GDP.PPP": "GDP at PPP", "wdi.NY.GDP.MKTP.PP.CD": "GDP at PPP"},
    "zh": {"wdi.SP.POP.TOTL": "人口", "wdi.NY.GDP.MKTP.CD": "GDP（现价美元）",
           "wdi.GDP.PPP": "购买力平价GDP", "wdi.NY.GDP.MKTP.PP.CD": "购买力平价GDP"},
}
_WORDS = {
    "en": {"level": "level (as published)", "log": "natural log of (x + {o})",
           "per_capita": "per person (÷ {x})", "share_of_gdp": "as a share of {x}",
           "ratio": "÷ {x}", "product": "× {x}", "times": "× {k}", "per": "÷ {k}"},
    "zh": {"level": "水平值（按发布值）", "log": "ln(x + {o})",
           "per_capita": "人均值（÷ {x}）", "share_of_gdp": "占{x}的比例",
           "ratio": "÷ {x}", "product": "× {x}", "times": "× {k}", "per": "÷ {k}"},
}


def _scale_words(scale: float, words: dict[str, str]) -> str:
    """"÷ 100,000" for 1e-05, "× 1,000" for 1000, "× 0.5" otherwise (never 1e-05)."""
    if scale == 1:
        return ""
    inv = 1.0 / scale
    if scale < 1 and abs(inv - round(inv)) < 1e-9 * inv:
        return " " + words["per"].format(k=f"{round(inv):,}")
    text = f"{scale:,.0f}" if float(scale).is_integer() else f"{scale:,.6g}"
    return " " + words["times"].format(k=text)


def describe_years(rule: YearRule, lang: str = "en") -> str:
    """"latest in 2021–2023", "2021–2023年均值", …"""
    words = _YEARS["zh" if lang == "zh" else "en"]
    text = words[rule.rule].format(start=rule.start, end=rule.end)
    return text + (words["fallback"] if rule.fallback == "latest_earlier" else "")


def describe_transform(ind: Indicator, lang: str = "en",
                       series_names: dict[str, str] | None = None) -> str:
    """"per person (÷ population)", "× population ÷ 100,000", "level (as published)" —
    in words, with series named (`series_names`, else `PLAIN_SERIES`, else the id)."""
    t = ind.transform
    key = "zh" if lang == "zh" else "en"
    words = _WORDS[key]
    names = {**PLAIN_SERIES[key], **(series_names or {})}

    def name(series: str | None, default: str) -> str:
        sid = series or default
        return names.get(sid, sid)

    x = {"per_capita": name(t.denominator, "wdi.SP.POP.TOTL"),
         "share_of_gdp": name(t.denominator, "wdi.NY.GDP.MKTP.CD"),
         "ratio": name(t.denominator, ""), "product": name(t.multiplier, "")}.get(t.kind, "")
    text = words[t.kind].format(x=x, o=f"{t.offset:g}")
    return text + _scale_words(t.scale, words)
