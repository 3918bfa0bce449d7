"""Finding a font that can draw Chinese, and knowing when there is none.

matplotlib's bundled DejaVu Sans has no CJK glyphs: Chinese text drawn with it becomes empty
"tofu" boxes. No CJK font ships with aidi, so this module looks for one, in order:

1. the files named by the environment variable ``AIDI_CJK_FONT`` (paths separated by
   ``os.pathsep``; .ttf, .otf or .ttc);
2. font files inside an installed font package, if any: ``noto_cjk_sans_otc`` (PyPI
   ``noto-cjk-sans-otc``, Noto Sans CJK, OFL) or ``mplfonts``;
3. fonts already known to matplotlib (system fonts such as Debian's ``fonts-noto-cjk`` or
   ``fonts-wqy-microhei``), preferring well-known Simplified-Chinese families.

Charts call :func:`chart_fonts` to get the `font.family` list for an `rc_context`, and
:func:`renderable` to decide whether a label can be drawn or must fall back to English; so a
machine without a CJK font gets English labels and economy codes, never boxes.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

__all__ = ["BASE_FAMILY", "CJK_FAMILIES", "chart_fonts", "find_cjk_font", "renderable",
           "use_cjk_font"]

#: Latin text is always set in matplotlib's bundled font, so both languages look alike.
BASE_FAMILY = "DejaVu Sans"

#: Families tried first, best Simplified-Chinese coverage first.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Sarasa Gothic SC", "Microsoft YaHei",
    "PingFang SC", "Heiti SC", "SimHei", "Noto Serif CJK SC", "Source Han Serif SC",
    "AR PL UMing CN", "Droid Sans Fallback", "Noto Sans CJK JP", "Noto Sans CJK TC",
)

_PROBE = "中国美国指数"
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
_FONT_PACKAGES = ("noto_cjk_sans_otc", "mplfonts")


def _package_font_files() -> list[Path]:
    files: list[Path] = []
    for pkg in _FONT_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            files.extend(p for p in sorted(Path(root).rglob("*"))
                         if p.suffix.lower() in _FONT_SUFFIXES)
    return files


def _env_font_files() -> list[Path]:
    raw = os.environ.get("AIDI_CJK_FONT", "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


@cache
def _charmap(fname: str) -> frozenset[int]:
    try:
        return frozenset(FT2Font(fname).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


def _covers(fname: str, text: str) -> bool:
    cmap = _charmap(fname)
    return all(ord(ch) in cmap for ch in text)


@cache
def find_cjk_font() -> str | None:
    """The family name of a font that draws Chinese, registering packaged fonts first; or None.

    Cached: fonts do not appear while a process runs (call `find_cjk_font.cache_clear()` in
    tests that change ``AIDI_CJK_FONT``).
    """
    manager = font_manager.fontManager
    for path in [*_env_font_files(), *_package_font_files()]:
        if path.is_file():
            try:
                manager.addfont(str(path))
            except (OSError, RuntimeError, ValueError):
                continue
    by_family: dict[str, str] = {}
    for entry in manager.ttflist:
        by_family.setdefault(entry.name, entry.fname)
    for family in CJK_FAMILIES:
        if family in by_family and _covers(by_family[family], _PROBE):
            return family
    for family, fname in sorted(by_family.items()):
        # matplotlib's "Last Resort" font maps every code point to a placeholder box: exactly
        # the tofu this module exists to avoid.
        if family == BASE_FAMILY or family.startswith("Last Resort"):
            continue
        if _covers(fname, _PROBE):
            return family
    return None


def chart_fonts() -> list[str]:
    """The font family list for charts: DejaVu Sans, then a CJK font if there is one.

    matplotlib falls back glyph by glyph along this list, so Latin text keeps one look in both
    languages and Chinese characters (even in an English chart's source note) come from the
    CJK font.
    """
    family = find_cjk_font()
    return [BASE_FAMILY, family] if family else [BASE_FAMILY]


@cache
def _base_charmap() -> frozenset[int]:
    return _charmap(font_manager.findfont(BASE_FAMILY))


def renderable(text: str) -> bool:
    """True if every character of `text` has a glyph in the fonts `chart_fonts()` gives."""
    need = {ord(ch) for ch in text if not ch.isspace()}
    need -= _base_charmap()
    if not need:
        return True
    family = find_cjk_font()
    if family is None:
        return False
    fname = next((e.fname for e in font_manager.fontManager.ttflist if e.name == family), None)
    return fname is not None and need <= _charmap(fname)


def use_cjk_font() -> bool:
    """Put a CJK font into matplotlib's global sans-serif list; True if one was found.

    For code that draws outside an `rc_context` (e.g. `aidi.report.exposure_chart`); the charts
    of `aidi.report.charts` use :func:`chart_fonts` in a local context instead.
    """
    import matplotlib as mpl

    family = find_cjk_font()
    if family is None:
        return False
    # An explicit list: matplotlib falls back glyph by glyph only along `font.family` itself,
    # not along the members of a generic family such as "sans-serif".
    mpl.rcParams["font.family"] = [BASE_FAMILY, family]
    return True
