"""A COINr panel ("purse"): an iData with several `Time` values, read as aidi editions.

COINr's `new_coin(iData, iMeta, split_to = "all")` makes one coin per `Time`; the building
functions then run on each coin separately (`Normalise(purse, global = FALSE)`). aidi reads the
same tables into one spec whose year rule is the first Time (its base edition) and the tidy
observations of every Time; the spec of Time t is `aidi.specs.editions.edition_spec(spec, t)`
(the year rules moved to t), built on the units iData has at t. `aidi.analysis.purse` builds
them and computes COINr's `get_trends`.

COINr's `Normalise(purse, global = TRUE)` (one normalisation over all Times) and panel
imputation (`Impute(purse, f_i = "impute_panel")`) are not steps of a purse here: the first
couples the years (each aidi edition is a build of its own), the second is the year rule's
fallback (`years: {fallback: latest_earlier}`) or `aidi.engine.impute.impute_panel` on arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from aidi.sources.coinr import (
    CoinTableError,
    load_steps,
    observations_from_coin,
    parse_steps,
    read_idata,
    read_imeta,
    spec_from_coin,
    unit_info_from_coin,
)
from aidi.sources.coinr_tables import _read_table
from aidi.specs.schema import IndexSpec


class CoinPanel(NamedTuple):
    """What `read_purse` returns."""

    spec: IndexSpec                   # written for the first Time (editions.base)
    observations: pd.DataFrame        # every Time's tidy observations
    unit_info: pd.DataFrame           # groups and names (a unit's latest row)
    units: dict[int, tuple[str, ...]]  # Time → the units iData has then


def panel_times(path: Path) -> list[int]:
    """The Time values of an iData table, ascending (one per coin of the purse)."""
    data = _read_table(Path(path))
    if "Time" not in data.columns:
        raise CoinTableError(f"{Path(path).name}: no 'Time' column — a purse (panel) needs one; "
                             "a table without Time is a single coin (read_coin)")
    times = sorted({int(float(t)) for t in data["Time"] if str(t).strip() not in ("", "NA")})
    if not times:
        raise CoinTableError(f"{Path(path).name}: the Time column has no value")
    return times


def read_purse(coin_data: Path, coin_meta: Path,
               steps: Path | Mapping[str, Any] | None = None) -> CoinPanel:
    """Read a panel iData + iMeta (+ COINr steps) into one spec and every Time's observations.

    Each Time's rows are validated as a coin of their own (`read_idata`), so an error names
    the file and line as for a single coin. `coin.time` in the steps file is ignored here.
    """
    meta = read_imeta(Path(coin_meta))
    if steps is None:
        parsed = parse_steps({"steps": [{"normalise": {"f_n": "n_minmax"}},
                                        {"aggregate": {"f_ag": "a_amean"}}]})
    elif isinstance(steps, Mapping):
        parsed = parse_steps(steps)
    else:
        parsed = load_steps(Path(steps))
    times = panel_times(Path(coin_data))
    frames, infos, units = [], [], {}
    for t in times:
        data = read_idata(Path(coin_data), meta, t)
        units[t] = tuple(data["uCode"].str.upper())
        frames.append(observations_from_coin(data, meta, t, str(coin_data)))
        infos.append(unit_info_from_coin(data, meta))
    everyone = sorted({u for us in units.values() for u in us})
    spec = spec_from_coin(meta, parsed, everyone, times[0])
    spec = spec.model_copy(update={"edition": str(times[0]),
                                   "editions": spec.editions.model_copy(
                                       update={"base": times[0]})})
    info = pd.concat(infos)
    info = info[~info.index.duplicated(keep="last")]
    return CoinPanel(spec, pd.concat(frames, ignore_index=True), info, units)
