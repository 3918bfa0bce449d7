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
_DIVIDE = {"en": "÷ {x}", "zh": "÷ {x}"}


def describe_years(rule: YearRule, lang: str = "en") -> str:
    """"latest in 2021–2023", "2021–2023年均值", …"""
    words = _YEARS["zh" if lang == "zh" else "en"]
    text = words[rule.rule].format(start=rule.start, end=rule.end)
    return text + (words["fallback"] if rule.fallback == "latest_earlier" else "")


def describe_transform(ind: Indicator, lang: str = "en") -> str:
    """"ln(x + 1)", "÷ wdi.SP.POP.TOTL", "level" (水平值), with any scale factor."""
    t = ind.transform
    level = "水平值" if lang == "zh" else "level"
    div = _DIVIDE["zh" if lang == "zh" else "en"]
    text = {"level": level, "log": f"ln(x + {t.offset:g})",
            "per_capita": div.format(x=t.denominator or "wdi.SP.POP.TOTL"),
            "share_of_gdp": div.format(x=t.denominator or "wdi.NY.GDP.MKTP.CD"),
            "ratio": div.format(x=t.denominator), "product": f"× {t.multiplier}"}[t.kind]
    return text + (f" × {t.scale:g}" if t.scale != 1 else "")
