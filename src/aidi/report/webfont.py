"""A subset of the packaged CJK font, embedded in a page so Chinese renders on any machine.

A reader's browser may have no Chinese font (a fresh Linux box shows every character as a
box). The report and the explorer therefore carry, as a base64 `@font-face`, only the glyphs
their own text uses — a few hundred characters, tens of kilobytes — cut from the font that
`aidi.report.fonts` finds (the `noto-cjk-sans-otc` package, a dependency). WOFF2 when Brotli
is installed, else WOFF (zlib), so the page never asks the network for a font.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from functools import cache
from pathlib import Path

FAMILY = "aidi CJK"


def _font_file() -> tuple[Path, int] | None:
    """(file, index in the collection) of a font that covers Simplified Chinese."""
    spec = importlib.util.find_spec("noto_cjk_sans_otc")
    if spec is not None and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            for p in sorted(Path(root).glob("*.tt[cf]")):
                return p, _sc_index(p)
    return None


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


@cache
def _subset(chars: str) -> tuple[bytes, str] | None:
    found = _font_file()
    if found is None or not chars:
        return None
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path, index = found
    # recalcTimestamp=False: the head table keeps the font's own date, so the same text gives
    # the same bytes (byte-identical reports)
    font = TTFont(str(path), fontNumber=index, lazy=False, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    try:
        import brotli  # noqa: F401

        options.flavor, mime = "woff2", "font/woff2"
    except ImportError:
        options.flavor, mime = "woff", "font/woff"
    sub = subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = options.flavor
    font.save(buf)
    return buf.getvalue(), mime


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
