"""The source's statements about its results, as data a spec carries and a build can test.

A statement is a sentence of the source (both languages) and one test on a build. The tests
are a small closed vocabulary, so that no analysis code names an economy or a node: the spec
says which economy, which node and which threshold the sentence means.

- `ranks`: the `units` take exactly the ranks `positions` on `node` ("USA and China form the
  first tier": ranks {1, 2} of the index);
- `lean`: `unit`'s ln(`application` / `rd`), both relative to the reference, lies above
  (`side: application`) or below (`side: rd`) the median over the economies built;
- `above`: `unit`'s value at `node` exceeds every one of `others`;
- `among_lowest`: among `unit`'s values (relative to the reference) at the nodes `among`,
  the one at `node` is one of the `k` lowest;
- `relative`: `unit`'s value at `node` relative to the reference compared (`op`) with
  `value`, or with the ratio of `series` between `unit` and the reference;
- `vs_mean`: `unit`'s value of `series` compared (`op`) with its mean over the economies
  built (for model outputs, e.g. the AI-exposed share of output).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Op = Literal["lt", "le", "gt", "ge"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StatementText(_Frozen):
    """The sentence in English and Chinese."""

    en: str = Field(min_length=1)
    zh: str | None = None

    def get(self, lang: str = "en") -> str:
        return self.zh if (lang == "zh" and self.zh) else self.en


class StatementTest(_Frozen):
    """One test on a build; which fields it needs depends on `kind` (module docstring)."""

    kind: Literal["ranks", "lean", "above", "among_lowest", "relative", "vs_mean"]
    node: str | None = None
    unit: str | None = None
    units: tuple[str, ...] = ()
    positions: tuple[int, ...] = ()
    others: tuple[str, ...] = ()
    among: tuple[str, ...] = ()
    k: int = Field(2, ge=1)
    op: Op = "lt"
    value: float | None = None
    series: str | None = None
    side: Literal["application", "rd"] | None = None
    application: str | None = None
    rd: str | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> StatementTest:
        need = {"ranks": ("node", "units", "positions"),
                "lean": ("unit", "side", "application", "rd"),
                "above": ("node", "unit", "others"),
                "among_lowest": ("node", "unit", "among"),
                "relative": ("node", "unit"),
                "vs_mean": ("unit", "series")}[self.kind]
        missing = [f for f in need if not getattr(self, f)]
        if missing:
            raise ValueError(f"a '{self.kind}' test needs {missing}")
        if self.kind == "ranks" and len(self.units) != len(self.positions):
            raise ValueError("a 'ranks' test needs as many positions as units")
        if self.kind == "relative" and (self.value is None) == (self.series is None):
            raise ValueError("a 'relative' test compares with either `value` or `series`")
        if self.kind == "among_lowest" and self.node not in self.among:
            raise ValueError(f"`among` must include the node tested ({self.node!r})")
        return self

    def nodes(self) -> tuple[str, ...]:
        """Every node id the test reads (checked against the spec's tree)."""
        ids = [self.node, self.application, self.rd, *self.among]
        return tuple(i for i in ids if i)


class Statement(_Frozen):
    """A sentence of the source and how to test it."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    text: StatementText
    where: str = Field("", description="where the source says it (section, figure)")
    test: StatementTest
