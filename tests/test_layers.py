"""The architecture holds: each layer imports only the layers below it (import-linter).

The contract is `.importlinter` at the repository root: cli → commands → api → report /
explorer → analysis → store → sources → engine → specs → countries / io / rawdata → errors.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# import-linter has no `python -m` entry point; its console script is this one call. Running it
# with `sys.executable` checks the environment running the tests, never a `lint-imports` on PATH.
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; " \
               "sys.exit(lint_imports_command())"


def test_import_contract_is_kept() -> None:
    res = subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--config",
                          str(REPO / ".importlinter")], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
