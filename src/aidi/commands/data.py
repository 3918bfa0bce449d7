"""`aidi data …`: the data layer's commands (snapshot, refresh, info, import)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

data_app = typer.Typer(help="Build the snapshot, refresh from publishers, inspect and import data.",
                       no_args_is_help=True)


# --------------------------------------------------------------------------- snapshot

def _default_raw_dir() -> Path | None:
    """``../shared/data/raw`` relative to the current folder, else ``$AIDI_RAW_DIR``."""
    candidate = Path.cwd().parent / "shared" / "data" / "raw"
    if candidate.is_dir():
        return candidate
    env = os.environ.get("AIDI_RAW_DIR")
    return Path(env) if env else None


@data_app.command("snapshot")
def snapshot(
    raw: Annotated[Path | None, typer.Option(
        "--raw", help="Raw-data root (default: ../shared/data/raw, else $AIDI_RAW_DIR).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: the package's aidi/store/snapshot/).")] = None,
) -> None:
    """Build the snapshot (tidy observations, series catalogue, manifest) from raw files."""
    from aidi.sources.raw import RawDataMissing
    from aidi.store.snapshot import SnapshotError, build_snapshot

    raw_dir = raw or _default_raw_dir()
    if raw_dir is None:
        typer.echo("No raw-data folder: pass --raw or set AIDI_RAW_DIR.", err=True)
        raise typer.Exit(code=2)
    try:
        manifest = build_snapshot(raw_dir, out)
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
