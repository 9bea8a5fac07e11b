"""The ``nettree`` command, through click's CliRunner (and once as a real process).

Errors: exit 2 for an invalid patient or usage, one line on stderr starting with
``nettree: error:`` (click's own usage errors keep click's format), never a traceback.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

import nettree
from nettree.cli import main

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = "asco-gepnet-2023"
PATIENTS = ROOT / "examples" / "patients"

WELL_METASTATIC: dict[str, Any] = {"differentiation": "well", "metastatic": True}

# Rich: a G3 panNET, later line, with options citing recommendations and a qualifying
# statement, an exclusion, notes, assumed defaults and a derived grade.
RICH: dict[str, Any] = {
    **WELL_METASTATIC, "primary_site": "pancreas", "ki67": 25, "sstr_status": "positive",
    "functional": False, "tumor_volume": "low", "burden_symptoms": False,
    "rapid_growth": False, "prior_therapies": ["ssa"], "uncontrolled_diabetes": True,
}
# Partial: SSTR-positive GI-NET after an SSA, functional status unknown.
PARTIAL: dict[str, Any] = {
    **WELL_METASTATIC, "primary_site": "gi", "grade": "G2", "sstr_status": "positive",
    "prior_therapies": ["ssa"],
}
PATIENTS_FOR_JSON: dict[str, dict[str, Any]] = {
    "rich": RICH,
    "partial": PARTIAL,
    "no-grade": {**WELL_METASTATIC, "primary_site": "pancreas", "sstr_status": "positive"},
    "sstr-unknown": {**WELL_METASTATIC, "primary_site": "gi", "grade": "G1"},
    "out-of-scope": {"differentiation": "poor"},
    "localized": {"differentiation": "well", "metastatic": False},
    "fallback": {**WELL_METASTATIC, "primary_site": "gi", "grade": "G2",
                 "sstr_status": "negative", "functional": False,
                 "prior_therapies": ["everolimus"]},
    "functional-gi": {**WELL_METASTATIC, "primary_site": "gi", "ki67": 2,
                      "sstr_status": "positive", "functional": True, "bone_dominant": True},
    "empty": {},
}


def run(*args: str, input: Any = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, env=env, prog_name="nettree")


def flat(text: str) -> str:
    """Whitespace normalised, so that line wrapping does not matter."""
    return " ".join(text.split())


def section(text: str, heading: str) -> str:
    """The lines under a heading of the text view, up to the next blank line and heading."""
    match = re.search(rf"^{re.escape(heading)}.*\n((?:.+\n)*)", text, re.MULTILINE)
    assert match, f"no section {heading!r} in:\n{text}"
    return match.group(1)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert result.stderr.startswith("nettree: error: "), result.stderr
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr


def assert_usage_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Usage: nettree"), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr


# ---------------------------------------------------------------- version, help, list, show


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"nettree, version {nettree.__version__}\n"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        ([], ["Usage: nettree [OPTIONS] COMMAND", "--version", "--help", "list", "show",
              "traverse", "nettree traverse"]),
        (["traverse"], ["Usage: nettree traverse [OPTIONS] [PATIENT]", "-g, --guideline",
                        "--json", "--set FIELD=VALUE", "comma-separated", "Exit status",
                        "standard input"]),
        (["list"], ["Usage: nettree list [OPTIONS]", "bundled guidelines"]),
        (["show"], ["Usage: nettree show [OPTIONS] [GUIDELINE]", "--fields"]),
    ],
    ids=["group", "traverse", "list", "show"],
)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(args: list[str], mentions: list[str], flag: str) -> None:
    result = run(*args, flag)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    for text in mentions:
        assert text in result.stdout, text


def test_list_shows_the_bundled_guideline(guideline: nettree.Guideline) -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    assert f"{BUNDLED}\t{guideline.version}\t{guideline.title}\n" in result.stdout


def test_show_has_every_recommendation_and_statement_verbatim(
        guideline: nettree.Guideline) -> None:
    result = run("show")
    assert result.exit_code == 0, result.output
    shown = flat(result.stdout)
    assert len(guideline.recommendations) == 12
    for rec in guideline.recommendations:
        assert flat(rec.text) in shown, rec.id
        assert f"== {rec.category} ==" in shown
        for statement in rec.statements:
            assert flat(statement.text) in shown, statement.id
            assert f"{statement.id} " in shown


def test_show_has_every_rating(guideline: nettree.Guideline) -> None:
    result = run("show")
    shown = flat(result.stdout)
    for rec in guideline.recommendations:
        codes = ", ".join(code for _, code in rec.rating)
        assert f"{rec.id} [{codes}]" in shown, rec.id
    # ... and the legend saying what every code means.
    for dimension in guideline.ratings:
        for code, meaning in dimension.codes:
            assert f"{code} {meaning}" in shown, (dimension.label, code)


def test_show_by_id_and_by_path_are_the_same(guideline: nettree.Guideline) -> None:
    default = run("show").stdout
    assert run("show", BUNDLED).stdout == default
    assert run("show", str(guideline.path)).stdout == default


def test_show_fields_lists_every_field_with_allowed_values(guideline: nettree.Guideline) -> None:
    result = run("show", "--fields")
    assert result.exit_code == 0, result.output
    shown = result.stdout
    for name, field in guideline.fields.items():
        line = next((ln for ln in shown.splitlines() if ln.startswith(f"{name} (")), None)
        assert line is not None, name
        assert field.allowed() in line
        for value in field.values:
            assert repr(value) in line, (name, value)
    assert "derived from ki67 when absent" in shown
    assert "absent: a candidate for chemotherapy" in shown


# ---------------------------------------------------------------- traverse: the text view


def test_traverse_text_view_of_a_rich_case(guideline: nettree.Guideline) -> None:
    result = run("traverse", input=json.dumps(RICH))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    text = result.stdout
    shown = flat(text)
    expected = guideline.traverse(RICH)
    assert expected.status == "recommendation"
    assert "Result: RECOMMENDATION" in text

    # The path: every question with its answer, ending at the leaf.
    for step in expected.path:
        if step.kind == "decision":
            assert f"{step.text} -> {step.answer}" in shown, step.node
        else:
            assert step.text in shown
    assert "[G3]" in shown

    # Every option's label and id; each cited recommendation with its rating in words, each
    # cited statement marked as not rated (and never shown with its recommendation's rating).
    options = flat(section(text, "Options"))
    statement_cited = False
    for option in expected.options:
        assert f"* {option.label} [{option.id}]" in options
        for cite in option.cites:
            if cite in guideline.statements:
                statement_cited = True
                for match in re.finditer(re.escape(cite) + ' ', options):
                    head = options[match.start():options.index('"', match.start())]
                    assert "not separately rated" in head, head
                    for word in ("Type:", "Evidence quality:", "Strength:"):
                        assert word not in head, head
                assert flat(guideline.statement(cite).text) in options
            else:
                rec = guideline.recommendation(cite)
                assert f"{cite} ({guideline.describe_rating(rec)})" in options
                assert flat(rec.text) in options
    assert statement_cited, "the rich case should cite a qualifying statement"
    assert "Type: informal consensus (IC); Evidence quality: very low (VL); " \
           "Strength: weak (W)" in options

    # Exclusions with their reasons and citations.
    excluded = flat(section(text, "Excluded:"))
    assert expected.excluded
    for excl in expected.excluded:
        assert f"{excl.label} [{excl.id}]: {flat(excl.reason)}" in excluded
        assert f"[{', '.join(excl.cites)}]" in excluded

    # Notes, general recommendations, assumed defaults, derived grade.
    notes = flat(section(text, "Notes that apply:"))
    assert expected.notes
    for note in expected.notes:
        assert f'{note.id}: "{flat(note.text)}"' in notes
    general = flat(section(text, "General recommendations"))
    assert expected.general == ("1.1", "1.2")
    for rec_id in ("1.1", "1.2"):
        rec = guideline.recommendation(rec_id)
        assert f"{rec_id} ({guideline.describe_rating(rec)})" in general
        assert flat(rec.text) in general
    assumed = section(text, "Assumed")
    assert expected.assumed
    for item in expected.assumed:
        field = guideline.fields[item.field]
        assert f"{field.called} (not given): {item.meaning}" in flat(assumed)
    assert "uncontrolled_diabetes" not in assumed  # given, not assumed
    assert "grade = G3 from Ki-67 (%) = 25" in section(text, "Derived:")


def test_traverse_text_view_lists_missing_fields_of_a_partial_patient() -> None:
    result = run("traverse", input=json.dumps(PARTIAL))
    assert result.exit_code == 0, result.output
    assert "Result: NEEDS INFORMATION" in result.stdout
    missing = section(result.stdout, "Missing information")
    assert "functional:" in missing
    assert "Allowed: true or false." in flat(missing)
    assert "Options" not in result.stdout  # no therapy is offered on unknown data


def test_traverse_text_view_missing_grade_says_ki67_will_do() -> None:
    patient = PATIENTS_FOR_JSON["no-grade"]
    result = run("traverse", input=json.dumps(patient))
    assert result.exit_code == 0, result.output
    assert "- grade or ki67:" in section(result.stdout, "Missing information")
    assert "UNKNOWN - stopped here" in result.stdout


def test_traverse_text_view_notes_that_may_apply() -> None:
    result = run("traverse", str(PATIENTS / "gi-ki67-5-after-ssa.yaml"))
    assert result.exit_code == 0, result.output
    possible = flat(section(result.stdout, "Notes that may apply"))
    assert "2.3-q2 (if known: tumor_volume)" in possible


def test_traverse_text_view_out_of_scope_has_no_general_recommendations() -> None:
    result = run("traverse", input='{"differentiation": "poor"}')
    assert result.exit_code == 0, result.output
    assert "Result: OUT OF SCOPE" in result.stdout
    assert "Poorly differentiated neuroendocrine carcinoma" in result.stdout
    assert "General recommendations" not in result.stdout


def test_traverse_text_view_out_of_scope_is_not_blamed_on_unknown_data() -> None:
    """At c4a84e1 the path ended "Out of scope - poorly differentiated - stopped here: the
    options depend on unknown data" (the leaf's PathStep had ``answer=None``)."""
    result = run("traverse", input='{"differentiation": "poor"}')
    path = flat(section(result.stdout, "Path:"))
    assert "Out of scope - poorly differentiated" in path
    assert "unknown data" not in path
    assert "stopped here" not in path


# ---------------------------------------------------------------- traverse --json


@pytest.mark.parametrize("name", list(PATIENTS_FOR_JSON))
def test_traverse_json_equals_the_api(guideline: nettree.Guideline, name: str) -> None:
    patient = PATIENTS_FOR_JSON[name]
    result = run("traverse", "--json", input=json.dumps(patient))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout) == guideline.traverse(patient).to_dict()


def test_traverse_json_of_a_file_equals_the_api(guideline: nettree.Guideline) -> None:
    path = PATIENTS / "gi-functional-first-line.yaml"
    patient = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = run("traverse", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == guideline.traverse(patient).to_dict()


def test_guideline_option_by_id_by_path_and_by_environment(guideline: nettree.Guideline) -> None:
    patient = json.dumps(RICH)
    default = run("traverse", "--json", input=patient).stdout
    assert run("traverse", "--json", "-g", BUNDLED, input=patient).stdout == default
    assert run("traverse", "--json", "--guideline", str(guideline.path),
               input=patient).stdout == default
    assert run("traverse", "--json", input=patient,
               env={"NETTREE_GUIDELINE": BUNDLED}).stdout == default


# ---------------------------------------------------------------- --set and standard input


def test_set_alone_builds_the_patient(guideline: nettree.Guideline) -> None:
    result = run("traverse", "--json",
                 "--set", "differentiation=well", "--set", "metastatic=true",
                 "--set", "primary_site=gi", "--set", "ki67=5",
                 "--set", "sstr_status=positive", "--set", "functional=False",
                 "--set", "prior_therapies=ssa, prrt")
    assert result.exit_code == 0, result.output
    patient = {**WELL_METASTATIC, "primary_site": "gi", "ki67": 5, "sstr_status": "positive",
               "functional": False, "prior_therapies": ["ssa", "prrt"]}
    got = json.loads(result.stdout)
    assert got == guideline.traverse(patient).to_dict()
    # prior PRRT: PRRT excluded, everolimus (2.4: PRRT not an option); ki67 5 gives G2.
    assert [o["id"] for o in got["options"]] == ["everolimus"]
    assert {e["id"] for e in got["excluded"]} == {"prrt"}
    assert got["derived"] == [{"field": "grade", "value": "G2", "from": "ki67", "from_value": 5}]


@pytest.mark.parametrize(("text", "value"), [
    ("true", True), ("True", True), (" TRUE ", True), ("false", False), ("False", False),
])
def test_set_booleans(guideline: nettree.Guideline, text: str, value: bool) -> None:
    result = run("traverse", "-", "--json", "--set", f"metastatic={text}",
                 input='{"differentiation": "well"}')
    assert result.exit_code == 0, result.output
    expected = guideline.traverse({"differentiation": "well", "metastatic": value})
    assert json.loads(result.stdout) == expected.to_dict()


@pytest.mark.parametrize("text", ["yes", "no", "1", "0", "y", "on"])
def test_one_boolean_rule_for_set_and_files(text: str) -> None:
    """--set and a patient file share one rule: true or false (any case), nothing else."""
    message = (f"'metastatic' must be true or false (got {text!r}; a boolean is written "
               "true or false, in a patient file and in --set alike)")
    by_set = run("traverse", "-", "--json", "--set", f"metastatic={text}",
                 input='{"differentiation": "well"}')
    by_file = run("traverse", "-", "--json",
                  input=json.dumps({"differentiation": "well", "metastatic": text}))
    for result in (by_set, by_file):
        assert result.exit_code == 2
        assert message in result.output


@pytest.mark.parametrize(("written", "value"), [('"true"', True), ('"False"', False),
                                                 ("true", True)])
def test_a_file_takes_the_same_spellings_as_set(guideline: nettree.Guideline, written: str,
                                                value: bool) -> None:
    result = run("traverse", "-", "--json",
                 input=f'{{"differentiation": "well", "metastatic": {written}}}')
    assert result.exit_code == 0, result.output
    expected = guideline.traverse({"differentiation": "well", "metastatic": value})
    assert json.loads(result.stdout) == expected.to_dict()


@pytest.mark.parametrize("text", ["25", "25.0", " 25 ", "2.5e1"])
def test_set_numbers(text: str) -> None:
    result = run("traverse", "-", "--json", "--set", f"ki67={text}",
                 input=json.dumps({**RICH, "ki67": None}))
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["derived"] == [{"field": "grade", "value": "G3", "from": "ki67", "from_value": 25}]


def test_set_overrides_the_file(guideline: nettree.Guideline) -> None:
    path = PATIENTS / "gi-ki67-5-after-ssa.yaml"  # says functional: false, prior_therapies: [ssa]
    result = run("traverse", str(path), "--json", "--set", "functional=true")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    # Functional after an SSA: PRRT with SSA continuation (2.3, 2.3-q1) and everolimus (2.4-q1).
    assert [o["id"] for o in got["options"]] == ["ssa_continuation", "everolimus", "prrt"]
    assert {o["id"]: o["cites"] for o in got["options"]}["ssa_continuation"] == ["2.3-q1"]


def test_set_later_overrides_earlier() -> None:
    result = run("traverse", "--json", "--set", "differentiation=well",
                 "--set", "differentiation=poor")
    assert json.loads(result.stdout)["status"] == "out_of_scope"


def test_set_empty_means_unknown_even_over_the_file() -> None:
    path = PATIENTS / "gi-ki67-5-after-ssa.yaml"
    result = run("traverse", str(path), "--json", "--set", "functional=")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["status"] == "needs_information"
    assert got["missing"] == ["functional"]
    assert got["options"] == []


def test_set_empty_for_a_field_with_a_default_uses_the_default() -> None:
    path = PATIENTS / "gi-ki67-5-after-ssa.yaml"
    result = run("traverse", str(path), "--json", "--set", "prior_therapies=")
    got = json.loads(result.stdout)
    assert got["leaf"] == "gi-g12-first"  # the default: first line
    assert {"field": "prior_therapies", "value": [],
            "meaning": "no prior therapies: first line"} in got["assumed"]


def test_set_alone_with_no_standard_input_at_all() -> None:
    """A terminal on stdin: nothing is read, the patient is only what --set says."""

    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    result = run("traverse", "--json", "--set", "differentiation=poor", input=Terminal(b""))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "out_of_scope"


def test_set_alone_with_empty_standard_input() -> None:
    result = run("traverse", "--json", "--set", "differentiation=poor")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "out_of_scope"


def test_set_alone_leaves_piped_standard_input_unread() -> None:
    """In a shell loop `while read x; do nettree traverse --set ...; done`, standard input is
    the loop's: --set without PATIENT must not read it."""
    result = run("traverse", "--json", "--set", "differentiation=poor", input="a\nb\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "out_of_scope"


def test_no_patient_at_all_on_a_terminal_is_a_usage_error() -> None:
    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    result = run("traverse", input=Terminal(b""))
    assert_usage_error(result, "no patient", "--set FIELD=VALUE")


@pytest.mark.parametrize("args", [["-"], []], ids=["dash", "no-argument"])
@pytest.mark.parametrize("form", ["json", "yaml"])
def test_standard_input(guideline: nettree.Guideline, args: list[str], form: str) -> None:
    text = json.dumps(RICH) if form == "json" else "\n".join(
        f"{key}: {json.dumps(value)}" for key, value in RICH.items())
    result = run("traverse", *args, "--json", input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == guideline.traverse(RICH).to_dict()


def test_standard_input_and_set_together() -> None:
    result = run("traverse", "-", "--json", "--set", "metastatic=false",
                 input=json.dumps(RICH))
    got = json.loads(result.stdout)
    assert got["status"] == "out_of_scope"
    assert got["leaf"] == "out-localized"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("patient", "fragments"),
    [
        ({"differentiation": "maybe"},
         ["invalid patient", "'differentiation' must be one of 'well', 'poor' (got 'maybe')"]),
        ({"ki67": 120}, ["'ki67' must be a number from 0 to 100 (got 120)"]),
        ({"prior_therapies": ["surgery"]}, ["'prior_therapies'", "'surgery'", "'ssa'"]),
        ({"sstr": "positive"}, ["'sstr' is not a patient field",
                                "(did you mean 'sstr_status'?)"]),
        ({"functional": "sometimes"}, ["'functional' must be true or false (got 'sometimes'; "
                                       "a boolean is written true or false, in a patient file "
                                       "and in --set alike)"]),
        ({"ki67": "5"}, ["'ki67' must be a number"]),
        ({"metastatic": 1}, ["'metastatic' must be true or false"]),
        ({"grade": "G1", "ki67": 30},
         ["'grade' is 'G1' but 'ki67' 30 gives 'G3'", "never lower"]),
        ({"sstr": "positive", "functional": "sometimes"},
         ["'sstr' is not a patient field", "'functional' must be true or false"]),
    ],
    ids=["value", "range", "list-item", "unknown-field", "wrong-type", "number-as-text",
         "number-for-boolean", "grade-ki67-conflict", "every-problem"],
)
def test_invalid_patient(patient: dict[str, Any], fragments: list[str]) -> None:
    assert_one_line_error(run("traverse", input=json.dumps(patient)), *fragments)


def test_invalid_patient_in_a_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text("differentiation: well\nsstr: positive\n", encoding="utf-8")
    assert_one_line_error(run("traverse", str(path)), "did you mean 'sstr_status'?")


def test_bad_json_file_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "differentiation": "well",\n  "metastatic": true,\n}\n',
                    encoding="utf-8")
    assert_one_line_error(run("traverse", str(path)), f"{path}:4:1: invalid JSON")


def test_bad_json_on_standard_input_is_reported_as_json() -> None:
    """At c4a84e1 JSON on standard input that was not valid JSON fell through to the YAML
    parser: "<stdin>:3:3: YAML syntax error: while parsing a flow mapping expected ',' or '}',
    but got '<scalar>'"."""
    text = '{\n  "differentiation": "well"\n  "metastatic": true\n}\n'
    assert_one_line_error(run("traverse", input=text), "<stdin>:3:3: invalid JSON")


def test_bad_yaml_file_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("differentiation: well\nprior_therapies: [ssa\n", encoding="utf-8")
    assert_one_line_error(run("traverse", str(path)), f"{path}:3:1: YAML syntax error")


def test_duplicate_key_in_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("differentiation: poor\ndifferentiation: well\n", encoding="utf-8")
    assert_one_line_error(run("traverse", str(path)), ":2:1: duplicate key 'differentiation'")


@pytest.mark.parametrize("text", ["[1, 2]", '"a patient"', "- gi\n- pancreas\n", "42"])
def test_patient_that_is_not_a_mapping(text: str) -> None:
    assert_one_line_error(run("traverse", input=text), "a patient must be a mapping")


@pytest.mark.parametrize("text", ["", "   \n\n"])
def test_empty_input(text: str) -> None:
    assert_one_line_error(run("traverse", input=text), "no patient given (the input is empty)")


def test_unreadable_patient_file(tmp_path: Path) -> None:
    missing = tmp_path / "nobody.json"
    assert_one_line_error(run("traverse", str(missing)), str(missing), "cannot read")
    assert_one_line_error(run("traverse", str(tmp_path)), "cannot read")


@pytest.mark.parametrize("item", ["foo", "=x", " =x"])
def test_bad_set_syntax_is_a_usage_error(item: str) -> None:
    assert_usage_error(run("traverse", "--set", item), "--set", "is not FIELD=VALUE")


@pytest.mark.parametrize(
    ("item", "fragments"),
    [
        ("sstr=positive", ["'sstr' is not a patient field (did you mean 'sstr_status'?)"]),
        ("functional=maybe", ["'functional' must be true or false (got 'maybe'; a boolean is "
                              "written true or false"]),
        ("ki67=abc", ["'ki67' must be a number from 0 to 100 (got 'abc')"]),
        ("ki67=101", ["'ki67' must be a number from 0 to 100 (got 101)"]),
        ("grade=G4", ["'grade' must be one of 'G1', 'G2', 'G3' (got 'G4')"]),
        ("prior_therapies=ssa,surgery", ["'prior_therapies'", "'surgery'"]),
    ],
    ids=["unknown-field", "boolean", "number", "range", "choice", "list-item"],
)
def test_bad_set_value(item: str, fragments: list[str]) -> None:
    assert_one_line_error(run("traverse", "--set", item), *fragments)


@pytest.mark.parametrize(
    "args",
    [["traverse", "-g", "nope", "--set", "metastatic=true"], ["show", "nope"],
     ["show", "--fields", "nope"]],
    ids=["traverse", "show", "show-fields"],
)
def test_unknown_guideline_id(args: list[str]) -> None:
    assert_one_line_error(run(*args), "no guideline 'nope'", BUNDLED)


def test_unknown_guideline_id_from_the_environment() -> None:
    result = run("traverse", "--set", "metastatic=true", env={"NETTREE_GUIDELINE": "nope"})
    assert_one_line_error(result, "no guideline 'nope'")


def test_invalid_guideline_file_exits_1_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("nettree: 1\nid: broken\n", encoding="utf-8")
    for args in (["show", str(path)], ["traverse", "-g", str(path), "--set", "metastatic=true"]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)
        assert result.stdout == ""
        assert result.stderr.startswith(f"nettree: error: {path}: ")
        assert "problem" in result.stderr.splitlines()[0]
        assert "Traceback" not in result.output


def test_unknown_option_and_extra_argument_are_usage_errors() -> None:
    assert_usage_error(run("traverse", "--bogus"), "No such option")
    assert_usage_error(run("traverse", "a.json", "b.json"), "unexpected extra argument")
    assert_usage_error(run("nonsense"), "No such command")


# ---------------------------------------------------------------- the real console entry point


def test_python_dash_m_nettree_end_to_end(tmp_path: Path, guideline: nettree.Guideline) -> None:
    command = [sys.executable, "-m", "nettree"]
    done = subprocess.run([*command, "traverse", "-", "--json"], input=json.dumps(RICH),
                          capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout) == guideline.traverse(RICH).to_dict()

    done = subprocess.run([*command, "traverse", "--set", "sstr=positive"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == ("nettree: error: invalid patient: 'sstr' is not a patient field "
                           "(did you mean 'sstr_status'?)\n")

    done = subprocess.run([*command, "--version"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0
    assert done.stdout == f"nettree, version {nettree.__version__}\n"


# ---------------------------------------------------------------- bugs and unclear messages
# Each test below fails on purpose against the current code: see its docstring.


def test_regression_duplicate_key_in_json_is_refused(tmp_path: Path) -> None:
    """YAML patients with a duplicate key are refused; a JSON patient silently keeps the
    last value, so a file saying both "poor" and "well" is read as well-differentiated."""
    path = tmp_path / "dup.json"
    path.write_text('{"differentiation": "poor", "differentiation": "well"}', encoding="utf-8")
    assert_one_line_error(run("traverse", str(path)), "duplicate key 'differentiation'")


def test_regression_null_patient_message_has_no_python_type_name() -> None:
    """`null`, `~` or a YAML file of comments only: "a patient must be a mapping of field
    names to values (got NoneType)". The API's own check says "(got nothing)"."""
    result = run("traverse", input="# only a comment\n")
    assert result.exit_code == 2
    assert "NoneType" not in result.stderr, result.stderr


def test_regression_assumed_lists_only_defaults_the_result_relied_on(
        guideline: nettree.Guideline) -> None:
    """An SSTR-negative GI-NET after everolimus ends at MDT discussion (F4). Its result lists
    "bone_dominant = false: no bone-dominant metastases" under assumed, but the bone-dominant
    note needs an ssa or observation option, so no value of bone_dominant changes this
    result: the default was read, not relied on (ENCODING 2: "every default it relied on")."""
    patient = PATIENTS_FOR_JSON["fallback"]
    result = run("traverse", "--json", input=json.dumps(patient))
    got = json.loads(result.stdout)
    assert [o["id"] for o in got["options"]] == ["mdt_discussion"]
    for value in (True, False):
        again = guideline.traverse({**patient, "bone_dominant": value}).to_dict()
        assert again["options"] == got["options"] and again["notes"] == got["notes"]
    assert "bone_dominant" not in [a["field"] for a in got["assumed"]]


def test_unclear_missing_sstr_status_does_not_offer_unknown() -> None:
    """NEEDS INFORMATION for SSTR status says "give these fields to go on ... Allowed: one of
    'positive', 'negative', 'unknown'": giving 'unknown' cannot let the traversal go on."""
    result = run("traverse", input=json.dumps(PATIENTS_FOR_JSON["sstr-unknown"]))
    missing = flat(section(result.stdout, "Missing information"))
    assert "sstr_status" in missing
    assert "'unknown'" not in missing, missing


def test_general_recommendations_show_their_ungoverned_statements() -> None:
    """1.1's note on local therapy (1.1-n1) has no note rule: it is part of the general
    recommendation and shown with it; 1.1-n2 has a rule and appears only when it applies."""
    patient = {"differentiation": "well", "metastatic": True, "primary_site": "gi",
               "grade": "G1", "sstr_status": "positive", "functional": False,
               "tumor_volume": "high"}
    result = run("traverse", "-", input=json.dumps(patient))
    assert result.exit_code == 0, result.output
    general = flat(section(result.stdout, "General recommendations"))
    assert "1.1-n1:" in general and "liver-directed therapy" in general
    assert "1.1-n2" not in result.stdout


# ------------------------------------------------------- inputs, outputs, terminal (issue 7)

EXAMPLE_GUIDELINE = ROOT / "tests" / "guidelines" / "example-sore-throat.yaml"
NOT_REGULAR = ("not a regular file ({} is read only from a regular file, not a folder, FIFO or "
               "device)")


def special_files(tmp_path: Path) -> list[Path]:
    """A folder, a FIFO and a device: none may be read as a patient or a guideline."""
    found = [tmp_path]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.yaml")
        found.append(tmp_path / "pipe.yaml")
    if os.path.exists("/dev/zero"):
        found.append(Path("/dev/zero"))
    return found


def test_a_patient_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    for path in special_files(tmp_path):
        result = run("traverse", str(path))
        assert_one_line_error(result)
        assert result.stderr == (f"nettree: error: {path}: cannot read the patient file: "
                                 f"{NOT_REGULAR.format('a patient file')}\n")


def test_a_guideline_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    for path in special_files(tmp_path)[1:]:  # a folder is "no guideline" (below)
        problem = (f"{path}:1:1: cannot read the guideline file: "
                   f"{NOT_REGULAR.format('a guideline file')}")
        result = run("show", str(path))
        assert result.exit_code == 1
        assert result.stderr == (f"nettree: error: {path}: 1 problem in the guideline file\n"
                                 f"  {problem}\n")
        result = run("verify", str(path))
        assert result.exit_code == 1
        assert flat(problem) in flat(result.stdout)
    result = run("show", str(tmp_path))
    assert_one_line_error(result, f"no guideline '{tmp_path}'")


def test_inputs_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    from nettree.loader import _load_cached

    _load_cached.cache_clear()  # a guideline cached by an earlier test is not read again
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(WELL_METASTATIC), encoding="utf-8")
    size = patient.stat().st_size
    limit = {"NETTREE_MAX_INPUT_BYTES": str(size - 1)}
    too_large = (f"it is larger than {size - 1} bytes (the limit; set NETTREE_MAX_INPUT_BYTES "
                 "to allow more)")
    result = run("traverse", "-g", str(EXAMPLE_GUIDELINE), str(patient), env=limit)
    assert result.exit_code == 1  # the guideline is read first, and it is larger still
    assert f"{EXAMPLE_GUIDELINE}:1:1: cannot read the guideline file: it is larger" in \
        result.stderr
    nettree.load(BUNDLED)  # loaded (and cached) before the limit: only the patient is read
    result = run("traverse", str(patient), env=limit)
    assert_one_line_error(result)
    assert result.stderr == (f"nettree: error: {patient}: cannot read the patient file: "
                             f"{too_large}\n")
    result = run("traverse", "-", input=patient.read_text(encoding="utf-8"), env=limit)
    assert result.stderr == f"nettree: error: <stdin>: cannot read the patient: {too_large}\n"
    assert result.exit_code == 2
    assert run("traverse", str(patient), env={"NETTREE_MAX_INPUT_BYTES": str(size)}).exit_code == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell")
@pytest.mark.parametrize("args", [["traverse", "-"], ["traverse"], ["render", "--format", "dot",
                                                                   "--patient", "-"]])
def test_closed_standard_input_is_one_line(args: list[str]) -> None:
    done = subprocess.run(["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "nettree",
                           *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == ("nettree: error: <stdin>: cannot read the patient: standard input "
                           "is closed\n")


@pytest.mark.parametrize("args", [["show", "{}"], ["traverse", "-g", "{}", "--set", "a=1"],
                                  ["render", "{}", "--format", "dot"]])
@pytest.mark.parametrize("name", ["x" * 300, "x" * 300 + ".yaml", "a/" * 2100 + "b.yaml"])
def test_a_very_long_guideline_name_is_no_such_guideline(args: list[str], name: str) -> None:
    result = run(*[arg.format(name) for arg in args])
    assert_one_line_error(result)
    assert result.stderr == (f"nettree: error: no guideline '{name[:197]}"
                             f"… ({len(name) + 2} characters): give a bundled id "
                             f"({BUNDLED}) or the path of a guideline file\n")


def test_a_very_long_guideline_name_in_verify() -> None:
    result = run("verify", "x" * 300)
    assert_one_line_error(result, "no guideline 'xxxx", "(302 characters)")


@pytest.mark.parametrize("value", ["2_0", "２０", "0x14", "0b10100", "024", "+20", ".5", "5.",
                                   "inf", "-Infinity", "nan", "NaN", "1e", "20%", "٢٠"])
def test_set_numbers_are_written_as_json_numbers(value: str) -> None:
    result = run("traverse", "--set", f"ki67={value}")
    assert_one_line_error(result)
    assert result.stderr == (f"nettree: error: invalid patient: 'ki67' must be a number from 0 "
                             f"to 100 (got {value!r})\n")


@pytest.mark.parametrize(("value", "number"), [("24", 24), ("-0", 0), ("2.5", 2.5), ("1e1", 10),
                                               ("2E+1", 20), ("0.5e-0", 0.5), (" 7 ", 7)])
def test_set_numbers_in_json_syntax_are_read(value: str, number: float) -> None:
    from nettree.patient import coerce_text

    guideline = nettree.load(BUNDLED)
    assert coerce_text(guideline.fields, "ki67", value) == number
    assert run("traverse", "--set", f"ki67={value}", "--set", "differentiation=well",
               "--json").exit_code == 0


def test_set_numbers_beyond_the_float_range_are_not_finite() -> None:
    result = run("traverse", "--set", "ki67=1e400")
    assert result.stderr == ("nettree: error: invalid patient: 'ki67' must be a number from 0 to "
                             "100 (got inf, which is not a finite number)\n")
    assert result.exit_code == 2


@pytest.mark.parametrize("text", ['{"ki67": 1e400}', '{"ki67": NaN}', '{"ki67": -Infinity}'])
def test_json_numbers_that_are_not_finite_are_refused(text: str) -> None:
    result = run("traverse", "-", input=text)
    assert_one_line_error(result, "which is not a finite number")


@pytest.mark.parametrize("text", ['{"ki67": ' + "9" * 400 + "}", "ki67: " + "9" * 300,
                                  '{"ki67": ' + "9" * 5000 + "}"])
def test_huge_integers_in_a_patient_are_one_line(text: str) -> None:
    assert_one_line_error(run("traverse", "-", input=text))


def test_an_unbounded_field_refuses_an_integer_beyond_the_float_range(tmp_path: Path) -> None:
    from nettree.model import Field, FieldType
    from nettree.patient import validate_patient

    fields = {"n": Field("n", FieldType.NUMBER, "", minimum=0)}
    with pytest.raises(nettree.PatientError) as caught:
        validate_patient(fields, {"n": 10 ** 400})
    assert str(caught.value) == ("invalid patient: 'n' must be a number from 0 to any (got a "
                                 "number too large to be one)")
    assert validate_patient(fields, {"n": 10 ** 300}).values["n"] == 1e300


# -- outputs


def test_output_onto_an_input_file_is_refused(tmp_path: Path) -> None:
    guideline = tmp_path / "guideline.yaml"
    guideline.write_text(re.sub(r"(?m)^source: .*\n", "", EXAMPLE_GUIDELINE.read_text(
        encoding="utf-8"), count=1), encoding="utf-8")
    patient = tmp_path / "patient.json"
    patient.write_text('{"age": 30}', encoding="utf-8")
    before = guideline.read_bytes(), patient.read_bytes()
    alias = tmp_path / "same.yaml"
    alias.symlink_to(guideline)
    cases = [
        (["enumerate", str(guideline), "-o", str(guideline)], guideline, "guideline file"),
        (["enumerate", str(guideline), "-o", str(alias)], alias, "guideline file"),
        (["render", str(guideline), "--format", "dot", "-o", str(guideline)], guideline,
         "guideline file"),
        (["render", str(guideline), "--format", "dot", "--patient", str(patient), "-o",
          str(patient)], patient, "patient file"),
    ]
    for args, output, what in cases:
        result = run(*args)
        assert_one_line_error(result)
        assert result.stderr == (f"nettree: error: -o {str(output)!r} is the {what}: nettree "
                                 "never writes over an input; choose another output file\n")
    assert (guideline.read_bytes(), patient.read_bytes()) == before


@pytest.mark.parametrize("args", [["enumerate", "--format", "csv"], ["render", "--format", "dot"]])
def test_a_write_error_is_one_line_exit_1_and_leaves_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    import errno

    from nettree import files

    output = tmp_path / "out.txt"
    output.write_text("the old output", encoding="utf-8")

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    result = run(*args, "-o", str(output))
    assert result.exit_code == 1
    assert result.stderr.endswith(f"nettree: error: cannot write {str(output)!r}: No space left "
                                  "on device (nothing was written)\n")
    assert "Traceback" not in result.output
    assert output.read_text(encoding="utf-8") == "the old output"
    new = tmp_path / "new.txt"
    assert run(*args, "-o", str(new)).exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no 0-byte file


def test_a_write_into_a_file_as_folder_is_exit_1(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    output = tmp_path / "file" / "out.csv"
    result = run("enumerate", "-o", str(output))
    assert result.exit_code == 1
    assert result.stderr == (f"nettree: error: cannot write {str(output)!r}: Not a directory "
                             "(nothing was written)\n")


def test_enumerate_writes_the_whole_table(tmp_path: Path) -> None:
    output = tmp_path / "paths.csv"
    result = run("enumerate", "--format", "csv", "-o", str(output))
    assert result.exit_code == 0
    assert output.read_text(encoding="utf-8") == run("enumerate", "--format", "csv").stdout


# -- terminal safety

HOSTILE = '"Sore\\e]0;pwned\\aThroat\\r\\e[2J\\x9b31m\\x7f end"'


def hostile_guideline(tmp_path: Path) -> Path:
    text = EXAMPLE_GUIDELINE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", lambda _: f"title: {HOSTILE}", text, count=1)
    text = re.sub(r"(?m)^source: .*\n", "", text, count=1)
    text = text.replace("description: Age in years.", f"description: {HOSTILE}")
    text = text.replace("      Assess every adult", "      \\e[31mAssess every adult")
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_no_control_characters(text: str) -> None:
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]
    assert bad == [], text


def test_text_from_a_guideline_never_reaches_the_terminal_as_control_characters(
        tmp_path: Path) -> None:
    path = hostile_guideline(tmp_path)
    outputs = [run("show", str(path)), run("show", "--fields", str(path)),
               run("traverse", "-g", str(path), "--set", "airway_compromise=true"),
               run("traverse", "-g", str(path), "--set", "airway_compromise=true", "--json"),
               run("verify", str(path)), run("verify", "--json", str(path)),
               run("enumerate", str(path))]
    for result in outputs:
        assert "Traceback" not in result.output
        assert_no_control_characters(result.stdout)
        assert_no_control_characters(result.stderr)
    show = outputs[0].stdout
    assert "Sore\\u001b]0;pwned\\u0007Throat\\u000d\\u001b[2J\\u009b31m\\u007f end" in show
    # JSON stays JSON, with the same text.
    data = json.loads(outputs[5].stdout)
    assert data["guideline"] == "example-sore-throat"


def test_a_patient_key_with_escapes_is_shown_escaped() -> None:
    result = run("traverse", "-", input='{"\\u001b[31mred\\u009b": 1}')
    assert_one_line_error(result, "'\\x1b[31mred\\x9b' is not a patient field")
    assert_no_control_characters(result.stderr)


def test_verify_of_a_text_file_does_not_print_it_all(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    path.write_text("".join(f"user{i}:x:{i}:{i}::/home/user{i}:/bin/sh\n" for i in range(200)),
                    encoding="utf-8")
    result = run("verify", str(path))
    assert result.exit_code == 1
    assert "user199" not in result.stdout
    assert len(result.stdout) < 2000
    assert re.search(r"… \(\d{4} characters\)", flat(result.stdout))
    result = run("show", str(path))
    assert result.exit_code == 1
    assert "user199" not in result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) <= 430


def test_every_error_line_is_cut(tmp_path: Path) -> None:
    result = run("traverse", "-", input='{"' + "k" * 5000 + '": 1}')
    assert_one_line_error(result)
    assert len(result.stderr) < 500


def test_text_of_a_patient_relying_on_defaults_names_no_field_by_its_name(
        guideline: nettree.Guideline) -> None:
    """Issue 10 item 5: the Assumed lines speak the file's words (a field's label), as the
    path does; no raw field name (``prior_therapies``) is printed for a complete patient."""
    patient = json.loads((ROOT / "examples" / "patients" / "pan-g2-high-volume.json")
                         .read_text())
    for name in ("prior_therapies", "chemo_candidate"):
        patient.pop(name, None)
    result = run("traverse", input=json.dumps(patient))
    assert result.exit_code == 0, result.output
    assumed = flat(section(result.stdout, "Assumed"))
    assert "prior therapies (not given): no prior therapies: first line" in assumed
    assert "candidate for chemotherapy (not given): a candidate for chemotherapy" in assumed
    named = [name for name in guideline.fields if "_" in name and name in result.stdout]
    assert named == []
