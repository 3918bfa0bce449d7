"""What `scores.xlsx` holds: the build's tables as an analyst reads them, in the build's language.

`aidi.report.excel` writes sheets; this module decides what is on them. Every code a table
carries for machines (node ids, flag names, method names, ISO3-only rows) is turned into the
words of the report: node ids into the spec's labels, flags into their names, year labels
("2021–2023 mean") into the language's wording, and first/last years into whole numbers. The
machine-readable CSV files keep the codes; the workbook is for people. The "Sources and notes"
sheet lists every series the build read (publisher, file, years used, licence as recorded in
the raw folder's SOURCE.md) and explains every flag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aidi.report.excel import ChartSpec, SheetSpec
from aidi.report.translations import has, t

if TYPE_CHECKING:
    from aidi.analysis.bundle import Analyses, DataFlags
    from aidi.engine.pipeline import BuildResult

__all__ = ["LICENCES", "workbook_sheets"]

#: Licence of each raw folder's data as its SOURCE.md records it (key: the folder, the first
#: part of a series' `file`). A folder not listed gets "not stated in SOURCE.md".
LICENCES: dict[str, str] = {
    "wdi": "CC BY 4.0 (World Bank, per datapackage.json)",
    "epoch_ai": "CC BY 4.0 (Epoch AI)",
    "owid_ai": "CC BY 4.0 (Our World in Data)",
    "technology_adoption": "CC BY 4.0 (Our World in Data)",
    "odin_open_data_inventory": "CC BY 4.0 (Open Data Watch)",
    "microsoft_ai_diffusion": "MIT (repository licence)",
}
#: Per-cell data flags (`aidi.analysis.flags.FLAGS`), in column order.
DATA_FLAGS = ("imputed", "carried_forward", "stale", "zero_filled", "out_of_window")


def _h(key: str, lang: str) -> str:
    """A column header: `col.<key>` in `lang`."""
    return t(f"col.{key}", lang)


def _year_label(label: object, lang: str) -> str | int:
    """The engine's year label in words ("2021–2023年均值"); a single year as a number."""
    text = "" if label is None or (isinstance(label, float) and np.isnan(label)) else str(label)
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    if m := re.fullmatch(r"(\d{4})–(\d{4}) mean", text):
        return t("years.mean", lang, start=m.group(1), end=m.group(2))
    if m := re.fullmatch(r"(\d{4}) \(latest earlier\)", text):
        return t("years.latest_earlier", lang, year=m.group(1))
    return text


def _int_years(frame: pd.DataFrame | None, units, ids) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame(np.nan, index=list(units), columns=list(ids))
    return frame.reindex(index=list(units), columns=list(ids))


def _names(units, lang: str) -> dict[str, str]:
    from aidi.report.writers import economy_names

    return economy_names(units, lang)


def _labels(result: BuildResult, lang: str) -> dict[str, str]:
    from aidi.report.writers import node_labels

    return node_labels(result.spec, lang)


def _missing_pillars(result: BuildResult, unit: str, labels: Mapping[str, str],
                     lang: str) -> str:
    """Why an economy has no index, in words: the root's children it lacks."""
    root = result.tree.nodes[-1]
    gone = [labels.get(c, c) for c in root.children
            if c in result.scores.columns and not np.isfinite(result.scores.loc[unit, c])]
    sep = "、" if lang == "zh" else ", "
    return t("xl.unranked_missing", lang, nodes=sep.join(gone) or labels.get(root.id, root.id))


def scores_sheet(result: BuildResult, scores: pd.DataFrame, flags: DataFlags, lang: str
                 ) -> SheetSpec:
    """Rank, code, economy, index, every aggregate (reference = 1), coverage, flag counts, tier,
    and for an unranked economy the pillars it lacks."""
    labels, names = _labels(result, lang), _names(result.units, lang)
    s = scores.reset_index(drop=True)
    out = pd.DataFrame({_h("rank", lang): s["rank"].astype("Int64"),
                        _h("iso3", lang): s["iso3"],
                        _h("economy", lang): [names.get(u, u) for u in s["iso3"]]})
    nodes = [c for c in s.columns if c in labels]
    for c in nodes:
        out[labels[c]] = pd.to_numeric(s[c], errors="coerce")
    if "coverage" in s:
        out[_h("coverage", lang)] = pd.to_numeric(s["coverage"], errors="coerce")
    frames = flags.frames
    for flag in DATA_FLAGS:
        counts = frames[flag].sum(axis=1).reindex(s["iso3"]).fillna(0).astype(int)
        out[t(f"dataflag.{flag}", lang)] = counts.to_numpy()
    if "tier" in s:
        out[_h("tier", lang)] = [t(f"tier.{int(v)}", lang) if pd.notna(v) and
                                 has(f"tier.{int(v)}") else None for v in s["tier"]]
    out[t("xl.not_ranked_because", lang)] = [
        None if pd.notna(r) else _missing_pillars(result, u, labels, lang)
        for u, r in zip(s["iso3"], s["rank"], strict=True)]
    fmt = {_h("coverage", lang): "0%", _h("rank", lang): "0"}
    fmt.update({t(f"dataflag.{f}", lang): "0" for f in DATA_FLAGS})
    return SheetSpec(t("xl.sheet.scores", lang), "Scores", out, fmt, freeze_cols=3)


def ranks_sheet(result: BuildResult, aggregates: Sequence[str], lang: str) -> SheetSpec:
    labels, names = _labels(result, lang), _names(result.units, lang)
    ranks = result.ranks
    order = result.ranks[result.tree.root].sort_values(na_position="last").index
    out = pd.DataFrame({_h("iso3", lang): list(order),
                        _h("economy", lang): [names.get(u, u) for u in order]})
    for c in [result.tree.root, *aggregates]:  # the index, then down the tree
        out[labels.get(c, c)] = ranks.loc[order, c].astype("Int64").to_numpy()
    return SheetSpec(t("xl.sheet.ranks", lang), "Ranks", out,
                     {c: "0" for c in out.columns[2:]}, freeze_cols=2)


def _flag_words(cell: object, lang: str) -> str:
    """A cell's ';'-joined flag codes as the flags' names in `lang`."""
    sep = "；" if lang == "zh" else "; "
    return sep.join(t(f"dataflag.{f}", lang) for f in str(cell).split(";") if f)


def _each(values: np.ndarray, fn) -> list:
    """`fn` of every value, computed once per distinct value (200,000 cells share a few
    dozen year labels and flag sets)."""
    seen: dict = {}
    out = []
    for v in values.tolist():
        key = ("nan",) if isinstance(v, float) and v != v else v
        if key not in seen:
            seen[key] = fn(v)
        out.append(seen[key])
    return out


def indicators_sheet(result: BuildResult, flags: DataFlags, lang: str) -> SheetSpec:
    """One row per economy × indicator (indicator after indicator): raw value, years (as whole
    numbers and as words), imputation, value used, normalised value, weight, unit, flags —
    whole columns at once, not a lookup per cell."""
    labels, names = _labels(result, lang), _names(result.units, lang)
    spec, units = result.spec, list(result.units)
    parent = spec.parent_of()
    inds = spec.indicators()
    ids = [i.id for i in inds]
    k = len(units)

    def flat(frame: pd.DataFrame) -> np.ndarray:
        """A units × indicators frame as one column, indicator after indicator."""
        return frame.reindex(index=units, columns=ids).to_numpy().T.ravel()

    def per_indicator(values: list) -> list:
        return [v for v in values for _ in range(k)]

    unit_text = [t(f"unit.{i.unit}", lang) if i.unit and has(f"unit.{i.unit}") else i.unit
                 for i in inds]
    cells = flags.cells.reindex(index=units, fill_value="")  # an economy without flags: ""
    out = pd.DataFrame({
        _h("iso3", lang): units * len(ids),
        _h("economy", lang): [names.get(u, u) for u in units] * len(ids),
        _h("indicator", lang): per_indicator([labels.get(i, i) for i in ids]),
        _h("dimension", lang): per_indicator([labels.get(parent.get(i, ""), "") for i in ids]),
        _h("unit", lang): per_indicator(unit_text),
        _h("series", lang): per_indicator([i.series for i in inds]),
        _h("year_from", lang): flat(_int_years(result.year_from, units, ids)),
        _h("year_to", lang): flat(_int_years(result.year_to, units, ids)),
        _h("years", lang): _each(flat(result.years), lambda v: _year_label(v, lang)),
        _h("raw_value", lang): flat(result.data),
        _h("imputed", lang): flat(result.imputed_mask).astype(bool),
        _h("value_used", lang): flat(result.treated),
        _h("normalised", lang): flat(result.normalised),
        _h("weight", lang): per_indicator([float(i.weight) for i in inds]),
        _h("flags", lang): _each(cells[ids].to_numpy().T.ravel(),
                                  lambda c: _flag_words(c, lang))})
    for c in (_h("year_from", lang), _h("year_to", lang)):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
    return SheetSpec(t("xl.sheet.indicators", lang), "Indicators", out,
                     {_h("year_from", lang): "0", _h("year_to", lang): "0"}, freeze_cols=3)


def contributions_sheet(result: BuildResult, lang: str) -> SheetSpec:
    labels, names = _labels(result, lang), _names(result.units, lang)
    c = result.contributions
    out = pd.DataFrame({
        _h("iso3", lang): c["iso3"], _h("economy", lang): [names.get(u, u) for u in c["iso3"]],
        _h("parent", lang): [labels.get(p, p) for p in c["parent"]],
        _h("child", lang): [labels.get(p, p) for p in c["child"]],
        _h("weight", lang): c["weight"],
        _h("method", lang): [t(f"method.{m}", lang) if has(f"method.{m}") else m
                             for m in c["method"]],
        _h("child_value", lang): c["child_value"], _h("contribution", lang): c["contribution"]})
    if "parent_value" in c:
        out[_h("parent_value", lang)] = c["parent_value"]
    return SheetSpec(t("xl.sheet.contributions", lang), "Contributions", out, freeze_cols=2)


def reproduction_sheet(table: pd.DataFrame, result: BuildResult, lang: str) -> SheetSpec:
    labels, names = _labels(result, lang), _names(result.units, lang)
    r = table.reset_index(drop=True)
    code = r["economy"] if "economy" in r else r["iso3"]
    out = pd.DataFrame({_h("iso3", lang): code,
                        _h("economy", lang): [names.get(u, u) for u in code],
                        _h("measure", lang): [labels.get(m, m) for m in r["measure"]]})
    if "kind" in r:
        out[_h("kind", lang)] = [t(f"kind.{k}", lang) if has(f"kind.{k}") else k
                                 for k in r["kind"]]
    for col in ("published", "ours", "difference", "abs_difference"):
        if col in r:
            out[_h(col, lang)] = r[col]
    for col in ("published_rank", "our_rank"):
        if col in r:
            out[_h(col, lang)] = pd.to_numeric(r[col], errors="coerce").round().astype("Int64")
    if "note" in r and lang == "en":
        out[_h("note", lang)] = r["note"]
    return SheetSpec(t("xl.sheet.reproduction", lang), "Reproduction", out,
                     {_h("published_rank", lang): "0", _h("our_rank", lang): "0"},
                     freeze_cols=2)


def uncertainty_sheet(summary: pd.DataFrame, lang: str) -> SheetSpec:
    names = _names(summary["iso3"], lang)
    s = summary.drop(columns=[c for c in ("name", "name_en", "name_zh") if c in summary])
    out = pd.DataFrame({_h("iso3", lang): s["iso3"],
                        _h("economy", lang): [names.get(u, u) for u in s["iso3"]]})
    fmt = {}
    for col in s.columns[1:]:
        head = _h(col, lang) if has(f"col.{col}") else col
        out[head] = s[col]
        if "rank" in col and "shift" not in col:
            fmt[head] = "rank"
        elif col.startswith("n_"):
            fmt[head] = "0"
    return SheetSpec(t("xl.sheet.uncertainty", lang), "Uncertainty", out, fmt, freeze_cols=2)


def _sobol_note(note: object, lang: str) -> object:
    text = "" if note is None or (isinstance(note, float) and np.isnan(note)) else str(note)
    if text == "constant":
        return t("xl.sobol_constant", lang)
    if m := re.fullmatch(r"(\d+) blocks with a failed evaluation left out", text):
        return t("xl.sobol_failed", lang, n=m.group(1))
    return text if lang == "en" else None


def sensitivity_sheet(frame: pd.DataFrame, lang: str) -> SheetSpec:
    from aidi.report.robustness import factor_label

    names = _names(frame["iso3"].unique(), lang)
    f = frame.reset_index(drop=True)
    out = pd.DataFrame({_h("iso3", lang): f["iso3"],
                        _h("economy", lang): [names.get(u, u) for u in f["iso3"]],
                        _h("output", lang): [t(f"output.{o}", lang) if has(f"output.{o}") else o
                                             for o in f["output"]],
                        _h("factor", lang): [factor_label(x, lang) for x in f["factor"]]})
    for col in ("S1", "S1_conf", "ST", "ST_conf", "n_base", "n_base_used", "n_failed"):
        if col in f:
            out[_h(col, lang)] = f[col]
    if "note" in f:
        out[_h("note", lang)] = [_sobol_note(n, lang) for n in f["note"]]
    fmt = {_h(c, lang): "0" for c in ("n_base", "n_base_used", "n_failed")}
    return SheetSpec(t("xl.sheet.sensitivity", lang), "Sensitivity", out, fmt, freeze_cols=2)


def audit_sheets(audit, result: BuildResult, lang: str) -> list[SheetSpec]:
    from aidi.report.robustness import audit_finding

    labels = _labels(result, lang)

    def name(node: object) -> str:
        sep = " 与 " if lang == "zh" else " & "
        return sep.join(labels.get(p.strip(), p.strip()) for p in str(node).split("&"))

    flags = audit.flags.reset_index(drop=True)
    detail = [audit_finding(r, labels, lang) for r in flags.itertuples()]
    out = pd.DataFrame({_h("node", lang): [name(n) for n in flags["node"]],
                        _h("parent", lang): [name(n) for n in flags["parent"]],
                        _h("flag", lang): [t(f"flag.{f}", lang) for f in flags["flag"]],
                        _h("value", lang): flags["value"], _h("threshold", lang): flags["threshold"],
                        _h("detail", lang): detail})
    d = audit.dimensions.reset_index(drop=True)
    dims = pd.DataFrame({_h("node", lang): [labels.get(n, n) for n in d["node"]]})
    if "depth" in d:
        dims[_h("depth", lang)] = d["depth"]
    if "parent" in d:
        dims[_h("parent", lang)] = [labels.get(p, "") if isinstance(p, str) else None
                                    for p in d["parent"]]
    if "method" in d:
        dims[_h("method", lang)] = [t(f"method.{m}", lang) if has(f"method.{m}") else m
                                    for m in d["method"]]
    for col in ("n_children", "n_units_complete", "cronbach_alpha", "pca_first_share",
                "mean_child_correlation"):
        if col in d:
            dims[_h(col, lang)] = d[col]
    if "pca_first_loadings" in d:
        dims[_h("pca_first_loadings", lang)] = [_loadings(v, labels, lang)
                                                for v in d["pca_first_loadings"]]
    fmt = {_h(c, lang): "0" for c in ("depth", "n_children", "n_units_complete")}
    return [SheetSpec(t("xl.sheet.audit", lang), "Audit", out),
            SheetSpec(t("xl.sheet.audit_dimensions", lang), "AuditDimensions", dims, fmt)]


def _loadings(text: object, labels: Mapping[str, str], lang: str) -> object:
    """"data: 0.707; finance: 0.5" with the nodes' labels."""
    if not isinstance(text, str):
        return None
    parts = []
    for part in text.split(";"):
        node, _, value = part.strip().rpartition(":")
        parts.append(f"{labels.get(node.strip(), node.strip())}：{value.strip()}" if lang == "zh"
                     else f"{labels.get(node.strip(), node.strip())}: {value.strip()}")
    return ("；" if lang == "zh" else "; ").join(parts)


# ---- sources and notes -----------------------------------------------------------------------
def _licence(file: str, lang: str) -> str:
    first = [p for p in re.split(r"[;\[\]\s]+", str(file)) if "/" in p]
    folders = sorted({p.strip("/").split("/")[-2] if p.startswith("/") else p.split("/")[0]
                      for p in first})
    found = [LICENCES[f] for f in folders if f in LICENCES]
    return "; ".join(dict.fromkeys(found)) if found else t("xl.licence_unknown", lang)


def _indicator_facts(provenance: pd.DataFrame) -> dict[str, dict]:
    """Per indicator, from its cells' provenance: the first denominator series, file,
    denominator file and source each cell lists (None when none does), and the first and last
    year used — grouped once, whole columns (a scan of the table per indicator was quadratic,
    and a few pandas calls per indicator took 10 s at 10,000 indicators)."""
    g = provenance.groupby("indicator", sort=False)
    cols = [c for c in ("denominator_series", "file", "denominator_file", "source")
            if c in provenance]
    first = g[cols].first() if cols else pd.DataFrame(index=list(g.groups))
    first["y0"] = pd.to_numeric(provenance["year_from"], errors="coerce").groupby(
        provenance["indicator"], sort=False).min()
    first["y1"] = pd.to_numeric(provenance["year_to"], errors="coerce").groupby(
        provenance["indicator"], sort=False).max()
    first = first.astype(object).where(first.notna(), None)
    return first.to_dict("index")


def _text_or(value: object, fallback: object) -> object:
    """`value` as text when a cell listed one, else `fallback` (the catalogue's entry)."""
    return str(value) if value is not None else fallback


def sources_sheet(result: BuildResult, provenance: pd.DataFrame, lang: str,
                  catalogue: pd.DataFrame | None = None) -> SheetSpec:
    """Every series the build read (indicator series and denominators): what it is, who
    publishes it, the raw file, the years the build used, the licence; then the legend of
    every flag and the notes a reader needs (scale, edition)."""
    labels = _labels(result, lang)
    cat = catalogue.set_index("series") if catalogue is not None else None
    rows = []
    facts = _indicator_facts(provenance)
    for ind in result.spec.indicators():
        f = facts.get(ind.id, {})
        pairs = [(ind.series, "source", "file")]
        den = f.get("denominator_series")
        if den is not None and str(den):
            pairs.append((str(den), None, "denominator_file"))
        for series, src_col, file_col in pairs:
            info = cat.loc[series] if cat is not None and series in cat.index else None
            file = _text_or(f.get(file_col), info["file"] if info is not None else "")
            source = _text_or(f.get(src_col) if src_col else None,
                              info["source"] if info is not None else "")
            rows.append({
                _h("indicator", lang): labels.get(ind.id, ind.id),
                t("xl.role", lang): t("xl.role_series" if src_col else "xl.role_denominator",
                                      lang),
                _h("series", lang): series,
                t("xl.series_name", lang): info["name"] if info is not None else "",
                t("xl.publisher", lang): source, _h("file", lang): file,
                t("xl.first_year_used", lang): f.get("y0", np.nan),
                t("xl.last_year_used", lang): f.get("y1", np.nan),
                t("xl.licence", lang): _licence(file, lang)})
    out = pd.DataFrame(rows)
    for c in (t("xl.first_year_used", lang), t("xl.last_year_used", lang)):
        out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
    legend = pd.DataFrame({
        t("xl.term", lang): [t(f"dataflag.{f}", lang) for f in DATA_FLAGS] +
        [t("xl.note_scale_term", lang), t("xl.note_edition_term", lang),
         t("xl.note_spec_term", lang)],
        t("xl.meaning", lang): [t(f"dataflag.{f}.meaning", lang) for f in DATA_FLAGS] + [
            t("xl.note_scale", lang, reference=_names([result.spec.reference], lang).get(
                result.spec.reference, result.spec.reference)) if result.spec.reference
            else t("xl.note_scale_own", lang),
            t("xl.note_edition", lang, edition=result.spec.edition or "—"),
            f"{result.spec.name.get(lang)} ({result.spec.id})"]})
    fmt = {t("xl.first_year_used", lang): "0", t("xl.last_year_used", lang): "0"}
    return SheetSpec(t("xl.sheet.sources", lang), "Sources", out, fmt, freeze_cols=1,
                     below=((t("xl.legend_title", lang), "Legend", legend),))


# ---- charts ------------------------------------------------------------------------------------
def charts_sheet(result: BuildResult, scores: pd.DataFrame, lang: str,
                 quadrant: tuple[str, str] | None) -> tuple[SheetSpec, tuple[ChartSpec, ...]]:
    """The data of the two native charts (ranked economies only, best first) and the charts:
    a ranking bar of the index, and a scatter of the quadrant's two nodes."""
    labels, names = _labels(result, lang), _names(result.units, lang)
    s = scores[scores["rank"].notna()].sort_values("rank").reset_index(drop=True)
    root = result.tree.root
    out = pd.DataFrame({_h("rank", lang): s["rank"].astype("Int64"),
                        _h("economy", lang): [names.get(u, u) for u in s["iso3"]],
                        labels[root]: pd.to_numeric(s["index"], errors="coerce")})
    charts = [ChartSpec("bar", t("xl.chart_ranking", lang, name=labels[root]),
                        x=_h("economy", lang), y=(labels[root],), anchor="F2")]
    if quadrant and all(q in s for q in quadrant):
        x, y = (labels[q] for q in quadrant)
        out[x], out[y] = (pd.to_numeric(s[q], errors="coerce") for q in quadrant)
        charts.append(ChartSpec("scatter", t("xl.chart_scatter", lang, x=x, y=y), x=x, y=(y,),
                                anchor="F30"))
    return (SheetSpec(t("xl.sheet.charts", lang), "ChartData", out, {_h("rank", lang): "0"},
                      freeze_cols=2), tuple(charts))


def workbook_sheets(bundle: Analyses, scores: pd.DataFrame, lang: str, *,
                    quadrant: tuple[str, str] | None = None
                    ) -> tuple[list[SheetSpec], tuple[ChartSpec, ...]]:
    """Every sheet of `scores.xlsx`, in order, and the native charts (on the charts sheet):
    the bundle's tables in the build's language (`scores`: the bundle's, with each economy's
    tier); a sheet whose analysis the bundle lacks is left out."""
    result, flags = bundle.result, bundle.flags
    sheets = [scores_sheet(result, scores, flags, lang)]
    chart_sheet, charts = charts_sheet(result, scores, lang, quadrant)
    sheets += [chart_sheet, ranks_sheet(result, bundle.aggregates, lang),
               indicators_sheet(result, flags, lang), contributions_sheet(result, lang)]
    rep = bundle.reproduction
    if rep is not None and len(rep.table):
        sheets.append(reproduction_sheet(rep.table, result, lang))
    if bundle.uncertainty is not None:
        sheets.append(uncertainty_sheet(bundle.uncertainty_summary, lang))
    if bundle.sensitivity is not None:
        sheets.append(sensitivity_sheet(bundle.sensitivity.frame, lang))
    if bundle.audit is not None:
        sheets += audit_sheets(bundle.audit, result, lang)
    if bundle.provenance is not None:
        sheets.append(sources_sheet(result, bundle.provenance, lang, bundle.catalogue))
    return sheets, charts
