"""Fields derived by a sum of points or by cases (nettree/derive.py).

tests/guidelines/example-scores.yaml is fictional: a made-up score (a sum of seven points)
and a risk class chosen by cases whose thresholds depend on sex, one leaf per class.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import nettree
from nettree.conditions import Context
from nettree.errors import GuidelineError, PatientError
from nettree.model import ByCases
from nettree.text import explain
from nettree.traverse import traverse
from nettree.verify import verify

HERE = Path(__file__).resolve().parent
SCORES = HERE / "guidelines" / "example-scores.yaml"
TEXT = SCORES.read_text("utf-8")
GIVEN = ("age", "sex", "heart_failure", "hypertension", "diabetes", "prior_clot")


@pytest.fixture(scope="module")
def scores() -> nettree.Guideline:
    return nettree.load(SCORES)


def edited(tmp_path: Path, old: str, new: str) -> Path:
    assert TEXT.count(old) == 1, old
    path = tmp_path / "example-scores.yaml"
    path.write_text(TEXT.replace(old, new), "utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """The line where ``needle`` (which may span lines) starts."""
    return text.count("\n", 0, text.index(needle)) + 1


# ---------------------------------------------------------------- load errors, each located

RISK_CASES = """        - value: high
          when:"""
LOW = "        - value: low                         # otherwise"
HF_POINT = "        - {points: 1, when: {heart_failure: true}}"

# (what, text replaced, its replacement, where the problem is reported, the message)
BROKEN = [
    ("unknown field in a point", HF_POINT, "        - {points: 1, when: {heart_fail: true}}",
     "heart_fail: true", "unknown field 'heart_fail'"),
    ("points not whole", HF_POINT, "        - {points: 1.5, when: {heart_failure: true}}",
     "1.5, when", "'points' must be a whole number (got 1.5)"),
    ("case value not a value", LOW, "        - value: lowest", "lowest",
     "'lowest' is not a value of 'risk'; allowed: low, intermediate, high"),
    ("when missing on a non-last case", RISK_CASES,
     "        - value: intermediate\n" + RISK_CASES, "value: intermediate\n        - value: high",
     "case 1: only the last case may omit 'when'"),
    ("the derivation reads the field itself", HF_POINT,
     "        - {points: 1, when: {score: {at_least: 3}}}", "sum:\n",
     "field 'score': 'derive' reads the field itself"),
    ("sum on a choice field", "    derive:\n      cases:", "    derive:\n      sum:",
     "sum:\n        - value: high", "only an integer field can be a sum of points (this is "
                                    "choice)"),
    ("a default on a derived field", "    label: clot score",
     "    label: clot score\n    default: 0", "default: 0", "a derived field has no default"),
    ("sum with from", "      sum:\n", "      from: age\n      sum:\n", "from: age",
     "'from' does not go with 'sum'"),
]


@pytest.mark.parametrize(("old", "new", "mark", "message"),
                         [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_a_bad_derivation_is_a_located_load_error(tmp_path: Path, old: str, new: str,
                                                   mark: str, message: str) -> None:
    path = edited(tmp_path, old, new)
    with pytest.raises(GuidelineError) as info:
        nettree.load(path)
    found = [p for p in info.value.problems if message in p.message]
    assert len(found) == 1, [str(p) for p in info.value.problems]
    text = path.read_text("utf-8")
    assert found[0].line == line_of(text, mark), str(found[0])
    line = text.splitlines()[found[0].line - 1]
    assert found[0].column == len(line) - len(line.lstrip(" -")) + 1 or \
        line[found[0].column - 1:].startswith(mark.split("\n")[0]), str(found[0])
    assert found[0].file == str(path)


def test_derived_fields_that_derive_each_other_are_a_cycle(tmp_path: Path) -> None:
    """score reads risk and risk reads score: one located error, naming the cycle."""
    path = edited(tmp_path, HF_POINT, "        - {points: 1, when: {risk: high}}")
    with pytest.raises(GuidelineError) as info:
        nettree.load(path)
    messages = [(p.line, p.message) for p in info.value.problems]
    assert messages == [(68, "field 'score': derived fields derive each other in a cycle "
                             "(score -> risk -> score)")]


# ---------------------------------------------------------------- evaluation


def test_a_complete_patient_gets_its_derived_values(scores: nettree.Guideline) -> None:
    patient = {"age": 70, "sex": "female", "heart_failure": True, "hypertension": False,
               "diabetes": False, "prior_clot": False}
    result = scores.traverse(patient).to_dict()
    assert json.loads(json.dumps(result["derived"])) == [
        {"field": "score", "value": 3,  # heart failure 1, age 65-74 1, female 1
         "inputs": {"age": 70, "sex": "female", "heart_failure": True, "hypertension": False,
                    "diabetes": False, "prior_clot": False}},
        {"field": "risk", "value": "high", "inputs": {"sex": "female", "score": 3}},
    ]
    assert [(s["node"], s["answer"], s["values"]) for s in result["path"]] == [
        ("risk", "high", {"risk": "high"}), ("very-high", "no", {"score": 3}),
        ("high-risk", "reached", {})]
    assert result["leaf"] == "high-risk" and result["assumed"] == []
    text = explain(scores, scores.traverse(patient))
    derived = " ".join(text.split("Derived:")[1].split())  # fields by their labels
    assert derived == ("- clot score = 3 from age = 70, diabetes = false, heart_failure = "
                       "true, hypertension = false, prior_clot = false, sex = female "
                       "- risk = high from clot score = 3, sex = female")


def test_a_threshold_of_thresholds_depends_on_sex(scores: nettree.Guideline) -> None:
    """A score of 2 is high risk for a man (2 or more) and intermediate for a woman (3 or
    more is high)."""
    base = {"age": 30, "heart_failure": True, "hypertension": False, "prior_clot": False}
    assert scores.traverse({**base, "sex": "male", "diabetes": True}).leaf == "high-risk"
    assert scores.traverse({**base, "sex": "female"}).leaf == "intermediate"
    assert scores.traverse({**base, "sex": "male", "heart_failure": False}).leaf == "low"


def test_a_partial_sum_that_reaches_a_threshold_is_decided(
        scores: nettree.Guideline) -> None:
    """Heart failure 1 + age 80 2 + a clot before 2 = 5 already: hypertension unknown
    cannot take the score below 5."""
    result = scores.traverse({"sex": "male", "age": 80, "heart_failure": True,
                              "prior_clot": True})
    assert (result.status, result.leaf, result.missing) == ("recommendation",
                                                             "very-high-risk", ())
    assert [(s.node, s.answer, dict(s.values)) for s in result.path[:2]] == [
        ("risk", "high", {"risk": "high"}), ("very-high", "yes", {"score": None})]
    # risk is known (high); the score, 5 or 6, is not: only known values are listed.
    assert [d.to_dict() for d in result.derived] == [
        {"field": "risk", "value": "high", "inputs": {"sex": "male", "score": None}}]
    assert [a.field for a in result.assumed] == ["diabetes"]  # read through the score


def test_a_partial_sum_that_does_not_decide_names_its_inputs(
        scores: nettree.Guideline) -> None:
    """Heart failure and hypertension make a man high risk (2), but whether the score is 5
    or more depends on age and a clot before: those are asked for, never the score."""
    result = scores.traverse({"sex": "male", "heart_failure": True, "hypertension": True})
    assert (result.status, result.missing) == ("needs_information", ("age", "prior_clot"))
    assert result.path[-1].node == "very-high" and result.path[-1].answer is None
    nothing = scores.traverse({})
    assert nothing.missing == ("age", "sex", "heart_failure", "hypertension", "prior_clot")


def test_an_unknown_earlier_case_leaves_the_value_unknown(scores: nettree.Guideline) -> None:
    """A woman with a score of 2 or 3 (hypertension unknown): intermediate or high."""
    result = scores.traverse({"sex": "female", "age": 30, "heart_failure": True,
                              "diabetes": False, "prior_clot": False})
    assert (result.status, result.missing) == ("needs_information", ("hypertension",))
    assert result.derived == ()


def test_a_derived_field_cannot_be_given(scores: nettree.Guideline) -> None:
    with pytest.raises(PatientError) as info:
        scores.traverse({"score": 3, "sex": "male"})
    assert str(info.value) == ("invalid patient: 'score' is derived from age, diabetes, "
                               "heart_failure, hypertension, prior_clot, sex and cannot be "
                               "given (give those instead)")
    assert info.value.field == "score"


# ---------------------------------------------------------------- soundness (section 5)


def _choices(guideline: nettree.Guideline, name: str) -> list[Any]:
    return [value for value, _ in guideline.domains[name]]


def test_an_answer_with_unknowns_is_every_completions_answer(
        scores: nettree.Guideline) -> None:
    """Every patient whose given fields are each unknown or one class of their domain: an
    answer given while fields are unknown is the answer of every completion of them, and
    what is missing is never a derived field. (The compiled evaluator agrees throughout.)"""
    options = {name: [None, *_choices(scores, name)] for name in GIVEN}
    answered_with_unknowns = 0
    for combination in itertools.product(*options.values()):
        patient = {n: v for n, v in zip(GIVEN, combination, strict=True) if v is not None}
        result = traverse(scores, patient)
        assert scores.traverse(patient) == result
        assert not {"score", "risk"} & set(result.missing)
        unknown = [n for n in GIVEN if n not in patient and not scores.fields[n].has_default]
        if result.status == "needs_information" or not unknown:
            continue
        answered_with_unknowns += 1
        for values in itertools.product(*(_choices(scores, n) for n in unknown)):
            complete = traverse(scores, {**patient, **dict(zip(unknown, values, strict=True))})
            assert (complete.status, complete.leaf, complete.options) == (
                result.status, result.leaf, result.options), (patient, values)
    assert answered_with_unknowns > 100


# ---------------------------------------------------------------- verification


def test_the_example_verifies(scores: nettree.Guideline) -> None:
    report = verify(scores)
    assert report.ok, [str(f) for c in report.checks for f in c.findings]


def test_verify_finds_a_gap_in_cases_with_a_counterexample(tmp_path: Path) -> None:
    """A woman scoring exactly 3 is neither high (now 4 or more) nor intermediate (2): and
    "low" now says when it holds (below 2), so nothing catches her."""
    path = edited(tmp_path, "- {sex: female, score: {at_least: 3}}",
                  "- {sex: female, score: {at_least: 4}}")
    path.write_text(path.read_text("utf-8").replace(
        LOW, "        - value: low\n          when: {score: {below: 1}}"), "utf-8")
    guideline = nettree.load(path)
    findings = [f for c in verify(guideline).checks for f in c.findings]
    assert [(f.check, f.node) for f in findings] == [("exhaustive", "risk")]
    gap = findings[0]
    assert gap.message.startswith("derived field 'risk': no case holds for ")
    assert gap.position is not None and gap.position.line == 92
    counterexample = dict(gap.counterexample or {})
    with pytest.raises(GuidelineError, match="derived field 'risk': no case holds"):
        traverse(guideline, _completed(guideline, counterexample))


def test_verify_finds_an_overlap_of_cases_with_a_counterexample(tmp_path: Path) -> None:
    """Intermediate for a woman now reaches 3, where high begins: both hold."""
    path = edited(tmp_path, "- {sex: female, score: {at_least: 2, below: 3}}",
                  "- {sex: female, score: {at_least: 2, below: 4}}")
    guideline = nettree.load(path)
    findings = [f for c in verify(guideline).checks for f in c.findings]
    assert [(f.check, f.node) for f in findings] == [("exclusive", "risk")]
    overlap = findings[0]
    assert overlap.message.startswith("derived field 'risk': the cases high and "
                                      "intermediate both hold for ")
    patient = _completed(guideline, dict(overlap.counterexample or {}))
    values = nettree.patient.validate_patient(guideline.fields, patient).values
    rule = guideline.fields["risk"].computed
    assert isinstance(rule, ByCases)
    holding = [c.value for c in rule.cases
               if c.when is not None and c.when.evaluate(Context(values)) is True]
    assert holding == ["high", "intermediate"]


def _completed(guideline: nettree.Guideline, counterexample: dict[str, Any]) -> dict[str, Any]:
    """The counterexample with the fields it leaves open given (any value will do)."""
    return {**{n: _choices(guideline, n)[0] for n in GIVEN}, **counterexample}


def test_the_patient_schema_admits_no_derived_value(scores: nettree.Guideline) -> None:
    from nettree.format.schema import patient_schema

    properties = patient_schema(scores)["properties"]
    assert properties["score"]["type"] == properties["risk"]["type"] == "null"
    assert properties["age"]["type"] == ["integer", "null"]


def test_a_focus_leaves_a_derived_value_it_does_not_fix_open(
        scores: nettree.Guideline) -> None:
    """A diagram's focus holds the derived values the focus fixes, never a partial one."""
    from nettree.export.extract import check_focus_fits, parse_focus

    assert parse_focus(scores, ["sex=male"]) == {"sex": "male"}
    fixed = parse_focus(scores, ["sex=male", "age=30", "heart_failure=true",
                                 "hypertension=false", "diabetes=false", "prior_clot=false"])
    assert (fixed["score"], fixed["risk"]) == (1.0, "intermediate")
    check_focus_fits(scores, {"score": 3.0}, {"sex": "male", "heart_failure": True})
    with pytest.raises(PatientError, match="--focus score=0 contradicts the patient: score is "
                                           "one of 1, 2, 3, 4, 5, 6, 7, 8 "):
        check_focus_fits(scores, {"score": 0.0}, {"sex": "male", "heart_failure": True})


BAND = """  band:
    type: integer
    description: A made-up band, by cases.
    derive:
      cases:
        - {value: 2, when: {score: {at_least: 4}}}
        - {value: 0}
options:"""


def test_an_integer_field_by_cases(tmp_path: Path) -> None:
    guideline = nettree.load(edited(tmp_path, "options:", BAND))
    patient = {"age": 80, "sex": "female", "heart_failure": True, "hypertension": False,
               "diabetes": False, "prior_clot": False}  # 2 + 1 + 1 = 4
    derived = {d.field: d.value for d in guideline.traverse(patient).derived}
    assert derived == {"score": 4, "risk": "high", "band": 2}
    younger = {d.field: d.value for d in guideline.traverse({**patient, "age": 40}).derived}
    assert younger["band"] == 0
    partial = guideline.traverse({"sex": "male", "age": 80, "heart_failure": True,
                                  "prior_clot": True})  # 5 or more whatever the rest
    assert {d.field: d.value for d in partial.derived}["band"] == 2


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{value: 2, when:", "{value: two, when:", "the value must be a whole number (got 'two')"),
    ("    type: integer\n    description: A made-up band",
     "    type: boolean\n    description: A made-up band",
     "only a choice or integer field can be derived by cases"),
])
def test_an_integer_by_cases_refuses_what_is_not_one(tmp_path: Path, old: str, new: str,
                                                      message: str) -> None:
    path = tmp_path / "band.yaml"
    path.write_text(TEXT.replace("options:", BAND.replace(old, new), 1), "utf-8")
    with pytest.raises(GuidelineError) as info:
        nettree.load(path)
    assert [p.message for p in info.value.problems if message in p.message], \
        [str(p) for p in info.value.problems]
