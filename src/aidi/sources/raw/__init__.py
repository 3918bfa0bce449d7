"""Readers of the raw publisher files (one module per publisher) and their registry.

Each reader module exposes ``read(raw_dir) -> DataFrame`` returning tidy observations
(``iso3, year, series, value, unit, source, file``; see docs/architecture.md) and
``SERIES: dict[series_id, {name, unit, description}]``. A module may also expose
``TABLES: dict[name, callable(raw_dir) -> DataFrame]`` for non-country tables (e.g. the
AI-exposure-by-industry reader ``aioe``) and ``EXTRA_INPUTS`` (raw paths it reads that do not
appear in the ``file`` column), so that the snapshot manifest can hash them.

``REGISTRY`` is the ordered list the snapshot builder runs. ``optional`` readers are skipped
(and reported) when their raw folder is missing; a missing required source is an error.
Modules are imported lazily so that a reader another engineer has not written yet (``aioe``)
does not break the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from aidi.sources.raw._common import COLUMNS, RawDataMissing

__all__ = ["COLUMNS", "REGISTRY", "RawDataMissing", "Reader", "registered_readers"]

#: (module name, optional) in build order.
REGISTRY: tuple[tuple[str, bool], ...] = (
    ("wdi", False),
    ("wgi", False),
    ("epoch", False),
    ("top500", False),
    ("stanford_ai_index", False),
    ("owid", False),
    ("un_ama", False),
    ("itu_gci", False),
    ("spi", False),
    ("odin", False),
    ("microsoft_diffusion", False),
    ("oecd_policy", False),
    ("gapminder", False),
    ("datacenter_atlas", True),
    ("technology_adoption", True),
    ("aioe", True),
)


@dataclass(frozen=True)
class Reader:
    """One registered reader: how to get its observations, metadata and extra tables."""

    name: str
    read: Callable[[Path], pd.DataFrame] | None
    series: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    tables: Mapping[str, Callable[[Path], pd.DataFrame]] = field(default_factory=dict)
    extra_inputs: tuple[str, ...] = ()
    optional: bool = False


def _load(name: str, optional: bool) -> Reader | None:
    module_name = f"{__name__}.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if optional and exc.name == module_name:
            return None  # not written (yet): nothing to run
        raise
    return Reader(
        name=name,
        read=getattr(module, "read", None),
        series=getattr(module, "SERIES", {}),
        tables=getattr(module, "TABLES", {}),
        extra_inputs=tuple(getattr(module, "EXTRA_INPUTS", ())),
        optional=optional,
    )


def registered_readers() -> list[Reader]:
    """The readers of ``REGISTRY`` that are importable, in order."""
    readers = (_load(name, optional) for name, optional in REGISTRY)
    return [r for r in readers if r is not None]

