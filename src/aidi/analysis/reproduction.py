"""Our build beside the figures the source published, with the differences said plainly.

The published figures live in the spec (`published:`), as data with a note on where each comes
from; they are only ever compared with, never used to compute. Values the source implies but
does not print (e.g. a pillar recovered from Index = √(TA × MF)) are marked `implied` and kept
out of the headline mean absolute difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult

COLUMNS = ["iso3", "measure", "kind", "published", "ours", "difference", "abs_difference",
           "published_rank", "our_rank", "note"]


@dataclass(frozen=True)
class Reproduction:
    table: pd.DataFrame            # one row per published figure (COLUMNS)
    mean_abs_difference: float     # over printed figures only
    mean_abs_difference_all: float  # including implied figures (not the reference's 1s)


def compare(result: BuildResult) -> Reproduction:
    """Compare every `published` figure of the spec with the build's value for it."""
    rows = []
    for pub in result.spec.published:
        ours = np.nan
        our_rank = np.nan
        if pub.unit in result.scores.index and pub.node in result.scores.columns:
            ours = float(result.scores.loc[pub.unit, pub.node])
            our_rank = float(result.ranks.loc[pub.unit, pub.node])
        if pub.unit == result.spec.reference:
            kind = "reference"  # 1 by construction: shown, never counted as agreement
        elif pub.note.lower().startswith("implied"):
            kind = "implied"
        else:
            kind = "published"
        rows.append({"iso3": pub.unit, "measure": pub.node, "kind": kind,
                     "published": pub.value, "ours": ours, "difference": ours - pub.value,
                     "abs_difference": abs(ours - pub.value), "published_rank": pub.rank,
                     "our_rank": our_rank, "note": pub.note})
    table = pd.DataFrame(rows, columns=COLUMNS)
    printed = table[table.kind == "published"]
    return Reproduction(table, _mean(printed["abs_difference"]),
                        _mean(table.loc[table.kind != "reference", "abs_difference"]))


def _mean(s: pd.Series) -> float:
    s = s.dropna()
    return float(s.mean()) if len(s) else float("nan")


def qualitative_checks(result: BuildResult,
                       observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """The source's statements the spec carries (`statements:`), tested on `result`.

    The statements — tiers, comparative advantages, China's items in figure 1.15a — are data
    of the spec, so no code here names an economy or a node; see
    `aidi.analysis.statements.check_statements` for the columns.
    """
    from aidi.analysis.statements import check_statements

    return check_statements(result, observations)


# ---- reproduction honesty: how much of the fit is the reading, how much the choices ------------
@dataclass(frozen=True)
class MadSpread:
    """The mean absolute difference to the printed figures across the uncertainty analysis's
    variants (each a defensible reading: weights, normalisation, aggregation, imputation,
    one indicator left out), beside the nominal build's.

    The default reading was chosen among four partly by its fit to these same figures, so its
    MAD is in-sample; the spread says how far the fit depends on that choice."""

    nominal: float
    samples: np.ndarray          # MAD per valid sample
    n_failed: int
    seed: int

    @property
    def quantiles(self) -> tuple[float, float, float]:
        """5th, 50th and 95th percentiles of the MAD over the valid samples."""
        if not len(self.samples):
            return (float("nan"),) * 3
        q = np.quantile(self.samples, [0.05, 0.5, 0.95])
        return float(q[0]), float(q[1]), float(q[2])

    #: The report's sentence: `aidi.report.translations.t(SENTENCE_KEY, lang, **spread.fmt())`.
    SENTENCE_KEY = "repro.honesty"

    def fmt(self) -> dict[str, str]:
        """The values the report's sentence (`SENTENCE_KEY`, en + zh) is formatted with."""
        lo, med, hi = self.quantiles
        return {"nominal": f"{self.nominal:.3f}", "n": str(len(self.samples)),
                "lo": f"{lo:.3f}", "median": f"{med:.3f}", "hi": f"{hi:.3f}"}


def mad_spread(result: BuildResult, n_samples: int = 500, seed: int = 0,
               config=None) -> MadSpread:
    """MAD to the printed figures for `n_samples` variants of the uncertainty design.

    Uses `aidi.analysis.robustness.design.build_design` (the same precomputed variants and
    mapping as `aidi uncertainty`) and the design's own tree pass, keeping every node a
    published figure names (the pillars as well as the index), vectorised over samples.
    """
    from aidi.analysis.robustness.design import build_design
    from aidi.analysis.robustness.evaluate import tree_pass

    design = build_design(result, config)
    u = np.random.default_rng(seed).random((n_samples, design.n_vars))
    printed = [p for p in result.spec.published
               if p.unit != result.spec.reference and not p.note.lower().startswith("implied")]
    if not printed:
        raise ValueError("the spec has no printed (non-reference, non-implied) figures")
    all_ids = list(design.tree.all_ids)
    rows = np.array([design.units.index(p.unit) if p.unit in design.units else -1
                     for p in printed])
    cols = np.array([all_ids.index(p.node) for p in printed])
    target = np.array([p.value for p in printed])
    prep = design.level_index(u, "imputation") * len(design.winsorisation_levels) + \
        design.level_index(u, "winsorisation")
    x = design.matrices[prep, design.level_index(u, "normalisation")]
    weights = design.sample_weights(u)
    agg = design.level_index(u, "aggregation")
    ours = np.full((n_samples, len(printed)), np.nan)
    failed = np.zeros(n_samples, dtype=bool)
    for lvl in np.unique(agg):
        sel = agg == lvl
        values, fail = tree_pass(x[sel], design.tree, design.ref,
                                 {k: v[sel] for k, v in weights.items()},
                                 design.aggregation_methods[lvl], design.config.zeros)
        got = values[:, np.where(rows >= 0, rows, 0), cols]
        ours[sel] = np.where(rows >= 0, got, np.nan)
        failed[sel] = fail > 0
    mad = np.nanmean(np.abs(ours - target), axis=1)
    ok = ~failed & np.isfinite(mad)
    return MadSpread(compare(result).mean_abs_difference, mad[ok], int((~ok).sum()), seed)
