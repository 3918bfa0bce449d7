"""What every command shares: the option types and one way to get the nominal `Build`.

Each command declares its options with these `Annotated` types, so `--spec`, `--edition`,
`--countries`, `--coin-data/--coin-meta`, `--out` and `--lang` mean the same everywhere, and
builds through `nominal_build` — the public API's `aidi.build` — so every command accepts every
spec (shipped AIDI, the COINr ASEM steps file, or COINr tables given directly).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aidi.errors import UsageError
from aidi.progress import LOADING, Progress, report

SpecOpt = Annotated[str | None, typer.Option(
    "--spec", help="spec: aidi-2024, asem (COINr's ASEM example), or a YAML path")]
EditionOpt = Annotated[str | None, typer.Option(
    "--edition", help="index edition (its data window): a year such as 2024 (default), or "
                      "latest")]
VintageOpt = Annotated[str | None, typer.Option(
    "--vintage", help="state of the data: snapshot (shipped), latest, a vintage id (v3) or "
                      "an edition pin; default: the edition's pin, else the store's newest")]
CountriesOpt = Annotated[str | None, typer.Option(
    "--countries", help="TARGET_20 (default), G20, all, or codes/names: USA,CHN,...")]
CoinDataOpt = Annotated[Path | None, typer.Option("--coin-data", help="COINr iData CSV")]
CoinMetaOpt = Annotated[Path | None, typer.Option("--coin-meta", help="COINr iMeta CSV")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="output folder")]
LangOpt = Annotated[str, typer.Option("--lang", help="language: en or zh")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="no progress display (shown only on a terminal anyway)")]


def check_lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise UsageError(f"--lang must be en or zh, got {lang!r}")
    return lang


def nominal_build(spec: str | None = None, edition: str | None = None,
                  countries: str | None = None, coin_data: Path | None = None,
                  coin_meta: Path | None = None, min_availability: float | None = None,
                  vintage: str | None = None, progress: Progress | None = None):
    """The build a command starts from (an `aidi.Build`), exactly as `aidi.build` makes it;
    `progress` (from `aidi.commands.progress.show_progress`) hears its phases."""
    from aidi.api import build, read_coin
    from aidi.specs.loader import is_coin_steps, resolve_spec_path

    if (coin_data is None) != (coin_meta is None):
        raise UsageError("--coin-data and --coin-meta go together")
    if coin_data is not None:
        steps = resolve_spec_path(spec) if spec and is_coin_steps(spec) else None
        report(progress, LOADING)
        data = read_coin(coin_data, coin_meta, steps)
        return build(None if steps or spec is None else spec, countries=countries, data=data,
                     min_availability=min_availability, progress=progress)
    return build(spec, edition=edition, countries=countries, min_availability=min_availability,
                 vintage=vintage, progress=progress)
