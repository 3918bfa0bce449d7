"""An output folder written as one set: staged beside `--out`, swapped in whole, locked.

Each file aidi writes is atomic (`aidi.io.atomic_write`), but a command writes dozens of them;
killed half-way, a folder that held an earlier run would mix new tables with an old report.
So every command that fills an output folder writes through `output_set`:

1. **Lock** `--out` (an exclusive `flock` on the folder itself, no lock file): a second aidi
   command writing into the same folder is refused at once with `OutputBusy`.
2. **Stage**: the command writes into a private folder beside `--out` on the same file
   system (`.NAME.aidi-new-TOKEN`); the previous set stays untouched.
3. **Commit**: files of `--out` that belong to no earlier run of this command (other
   commands' sets, the user's own notes) are hard-linked into the stage; the manifest
   `aidi-manifest.json` — every set's files with their sha256 and the set's hash — is written
   last; then the stage and `--out` are exchanged in one `renameat2(RENAME_EXCHANGE)` (two
   renames where the kernel cannot), and the old set is deleted.

A kill at any moment leaves `--out` holding the complete old set or the complete new set.
What a killed run leaves beside it (its stage, an old set not yet deleted) is removed by the
next command that takes the lock — the lock of a dead process is free, the lock of a live one
(or of its surviving workers) is not, so a live run's files are never touched.

Sets: an output folder may hold the sets of several commands (`aidi build` and `aidi
uncertainty` into one `--out`); each is replaced only by its own command. A folder that is
not empty and has no manifest was not written by aidi and is refused: aidi replaces its
output folders as a whole and will not take over a folder of other files.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidi.io import OutputError, explain_os_error

__all__ = ["MANIFEST", "OutputBusy", "OutputSet", "output_set", "read_manifest", "verify"]

#: The manifest every output folder carries (written last, swapped in with the files).
MANIFEST = "aidi-manifest.json"
FORMAT = 1
_KINDS = ("new", "old")
_RENAME_EXCHANGE = 2
_TMP_LEFTOVER = re.compile(r"^\..+\.tmp$")  # what a killed atomic_write left (legacy folders)


class OutputBusy(OutputError):
    """Another aidi process holds the output folder's lock."""


@dataclass
class OutputSet:
    """An open transaction: write into `stage`; `final(path)` is where a staged file will be."""

    out: Path
    name: str
    stage: Path
    meta: dict[str, Any] = field(default_factory=dict)

    def final(self, path: Path | str) -> Path:
        """The path a staged file has once the set is committed (other paths unchanged)."""
        path = Path(path)
        try:
            return self.out / path.relative_to(self.stage)
        except ValueError:
            return path

    def finals(self, paths: Mapping[str, Path]) -> dict[str, Path]:
        return {k: self.final(p) for k, p in paths.items()}


@contextlib.contextmanager
def output_set(out: Path | str, name: str, meta: Mapping[str, Any] | None = None
               ) -> Iterator[OutputSet]:
    """Lock `out`, yield a stage to write the set `name` into, and swap it in on success.

    On an exception (or a kill) nothing in `out` changes. `meta` (small, JSON-able, e.g. the
    spec and options) is recorded in the manifest beside the set's files.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise ValueError(f"output set name {name!r}: letters, digits, '_', '.', '-' only")
    out = _target(Path(out))
    created = not out.exists()
    lock = _acquire(out)
    stage_fd = None
    stage = _sibling(out, "new")
    try:
        try:
            os.mkdir(stage)
            stage_fd = _lock_fd(stage, block=False)
        except OSError as exc:
            raise explain_os_error(exc, stage, what="create the staging folder beside") \
                from None
        txn = OutputSet(out, name, stage, dict(meta or {}))
        try:
            yield txn
            _commit(txn)
        except BaseException:
            _remove_tree(stage)  # the new set (or, after a swap, the old one)
            if created:
                with contextlib.suppress(OSError):
                    os.rmdir(out)  # only if still empty: a failed first run leaves nothing
            raise
    finally:
        for fd in (stage_fd, lock):
            if fd is not None:
                os.close(fd)


# ---- the lock -----------------------------------------------------------------------------------
def _target(out: Path) -> Path:
    """The real folder to replace (a symlink's target); refuse what must not be swapped."""
    out = Path(os.path.abspath(out))
    if out.is_symlink():
        out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is an existing file, not a folder; give a folder "
                          "name (it is created if missing)")
    if out.parent == out:
        raise OutputError(f"--out {out} is the root of the file system; give a folder for "
                          "aidi's outputs")
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    if cwd is not None and (cwd == out or out in cwd.parents):
        raise OutputError(f"--out {out} is (or contains) the current folder; aidi replaces "
                          "its output folder as a whole, so run it from another folder or "
                          "give a subfolder such as --out aidi-out")
    return out


def _lock_fd(path: Path, block: bool) -> int | None:
    """An fd on the folder `path` holding an exclusive flock, or None if another holds it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no flock; the swap is still atomic
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def _acquire(out: Path) -> int:
    """Lock `out` (creating it if missing), after restoring an old set a killed swap left
    outside and clearing what killed runs left beside it."""
    for _ in range(100):
        _recover(out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            if out.stat().st_dev != out.parent.stat().st_dev:
                raise OutputError(f"--out {out} is a mount point; aidi replaces its output "
                                  "folder as a whole — give a folder inside it")
            fd = _lock_fd(out, block=False)
        except FileNotFoundError:
            continue  # swapped away under us: look again
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise explain_os_error(exc, out, what="create the output folder") from None
        if fd is None:
            raise OutputBusy(f"another aidi command is writing to {out}; wait until it has "
                             "finished, or give another --out folder")
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(out))
        except FileNotFoundError:
            same = False
        if not same:  # the folder was swapped between open and lock: lock the new one
            os.close(fd)
            continue
        _clean_siblings(out)
        _check_owned(out, fd)
        return fd
    raise OutputBusy(f"{out} keeps changing under aidi; is another program replacing it?")


def _check_owned(out: Path, fd: int) -> None:
    """Refuse a non-empty folder without an aidi manifest (another program's files)."""
    try:
        entries = os.listdir(out)
    except OSError as exc:
        os.close(fd)
        raise explain_os_error(exc, out, what="read the output folder") from None
    if entries and MANIFEST not in entries:
        os.close(fd)
        shown = ", ".join(sorted(entries)[:3]) + (", …" if len(entries) > 3 else "")
        raise OutputError(f"--out {out} already holds files that aidi did not write "
                          f"({shown}) and no {MANIFEST}; aidi replaces its output folder as "
                          "a whole and will not take over other files — give a new or empty "
                          "folder (or delete that one if it is an old aidi output)")


def _sibling(out: Path, kind: str) -> Path:
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return out.parent / f"{_prefix(out)}{kind}-{token}"


def _prefix(out: Path) -> str:
    return f".{out.name[:120]}.aidi-"


def _siblings(out: Path, kind: str) -> list[Path]:
    pre = _prefix(out) + kind + "-"
    try:
        names = os.listdir(out.parent)
    except OSError:
        return []
    return sorted(out.parent / n for n in names if n.startswith(pre))


def _recover(out: Path) -> None:
    """`out` missing but an old set of a killed two-rename swap beside it: put it back."""
    if out.exists():
        return
    for old in reversed(_siblings(out, "old")):
        fd = _free(old)
        if fd is None:
            continue
        try:
            os.rename(old, out)
            return
        except OSError:
            continue
        finally:
            os.close(fd)


def _free(path: Path) -> int | None:
    """A lock on a stage/old folder whose owner is gone (None: it is alive, or vanished)."""
    try:
        return _lock_fd(path, block=False)
    except OSError:
        return None


def _clean_siblings(out: Path) -> None:
    """Remove the stages and old sets killed runs left beside `out` (never a live one's)."""
    for kind in _KINDS:
        for path in _siblings(out, kind):
            fd = _free(path)
            if fd is None:
                continue
            try:
                _remove_tree(path)
            finally:
                os.close(fd)


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(OSError):
            path.unlink()


# ---- the commit ---------------------------------------------------------------------------------
def _commit(txn: OutputSet) -> None:
    out, stage = txn.out, txn.stage
    try:
        files = {rel: _sha256(stage / rel) for rel in _files(stage)}
        if MANIFEST in files:
            raise OutputError(f"a command may not write a file called {MANIFEST} (aidi's own)")
        previous = read_manifest(out)
        sets = _merged_sets(previous, txn, files)
        mine = set(files)
        drop = mine | set(previous.get("sets", {}).get(txn.name, {}).get("files", {}))
        _carry_over(out, stage, drop)
        with open(stage / MANIFEST, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(json.dumps({"format": FORMAT, "sets": sets}, indent=1, sort_keys=True,
                                ensure_ascii=False) + "\n")
        _sync_tree(stage, mine | {MANIFEST})
        with contextlib.suppress(OSError):
            os.chmod(stage, os.stat(out).st_mode & 0o7777)
        trash = _swap(stage, out)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise explain_os_error(exc, out, what="replace the output folder") from None
    _sync_dir(out.parent)
    _remove_tree(trash)


def _swap(stage: Path, out: Path) -> Path:
    """Put `stage` at `out`; returns where the old set now is (to delete)."""
    if _exchange(stage, out):
        return stage
    old = _sibling(out, "old")
    os.rename(out, old)      # a kill here: the next run puts `old` back (`_recover`)
    os.rename(stage, out)
    return old


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _files(root: Path) -> list[str]:
    """Every file (or symlink) under `root`, as sorted POSIX paths relative to it."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath).relative_to(root)
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in [*filenames, *links]:
            out.append((base / name).as_posix())
    return sorted(out)


def _sha256(path: Path) -> str:
    if path.is_symlink():
        return hashlib.sha256(os.fsencode(os.readlink(path))).hexdigest()
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def set_hash(files: Mapping[str, str]) -> str:
    """The hash of a set: sha256 over its sorted `path<TAB>sha256` lines."""
    text = "".join(f"{p}\t{files[p]}\n" for p in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


def _merged_sets(previous: Mapping[str, Any], txn: OutputSet, files: dict[str, str]
                 ) -> dict[str, Any]:
    """The manifest's sets after this commit: ours replaced; others keep their files except
    those ours now holds (listed as `superseded`)."""
    sets: dict[str, Any] = {}
    for name, entry in previous.get("sets", {}).items():
        if name == txn.name:
            continue
        kept = {p: h for p, h in entry.get("files", {}).items() if p not in files}
        lost = sorted(set(entry.get("files", {})) - set(kept))
        new = dict(entry, files=kept, hash=set_hash(kept))
        if lost:
            new["superseded"] = sorted(set(entry.get("superseded", [])) | set(lost))
        sets[name] = new
    sets[txn.name] = {"files": files, "hash": set_hash(files), "meta": txn.meta}
    return sets


def _carry_over(out: Path, stage: Path, drop: set[str]) -> None:
    """Hard-link into the stage every file of `out` that this set does not replace."""
    for dirpath, dirnames, filenames in os.walk(out):
        base = Path(dirpath).relative_to(out)
        for name in list(dirnames):
            src, rel = Path(dirpath) / name, base / name
            target = stage / rel
            if target.exists() and not target.is_dir():
                dirnames.remove(name)  # a file of the new set where a folder was: new wins
            elif src.is_symlink():
                if rel.as_posix() not in drop and not target.exists():
                    os.symlink(os.readlink(src), target)
            else:
                target.mkdir(exist_ok=True)
        for name in filenames:
            rel = (base / name).as_posix()
            if rel in drop or rel == MANIFEST or _TMP_LEFTOVER.match(name):
                continue
            src, target = Path(dirpath) / name, stage / rel
            if target.exists() or target.is_symlink():
                continue
            if src.is_symlink():
                os.symlink(os.readlink(src), target)
                continue
            try:
                os.link(src, target)
            except OSError:
                shutil.copy2(src, target)


def _sync_tree(root: Path, rels: set[str]) -> None:
    """fsync the new files and every folder of the stage (a power cut after the swap must not
    find empty files)."""
    for rel in rels:
        path = root / rel
        if path.is_symlink():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for dirpath, _dirs, _files in os.walk(root):
        _sync_dir(Path(dirpath))


def _sync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---- reading ------------------------------------------------------------------------------------
def read_manifest(out: Path | str) -> dict[str, Any]:
    """The folder's manifest ({} when there is none)."""
    path = Path(out) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise explain_os_error(exc, path, what="read") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise OutputError(f"{path} is damaged (not JSON); delete the folder {out} and run "
                          "the command again") from None
    return data if isinstance(data, dict) else {}


def verify(out: Path | str) -> dict[str, str]:
    """Check every set in `out` against its manifest; returns set name → hash.

    Raises `OutputError` naming the first file that is missing or differs.
    """
    out = Path(out)
    manifest = read_manifest(out)
    if not manifest:
        raise OutputError(f"{out} has no {MANIFEST}: not a complete aidi output folder")
    hashes = {}
    for name, entry in manifest.get("sets", {}).items():
        files = entry.get("files", {})
        for rel, digest in files.items():
            path = out / rel
            if not (path.is_file() or path.is_symlink()) or _sha256(path) != digest:
                raise OutputError(f"{path} is missing or differs from the manifest of set "
                                  f"{name!r}")
        if set_hash(files) != entry.get("hash"):
            raise OutputError(f"the manifest's hash of set {name!r} in {out} does not match "
                              "its files")
        hashes[name] = entry["hash"]
    return hashes
