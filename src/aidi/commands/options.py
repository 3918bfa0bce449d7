"""The options every command shares, declared once: `--spec`, `--out`, `--countries`, `--lang`,
`--edition`, `--vintage`, `--coin-data/--coin-meta` and `--quiet`.

A command declares `spec: SpecOpt = None`, `lang: LangOpt = Lang.en`, …, so an option means the
same thing, says the same help and is checked the same way in every command (typer reads the
`Annotated` metadata; each command keeps its own default). `--lang` is a `Lang` enum: typer
refuses anything but en/zh before the command runs (exit 2, naming `--lang`), so no command
checks the language itself. `tests/test_cli_options.py` checks that every command declaring
one of these flags uses the definition here.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["CoinDataOpt", "CoinMetaOpt", "CountriesOpt", "EditionOpt", "Lang", "LangOpt",
           "OutOpt", "QuietOpt", "SHARED_FLAGS", "SpecOpt", "VintageOpt"]


class Lang(StrEnum):
    """The languages of every output (the translations in `aidi.report.translations`). A
    `StrEnum`, so a member is the plain text `"en"`/`"zh"` wherever it is passed on."""

    en = "en"
    zh = "zh"


SpecOpt = Annotated[str | None, typer.Option(
    "--spec", help="spec: a shipped name (aidi-2024 default, cicc-2024, asem — COINr's ASEM "
                   "example) or a YAML path")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="output folder")]
CountriesOpt = Annotated[str | None, typer.Option(
    "--countries", help="economies built: TARGET_20 (default), G20, all, or ISO3 codes / names "
                        "separated by commas")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="language of the outputs: en or zh")]
EditionOpt = Annotated[str | None, typer.Option(
    "--edition", help="index edition (its data window): a year such as 2023, or latest; "
                      "default: the spec's own")]
VintageOpt = Annotated[str | None, typer.Option(
    "--vintage", help="state of the data: snapshot (shipped), latest, a vintage id (v3) or "
                      "an edition pin; default: the edition's pin, else the store's newest")]
CoinDataOpt = Annotated[Path | None, typer.Option(
    "--coin-data", help="COINr iData CSV (with --coin-meta)")]
CoinMetaOpt = Annotated[Path | None, typer.Option(
    "--coin-meta", help="COINr iMeta CSV (with --coin-data)")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="no progress display (shown only on a terminal anyway)")]

#: The flags declared here, by their first name — what the options test looks for.
SHARED_FLAGS = {"--spec": SpecOpt, "--out": OutOpt, "--countries": CountriesOpt,
                "--lang": LangOpt, "--edition": EditionOpt, "--vintage": VintageOpt,
                "--coin-data": CoinDataOpt, "--coin-meta": CoinMetaOpt, "--quiet": QuietOpt}
