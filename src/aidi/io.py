"""File output: atomic writes, safe names, and errors that state the real cause.

Atomic: every output is written to a temporary file beside the target, then renamed, so a
crash or a full disk never leaves a half-written CSV or report where a user (or the next
command) would read it; the previous file stays intact until the new one is complete.

Confined: a file name built from user input (a scenario id, a `--focus` code, a country
list) goes through `safe_name` and `out_path`, so `../`, absolute paths or separators in that
text can never place a file outside the `--out` folder.

Explained: an `OSError` while writing becomes an `OutputError` (an `AidiError`) naming the
file, the cause (disk full, permission, a file where a folder should be) and the fix.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from aidi.errors import AidiError

#: Longest file-name component built from user text (file systems allow 255 bytes).
MAX_NAME = 80
_UNSAFE = re.compile(r"[^\w.\-]+", flags=re.UNICODE)


class OutputError(AidiError, OSError):
    """An output that cannot be written; the message names the file, the cause and the fix."""


def safe_name(text: object) -> str:
    """`text` as one safe file-name component: letters, digits, `_`, `-` and inner dots only.

    Path separators, `..`, control characters and markup become `_`; leading dots are removed
    (no hidden files, no `..`); the result is at most `MAX_NAME` characters and never empty.
    Names are NFKC-normalised so full-width letters give the same file as ASCII ones.
    """
    name = unicodedata.normalize("NFKC", str(text))
    name = _UNSAFE.sub("_", name).strip("._-")
    name = re.sub(r"\.{2,}", "_", name)
    return name[:MAX_NAME].rstrip("._-") or "_"


def out_path(out_dir: Path | str, name: str) -> Path:
    """`out_dir / name`, refused (OutputError) if it would resolve outside `out_dir`.

    Call it with a name built by `safe_name`; the check is the guard that holds even when a
    caller forgets to sanitise.
    """
    root = Path(out_dir).resolve()
    target = (root / name).resolve()
    if Path(name).is_absolute() or not target.is_relative_to(root) or target == root:
        raise OutputError(f"refusing to write {name!r}: it would land outside the output "
                          f"folder {out_dir}; use a plain file name")
    return Path(out_dir) / name


def ensure_out_dir(out_dir: Path | str) -> Path:
    """Create the output folder (and parents); a clear error if it cannot be one."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is an existing file, not a folder; give a folder "
                          "name (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise explain_os_error(exc, out, what="create the output folder") from None
    return out


def check_writable(path: Path | str, option: str = "the output") -> Path:
    """Refuse early (OutputError) a file path that could not be written later, so a command
    fails before doing its work rather than after (e.g. after storing an import)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".aidi-check.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise explain_os_error(exc, path) from None
    return path


def explain_os_error(exc: OSError, path: Path | str, what: str = "write") -> OutputError:
    """An OutputError stating why `path` could not be written, and what to do."""
    code = exc.errno
    if code == errno.ENOSPC or code == errno.EDQUOT:
        cause = ("the disk is full; free some space or choose another --out folder (nothing "
                 "existing was overwritten: the previous file, if any, is intact)")
    elif code in (errno.EACCES, errno.EPERM):
        cause = "permission denied; choose a folder you can write to"
    elif code == errno.EROFS:
        cause = "the file system is read-only; choose a writable folder"
    elif code in (errno.ENOTDIR, errno.EEXIST):
        cause = "a file is in the way where a folder is needed; choose another path"
    elif code == errno.ENOENT:
        cause = "the folder does not exist and cannot be created there; choose another path"
    elif code == errno.ENAMETOOLONG:
        cause = "the file name is too long; choose a shorter path"
    else:
        cause = f"{exc.strerror or exc}; choose another path"
    return OutputError(f"cannot {what} {path}: {cause}")


def reproducible_timestamp(fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    """The time to print in an output: `$SOURCE_DATE_EPOCH` (reproducible-builds.org) if set,
    else "" — never the wall clock, so two runs on the same inputs give byte-identical files."""
    import datetime as dt

    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return ""
    try:
        stamp = dt.datetime.fromtimestamp(int(text), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise AidiError(f"SOURCE_DATE_EPOCH must be a Unix time in seconds, got {text!r}"
                        ) from None
    return stamp.strftime(fmt)


def fixed_datetime():
    """`$SOURCE_DATE_EPOCH` as a UTC datetime, else 1980-01-01 (the earliest ZIP date): the
    time stamped into container formats (xlsx) so reruns are byte-identical."""
    import datetime as dt

    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if text:
        reproducible_timestamp()  # validates
        return dt.datetime.fromtimestamp(int(text), dt.UTC).replace(tzinfo=None)
    return dt.datetime(1980, 1, 1)


def reproducible_zip(path: Path | str) -> None:
    """Rewrite a ZIP container (xlsx, docx) in place with every entry, and the document's
    created/modified properties, dated `fixed_datetime()` (otherwise: the time of writing)."""
    import zipfile

    when = fixed_datetime()
    stamp = when.timetuple()[:6]
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info)) for info in src.infolist()]
    # Office core properties: the writer stamps `modified` with the wall clock when saving
    members = [(info, re.sub(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</)",
                             rb"\g<1>" + iso + rb"\g<2>", data)
                if info.filename == "docProps/core.xml" else data) for info, data in members]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)


def atomic_write(path: Path, write: Callable[[str], None], mode: int = 0o644) -> Path:
    """Call `write(tmp_path)`, then move the temporary file onto `path` (created readable)."""
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:60]}.",
                                   suffix=".tmp")
        os.close(fd)
        write(tmp)
        os.chmod(tmp, mode)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except OSError as exc:
        if isinstance(exc, AidiError):
            raise
        raise explain_os_error(exc, path) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text(text: str, path: Path) -> Path:
    def _write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    return atomic_write(path, _write)


def write_csv(frame: pd.DataFrame, path: Path, float_format: str | None = "%.6g") -> Path:
    """A DataFrame as UTF-8 CSV without its index, atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False,
                                                        float_format=float_format,
                                                        encoding="utf-8"))
