"""UN National Accounts (AMA), GDP and value added by ISIC activity, current US$ → ``un_ama.va.<code>``.

The market-friendliness pillar weights industry AI exposure by each industry's share of
output; these seven broad ISIC Rev.3 groupings plus total value added and GDP are the only
cross-country industry structure available here. Countries are identified by their UN M49
code (robust to UN spellings such as "U.R. of Tanzania: Mainland"); former states
(USSR, Yugoslavia, ...), Zanzibar and mainland Tanzania have no ISO3 code and are dropped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aidi.countries import from_m49
from aidi.sources.raw._common import concat, rel, require, tidy

SOURCE = "UN Statistics Division — National Accounts Analysis of Main Aggregates (AMA)"
FILE = "un_national_accounts_ama/un_ama_value_added_by_activity_current_usd.csv"
UNIT = "current US$"

#: AMA indicator label → series code.
ACTIVITIES: dict[str, str] = {
    "Agriculture, hunting, forestry, fishing (ISIC A-B)": "AB",
    "Mining, Manufacturing, Utilities (ISIC C-E)": "CE",
    "Manufacturing (ISIC D)": "D",
    "Construction (ISIC F)": "F",
    "Wholesale, retail trade, restaurants and hotels (ISIC G-H)": "GH",
    "Transport, storage and communication (ISIC I)": "I",
    "Other Activities (ISIC J-P)": "JP",
    "Total Value Added": "TVA",
    "Gross Domestic Product (GDP)": "GDP",
}

SERIES: dict[str, dict[str, str]] = {
    f"un_ama.va.{code}": {
        "name": label if code in ("TVA", "GDP") else f"Value added: {label}",
        "unit": UNIT,
        "description": "Market: industry structure for AI exposure (shares = activity / TVA). "
                       + ("D is a subset of C-E." if code in ("CE", "D") else ""),
    }
    for label, code in ACTIVITIES.items()
}


def read(raw_dir: Path) -> pd.DataFrame:
    """Value added by activity, TVA and GDP for every country-year (wide years → long)."""
    path = require(Path(raw_dir) / FILE)
    data = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = set(ACTIVITIES) - set(data["IndicatorName"])
    if missing:
        raise ValueError(f"{path}: indicators not found: {sorted(missing)}")
    data = data[data["IndicatorName"].isin(ACTIVITIES)]
    years = [c for c in data.columns if str(c).isdigit()]
    long = data.melt(id_vars=["CountryID", "IndicatorName"], value_vars=years,
                     var_name="year", value_name="value")
    frame = pd.DataFrame({
        "iso3": long["CountryID"].map(from_m49),
        "year": long["year"].astype(int),
        "value": long["value"],
        "series": "un_ama.va." + long["IndicatorName"].map(ACTIVITIES),
    })
    return concat([tidy(frame, unit=UNIT, source=SOURCE, file=rel(raw_dir, path))])
