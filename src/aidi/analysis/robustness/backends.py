"""Where the batch kernel runs: in this process (NumPy) or on a Dask cluster, chunk by chunk.

Samples are evaluated in chunks (`VariantDesign.evaluate`), and each chunk's outputs are handed
to an accumulator (`aidi.analysis.robustness.summary`) as soon as they exist — memory holds
the accumulator and a few chunks, never samples × units × nodes. The chunks are taken in a
fixed order — the samples sorted by their aggregation level, so that a chunk's node-major block
is one level — and folded in that order on every backend; each sample's arithmetic does not
depend on its chunk. So the same seed and chunk size give the same bits on NumPy and Dask.

Dask (`backend="dask"`, the optional extra: `pip install "aidi[dask]"`) runs the chunks on a
`dask.distributed` cluster:

- `scheduler=None` or `"local"`: a `LocalCluster` of `workers` (default 2) single-threaded
  workers in this process (NumPy releases the GIL in the kernel's array operations, so they
  run in parallel without copying the design into other processes), closed at the end;
- `"tcp://host:8786"`: the scheduler of a cluster started elsewhere — `dask-scheduler` and
  `dask-worker` by hand, `dask-jobqueue` on a batch system (SLURM, PBS, SGE), or the Dask
  Kubernetes operator (docs/scale.md);
- a `distributed.Client` you created yourself (e.g. `Client(SLURMCluster(...))`): used as is;
- `"threads"` / `"synchronous"`: Dask's local schedulers without a cluster.

The design is sent to the workers once (`Client.scatter`); at most two chunks per worker are in
flight, so the client holds a bounded number of results while it folds them in order.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from aidi.errors import UsageError, import_extra
from aidi.progress import SAMPLES, Progress, report

#: A fold: called with (rows of the run, that chunk's `ChunkResult`), in chunk order.
Fold = Callable[[np.ndarray, Any], None]
BACKENDS = ("numpy", "dask")
#: Workers of the LocalCluster started when no scheduler is given.
DEFAULT_WORKERS = 2
#: Chunks in flight per worker.
IN_FLIGHT = 2


def chunk_rows(design, u: np.ndarray, chunk_size: int, start: int = 0,
               rows: np.ndarray | None = None) -> list[np.ndarray]:
    """The run's chunks as arrays of row numbers: `rows` (default: all from `start`) sorted by
    aggregation level (stable), cut every `chunk_size`."""
    if chunk_size < 1:
        raise UsageError("chunk_size must be >= 1")
    rows = np.arange(start, u.shape[0]) if rows is None else np.asarray(rows)
    if len(rows) == 0:
        return []
    level = design.level_index(u[rows], "aggregation")
    rows = rows[np.argsort(level, kind="stable")]
    return [rows[i:i + chunk_size] for i in range(0, len(rows), chunk_size)]


def dask_workers(scheduler: Any) -> int:
    """Worker threads evaluating at once (what the memory plan multiplies a chunk by)."""
    if scheduler in (None, "", "local"):
        return int(os.environ.get("AIDI_DASK_WORKERS", DEFAULT_WORKERS))
    if scheduler == "synchronous":
        return 1
    if scheduler in ("threads", "threaded"):
        return os.cpu_count() or 1
    return 1  # a remote cluster: each worker has its own memory; the client holds results


Runner = Callable[[Sequence[np.ndarray], Fold], None]


@contextlib.contextmanager
def session(design, u: np.ndarray, backend: str = "numpy", scheduler: Any = None,
            nodes: tuple[str, ...] = (), progress: Progress | None = None,
            phase: str = SAMPLES) -> Iterator[Runner]:
    """A runner `run(chunks, fold)` that evaluates `chunks` (row arrays of `u`) and folds each
    result in order — on NumPy here, or on one Dask client for the whole session (a
    LocalCluster is started once, the design scattered once). `progress` hears `phase` with
    the samples folded so far, of `len(u)`."""
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; choose {' or '.join(BACKENDS)}")
    done = [0]
    report(progress, phase, 0, len(u))

    def counted(fold: Fold) -> Fold:
        def step(rows: np.ndarray, chunk: Any) -> None:
            fold(rows, chunk)
            done[0] += len(rows)
            report(progress, phase, done[0], len(u))
        return step

    if backend == "numpy":
        def run(chunks: Sequence[np.ndarray], fold: Fold) -> None:
            for rows in chunks:
                counted(fold)(rows, design.evaluate(u[rows], nodes or None))
        yield run
        return
    if scheduler in ("threads", "threaded", "synchronous"):
        yield lambda chunks, fold: _run_local_dask(design, u, chunks, counted(fold),
                                                   scheduler, nodes)
        return
    with dask_client(scheduler) as client:
        shared = client.scatter(design, broadcast=True, hash=False)
        yield lambda chunks, fold: _run_distributed(client, shared, u, chunks, counted(fold),
                                                    nodes)


def evaluate_samples(design, u: np.ndarray, backend: str = "numpy", scheduler: Any = None,
                     chunk_size: int | None = None,
                     nodes: str | Sequence[str] | None = None,
                     progress: Progress | None = None, phase: str = SAMPLES):
    """Every row of `u` evaluated in chunks, all outputs kept: a `ChunkResult` of the run
    (`nodes` as in `VariantDesign.evaluate`). `chunk_size=None` takes the memory plan's;
    `progress` hears `phase` with the samples evaluated so far."""
    from aidi.analysis.budget import plan_uncertainty
    from aidi.analysis.robustness.evaluate import ChunkResult
    from aidi.analysis.robustness.summary import KeptOutputs

    u = np.asarray(u, dtype=float)
    node_ids = design.node_columns(nodes)
    if chunk_size is None:
        chunk_size = plan_uncertainty(design, max(len(u), 1), keep_samples=True).chunk
    kept = KeptOutputs(len(u), len(design.units), len(node_ids))
    with session(design, u, backend, scheduler, node_ids, progress, phase) as run:
        run(chunk_rows(design, u, chunk_size), kept.add)
    return ChunkResult(kept.index, kept.rank, kept.failure, kept.nodes, node_ids)


def _evaluate(design, u: np.ndarray, nodes: tuple[str, ...]):
    return design.evaluate(u, nodes or None)


def _run_local_dask(design, u, chunks, fold, scheduler, nodes) -> None:
    dask = import_extra("dask", "dask")
    shared = dask.delayed(design, pure=True, traverse=False)
    step = IN_FLIGHT * dask_workers(scheduler)
    for i in range(0, len(chunks), step):
        part = chunks[i:i + step]
        tasks = [dask.delayed(_evaluate, pure=True)(shared, u[rows], nodes) for rows in part]
        for rows, res in zip(part, dask.compute(*tasks, scheduler=scheduler), strict=True):
            fold(rows, res)


def _run_distributed(client, shared, u, chunks, fold, nodes) -> None:
    """Keep `IN_FLIGHT` chunks per worker submitted; fold results in chunk order."""
    n_workers = max(1, sum(client.nthreads().values()))
    pending: list = []
    nxt = 0
    try:
        for k, rows in enumerate(chunks):
            while nxt < len(chunks) and nxt < k + IN_FLIGHT * n_workers:
                pending.append(client.submit(_evaluate, shared, u[chunks[nxt]], nodes,
                                             pure=False))
                nxt += 1
            fut = pending.pop(0)
            fold(rows, fut.result())
            fut.release()
    finally:
        for fut in pending:
            fut.cancel()


@contextlib.contextmanager
def dask_client(scheduler: Any = None, workers: int | None = None) -> Iterator[Any]:
    """A `distributed.Client` for `scheduler` (see the module docstring): one given is used as
    is and left open; a LocalCluster started here is closed on the way out."""
    if hasattr(scheduler, "submit") and hasattr(scheduler, "scatter"):
        yield scheduler
        return
    import_extra("dask", "dask")
    distributed = import_extra("distributed", "dask")
    if scheduler in (None, "", "local"):
        n = workers or dask_workers(None)
        with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=False,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster, set_as_default=False) as client:
            yield client
        return
    if not isinstance(scheduler, str) or "://" not in scheduler:
        raise UsageError(f"scheduler {scheduler!r}: give a scheduler address "
                         "(tcp://host:8786), 'local', 'threads' or 'synchronous'")
    try:
        client = distributed.Client(scheduler, timeout="20s", set_as_default=False)
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}. Start one "
                         "(dask-scheduler, or a dask-jobqueue / Kubernetes cluster) and give "
                         "its address") from None
    with client:
        yield client
