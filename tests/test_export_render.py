"""SVG, PNG and PDF drawn by Graphviz, the path highlight, focus, and the ``render`` command.

Tests marked ``needs_dot`` are skipped where Graphviz's ``dot`` is absent (CI installs it,
so nothing is skipped there); everything else runs without it.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import nettree
from nettree.cli import main
from nettree.export import backend, export, render
from nettree.export.backend import GraphvizNotFoundError
from nettree.export.extract import build_diagram, parse_focus
from nettree.export.pdf import merge_pdfs
from nettree.patient import read_patient_file

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = ROOT / "examples" / "patients"
EXAMPLE = Path(__file__).parent / "guidelines" / "example-sore-throat.yaml"
SVG = "{http://www.w3.org/2000/svg}"
HAVE_DOT = shutil.which("dot") is not None

needs_dot = pytest.mark.needs_dot


@pytest.fixture(autouse=True)
def _skip_without_dot(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("needs_dot") and not HAVE_DOT:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")


def patient_result(guideline: nettree.Guideline, name: str) -> tuple[dict[str, Any],
                                                                     nettree.Result]:
    patient = read_patient_file(PATIENTS / name)
    return patient, guideline.traverse(patient)


def path_keys(guideline: nettree.Guideline, result: nettree.Result) -> tuple[set[str],
                                                                             set[str]]:
    """The node keys and edge keys a result's path should light, from the diagram model."""
    diagram = build_diagram(guideline)
    keys = {n.id: n.key for n in diagram.nodes}
    nodes = {keys[step.node] for step in result.path}
    pairs = {(keys[a.node], keys[b.node]) for a, b in zip(result.path, result.path[1:],
                                                             strict=False) if a.answer}
    edges = {e.key for e in diagram.edges if (e.source, e.target) in pairs}
    return nodes, edges


def classed(svg_root: ET.Element, kind: str) -> dict[str, set[str]]:
    """id -> classes of every <g> whose class includes ``kind`` (nettree-node/nettree-edge)."""
    found = {}
    for g in svg_root.iter(f"{SVG}g"):
        classes = set((g.get("class") or "").split())
        if kind in classes:
            found[g.get("id", "")] = classes
    return found


# -- SVG, PNG, PDF


@needs_dot
def test_svg_parses_and_shows_every_cited_recommendation(guideline: nettree.Guideline) -> None:
    svg = render(guideline, "svg").decode("utf-8")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    cited = {c for leaf in guideline.leaves.values() for step in leaf.steps
             for c in getattr(step, "cites", ())}
    cited |= {c for step in guideline.filters for c in getattr(step, "cites", ())}
    assert cited, "the guideline cites something"
    for cite in sorted(cited):
        assert re.search(rf"(^|\s|\[){re.escape(cite)}(\s|,|\]|\)|$)", text), cite
    # every decision and leaf is a node group with its id
    nodes = classed(root, "nettree-node")
    assert len(nodes) == len(guideline.decisions) + len(guideline.leaves)


@needs_dot
def test_png_and_pdf_have_their_magic_bytes(guideline: nettree.Guideline) -> None:
    assert render(guideline, "png").startswith(b"\x89PNG\r\n\x1a\n")
    pdf = render(guideline, "pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


@needs_dot
@pytest.mark.parametrize("source", ["asco-gepnet-2023", str(EXAMPLE)])
def test_pdf_pages_fit_a4_and_letter(source: str) -> None:
    """Every page prints at 100% on A4 and on Letter (595 x 792 points, either way round)."""
    pdf = render(nettree.load(source), "pdf")
    boxes = [(page.mediabox.width, page.mediabox.height)
             for page in PdfReader(io.BytesIO(pdf)).pages]
    assert boxes
    for width, height in boxes:
        short, long = sorted((float(width), float(height)))
        assert short <= 595.3 and long <= 792, (width, height)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(boxes)  # one box per page
    if shutil.which("pdftoppm"):
        done = subprocess.run(["pdftoppm", "-r", "20", "-png", "-", "/dev/null/none"],
                              input=pdf, capture_output=True, check=False)
        assert b"Syntax Error" not in done.stderr, done.stderr


def test_merge_pdfs_keeps_every_page() -> None:
    if not HAVE_DOT:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    one = backend.run_dot("digraph { a -> b }", "pdf")
    two = backend.run_dot("digraph { c -> d -> e }", "pdf")
    merged = merge_pdfs([one, two, one])
    assert merged.startswith(b"%PDF-")
    assert b"/Count 3" in merged
    if shutil.which("pdfinfo"):
        done = subprocess.run(["pdfinfo", "-"], input=merged, capture_output=True, check=False)
        assert b"Pages:           3" in done.stdout, done.stderr


@needs_dot
@pytest.mark.parametrize("name", ["pan-g2-high-volume.json", "gi-g1-sstr-unknown.json",
                                  "pan-poorly-differentiated.yaml",
                                  "gi-ki67-5-after-ssa.yaml"])
def test_svg_path_classes_exactly_on_the_path(guideline: nettree.Guideline, name: str) -> None:
    patient, result = patient_result(guideline, name)
    svg = render(guideline, "svg", result=result, patient=patient).decode("utf-8")
    root = ET.fromstring(svg)
    want_nodes, want_edges = path_keys(guideline, result)
    nodes = classed(root, "nettree-node")
    edges = classed(root, "nettree-edge")
    assert {k for k, c in nodes.items() if "nettree-path" in c} == want_nodes
    assert {k for k, c in edges.items() if "nettree-path" in c} == want_edges
    assert 'class="node nettree-node' in svg  # hyphens written plainly, not as &#45;


def test_a_path_stopped_by_unknown_data_is_lit_as_far_as_it_got(
        guideline: nettree.Guideline) -> None:
    _, result = patient_result(guideline, "gi-g1-sstr-unknown.json")
    assert result.status == "needs_information"
    diagram = build_diagram(guideline, result=result)
    lit = [n.id for n in diagram.nodes if n.on_path]
    assert lit == [step.node for step in result.path]
    stopped = build_diagram(guideline, result=guideline.traverse({"differentiation": "well"}))
    assert [n.id for n in stopped.nodes if n.on_path] == ["differentiation", "metastatic"]
    assert [n.id for n in stopped.nodes if n.stop] == ["metastatic"]
    assert [e.key for e in stopped.edges if e.on_path] == ["e_differentiation_1"]
    dot = export(guideline, "dot", result=guideline.traverse({"differentiation": "well"}))
    assert "The path stops here: needs metastatic disease." in dot.replace("<BR/>", " ")


def test_mermaid_path_uses_classdef_and_linkstyle(guideline: nettree.Guideline) -> None:
    _, result = patient_result(guideline, "pan-g2-high-volume.json")
    text = export(guideline, "mermaid", result=result)
    want_nodes, want_edges = path_keys(guideline, result)
    classes = re.search(r"^  class ([\w,]+) path$", text, re.M)
    assert classes and set(classes.group(1).split(",")) == want_nodes
    diagram = build_diagram(guideline)
    indices = {str(i) for i, e in enumerate(diagram.edges) if e.key in want_edges}
    links = re.search(r"^  linkStyle ([\d,]+) stroke:#c2185b", text, re.M)
    assert links and set(links.group(1).split(",")) == indices
    assert "classDef path stroke:#c2185b" in text
    assert export(guideline, "mermaid").count("linkStyle") == 0


# -- focus


def test_focus_draws_only_what_is_reachable(guideline: nettree.Guideline) -> None:
    focus = parse_focus(guideline, ["primary_site=pancreas"])
    drawn = {n.id for n in build_diagram(guideline, focus=focus).nodes}
    assert "pan-g12-first" in drawn and "pan-g3-later" in drawn
    assert not any(n.startswith("gi-") for n in drawn)
    assert "out-not-gep" not in drawn  # primary_site is pancreas: never 'other'
    assert "out-poorly-differentiated" in drawn  # unknown differentiation: kept
    both = parse_focus(guideline, ["primary_site=pancreas", "ki67=25"])  # ki67 25: grade G3
    assert both == {"primary_site": "pancreas", "ki67": 25.0, "grade": "G3"}
    drawn = {n.id for n in build_diagram(guideline, focus=both).nodes}
    assert {"pan-g3-first", "pan-g3-later"} <= drawn
    assert not {"pan-g12-first", "pan-g12-later", "pan-g12-line"} & drawn


def test_focus_drops_offers_that_cannot_hold(guideline: nettree.Guideline) -> None:
    focus = parse_focus(guideline, ["sstr_status=positive"])
    diagram = build_diagram(guideline, focus=focus)
    pan_later = diagram.node("pan-g12-later")
    offered = {o.id: [c for cl in o.clauses for c in cl.cites] for o in pan_later.options}
    assert "3.3" not in {c.id for cites in offered.values() for c in cites}  # SSTR-negative only
    assert "prrt" in offered
    assert diagram.legend.focus == "Focus: only what is reachable when SSTR-positive"


@pytest.mark.parametrize("items,message", [
    (["primary_site"], "expected FIELD=VALUE"),
    (["site=pancreas"], "'site' is not a patient field"),
    (["primary_site=lung"], "must be one of 'gi', 'pancreas', 'other'"),
    (["primary_site="], "needs a value"),
    (["grade=G1", "ki67=30"], "'grade' is 'G1' but 'ki67' 30 gives 'G3'"),
])
def test_bad_focus_is_one_clear_message(guideline: nettree.Guideline, items: list[str],
                                        message: str) -> None:
    with pytest.raises(nettree.PatientError, match=re.escape(message)):
        parse_focus(guideline, items)


# -- a missing dot


def test_missing_dot_says_how_to_install(guideline: nettree.Guideline,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend, "DOT_BINARY", "nettree-no-such-dot")
    with pytest.raises(GraphvizNotFoundError) as caught:
        render(guideline, "svg")
    message = str(caught.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert hint in message
    for fmt in ("dot", "mermaid", "html"):  # the text formats need no program
        assert render(guideline, fmt)


def test_cli_missing_dot_exits_1_with_hints(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot on PATH
    result = CliRunner().invoke(main, ["render", "--format", "svg"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "apt-get install graphviz" in result.stderr
    assert "brew install graphviz" in result.stderr
    for fmt in ("dot", "mermaid", "html"):
        ok = CliRunner().invoke(main, ["render", "--format", fmt])
        assert ok.exit_code == 0, ok.stderr


# -- the command


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["render", *args])


def test_cli_text_formats_go_to_stdout() -> None:
    result = run("--format", "mermaid")
    assert result.exit_code == 0 and "flowchart TB" in result.stdout
    result = run("--format", "dot", "--direction", "LR")
    assert result.exit_code == 0 and "rankdir=LR" in result.stdout


def test_cli_writes_the_format_of_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "pathway.mmd"
    result = run("-o", str(out), "--focus", "primary_site=gi")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "flowchart TB" in text and "n_pan_grade" not in text


@needs_dot
def test_cli_binary_formats_to_a_file(tmp_path: Path) -> None:
    for fmt, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF-")):
        out = tmp_path / f"x.{fmt}"
        result = run("-o", str(out), "--patient", str(PATIENTS / "pan-g2-high-volume.json"))
        assert result.exit_code == 0, result.stderr
        assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("args,message", [
    (["--format", "jpeg"], "Invalid value for '-f' / '--format'"),
    (["--focus", "nope=1"], "--focus 'nope=1': 'nope' is not a patient field"),
    (["--focus", "primary_site=lung"], "must be one of"),
    (["--patient", "/no/such/patient.json"], "cannot read the patient file"),
    (["--direction", "up"], "Invalid value for '--direction'"),
])
def test_cli_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run("--format", "dot", *args) if "--format" not in args else run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_invalid_patient_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"sstr": "positive"}', encoding="utf-8")
    result = run("--format", "dot", "--patient", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith("nettree: error: invalid patient: 'sstr' is not a patient")
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_unwritable_output_exit_2(tmp_path: Path) -> None:
    result = run("--format", "dot", "-o", str(tmp_path / "missing-folder" / "x.dot"))
    assert result.exit_code == 1  # a write error is exit 1 (issue 7), like a failed Graphviz
    assert "cannot write" in result.stderr


def test_cli_help_teaches() -> None:
    result = CliRunner().invoke(main, ["render", "--help"], terminal_width=100)
    assert result.exit_code == 0
    output = " ".join(result.output.split())
    for text in ("Examples:", "--focus primary_site=pancreas", "--patient", "python -m "
                 "nettree.export --update-bundled", "dot|svg|png|pdf|mermaid|html"):
        assert text in output


def test_render_command_in_a_subprocess_never_shows_a_traceback() -> None:
    """The real command line (not CliRunner): a bad focus is one line on stderr, exit 2."""
    done = subprocess.run([sys.executable, "-m", "nettree", "render", "--focus", "x"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "expected FIELD=VALUE" in done.stderr


# -- the options the patient gets, marked in the leaf it reached


def test_dot_marks_the_options_the_patient_gets_and_those_excluded(
        guideline: nettree.Guideline) -> None:
    patient, result = patient_result(guideline, "pan-later-line-uncontrolled-diabetes.yaml")
    text = export(guideline, "dot", result=result, patient=patient)
    leaf = next(line for line in text.splitlines() if line.startswith("  n_pan_g12_later ["))
    for option in result.options:  # its label, wrapped, then "for this patient"
        label = option.label.replace("(", "").replace(")", "")
        assert re.search(r"\u2713 " + r"(\s|<BR/>)+".join(map(re.escape, label.split()))
                         + r"</B> <FONT POINT-SIZE=\"9\">for this patient",
                         leaf.replace("(", "").replace(")", "")), option.id
    assert leaf.count("\u2713 ") == len(result.options)
    assert "<S>Everolimus</S>" in leaf and "\u2717 excluded: Everolimus is not recommended " \
        "for patients with uncontrolled diabetes (3.4-q5)." in leaf.replace("<BR/>", " ")
    others = [line for line in text.splitlines() if line.startswith("  n_") and line != leaf]
    assert not any("for this patient" in line for line in others)  # only the leaf reached
    assert "struck through: an option excluded for this patient" in text  # the legend's key
    assert "for this patient" not in export(guideline, "dot")


def test_the_fallback_a_patient_gets_is_added_to_its_leaf(guideline: nettree.Guideline) -> None:
    _, result = patient_result(guideline, "gi-sstr-negative-after-everolimus.json")
    assert result.option_ids == ("mdt_discussion",)
    diagram = build_diagram(guideline, result=result)
    leaf = diagram.node(result.leaf or "")
    marks = {o.id: o.mark for o in leaf.options}
    assert marks["mdt_discussion"] == "offered" and marks["everolimus"] == "excluded"
    assert leaf.options[-1].clauses[0].condition == "no other option is left"


def test_a_path_stopped_before_a_leaf_marks_no_option(guideline: nettree.Guideline) -> None:
    _, result = patient_result(guideline, "pan-grade-unknown.json")
    diagram = build_diagram(guideline, result=result)
    assert not any(o.mark for n in diagram.nodes for o in n.options)
    assert not diagram.legend.marks


def test_mermaid_marks_the_options_the_patient_gets(guideline: nettree.Guideline) -> None:
    patient, result = patient_result(guideline, "pan-later-line-uncontrolled-diabetes.yaml")
    text = export(guideline, "mermaid", result=result, patient=patient)
    assert ("\u2717 <s>Everolimus</s>: excluded: Everolimus is not recommended for "
            "patients") in text
    assert text.count(": for this patient") == len(result.options)
    assert "  class n_pan_g12_later reached" in text.splitlines()


@needs_dot
def test_svg_and_pdf_show_the_marks(guideline: nettree.Guideline) -> None:
    patient, result = patient_result(guideline, "pan-later-line-uncontrolled-diabetes.yaml")
    svg = render(guideline, "svg", result=result, patient=patient).decode("utf-8")
    assert 'text-decoration="line-through"' in svg
    # each option offered, the one excluded, and the legend's key
    assert svg.count("for this patient") == len(result.options) + 2
    assert render(guideline, "pdf", result=result, patient=patient).startswith(b"%PDF-")


# -- the command refuses what would draw a misleading picture


def test_cli_focus_contradicting_the_patient_exit_2() -> None:
    result = run("--format", "dot", "--patient", str(PATIENTS / "pan-g2-high-volume.json"),
                 "--focus", "primary_site=gi")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "--focus primary_site=gi contradicts the patient" in result.stderr
    assert "primary_site is pancreas" in result.stderr
    agreeing = run("--format", "dot", "--patient", str(PATIENTS / "pan-g2-high-volume.json"),
                   "--focus", "primary_site=pancreas")
    assert agreeing.exit_code == 0, agreeing.stderr
    unknown = run("--format", "dot", "--patient", str(PATIENTS / "pan-grade-unknown.json"),
                  "--focus", "grade=G3")  # a field the patient leaves unknown: no conflict
    assert unknown.exit_code == 0, unknown.stderr


def test_cli_focus_repeated_with_different_values_exit_2() -> None:
    result = run("--format", "dot", "--focus", "primary_site=gi",
                 "--focus", "primary_site=pancreas")
    assert result.exit_code == 2
    assert "--focus primary_site: given twice, as gi and pancreas" in result.stderr
    assert result.stderr.count("\n") == 1
    same = run("--format", "dot", "--focus", "primary_site=gi", "--focus", "primary_site=gi")
    assert same.exit_code == 0, same.stderr


def test_cli_unknown_suffix_without_format_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "x.jpg"
    result = run("-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "cannot tell the format of" in result.stderr
    for suffix in (".svg", ".png", ".pdf", ".dot", ".mmd", ".html"):
        assert suffix in result.stderr
    given = run("-o", str(out), "--format", "dot")  # with --format, any name will do
    assert given.exit_code == 0, given.stderr
    assert out.read_text(encoding="utf-8").startswith("// ")


def test_cli_help_shows_direction_as_in_the_readme() -> None:
    result = CliRunner().invoke(main, ["render", "--help"], terminal_width=100)
    assert "--direction TB|LR" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "[--direction TB|LR]" in readme


# -- print: every page legible


@needs_dot
@pytest.mark.parametrize("focus", [(), ("primary_site=pancreas",)])
def test_every_pdf_page_prints_its_text_legibly(guideline: nettree.Guideline,
                                                 focus: tuple[str, ...],
                                                 tmp_path: Path) -> None:
    """No page is shrunk below MIN_SCALE: the smallest text (the 8-point rating codes) is
    at least 7 points tall as pdftotext measures it (it measured 4.7 on the first page when
    only the subtrees were cut off and the top of the graph was not)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = tmp_path / "x.pdf"
    out.write_bytes(render(guideline, "pdf", focus=parse_focus(guideline, list(focus))))
    done = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True,
                          text=True, check=True)
    pages = done.stdout.split("<page ")[1:]
    assert pages
    for number, page in enumerate(pages, start=1):
        heights = [float(b) - float(a) for a, b in
                   re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" '
                              r'yMax="([\d.]+)"', page)]
        assert heights and min(heights) >= 7.0, (number, min(heights))


def test_pages_may_be_cut_below_a_cut() -> None:
    """A page may itself be cut: each page says which page it continues."""
    from nettree.export.pages import paginate

    diagram = build_diagram(nettree.load("asco-gepnet-2023"))
    roots = ["n_site", "n_gi_grade"]
    first, site, gi = paginate(diagram, roots)
    assert "Continued on page 2." in first.node_by_key("n_site").detail
    assert "n_gi_grade" not in {n.key for n in first.nodes}
    assert "Continued on page 3." in site.node_by_key("n_gi_grade").detail
    assert "n_gi_g12_first" not in {n.key for n in site.nodes}
    assert "n_pan_g12_first" in {n.key for n in site.nodes}
    assert gi.legend.page.startswith("Page 3 of 3, continued from page 2 after:")
    assert {n.key for n in gi.nodes} >= {"n_gi_grade", "n_gi_g12_first", "n_gi_g3_later"}


# -- text that escapes its place, and deep graphs

HOSTILE_VERSION = '1\r%%{init: {"theme": "dark"}}%%\rclick A call alert()'
HOSTILE_TITLE = "T\n}\ndigraph evil { x -> y }\n// \u2028%%{init: {}}%%\x85click B call alert()\x0c"
HOSTILE_CITATION = "</script><!--<script>alert(1)</script>\r\nclick C call alert()"


def _yaml_string(text: str) -> str:
    """A YAML double-quoted scalar holding ``text`` exactly (JSON is YAML)."""
    return json.dumps(text)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> nettree.Guideline:
    """The example guideline with line breaks and directives in its title, version and
    citation."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for pattern, value in ((r"(?m)^version: .*\n", HOSTILE_VERSION),
                           (r"(?m)^title: .*\n", HOSTILE_TITLE),
                           (r"(?ms)^citation: >-\n.*?(?=^source:)", HOSTILE_CITATION)):
        key = pattern.split("^")[1].split(":")[0]
        text = re.sub(pattern, lambda _, key=key, value=value: f"{key}: {_yaml_string(value)}\n",
                      text, count=1)
    text = text.replace("source: sources/", f"source: {EXAMPLE.parent / 'sources'}/")
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    guideline = nettree.load(path)
    assert guideline.version == HOSTILE_VERSION  # the loader keeps it: the exporters quote it
    return guideline


def test_hostile_text_stays_in_its_mermaid_comment(hostile: nettree.Guideline) -> None:
    text = export(hostile, "mermaid")
    lines = text.split("\n")
    assert text.splitlines() == lines[:-1]  # no line break of any other kind
    assert lines[1] == ('%% example-sore-throat, version 1 %#37;{init: {"theme": "dark"}}%#37; '
                        "click A call alert(). Generated by nettree; do not edit.")
    assert lines[0].startswith("%% T } digraph evil { x -#gt; y } // %#37;{init: {}}%#37; ")
    assert [line for line in lines if line.startswith("%%")] == lines[:3]
    assert text.count("%%") == 2 + 2  # the two comment marks and our own init directive
    assert not [line for line in lines if line.lstrip().startswith("click")]


def test_hostile_text_stays_in_its_dot_comment(hostile: nettree.Guideline) -> None:
    text = export(hostile, "dot")
    lines = text.split("\n")
    assert text.splitlines() == lines[:-1]
    assert lines[0] == "// T } digraph evil { x -> y } // %%{init: {}}%% click B call alert()"
    assert lines[1] == ('// example-sore-throat, version 1 %%{init: {"theme": "dark"}}%% '
                        "click A call alert(). Generated by nettree; do not edit.")
    assert [line for line in lines if line.startswith("//")] == lines[:2]
    # every statement is indented inside the one graph: nothing starts a line of its own
    assert [line for line in lines[2:] if not line.startswith(" ")] == [
        'digraph "example-sore-throat" {', "}", ""]


@needs_dot
def test_hostile_text_draws_one_graph(hostile: nettree.Guideline) -> None:
    root = ET.fromstring(render(hostile, "svg").decode("utf-8"))
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "evil" not in titles and "x" not in titles  # no graph or node from the title
    assert len(classed(root, "nettree-node")) == len(hostile.decisions) + len(hostile.leaves)


def test_hostile_citation_stays_in_the_page_data(hostile: nettree.Guideline) -> None:
    page = export(hostile, "html")
    start = page.index('<script type="application/json" id="nettree-data">')
    body = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert "</" not in body and "<!--" not in body
    assert json.loads(body)["guideline"]["citation"] == hostile.citation
    assert "</script><!--<script>" in hostile.citation
    # the data's, the engine's and the UI's, nothing more
    assert page.count("</script>") == 3


def deep_chain(tmp_path: Path, decisions: int) -> nettree.Guideline:
    """The example guideline behind a chain of ``decisions`` decisions (both answers of each
    lead to the next), so the graph is deeper than Python's default recursion limit."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("\nstart: emergency\n")
    head = head.replace("source: sources/", f"source: {EXAMPLE.parent / 'sources'}/")
    chain = ["start: d0", "decisions:"]
    for index in range(decisions):
        after = f"d{index + 1}" if index + 1 < decisions else "emergency"
        chain.append(f"  d{index}:\n    question: Step {index}?\n    branches:\n"
                     f"      - {{answer: 'yes', when: {{pregnant: true}}, to: {after}}}\n"
                     f"      - {{answer: 'no', when: {{pregnant: false}}, to: {after}}}")
    path = tmp_path / "deep.yaml"
    path.write_text("\n".join([head, *chain, rest.split("decisions:\n", 1)[1]]),
                    encoding="utf-8")
    return nettree.load(path)


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> nettree.Guideline:
    return deep_chain(tmp_path_factory.mktemp("deep"), 1500)


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "html", pytest.param("svg", marks=needs_dot)])
def test_a_chain_of_1500_decisions_renders(deep: nettree.Guideline, fmt: str) -> None:
    assert sys.getrecursionlimit() < 1500 * 2
    drawn = render(deep, fmt).decode("utf-8")
    for index in (0, 749, 1499):
        assert f"Step {index}?" in drawn


@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85",
                                 "\u2028", "\u2029"])
def test_no_line_break_ends_a_comment(brk: str) -> None:
    """Any line break in the title or version (whatever the loader lets through) stays
    inside the DOT and Mermaid comments, and no Mermaid directive gets in."""
    from dataclasses import replace

    from nettree.export.dot import to_dot
    from nettree.export.mermaid import to_mermaid

    diagram = replace(build_diagram(nettree.load(EXAMPLE)),
                      title=f"T{brk}click A call alert(){brk}}}",
                      version=f'1{brk}%%{{init: {{"theme": "dark"}}}}%%{brk}digraph x {{')
    for text in (to_dot(diagram), to_mermaid(diagram)):
        lines = text.split("\n")
        assert text.splitlines() == lines[:-1]
        assert not [line for line in lines if line.startswith(("click", "}", "digraph x"))
                    and line != "}"]
    mermaid = to_mermaid(diagram)
    assert mermaid.count("%%{") == 1 and '"theme"' in mermaid  # ours only; the text kept


# -- the registry and the options


def test_every_format_renders_through_its_registry_entry(guideline: nettree.Guideline,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """render() and export() dispatch through FORMATS only: a format added to the registry
    is drawn by its own renderer, with the options given."""
    from nettree.export import FORMATS, TEXT_FORMATS, ExportOptions, Format

    seen: list[ExportOptions] = []

    def shout(_: nettree.Guideline, options: ExportOptions) -> str:
        seen.append(options)
        return "HELLO"

    monkeypatch.setitem(FORMATS, "shout", Format("shout", ".txt", "test", shout))  # type: ignore[index]
    assert render(guideline, "shout", ExportOptions(direction="LR")) == b"HELLO"
    assert seen == [ExportOptions(direction="LR")]
    assert TEXT_FORMATS == ("dot", "mermaid", "html")
    assert [f.name for f in FORMATS.values() if f.binary] == ["png", "pdf"]


def test_options_as_a_value_or_as_keywords(guideline: nettree.Guideline) -> None:
    from nettree.export import ExportOptions

    lr = ExportOptions(direction="LR")
    assert export(guideline, "dot", lr) == export(guideline, "dot", direction="LR")
    assert "rankdir=LR" in export(guideline, "dot", lr)
    assert "rankdir=TB" in export(guideline, "dot", lr, direction="TB")  # a keyword wins
    with pytest.raises(TypeError, match="colour"):
        export(guideline, "dot", colour="red")
    with pytest.raises(ValueError, match="unknown format 'gif': choose one of dot, svg, png, "
                                         "pdf, mermaid, html"):
        render(guideline, "gif")
    with pytest.raises(ValueError, match="'svg' is not a text format"):
        export(guideline, "svg")
    with pytest.raises(AttributeError):
        lr.direction = "TB"  # type: ignore[misc]
