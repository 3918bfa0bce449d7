"""`aidi gap A B [--node N]`: the smallest improvement of A's indicators that puts A above B."""

from __future__ import annotations

import typer
from rich.table import Table

from aidi.commands.console import CommandConsole
from aidi.commands.layout import print_table
from aidi.commands.options import (
    CoinDataOpt,
    CoinMetaOpt,
    CountriesOpt,
    EditionOpt,
    Lang,
    LangOpt,
    QuietOpt,
    SpecOpt,
    VintageOpt,
)

console = CommandConsole()


def gap_sentence(g, names: dict[str, str], labels: dict[str, str], lang: str) -> str:
    """The answer in one sentence of `lang` (the same wording as the explorer's)."""
    from aidi.report.translations import t

    a, b = names.get(g.a, g.a), names.get(g.b, g.b)
    node = labels.get(g.node, g.node)
    if g.kind != "factor":
        return t(f"gap.{g.kind}", lang, a=a, b=b, node=node)
    d = g.digits()
    return t("gap.factor", lang, a=a, b=b, node=node, f=f"{g.factor:g}",
             pct=f"{g.percent:,.1f}", below=f"{g.below:g}", ia=f"{g.index_a:.{d}f}",
             ib=f"{g.index_b:.{d}f}")


def register(app: typer.Typer) -> None:
    @app.command("gap")
    def gap_cmd(
        a: str = typer.Argument(..., help="economy that should pass (code or name)"),
        b: str = typer.Argument(..., help="economy to pass"),
        node: str = typer.Option(None, "--node",
                                 help="improve only the indicators under this node "
                                      "(default: every indicator)"),
        spec: SpecOpt = None,
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        countries: CountriesOpt = None,
        coin_data: CoinDataOpt = None,
        coin_meta: CoinMetaOpt = None,
        lang: LangOpt = Lang.en,
        quiet: QuietOpt = False,
    ) -> None:
        """Gap to overtake: the smallest factor on A's indicators that puts A strictly above B."""
        from aidi.commands.common import nominal_build
        from aidi.commands.progress import show_progress
        from aidi.report.translations import t
        from aidi.report.writers import economy_names, node_labels

        with show_progress(console, quiet, lang) as progress:
            bld = nominal_build(spec, edition, countries, coin_data, coin_meta,
                                vintage=vintage, progress=progress)
            progress(f"gap {a} → {b}")
            g = bld.gap(a, b, node)
        names = economy_names(bld.units, lang)
        labels = node_labels(bld.spec, lang)
        console.print(gap_sentence(g, names, labels, lang), markup=False)
        if g.kind != "factor":
            return
        before = bld.index
        table = Table(title=t("gap.table_title", lang), title_justify="left")
        for col in ("gap.col_economy", "gap.col_before", "gap.col_after"):
            table.add_column(t(col, lang), justify="left" if col.endswith("economy") else "right")
        d = g.digits()
        for code, after in ((g.a, g.index_a), (g.b, g.index_b)):
            table.add_row(f"{names.get(code, code)} ({code})", f"{before[code]:.{d}f}",
                          f"{after:.{d}f}")
        print_table(console, table)
