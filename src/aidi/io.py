"""Atomic file output: write to a temporary file beside the target, then rename.

A crash or a full disk never leaves a half-written CSV or report where a user (or the next
command) would read it; the previous file stays intact until the new one is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def atomic_write(path: Path, write: Callable[[str], None], mode: int = 0o644) -> Path:
    """Call `write(tmp_path)`, then move the temporary file onto `path` (created readable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, mode)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text(text: str, path: Path) -> Path:
    def _write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    return atomic_write(path, _write)


def write_csv(frame: pd.DataFrame, path: Path, float_format: str | None = "%.6g") -> Path:
    """A DataFrame as UTF-8 CSV without its index, atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False,
                                                        float_format=float_format,
                                                        encoding="utf-8"))
