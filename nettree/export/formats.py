"""The registry of output formats: each entry carries its renderer.

A renderer is a function ``(guideline, options) -> str | bytes``: text formats return
``str`` (DOT, Mermaid and the HTML page, written by nettree itself, pure), the others
``bytes`` drawn by Graphviz through :mod:`nettree.export.backend`. The modules that do the
work are imported when a renderer runs, so reading the registry (the CLI's ``--format``
choices) stays cheap. Adding a format is adding one entry here.

>>> sorted(FORMATS)
['dot', 'html', 'mermaid', 'pdf', 'png', 'svg']
>>> FORMATS["pdf"].binary, FORMATS["mermaid"].needs_dot
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..guideline import Guideline
    from ..result import Result
    from .cohort import Cohort
    from .model import Diagram

__all__ = ["FORMATS", "TEXT_FORMATS", "ExportOptions", "Format", "Renderer", "format_for_path"]


@dataclass(frozen=True)
class ExportOptions:
    """What to draw besides the guideline itself; the same for every format.

    ``result`` (a traversal's result) lights its path; ``focus`` (see
    :func:`nettree.export.extract.parse_focus`) keeps what is reachable under those values;
    ``direction`` is ``TB`` or ``LR``; ``patient`` (the raw mapping behind ``result``)
    pre-fills the HTML page's form; ``path_label`` names the patient in the legend;
    ``cohort`` (:class:`nettree.export.cohort.Cohort`) labels every node and branch with
    its patients and widens the branches in proportion; ``raw`` shows conditions and options
    as the file writes them instead of its display phrases.
    """

    result: Result | None = None
    focus: Mapping[str, Any] | None = None
    direction: str = "TB"
    patient: Mapping[str, Any] | None = None
    path_label: str = ""
    cohort: Cohort | None = None
    raw: bool = False

    def diagram(self, guideline: Guideline) -> Diagram:
        """The diagram model of ``guideline`` under these options."""
        from .extract import build_diagram

        diagram = build_diagram(guideline, result=self.result, focus=self.focus,
                                direction=self.direction, path_label=self.path_label,
                                raw=self.raw)
        if self.cohort is not None:
            from .cohort import annotate

            diagram = annotate(diagram, self.cohort)
        return diagram


Renderer = Callable[["Guideline", ExportOptions], "str | bytes"]
"""A format's renderer: text formats return ``str``, the others ``bytes``."""


@dataclass(frozen=True)
class Format:
    """An output format: its name, file suffix, renderer, and whether it is binary or needs
    ``dot`` (a format that needs no program is a text format nettree writes itself)."""

    name: str
    suffix: str
    description: str
    renderer: Renderer
    binary: bool = False
    needs_dot: bool = False


def _dot_text(guideline: Guideline, options: ExportOptions) -> str:
    from .dot import to_dot

    return to_dot(options.diagram(guideline))


def _mermaid(guideline: Guideline, options: ExportOptions) -> str:
    from .mermaid import to_mermaid

    return to_mermaid(options.diagram(guideline))


def _html(guideline: Guideline, options: ExportOptions) -> str:
    from .html import to_html

    return to_html(guideline, options.diagram(guideline), focus=options.focus,
                   patient=options.patient)


def _drawn(guideline: Guideline, options: ExportOptions) -> tuple[str, tuple[str, ...]]:
    """The DOT text of an image and how ``dot`` draws it: a patient's or a cohort's drawing
    is pinned to the layout of the plain one (same focus, direction and wording), so that
    every node sits where it does there and the images overlay."""
    from .dot import to_dot
    from .images import PINNED, layout

    diagram = options.diagram(guideline)
    if options.result is None and options.cohort is None:
        return to_dot(diagram), ()
    plain = ExportOptions(focus=options.focus, direction=options.direction, raw=options.raw)
    return to_dot(diagram, pins=layout(to_dot(plain.diagram(guideline)))), PINNED


def _svg(guideline: Guideline, options: ExportOptions) -> str:
    from .images import to_svg

    text, args = _drawn(guideline, options)
    return to_svg(text, *args)


def _png(guideline: Guideline, options: ExportOptions) -> bytes:
    from .images import to_png

    text, args = _drawn(guideline, options)
    return to_png(text, *args)


def _pdf(guideline: Guideline, options: ExportOptions) -> bytes:
    from .pdf import to_pdf

    return to_pdf(options.diagram(guideline))


FORMATS: Mapping[str, Format] = {
    f.name: f for f in (
        Format("dot", ".dot", "Graphviz DOT text (no program needed)", _dot_text),
        Format("svg", ".svg", "SVG drawn by Graphviz dot; path elements have class "
                              "nettree-path", _svg, needs_dot=True),
        Format("png", ".png", "PNG image drawn by Graphviz dot", _png, binary=True,
               needs_dot=True),
        Format("pdf", ".pdf", "PDF drawn by Graphviz dot, sized for A4 and Letter paper",
               _pdf, binary=True, needs_dot=True),
        Format("mermaid", ".mmd", "Mermaid flowchart text (renders in GitHub Markdown)",
               _mermaid),
        Format("html", ".html", "one self-contained interactive page (no program needed)",
               _html),
    )
}
"""Every format, by name."""

TEXT_FORMATS = tuple(name for name, fmt in FORMATS.items() if not fmt.needs_dot)
"""The formats nettree writes itself, without any program: ``dot``, ``mermaid``, ``html``."""


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
