"""What a newcomer meets first: the version, and commands that work with nothing but the package."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

import aidi
from aidi.cli import app


def test_version_comes_from_the_package_metadata() -> None:
    assert aidi.__version__ == version("aidi")
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"aidi {version('aidi')}"

