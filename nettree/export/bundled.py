"""The diagrams kept next to each bundled guideline in ``graphs/``, and how to redraw them.

For ``graphs/ID.yaml`` these are ``ID.dot``, ``ID.mmd``, ``ID.html`` (text nettree writes
itself, compared exactly) and ``ID.svg`` (drawn by ``dot``, whose bytes depend on the
Graphviz version: it is checked by the DOT checksum it records).

The README's marked Mermaid blocks hold the same diagrams. Redraw everything with
``python -m nettree.export --update-bundled``; ``--check`` reports stale files and exits 1.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "TEXT_SUFFIXES",
    "check",
    "expected_texts",
    "graphs_dir",
    "readme_with_diagrams",
    "svg_checksum",
    "update",
]

TEXT_SUFFIXES = {".dot": "dot", ".mmd": "mermaid", ".html": "html"}


def graphs_dir() -> Path:
    """The checkout's ``graphs/`` folder (the one the repository commits)."""
    return Path(__file__).resolve().parents[2] / "graphs"


def _guidelines(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def expected_texts(path: Path) -> dict[str, str]:
    """The text diagrams of the guideline file ``path``, by suffix."""
    from ..loader import load
    from . import export

    guideline = load(path)
    return {suffix: export(guideline, fmt) for suffix, fmt in TEXT_SUFFIXES.items()}


_CHECKSUM = re.compile(r"<!-- nettree: drawn from DOT with sha256 ([0-9a-f]{64}) -->")


def svg_checksum(svg: str) -> str | None:
    """The DOT checksum an SVG drawn by nettree records, if any."""
    found = _CHECKSUM.search(svg)
    return found.group(1) if found else None


_README_BLOCK = re.compile(
    r"(<!-- nettree:mermaid (?P<id>[\w.-]+)[^>]*-->\n```mermaid\n)(?P<body>.*?)(```\n"
    r"<!-- /nettree:mermaid -->)", re.S)


def readme_with_diagrams(readme: str, directory: Path) -> str:
    """The README with each marked Mermaid block holding its bundled guideline's diagram.

    A block is ``<!-- nettree:mermaid ID ... -->``, a mermaid code block, and
    ``<!-- /nettree:mermaid -->``; its body is ``graphs/ID.mmd``.
    """
    def body(match: re.Match[str]) -> str:
        path = directory / f"{match.group('id')}.yaml"
        return match.group(1) + expected_texts(path)[".mmd"] + match.group(4)

    return _README_BLOCK.sub(body, readme)


def _readme(directory: Path) -> Path:
    return directory.parent / "README.md"


def check(directory: Path | None = None) -> list[str]:
    """The stale or missing diagram files in ``directory`` (default: ``graphs/``)."""
    from .images import dot_checksum

    directory = directory or graphs_dir()
    stale = []
    for path in _guidelines(directory):
        texts = expected_texts(path)
        for suffix, text in texts.items():
            target = path.with_suffix(suffix)
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target))
        svg = path.with_suffix(".svg")
        recorded = svg_checksum(svg.read_text(encoding="utf-8")) if svg.is_file() else None
        if recorded != dot_checksum(texts[".dot"]):
            stale.append(str(svg))
    readme = _readme(directory)
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        if readme_with_diagrams(text, directory) != text:
            stale.append(str(readme))
    return stale


def update(directory: Path | None = None) -> list[str]:
    """Redraw every diagram in ``directory`` (default: ``graphs/``); the files written.

    Needs ``dot`` for the SVG (:class:`~nettree.export.backend.GraphvizNotFoundError` otherwise).
    """
    from ..loader import load
    from . import render

    directory = directory or graphs_dir()
    written = []
    for path in _guidelines(directory):
        for suffix, text in expected_texts(path).items():
            target = path.with_suffix(suffix)
            target.write_text(text, encoding="utf-8", newline="\n")
            written.append(str(target))
        target = path.with_suffix(".svg")
        target.write_bytes(render(load(path), "svg"))
        written.append(str(target))
    readme = _readme(directory)
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        updated = readme_with_diagrams(text, directory)
        if updated != text:
            readme.write_text(updated, encoding="utf-8", newline="\n")
            written.append(str(readme))
    return written
