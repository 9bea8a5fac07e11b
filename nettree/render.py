"""Drawing diagrams in every format; the only module that runs Graphviz's ``dot``.

DOT, Mermaid and the HTML page are text that :mod:`nettree.export` writes itself. SVG, PNG
and PDF are drawn from the DOT text by ``dot``; when it is missing,
:class:`GraphvizNotFoundError` says so and how to install it.

>>> import nettree
>>> svg = render(nettree.load("asco-gepnet-2023"), "svg")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import NettreeError

if TYPE_CHECKING:
    from .export.model import Diagram
    from .guideline import Guideline
    from .result import Result

__all__ = [
    "DOT_BINARY",
    "INSTALL_HINT",
    "GraphvizError",
    "GraphvizNotFoundError",
    "dot_checksum",
    "find_dot",
    "merge_pdfs",
    "render",
    "run_dot",
]

DOT_BINARY = "dot"
"""The Graphviz program run for SVG, PNG and PDF (looked up on ``PATH``)."""

INSTALL_HINT = (
    "install Graphviz: apt-get install graphviz (Debian, Ubuntu), brew install graphviz "
    "(macOS), conda install graphviz (conda); the dot, mermaid and html formats need no program"
)

PNG_DPI = 110
"""Resolution of PNG output: sharp on slides, readable at 100%."""

# Paper: a PDF page is at most A4's width and Letter's height (in inches), so that it prints
# at 100% on either. The cairo renderer adds about an inch of margins to the drawing.
PAPER = (8.27, 11.0)
_MARGINS = 1.0

MIN_SCALE = 0.75
"""The smallest scale a PDF page is printed at: 9-point text stays at about 7 points."""

TIMEOUT = 120  # seconds


class GraphvizNotFoundError(NettreeError, FileNotFoundError):
    """The ``dot`` program is not installed (or not on ``PATH``)."""

    def __init__(self, binary: str = DOT_BINARY) -> None:
        self.binary = binary
        super().__init__(f"the Graphviz program {binary!r} was not found on PATH; "
                         f"{INSTALL_HINT}")


class GraphvizError(NettreeError, RuntimeError):
    """``dot`` ran but failed; ``stderr`` holds what it said."""

    def __init__(self, message: str, stderr: str = "") -> None:
        self.stderr = stderr
        super().__init__(message)


def find_dot() -> str | None:
    """The path of the ``dot`` program, or None when it is not installed."""
    return shutil.which(DOT_BINARY)


def run_dot(dot_text: str, fmt: str, *args: str) -> bytes:
    """Run ``dot -T<fmt> [args]`` on ``dot_text`` and return what it wrote."""
    binary = find_dot()
    if binary is None:
        raise GraphvizNotFoundError(DOT_BINARY)
    try:
        done = subprocess.run([binary, f"-T{fmt}", *args], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"{DOT_BINARY} took more than {TIMEOUT} s") from None
    except OSError as exc:  # found but cannot run (permissions, a broken install)
        raise GraphvizError(f"cannot run {binary}: {exc.strerror}") from None
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        first = stderr.splitlines()[0] if stderr else f"exit status {done.returncode}"
        raise GraphvizError(f"{DOT_BINARY} failed: {first}", stderr)
    return done.stdout


def dot_checksum(dot_text: str) -> str:
    """The SHA-256 of a DOT text, as recorded in the SVG drawn from it."""
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


def _measure(dot_text: str) -> tuple[float, float]:
    """The drawing's width and height in inches (``dot -Tplain``)."""
    plain = run_dot(dot_text, "plain").decode("utf-8", "replace")
    _, _, width, height = plain.split("\n", 1)[0].split()[:4]
    return float(width), float(height)


def _fit(size: tuple[float, float]) -> tuple[float, tuple[float, float]]:
    """The scale at which a drawing fits the paper, and the page (turned the better way)."""
    short, long = PAPER[0] - _MARGINS, PAPER[1] - _MARGINS
    w, h = size[0] + 0.5, size[1] + 0.5  # -Tplain leaves out part of what the renderer draws
    portrait = min(short / w, long / h)
    landscape = min(long / w, short / h)
    return (portrait, (short, long)) if portrait >= landscape else (landscape, (long, short))


def _pdf(diagram: Diagram) -> bytes:
    """A PDF legible on A4 and Letter: one page if the whole drawing fits at
    :data:`MIN_SCALE`, else a first page with the top of the graph and a page per subtree."""
    from .export.dot import to_dot
    from .export.pages import paginate, subtree

    def scale(part: Diagram) -> float:
        return _fit(_measure(to_dot(part)))[0]

    roots: list[str] = []
    if scale(diagram) < MIN_SCALE and diagram.nodes:
        children: dict[str, list[str]] = {}
        for edge in diagram.edges:
            children.setdefault(edge.source, []).append(edge.target)

        def visit(key: str) -> None:
            for child in children.get(key, []):
                if child not in children or child in roots:
                    continue  # leaves stay with their decision
                if scale(subtree(diagram, child)) >= MIN_SCALE:
                    roots.append(child)
                else:
                    visit(child)

        visit(diagram.nodes[0].key)
        _cut_higher(diagram, roots, scale)
        order = {node.key: index for index, node in enumerate(diagram.nodes)}
        roots.sort(key=order.__getitem__)  # pages in the order the graph is read
    pdfs = []
    for page in paginate(diagram, roots):
        dot_text = to_dot(page)
        fit = _fit(_measure(dot_text))
        pdfs.append(run_dot(dot_text, "pdf", f"-Gsize={fit[1][0]:.2f},{fit[1][1]:.2f}"))
    return pdfs[0] if len(pdfs) == 1 else merge_pdfs(pdfs)


def _cut_higher(diagram: Diagram, roots: list[str], scale: Callable[[Diagram], float]) -> None:
    """Add to ``roots`` until every page fits at :data:`MIN_SCALE` (or nothing more can be
    cut): a page too large for it (usually the first, the top of the graph) gives its
    largest part that fits on a page of its own, drawn on a page of its own."""
    from .export.pages import paginate

    for _ in range(len(diagram.nodes)):
        pages = paginate(diagram, roots)
        owners: list[str | None] = [None, *roots]
        for owner, page in zip(owners, pages, strict=True):
            if scale(page) >= MIN_SCALE:
                continue
            best = _largest_part(page, owner, scale)
            if best is not None:
                roots.append(best)
                break
        else:
            return


def _largest_part(page: Diagram, owner: str | None,
                  scale: Callable[[Diagram], float]) -> str | None:
    """The decision of ``page`` (not its own root) with the most nodes below it on the page
    that fits on a page of its own at :data:`MIN_SCALE`; None if there is none."""
    from .export.pages import descendants, subtree

    sources = {edge.source for edge in page.edges}
    top = owner if owner is not None else (page.nodes[0].key if page.nodes else None)
    candidates = sorted(
        (node.key for node in page.nodes
         if node.key != top and node.key in sources),
        key=lambda key: -len(descendants(page, key)))
    for key in candidates:
        if len(descendants(page, key)) < 3:
            break
        if scale(subtree(page, key)) >= MIN_SCALE:
            return key
    return None


_OBJECT = re.compile(rb"(\d+) 0 obj\b")
_REF = re.compile(rb"(\d+) 0 R\b")


def _objects(pdf: bytes) -> tuple[dict[int, bytes], int]:
    """The objects of a PDF with a classic cross-reference table (as cairo writes), by
    number, each ``<< ... >>`` or ``<< ... >> stream ... endstream``; and the root's number."""
    start = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    table = pdf[start:]
    trailer = table[table.index(b"trailer"):]
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))  # type: ignore[union-attr]
    offsets = []
    for first, count, body in re.findall(rb"(\d+) (\d+)\s*\n((?:\d{10} \d{5} [nf]\s*\n?)+)",
                                         table[:table.index(b"trailer")]):
        entries = re.findall(rb"(\d{10}) (\d{5}) ([nf])", body)
        for index, (offset, _, kind) in enumerate(entries[: int(count)]):
            if kind == b"n":
                offsets.append((int(offset), int(first) + index))
    offsets.sort()
    objects = {}
    for position, (offset, number) in enumerate(offsets):
        end = offsets[position + 1][0] if position + 1 < len(offsets) else start
        chunk = pdf[offset:end]
        match = _OBJECT.match(chunk)
        if match is None or int(match.group(1)) != number:
            raise GraphvizError("cannot read the PDF that dot wrote (unexpected layout)")
        body = chunk[match.end(): chunk.rindex(b"endobj")]
        objects[number] = body.strip(b"\r\n ")
    return objects, root


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF with the pages of ``pdfs`` in order (single-page PDFs as cairo writes them)."""
    out: dict[int, bytes] = {}
    kids: list[int] = []
    next_number = 1
    pages_number = 1  # the new page tree; numbered first
    next_number = 2
    for pdf in pdfs:
        objects, root = _objects(pdf)
        pages = int(_REF.search(objects[root].split(b"/Pages", 1)[1]).group(1))  # type: ignore[union-attr]
        page_kids = [int(n) for n in _REF.findall(objects[pages].split(b"/Kids", 1)[1])]
        shift = next_number - min(objects)

        def renumber(match: re.Match[bytes], shift: int = shift) -> bytes:
            return b"%d 0 R" % (int(match.group(1)) + shift)

        for number, body in objects.items():
            if number in (root, pages):
                continue
            head, marker, stream = body.partition(b"stream")
            head = _REF.sub(renumber, head)
            if number in page_kids:
                head = re.sub(rb"/Parent \d+ 0 R", b"/Parent %d 0 R" % pages_number, head)
            out[number + shift] = head + marker + stream
        kids.extend(k + shift for k in page_kids)
        next_number = max(out) + 1
    catalog = next_number
    out[pages_number] = b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out[catalog] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_number
    data = bytearray(b"%PDF-1.5\n%\xb5\xed\xae\xfb\n")
    offsets = {}
    for number in sorted(out):
        offsets[number] = len(data)
        data += b"%d 0 obj\n" % number + out[number] + b"\nendobj\n"
    xref = len(data)
    size = max(out) + 1
    data += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            data += b"%010d 00000 n \n" % offsets[number]
        else:
            data += b"0000000000 65535 f \n"
    data += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, catalog, xref)
    return bytes(data)


def render(
    guideline: Guideline,
    fmt: str,
    *,
    result: Result | None = None,
    focus: Mapping[str, Any] | None = None,
    direction: str = "TB",
    patient: Mapping[str, Any] | None = None,
    path_label: str = "",
) -> bytes:
    """A diagram of ``guideline`` in format ``fmt`` (see :data:`nettree.export.FORMATS`).

    Text formats come back UTF-8 encoded. ``svg``, ``png`` and ``pdf`` run ``dot`` and raise
    :class:`GraphvizNotFoundError` when it is missing. The other arguments are those of
    :func:`nettree.export.export`.
    """
    from .export import FORMATS, TEXT_FORMATS, export

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    options: dict[str, Any] = {"result": result, "focus": focus, "direction": direction,
                               "path_label": path_label}
    if fmt in TEXT_FORMATS:
        return export(guideline, fmt, patient=patient, **options).encode("utf-8")
    dot_text = export(guideline, "dot", **options)
    if fmt == "svg":
        svg = run_dot(dot_text, "svg").decode("utf-8")
        return _finish_svg(svg, dot_text).encode("utf-8")
    if fmt == "png":
        return run_dot(dot_text, "png", f"-Gdpi={PNG_DPI}")
    from .export.extract import build_diagram

    return _pdf(build_diagram(guideline, result=result, focus=focus, direction=direction,
                              path_label=path_label))
