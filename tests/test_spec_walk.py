"""`IndexSpec.iter_nodes` / `iter_paths` / `map_nodes`: the one walk and the one rewrite of a
spec's tree that every analysis uses (orders, paths, sharing, validation of the result)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidi.errors import InputError
from aidi.specs.schema import IndexSpec, Indicator, Node
from tests.conftest import TINY_SPEC


def _ids(nodes) -> list[str]:
    return [n.id for n in nodes]


def test_orders_paths_and_subtrees(tiny_spec):
    assert _ids(tiny_spec.iter_nodes()) == ["index", "ta", "a", "b", "mf", "c"]
    assert _ids(tiny_spec.iter_nodes(order="post")) == ["a", "b", "ta", "c", "mf", "index"]
    assert _ids(tiny_spec.iter_nodes("ta")) == ["ta", "a", "b"]
    paths = {p[-1].id: _ids(p) for p in tiny_spec.iter_paths()}
    assert paths["b"] == ["index", "ta", "b"] and paths["index"] == ["index"]
    assert {p[-1].id: _ids(p) for p in tiny_spec.iter_paths("mf")} == {"mf": ["mf"],
                                                                       "c": ["mf", "c"]}
    assert tiny_spec.level_of() == {"index": 0, "ta": 1, "a": 2, "b": 2, "mf": 1, "c": 2}
    with pytest.raises(ValueError, match="order"):
        list(tiny_spec.iter_nodes(order="breadth"))  # type: ignore[arg-type]


def test_map_nodes_shares_what_it_leaves_and_validates_what_it_changes(tiny_spec):
    assert tiny_spec.map_nodes(lambda n: n) is tiny_spec
    new = tiny_spec.map_nodes(lambda n: n.model_copy(update={"weight": 3.0}) if n.id == "a"
                              else n)
    assert new.node("a").weight == 3.0 and tiny_spec.node("a").weight == 1.0
    assert new.node("mf") is tiny_spec.node("mf")      # an untouched branch is shared
    assert new.node("ta") is not tiny_spec.node("ta")  # a parent of a change is rebuilt
    assert new.node("b") is tiny_spec.node("b")


def test_map_nodes_sees_the_new_children_first(tiny_spec):
    seen: dict[str, list[float]] = {}

    def fn(n):
        if isinstance(n, Indicator):
            return n.model_copy(update={"weight": 2.0})
        seen[n.id] = [c.weight for c in n.children]
        return n

    tiny_spec.map_nodes(fn)
    assert seen == {"ta": [2.0, 2.0], "mf": [2.0], "index": [1.0, 1.0]}


def test_map_nodes_refuses_a_rewrite_a_loaded_spec_could_not_have(tiny_spec):
    with pytest.raises(InputError, match="'ta'.*weight 0"):
        tiny_spec.map_nodes(lambda n: n.model_copy(update={"weight": 0.0})
                            if n.id in ("a", "b") else n)
    with pytest.raises(InputError, match="more than once"):
        tiny_spec.map_nodes(lambda n: n.model_copy(update={"id": "a"}) if n.id == "c" else n)


# ---- random trees: the walk agrees with the plain recursion -----------------------------------
def _recursive(n, out, post=False):
    if not post:
        out.append(n.id)
    for c in getattr(n, "children", ()):
        _recursive(c, out, post)
    if post:
        out.append(n.id)
    return out


@st.composite
def trees(draw, depth=0, counter=None):
    counter = counter if counter is not None else [0]
    counter[0] += 1
    nid = f"n{counter[0]}"
    if depth >= 3 or (depth > 0 and draw(st.booleans())):
        return {"id": nid, "name": {"en": nid}, "series": f"s.{nid}"}
    k = draw(st.integers(1, 3))
    return {"id": nid, "name": {"en": nid},
            "children": [draw(trees(depth + 1, counter)) for _ in range(k)]}


@settings(max_examples=40, deadline=None)
@given(trees())
def test_walk_orders_match_the_recursion(root):
    if "children" not in root:
        root = {"id": "r", "name": {"en": "r"}, "children": [root]}
    spec = IndexSpec.model_validate({**{k: TINY_SPEC[k] for k in ("id", "name")}, "root": root})
    assert _ids(spec.iter_nodes()) == _recursive(spec.root, [])
    assert _ids(spec.iter_nodes(order="post")) == _recursive(spec.root, [], post=True)
    assert [len(p) - 1 for p in spec.iter_paths()] == [spec.level_of()[i]
                                                      for i in _recursive(spec.root, [])]
    doubled = spec.map_nodes(lambda n: n.model_copy(update={"weight": 2 * n.weight}))
    assert all(n.weight == 2.0 for n in doubled.iter_nodes())
    assert isinstance(doubled.root, Node) and spec.root.weight == 1.0
