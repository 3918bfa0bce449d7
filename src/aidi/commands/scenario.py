"""`aidi scenario`: what would change the index — a declarative what-if, rebuilt and compared."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from aidi.commands.common import CoinDataOpt, CoinMetaOpt, EditionOpt, VintageOpt

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("scenario")
    def scenario_cmd(
        scenario: str = typer.Argument("us-japan-sharing",
                                       help="shipped scenario name or a scenario YAML file"),
        spec: str = typer.Option(None, "--spec", help="spec name or YAML path"),
        out: Path = typer.Option(Path("aidi-out"), "--out", "-o"),
        edition: EditionOpt = None,
        vintage: VintageOpt = None,
        countries: str = typer.Option(None, "--countries"),
        coin_data: CoinDataOpt = None,
        coin_meta: CoinMetaOpt = None,
    ) -> None:
        """Rebuild the index under a scenario and show who moves."""
        from rich.markup import escape

        from aidi.analysis.scenarios import compare_scenario, load_scenario
        from aidi.commands.common import nominal_build
        from aidi.io import ensure_out_dir, out_path, safe_name, write_csv

        sc = load_scenario(scenario)
        nominal = nominal_build(spec, edition, countries, coin_data, coin_meta, vintage=vintage)
        res = compare_scenario(nominal.result, nominal.with_changes(sc).result, sc)
        name = f"scenario_{safe_name(sc.id)}.csv"  # the id is user text: never a path
        write_csv(res.comparison, out_path(ensure_out_dir(out), name))
        root = res.nominal.tree.root
        cmp = res.comparison[res.comparison.measure == root].copy()
        moved = cmp[(cmp.change.abs() > 1e-12) | (cmp.nominal_rank != cmp.scenario_rank)]
        table = Table(title=f"Scenario: {escape(sc.name.en)}")
        for col in ("economy", "index before", "after", "change", "rank before", "after"):
            table.add_column(col, justify="left" if col == "economy" else "right")
        for _, r in moved.sort_values("scenario_rank").iterrows():
            table.add_row(r.iso3, f"{r.nominal:.3f}", f"{r.scenario:.3f}", f"{r.change:+.3f}",
                          f"{int(r.nominal_rank)}", f"{int(r.scenario_rank)}")
        console.print(table)
        n_changed = sum(1 for e in res.changed.log if e.step == "scenario")
        console.print(f"{n_changed} indicator values changed; wrote {name} to {out}",
                      markup=False)
