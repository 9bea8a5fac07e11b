"""``nettree test CASES``: an author's expected-result cases (nettree/cases.py).

Exact exit codes and messages for passing, failing and malformed cases files, and the JSON
report's shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import nettree
from nettree.cases import Case, load_cases, run_case
from nettree.cli import main

ROOT = Path(__file__).resolve().parents[1]
SORE_THROAT = ROOT / "tests" / "guidelines" / "example-sore-throat.yaml"

ADULT = {"airway_compromise": False, "immunocompromised": False, "age": 30,
         "symptom_days": 3}


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, prog_name="nettree")


def write(tmp_path: Path, text: str, name: str = "cases.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


def test_the_projects_clinical_cases_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run("test", "tests/cases/clinical.yaml")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == ("all 83 cases passed (70 results, 13 refused patients): "
                             "tests/cases/clinical.yaml against asco-gepnet-2023 version "
                             "2023\n")


FAILING = f"""\
guideline: {SORE_THROAT}
cases:
  - name: low-risk
    patient: {{airway_compromise: false, immunocompromised: false, age: 30, symptom_days: 3,
              throat_score: 1}}
    expect:
      status: recommendation
      leaf: low-risk
      options: [symptomatic_care]
  - name: wrong-options
    why: the author expects penicillin only
    patient: {{airway_compromise: false, immunocompromised: false, age: 30, symptom_days: 3,
              throat_score: 5}}
    expect:
      options: {{penicillin_v: ["2.3"], clarithromycin: ["2.3-q2"]}}
      recommendations: ["2.6", "2.3"]
      notes: []
      not_recommended: [amoxicillin]
  - name: child-refused
    patient: {{airway_compromise: false, immunocompromised: false, age: 8, symptom_days: 3,
              risk: medium}}
    expect: {{status: out_of_scope}}
invalid:
  - name: not-refused
    patient: {{age: 40}}
    field: age
  - name: refused-for-another-field
    patient: {{age: 40, risk: medium}}
    field: age
  - name: risk-refused
    patient: {{age: 40, risk: medium}}
    field: risk
"""


def test_failing_cases_are_named_with_what_differed(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    result = run("test", path)
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"FAIL wrong-options ({path}:10:5)",
        "     why: the author expects penicillin only",
        "     options: expected {penicillin_v: [2.3], clarithromycin: [2.3-q2]}, got "
        "{penicillin_v: [2.3, 2.6], amoxicillin: [2.3-q1, 2.6]} (missing clarithromycin; "
        "unexpected amoxicillin; citations of penicillin_v: expected [2.3], got [2.3, 2.6])",
        "     not_recommended: expected [amoxicillin], got [] (missing amoxicillin)",
        "     notes: expected [], got [2.3-n1] (unexpected 2.3-n1)",
        "     recommendations: expected [2.6, 2.3], got [2.3, 2.6] (the same, in another "
        "order: the result lists them in the guideline's order)",
        f"FAIL child-refused ({path}:19:5)",
        "     patient: expected accepted, got refused (the patient is refused: invalid "
        "patient: 'risk' must be one of 'low', 'intermediate', 'high' (got 'medium'))",
        f"FAIL not-refused ({path}:24:5)",
        "     refused: expected refused naming 'age', got accepted (needs_information) (the "
        "patient was accepted)",
        f"FAIL refused-for-another-field ({path}:27:5)",
        "     refused: expected refused naming 'age', got refused naming 'risk' (invalid "
        "patient: 'risk' must be one of 'low', 'intermediate', 'high' (got 'medium'))",
        f"4 of 6 cases failed, 2 passed (3 results, 3 refused patients): {path} against "
        "example-sore-throat version 0.1",
    ]


def test_json_report(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    result = run("test", path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("file", "guideline", "version", "ok", "passed",
                                   "failed")} == {
        "file": path, "guideline": "example-sore-throat", "version": "0.1", "ok": False,
        "passed": 2, "failed": 4}
    assert [(c["name"], c["kind"], c["line"], c["passed"]) for c in report["cases"]] == [
        ("low-risk", "result", 3, True), ("wrong-options", "result", 10, False),
        ("child-refused", "result", 19, False), ("not-refused", "invalid", 24, False),
        ("refused-for-another-field", "invalid", 27, False), ("risk-refused", "invalid", 30,
                                                             True)]
    options = report["cases"][1]["differences"][0]
    assert options == {
        "key": "options",
        "expected": {"penicillin_v": ["2.3"], "clarithromycin": ["2.3-q2"]},
        "got": {"penicillin_v": ["2.3", "2.6"], "amoxicillin": ["2.3-q1", "2.6"]},
        "detail": "missing clarithromycin; unexpected amoxicillin; citations of penicillin_v: "
                  "expected [2.3], got [2.3, 2.6]",
    }


def test_guideline_option_overrides_the_file_and_a_relative_path_is_read_from_its_folder(
        tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(
        SORE_THROAT.read_text("utf-8").replace("source: sources/example-sore-throat.txt\n",
                                               ""), "utf-8")
    cases = """\
guideline: g.yaml
cases:
  - name: adult-low-risk
    patient: {airway_compromise: false, immunocompromised: false, age: 30, symptom_days: 3,
              throat_score: 1}
    expect: {status: recommendation, options: {symptomatic_care: ["2.1"]}, general: true}
"""
    path = write(tmp_path, cases)
    passed = run("test", path)
    assert passed.exit_code == 0, passed.output
    assert passed.stdout.endswith("against example-sore-throat version 0.1\n")
    other = run("test", path, "--guideline", "asco-gepnet-2023")
    assert other.exit_code == 1
    assert other.stdout.splitlines()[1] == (
        "     patient: expected accepted, got refused (the patient is refused: invalid "
        "patient: 'airway_compromise' is not a patient field; 'immunocompromised' is not a "
        "patient field; 'age' is not a patient field; 'symptom_days' is not a patient field; "
        "'throat_score' is not a patient field)")


def test_all_passing_exits_0_with_one_line(tmp_path: Path) -> None:
    cases = f"""\
guideline: {SORE_THROAT}
cases:
  - name: urgent
    patient: {{airway_compromise: true}}
    expect: {{status: out_of_scope, leaf: out-urgent, options: [], missing: [],
             recommendations: [], general: false, derived: {{}}}}
  - name: score-4
    patient: {{airway_compromise: false, immunocompromised: false, age: 30, symptom_days: 3,
              throat_score: 4}}
    expect: {{derived: {{risk: high}}, excluded: {{delayed_prescription: ["2.4"]}}}}
"""
    result = run("test", write(tmp_path, cases))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("all 2 cases passed (2 results): ")


MALFORMED = """\
guideline: 12
cases:
  - name: a
    patient: {age: 30}
    expect: {status: recomendation, options: {ssa: [3.1]}, foo: 1, leaf: [x]}
  - name: a
    patient: {}
    expect: {status: out_of_scope}
  - name: b
    expect: {}
  - just a text
invalid:
  - name: c
    patient: {}
casses: []
"""


def test_a_malformed_file_exits_2_with_every_problem_located(tmp_path: Path) -> None:
    path = write(tmp_path, MALFORMED)
    result = run("test", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"nettree: error: {path}: 11 problems in the cases file",
        f"  {path}:1:12: `guideline` is a bundled guideline id or the path of a guideline "
        "file (got 12)",
        f"  {path}:5:22: `status` must be one of recommendation, needs_information, "
        "out_of_scope (got 'recomendation') (did you mean 'recommendation'?)",
        f"  {path}:5:53: a citation of 'ssa' in `options` must be a text (got the number 3.1: "
        "quote it, as \"3.1\")",
        f"  {path}:5:60: unknown key 'foo' in `expect` (allowed: status, leaf, options, "
        "excluded, not_recommended, missing, notes, recommendations, derived, general)",
        f"  {path}:5:74: `leaf` must be a leaf id, or null (got a list)",
        f"  {path}:6:11: duplicate case name 'a' (first at line 3)",
        f"  {path}:9:5: cases[2] has no `patient`",
        f"  {path}:10:13: `expect` must be a mapping of at least one of: status, leaf, "
        "options, excluded, not_recommended, missing, notes, recommendations, derived, "
        "general (got a mapping)",
        f"  {path}:11:5: cases[3] must be a mapping with `name`, `patient` and `expect` "
        "(got a text)",
        f"  {path}:13:5: invalid[0] has no `field`",
        f"  {path}:15:1: unknown key 'casses' in the cases file (did you mean 'cases'?) "
        "(allowed: guideline, cases, invalid)",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("cases: [\n", "YAML syntax error"),
    ("- a\n- b\n", ":1:1: a cases file is a mapping with `cases:`"),
    ("guideline: x\n", ":1:1: no `cases:`"),
    ("cases: {a: 1}\n", ":1:8: `cases` must be a list (got a mapping)"),
])
def test_unreadable_files_exit_2(tmp_path: Path, text: str, message: str) -> None:
    result = run("test", write(tmp_path, text))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("test", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.stderr == (f"nettree: error: {tmp_path / 'nope.yaml'}: 1 problem in the "
                             f"cases file\n  {tmp_path / 'nope.yaml'}:1:1: cannot read the "
                             "cases file: No such file or directory\n")


def test_an_invalid_guideline_exits_1(tmp_path: Path) -> None:
    bad = write(tmp_path, "nettree: 1\nid: x\n", "bad.yaml")
    result = run("test", write(tmp_path, "cases: []\n"), "--guideline", bad)
    assert result.exit_code == 1
    assert "problem" in result.stderr and "in the guideline file" in result.stderr


def _case(expect: dict[str, Any], patient: dict[str, Any] | None = None) -> Case:
    return Case("c", patient if patient is not None else {**ADULT, "throat_score": 1},
                expect)


def test_only_the_keys_given_are_compared() -> None:
    guideline = nettree.load(str(SORE_THROAT))
    assert run_case(guideline, _case({"status": "recommendation"})).passed
    outcome = run_case(guideline, _case({"status": "out_of_scope", "leaf": "low-risk"}))
    assert [str(d) for d in outcome.differences] == [
        "status: expected out_of_scope, got recommendation"]


def test_the_clinical_file_keeps_leaf_and_why() -> None:
    cases = load_cases(ROOT / "tests" / "cases" / "clinical.yaml")
    first = cases.cases[0]
    assert first.name == "public-pan-g2-sstr-pos-high-volume"
    assert first.expect["leaf"] == "pan-g12-first"
    assert first.expect["options"] == {"ssa": frozenset({"3.1"}),
                                       "chemotherapy": frozenset({"3.2"})}
    assert first.why.startswith("Public example 1.")


def test_a_changed_expectation_makes_the_clinical_case_fail(
        guideline: nettree.Guideline) -> None:
    case = load_cases(ROOT / "tests" / "cases" / "clinical.yaml").cases[0]
    wrong = Case(case.name, case.patient, {**case.expect, "notes": frozenset({"3.1-q2"})})
    assert [str(d) for d in run_case(guideline, wrong).differences] == [
        "notes: expected [3.1-q2], got [3.1-q3] (missing 3.1-q2; unexpected 3.1-q3)"]


def test_help_teaches_with_examples() -> None:
    result = run("test", "--help")
    assert result.exit_code == 0
    assert "nettree test tests/cases/clinical.yaml" in result.stdout
    assert "Exit status: 0 when every case passes" in result.stdout
