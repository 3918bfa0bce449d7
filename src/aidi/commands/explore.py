"""`aidi explore`: write the explorer — one self-contained, offline HTML page."""

from __future__ import annotations

from pathlib import Path

import typer

from aidi.commands.console import CommandConsole
from aidi.commands.options import (
    CountriesOpt,
    EditionOpt,
    Lang,
    LangOpt,
    OutOpt,
    QuietOpt,
    SpecOpt,
    VintageOpt,
)
from aidi.commands.progress import show_progress
from aidi.progress import report

console = CommandConsole()


def register(app: typer.Typer) -> None:
    @app.command("explore")
    def explore_cmd(
        spec: SpecOpt = None,
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        countries: CountriesOpt = None,
        lang: LangOpt = Lang.en,
        out: OutOpt = Path("aidi-out"),
        variants: int = typer.Option(1000, "--variants",
                                     help="Monte-Carlo variants behind the rank bands"),
        seed: int = typer.Option(0, "--seed", help="seed of those variants"),
        quiet: QuietOpt = False,
        with_timeline: bool = typer.Option(True, "--timeline/--no-timeline",
                                           help="build every edition for the \"over time\" "
                                                "view and the map's edition slider"),
        with_counterpart: bool = typer.Option(
            True, "--counterpart/--no-counterpart",
            help="put the spec's counterpart (e.g. the source's index as published) behind "
                 "the page's spec switch"),
    ) -> None:
        """Write explorer.html: chart, table, map, over time and profiles in one offline page."""
        import aidi
        from aidi.errors import UsageError
        from aidi.explorer import write_explorer
        from aidi.report.webfont import font_face_css

        if variants < 1:
            raise UsageError(f"--variants must be >= 1, got {variants}")
        from aidi.output_set import output_set

        with output_set(out, "explorer", meta={"command": "explore", "spec": spec}) as txn, \
                show_progress(console, quiet, lang) as progress:
            b = aidi.build(spec, edition=edition, countries=countries, vintage=vintage,
                           progress=progress)
            tl = _timeline(b, countries, vintage, progress) if with_timeline else None
            other = b.counterpart() if with_counterpart else None
            others = [(other, _timeline(other, countries, vintage, progress)
                       if with_timeline else None)] if other is not None else []
            report(progress, f"explorer page ({variants:,} rank-band variants, fonts)")
            path = txn.final(write_explorer(b, txn.stage, lang=lang, n_variants=variants,
                                            seed=seed, font_css=font_face_css, timeline=tl,
                                            extra_strings=unit_strings(), others=others))
        size = path.stat().st_size / 1e6
        eds = f", editions {tl.editions[0]}–{tl.editions[-1]}" if tl and tl.editions else ""
        also = f", with {others[0][0].spec.id} behind the spec switch" if others else ""
        console.print(f"wrote {path} ({size:.2f} MB, {len(b.units)} economies{eds}, "
                      f"{variants} variants{also}): open it in a browser — it works offline")


def unit_strings() -> dict[str, dict[str, str]]:
    """The report's unit names (`unit.<text>` translations) as the page's `unit:<text>`."""
    from aidi.report.translations import translations

    out: dict[str, dict[str, str]] = {"en": {}, "zh": {}}
    for key, texts in translations().items():
        if key.startswith("unit."):
            for lang in out:
                out[lang]["unit:" + key[5:]] = texts.get(lang) or texts["en"]
    return out


def _timeline(b, countries: str | None, vintage: str | None, progress=None):
    """Every edition of the build's spec for the same economies, or None when the spec has
    no yearly editions (a COINr table, a spec without year rules): the page then has no
    "over time" view and says so."""
    import warnings

    from aidi.errors import AidiError
    from aidi.over_time import timeline

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
            tl = timeline(b.spec, countries=countries, vintage=vintage, progress=progress)
    except (AidiError, KeyError, ValueError) as exc:
        console.print(f"no \"over time\" view: {str(exc).splitlines()[0]}")
        return None
    return tl if len(tl.editions) > 1 else None
