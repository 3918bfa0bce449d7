"""The shipped snapshot: build it from the raw publisher files, and load it.

Why a snapshot: the index must be computable offline and reproducibly, so the package ships
the tidy observations it needs (small, derived, versioned with the code). The builder runs
every registered reader, refuses bad rows (naming reader, file and row), and writes
byte-reproducible files (sorted rows, fixed float format, gzip mtime 0) atomically: every
output goes to a temporary file in the target folder and is moved into place with
``os.replace`` only after all of them were written, so a failure never leaves a half-written
snapshot. The manifest records the sha256 of every input and output.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

import aidi
from aidi.countries import is_country
from aidi.errors import AidiError
from aidi.progress import WRITING, Progress, report, track
from aidi.sources.raw import COLUMNS, RawDataMissing, Reader, registered_readers

__all__ = [
    "MIN_YEAR",
    "SnapshotError",
    "SnapshotManifest",
    "build_snapshot",
    "load_manifest",
    "load_observations",
    "load_series_catalog",
    "load_table",
    "series_coverage",
    "snapshot_dir",
]

#: Years before this are dropped from the snapshot (keeps it small; the index uses recent years).
MIN_YEAR = 2000
FLOAT_FORMAT = "%.10g"
OBSERVATIONS = "observations.csv.gz"
SERIES_CATALOG = "series.csv"
MANIFEST = "manifest.json"
CATALOG_COLUMNS = ("series", "name", "unit", "source", "file", "description",
                   "first_year", "last_year", "n_countries", "n_obs")


class SnapshotError(AidiError, ValueError):
    """Invalid reader output or table; the message names the reader, file and row."""


@dataclass(frozen=True)
class SnapshotManifest:
    """What a snapshot was built from and what it contains."""

    aidi_version: str
    built_at: str
    min_year: int
    inputs: dict[str, str]                # raw path (relative to raw_dir) → sha256
    outputs: dict[str, str]               # output file name → sha256
    rows: dict[str, int]                  # "observations", "series", "table:<name>"
    sources: dict[str, dict[str, Any]]    # reader → rows, series, countries, files
    skipped: dict[str, str] = field(default_factory=dict)  # optional reader → reason
    path: str | None = None               # folder the snapshot was written to / read from

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("path")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> SnapshotManifest:
        fields = {k: data[k] for k in ("aidi_version", "built_at", "min_year", "inputs",
                                       "outputs", "rows", "sources")}
        return cls(**fields, skipped=data.get("skipped", {}),
                   path=str(path) if path else None)


# ----------------------------------------------------------------------------- validation


def _bad_row_error(reader: str, frame: pd.DataFrame, mask: pd.Series, reason: str) -> SnapshotError:
    index = mask[mask].index[0]
    row = frame.loc[index]
    record = {c: row.get(c) for c in COLUMNS}
    return SnapshotError(
        f"reader {reader!r}, file {row.get('file')!r}, row {index}: {reason} — {record} "
        f"({int(mask.sum())} bad row(s) in total)"
    )


def _non_empty(values: pd.Series) -> pd.Series:
    return values.map(lambda v: isinstance(v, str) and v.strip() != "")


def validate_observations(reader: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Check one reader's output against the tidy contract; return it with clean dtypes."""
    if not isinstance(frame, pd.DataFrame):
        raise SnapshotError(f"reader {reader!r} returned {type(frame).__name__}, not a DataFrame")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SnapshotError(f"reader {reader!r}: missing columns {missing}")
    frame = frame.loc[:, list(COLUMNS)].reset_index(drop=True)
    for column in ("series", "unit", "source", "file"):
        bad = ~_non_empty(frame[column])
        if bad.any():
            raise _bad_row_error(reader, frame, bad, f"empty or non-text {column!r}")
    bad = ~frame["iso3"].map(lambda v: isinstance(v, str) and v == v.upper() and is_country(v))
    if bad.any():
        raise _bad_row_error(reader, frame, bad, "unknown or aggregate iso3")
    years = pd.to_numeric(frame["year"], errors="coerce")
    bad = years.isna() | (years != years.round())
    if bad.any():
        raise _bad_row_error(reader, frame, bad, "year is not an integer")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = ~values.map(lambda v: isinstance(v, float) and math.isfinite(v))
    if bad.any():
        raise _bad_row_error(reader, frame, bad, "value is not a finite number")
    frame = frame.assign(year=years.astype("int64"), value=values.astype("float64"))
    dup = frame.duplicated(["iso3", "year", "series"], keep=False)
    if dup.any():
        raise _bad_row_error(reader, frame, dup, "duplicate (iso3, year, series) key")
    units = frame.groupby("series")["unit"].nunique()
    if (units > 1).any():
        series = units[units > 1].index[0]
        raise SnapshotError(f"reader {reader!r}: series {series!r} has several units")
    return frame


# ----------------------------------------------------------------------------- building


def _files(values: pd.Series) -> set[str]:
    """Raw paths named in a ``file`` column (derived rows list several, ';'-separated)."""
    out: set[str] = set()
    for cell in values.dropna().unique():
        out.update(part.strip() for part in str(cell).split(";") if part.strip())
    return out


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n").encode()


def _gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buffer.getvalue()


def _series_catalog(obs: pd.DataFrame, metadata: dict[str, dict[str, str]]) -> pd.DataFrame:
    rows = []
    for series, group in obs.groupby("series", sort=True):
        meta = metadata.get(series, {})
        rows.append({
            "series": series,
            "name": meta.get("name", series),
            "unit": "; ".join(sorted(group["unit"].unique())),
            "source": "; ".join(sorted(group["source"].unique())),
            "file": ";".join(sorted(_files(group["file"]))),
            "description": meta.get("description", ""),
            "first_year": int(group["year"].min()),
            "last_year": int(group["year"].max()),
            "n_countries": int(group["iso3"].nunique()),
            "n_obs": len(group),
        })
    return pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))


def _run_reader(reader: Reader, raw_dir: Path) -> pd.DataFrame | None:
    try:
        return reader.read(raw_dir) if reader.read is not None else None
    except RawDataMissing:
        if reader.optional:
            return None
        raise


def _atomic_write(out_dir: Path, payload: dict[str, bytes]) -> None:
    """Write every file to a temp file in ``out_dir`` first, then move them all into place."""
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: dict[str, str] = {}
    try:
        for name, data in payload.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
            temps[name] = tmp
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; shipped files must be readable
        for name, tmp in temps.items():  # manifest is last in `payload`
            os.replace(tmp, out_dir / name)
    finally:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)


@dataclass
class _Collected:
    """What the readers gave: observation frames, series metadata, tables, the raw files
    read, per-source counts and what was skipped."""

    frames: list[pd.DataFrame] = field(default_factory=list)
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    inputs: set[str] = field(default_factory=set)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _collect(readers: Sequence[Reader], raw_dir: Path, progress: Progress | None) -> _Collected:
    """Run every reader: its observations validated (one reader per series), its tables."""
    c = _Collected()
    for reader in track(readers, progress, "reading raw files"):
        frame = _run_reader(reader, raw_dir)
        if frame is None and reader.read is not None:
            c.skipped[reader.name] = "raw data not found (optional source)"
        if frame is not None:
            _add_observations(c, reader, validate_observations(reader.name, frame))
        _add_tables(c, reader, raw_dir)
        if reader.read is not None or reader.tables:
            c.inputs |= set(reader.extra_inputs)
    return c


def _add_observations(c: _Collected, reader: Reader, frame: pd.DataFrame) -> None:
    for series in frame["series"].unique():
        if series in c.owner:
            raise SnapshotError(f"series {series!r} emitted by readers {c.owner[series]!r} "
                                f"and {reader.name!r}")
        c.owner[series] = reader.name
    c.inputs |= _files(frame["file"])
    frame = frame[frame["year"] >= MIN_YEAR]
    c.metadata.update({k: dict(v) for k, v in reader.series.items()})
    c.frames.append(frame)
    c.sources[reader.name] = {"rows": len(frame), "series": int(frame["series"].nunique()),
                              "countries": int(frame["iso3"].nunique())}


def _add_tables(c: _Collected, reader: Reader, raw_dir: Path) -> None:
    for name, make in reader.tables.items():
        try:
            table = make(raw_dir)
        except RawDataMissing:
            if not reader.optional:
                raise
            c.skipped[f"{reader.name}:{name}"] = "raw data not found (optional table)"
            continue
        if not isinstance(table, pd.DataFrame) or table.empty:
            raise SnapshotError(f"reader {reader.name!r}: table {name!r} is empty")
        if name in c.tables:
            raise SnapshotError(f"table {name!r} registered twice")
        c.tables[name] = table
        if "file" in table.columns:
            c.inputs |= _files(table["file"])


def build_snapshot(
    raw_dir: Path,
    out_dir: Path | None = None,
    *,
    readers: Sequence[Reader] | None = None,
    progress: Progress | None = None,
) -> SnapshotManifest:
    """Run every reader on ``raw_dir``, validate, and write the snapshot into ``out_dir``.

    ``out_dir`` defaults to the package's ``aidi/store/snapshot/``; ``readers`` defaults to
    :func:`aidi.sources.raw.registered_readers`; ``progress`` hears the readers run, then the
    writing. Raises :class:`SnapshotError` (bad rows) or
    :class:`aidi.sources.raw.RawDataMissing` (a required source is missing) before anything
    is written.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RawDataMissing(f"raw data folder not found: {raw_dir}")
    out_dir = Path(out_dir) if out_dir is not None else snapshot_dir()
    readers = list(readers) if readers is not None else registered_readers()

    c = _collect(readers, raw_dir, progress)
    frames, metadata, tables, inputs = c.frames, c.metadata, c.tables, c.inputs
    report(progress, WRITING)
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    obs = obs.sort_values(["series", "iso3", "year"], kind="mergesort").reset_index(drop=True)
    catalog = _series_catalog(obs, metadata)

    missing_inputs = sorted(p for p in inputs if not (raw_dir / p).is_file())
    if missing_inputs:
        raise SnapshotError(f"file column names raw files that do not exist: {missing_inputs[:5]}")
    payload: dict[str, bytes] = {
        OBSERVATIONS: _gzip_bytes(_csv_bytes(obs)),
        SERIES_CATALOG: _csv_bytes(catalog),
    }
    for name, table in sorted(tables.items()):
        payload[f"{name}.csv"] = _csv_bytes(table)
    rows = {"observations": len(obs), "series": len(catalog),
            **{f"table:{name}": len(t) for name, t in sorted(tables.items())}}
    manifest = SnapshotManifest(
        aidi_version=aidi.__version__,
        built_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        min_year=MIN_YEAR,
        inputs={p: _hash_file(raw_dir / p) for p in sorted(inputs)},
        outputs={name: _sha256(data) for name, data in payload.items()},
        rows=rows,
        sources=c.sources,
        skipped=c.skipped,
        path=str(out_dir),
    )
    payload[MANIFEST] = (json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n").encode()
    _atomic_write(out_dir, payload)
    _clear_caches()
    return manifest


# ----------------------------------------------------------------------------- loading


def snapshot_dir() -> Path:
    """Folder of the snapshot shipped with the package (``aidi/store/snapshot``)."""
    return Path(str(resources.files("aidi.store").joinpath("snapshot")))


def _folder(path: Path | None) -> Path:
    if path is None:
        return snapshot_dir()
    path = Path(path)
    return path if path.is_dir() else path.parent


def _require(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"snapshot file not found: {path} (build it with `aidi data snapshot`)")
    return path


@lru_cache(maxsize=8)
def _read_observations(path: str, _mtime: int) -> pd.DataFrame:
    dtypes = {"iso3": "string", "series": "string", "unit": "string", "source": "string",
              "file": "string", "year": "int64", "value": "float64"}
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, compression="gzip")
    for column in ("iso3", "series", "unit", "source", "file"):
        frame[column] = frame[column].astype(str)
    return frame.loc[:, list(COLUMNS)]


def load_observations(path: Path | None = None) -> pd.DataFrame:
    """Tidy observations of a snapshot (default: the shipped one). Cached; returns a copy.

    ``path`` may be a snapshot folder or the ``observations.csv.gz`` file itself.
    """
    file = Path(path) if path is not None and Path(path).is_file() else _folder(path) / OBSERVATIONS
    file = _require(file)
    return _read_observations(str(file.resolve()), file.stat().st_mtime_ns).copy()


def load_series_catalog(path: Path | None = None) -> pd.DataFrame:
    """One row per series: ``series, name, unit, source, file, description`` (+ coverage)."""
    file = _require(_folder(path) / SERIES_CATALOG)
    return pd.read_csv(file, keep_default_na=False, na_values=[])


def load_table(name: str, path: Path | None = None) -> pd.DataFrame:
    """An extra (non-country) table of the snapshot, e.g. ``industry_exposure``."""
    return pd.read_csv(_require(_folder(path) / f"{name}.csv"))


def load_manifest(path: Path | None = None) -> SnapshotManifest:
    """The snapshot's manifest (input/output hashes, row counts, build time)."""
    folder = _folder(path)
    data = json.loads(_require(folder / MANIFEST).read_text(encoding="utf-8"))
    return SnapshotManifest.from_dict(data, folder)


def series_coverage(
    obs: pd.DataFrame,
    units: Sequence[str] | None = None,
    window: tuple[int, int] = (2021, 2023),
) -> pd.DataFrame:
    """Per series: first/last year and how many of ``units`` (default TARGET_20) have a value
    in ``window`` (inclusive) and in any year — the data catalogue's coverage columns."""
    from aidi.countries import TARGET_20

    units = list(units) if units is not None else list(TARGET_20)
    sub = obs[obs["iso3"].isin(units)]
    in_window = sub[sub["year"].between(*window)]
    out = obs.groupby("series").agg(first_year=("year", "min"), last_year=("year", "max"))
    out["units_in_window"] = in_window.groupby("series")["iso3"].nunique()
    out["units_any_year"] = sub.groupby("series")["iso3"].nunique()
    out = out.fillna({"units_in_window": 0, "units_any_year": 0})
    return out.astype("int64").reset_index()


def _clear_caches() -> None:
    _read_observations.cache_clear()
