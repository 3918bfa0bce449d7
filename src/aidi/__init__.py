"""aidi — the AI Development Index toolkit.

The front door is `aidi.build(...)`, which returns an immutable `aidi.Build`; see
`docs/api.md`. Names are imported on first use so that `import aidi` (and `aidi --help`)
stays fast; `aidi.__version__` is read from the installed package's metadata (pyproject.toml
is its one source), also on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["__version__", "AidiError", "Build", "build", "read_coin", "load_spec", "timeline", "trends"]

if TYPE_CHECKING:
    from aidi.api import Build, build, load_spec, read_coin
    from aidi.errors import AidiError

_LAZY = {"Build": "aidi.api", "build": "aidi.api", "read_coin": "aidi.api",
         "Comparison": "aidi.api", "AidiError": "aidi.errors", "load_spec": "aidi.api",
         "trends": "aidi.analysis.trends", "timeline": "aidi.over_time"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aidi")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _version()
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'aidi' has no attribute {name!r}")
