"""The exposure model's numbers against the source's statements (METHODOLOGY.md §4, figure
1.15b): each printed approximation or comparison, our value, and whether it holds.

The model itself is an input of the index (`aidi.inputs.exposure_model`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aidi.inputs.exposure_model import ExposureResult, exposure_summary

__all__ = ["PUBLISHED", "compare_with_source"]


def compare_with_source(result: ExposureResult, *, tolerance: float = 0.05) -> pd.DataFrame:
    """Our numbers against each figure-1.15b statement of the source: the chapter's own
    statements live in `aidi.analysis.exposure_source`."""
    from aidi.analysis.exposure_source import compare_with_source as compare

    return compare(result, tolerance=tolerance)
