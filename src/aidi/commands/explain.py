"""`aidi explain CHN [NODE]`: the lineage of one economy's score, from raw values to the index."""

from __future__ import annotations

from pathlib import Path

import typer

from aidi.commands.console import CommandConsole
from aidi.commands.options import (
    CoinDataOpt,
    CoinMetaOpt,
    CountriesOpt,
    EditionOpt,
    Lang,
    LangOpt,
    SpecOpt,
    VintageOpt,
)
from aidi.errors import AidiError

console = CommandConsole()


def _build(spec: str | None, edition: str | None, countries: str | None, store: Path | None,
           coin_data: Path | None, coin_meta: Path | None, unit: str,
           vintage: str | None = None):
    """The build `aidi build` would make (any spec; `--store` picks the store), with `unit`
    added to its units when it is not among them. Returns (Build, added)."""
    import os

    from aidi.commands.common import nominal_build

    if store is not None:
        os.environ["AIDI_STORE"] = str(store)
    b = nominal_build(spec, edition, countries, coin_data, coin_meta, vintage=vintage)
    code = unit.strip()
    try:
        b.resolve_unit(code)
        return b, False
    except AidiError:
        pass
    from aidi.countries import resolve_unit

    have = b.observations["iso3"].astype(str).unique()
    extra = resolve_unit(code, allowed=have)
    return b.with_units([*b.units, extra]), True


def register(app: typer.Typer) -> None:
    @app.command("explain")
    def explain_cmd(
        unit: str = typer.Argument(..., help="economy: an ISO3 code or a name; added to the "
                                    "economies built when it is not among them"),
        node: str = typer.Argument(None, help="start at this node (e.g. compute); default: root"),
        spec: SpecOpt = None,
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        countries: CountriesOpt = None,
        store: Path = typer.Option(None, "--store", help="store file (default: $AIDI_STORE)"),
        coin_data: CoinDataOpt = None,
        coin_meta: CoinMetaOpt = None,
        lang: LangOpt = Lang.en,
        csv: Path = typer.Option(None, "--csv", help="also write the lineage table to this CSV"),
    ) -> None:
        """Every number behind a score: raw values, sources, years, imputation, weights."""
        from aidi.analysis.lineage import to_frame
        from aidi.report.lineage_text import render_text
        from aidi.report.translations import t

        if csv is not None:
            from aidi.io import check_writable

            check_writable(csv, "--csv")  # refuse before the build, not after it
        with console.status(t("progress.building", lang)):
            b, added = _build(spec, edition, countries, store, coin_data, coin_meta, unit, vintage)
        lineage = b.explain(unit, node)
        if added:
            console.print(t("cli.added_unit", lang, unit=lineage.unit), markup=False)
        console.print(render_text(lineage, lang), markup=False)  # user text: never markup
        if csv is not None:
            from aidi.io import write_csv

            write_csv(to_frame(lineage), csv, float_format="%.10g")
            console.print(t("cli.wrote_csv", lang, file=str(csv)), markup=False)

