"""Assemble everything `aidi build` shows: figures, the exposure model, robustness, the report.

Each analysis contributes a `Section` (tables, figures, sentences); this module only gathers them,
so a new analysis is one more function here, not a change to the HTML layer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from aidi.analysis.reproduction import compare
from aidi.engine.pipeline import BuildResult
from aidi.report import charts
from aidi.report.html import ReportContext, Section, manifest_summary, write_report
from aidi.report.methodology import indicator_table
from aidi.report.tables import scores_frame


def exposure_section(result: BuildResult, observations: pd.DataFrame, out: Path,
                     lang: str) -> tuple[Section | None, dict[str, Path]]:
    """The exposure model behind Market Friendliness (only for specs that use it)."""
    if not any(i.series.startswith("model.exposure.") for i in result.spec.indicators()):
        return None, {}
    from aidi.analysis import exposure as ex
    from aidi.analysis.exposure_inputs import run_exposure
    from aidi.io import write_csv
    from aidi.report.exposure_chart import exposure_stacked_bar

    base = observations[~observations["series"].str.startswith("model.")]
    res = run_exposure(base, countries=[u for u in result.units])
    long, summary = ex.exposure_long(res), ex.exposure_summary(res)
    paths = {"exposure": write_csv(long, out / "exposure.csv"),
             "exposure_summary": write_csv(summary, out / "exposure_summary.csv")}
    figs = exposure_stacked_bar(long, lang, out / f"exposure_by_industry_{lang}")
    comparison = ex.compare_with_source(res)
    mean = float(summary.exposed_share.mean())
    sentences = [
        (f"Exposure table {res.variant}; industry structure {res.years[0]}–{res.years[1]}; "
         f"mean exposed share of the {len(summary)} economies {mean:.1%}.") if lang == "en" else
        (f"行业暴露表 {res.variant};行业结构 {res.years[0]}–{res.years[1]};"
         f"{len(summary)} 个经济体的平均AI暴露比例为 {mean:.1%}。"),
    ]
    table = summary[["iso3", "exposed_share", "exposure_scale", "diffusion"]].copy()
    table["exposure_scale"] = table["exposure_scale"] / 1e12
    table = table.rename(columns={"exposure_scale": "exposure_scale_tn"})
    cmp_html = comparison.drop(columns=[c for c in ("detail",) if c in comparison])
    from aidi.report.html import table_html

    section = Section(id="exposure", title_key="section.exposure", table=table,
                      figures=figs, sentences=sentences,
                      html=table_html(cmp_html, lang, sortable=False))
    return section, paths


def robustness_report_sections(result: BuildResult, out: Path, lang: str,
                               n_samples: int = 1000, n_base: int = 512,
                               seed: int = 0) -> list[Section]:
    """Uncertainty, Sobol sensitivity and audit as report sections (vectorised: ~1 s)."""
    from aidi.analysis.robustness import robustness_sections
    from aidi.report.html import table_html
    from aidi.report.translations import has as translations_has

    sections = []
    for rs in robustness_sections(result, out, lang=lang, n_samples=n_samples, n_base=n_base,
                                  seed=seed):
        tables = list(rs.tables.items())
        main = tables[0][1] if tables else None
        extra = "".join(f"<h4>{name}</h4>" + table_html(frame, lang, sortable=True)
                        for name, frame in tables[1:])
        key = f"section.{rs.key}"
        sections.append(Section(
            id=rs.key, title_key=key if translations_has(key) else None,
            title=None if translations_has(key) else rs.title, table=main, html=extra,
            figures=tuple(p for p in rs.figures if p.suffix == ".svg"),
            sentences=tuple(rs.sentences) + tuple(rs.notes)))
    return sections


def _snapshot_facts() -> tuple[pd.DataFrame | None, dict | None]:
    """The shipped snapshot's series catalogue and manifest (None when absent, e.g. COINr)."""
    from aidi.store.snapshot import load_manifest, load_series_catalog

    try:
        return load_series_catalog(), load_manifest().to_dict()
    except FileNotFoundError:
        return None, None


def write_build_report(result: BuildResult, observations: pd.DataFrame, out: Path, *,
                       lang: str = "en", focus: str = "CHN", edition: str | None = None,
                       extra_sections: tuple[Section, ...] = (),
                       robustness: bool = True) -> dict[str, Path]:
    """Figures (PNG + SVG) and `report.html` for one build; returns name → path."""
    out.mkdir(parents=True, exist_ok=True)
    scores = scores_frame(result)
    spec = result.spec
    rep = compare(result) if spec.published else None
    labels = {n.id: n.name.get(lang) for n in spec.aggregates()}
    figs = charts.draw_all(scores, lang, out, repro=rep.table if rep else None,
                           focus=focus if focus in result.units else None,
                           reference=spec.reference or result.units[0], labels=labels)
    paths: dict[str, Path] = {f"fig_{k}": v[0] for k, v in figs.items()}
    sections: list[Section] = []
    exp_section, exp_paths = exposure_section(result, observations, out, lang)
    if exp_section is not None:
        sections.append(exp_section)
        paths.update(exp_paths)
    if spec.published:
        from aidi.analysis.reproduction import qualitative_checks

        checks = qualitative_checks(result)
        if len(checks):
            sections.append(Section(
                id="statements", title="The source's ranking statements" if lang == "en"
                else "原文关于排名的表述", table=checks,
                sentences=[f"{int(checks.holds.sum())} / {len(checks)}"]))
    if robustness:
        sections.extend(robustness_report_sections(result, out, lang))
    sections.extend(extra_sections)
    catalogue, manifest = _snapshot_facts()
    lineage = None
    if focus in result.units:
        from aidi.analysis.lineage import explain, to_frame

        lineage = to_frame(explain(result, focus, observations=observations))
    ctx = ReportContext(
        scores=scores, spec_name=spec.name.get(lang), edition=edition or spec.edition,
        build_time=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        snapshot=manifest_summary(manifest) if manifest else {},
        reproduction=rep.table if rep else None,
        mean_abs_difference=rep.mean_abs_difference if rep else None,
        figures=figs, methodology=indicator_table(spec, observations, catalogue,
                                                  list(result.units)),
        sections=tuple(sections), focus=focus if focus in result.units else None,
        lineage=lineage,
        reference=spec.reference or result.units[0],
        node_labels={n.id: n.name for n in spec.aggregates()},
    )
    paths["report"] = write_report(ctx, lang, out / "report.html")
    return paths
