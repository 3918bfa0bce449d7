"""The default `aidi build`'s CSV files as they stand, kept so that a refactor that should
change nothing can prove it: `tests/test_cli_build.py::test_every_csv_is_byte_identical_to_the_golden_set`
compares a fresh build's CSVs with these, byte for byte.

When a change is *meant* to move numbers (new data, a method change), regenerate and commit
the new files with the change that explains them:

    python tests/_golden_build.py

The CSVs print six significant digits, so the last-bit differences of a different CPU's
vectorised exp/log never reach them.
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).parent / "fixtures" / "golden_build"


def golden_files() -> dict[str, bytes]:
    """name → CSV bytes of the stored set."""
    return {p.name.removesuffix(".gz"): gzip.decompress(p.read_bytes())
            for p in sorted(GOLDEN.glob("*.csv.gz"))}


def store(out: Path) -> list[str]:
    """Replace the stored set with the CSVs of the build in `out` (gzip without a time stamp,
    so the same CSVs give the same files)."""
    shutil.rmtree(GOLDEN, ignore_errors=True)
    GOLDEN.mkdir(parents=True)
    names = []
    for csv in sorted(out.glob("*.csv")):
        (GOLDEN / f"{csv.name}.gz").write_bytes(gzip.compress(csv.read_bytes(), mtime=0))
        names.append(csv.name)
    return names


def main() -> int:
    from typer.testing import CliRunner

    from aidi.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        res = CliRunner().invoke(app, ["build", "--out", str(out)])
        if res.exit_code != 0:
            print(res.output, file=sys.stderr)
            return 1
        print("stored:", ", ".join(store(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
