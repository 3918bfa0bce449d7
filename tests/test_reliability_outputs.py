"""Issue #25, classes 1 and 2: an output folder is written as one set, and workers die with
their parent.

`aidi.output_set` stages a command's files beside `--out`, swaps them in whole and locks the
folder; these tests check each promise directly (in-process, cheap), then kill real `aidi`
processes: one cheap kill here, the sweep over many moments of a full `aidi build` in the slow
tier (`tests/test_reliability_kills.py`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aidi import output_set as osm
from aidi.io import OutputError
from aidi.output_set import MANIFEST, OutputBusy, output_set, read_manifest, verify
from tests._reliability import assert_clean_error, cli, coin_tables

LINUX = sys.platform.startswith("linux")


def _write(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _strays(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if ".aidi-" in p.name)


def test_a_set_is_committed_with_its_manifest_written_last(tmp_path):
    out = tmp_path / "out"
    with output_set(out, "build", meta={"spec": "x"}) as txn:
        _write(txn.stage, {"a.csv": "1", "sub/b.csv": "2"})
        assert not out.exists() or not any(out.iterdir())   # nothing visible before commit
        assert txn.final(txn.stage / "sub/b.csv") == out / "sub" / "b.csv"
    assert _tree(out) == {"a.csv": "1", "sub/b.csv": "2", MANIFEST: (out / MANIFEST).read_text()}
    entry = read_manifest(out)["sets"]["build"]
    assert set(entry["files"]) == {"a.csv", "sub/b.csv"} and entry["meta"] == {"spec": "x"}
    assert verify(out) == {"build": entry["hash"]}
    assert _strays(out) == []


def test_a_failure_leaves_the_old_set_untouched_and_nothing_beside_it(tmp_path):
    out = tmp_path / "out"
    with output_set(out, "build") as txn:
        _write(txn.stage, {"a.csv": "old", "report.html": "old"})
    before = _tree(out)
    with pytest.raises(RuntimeError), output_set(out, "build") as txn:
        _write(txn.stage, {"a.csv": "new"})
        raise RuntimeError("crash half-way")
    assert _tree(out) == before
    assert _strays(out) == []


def test_a_failed_first_run_leaves_no_folder(tmp_path):
    out = tmp_path / "fresh"
    with pytest.raises(RuntimeError), output_set(out, "build"):
        raise RuntimeError("x")
    assert not out.exists() and _strays(out) == []


def test_a_set_replaces_only_its_own_files(tmp_path):
    """A rerun drops its stale files (another --focus); other commands' sets and the user's
    own files stay; a file another set now writes moves to that set."""
    out = tmp_path / "out"
    with output_set(out, "build") as txn:
        _write(txn.stage, {"scores.csv": "1", "fig_focus_JPN.png": "j", "exposure.csv": "b"})
    with output_set(out, "audit") as txn:
        _write(txn.stage, {"audit/flags.csv": "f"})
    _write(out, {"my_notes.txt": "mine"})
    with output_set(out, "exposure") as txn:
        _write(txn.stage, {"exposure.csv": "e"})
    with output_set(out, "build") as txn:
        _write(txn.stage, {"scores.csv": "2", "fig_focus_CHN.png": "c"})
    tree = _tree(out)
    tree.pop(MANIFEST)
    assert tree == {"scores.csv": "2", "fig_focus_CHN.png": "c", "audit/flags.csv": "f",
                    "my_notes.txt": "mine", "exposure.csv": "e"}
    sets = read_manifest(out)["sets"]
    assert set(sets["build"]["files"]) == {"scores.csv", "fig_focus_CHN.png"}
    assert set(sets["exposure"]["files"]) == {"exposure.csv"}
    assert set(verify(out)) == {"build", "audit", "exposure"}


def test_a_second_writer_is_refused_while_the_first_works(tmp_path):
    out = tmp_path / "out"
    with output_set(out, "build") as txn:
        _write(txn.stage, {"a.csv": "1"})
        with pytest.raises(OutputBusy, match="another aidi command is writing to"), \
                output_set(out, "audit"):
            pass
    assert set(verify(out)) == {"build"}


def test_cli_refuses_a_folder_another_build_holds(tmp_path):
    d, m = coin_tables(tmp_path / "in")
    out = tmp_path / "out"
    with output_set(out, "explorer") as txn:
        _write(txn.stage, {"explorer.html": "x"})
        run = cli("build", "--coin-data", d, "--coin-meta", m, "--out", out)
    assert_clean_error(run, 1, "another aidi command is writing to", "--out")
    assert set(verify(out)) == {"explorer"}


@pytest.mark.parametrize("kind", ["file", "foreign", "cwd"])
def test_folders_aidi_must_not_replace_are_refused(tmp_path, monkeypatch, kind):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
        match = "existing file"
    elif kind == "foreign":
        _write(out, {"thesis.tex": "years of work"})
        match = "aidi did not write"
    else:
        out.mkdir()
        monkeypatch.chdir(out)
        match = "current folder"
    with pytest.raises(OutputError, match=match), output_set(out, "build"):
        pass
    if kind == "foreign":
        assert _tree(out) == {"thesis.tex": "years of work"}


def test_what_a_killed_run_left_is_removed_by_the_next(tmp_path):
    out = tmp_path / "out"
    with output_set(out, "build") as txn:
        _write(txn.stage, {"a.csv": "1"})
    dead = tmp_path / ".out.aidi-new-1-deadbeef"
    _write(dead, {"a.csv": "half"})
    with output_set(out, "audit") as txn:
        _write(txn.stage, {"audit/x.csv": "x"})
    assert _strays(out) == []


def test_a_kill_between_the_two_renames_is_repaired(tmp_path):
    """Where the kernel cannot exchange two folders, the swap is two renames; a kill between
    them leaves the old set beside `--out`, which the next run puts back before anything."""
    out = tmp_path / "out"
    with output_set(out, "build") as txn:
        _write(txn.stage, {"a.csv": "old"})
    old = tmp_path / ".out.aidi-old-1-deadbeef"
    out.rename(old)                                   # the state a kill leaves
    with output_set(out, "audit") as txn:
        _write(txn.stage, {"audit/x.csv": "x"})
    assert _tree(out)["a.csv"] == "old" and set(verify(out)) == {"build", "audit"}
    assert _strays(out) == []


def test_the_two_rename_swap_gives_the_same_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(osm, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    for text in ("old", "new"):
        with output_set(out, "build") as txn:
            _write(txn.stage, {"a.csv": text})
    assert _tree(out)["a.csv"] == "new" and set(verify(out)) == {"build"}
    assert _strays(out) == []


def test_verify_names_a_changed_file(tmp_path):
    out = tmp_path / "out"
    with output_set(out, "build") as txn:
        _write(txn.stage, {"a.csv": "1"})
    (out / "a.csv").write_text("2")
    with pytest.raises(OutputError, match="a.csv"):
        verify(out)


# ---- real processes, killed ------------------------------------------------------------------
def session_processes(sid: int) -> list[int]:
    """Live processes of session `sid` (a command started with `start_new_session`)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            found.append(int(name))
    return found


def wait_gone(sid: int, seconds: float) -> list[int]:
    """The session's processes still alive after up to `seconds`."""
    deadline = time.monotonic() + seconds
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.skipif(not LINUX, reason="PR_SET_PDEATHSIG and /proc are Linux's")
def test_figure_workers_die_with_their_parent(tmp_path):
    """The parent of a FigurePool is killed while its workers are busy: they exit at once."""
    script = textwrap.dedent("""
        import os, sys, time
        from aidi.report.figures import FigurePool
        with FigurePool(workers=2) as pool:
            futures = [pool.task(time.sleep, 60) for _ in range(2)]
            time.sleep(0.5)
            print("ready", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        assert len(session_processes(proc.pid)) >= 3      # the parent and two workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert wait_gone(proc.pid, 5) == []
    finally:
        for pid in session_processes(proc.pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not LINUX, reason="flock and /proc are Linux's")
def test_a_build_killed_while_writing_leaves_the_old_set(tmp_path):
    """`aidi build` killed once its stage holds files: `--out` is still the complete earlier
    set, and the next run leaves nothing beside it."""
    d, m = coin_tables(tmp_path / "in")
    out = tmp_path / "out"
    assert cli("build", "--coin-data", d, "--coin-meta", m, "--out", out).code == 0
    old = verify(out)
    proc = subprocess.Popen([sys.executable, "-m", "aidi.cli", "build", "--coin-data", str(d),
                             "--coin-meta", str(m), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        stages = [p for p in tmp_path.glob(".out.aidi-new-*") if any(p.iterdir())]
        if stages:
            break
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_gone(proc.pid, 5) == []
    assert verify(out) == old            # killed before or after the swap: the same bytes
    assert cli("build", "--coin-data", d, "--coin-meta", m, "--out", out).code == 0
    assert verify(out) == old and _strays(out) == []
