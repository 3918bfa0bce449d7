"""Read-only frames and a `BuildResult` that hands out copies: what makes `aidi.Build`
deep-frozen.

The arrays under a build's frames are made read-only once, when the build is made; the result
a build hands out (`CopyingResult`) gives a new copy-on-write copy of a frame on every read,
so a write into what a caller holds changes that copy only (pandas copies before writing into
a frame that shares its data) — or, without copy-on-write, raises on the read-only array.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd

from aidi.engine.pipeline import BuildResult


def freeze_frame(frame: Any) -> None:
    """Make the arrays under a DataFrame or Series read-only (in place; anything else is left
    alone)."""
    if not isinstance(frame, pd.DataFrame | pd.Series):
        return
    for block in getattr(frame._mgr, "blocks", ()):
        values = getattr(block, "values", None)
        if isinstance(values, np.ndarray):
            values.setflags(write=False)


def freeze_fields(obj: Any) -> Any:
    """`obj` (a dataclass) with the arrays under each of its frames read-only; for a
    `BuildResult` also the tree's weights."""
    for f in fields(obj):
        freeze_frame(getattr(obj, f.name))
    if isinstance(obj, BuildResult):
        for node in obj.tree.nodes:
            node.weights.setflags(write=False)
    return obj


def copied_fields(obj: Any) -> Any:
    """`obj` (a frozen dataclass) with every DataFrame/Series field a copy-on-write copy."""
    frames = {f.name: getattr(obj, f.name).copy(deep=False) for f in fields(obj)
              if isinstance(getattr(obj, f.name), pd.DataFrame | pd.Series)}
    return replace(obj, **frames)


class CopyingResult(BuildResult):
    """The `BuildResult` a `Build` hands out: every DataFrame/Series field read from it is a
    new copy-on-write copy, so a write into one never reaches the build (nor the next read);
    only the frame read is copied, so reading `result.tree` or `result.units` costs nothing."""

    @classmethod
    def of(cls, result: BuildResult) -> CopyingResult:
        view = object.__new__(cls)
        view.__dict__.update(result.__dict__)
        return view

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if isinstance(value, pd.DataFrame | pd.Series) and not name.startswith("__"):
            return value.copy(deep=False)
        return value


def read_once(result: BuildResult) -> BuildResult:
    """A plain `BuildResult` whose frames are read (copied) from `result` once — for code
    that reads a build's frames cell by cell, such as the report: a `CopyingResult` copies the
    whole frame on every read (block by block: 10,000 blocks for a frame of 10,000 text
    columns), which made a 10,000-indicator report quadratic."""
    if type(result) is BuildResult:
        return result
    return BuildResult(**{f.name: getattr(result, f.name) for f in fields(BuildResult)
                          if f.init})
