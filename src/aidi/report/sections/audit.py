"""The statistical audit as findings: the correlation heatmap, each dimension's internal
consistency, the flags in words, and the flag and indicator tables in appendices."""

from __future__ import annotations

import pandas as pd

from aidi.report import filenames as fn
from aidi.report import robustness as rob
from aidi.report.html import Section
from aidi.report.sections.view import Chart, Parts, ReportView, node_name
from aidi.report.translations import t

__all__ = ["charts", "parts"]


def charts(view: ReportView) -> list[Chart]:
    audit = view.bundle.audit
    if audit is None:
        return []
    return [Chart("audit", fn.fig_audit(view.lang), rob.draw_correlations, (
        audit.matrix, view.lang, rob.group_starts(audit.matrix, view.pillars), view.labels))]


def _tables(audit, labels, lang: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(dimensions, flags, indicators) with the spec's labels and the flags' names."""
    dims, flags, ind = audit.dimensions, audit.flags, audit.indicators
    dim_view = pd.DataFrame({"node": [labels.get(n, n) for n in dims["node"]],
                             "n_children": dims["n_children"],
                             "cronbach_alpha": dims["cronbach_alpha"],
                             "pca_first_share": dims["pca_first_share"],
                             "mean_child_correlation": dims["mean_child_correlation"]})
    flag_view = pd.DataFrame({"node": [node_name(n, labels) for n in flags["node"]],
                              "parent": [labels.get(n, n) for n in flags["parent"]],
                              "flag": [t(f"flag.{f}", lang) for f in flags["flag"]],
                              "value": flags["value"], "threshold": flags["threshold"]})
    ind_view = pd.DataFrame({"node": [labels.get(n, n) for n in ind["indicator"]],
                             "n": ind["n"], "n_missing": ind["n_missing"],
                             "n_imputed_or_carried": ind["n_imputed_or_carried"],
                             "skew": ind["skew"], "kurtosis": ind["kurtosis"],
                             "r_parent": ind["r_parent"]})
    return dim_view, flag_view, ind_view


def parts(view: ReportView) -> Parts:
    audit, lang = view.bundle.audit, view.lang
    if audit is None:
        return Parts()
    dim_view, flag_view, ind_view = _tables(audit, view.labels, lang)
    return Parts(Section(id="audit", title_key="section.audit",
                         sentences=[t("audit.intro", lang, n=len(audit.flags))],
                         bullets=rob.audit_findings(audit.flags, view.labels, lang),
                         figures=view.figs("audit"), table=dim_view,
                         appendix=[(t("appendix.audit_flags", lang), flag_view),
                                   (t("appendix.audit_indicators", lang), ind_view)]))
