"""Where the publishers' raw files live: the one resolver for library, CLI and tests.

Order: `$AIDI_RAW_DIR` when set, then `../shared/data/raw` beside the current folder, then
`../shared/data/raw` beside this checkout (for an editable install run from elsewhere). A
folder counts only if it exists. Nothing else is searched, so a clone that does not sit next
to the shared data finds none and the tests that need raw files skip with that reason.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "AIDI_RAW_DIR"


def raw_dir_candidates() -> list[Path]:
    """The folders searched, in order (existing or not)."""
    out: list[Path] = []
    env = os.environ.get(ENV_VAR)
    if env:
        out.append(Path(env))
    out.append(Path.cwd().parent / "shared" / "data" / "raw")
    checkout = Path(__file__).resolve().parents[2]  # src/aidi/rawdata.py → the checkout
    if (checkout / "pyproject.toml").is_file():
        out.append(checkout.parent / "shared" / "data" / "raw")
    return list(dict.fromkeys(out))


def find_raw_dir() -> Path | None:
    """The first existing raw-data folder, or None."""
    return next((p for p in raw_dir_candidates() if p.is_dir()), None)


