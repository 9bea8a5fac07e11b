"""A layered layout computed in Python, for the HTML page (which must not need ``dot``).

Nodes sit in layers by their longest distance from the start; within a layer, each node is
centred over its children in a spanning tree (the first way the depth-first walk reached
each node), and subtrees are pushed apart so that no two boxes, nor an answer's label and a
box, overlap. The result is deterministic: same sizes in, same coordinates out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import Diagram

__all__ = ["Layout", "layered"]

GAP = 28.0  # between neighbours in a layer
LAYER_GAP = 34.0  # between layers, besides the answers' labels
MARGIN = 16.0


@dataclass(frozen=True)
class Layout:
    """Top-left corners of the boxes, answer label centres, and the drawing's size.

    ``edges`` maps an edge key to its path's corner points (an orthogonal polyline from the
    parent to the child) and the centre of its label.
    """

    boxes: Mapping[str, tuple[float, float, float, float]]  # key -> x, y, width, height
    edges: Mapping[str, tuple[tuple[tuple[float, float], ...], tuple[float, float]]]
    width: float
    height: float


def layered(diagram: Diagram, sizes: Mapping[str, tuple[float, float]],
            labels: Mapping[str, tuple[float, float]]) -> Layout:
    """Lay ``diagram`` out; ``sizes`` are the boxes' (width, height) by node key and
    ``labels`` the answers' label sizes by edge key. ``diagram.direction`` is ``TB`` or
    ``LR``."""
    across = diagram.direction == "TB"  # layers are rows (TB) or columns (LR)

    def breadth(size: tuple[float, float]) -> float:
        return size[0] if across else size[1]

    def depth(size: tuple[float, float]) -> float:
        return size[1] if across else size[0]

    keys = [node.key for node in diagram.nodes]
    children: dict[str, list[str]] = {key: [] for key in keys}
    parents: dict[str, list[str]] = {key: [] for key in keys}
    label_into: dict[str, tuple[float, float]] = {}
    for edge in diagram.edges:
        children[edge.source].append(edge.target)
        parents[edge.target].append(edge.source)
        width, height = labels[edge.key]
        held = label_into.get(edge.target, (0.0, 0.0))
        label_into[edge.target] = (max(held[0], width), max(held[1], height))

    # Layers: the longest distance from the start (nodes come in depth-first order).
    layer: dict[str, int] = {}
    for key in _topological(keys, parents):
        layer[key] = max((layer[p] + 1 for p in parents[key]), default=0)

    # The spanning tree: each node hangs from the first parent that reached it.
    tree: dict[str, list[str]] = {key: [] for key in keys}
    placed_under: set[str] = set()
    for key in keys:
        for child in children[key]:
            if child not in placed_under and child != keys[0]:
                placed_under.add(child)
                tree[key].append(child)

    def half(key: str) -> float:
        own = breadth(sizes[key])
        label = label_into.get(key)
        label_breadth = (label[0] if across else label[1]) if label else 0.0
        return max(own, label_breadth) / 2

    centre: dict[str, float] = {}
    free: dict[int, float] = {}

    def subtree(key: str) -> list[str]:
        """``key`` and every node below it in the spanning tree."""
        found = [key]
        pending = [key]
        while pending:
            below = tree[pending.pop()]
            found.extend(below)
            pending.extend(below)
        return found

    def place(top: str) -> None:
        """Centre ``top``'s subtree, children before their parent (a walk with a stack of
        its own, so a long chain of decisions needs no deep recursion)."""
        stack = [(top, False)]
        while stack:
            key, ready = stack.pop()
            if not ready:
                stack.append((key, True))
                stack.extend((child, False) for child in reversed(tree[key]))
                continue
            level = layer[key]
            need = free.get(level, 0.0) + half(key)
            if tree[key]:
                first, last = tree[key][0], tree[key][-1]
                at = (centre[first] + centre[last]) / 2
                if at < need:
                    below = [n for child in tree[key] for n in subtree(child)]
                    shift = need - at
                    for node in below:
                        centre[node] += shift
                    for touched in {layer[n] for n in below}:
                        free[touched] += shift
                    at = need
            else:
                at = need
            centre[key] = at
            free[level] = at + half(key) + GAP

    place(keys[0])
    for key in keys:  # nodes outside the tree (none in a valid guideline), after the rest
        if key not in centre:
            place(key)

    # Depth positions: each layer as deep as its deepest box, after its labels.
    levels = max(layer.values()) + 1
    thickness = [0.0] * levels
    label_room = [0.0] * levels
    for key in keys:
        thickness[layer[key]] = max(thickness[layer[key]], depth(sizes[key]))
        if key in label_into:
            size = label_into[key]
            label_room[layer[key]] = max(label_room[layer[key]],
                                         size[1] if across else size[0])
    start = [0.0] * levels
    position = MARGIN
    for level in range(levels):
        position += label_room[level] + (LAYER_GAP if level else 0.0)
        start[level] = position
        position += thickness[level]

    lowest = min(centre[k] - breadth(sizes[k]) / 2 for k in keys)
    offset = MARGIN - min(lowest, min(centre[k] - half(k) for k in keys))
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for key in keys:
        width, height = sizes[key]
        along = centre[key] + offset - breadth(sizes[key]) / 2
        down = start[layer[key]]
        boxes[key] = (along, down, width, height) if across else (down, along, width, height)

    # Orthogonal edges: down from the parent to a bus just below its layer, across, then down
    # through the answer's label into the child (right, across and right for LR).
    bottom = [start[level] + thickness[level] for level in range(levels)]
    edges = {}
    for edge in diagram.edges:
        sx, sy, sw, sh = boxes[edge.source]
        tx, ty, tw, th = boxes[edge.target]
        lw, lh = labels[edge.key]
        bus = bottom[layer[edge.source]] + LAYER_GAP / 2
        if across:
            a, b = (sx + sw / 2, sy + sh), (tx + tw / 2, ty)
            points = (a, (a[0], bus), (b[0], bus), b)
            label = (b[0], b[1] - 6 - lh / 2)
        else:
            a, b = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
            points = (a, (bus, a[1]), (bus, b[1]), b)
            label = (b[0] - 6 - lw / 2, b[1])
        edges[edge.key] = (tuple((round(x, 1), round(y, 1)) for x, y in points),
                           (round(label[0], 1), round(label[1], 1)))

    width = max(x + w for x, _, w, _ in boxes.values()) + MARGIN
    height = max(y + h for _, y, _, h in boxes.values()) + MARGIN
    rounded = {k: tuple(round(v, 1) for v in box) for k, box in boxes.items()}
    return Layout(boxes=rounded, edges=edges, width=round(width, 1),  # type: ignore[arg-type]
                  height=round(height, 1))


def _topological(keys: list[str], parents: Mapping[str, list[str]]) -> list[str]:
    """``keys`` with every node after its parents (the graph is acyclic), stable."""
    done: list[str] = []
    seen: set[str] = set()
    pending = list(keys)
    while pending:
        key = next(k for k in pending if all(p in seen for p in parents[k]))
        pending.remove(key)
        seen.add(key)
        done.append(key)
    return done
