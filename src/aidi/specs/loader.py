"""Load a spec from YAML and turn validation failures into errors a person can act on.

An error names the file, the line, the path inside the file and the reason, e.g.
`my_spec.yaml:42: root.children[1].children[0].weight: must be >= 0, got -1`.

Every YAML input of aidi (specs, COINr steps files, scenarios, the sources file) is read by
`read_yaml`: parsed once (cached by path, size and modification time) with libyaml's C parser
when available, refusing repeated keys (YAML would silently keep the last one) and files
larger than `MAX_YAML_BYTES` — a spec is a few kilobytes; megabytes mean a wrong file.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aidi.errors import AidiError
from aidi.specs.schema import IndexSpec

SHIPPED = {"aidi-2024": "aidi_2024.yaml", "cicc-2024": "cicc_2024.yaml", "asem": "asem_example.yaml"}
DEFAULT_SPEC = "aidi-2024"


class SpecError(AidiError, ValueError):
    """A spec file that cannot be used; the message says where and why."""


#: Largest YAML file aidi reads (the shipped AIDI spec is ~20 kB).
MAX_YAML_BYTES = 5 * 1024 * 1024

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe YAML loading (C parser when available) that refuses a key repeated in a mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, f"unhashable key {key!r}", key_node.start_mark) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping (lines {seen[key]} "
                    f"and {key_node.start_mark.line + 1}); YAML would silently keep the last — "
                    "remove one", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a large tree of new objects is built: it
    would scan the growing tree again and again (a 10,000-indicator spec parsed twice as
    slowly, and more than linearly). Nothing here makes cycles; collection resumes after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse_yaml(text: str, origin: str = "<yaml>", what: str = "spec") -> Any:
    """YAML text → data with `UniqueKeyLoader`; errors as one SpecError naming the line."""
    try:
        with no_gc():
            return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"{where}: the {what} is not valid YAML: {problem}") from None
    except RecursionError:
        raise SpecError(f"{origin}: the {what} is nested too deeply to read") from None


def read_yaml(path: str | Path, what: str = "spec") -> Any:
    """A YAML file's data (a fresh copy), parsed once per file version; see the module doc."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the {what} file ({exc.strerror or exc})") from None
    if st.st_size > MAX_YAML_BYTES:
        raise SpecError(f"{path}: the {what} file is {st.st_size / 1e6:.1f} MB; aidi reads "
                        f"YAML files up to {MAX_YAML_BYTES / 1e6:.0f} MB (a {what} is normally "
                        "a few kB) — is this the right file?")
    raw, _ = _read_cached(str(path.resolve()), st.st_mtime_ns, st.st_size, what)
    with no_gc():
        return copy.deepcopy(raw)


def read_yaml_text(path: str | Path, what: str = "spec") -> tuple[Any, str]:
    """(data, text) of a YAML file, as `read_yaml` (the text locates validation errors)."""
    data = read_yaml(path, what)
    st = Path(path).stat()
    return data, _read_cached(str(Path(path).resolve()), st.st_mtime_ns, st.st_size, what)[1]


@functools.lru_cache(maxsize=16)
def _read_cached(path: str, _mtime_ns: int, _size: int, what: str) -> tuple[Any, str]:
    """The file's parsed data and text; `_mtime_ns` and `_size` are only the cache key (a
    changed file is read again)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: the {what} file is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the {what} file ({exc.strerror or exc})") from None
    return parse_yaml(text, path, what), text


def shipped_spec_path(name: str) -> Path:
    """Path of a spec shipped with the package (`aidi-2024`, `asem`)."""
    if name not in SHIPPED:
        raise SpecError(f"unknown shipped spec {name!r}; choose one of {sorted(SHIPPED)} "
                        "or pass the path of a YAML file")
    return Path(str(resources.files("aidi.specs").joinpath(SHIPPED[name])))


def load_spec(source: str | Path | None = None) -> IndexSpec:
    """Load a shipped spec by name, or a user's YAML file by path (default: the AIDI 2024 spec).
    `<shipped>-intensity` is the shipped spec's intensity variant (`aidi.specs.intensity`)."""
    source = DEFAULT_SPEC if source is None else source
    base = _intensity_base(source)
    if base is not None:
        from aidi.specs.intensity import intensity_spec

        try:
            return intensity_spec(load_spec(base))
        except ValueError as exc:
            raise SpecError(f"{source}: {exc}") from None
    path = Path(source)
    if not path.is_file():
        if str(source) in SHIPPED:
            path = shipped_spec_path(str(source))
        else:
            raise SpecError(f"{source}: no such spec file (shipped specs: {sorted(SHIPPED)})")
    raw, text = read_yaml_text(path)
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: a spec must be a YAML mapping with at least `id`, `name`, `root`")
    if raw.get("kind") == "coinr-steps":
        # A COINr steps file (e.g. the shipped `asem`): its tree comes from the iMeta table,
        # which the sources layer reads — `aidi.load_spec` / `aidi.build` do that.
        raise SpecError(f"{path}: a COINr steps file (kind: coinr-steps) takes its tree from "
                        "iMeta; load it with aidi.load_spec or build it with aidi.build")
    return spec_from_dict(raw, origin=str(path), text=text)


def _intensity_base(source: str | Path) -> str | None:
    """The shipped spec whose intensity variant `source` names, if it names one."""
    from aidi.specs.intensity import SUFFIX

    name = str(source)
    if name.endswith(SUFFIX) and name[:-len(SUFFIX)] in SHIPPED and not Path(name).is_file():
        return name[:-len(SUFFIX)]
    return None


def resolve_spec_path(source: str | Path) -> Path:
    """A user's YAML path, or the file of a shipped spec name."""
    path = Path(source)
    if path.is_file():
        return path
    base = _intensity_base(source)
    if str(source) in SHIPPED or base is not None:
        return shipped_spec_path(base or str(source))
    raise SpecError(f"{source}: no such spec file (shipped specs: {sorted(SHIPPED)})")


def is_coin_steps(source: str | Path) -> bool:
    """Whether a spec file is a COINr steps file (its tree and data come from iData/iMeta)."""
    try:
        raw = read_yaml(resolve_spec_path(source))
    except SpecError:
        return False
    return isinstance(raw, dict) and raw.get("kind") == "coinr-steps"


def spec_from_dict(raw: dict[str, Any], origin: str = "<spec>", text: str | None = None
                   ) -> IndexSpec:
    """Validate a spec given as plain data; errors are reported as `origin:line: path: reason`."""
    try:
        with no_gc():
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
        node = yaml.compose(text, Loader=_BaseLoader)
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
