"""The progress-callback protocol that long-running functions accept.

Why a plain callable: the analysis, API and report layers must not know how progress is shown
(a terminal bar, a notebook, a log, nothing). They call `progress(phase, done, total)` at
their natural steps: a phase starts when a new name is reported, and `done`/`total` (when
known) say how far it is — editions built, Monte-Carlo samples evaluated, figures drawn. The
command line turns these calls into a rich progress display (`aidi.commands.progress`) only
on a terminal; everywhere else the default is to report nothing.

A phase name is a short English phrase; the names shared across modules are the constants
below, so the CLI can translate them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")

LOADING = "loading data"
BUILDING = "building"
EDITION = "edition"  # one phase per edition: "edition 2016", …, "edition latest"
SAMPLES = "Monte-Carlo samples"
SOBOL = "Sobol evaluations"
FIGURES = "figures"
REPORT = "report"
WRITING = "writing outputs"
ATTRIBUTION = "attribution builds"


class Progress(Protocol):
    """`progress(phase)` starts or names a phase; `progress(phase, done, total)` advances it."""

    def __call__(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        ...


def silent(phase: str, done: int | None = None, total: int | None = None) -> None:
    """The default callback: reports nothing."""


def report(progress: Progress | None, phase: str, done: int | None = None,
           total: int | None = None) -> None:
    """Call `progress` if one was given (functions take `progress: Progress | None = None`)."""
    if progress is not None:
        progress(phase, done, total)


def track(items: Iterable[T], progress: Progress | None, phase: str,
          total: int | None = None, start: int = 0) -> Iterator[T]:
    """Yield `items`, reporting `phase` as start/total before the first and start+i/total
    after the i-th (`start`: items of the same phase counted by an earlier loop)."""
    if progress is None:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = start + len(items)  # type: ignore[arg-type]
    progress(phase, start, total)
    for i, item in enumerate(items, start=start + 1):
        yield item
        progress(phase, i, total)
