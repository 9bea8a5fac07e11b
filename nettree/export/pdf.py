"""PDF for print: legible on A4 and Letter, cut into pages when the graph is too large.

One page if the whole drawing fits at :data:`MIN_SCALE`; else a first page with the top of
the graph and a page per subtree (:mod:`nettree.export.pages` does the cutting, this module
decides where, measuring drawings with ``dot``). The pages are drawn one by one and merged
with pypdf, imported only when there is more than one.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from .backend import measure, run_dot
from .dot import to_dot
from .model import Diagram
from .pages import descendants, paginate, subtree

__all__ = ["MIN_SCALE", "PAPER", "cut_roots", "merge_pdfs", "to_pdf"]

# Paper: a PDF page is at most A4's width and Letter's height (in inches), so that it prints
# at 100% on either. The cairo renderer adds about an inch of margins to the drawing.
PAPER = (8.27, 11.0)
_MARGINS = 1.0

MIN_SCALE = 0.75
"""The smallest scale a PDF page is printed at: 9-point text stays at about 7 points."""


def _fit(size: tuple[float, float]) -> tuple[float, tuple[float, float]]:
    """The scale at which a drawing fits the paper, and the page (turned the better way)."""
    short, long = PAPER[0] - _MARGINS, PAPER[1] - _MARGINS
    w, h = size[0] + 0.5, size[1] + 0.5  # -Tplain leaves out part of what the renderer draws
    portrait = min(short / w, long / h)
    landscape = min(long / w, short / h)
    return (portrait, (short, long)) if portrait >= landscape else (landscape, (long, short))


def _fits_paper(part: Diagram) -> bool:
    return _fit(measure(to_dot(part)))[0] >= MIN_SCALE


def cut_roots(diagram: Diagram, fits: Callable[[Diagram], bool]) -> list[str]:
    """The decisions that start a page of their own, in the order the graph is read: the
    highest subtrees that ``fits`` (on paper, at :data:`MIN_SCALE`; or on a slide), then more
    until every page fits."""
    roots: list[str] = []
    if not diagram.nodes or fits(diagram):
        return roots
    children: dict[str, list[str]] = {}
    for edge in diagram.edges:
        children.setdefault(edge.source, []).append(edge.target)
    # Depth first from the start, children in order; a subtree that fits is not entered.
    stack = [iter(children.get(diagram.nodes[0].key, []))]
    while stack:
        for child in stack[-1]:
            if child not in children or child in roots:
                continue  # leaves stay with their decision
            if fits(subtree(diagram, child)):
                roots.append(child)
            else:
                stack.append(iter(children[child]))
                break
        else:
            stack.pop()
    _cut_higher(diagram, roots, fits)
    order = {node.key: index for index, node in enumerate(diagram.nodes)}
    roots.sort(key=order.__getitem__)  # pages in the order the graph is read
    return roots


def _cut_higher(diagram: Diagram, roots: list[str], fits: Callable[[Diagram], bool]) -> None:
    """Add to ``roots`` until every page fits (or nothing more can be
    cut): a page too large for it (usually the first, the top of the graph) gives its
    largest part that fits on a page of its own, drawn on a page of its own."""
    for _ in range(len(diagram.nodes)):
        pages = paginate(diagram, roots)
        owners: list[str | None] = [None, *roots]
        for owner, page in zip(owners, pages, strict=True):
            if fits(page):
                continue
            best = _largest_part(page, owner, fits)
            if best is not None:
                roots.append(best)
                break
        else:
            return


def _largest_part(page: Diagram, owner: str | None,
                  fits: Callable[[Diagram], bool]) -> str | None:
    """The decision of ``page`` (not its own root) with the most nodes below it on the page
    that fits on a page of its own; None if there is none."""
    sources = {edge.source for edge in page.edges}
    top = owner if owner is not None else (page.nodes[0].key if page.nodes else None)
    sizes = {node.key: len(descendants(page, node.key)) for node in page.nodes
             if node.key != top and node.key in sources}
    for key in sorted(sizes, key=lambda key: -sizes[key]):
        if sizes[key] < 3:
            break
        if fits(subtree(page, key)):
            return key
    return None


def merge_pdfs(pdfs: list[bytes], size: tuple[float, float] | None = None) -> bytes:
    """One PDF with the pages of ``pdfs`` in order (with pypdf, imported only here).

    Every page gets one size, its drawing centred: ``size`` (width, height in points; a
    slide's), else the largest width and height (a printed set should not change size page
    to page) unless that would no longer fit A4 and Letter (pages turned both ways keep
    their own size)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    if size is not None:
        width, height = size
    else:
        width = max(float(page.mediabox.width) for page in writer.pages)
        height = max(float(page.mediabox.height) for page in writer.pages)
        short, long = sorted((width, height))
        if short > PAPER[0] * 72 or long > PAPER[1] * 72:
            width = height = 0.0
    for page in writer.pages if width else ():
        box = page.mediabox
        dx, dy = (width - float(box.width)) / 2, (height - float(box.height)) / 2
        left, bottom = float(box.left) - dx, float(box.bottom) - dy
        page.mediabox.lower_left = (left, bottom)
        page.mediabox.upper_right = (left + width, bottom + height)
        page.cropbox = page.mediabox
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def to_pdf(diagram: Diagram) -> bytes:
    """A PDF of ``diagram`` legible on A4 and Letter, on as many pages as that takes."""
    pdfs = []
    roots = cut_roots(diagram, _fits_paper)
    for page in paginate(diagram, roots, path_only=diagram.has_path):
        dot_text = to_dot(page)
        fit = _fit(measure(dot_text))
        pdfs.append(run_dot(dot_text, "pdf", f"-Gsize={fit[1][0]:.2f},{fit[1][1]:.2f}"))
    return pdfs[0] if len(pdfs) == 1 else merge_pdfs(pdfs)
