"""Worker processes that start in milliseconds and never outlive the process that made them.

Two layers run work beside the main process: the report draws figures in a pool
(`aidi.report.figures.FigurePool`) and the analysis bundle runs the Sobol analysis while the
Monte-Carlo runs here (`aidi.analysis.bundle`). Both fork (everything already imported) and
both must die with their parent: a killed `aidi build` must not leave workers holding its
memory and its output lock. The rule lives here, below both layers, so it is written once.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

__all__ = ["die_with_parent", "forked_pool", "worker_count"]


def worker_count() -> int:
    """Worker processes to use: `AIDI_WORKERS`, else the cores this process may use
    (at most 4: past that, start-up outweighs the gain for a dozen figures)."""
    env = os.environ.get("AIDI_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def die_with_parent(parent: int) -> None:
    """Worker start-up: have the kernel kill this worker when its parent dies (Linux
    `PR_SET_PDEATHSIG`), and exit now if the parent is already gone."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):  # not Linux: no such call
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def forked_pool(workers: int) -> ProcessPoolExecutor | None:
    """A fork-started pool of `workers` processes that die with this one; None when `fork`
    is not available (the caller then runs the work itself)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=die_with_parent, initargs=(os.getpid(),))
