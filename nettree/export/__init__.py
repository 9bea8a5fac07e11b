"""Diagrams of a guideline: DOT, Mermaid, an HTML page, and SVG, PNG and PDF.

DOT, Mermaid and the HTML page are text nettree writes itself, without any program: a
guideline (and optionally a result to highlight and focus values) goes in, text comes out.
SVG, PNG and PDF are drawn from the DOT text by Graphviz's ``dot``, which only
:mod:`nettree.export.backend` runs.

>>> import nettree
>>> from nettree.export import ExportOptions, export
>>> text = export(nettree.load("asco-gepnet-2023"), "mermaid")
>>> "flowchart TB" in text.splitlines()
True
>>> lr = export(nettree.load("asco-gepnet-2023"), "dot", ExportOptions(direction="LR"))
>>> "rankdir=LR" in lr
True

``FORMATS`` is the registry of every format, each with its renderer (the CLI's ``--format``
choices come from it); :class:`ExportOptions` is what to draw besides the guideline.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .formats import FORMATS, TEXT_FORMATS, ExportOptions, Format, format_for_path

if TYPE_CHECKING:
    from ..guideline import Guideline

__all__ = ["FORMATS", "TEXT_FORMATS", "ExportOptions", "Format", "export", "format_for_path",
           "render"]


def _options(options: ExportOptions | None, changes: dict[str, Any]) -> ExportOptions:
    return replace(options or ExportOptions(), **changes)


def _format(fmt: str) -> Format:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}") from None


def export(guideline: Guideline, fmt: str, options: ExportOptions | None = None, /,
           **changes: Any) -> str:
    """The text of a diagram in one of :data:`TEXT_FORMATS` (``dot``, ``mermaid``, ``html``).

    ``options`` (or its fields given as keywords, e.g. ``result=``, ``focus=``) say what to
    draw besides the guideline: see :class:`ExportOptions`.
    """
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"{fmt!r} is not a text format: choose one of {', '.join(TEXT_FORMATS)}"
                         f" (svg, png and pdf are drawn by nettree.export.render)")
    text = _format(fmt).renderer(guideline, _options(options, changes))
    assert isinstance(text, str)
    return text


def render(guideline: Guideline, fmt: str, options: ExportOptions | None = None, /,
           **changes: Any) -> bytes:
    """A diagram of ``guideline`` in any format of :data:`FORMATS`, as bytes (text formats
    UTF-8 encoded).

    ``svg``, ``png`` and ``pdf`` run ``dot`` and raise
    :class:`~nettree.export.backend.GraphvizNotFoundError` when it is missing. ``options``
    and keywords are those of :func:`export`.
    """
    drawn = _format(fmt).renderer(guideline, _options(options, changes))
    return drawn.encode("utf-8") if isinstance(drawn, str) else drawn
