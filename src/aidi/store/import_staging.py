"""The rows of a streamed import, staged in a scratch DuckDB database beside the store.

A large file is validated chunk by chunk (each row on its own, `validate_observations(...,
across_rows=False)`) and its accepted rows appended here, so Python never holds more than a
chunk. The checks that need every row — one unit per series within the file, no key twice —
then run once in SQL over the staged rows, with the same rules and messages as the in-memory
validation; what they reject is moved out, and what stays is stored as the vintage
(`aidi.store.vintages.insert_vintage_table`, in the store's write transaction). DuckDB
spills to disk past its memory limit.
"""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from aidi.sources.validate import REJECTED_COLUMNS, TIDY
from aidi.store.vintages import PROVENANCE

__all__ = ["Staging"]

#: The staging table, in the scratch database `Store.add_vintage_rows` gives `fill`.
TABLE = "incoming_rows"
SCHEMA = "main"
_TEXT = ("iso3", "series", "unit", "source", "file", *PROVENANCE, "country_raw", "year_column")


class Staging:
    """Accepted rows of one import: `append` chunks, then `check_across_rows`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str) -> None:
        self.con = con
        self.source = source
        self.rows = 0
        cols = ", ".join(f"{c} VARCHAR" for c in _TEXT)
        # a table of the scratch database file, not a TEMP one: DuckDB evicts it to disk
        # under its memory limit
        con.execute(f"CREATE TABLE {TABLE} (seq BIGINT, row BIGINT, year BIGINT, "
                    f"value DOUBLE, {cols})")

    def append(self, accepted: pd.DataFrame) -> None:
        """Stage one chunk's accepted rows (tidy columns, `row`, optional `column` and
        provenance columns)."""
        if accepted.empty:
            return
        n = len(accepted)
        frame = pd.DataFrame({"seq": range(self.rows, self.rows + n),
                              "row": pd.to_numeric(accepted.get("row"), errors="coerce")
                              if "row" in accepted else pd.NA,
                              "year": accepted["year"].astype("int64"),
                              "value": accepted["value"].astype("float64")})
        for col in _TEXT:
            src = {"country_raw": "country_label", "year_column": "column"}.get(col, col)
            if src in accepted:
                values = accepted[src]
                frame[col] = values.astype(str).where(values.notna(), None).to_numpy()
            else:
                frame[col] = None
        self.con.register("chunk_rows", frame)
        try:
            self.con.execute(f"INSERT INTO {TABLE} SELECT seq, row, year, value, "
                             f"{', '.join(_TEXT)} FROM chunk_rows")
        finally:
            self.con.unregister("chunk_rows")
        self.rows += n

    def check_across_rows(self) -> pd.DataFrame:
        """Reject (and remove) rows whose unit differs from the one most rows of their series
        use, then every row of a key given twice; returns them as rejected rows."""
        self.con.execute(f"""
            CREATE TABLE {SCHEMA}.unit_mode AS
            SELECT series, unit FROM (
                SELECT series, unit, row_number() OVER (PARTITION BY series
                       ORDER BY count(*) DESC, min(seq)) AS k
                FROM {TABLE} GROUP BY series, unit) WHERE k = 1""")
        self.con.execute(f"""
            CREATE TABLE {SCHEMA}.rejected_rows AS
            SELECT i.seq, 'unit' AS rule,
                   'unit ''' || i.unit || ''' differs from ''' || m.unit || ''' used by the '
                   || 'other rows of series ''' || i.series || '''' AS reason
            FROM {TABLE} i JOIN {SCHEMA}.unit_mode m USING (series) WHERE i.unit <> m.unit""")
        # keys given twice first (a plain count, which spills to disk), then the row lists
        # of those keys only
        self.con.execute(f"""
            CREATE TABLE {SCHEMA}.dup_keys AS
            SELECT iso3, year, series, count(*) AS n FROM {TABLE} i
            WHERE NOT EXISTS (SELECT 1 FROM {SCHEMA}.rejected_rows r WHERE r.seq = i.seq)
            GROUP BY iso3, year, series HAVING count(*) > 1""")
        self.con.execute(f"""
            CREATE TABLE {SCHEMA}.dup_rows AS
            SELECT d.seq, d.row, d.iso3, d.year, d.series, k.n FROM {TABLE} d
            JOIN {SCHEMA}.dup_keys k USING (iso3, year, series)
            WHERE NOT EXISTS (SELECT 1 FROM {SCHEMA}.rejected_rows r WHERE r.seq = d.seq)""")
        self.con.execute(f"""
            INSERT INTO {SCHEMA}.rejected_rows
            SELECT d.seq, 'duplicate', '(' || d.iso3 || ', ' || d.year || ', ' || d.series
                   || ') appears more than once (rows ' || array_to_string(list_slice(
                   k.rows, 1, 6), ', ') || CASE WHEN d.n > 6 THEN ', …' ELSE '' END || ')'
            FROM {SCHEMA}.dup_rows d JOIN (
                SELECT iso3, year, series,
                       list(coalesce(CAST(row AS VARCHAR), '?') ORDER BY seq) AS rows
                FROM {SCHEMA}.dup_rows GROUP BY iso3, year, series) k
              USING (iso3, year, series)""")
        self.con.execute(f"DROP TABLE {SCHEMA}.dup_rows")
        self.con.execute(f"DROP TABLE {SCHEMA}.dup_keys")
        out = self.con.execute(f"""
            SELECT ? AS source, i.row, i.year_column AS "column", i.country_raw AS country,
                   CAST(i.year AS VARCHAR) AS year, i.series, CAST(i.value AS VARCHAR) AS value,
                   r.rule, r.reason
            FROM {SCHEMA}.rejected_rows r JOIN {TABLE} i USING (seq) ORDER BY i.seq""",
                               [self.source]).df()
        if not out.empty:
            self.con.execute(f"DELETE FROM {TABLE} WHERE seq IN "
                             f"(SELECT seq FROM {SCHEMA}.rejected_rows)")
        self.con.execute(f"DROP TABLE {SCHEMA}.rejected_rows")
        self.con.execute(f"DROP TABLE {SCHEMA}.unit_mode")
        self.rows = int(self.con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0])
        if out["column"].isna().all():
            out = out.drop(columns="column")
        else:
            out = out[[*REJECTED_COLUMNS[:2], "column", *REJECTED_COLUMNS[2:]]]
        out["row"] = out["row"].astype("Int64")
        return out

    @property
    def table(self) -> str:
        """The staged rows' table (tidy and provenance columns among others): what
        `insert_vintage_table` stores."""
        return TABLE

    def sha256(self, batch: int = 50_000) -> str:
        """sha256 of the tidy rows as CSV — what `aidi.store.vintages.frame_sha` gives for the
        same rows held in memory. Read `batch` sequence numbers at a time: one ordered query
        over every row held the whole sorted result in memory (2 GB for a 200 MB import)."""
        h = hashlib.sha256()
        lo, hi = self.con.execute(f"SELECT min(seq), max(seq) FROM {TABLE}").fetchall()[0]
        first = True
        for start in range(int(lo), int(hi) + 1, batch) if lo is not None else ():
            part = self.con.execute(f"SELECT {', '.join(TIDY)} FROM {TABLE} WHERE seq >= ? "
                                    "AND seq < ? ORDER BY seq", [start, start + batch]).df()
            if part.empty:
                continue
            part["file"] = part["file"].fillna("")
            h.update(part.to_csv(index=False, header=first).encode())
            first = False
        return h.hexdigest()

    def head(self, n: int) -> pd.DataFrame:
        """The first `n` staged rows (tidy columns), for the report's preview."""
        frame = self.con.execute(f"SELECT {', '.join(TIDY)} FROM {TABLE} ORDER BY seq "
                                 f"LIMIT {int(n)}").df()
        frame["file"] = frame["file"].fillna("")
        return frame

    def series(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            f"SELECT DISTINCT series FROM {TABLE} ORDER BY series").fetchall()]
