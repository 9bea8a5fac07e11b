"""The second guideline: examples/guidelines/af-stroke-prevention.yaml (issue 9, item 10).

An illustrative paraphrase of the AF stroke-prevention logic that uses derived values (a sum
of points and a choice by cases), advice against an option, a preference, the guideline's own
rating scheme and a named condition. Its results are checked against an independent
hand-written reading of the specification for every complete patient of a grid, its own
cases file runs through ``nettree test``, it verifies and it renders.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import nettree
from nettree.cli import main
from nettree.export import export
from nettree.export.extract import build_diagram
from nettree.export.html import page_data
from nettree.verify import verify

ROOT = Path(__file__).resolve().parents[1]
AF = ROOT / "examples" / "guidelines" / "af-stroke-prevention.yaml"
CASES = ROOT / "examples" / "guidelines" / "cases" / "af-stroke-prevention.yaml"
ITEMS = ("heart_failure", "hypertension", "diabetes", "stroke_tia", "vascular_disease")


@pytest.fixture(scope="module")
def af() -> nettree.Guideline:
    return nettree.load(AF)


def expected(p: dict[str, Any]) -> dict[str, Any]:
    """The issue's specification, written out by hand (not from the file)."""
    if p["mechanical_valve"] or p["mitral_stenosis"]:
        return {"leaf": "valvular", "options": {"warfarin": ["AF-5"]}, "excluded": [],
                "not_recommended": {"doac": ["AF-6"]}, "preferred": {}}
    score = (p["heart_failure"] + p["hypertension"] + p["diabetes"] + 2 * p["stroke_tia"]
             + p["vascular_disease"] + (p["sex"] == "female")
             + (2 if p["age"] >= 75 else 1 if p["age"] >= 65 else 0))
    high, intermediate = (2, 1) if p["sex"] == "male" else (3, 2)
    if score < intermediate:
        return {"leaf": "low-risk", "options": {"no_anticoagulation": ["AF-3"]}, "excluded": [],
                "not_recommended": {}, "preferred": {}}
    leaf, cite = ("high-risk", "AF-1") if score >= high else ("intermediate-risk", "AF-2")
    if p["oac_contraindicated"]:
        return {"leaf": leaf, "options": {"laao": ["AF-7"]}, "excluded": ["doac", "warfarin"],
                "not_recommended": {}, "preferred": {}}
    return {"leaf": leaf, "options": {"doac": [cite, "AF-4"], "warfarin": [cite]},
            "excluded": [], "not_recommended": {}, "preferred": {"doac": ["warfarin"]}}


def got(result: nettree.Result) -> dict[str, Any]:
    return {"leaf": result.leaf,
            "options": {o.id: sorted(o.cites) for o in result.options},
            "excluded": [e.id for e in result.excluded],
            "not_recommended": {n.id: list(n.cites) for n in result.not_recommended},
            "preferred": {o.id: list(o.preferred_over) for o in result.options
                          if o.preferred_over}}


def grid() -> list[dict[str, Any]]:
    patients = []
    for age, sex, items, valve, stenosis, contra in itertools.product(
            (40, 64, 65, 74, 75, 90), ("female", "male"),
            itertools.product((False, True), repeat=len(ITEMS)),
            (False, True), (False, True), (False, True)):
        patients.append({"age": age, "sex": sex, **dict(zip(ITEMS, items, strict=True)),
                         "mechanical_valve": valve, "mitral_stenosis": stenosis,
                         "oac_contraindicated": contra})
    return patients


def test_every_complete_patient_of_a_grid_gets_the_specified_result(
        af: nettree.Guideline) -> None:
    patients = grid()
    assert len(patients) == 6 * 2 * 32 * 8
    for patient in patients:
        result = af.traverse(patient)
        assert result.status == "recommendation", patient
        assert got(result) == expected(patient), patient


def test_the_score_and_the_risk_class_are_listed_as_derived(af: nettree.Guideline) -> None:
    patient = {"age": 70, "sex": "female", "heart_failure": True, "hypertension": False,
               "diabetes": True, "stroke_tia": False, "vascular_disease": False}
    derived = {d["field"]: d["value"] for d in af.traverse(patient).to_dict()["derived"]}
    assert derived == {"cha2ds2_vasc": 4, "stroke_risk": "high"}


def test_a_score_known_to_reach_the_threshold_asks_nothing_more(
        af: nettree.Guideline) -> None:
    # Stroke (2) and age 70 (1): 3 already, high risk for either sex; the rest unknown.
    result = af.traverse({"age": 70, "stroke_tia": True})
    assert (result.status, result.leaf, result.missing) == ("recommendation", "high-risk", ())
    # A man with hypertension only: 1, or 2 with diabetes: intermediate or high, so asked.
    result = af.traverse({"age": 60, "sex": "male", "heart_failure": False,
                          "hypertension": True, "stroke_tia": False,
                          "vascular_disease": False})
    assert (result.status, result.missing) == ("needs_information", ("diabetes",))


def test_its_cases_file_passes_through_nettree_test() -> None:
    result = CliRunner().invoke(main, ["test", str(CASES)], prog_name="nettree")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("all 17 cases passed")


def test_it_verifies(af: nettree.Guideline) -> None:
    report = verify(af)
    assert [(c.name, c.findings) for c in report.checks if c.findings] == []
    assert report.classes > 50


def test_the_score_is_a_sum_in_under_20_lines() -> None:
    lines = AF.read_text("utf-8").splitlines()
    start = lines.index("  cha2ds2_vasc:")
    end = next(i for i in range(start + 1, len(lines))
               if re.match(r"  \S", lines[i]) or not lines[i].startswith(" "))
    block = lines[start:end]
    assert "      sum:" in block and len(block) < 20


def test_it_says_it_is_an_illustration_not_the_guideline() -> None:
    head = AF.read_text("utf-8")[:600]
    assert "NOT THE GUIDELINE'S TEXT AND NOT FOR CLINICAL USE" in head
    for readme in (ROOT / "README.md", ROOT / "examples" / "README.md"):
        text = readme.read_text("utf-8")
        assert "af-stroke-prevention.yaml" in text
        assert "not for clinical use" in text


def test_advice_and_ratings_are_drawn_in_the_guidelines_own_scheme(
        af: nettree.Guideline) -> None:
    mermaid = export(af, "mermaid")
    dot = export(af, "dot")
    for text in (mermaid, dot):
        assert "not recommended" in text.lower()
        assert "#b2182b" in text.lower()  # the harm style, for AF-6 (3-H)
    data = page_data(af, build_diagram(af))
    assert data["recommendations"]["AF-6"]["harm"] is True
    assert data["recommendations"]["AF-1"]["harm"] is False
    assert af.warnings == ()


@pytest.mark.needs_dot
def test_it_renders(af: nettree.Guideline, tmp_path: Path) -> None:
    out = tmp_path / "af.svg"
    result = CliRunner().invoke(main, ["render", str(AF), "-o", str(out)],
                                prog_name="nettree")
    assert result.exit_code == 0, result.output
    svg = out.read_text("utf-8")
    assert "CHA2DS2&#45;VASc, by sex" in svg
    assert "cha2ds2_vasc" not in svg and "stroke_risk" not in svg  # fields by their words


def test_enumerate_lists_advice_and_preferences() -> None:
    result = CliRunner().invoke(main, ["enumerate", str(AF), "--format", "markdown"],
                                prog_name="nettree")
    assert result.exit_code == 0, result.output
    rows = {line.split(" | ")[3]: line for line in result.stdout.splitlines()
            if line.startswith("| ") and line[2].isdigit()}
    assert "warfarin [AF-5]; not recommended: doac [AF-6]" in rows["valvular"]
    assert "doac [AF-1]; warfarin [AF-1]; doac preferred over warfarin [AF-4]" in rows["high-risk"]
    assert "doac preferred over warfarin [AF-4]" in rows["intermediate-risk"]
