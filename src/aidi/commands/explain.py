"""`aidi explain CHN [NODE]`: the lineage of one economy's score, from raw values to the index."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def _inputs(spec: str | None, edition: str | None, countries: str | None, store: Path | None):
    """(spec, observations, units) as `aidi build` would use them; `--store` picks the store."""
    from aidi.commands.common import load_inputs, with_model_series

    if store is None:
        return load_inputs(spec, edition, countries)
    from aidi.store.duckdb_store import Store

    spec_obj, _, units = load_inputs(spec, "2024", countries)
    with Store.open(store) as db:
        obs = with_model_series(db.observations(edition or "2024"))
    return spec_obj, obs, units


def _units_with(spec, obs, units, unit: str) -> tuple[list[str], bool]:
    """The build's units, plus `unit` if it is not among them (True: it was added)."""
    from aidi.engine.pipeline import resolve_units

    resolved = resolve_units(spec, obs, units)
    return (resolved, False) if unit in resolved else ([*resolved, unit], True)


def register(app: typer.Typer) -> None:
    @app.command("explain")
    def explain_cmd(
        unit: str = typer.Argument(..., help="economy (ISO3), e.g. CHN"),
        node: str = typer.Argument(None, help="start at this node (e.g. compute); default: root"),
        spec: str = typer.Option(None, "--spec", help="spec name (aidi-2024) or YAML path"),
        edition: str = typer.Option(None, "--edition",
                                    help="data edition: 2024 (default), latest, a vintage id"),
        countries: str = typer.Option(None, "--countries",
                                      help="units built together: TARGET_20 (default), G20, all, "
                                           "or an ISO3 list; UNIT is added if missing"),
        store: Path = typer.Option(None, "--store", help="store file (default: $AIDI_STORE)"),
        lang: str = typer.Option("en", "--lang", help="en or zh"),
        csv: Path = typer.Option(None, "--csv", help="also write the lineage table to this CSV"),
    ) -> None:
        """Every number behind a score: raw values, sources, years, imputation, weights."""
        from aidi.analysis.lineage import explain, render_text, to_frame
        from aidi.engine.pipeline import build
        from aidi.store.duckdb_store import StoreError

        if lang not in ("en", "zh"):
            raise typer.BadParameter("--lang must be en or zh")
        code = unit.strip().upper()
        try:
            spec_obj, obs, units = _inputs(spec, edition, countries, store)
            unit_list, added = _units_with(spec_obj, obs, units, code)
            with console.status("building…"):
                result = build(spec_obj, obs, units=unit_list)
            lineage = explain(result, code, node, observations=obs)
        except (StoreError, ValueError, KeyError, FileNotFoundError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        if added:
            console.print(f"{code} is not among the build's units; built with them plus {code}")
        console.print(render_text(lineage, lang))
        if csv is not None:
            from aidi.io import write_csv

            write_csv(to_frame(lineage), csv, float_format="%.10g")
            console.print(f"wrote {csv}")

