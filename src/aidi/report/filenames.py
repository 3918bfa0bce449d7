"""Every file name aidi writes, in one place.

Commands, the report, the README's file list and the tests all read these constants, so a file
cannot be renamed in one place and looked for under its old name in another.
"""

from __future__ import annotations

# --- what `aidi build` writes beside its report ---------------------------------------------------
SCORES_CSV = "scores.csv"
SCORES_XLSX = "scores.xlsx"
INDICATORS_CSV = "indicators.csv"
CONTRIBUTIONS_CSV = "contributions.csv"
BUILD_LOG_CSV = "build_log.csv"
REPRODUCTION_CSV = "reproduction.csv"
REPRODUCTION_CHECKS_CSV = "reproduction_checks.csv"
EXPOSURE_CSV = "exposure.csv"
EXPOSURE_SUMMARY_CSV = "exposure_summary.csv"
EXPOSURE_VS_SOURCE_CSV = "exposure_vs_source.csv"
EXPOSURE_SENSITIVITY_CSV = "exposure_sensitivity.csv"
REPORT_HTML = "report.html"
CALIBRATION_WEIGHTS_CSV = "calibration_weights.csv"
CALIBRATION_FIT_CSV = "calibration_fit.csv"
CALIBRATION_PARAMETERS_CSV = "calibration_parameters.csv"

# --- the robustness analyses (each in its own subfolder when run as a command) --------------------
UNCERTAINTY_DIR = "uncertainty"
SENSITIVITY_DIR = "sensitivity"
AUDIT_DIR = "audit"
UNCERTAINTY_CSV = "uncertainty.csv"
UNCERTAINTY_FACTORS_CSV = "uncertainty_factors.csv"
UNCERTAINTY_FAILURES_CSV = "uncertainty_failures.csv"
UNCERTAINTY_SAMPLES_CSV = "uncertainty_samples.csv"
SOBOL_CSV = "sobol.csv"
AUDIT_CORRELATIONS_CSV = "audit_correlations.csv"
AUDIT_MATRIX_CSV = "audit_correlation_matrix.csv"
AUDIT_DIMENSIONS_CSV = "audit_dimensions.csv"
AUDIT_INDICATORS_CSV = "audit_indicators.csv"
AUDIT_FLAGS_CSV = "audit_flags.csv"

# --- figures: a stem, written as <stem>.png and <stem>.svg ---------------------------------------
FIGURE_FORMATS = (".png", ".svg")


def fig_index_bar(lang: str) -> str:
    return f"fig_index_bar_{lang}"


def fig_pillar_scatter(lang: str) -> str:
    return f"fig_pillar_scatter_{lang}"


def fig_focus_profile(focus: str, lang: str) -> str:
    return f"fig_focus_profile_{focus}_{lang}"


def fig_reproduction(lang: str) -> str:
    return f"fig_reproduction_{lang}"


def fig_exposure(lang: str) -> str:
    return f"fig_exposure_by_industry_{lang}"


def fig_uncertainty(lang: str) -> str:
    return f"fig_uncertainty_ranks_{lang}"


def fig_sobol(output: str, lang: str) -> str:
    return f"fig_sobol_{output}_{lang}"


def fig_audit(lang: str) -> str:
    return f"fig_audit_correlations_{lang}"


