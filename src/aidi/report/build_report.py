"""Assemble everything `aidi build` shows: figures, the exposure model, robustness, the report.

The analyses compute; this module presents. It submits every chart to a `FigurePool` as soon
as its data exists (the charts draw in worker processes while the next analysis runs here),
writes `scores.xlsx`, and gathers the report's sections in the order of a published index
report: summary, ranking, pillars, the focus economy item by item, reproduction, exposure,
the source's statements, robustness (uncertainty, sensitivity, audit as findings),
methodology, data, and collapsible appendices with the long tables. Node ids and labels come
from the spec, so any spec (the shipped AIDI, COINr's ASEM) gets a full report.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import MutableMapping
from pathlib import Path

import numpy as np
import pandas as pd

from aidi.progress import FIGURES, REPORT, Progress, silent
from aidi.report import filenames as fn
from aidi.report.html import ReportContext, Section, manifest_summary, write_report
from aidi.report.translations import has, t

__all__ = ["write_build_report"]

_LINEAGE_COLUMNS = ("label", "year", "raw_value", "value", "imputed", "normalised", "score",
                    "weight", "contribution", "source")


class _NoCharts:
    """Stands in for `aidi.report.charts` when no figure is drawn: the drawing functions are
    named (as arguments of a no-op) but never called, so matplotlib is not imported."""

    def __getattr__(self, name: str):
        return name


def _snapshot_facts() -> tuple[pd.DataFrame | None, dict | None]:
    """The shipped snapshot's series catalogue and manifest (None when absent)."""
    from aidi.store.snapshot import load_manifest, load_series_catalog

    try:
        return load_series_catalog(), load_manifest().to_dict()
    except FileNotFoundError:
        return None, None


class _Clock:
    """Phase timings (seconds) into `sink`, for `benchmarks/bench_build.py`."""

    def __init__(self, sink: MutableMapping[str, float] | None) -> None:
        self.sink = sink if sink is not None else {}
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.sink[phase] = self.sink.get(phase, 0.0) + now - self.last
        self.last = now


def _exposure(result, observations: pd.DataFrame):
    """The exposure model's outputs for the build's economies (specs that use it only)."""
    if not any(i.series.startswith("model.exposure.") for i in result.spec.indicators()):
        return None
    from aidi.analysis.exposure import compare_with_source
    from aidi.inputs import exposure_model as ex
    from aidi.inputs.model_series import run_exposure

    base = observations[~observations["series"].str.startswith("model.")]
    res = run_exposure(base, countries=list(result.units))
    return res, ex.exposure_long(res), ex.exposure_summary(res), compare_with_source(res)


def _sensitivity_task(result, n_base: int, seed: int, lang: str, names, stem: Path | None,
                      formats: tuple[str, ...] = (".svg",)):
    """The Sobol analysis and its chart, in a worker: `aidi.analysis.sobol` imports
    scipy.stats (a second of start-up) and the estimates take as long again, so they overlap
    with the rest of the report. Returns what the report needs (small, picklable)."""
    from aidi.analysis.sensitivity import run_sensitivity
    from aidi.report.figures import FigureJob, run_job
    from aidi.report.robustness import draw_sobol

    sens = run_sensitivity(result, n_base, seed)
    design = sens.design
    order = [design.units[i] for i in np.argsort(design.nominal_rank, kind="stable")]
    fig = None
    if stem is not None:
        fig = run_job(FigureJob("sensitivity", stem.with_name(stem.name + f"_{sens.headline}"
                                                              f"_{lang}"),
                                draw_sobol, (sens.frame, sens.headline, lang, order, names),
                                formats=formats))
    return {"frame": sens.frame, "headline": sens.headline, "order": order,
            "n_evaluations": sens.n_evaluations, "figure": fig}


def _publishers(catalogue: pd.DataFrame | None) -> list[str]:
    """Publishers' names as the catalogue gives them ("Epoch AI", "World Bank WDI", …)."""
    if catalogue is None or "source" not in catalogue:
        return []
    return [str(s).split(" — ")[0].strip() for s in catalogue["source"].dropna()]


def _font_chars(lang: str, texts) -> str:
    """Every non-ASCII character the page can show: the language's translations and the
    build's names (a superset of the page's text, known before the page is written, so the
    font subset is cut in a worker while the analyses run)."""
    from aidi.report.translations import translations

    chars = set("—–−×÷≈±·↑▲▼…“”‘’")
    for v in translations().values():
        chars.update(str(v.get(lang, "")) + str(v.get("en", "")))
    for x in texts:
        chars.update(str(x))
    return "".join(sorted(c for c in chars if ord(c) > 0x7F))


def _font_task(chars: str) -> str:
    from aidi.report.webfont import font_face_css

    return font_face_css(chars)


def _statement(row, lang: str, names) -> str:
    """The statement in `lang`: the spec carries both languages."""
    zh = row.get("statement_zh")
    return str(zh) if lang == "zh" and isinstance(zh, str) and zh else str(row["statement"])


def _statement_evidence(row, lang: str) -> str:
    """The value a statement rests on, in `lang` (the CSV keeps the English `ours`)."""
    kind, ours = str(row.get("kind") or ""), str(row["ours"])
    if kind == "lean":
        return t("stmt.lean", lang, lean=f"{row['lean']:+.2f}", median=f"{row['median']:+.2f}")
    if kind == "ranks" and ours.startswith("ranks: "):
        return t("stmt.ranks", lang, ranks=ours.removeprefix("ranks: "))
    value, threshold = row.get("value"), row.get("threshold")
    if value is not None and np.isfinite(value):
        return t("stmt.value", lang, value=f"{value:.3f}",
                 threshold=f"{threshold:.3f}" if np.isfinite(threshold) else "—")
    return ours if lang == "en" else "—"


def _year_label(label: object, lang: str) -> object:
    """"2021–2023 mean" / "2019 (latest earlier)" (the engine's labels) in `lang`."""
    import re

    text = "" if label is None or (isinstance(label, float) and np.isnan(label)) else str(label)
    if m := re.fullmatch(r"(\d{4})–(\d{4}) mean", text):
        return t("years.mean", lang, start=m.group(1), end=m.group(2))
    if m := re.fullmatch(r"(\d{4}) \(latest earlier\)", text):
        return t("years.latest_earlier", lang, year=m.group(1))
    return label


def _node_name(node: object, labels) -> str:
    """A node's label; "a & b" (a collinear pair) as both labels."""
    return " & ".join(labels.get(p.strip(), p.strip()) for p in str(node).split("&"))


def _lineage_table(result, focus: str, observations, labels, lang: str) -> pd.DataFrame:
    from aidi.analysis.lineage import explain

    rows = explain(result, focus, observations=observations).rows.copy()
    rows["label"] = ["\u2003" * int(d) + labels.get(n, n)
                     for d, n in zip(rows["depth"], rows["node"], strict=True)]
    rows["imputed"] = [bool(v) if k == "indicator" else None
                       for v, k in zip(rows["imputed"], rows["kind"], strict=True)]
    rows["year"] = [_year_label(y, lang) for y in rows["year"]]
    rows["source"] = [t("source.exposure_model", lang)
                      if str(s).startswith("aidi exposure model") else s for s in rows["source"]]
    return rows[list(_LINEAGE_COLUMNS)].rename(columns={"label": "node"})


def _workbook(result, observations, scores, lang: str, out: Path, *, rep, uncertainty, sens,
              audit_res, catalogue) -> Path:
    """`scores.xlsx` (`aidi.report.workbook` decides the sheets, `aidi.report.excel` writes)."""
    from aidi.analysis.lineage import cell_provenance
    from aidi.report.excel import write_workbook
    from aidi.report.workbook import workbook_sheets
    from aidi.specs.presentation import resolve_presentation

    shown = resolve_presentation(result.spec, result.units, result.index.to_dict())
    sheets, charts = workbook_sheets(
        result, scores, lang, observations=observations,
        provenance=cell_provenance(result, observations),
        reproduction=rep.table if rep is not None else None, uncertainty=uncertainty,
        sensitivity=sens["frame"] if sens is not None else None, audit=audit_res,
        catalogue=catalogue, quadrant=shown.quadrant)
    return write_workbook(sheets, out / fn.SCORES_XLSX, lang, charts=charts)


def write_build_report(result, observations: pd.DataFrame, out: Path, *,
                       lang: str = "en", focus: str = "CHN", edition: str | None = None,
                       extra_sections: tuple[Section, ...] = (), robustness: bool = True,
                       figures: bool = True, n_samples: int = 1000, n_base: int = 512,
                       seed: int = 0, progress: Progress | None = None,
                       timings: MutableMapping[str, float] | None = None,
                       scores: pd.DataFrame | None = None,
                       figure_texts: MutableMapping[str, tuple[str, ...]] | None = None,
                       backcast: str | None = None, why=None,
                       png: bool = False) -> dict[str, Path]:
    """Figures (SVG, which the report embeds; PNG too with `png`), `scores.xlsx`, the exposure
    tables and `report.html` for one build; returns name → path of every file written.
    `figures=False` skips the charts (the report then has tables only). `timings` receives
    the phases' seconds, `figure_texts` every chart's visible texts (for the
    untranslated-text test); `backcast` (`Build.inputs`) is said in the summary when the
    edition is computed from a later state of the data."""
    from aidi.analysis.flags import flag_counts
    from aidi.analysis.reproduction import compare, qualitative_checks
    from aidi.analysis.statements import summary_counts
    from aidi.io import reproducible_timestamp
    from aidi.report import robustness as rob
    from aidi.report.data_flags import backcast_text, flag_counts_text
    from aidi.report.figures import FigureJob, FigurePool
    from aidi.report.methodology import indicator_table
    from aidi.report.summary import item_profile, summary_sentences, tiers
    from aidi.report.tables import pillar_ids, scores_frame
    from aidi.report.webfont import font_face_css, is_cached
    from aidi.report.writers import economy_names, node_labels
    from aidi.specs.presentation import resolve_presentation

    formats = (".png", ".svg") if png else (".svg",)
    # matplotlib (and the fontTools it loads) only when there is something to draw
    charts = importlib.import_module("aidi.report.charts") if figures else _NoCharts()
    clock = _Clock(timings)
    say = progress or silent
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    spec = result.spec
    # without a reference (e.g. COINr's min–max 0–100) the profile compares with the leader
    ranked = result.ranks[spec.root.id].sort_values()
    reference = spec.reference or str(ranked.index[0])
    focus = focus if focus in result.units and focus != reference else None
    aidi_spec = spec.id.startswith("aidi")
    labels = node_labels(spec, lang)
    names = economy_names(result.units, lang)
    pillars = pillar_ids(spec)
    scores = (scores if scores is not None else scores_frame(result, observations)).copy()
    scores["tier"] = tiers(scores.set_index("iso3")["index"]).reindex(scores["iso3"]).to_numpy()
    rep = compare(result) if spec.published else None
    checks = qualitative_checks(result, observations) if spec.statements else None
    paths: dict[str, Path] = {}
    figs: dict[str, list[Path]] = {}
    sections: list[Section] = []
    appendix: list[tuple[str, pd.DataFrame]] = []

    def fig_progress(done: int, total: int) -> None:
        say(FIGURES, done, total)

    with FigurePool(progress=fig_progress) as pool:
        catalogue, manifest = _snapshot_facts()
        texts = [*names.values(), *labels.values(), *(i.name.get(lang) or "" for i in
                                                      spec.indicators())]
        if catalogue is not None:
            texts += list(catalogue["source"].astype(str))
        font_chars = _font_chars(lang, texts)
        # a subset cut before is a file read; a new one is cut in a worker meanwhile
        font_future = pool.task(_font_task, font_chars) \
            if pool.parallel and not is_cached(font_chars) else None
        sens_future = None
        if robustness and pool.parallel:
            sens_future = pool.task(_sensitivity_task, result, n_base, seed, lang, names,
                                    out / "fig_sobol" if figures else None, formats)

        def chart(name: str, stem: str, draw, *args, **kwargs) -> None:
            if figures:
                pool.submit(FigureJob(name, out / stem, draw, args, kwargs, formats=formats))

        ref_name = names.get(reference, reference)
        scale = t("scale.reference", lang, reference=ref_name) if spec.reference \
            else t("scale.own", lang)
        chart("index_bar", fn.fig_index_bar(lang), charts.draw_index_bar, scores, lang,
              [(p, labels[p]) for p in pillars],
              None if aidi_spec else t("chart.generic.index_bar", lang,
                                       name=labels[spec.root.id], scale=scale),
              None if aidi_spec else scale)
        if len(pillars) == 2:
            chart("pillar_scatter", fn.fig_pillar_scatter(lang), charts.draw_pillar_scatter,
                  scores, lang, ((pillars[0], labels[pillars[0]]),
                                 (pillars[1], labels[pillars[1]])),
                  None if aidi_spec else t("chart.generic.scatter", lang, x=labels[pillars[0]],
                                           y=labels[pillars[1]], scale=scale))
        profile = item_profile(result, focus, labels) if focus else None
        if profile is not None:
            chart("focus_profile", fn.fig_focus_profile(focus, lang), charts.draw_item_profile,
                  profile, names[focus], names.get(reference, reference), lang,
                  [labels[p] for p in pillars])
        if rep is not None and len(rep.table):
            chart("reproduction", fn.fig_reproduction(lang), charts.draw_reproduction,
                  rep.table, lang, labels)
        clock.lap("figures_submit")

        say(t("progress.exposure", lang))
        exposure = _exposure(result, observations)
        if exposure is not None:
            from aidi.io import write_csv
            ex_res, long, summ, cmp = exposure
            paths["exposure"] = write_csv(long, out / fn.EXPOSURE_CSV)
            paths["exposure_summary"] = write_csv(summ, out / fn.EXPOSURE_SUMMARY_CSV)
            paths["exposure_vs_source"] = write_csv(cmp, out / fn.EXPOSURE_VS_SOURCE_CSV)
            if figures:
                from aidi.report.exposure_chart import draw_exposure

                chart("exposure", fn.fig_exposure(lang), draw_exposure, long, lang, names)
        clock.lap("exposure")

        say("audit")
        from aidi.analysis.audit import audit

        audit_res = audit(result)
        unc = sens = None
        if robustness:
            from aidi.analysis.robustness.design import build_design
            from aidi.analysis.uncertainty import run_uncertainty

            design = build_design(result, None)
            unc = run_uncertainty(result, n_samples, seed, design=design, progress=say)
            summary = unc.summary()
            chart("uncertainty", fn.fig_uncertainty(lang), rob.draw_rank_intervals, summary,
                  lang, names, rob.failure_note(unc.n_samples, unc.n_failed_samples, lang))
            if design.factors and sens_future is None:
                say(t("progress.sobol", lang, n=f"{n_base:,}"))
                sens = _sensitivity_task(result, n_base, seed, lang, names,
                                         out / "fig_sobol" if figures else None, formats)
        chart("audit", fn.fig_audit(lang), rob.draw_correlations, audit_res.matrix, lang,
              rob.group_starts(audit_res.matrix, pillars), labels)
        clock.lap("analyses")

        # --- the workbook's tables (readable, in the report's language) -------------------
        uncertainty_summary = unc.summary() if unc is not None else None
        method = indicator_table(spec, observations, catalogue, list(result.units), lang)
        lineage = _lineage_table(result, focus, observations, labels, lang) if focus else None
        clock.lap("methodology")
        if sens_future is not None and design.factors:
            say(t("progress.sobol", lang, n=f"{n_base:,}"))
            sens = sens_future.result()
        if sens is not None and sens["figure"] is not None:
            if figure_texts is not None:
                figure_texts["sensitivity"] = sens["figure"].texts
            figs["sensitivity"] = list(sens["figure"].paths)
            for p in sens["figure"].paths:
                paths[p.name] = p
        paths["scores_xlsx"] = _workbook(result, observations, scores, lang, out, rep=rep,
                                         uncertainty=uncertainty_summary, sens=sens,
                                         audit_res=audit_res, catalogue=catalogue)
        clock.lap("sobol_excel")
        say(t("progress.waiting", lang))
        for name, res in pool.results().items():
            if figure_texts is not None:
                figure_texts[name] = res.texts
            figs[name] = list(res.paths)
            for p in res.paths:
                paths[p.name] = p
        font_css = font_future.result() if font_future is not None else \
            font_face_css(font_chars)
        clock.lap("figures_wait")

    # --- sections ---------------------------------------------------------------------------
    say(REPORT)
    if exposure is not None:
        ex_res, long, summ, cmp = exposure
        table = pd.DataFrame({"iso3": summ["iso3"],
                              "exposed_share": summ["exposed_share"] * 100,
                              "exposure_scale_tn": summ["exposure_scale"] / 1e12,
                              "diffusion": summ["diffusion"]})
        cmp_view = pd.DataFrame({
            "statement": [t(f"exposure.stmt.{k}", lang) if has(f"exposure.stmt.{k}") else s
                          for k, s in zip(cmp["key"], cmp["statement"], strict=True)],
            "published": cmp["published"], "ours": cmp["ours"], "holds": cmp["holds"]})
        from aidi.report.html import table_html

        mean = float(summ["exposed_share"].mean())
        sections.append(Section(
            id="exposure", title_key="section.exposure", table=table,
            figures=figs.get("exposure", ()),
            sentences=[t("exposure.sentence", lang,
                         variant=t(f"exposure.variant.{ex_res.variant}", lang)
                         if has(f"exposure.variant.{ex_res.variant}") else ex_res.variant,
                         start=ex_res.years[0], end=ex_res.years[1], n=len(summ),
                         mean=f"{mean:.1%}")],
            html=str(table_html(cmp_view, lang, sortable=False))))
    statements: list[str] = []
    if checks is not None and len(checks):
        statements = [_statement(r, lang, names) for _, r in checks.iterrows()]
        held, tested, _ = summary_counts(checks)
        view = pd.DataFrame({"statement": statements, "holds": checks["holds"],
                             "evidence": [_statement_evidence(r, lang)
                                          for _, r in checks.iterrows()]})
        sections.append(Section(id="statements", title_key="section.statements", table=view,
                                sentences=[t("summary.statements", lang, held=held,
                                             n=tested)]))
    if "index_intensity" in scores:
        view = scores[["iso3", "rank", "index", "rank_intensity", "index_intensity"]]
        sections.append(Section(id="intensity", title_key="section.intensity", table=view,
                                sentences=[t("intensity.intro", lang, spec=spec.id)]))
    if unc is not None:
        summary = unc.summary()
        notes = [n for n in (unc.failure_message(),) if n and lang == "en"]
        if unc.n_failed_samples and lang != "en":
            notes.append(rob.failure_note(unc.n_samples, unc.n_failed_samples, lang))
        sections.append(Section(
            id="uncertainty", title_key="section.uncertainty",
            sentences=[t("unc.intro", lang, n=f"{unc.n_samples:,}"),
                       *rob.uncertainty_sentences(summary, names, lang), *notes],
            figures=figs.get("uncertainty", ()), table=rob.uncertainty_table(summary, names)))
    if sens is not None:
        head, order, frame = sens["headline"], sens["order"], sens["frame"]
        full = frame[["iso3", "output", "factor", "S1", "S1_conf", "ST", "ST_conf"]].copy()
        full["factor"] = [rob.factor_label(f, lang) for f in full["factor"]]
        full["output"] = [t(f"output.{o}", lang) if has(f"output.{o}") else o
                          for o in full["output"]]
        sections.append(Section(
            id="sensitivity", title_key="section.sensitivity",
            sentences=[t("sobol.intro", lang, n=f"{sens['n_evaluations']:,}"),
                       *rob.sobol_sentences(frame, head, names, lang, order)],
            figures=figs.get("sensitivity", ()),
            table=rob.sobol_top(frame, head, names, lang),
            appendix=[(t("appendix.sobol", lang), full)]))
    dims = audit_res.dimensions
    dim_view = pd.DataFrame({"node": [labels.get(n, n) for n in dims["node"]],
                             "n_children": dims["n_children"],
                             "cronbach_alpha": dims["cronbach_alpha"],
                             "pca_first_share": dims["pca_first_share"],
                             "mean_child_correlation": dims["mean_child_correlation"]})
    flags = audit_res.flags
    flag_view = pd.DataFrame({"node": [_node_name(n, labels) for n in flags["node"]],
                              "parent": [labels.get(n, n) for n in flags["parent"]],
                              "flag": [t(f"flag.{f}", lang) for f in flags["flag"]],
                              "value": flags["value"], "threshold": flags["threshold"]})
    ind = audit_res.indicators
    ind_view = pd.DataFrame({"node": [labels.get(n, n) for n in ind["indicator"]],
                             "n": ind["n"], "n_missing": ind["n_missing"],
                             "n_imputed_or_carried": ind["n_imputed_or_carried"],
                             "skew": ind["skew"], "kurtosis": ind["kurtosis"],
                             "r_parent": ind["r_parent"]})
    findings = rob.audit_findings(flags, labels, lang)
    sections.append(Section(id="audit", title_key="section.audit",
                            sentences=[t("audit.intro", lang, n=len(flags))], bullets=findings,
                            figures=figs.get("audit", ()), table=dim_view,
                            appendix=[(t("appendix.audit_flags", lang), flag_view),
                                      (t("appendix.audit_indicators", lang), ind_view)]))
    sections.extend(extra_sections)

    caveats = []
    if backcast:
        caveats.append(t("summary.backcast", lang, edition=edition or spec.edition,
                         text=backcast_text(backcast, lang)))
    caveats.append(t("summary.flag_counts", lang,
                     **flag_counts_text(flag_counts(result, observations), lang)))
    if result.screened_out:
        caveats.append(t("summary.screened", lang, n=len(result.screened_out),
                         units="、".join(result.screened_out) if lang == "zh"
                         else ", ".join(result.screened_out)))
    caveats.append(t("summary.flags", lang, n=len(flags)))
    if unc is not None and unc.n_failed_samples:
        caveats.append(rob.failure_note(unc.n_samples, unc.n_failed_samples, lang))
    summary_text = summary_sentences(
        lang=lang, scores=scores, names=names, labels=labels, pillars=pillars,
        reference=reference, focus=focus, profile=profile, checks=checks,
        statements=statements, mad=rep.mean_abs_difference if rep else None, caveats=caveats,
        relative=bool(spec.reference))
    full_scores = scores.drop(columns=[c for c in ("name_en", "name_zh", "flags")
                                       if c in scores])
    appendix.append((t("appendix.scores", lang), full_scores))
    downloads = sorted({p.name for p in paths.values()} | {fn.REPORT_HTML, fn.SCORES_CSV,
                                                            fn.INDICATORS_CSV,
                                                            fn.CONTRIBUTIONS_CSV,
                                                            fn.BUILD_LOG_CSV})
    lead = ()
    if why is not None and not why.printed.empty:
        from aidi.report.why_differ import why_section
        from aidi.specs.loader import DEFAULT_SPEC

        lead = (why_section(why, lang, labels, DEFAULT_SPEC, names),)
    ctx = ReportContext(
        subtitle=None if aidi_spec else "",
        section_titles={} if aidi_spec or len(pillars) != 2 else {
            k: t("section.pillars_of", lang, x=labels[pillars[0]], y=labels[pillars[1]])
            for k in ("pillars", "pillar_scatter")},
        scores=scores, title=t("report.title_for", lang, name=spec.name.get(lang))
        if spec.name.get(lang) != t("report.title", lang) else None,
        spec_name=spec.name.get(lang), edition=(edition or spec.edition) + (
            f" · {backcast_text(backcast, lang)}" if backcast else ""),
        build_time=reproducible_timestamp(),
        snapshot=manifest_summary(manifest, _publishers(catalogue)) if manifest else {},
        reproduction=rep.table if rep is not None else None,
        mean_abs_difference=rep.mean_abs_difference if rep is not None else None,
        figures={k: v for k, v in figs.items() if k in ("index_bar", "pillar_scatter",
                                                        "focus_profile", "reproduction")},
        methodology=method, sections=tuple(sections), lead_sections=lead, focus=focus,
        lineage=lineage,
        reference=reference, node_labels={n: {lang: v} for n, v in labels.items()},
        quadrant=resolve_presentation(spec, result.units, result.index.to_dict()).quadrant,
        score_columns=["index", *pillars],
        summary=summary_text, appendix=tuple(appendix), downloads=tuple(downloads),
        note=t("ui.relative_note_for", lang, reference=names.get(reference, reference))
        if spec.reference else "",
    )
    paths["report"] = write_report(ctx, lang, out / fn.REPORT_HTML,
                                   font_css=font_css, font_chars=font_chars)
    clock.lap("render")
    return paths
