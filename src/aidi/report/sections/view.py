"""What every section reads: the analysis bundle and its wording in one language.

Why one view: the economy names, node labels, pillars, reference and focus are needed by
almost every section; worked out once here, each section is a short function of the view.
Nothing here computes an analysis — the numbers are the bundle's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aidi.report.translations import t

if TYPE_CHECKING:
    from aidi.analysis.bundle import Analyses

__all__ = ["Chart", "Parts", "ReportView", "node_name", "year_label"]


@dataclass(frozen=True)
class Chart:
    """One chart a section asks for: `draw(*args)` (a module-level function: it travels to a
    figure worker by pickling), saved as `stem`.svg (and .png when asked)."""

    name: str
    stem: str
    draw: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Parts:
    """A section's output: its `Section` (None: nothing to show) and the CSV frames it owns
    (file name → frame, written as they are)."""

    section: Any = None
    csv: Mapping[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportView:
    """The bundle and what the report says about it in `lang`: economy `names`, node
    `labels`, the `pillars` charted beside the index, the `scores` with each economy's tier,
    and the figures drawn (name → paths, filled in once the figures are done)."""

    bundle: Analyses
    lang: str
    names: Mapping[str, str]
    labels: Mapping[str, str]
    pillars: list[str]
    scores: pd.DataFrame
    figures: Mapping[str, list[Path]] = field(default_factory=dict)

    @classmethod
    def of(cls, bundle: Analyses, lang: str) -> ReportView:
        from aidi.report.summary import tiers
        from aidi.report.tables import pillar_ids
        from aidi.report.writers import economy_names, node_labels

        scores = bundle.scores.copy()
        scores["tier"] = tiers(scores.set_index("iso3")["index"]).reindex(
            scores["iso3"]).to_numpy()
        return cls(bundle, lang, economy_names(bundle.result.units, lang),
                   node_labels(bundle.spec, lang), pillar_ids(bundle.spec), scores)

    @property
    def spec(self):
        return self.bundle.spec

    @property
    def focus(self) -> str | None:
        return self.bundle.focus

    @property
    def reference(self) -> str:
        return self.bundle.reference

    @property
    def aidi_spec(self) -> bool:
        """The shipped AIDI specs have their own chart titles; any other spec gets generic ones."""
        return self.spec.id.startswith("aidi")

    def scale(self) -> str:
        """How the scores read: relative to the reference, or on the spec's own scale."""
        ref = self.names.get(self.reference, self.reference)
        return t("scale.reference", self.lang, reference=ref) if self.spec.reference \
            else t("scale.own", self.lang)

    def figs(self, name: str) -> list[Path]:
        return list(self.figures.get(name, ()))


def year_label(label: object, lang: str) -> object:
    """"2021–2023 mean" / "2019 (latest earlier)" (the engine's labels) in `lang`."""
    import re

    text = "" if label is None or (isinstance(label, float) and np.isnan(label)) else str(label)
    if m := re.fullmatch(r"(\d{4})–(\d{4}) mean", text):
        return t("years.mean", lang, start=m.group(1), end=m.group(2))
    if m := re.fullmatch(r"(\d{4}) \(latest earlier\)", text):
        return t("years.latest_earlier", lang, year=m.group(1))
    return label


def node_name(node: object, labels: Mapping[str, str]) -> str:
    """A node's label; "a & b" (a collinear pair) as both labels."""
    return " & ".join(labels.get(p.strip(), p.strip()) for p in str(node).split("&"))
