"""Writers of ``aidi trends``: claims.csv and the fit tables, the figures (PNG + SVG) and a
self-contained trends.html, in English or Chinese.

The analyses (:mod:`aidi.analysis.trends`) compute and return data; this module only draws and
writes, atomically (``aidi.io``). Charts share the build report's style and font handling
(:mod:`aidi.report.charts`): the same rc settings, palette and CJK fallback, so a machine
without a Chinese font gets English labels rather than empty boxes. Every word comes from
``trends_translations.json``.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from aidi.analysis.trends import TrendsResult  # noqa: E402
from aidi.analysis.trends.fits import CURVES  # noqa: E402
from aidi.io import write_csv, write_text  # noqa: E402
from aidi.progress import FIGURES, REPORT, Progress, report, track  # noqa: E402
from aidi.report.chart_base import PALETTE, _drawing, _save, _Text, year_ticks  # noqa: E402

__all__ = ["tr", "write_trends"]

_FILE = Path(__file__).with_name("trends_translations.json")
DOMAIN_COLOURS = {"language": "#0072b2", "vision": "#d55e00", "games": "#009e73",
                  "other": "#9a9a9a"}
ADOPTION_SHOWN = ("Electric power", "Radio", "Household refrigerator", "Colour TV",
                  "Microcomputer", "Internet", "Cellular phone")
VERDICT_COLOURS = {"holds": "#009e73", "consistent_weakly": "#56b4e9", "partly": "#e69f00",
                   "does_not_hold": "#d55e00", "not_testable": "#6a3d9a",
                   "not_located": "#9a9a9a"}


@cache
def _strings() -> dict[str, dict[str, str]]:
    return json.loads(_FILE.read_text(encoding="utf-8"))


def tr(key: str, lang: str, **fmt: object) -> str:
    """The text of ``key`` in ``lang`` (English if the language is missing)."""
    entry = _strings()[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text


class _Words:
    """Chart texts: Chinese only when a CJK font can draw them (as aidi.report.charts)."""

    def __init__(self, lang: str) -> None:
        self.style = _Text(lang)
        self.lang = self.style.lang

    def __call__(self, key: str, **fmt: object) -> str:
        return tr(key, self.lang, **fmt)


def _finish(fig: plt.Figure, ax: plt.Axes, words: _Words, title: str) -> None:
    ax.set_title(title, loc="left")
    year_ticks(fig)
    fig.text(0.01, 0.01, words("chart.source_note"), fontsize=7.5, color=PALETTE["note"],
             ha="left", va="bottom")


# --------------------------------------------------------------------------- figures

def compute_chart(res: TrendsResult, lang: str, stem: Path) -> list[Path]:
    """Figure 1.10a: compute of notable models by domain, the two-segment fit and its break."""
    w = _Words(lang)
    pts = res.models[res.models["compute_flop"] > 0]
    fits = res.compute_fits.set_index(["scope", "segment"])
    pre, post = fits.loc[("all_notable", "pre")], fits.loc[("all_notable", "post")]
    with _drawing(w.style):
        fig, ax = plt.subplots(figsize=(9.2, 5.6))
        for group, colour in DOMAIN_COLOURS.items():
            sub = pts[pts["domain_group"] == group]
            ax.scatter(sub["year"], sub["compute_flop"], s=12, alpha=0.55, color=colour,
                       edgecolor="none", label=w(f"domain.{group}"), zorder=2)
        tau = float(post["break_year"])
        xs = np.linspace(pts["year"].min(), pts["year"].max(), 400)
        ys = np.where(xs < tau, pre["intercept_log10"] + pre["slope_log10"] * xs,
                      post["intercept_log10"] + post["slope_log10"] * xs)
        ax.plot(xs, 10 ** ys, color="#222222", lw=2,
                label=w("chart.compute.fit", pre=pre["doubling_months"],
                        post=post["doubling_months"]), zorder=3)
        ax.axvspan(post["break_lo"], post["break_hi"], color="#1f4e79", alpha=0.08, zorder=1)
        ax.axvline(tau, color="#1f4e79", lw=1, ls="--",
                   label=w("chart.compute.break", year=tau, lo=post["break_lo"],
                           hi=post["break_hi"]))
        ax.set_yscale("log")
        ax.set_xlabel(w("chart.compute.xlabel"))
        ax.set_ylabel(w("chart.compute.ylabel"))
        ax.yaxis.grid(True, color=PALETTE["grid"], zorder=0)
        ax.legend(loc="upper left", fontsize=8.5)
        fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.14)
        _finish(fig, ax, w, w("chart.compute.title"))
        return _save(fig, stem)


def domain_chart(res: TrendsResult, lang: str, stem: Path) -> list[Path]:
    """Doubling times with intervals: overall before/after the break, frontier, by domain."""
    w = _Words(lang)
    f = res.compute_fits
    rows = [(w(f"scope.{s}.{g}"), r) for s, g in (("all_notable", "pre"), ("all_notable", "post"),
                                                 ("frontier", "post"))
            for _, r in f[(f["scope"] == s) & (f["segment"] == g)].iterrows()]
    for _, r in res.compute_domain_fits.iterrows():
        rows.append((w(f"domain.{r['scope'].removeprefix('domain_')}") + f" (n={r['n']})", r))
    with _drawing(w.style):
        fig, ax = plt.subplots(figsize=(9.2, 0.45 * len(rows) + 2.0))
        for i, (_label, r) in enumerate(rows):
            ax.errorbar(r["doubling_months"], i, xerr=[[r["doubling_months"] - r["doubling_lo"]],
                                                       [r["doubling_hi"] - r["doubling_months"]]],
                        fmt="o", color=PALETTE["index"], capsize=3)
            ax.text(r["doubling_hi"] + 0.4, i, f"{r['doubling_months']:.1f}", va="center",
                    fontsize=8.5, color="#333333")
        ax.axvline(6.0, color=PALETTE["accent"], ls="--", lw=1,
                   label=w("chart.domains.source_line"))
        ax.set_yticks(range(len(rows)), [lab for lab, _ in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xscale("log")
        ticks = [t for t in (3, 4, 6, 8, 12, 18, 24, 36, 48) if t <= ax.get_xlim()[1]]
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel(w("chart.domains.xlabel"))
        ax.xaxis.grid(True, color=PALETTE["grid"])
        ax.legend(loc="lower right")
        fig.subplots_adjust(left=0.3, right=0.96, top=0.88, bottom=0.2)
        _finish(fig, ax, w, w("chart.domains.title"))
        return _save(fig, stem)


def adoption_chart(res: TrendsResult, lang: str, stem: Path) -> list[Path]:
    """US household adoption of the source's GPTs and others, with logistic curves."""
    w = _Words(lang)
    fits = res.adoption_fits[res.adoption_fits["model"] == "logistic"].set_index("series")
    colours = plt.get_cmap("tab10").colors
    with _drawing(w.style):
        fig, ax = plt.subplots(figsize=(9.2, 5.6))
        for i, tech in enumerate(t for t in ADOPTION_SHOWN if t in fits.index):
            data = res.adoption[res.adoption["technology"] == tech]
            r = fits.loc[tech]
            theta = np.array([r["param_K"], r["param_rate"], r["param_t_mid"]])
            xs = np.linspace(data["year"].min() - 5, data["year"].max() + 5, 300)
            col = colours[i % 10]
            ax.scatter(data["year"], data["share_pct"], s=10, color=col, alpha=0.6)
            ax.plot(xs, CURVES["logistic"].f(xs, theta[None, :])[0], color=col, lw=1.6,
                    label=tech)
            ax.plot(r["second_inflection_year"], r["second_inflection_level"], marker="D",
                    color=col, markeredgecolor="black", ms=6, zorder=4)
        ax.plot([], [], "D", color="white", markeredgecolor="black",
                label=w("chart.adoption.second"))
        ax.axhline(70, color=PALETTE["reference"], ls=":", lw=1)
        ax.set_ylim(0, 105)
        ax.set_ylabel(w("chart.adoption.ylabel"))
        ax.yaxis.grid(True, color=PALETTE["grid"])
        ax.legend(loc="upper left", fontsize=8, ncols=2)
        fig.subplots_adjust(left=0.09, right=0.97, top=0.9, bottom=0.12)
        _finish(fig, ax, w, w("chart.adoption.title"))
        return _save(fig, stem)


def rule_chart(res: TrendsResult, lang: str, stem: Path) -> list[Path]:
    """Years to the second inflection against the level there, for every located logistic."""
    w = _Words(lang)
    f = res.adoption_fits
    ok = f[(f["model"] == "logistic") & f["located"].astype(bool)
           & f["years_to_second"].notna()]
    with _drawing(w.style):
        fig, ax = plt.subplots(figsize=(9.2, 6.0))
        ax.add_patch(plt.Rectangle((25, 60), 20, 20, color=PALETTE["accent"],
                                   alpha=0.12, label=w("chart.rule.box")))
        ax.errorbar(ok["years_to_second"], ok["second_inflection_level"],
                    xerr=[ok["years_to_second"] - ok["years_to_second_lo"],
                          ok["years_to_second_hi"] - ok["years_to_second"]],
                    fmt="o", ms=4, color=PALETTE["index"], ecolor="#b8c7d9", lw=1)
        inside = ((ok["years_to_second"] - 35).abs() <= 10) & (
            (ok["second_inflection_level"] - 70).abs() <= 10)
        for k, (_, r) in enumerate(ok.iterrows()):
            strong = r["series"] in ("Electric power", "Microcomputer", "Computer")
            crowded = r["second_inflection_level"] > 76  # the K = 100 % fits share one level
            if not (strong or (inside.iloc[k] and not crowded)):
                continue  # the source's GPTs and the technologies that fit the rule
            ax.annotate(r["series"], (r["years_to_second"], r["second_inflection_level"]),
                        xytext=(5, -12 if r["series"] == "Electric power" else 4),
                        textcoords="offset points",
                        fontsize=8.5 if strong else 7, color="#111111" if strong else "#555555")
        ax.plot(35, 70, marker="*", ms=14, color=PALETTE["accent"])
        ax.set_xscale("log")
        ticks = [3, 5, 10, 20, 35, 50, 100, 200]
        ax.set_xticks(ticks, [str(v) for v in ticks])
        ax.minorticks_off()
        ax.set_xlabel(w("chart.rule.xlabel"))
        ax.set_ylabel(w("chart.rule.ylabel"))
        ax.grid(True, color=PALETTE["grid"])
        ax.legend(loc="lower right")
        fig.subplots_adjust(left=0.09, right=0.97, top=0.92, bottom=0.12)
        _finish(fig, ax, w, w("chart.rule.title"))
        return _save(fig, stem)


def _trend_line(ax: plt.Axes, x: pd.Series, row: pd.Series, colour: str, label: str) -> None:
    xs = np.linspace(x.min(), x.max(), 100)
    ax.plot(xs, 10 ** (row["intercept_log10"] + row["slope_log10"] * xs), color=colour, lw=1.8,
            label=label)


def cost_chart(res: TrendsResult, lang: str, stem: Path) -> list[Path]:
    """Two panels: hardware FLOP/s per $ (FP32 and best precision); training $ per FLOP."""
    w = _Words(lang)
    c = res.cost_fits.set_index(["topic", "scope"])
    hw = res.hardware[res.hardware["price_usd"] > 0]
    m = res.models[(res.models["cost_usd_2023"] > 0) & (res.models["compute_flop"] > 0)]
    with _drawing(w.style):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 5.0))
        for col, scope, colour, key in (("fp32_flops", "fp32", PALETTE["index"],
                                         "chart.cost.fp32"),
                                        ("max_flops", "max_precision",
                                         PALETTE["accent"], "chart.cost.max")):
            sub = hw[hw[col] > 0]
            row = c.loc[("hardware_price_performance", scope)]
            a1.scatter(sub["year"], sub[col] / sub["price_usd"], s=12, color=colour, alpha=0.5)
            _trend_line(a1, sub["year"], row, colour, w(key, pct=row["annual_change_pct"]))
        a1.set_yscale("log")
        a1.set_ylabel(w("chart.cost.hw_ylabel"))
        a1.legend(loc="upper left", fontsize=8)
        row = c.loc[("training_cost_per_flop", "notable")]
        a2.scatter(m["year"], m["cost_usd_2023"] / m["compute_flop"], s=12,
                   color=PALETTE["accent2"], alpha=0.5)
        _trend_line(a2, m["year"], row, "#222222", w("chart.cost.train",
                                                      pct=row["annual_change_pct"]))
        a2.set_yscale("log")
        a2.set_ylabel(w("chart.cost.train_ylabel"))
        a2.legend(loc="upper right", fontsize=8)
        for ax in (a1, a2):
            ax.grid(True, color=PALETTE["grid"])
        fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.14, wspace=0.28)
        _finish(fig, a1, w, w("chart.cost.title"))
        return _save(fig, stem)


def investment_chart(res: TrendsResult, lang: str, stem: Path) -> list[Path]:
    """Figures 1.8b/1.12: private AI investment and newly funded companies by region."""
    w = _Words(lang)
    inv = res.investment
    colours = {"World": "#222222", "United States": PALETTE["index"],
               "China": PALETTE["accent"], "Europe": PALETTE["accent2"]}
    with _drawing(w.style):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 5.0))
        for ax, series in ((a1, "investment.private"), (a2, "companies.newly_funded")):
            for geo, colour in colours.items():
                sub = inv[(inv["series"] == series) & (inv["geo"] == geo)]
                ax.plot(sub["year"], sub["value"], marker="o", ms=3, color=colour,
                        label=w(f"geo.{geo}"))
            ax.axvline(2021, color=PALETTE["reference"], ls=":", lw=1)
            ax.grid(True, color=PALETTE["grid"])
        g = inv[(inv["series"] == "investment.genai") & (inv["geo"] == "World")]
        a1.bar(g["year"], g["value"], color="#cc79a7", alpha=0.6, width=0.6,
               label=w("chart.investment.genai"))
        a1.set_ylabel(w("chart.investment.inv_ylabel"))
        a2.set_ylabel(w("chart.investment.co_ylabel"))
        a1.legend(loc="upper left", fontsize=8)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.14, wspace=0.25)
        _finish(fig, a1, w, w("chart.investment.title"))
        return _save(fig, stem)


def capacity_chart(res: TrendsResult, lang: str, stem: Path, china_eflops: float) -> list[Path]:
    """Figure 1.10b: China's 414.1 EFLOPS beside the H100 arithmetic and Epoch's clusters."""
    w = _Words(lang)
    cap = res.h100_capacity
    bars: list[tuple[str, float, str]] = [(w("cap.china_idc"), china_eflops,
                                           PALETTE["accent"])]
    for holder in ("nvidia_2023", "meta_2024"):
        for basis in ("source", "epoch_dense16"):
            v = float(cap[(cap["holder"] == holder) & (cap["basis"] == basis)]["eflops"].iloc[0])
            bars.append((w(f"cap.{holder}.{basis}"), v, PALETTE["index"]))
    owners = res.clusters_by_owner
    countries = res.clusters_by_country
    for frame, holder in ((countries, "USA"), (countries, "CHN"), (owners, "Meta AI")):
        hit = frame[(frame["holder"] == holder) & (frame["subset"] == "all")]
        if len(hit):
            bars.append((w("cap.epoch", holder=holder), float(hit["eflops16"].iloc[0]),
                         PALETTE["accent2"]))
    with _drawing(w.style):
        fig, ax = plt.subplots(figsize=(9.2, 0.42 * len(bars) + 2.0))
        y = np.arange(len(bars))
        ax.barh(y, [b[1] for b in bars], color=[b[2] for b in bars], height=0.62)
        for i, (_, v, _) in enumerate(bars):
            ax.text(v + 8, i, f"{v:,.0f}", va="center", fontsize=8.5)
        ax.axvline(china_eflops, color=PALETTE["accent"], ls="--", lw=1)
        ax.set_yticks(y, [b[0] for b in bars])
        ax.set_ylim(len(bars) - 0.5, -0.6)
        ax.set_xlim(0, max(b[1] for b in bars) * 1.12)
        ax.set_xlabel(w("chart.capacity.xlabel"))
        ax.xaxis.grid(True, color=PALETTE["grid"])
        fig.subplots_adjust(left=0.36, right=0.97, top=0.88, bottom=0.16)
        _finish(fig, ax, w, w("chart.capacity.title"))
        return _save(fig, stem)


# --------------------------------------------------------------------------- html

def _fmt(v: object, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    if unit == "year":
        return f"{float(v):.1f}"
    if isinstance(v, float | np.floating):
        a = abs(float(v))
        if a >= 1e5:
            return f"{float(v):.3g}"
        return f"{float(v):,.1f}" if a >= 10 else f"{float(v):.3g}"
    return html.escape(str(v))


def claims_html(claims: pd.DataFrame, lang: str) -> str:
    """The claims table as HTML rows: the claim, exactly what is tested, the source's number,
    aidi's estimate (or the data's closest figure) with its interval, the band the interval
    must lie in, the verdict (coloured) and, for a claim the data cannot test, what would be
    needed."""
    cols = ("claim_id", "claim", "tested", "source_value", "estimate", "interval", "band",
            "unit", "verdict", "note")
    head = "".join(f"<th>{html.escape(tr('col.' + c, lang))}</th>" for c in cols)
    body = []
    for _, r in claims.iterrows():
        verdict, unit = str(r["verdict"]), r["unit"]
        note = html.escape(str(r["note"]))
        if verdict == "not_testable":
            note = (f"<b>{html.escape(tr('col.needed', lang))}:</b> "
                    f"{html.escape(str(r[f'needed_{lang}']))}<br>"
                    f"<b>{html.escape(tr('col.closest', lang))}:</b> {note}")
        cells = [html.escape(str(r["claim_id"])), html.escape(str(r[f"claim_{lang}"])),
                 f"<small>{html.escape(str(r[f'tested_{lang}']))}</small>",
                 _fmt(r["source_value"], unit), _fmt(r["estimate"], unit),
                 _interval(r["ci_low"], r["ci_high"], unit),
                 _interval(r["band_low"], r["band_high"], unit), html.escape(str(unit)),
                 f"<b style='color:{VERDICT_COLOURS.get(verdict, '#333')}'>"
                 f"{html.escape(tr('verdict.' + verdict, lang))}</b>", f"<small>{note}</small>"]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f"<p>{html.escape(tr('page.verdicts', lang))}</p><div class='scroll'><table>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _interval(lo: object, hi: object, unit: str) -> str:
    lo_f, hi_f = float(lo), float(hi)  # type: ignore[arg-type]
    if not np.isfinite(lo_f):
        return "—"
    return f"{_fmt(lo_f, unit)} – {_fmt(hi_f, unit)}" if np.isfinite(hi_f) else \
        f"&gt; {_fmt(lo_f, unit)}"


def _svg(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


def trends_html(res: TrendsResult, lang: str, figures: dict[str, Path]) -> str:
    """A self-contained page (inline SVG figures, no external files)."""
    parts = [f"<h1>{html.escape(tr('page.title', lang))}</h1>",
             f"<p>{html.escape(tr('page.intro', lang, seed=res.seed, n_boot=res.n_boot))}</p>",
             f"<h2>{html.escape(tr('section.claims', lang))}</h2>", claims_html(res.claims, lang)]
    sections = (("compute", ("compute", "domains")), ("adoption", ("adoption", "rule")),
                ("cost", ("cost",)), ("investment", ("investment",)),
                ("capacity", ("capacity",)))
    for key, figs in sections:
        parts.append(f"<h2>{html.escape(tr('section.' + key, lang))}</h2>")
        parts.append(f"<p>{html.escape(tr('text.' + key, lang))}</p>")
        parts.extend(f"<figure>{_svg(figures[f])}</figure>" for f in figs if f in figures)
    style = ("body{font-family:'DejaVu Sans','Noto Sans CJK SC',sans-serif;max-width:1100px;"
             "margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;"
             "font-size:13px}.scroll{overflow-x:auto}td:first-child{overflow-wrap:anywhere;"
             "min-width:7em}td,th{border-bottom:1px solid #ddd;padding:4px 6px;"
             "vertical-align:top;text-align:left}figure{margin:1em 0}"
             "figure svg{max-width:100%;height:auto}")
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'><title>"
            f"{html.escape(tr('page.title', lang))}</title><style>{style}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


# --------------------------------------------------------------------------- all

def write_trends(res: TrendsResult, out: Path, lang: str = "en",
                 progress: Progress | None = None) -> list[Path]:
    """claims.csv, one CSV per result table, the figures and trends.html into ``out``
    (``progress`` hears the figures drawn, then the report)."""
    from aidi.analysis.trends.claims import SOURCE_INPUTS

    out = Path(out)
    written = [write_csv(res.claims, out / "claims.csv", float_format="%.6g")]
    for name, table in res.tables().items():
        if name != "claims":
            written.append(write_csv(table, out / f"trends_{name}.csv", float_format="%.6g"))
    drawers = {
        "compute": lambda s: compute_chart(res, lang, s),
        "domains": lambda s: domain_chart(res, lang, s),
        "adoption": lambda s: adoption_chart(res, lang, s),
        "rule": lambda s: rule_chart(res, lang, s),
        "cost": lambda s: cost_chart(res, lang, s),
        "investment": lambda s: investment_chart(res, lang, s),
        "capacity": lambda s: capacity_chart(res, lang, s, SOURCE_INPUTS["china_eflops_2023"]),
    }
    figures: dict[str, Path] = {}
    for key, draw in track(drawers.items(), progress, FIGURES, len(drawers)):
        paths = draw(out / f"fig_trends_{key}")
        written.extend(paths)
        figures[key] = next(p for p in paths if p.suffix == ".svg")
    report(progress, REPORT)
    written.append(write_text(trends_html(res, lang, figures), out / "trends.html"))
    return written
