"""Writing the analyses' results to files: CSV tables and their charts.

The analyses return data (`BuildResult`, `UncertaintyResult`, `SensitivityResult`,
`AuditResult`, `Calibration`); these functions decide file names (from
`aidi.report.filenames`) and write them atomically. Each returns name → path of what it
actually wrote, so "wrote N outputs" counts real files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from aidi.io import write_csv
from aidi.report import filenames as fn

__all__ = ["economy_names", "node_labels", "write_audit", "write_build_outputs",
           "write_calibration", "write_sensitivity", "write_uncertainty"]


def economy_names(units, lang: str) -> dict[str, str]:
    """iso3 → name in `lang` (the code itself for units aidi.countries does not know)."""
    from aidi.report.economies import economy_name

    return {str(u): economy_name(str(u), lang) for u in units}


def node_labels(spec, lang: str) -> dict[str, str]:
    """Node id → its name in `lang`, from the spec (so any spec's tree reads right)."""
    from aidi.specs.schema import iter_nodes

    return {n.id: (n.name.get(lang) or n.name.en) for n in iter_nodes(spec.root)}


def write_build_outputs(bundle, out: Path) -> dict[str, Path]:
    """The machine-readable outputs every build writes, as the analysis bundle holds them
    (`aidi.analysis.bundle.Analyses`): scores, indicators, contributions, the step log; the
    reproduction tables (with why-we-differ beside each printed figure) when the spec has
    published figures."""
    out, result = Path(out), bundle.result
    paths = {
        "scores": write_csv(bundle.scores, out / fn.SCORES_CSV),
        "indicators": write_csv(bundle.indicators, out / fn.INDICATORS_CSV),
        "contributions": write_csv(result.contributions, out / fn.CONTRIBUTIONS_CSV),
        "build_log": write_csv(result.log_frame(), out / fn.BUILD_LOG_CSV),
    }
    if bundle.reproduction is not None:
        from aidi.report.why_differ import reproduction_with_why

        paths["reproduction"] = write_csv(
            reproduction_with_why(bundle.reproduction.table, bundle.why),
            out / fn.REPRODUCTION_CSV)
    checks = bundle.statements
    if result.spec.published and checks is not None and len(checks):
        paths["reproduction_checks"] = write_csv(checks, out / fn.REPRODUCTION_CHECKS_CSV)
    return paths


def _figure(paths: dict[str, Path], fig, stem: Path) -> None:
    from aidi.report.figures import save_figure

    for p in save_figure(fig, stem):
        paths[p.name] = p


def write_uncertainty(res, out: Path, lang: str = "en",
                      save_samples: bool = False) -> dict[str, Path]:
    """`uncertainty.csv`, the factor levels, the failures (if any), every sample (if asked)
    and the rank-interval chart."""
    from aidi.analysis.uncertainty import factor_table
    from aidi.report.robustness import draw_rank_intervals, failure_note

    out = Path(out)
    summary = res.summary()
    paths = {"uncertainty": write_csv(summary, out / fn.UNCERTAINTY_CSV),
             "uncertainty_factors": write_csv(factor_table(res.design),
                                              out / fn.UNCERTAINTY_FACTORS_CSV)}
    fail = res.failures()
    if len(fail):
        paths["uncertainty_failures"] = write_csv(fail, out / fn.UNCERTAINTY_FAILURES_CSV)
    if save_samples:
        ch = res.choices()
        extra = {f"{kind}_{u}": getattr(res.outputs, kind)[:, j]
                 for j, u in enumerate(res.design.units) for kind in ("rank", "index")}
        ch = pd.concat([ch, pd.DataFrame(extra)], axis=1)
        paths["uncertainty_samples"] = write_csv(ch, out / fn.UNCERTAINTY_SAMPLES_CSV)
    names = economy_names(res.design.units, lang)
    fig = draw_rank_intervals(summary, lang, names,
                              failure_note(res.n_samples, res.n_failed_samples, lang))
    _figure(paths, fig, out / fn.fig_uncertainty(lang))
    return paths


def write_sensitivity(res, out: Path, lang: str = "en") -> dict[str, Path]:
    """`sobol.csv` and the Sobol heatmap of the headline output (rank, else index)."""
    import numpy as np

    from aidi.report.robustness import draw_sobol

    out = Path(out)
    paths = {"sobol": write_csv(res.frame, out / fn.SOBOL_CSV)}
    units = res.design.units
    order = [units[i] for i in np.argsort(res.design.nominal_rank, kind="stable")]
    fig = draw_sobol(res.frame, res.headline, lang, order, economy_names(units, lang))
    _figure(paths, fig, out / fn.fig_sobol(res.headline, lang))
    return paths


def write_audit(res, out: Path, result=None, lang: str = "en") -> dict[str, Path]:
    """The audit's tables (correlations, the full matrix, dimensions, indicators, flags) and,
    given the build, the correlation heatmap."""
    out = Path(out)
    mat = res.matrix.reset_index(names="node")
    paths = {
        "audit_correlations": write_csv(res.correlations, out / fn.AUDIT_CORRELATIONS_CSV),
        "audit_correlation_matrix": write_csv(mat, out / fn.AUDIT_MATRIX_CSV),
        "audit_dimensions": write_csv(res.dimensions, out / fn.AUDIT_DIMENSIONS_CSV),
        "audit_indicators": write_csv(res.indicators, out / fn.AUDIT_INDICATORS_CSV),
        "audit_flags": write_csv(res.flags, out / fn.AUDIT_FLAGS_CSV),
    }
    if result is not None:
        from aidi.report.robustness import draw_correlations, group_starts
        from aidi.report.tables import pillar_ids

        pillars = pillar_ids(result.spec)
        fig = draw_correlations(res.matrix, lang, group_starts(res.matrix, pillars),
                                node_labels(result.spec, lang))
        _figure(paths, fig, out / fn.fig_audit(lang))
    return paths


def write_calibration(cal, out: Path) -> dict[str, Path]:
    """A weights diagnostic (`Calibration`): the fitted weights and the fit before/after; a
    spec's procedure (`SpecCalibration`): its parameters and the fit, role and leave-one-out
    prediction of every printed value."""
    out = Path(out)
    if hasattr(cal, "weights"):
        return {"calibration_weights": write_csv(cal.weights, out / fn.CALIBRATION_WEIGHTS_CSV),
                "calibration_fit": write_csv(cal.fit, out / fn.CALIBRATION_FIT_CSV)}
    return {"calibration_parameters": write_csv(cal.parameters,
                                                out / fn.CALIBRATION_PARAMETERS_CSV),
            "calibration_fit": write_csv(cal.fit, out / fn.CALIBRATION_FIT_CSV)}


def count_files(paths: Mapping[str, Path]) -> int:
    """Distinct files that exist among `paths` (what "wrote N outputs" reports)."""
    return len({Path(p).resolve() for p in paths.values() if Path(p).is_file()})
