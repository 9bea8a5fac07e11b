"""Cutting a diagram into pages, for print: a first page with the top of the graph and one
page for each subtree cut off from it.

Which subtrees to cut is decided by :mod:`nettree.export.pdf`, which measures drawings with
``dot``; here the cutting itself is pure. A cut decision appears twice: at the bottom of the
page it hangs from, marked "continued on page N", and at the top of its own page.
"""

from __future__ import annotations

from dataclasses import replace

from ..format.structure import reachable
from .model import Diagram

__all__ = ["answers_to", "descendants", "paginate", "subtree"]


def descendants(diagram: Diagram, key: str) -> list[str]:
    """The keys of ``key`` and every node below it, in the diagram's order."""
    children: dict[str, list[str]] = {}
    for edge in diagram.edges:
        children.setdefault(edge.source, []).append(edge.target)
    below = reachable(children, key)
    return [node.key for node in diagram.nodes if node.key in below]


def _keep(diagram: Diagram, keys: set[str], continued: dict[str, int], page: str,
          *, full: bool = True) -> Diagram:
    nodes = []
    for node in diagram.nodes:
        if node.key not in keys:
            continue
        if node.key in continued:
            note = (f"Continued on page {continued[node.key]}." if continued[node.key]
                    else "Off this patient's path: not printed.")
            node = replace(node, detail=f"{node.detail} {note}".strip())
        nodes.append(node)
    edges = tuple(e for e in diagram.edges if e.source in keys and e.target in keys)
    return replace(diagram, nodes=tuple(nodes), edges=edges,
                   legend=replace(diagram.legend, page=page, full=full))


def subtree(diagram: Diagram, key: str, page: str = "") -> Diagram:
    """The part of ``diagram`` from ``key`` down, as a diagram of its own (with a short key
    instead of the full legend)."""
    return _keep(diagram, set(descendants(diagram, key)), {}, page, full=False)


def paginate(diagram: Diagram, roots: list[str], *, path_only: bool = False) -> list[Diagram]:
    """The first page and one page per root, in order. ``roots`` are node keys.

    Each page holds its root and everything below it except what hangs below another root
    (that root is drawn at the bottom, marked as continued): a root may lie below another
    one, so that a page of the top of the graph can itself be cut."""
    if not roots:
        return [diagram]
    # A patient's printout holds only the pages on the patient's path (and page 1, with the
    # legend); a part cut off the path is marked as not printed where it hangs.
    printed = [r for r in roots if not path_only or diagram.node_by_key(r).on_path]
    total = len(printed) + 1
    numbers = {root: index + 2 for index, root in enumerate(printed)}

    def part(top: str | None) -> tuple[set[str], dict[str, int]]:
        keys = set(descendants(diagram, top)) if top else {n.key for n in diagram.nodes}
        inner = [r for r in roots if r != top and r in keys]
        for root in inner:
            keys -= set(descendants(diagram, root)) - {root}
        return keys, {root: numbers.get(root, 0) for root in inner if root in keys}

    parts = [part(None)] + [part(root) for root in roots]
    came_from: dict[str, int] = {}
    page_of: dict[str | None, int] = {None: 1}
    page_of.update(numbers)
    for top, (_, continued) in zip([None, *roots], parts, strict=True):
        for root in continued:
            came_from.setdefault(root, page_of.get(top, 0))
    keys, continued = parts[0]
    first = _keep(diagram, keys, continued,
                  f"Page 1 of {total}: the top of the graph; each part marked "
                  f"\u201ccontinued\u201d is drawn on its own page.")
    pages = [first]
    for root, (keys, continued) in zip(roots, parts[1:], strict=True):
        if root not in numbers:
            continue
        way = " \u203a ".join(answers_to(diagram, root))
        pages.append(_keep(diagram, keys, continued,
                           f"Page {numbers[root]} of {total}, continued from page "
                           f"{came_from.get(root, 1)} after: {way}. The legend is on page 1.",
                           full=False))
    return pages


def answers_to(diagram: Diagram, key: str) -> list[str]:
    """The answers along the first way from the start to ``key``."""
    answers: list[str] = []
    seen = {key}
    while True:
        edge = next((e for e in diagram.edges if e.target == key), None)
        if edge is None or edge.source in seen:
            return answers[::-1]
        answers.append(edge.label)
        seen.add(edge.source)
        key = edge.source
