"""`aidi explore`: write the explorer — one self-contained, offline HTML page."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from aidi.commands.common import EditionOpt, VintageOpt
from aidi.commands.progress import QuietOpt, show_progress
from aidi.progress import report

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("explore")
    def explore_cmd(
        spec: str = typer.Option(None, "--spec", help="spec name or YAML path"),
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        countries: str = typer.Option(None, "--countries",
                                      help="TARGET_20 (default), G20, all, or USA,CHN,…"),
        lang: str = typer.Option("en", "--lang", help="language the page opens in: en or zh"),
        out: Path = typer.Option(Path("aidi-out"), "--out", "-o", help="output folder"),
        variants: int = typer.Option(1000, "--variants",
                                     help="Monte-Carlo variants behind the rank bands"),
        seed: int = typer.Option(0, "--seed", help="seed of those variants"),
        quiet: QuietOpt = False,
    ) -> None:
        """Write explorer.html: weights, rank bands, scenarios and lineage in one offline page."""
        import aidi
        from aidi.errors import UsageError
        from aidi.explorer import write_explorer
        from aidi.report.webfont import font_face_css

        if lang not in ("en", "zh"):
            raise UsageError(f"--lang must be en or zh, got {lang!r}")
        if variants < 1:
            raise UsageError(f"--variants must be >= 1, got {variants}")
        with show_progress(console, quiet, lang) as progress:
            b = aidi.build(spec, edition=edition, countries=countries, vintage=vintage,
                           progress=progress)
            report(progress, f"explorer page ({variants:,} rank-band variants, fonts)")
            path = write_explorer(b, out, lang=lang, n_variants=variants, seed=seed,
                                  font_css=font_face_css)
        size = path.stat().st_size / 1e6
        console.print(f"wrote {path} ({size:.2f} MB, {len(b.units)} economies, "
                      f"{variants} variants): open it in a browser — it works offline")
