"""A second, fictional guideline (tests/guidelines/example-sore-throat.yaml) through the engine.

The guideline is made up (it is not clinical advice) and shares nothing with the bundled one:
its own fields, options, GRADE-style ratings and graph. The cases below were written by hand
from the guideline's text, not generated from the graph.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import nettree
from nettree.cli import main

EXAMPLE = Path(__file__).parent / "guidelines" / "example-sore-throat.yaml"

# In scope up to the clinical risk: no airway compromise, not immunocompromised, an adult,
# symptoms for less than two weeks.
BASE: dict[str, Any] = {
    "airway_compromise": False,
    "immunocompromised": False,
    "age": 30,
    "symptom_days": 3,
}
INTOLERANT = "The patient does not tolerate it."
CROSS_REACTIVE = "Amoxicillin is a penicillin, so it is not an alternative (2.3-q2)."
NOT_WAITING = "The patient is not willing to wait and see (2.4)."
PREGNANCY = "Avoid clarithromycin in pregnancy (3.1)."
UNDER_A_WEEK = "Symptoms began less than a week ago."
A_WEEK_OR_MORE = "Symptoms have lasted a week or more."
TO_TREAT = ["emergency", "adult", "duration", "risk", "test", "treat"]

# Each case: the patient and the whole expected result, in a compact form.
# options: {id: cites}; excluded: {id: (reason, cites)}; notes: {id: (remarks, unknown)}.
CASES: list[dict[str, Any]] = [
    {
        "name": "airway-compromise-is-urgent",
        "patient": {"airway_compromise": True},
        "status": "out_of_scope", "leaf": "out-urgent",
        "reason": "Airway compromise or immunosuppression needs urgent assessment (1.1).",
        "general": False,
        "path": ["emergency", "out-urgent"],
    },
    {
        # Kleene: 'any' is true as soon as one part is, whatever airway_compromise is.
        "name": "immunocompromised-is-urgent-airway-unknown",
        "patient": {"immunocompromised": True},
        "status": "out_of_scope", "leaf": "out-urgent", "general": False,
        "path": ["emergency", "out-urgent"],
    },
    {
        "name": "child-is-out-of-scope",
        "patient": {**BASE, "age": 15.9},
        "status": "out_of_scope", "leaf": "out-child", "general": False,
        "reason": "This example covers adults only.",
        "path": ["emergency", "adult", "out-child"],
    },
    {
        "name": "fourteen-days-is-persistent",  # at_least 14: the boundary is out of scope
        "patient": {**BASE, "age": 16, "symptom_days": 14},
        "status": "out_of_scope", "leaf": "out-persistent", "general": False,
        "path": ["emergency", "adult", "duration", "out-persistent"],
    },
    {
        "name": "low-risk-symptomatic-care",
        "patient": {**BASE, "throat_score": 1},
        "status": "recommendation", "leaf": "low-risk",
        "options": {"symptomatic_care": ["2.1"]},
        "notes": {"2.1-n1": ([UNDER_A_WEEK], [])},
        "recommendations": ["2.1"],
        "derived": [("risk", "low", "throat_score", 1)],
        "assumed": ["intolerant_to"],  # read by the drop_listed_in filter
        "path": ["emergency", "adult", "duration", "risk", "low-risk"],
    },
    {
        "name": "intermediate-untested-needs-a-test",  # score 2 is not below 2: intermediate
        "patient": {**BASE, "throat_score": 2},
        "status": "needs_information", "leaf": "needs-test",
        "reason": "An intermediate clinical score needs a rapid antigen test (2.2).",
        "options": {"rapid_test": ["2.2"]},
        "missing": ["rapid_test"],
        "recommendations": ["2.2"],
        "derived": [("risk", "intermediate", "throat_score", 2)],
        "assumed": ["rapid_test"],
        "path": ["emergency", "adult", "duration", "risk", "test", "needs-test"],
    },
    {
        "name": "inconclusive-test-is-repeated",  # cite with `to` and `when`
        "patient": {**BASE, "throat_score": 3, "rapid_test": "inconclusive"},
        "status": "needs_information", "leaf": "needs-test",
        "options": {"rapid_test": ["2.2", "2.2-q1"]},
        "missing": ["rapid_test"],
        "recommendations": ["2.2"],
        "derived": [("risk", "intermediate", "throat_score", 3)],
    },
    {
        "name": "negative-test-symptomatic-care",
        "patient": {**BASE, "throat_score": 3, "rapid_test": "negative", "symptom_days": 7},
        "status": "recommendation", "leaf": "negative-test",
        "options": {"symptomatic_care": ["2.1", "2.5"]},
        "notes": {"2.1-n1": ([A_WEEK_OR_MORE], [])},
        "recommendations": ["2.1", "2.5"],
        "derived": [("risk", "intermediate", "throat_score", 3)],
        "assumed": ["intolerant_to"],
    },
    {
        # The DAG merge: a positive test reaches `treat`, like a high risk does.
        "name": "positive-test-reaches-treat-through-test",
        "patient": {**BASE, "risk": "intermediate", "rapid_test": "positive", "pregnant": False},
        "status": "recommendation", "leaf": "treat",
        "reason": "A high clinical score or a positive rapid antigen test.",
        "options": {"penicillin_v": ["2.3", "2.6"], "amoxicillin": ["2.3-q1", "2.6"]},
        "notes": {"2.3-n1": ([], [])},
        "recommendations": ["2.3", "2.6"],
        "assumed": ["intolerant_to"],
        "path": TO_TREAT,
    },
    {
        # 2.6 is cited to every option offered *before* the cite step: not to the delayed one.
        "name": "high-risk-untested-willing-to-wait",
        "patient": {**BASE, "throat_score": 5, "wait_and_see": "yes"},
        "status": "recommendation", "leaf": "treat",
        "options": {"penicillin_v": ["2.3", "2.6"], "amoxicillin": ["2.3-q1", "2.6"],
                    "delayed_prescription": ["2.4"]},
        "notes": {"2.3-n1": ([], []), "3.1-q1": ([], ["pregnant"])},
        "recommendations": ["2.3", "2.4", "2.6"],
        "derived": [("risk", "high", "throat_score", 5)],
        "assumed": ["rapid_test", "intolerant_to"],
        "path": ["emergency", "adult", "duration", "risk", "treat"],
    },
    {
        # wait_and_see defaults to the text 'no' (not a YAML boolean): the drop applies.
        "name": "high-risk-untested-not-asked-about-waiting",
        "patient": {**BASE, "throat_score": 4, "pregnant": False},
        "status": "recommendation", "leaf": "treat",
        "options": {"penicillin_v": ["2.3", "2.6"], "amoxicillin": ["2.3-q1", "2.6"]},
        "excluded": {"delayed_prescription": (NOT_WAITING, ["2.4"])},
        "notes": {"2.3-n1": ([], [])},
        "recommendations": ["2.3", "2.6"],
        "derived": [("risk", "high", "throat_score", 4)],
        "assumed": ["rapid_test", "wait_and_see", "intolerant_to"],
    },
    {
        "name": "penicillin-intolerant-gets-clarithromycin",
        "patient": {**BASE, "throat_score": 4, "intolerant_to": ["penicillin_v"],
                    "pregnant": False, "wait_and_see": "no"},
        "status": "recommendation", "leaf": "treat",
        "options": {"clarithromycin": ["2.3-q2", "2.6"]},
        "excluded": {"penicillin_v": (INTOLERANT, []),
                     "amoxicillin": (CROSS_REACTIVE, ["2.3-q2"]),
                     "delayed_prescription": (NOT_WAITING, ["2.4"])},
        "recommendations": ["2.3", "2.6"],  # 2.3-q2 belongs to 2.3
        "derived": [("risk", "high", "throat_score", 4)],
        "assumed": ["rapid_test"],
    },
    {
        # The pregnancy filter must know `pregnant` once clarithromycin is offered.
        "name": "clarithromycin-needs-pregnancy-status",
        "patient": {**BASE, "throat_score": 4, "intolerant_to": ["penicillin_v"]},
        "status": "needs_information", "leaf": "treat",
        "reason": "Antibiotic indicated: the options depend on pregnant",
        "missing": ["pregnant"],
        "derived": [("risk", "high", "throat_score", 4)],
        "assumed": ["rapid_test", "wait_and_see"],
    },
    {
        "name": "nothing-left-falls-back-to-clinical-review",
        "patient": {**BASE, "risk": "intermediate", "rapid_test": "positive",
                    "intolerant_to": ["penicillin_v"], "pregnant": True},
        "status": "recommendation", "leaf": "treat",
        "options": {"clinical_review": ["1.2"]},
        "excluded": {"penicillin_v": (INTOLERANT, []),
                     "amoxicillin": (CROSS_REACTIVE, ["2.3-q2"]),
                     "clarithromycin": (PREGNANCY, ["3.1"])},
        "recommendations": ["1.2"],
        "path": TO_TREAT,
    },
    {
        "name": "pregnant-penicillin-note",
        "patient": {**BASE, "throat_score": 4, "rapid_test": "positive", "pregnant": True,
                    "symptom_days": 0},
        "status": "recommendation", "leaf": "treat",
        "options": {"penicillin_v": ["2.3", "2.6"], "amoxicillin": ["2.3-q1", "2.6"]},
        "notes": {"2.3-n1": ([], []), "3.1-q1": ([], [])},
        "recommendations": ["2.3", "2.6"],
        "derived": [("risk", "high", "throat_score", 4)],
        "assumed": ["intolerant_to"],
    },
    {
        # given_may_exceed: a judged risk higher than the score is accepted (and not derived).
        "name": "risk-judged-higher-than-score",
        "patient": {**BASE, "throat_score": 1, "risk": "high", "rapid_test": "negative",
                    "pregnant": False},
        "status": "recommendation", "leaf": "treat",
        "options": {"penicillin_v": ["2.3", "2.6"], "amoxicillin": ["2.3-q1", "2.6"]},
        "notes": {"2.3-n1": ([], [])},
        "recommendations": ["2.3", "2.6"],
        "assumed": ["intolerant_to"],
        "path": ["emergency", "adult", "duration", "risk", "treat"],
    },
    {
        "name": "nothing-known",
        "patient": {},
        "status": "needs_information", "leaf": None, "general": False,
        "reason": "Is there airway compromise or immunosuppression? needs: airway_compromise, "
                  "immunocompromised",
        "missing": ["airway_compromise", "immunocompromised"],
        "path": ["emergency"],
    },
    {
        # Stopped at `risk`, from which no out_of_scope leaf is reachable: general is shown.
        "name": "no-score-no-risk",
        "patient": dict(BASE),
        "status": "needs_information", "leaf": None, "general": True,
        "missing": ["risk"],
        "path": ["emergency", "adult", "duration", "risk"],
    },
]


def _summary(result: nettree.Result) -> dict[str, Any]:
    return {
        "status": result.status,
        "leaf": result.leaf,
        "options": {o.id: list(o.cites) for o in result.options},
        "excluded": {e.id: (e.reason, list(e.cites)) for e in result.excluded},
        "notes": {n.id: (list(n.remarks), list(n.unknown)) for n in result.notes},
        "missing": list(result.missing),
        "recommendations": list(result.recommendations),
        "general": bool(result.general),
        "derived": [(d.field, d.value, d.source, d.source_value) for d in result.derived],
        "assumed": [a.field for a in result.assumed],
    }


def _expected(case: dict[str, Any]) -> dict[str, Any]:
    in_scope = case["status"] != "out_of_scope"
    return {
        "status": case["status"],
        "leaf": case["leaf"],
        "options": case.get("options", {}),
        "excluded": case.get("excluded", {}),
        "notes": case.get("notes", {}),
        "missing": case.get("missing", []),
        "recommendations": case.get("recommendations", []),
        "general": case.get("general", in_scope),
        "derived": case.get("derived", []),
        "assumed": case.get("assumed", []),
    }


@pytest.fixture(scope="module")
def example() -> nettree.Guideline:
    return nettree.load(EXAMPLE)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(example: nettree.Guideline, case: dict[str, Any]) -> None:
    result = example.traverse(case["patient"])
    assert _summary(result) == _expected(case)
    assert result.guideline == "example-sore-throat"
    if "reason" in case:
        assert result.reason == case["reason"]
    if "path" in case:
        assert [step.node for step in result.path] == case["path"]
    if result.general:
        assert result.general == ("1.1", "1.2")


def test_every_leaf_is_reached_by_a_case(example: nettree.Guideline) -> None:
    assert {c["leaf"] for c in CASES} >= set(example.leaves)


def test_the_guideline_is_its_own(example: nettree.Guideline) -> None:
    assert example.id == "example-sore-throat"
    assert example.version == "0.1"
    assert "FICTIONAL" in example.scope and "not clinical advice" in example.title
    assert example.source == EXAMPLE.parent / "sources" / "example-sore-throat.txt"
    assert [d.name for d in example.ratings] == ["strength", "certainty"]
    assert dict(example.ratings[1].codes) == {
        "H": "high", "M": "moderate", "L": "low", "VL": "very low"}
    assert example.describe_rating(example.recommendation("2.4")) == (
        "Strength of recommendation: conditional (C); Certainty of evidence: low (L)")
    kinds = {s.id: s.kind for s in example.statements.values()}
    assert kinds == {"2.1-n1": "note", "2.2-q1": "qualifying", "2.3-q1": "qualifying",
                     "2.3-q2": "qualifying", "2.3-n1": "note", "3.1-q1": "qualifying"}
    assert example.recommendation("2.4").supports == ("delayed_prescription",)
    assert example.graph.in_degree("treat") == 2  # the DAG merge
    assert example.leaves["treat"].uses == ("antibiotics",)
    # The nested set is expanded in place: first-choice's offers come first.
    offers = [getattr(s, "option", None) for s in example.step_sets["antibiotics"]]
    assert offers[:3] == ["penicillin_v", "amoxicillin", "clarithromycin"]


def test_yes_and_no_stay_texts(example: nettree.Guideline) -> None:
    field = example.fields["wait_and_see"]
    assert field.values == ("yes", "no")
    assert field.default == "no"
    drop = example.leaves["treat"].steps[-1]
    assert str(drop.when) == "wait_and_see is no"  # type: ignore[union-attr]


def test_a_score_below_the_judged_risk_is_refused(example: nettree.Guideline) -> None:
    with pytest.raises(nettree.PatientError) as info:
        example.traverse({**BASE, "throat_score": 4, "risk": "low"})
    assert info.value.field == "risk"
    assert "may be higher than that, never lower" in str(info.value)


def test_a_value_outside_the_field_range_is_refused(example: nettree.Guideline) -> None:
    with pytest.raises(nettree.PatientError) as info:
        example.traverse({**BASE, "throat_score": 6})
    assert info.value.field == "throat_score"
    assert "a number from 0 to 5" in str(info.value)


def test_an_unknown_drug_in_a_set_field_is_refused(example: nettree.Guideline) -> None:
    with pytest.raises(nettree.PatientError) as info:
        example.traverse({**BASE, "intolerant_to": ["aspirin"]})
    assert info.value.field == "intolerant_to"


# ---------------------------------------------------------------- the CLI on a path


def test_cli_traverse_json() -> None:
    patient = {**BASE, "throat_score": 5, "wait_and_see": "yes"}
    run = CliRunner().invoke(main, ["traverse", "-g", str(EXAMPLE), "--json"],
                             input=json.dumps(patient))
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout)
    assert data["guideline"] == "example-sore-throat"
    assert data["status"] == "recommendation"
    assert data["leaf"] == "treat"
    assert [(o["id"], o["cites"]) for o in data["options"]] == [
        ("penicillin_v", ["2.3", "2.6"]), ("amoxicillin", ["2.3-q1", "2.6"]),
        ("delayed_prescription", ["2.4"])]
    assert data["derived"] == [
        {"field": "risk", "value": "high", "from": "throat_score", "from_value": 5}]
    assert data["notes"][1] == {
        "id": "3.1-q1", "text": "Penicillin V and amoxicillin may be used in pregnancy.",
        "remarks": [], "unknown": ["pregnant"]}


def test_cli_traverse_set_and_text() -> None:
    args = ["traverse", "-g", str(EXAMPLE), "--set", "airway_compromise=false",
            "--set", "immunocompromised=false", "--set", "age=40", "--set", "symptom_days=2"]
    run = CliRunner().invoke(main, args, input="")
    assert run.exit_code == 0, run.output
    assert "Result: NEEDS INFORMATION" in run.stdout
    assert "risk or throat_score: Clinical risk." in run.stdout


def test_cli_traverse_set_a_no_choice() -> None:
    args = ["traverse", "-g", str(EXAMPLE), "--json", "--set", "wait_and_see=no",
            "--set", "risk=high", *[f"--set={k}={str(v).lower()}" for k, v in BASE.items()]]
    run = CliRunner().invoke(main, args, input="")
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout)
    assert [e["id"] for e in data["excluded"]] == ["delayed_prescription"]


def test_cli_show() -> None:
    run = CliRunner().invoke(main, ["show", str(EXAMPLE)])
    assert run.exit_code == 0, run.output
    out = run.stdout
    assert out.startswith("Acute Sore Throat in Adults: a Fictional Example Guideline")
    assert "Strength of recommendation: S strong, C conditional" in out
    assert "Certainty of evidence: H high, M moderate, L low, VL very low" in out
    assert "== Special populations ==" in out
    assert "1.1 [S, L]  (general)" in out
    assert "2.3-q2 Qualifying statement: For adults who do not tolerate penicillin" in out
    assert "2.3-n1 Note: Antibiotics shorten symptoms" in out


def test_cli_show_fields() -> None:
    run = CliRunner().invoke(main, ["show", str(EXAMPLE), "--fields"])
    assert run.exit_code == 0, run.output
    lines = [line for line in run.stdout.splitlines() if not line.startswith(" ")]
    assert lines == [
        "airway_compromise (boolean): true or false; absent: unknown",
        "immunocompromised (boolean): true or false; absent: unknown",
        "age (number): a number from 0 to 120; absent: unknown",
        "symptom_days (number): a number from 0 to 365; absent: unknown",
        "throat_score (number): a number from 0 to 5; absent: unknown",
        "risk (choice): one of 'low', 'intermediate', 'high'; absent: unknown; "
        "derived from throat_score when absent",
        "rapid_test (choice): one of 'positive', 'negative', 'inconclusive', 'not_done'; "
        "absent: no rapid antigen test result given",
        "wait_and_see (choice): one of 'yes', 'no'; "
        "absent: not willing to wait and see (not asked)",
        "intolerant_to (set): a list of 'penicillin_v', 'amoxicillin', 'clarithromycin'; "
        "absent: no known drug intolerance",
        "pregnant (boolean): true or false; absent: unknown",
    ]
