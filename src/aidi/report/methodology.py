"""The methodology as data: one row per indicator, from the spec and the snapshot's catalogue.

The same table feeds docs/methodology.md, the HTML report and `aidi explain`, so the
documentation can never drift from what the build actually does.
"""

from __future__ import annotations

import pandas as pd

from aidi.specs.schema import IndexSpec, Indicator, YearRule


def describe_years(rule: YearRule) -> str:
    base = {"latest": f"latest in {rule.start}–{rule.end}",
            "mean": f"mean of {rule.start}–{rule.end}",
            "exact": f"{rule.end}"}[rule.rule]
    return base + (", else latest earlier year" if rule.fallback == "latest_earlier" else "")


def describe_transform(ind: Indicator) -> str:
    t = ind.transform
    text = {"level": "level", "log": f"ln(x + {t.offset:g})",
            "per_capita": f"÷ {t.denominator or 'wdi.SP.POP.TOTL'}",
            "share_of_gdp": f"÷ {t.denominator or 'wdi.NY.GDP.MKTP.CD'}",
            "ratio": f"÷ {t.denominator}", "product": f"× {t.multiplier}"}[t.kind]
    return text + (f" × {t.scale:g}" if t.scale != 1 else "")


def indicator_table(spec: IndexSpec, observations: pd.DataFrame | None = None,
                    catalogue: pd.DataFrame | None = None,
                    units: list[str] | None = None) -> pd.DataFrame:
    """Every indicator with its place in the tree, source, years, treatment and coverage."""
    parent = spec.parent_of()
    cat = catalogue.set_index("series") if catalogue is not None else None
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
            "unit": ind.unit, "direction": "+" if ind.direction > 0 else "−",
            "years": describe_years(rule), "transform": describe_transform(ind),
            "normalisation": norm.method + (f" (ref {norm.reference})" if norm.reference else ""),
            "weight": ind.weight, "why": ind.description,
            "source": "", "raw_file": "",
        }
        if cat is not None and ind.series in cat.index:
            row["source"] = cat.loc[ind.series, "source"]
            row["raw_file"] = cat.loc[ind.series, "file"]
        elif ind.series.startswith("model."):
            row["source"] = "aidi exposure model (Felten et al. AIIE × UN AMA × WDI)"
        if observations is not None and units:
            obs = observations[(observations["series"] == ind.series)
                               & observations["iso3"].isin(units)]
            in_win = obs[(obs["year"] >= rule.start) & (obs["year"] <= rule.end)]
            row["coverage_in_window"] = f"{in_win['iso3'].nunique()}/{len(units)}"
            row["coverage_any_year"] = f"{obs['iso3'].nunique()}/{len(units)}"
            row["years_available"] = (f"{int(obs['year'].min())}–{int(obs['year'].max())}"
                                      if len(obs) else "")
        rows.append(row)
    return pd.DataFrame(rows)
