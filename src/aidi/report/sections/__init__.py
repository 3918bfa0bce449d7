"""The report's sections, one module each: a function of the analysis bundle (through the
`ReportView` of `aidi.report.sections.view`) to the section's HTML parts, its charts and its
CSV frames. None computes: every number comes from `aidi.analysis.bundle.Analyses`.

The order of the body — exposure, the source's statements, the intensity variant,
uncertainty, sensitivity, audit — is `BODY` in `aidi.report.build_report`.
"""
