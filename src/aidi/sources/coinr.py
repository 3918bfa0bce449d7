"""COINr-style input: an `iData` and an `iMeta` table (plus a steps file) → an aidi build.

COINr (bluefoxr/COINr, the most used composite-indicator package) describes an index with two
tables, and its users bring them along:

- `iData`: one row per unit — `uCode` (required), `uName`, `Time`, group columns, denominator
  columns and one column per indicator (`iCode`);
- `iMeta`: one row per column of `iData` and per aggregate — `Level, iCode, Parent, Direction,
  Type, Weight` (required), `iName, Unit, Target, Denominator` (optional), where `Type` is
  `Indicator`, `Aggregate`, `Group`, `Denominator` or `Other`.

`read_coin` turns them into what `aidi.engine.pipeline.build` takes: an `IndexSpec` (the tree,
directions and weights from `iMeta`; the build steps from a small YAML steps file), tidy
observations (`iso3` = uCode, `year` = `Time`, `series` = iCode, denominators as series of their
own) and a `unit_info` frame with the group columns (for imputation by group).

Every malformed table is refused with an error that names the file, the line and the column
(`ASEM_iMeta.csv line 12 (iCode 'Gas'): Parent 'Energy' is not an iCode of iMeta`), because a
COINr user's first failures are structural and COINr's own messages rarely say where.

The steps file (`kind: coinr-steps`, see `src/aidi/specs/asem_example.yaml`) lists COINr's
building functions in order, with their settings in aidi's vocabulary (COINr's function names
such as `i_mean_grp`, `n_minmax`, `a_amean` are accepted as aliases where the semantics are the
same). Per-indicator settings are merged over the step's global ones, key by key, as COINr's
`indiv_specs` are (`utils::modifyList`): `Flights: {winmax: 0}` keeps the global method.

Where aidi deliberately differs from COINr (each is a rule, not an accident):
- the steps run in aidi's pipeline order (denominate → impute → treat → normalise → aggregate,
  screening before or after imputation as listed); a list in another order is refused;
- a zero denominator gives a missing value (COINr: Inf), which imputation then fills and logs;
- min–max of a constant indicator gives the midpoint in aidi's syntax (`method: minmax`); in
  COINr's (`f_n: n_minmax`) it is NaN, as in COINr (see `aidi.engine.normalise_coinr`);
- `aggregate.dat_thresh` is COINr's (share of children present, by count); aidi's own
  `min_coverage` counts the children's weight instead;
- a geometric/harmonic mean meeting a zero raises an error naming node, unit and child, unless
  `nonpositive` says `zero` or `offset`;
- the `Direction` of aggregates in iMeta is ignored, as COINr ignores it;
- unit codes are upper-cased (aidi's unit ids); the output files give back iData's spelling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pydantic import ValidationError

from aidi.engine import registry
from aidi.errors import AidiError
from aidi.rawdata import find_raw_dir
from aidi.specs.schema import (
    Aggregate,
    Defaults,
    Impute,
    IndexSpec,
    Indicator,
    Label,
    Node,
    Normalise,
    PublishedValue,
    Screen,
    Transform,
    Treat,
    YearRule,
)

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
STEP_ORDER = ("denominate", "impute", "treat", "normalise", "aggregate")
STEP_KINDS = (*STEP_ORDER, "screen")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")


class CoinTableError(AidiError, ValueError):
    """A malformed iData / iMeta table or steps file; the message says where and why."""


class CoinInputs(NamedTuple):
    """What `read_coin` returns (unpacks as `spec, observations, unit_info`)."""

    spec: IndexSpec
    observations: pd.DataFrame
    unit_info: pd.DataFrame


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

    def where(row: pd.Series) -> str:
        code = f" (iCode {row['iCode']!r})" if row["iCode"] else ""
        return f"{name} line {row['_line']}{code}"

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

    tree = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    if not (tree["Type"] == "Indicator").any():
        raise CoinTableError(f"{name}: no row of Type 'Indicator'")
    types = dict(zip(meta["iCode"], meta["Type"], strict=True))
    levels = dict(zip(meta["iCode"], meta["Level"], strict=True))
    for _, row in tree.iterrows():
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
            continue
        if parent not in types:
            raise CoinTableError(f"{where(row)}: Parent {parent!r} is not an iCode of {name} "
                                 "(unknown parent)")
        if types[parent] != "Aggregate":
            raise CoinTableError(f"{where(row)}: Parent {parent!r} is a {types[parent]}, not an "
                                 "Aggregate")
    _check_cycles(tree, name)
    for _, row in tree.iterrows():
        parent = row["Parent"]
        if parent is not None and levels[parent] != row["Level"] + 1:
            raise CoinTableError(f"{where(row)}: Parent {parent!r} is at Level "
                                 f"{levels[parent]:g}, not {row['Level'] + 1:g} (the level just "
                                 "above)")
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
    if "Denominator" in meta.columns:
        for _, row in tree[tree["Type"] == "Indicator"].iterrows():
            den = row["Denominator"]
            if den is not None and types.get(den) != "Denominator":
                raise CoinTableError(f"{where(row)}: Denominator {den!r} is not an iCode of Type "
                                     f"'Denominator' in {name}")
    return meta.reset_index(drop=True)


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


# ============================================================================ the steps file

class _Alias(NamedTuple):
    value: str
    extra: dict[str, Any]


#: COINr function names accepted as methods, where aidi's method has the same semantics.
METHOD_ALIASES: dict[str, dict[str, _Alias]] = {
    "impute": {"i_mean": _Alias("mean", {}), "i_median": _Alias("median", {}),
               "i_mean_grp": _Alias("mean", {}), "i_median_grp": _Alias("median", {})},
    "treat": {"winsorise": _Alias("winsorise", {})},
    "normalise": {"n_minmax": _Alias("minmax", {}), "n_zscore": _Alias("zscore", {}),
                  "n_dist2max": _Alias("minmax", {"low": 0.0, "high": 1.0})},
    "aggregate": {"a_amean": _Alias("arithmetic", {}), "a_gmean": _Alias("geometric", {}),
                  "a_hmean": _Alias("harmonic", {})},
}
#: COINr parameter names accepted as aliases of aidi's.
PARAM_ALIASES = {"use_group": "group", "dat_thresh": "min_availability"}


def _translate(kind: str, raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A step's (or override's) settings in COINr or aidi words → aidi schema fields.

    COINr's call syntax (`f_n`/`f_n_para`, `f_ag`, `f_i`/`use_group`, `f1_para`/`f2`) is
    rewritten first by `aidi.engine.registry`, with COINr's defaults, so overrides merge key by
    key in aidi's vocabulary.
    """
    translate = _COINR_SYNTAX.get(kind)
    if translate is not None:
        try:
            raw = translate(raw)
        except ValueError as exc:
            raise CoinTableError(f"{where}: {exc}") from None
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if kind == "aggregate" and key == "dat_thresh":
            out[key] = value  # COINr's threshold by count of children, exactly
            continue
        key = PARAM_ALIASES.get(key, key)
        if kind == "aggregate" and key == "min_availability":
            key = "min_coverage"  # COINr's Aggregate(dat_thresh = …)
        if key == "l_u":
            if not (isinstance(value, list | tuple) and len(value) == 2):
                raise CoinTableError(f"{where}: l_u must be [low, high], got {value!r}")
            out["low"], out["high"] = float(value[0]), float(value[1])
            continue
        if key == "m_sd":
            if not (isinstance(value, list | tuple) and len(value) == 2):
                raise CoinTableError(f"{where}: m_sd must be [mean, sd], got {value!r}")
            out["mean"], out["sd"] = float(value[0]), float(value[1])
            continue
        out[key] = value
    method = out.get("method")
    alias = METHOD_ALIASES.get(kind, {}).get(method) if isinstance(method, str) else None
    if alias is not None:
        out["method"] = alias.value
        for k, v in alias.extra.items():
            out.setdefault(k, v)
    return out


_COINR_SYNTAX = {"impute": registry.coinr_impute, "treat": registry.coinr_treat,
                 "normalise": registry.coinr_normalise, "aggregate": registry.coinr_aggregate}
_MODELS = {"impute": Impute, "treat": Treat, "normalise": Normalise, "aggregate": Aggregate,
           "screen": Screen}
_OVERRIDE_KEYS = {"impute": ("indicators",), "treat": ("indicators",),
                  "normalise": ("indicators",), "aggregate": ("levels", "nodes"),
                  "denominate": ("indicators",), "screen": ()}


def _model(kind: str, settings: Mapping[str, Any], where: str) -> Any:
    try:
        return _MODELS[kind].model_validate(dict(settings))
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or kind}: {e['msg']}"
                            for e in exc.errors())
        raise CoinTableError(f"{where}: {reasons}") from None


class CoinSteps(NamedTuple):
    """The steps file, resolved: global settings per step, overrides, and the file's metadata."""

    id: str
    name: Label
    description: str
    files: dict[str, Path | None]      # data, meta (None: not given)
    time: int | None
    order: tuple[str, ...]             # the steps as listed
    settings: dict[str, dict[str, Any]]   # kind → translated global settings
    overrides: dict[str, dict[str, Any]]  # kind → {indicators|levels|nodes: {...}}
    published: tuple[PublishedValue, ...]
    origin: str


def default_steps(meta: pd.DataFrame) -> list[dict[str, Any]]:
    """The build without a steps file: COINr's function defaults — denominate when iMeta has
    denominators, min–max onto 0–100 (`n_minmax`), weighted arithmetic mean (`a_amean`); no
    imputation, screening or treatment (COINr runs those only when asked)."""
    steps: list[dict[str, Any]] = []
    if "Denominator" in meta.columns and meta["Denominator"].notna().any():
        steps.append({"denominate": {}})
    steps += [{"normalise": {"method": "minmax", "low": 0, "high": 100}},
              {"aggregate": {"method": "arithmetic"}}]
    return steps


def parse_steps(raw: Mapping[str, Any] | None, origin: str = "<steps>",
                base: Path | None = None) -> CoinSteps:
    """Validate a steps mapping (the parsed YAML); `base` resolves relative file paths."""
    raw = dict(raw or {})
    if "root" in raw and "kind" not in raw:
        raise CoinTableError(f"{origin}: this is an aidi index spec (it has a `root`), not a "
                             "COINr steps file; with --coin-data/--coin-meta the tree comes from "
                             "iMeta and the YAML holds only `steps` (see the shipped 'asem')")
    kind = raw.pop("kind", "coinr-steps")
    if kind != "coinr-steps":
        raise CoinTableError(f"{origin}: kind must be 'coinr-steps', got {kind!r}")
    known = {"id", "name", "description", "coin", "steps", "published", "edition"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CoinTableError(f"{origin}: unknown key(s) {unknown}; expected {sorted(known)}")
    sid = str(raw.get("id", "coin"))
    if not _ID.match(sid):
        raise CoinTableError(f"{origin}: id {sid!r} must start with a letter")
    name = raw.get("name") or sid
    try:
        label = Label(en=name) if isinstance(name, str) else Label.model_validate(name)
    except ValidationError as exc:
        raise CoinTableError(f"{origin}: name: {exc.errors()[0]['msg']}") from None
    coin = raw.get("coin") or {}
    if not isinstance(coin, Mapping) or set(coin) - {"data", "meta", "time"}:
        raise CoinTableError(f"{origin}: coin must be a mapping with data, meta and optionally "
                             "time")
    files = {k: (Path(str(coin[k])) if coin.get(k) else None) for k in ("data", "meta")}
    if base is not None:
        files = {k: (v if v is None or v.is_absolute() else base / v) for k, v in files.items()}
    time = coin.get("time")
    if time is not None and not (isinstance(time, int) and not isinstance(time, bool)):
        raise CoinTableError(f"{origin}: coin.time must be a year (an integer), got {time!r}")

    steps = raw.get("steps")
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        raise CoinTableError(f"{origin}: steps must be a list of single-key mappings")
    order: list[str] = []
    settings: dict[str, dict[str, Any]] = {}
    overrides: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(steps):
        where = f"{origin}: steps[{i}]"
        if not (isinstance(item, Mapping) and len(item) == 1):
            raise CoinTableError(f"{where}: each step is a mapping with one key, one of "
                                 f"{list(STEP_KINDS)}")
        (step, body), = item.items()
        if step not in STEP_KINDS:
            raise CoinTableError(f"{where}: unknown step {step!r}; steps are {list(STEP_KINDS)}")
        if step in order:
            raise CoinTableError(f"{where}: step {step!r} is listed twice")
        body = dict(body or {})
        over = {k: body.pop(k) for k in _OVERRIDE_KEYS[step] if k in body}
        where = f"{where}.{step}"
        if step == "aggregate":
            _levels_from_vectors(body, over, where)
        if step == "denominate":
            if "denomby" in body:
                over["denomby"] = _denomby(body.pop("denomby"), where)
            if body:
                raise CoinTableError(f"{where}: unknown setting(s) {sorted(body)}; denominate "
                                     "takes `denomby: [{iCode, Denominator, ScaleFactor}, …]` "
                                     "and `indicators: {{iCode: denominator or null}}`")
        else:
            if step == "screen":
                if "on" in body:
                    raise CoinTableError(f"{where}: no `on` here — the step's place in the list "
                                         "says it: before impute = raw data, after = imputed")
                _screen_body(body, where)
            if step == "treat":
                body.setdefault("method", "winsorise")
                body.setdefault("fallback", "log_ct")  # COINr's default f2 = "log_CT"
            translated = _translate(step, body, where)
            _model(step, translated, where)  # validate now, with the step's location
            settings[step] = translated
        for key, value in over.items():
            if not isinstance(value, Mapping):
                raise CoinTableError(f"{where}.{key}: must be a mapping")
        overrides[step] = over
        order.append(step)
    _check_order(order, origin)

    published = []
    for i, pub in enumerate(raw.get("published") or []):
        try:
            published.append(PublishedValue.model_validate(pub))
        except ValidationError as exc:
            raise CoinTableError(f"{origin}: published[{i}]: {exc.errors()[0]['msg']}") from None
    return CoinSteps(sid, label, str(raw.get("description", "")), files,
                     time, tuple(order), settings, overrides,
                     tuple(published), origin)


#: Aggregate arguments COINr takes as one value or one per level (levels 2 … max)
_PER_LEVEL = ("f_ag", "f_ag_para", "dat_thresh")


def _levels_from_vectors(body: dict[str, Any], over: dict[str, Any], where: str) -> None:
    """COINr's per-level vectors (`f_ag = c("a_amean", "a_gmean")`, `f_ag_para = list(list(p =
    2), …)`, `dat_thresh = c(…)`): entry i is level i + 2. Moved into `levels:` overrides
    (under any the file gives itself); the length is checked against the tree later."""
    levels = dict(over.get("levels") or {})
    for key in _PER_LEVEL:
        value = body.get(key)
        if not isinstance(value, list) or (key == "f_ag_para" and len(value) == 1
                                           and isinstance(value[0], Mapping)):
            if key == "f_ag_para" and isinstance(value, list):
                body[key] = value[0]
            continue
        body.pop(key)
        for i, item in enumerate(value):
            entry = dict(levels.get(i + 2) or {})
            entry.setdefault(key, item)
            if key == "f_ag_para" and item is None:
                entry.pop(key)
            levels[i + 2] = entry
        levels.setdefault("_vector_length", len(value))
    if levels:
        over["levels"] = levels


def _denomby(table: Any, where: str) -> dict[str, tuple[str, float]]:
    """COINr's `Denominate(denomby = …)` table as records `{iCode, Denominator, ScaleFactor}`
    (ScaleFactor optional, default 1): iCode → (denominator, scale factor). It replaces iMeta's
    Denominator column, as in COINr; x / (denominator / ScaleFactor) is computed."""
    if not isinstance(table, list) or not all(isinstance(r, Mapping) for r in table):
        raise CoinTableError(f"{where}.denomby: a list of {{iCode, Denominator, ScaleFactor}} "
                             "records (COINr's data frame)")
    out: dict[str, tuple[str, float]] = {}
    for i, rec in enumerate(table):
        extra = set(rec) - {"iCode", "Denominator", "ScaleFactor"}
        if extra or not isinstance(rec.get("iCode"), str) or not isinstance(
                rec.get("Denominator"), str):
            raise CoinTableError(f"{where}.denomby[{i}]: needs iCode and Denominator (text) and "
                                 f"optionally ScaleFactor{'; unknown ' + str(sorted(extra)) if extra else ''}")
        sf = rec.get("ScaleFactor", 1)
        if isinstance(sf, bool) or not isinstance(sf, int | float) or not sf > 0:
            raise CoinTableError(f"{where}.denomby[{i}]: ScaleFactor must be a number > 0, got "
                                 f"{sf!r}")
        out[rec["iCode"]] = (rec["Denominator"], float(sf))
    return out


def _screen_body(body: dict[str, Any], where: str) -> None:
    """COINr's `Screen` arguments: `unit_screen` (byNA, byzeros, byNAandzeros), `dat_thresh`
    (COINr's default 2/3 when left out), `nonzero_thresh` (default 0.05) and `Force` — a table
    `{uCode: [...], Include: [true/false, ...]}` — into aidi's `Screen` fields."""
    if "dat_thresh" not in body and "min_availability" not in body:
        body["dat_thresh"] = 2 / 3
    force = body.pop("Force", None)
    if force is None:
        return
    if not (isinstance(force, Mapping) and set(force) == {"uCode", "Include"}
            and isinstance(force["uCode"], list) and isinstance(force["Include"], list)
            and len(force["uCode"]) == len(force["Include"])
            and all(isinstance(v, bool) for v in force["Include"])):
        raise CoinTableError(f"{where}: Force must be {{uCode: [codes], Include: [true/false, "
                             "…]}} of equal lengths (COINr's data frame)")
    pairs = list(zip((str(u).upper() for u in force["uCode"]), force["Include"], strict=True))
    body["force_include"] = [u for u, inc in pairs if inc]
    body["force_exclude"] = [u for u, inc in pairs if not inc]


def _check_order(order: list[str], origin: str) -> None:
    """aidi's pipeline runs denominate → impute → treat → normalise → aggregate, with screen
    either before or after impute (never after treat); a steps list in another order is refused
    rather than silently reordered."""
    rest = [s for s in order if s != "screen"]
    ranks = [STEP_ORDER.index(s) for s in rest]
    if ranks != sorted(ranks):
        raise CoinTableError(f"{origin}: steps in order {order}; aidi runs them in the order "
                             f"{list(STEP_ORDER)} (screen before or after impute)")
    if "screen" in order:
        pos = order.index("screen")
        later = [s for s in order[:pos] if s in ("treat", "normalise", "aggregate")]
        if later:
            raise CoinTableError(f"{origin}: screen comes after {later[0]}; aidi screens units "
                                 "before or after imputation, before treatment")
        if "denominate" in order and order.index("denominate") > pos:
            raise CoinTableError(f"{origin}: denominate must come before screen")


def load_steps(path: Path) -> CoinSteps:
    """Read a steps YAML file (relative data paths resolve against its folder, then the
    raw-data root)."""
    path = Path(path)
    if not path.is_file():
        raise CoinTableError(f"{path}: no such steps file")
    from aidi.specs.loader import SpecError, read_yaml

    try:
        raw = read_yaml(path, what="steps file")
    except SpecError as exc:
        raise CoinTableError(str(exc)) from None
    if raw is not None and not isinstance(raw, Mapping):
        raise CoinTableError(f"{path}: a steps file is a YAML mapping (kind, id, coin, steps)")
    steps = parse_steps(raw, origin=str(path))
    files = {k: (None if v is None else _resolve(v, path.parent)) for k, v in steps.files.items()}
    return steps._replace(files=files)


def raw_roots() -> list[Path]:
    """Where a relative `coin: data:` path may live: the raw-data folder of
    `aidi.rawdata.find_raw_dir` (the one resolver of library, CLI and tests)."""
    found = find_raw_dir()
    return [found] if found is not None else []


def _resolve(path: Path, base: Path) -> Path:
    if path.is_absolute():
        return path
    for root in (base, *raw_roots()):
        if (root / path).is_file():
            return root / path
    return base / path


# ============================================================================ building the spec

def _merged(kind: str, steps: CoinSteps, extra: Mapping[str, Any] | None, where: str) -> Any:
    """A step's global settings with `extra` merged over them key by key (COINr modifyList).

    A step that is not listed does nothing (`method: none`), as a COINr build without that
    function; in particular no normalisation is aidi's `none`, not its `ratio` default.
    """
    base = dict(steps.settings.get(kind, {"method": "none"} if kind != "aggregate" else {}))
    if extra is None:
        return _model(kind, base, where)
    if extra == "none" or extra is False:
        return _model(kind, {**base, "method": "none"}, where)
    if not isinstance(extra, Mapping):
        raise CoinTableError(f"{where}: must be a mapping of settings or 'none'")
    base.update(_translate(kind, extra, where))
    return _model(kind, base, where)


#: COINr `f_n_para = "use_iMeta"`: the iMeta columns each normaliser reads (get_iMeta_norm_paras)
IMETA_NORM_COLUMNS = {
    "minmax": ("minmax_lower", "minmax_upper"),
    "scaled": ("scaled_lower", "scaled_upper"),
    "zscore": ("zscore_mean", "zscore_sd"), "target": ("Target",),
    "goalposts": ("goalpost_lower", "goalpost_upper", "goalpost_scale"),
}


def _imeta_norm_params(norm: Normalise, row: pd.Series, code: str) -> Normalise:
    """One indicator's normalisation parameters from its iMeta row (COINr's `use_iMeta`).

    Goalposts and targets are on the indicator's own scale; the engine applies the direction
    (COINr negates them for a negative indicator, which gives the same scores). Optional
    columns `dist2targ_cap_max` and `goalpost_trunc2posts` default to FALSE and TRUE.
    """
    where = f"iMeta line {row['_line']} (iCode {code!r})"
    cols = IMETA_NORM_COLUMNS.get(norm.method)
    if cols is None:
        raise CoinTableError(f"{where}: normaliser {norm.method!r} takes no iMeta parameters "
                             f"(COINr supports use_iMeta for {sorted(IMETA_NORM_COLUMNS)})")

    def num(col: str) -> float:
        cell = row.get(col)
        value = cell if isinstance(cell, float) else _number(cell, where, col) \
            if isinstance(cell, str) else float("nan")
        if not np.isfinite(value):
            raise CoinTableError(f"{where}: use_iMeta needs a number in column {col!r}")
        return float(value)

    def flag(col: str, default: bool) -> bool:
        cell = row.get(col)
        if cell is None or (isinstance(cell, str) and _missing(cell)):
            return default
        if str(cell).upper() in ("TRUE", "T", "1", "1.0"):
            return True
        if str(cell).upper() in ("FALSE", "F", "0", "0.0"):
            return False
        raise CoinTableError(f"{where}: {col} must be TRUE or FALSE, got {cell!r}")

    v = [num(c) for c in cols]
    d = float(row["Direction"])
    # COINr's get_iMeta_norm_paras: values for the d·x scale its normalisers see
    oriented = norm.semantics == "coinr"
    lo, hi = (-v[1], -v[0]) if oriented and d < 0 and len(v) > 1 else (v[0], v[1] if
                                                                        len(v) > 1 else 0.0)
    upd: dict[str, Any] = {"use_imeta": False}
    if norm.method == "minmax":
        upd.update(low=v[0], high=v[1])
    elif norm.method == "scaled":
        has_sf = not _missing(row.get("scale_factor")) if isinstance(row.get("scale_factor"),
                                                                       str) else \
            row.get("scale_factor") is not None and np.isfinite(row.get("scale_factor"))
        upd.update(npara=(lo, hi), scale_factor=num("scale_factor") if oriented or has_sf
                   else norm.scale_factor)
    elif norm.method == "zscore":
        upd.update(mean=v[0], sd=v[1])
    elif norm.method == "target":
        upd.update(target=v[0] * d if oriented else v[0],
                   cap=flag("dist2targ_cap_max", False))
    else:
        upd.update(goalposts=(lo, hi, v[2]) if oriented else tuple(v),
                   trunc=flag("goalpost_trunc2posts", True))
    try:
        return Normalise.model_validate({**norm.model_dump(), **upd})
    except ValidationError as exc:
        raise CoinTableError(f"{where}: {exc.errors()[0]['msg']}") from None


def spec_from_coin(meta: pd.DataFrame, steps: CoinSteps, units: list[str],
                   year: int) -> IndexSpec:
    """The aidi spec: the tree, directions, weights, denominators and targets from iMeta; the
    build settings from the steps; one exact year; the units of iData."""
    tree = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    codes = set(tree["iCode"])
    ind_codes = set(tree.loc[tree["Type"] == "Indicator", "iCode"])
    agg_codes = codes - ind_codes
    for kind, keys in (("impute", "indicators"), ("treat", "indicators"),
                       ("normalise", "indicators"), ("denominate", "indicators"),
                       ("aggregate", "nodes")):
        wanted = set(steps.overrides.get(kind, {}).get(keys, {}))
        valid = ind_codes if keys == "indicators" else agg_codes
        unknown = sorted(wanted - valid)
        if unknown:
            raise CoinTableError(f"{steps.origin}: {kind}.{keys} names {unknown}, which are not "
                                 f"{'indicators' if keys == 'indicators' else 'aggregates'} of "
                                 "iMeta")
    lev_over = dict(steps.overrides.get("aggregate", {}).get("levels", {}))
    max_level = int(tree["Level"].max())
    n_vec = lev_over.pop("_vector_length", None)
    if n_vec is not None and n_vec != max_level - 1:
        raise CoinTableError(f"{steps.origin}: aggregate: a per-level vector (f_ag, f_ag_para or "
                             f"dat_thresh) needs one entry per level 2…{max_level} "
                             f"({max_level - 1}), got {n_vec} (COINr's length rule)")
    for lev in lev_over:
        if not (isinstance(lev, int) and 2 <= lev <= max_level):
            raise CoinTableError(f"{steps.origin}: aggregate.levels key {lev!r} must be a level "
                                 f"of an aggregate, 2…{max_level}")

    defaults = Defaults(
        years=YearRule(rule="exact", start=year, end=year, fallback="none"),
        impute=_merged("impute", steps, None, f"{steps.origin}: impute"),
        treat=_merged("treat", steps, None, f"{steps.origin}: treat"),
        normalise=_merged("normalise", steps, None, f"{steps.origin}: normalise"))
    denominate = "denominate" in steps.order
    den_over = steps.overrides.get("denominate", {}).get("indicators", {})
    children: dict[str | None, list[pd.Series]] = {}
    for _, row in tree.iterrows():
        children.setdefault(row["Parent"], []).append(row)

    def label(row: pd.Series) -> Label:
        iname = row.get("iName")
        return Label(en=iname if isinstance(iname, str) and not _missing(iname) else row["iCode"])

    def indicator(row: pd.Series) -> Indicator:
        code = row["iCode"]
        fields: dict[str, Any] = {
            "id": code, "name": label(row), "series": code,
            "unit": row.get("Unit") if isinstance(row.get("Unit"), str) and
            not _missing(row.get("Unit")) else "",
            "direction": int(row["Direction"]), "weight": float(row["Weight"])}
        den = row.get("Denominator") if denominate else None
        denomby = steps.overrides.get("denominate", {}).get("denomby")
        scale = 1.0
        if denominate and denomby is not None:
            den, scale = denomby.get(code, (None, 1.0))
        if denominate and code in den_over:
            den = den_over[code]
            if den is not None and den not in set(meta.loc[meta["Type"] == "Denominator",
                                                           "iCode"]):
                raise CoinTableError(f"{steps.origin}: denominate.indicators.{code}: {den!r} is "
                                     "not a Denominator of iMeta")
        if den:
            if den not in set(meta.loc[meta["Type"] == "Denominator", "iCode"]):
                raise CoinTableError(f"{steps.origin}: denominate: {den!r} (for {code}) is not a "
                                     "Denominator of iMeta")
            # COINr: x / (denominator / ScaleFactor)
            fields["transform"] = Transform(kind="ratio", denominator=den, scale=scale)
        for kind in ("impute", "treat", "normalise"):
            over = steps.overrides.get(kind, {}).get("indicators", {})
            if code in over:
                fields[kind] = _merged(kind, steps, over[code],
                                       f"{steps.origin}: {kind}.indicators.{code}")
        norm = fields.get("normalise", defaults.normalise)
        if norm.use_imeta:
            norm = _imeta_norm_params(norm, row, code)
            fields["normalise"] = norm
        if norm.method == "target" and norm.target is None:
            target = row.get("Target")
            if target is None or not np.isfinite(target):
                raise CoinTableError(f"iMeta line {row['_line']} (iCode {code!r}): distance-to-"
                                     "target normalisation needs a Target")
            sign = float(row["Direction"]) if norm.semantics == "coinr" else 1.0
            fields["normalise"] = norm.model_copy(update={"target": float(target) * sign})
        return Indicator(**fields)

    def node(row: pd.Series) -> Node:
        code = row["iCode"]
        agg = dict(steps.settings.get("aggregate", {}))
        for extra in (lev_over.get(int(row["Level"])),
                      steps.overrides.get("aggregate", {}).get("nodes", {}).get(code)):
            if extra is not None:
                if not isinstance(extra, Mapping):
                    raise CoinTableError(f"{steps.origin}: aggregate override for {code}: must "
                                         "be a mapping")
                agg.update(_translate("aggregate", extra, f"{steps.origin}: aggregate {code}"))
        kids = [indicator(k) if k["Type"] == "Indicator" else node(k)
                for k in children.get(code, [])]
        return Node(id=code, name=label(row), weight=float(row["Weight"]),
                    aggregate=_model("aggregate", agg, f"{steps.origin}: aggregate {code}"),
                    children=tuple(kids))

    root = tree[(tree["Type"] == "Aggregate") & tree["Parent"].isna()].iloc[0]
    screen = Screen()
    if "screen" in steps.order:
        pos = steps.order.index("screen")
        after = "impute" in steps.order[:pos]
        screen = _model("screen", {**steps.settings["screen"],
                                   "on": "imputed" if after else "raw"},
                        f"{steps.origin}: screen")
    try:
        return IndexSpec(id=steps.id, name=steps.name, description=steps.description,
                         units=tuple(units), screen=screen, defaults=defaults, root=node(root),
                         published=steps.published)
    except ValidationError as exc:
        raise CoinTableError(f"{steps.origin}: {exc.errors()[0]['msg']}") from None


# ============================================================================ observations

def observations_from_coin(data: pd.DataFrame, meta: pd.DataFrame, year: int,
                           file: str) -> pd.DataFrame:
    """Tidy observations (the architecture's contract) of every indicator and denominator:
    iso3 = uCode (upper case), year, series = iCode, value, unit, source, file. Missing cells
    are left out, as in every other reader."""
    units = data["uCode"].str.upper().to_numpy()
    unit_of = {}
    if "Unit" in meta.columns:
        unit_of = {c: (u if not _missing(u) else "") for c, u in zip(meta["iCode"], meta["Unit"],
                                                                   strict=True)}
    frames = []
    codes = meta.loc[meta["Type"].isin(["Indicator", "Denominator"]), "iCode"]
    for code in codes:
        values = data[code].to_numpy(dtype=float)
        ok = np.isfinite(values)
        frames.append(pd.DataFrame({
            "iso3": units[ok], "year": year, "series": code, "value": values[ok],
            "unit": unit_of.get(code, ""), "source": "COINr iData", "file": file}))
    obs = pd.concat(frames, ignore_index=True)
    obs["year"] = obs["year"].astype(int)
    return obs[["iso3", "year", "series", "value", "unit", "source", "file"]]


def unit_info_from_coin(data: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """One row per unit (index = upper-cased uCode): the original uCode, uName and every Group
    and Other column — what imputation by group and reports need."""
    keep = ["uCode"] + [c for c in ("uName",) if c in data.columns]
    keep += [c for c in meta.loc[meta["Type"].isin(["Group", "Other"]), "iCode"]
             if c in data.columns]
    info = data[keep].copy()
    for col in keep:
        if col != "uCode":
            info[col] = _codes_or_none(info[col])
    info.index = pd.Index(data["uCode"].str.upper(), name="unit")
    return info


# ============================================================================ entry point

def read_coin(coin_data: Path | None, coin_meta: Path | None,
              steps: Path | Mapping[str, Any] | None = None) -> CoinInputs:
    """Read iData + iMeta (+ a steps file or mapping) into (spec, observations, unit_info).

    `coin_data` / `coin_meta` win over the `coin:` paths of the steps file; either may be None
    when the steps file names it. Without steps, `default_steps` (COINr's defaults) are used.
    Raises `CoinTableError` naming the file, line and column of anything malformed.
    """
    if steps is None:
        parsed = None
    elif isinstance(steps, Mapping):
        parsed = parse_steps(steps)
    else:
        parsed = load_steps(Path(steps))
    data_path = Path(coin_data) if coin_data is not None else \
        (parsed.files.get("data") if parsed else None)
    meta_path = Path(coin_meta) if coin_meta is not None else \
        (parsed.files.get("meta") if parsed else None)
    if data_path is None or meta_path is None:
        raise CoinTableError("both iData and iMeta are needed: pass --coin-data and --coin-meta "
                             "or name them under `coin:` in the steps file")
    meta = read_imeta(meta_path)
    if parsed is None:
        parsed = parse_steps({"steps": default_steps(meta)}, origin="<default steps>")
    data = read_idata(data_path, meta, parsed.time)
    year = DEFAULT_YEAR
    if "Time" in data.columns:
        year = int(data["Time"].iloc[0])
        if not 1900 <= year <= 2100:
            raise CoinTableError(f"{Path(data_path).name}: Time {year} is outside 1900–2100")
    units = data["uCode"].str.upper().tolist()
    spec = spec_from_coin(meta, parsed, units, year)
    obs = observations_from_coin(data, meta, year, str(data_path))
    return CoinInputs(spec, obs, unit_info_from_coin(data, meta))
