"""Worldwide Governance Indicators (2024 update, data 1996–2023) → ``wgi.<ind>.estimate|pctrank``.

Regulatory quality and government effectiveness feed the policy-environment dimension; the
other four are kept because they are cheap and a spec may want them. WGI's own codes (ROM,
ZAR, TMP, ADO, WBG, KSV) are translated by :func:`aidi.countries.to_iso3`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import concat, map_iso3, rel, require, tidy

SOURCE = "World Bank / Kaufmann & Kraay — Worldwide Governance Indicators (2024 update)"
FILE = "wgi/wgidataset.xlsx"

INDICATORS: dict[str, str] = {
    "va": "Voice and Accountability",
    "pv": "Political Stability and Absence of Violence/Terrorism",
    "ge": "Government Effectiveness",
    "rq": "Regulatory Quality",
    "rl": "Rule of Law",
    "cc": "Control of Corruption",
}

SERIES: dict[str, dict[str, str]] = {}
for _code, _name in INDICATORS.items():
    SERIES[f"wgi.{_code}.estimate"] = {
        "name": f"WGI {_name}, estimate",
        "unit": "standard normal units (approx. -2.5 to 2.5)",
        "description": "Policy environment. Levels are rescaled every year: compare countries "
                       "within a year, not levels over time.",
    }
    SERIES[f"wgi.{_code}.pctrank"] = {
        "name": f"WGI {_name}, percentile rank",
        "unit": "percentile rank (0-100)",
        "description": "Policy environment. Rank among all economies covered that year.",
    }


def read(raw_dir: Path) -> pd.DataFrame:
    """Estimate and percentile rank of the six WGI indicators for every economy-year."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_excel(path, na_values="..", keep_default_na=False)
    data = data[data["indicator"].isin(INDICATORS)]
    iso3 = map_iso3(data["code"])
    frames = []
    for column in ("estimate", "pctrank"):
        frame = pd.DataFrame({
            "iso3": iso3,
            "year": data["year"].to_numpy(),
            "value": pd.to_numeric(data[column], errors="coerce").to_numpy(),
            "series": [f"wgi.{ind}.{column}" for ind in data["indicator"]],
        })
        unit = SERIES[f"wgi.va.{column}"]["unit"]
        frames.append(tidy(frame, unit=unit, source=SOURCE, file=rel(raw_dir, path)))
    return concat(frames)
