"""The diagrams committed next to each bundled guideline in graphs/ are up to date.

DOT, Mermaid and HTML are compared exactly; the SVG (whose bytes depend on the Graphviz
version) by the checksum of the DOT it was drawn from, and by its node ids. Redraw them all
with ``python -m nettree.export --update-bundled``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nettree.export.bundled import check, expected_texts, graphs_dir, svg_checksum
from nettree.export.extract import build_diagram
from nettree.export.images import dot_checksum
from nettree.loader import load

GRAPHS = Path(__file__).resolve().parents[1] / "graphs"
FIX = "redraw them with: python -m nettree.export --update-bundled"


def bundled() -> list[Path]:
    return sorted(GRAPHS.glob("*.yaml"))


def test_graphs_dir_is_the_checkout() -> None:
    assert graphs_dir() == GRAPHS
    assert bundled()


@pytest.mark.parametrize("path", bundled(), ids=lambda p: p.stem)
def test_text_diagrams_are_up_to_date(path: Path) -> None:
    for suffix, text in expected_texts(path).items():
        target = path.with_suffix(suffix)
        assert target.is_file(), f"{target.name} is missing; {FIX}"
        assert target.read_text(encoding="utf-8") == text, f"{target.name} is stale; {FIX}"


@pytest.mark.parametrize("path", bundled(), ids=lambda p: p.stem)
def test_svg_is_up_to_date(path: Path) -> None:
    svg = path.with_suffix(".svg")
    assert svg.is_file(), f"{svg.name} is missing; {FIX}"
    text = svg.read_text(encoding="utf-8")
    dot = path.with_suffix(".dot").read_text(encoding="utf-8")
    assert svg_checksum(text) == dot_checksum(expected_texts(path)[".dot"]) == dot_checksum(dot), \
        f"{svg.name} was drawn from another DOT text; {FIX}"
    ids = set(re.findall(r'<g id="(n_[A-Za-z0-9_]+)" class="node', text))
    assert ids == {node.key for node in build_diagram(load(path)).nodes}


def test_check_command_agrees() -> None:
    assert check() == []
    done = subprocess.run([sys.executable, "-m", "nettree.export", "--check"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    source = bundled()[0]
    copy = tmp_path / source.name
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    if (source.parent / "sources").is_dir():
        (tmp_path / "sources").mkdir()
        for item in (source.parent / "sources").iterdir():
            (tmp_path / "sources" / item.name).write_bytes(item.read_bytes())
    for suffix in (".dot", ".mmd", ".html", ".svg"):
        (tmp_path / f"{source.stem}{suffix}").write_bytes(
            source.with_suffix(suffix).read_bytes())
    assert check(tmp_path) == []
    (tmp_path / f"{source.stem}.mmd").write_text("flowchart TB\n", encoding="utf-8")
    assert check(tmp_path) == [str(tmp_path / f"{source.stem}.mmd")]
