"""A spec's calibrated parameters: open choices fixed by a named procedure, kept as data.

Some specs (the source's index as published, `cicc-2024`) leave choices open that the source
does not state — how far above the reference an indicator may count, how steeply the variance
of exposed output turns into a diffusion score. Such a choice is a `CalibrationParameter`: its
value, the bounds it was searched in, and the settings it sets (`targets`). The values live in
the spec's `calibration:` block, are applied by `IndexSpec.effective_normalise` (the settings
cascade), and are re-fitted by `aidi.analysis.calibration.calibrate_spec`, which reports the
in-sample and out-of-sample errors and checks that the shipped values are the fitted ones.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The settings a parameter may set, as `step.field`.
TARGET_FIELDS = ("normalise.ceiling", "normalise.power")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CalibrationTarget(_Frozen):
    """A setting the parameter sets: `field` of the indicators listed (`all` = every one)."""

    field: Literal["normalise.ceiling", "normalise.power"]
    indicators: tuple[str, ...] | Literal["all"] = "all"

    def applies_to(self, indicator_id: str) -> bool:
        return self.indicators == "all" or indicator_id in self.indicators


class CalibrationParameter(_Frozen):
    """One open choice fixed by calibration."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    description: str = ""
    value: float = Field(allow_inf_nan=False)
    bounds: tuple[float, float]
    targets: tuple[CalibrationTarget, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _in_bounds(self) -> CalibrationParameter:
        lo, hi = self.bounds
        if not lo < hi:
            raise ValueError(f"bounds must be (low, high) with low < high, got {self.bounds}")
        if not lo <= self.value <= hi:
            raise ValueError(f"value {self.value} is outside its bounds {self.bounds}")
        return self


class Calibration(_Frozen):
    """The procedure and its parameters. `fit` and `test` name the published measures (node
    ids) whose printed values the procedure fits and those it only predicts."""

    procedure: str = Field(min_length=1)
    description: str = ""
    fit: tuple[str, ...] = Field(min_length=1)
    test: tuple[str, ...] = ()
    parameters: tuple[CalibrationParameter, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_setter_per_field(self) -> Calibration:
        seen: dict[tuple[str, str], str] = {}
        for p in self.parameters:
            for t in p.targets:
                for ind in (("*",) if t.indicators == "all" else t.indicators):
                    key = (t.field, ind)
                    if key in seen and seen[key] != p.id:
                        raise ValueError(f"{t.field} of {ind!r} is set by both {seen[key]!r} "
                                         f"and {p.id!r}")
                    seen[key] = p.id
        if len({p.id for p in self.parameters}) != len(self.parameters):
            raise ValueError("calibration parameter ids must be unique")
        return self

    def values(self) -> dict[str, float]:
        return {p.id: p.value for p in self.parameters}

    def with_values(self, values: dict[str, float]) -> Calibration:
        """The same block with some parameters' values replaced (bounds are not checked: the
        search may probe the edges)."""
        params = tuple(p.model_copy(update={"value": float(values[p.id])}) if p.id in values
                       else p for p in self.parameters)
        return self.model_copy(update={"parameters": params})

    def settings_for(self, indicator_id: str) -> dict[str, float]:
        """Normalisation fields this block sets for one indicator. A target naming the
        indicator wins over an `all` target of the same field."""
        out: dict[str, tuple[bool, float]] = {}
        for p in self.parameters:
            for t in p.targets:
                if t.applies_to(indicator_id):
                    name = t.field.split(".", 1)[1]
                    specific = t.indicators != "all"
                    if name not in out or specific:
                        out[name] = (specific, p.value)
        return {k: v for k, (_, v) in out.items()}
