"""The code base stays ruff-clean (the configuration is in pyproject.toml).

Run as `sys.executable -m ruff`, never found on PATH: the test extra installs ruff into the
environment running the tests, so this check runs (and never silently skips) wherever the
README's test command ran.
"""

import subprocess
import sys

from tests.conftest import REPO


def test_ruff_clean():
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks"],
                         cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
