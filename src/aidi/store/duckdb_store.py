"""The local, versioned data store: an embedded DuckDB file with every vintage ever seen.

Why a store beside the shipped snapshot: publishers revise their numbers, and an index must be
both up to date (`latest`) and reproducible (`aidi build --edition 2024` gives the same scores
after any refresh). So nothing is ever overwritten: each seed, refresh or user import is a
*vintage* (rows + provenance: publisher, dataset, series code, URL, retrieval time), and an
*edition* names a set of vintages (see `aidi.store.editions`).

Where: `--store`/`path`, else `$AIDI_STORE` (a file, or a folder holding `store.duckdb`), else
`platformdirs.user_data_dir("aidi")/store.duckdb`. On first use the store is seeded from the
shipped snapshot, so it works offline; when a newer aidi ships a different snapshot, it is added
as a new vintage and edition `2024` follows it (the older pin stays in the edition history).

Atomic writes: DuckDB writes large uncommitted inserts into the database file even if the
transaction is rolled back, so a write never touches the live file. It copies the file, runs
ONE transaction on the copy, checkpoints it, and moves it over the original with `os.replace`.
A failure at any point leaves the original byte-identical; a lock file serialises writers.
Reads use a read-only connection, so several builds can read the store at once; a handle sees
the file as it was when opened (or after its own last write) — reopen to see other writers'.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from aidi.errors import AidiError
from aidi.sources.validate import TIDY
from aidi.store import editions as ed
from aidi.store import vintages as vt
from aidi.store.vintages import PROVENANCE, Provenance, check_tidy, now_iso

__all__ = ["PROVENANCE", "Provenance", "Store", "StoreError", "StoreInfo", "check_tidy",
           "now_iso", "store_path"]

STORE_FILE = "store.duckdb"
SCHEMA_VERSION = "1"


class StoreError(AidiError, ValueError):
    """The store file cannot be used; the one-line message names the file and the fix."""


@dataclass(frozen=True)
class StoreInfo:
    path: Path
    size_bytes: int
    rows: int
    series: int
    countries: int
    vintages: pd.DataFrame
    editions: pd.DataFrame
    extra: dict[str, str] = field(default_factory=dict)


def store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store file: `path`, else `$AIDI_STORE`, else the user data directory."""
    if path is None and os.environ.get("AIDI_STORE"):
        path = os.environ["AIDI_STORE"]
    if path is None:
        from platformdirs import user_data_dir

        return Path(user_data_dir("aidi")) / STORE_FILE
    p = Path(path).expanduser()
    return p / STORE_FILE if p.is_dir() else p


#: DuckDB's wording when another process holds the file (not "block", which corruption uses).
_LOCKED = re.compile(r"could not set lock|conflicting lock|lock is held|already attached|"
                     r"resource in use", re.IGNORECASE)
_NO_SPACE = re.compile(r"no space left|disk (is )?full|quota exceeded", re.IGNORECASE)
_CORRUPT = re.compile(r"corrupt|checksum|not a valid duckdb|invalid .*(header|magic)|"
                      r"serializ|unexpected end", re.IGNORECASE)


def _friendly(path: Path, exc: Exception) -> StoreError:
    """Turn a DuckDB failure into one line naming the file, the real cause and what to do.

    The advice never destroys data that may be intact: a locked or full store is intact (the
    writer works on a copy), so only a store that DuckDB itself reports as corrupt is told to
    be moved aside — and then renamed, not deleted, so it can still be inspected.
    """
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if _NO_SPACE.search(text) or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(f"no space left on the disk holding the data store {path}; the "
                          "store is unchanged (writes go to a copy first) — free some space "
                          "and retry")
    if _LOCKED.search(text):
        return StoreError(f"the data store {path} is in use by another program ({text}); close "
                          "it (another aidi command or a DuckDB session) and retry, or point "
                          "AIDI_STORE / --store at another file")
    if _CORRUPT.search(text):
        return StoreError(f"the data store {path} is damaged ({text}); move it aside (e.g. "
                          f"rename it to {path.name}.damaged) and aidi will re-seed a new one "
                          "from the shipped snapshot — refreshes and imports stored only in "
                          "the damaged file would then need to be repeated")
    return StoreError(f"the data store {path} cannot be used ({text}); check that it is an "
                      "aidi store on a readable disk, or point AIDI_STORE / --store at "
                      "another file")


@contextlib.contextmanager
def _writer_lock(path: Path) -> Iterator[None]:
    """Serialise writers across processes (POSIX flock; elsewhere DuckDB's own lock only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock = path.with_name(f".{path.name}.lock")
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StoreError(f"another aidi process is writing to the data store {path}; "
                             "retry when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clean_leftovers(path: Path) -> list[Path]:
    """Remove temporary copies a killed writer left beside the store (`.NAME.*.tmp[.wal]`).

    Only when no writer holds the lock: a live writer's copy is never touched. Returns the
    files removed (nothing, silently, when the folder is read-only or a writer is active).
    """
    try:
        leftovers = sorted(path.parent.glob(f".{path.name}.*.tmp")) + \
            sorted(path.parent.glob(f".{path.name}.*.tmp.wal"))
    except OSError:
        return []
    if not leftovers:
        return []
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no flock, leave them
        return []
    lock = path.with_name(f".{path.name}.lock")
    try:
        with open(lock, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return []  # a writer is working: its copy is not a leftover
            try:
                _remove(*leftovers)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return []
    return leftovers


def discard_unused(path: Path) -> bool:
    """Remove a store that holds nothing but its seed (e.g. created by a refresh that then
    failed), so a failed command leaves no store behind; True if it was removed."""
    path = store_path(path)
    if not path.is_file():
        return False
    try:
        con = duckdb.connect(":memory:")
        try:
            quoted = str(path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS store (READ_ONLY)")
            kinds = [r[0] for r in con.execute("SELECT kind FROM store.vintages").fetchall()]
        finally:
            con.close()
    except duckdb.Error:
        return False
    if len(kinds) != 1 or kinds[0] not in ("snapshot", "seed"):
        return False
    _remove(path, path.with_name(path.name + ".wal"), path.with_name(f".{path.name}.lock"))
    return True


def _remove(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


#: DuckDB's working memory while a large import is staged (beyond it, DuckDB spills to disk).
STAGING_MEMORY = "256MB"


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


class _NothingNew(Exception):
    """Inside a write transaction: nothing new to store, roll back."""


class Store:
    """A handle on the store file. Use `Store.open()`; close it (or use `with`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: duckdb.DuckDBPyConnection | None = None

    # ---- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *,
             seed: pd.DataFrame | None = None) -> Store:
        """Open (creating and seeding on first use) the store at `store_path(path)`.

        `seed` replaces the shipped snapshot as the first vintage of a *new* store (tests,
        custom deployments); edition `2024` then pins it, and it is never re-synced.
        """
        store = cls(store_path(path))
        _clean_leftovers(store.path)
        if not store.path.exists():
            store._create(seed)
        if store._con is None:
            store._connect()
        store._check_schema()
        if seed is None:
            store._sync_snapshot()
        return store

    def _connect(self) -> None:
        """Read-only, in a private DuckDB instance: `duckdb.connect(path)` would reuse any
        instance this process already has on the path, which still shows the file as it was
        before a write replaced it."""
        con = duckdb.connect(":memory:")
        try:
            quoted = str(self.path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS store (READ_ONLY)")
            con.execute("USE store")
        except duckdb.Error as exc:
            con.close()
            raise _friendly(self.path, exc) from None
        self._con = con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError(f"the data store {self.path} is closed")
        return self._con

    def _query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        try:
            return self.con.execute(sql, params or []).df()
        except duckdb.Error as exc:
            raise _friendly(self.path, exc) from None

    def _check_schema(self) -> None:
        try:
            version = vt.one(self.con, "SELECT value FROM meta WHERE key = 'schema'")
        except duckdb.Error:
            self.close()
            raise StoreError(f"{self.path} is a DuckDB file but not an aidi data store; rename "
                             "or delete it, or point AIDI_STORE / --store elsewhere") from None
        if not version or version[0] != SCHEMA_VERSION:
            self.close()
            raise StoreError(f"the data store {self.path} has schema {version and version[0]!r}, "
                             f"this aidi needs {SCHEMA_VERSION!r}; rename or delete it to "
                             "re-seed it")

    def meta(self, key: str) -> str | None:
        try:
            row = vt.one(self.con, "SELECT value FROM meta WHERE key = ?", [key])
        except duckdb.Error as exc:
            raise _friendly(self.path, exc) from None
        return row[0] if row else None

    # ---- writing ---------------------------------------------------------------------------
    def _prepare_write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.with_name(f".{self.path.name}.lock").touch()
        except OSError as exc:
            raise StoreError(f"cannot write the data store {self.path} ({exc.strerror or exc}); "
                             "point AIDI_STORE or --store at a writable file") from None

    @contextlib.contextmanager
    def _transaction(self, locked: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on a copy of the file, moved over the original on success
        (`locked`: the caller already holds the writer lock)."""
        new = not self.path.exists()
        self._prepare_write()
        with contextlib.nullcontext() if locked else _writer_lock(self.path):
            self.close()
            tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.tmp")
            tmp_wal = tmp.with_name(tmp.name + ".wal")
            try:
                if not new:
                    shutil.copyfile(self.path, tmp)
                    wal = self.path.with_name(self.path.name + ".wal")
                    if wal.exists():
                        shutil.copyfile(wal, tmp_wal)
                con = duckdb.connect(str(tmp))
                try:
                    con.execute("BEGIN TRANSACTION")
                    yield con
                    con.execute("COMMIT")
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                os.replace(tmp, self.path)
                _remove(self.path.with_name(self.path.name + ".wal"))
            except duckdb.Error as exc:
                raise _friendly(self.path, exc) from None
            except OSError as exc:  # copying the store or replacing it: the original is intact
                if isinstance(exc, AidiError):
                    raise
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise _friendly(self.path, exc) from None
                raise StoreError(f"cannot write the data store {self.path} "
                                 f"({exc.strerror or exc}); the store is unchanged — point "
                                 "AIDI_STORE or --store at a writable file") from None
            finally:
                _remove(tmp, tmp_wal)
                if self.path.exists():
                    self._connect()

    def _create(self, seed: pd.DataFrame | None) -> None:
        if seed is None:
            frame, prov, sha = vt.shipped_snapshot()
        else:
            frame = seed
            sha = vt.frame_sha(seed)
            prov = Provenance(kind="seed", label="custom seed", note="given to Store.open")
        with self._transaction() as con:
            con.execute(vt.SCHEMA)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [
                ["schema", SCHEMA_VERSION], ["created_at", now_iso()],
                ["seed_kind", prov.kind], ["snapshot_sha256", sha]])
            vid = vt.insert_vintage(con, frame, prov, full=True, sha=sha)
            vt.pin(con, ed.DEFAULT_EDITION, [vid], note=prov.label)

    def _sync_snapshot(self) -> None:
        """Follow a newer shipped snapshot: new full vintage, edition 2024 re-pinned to it."""
        if self.meta("seed_kind") != "snapshot":
            return
        try:
            sha = vt.shipped_sha()
        except FileNotFoundError:
            return
        if sha == self.meta("snapshot_sha256"):
            return
        frame, prov, sha = vt.shipped_snapshot()
        with self._transaction() as con:
            vid = vt.insert_vintage(con, frame, prov, full=True, sha=sha)
            vt.pin(con, ed.DEFAULT_EDITION, [vid], note=prov.label)
            con.execute("UPDATE meta SET value = ? WHERE key = 'snapshot_sha256'", [sha])

    def add_vintage(self, frame: pd.DataFrame, provenance: Provenance) -> str | None:
        """Store `frame` (tidy observations, validated) as a new vintage; return its id.

        Only new or changed values are stored for a refresh or an import (unchanged ones are
        counted); a snapshot or seed vintage is stored in full, since an edition pins it alone.
        When a refresh or import brings nothing new, no (empty) vintage is stored and None is
        returned. One transaction on a copy: any failure leaves the store file byte-identical.
        """
        full = provenance.kind in ("snapshot", "seed")
        if not full and not self.has_news(frame):
            return None
        with self._transaction() as con:
            return vt.insert_vintage(con, frame, provenance, full=full, sha=vt.frame_sha(frame))

    def add_vintage_rows(self, fill: Callable[[duckdb.DuckDBPyConnection], tuple[str, str]],
                         provenance: Provenance) -> str | None:
        """Store rows staged by `fill(con)` as a new vintage; return its id (None when no row
        is new or changed, and then nothing is written).

        `fill(con)` stages the rows in a scratch DuckDB database (never all in Python) and
        returns (its table with the tidy and provenance columns, content sha256); the write
        transaction then stores them. Anything it raises leaves the store unchanged.
        """
        full = provenance.kind in ("snapshot", "seed")
        # the rows are staged in a scratch database beside the store (named like the
        # transaction's copy, so a killed import's leftovers are cleared the same way), then
        # attached read-only to the write transaction: DuckDB writes one database per
        # transaction, and evicts a file's tables to disk under its memory limit
        scratch = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.stage.tmp")
        self._prepare_write()
        try:
            with _writer_lock(self.path):  # held while staging: the scratch is no leftover
                return self._stage_and_store(scratch, fill, provenance, full)
        except _NothingNew:
            return None
        finally:
            _remove(scratch, scratch.with_name(scratch.name + ".wal"))

    def _stage_and_store(self, scratch: Path, fill, provenance: Provenance, full: bool) -> str:
        try:
            scon = duckdb.connect(str(scratch))
        except duckdb.Error as exc:
            raise _friendly(scratch, exc) from None
        try:
            scon.execute(f"SET memory_limit = '{STAGING_MEMORY}'")
            scon.execute("SET preserve_insertion_order = false")  # lets large queries spill
            table, sha = fill(scon)
        finally:
            scon.close()
        with self._transaction(locked=True) as con:
            con.execute(f"SET memory_limit = '{STAGING_MEMORY}'")
            con.execute(f"ATTACH '{_sql_text(scratch)}' AS stage (READ_ONLY)")
            vid = vt.insert_vintage_table(con, f"stage.{table}", provenance, full=full, sha=sha)
            if vid is None:
                raise _NothingNew
            return vid

    def has_news(self, frame: pd.DataFrame) -> bool:
        """Whether `frame` holds any value that is new or differs from the newest stored one."""
        if frame.empty:
            return False
        rows = check_tidy(frame)[["iso3", "year", "series", "value", "unit"]].copy()
        rows["year"] = pd.to_numeric(rows["year"]).astype("int64")
        rows["value"] = pd.to_numeric(rows["value"]).astype("float64")
        try:
            self.con.register("incoming_check", rows)
            try:
                n = vt.one(self.con, (
                    "SELECT count(*) FROM incoming_check i LEFT JOIN "
                    f"({ed.newest_per_key('TRUE')}) l USING (iso3, year, series) WHERE "
                    "l.iso3 IS NULL OR l.value IS DISTINCT FROM i.value OR l.unit <> i.unit"))
            finally:
                self.con.unregister("incoming_check")
        except duckdb.Error as exc:
            raise _friendly(self.path, exc) from None
        return bool(n and n[0])

    def create_edition(self, name: str, vintages: Sequence[str] | None = None,
                       note: str = "") -> None:
        """Pin `vintages` (default: every vintage now — a frozen `latest`) under `name`."""
        if name in (ed.LATEST, ed.SNAPSHOT) or ed.VINTAGE_ID.match(name):
            raise ValueError(f"{name!r} is reserved (latest, snapshot and vintage ids v1, "
                             "v2, …)")
        known = set(self.vintages()["vintage_id"])
        ids = list(vintages) if vintages is not None else sorted(known, key=vt.seq_of)
        missing = [v for v in ids if v not in known]
        if missing or not ids:
            raise ed.UnknownEdition(f"unknown vintage(s) {missing}; known: "
                                    f"{sorted(known, key=vt.seq_of)}")
        with self._transaction() as con:
            vt.pin(con, name, ids, note=note)

    # ---- reading ---------------------------------------------------------------------------
    def observations(self, vintage: str | None = ed.SNAPSHOT, *,
                     provenance: bool = False) -> pd.DataFrame:
        """Tidy observations of a vintage — a state of the data: `snapshot` (alias `2024`),
        `latest`, a vintage id, an edition's pin (`edition-2023`) or a custom pin.

        With `provenance`, adds vintage_id, publisher, dataset, series_code, url,
        retrieved_at and publisher_vintage.
        """
        sql, params = ed.selection_sql(self._selection(vintage or ed.SNAPSHOT))
        cols = list(TIDY) + (["vintage_id", *PROVENANCE] if provenance else [])
        frame = self._query(f"SELECT {', '.join(cols)} FROM ({sql})", params)
        frame = frame.astype({"year": "int64", "value": "float64"})
        for c in cols:
            if c not in ("year", "value"):
                frame[c] = frame[c].fillna("").astype(str)
        frame = frame.sort_values(["series", "iso3", "year"], kind="mergesort")
        return frame.reset_index(drop=True)

    def _selection(self, name: str) -> ed.Selection:
        name = ed.pin_name(str(name).strip())
        seqs = self._query("SELECT vintage_id, seq FROM vintages")
        by_id = dict(zip(seqs["vintage_id"], seqs["seq"].astype(int), strict=True))
        if name == ed.LATEST:
            return ed.Selection(name, as_of=max(by_id.values()))
        match = ed.VINTAGE_ID.match(name)
        if match and ed.vintage_id(int(match.group(1))) in by_id:
            return ed.Selection(name, as_of=by_id[ed.vintage_id(int(match.group(1)))])
        pins = self._current_editions()
        if name in pins:
            return ed.Selection(name, pinned=tuple(pins[name]))
        known = [ed.LATEST, *sorted(pins), *sorted(by_id, key=vt.seq_of)]
        raise ed.UnknownEdition(f"unknown vintage {name!r} in {self.path}; known: "
                                f"{', '.join(known)}")

    def pin_edition(self, edition: str | int, vintage: str = ed.LATEST, note: str = "") -> str:
        """Record that `edition` is built on `vintage` as it is now (default: every vintage so
        far — a frozen `latest`), so rebuilding the edition after later refreshes reads the
        same values. Returns the pin's name (`edition-2025`)."""
        sel = self._selection(vintage)
        if sel.as_of is not None:
            ids = self._query("SELECT vintage_id FROM vintages WHERE seq <= ? ORDER BY seq",
                              [sel.as_of])["vintage_id"].tolist()
        else:
            ids = list(sel.pinned)
        name = ed.edition_pin(edition)
        with self._transaction() as con:
            vt.pin(con, name, ids, note=note or f"edition {edition} on vintage {vintage}")
        return name

    def edition_vintage(self, edition: str | int) -> str | None:
        """The pin an edition was published on (`Store.pin_edition`), or None."""
        name = ed.edition_pin(edition)
        return name if name in self._current_editions() else None

    def _current_editions(self) -> dict[str, list[str]]:
        rows = self._query(
            "SELECT edition, vintage_id FROM editions e WHERE revision = "
            "(SELECT max(revision) FROM editions WHERE edition = e.edition) ORDER BY vintage_id")
        return {k: sorted(g["vintage_id"], key=vt.seq_of) for k, g in rows.groupby("edition")}

    def vintages(self) -> pd.DataFrame:
        """One row per vintage, oldest first."""
        return self._query("SELECT * FROM vintages ORDER BY seq")

    def editions(self) -> pd.DataFrame:
        """Current editions: name, revision, pinned vintages, creation time, note (+ latest)."""
        rows = self._query(
            "SELECT edition, revision, string_agg(vintage_id, ',' ORDER BY vintage_id) AS "
            "vintages, max(created_at) AS created_at, max(note) AS note FROM editions e WHERE "
            "revision = (SELECT max(revision) FROM editions WHERE edition = e.edition) "
            "GROUP BY edition, revision ORDER BY edition")
        n = len(self.vintages())
        latest = pd.DataFrame([{"edition": ed.LATEST, "revision": n,
                                "vintages": "v1" if n == 1 else f"v1…v{n}",
                                "created_at": "", "note": "newest vintage of every value"}])
        return pd.concat([rows, latest], ignore_index=True)

    def series_units(self) -> dict[str, str]:
        """series → unit, from the newest vintage of each series (for unit checks)."""
        rows = self._query(
            "SELECT series, unit FROM observations o JOIN vintages v USING (vintage_id) "
            "QUALIFY row_number() OVER (PARTITION BY series ORDER BY v.seq DESC) = 1")
        return dict(zip(rows["series"], rows["unit"], strict=True))

    def series_catalog(self, edition: str = ed.LATEST) -> pd.DataFrame:
        """Per series of an edition: unit, source, coverage and the newest vintage used."""
        sql, params = ed.selection_sql(self._selection(edition))
        return self._query(
            f"SELECT series, any_value(unit) AS unit, string_agg(DISTINCT source, '; ') AS "
            f"source, count(DISTINCT iso3) AS countries, min(year) AS first_year, max(year) AS "
            f"last_year, count(*) AS values, max(seq) AS newest_seq FROM ({sql}) "
            f"GROUP BY series ORDER BY series", params)

    def info(self) -> StoreInfo:
        try:
            counts = vt.one(self.con, "SELECT count(*), count(DISTINCT series), "
                            "count(DISTINCT iso3) FROM observations") or (0, 0, 0)
        except duckdb.Error as exc:
            raise _friendly(self.path, exc) from None
        return StoreInfo(self.path, self.path.stat().st_size, int(counts[0]), int(counts[1]),
                         int(counts[2]), self.vintages(), self.editions(),
                         {k: self.meta(k) or "" for k in ("created_at", "seed_kind")})
