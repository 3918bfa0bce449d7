"""Issue #25, classes 1 and 2 (slow tier): `aidi build` killed at many moments.

A full build (figures drawn by forked workers) into a folder that holds an earlier build is
killed with SIGKILL at moments spread over its whole run. After every kill, `--out` verifies
against its manifest as exactly the earlier set or exactly the new one (both known from
reference runs: builds are byte-identical under `SOURCE_DATE_EPOCH`), no process of the
killed build outlives it by more than a few seconds, and the next build leaves nothing beside
`--out`. Two builds started together into one folder: one is refused, the other completes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aidi.output_set import verify
from tests.test_reliability_outputs import session_processes, wait_gone

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="flock, PR_SET_PDEATHSIG and /proc are Linux's")]

OLD = ("--countries", "G20", "--no-robustness")
NEW = ("--no-robustness",)
SURVIVAL_SECONDS = 5.0


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", HOME=str(tmp / "home"),
               AIDI_STORE=str(tmp / "home" / "store.duckdb"), MPLCONFIGDIR=str(tmp / "mpl"))
    env.pop("AIDI_WORKERS", None)
    return env


def _start(out: Path, options: tuple[str, ...], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "aidi.cli", "build", *options, "--out",
                             str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, start_new_session=True)


def _run(out: Path, options: tuple[str, ...], env: dict[str, str]) -> float:
    started = time.monotonic()
    proc = _start(out, options, env)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - started


def _strays(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if ".aidi-" in p.name)


def test_a_kill_at_any_moment_leaves_the_old_or_the_new_set(tmp_path):
    env = _env(tmp_path)
    _run(tmp_path / "ref_new", NEW, env)
    new = verify(tmp_path / "ref_new")["build"]
    out = tmp_path / "out"
    duration = _run(out, OLD, env)
    old = verify(out)["build"]
    assert old != new
    outcomes = []
    # from start-up (imports) to past the end of a run: every phase is hit at least once
    for fraction in (0.1, 0.25, 0.4, 0.5, 0.6, 0.7, 0.8, 0.87, 0.93, 1.0, 1.1):
        proc = _start(out, NEW, env)
        time.sleep(duration * fraction)
        workers = len(session_processes(proc.pid)) - 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert wait_gone(proc.pid, SURVIVAL_SECONDS) == [], f"orphans at {fraction}"
        got = verify(out)["build"]
        assert got in (old, new), f"a mixed set after a kill at {fraction:.0%}"
        outcomes.append((fraction, workers, "new" if got == new else "old"))
        if got == new:          # put the old set back for the next kill
            _run(out, OLD, env)
    assert any(w > 0 for _, w, _ in outcomes), f"no kill hit the figure workers: {outcomes}"
    _run(out, NEW, env)
    assert verify(out)["build"] == new and _strays(out) == []


def test_two_builds_at_once_one_is_refused_the_other_completes(tmp_path):
    env = _env(tmp_path)
    out = tmp_path / "out"
    first = _start(out, NEW, env)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.aidi-new-*")) and time.monotonic() < deadline:
        time.sleep(0.01)               # the first holds the lock once its stage exists
    second = _start(out, OLD, env)
    _, err2 = second.communicate(timeout=600)
    _, err1 = first.communicate(timeout=600)
    assert first.returncode == 0, err1.decode()
    assert second.returncode == 1
    assert "another aidi command is writing to" in err2.decode()
    assert "Traceback" not in err2.decode()
    assert set(verify(out)) == {"build"} and _strays(out) == []
