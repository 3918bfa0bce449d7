"""Tidy observations as a build reads them: the columns a user's frame must have, and the
series aidi's own models (the AI-exposure model) add to any data before a build."""

from __future__ import annotations

import pandas as pd

from aidi.errors import InputError

#: The columns every tidy observations frame has (unit, source and file are filled if absent).
TIDY_COLUMNS = ("iso3", "year", "series", "value")


def tidy(data: pd.DataFrame) -> pd.DataFrame:
    """A copy of a user's observations with the optional columns filled, or an error naming
    the missing ones."""
    missing = [c for c in TIDY_COLUMNS if c not in data.columns]
    if missing:
        raise InputError(f"data lacks the column(s) {missing}; tidy observations have "
                         f"{list(TIDY_COLUMNS)} plus unit, source, file")
    out = data.copy()
    for col, default in (("unit", ""), ("source", "user data"), ("file", "")):
        if col not in out.columns:
            out[col] = default
    return out


def with_model_series(observations: pd.DataFrame) -> pd.DataFrame:
    """Add the series computed by aidi's own models (the AI-exposure model) to the data.

    Model outputs are series like any other (`model.exposure.scale`, ...), with a source that
    names the model, so specs read them the same way and lineage can trace them.
    """
    from aidi.analysis.exposure_inputs import exposure_observations

    if observations["series"].str.startswith("model.").any():
        return observations
    extra = exposure_observations(observations)
    if extra is None or extra.empty:
        return observations
    return pd.concat([observations, extra], ignore_index=True)
