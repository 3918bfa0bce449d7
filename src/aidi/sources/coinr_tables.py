"""COINr's two tables read and validated: `iMeta` (the tree, directions, weights) and `iData`
(one row per unit), every problem named by file, line and column (see `aidi.sources.coinr`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.errors import AidiError

#: iData columns that are not described in iMeta.
SPECIAL_COLUMNS = ("uCode", "uName", "Time")
#: The `Type`s COINr allows in iMeta.
TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")
#: iMeta columns COINr requires.
REQUIRED_META = ("Level", "iCode", "Parent", "Direction", "Type", "Weight")
#: Cell texts read as missing (R's write.csv writes NA; spreadsheets write blanks).
NA_TEXT = frozenset({"", "NA", "NaN", "nan", "N/A", "#N/A", "NULL", "null"})
#: The year given to observations when iData has no `Time` column (a single cross-section).
DEFAULT_YEAR = 2000
#: Canonical order of the building functions aidi's pipeline runs.
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")



class CoinTableError(AidiError, ValueError):
    """A malformed iData / iMeta table or steps file; the message says where and why."""


# ============================================================================ table reading

def _read_table(path: Path) -> pd.DataFrame:
    """A CSV read as text (no type guessing), with each row's line number in the file."""
    path = Path(path)
    if not path.is_file():
        raise CoinTableError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                            encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise CoinTableError(f"{path}: the file is empty (a CSV table with a header row is "
                             "needed)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CoinTableError(f"{path}: not a readable CSV table (UTF-8 text with a header "
                             f"row): {detail}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    dup = frame.columns[frame.columns.duplicated()].tolist()
    if dup:
        raise CoinTableError(f"{path.name}: duplicate column(s) {dup}")
    frame = frame.apply(lambda col: col.str.strip())
    frame["_line"] = np.arange(len(frame)) + 2  # header is line 1
    return frame


def _missing(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell in NA_TEXT


def _codes_or_none(col: pd.Series) -> pd.Series:
    """Text cells with the NA markers as None (object dtype, so None stays None)."""
    return pd.Series([None if _missing(v) else str(v) for v in col], index=col.index,
                     dtype=object)


def _number(cell: str, where: str, column: str) -> float:
    """Parse one cell as a number (missing → NaN), or raise naming the cell."""
    if _missing(cell):
        return float("nan")
    try:
        value = float(cell)
    except ValueError:
        raise CoinTableError(f"{where}: {column} must be numeric, got {cell!r}") from None
    if np.isinf(value):  # 'inf', '-Inf', '1e999': never silently a missing value
        raise CoinTableError(f"{where}: {column} is {cell!r}, not a finite number; give the "
                             "value, or NA if it is missing")
    return value


def read_imeta(path: Path) -> pd.DataFrame:
    """Read and validate an iMeta table (see the module docstring for the columns).

    Checks, each naming the offending row: required columns; `Type` one of COINr's five;
    `iCode` present, unique and usable as an id (starts with a letter); for indicators and
    aggregates a positive integer `Level` (1 for indicators), `Direction` ±1, a numeric
    non-negative `Weight`, a `Parent` that is an aggregate of the level just above; one root;
    no cycle; no empty aggregate; an indicator's `Denominator` is a `Denominator` row.
    Returns the table with `Level`, `Direction`, `Weight`, `Target` parsed as numbers.
    """
    path = Path(path)
    meta = _read_table(path)
    name = path.name
    missing = [c for c in REQUIRED_META if c not in meta.columns]
    if missing:
        raise CoinTableError(f"{name}: missing column(s) {missing}; a COINr iMeta table needs "
                             f"{list(REQUIRED_META)}")
    where = _where(name)
    _check_codes(meta, where)
    _parse_columns(meta, where)
    tree = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    if not (tree["Type"] == "Indicator").any():
        raise CoinTableError(f"{name}: no row of Type 'Indicator'")
    types = dict(zip(meta["iCode"], meta["Type"], strict=True))
    for _, row in tree.iterrows():
        _check_tree_row(row, types, where, name)
    _check_cycles(tree, name)
    _check_levels(tree, dict(zip(meta["iCode"], meta["Level"], strict=True)), where)
    _check_root_and_children(tree, where, name)
    if "Denominator" in meta.columns:
        for _, row in tree[tree["Type"] == "Indicator"].iterrows():
            den = row["Denominator"]
            if den is not None and types.get(den) != "Denominator":
                raise CoinTableError(f"{where(row)}: Denominator {den!r} is not an iCode of Type "
                                     f"'Denominator' in {name}")
    return meta.reset_index(drop=True)


def _where(name: str):
    """`where(row)`: the file, line and iCode of an iMeta row, for error messages."""
    def where(row: pd.Series) -> str:
        code = f" (iCode {row['iCode']!r})" if row["iCode"] else ""
        return f"{name} line {row['_line']}{code}"
    return where


def _check_codes(meta: pd.DataFrame, where) -> None:
    """Every iCode present, unique, usable as an id; every Type one of COINr's."""
    seen: dict[str, int] = {}
    for _, row in meta.iterrows():
        code = row["iCode"]
        if _missing(code):
            raise CoinTableError(f"{where(row)}: iCode is empty")
        if code in seen:
            raise CoinTableError(f"{where(row)}: iCode {code!r} is already used on line "
                                 f"{seen[code]}")
        seen[code] = int(row["_line"])
        if not _ID.match(code) or len(code) > 64:
            raise CoinTableError(f"{where(row)}: iCode {code!r} must start with a letter and "
                                 "contain only letters, digits, '_', '.' or '-' (≤ 64 characters)")
        if row["Type"] not in TYPES:
            raise CoinTableError(f"{where(row)}: Type {row['Type']!r} is not one of {list(TYPES)}")


def _parse_columns(meta: pd.DataFrame, where) -> None:
    """Level, Direction, Weight, Target as numbers; Parent, Denominator as codes (in place)."""
    numeric = {}
    for col in ("Level", "Direction", "Weight", "Target"):
        if col in meta.columns:
            numeric[col] = [_number(c, where(r), col) for c, (_, r) in
                            zip(meta[col], meta.iterrows(), strict=True)]
    for col, values in numeric.items():
        meta[col] = np.array(values, dtype=float)
    for col in ("Parent", "Denominator"):
        if col in meta.columns:
            meta[col] = _codes_or_none(meta[col])


def _check_tree_row(row: pd.Series, types: Mapping[str, str], where, name: str) -> None:
    """One indicator or aggregate row: Level, Direction, Weight, and a Parent that exists and
    is an Aggregate."""
    lev = row["Level"]
    if not (np.isfinite(lev) and lev == int(lev) and lev >= 1):
        raise CoinTableError(f"{where(row)}: Level must be a positive integer, got "
                             f"{row['Level']!r}")
    if row["Type"] == "Indicator" and lev != 1:
        raise CoinTableError(f"{where(row)}: an Indicator must be at Level 1, got {lev:g}")
    if row["Direction"] not in (1.0, -1.0):
        raise CoinTableError(f"{where(row)}: Direction must be 1 or -1, got "
                             f"{row['Direction']!r}")
    if not (np.isfinite(row["Weight"]) and row["Weight"] >= 0):
        raise CoinTableError(f"{where(row)}: Weight must be a number ≥ 0, got "
                             f"{row['Weight']!r}")
    parent = row["Parent"]
    if parent is None:
        if row["Type"] == "Indicator":
            raise CoinTableError(f"{where(row)}: an Indicator needs a Parent")
        return
    if parent not in types:
        raise CoinTableError(f"{where(row)}: Parent {parent!r} is not an iCode of {name} "
                             "(unknown parent)")
    if types[parent] != "Aggregate":
        raise CoinTableError(f"{where(row)}: Parent {parent!r} is a {types[parent]}, not an "
                             "Aggregate")


def _check_levels(tree: pd.DataFrame, levels: Mapping[str, float], where) -> None:
    """Each parent sits at the level just above its child."""
    for _, row in tree.iterrows():
        parent = row["Parent"]
        if parent is not None and levels[parent] != row["Level"] + 1:
            raise CoinTableError(f"{where(row)}: Parent {parent!r} is at Level "
                                 f"{levels[parent]:g}, not {row['Level'] + 1:g} (the level just "
                                 "above)")


def _check_root_and_children(tree: pd.DataFrame, where, name: str) -> None:
    """Exactly one root, and no aggregate without children."""
    roots = tree[(tree["Type"] == "Aggregate") & tree["Parent"].isna()]
    if len(roots) != 1:
        lines = ", ".join(f"line {ln} ({c})" for ln, c in zip(roots["_line"], roots["iCode"],
                                                               strict=True))
        raise CoinTableError(f"{name}: the tree needs exactly one root (an Aggregate without "
                             f"Parent), found {len(roots)}{': ' + lines if lines else ''}")
    has_child = set(tree["Parent"].dropna())
    for _, row in tree[tree["Type"] == "Aggregate"].iterrows():
        if row["iCode"] not in has_child:
            raise CoinTableError(f"{where(row)}: Aggregate {row['iCode']!r} has no children")


def _check_cycles(tree: pd.DataFrame, name: str) -> None:
    """Follow every row's parents; a chain that comes back to itself is a cycle."""
    parent = dict(zip(tree["iCode"], tree["Parent"], strict=True))
    line = dict(zip(tree["iCode"], tree["_line"], strict=True))
    for start in parent:
        chain = [start]
        node = parent.get(start)
        while node is not None:
            if node in chain:
                loop = chain[chain.index(node):] + [node]
                raise CoinTableError(
                    f"{name}: the Parent links form a cycle {' → '.join(loop)} (lines "
                    f"{', '.join(str(line[c]) for c in loop[:-1])})")
            chain.append(node)
            node = parent.get(node)


def read_idata(path: Path, meta: pd.DataFrame, time: int | None = None) -> pd.DataFrame:
    """Read and validate an iData table against its (validated) iMeta.

    Checks, each naming the row or column: a `uCode` column, every uCode present and unique;
    `Time` numeric, and a single `Time` (several = panel data: choose one with `time`); every
    Indicator, Denominator and Group of iMeta has a column and every column (but uCode, uName,
    Time) is in iMeta; indicator and denominator cells numeric (or NA); no indicator entirely
    missing. Returns the rows of the chosen time, with indicator/denominator columns as floats.
    """
    path = Path(path)
    data = _read_table(path)
    name = path.name
    if "uCode" not in data.columns:
        raise CoinTableError(f"{name}: no 'uCode' column (COINr's iData needs one)")
    for _, row in data.iterrows():
        if _missing(row["uCode"]):
            raise CoinTableError(f"{name} line {row['_line']}: uCode is empty")
    if "Time" in data.columns:
        data["Time"] = [_number(c, f"{name} line {ln} (uCode {u!r})", "Time")
                        for c, ln, u in zip(data["Time"], data["_line"], data["uCode"],
                                            strict=True)]
        times = sorted(t for t in data["Time"].unique() if np.isfinite(t))
        if time is not None:
            if float(time) not in times:
                raise CoinTableError(f"{name}: no row with Time {time} (Time values: "
                                     f"{[int(t) for t in times]})")
            data = data[data["Time"] == float(time)]
        elif len(times) > 1:
            raise CoinTableError(f"{name}: several Time values {[int(t) for t in times]} — this "
                                 "is panel data (a COINr purse); choose one with `time:` in the "
                                 "steps file")
        if data["Time"].isna().any():
            row = data[data["Time"].isna()].iloc[0]
            raise CoinTableError(f"{name} line {row['_line']} (uCode {row['uCode']!r}): Time is "
                                 "missing")
    dup = data[data["uCode"].duplicated(keep=False)]
    if not dup.empty:
        code = dup["uCode"].iloc[0]
        lines = dup.loc[dup["uCode"] == code, "_line"].tolist()
        raise CoinTableError(f"{name}: uCode {code!r} appears more than once (lines {lines})")
    upper = data["uCode"].str.upper()
    if upper.duplicated().any():
        code = data.loc[upper.duplicated(keep=False), "uCode"].tolist()
        raise CoinTableError(f"{name}: uCodes {code} differ only by case; aidi upper-cases unit "
                             "codes, so they would collide")

    mname = "iMeta"
    for _, row in meta[meta["Type"].isin(["Indicator", "Denominator", "Group"])].iterrows():
        if row["iCode"] not in data.columns:
            kind = row["Type"].lower()
            raise CoinTableError(f"{mname} line {row['_line']} (iCode {row['iCode']!r}): the "
                                 f"{kind} column {row['iCode']!r} is missing from {name}")
    described = set(meta["iCode"])
    for col in data.columns:
        if col not in described and col not in SPECIAL_COLUMNS and col != "_line":
            raise CoinTableError(f"{name}: column {col!r} is not described in iMeta (add a row "
                                 "for it, with Type 'Other' to pass it through unused)")
    for code in meta.loc[meta["Type"].isin(["Indicator", "Denominator"]), "iCode"]:
        data[code] = [_number(c, f"{name} line {ln} (uCode {u!r})", f"column {code!r}")
                      for c, ln, u in zip(data[code], data["_line"], data["uCode"], strict=True)]
        data[code] = data[code].astype(float)
    for code in meta.loc[meta["Type"] == "Indicator", "iCode"]:
        if data[code].isna().all():
            raise CoinTableError(f"{name}: indicator column {code!r} has no value at all")
    return data.reset_index(drop=True)


