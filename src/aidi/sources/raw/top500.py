"""TOP500 lists (June and November) → systems and total Rmax per country and list year.

A public-HPC proxy for the compute dimension. Two folders hold the lists: ``top500/`` (November
2010–2024, June 2020 and 2024) and ``top500_more_lists/`` (the lists the first mirror lacked:
June 2010–2019, June and November 2021–2022, June 2023); where both hold a list, ``top500/``
wins. November lists give the yearly series the index uses (``top500.systems``,
``top500.rmax``: one value per year that means the same thing every year); June lists give
``top500.june.systems`` and ``top500.june.rmax`` beside them (never mixed into the yearly series).

Rmax is published in GFlop/s up to June 2016 (``RMax``/``Rmax``) and in TFlop/s from June 2017 —
where the June 2017 header is still a plain ``Rmax`` (top500_more_lists/SOURCE.md) — and in
``Rmax [TFlop/s]`` from November 2017; everything is stored in TFlop/s, and the #1 system of each
list is checked to lie in a plausible TFlop/s range so a unit slip cannot pass silently.
Countries with no system in a list get 0 (for every country appearing in any list of the same
month — so the yearly series is a census of the November lists alone — and for the 20 targets);
each such 0 is marked by a row of ``<series>.zero_filled`` (``aidi.sources.raw._fills``).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aidi.countries import TARGET_20
from aidi.errors import AidiError
from aidi.sources.raw._common import RawDataMissing, concat, map_iso3, rel, require, tidy, to_number
from aidi.sources.raw._fills import ZERO_FILLED, marker_metadata, markers

SOURCE = "TOP500.org — TOP500 supercomputer lists (November)"
SOURCE_JUNE = "TOP500.org — TOP500 supercomputer lists (June)"
FOLDER = "top500"
#: Lists the first mirror lacked (a second public mirror; see its SOURCE.md). Optional.
MORE_FOLDER = "top500_more_lists"
_NAME = re.compile(r"^TOP500_(\d{4})(06|11)(?:_[A-Za-z-]+)?\.(csv|xlsx|xls)$")
#: The first list whose Rmax values are in TFlop/s whatever its header says.
_TFLOPS_FROM = (2017, 6)
#: Plausible Rmax of a list's #1 system in TFlop/s (2010: 1.8e3; 2024: 1.7e6).
_TOP_RMAX_TFLOPS = (100.0, 1.0e8)

_SERIES_BASE: dict[str, dict[str, str]] = {
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
    "top500.june.systems": {
        "name": "Number of TOP500 supercomputers (June list)",
        "unit": "count",
        "description": "Compute: systems on the June TOP500 list located in the country "
                       "(the mid-year list; the index's yearly series is the November one).",
    },
    "top500.june.rmax": {
        "name": "Total Rmax of TOP500 supercomputers (June list)",
        "unit": "TFlop/s",
        "description": "Compute: sum of HPL Linpack Rmax of the country's systems on the June "
                       "list; lists up to June 2016 are converted from GFlop/s.",
    },
}
SERIES: dict[str, dict[str, str]] = {**_SERIES_BASE, **marker_metadata(_SERIES_BASE, ZERO_FILLED)}


class Top500Error(AidiError, ValueError):
    """A TOP500 list that cannot be read as one (no Rmax column, implausible units, …)."""


@dataclass(frozen=True)
class ListFile:
    """One TOP500 list file: its year and month (6 or 11) and where it is."""

    year: int
    month: int
    path: Path

    @property
    def prefix(self) -> str:
        """Series prefix: ``top500`` for November lists, ``top500.june`` for June lists."""
        return "top500" if self.month == 11 else "top500.june"


def list_files(raw_dir: Path) -> list[ListFile]:
    """Every June/November list in ``top500/`` and ``top500_more_lists/``, by date.

    A list present in both folders is read from ``top500/`` (the first mirror; the second one
    overlaps it byte for byte where both hold a file)."""
    found: dict[tuple[int, int], ListFile] = {}
    for folder in (Path(raw_dir) / FOLDER, Path(raw_dir) / MORE_FOLDER):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            match = _NAME.match(path.name)
            if match:
                key = (int(match.group(1)), int(match.group(2)))
                found.setdefault(key, ListFile(key[0], key[1], path))
    return [found[key] for key in sorted(found)]


def _rmax_tflops(data: pd.DataFrame, item: ListFile) -> pd.Series:
    """Rmax in TFlop/s whatever the header of that list says (see the module docstring)."""
    for column in data.columns:
        label = str(column).strip().lower()
        if label.startswith("rmax"):
            values = to_number(data[column])
            tflops = "tflop" in label or (item.year, item.month) >= _TFLOPS_FROM
            values = values if tflops else values / 1000.0
            top = float(values.max())
            low, high = _TOP_RMAX_TFLOPS
            if not low <= top <= high:
                raise Top500Error(
                    f"{item.path}: the #1 system's Rmax reads as {top:g} TFlop/s, outside "
                    f"{low:g}–{high:g}: the column {column!r} is in another unit; fix the header "
                    "(`Rmax [TFlop/s]` or `Rmax [GFlop/s]`)")
            return values
    raise Top500Error(f"{item.path}: no Rmax column in {list(data.columns)}; a TOP500 list "
                      "needs one (`Rmax [TFlop/s]`, or `RMax` in GFlop/s before 2017)")


def _read_list(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", errors="replace") as handle:
            sep = "\t" if "\t" in handle.readline() else ","
        return pd.read_csv(path, sep=sep, keep_default_na=False, na_values=[""])
    with warnings.catch_warnings():  # pandas deprecates its xlrd engine; xlrd reads .xls fine
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*xlrd engine is deprecated.*")
        return pd.read_excel(path, sheet_name=0, keep_default_na=False, na_values=[""])


def _per_country(item: ListFile) -> pd.DataFrame:
    """Systems and summed Rmax by ISO3 for one list; an unmapped country name is an error."""
    data = _read_list(item.path)
    if "Country" not in data.columns:
        raise Top500Error(f"{item.path}: no `Country` column in {list(data.columns)}")
    frame = pd.DataFrame({"iso3": map_iso3(data["Country"]), "rmax": _rmax_tflops(data, item)})
    unknown = sorted(set(data["Country"][frame["iso3"].isna()].astype(str)))
    if unknown:
        raise Top500Error(f"{item.path}: unmapped TOP500 countries {unknown}; add the spelling "
                          "to aidi.countries")
    return frame.groupby("iso3").agg(systems=("rmax", "size"), rmax=("rmax", "sum"))


def read(raw_dir: Path) -> pd.DataFrame:
    """Systems and total Rmax (TFlop/s) by country for each June and November list available."""
    require(Path(raw_dir) / FOLDER)
    items = list_files(raw_dir)
    if not any(item.month == 11 for item in items):
        raise RawDataMissing(f"no November TOP500 list (TOP500_YYYY11*) in "
                             f"{Path(raw_dir) / FOLDER}")
    per_list = [(item, _per_country(item)) for item in items]
    universe = {month: set(TARGET_20).union(*(set(a.index) for i, a in per_list if i.month == month))
                for month in (6, 11)}
    frames = []
    for item, agg in per_list:
        listed = agg.index
        agg = agg.reindex(sorted(universe[item.month]), fill_value=0).reset_index()
        agg["year"] = item.year
        filled = ~agg["iso3"].isin(listed)  # no system on this list: the 0 is written here
        source = SOURCE if item.month == 11 else SOURCE_JUNE
        for measure in ("systems", "rmax"):
            series = f"{item.prefix}.{measure}"
            unit = SERIES[series]["unit"]
            file = rel(raw_dir, item.path)
            frames.append(tidy(agg.rename(columns={measure: "value"}), series=series, unit=unit,
                               source=source, file=file))
            frames.append(markers(agg, filled, series, ZERO_FILLED, unit=unit, source=source,
                                  file=file, value=measure))
    return concat(frames)
