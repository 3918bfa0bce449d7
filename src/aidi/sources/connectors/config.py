"""The declared live sources (`sources.yaml`): which publisher series become which aidi series.

Why a config file and not code: the mapping "publisher code → aidi series id, unit, range" is
the part people need to read, review and extend (add a WDI code, point at a new OWID chart)
without touching connector logic. A refresh may only store a series under an id whose meaning
is identical to the snapshot's (same definition and unit), otherwise `latest` would silently
mix definitions; a series the snapshot does not have gets a new id.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aidi.errors import InputError
from aidi.sources.validate import SeriesRule

ConnectorKind = Literal["worldbank", "imf_datamapper", "oecd_sdmx", "file_url"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeriesMap(_Frozen):
    """One publisher series and the aidi series it becomes."""

    code: str = Field(min_length=1, description="publisher's code: WB/IMF indicator, SDMX key, "
                                                "or a label for a file column")
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
    unit: str = Field(min_length=1)
    name: str = ""
    scale: float = 1.0
    low: float | None = None
    high: float | None = None
    # file_url only
    columns: tuple[str, ...] = Field((), description="candidate value columns (fnmatch patterns)")
    aggregate: Literal["none", "count", "sum"] = "none"
    filter: dict[str, str] = Field(default_factory=dict,
                                   description="keep rows whose column contains the text")

    def rule(self) -> SeriesRule | None:
        return SeriesRule(self.low, self.high) if (self.low, self.high) != (None, None) else None


class SourceConfig(_Frozen):
    """One live source: a connector, a publisher dataset and the series taken from it."""

    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    kind: ConnectorKind
    publisher: str
    dataset: str
    source: str = Field(description="value of the tidy `source` column (as in the snapshot)")
    url: str = Field(description="API base URL, or the file's URL for file_url")
    enabled: bool = True
    start_year: int = 2000
    end_year: int | None = None
    timeout: float = 60.0
    database: int | None = None          # worldbank: API source id (2 = WDI, 3 = WGI)
    flow: str = ""                       # oecd_sdmx: dataflow "AGENCY,ID,VERSION"
    projections: bool = False            # imf_datamapper: keep forecast years
    format: Literal["csv", "xlsx"] = "csv"  # file_url
    sheet: str | None = None
    country_column: tuple[str, ...] = ("Code",)
    year_column: str = "Year"
    date_column: str = ""
    split: str = ""
    zero_fill: bool = False
    series: tuple[SeriesMap, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _kind_fields(self) -> SourceConfig:
        if self.kind == "oecd_sdmx" and not self.flow:
            raise ValueError("an oecd_sdmx source needs `flow`")
        ids = [s.id for s in self.series]
        if len(set(ids)) != len(ids):
            raise ValueError("a series id is listed twice")
        return self

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or self.url

    def rules(self) -> dict[str, SeriesRule]:
        return {s.id: r for s in self.series if (r := s.rule()) is not None}


def default_config_path() -> Path:
    return Path(str(resources.files("aidi.sources.connectors").joinpath("sources.yaml")))


def load_sources(path: Path | None = None) -> list[SourceConfig]:
    """All sources of the config file (default: the shipped `sources.yaml`)."""
    path = Path(path) if path else default_config_path()
    from aidi.specs.loader import SpecError, read_yaml

    try:
        raw = read_yaml(path, what="sources file") or {}
    except SpecError as exc:
        raise InputError(str(exc)) from None
    items = raw.get("sources") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a mapping with a `sources:` list")
    out: list[SourceConfig] = []
    for i, item in enumerate(items):
        try:
            out.append(SourceConfig.model_validate(item))
        except ValidationError as exc:
            name = item.get("name", f"#{i + 1}") if isinstance(item, dict) else f"#{i + 1}"
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(f"{path}: source {name}: {where}: {first['msg']}") from None
    seen: dict[str, str] = {}
    for src in out:
        for s in src.series:
            if s.id in seen:
                raise InputError(f"{path}: series {s.id!r} is mapped by sources {seen[s.id]!r} "
                                 f"and {src.name!r}")
            seen[s.id] = src.name
    return out


def select_sources(sources: list[SourceConfig], names: list[str] | None) -> list[SourceConfig]:
    """The enabled sources, or exactly those named (even if disabled)."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(f"unknown source(s) {unknown}; known: {sorted(by_name)}")
    return [by_name[n] for n in names]
