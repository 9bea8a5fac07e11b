"""JSON Schemas from the format's declaration, and the README's key tables generated from it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from corpus import EVERY_GUIDELINE

import nettree
from nettree.cli import main
from nettree.format import docs
from nettree.format.schema import guideline_schema, patient_schema
from nettree.patient import read_patient_file
from nettree.yamlio import parse_yaml

HERE = Path(__file__).parent
ROOT = HERE.parent
GUIDELINES = EVERY_GUIDELINE
SORE_THROAT = HERE / "guidelines" / "example-sore-throat.yaml"
PATIENTS = sorted((ROOT / "examples" / "patients").iterdir())


def read(path: Path, text: str | None = None) -> object:
    data, problems = parse_yaml(path.read_text(encoding="utf-8") if text is None else text)
    assert not problems
    return data


def validator(schema: dict[str, object]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", GUIDELINES, ids=lambda p: p.name)
def test_every_guideline_validates(path: Path) -> None:
    errors = list(validator(guideline_schema()).iter_errors(read(path)))
    assert errors == []


@pytest.mark.parametrize(("old", "new", "why"), [
    ("  observation: {label:", "  observation: {lable:", "'lable' was unexpected"),
    ('version: "2023"', "version: 2023", "is not of type 'string'"),
    ("    - drop: observation\n", "    - drop: [observation, observation]\n",
     "is not valid under any of the given schemas"),
    ("{primary_site: {in: [gi, pancreas]}}", "{primary_site: {inn: [gi, pancreas]}}", ""),
    ("        to: out-poorly-differentiated\n", "", "'to' is a required property"),
])
def test_a_misspelt_or_wrong_key_does_not_validate(old: str, new: str, why: str) -> None:
    text = GUIDELINES[0].read_text(encoding="utf-8")
    assert old in text
    errors = list(validator(guideline_schema()).iter_errors(read(GUIDELINES[0],
                                                                 text.replace(old, new, 1))))
    assert errors
    assert any(why in e.message for e in errors) or any(
        why in c.message for e in errors for c in (e.context or ())), [e.message for e in errors]


@pytest.mark.parametrize("path", PATIENTS, ids=lambda p: p.name)
def test_every_example_patient_validates(path: Path) -> None:
    schema = patient_schema(nettree.load("asco-gepnet-2023"))
    assert list(validator(schema).iter_errors(read_patient_file(path))) == []


def test_a_patient_with_a_misspelt_or_bad_field_does_not_validate() -> None:
    check = validator(patient_schema(nettree.load("asco-gepnet-2023")))
    assert not check.is_valid({"ki76": 5})
    assert not check.is_valid({"ki67": 101})
    assert not check.is_valid({"primary_site": "lung"})
    assert not check.is_valid({"prior_therapies": ["ssa", "ssa"]})
    assert check.is_valid({"ki67": 5, "primary_site": None})


def test_the_patient_schema_has_each_field_type() -> None:
    props = patient_schema(nettree.load("asco-gepnet-2023"))["properties"]
    assert props["ki67"]["minimum"] == 0 and props["ki67"]["maximum"] == 100
    assert props["metastatic"]["type"] == ["boolean", "null"]
    assert props["primary_site"]["enum"] == ["gi", "pancreas", "other", None]
    assert props["prior_therapies"]["items"]["enum"][0] == "ssa"


def test_cli_prints_the_schemas() -> None:
    run = CliRunner().invoke(main, ["schema", "guideline"])
    assert run.exit_code == 0
    assert json.loads(run.stdout) == guideline_schema()
    example = str(SORE_THROAT)
    run = CliRunner().invoke(main, ["schema", "patient", "--guideline", example])
    assert run.exit_code == 0
    assert json.loads(run.stdout) == patient_schema(nettree.load(example))
    run = CliRunner().invoke(main, ["schema", "guideline", "-g", example])
    assert run.exit_code == 2
    assert "--guideline goes with `nettree schema patient`" in run.stderr


def test_schema_help_teaches_the_editor_line() -> None:
    run = CliRunner().invoke(main, ["schema", "--help"])
    assert "# yaml-language-server: $schema=./guideline.schema.json" in run.stdout


def test_the_readme_key_tables_are_generated_from_the_declaration() -> None:
    assert not docs.stale(), "run: python -m nettree.format --update-docs"


def test_a_stale_table_is_noticed(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    copy.write_text(docs.README.read_text(encoding="utf-8").replace(
        "| `question` | yes | text | the question |", "| `question` | no | text | old |"),
        encoding="utf-8")
    assert docs.stale(copy)
    assert docs.update(copy)
    assert not docs.stale(copy)
