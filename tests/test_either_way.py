"""Ask only what changes the answer, at decisions too (issue 9, item 2), and errors that teach
(item 7): numbers written where a code is, one rule for booleans.

tests/guidelines/example-either-way.yaml is fictional: both limbs lead patients aged 65 or
over to the same leaf, so the limb need not be known for them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from page_walks import assert_walks_as_python

import nettree
from nettree import traverse as traversal
from nettree.cli import main
from nettree.export.extract import build_diagram
from nettree.result import EITHER_WAY

HERE = Path(__file__).parent
EITHER = HERE / "guidelines" / "example-either-way.yaml"


@pytest.fixture(scope="module")
def sprains() -> nettree.Guideline:
    return nettree.load(EITHER)


def test_an_unknown_decision_that_changes_nothing_is_answered_either_way(
        sprains: nettree.Guideline) -> None:
    result = sprains.traverse({"age": 70})
    assert result.status == "recommendation"
    assert result.leaf == "falls" and result.option_ids == ("falls_assessment",)
    assert result.missing == ()
    assert [p.to_dict() for p in result.path] == [
        {"node": "limb", "kind": "decision", "text": "Which limb is sprained?",
         "answer": "either way", "values": {"limb": None}},
        {"node": "falls", "kind": "recommendation", "text": "Falls assessment",
         "answer": "reached", "values": {}},
    ]
    # The same as every completion gives (the path apart).
    for limb in ("arm", "leg"):
        known = sprains.traverse({"age": 70, "limb": limb}).to_dict()
        assert {**known, "path": None} == {**result.to_dict(), "path": None}


def test_an_unknown_decision_that_changes_the_answer_is_asked(
        sprains: nettree.Guideline) -> None:
    result = sprains.traverse({"age": 40})
    assert result.status == "needs_information" and result.missing == ("limb",)
    assert result.path[-1].answer is None
    assert sprains.traverse({}).missing == ("limb",)  # age 65+ or not: different leaves


def test_either_way_in_the_text_output() -> None:
    out = CliRunner().invoke(main, ["traverse", "-g", str(EITHER), "--set", "age=70"])
    assert out.exit_code == 0, out.output
    assert ("1. Which limb is sprained? -> either way (unknown, but every answer leads to "
            "this result)") in out.output


def test_past_the_bound_the_walk_asks(sprains: nettree.Guideline,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The limb has 2 values: a budget of 1 completion cannot settle it.
    monkeypatch.setattr(traversal, "SETTLE_LIMIT", 1)
    # (the interpreter: the compiled evaluator's cache would keep the first budget's answer)
    result = sprains.traverse({"age": 70}, compiled=False)
    assert result.status == "needs_information" and result.missing == ("limb",)
    monkeypatch.setattr(traversal, "SETTLE_LIMIT", 2)
    assert sprains.traverse({"age": 70}, compiled=False).status == "recommendation"


def test_the_budget_is_shared_by_nested_completions(sprains: nettree.Guideline) -> None:
    # Nothing known: the limb's 2 completions are taken from the budget; the first of them
    # (an arm) meets the age unknown, whose 3 classes (below 65, 65, above) need 3 more.
    empty = nettree.patient.validate_patient(sprains.fields, {})
    for size, left in ((3, 1), (5, 0), (100, 95)):
        budget = traversal.Budget(size)
        result, unknown, _ = traversal.walk(sprains, empty, budget=budget)
        assert unknown == {"limb"} and result.status == "needs_information"
        assert budget.left == left  # with 5 or more the ages were tried (and differ)


def test_the_diagram_does_not_light_a_branch_out_of_an_either_way_decision(
        sprains: nettree.Guideline) -> None:
    result = sprains.traverse({"age": 70})
    assert result.path[0].answer == EITHER_WAY
    diagram = build_diagram(sprains, result=result)
    assert not [edge for edge in diagram.edges if edge.on_path]
    assert {node.id for node in diagram.nodes if node.on_path} == {"limb", "falls"}


@pytest.mark.node
def test_the_page_engine_answers_either_way_as_python_does(sprains: nettree.Guideline,
                                                           tmp_path: Path) -> None:
    from test_page_engine import run_engine

    patients: list[dict[str, Any]] = [
        {"age": 70}, {"age": 65}, {"age": 40}, {}, {"limb": "arm"}, {"age": 70, "limb": "leg"}]
    got = run_engine(sprains, patients, tmp_path)
    assert assert_walks_as_python(sprains, patients, got) == len(patients)
    assert got[0]["path"][0]["answer"] == "either way"
    assert got[2]["status"] == "needs_information"


# ---------------------------------------------------------------- errors that teach (item 7)

def _load_mutant(tmp_path: Path, old: str, new: str) -> nettree.Guideline:
    text = EITHER.read_text("utf-8")
    assert old in text
    path = tmp_path / "mutant.yaml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return nettree.load(path)


def _problems(tmp_path: Path, old: str, new: str) -> list[str]:
    with pytest.raises(nettree.GuidelineError) as info:
        _load_mutant(tmp_path, old, new)
    return [p.message for p in info.value.problems]


def test_a_number_written_for_a_code_is_read_as_written_when_it_is_one(tmp_path: Path) -> None:
    text = EITHER.read_text("utf-8").replace(
        "codes: {S: strong, W: weak}", 'codes: {"1": strong, "2a": weak, "1.10": odd}').replace(
        "rating: {strength: S}", "rating: {strength: 1}").replace(
        "rating: {strength: W}", "rating: {strength: 1.10}", 1).replace(
        "rating: {strength: W}", 'rating: {strength: "2a"}')
    path = tmp_path / "codes.yaml"
    path.write_text(text, "utf-8")
    loaded = nettree.load(path)
    assert [r.rating for r in loaded.recommendations] == [
        (("strength", "1"),), (("strength", "1.10"),), (("strength", "2a"),)]


def test_a_number_that_is_no_code_says_how_to_write_one(tmp_path: Path) -> None:
    messages = _problems(tmp_path, "rating: {strength: S}", "rating: {strength: 1}")
    assert messages == ["recommendation 1: strength must be one of S, W "
                        '(got the number 1; quote it as "1")']


def test_a_number_in_values_says_how_to_write_it(tmp_path: Path) -> None:
    messages = _problems(tmp_path, "values: [arm, leg]", "values: [arm, leg, 3]")
    assert messages == ["field 'limb': a choice field needs 'values', a list of texts "
                        '(got the number 3; quote it as "3")']


def test_a_number_written_for_a_choice_value_in_a_condition(tmp_path: Path) -> None:
    text = EITHER.read_text("utf-8").replace("values: [arm, leg]", 'values: ["1", "2"]')
    text = text.replace("{limb: arm}", "{limb: 1}").replace("{limb: leg}", "{limb: {in: [2]}}")
    path = tmp_path / "numbers.yaml"
    path.write_text(text, "utf-8")
    g = nettree.load(path)
    assert g.traverse({"limb": "1", "age": 30}).leaf == "arm"
    assert g.traverse({"limb": "2", "age": 30}).leaf == "leg"
    bad = text.replace("{limb: 1}", "{limb: 3}")
    path.write_text(bad, "utf-8")
    with pytest.raises(nettree.GuidelineError) as info:
        nettree.load(path)
    assert [p.message for p in info.value.problems] == [
        "decision 'limb', branch 1: 3 is not a value of 'limb'; allowed: 1, 2 "
        '(got the number 3; quote it as "3")']


def test_the_json_and_set_boolean_rule_is_documented() -> None:
    readme = (HERE.parent / "README.md").read_text("utf-8")
    assert "a boolean is written true or false" in readme


def test_json_keeps_its_shape_for_either_way() -> None:
    out = CliRunner().invoke(main, ["traverse", "-g", str(EITHER), "--json", "--set",
                                    "age=70"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["path"][0]["answer"] == "either way"


# ---------------------------------------------------------------- the integer type (item 1, part)

def test_an_integer_field_takes_whole_numbers_only(sprains: nettree.Guideline) -> None:
    assert sprains.fields["age"].integer and sprains.fields["age"].allowed() == \
        "a whole number from 16 to 120"
    assert sprains.traverse({"age": 70.0}).leaf == "falls"  # 70.0 is a whole number
    with pytest.raises(nettree.PatientError) as info:
        sprains.traverse({"age": 70.5})
    assert str(info.value) == ("invalid patient: 'age' must be a whole number from 16 to 120 "
                               "(got 70.5, which is not a whole number)")
    out = CliRunner().invoke(main, ["traverse", "-g", str(EITHER), "--set", "age=64.5"])
    assert out.exit_code == 2 and "which is not a whole number" in out.stderr


def test_an_integer_domain_has_whole_representatives(tmp_path: Path) -> None:
    text = EITHER.read_text("utf-8").replace("{age: {at_least: 65}}", "{age: {above: 64.5}}")
    text = text.replace("{age: {below: 65}}", "{age: {at_most: 64.5}}")
    path = tmp_path / "half.yaml"
    path.write_text(text, "utf-8")
    g = nettree.load(path)
    # No integer is 64.5: its class is left out; the others hold whole representatives.
    assert list(g.domains["age"]) == [(16.0, "age in [16, 64.5)"), (65.0, "age in (64.5, 120]")]
    from nettree.verify import verify

    assert verify(g).ok


def test_an_integer_default_must_be_whole(tmp_path: Path) -> None:
    messages = _problems(tmp_path, "    description: Age in whole years.",
                         "    description: Age in whole years.\n    default: 40.5\n"
                         "    if_absent: forty and a half")
    assert messages == ["field 'age': the default must be a whole number from 16 to 120 "
                        "(got 40.5)"]


def test_the_patient_schema_says_integer(sprains: nettree.Guideline) -> None:
    from nettree.format.schema import patient_schema

    assert patient_schema(sprains)["properties"]["age"]["type"] == ["integer", "null"]


@pytest.mark.node
def test_the_page_engine_refuses_a_fraction_as_python_does(sprains: nettree.Guideline,
                                                           tmp_path: Path) -> None:
    from test_page_engine import run_engine

    got = run_engine(sprains, [{"age": 70.5}, {"age": 70}], tmp_path)
    assert got[0]["error"] == ("invalid patient: 'age' must be a whole number from 16 to 120 "
                               "(got 70.5, which is not a whole number)")
    assert got[1]["leaf"] == "falls"
