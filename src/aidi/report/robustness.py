"""How the robustness analyses are shown: their charts, one readable table each, findings.

The analyses (`aidi.analysis.uncertainty`, `.sensitivity`, `.audit`) return data; this module
turns it into what a reader sees — the rank-interval chart, the Sobol heatmap, the correlation
heatmap, a short table per analysis (rank intervals as integers; the few largest Sobol effects,
not all of them) and sentences — every word from `aidi.report.translations`, every economy and
node named in the report's language. Chart functions return a matplotlib `Figure` (drawn once;
`aidi.report.figures` saves it as PNG and SVG). Chinese labels need a CJK font
(`aidi.report.fonts`); without one the charts fall back to English and ISO3 codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from aidi.report.translations import has, t

__all__ = ["FACTORS", "audit_findings", "draw_correlations", "draw_rank_intervals",
           "draw_sobol", "factor_label", "failure_note", "group_starts", "sobol_top",
           "uncertainty_sentences", "uncertainty_table"]

_BLUE, _ORANGE, _NOTE = "#1f4e79", "#d55e00", "#6b6b6b"

#: The uncertain choices, in the order charts and tables show them (`factor.<name>` keys).
FACTORS = ("weights", "normalisation", "aggregation", "imputation", "exclusion")


def factor_label(name: str, lang: str = "en") -> str:
    """"the weights" / "权重" (the factor id itself if it has no translation)."""
    return t(f"factor.{name}", lang) if has(f"factor.{name}") else name


def _rank(v: float) -> str:
    """Ranks as whole numbers (a median of two ranks can be x.5: shown as such)."""
    if v is None or not np.isfinite(v):
        return "—"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _interval(lo: float, hi: float, digits: int | None = None) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "—"
    if digits is None:
        return f"{_rank(lo)}–{_rank(hi)}"
    return f"{lo:.{digits}f}–{hi:.{digits}f}"


# --- uncertainty ------------------------------------------------------------------------------

def failure_note(n_samples: int, n_failed: int, lang: str) -> str:
    """"1,000 samples; 12 failed (1%) and are excluded" in the chart's language."""
    note = t("unc.samples", lang, n=f"{n_samples:,}")
    if n_failed:
        note += t("unc.failed", lang, n=f"{n_failed:,}", share=f"{n_failed / n_samples:.0%}")
    return note


def draw_rank_intervals(summary: pd.DataFrame, lang: str, names: Mapping[str, str],
                        note: str = ""):
    """Each economy's 5th–95th percentile rank, median and nominal rank, ordered by the
    nominal rank: a long bar reads "this position depends on the builder's choices"."""
    import matplotlib.pyplot as plt

    from aidi.report.charts import _drawing, _Text  # matplotlib: only to draw

    text = _Text(lang)
    df = summary.sort_values(["nominal_rank", "iso3"]).reset_index(drop=True)
    n = len(df)
    y = np.arange(n)[::-1]
    label = [text.economy(i, names.get(i), names.get(i)) if text.lang == lang else i
             for i in df["iso3"]]
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(8.2, 0.3 * n + 1.9))
        ax.hlines(y, df["p05_rank"], df["p95_rank"], color=_BLUE, lw=5, alpha=0.35,
                  label=text("chart.unc.interval"))
        ax.plot(df["median_rank"], y, "o", color=_BLUE, ms=5, label=text("chart.unc.median"))
        ax.plot(df["nominal_rank"], y, "D", mfc="none", mec=_ORANGE, ms=6,
                label=text("chart.unc.nominal"))
        ax.set_yticks(y, label)
        top = max(float(np.nanmax(df["p95_rank"])) if n else 1.0, float(n))
        ax.set_xlim(0.5, top + 0.5)
        ax.set_xticks(range(1, int(top) + 1))
        ax.grid(axis="x", color="#e6e6e6", lw=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(text("chart.unc.xlabel"))
        ax.set_title(text("chart.unc.title"), loc="left", pad=26)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False,
                  fontsize=8.5, borderaxespad=0.2)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        if note:
            fig.text(0.01, 0.008, note, fontsize=7.5, color=_NOTE, ha="left", va="bottom")
        return fig


def uncertainty_table(summary: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """The one table of the uncertainty section: economy, spec rank, median rank, the 90% rank
    interval and the 90% index interval, ranks as integers."""
    return pd.DataFrame({
        "economy": [names.get(i, i) for i in summary["iso3"]],
        "nominal_rank": pd.array(summary["nominal_rank"].round(), dtype="Int64"),
        "median_rank": [_rank(v) for v in summary["median_rank"]],
        "rank_interval": [_interval(a, b) for a, b in zip(summary["p05_rank"],
                                                           summary["p95_rank"], strict=True)],
        "nominal_index": summary["nominal_index"].to_numpy(dtype=float),
        "index_interval": [_interval(a, b, 3) for a, b in zip(summary["p05_index"],
                                                               summary["p95_index"],
                                                               strict=True)],
        "n_failed": pd.array(summary["n_failed"], dtype="Int64"),
    })


def uncertainty_sentences(summary: pd.DataFrame, names: Mapping[str, str], lang: str,
                          k: int = 3) -> list[str]:
    """The `k` least certain ranks, one sentence each."""
    worst = summary.sort_values(["rank_interval_width", "nominal_rank"],
                                ascending=[False, True]).head(k)
    return [t("unc.least_certain", lang, economy=names.get(r.iso3, r.iso3),
              rank=_rank(r.nominal_rank), lo=_rank(r.p05_rank), hi=_rank(r.p95_rank))
            for r in worst.itertuples()]


# --- sensitivity ------------------------------------------------------------------------------

def _factor_order(columns: Sequence[str]) -> list[str]:
    return [c for c in FACTORS if c in columns] + [c for c in columns if c not in FACTORS]


def draw_sobol(sobol: pd.DataFrame, output: str, lang: str, order: Sequence[str],
               names: Mapping[str, str]):
    """Heatmap of total Sobol indices (economy × choice), first-order index in brackets."""
    import matplotlib.pyplot as plt

    from aidi.report.charts import _drawing, _Text  # matplotlib: only to draw

    text = _Text(lang)
    df = sobol[sobol["output"] == output]
    st = df.pivot(index="iso3", columns="factor", values="ST")
    s1 = df.pivot(index="iso3", columns="factor", values="S1")
    rows = [i for i in order if i in st.index]
    cols = _factor_order(list(st.columns))
    st, s1 = st.loc[rows, cols], s1.loc[rows, cols]
    values = st.to_numpy(dtype=float)
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(1.5 * len(cols) + 3.4, 0.3 * len(rows) + 2.0))
        im = ax.imshow(values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for (r, c), v in np.ndenumerate(values):
            if np.isfinite(v):
                w = s1.iat[r, c]
                txt = f"{v:.2f}" + (f" ({w:.2f})" if np.isfinite(w) else "")
                ax.text(c, r, txt, ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 else "#222222")
        ax.set_xticks(range(len(cols)), [factor_label(c, text.lang) for c in cols],
                      rotation=20, ha="right")
        ax.set_yticks(range(len(rows)), [text.economy(i, names.get(i), names.get(i))
                                         if text.lang == lang else i for i in rows])
        ax.tick_params(length=0)
        ax.set_title(text(f"chart.sobol.title_{'rank' if output == 'rank' else 'index'}"),
                     loc="left")
        bar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
        bar.set_label(text("chart.sobol.colorbar"))
        fig.tight_layout()
        return fig


def sobol_top(sobol: pd.DataFrame, output: str, names: Mapping[str, str], lang: str,
              k: int = 10) -> pd.DataFrame:
    """The `k` largest total effects on `output`: economy, choice, total and first-order
    index (the whole table is in the appendix, `sobol.csv` and `scores.xlsx`)."""
    df = sobol[(sobol["output"] == output) & np.isfinite(sobol["ST"])]
    top = df.sort_values(["ST", "iso3"], ascending=[False, True]).head(k)
    return pd.DataFrame({"economy": [names.get(i, i) for i in top["iso3"]],
                         "choice": [factor_label(f, lang) for f in top["factor"]],
                         "total_effect": top["ST"].to_numpy(dtype=float),
                         "first_order": top["S1"].to_numpy(dtype=float)})


def sobol_sentences(sobol: pd.DataFrame, output: str, names: Mapping[str, str], lang: str,
                    order: Sequence[str], k: int = 3) -> list[str]:
    """Which choice moves the economies most, overall and for the first `k` economies."""
    df = sobol[(sobol["output"] == output) & np.isfinite(sobol["ST"])]
    if df.empty:
        return []
    mean = df.groupby("factor")["ST"].mean().sort_values(ascending=False)
    out = [t("sobol.overall", lang, choice=factor_label(str(mean.index[0]), lang),
             value=f"{mean.iloc[0]:.2f}")]
    for iso3 in [u for u in order if u in set(df["iso3"])][:k]:
        row = df[df["iso3"] == iso3].sort_values("ST", ascending=False).iloc[0]
        if row.ST > 0:
            out.append(t("sobol.economy", lang, economy=names.get(iso3, iso3),
                         choice=factor_label(str(row.factor), lang), value=f"{row.ST:.2f}"))
    return out


# --- audit ------------------------------------------------------------------------------------

def group_starts(matrix: pd.DataFrame, pillars: Sequence[str]) -> list[int]:
    """Positions where a new pillar block starts in tree order (lines in the heatmap)."""
    return [list(matrix.index).index(p) for p in pillars if p in matrix.index]


def draw_correlations(matrix: pd.DataFrame, lang: str, groups: Sequence[int],
                      labels: Mapping[str, str]):
    """Pearson correlations of every node with every other (tree order), with lines between
    the pillars' blocks; nodes named in the report's language."""
    import matplotlib.pyplot as plt

    from aidi.report.charts import _drawing, _Text  # matplotlib: only to draw

    text = _Text(lang)
    m = matrix.to_numpy(dtype=float)
    k = len(matrix)
    names = [text.node(str(n), labels.get(str(n))) for n in matrix.index]
    with _drawing(text):
        size = max(5.5, 0.27 * k + 2.6)
        fig, ax = plt.subplots(figsize=(size + 1.2, size))
        im = ax.imshow(m, cmap="RdBu_r", vmin=-1, vmax=1)
        if k <= 20:  # past that the numbers are unreadable: see the CSV
            for (r, c), v in np.ndenumerate(m):
                if np.isfinite(v) and r != c:
                    ax.text(c, r, f"{v:.1f}".replace("0.", ".").replace("-.", "−."),
                            ha="center", va="center", fontsize=5.5,
                            color="white" if abs(v) > 0.7 else "#222222")
        for g in groups:
            ax.axhline(g - 0.5, color="#333333", lw=0.6)
            ax.axvline(g - 0.5, color="#333333", lw=0.6)
        ax.set_xticks(range(k), names, rotation=90, fontsize=6.5)
        ax.set_yticks(range(k), names, fontsize=6.5)
        ax.tick_params(length=0)
        ax.set_title(text("chart.audit.title"), loc="left")
        fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
        fig.tight_layout()
        return fig


def audit_findings(flags: pd.DataFrame, labels: Mapping[str, str], lang: str) -> list[str]:
    """One sentence per flag, grouped by kind, in the report's language (the flag table's
    `detail` column is the English CSV version)."""
    out = []
    for kind in ("negative_with_parent", "weak_with_parent", "dominates_parent",
                 "dominant_contribution", "collinear", "outliers", "low_alpha"):
        for r in flags[flags["flag"] == kind].itertuples():
            out.append(audit_finding(r, labels, lang))
    return out or [t("audit.none", lang)]


def audit_finding(r, labels: Mapping[str, str], lang: str) -> str:
    """The sentence of one flag (a row of `AuditResult.flags`, as a named tuple)."""
    def name(node: object) -> str:
        parts = [p.strip() for p in str(node).split("&")]
        sep = " 与 " if lang == "zh" else " & "
        return sep.join(labels.get(p, p) for p in parts)

    return t(f"audit.flag.{r.flag}", lang, node=name(r.node), parent=name(r.parent),
             value=f"{float(r.value):.2f}", threshold=f"{float(r.threshold):g}")


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def sensitivity_sentences(sobol: pd.DataFrame, uncertainty: pd.DataFrame | None = None,
                          lang: str = "en", output: str = "rank") -> dict[str, str]:
    """One sentence per economy: which choice moves its rank (or index) most.

    Uses the total index ST (the choice's effect including its interactions). With the
    uncertainty summary, the sentence also gives the economy's 90% rank interval.
    """
    from aidi.report.economies import economy_name

    df = sobol[sobol["output"] == output]
    unc = uncertainty.set_index("iso3") if uncertainty is not None else None
    out: dict[str, str] = {}
    for iso3, g in df.groupby("iso3", sort=False):
        name = economy_name(str(iso3), lang)
        span = ""
        if unc is not None and iso3 in unc.index:
            r = unc.loc[iso3]
            lo, hi = r["p05_rank"], r["p95_rank"]
            if np.isfinite(lo) and np.isfinite(hi):
                span = (f"(90% of variants: rank {lo:.0f}–{hi:.0f})" if lang == "en"
                        else f"(90%的变体:第{lo:.0f}至{hi:.0f}名)")
        what = ("rank", "排名") if output == "rank" else ("index value", "指数值")
        if (g["note"] == "constant").all():
            out[str(iso3)] = (f"{name} ({iso3}): its {what[0]} is the same under every choice."
                              if lang == "en" else f"{name}:{what[1]}在所有选择下都不变。")
            continue
        g = g.dropna(subset=["ST"])
        if g.empty:
            out[str(iso3)] = (f"{name} ({iso3}): too many failed evaluations to attribute its "
                              f"{what[0]}." if lang == "en"
                              else f"{name}:失败的计算过多,无法归因。")
            continue
        top = g.loc[g["ST"].idxmax()]
        second = g.drop(index=top.name)["ST"].max() if len(g) > 1 else np.nan
        label = factor_label(str(top.factor), lang)
        if lang == "zh":
            s = (f"{name}的{what[1]}受{label}影响最大(总Sobol指数 {top.ST:.2f} ± "
                 f"{top.ST_conf:.2f},一阶 {top.S1:.2f}){span}。")
        else:
            s = (f"{name} ({iso3}): its {what[0]} is moved most by {label} (total Sobol index "
                 f"{top.ST:.2f} ± {top.ST_conf:.2f}, first-order {top.S1:.2f}"
                 + (f"; next {second:.2f}" if np.isfinite(second) else "") + ")"
                 + (f" {span}" if span else "") + ".")
        out[str(iso3)] = s
    return out
