"""Walking and rewriting a spec's tree: the one implementation behind `IndexSpec.iter_nodes`,
`IndexSpec.iter_paths` and `IndexSpec.map_nodes`.

Every analysis that visits the nodes of a spec (compiling the tree, lineage, the report's
profile, the explorer's payload, …) or makes a variant of it (new weights, another edition's
years, another normalisation, …) goes through these, so the order of a walk and the rules of a
rewrite are the same everywhere. A node with `children` is an aggregate, any other a leaf
(an indicator); nothing here imports the models, which `aidi.specs.schema` defines on top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from aidi.errors import InputError

M = TypeVar("M", bound=BaseModel)
Order = Literal["pre", "post"]


def _children(node: Any) -> tuple[Any, ...]:
    # read from the model's fields: a missing attribute goes through pydantic's __getattr__,
    # ~100× slower, and a walk asks every leaf
    return node.__dict__.get("children") or ()


def iter_nodes(node: Any, order: Order = "pre") -> Iterator[Any]:
    """Every node under `node` (itself included), depth-first in child order: parents before
    children (`pre`), or children before parents (`post`: the order of a bottom-up pass)."""
    if order == "pre":
        stack = [node]
        while stack:
            n = stack.pop()
            yield n
            stack.extend(reversed(_children(n)))
        return
    if order != "post":
        raise ValueError(f"order must be 'pre' or 'post', got {order!r}")
    todo: list[tuple[Any, bool]] = [(node, False)]
    while todo:
        n, expanded = todo.pop()
        kids = _children(n)
        if expanded or not kids:
            yield n
            continue
        todo.append((n, True))
        todo.extend((c, False) for c in reversed(kids))


def iter_paths(node: Any) -> Iterator[tuple[Any, ...]]:
    """`iter_nodes(node)` (parents first), each node with the path to it: `path[-1]` is the
    node, `path[0]` the start, `len(path) - 1` its depth below the start."""
    stack: list[tuple[Any, ...]] = [(node,)]
    while stack:
        path = stack.pop()
        yield path
        stack.extend((*path, c) for c in reversed(_children(path[-1])))


def map_tree(node: M, fn: Callable[[Any], Any]) -> M:
    """`fn` applied to every node bottom-up: a node's children are mapped first and `fn` gets
    the node with its new children. What `fn` returns changed (a new object) is validated
    again, and so is a parent whose children changed; a node `fn` leaves alone stays the same
    object, shared with the input tree."""
    kids = _children(node)
    new = tuple(map_tree(c, fn) for c in kids)
    changed = any(a is not b for a, b in zip(new, kids, strict=True))
    if changed:
        node = node.model_copy(update={"children": new})
    out = fn(node)
    return revalidated(out) if (changed or out is not node) else out


def revalidated(model: M) -> M:
    """`model` validated again from its own fields (its nested models are taken as they are:
    they were validated when made), so a rewrite obeys every rule a loaded spec does."""
    try:
        return type(model).model_validate({k: getattr(model, k) for k in type(model).model_fields})
    except ValidationError as exc:
        where = getattr(model, "id", type(model).__name__)
        msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise InputError(f"the rewritten spec is not valid at {where!r}: {msg}") from None
