"""Structure checks on the graph as written: one root, no cycle, every node reachable.

Plain standard library, iterative (a chain of thousands of decisions is fine), each check run
once over the whole graph: reachability is one walk from the start, cycles are found as strongly
connected components (Tarjan's algorithm) and each component is reported once, by one cycle
through its first-written node. networkx is not needed to load a guideline.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["components", "cycle_through", "dependencies_first", "reachable", "reaching"]

Edges = Mapping[str, Sequence[str]]


def reachable(edges: Edges, start: str) -> set[str]:
    """Every node reachable from ``start`` (itself included)."""
    seen = {start}
    todo = [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def reaching(edges: Edges, targets: Iterable[str]) -> set[str]:
    """Every node from which one of ``targets`` is reachable (the targets included)."""
    parents: dict[str, list[str]] = {}
    for source, children in edges.items():
        for child in children:
            parents.setdefault(child, []).append(source)
    seen = set(targets)
    todo = list(seen)
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def dependencies_first(nodes: Sequence[str], edges: Edges) -> list[str]:
    """``nodes`` ordered so that each comes after those it has edges to (a depth-first
    post-order, in the order of ``nodes``), for a graph without cycles among them; edges to
    nodes not in ``nodes`` are left out.

    >>> dependencies_first(["a", "b", "c"], {"a": ["c", "b"], "c": ["b", "x"]})
    ['b', 'c', 'a']
    """
    inside = set(nodes)
    done: set[str] = set()
    order: list[str] = []
    for root in nodes:
        if root in done:
            continue
        done.add(root)
        frames = [(root, iter(edges.get(root, ())))]
        while frames:
            node, children = frames[-1]
            for child in children:
                if child in inside and child not in done:
                    done.add(child)
                    frames.append((child, iter(edges.get(child, ()))))
                    break
            else:
                frames.pop()
                order.append(node)
    return order


def components(nodes: Sequence[str], edges: Edges) -> list[list[str]]:
    """The strongly connected components that hold a cycle (several nodes, or a self-loop),
    each in the order of ``nodes``, sorted by their first node's place in ``nodes``."""
    order = {node: i for i, node in enumerate(nodes)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        # Each frame: (node, iterator over its children).
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        frames = [(root, iter(edges.get(root, ())))]
        while frames:
            node, children = frames[-1]
            for child in children:
                if child not in order:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    frames.append((child, iter(edges.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                frames.pop()
                if frames:
                    parent = frames[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges.get(node, ()):
                        found.append(sorted(component, key=order.__getitem__))
    return sorted(found, key=lambda c: order[c[0]])


def cycle_through(first: str, component: Iterable[str], edges: Edges) -> list[str]:
    """A shortest cycle from ``first`` back to it inside ``component``: its nodes, in order."""
    inside = set(component)
    came_from: dict[str, str] = {}
    todo = deque([first])
    while todo:
        node = todo.popleft()
        for child in edges.get(node, ()):
            if child == first:
                path = [node]
                while path[-1] != first:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if child in inside and child not in came_from:
                came_from[child] = node
                todo.append(child)
    raise ValueError(f"{first!r} is on no cycle")  # pragma: no cover - a component has one
