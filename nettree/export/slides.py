"""Slides: a 16:9 deck, as a PDF or one offline HTML page, whose text is never below 18 pt.

A deck is a title slide (the title, the guideline's citation and version), the overview
(every node by its question or label only, cut into parts of a slide each by
:func:`nettree.export.pdf.cut_roots` and :func:`nettree.export.pages.paginate` when the
whole would need smaller text), a slide for each decision the overview does not show with
all its answers (the question above its answers), and the slides of each leaf: its options,
as many a slide as fit, then what every option cites, what is never offered there and the
notes on how its citations are read. With a patient's result the deck follows the case: a
slide with the result, the overview's parts its path crosses (lit), a slide for the decision
where it stopped, if it did, and the leaf it reached, its options marked.

Every slide is a small diagram drawn by :func:`nettree.export.dot.to_dot` with a heading
instead of the legend, then enlarged to fill the slide (PDF pages scaled with pypdf, SVG
given a larger width and height). A slide fits when its smallest text, so enlarged, is at
least :data:`MIN_TEXT` points; what does not fit is cut further (a decision's answers, a
leaf's options, an option's clauses), down to one each.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from .backend import run_dot
from .dot import to_dot
from .model import Diagram, DiagramNode
from .pages import answers_to, paginate
from .quoting import dot_html, html_text, wrap

if TYPE_CHECKING:
    from ..guideline import Guideline
    from .formats import ExportOptions

__all__ = ["MIN_TEXT", "SLIDE", "SLIDE_FORMATS", "Slide", "build_slides", "smallest_text",
           "to_slides", "zoom"]

SLIDE = (13.333, 7.5)
"""A slide's size in inches: 16:9, 960 x 540 points (1280 x 720 pixels at 96 per inch)."""

MIN_TEXT = 18.0
"""The smallest text on a slide, in points."""

MAX_ZOOM = 3.0
"""A small slide (a title, one question) is enlarged at most this much."""

_MARGIN = 0.3  # inches left free around the drawing (dot pads it by 0.25 more)

SLIDE_FORMATS = ("pdf", "html")
"""The formats a deck is written in (``render --slides -o deck.pdf`` or ``deck.html``)."""

_POINT_SIZE = re.compile(r'(?:POINT-SIZE="|fontsize=)(\d+(?:\.\d+)?)')
_HEADING_SIZE, _SUB_SIZE = 14, 10  # a drawing's answers are 10 points: no smaller here
_HEADING_WIDTH, _SUB_WIDTH = 48, 72
_WAY = 3  # a slide's subtitle gives the last answers that lead to it


@dataclass(frozen=True)
class Slide:
    """One slide: its heading, a line under it (the answers that lead here, or what the
    slide is) and the diagram it draws (no nodes on the title slide)."""

    title: str
    subtitle: str
    diagram: Diagram
    lines: tuple[str, ...] = ()  # more lines under the heading (the title slide's citation)


def smallest_text(dot_text: str) -> float:
    """The smallest point size a DOT text writes (its fonts before any enlarging)."""
    return min(float(size) for size in _POINT_SIZE.findall(dot_text))


_Piece = TypeVar("_Piece")

_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _natural_svg(dot_text: str) -> tuple[str, float, float]:
    svg = run_dot(dot_text, "svg").decode("utf-8")
    found = _SVG_SIZE.search(svg)
    assert found is not None, "dot writes an SVG's size in points"
    return svg, float(found.group(1)), float(found.group(2))


def zoom(dot_text: str) -> float:
    """How much a slide's drawing is enlarged to fill the slide (at most :data:`MAX_ZOOM`):
    its size as ``dot`` draws it, padding included, against the slide less its margins."""
    _, width, height = _natural_svg(dot_text)
    room = ((SLIDE[0] - 2 * _MARGIN) * 72, (SLIDE[1] - 2 * _MARGIN) * 72)
    return min(room[0] / width, room[1] / height, MAX_ZOOM)


def _heading(slide: Slide, number: str) -> str:
    def rows(text: str, size: int, width: int, *, bold: bool = False,
             colour: str = "#1a1a1a") -> str:
        lines = "<BR/>".join(dot_html(line) for line in wrap(text, width))
        if bold:
            lines = f"<B>{lines}</B>"
        return (f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{size}" '
                f'COLOR="{colour}">{lines}</FONT></TD></TR>')

    body = rows(slide.title, _HEADING_SIZE, _HEADING_WIDTH, bold=True, colour="#10243e")
    body += "".join(rows(line, _SUB_SIZE, _SUB_WIDTH) for line in slide.lines)
    under = " \u00b7 ".join(part for part in (slide.subtitle, number) if part)
    body += rows(under, _SUB_SIZE, _SUB_WIDTH, colour="#555555")
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
            + body + "</TABLE>>")


def slide_dot(slide: Slide, number: str = "slide 00 of 00") -> str:
    """The DOT text of a slide; ``number`` says which slide it is."""
    return to_dot(slide.diagram, heading=_heading(slide, number))


def _fits(slide: Slide) -> bool:
    text = slide_dot(slide)
    return zoom(text) * smallest_text(text) >= MIN_TEXT


def _compact(node: DiagramNode) -> DiagramNode:
    """A node by its question or label only (a leaf's options and details are on its own
    slide)."""
    return replace(node, options=(), footer=(), removed=(), detail="")


def _part(diagram: Diagram, nodes: Sequence[DiagramNode]) -> Diagram:
    keys = {node.key for node in nodes}
    return replace(diagram, nodes=tuple(nodes),
                   edges=tuple(e for e in diagram.edges if e.source in keys and e.target in keys))


def _way(diagram: Diagram, key: str) -> str:
    answers = answers_to(diagram, key)
    if not answers:
        return "The first question"
    shown = (["\u2026"] if len(answers) > _WAY else []) + answers[-_WAY:]
    return "After: " + " \u203a ".join(shown)


def _runs(pieces: list[_Piece], make: Callable[[Sequence[_Piece]], Slide],
          split: Callable[[_Piece], list[_Piece]]) -> list[Slide]:
    """Slides of ``pieces`` in runs as long as fit; a piece that does not fit alone is
    ``split`` (when it cannot be, it goes alone, as small as it must)."""
    slides = []
    start = 0
    while start < len(pieces):
        end = len(pieces)
        while end - start > 1 and not _fits(make(pieces[start:end])):
            end -= 1
        if end - start == 1 and len(parts := split(pieces[start])) > 1 \
                and not _fits(make(pieces[start:end])):
            pieces[start:end] = parts
            continue
        slides.append(make(pieces[start:end]))
        start = end
    return slides


def _numbered(slides: list[Slide]) -> list[Slide]:
    if len(slides) == 1:
        return slides
    return [replace(slide, title=f"{slide.title} ({index} of {len(slides)})")
            for index, slide in enumerate(slides, 1)]


def _decision_slides(diagram: Diagram, node: DiagramNode) -> list[Slide]:
    children = [_compact(diagram.node_by_key(e.target))
                for e in diagram.edges if e.source == node.key]

    # A question above its answers whatever the deck's direction: answers side by side
    # leave the most room for the text on a wide slide.
    downward = replace(diagram, direction="TB")

    def make(run: Sequence[DiagramNode]) -> Slide:
        return Slide(node.title, _way(diagram, node.key), _part(downward, [node, *run]))

    if not children:
        return [make(())]
    return _numbered(_runs(children, make, lambda piece: [piece]))


def _leaf_slides(diagram: Diagram, node: DiagramNode) -> list[Slide]:
    """A leaf's slides: its options, as many a slide as fit (an option with many clauses
    over several), then what every option cites, what is never offered here, and the notes
    on how its citations are read (the legend's, which a slide does not draw)."""
    readings = tuple(f"Note {n}: {diagram.legend.readings[n - 1]}" for n in node.notes)
    bare = replace(node, options=(), footer=(), removed=(), readings=())
    pieces = [replace(bare, options=(option,)) for option in node.options]
    if node.footer or node.removed or readings or not pieces:
        pieces.append(replace(bare, footer=node.footer, removed=node.removed,
                              readings=readings))

    def make(run: Sequence[DiagramNode]) -> Slide:
        shown = replace(bare, options=tuple(o for p in run for o in p.options),
                        footer=tuple(c for p in run for c in p.footer),
                        removed=tuple(r for p in run for r in p.removed),
                        readings=tuple(r for p in run for r in p.readings))
        return Slide(node.title, _way(diagram, node.key), _part(diagram, [shown]))

    def split(piece: DiagramNode) -> list[DiagramNode]:
        if len(piece.options) == 1 and len(piece.options[0].clauses) > 1:
            option = piece.options[0]
            return [replace(piece, options=(replace(option, clauses=(clause,)),))
                    for clause in option.clauses]
        return ([replace(bare, footer=(clause,)) for clause in piece.footer]
                + [replace(bare, removed=(item,)) for item in piece.removed]
                + [replace(bare, readings=(text,)) for text in piece.readings])

    return _numbered(_runs(pieces, make, split))


def _overview(diagram: Diagram) -> list[Slide]:
    """The overview: the whole graph by the nodes' names, on as many slides as it takes
    (with a highlighted result: the parts its path crosses); a part that would need smaller
    text is left to the decisions' own slides."""
    from .pdf import cut_roots

    compact = replace(diagram, nodes=tuple(_compact(node) for node in diagram.nodes))
    what = "The whole guideline" if not diagram.has_path else "The patient\u2019s path"

    def overview(part: Diagram, title: str = "Overview") -> Slide:
        return Slide(title, f"{what}: each question and leaf by its name", part)

    def bare(part: Diagram) -> Diagram:  # no "continued" notes, drawn smaller than a name
        return replace(part, nodes=tuple(_compact(node) for node in part.nodes))

    roots = cut_roots(compact, lambda part: _fits(overview(bare(part))))
    parts = [bare(part) for part in paginate(compact, roots, path_only=diagram.has_path)]
    # A part that cannot be cut small enough (a question with many answers) is left out:
    # its decisions get slides of their own, their answers over as many as it takes.
    parts = [part for part in parts if _fits(overview(part))]
    if len(parts) <= 1:
        return [overview(part) for part in parts]
    return [overview(part, f"Overview, part {index} of {len(parts)}: "
                           f"{part.nodes[0].title if index > 1 else 'from the start'}")
            for index, part in enumerate(parts, 1)]


def build_slides(guideline: Guideline, diagram: Diagram) -> list[Slide]:
    """The deck of ``diagram``: a title slide, the overview, then each decision the overview
    does not already show with all its answers, and each leaf with its options (with a
    highlighted result: the nodes of its path only, in the graph's order)."""
    lines = [guideline.citation] if guideline.citation else []
    lines.append(f"Version {diagram.version}. Drawn by nettree: not a medical device.")
    empty = replace(diagram, nodes=(), edges=())
    slides = _runs(lines, lambda run: Slide(diagram.title, "", empty, tuple(run)),
                   lambda line: [line])
    if diagram.legend.path:  # the case, on a slide of its own
        said = diagram.legend.path.split(". Result: ", 1)[-1]
        status, _, what = said.partition(": ")
        case = [f"Result: {status}", *(f"\u2022 {item}" for item in what.split("; ") if item)]
        slides.extend(_runs(case, lambda run: Slide(
            "This patient", "The next slides follow the path to this result", empty,
            tuple(run)), lambda line: [line]))
    overview = _overview(diagram)
    slides.extend(overview)
    answered: set[str] = set()  # decisions an overview slide shows with all their answers
    for slide in overview:
        keys = {node.key for node in slide.diagram.nodes}
        answered.update(key for key in keys if all(
            e.target in keys for e in diagram.edges if e.source == key))
    for node in diagram.nodes:
        if diagram.has_path and not node.on_path:
            continue
        if node.kind == "decision":
            if node.key not in answered or node.detail:
                slides.extend(_decision_slides(diagram, node))
        else:
            slides.extend(_leaf_slides(diagram, node))
    return slides


def _svg(text: str, prefix: str) -> str:
    """The slide as SVG enlarged to fill the slide, its ids prefixed (one page holds all)."""
    svg, width, height = _natural_svg(text)
    factor = zoom(text)
    svg = svg[svg.index("<svg"):]
    svg = _SVG_SIZE.sub(f'<svg width="{width * factor:.2f}pt" height="{height * factor:.2f}pt"',
                        svg, count=1)
    svg = re.sub(r'(\s(?:id|xlink:href|href)=")#?', lambda m: m.group(0) + prefix, svg)
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


def _pdf(text: str) -> bytes:
    """The slide as a PDF page enlarged to fill the slide (centred on it by merge_pdfs)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(run_dot(text, "pdf"))))
    writer.pages[0].scale_by(zoom(text))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_DECK_CSS = """
html, body { margin: 0; height: 100%; background: #1a1a1a; overflow: hidden;
  font-family: Helvetica, Arial, sans-serif; }
#stage { position: absolute; left: 50%; top: 50%; width: 1280px; height: 720px;
  margin: -360px 0 0 -640px; background: #ffffff; transform-origin: center center; }
section { position: absolute; inset: 0; display: none; align-items: center;
  justify-content: center; }
section.current { display: flex; }
section svg { display: block; max-width: none; }
nav { position: absolute; right: 8px; bottom: 8px; display: flex; gap: 6px;
  align-items: center; opacity: 0.85; font-size: 24px; }
nav button { font-size: 24px; padding: 2px 12px; }
nav output { font-size: 24px; color: #333333; min-width: 4em; text-align: center; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
@media print { html, body { background: #ffffff; overflow: visible; height: auto; }
  #stage { position: static; margin: 0; transform: none !important; }
  section { position: relative; display: flex; width: 1280px; height: 720px;
    break-after: page; }
  nav { display: none; } }
"""

_DECK_JS = """
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll("section"));
  var stage = document.getElementById("stage");
  var counter = document.getElementById("counter");
  var at = 0;
  function show(i) {
    at = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach(function (s, j) { s.classList.toggle("current", j === at); });
    counter.textContent = (at + 1) + " / " + slides.length;
    if (location.hash !== "#" + (at + 1)) { history.replaceState(null, "", "#" + (at + 1)); }
  }
  function fit() {
    var k = Math.min(window.innerWidth / 1280, window.innerHeight / 720);
    stage.style.transform = k === 1 ? "" : "scale(" + k + ")";
  }
  document.getElementById("prev").onclick = function () { show(at - 1); };
  document.getElementById("next").onclick = function () { show(at + 1); };
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "BUTTON" && (e.key === " " || e.key === "Enter")) { return; }
    var moves = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1,
                 ArrowLeft: -1, ArrowUp: -1, PageUp: -1};
    if (e.key in moves) { show(at + moves[e.key]); e.preventDefault(); }
    else if (e.key === "Home") { show(0); e.preventDefault(); }
    else if (e.key === "End") { show(slides.length - 1); e.preventDefault(); }
  });
  window.addEventListener("resize", fit);
  fit();
  show((parseInt(location.hash.slice(1), 10) || 1) - 1);
})();
"""


def _deck_html(title: str, slides: list[Slide], svgs: list[str]) -> str:
    sections = []
    for index, (slide, svg) in enumerate(zip(slides, svgs, strict=True), 1):
        sections.append(f'<section id="slide-{index}" aria-label="Slide {index} of '
                        f'{len(slides)}: {html_text(slide.title)}">'
                        f'<h2 class="sr">{html_text(slide.title)}</h2>{svg}</section>')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html_text(title)}</title>\n"
        "<meta name=\"generator\" content=\"nettree\">\n"
        f"<style>{_DECK_CSS}</style>\n</head>\n<body>\n<main id=\"stage\">\n"
        + "\n".join(sections)
        + "\n<nav aria-label=\"Slides\"><button id=\"prev\" type=\"button\" "
          "aria-label=\"Previous slide\">\u2039</button><output id=\"counter\" "
          "aria-live=\"polite\"></output><button id=\"next\" type=\"button\" "
          "aria-label=\"Next slide\">\u203a</button></nav>\n</main>\n"
        f"<script>{_DECK_JS}</script>\n</body>\n</html>\n")


def to_slides(guideline: Guideline, options: ExportOptions, fmt: str) -> bytes:
    """The deck of ``guideline`` under ``options`` as a PDF (one 16:9 page a slide) or one
    self-contained HTML page (``fmt``: one of :data:`SLIDE_FORMATS`)."""
    if fmt not in SLIDE_FORMATS:
        raise ValueError(f"slides are written as {' or '.join(SLIDE_FORMATS)}, not {fmt!r}")
    diagram = options.diagram(guideline)
    slides = build_slides(guideline, diagram)
    texts = [slide_dot(slide, f"slide {index} of {len(slides)}")
             for index, slide in enumerate(slides, 1)]
    if fmt == "html":
        svgs = [_svg(text, f"s{index}-") for index, text in enumerate(texts, 1)]
        return _deck_html(diagram.title, slides, svgs).encode("utf-8")
    from .pdf import merge_pdfs

    return merge_pdfs([_pdf(text) for text in texts], size=(SLIDE[0] * 72, SLIDE[1] * 72))
