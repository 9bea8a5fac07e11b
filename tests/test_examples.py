"""Every example in examples/ runs as a test.

Each patient file goes through the CLI and must give what examples/expected.json says;
api_example.py runs in a subprocess from a directory that is not the checkout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nettree.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PATIENTS = EXAMPLES / "patients"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (EXAMPLES / "expected.json").read_text(encoding="utf-8")
)
PATIENT_FILES = sorted(p.name for p in PATIENTS.iterdir() if p.suffix in {".json", ".yaml"})
STATUS_HEADING = {
    "recommendation": "Result: RECOMMENDATION",
    "needs_information": "Result: NEEDS INFORMATION",
    "out_of_scope": "Result: OUT OF SCOPE",
}


def test_every_patient_file_is_expected_and_every_expectation_has_a_file() -> None:
    on_disk = sorted(p.name for p in PATIENTS.iterdir() if not p.name.startswith("."))
    assert on_disk == PATIENT_FILES, "examples/patients holds only .json and .yaml patients"
    assert sorted(EXPECTED) == PATIENT_FILES


def test_examples_have_both_formats() -> None:
    assert {Path(name).suffix for name in PATIENT_FILES} == {".json", ".yaml"}


@pytest.mark.parametrize("name", PATIENT_FILES)
def test_patient_file_json(name: str) -> None:
    result = CliRunner().invoke(main, ["traverse", str(PATIENTS / name), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    got = json.loads(result.stdout)
    expect = EXPECTED[name]
    assert got["status"] == expect["status"]
    assert [o["id"] for o in got["options"]] == expect["options"]
    for key in ("recommendations", "missing"):
        if key in expect:
            assert got[key] == expect[key], key
    if "excluded" in expect:
        assert [e["id"] for e in got["excluded"]] == expect["excluded"]


@pytest.mark.parametrize("name", PATIENT_FILES)
def test_patient_file_text(name: str) -> None:
    result = CliRunner().invoke(main, ["traverse", str(PATIENTS / name)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert STATUS_HEADING[EXPECTED[name]["status"]] in result.stdout
    for option_id in EXPECTED[name]["options"]:
        assert f"[{option_id}]" in result.stdout


def test_api_example_runs_from_any_directory(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "api_example.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "Status: recommendation"
    # Options with their citations: a recommendation with its rating in words, a qualifying
    # statement without one.
    assert "Option: Peptide receptor radionuclide therapy (PRRT) [prrt]" in lines
    assert ("  3.4: Type: evidence based (EB); Evidence quality: moderate (M); "
            "Strength: weak (W)") in lines
    assert ("  4.1: Type: informal consensus (IC); Evidence quality: very low (VL); "
            "Strength: weak (W)") in lines
    statement_lines = [line for line in lines if line.startswith("  4.1-q2:")]
    assert statement_lines
    assert not any("Type:" in line or "Strength:" in line for line in statement_lines)
    assert any(line.startswith("Excluded: Everolimus [everolimus]: ") and "3.4-q5" in line
               for line in lines)
    assert "Missing: nothing" in lines
    data = json.loads(lines[-1])
    assert data["status"] == "recommendation"
    assert [o["id"] for o in data["options"]] == [
        "ssa_continuation", "sunitinib", "chemotherapy", "prrt"]
    assert data["recommendations"] == ["3.4", "4.1"]
    assert [e["id"] for e in data["excluded"]] == ["everolimus"]
    assert data["missing"] == []


def test_readme_names_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in [*PATIENT_FILES, "api_example.py"]:
        assert f"`{name}`" in readme, name
