"""TOP500 November lists → systems and total Rmax per country and list year.

A public-HPC proxy for the compute dimension. Only November lists are used so that one
value per year means the same thing every year (the mirror has no June lists before 2020
and misses Nov 2021/2022). Rmax is published in GFlop/s up to 2016 (``RMax``/``Rmax``) and in
TFlop/s from 2017 (``Rmax [TFlop/s]``); everything is stored in TFlop/s. Countries with no
system in a list get 0 (for every country appearing in any list and for the 20 targets); each
such 0 is marked by a row of ``<series>.zero_filled`` (``aidi.sources.raw._fills``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from aidi.countries import TARGET_20
from aidi.sources.raw._common import RawDataMissing, concat, map_iso3, rel, require, tidy
from aidi.sources.raw._fills import ZERO_FILLED, marker_metadata, markers

SOURCE = "TOP500.org — TOP500 supercomputer lists (November)"
FOLDER = "top500"
_NAME = re.compile(r"^TOP500_(\d{4})11(?:_converted)?\.(csv|xlsx|xls)$")

SERIES: dict[str, dict[str, str]] = {
    "top500.systems": {
        "name": "Number of TOP500 supercomputers (November list)",
        "unit": "count",
        "description": "Compute: systems on the November TOP500 list located in the country. "
                       "Voluntary submissions: China stopped listing flagship systems ~2019.",
    },
    "top500.rmax": {
        "name": "Total Rmax of TOP500 supercomputers (November list)",
        "unit": "TFlop/s",
        "description": "Compute: sum of HPL Linpack Rmax of the country's systems; lists up to "
                       "2016 are converted from GFlop/s.",
    },
}

SERIES.update(marker_metadata(dict(SERIES), ZERO_FILLED))


def november_lists(folder: Path) -> dict[int, Path]:
    """Year → file of that year's November list found in ``folder``."""
    found: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        match = _NAME.match(path.name)
        if match:
            found.setdefault(int(match.group(1)), path)
    return found


def _rmax_tflops(data: pd.DataFrame, path: Path) -> pd.Series:
    """Rmax in TFlop/s whatever the header of that year's list says."""
    for column in data.columns:
        label = str(column).strip().lower()
        if label.startswith("rmax"):
            values = pd.to_numeric(data[column], errors="coerce")
            return values if "tflop" in label else values / 1000.0  # GFlop/s before 2017
    raise ValueError(f"{path}: no Rmax column in {list(data.columns)}")


def _read_list(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    return pd.read_excel(path, sheet_name=0, keep_default_na=False, na_values=[""])


def read(raw_dir: Path) -> pd.DataFrame:
    """Systems and total Rmax (TFlop/s) by country for each November list available."""
    folder = require(Path(raw_dir) / FOLDER)
    lists = november_lists(folder)
    if not lists:
        raise RawDataMissing(f"no November TOP500 list (TOP500_YYYY11*) in {folder}")
    per_list = []
    universe = set(TARGET_20)
    for year, path in lists.items():
        data = _read_list(path)
        frame = pd.DataFrame({"iso3": map_iso3(data["Country"]),
                              "rmax": _rmax_tflops(data, path)})
        unknown = sorted(set(data["Country"][frame["iso3"].isna()].astype(str)))
        if unknown:
            raise ValueError(f"{path}: unmapped TOP500 countries {unknown}")
        agg = frame.groupby("iso3").agg(systems=("rmax", "size"), rmax=("rmax", "sum"))
        universe |= set(agg.index)
        per_list.append((year, path, agg))
    frames = []
    for year, path, agg in per_list:
        listed = agg.index
        agg = agg.reindex(sorted(universe), fill_value=0).reset_index()
        agg["year"] = year
        filled = ~agg["iso3"].isin(listed)  # no system on this list: the 0 is written here
        for measure in ("systems", "rmax"):
            frames.append(tidy(agg.rename(columns={measure: "value"}),
                               series=f"top500.{measure}", unit=SERIES[f"top500.{measure}"]["unit"],
                               source=SOURCE, file=rel(raw_dir, path)))
            frames.append(markers(agg, filled, f"top500.{measure}", ZERO_FILLED,
                                  unit=SERIES[f"top500.{measure}"]["unit"], source=SOURCE,
                                  file=rel(raw_dir, path), value=measure))
    return concat(frames)
