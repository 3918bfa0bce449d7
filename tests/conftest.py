"""Shared fixtures: a small hand-made spec and observations, and the raw-data location."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

from aidi.rawdata import find_raw_dir
from aidi.specs.loader import spec_from_dict

REPO = Path(__file__).resolve().parents[1]

# Hypothesis's default 200 ms deadline per example is a timed assert: on a shared, busy
# machine it fails tests whose behaviour is right. Speed is measured in benchmarks/ instead.
settings.register_profile("aidi", deadline=None)
settings.load_profile("aidi")


def raw_dir() -> Path | None:
    """The shared raw data, if present (it is in CI: ../shared/data/raw beside the clone);
    the library's own resolver, so tests look exactly where `aidi` does."""
    return find_raw_dir()


def asem_tables() -> tuple[Path, Path]:
    """COINr's ASEM (iData, iMeta) exactly as `--spec asem` resolves them: the copy shipped in
    the package (aidi/specs/coinr_asem), so the ASEM tests need no raw-data folder."""
    from aidi.sources.coinr import load_steps
    from aidi.specs.loader import shipped_spec_path

    files = load_steps(shipped_spec_path("asem")).files
    return files["data"], files["meta"]


TINY_SPEC = {
    "id": "tiny", "name": {"en": "Tiny", "zh": "小"}, "reference": "USA",
    "units": ["USA", "CHN", "DEU"],
    "root": {"id": "index", "name": {"en": "Index"}, "aggregate": {"method": "geometric"},
             "standardise": "ratio", "children": [
        {"id": "ta", "name": {"en": "TA"}, "standardise": "ratio", "children": [
            {"id": "a", "name": {"en": "a"}, "series": "s.a"},
            {"id": "b", "name": {"en": "b"}, "series": "s.b",
             "transform": {"kind": "per_capita", "denominator": "s.pop"}}]},
        {"id": "mf", "name": {"en": "MF"}, "standardise": "ratio", "children": [
            {"id": "c", "name": {"en": "c"}, "series": "s.c", "direction": -1}]}]},
}


def tiny_observations() -> pd.DataFrame:
    rows = []
    for unit, vals in {"USA": (10, 100, 2, 50), "CHN": (5, 300, 4, 25),
                       "DEU": (2, 20, 1, np.nan)}.items():
        for series, v in zip(["s.a", "s.b", "s.pop", "s.c"], vals, strict=True):
            if not np.isnan(v):
                rows.append((unit, 2022, series, float(v), "u", "test", "test.csv"))
    rows.append(("DEU", 2019, "s.c", 10.0, "u", "test", "test.csv"))
    rows.append(("USA", 2015, "s.a", 999.0, "u", "test", "test.csv"))  # outside the window
    return pd.DataFrame(rows, columns=["iso3", "year", "series", "value", "unit", "source", "file"])


@pytest.fixture(scope="session")
def default_build():
    """`aidi.build()` (the shipped spec on the embedded snapshot), built once for the whole
    run: a `Build` is deep-frozen (its frames are copies over read-only arrays), so one test
    cannot change what the next one reads."""
    import aidi

    return aidi.build()


@pytest.fixture
def tiny_spec():
    return spec_from_dict(TINY_SPEC)


@pytest.fixture
def tiny_obs():
    return tiny_observations()


@pytest.fixture
def store(tmp_path):
    """A local store in tmp_path, seeded with the tiny observations (never the user's)."""
    from aidi.store.duckdb_store import Store

    with Store.open(tmp_path / "store.duckdb", seed=tiny_observations()) as s:
        yield s
