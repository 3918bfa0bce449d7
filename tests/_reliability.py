"""Helpers shared by the tests of issue #10 (reliability): run the CLI, small COINr tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from aidi.cli import app

META = """\
Level,iCode,iName,Direction,Weight,Unit,Target,Denominator,Parent,Type
1,a,A,1,1,u,NA,NA,P,Indicator
1,b,B,-1,1,u,NA,NA,P,Indicator
1,c,C,1,2,u,NA,NA,Q,Indicator
2,P,Pillar P,1,1,Score,NA,NA,Index,Aggregate
2,Q,Pillar Q,1,1,Score,NA,NA,Index,Aggregate
3,Index,Index,1,1,Score,NA,NA,NA,Aggregate
"""
DATA = """\
uName,uCode,Time,a,b,c
Aland,AAA,2020,1,10,5
Borduria,BBB,2020,2,20,6
Carpania,CCC,2020,4,30,7
Dorne,DDD,2020,8,40,9
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run `aidi ARGS` in-process; a traceback would show as a non-SystemExit exception."""
    res = CliRunner().invoke(app, [str(a) for a in args], env=env)
    exc = None if isinstance(res.exception, SystemExit) else res.exception
    return Run(res.exit_code, res.stdout, res.stderr, exc)


def assert_clean_error(run: Run, code: int, *fragments: str) -> None:
    """A clean failure: the exit code, no traceback, one `error:` line naming `fragments`."""
    assert run.exception is None, f"traceback: {run.exception!r}\n{run.output}"
    assert run.code == code, run.output
    assert "Traceback" not in run.output
    for f in fragments:
        assert f in run.output, (f, run.output)


def coin_tables(folder: Path, meta: str = META, data: str = DATA) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    d, m = folder / "iData.csv", folder / "iMeta.csv"
    m.write_text(meta, encoding="utf-8")
    d.write_text(data, encoding="utf-8")
    return d, m
