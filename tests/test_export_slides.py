"""Slides (issue 10, item 3): 16:9 pages whose every word is at least 18 points, as a PDF
(measured with pypdf: each piece of text's size through its text and page matrices) and as
one offline HTML page (measured in Chromium: each text's font size on screen at 1280x720)."""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_export_html import browser, open_page  # noqa: F401  (the browser fixture)

import nettree
from nettree.cli import main
from nettree.export import ExportOptions
from nettree.export.slides import MIN_TEXT, build_slides, smallest_text, to_slides

ROOT = Path(__file__).resolve().parents[1]
PATIENT = ROOT / "examples" / "patients" / "pan-g2-high-volume.json"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is missing")


def text_sizes(pdf: bytes) -> list[list[tuple[str, float]]]:
    """Each page's pieces of text with the size they are drawn at, in points."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: list[tuple[str, float]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float,
                  found: list[tuple[str, float]] = found) -> None:
            if text.strip():
                found.append((text, size * math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def page_text(pdf: Path, number: int) -> str:
    done = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
                          capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def test_smallest_text_reads_every_size() -> None:
    assert smallest_text('label=<<FONT POINT-SIZE="8">a</FONT>>, fontsize=11') == 8.0


@needs_dot
def test_pdf_deck_is_16_by_9_and_never_below_18_points(guideline: nettree.Guideline,
                                                       tmp_path: Path) -> None:
    from pypdf import PdfReader

    result = CliRunner().invoke(main, ["render", "--slides", "-o", str(tmp_path / "deck.pdf")])
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "deck.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    slides = build_slides(guideline, ExportOptions().diagram(guideline))
    assert len(reader.pages) == len(slides)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) \
            == (960, 540)
    sizes = text_sizes(pdf)
    small = [(n, text, round(size, 1)) for n, page in enumerate(sizes, 1)
             for text, size in page if size < MIN_TEXT - 0.01]
    assert small == []
    assert all(sizes), "every slide has text"
    # The title slide: title, citation, version; then the overview; every leaf has slides.
    first = page_text(tmp_path / "deck.pdf", 1)
    assert "Systemic Therapy for Tumor Control" in first
    assert guideline.citation.split(".")[0] in first  # "Del Rivero J, et al"
    assert "Version 2023" in first
    assert "Overview" in page_text(tmp_path / "deck.pdf", 2)
    titles = [slide.title for slide in slides]
    # A leaf's slides say how it reads 3.3 (a slide draws no legend).
    assert any("3.3 read so: The table files 3.3" in reading
               for slide in slides if slide.title.startswith("G1-G2 panNET, first line")
               for node in slide.diagram.nodes for reading in node.readings)
    for leaf in guideline.leaves.values():
        assert any(title.startswith(leaf.label) for title in titles), leaf.label
    for decision in guideline.decisions.values():  # each question, with all its answers
        assert any(decision.question == node.title and all(
            e.target in {n.key for n in slide.diagram.nodes}
            for e in slide.diagram.edges if e.source == node.key)
            for slide in slides for node in slide.diagram.nodes), decision.question


@needs_dot
def test_patient_deck_follows_the_path(guideline: nettree.Guideline, tmp_path: Path) -> None:
    patient = json.loads(PATIENT.read_text())
    result = guideline.traverse(patient)
    pdf = to_slides(guideline, ExportOptions(result=result, patient=patient), "pdf")
    (tmp_path / "case.pdf").write_bytes(pdf)
    sizes = text_sizes(pdf)
    assert min(size for page in sizes for _, size in page) >= MIN_TEXT - 0.01
    slides = build_slides(guideline, ExportOptions(result=result).diagram(guideline))
    assert len(sizes) == len(slides) < len(build_slides(
        guideline, ExportOptions().diagram(guideline)))
    on_path = {step.node for step in result.path}
    drawn = {node.id for slide in slides for node in slide.diagram.nodes}
    assert drawn - on_path, "the overview shows the answers not taken"
    leaf = guideline.leaves[result.leaf]
    assert [s for s in slides if s.title.startswith(leaf.label)], "the leaf reached"
    assert not [s for s in slides if s.title.startswith("G3 GI-NET")], "off the path"
    everything = " ".join(page_text(tmp_path / "case.pdf", n) for n in range(1, len(sizes) + 1))
    assert "for this patient" in everything
    case = page_text(tmp_path / "case.pdf", 2)  # the case on the slide after the title
    assert "This patient" in case and "Result: RECOMMENDATION" in case
    assert all(option.label in case for option in result.options)


def test_slides_refuse_other_formats_and_a_cohort(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["render", "--slides", "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 2
    assert "--slides writes pdf or html (-o deck.pdf or -o deck.html), not svg" in result.output
    result = runner.invoke(main, ["render", "--slides", "--format", "mermaid"])
    assert result.exit_code == 2 and "not mermaid" in result.output
    result = runner.invoke(main, ["render", "--slides", "--cohort", "x.json", "-o",
                                  str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "drop --cohort" in result.output
    assert "--slides" in runner.invoke(main, ["render", "--help"]).output


@needs_dot
@pytest.mark.browser
def test_html_deck_at_1280x720(browser: Any, guideline: nettree.Guideline,  # noqa: F811
                               tmp_path: Path) -> None:
    path = tmp_path / "deck.html"
    result = CliRunner().invoke(main, ["render", "--slides", "-o", str(path), "--patient",
                                       str(PATIENT)])
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org", "")
    assert "<script src" not in text and "<link" not in text
    page = open_page(browser, path, 1280, 720, ready=None)
    count = page.evaluate("document.querySelectorAll('section').length")
    assert count >= 5
    measure = """() => { const s = document.querySelector('section.current');
      const svg = s.querySelector('svg').getBoundingClientRect();
      const sizes = [...s.querySelectorAll('svg text')].filter(t => t.textContent.trim())
        .map(t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a);
      return {id: s.id, min: Math.min(...sizes), n: sizes.length,
              inside: svg.left >= 0 && svg.top >= 0 && svg.right <= innerWidth + 0.5
                      && svg.bottom <= innerHeight + 0.5}; }"""
    seen = []
    for index in range(count):
        shown = page.evaluate(measure)
        assert shown["id"] == f"slide-{index + 1}"
        assert shown["n"] > 0 and shown["inside"], shown
        assert shown["min"] >= MIN_TEXT * 96 / 72 - 0.01, shown  # 18 pt = 24 px
        seen.append(shown["id"])
        if index == 1:
            page.screenshot(path=str(tmp_path / "overview.png"))
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.querySelector('section.current').id") == f"slide-{count}"
    page.keyboard.press("Home")
    assert page.inner_text("#counter") == f"1 / {count}"
    page.click("#next")
    assert page.inner_text("#counter") == f"2 / {count}"
    assert page.errors == [] and all(url.startswith("file:") for url in page.requests)


@needs_dot
@pytest.mark.parametrize("args", [
    [str(ROOT / "tests" / "guidelines" / "example-sore-throat.yaml")],  # a question with
    ["--direction", "LR", "--focus", "primary_site=gi"],  # many answers; a deck drawn LR
])
def test_every_deck_keeps_its_text_at_18_points(args: list[str], tmp_path: Path) -> None:
    """Where the overview cannot be cut into legible parts, they are left to the decisions'
    own slides (a question above its answers, as many a slide as fit)."""
    out = tmp_path / "deck.pdf"
    result = CliRunner().invoke(main, ["render", *args, "--slides", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sizes = text_sizes(out.read_bytes())
    assert len(sizes) > 3 and all(sizes)
    assert min(size for page in sizes for _, size in page) >= MIN_TEXT - 0.01
