"""The architecture holds: each layer imports only the layers below it (import-linter).

The contract is `.importlinter` at the repository root: cli → commands → api → report /
explorer → analysis → store → sources → engine → specs → countries / io / rawdata → errors.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("lint-imports") is None,
                    reason="import-linter is not installed (pip install -e '.[test]')")
def test_import_contract_is_kept() -> None:
    res = subprocess.run(["lint-imports", "--config", str(REPO / ".importlinter")], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
