"""`aidi data …`: the data layer's commands (snapshot, refresh, info, import)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from aidi.commands.options import OutOpt, QuietOpt
from aidi.progress import report

data_app = typer.Typer(help="Build the snapshot, refresh from publishers, inspect and import data.",
                       no_args_is_help=True)


# --------------------------------------------------------------------------- snapshot

def _default_raw_dir() -> Path | None:
    """The raw-data folder of `aidi.rawdata.find_raw_dir` ($AIDI_RAW_DIR, ../shared/data/raw)."""
    from aidi.rawdata import find_raw_dir

    return find_raw_dir()


@data_app.command("snapshot")
def snapshot(
    raw: Annotated[Path | None, typer.Option(
        "--raw", help="Raw-data root (default: ../shared/data/raw, else $AIDI_RAW_DIR).")] = None,
    out: OutOpt = None,  # type: ignore[assignment]
    quiet: QuietOpt = False,
) -> None:
    """Build the snapshot (tidy observations, series catalogue, manifest) from raw files.

    Written to the package's aidi/store/snapshot/ unless --out names another folder.
    """
    from aidi.commands.progress import show_progress
    from aidi.sources.raw import RawDataMissing
    from aidi.store.snapshot import SnapshotError, build_snapshot

    raw_dir = raw or _default_raw_dir()
    if raw_dir is None:
        typer.echo("No raw-data folder: pass --raw or set AIDI_RAW_DIR.", err=True)
        raise typer.Exit(code=2)
    try:
        with show_progress(_console(), quiet) as progress:
            manifest = build_snapshot(raw_dir, out, progress=progress)
            report(progress, "trends snapshot")
            trends = _trends_snapshot(raw_dir, out)
    except (RawDataMissing, SnapshotError) as exc:
        typer.echo(f"snapshot not built: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    for name, stats in manifest.sources.items():
        typer.echo(f"{name:<22} {stats['rows']:>8,} rows {stats['series']:>4} series "
                   f"{stats['countries']:>4} countries")
    for key, count in manifest.rows.items():
        if key.startswith("table:"):
            typer.echo(f"{key:<22} {count:>8,} rows")
    for name, reason in manifest.skipped.items():
        typer.echo(f"{name:<22} skipped: {reason}")
    folder = Path(manifest.path or ".")
    typer.echo(f"{manifest.rows['observations']:,} observations, {manifest.rows['series']} series")
    for name in manifest.outputs:
        typer.echo(f"wrote {folder / name} ({(folder / name).stat().st_size:,} bytes)")
    typer.echo(f"wrote {folder / 'manifest.json'}")
    folder = Path(trends["path"])
    for name, count in trends["rows"].items():
        typer.echo(f"trends:{name:<15} {count:>8,} rows")
    typer.echo(f"wrote {folder} ({len(trends['outputs'])} tables + manifest.json)")


def _print_table(console, table) -> None:
    from aidi.commands.layout import print_table

    print_table(console, table)


def _console():  # -> rich.console.Console, imported when a command runs (`aidi --help` stays fast)
    from rich.console import Console

    return Console()


def _trends_snapshot(raw_dir: Path, out: Path | None) -> dict:
    """The trend tables of `aidi trends`, in the snapshot's `trends/` subfolder."""
    from aidi.sources.raw import RawDataMissing
    from aidi.store.trends_snapshot import TrendsSnapshotError, build_trends_snapshot

    try:
        return build_trends_snapshot(raw_dir, out / "trends" if out else None)
    except (RawDataMissing, TrendsSnapshotError) as exc:
        typer.echo(f"trends snapshot not built: {exc}", err=True)
        raise typer.Exit(code=1) from exc


@data_app.command("catalogue")
def catalogue(
    out: Annotated[Path, typer.Option(
        "--out", help="Markdown file to write (default: docs/data_catalogue.md).")] = Path(
        "docs/data_catalogue.md"),
    check: Annotated[bool, typer.Option(
        "--check", help="Only check that the file equals the generated text (exit 1 if not).")
    ] = False,
) -> None:
    """Generate the data catalogue from the shipped snapshot (so it cannot drift)."""
    from aidi.store.catalogue import render_catalogue, write_catalogue

    if check:
        same = out.is_file() and out.read_text(encoding="utf-8") == render_catalogue()
        typer.echo(f"{out}: {'up to date' if same else 'out of date — run aidi data catalogue'}")
        raise typer.Exit(code=0 if same else 1)
    typer.echo(f"wrote {write_catalogue(out)}")


# --------------------------------------------------------------------------- store: refresh, info, import
# Errors a person can act on are printed as one line (no traceback) with a non-zero exit code.

StoreOption = Annotated[Path | None, typer.Option(
    "--store", help="Store file (default: $AIDI_STORE, else the user data directory).")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=code)


def _open_store(store: Path | None):  # -> aidi.store.duckdb_store.Store
    from aidi.store.duckdb_store import Store, StoreError

    try:
        return Store.open(store)
    except StoreError as exc:
        raise _fail(f"error: {exc}") from None


@contextmanager
def _writing_store(store: Path | None):
    """The store opened for a write; if this call created it and the write fails or stores
    nothing, no new store is left behind."""
    from aidi.store.duckdb_store import StoreError, discard_unused, store_path

    created = not store_path(store).exists()
    try:
        with _open_store(store) as db:
            yield db
    except (typer.Exit, StoreError):
        if created:
            discard_unused(store_path(store))
        raise


def _write_rejected(reports: list, path: Path | None) -> None:
    if path is None or not any(r.n_rejected for r in reports):
        return
    import pandas as pd

    from aidi.io import write_csv

    write_csv(pd.concat([r.rejected for r in reports], ignore_index=True), path)
    typer.echo(f"rejected rows written to {path}")


@data_app.command("refresh")
def refresh(
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="Source name from sources.yaml (repeatable; default: all enabled).")
    ] = None,
    store: StoreOption = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Sources file (default: the shipped sources.yaml).")] = None,
    keep_going: Annotated[bool, typer.Option(
        "--keep-going", help="Store what could be fetched even if a publisher is unreachable.")
    ] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Refuse the refresh if any row fails validation.")] = False,
    rejected: Annotated[Path | None, typer.Option(
        "--rejected", help="Write the rejected rows (source, row, reason) to this CSV.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Fetch new values from the publishers, validate them and store them as a new vintage."""
    from aidi.commands.progress import show_progress
    from aidi.io import check_writable
    from aidi.sources.connectors import SourceUnreachable, load_sources, select_sources
    from aidi.sources.validate import DataValidationError
    from aidi.store import refresh as refresh_mod

    try:
        sources = select_sources(load_sources(config), source)
    except ValueError as exc:
        raise _fail(f"error: {exc}", code=2) from None
    if rejected is not None:
        check_writable(rejected, "--rejected")
    with _writing_store(store) as db, show_progress(_console(), quiet) as progress:
        try:
            result = refresh_mod.refresh(db, sources, fetch=refresh_mod.default_fetcher(),
                                         keep_going=keep_going, strict=strict,
                                         progress=progress)
        except SourceUnreachable as exc:
            raise _fail(str(exc)) from None
        except DataValidationError as exc:
            raise _fail(f"refresh refused, the store is unchanged: {exc}") from None
        path = db.path
    for rep in result.reports:
        typer.echo(rep.summary(examples=3))
    for err in result.unreachable:
        typer.echo(f"skipped {err.source}: {err}")
    _write_rejected(list(result.reports), rejected)
    if result.vintage_id is None:
        typer.echo(f"nothing new: all {result.unchanged_rows:,} fetched value(s) are already "
                   f"stored; no vintage added to {path}")
        return
    typer.echo(f"stored vintage {result.vintage_id}: {result.stored_rows:,} new or revised "
               f"value(s), {result.unchanged_rows:,} unchanged, in {path}")
    typer.echo(f"use it with `aidi build --vintage latest` (or --vintage {result.vintage_id})"
               "; `--vintage snapshot` still gives the shipped numbers")


@data_app.command("info")
def info(
    store: StoreOption = None,
    series: Annotated[bool, typer.Option(
        "--series", help="List the series of an edition with unit, source and coverage.")] = False,
    edition: Annotated[str, typer.Option(
        "--edition", help="Edition for --series: 2024, latest, a vintage id.")] = "latest",
) -> None:
    """Where the local store is, its vintages and editions, and how much it holds."""
    from rich.console import Console
    from rich.table import Table

    from aidi.store.duckdb_store import store_path
    from aidi.store.editions import UnknownEdition

    console = Console()
    if not store_path(store).exists():  # reading creates nothing: describe the snapshot
        _snapshot_info(console, store_path(store), series)
        return
    with _open_store(store) as db:
        facts = db.info()
        console.print(f"store: {facts.path} ({facts.size_bytes / 1e6:.1f} MB)")
        console.print(f"{facts.rows:,} stored values · {facts.series:,} series · "
                      f"{facts.countries:,} countries · {len(facts.vintages)} vintage(s)")
        table = Table(title="Vintages")
        for col in ("id", "kind", "label", "retrieved", "stored", "new", "revised", "unchanged"):
            table.add_column(col, justify="right" if col in ("stored", "new", "revised",
                                                             "unchanged") else "left")
        for v in facts.vintages.itertuples():
            table.add_row(v.vintage_id, v.kind, v.label, str(v.retrieved_at or ""),
                          f"{v.n_rows:,}", f"{v.n_new:,}", f"{v.n_changed:,}",
                          f"{v.n_unchanged:,}")
        _print_table(console, table)
        table = Table(title="Editions (aidi build --edition NAME)")
        for col in ("edition", "vintages", "revision", "note"):
            table.add_column(col)
        for e in facts.editions.itertuples():
            table.add_row(e.edition, e.vintages, str(e.revision), str(e.note or ""))
        _print_table(console, table)
        if series:
            try:
                cat = db.series_catalog(edition)
            except UnknownEdition as exc:
                raise _fail(f"error: {exc}", code=2) from None
            table = Table(title=f"Series in edition {edition}")
            for col in ("series", "unit", "countries", "years", "values", "vintage", "source"):
                table.add_column(col, justify="right" if col in ("countries", "values") else "left")
            for r in cat.itertuples():
                table.add_row(r.series, r.unit, f"{r.countries:,}",
                              f"{r.first_year}–{r.last_year}", f"{r.values:,}",
                              f"v{r.newest_seq}", r.source)
            _print_table(console, table)


def _snapshot_info(console, path: Path, series: bool) -> None:
    """`aidi data info` before any refresh or import: what the embedded snapshot holds."""
    from rich.table import Table

    from aidi.store.snapshot import load_manifest, load_series_catalog

    manifest, cat = load_manifest(), load_series_catalog()
    console.print(f"no local store yet at {path}; the embedded snapshot is in use "
                  "(`aidi data refresh` or `aidi data import` creates the store)")
    console.print(f"snapshot: {manifest.rows['observations']:,} values · "
                  f"{manifest.rows['series']:,} series · {len(manifest.sources)} sources "
                  f"(editions: 2024 = snapshot; latest = the newest of each series)")
    if series:
        table = Table(title="Series in the embedded snapshot")
        for col in ("series", "unit", "countries", "years", "values", "source"):
            table.add_column(col, justify="right" if col in ("countries", "values") else "left")
        for r in cat.itertuples():
            table.add_row(r.series, r.unit, f"{r.n_countries:,}",
                          f"{r.first_year}–{r.last_year}", f"{r.n_obs:,}", r.source)
        _print_table(console, table)


@data_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: long (iso3|country, year, series, "
                                              "value, unit) or wide (country × year).")],
    series_prefix: Annotated[str, typer.Option(
        "--series-prefix", help="Prefix added to series ids that lack it.")] = "user.",
    series: Annotated[str | None, typer.Option(
        "--series", help="Series id for every row (required for a wide file).")] = None,
    unit: Annotated[str | None, typer.Option(
        "--unit", help="Unit of the values (required when the file has no unit column).")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Excel sheet (default: first).")
                     ] = None,
    store: StoreOption = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Refuse the file if any row fails validation.")] = False,
    rejected: Annotated[Path | None, typer.Option(
        "--rejected", help="Write the rejected rows (row, reason) to this CSV.")] = None,
    decimal: Annotated[str | None, typer.Option(
        "--decimal", help="Decimal separator of the values: '.' or ',' (default: read from "
                          "the values; ambiguous files are refused).")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Add your own series to the store (validated; stored as a vintage `user import: FILE`)."""
    from aidi.commands.progress import show_progress
    from aidi.errors import UsageError
    from aidi.io import check_writable
    from aidi.sources.validate import DataValidationError
    from aidi.store.user_import import import_file

    if decimal not in (None, ".", ","):
        raise UsageError(f"--decimal must be '.' or ',', got {decimal!r}")
    if rejected is not None:
        check_writable(rejected, "--rejected")
    with _writing_store(store) as db, show_progress(_console(), quiet) as progress:
        report(progress, f"importing {file.name} (read, validate, store)")
        try:
            result = import_file(db, file, series=series, series_prefix=series_prefix,
                                 unit=unit, sheet=sheet, strict=strict, decimal=decimal)
        except DataValidationError as exc:
            raise _fail(f"import refused, the store is unchanged: {exc}") from None
        path = db.path
    for note in result.notes:
        typer.echo(note)
    typer.echo(result.report.summary(examples=10))
    _write_rejected([result.report], rejected)
    if result.vintage_id is None:
        typer.echo(f"nothing new: every value of {_listed(result.series)} is already stored "
                   f"with the same number; no vintage added to {path}")
        return
    typer.echo(f"stored vintage {result.vintage_id} ({result.layout} layout) with series "
               f"{_listed(result.series)} in {path}")
    typer.echo(f"use it in a spec as `series: {result.series[0]}` and build from the store, "
               "e.g. `aidi build --spec my_spec.yaml --vintage latest`")


def _listed(names, shown: int = 8) -> str:
    """At most `shown` names, then how many more (an import may hold thousands of series)."""
    names = list(names)
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more:,} more" if more > 0 else "")
