"""The one-page summary: tiers, pillar leaders, the focus economy's gaps and strengths, the
statements that do not hold, the distance to the published figures, and the caveats a
reader must know (a backcast edition, flagged cells, economies screened out, audit flags,
failed Monte-Carlo samples) — each a sentence from the bundle's numbers."""

from __future__ import annotations

import pandas as pd

from aidi.report import robustness as rob
from aidi.report.sections.view import ReportView
from aidi.report.translations import t

__all__ = ["caveats", "sentences"]


def caveats(view: ReportView) -> list[str]:
    from aidi.report.data_flags import backcast_text, flag_counts_text

    b, lang = view.bundle, view.lang
    out = []
    if b.backcast:
        out.append(t("summary.backcast", lang, edition=b.edition or view.spec.edition,
                     text=backcast_text(b.backcast, lang)))
    out.append(t("summary.flag_counts", lang, **flag_counts_text(b.flags.counts, lang)))
    gone = b.result.screened_out
    if gone:
        out.append(t("summary.screened", lang, n=len(gone),
                     units="、".join(gone) if lang == "zh" else ", ".join(gone)))
    out.append(t("summary.flags", lang, n=len(b.audit.flags)))
    unc = b.uncertainty
    if unc is not None and unc.n_failed_samples:
        out.append(rob.failure_note(unc.n_samples, unc.n_failed_samples, lang))
    return out


def sentences(view: ReportView, profile: pd.DataFrame | None,
              statements: list[str]) -> list[str]:
    """The summary's sentences in the report's language (`profile`: the focus economy's items,
    `statements`: the source's statements in the report's language)."""
    from aidi.report.summary import summary_sentences

    b = view.bundle
    rep = b.reproduction
    return summary_sentences(
        lang=view.lang, scores=view.scores, names=view.names, labels=view.labels,
        pillars=view.pillars, reference=view.reference, focus=view.focus, profile=profile,
        checks=b.statements, statements=statements,
        mad=rep.mean_abs_difference if rep else None, caveats=caveats(view),
        relative=bool(view.spec.reference))
