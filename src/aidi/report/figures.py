"""Drawing and saving figures: each drawn once, saved in the formats asked for, on every core.

A chart function returns a matplotlib `Figure`; `save_figure` writes each format (PNG and SVG
by default) from that one figure, and `FigurePool` runs chart jobs in worker processes (forked,
so they start in milliseconds with everything already imported) while the caller goes on
computing. Saving is most of a build's time — a figure is rendered once per format — and it is
independent per figure, so two cores halve it; `aidi build` saves only the SVG its report
embeds (PNG with `--png`).

The pool starts no process until a job or task needs one, and its workers die with the
process that started them (`die_with_parent`): a killed `aidi build` leaves nothing running.

Each job also returns the texts its figure shows (titles, labels, tick labels, legend entries,
annotations), collected before saving, so tests can check that a Chinese chart has no English.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidi.workers import die_with_parent, forked_pool, worker_count

__all__ = ["FigureJob", "FigureOutput", "FigurePool", "die_with_parent", "figure_texts", "run_job",
           "save_figure", "worker_count"]

DPI = 150


@dataclass(frozen=True)
class FigureJob:
    """One chart: `draw(*args, **kwargs)` returns a Figure, saved to `stem`.png/.svg.

    `draw` must be a module-level function (jobs travel to worker processes by pickling).
    `tight` crops to the drawn content (for charts whose notes sit outside the axes).
    """

    name: str
    stem: Path
    draw: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    tight: bool = False
    formats: tuple[str, ...] = (".png", ".svg")


@dataclass(frozen=True)
class FigureOutput:
    name: str
    paths: tuple[Path, ...]
    texts: tuple[str, ...]


def figure_texts(fig: Any) -> list[str]:
    """Every non-empty text a figure shows (titles, axis labels, ticks, legends, notes)."""
    from matplotlib.text import Text

    out = []
    for artist in fig.findobj(Text):
        if artist.get_visible() and artist.get_text().strip():
            out.append(artist.get_text())
    return out


FORMATS = {".png": {"dpi": DPI, "metadata": {"Software": None}},
           ".svg": {"metadata": {"Date": None, "Creator": None}}}


def save_figure(fig: Any, stem: Path, *, tight: bool = False, dpi: int = DPI,
                formats: tuple[str, ...] = (".png", ".svg")) -> list[Path]:
    """Write `stem`.png and/or `stem`.svg (`formats`) from one figure (no timestamps: reruns
    are identical), atomically, and close it."""
    import logging

    import matplotlib.pyplot as plt

    from aidi.io import atomic_write

    # one-weight CJK fonts: matplotlib logs "failed to find font weight bold" per bold label
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    extra = {"bbox_inches": "tight"} if tight else {}
    paths = []
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"figure formats {unknown}: choose from {list(FORMATS)}")
    for ext in formats:
        kw = {**FORMATS[ext], **({"dpi": dpi} if ext == ".png" else {})}

        def write(tmp: str, ext: str = ext, kw: dict = kw) -> None:
            with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "aidi"}):
                fig.savefig(tmp, format=ext[1:], **kw, **extra)

        paths.append(atomic_write(stem.with_name(stem.name + ext), write))
    log.setLevel(level)
    plt.close(fig)
    return paths


def run_job(job: FigureJob) -> FigureOutput:
    """Draw, collect the texts, save (what a worker process runs)."""
    fig = job.draw(*job.args, **dict(job.kwargs))
    texts = tuple(figure_texts(fig))
    return FigureOutput(job.name, tuple(save_figure(fig, job.stem, tight=job.tight,
                                                    formats=job.formats)), texts)


class _Inline(Executor):
    """Runs each job at once in this process (one core, or no `fork`)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed back through the future
            fut.set_exception(exc)
        return fut


class FigurePool:
    """Submit chart jobs, keep computing, collect the outputs.

    >>> with FigurePool() as pool:           # doctest: +SKIP
    ...     pool.submit(job)
    ...     outputs = pool.results()
    """

    def __init__(self, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.workers = worker_count() if workers is None else max(1, workers)
        self.parallel = False
        self.progress = progress
        self._futures: list[Future] = []
        self._executor: Executor | None = None

    def __enter__(self) -> FigurePool:
        self.parallel = self.workers > 1 and "fork" in multiprocessing.get_all_start_methods()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self) -> Executor:
        """The executor, started on first use: no process when nothing needs one."""
        if self._executor is None:
            if self.parallel:
                # find the CJK font before forking, so workers inherit it instead of searching
                from aidi.report.fonts import find_cjk_font

                find_cjk_font()
                self._executor = forked_pool(self.workers)
            if self._executor is None:
                self._executor = _Inline()
        return self._executor

    def submit(self, job: FigureJob) -> None:
        self._futures.append(self._pool().submit(run_job, job))

    def task(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run any picklable `fn(*args)` in a worker (an analysis whose imports or numbers
        take a while, the font subset); returns its future."""
        return self._pool().submit(fn, *args)

    def results(self) -> dict[str, FigureOutput]:
        """Wait for every job; name → output, in submission order (a failed chart raises)."""
        out: dict[str, FigureOutput] = {}
        total = len(self._futures)
        for i, fut in enumerate(self._futures, start=1):
            res = fut.result()
            out[res.name] = res
            if self.progress is not None:
                self.progress(i, total)
        return out

    def __iter__(self) -> Iterator[FigureOutput]:
        return iter(self.results().values())
