"""SVG and PNG drawn from the DOT text by Graphviz (through :mod:`nettree.export.backend`).

The SVG records the checksum of the DOT text it was drawn from, so that a kept drawing can
be checked without ``dot`` (its bytes depend on the Graphviz version).
"""

from __future__ import annotations

import hashlib
import json
import re

from .backend import run_dot

__all__ = ["PINNED", "PNG_DPI", "dot_checksum", "layout", "to_png", "to_svg"]

PINNED = ("-Kneato", "-n2")
"""How a DOT text whose nodes and edges are all placed (``to_dot(pins=...)``) is drawn:
by neato, keeping every position given."""


def layout(dot_text: str) -> dict[str, str]:
    """Where ``dot`` places each node and edge of ``dot_text``, as ``pins`` for
    :func:`nettree.export.dot.to_dot`: a patient's or a cohort's drawing pinned to the
    plain drawing's layout puts every node where the plain one does, so they overlay."""
    drawn = json.loads(run_dot(dot_text, "json0"))
    pins = {node["name"]: node["pos"] for node in drawn.get("objects", []) if "pos" in node}
    pins["bb"] = drawn["bb"]
    for edge in drawn.get("edges", []):
        if "id" in edge and "pos" in edge:
            pins[edge["id"]] = edge["pos"]
            pins[f"lp:{edge['id']}"] = edge.get("lp", "")
    return pins

PNG_DPI = 110
"""Resolution of PNG output: sharp on slides, readable at 100%."""


def dot_checksum(dot_text: str) -> str:
    """The SHA-256 of a DOT text, as recorded in the SVG drawn from it.

    >>> dot_checksum("digraph {}")[:12]
    'cdffdece7b99'
    """
    return hashlib.sha256(dot_text.encode("utf-8")).hexdigest()


_CLASS = re.compile(r'class="([^"]*)"')


def _finish_svg(svg: str, dot_text: str) -> str:
    """Record the DOT checksum in the SVG and write hyphens in classes plainly.

    Graphviz writes ``-`` as ``&#45;`` everywhere (it must, in comments); in ``class``
    attributes the plain character is easier to read and to search for.
    """
    svg = _CLASS.sub(lambda m: 'class="' + m.group(1).replace("&#45;", "-") + '"', svg)
    note = f"<!-- nettree: drawn from DOT with sha256 {dot_checksum(dot_text)} -->\n"
    start = svg.find("<svg")
    return svg[:start] + note + svg[start:] if start >= 0 else note + svg


def to_svg(dot_text: str, *args: str) -> str:
    """The SVG ``dot`` draws from ``dot_text`` (``args``: :data:`PINNED` for a pinned
    text), with the DOT checksum recorded."""
    return _finish_svg(run_dot(dot_text, "svg", *args).decode("utf-8"), dot_text)


def to_png(dot_text: str, *args: str) -> bytes:
    """The PNG ``dot`` draws from ``dot_text``, at :data:`PNG_DPI`."""
    return run_dot(dot_text, "png", f"-Gdpi={PNG_DPI}", *args)
