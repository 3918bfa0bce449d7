"""Writing one vintage: the store's schema, provenance, and the insert run inside a transaction.

Kept apart from `duckdb_store` (which owns files, connections and atomicity) so that what a
vintage *is* — its rows, their provenance, the new/revised/unchanged accounting, edition pins —
reads in one place. Functions take an open DuckDB connection inside the caller's transaction;
they are module-level so tests can inject a failure half-way through a write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import duckdb
import pandas as pd

from aidi.sources.validate import TIDY, DataValidationError
from aidi.store import editions as ed

PROVENANCE = ("publisher", "dataset", "series_code", "url", "retrieved_at", "publisher_vintage")
VintageKind = Literal["snapshot", "seed", "refresh", "import"]

SCHEMA = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE vintages (
    vintage_id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, kind VARCHAR NOT NULL,
    label VARCHAR NOT NULL, created_at VARCHAR NOT NULL, retrieved_at VARCHAR,
    sources VARCHAR, content_sha256 VARCHAR, n_rows BIGINT, n_new BIGINT, n_changed BIGINT,
    n_unchanged BIGINT, note VARCHAR);
CREATE TABLE observations (
    vintage_id VARCHAR NOT NULL, iso3 VARCHAR NOT NULL, year INTEGER NOT NULL,
    series VARCHAR NOT NULL, value DOUBLE NOT NULL, unit VARCHAR NOT NULL,
    source VARCHAR NOT NULL, file VARCHAR NOT NULL, publisher VARCHAR, dataset VARCHAR,
    series_code VARCHAR, url VARCHAR, retrieved_at VARCHAR, publisher_vintage VARCHAR);
CREATE TABLE editions (
    edition VARCHAR NOT NULL, revision INTEGER NOT NULL, vintage_id VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL, note VARCHAR);
"""
COLUMNS = ("vintage_id",) + TIDY + PROVENANCE


@dataclass(frozen=True)
class Provenance:
    """Where a vintage came from. Row-level columns of the same names in the frame win."""

    kind: VintageKind
    label: str
    retrieved_at: str | None = None     # ISO 8601 UTC; default: now
    publisher: str = ""
    dataset: str = ""
    url: str = ""
    series_code: str = ""
    publisher_vintage: str = ""         # the publisher's own "last updated" / release
    sources: str = ""                   # source names of a refresh, file of an import
    note: str = ""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple:
    """First row of a query, fully fetched (DuckDB refuses new work while a result is open)."""
    rows = con.execute(sql, list(params)).fetchall()
    return tuple(rows[0]) if rows else ()


def seq_of(vintage: str) -> int:
    match = ed.VINTAGE_ID.match(vintage)
    return int(match.group(1)) if match else 0


def frame_sha(frame: pd.DataFrame) -> str:
    data = frame.loc[:, [c for c in TIDY if c in frame.columns]].to_csv(index=False)
    return hashlib.sha256(data.encode()).hexdigest()


def shipped_sha() -> str:
    from aidi.store.snapshot import OBSERVATIONS, load_manifest, snapshot_dir

    try:
        return load_manifest().outputs[OBSERVATIONS]
    except (FileNotFoundError, KeyError):
        data = (snapshot_dir() / OBSERVATIONS).read_bytes()
        return hashlib.sha256(data).hexdigest()


def shipped_snapshot() -> tuple[pd.DataFrame, Provenance, str]:
    from aidi.store.snapshot import load_manifest, load_observations

    frame = load_observations()
    try:
        manifest = load_manifest()
        built, version = manifest.built_at, manifest.aidi_version
    except FileNotFoundError:
        built, version = "", ""
    prov = Provenance(kind="snapshot", label=f"shipped snapshot (aidi {version}, built {built})",
                      retrieved_at=built.replace("+00:00", "Z") or None,
                      publisher="aidi shipped snapshot", dataset=f"aidi {version}",
                      publisher_vintage=built)
    return frame, prov, shipped_sha()


def check_tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Structural checks before any insert (rows were validated on their way in)."""
    missing = [c for c in TIDY if c not in frame.columns]
    if missing:
        raise DataValidationError(f"cannot store observations: missing column(s) {missing}")
    if frame.empty:
        raise DataValidationError("cannot store an empty vintage")
    if frame[list(TIDY[:5])].isna().any().any():
        raise DataValidationError("cannot store observations with missing iso3, year, series, "
                                  "value or unit (validate them first)")
    dup = frame.duplicated(["iso3", "year", "series"])
    if dup.any():
        r = frame[dup].iloc[0]
        raise DataValidationError(f"cannot store observations: ({r.iso3}, {r.year}, {r.series}) "
                                  f"appears more than once")
    return frame


def prepared(frame: pd.DataFrame, prov: Provenance, vid: str) -> pd.DataFrame:
    frame = check_tidy(frame)
    defaults = {"publisher": prov.publisher, "dataset": prov.dataset, "url": prov.url,
                "series_code": prov.series_code, "publisher_vintage": prov.publisher_vintage,
                "retrieved_at": prov.retrieved_at or now_iso()}
    out = pd.DataFrame({"vintage_id": vid}, index=frame.index)
    for column in TIDY:
        out[column] = frame[column]
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out["file"] = out["file"].fillna("").astype(str)
    for column, default in defaults.items():
        given = frame[column].fillna("").astype(str) if column in frame.columns else None
        out[column] = given.where(given != "", default) if given is not None else default
    return out.loc[:, list(COLUMNS)].reset_index(drop=True)


def insert_vintage(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, prov: Provenance, *,
                    full: bool, sha: str) -> str:
    """Insert one vintage inside the caller's transaction; return its id."""
    seq = int(one(con, "SELECT coalesce(max(seq), 0) + 1 FROM vintages")[0])
    vid = ed.vintage_id(seq)
    rows = prepared(frame, prov, vid)
    con.register("incoming", rows)
    try:
        _compare(con, "incoming")
    finally:
        con.unregister("incoming")
    return _insert_compared(con, prov, seq, vid, full=full, sha=sha)


def insert_vintage_table(con: duckdb.DuckDBPyConnection, table: str, prov: Provenance, *,
                         full: bool, sha: str) -> str | None:
    """`insert_vintage` for rows already in DuckDB (`table`: tidy and provenance columns,
    validated — a streamed import's staging, attached): the rows are compared and inserted in
    two streamed queries, never copied whole. None, and nothing stored, when no row is new
    or changed (for a refresh or import)."""
    seq = int(one(con, "SELECT coalesce(max(seq), 0) + 1 FROM vintages")[0])
    vid = ed.vintage_id(seq)
    defaults = {"publisher": prov.publisher, "dataset": prov.dataset, "url": prov.url,
                "series_code": prov.series_code, "publisher_vintage": prov.publisher_vintage,
                "retrieved_at": prov.retrieved_at or now_iso()}
    cols = ["? AS vintage_id", "iso3", "CAST(year AS BIGINT) AS year", "series",
            "CAST(value AS DOUBLE) AS value", "unit", "source",
            "coalesce(file, '') AS file"]
    cols += [f"coalesce(nullif({c}, ''), ?) AS {c}" for c in PROVENANCE]
    params = [vid, *[defaults[c] for c in PROVENANCE]]
    compared = (f"(SELECT i.*, (l.iso3 IS NULL) AS is_new, (l.iso3 IS NOT NULL AND (l.value "
                "IS DISTINCT FROM i.value OR l.unit <> i.unit)) AS is_changed FROM (SELECT "
                f"{', '.join(cols)} FROM {table}) i LEFT JOIN ({ed.newest_per_key('TRUE')}) l "
                "USING (iso3, year, series))")
    n_new, n_changed, n_all = one(
        con, "SELECT count(*) FILTER (is_new), count(*) FILTER (is_changed), count(*) "
        f"FROM {compared}", params)
    if not full and not n_new + n_changed:
        return None
    keep = "TRUE" if full else "is_new OR is_changed"
    con.execute(f"INSERT INTO observations SELECT {', '.join(COLUMNS)} FROM {compared} "
                f"WHERE {keep}", params)
    return _record_vintage(con, prov, seq, vid, sha, n_new, n_changed, n_all)


def _compare(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """TEMP TABLE compared: the incoming rows, each marked new or changed against the newest
    stored value of its key."""
    con.execute(
        "CREATE TEMP TABLE compared AS SELECT i.*, (l.iso3 IS NULL) AS is_new, "
        "(l.iso3 IS NOT NULL AND (l.value IS DISTINCT FROM i.value OR l.unit <> i.unit)) AS "
        f"is_changed FROM {source} i LEFT JOIN ({ed.newest_per_key('TRUE')}) l "
        "USING (iso3, year, series)")


def _insert_compared(con: duckdb.DuckDBPyConnection, prov: Provenance, seq: int, vid: str, *,
                     full: bool, sha: str) -> str:
    n_new, n_changed, n_all = one(
        con, "SELECT count(*) FILTER (is_new), count(*) FILTER (is_changed), count(*) FROM compared")
    keep = "TRUE" if full else "is_new OR is_changed"
    insert_observations(con, keep)
    con.execute("DROP TABLE compared")
    return _record_vintage(con, prov, seq, vid, sha, n_new, n_changed, n_all)


def _record_vintage(con: duckdb.DuckDBPyConnection, prov: Provenance, seq: int, vid: str,
                    sha: str, n_new: int, n_changed: int, n_all: int) -> str:
    stored = one(con, "SELECT count(*) FROM observations WHERE vintage_id = ?", [vid])
    con.execute("INSERT INTO vintages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        vid, seq, prov.kind, prov.label, now_iso(), prov.retrieved_at or now_iso(),
        prov.sources, sha, int(stored[0]), int(n_new), int(n_changed),
        int(n_all - n_new - n_changed), prov.note])
    return vid


def insert_observations(con: duckdb.DuckDBPyConnection, keep: str) -> None:
    con.execute(f"INSERT INTO observations SELECT {', '.join(COLUMNS)} FROM compared "
                f"WHERE {keep}")


def pin(con: duckdb.DuckDBPyConnection, name: str, vintages: Sequence[str], note: str) -> None:
    rev = one(con, "SELECT coalesce(max(revision), 0) + 1 FROM editions WHERE edition = ?",
               [name])[0]
    created = now_iso()
    con.executemany("INSERT INTO editions VALUES (?, ?, ?, ?, ?)",
                    [[name, rev, v, created, note] for v in vintages])
