"""All three robustness sections in one call, for the report.

`robustness_sections` runs the uncertainty analysis, the Sobol sensitivity analysis and the
statistical audit on one nominal build and returns their `ReportSection`s (tables, figure paths,
sentences, caveats) in the order the report shows them. The sensitivity sentences quote the
uncertainty analysis's 90% rank intervals, so the two share a configuration and a seed.
"""

from __future__ import annotations

from pathlib import Path

from aidi.analysis.audit import audit, audit_section
from aidi.analysis.robustness_report import ReportSection
from aidi.analysis.sensitivity import run_sensitivity, sensitivity_section
from aidi.analysis.uncertainty import run_uncertainty, uncertainty_section
from aidi.analysis.variants import UncertaintyConfig, build_design
from aidi.engine.pipeline import BuildResult

__all__ = ["robustness_sections"]


def robustness_sections(result: BuildResult, outdir: Path, lang: str = "en",
                        n_samples: int = 1000, n_base: int = 512, seed: int = 0,
                        config: UncertaintyConfig | None = None,
                        backend: str = "numpy") -> list[ReportSection]:
    """Uncertainty, sensitivity and audit sections of the report (figures written to `outdir`).

    Defaults keep a report build under a second or two: 1,000 Monte-Carlo samples and 512
    Sobol base samples (512 · (factors + 2) evaluations).
    """
    design = build_design(result, config)
    sections: list[ReportSection] = []
    unc = run_uncertainty(result, n_samples, seed, backend=backend, design=design)
    sections.append(uncertainty_section(unc, outdir, lang))
    if design.factors:
        sens = run_sensitivity(result, n_base, seed, backend=backend, design=design)
        sections.append(sensitivity_section(sens, outdir, lang, uncertainty=unc.summary()))
    sections.append(audit_section(audit(result), result, outdir, lang))
    return sections
