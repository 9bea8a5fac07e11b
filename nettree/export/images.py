"""SVG and PNG drawn from the DOT text by Graphviz (through :mod:`nettree.export.backend`).

The SVG records the checksum of the DOT text it was drawn from, so that a kept drawing can
be checked without ``dot`` (its bytes depend on the Graphviz version).
"""

from __future__ import annotations

import hashlib
import re

from .backend import run_dot

__all__ = ["PNG_DPI", "dot_checksum", "to_png", "to_svg"]

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


def to_svg(dot_text: str) -> str:
    """The SVG ``dot`` draws from ``dot_text``, with the DOT checksum recorded."""
    return _finish_svg(run_dot(dot_text, "svg").decode("utf-8"), dot_text)


def to_png(dot_text: str) -> bytes:
    """The PNG ``dot`` draws from ``dot_text``, at :data:`PNG_DPI`."""
    return run_dot(dot_text, "png", f"-Gdpi={PNG_DPI}")
