"""One self-contained `explorer.html`: the payload, the strings and the scripts inlined.

No network request of any kind: scripts, styles and the payload are inline, Chinese renders
from an embedded font subset, and a Content-Security-Policy (`default-src 'none'`) makes the
browser refuse any fetch the page might still try. It opens from `file://`.

A spec with a counterpart (the source's index as published beside the validity-driven one)
can carry the other spec's payload too (`others`): the page's spec switch reloads it with
`#spec=<id>` in the link, so both indices are one file and one shareable state.

The font subset is made by `aidi.report.webfont.font_face_css`; the explorer layer may not
import the report layer (see `.importlinter`), so the caller passes that function in — the
`aidi explore` command does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aidi.explorer.export import build_payload
from aidi.io import ensure_out_dir, out_path, write_text

if TYPE_CHECKING:
    from aidi.api import Build

ASSETS = ("explorer.html", "explorer.css", "engine.js", "format.js", "gap.js", "charts.js",
          "map.js", "export.js", "repro.js", "views.js", "app.js", "strings.json")
#: The scripts before the page's own (each defines one factory the page calls), in order.
LIBRARIES = ("engine.js", "format.js", "gap.js", "charts.js", "map.js", "export.js", "repro.js",
             "views.js")
FILE_NAME = "explorer.html"
_PLACEHOLDER = re.compile(r"__(?:LANG|FONT|CSS|DATA|MORE|STRINGS|ENGINE|APP)__")


@cache
def asset(name: str) -> str:
    """The text of one file under `aidi/explorer/assets/`."""
    return resources.files("aidi.explorer").joinpath("assets", name).read_text(encoding="utf-8")


def strings(extra: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, dict[str, str]]:
    """The page's labels, `{"en": {...}, "zh": {...}}` (every key in both languages), with
    `extra` labels merged in (the caller's, e.g. the report's unit names as `unit:<text>`)."""
    out = json.loads(asset("strings.json"))
    for lang, table in (extra or {}).items():
        out.setdefault(lang, {}).update(table)
    return out


def _script_json(obj: Any) -> str:
    """JSON safe inside a <script> element (`</` and U+2028/9 escaped; still valid JSON)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render(payload: Mapping[str, Any], lang: str = "en",
           font_css: Callable[[str], str] | None = None,
           extra_strings: Mapping[str, Mapping[str, str]] | None = None,
           others: Sequence[Mapping[str, Any]] = ()) -> str:
    """The page's HTML for a payload (`aidi.explorer.export.build_payload`), with `others`
    (payloads of other specs, e.g. the counterpart) behind the page's spec switch.

    `font_css(text)` returns an `@font-face` rule covering the characters of `text` (the
    page's Chinese labels and names); without it Chinese falls back to the system's fonts.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be en or zh, got {lang!r}")
    more = {o["spec"]["id"]: {k: v for k, v in o.items() if k != "world"} for o in others
            if o["spec"]["id"] != payload["spec"]["id"]}
    data, labels = _script_json(payload), _script_json(strings(extra_strings))
    extra = _script_json(more)
    engine = "\n".join(asset(name) for name in LIBRARIES)
    app = asset("app.js")
    font = font_css(data + extra + labels + engine + app + asset("explorer.html")) \
        if font_css else ""
    parts = {"__LANG__": lang, "__FONT__": font, "__CSS__": asset("explorer.css"),
             "__DATA__": data, "__MORE__": extra, "__STRINGS__": labels, "__ENGINE__": engine,
             "__APP__": app}
    template = asset("explorer.html")
    missing = [k for k in parts if template.count(k) != 1]
    if missing:
        raise ValueError(f"explorer template must hold each of {missing} exactly once")
    # one pass over the template only: text inserted is never searched for placeholders
    html = _PLACEHOLDER.sub(lambda m: parts[m.group(0)], template)
    return html


def write_explorer(build: Build, out: Path | str, *, lang: str = "en", n_variants: int = 1000,
                   seed: int = 0, font_css: Callable[[str], str] | None = None,
                   timeline: Any = None,
                   extra_strings: Mapping[str, Mapping[str, str]] | None = None,
                   others: Sequence[tuple[Build, Any]] = ()) -> Path:
    """Write `explorer.html` for `build` into the folder `out` (atomically); return its path.
    `timeline` (an `aidi.over_time.Timeline`) adds the "over time" view; `others` (build,
    timeline or None) pairs put other specs behind the page's spec switch."""
    payload = build_payload(build, n_variants=n_variants, seed=seed, timeline=timeline)
    more = [build_payload(b, n_variants=n_variants, seed=seed, timeline=t, world=False)
            for b, t in others]
    html = render(payload, lang, font_css, extra_strings, more)
    return write_text(html, out_path(ensure_out_dir(out), FILE_NAME))
