"""The methodology as data: one row per indicator, from the spec and the snapshot's catalogue.

The same table feeds docs/methodology.md, the HTML report and `aidi explain`, so the
documentation can never drift from what the build actually does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.specs.describe import describe_transform, describe_years
from aidi.specs.schema import IndexSpec

__all__ = ["describe_transform", "describe_years", "indicator_table"]


def indicator_table(spec: IndexSpec, observations: pd.DataFrame | None = None,
                    catalogue: pd.DataFrame | None = None,
                    units: list[str] | None = None, lang: str = "en") -> pd.DataFrame:
    """Every indicator with its place in the tree, source, years, treatment and coverage.

    `lang` words the year rule, transform, normalisation, unit and the "why" in that language
    (units via `unit.<text>` and reasons via `why.<indicator>` translations when they exist;
    a reason with no translation is left empty rather than shown in another language)."""
    from aidi.report.translations import has, t

    def unit_text(u: str) -> str:
        return t(f"unit.{u}", lang) if u and has(f"unit.{u}") else u

    def why(ind) -> str:
        if lang != "en" and has(f"why.{ind.id}"):
            return t(f"why.{ind.id}", lang)
        return ind.description if lang == "en" else ""

    def norm_text(norm) -> str:
        method = t(f"norm.{norm.method}", lang) if has(f"norm.{norm.method}") else norm.method
        if norm.reference:
            method += t("norm.reference", lang, reference=norm.reference)
        return method

    parent = spec.parent_of()
    cat = catalogue.set_index("series") if catalogue is not None else None
    coverage = _coverage(spec, observations, units) if observations is not None and units \
        else {}
    rows = []
    for ind in spec.indicators():
        rule = spec.effective_years(ind)
        norm = spec.effective_normalise(ind)
        path = []
        node = ind.id
        while node in parent:
            node = parent[node]
            path.append(node)
        row = {
            "indicator": ind.id, "name_en": ind.name.en, "name_zh": ind.name.get("zh"),
            "dimension": " / ".join(reversed(path[:-1])), "series": ind.series,
            "unit": unit_text(ind.unit), "direction": "+" if ind.direction > 0 else "−",
            "years": describe_years(rule, lang), "transform": describe_transform(ind, lang),
            "normalisation": norm_text(norm),
            "weight": ind.weight, "why": why(ind),
            "source": "", "raw_file": "",
        }
        if cat is not None and ind.series in cat.index:
            row["source"] = cat.loc[ind.series, "source"]
            row["raw_file"] = cat.loc[ind.series, "file"]
        elif ind.series.startswith("model."):
            row["source"] = t("source.exposure_model", lang)
        row.update(coverage.get(ind.id, {}))
        rows.append(row)
    return pd.DataFrame(rows)


def _coverage(spec: IndexSpec, observations: pd.DataFrame, units: list[str]
              ) -> dict[str, dict[str, str]]:
    """{indicator: its coverage columns}: the economies of `units` with a value in the
    indicator's year window, in any year, and the years available. The observations are
    grouped by series once, so each indicator reads only its own rows (10,000 indicators
    took hours when each scanned the whole table)."""
    inds = spec.indicators()
    obs = observations[observations["series"].isin({i.series for i in inds})
                       & observations["iso3"].isin(units)]
    unit_code = pd.Index(units).get_indexer(obs["iso3"])
    years = obs["year"].to_numpy(dtype=float)
    rows_of = obs.groupby("series", sort=False, observed=True).indices
    none = np.array([], dtype=int)
    out = {}
    for ind in inds:
        rule = spec.effective_years(ind)
        pos = rows_of.get(ind.series, none)
        yr, code = years[pos], unit_code[pos]
        in_win = (yr >= rule.start) & (yr <= rule.end)
        out[ind.id] = {
            "coverage_in_window": f"{len(np.unique(code[in_win]))}/{len(units)}",
            "coverage_any_year": f"{len(np.unique(code))}/{len(units)}",
            "years_available": f"{int(yr.min())}–{int(yr.max())}" if len(pos) else ""}
    return out
