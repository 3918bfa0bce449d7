"""Load a spec from YAML and turn validation failures into errors a person can act on.

An error names the file, the line, the path inside the file and the reason, e.g.
`my_spec.yaml:42: root.children[1].children[0].weight: must be >= 0, got -1`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aidi.errors import AidiError
from aidi.specs.schema import IndexSpec

SHIPPED = {"aidi-2024": "aidi_2024.yaml", "asem": "asem_example.yaml"}
DEFAULT_SPEC = "aidi-2024"


class SpecError(AidiError, ValueError):
    """A spec file that cannot be used; the message says where and why."""


def shipped_spec_path(name: str) -> Path:
    """Path of a spec shipped with the package (`aidi-2024`, `asem`)."""
    if name not in SHIPPED:
        raise SpecError(f"unknown shipped spec {name!r}; choose one of {sorted(SHIPPED)} "
                        "or pass the path of a YAML file")
    return Path(str(resources.files("aidi.specs").joinpath(SHIPPED[name])))


def load_spec(source: str | Path | None = None) -> IndexSpec:
    """Load a shipped spec by name, or a user's YAML file by path (default: the AIDI 2024 spec)."""
    source = DEFAULT_SPEC if source is None else source
    path = Path(source)
    if not path.is_file():
        if str(source) in SHIPPED:
            path = shipped_spec_path(str(source))
        else:
            raise SpecError(f"{source}: no such spec file (shipped specs: {sorted(SHIPPED)})")
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: a spec must be a YAML mapping with at least `id`, `name`, `root`")
    if raw.get("kind") == "coinr-steps":
        # A COINr steps file (e.g. the shipped `asem`): the tree comes from its iMeta table.
        from aidi.sources.coinr import CoinTableError, read_coin

        try:
            return read_coin(None, None, path).spec
        except CoinTableError as exc:
            raise SpecError(str(exc)) from None
    return spec_from_dict(raw, origin=str(path), text=text)


def resolve_spec_path(source: str | Path) -> Path:
    """A user's YAML path, or the file of a shipped spec name."""
    path = Path(source)
    if path.is_file():
        return path
    if str(source) in SHIPPED:
        return shipped_spec_path(str(source))
    raise SpecError(f"{source}: no such spec file (shipped specs: {sorted(SHIPPED)})")


def is_coin_steps(source: str | Path) -> bool:
    """Whether a spec file is a COINr steps file (its tree and data come from iData/iMeta)."""
    try:
        raw = yaml.safe_load(resolve_spec_path(source).read_text(encoding="utf-8"))
    except (SpecError, yaml.YAMLError, OSError):
        return False
    return isinstance(raw, dict) and raw.get("kind") == "coinr-steps"


def spec_from_dict(raw: dict[str, Any], origin: str = "<spec>", text: str | None = None
                   ) -> IndexSpec:
    """Validate a spec given as plain data; errors are reported as `origin:line: path: reason`."""
    try:
        return IndexSpec.model_validate(raw)
    except ValidationError as exc:
        lines = [_format_error(err, raw, origin, text) for err in exc.errors()]
        raise SpecError("invalid spec:\n  " + "\n  ".join(lines)) from None


def _format_error(err: dict[str, Any], raw: dict[str, Any], origin: str, text: str | None) -> str:
    loc = [p for p in err["loc"] if p not in ("node", "indicator")]
    path = format_path(loc)
    where = origin
    line = _line_of(text, loc) if text else None
    if line is not None:
        where = f"{origin}:{line}"
    got = _value_at(raw, loc)
    reason = err["msg"].removeprefix("Value error, ")
    reason = reason[0].lower() + reason[1:] if reason else reason
    suffix = f", got {got!r}" if got is not _MISSING and not isinstance(got, dict | list) else ""
    return f"{where}: {path or '(top level)'}: {reason}{suffix}"


def format_path(loc: list[Any]) -> str:
    """('root', 'children', 1, 'weight') → 'root.children[1].weight'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_MISSING = object()


def _value_at(raw: Any, loc: list[Any]) -> Any:
    cur = raw
    for part in loc:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return cur


def _line_of(text: str, loc: list[Any]) -> int | None:
    """1-based line of the deepest YAML node on `loc` that exists."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    line = key.start_mark.line + 1
                    nxt = value
                    break
        elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
              and 0 <= part < len(node.value)):
            nxt = node.value[part]
        node = nxt
    if node is not None:
        line = node.start_mark.line + 1 if line is None else line
    return line
