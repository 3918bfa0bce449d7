"""`load_inputs`: the one path from what `aidi.build` is given (a spec, an edition, a vintage,
countries, a user's data) to the `Inputs` a build runs on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from aidi.errors import InputError
from aidi.inputs.editions import edition_inputs
from aidi.inputs.model_series import with_model_series
from aidi.inputs.observations import tidy
from aidi.sources.coinr import CoinInputs, read_coin
from aidi.specs.loader import DEFAULT_SPEC, is_coin_steps, resolve_spec_path
from aidi.specs.loader import load_spec as load_spec_file
from aidi.specs.schema import IndexSpec


@dataclass(frozen=True)
class Inputs:
    """What a build was made from: the spec, the tidy observations, the unit attributes
    (groups, for COINr builds), the units asked for, and where the data came from."""

    spec: IndexSpec
    observations: pd.DataFrame
    unit_info: pd.DataFrame | None = None
    units: tuple[str, ...] | str | None = None
    edition: str | None = None
    origin: str = "snapshot"
    #: "backcast on the <date> snapshot" when the edition is computed from a later state of
    #: the data than the one it was published on (`backcast`)
    backcast: str | None = None


def spec_from_source(source: str | Path | None = None) -> IndexSpec:
    """A shipped spec by name (`aidi-2024`, `asem`) or a YAML file by path; a COINr steps file
    (`kind: coinr-steps`) gets its tree from the iMeta table it names."""
    source = DEFAULT_SPEC if source is None else source
    if is_coin_steps(source):
        return read_coin(None, None, resolve_spec_path(source)).spec
    return load_spec_file(source)


def as_spec(spec: str | Path | IndexSpec | Mapping[str, Any] | None) -> IndexSpec:
    """A spec object from a name, a path, a dict of spec data (validated as a YAML file would
    be) or a spec object (None = the default spec)."""
    if isinstance(spec, IndexSpec):
        return spec
    if isinstance(spec, Mapping):
        from aidi.specs.loader import spec_from_dict

        return spec_from_dict(dict(spec), origin="<spec given as a dict>")
    return spec_from_source(spec)


def as_units(countries: Sequence[str] | str | None) -> tuple[str, ...] | str | None:
    """Countries as `Inputs.units` keeps them: a group name or list text as given, a list as a
    tuple."""
    if countries is None or isinstance(countries, str):
        return countries
    return tuple(countries)


def load_inputs(spec: str | Path | IndexSpec | Mapping[str, Any] | None = None, *,
                edition: str | None = None,
                countries: Sequence[str] | str | None = None,
                data: pd.DataFrame | CoinInputs | None = None,
                vintage: str | None = None) -> Inputs:
    """The inputs `aidi.build` and every command use (see `aidi.build`, which checks the
    arguments' kinds): a COINr build, a steps file, the edition's spec and data on a vintage,
    or a user's tidy data with the model series."""
    if isinstance(spec, Mapping):
        spec = as_spec(spec)
    units = as_units(countries)
    if isinstance(data, CoinInputs):
        spec_obj = data.spec if spec is None else _coin_spec(spec)
        return Inputs(spec_obj, data.observations, data.unit_info, units, edition, "coin")
    if spec is not None and not isinstance(spec, IndexSpec) and is_coin_steps(spec):
        coin = read_coin(None, None, resolve_spec_path(spec))
        obs = coin.observations if data is None else tidy(data)
        return Inputs(coin.spec, obs, coin.unit_info, units, edition,
                      f"coin:{resolve_spec_path(spec).name}")
    spec_obj = spec if isinstance(spec, IndexSpec) else spec_from_source(spec or DEFAULT_SPEC)
    if data is None:  # the edition's spec and data
        ei = edition_inputs(spec_obj, edition, vintage, countries=countries)
        return Inputs(ei.spec, ei.observations, None, units, edition, ei.origin, ei.backcast)
    return Inputs(spec_obj, with_model_series(tidy(data)), None, units, edition, "user data")


def _coin_spec(spec: str | Path | IndexSpec) -> IndexSpec:
    """The spec for COINr data: an explicit spec object or file, or the tables' own tree (a
    steps file goes to `aidi.read_coin(idata, imeta, steps)` instead)."""
    if isinstance(spec, IndexSpec):
        return spec
    if is_coin_steps(spec):
        raise InputError(f"{spec}: a COINr steps file is read with the tables — use "
                         "aidi.read_coin(idata, imeta, steps) and pass that as `data`")
    return spec_from_source(spec)
