"""Coverage of a guideline by a set of patients (issue 4, item 3): `nettree coverage`.

1. The project's own clinical cases (tests/cases/clinical.yaml) reach 100 % of the leaves,
   branches and recommendations of the bundled guideline.
2. The counts are what traversing each patient gives; the text and --json outputs agree with
   the library's CoverageReport; the example patients' misses are listed.
3. An invalid patient among valid ones is reported (file and item) with exit 2, and the others
   still count; `--fail-under`.
4. test_bug_*: bugs found (they fail until fixed).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

import nettree
from nettree.cli import main
from nettree.patient import read_patient_file
from nettree.verify import CoverageReport, coverage

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLINICAL = HERE / "cases" / "clinical.yaml"
PATIENTS = sorted((ROOT / "examples" / "patients").glob("*"))
BUNDLED = "asco-gepnet-2023"
EXAMPLE = HERE / "guidelines" / "example-sore-throat.yaml"
WHAT = ("leaves", "branches", "recommendations")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="nettree")


def clinical_patients() -> list[dict[str, Any]]:
    data = yaml.safe_load(CLINICAL.read_text(encoding="utf-8"))
    return [case["patient"] for case in data["cases"]]


def example_patients() -> list[Any]:
    return [read_patient_file(path) for path in PATIENTS]


def counted(guideline: nettree.Guideline, patients: Iterable[Mapping[str, Any]]
            ) -> dict[str, Counter[str]]:
    """What each patient reaches, counted here by traversing them one by one."""
    out: dict[str, Counter[str]] = {what: Counter() for what in WHAT}
    for patient in patients:
        result = guideline.traverse(patient)
        if result.leaf is not None and result.path[-1].answer is not None:
            out["leaves"][result.leaf] += 1
        for step in result.path:
            if step.kind == "decision" and step.answer is not None:
                out["branches"][f"{step.node} -> {step.answer}"] += 1
        for rec in {*result.recommendations, *result.general}:
            out["recommendations"][rec] += 1
    return out


def assert_counts(report: CoverageReport, guideline: nettree.Guideline,
                  patients: list[Any]) -> None:
    expected = counted(guideline, patients)
    assert report.patients == len(patients)
    assert set(report.leaves) == set(guideline.leaves)
    assert set(report.branches) == {f"{d.id} -> {b.answer}" for d in guideline.decisions.values()
                                    for b in d.branches}
    assert set(report.recommendations) == {r.id for r in guideline.recommendations}
    for what in WHAT:
        counts = getattr(report, what)
        assert {k: v for k, v in counts.items() if v} == dict(expected[what]), what
        assert report.missed(what) == [k for k, v in counts.items() if v == 0]
        reached = sum(1 for v in counts.values() if v)
        assert report.percent(what) == pytest.approx(100 * reached / len(counts))


# ---------------------------------------------------------------- the clinical cases


def test_clinical_cases_reach_every_leaf_branch_and_recommendation() -> None:
    guideline = nettree.load(BUNDLED)
    report = coverage(guideline, clinical_patients())
    for what in WHAT:
        assert report.missed(what) == [], (what, report.missed(what))
        assert report.percent(what) == 100.0
    assert_counts(report, guideline, clinical_patients())


def test_cli_clinical_cases_full_coverage() -> None:
    guideline = nettree.load(BUNDLED)
    result = run("coverage", CLINICAL, "--fail-under", "100")
    assert result.exit_code == 0, result.output
    cases = len(clinical_patients())
    assert result.stdout.splitlines()[0] == f"Coverage of {BUNDLED} by {cases} patients:"
    for what, total in (("leaves", len(guideline.leaves)),
                        ("branches", sum(len(d.branches) for d in guideline.decisions.values())),
                        ("recommendations", len(guideline.recommendations))):
        assert re.search(rf"^  {what} +{total}/{total} \(100\.0%\)$", result.stdout, re.M), \
            result.stdout
    assert "Not reached" not in result.stdout
    assert result.stderr == ""


def test_cli_clinical_cases_json() -> None:
    result = run("coverage", CLINICAL, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["patients"] == len(clinical_patients())
    assert data["invalid"] == 0
    for what in WHAT:
        assert data[what]["percent"] == 100.0
        assert data[what]["missed"] == []
        assert all(count > 0 for count in data[what]["counts"].values())


# ---------------------------------------------------------------- the example patients


def test_example_patients_counts() -> None:
    guideline = nettree.load(BUNDLED)
    patients = example_patients()
    assert len(patients) == len(PATIENTS) > 0
    report = coverage(guideline, patients)
    assert_counts(report, guideline, patients)
    assert 0 < report.percent("leaves") < 100  # the examples are not meant to cover it all


def test_cli_example_patients_text() -> None:
    guideline = nettree.load(BUNDLED)
    report = coverage(guideline, example_patients())
    result = run("coverage", *PATIENTS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Coverage of {BUNDLED} by {len(PATIENTS)} patients:"
    for what in WHAT:
        counts = getattr(report, what)
        reached = sum(1 for v in counts.values() if v)
        assert f"  {what:<16} {reached}/{len(counts)} ({report.percent(what):.1f}%)" in lines
        missed = report.missed(what)
        if missed:
            start = lines.index(f"Not reached ({what}):")
            assert lines[start + 1:start + 1 + len(missed)] == [f"  - {m}" for m in missed]


def test_cli_example_patients_json() -> None:
    guideline = nettree.load(BUNDLED)
    report = coverage(guideline, example_patients())
    result = run("coverage", *PATIENTS, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {**report.to_dict(), "invalid": 0}
    assert data["patients"] == len(PATIENTS)


def test_coverage_of_another_guideline(tmp_path: Path) -> None:
    """-g: the engine is generic; a list file counts each item."""
    patients: list[dict[str, Any]] = [
        {"airway_compromise": True},
        {"airway_compromise": False, "immunocompromised": False, "age": 30, "symptom_days": 3,
         "throat_score": 0},
        {"airway_compromise": False, "immunocompromised": False, "age": 30, "symptom_days": 3,
         "risk": "intermediate", "rapid_test": "negative"},
    ]
    listed = tmp_path / "patients.json"
    listed.write_text(json.dumps(patients), encoding="utf-8")
    guideline = nettree.load(EXAMPLE)
    result = run("coverage", "-g", EXAMPLE, listed, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {**coverage(guideline, patients).to_dict(), "invalid": 0}
    assert data["leaves"]["missed"] == ["out-child", "out-persistent", "needs-test", "treat"]


# ---------------------------------------------------------------- invalid patients


def test_invalid_patients_are_reported_and_the_others_count(tmp_path: Path) -> None:
    good = PATIENTS[:2]
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps({"differentiation": "moderate"}), encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([read_patient_file(PATIENTS[2]), {"grade": "G9"}]),
                      encoding="utf-8")
    cases = tmp_path / "cases.yaml"
    cases.write_text(yaml.safe_dump({"cases": [
        {"name": "ok", "patient": read_patient_file(PATIENTS[3])},
        {"name": "bad", "patient": {"ki67": 150}},
    ]}), encoding="utf-8")
    unreadable = tmp_path / "unreadable.json"
    unreadable.write_text("{not json", encoding="utf-8")

    result = run("coverage", *good, bad_file, listed, cases, unreadable, "--json")
    assert result.exit_code == 2, result.output
    errors = result.stderr.splitlines()
    assert all(line.startswith("nettree: error: ") for line in errors), errors
    text = result.stderr
    assert f"{bad_file}:" in text and "differentiation" in text
    assert f"{listed}: [1]" in text and "grade" in text
    assert f"{cases}: cases[1]" in text and "ki67" in text
    assert str(unreadable) in text
    assert f"{listed}: [0]" not in text and f"{cases}: cases[0]" not in text
    data = json.loads(result.stdout)
    assert data["invalid"] == 4
    valid = [*(read_patient_file(p) for p in PATIENTS[:4])]
    assert data["patients"] == len(valid) == 4
    assert {k: v for k, v in data.items() if k != "invalid"} == \
        coverage(nettree.load(BUNDLED), valid).to_dict()


def test_invalid_patient_text_output_still_reports(tmp_path: Path) -> None:
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps({"metastatic": "yes"}), encoding="utf-8")
    result = run("coverage", PATIENTS[0], bad_file, "--fail-under", "0")
    assert result.exit_code == 2, result.output  # an invalid patient wins over --fail-under
    assert result.stdout.startswith(f"Coverage of {BUNDLED} by 1 patient:")
    assert f"{bad_file}:" in result.stderr and "metastatic" in result.stderr


def test_missing_patient_file_exits_2(tmp_path: Path) -> None:
    result = run("coverage", tmp_path / "nowhere.json")
    assert result.exit_code == 2
    assert "nowhere.json" in result.stderr


def test_no_patient_is_a_usage_error() -> None:
    result = run("coverage")
    assert result.exit_code == 2
    assert "Usage:" in result.stderr


# ---------------------------------------------------------------- --fail-under


@pytest.mark.parametrize(("threshold", "code"), [("0", 0), ("50", 0), ("58.3", 0),
                                                 ("58.4", 1), ("100", 1)])
def test_fail_under(threshold: str, code: int) -> None:
    """The example patients reach 7 of the 12 leaves (58.3 %)."""
    report = coverage(nettree.load(BUNDLED), example_patients())
    assert report.percent("leaves") == pytest.approx(100 * 7 / 12)
    result = run("coverage", *PATIENTS, "--fail-under", threshold)
    assert result.exit_code == code, result.output
    assert result.stdout.startswith("Coverage of")  # the report is printed either way


@pytest.mark.parametrize("threshold", ["101", "-1", "most"])
def test_fail_under_out_of_range_is_a_usage_error(threshold: str) -> None:
    result = run("coverage", *PATIENTS, "--fail-under", threshold)
    assert result.exit_code == 2
    assert "--fail-under" in result.stderr


# ---------------------------------------------------------------- bugs found


def test_regression_coverage_with_a_gap_in_the_guideline_has_no_traceback(tmp_path: Path) -> None:
    """Regression (was a bug).

    `nettree traverse` turns a gap met at run time into one line on stderr and exit 1;
    `nettree coverage` lets the GuidelineError escape (a traceback from the installed
    command). Minimal: tests/mutations/missing-choice-value.yaml (verify: exhaustive at
    grade) and a patient with a moderate sprain."""
    guideline = HERE / "mutations" / "missing-choice-value.yaml"
    patient = tmp_path / "moderate.json"
    patient.write_text(json.dumps({"adult": True, "days": 2, "severity": "moderate"}),
                       encoding="utf-8")
    traversed = run("traverse", "-g", guideline, patient)
    assert traversed.exit_code == 1 and "'grade'" in traversed.stderr  # the reference
    result = run("coverage", "-g", guideline, patient)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.startswith("nettree: error: "), result.stderr
