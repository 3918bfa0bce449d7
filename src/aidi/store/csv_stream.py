"""A user's CSV read as a stream: encoding, delimiter and header decided up front, then the
rows in chunks of bounded size, each row numbered as a spreadsheet shows it (header = 1).

Why a stream: a 200 MB CSV held as Python strings takes gigabytes; read chunk by chunk, the
memory an import needs is the chunk's, whatever the file's size. The encoding is decided on
the whole file without holding it (UTF-8, with or without BOM; GB18030 only when the bytes
look like Chinese text; else Windows-1252 or Latin-1, with a warning in `notes`), and rows
whose number of cells differs from the header's are refused with both widths
(`check_widths`): cut or padded, they would store wrong numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aidi.sources.validate import DataValidationError

__all__ = ["CsvSource", "check_widths", "decode_text", "open_csv"]

#: Bytes read per block while deciding the encoding.
_BLOCK = 1 << 22
#: Characters the delimiter sniffer sees.
_SNIFF = 4096

Progress = Callable[[int, int], None]


@dataclass
class CsvSource:
    """An opened CSV: what was decided about it, and its header row."""

    path: Path
    encoding: str
    dialect: type[csv.Dialect] | csv.Dialect
    header: list[str]
    size: int
    notes: list[str] = field(default_factory=list)

    @property
    def delimiter(self) -> str:
        return self.dialect.delimiter

    def chunks(self, rows: int = 100_000, progress: Progress | None = None
               ) -> Iterator[list[tuple[int, list[str]]]]:
        """The body rows, `rows` at a time, as (row number, cells); blank rows skipped, ragged
        rows refused. `progress(bytes_read, total_bytes)` is called after each chunk."""
        width = len(self.header)
        with open(self.path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            reader = csv.reader(text, self.dialect)
            try:
                next(reader, None)  # the header
                chunk: list[tuple[int, list[str]]] = []
                for n, cells in enumerate(reader, start=2):
                    chunk.append((n, cells))
                    if len(chunk) >= rows:
                        yield _checked(chunk, width, self.path.name)
                        chunk = []
                        if progress is not None:
                            progress(raw.tell(), self.size)
                if chunk:
                    yield _checked(chunk, width, self.path.name)
            except csv.Error as exc:
                raise DataValidationError(f"{self.path.name}: not a readable CSV (row "
                                          f"{reader.line_num}: {exc})") from None
            except UnicodeDecodeError as exc:  # pragma: no cover - the encoding was checked
                raise DataValidationError(f"{self.path.name}: cannot decode it as "
                                          f"{self.encoding} ({exc.reason})") from None
        if progress is not None:
            progress(self.size, self.size)


def _checked(chunk: list[tuple[int, list[str]]], width: int, name: str
             ) -> list[tuple[int, list[str]]]:
    """The chunk without empty rows (rows of blanks only are dropped after stripping, by the
    reader of the cells), once every row's width is checked."""
    check_widths(chunk, width, name)
    return [(n, cells) for n, cells in chunk if any(cells)]


def check_widths(rows, width: int, name: str) -> None:
    """Refuse rows whose number of cells is not the header's: a row cut or padded to fit
    would store wrong numbers (`USA,2022,x,count,1,234` is 1,234 split in two). Extra cells
    that are empty (a trailing delimiter) and blank rows are fine."""
    bad = []
    for n, cells in rows:
        have = len(cells)
        while have > width and _blank(cells[have - 1]):
            have -= 1
        if have != width and not all(_blank(c) for c in cells):
            bad.append((n, len(cells)))
            if len(bad) == 5:
                break
    if bad:
        shown = "; ".join(f"row {n} has {k} cells" for n, k in bad)
        raise DataValidationError(
            f"{name}: {shown} — but the header (row 1) has {width}. A value holding the "
            "delimiter unquoted (a thousands separator such as 1,234, or a name with a "
            "comma), or a missing cell? Quote such values (\"1,234\"), or save the file with "
            "another delimiter; nothing was imported")


def _blank(cell: object) -> bool:
    return cell is None or not str(cell).strip()


def open_csv(path: Path) -> CsvSource:
    """Decide the encoding (reading the whole file once, block by block), the delimiter and
    the header; see the module docstring."""
    path = Path(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise DataValidationError(f"{path}: cannot read the file ({exc.strerror or exc})"
                                  ) from None
    if b"\x00" in head:
        raise DataValidationError(f"{path.name}: contains NUL bytes — not a text CSV (UTF-16 "
                                  "or binary?); save it as CSV UTF-8")
    notes: list[str] = []
    encoding = _encoding(path, notes)
    with open(path, encoding=encoding, newline="") as fh:
        sample = fh.read(_SNIFF)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    with open(path, encoding=encoding, newline="") as fh:
        try:
            header = next(csv.reader(fh, dialect), [])
        except csv.Error as exc:
            raise DataValidationError(f"{path.name}: not a readable CSV ({exc})") from None
    return CsvSource(path, encoding, dialect, header, size, notes)


def _encoding(path: Path, notes: list[str]) -> str:
    """The codec that reads the whole file (see `decode_text` for the order of tries)."""
    if _decodes(path, "utf-8-sig"):
        return "utf-8-sig"
    if _looks_gb_file(path) and _decodes(path, "gb18030"):
        notes.append(f"{path.name} is not UTF-8; read it as GB18030 (Chinese Windows "
                     "encoding) — save it as UTF-8 to be sure")
        return "gb18030"
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        if _decodes(path, encoding):
            notes.append(_latin_note(path.name, label))
            return encoding
    raise DataValidationError(f"{path.name}: cannot tell the text encoding; save it as UTF-8")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_GB_PAIR = re.compile(rb"[\xa1-\xfe][\xa1-\xfe]")
_HIGH = re.compile(rb"[\x80-\xff]")


def _looks_gb_file(path: Path) -> bool:
    high = pairs = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            high += len(_HIGH.findall(block))
            pairs += len(_GB_PAIR.findall(block))
    return _gb_share(high, pairs)


def _gb_share(high: int, pairs: int) -> bool:
    """Chinese GB text pairs high bytes (both in 0xA1–0xFE for GB2312 characters); Latin-1
    text has single accented bytes between ASCII letters."""
    return bool(high) and 2 * pairs >= 0.9 * high


def _latin_note(name: str, label: str) -> str:
    return (f"warning: {name} is not UTF-8; assumed {label} — check accented names "
            "(e.g. Côte d'Ivoire) in the result, or save the file as UTF-8")


def decode_text(data: bytes, name: str, notes: list[str]) -> str:
    """Bytes → text: UTF-8 (BOM or not); GB18030 only for Chinese-looking bytes; else
    Windows-1252 (or Latin-1) with a warning in `notes` — never a silent garble."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _gb_share(len(_HIGH.findall(data)), len(_GB_PAIR.findall(data))):
        try:
            text = data.decode("gb18030")
            notes.append(f"{name} is not UTF-8; read it as GB18030 (Chinese Windows encoding) "
                         "— save it as UTF-8 to be sure")
            return text
        except UnicodeDecodeError:
            pass
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        notes.append(_latin_note(name, label))
        return text
    raise DataValidationError(f"{name}: cannot tell the text encoding; save it as UTF-8")
