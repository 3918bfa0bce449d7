"""Tidy observations as a build reads them: the columns a user's frame must have, and the
model series set apart (`aidi.inputs.model_series` computes them)."""

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


def without_models(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations without model series (they are recomputed for each edition's window)."""
    model = observations["series"].astype(str).str.startswith("model.")
    return observations[~model].reset_index(drop=True) if model.any() else observations
