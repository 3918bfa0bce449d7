"""The HTML report: one self-contained file, in English or Chinese.

Self-contained because the report is what people e-mail, archive and open offline: CSS is
inline, figures are embedded as base64 data URIs (SVG when there is one, else PNG), the only
script is a few lines that sort tables, and nothing points at the network (citations are plain
text). Every heading, column header and label comes from `aidi.report.translations`; economy
names come from the scores table (or `aidi.countries`) in the chosen language; relative scores
are shown with 3 decimals everywhere.

Other analyses (exposure model, uncertainty, Sobol sensitivity, audit, scenarios, ...) add their
results without touching this module: they hand `Section` objects to `ReportContext.sections`.
"""

from __future__ import annotations

import base64
import html as _html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from aidi.report.html_format import (
    _fmt_int,
    _fmt_num,
    _fmt_published,
    _is_num,
    _missing,
    _Names,
    _Nodes,
)
from aidi.report.markdown import markdown_to_html
from aidi.report.translations import LANGS, has, label, t

__all__ = ["FIGURE_ORDER", "ReportContext", "Section", "manifest_summary", "markdown_to_html",
           "render_report", "table_html", "write_report"]

_TEMPLATES = Path(__file__).with_name("templates")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")

#: Figure names `ReportContext.figures` understands, and the section each goes to.
FIGURE_ORDER: dict[str, str] = {"index_bar": "ranking", "pillar_scatter": "pillars",
                                "focus_profile": "focus", "reproduction": "reproduction"}

@dataclass(frozen=True)
class Section:
    """A block of the report added by any analysis.

    `id` is the HTML anchor (letters, digits, _ and -). The heading is `t(title_key, lang)` when
    `title_key` is given (use it for texts in `translations.json`, e.g. "section.uncertainty"),
    else `title` as given (the caller translates). The body is, in order: `sentences` (plain
    text, escaped), `html` (a trusted fragment, inserted as is), `table` (a DataFrame; numbers
    formatted with `decimals`, columns translated where a `col.`/`node.` key exists, an `iso3`
    column gets economy names beside it) and `figures` (PNG/SVG paths, embedded; when both files
    of a figure are given, the SVG is used).
    """

    id: str
    title: str | None = None
    title_key: str | None = None
    html: str = ""
    table: pd.DataFrame | None = None
    figures: Sequence[Path] = ()
    sentences: Sequence[str] = ()
    decimals: int = 3
    bullets: Sequence[str] = ()
    formats: Mapping[str, object] = field(default_factory=dict)
    appendix: Sequence[tuple[str, pd.DataFrame]] = ()

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"section id {self.id!r} must match {_ID.pattern}")
        if not (self.title or self.title_key):
            raise ValueError(f"section {self.id!r} needs a title or a title_key")
        if self.title_key and not has(self.title_key):
            # fail when the report is assembled, not when someone opens it
            t(self.title_key)
        object.__setattr__(self, "figures", tuple(Path(p) for p in self.figures))
        object.__setattr__(self, "sentences", tuple(str(s) for s in self.sentences))
        object.__setattr__(self, "bullets", tuple(str(s) for s in self.bullets))

    def heading(self, lang: str) -> str:
        return t(self.title_key, lang) if self.title_key else str(self.title)


@dataclass(frozen=True, kw_only=True)
class ReportContext:
    """Everything one report shows. Only `scores` is required.

    - `scores`: one row per economy, columns iso3, name_en, name_zh, index, rank and any of
      technology_activity, market_friendliness, compute, algorithms, data, finance,
      exposure_scale, diffusion, policy (relative to the reference = 1); optional `tier` (int).
    - `title`: None → the translated "report.title".
    - `spec_name`, `edition`, `build_time`: shown in the header (strings, as they should read).
    - `snapshot`: the data snapshot summary, label → value (see `manifest_summary`); keys with a
      `snap.<key>` translation are translated.
    - `reproduction`: columns economy or iso3, measure, published, ours, difference (+ optional
      kind, note); `mean_abs_difference` over the printed figures.
    - `figures`: name → path(s); names in `FIGURE_ORDER` go to their sections, any other name
      to a closing "Figures" section.
    - `methodology`: the indicator table (`aidi.report.methodology.indicator_table`) or markdown.
    - `lineage`: optional table (e.g. one row per indicator × raw file × hash).
    - `sections`: extra `Section`s, shown after the reproduction, in the order given.
    - `focus`, `reference`: the economy profiled and the reference unit (= 1).
    - `quadrant`: the spec's presentation quadrant (two node columns of `scores`): each
      economy's quadrant in the scores table, and the focus's two values in the summary.
    - `score_columns`: the columns of the scores table (default: index and the quadrant's
      columns present); `summary`: extra sentences for the summary, in the report language.
    - `node_labels`: node id → name, as the spec's `Label` or a {"en": ..., "zh": ...} dict;
      used for column headers, dimension paths and measures before `node.<id>` translations,
      so a spec with its own tree reads right without new translation keys.
    """

    scores: pd.DataFrame
    title: str | None = None
    subtitle: str | None = None
    section_titles: Mapping[str, str] = field(default_factory=dict)
    spec_name: str = ""
    edition: str = ""
    build_time: str = ""
    snapshot: Mapping[str, object] = field(default_factory=dict)
    reproduction: pd.DataFrame | None = None
    mean_abs_difference: float | None = None
    figures: Mapping[str, Path | Sequence[Path]] = field(default_factory=dict)
    methodology: pd.DataFrame | str | None = None
    lineage: pd.DataFrame | None = None
    sections: Sequence[Section] = ()
    #: sections shown right after the headline ranking (e.g. why the index differs from the
    #: source's: the first question a reader has on seeing two indices)
    lead_sections: Sequence[Section] = ()
    focus: str | None = None
    reference: str | None = None
    quadrant: tuple[str, str] | None = None
    score_columns: Sequence[str] | None = None
    summary: Sequence[str] = ()
    node_labels: Mapping[str, object] = field(default_factory=dict)
    appendix: Sequence[tuple[str, pd.DataFrame]] = ()
    downloads: Sequence[str] = ()
    note: str = ""


# --- tables ---------------------------------------------------------------------------------------

def table_html(frame: pd.DataFrame, lang: str, *, decimals: int = 3,
               formats: Mapping[str, object] | None = None, sortable: bool = True,
               table_id: str | None = None, headers: Mapping[str, str] | None = None) -> Markup:
    """A DataFrame as an HTML table: translated headers, numbers right-aligned with `decimals`
    (or a per-column formatter in `formats`), missing values as "—", and the raw number in
    `data-v` so the sort script orders numerically."""
    formats = formats or {}
    headers = headers or {}
    ident = f' id="{_html.escape(table_id)}"' if table_id else ""
    cls = "data sortable" if sortable else "data"
    out = [f'<table class="{cls}"{ident}><thead><tr>']
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) and
               not pd.api.types.is_bool_dtype(frame[c]) for c in frame.columns}
    for col in frame.columns:
        head = headers.get(str(col)) or label(str(col), lang)
        klass = ' class="num"' if numeric[col] else ""
        out.append(f"<th{klass} scope=\"col\">{_html.escape(head)}</th>")
    out.append("</tr></thead><tbody>")
    for row in frame.itertuples(index=False, name=None):
        out.append("<tr>")
        for col, v in zip(frame.columns, row, strict=True):
            fmt = formats.get(str(col))
            if fmt is None and str(col).endswith("rank") and _is_num(v) \
                    and float(v).is_integer():  # type: ignore[arg-type]
                fmt = _fmt_int
            if callable(fmt):
                text = str(fmt(v))
            elif isinstance(v, (bool, np.bool_)):
                text = t("bool.yes" if v else "bool.no", lang)
            elif _is_num(v) or (numeric[col] and _missing(v)):
                text = _fmt_num(v, decimals)
            elif _missing(v):
                text = "—"
            else:
                text = str(v)
            x = float(v) if _is_num(v) else math.nan  # type: ignore[arg-type]
            if math.isfinite(x):
                out.append(f'<td class="num" data-v="{x!r}">{_html.escape(text)}</td>')
            elif numeric[col]:
                out.append(f'<td class="num" data-v="">{_html.escape(text)}</td>')
            else:
                out.append(f"<td>{_html.escape(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return Markup("".join(out))


def _with_names(frame: pd.DataFrame, names: _Names, lang: str) -> pd.DataFrame:
    """Put an `economy` column (names in `lang`) before an `iso3` column that lacks one."""
    if "iso3" not in frame or "economy" in frame:
        return frame
    out = frame.copy()
    out.insert(list(out.columns).index("iso3"), "economy", [names(c) for c in out["iso3"]])
    return out


def _scores_table(ctx: ReportContext, lang: str, names: _Names, nodes: _Nodes) -> Markup:
    s = ctx.scores
    cols = list(ctx.score_columns or [c for c in ("index", *(ctx.quadrant or ())) if c in s])
    frame = pd.DataFrame({"rank": s["rank"] if "rank" in s else pd.Series(pd.NA, index=s.index),
                          "economy": [names(c) for c in s["iso3"]], "iso3": s["iso3"]})
    for c in cols:
        frame[c] = pd.to_numeric(s[c], errors="coerce")
    formats: dict[str, object] = {}
    if "tier" in s:
        frame["tier"] = s["tier"]
        formats["tier"] = lambda v: "—" if _missing(v) or not has(f"tier.{int(v)}") \
            else t(f"tier.{int(v)}", lang)
    if ctx.quadrant and set(ctx.quadrant) <= set(s.columns):
        from aidi.report.economies import quadrants

        frame["quadrant"] = [None if q is None else t(f"quadrant.{q}", lang)
                             for q in quadrants(s, *ctx.quadrant)]
    frame = frame.sort_values("rank", na_position="last", kind="stable") if "rank" in s \
        else frame
    frame["rank"] = pd.array(frame["rank"], dtype="Int64")
    return table_html(frame, lang, formats=formats, table_id="scores",
                      headers={c: nodes(c) for c in cols if c != "index"})  # "Index", short


def _repro_table(repro: pd.DataFrame, lang: str, names: _Names, nodes: _Nodes) -> Markup:
    r = repro.rename(columns={"iso3": "economy"}) if "economy" not in repro else repro
    frame = pd.DataFrame({"economy": [names(c) for c in r["economy"]],
                          "measure": [nodes(m) for m in r["measure"]]})
    if "kind" in r:
        frame["kind"] = [label(str(k), lang, ("kind.",)) for k in r["kind"]]
    frame["published"] = pd.to_numeric(r["published"], errors="coerce").to_numpy()
    frame["ours"] = pd.to_numeric(r["ours"], errors="coerce").to_numpy()
    diff = r["difference"] if "difference" in r else r["ours"] - r["published"]
    frame["difference"] = pd.to_numeric(diff, errors="coerce").to_numpy()
    if "note" in r and lang == "en":  # the spec's notes on each figure are in English
        frame["note"] = r["note"].to_numpy()
    formats = {"published": _fmt_published,
               "difference": lambda v: "—" if _missing(v) else
               f"{float(v):+.3f}".replace("-", "\u2212")}
    return table_html(frame, lang, formats=formats, table_id="reproduction")


_METHOD_MAIN = ("unit", "source", "years", "why")
_METHOD_DETAIL = ("transform", "normalisation", "direction", "weight", "coverage_in_window")


def _method_cell(v: object) -> str:
    if _missing(v) or v == "":
        return "—"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    return str(v)


def _indicator_table(group: pd.DataFrame, lang: str) -> str:
    """Indicators of one dimension: the name (with its id and treatment in small print) and the
    four things a reader asks — unit, source, years, why it belongs."""
    main = [c for c in _METHOD_MAIN if c in group]
    detail = [c for c in _METHOD_DETAIL if c in group]
    out = ['<table class="data method"><thead><tr>',
           f'<th scope="col">{_html.escape(t("col.name", lang))}</th>']
    out += [f'<th scope="col">{_html.escape(label(c, lang))}</th>' for c in main]
    out.append("</tr></thead><tbody>")
    for _, row in group.iterrows():
        sub = " · ".join(f"{_html.escape(label(c, lang))}: {_html.escape(_method_cell(row[c]))}"
                         for c in detail if not _missing(row[c]) and row[c] != "")
        out.append(f'<tr><td><strong>{_html.escape(_method_cell(row["name"]))}</strong>'
                   f'<div class="sub">{sub}</div></td>')
        out += [f"<td>{_html.escape(_method_cell(row[c]))}</td>" for c in main]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _methodology(method: pd.DataFrame | str, lang: str, nodes: _Nodes) -> Markup:
    """The indicator table grouped by dimension, or markdown converted to HTML."""
    if isinstance(method, str):
        return markdown_to_html(method)
    frame = method.copy()
    name_col = "name_zh" if lang == "zh" and "name_zh" in frame else "name_en"
    if name_col in frame:
        fallback = frame["name_en"] if "name_en" in frame else frame[name_col]
        frame["name"] = frame[name_col].where(frame[name_col].notna() & (frame[name_col] != ""),
                                              fallback)
    elif "name" not in frame:
        frame["name"] = frame.get("indicator", "")
    if "dimension" not in frame:
        return Markup(_indicator_table(frame, lang))
    parts: list[str] = []
    for dim, group in frame.groupby("dimension", sort=False):
        path = " / ".join(nodes(p) for p in str(dim).split("/"))
        parts.append(f"<h3>{_html.escape(path)}</h3>")
        parts.append(_indicator_table(group, lang))
    return Markup("".join(parts))


# --- figures --------------------------------------------------------------------------------------

def _figure_paths(value: Path | Sequence[Path] | str) -> list[Path]:
    if isinstance(value, (str, Path)):
        return [Path(value)]
    return [Path(p) for p in value]


def _embed(paths: Sequence[Path], alt: str) -> Markup:
    """One <figure> per distinct stem, SVG preferred, as a base64 data URI (no file links)."""
    by_stem: dict[Path, dict[str, Path]] = {}
    for p in paths:
        by_stem.setdefault(p.with_suffix(""), {})[p.suffix.lower()] = p
    out = []
    for files in by_stem.values():
        path = files.get(".svg") or files.get(".png")
        if path is None or not path.is_file():
            continue
        mime = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        out.append(f'<figure><img src="data:{mime};base64,{data}" alt="{_html.escape(alt)}">'
                   f"</figure>")
    return Markup("".join(out))


# --- snapshot -------------------------------------------------------------------------------------

def manifest_summary(manifest: Mapping[str, object],
                     publishers: Sequence[str] | None = None) -> dict[str, str]:
    """The few facts of a snapshot manifest a reader wants (keys are `snap.<key>` ids);
    `publishers` (names, from the series catalogue) replace the manifest's reader ids."""
    out: dict[str, str] = {}
    for key in ("aidi_version", "built_at", "min_year"):
        if manifest.get(key) not in (None, ""):
            out[key] = str(manifest[key])
    rows = manifest.get("rows")
    if isinstance(rows, Mapping):
        for key in ("observations", "series"):
            if key in rows:
                out[key] = f"{int(rows[key]):,}"
    inputs = manifest.get("inputs")
    if isinstance(inputs, Mapping):
        out["inputs"] = str(len(inputs))
    sources = manifest.get("sources")
    if publishers:
        out["sources"] = "; ".join(sorted(dict.fromkeys(publishers)))
    elif isinstance(sources, Mapping) and sources:
        out["sources"] = ", ".join(sorted(str(s) for s in sources))
    skipped = manifest.get("skipped")
    if isinstance(skipped, Mapping) and skipped:
        out["skipped"] = ", ".join(sorted(str(s) for s in skipped))
    return out


# --- assembly -------------------------------------------------------------------------------------

def _summary(ctx: ReportContext, lang: str, names: _Names, nodes: _Nodes) -> list[str]:
    if ctx.summary:  # generated by the caller from the results (aidi.report.summary)
        return [str(x) for x in ctx.summary]
    s = ctx.scores
    out = [t("summary.count", lang, n=len(s),
             reference=names(ctx.reference) if ctx.reference else "—")]
    if "index" in s and len(s):
        top = s.sort_values("rank" if "rank" in s else "index",
                            ascending="rank" in s, na_position="last").head(3)
        sep = "、" if lang == "zh" else ", "
        out.append(t("summary.leaders", lang, names=sep.join(names(c) for c in top["iso3"])))
    if ctx.focus and ctx.focus in set(s["iso3"]) and ctx.focus != ctx.reference:
        row = s[s["iso3"] == ctx.focus].iloc[0]
        rank = row.get("rank")
        text = t("summary.focus_index", lang, focus=names(ctx.focus),
                 index=_fmt_num(row.get("index"), 3), rank="—" if _missing(rank) else int(rank))
        for node in ctx.quadrant or ():
            text += t("summary.focus_node", lang, node=nodes(node),
                      value=_fmt_num(row.get(node), 3))
        out.append(text + t("summary.focus_end", lang))
    if ctx.mean_abs_difference is not None and math.isfinite(ctx.mean_abs_difference):
        out.append(t("summary.mad", lang, mad=f"{ctx.mean_abs_difference:.3f}"))
    return out


class _Assembly:
    """The report's sections in order: each `add` checks the id is new; figures, tables and
    extra `Section`s are rendered in the report language, their appendix tables kept."""

    def __init__(self, ctx: ReportContext, lang: str) -> None:
        self.ctx, self.lang = ctx, lang
        self.names = _Names(ctx.scores, lang)
        self.nodes = _Nodes(ctx.node_labels, lang)
        self.figs = {k: _figure_paths(v) for k, v in ctx.figures.items()}
        self.out: list[dict[str, object]] = []
        self.appendix: list[tuple[str, pd.DataFrame]] = []

    def add(self, sid: str, title: str, *parts: object) -> None:
        if any(sec["id"] == sid for sec in self.out):
            raise ValueError(f"two report sections have the id {sid!r}")
        body = Markup("").join(
            p if isinstance(p, Markup) else Markup(f"<p>{_html.escape(str(p))}</p>")
            for p in parts if p)
        self.out.append({"id": sid, "title": title, "body": body})

    def fig(self, name: str, key: str) -> Markup:
        """A figure; its alt text is the section's heading (`key`: a translation key)."""
        return _embed(self.figs.get(name, []),
                      self.ctx.section_titles.get(name) or t(key, self.lang))

    def section(self, sec: Section) -> None:
        parts: list[object] = list(sec.sentences)
        if sec.bullets:
            parts.append(_bullets(sec.bullets))
        if sec.figures:
            parts.append(_embed(list(sec.figures), sec.heading(self.lang)))
        if sec.html:
            parts.append(Markup(sec.html))
        if sec.table is not None:
            parts.append(_scroll(table_html(_with_names(sec.table, self.names, self.lang),
                                            self.lang, decimals=sec.decimals,
                                            formats=sec.formats)))
        self.add(sec.id, sec.heading(self.lang), *parts)
        self.appendix.extend(sec.appendix)


def _sections(ctx: ReportContext, lang: str) -> list[dict[str, object]]:
    a = _Assembly(ctx, lang)
    names, nodes, figs = a.names, a.nodes, a.figs
    a.add("summary", t("section.summary", lang),
          Markup("<ul class=\"summary\">" + "".join(f"<li>{_html.escape(x)}</li>"
                                                     for x in _summary(ctx, lang, names, nodes))
                 + "</ul>"))
    a.add("ranking", t("section.ranking", lang), a.fig("index_bar", "section.ranking"),
          Markup(f'<p class="note">{_html.escape(t("ui.relative_note", lang))} '
                 f'{_html.escape(t("ui.sort_hint", lang))}</p>'),
          _scroll(_scores_table(ctx, lang, names, nodes)))
    for sec in ctx.lead_sections:  # the reader's next question after the ranking
        a.section(sec)
    if figs.get("pillar_scatter"):
        a.add("pillars", ctx.section_titles.get("pillars") or t("section.pillars", lang),
              a.fig("pillar_scatter", "section.pillars"),
              Markup(f'<p class="note">{_html.escape(t("ui.quadrant_note", lang))}</p>'))
    if figs.get("focus_profile"):
        a.add("focus", t("section.focus", lang), a.fig("focus_profile", "section.focus"))
    if ctx.reproduction is not None and len(ctx.reproduction):
        mad = ""
        if ctx.mean_abs_difference is not None and math.isfinite(ctx.mean_abs_difference):
            mad = Markup(f'<p class="mad">{_html.escape(t("ui.mad", lang))}: '
                         f"<strong>{ctx.mean_abs_difference:.3f}</strong></p>")
        a.add("reproduction", t("section.reproduction", lang),
              a.fig("reproduction", "section.reproduction"), mad,
              _scroll(_repro_table(ctx.reproduction, lang, names, nodes)))
    for sec in ctx.sections:
        a.section(sec)
    method = ctx.methodology
    if method is not None and (method.strip() if isinstance(method, str) else not method.empty):
        a.add("methodology", t("section.methodology", lang), _methodology(method, lang, nodes))
    if ctx.snapshot:
        a.add("data", t("section.data", lang), _snapshot_list(ctx.snapshot, lang))
    extra = [p for k, v in figs.items() if k not in FIGURE_ORDER for p in v]
    if extra:
        a.add("figures", t("section.figures", lang), _embed(extra, t("section.figures", lang)))
    if ctx.lineage is not None and not ctx.lineage.empty:
        a.appendix.insert(0, (t("section.lineage", lang), ctx.lineage))
    appendix = [*ctx.appendix, *a.appendix]
    if appendix or ctx.downloads:
        a.add("appendix", t("section.appendix", lang), *_appendix_blocks(ctx, appendix, a))
    return a.out


def _snapshot_list(snapshot: Mapping[str, object], lang: str) -> Markup:
    """The data snapshot as a definition list (source folders and skipped inputs as code)."""
    def value(k: object, v: object) -> str:
        text = _html.escape(str(v))  # source folders and skipped inputs are identifiers
        return f"<code>{text}</code>" if k in ("sources", "skipped") else text

    rows = "".join(f"<dt>{_html.escape(label(str(k), lang, ('snap.',)))}</dt>"
                   f"<dd>{value(k, v)}</dd>" for k, v in snapshot.items())
    return Markup(f'<dl class="meta">{rows}</dl>')


def _appendix_blocks(ctx: ReportContext, appendix: Sequence[tuple[str, pd.DataFrame]],
                     a: _Assembly) -> list[Markup]:
    """The appendix: each table folded, then the list of downloadable files."""
    lang = a.lang
    blocks = [Markup(f'<p class="note">{_html.escape(t("ui.appendix_note", lang))}</p>')]
    for title, frame in appendix:
        heads = {str(c): a.nodes(c) for c in frame.columns if str(c) in ctx.node_labels}
        body = _scroll(table_html(_with_names(frame, a.names, lang), lang, headers=heads))
        blocks.append(Markup(f"<details><summary>{_html.escape(title)}</summary>")
                      + body + Markup("</details>"))
    if ctx.downloads:
        items = "".join(f"<li><code>{_html.escape(d)}</code></li>" for d in ctx.downloads)
        blocks.append(Markup(f"<details><summary>{_html.escape(t('ui.downloads', lang))}"
                             f"</summary><ul class=\"files\">{items}</ul></details>"))
    return blocks


def _bullets(items: Sequence[str]) -> Markup:
    return Markup('<ul class="findings">' + "".join(f"<li>{_html.escape(x)}</li>"
                                                    for x in items) + "</ul>")


def _scroll(inner: Markup) -> Markup:
    """Wide tables scroll sideways inside their own box instead of being clipped."""
    return Markup('<div class="scroll">') + inner + Markup("</div>")


def render_report(ctx: ReportContext, lang: str, font_css: str | None = None,
                  font_chars: str = "") -> str:
    """The whole report as one HTML string in `lang` ("en" or "zh").

    The page embeds a subset of the CJK font with the glyphs of its text. `font_css` is one
    prepared in advance for the characters `font_chars` (see `aidi.report.build_report`); it
    is used when it covers every character of the page, else the subset is cut here."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    if "iso3" not in ctx.scores:
        raise ValueError("the scores table needs an iso3 column")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    meta = [(t(k, lang), v) for k, v in (("ui.spec", ctx.spec_name),
                                         ("ui.edition", ctx.edition),
                                         ("ui.build_time", ctx.build_time)) if v]
    page = template.render(
        font_css=Markup("/*aidi-font*/"), note=ctx.note,
        lang=lang, html_lang="zh-CN" if lang == "zh" else "en",
        title=ctx.title or t("report.title", lang), subtitle=t("report.subtitle", lang) if ctx.subtitle is None else ctx.subtitle,
        meta=meta, sections=_sections(ctx, lang), contents=t("section.contents", lang),
        citation=t("report.citation", lang), generated_by=t("ui.generated_by", lang),
        back_to_top=t("ui.back_to_top", lang), source_note=t("chart.source_note", lang),
    )
    from aidi.report.webfont import font_face_css

    # the glyphs of the page's own text, so Chinese renders without a system CJK font
    text = _visible_text(page)
    need = {c for c in text if ord(c) > 0x7F}
    if font_css is None or not need <= set(font_chars):
        font_css = font_face_css(text)
    return page.replace("/*aidi-font*/", font_css, 1)


def _visible_text(page: str) -> str:
    """The page without its embedded data URIs (what the font subset must cover)."""
    return re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", page)


def write_report(ctx: ReportContext, lang: str, path: Path, font_css: str | None = None,
                 font_chars: str = "") -> Path:
    """Render and write the report atomically (temp file + `os.replace`), so a reader never
    opens a half-written file; returns `path`."""
    from aidi.io import write_text

    return write_text(render_report(ctx, lang, font_css, font_chars), Path(path))
