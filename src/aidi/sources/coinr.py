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

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from aidi.sources.coinr_spec import spec_from_coin
from aidi.sources.coinr_steps import CoinSteps, default_steps, load_steps, parse_steps
from aidi.sources.coinr_tables import (
    DEFAULT_YEAR,
    CoinTableError,
    _codes_or_none,
    _missing,
    read_idata,
    read_imeta,
)
from aidi.specs.schema import (
    IndexSpec,
)

__all__ = ["CoinInputs", "CoinSteps", "CoinTableError", "load_steps", "observations_from_coin",
           "parse_steps", "read_coin", "read_idata", "read_imeta", "spec_from_coin",
           "unit_info_from_coin"]


class CoinInputs(NamedTuple):
    """What `read_coin` returns (unpacks as `spec, observations, unit_info`)."""

    spec: IndexSpec
    observations: pd.DataFrame
    unit_info: pd.DataFrame


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
