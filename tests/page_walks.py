"""What the page's engine must give for a patient: exactly Python's ``Result.to_dict()``.

One comparison, shared by the Node test of the engine (tests/test_page_engine.py) and the
browser test of the page (tests/test_export_html.py), with the patients both use.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

import nettree
from nettree.patient import read_patient_file

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = ROOT / "examples" / "patients"


def python_result(guideline: nettree.Guideline, patient: dict[str, Any]) -> dict[str, Any]:
    """Result.to_dict() as JSON carries it, or ``{"error": True}`` for an invalid patient."""
    try:
        return json.loads(json.dumps(guideline.traverse(patient).to_dict()))
    except nettree.PatientError:
        return {"error": True}


def assert_walks_as_python(guideline: nettree.Guideline, patients: Sequence[dict[str, Any]],
                           got: Sequence[dict[str, Any]]) -> int:
    """Assert the engine's results ``got`` are Python's, to the last field of
    Result.to_dict(), patient by patient (an invalid patient: an error both sides). Return the
    number of valid patients compared."""
    assert len(got) == len(patients)
    checked, differ = 0, []
    for patient, result in zip(patients, got, strict=True):
        want = python_result(guideline, patient)
        if "error" in want:
            assert "error" in result and not result.get("exception"), (patient, result)
            continue
        if result != want:
            differ.append((patient, result, want))
        checked += 1
    if differ:
        patient, result, want = differ[0]
        assert result == want, f"{len(differ)} of {len(patients)} patients differ; " \
                               f"the first: {patient}"
    return checked


def clinical_patients() -> list[dict[str, Any]]:
    """The bundled guideline's clinical cases and example patients."""
    cases = yaml.safe_load((ROOT / "tests" / "cases" / "clinical.yaml").read_text("utf-8"))
    patients = [case["patient"] for case in cases["cases"]]
    patients += [read_patient_file(p) for p in sorted(PATIENTS.iterdir())]
    return patients


def random_patients(guideline: nettree.Guideline, count: int, seed: int) -> list[dict[str, Any]]:
    """Random patients over the guideline's own fields: some fields absent, numbers at and
    around the thresholds the conditions use (some combinations are invalid on purpose)."""
    rng = random.Random(seed)
    patients = []
    for _ in range(count):
        patient: dict[str, Any] = {}
        for field in guideline.fields.values():
            if field.computed is not None and rng.random() < 0.95:
                continue  # derived by points or cases: given only to be refused, rarely
            if rng.random() < 0.25:
                continue
            kind = field.type.value
            if kind == "boolean":
                patient[field.name] = rng.random() < 0.5
            elif kind == "choice":
                patient[field.name] = rng.choice(field.values)
            elif kind == "set":
                patient[field.name] = sorted(v for v in field.values if rng.random() < 0.3)
            else:
                low, high = field.minimum or 0, field.maximum or 100
                patient[field.name] = rng.choice([low, high, 2, 3, 5, 9.5, 10, 14, 16, 20, 21,
                                                  int(rng.uniform(low, high))])
        patients.append(patient)
    return patients
