"""Golden DOT and Mermaid files: the exporters' output, byte for byte.

The files live in tests/golden/. After an intended change, redraw them and review the diff:

    NETTREE_UPDATE_GOLDEN=1 python -m pytest tests/test_export_golden.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

import nettree
from nettree.export import export
from nettree.export.extract import parse_focus
from nettree.patient import read_patient_file

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
EXAMPLE = Path(__file__).parent / "guidelines" / "example-sore-throat.yaml"
ADVICE = Path(__file__).parent / "guidelines" / "example-advice.yaml"
UPDATE = os.environ.get("NETTREE_UPDATE_GOLDEN") == "1"

# name -> (guideline, patient file or None, focus items, direction)
CASES: dict[str, tuple[str, str | None, tuple[str, ...], str]] = {
    "asco-gepnet-2023": ("asco-gepnet-2023", None, (), "TB"),
    "asco-gepnet-2023-path-pan-g2": (
        "asco-gepnet-2023", "examples/patients/pan-g2-high-volume.json", (), "TB"),
    "asco-gepnet-2023-path-stopped": (
        "asco-gepnet-2023", "examples/patients/gi-g1-sstr-unknown.json", (), "TB"),
    "asco-gepnet-2023-focus-pancreas": (
        "asco-gepnet-2023", None, ("primary_site=pancreas",), "LR"),
    "example-sore-throat": (str(EXAMPLE), None, (), "TB"),
    "example-named": (str(EXAMPLE.parent / "example-named.yaml"), None, (), "TB"),
    # Warnings against options, preferences, and a rating style of its own (cor, with harm).
    "example-advice": (str(ADVICE), None, (), "TB"),
    "example-advice-path": (str(ADVICE), "tests/guidelines/example-advice-patient.json", (),
                            "TB"),
}


def drawn(name: str, fmt: str) -> str:
    source, patient_file, focus_items, direction = CASES[name]
    guideline = nettree.load(source)
    result, patient = None, None
    if patient_file:
        patient = read_patient_file(ROOT / patient_file)
        result = guideline.traverse(patient)
    focus: dict[str, Any] = parse_focus(guideline, focus_items)
    return export(guideline, fmt, result=result, focus=focus, direction=direction,
                  patient=patient, path_label=Path(patient_file).name if patient_file else "")


@pytest.mark.parametrize("fmt,suffix", [("dot", ".dot"), ("mermaid", ".mmd")])
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, fmt: str, suffix: str) -> None:
    text = drawn(name, fmt)
    golden = GOLDEN / f"{name}{suffix}"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.is_file(), f"{golden} is missing: run with NETTREE_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{name}{suffix} differs from {golden}; if the change is intended, redraw with "
        f"NETTREE_UPDATE_GOLDEN=1 and review the diff")


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "html"])
def test_output_is_byte_stable(fmt: str) -> None:
    assert drawn("asco-gepnet-2023-path-pan-g2", fmt) == drawn("asco-gepnet-2023-path-pan-g2",
                                                                fmt)


def test_mermaid_is_a_quoted_flowchart() -> None:
    """Every node label and edge label is quoted; ids are sanitised; no raw quote inside."""
    text = drawn("asco-gepnet-2023", "mermaid")
    lines = text.splitlines()
    assert "flowchart TB" in lines
    node = re.compile(r'^  (n_[A-Za-z0-9_]+|legend)(\("|\(\["|\["|\{")(.*)("\)|"\]\)|"\]|"\})$')
    edge = re.compile(r'^  (n_[A-Za-z0-9_]+) (-->|==>)\|"([^"]*)"\| (n_[A-Za-z0-9_]+)$')
    nodes = [m for m in map(node.match, lines) if m]
    edges = [m for m in map(edge.match, lines) if m]
    guideline = nettree.load("asco-gepnet-2023")
    assert len(nodes) == len(guideline.decisions) + len(guideline.leaves) + 1  # + the legend
    assert len(edges) == sum(len(d.branches) for d in guideline.decisions.values())
    for match in nodes:
        assert '"' not in match.group(3)
    for line in lines:
        assert line.startswith(("%%", "flowchart", "  ")), line


def test_mermaid_escapes_special_characters() -> None:
    from nettree.export.mermaid import _lines

    assert _lines('a "quoted" <b> & #1') == "a #quot;quoted#quot; #lt;b#gt; #amp; #35;1"


def test_dot_escapes_html_labels() -> None:
    from nettree.export.dot import _lines

    assert _lines("ki67 < 10 & x > 3", 80) == "ki67 &lt; 10 &amp; x &gt; 3"


def test_leaf_shows_options_citations_ratings_and_conditions() -> None:
    text = drawn("asco-gepnet-2023", "dot")
    pan_first = next(line for line in text.splitlines() if line.startswith("  n_pan_g12_first "))
    assert "Somatostatin analog" in pan_first
    assert "<B>3.1</B>" in pan_first and "EB·L·W" in pan_first
    assert "if SSTR-positive or functional tumour" in pan_first.replace("<BR/>", " ")


def test_leaf_conditions_are_simplified_by_the_path() -> None:
    """First line is known at a first-line leaf, so 'prior_therapies empty' is not repeated,
    and a G3 later-line leaf shows that SSAs alone are never kept there (4.1-q1)."""
    mermaid = drawn("asco-gepnet-2023", "mermaid")
    first = next(line for line in mermaid.splitlines() if line.startswith("  n_gi_g3_first"))
    assert "kept only if SSTR-positive and low volume" in first
    assert "prior therapies" not in first
    pan_g3_first = next(line for line in mermaid.splitlines()
                        if line.startswith("  n_pan_g3_first"))
    assert "Not here: Peptide receptor radionuclide therapy (PRRT) (4.1-q2)" in pan_g3_first
