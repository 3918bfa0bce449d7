"""The trends snapshot: small model-, item- and year-level tables for ``aidi trends``.

Kept apart from the country snapshot (``observations.csv.gz``) because its rows are not
country-years: notable models, accelerators, clusters, US household diffusion curves, world
totals. Built from the raw files by :func:`build_trends_snapshot` (called by
``aidi data snapshot``) with the same guarantees as the country snapshot: sorted rows, a
fixed float format, gzip with mtime 0 (so a rebuild from the same inputs is byte-identical,
manifest included: it records no build time), every file written atomically, and a manifest
with the sha256 of each input and output.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

import aidi
from aidi.sources.raw import RawDataMissing
from aidi.store.snapshot import (
    _atomic_write,
    _csv_bytes,
    _files,
    _gzip_bytes,
    _hash_file,
    _sha256,
    snapshot_dir,
)

__all__ = ["MANIFEST", "TrendsSnapshotError", "build_trends_snapshot", "load_trends",
           "load_trends_manifest", "trends_dir"]

MANIFEST = "manifest.json"
SUFFIX = ".csv.gz"


class TrendsSnapshotError(ValueError):
    """A trend table that is empty or lacks its provenance columns."""


def trends_dir() -> Path:
    """Folder of the trends snapshot shipped with the package."""
    return snapshot_dir() / "trends"


def build_trends_snapshot(raw_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    """Read every table of :data:`aidi.sources.raw.trend_tables.TABLES` from ``raw_dir`` and
    write ``<name>.csv.gz`` plus ``manifest.json`` into ``out_dir`` (default: the shipped
    ``aidi/store/snapshot/trends``). Returns the manifest as a dict.

    Raises :class:`RawDataMissing` or :class:`TrendsSnapshotError` before anything is written.
    """
    from aidi.sources.raw.trend_tables import TABLES

    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RawDataMissing(f"raw data folder not found: {raw_dir}")
    out_dir = Path(out_dir) if out_dir is not None else trends_dir()
    payload: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    inputs: set[str] = set()
    for name, read in TABLES.items():
        table = read(raw_dir)
        if table.empty or not {"source", "file"} <= set(table.columns):
            raise TrendsSnapshotError(f"trend table {name!r} is empty or has no source/file")
        inputs |= _files(table["file"])
        payload[name + SUFFIX] = _gzip_bytes(_csv_bytes(table))
        rows[name] = len(table)
    manifest = {
        "aidi_version": aidi.__version__,
        "inputs": {p: _hash_file(raw_dir / p) for p in sorted(inputs)},
        "outputs": {name: _sha256(data) for name, data in payload.items()},
        "rows": rows,
    }
    payload[MANIFEST] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    _atomic_write(out_dir, payload)
    _read.cache_clear()
    return {**manifest, "path": str(out_dir)}


@lru_cache(maxsize=16)
def _read(path: str, _mtime: int) -> pd.DataFrame:
    return pd.read_csv(path, compression="gzip", keep_default_na=True)


def load_trends(folder: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a trends snapshot (default: the shipped one), name → DataFrame (copies)."""
    folder = Path(folder) if folder is not None else trends_dir()
    manifest = load_trends_manifest(folder)
    out: dict[str, pd.DataFrame] = {}
    for name in manifest["rows"]:
        file = folder / (name + SUFFIX)
        if not file.is_file():
            raise FileNotFoundError(f"trends table not found: {file} "
                                    "(rebuild it with `aidi data snapshot`)")
        out[name] = _read(str(file.resolve()), file.stat().st_mtime_ns).copy()
    return out


def load_trends_manifest(folder: Path | None = None) -> dict[str, Any]:
    """The trends snapshot's manifest (input/output sha256, row counts)."""
    folder = Path(folder) if folder is not None else trends_dir()
    file = folder / MANIFEST
    if not file.is_file():
        raise FileNotFoundError(f"trends snapshot not found: {file} "
                                "(build it with `aidi data snapshot`)")
    return json.loads(file.read_text(encoding="utf-8"))
