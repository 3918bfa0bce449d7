"""World Bank WDI per-indicator extracts (``wdi/<CODE>.csv``) → ``wdi.<CODE>``.

Every CSV in the folder becomes one series. GDP at PPP (``NY.GDP.MKTP.PP.CD``) is not in the
mirror, so ``wdi.GDP.PPP`` is derived as GDP per capita PPP × population — the World Bank's own
definition run backwards — because the market pillar's exposure scale needs GDP at PPP.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import RawDataMissing, concat, map_iso3, rel, require, tidy

SOURCE = "World Bank WDI"
FOLDER = "wdi"

SERIES: dict[str, dict[str, str]] = {
    "wdi.BM.GSR.ROYL.CD": {"name": "Charges for the use of intellectual property, payments",
                           "unit": "current US$", "description": "BoP, current US$."},
    "wdi.BX.GSR.ROYL.CD": {"name": "Charges for the use of intellectual property, receipts",
                           "unit": "current US$", "description": "BoP, current US$."},
    "wdi.CM.MKT.LCAP.CD": {"name": "Market capitalization of listed domestic companies",
                           "unit": "current US$", "description": "Finance: equity market depth."},
    "wdi.CM.MKT.LCAP.GD.ZS": {"name": "Market capitalization of listed domestic companies",
                              "unit": "% of GDP", "description": "Finance: equity market depth."},
    "wdi.EG.USE.ELEC.KH.PC": {"name": "Electric power consumption", "unit": "kWh per capita",
                              "description": "Compute: power available for data centres."},
    "wdi.FS.AST.PRVT.GD.ZS": {"name": "Domestic credit to private sector", "unit": "% of GDP",
                              "description": "Finance: private credit depth."},
    "wdi.GB.XPD.RSDV.GD.ZS": {"name": "Research and development expenditure", "unit": "% of GDP",
                              "description": "Algorithms: R&D effort."},
    "wdi.IP.JRN.ARTC.SC": {"name": "Scientific and technical journal articles", "unit": "count",
                           "description": "Algorithms: research output."},
    "wdi.IP.PAT.NRES": {"name": "Patent applications, nonresidents", "unit": "count",
                        "description": "Algorithms (embodied): patenting."},
    "wdi.IP.PAT.RESD": {"name": "Patent applications, residents", "unit": "count",
                        "description": "Algorithms (embodied): patenting."},
    "wdi.IT.CEL.SETS.P2": {"name": "Mobile cellular subscriptions", "unit": "per 100 people",
                           "description": "Data: connectivity."},
    "wdi.IT.NET.BBND.P2": {"name": "Fixed broadband subscriptions", "unit": "per 100 people",
                           "description": "Data (non-embodied): infrastructure network."},
    "wdi.IT.NET.SECR.P6": {"name": "Secure Internet servers", "unit": "per 1 million people",
                           "description": "Data (non-embodied): secure data infrastructure."},
    "wdi.NV.AGR.TOTL.ZS": {"name": "Agriculture, forestry, and fishing, value added",
                           "unit": "% of GDP", "description": "Market: industry structure."},
    "wdi.NV.IND.TOTL.ZS": {"name": "Industry (including construction), value added",
                           "unit": "% of GDP", "description": "Market: industry structure."},
    "wdi.NV.MNF.TECH.ZS.UN": {"name": "Medium and high-tech manufacturing value added",
                              "unit": "% manufacturing value added",
                              "description": "Data/algorithms (embodied): advanced manufacturing."},
    "wdi.NY.GDP.MKTP.CD": {"name": "GDP", "unit": "current US$",
                           "description": "Market: economic size at exchange rates."},
    "wdi.NY.GDP.PCAP.CD": {"name": "GDP per capita", "unit": "current US$",
                           "description": "Market: income level."},
    "wdi.NY.GDP.PCAP.PP.CD": {"name": "GDP per capita, PPP", "unit": "current international $",
                              "description": "Market: income level at PPP."},
    "wdi.NY.GNP.MKTP.PP.CD": {"name": "GNI, PPP", "unit": "current international $",
                              "description": "Market: economic size at PPP (GNI)."},
    "wdi.PA.NUS.PPP": {"name": "PPP conversion factor, GDP", "unit": "LCU per international $",
                       "description": "For currency conversions."},
    "wdi.SE.TER.ENRR": {"name": "School enrollment, tertiary", "unit": "% gross",
                        "description": "Algorithms: talent pipeline."},
    "wdi.SE.XPD.TOTL.GD.ZS": {"name": "Government expenditure on education, total",
                              "unit": "% of GDP", "description": "Algorithms: talent pipeline."},
    "wdi.SL.GDP.PCAP.EM.KD": {"name": "GDP per person employed", "unit": "constant 2021 PPP $",
                              "description": "Market: labour productivity."},
    "wdi.SP.POP.SCIE.RD.P6": {"name": "Researchers in R&D", "unit": "per million people",
                              "description": "Algorithms: research talent."},
    "wdi.SP.POP.TOTL": {"name": "Population, total", "unit": "persons",
                        "description": "Denominator."},
    "wdi.TX.VAL.TECH.CD": {"name": "High-technology exports", "unit": "current US$",
                           "description": "Algorithms (embodied): high-tech production."},
    "wdi.TX.VAL.TECH.MF.ZS": {"name": "High-technology exports", "unit": "% of manufactured exports",
                              "description": "Algorithms (embodied): high-tech production."},
    "wdi.GDP.PPP": {"name": "GDP, PPP", "unit": "current international $",
                    "description": "derived: NY.GDP.PCAP.PP.CD × SP.POP.TOTL (World Bank definition "
                                   "of GDP per capita, inverted); NY.GDP.MKTP.PP.CD is not in the "
                                   "WDI mirror."},
}

_GDP_PC_PPP = "NY.GDP.PCAP.PP.CD"
_POP = "SP.POP.TOTL"


def _unit(code: str, path: Path) -> str:
    """Unit from SERIES, else from the last '(…)' of the datapackage title."""
    meta = SERIES.get(f"wdi.{code}")
    if meta:
        return meta["unit"]
    package = path.with_name(f"{code}.datapackage.json")
    if package.exists():
        title = json.loads(package.read_text(encoding="utf-8")).get("title", "")
        if title.endswith(")") and "(" in title:
            return title[title.rindex("(") + 1 : -1]
    return "as published"


def _read_one(raw_dir: Path, path: Path) -> pd.DataFrame:
    code = path.stem
    data = pd.read_csv(path, dtype={"Country Code": str}, keep_default_na=False,
                       na_values=["", ".."])
    frame = pd.DataFrame({
        "iso3": map_iso3(data["Country Code"]),
        "year": data["Year"],
        "value": data["Value"],
    })
    return tidy(frame, series=f"wdi.{code}", unit=_unit(code, path), source=SOURCE,
                file=rel(raw_dir, path))


def _gdp_ppp(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """GDP at PPP = GDP per capita at PPP × population, for country-years with both."""
    if _GDP_PC_PPP not in frames or _POP not in frames:
        return pd.DataFrame()
    pc = frames[_GDP_PC_PPP][["iso3", "year", "value", "file"]]
    pop = frames[_POP][["iso3", "year", "value", "file"]]
    both = pc.merge(pop, on=["iso3", "year"], suffixes=("_pc", "_pop"))
    frame = pd.DataFrame({"iso3": both["iso3"], "year": both["year"],
                          "value": both["value_pc"] * both["value_pop"]})
    files = f"{both['file_pc'].iloc[0]};{both['file_pop'].iloc[0]}" if len(both) else ""
    return tidy(frame, series="wdi.GDP.PPP", unit=SERIES["wdi.GDP.PPP"]["unit"],
                source=f"{SOURCE} (derived: {_GDP_PC_PPP} × {_POP})", file=files)


def read(raw_dir: Path) -> pd.DataFrame:
    """All WDI indicator CSVs, country rows only, plus the derived ``wdi.GDP.PPP``."""
    folder = require(Path(raw_dir) / FOLDER)
    paths = sorted(folder.glob("*.csv"))
    if not paths:
        raise RawDataMissing(f"no WDI CSV files in {folder}")
    frames = {p.stem: _read_one(raw_dir, p) for p in paths}
    return concat([*frames.values(), _gdp_ppp(frames)])
