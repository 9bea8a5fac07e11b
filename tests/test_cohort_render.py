"""``nettree render --cohort``: a batch's patients on the diagram.

The SVG is parsed: exactly the nodes and branches carry the class ``nettree-flow``, each
with the count of the summary; the Mermaid text has the counts and the widths.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from test_batch import CSV_TEXT

import nettree
from nettree.cli import main
from nettree.export import ExportOptions, export
from nettree.export.cohort import MAX_WIDTH, Cohort

SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="nettree")


@pytest.fixture(scope="module")
def batch_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("cohort")
    source = folder / "cohort.csv"
    source.write_text(CSV_TEXT)
    results, summary = folder / "results.jsonl", folder / "summary.json"
    outcome = run("batch", str(source), "-o", str(results), "--actual-column", "given",
                  "--summary-json", str(summary))
    assert outcome.exit_code == 3, outcome.output
    return results, summary, json.loads(summary.read_text())


def _diagram_ids() -> tuple[dict[str, str], dict[str, str]]:
    """Node key -> node id, and edge key -> 'SOURCE -> TARGET' (ids), as drawn."""
    guideline = nettree.load("asco-gepnet-2023")
    diagram = ExportOptions().diagram(guideline)
    nodes = {node.key: node.id for node in diagram.nodes}
    edges = {edge.key: f"{nodes[edge.source]} -> {nodes[edge.target]}"
             for edge in diagram.edges}
    return nodes, edges


def _patients(count: int) -> str:
    return f"{count} patient{'' if count == 1 else 's'} ("


@pytest.mark.needs_dot
def test_svg_flow_classes_exactly_on_counted_elements(batch_files: Any,
                                                      tmp_path: Path) -> None:
    _, summary_file, summary = batch_files
    out = tmp_path / "flow.svg"
    result = run("render", "--cohort", str(summary_file), "-o", str(out))
    assert result.exit_code == 0, result.output
    tree = ET.parse(out)
    flow = {g.get("id"): g for g in tree.iter(f"{SVG}g")
            if "nettree-flow" in (g.get("class") or "").split()}
    nodes, edges = _diagram_ids()
    assert set(flow) == set(nodes) | set(edges)
    for key, node_id in nodes.items():
        text = " ".join(" ".join(t.itertext()) for t in flow[key].iter(f"{SVG}text"))
        text = " ".join(text.split())
        count = summary["nodes"].get(node_id, 0)
        assert _patients(count) in text, (node_id, text)
    widths = {}
    for key, branch in edges.items():
        text = " ".join(" ".join(" ".join(t.itertext()) for t in flow[key].iter(f"{SVG}text"))
                        .split())
        count = summary["branches"].get(branch, 0)
        assert _patients(count) in text, (branch, text)
        widths[branch] = float(next(flow[key].iter(f"{SVG}path")).get("stroke-width") or 1)
    busiest = max(summary["branches"].values())
    for branch, count in summary["branches"].items():
        assert widths[branch] == pytest.approx(1 + (MAX_WIDTH - 1) * count / busiest, abs=0.06)
    # the leaf whose patient got an option not offered: concordance 0 of 1
    leaf = next(k for k, v in nodes.items() if v == "gi-g12-later")
    leaf_text = " ".join(" ".join(t.itertext()) for t in flow[leaf].iter(f"{SVG}text"))
    assert "Concordant: 0 of 1 (0%)." in " ".join(leaf_text.split())


def test_mermaid_counts_and_widths(batch_files: Any) -> None:
    results, summary_file, summary = batch_files
    text = run("render", "--cohort", str(summary_file), "--format", "mermaid").stdout
    nodes, edges = _diagram_ids()
    lines = text.splitlines()
    for key, node_id in nodes.items():
        line = next(line for line in lines if line.startswith(f"  {key}(") or
                    line.startswith(f"  {key}["))
        assert _patients(summary["nodes"].get(node_id, 0)) in line.replace("<br/>", " "), line
    assert f"  class {','.join(nodes)} flow" in lines
    links = [line for line in lines if " -->|" in line]
    widths = dict(re.findall(r"^  linkStyle (\d+) stroke-width:([\d.]+)px$", text, re.M))
    assert len(links) == len(edges) == len(widths)
    busiest = max(summary["branches"].values())
    for index, (line, branch) in enumerate(zip(links, edges.values(), strict=True)):
        count = summary["branches"].get(branch, 0)
        assert _patients(count) in line.replace("<br/>", " ")
        assert float(widths[str(index)]) == round(1 + (MAX_WIDTH - 1) * count / busiest, 1)
    # the batch output file gives the same drawing as its summary
    assert run("render", "--cohort", str(results), "--format", "mermaid").stdout == text


def test_html_marks_the_flow(batch_files: Any) -> None:
    _, summary_file, _ = batch_files
    page = run("render", "--cohort", str(summary_file), "--format", "html").stdout
    nodes, edges = _diagram_ids()
    marked = set(re.findall(r'<g class="[^"]*\bnettree-flow\b[^"]*" id="([^"]+)"', page))
    assert marked == set(nodes) | set(edges)
    assert "stroke-width:8px;marker-end:url(#arrow-flow)" in page
    assert page.count('<marker id="arrow-flow"') == 1


def test_without_cohort_nothing_is_marked() -> None:
    guideline = nettree.load("asco-gepnet-2023")
    assert "nettree-flow" not in export(guideline, "dot")
    assert "classDef flow" not in export(guideline, "mermaid")
    assert "stroke-width:1px" not in export(guideline, "mermaid")


@pytest.mark.parametrize(("content", "message"), [
    ('{"rows": 1}', "not a nettree batch summary: no valid, nodes, branches"),
    ('{"guideline": "other", "rows": 1, "valid": 1, "nodes": {}, "branches": {}}',
     "the cohort was evaluated with the guideline 'other', not 'asco-gepnet-2023'"),
    ('{"rows": 1, "valid": 1, "nodes": {"nowhere": 1}, "branches": {}}',
     "the cohort passes nodes that are not in 'asco-gepnet-2023': 'nowhere'"),
    ('{"rows": 1, "valid": 1, "nodes": {"site": -1}, "branches": {}}',
     "the cohort summary's 'nodes' must map names to counts"),
])
def test_bad_cohort_exits_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(content)
    result = run("render", "--cohort", str(path), "--format", "mermaid")
    assert result.exit_code == 2
    assert result.stderr == f"nettree: error: --cohort {str(path)!r}: {message}\n"


def test_cohort_and_patient_exclude_each_other(batch_files: Any) -> None:
    _, summary_file, _ = batch_files
    patient = Path(__file__).parents[1] / "examples" / "patients" / "pan-g2-high-volume.json"
    result = run("render", "--cohort", str(summary_file), "--patient", str(patient),
                 "--format", "mermaid")
    assert result.exit_code == 2
    assert "--cohort and --patient draw different things" in result.stderr


def test_cohort_from_summary_keeps_counts() -> None:
    cohort = Cohort.from_summary({"rows": 3, "valid": 2, "nodes": {"a": 2},
                                  "branches": {}, "concordance": {"by_leaf": {}}})
    assert (cohort.rows, cohort.valid, dict(cohort.nodes)) == (3, 2, {"a": 2})


def _graph(svg: str) -> tuple[ET.Element, float, float]:
    """The SVG's graph group and the shift its transform applies."""
    root = ET.fromstring(svg)
    graph = root.find(f"{SVG}g")
    assert graph is not None
    shift = re.search(r"translate\(([-\d.]+) ([-\d.]+)\)", graph.get("transform", ""))
    assert shift is not None
    return graph, float(shift.group(1)), float(shift.group(2))


def _centres(svg: str) -> dict[str, tuple[float, float]]:
    """Each node's centre (its box's, in the SVG's own coordinates, after the graph's
    transform), by node key."""
    graph, dx, dy = _graph(svg)
    centres = {}
    for group in graph.iter(f"{SVG}g"):
        if "node" not in group.get("class", "").split():
            continue
        shape = next(e for e in group.iter() if e.tag in (f"{SVG}polygon", f"{SVG}path"))
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?",
                                               shape.get("points") or shape.get("d") or "")]
        xs, ys = numbers[0::2], numbers[1::2]
        centres[group.get("id", "")] = ((min(xs) + max(xs)) / 2 + dx,
                                        (min(ys) + max(ys)) / 2 + dy)
    return centres


@pytest.mark.needs_dot
def test_patient_and_cohort_drawings_overlay_the_plain_one(batch_files: Any,
                                                           tmp_path: Path) -> None:
    """Issue 10 item 4: a patient's drawing and a cohort's place every node where the plain
    drawing does (to 0.5 pt), though their labels and lines differ, so slides overlay."""
    _, summary_file, _ = batch_files
    patient = Path(__file__).resolve().parents[1] / "examples" / "patients" / \
        "pan-g2-high-volume.json"
    drawn = {}
    for name, extra in (("plain", []), ("patient", ["--patient", str(patient)]),
                        ("cohort", ["--cohort", str(summary_file)])):
        out = tmp_path / f"{name}.svg"
        result = run("render", "-o", str(out), *extra)
        assert result.exit_code == 0, result.output
        drawn[name] = _centres(out.read_text(encoding="utf-8"))
    plain = drawn["plain"]
    assert len(plain) == 23
    for name in ("patient", "cohort"):
        assert set(drawn[name]) == set(plain)
        moved = {key: (plain[key], at) for key, at in drawn[name].items()
                 if abs(at[0] - plain[key][0]) > 0.5 or abs(at[1] - plain[key][1]) > 0.5}
        assert moved == {}, name
    # The patient's drawing is not the plain one: its leaf says what it offers.
    assert "for this patient" in (tmp_path / "patient.svg").read_text(encoding="utf-8")


def _edge_texts(svg: str) -> dict[str, list[tuple[float, float, str]]]:
    """Each edge's label lines: (x, y, text), by edge id, blank lines left out (after the
    graph's transform, as :func:`_centres`)."""
    graph, dx, dy = _graph(svg)
    texts: dict[str, list[tuple[float, float, str]]] = {}
    for group in graph.iter(f"{SVG}g"):
        if "edge" not in group.get("class", "").split():
            continue
        texts[group.get("id", "")] = [
            (float(t.get("x", 0)) + dx, float(t.get("y", 0)) + dy, "".join(t.itertext()))
            for t in group.iter(f"{SVG}text") if "".join(t.itertext()).strip()]
    return texts


@pytest.mark.needs_dot
def test_a_cohorts_counts_sit_under_the_answers_where_the_plain_drawing_left_room(
        batch_files: Any, tmp_path: Path) -> None:
    """A branch's patients are a line of their own under its answer, and the answer stays
    where the plain drawing puts it (its label keeps a blank line for the count), so the
    counts do not push the answers into each other or into the arrows."""
    _, summary_file, _ = batch_files
    drawn = {}
    for name, extra in (("plain", []), ("cohort", ["--cohort", str(summary_file)])):
        out = tmp_path / f"{name}.svg"
        assert run("render", "-o", str(out), *extra).exit_code == 0
        drawn[name] = _edge_texts(out.read_text(encoding="utf-8"))
    plain, cohort = drawn["plain"], drawn["cohort"]
    assert set(plain) == set(cohort) and len(plain) == 22
    for key, answer in plain.items():
        *same, count = cohort[key]
        assert [text for _, _, text in same] == [text for _, _, text in answer], key
        for (x, y, _), (px, py, _) in zip(same, answer, strict=True):
            assert abs(x - px) <= 0.5 and abs(y - py) <= 0.5, key
        assert re.fullmatch(r"\d+ patients? \(\d+(\.\d)?%\)", count[2]), count
        assert 10 <= count[1] - answer[-1][1] <= 16, key  # the next line down
