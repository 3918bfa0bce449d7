"""`aidi build --coin-data iData.csv --coin-meta iMeta.csv [--spec steps.yaml]`: a COINr build.

The tables are read by `aidi.read_coin` (which validates them, naming the row of any problem),
built through the public API (`aidi.build(data=...)`, the ordinary engine), and written in
COINr's shapes so that a COINr user can compare line by line:

- `scores.csv` — `uCode`, then one column per aggregate code, highest level first (as COINr's
  `get_results`), on the build's own scale (0–100 for min–max 0–100), sorted by descending root
  score, at full precision;
- `indicators_normalised.csv` — `uCode` and one column per indicator (`iCode`), normalised;
- `build_log.csv` — what each step did to which cell: denominated columns, imputed cells,
  screened-out units, winsorised points and transforms (`step, unit, indicator, detail`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from aidi.engine.pipeline import BuildResult, LogEntry
from aidi.io import write_csv


def build_coin(coin_data: Path | None, coin_meta: Path | None, steps: Path | None,
               out: Path) -> BuildResult:
    """Build a COINr-style index and write `scores.csv`, `indicators_normalised.csv` and
    `build_log.csv` to `out`; returns the (immutable) result.

    `steps` is a steps YAML (`kind: coinr-steps`, e.g. `aidi/specs/asem_example.yaml`); without
    it COINr's defaults apply (denominate if iMeta has denominators, min–max 0–100, weighted
    arithmetic mean). `coin_data` / `coin_meta` may be None when the steps file names them.
    Raises `aidi.sources.coinr.CoinTableError` (a ValueError) for malformed tables.
    """
    from aidi.api import build, read_coin

    result = build(data=read_coin(coin_data, coin_meta, steps)).result
    result = dataclasses.replace(result, log=_denominate_log(result) + result.log)
    out = Path(out)
    codes = _original_codes(result)
    write_csv(scores_table(result, codes), out / "scores.csv", float_format=None)
    norm = result.normalised.copy()
    norm.insert(0, "uCode", [codes.get(u, u) for u in norm.index])
    write_csv(norm, out / "indicators_normalised.csv", float_format=None)
    log = result.log_frame()
    log["unit"] = [codes.get(u, u) for u in log["unit"]]
    write_csv(log, out / "build_log.csv", float_format=None)
    return result


def scores_table(result: BuildResult, codes: dict[str, str] | None = None) -> pd.DataFrame:
    """uCode + every aggregate (root first, then level by level down), by descending root score."""
    levels = result.spec.level_of()
    order = {n.id: i for i, n in enumerate(result.spec.aggregates())}
    cols = sorted(result.tree.aggregate_ids, key=lambda a: (levels[a], order[a]))
    frame = result.scores[cols].copy()
    codes = codes or {}
    frame.insert(0, "uCode", [codes.get(u, u) for u in frame.index])
    frame = frame.sort_values([result.tree.root, "uCode"], ascending=[False, True],
                              na_position="last")
    return frame.reset_index(drop=True)


def _original_codes(result: BuildResult) -> dict[str, str]:
    """aidi upper-cases unit codes; give the files the uCodes as iData spelled them."""
    info = result.unit_info
    if info is None or "uCode" not in info.columns:
        return {}
    return {u: str(c) for u, c in zip(info.index, info["uCode"], strict=True)}


def _denominate_log(result: BuildResult) -> tuple[LogEntry, ...]:
    """One entry per denominated indicator (the engine denominates whole columns, in `select`)."""
    return tuple(LogEntry("denominate", "", ind.id, f"divided by {ind.transform.denominator}")
                 for ind in result.spec.indicators() if ind.transform.kind == "ratio")
