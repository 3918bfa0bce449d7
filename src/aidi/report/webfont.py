"""A subset of the packaged CJK font, embedded in a page so Chinese renders on any machine.

A reader's browser may have no Chinese font (a fresh Linux box shows every character as a
box). The report and the explorer therefore carry, as a base64 `@font-face`, only the glyphs
their own text uses — a few hundred characters, tens of kilobytes — cut from the font that
`aidi.report.fonts` finds (the `noto-cjk-sans-otc` package, a dependency). WOFF2 when Brotli
is installed, else WOFF (zlib), so the page never asks the network for a font.

Cutting the subset takes seconds (fontTools parses the whole 20 MB collection), and a report
in the same language shows the same characters build after build; so subsets are cached on
disk by what determines their bytes — the character set, the font file (path, size, date),
fontTools' version and the format — under `$AIDI_CACHE_DIR` or the user cache directory
(`platformdirs`). A cached subset is the same bytes a new cut would give; a cache that cannot
be written is skipped, never an error. fontTools is imported only on a miss.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from functools import cache
from pathlib import Path

FAMILY = "aidi CJK"


@cache
def _font_path() -> Path | None:
    """The packaged font file that covers Simplified Chinese (no font parsed: a path)."""
    spec = importlib.util.find_spec("noto_cjk_sans_otc")
    if spec is not None and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            for p in sorted(Path(root).glob("*.tt[cf]")):
                return p
    return None


@cache
def _sc_index(path: Path) -> int:
    """The face of a collection named "… SC" (Simplified Chinese); 0 if none is."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    with TTCollection(str(path), lazy=True) as coll:
        for i, font in enumerate(coll.fonts):
            name = font["name"].getDebugName(1) or ""
            if name.endswith(" SC"):
                return i
    return 0


def cjk_chars(text: str) -> str:
    """The distinct non-ASCII characters of `text`, sorted (what the subset must cover)."""
    return "".join(sorted({ch for ch in text if ord(ch) > 0x7F}))


def cache_dir() -> Path:
    """Where subsets are kept: `$AIDI_CACHE_DIR/fonts`, else the user cache directory's."""
    import os

    root = os.environ.get("AIDI_CACHE_DIR", "").strip()
    if not root:
        from platformdirs import user_cache_dir

        root = user_cache_dir("aidi")
    return Path(root) / "fonts"


def _flavor() -> tuple[str, str]:
    """(fontTools flavor, MIME type): WOFF2 with Brotli, else WOFF."""
    return ("woff2", "font/woff2") if importlib.util.find_spec("brotli") else \
        ("woff", "font/woff")


def _cache_key(chars: str, path: Path) -> str:
    """What a subset's bytes depend on: the characters, the font file (its face index is a
    function of the file), fontTools' version and the format."""
    import hashlib
    from importlib.metadata import version

    st = path.stat()
    parts = [chars, str(path.resolve()), str(st.st_size), str(st.st_mtime_ns),
             version("fonttools"), _flavor()[0]]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


#: Character sets whose subset this process already holds (`_subset`'s cache).
_cut_here: set[str] = set()


@cache
def _subset(chars: str) -> tuple[bytes, str] | None:
    path = _font_path()
    _cut_here.add(chars)
    if path is None or not chars:
        return None
    flavor, mime = _flavor()
    key = cache_dir() / f"{_cache_key(chars, path)}.{flavor}"
    try:
        return key.read_bytes(), mime
    except OSError:
        pass
    data = _cut(chars, path, _sc_index(path), flavor)
    try:
        from aidi.errors import AidiError
        from aidi.io import atomic_write

        atomic_write(key, lambda tmp: Path(tmp).write_bytes(data))
    except (OSError, AidiError):
        pass  # a read-only or full cache: the next build cuts it again
    return data, mime


def _cut(chars: str, path: Path, index: int, flavor: str) -> bytes:
    """The subset of face `index` of `path` with the glyphs of `chars`, as `flavor`."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcTimestamp=False: the head table keeps the font's own date, so the same text gives
    # the same bytes (byte-identical reports)
    font = TTFont(str(path), fontNumber=index, lazy=False, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.flavor = flavor
    sub = subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = options.flavor
    font.save(buf)
    return buf.getvalue()


def is_cached(text: str) -> bool:
    """Whether the subset for `text` is already cut (in this process or on disk): then
    `font_face_css` costs a file read, not seconds."""
    chars = cjk_chars(text)
    path = _font_path()
    if path is None or not chars or chars in _cut_here:
        return True
    return (cache_dir() / f"{_cache_key(chars, path)}.{_flavor()[0]}").is_file()


def font_face_css(text: str, family: str = FAMILY) -> str:
    """An `@font-face` rule embedding the glyphs `text` needs ("" if no CJK font is found or
    the text needs none). Use `family` first in the page's `font-family` list."""
    got = _subset(cjk_chars(text))
    if got is None:
        return ""
    data, mime = got
    fmt = "woff2" if mime.endswith("woff2") else "woff"
    b64 = base64.b64encode(data).decode("ascii")
    return (f"@font-face{{font-family:'{family}';src:url(data:{mime};base64,{b64}) "
            f"format('{fmt}');font-display:block;}}")
