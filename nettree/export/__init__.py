"""Diagrams of a guideline: DOT, Mermaid and a self-contained HTML page, as text.

Everything here is pure: a guideline (and optionally a result to highlight and focus values)
goes in, text comes out, and no program is run. SVG, PNG and PDF are drawn from the DOT text
by Graphviz's ``dot``, which only :mod:`nettree.render` runs.

>>> import nettree
>>> from nettree.export import export
>>> text = export(nettree.load("asco-gepnet-2023"), "mermaid")
>>> "flowchart TB" in text.splitlines()
True

``FORMATS`` is the registry of every format (the CLI's ``--format`` choices come from it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..guideline import Guideline
    from ..result import Result

__all__ = ["FORMATS", "TEXT_FORMATS", "Format", "export", "format_for_path"]


@dataclass(frozen=True)
class Format:
    """An output format: its name, file suffix, and whether it is binary or needs ``dot``."""

    name: str
    suffix: str
    description: str
    binary: bool = False
    needs_dot: bool = False


FORMATS: Mapping[str, Format] = {
    f.name: f for f in (
        Format("dot", ".dot", "Graphviz DOT text (no program needed)"),
        Format("svg", ".svg", "SVG drawn by Graphviz dot; path elements have class "
                              "nettree-path", needs_dot=True),
        Format("png", ".png", "PNG image drawn by Graphviz dot", binary=True, needs_dot=True),
        Format("pdf", ".pdf", "PDF drawn by Graphviz dot, sized for A4 and Letter paper",
               binary=True, needs_dot=True),
        Format("mermaid", ".mmd", "Mermaid flowchart text (renders in GitHub Markdown)"),
        Format("html", ".html", "one self-contained interactive page (no program needed)"),
    )
}
"""Every format, by name."""

TEXT_FORMATS = ("dot", "mermaid", "html")
"""The formats nettree writes itself, without any program."""


def format_for_path(path: str) -> str | None:
    """The format a file name's suffix implies (``x.mmd`` -> ``mermaid``), if any.

    >>> format_for_path("pathway.PDF"), format_for_path("chart.md")
    ('pdf', None)
    """
    lowered = path.lower()
    for fmt in FORMATS.values():
        if lowered.endswith(fmt.suffix):
            return fmt.name
    if lowered.endswith(".gv"):
        return "dot"
    return None


def export(
    guideline: Guideline,
    fmt: str,
    *,
    result: Result | None = None,
    focus: Mapping[str, Any] | None = None,
    direction: str = "TB",
    patient: Mapping[str, Any] | None = None,
    path_label: str = "",
) -> str:
    """The text of a diagram in one of :data:`TEXT_FORMATS` (``dot``, ``mermaid``, ``html``).

    ``result`` lights its path; ``focus`` (see :func:`nettree.export.extract.parse_focus`)
    keeps what is reachable under those values; ``patient`` (the raw mapping behind
    ``result``) pre-fills the HTML page's form; ``path_label`` names it in the legend.
    """
    from .extract import build_diagram

    if fmt not in TEXT_FORMATS:
        raise ValueError(f"{fmt!r} is not a text format: choose one of {', '.join(TEXT_FORMATS)}"
                         f" (svg, png and pdf are drawn by nettree.render)")
    diagram = build_diagram(guideline, result=result, focus=focus, direction=direction,
                            path_label=path_label)
    if fmt == "dot":
        from .dot import to_dot

        return to_dot(diagram)
    if fmt == "mermaid":
        from .mermaid import to_mermaid

        return to_mermaid(diagram)
    from .html import to_html

    return to_html(guideline, diagram, focus=focus, patient=patient)
