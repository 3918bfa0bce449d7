"""The convergence chart of a Sobol analysis: each choice's index against the base sample size.

`aidi.analysis.sensitivity.sobol_convergence` recomputes the indices on nested prefixes of one
Sobol design (N/8, N/4, N/2, N — no new model runs); this module draws what a reader needs to
judge whether N was large enough: per choice, the mean over economies of the total index (with
the mean bootstrap half-width as a band) and of the first-order index, on a log2 axis of N. The
lines should flatten and the bands narrow (roughly as 1/√N); a line still moving at N says
"run more samples". Every word comes from `aidi.report.translations`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aidi.report.charts import _drawing, _Text
from aidi.report.translations import has, t

__all__ = ["CONVERGENCE_CSV", "convergence_factor_label", "draw_convergence",
           "fig_convergence", "write_convergence"]

#: File names (kept beside the writer; `aidi.report.filenames` may adopt them).
CONVERGENCE_CSV = "sobol_convergence.csv"
CONVERGENCE_SUMMARY_CSV = "sobol_convergence_summary.csv"


def fig_convergence(output: str, lang: str) -> str:
    """The figure stem (written as .png and .svg)."""
    return f"fig_sobol_convergence_{output}_{lang}"


def convergence_factor_label(name: str, lang: str = "en") -> str:
    """A factor's label; one level's weights (`weights.level2`) read "the weights at level 2"."""
    if name.startswith("weights.level") and name.removeprefix("weights.level").isdigit():
        return t("factor.weights_level", lang, level=name.removeprefix("weights.level"))
    return t(f"factor.{name}", lang) if has(f"factor.{name}") else name


def _factor_key(name: str) -> tuple[int, str]:
    """Weights first (level by level), then the discrete choices in the variant model's order."""
    from aidi.analysis.robustness.config import FACTOR_ORDER

    base = name.split(".")[0]
    return (FACTOR_ORDER.index(base) if base in FACTOR_ORDER else len(FACTOR_ORDER), name)


def draw_convergence(summary: pd.DataFrame, output: str = "rank", lang: str = "en"):
    """Lines of the mean total (solid, with band) and first-order (dashed) index per choice
    against N, from `convergence_summary`; returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    text = _Text(lang)
    df = summary[summary["output"] == output].sort_values("n_base")
    if df.empty:
        raise ValueError(f"the convergence summary has no output {output!r}")
    factors = sorted(dict.fromkeys(df["factor"]), key=_factor_key)
    sizes = np.sort(df["n_base"].unique())
    colours = plt.get_cmap("tab10")
    with _drawing(text):
        fig, ax = plt.subplots(figsize=(7.6, 4.6))
        for i, f in enumerate(factors):
            g = df[df["factor"] == f].set_index("n_base").reindex(sizes)
            c = colours(i % 10)
            st, half = g["ST"].to_numpy(float), g["ST_conf"].to_numpy(float)
            ax.plot(sizes, st, "-o", color=c, lw=1.8, ms=4,
                    label=convergence_factor_label(f, text.lang))
            ax.fill_between(sizes, st - half, st + half, color=c, alpha=0.12, lw=0)
            ax.plot(sizes, g["S1"].to_numpy(float), "--", color=c, lw=1.0)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [f"{int(n):,}" for n in sizes])
        ax.minorticks_off()
        ax.axhline(0, color="#999999", lw=0.6)
        what = text(f"chart.convergence.output_{'rank' if output == 'rank' else 'index'}")
        ax.set_xlabel(text("chart.convergence.xlabel"))
        ax.set_ylabel(text("chart.convergence.ylabel", output=what))
        ax.set_title(text("chart.convergence.title"), loc="left", fontsize=11)
        handles, labels = ax.get_legend_handles_labels()
        solid = plt.Line2D([], [], color="#444444", lw=1.8)
        dashed = plt.Line2D([], [], color="#444444", lw=1.0, ls="--")
        ax.legend(handles + [solid, dashed], labels + [text("chart.convergence.total"),
                                                       text("chart.convergence.first")],
                  fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        return fig


def write_convergence(conv: pd.DataFrame, out: Path, lang: str = "en",
                      output: str | None = None) -> dict[str, Path]:
    """`sobol_convergence.csv` (every economy, factor and N), its summary over economies and
    the chart of `output` (rank if analysed, else index), as PNG and SVG, written atomically."""
    from aidi.analysis.sensitivity import convergence_summary
    from aidi.io import write_csv
    from aidi.report.figures import save_figure

    out = Path(out)
    summary = convergence_summary(conv)
    output = output or ("rank" if (conv["output"] == "rank").any() else "index")
    paths = {"sobol_convergence": write_csv(conv, out / CONVERGENCE_CSV),
             "sobol_convergence_summary": write_csv(summary, out / CONVERGENCE_SUMMARY_CSV)}
    fig = draw_convergence(summary, output, lang)
    for p in save_figure(fig, out / fig_convergence(output, lang), tight=True):
        paths[p.name] = p
    return paths
