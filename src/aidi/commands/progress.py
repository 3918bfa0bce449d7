"""The one progress display of the command line: rich's progress bars, one row per phase.

Every long command (build, uncertainty, sensitivity, trends, timeline, diff, exposure,
explore, data snapshot/refresh/import) wraps its work in `show_progress(console, quiet)` and
passes the callback it yields — an `aidi.progress.Progress` — down to the API and analysis
functions, which report named phases: loading data, building, editions 2016…latest,
Monte-Carlo samples, Sobol evaluations, figures, report. The display appears only when the
console writes to a terminal and `--quiet` is not given; piped or redirected output stays
exactly as before (the callback is then `aidi.progress.silent`). It is transient: once the
command ends, its summary replaces the bars.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from aidi import progress as phases
from aidi.commands.options import QuietOpt

__all__ = ["PhaseDisplay", "QuietOpt", "show_progress", "shows_progress"]

#: Chinese names of the shared phases (`aidi.progress` constants); others are shown as given.
_ZH = {phases.LOADING: "读取数据", phases.BUILDING: "测算", phases.EDITION: "版本",
       phases.SAMPLES: "蒙特卡洛样本", phases.SOBOL: "Sobol 评估", phases.FIGURES: "图表",
       phases.REPORT: "报告", phases.WRITING: "写入输出", phases.ATTRIBUTION: "归因测算"}


def _translated(phase: str) -> str:
    """The Chinese name of a shared phase, also with a suffix ("edition 2019" → "版本 2019",
    "building 2023" → "测算 2023"); other phases as given."""
    for name, zh in _ZH.items():
        if phase == name or phase.startswith(name + " "):
            return zh + phase[len(name):]
    return phase


class PhaseDisplay:
    """An `aidi.progress.Progress` drawing each phase as a row of a rich `Progress`.

    A new phase name adds a row; rows without a count are finished when the next phase
    starts (phases are sequential steps), rows with a count when they reach it — so a pool
    drawing figures in the background keeps its own row while the main work moves on.
    """

    def __init__(self, bar: Progress, lang: str = "en") -> None:
        self.bar, self.lang = bar, lang
        self.rows: dict[str, TaskID] = {}
        self.lock = threading.Lock()  # workers (figure pool, dask threads) may report too

    def __call__(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        with self.lock:
            row = self.rows.get(phase)
            if row is None:
                self._finish_open_steps()
                label = _translated(phase) if self.lang == "zh" else phase
                row = self.rows[phase] = self.bar.add_task(label, total=total,
                                                           counted=total is not None)
            if total is not None:
                self.bar.update(row, total=total, completed=done or 0, counted=True)
            elif done is not None:  # a count with no known end: shown as "n so far"
                self.bar.update(row, completed=done, counted=True)

    def _finish_open_steps(self) -> None:
        for row in self.rows.values():
            task = self.bar.tasks[row]
            if task.total is None:
                end = max(task.completed, 1)
                self.bar.update(row, total=end, completed=end)

    def finish(self) -> None:
        with self.lock:
            for row in self.rows.values():
                task = self.bar.tasks[row]
                end = task.total or max(task.completed, 1)
                self.bar.update(row, total=end, completed=end)


class CountColumn(ProgressColumn):
    """`done/total` for a counted phase (samples, editions, figures); nothing for a step."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("counted"):
            return Text("")
        if task.total is None:
            return Text(f"{int(task.completed):,}", style="progress.download")
        total = f"{int(task.total):,}"
        return Text(f"{int(task.completed):>{len(total)},}/{total}", style="progress.download")


def shows_progress(console: Console, quiet: bool = False) -> bool:
    """Progress is for a person at a terminal: never with --quiet or when output is piped."""
    return not quiet and console.is_terminal


@contextlib.contextmanager
def show_progress(console: Console, quiet: bool = False, lang: str = "en"
                  ) -> Iterator[phases.Progress]:
    """Yield the callback the command passes down; a live display only on a terminal."""
    if not shows_progress(console, quiet):
        yield phases.silent
        return
    # A console of its own on the same output: rich settles some facts about the terminal
    # (colours, live rendering) when a console is made, and a command module's console may
    # have been made before (e.g. while another command's help was piped, in one process).
    live = Console(file=console.file, force_terminal=True, width=console.width)
    bar = Progress(SpinnerColumn(finished_text="[green]✓[/green]"),
                   TextColumn("{task.description}"), BarColumn(bar_width=30), CountColumn(),
                   TimeElapsedColumn(), console=live, transient=True)
    display = PhaseDisplay(bar, lang)
    with bar:
        yield display
        display.finish()
