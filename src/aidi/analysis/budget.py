"""Memory budget of the Monte-Carlo analyses: estimate before allocating, refuse above a cap.

Why: `uncertainty --samples 10000000` once peaked at 11.9 GB and `sensitivity` at that size
passed 14.6 GB before anything was written — the machine swapped or the process was killed.
The big arrays are known from the design before any is allocated: the inputs `u`
(evaluations × variables) and the outputs (evaluations × units: index, rank; plus the Sobol
outputs), each briefly held twice while chunks are concatenated. The estimate below uses
those shapes with an overhead factor measured on the AIDI build (see the tests and the
closing note of issue #10), and a run whose estimate exceeds the limit is refused with the
estimate and the largest size that fits — never started and killed halfway.

The limit is `AIDI_MEMORY_LIMIT_GB` if set, else 4 GB, and never more than 80% of the
machine's physical memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from aidi.errors import UsageError

#: Default ceiling for one analysis, in bytes.
DEFAULT_LIMIT = 4 * 1024**3
#: Measured peak ÷ the bytes of the arrays named in the formulas (AIDI 2024 build, 20 units,
#: 31 variables): uncertainty 1.10–1.21 kB/sample (whole command, 1M samples) for 0.58 kB of
#: arrays; sensitivity 2.75 kB per evaluation for 0.90 kB. Rounded up: an upper bound.
UNCERTAINTY_OVERHEAD = 2.5
SENSITIVITY_OVERHEAD = 3.2
#: Bytes per (sample, unit) row of the long table `--save-samples` writes.
SAVED_ROW_BYTES = 200


def memory_limit() -> int:
    """The byte ceiling for one analysis (see the module docstring)."""
    text = os.environ.get("AIDI_MEMORY_LIMIT_GB", "").strip()
    limit = DEFAULT_LIMIT
    if text:
        try:
            gb = float(text)
        except ValueError:
            raise UsageError(f"AIDI_MEMORY_LIMIT_GB must be a number of gigabytes, got "
                             f"{text!r}") from None
        if not (math.isfinite(gb) and gb > 0):
            raise UsageError(f"AIDI_MEMORY_LIMIT_GB must be > 0, got {text!r}")
        limit = int(gb * 1024**3)
    physical = _physical_memory()
    return min(limit, int(0.8 * physical)) if physical else limit


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return None


def uncertainty_bytes(n_samples: int, n_vars: int, n_units: int,
                      save_samples: bool = False) -> int:
    """Upper estimate of the peak memory of `run_uncertainty` (+ writing every sample)."""
    arrays = 8 * n_samples * (n_vars + 2 * n_units + 1)
    extra = SAVED_ROW_BYTES * n_samples * n_units if save_samples else 0
    return int(UNCERTAINTY_OVERHEAD * arrays + extra)


def sobol_base(n_base: int) -> int:
    """Sobol base samples as run: `n_base` rounded up to a power of 2 (Sobol' sequences)."""
    return 1 << max(0, math.ceil(math.log2(max(1, n_base))))


def sensitivity_bytes(n_base: int, n_factors: int, n_vars: int, n_units: int,
                      n_outputs: int) -> int:
    """Upper estimate of the peak memory of `run_sensitivity`: N·(D+2) evaluations, each with
    its inputs, index/rank/failure and the analysed outputs."""
    evaluations = sobol_base(n_base) * (n_factors + 2)
    arrays = 8 * evaluations * (n_vars + 2 * n_units + 1 + n_outputs)
    return int(SENSITIVITY_OVERHEAD * arrays)


def _refuse(what: str, option: str, size: int, need: int, limit: int, fits: int) -> None:
    if need <= limit:
        return
    raise UsageError(
        f"{what} with {option} {size:,} would need about {need / 1024**3:.1f} GB of memory, "
        f"above the limit of {limit / 1024**3:.1f} GB; use {option} {fits:,} or fewer (or "
        "raise AIDI_MEMORY_LIMIT_GB if this machine has the memory)")


def check_uncertainty(design, n_samples: int, save_samples: bool = False,
                      limit: int | None = None) -> int:
    """Refuse (UsageError) a Monte-Carlo run whose estimate exceeds the limit; returns the
    estimate in bytes. `design` is a `VariantDesign` (only its shapes are read)."""
    limit = memory_limit() if limit is None else limit
    n_vars, n_units = design.n_vars, len(design.units)
    need = uncertainty_bytes(n_samples, n_vars, n_units, save_samples)
    per = max(1, uncertainty_bytes(1, n_vars, n_units, save_samples))
    _refuse("uncertainty", "--samples", n_samples, need, limit, limit // per)
    return need


def check_sensitivity(design, n_base: int, outputs: Sequence[str] = ("index", "rank"),
                      limit: int | None = None) -> int:
    """Refuse (UsageError) a Sobol run whose estimate exceeds the limit; returns the estimate."""
    limit = memory_limit() if limit is None else limit
    n_units = len(design.units)
    n_out = sum(1 if o == "mean_rank_shift" else n_units for o in outputs)
    args = (len(design.factors), design.n_vars, n_units, n_out)
    need = sensitivity_bytes(n_base, *args)
    fits = 1
    while sensitivity_bytes(fits * 2, *args) <= limit:
        fits *= 2
    _refuse("sensitivity", "--samples", n_base, need, limit, fits)
    return need
