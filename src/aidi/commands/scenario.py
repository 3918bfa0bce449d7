"""`aidi scenario`: what would change the index — a declarative what-if, rebuilt and compared."""

from __future__ import annotations

from pathlib import Path

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
    OutOpt,
    QuietOpt,
    SpecOpt,
    VintageOpt,
)
from aidi.commands.progress import show_progress
from aidi.progress import report

console = CommandConsole()


def register(app: typer.Typer) -> None:
    @app.command("scenario")
    def scenario_cmd(
        scenario: str = typer.Argument("us-japan-sharing",
                                       help="shipped scenario name or a scenario YAML file"),
        spec: SpecOpt = None,
        out: OutOpt = Path("aidi-out"),
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        countries: CountriesOpt = None,
        coin_data: CoinDataOpt = None,
        coin_meta: CoinMetaOpt = None,
        lang: LangOpt = Lang.en,
        quiet: QuietOpt = False,
    ) -> None:
        """Rebuild the index under a scenario and show who moves."""
        from rich.markup import escape

        from aidi.analysis.scenarios import compare_scenario, load_scenario
        from aidi.commands.common import nominal_build
        from aidi.io import out_path, safe_name, write_csv
        from aidi.output_set import output_set
        from aidi.report.translations import t
        from aidi.report.writers import economy_names

        sc = load_scenario(scenario)
        name = f"scenario_{safe_name(sc.id)}.csv"  # the id is user text: never a path
        # one set per scenario: running another scenario into the same folder keeps this one
        with output_set(out, f"scenario-{safe_name(sc.id)}",
                        meta={"command": "scenario", "scenario": sc.id}) as txn, \
                show_progress(console, quiet, lang) as progress:
            nominal = nominal_build(spec, edition, countries, coin_data, coin_meta,
                                    vintage=vintage, progress=progress)
            report(progress, f"scenario {sc.id}")
            res = compare_scenario(nominal.result, nominal.with_changes(sc).result, sc)
            write_csv(res.comparison, out_path(txn.stage, name))
        root = res.nominal.tree.root
        cmp = res.comparison[res.comparison.measure == root].copy()
        moved = cmp[(cmp.change.abs() > 1e-12) | (cmp.nominal_rank != cmp.scenario_rank)]
        names = economy_names(list(moved.iso3), lang)
        table = Table(title=t("cli.scenario_title", lang,
                              name=escape(sc.name.get(lang) or sc.name.en)))
        table.add_column(t("col.economy", lang))
        for key in ("index_before", "index_after", "change", "rank_before", "rank_after"):
            table.add_column(t(f"cli.scenario.{key}", lang), justify="right")
        for _, r in moved.sort_values("scenario_rank").iterrows():
            table.add_row(f"{names.get(r.iso3, r.iso3)} ({r.iso3})", f"{r.nominal:.3f}",
                          f"{r.scenario:.3f}", f"{r.change:+.3f}", f"{int(r.nominal_rank)}",
                          f"{int(r.scenario_rank)}")
        print_table(console, table)
        n_changed = sum(1 for e in res.changed.log if e.step == "scenario")
        console.print(t("cli.scenario_done", lang, n=n_changed, file=name, out=str(out)),
                      markup=False)
