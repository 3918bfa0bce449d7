"""Why this index differs from its counterpart (the source's index read literally): shown
right after the summary when the spec has one and the split covers printed figures."""

from __future__ import annotations

from aidi.report.sections.view import ReportView

__all__ = ["lead_sections"]


def lead_sections(view: ReportView) -> tuple:
    why = view.bundle.why
    if why is None or why.printed.empty:
        return ()
    from aidi.report.why_differ import why_section
    from aidi.specs.loader import DEFAULT_SPEC

    return (why_section(why, view.lang, view.labels, DEFAULT_SPEC, view.names),)
