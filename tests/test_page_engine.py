"""The page's engine (nettree/export/page_engine.js) under Node, against nettree.traverse.

The engine is run by a plain Node script (tests/js/engine_check.mjs), one process per
guideline for all its patients, on the page data the HTML page embeds. Its results must be
Python's Result.to_dict() exactly (the comparison of tests/page_walks.py, shared with the
browser test), on a representative of every class of patients verification enumerates
(nettree.verify.explore), each also with some of its fields masked to unknown at random.

Marked ``node`` and skipped, with the reason, only where the ``node`` program is missing; CI
installs it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from page_walks import assert_walks_as_python, clinical_patients, random_patients
from strategies import GuidelineModel, guideline_models

import nettree
from nettree.export import export
from nettree.export.extract import build_diagram
from nettree.export.html import page_data
from nettree.verify import explore

NODE = shutil.which("node")
CHECK = Path(__file__).parent / "js" / "engine_check.mjs"
EXAMPLE = Path(__file__).parent / "guidelines" / "example-sore-throat.yaml"
NAMED = Path(__file__).parent / "guidelines" / "example-named.yaml"  # named conditions
# Advice against options (not_recommend), preferences (prefer) and a rating style.
ADVICE = Path(__file__).parent / "guidelines" / "example-advice.yaml"
# The second guideline: every feature of the language together.
AF = Path(__file__).parents[1] / "examples" / "guidelines" / "af-stroke-prevention.yaml"
# The masked copies of each class's representative: the share of its fields each masks (one
# field at least: the first copy masks just one, so the walk mostly reaches a leaf with it
# unknown, where the engine tries its completions).
MASKINGS = (0.0, 0.3, 0.6)
SCORES = Path(__file__).parent / "guidelines" / "example-scores.yaml"  # derived fields
SETTLED = {"asco-gepnet-2023": {"burden_symptoms", "functional", "rapid_growth", "tumor_volume"},
           "example": set(), "example-unknown-set": {"intolerant_to"},
           "example-named": {"age", "copd", "smoker"}, "example-scores": set(),
           "example-advice": set(), "af-stroke-prevention": set()}
# Classes of each guideline at least (the fictional advice example is small).
MOST_CLASSES = {"example-advice": 10}
INTOLERANCE = """  intolerant_to:
    type: set
    values: [penicillin_v, amoxicillin, clarithromycin]
    default: []
    if_absent: no known drug intolerance
"""


def run_engine(guideline: nettree.Guideline, patients: list[dict[str, Any]],
               tmp_path: Path) -> list[dict[str, Any]]:
    """What the page's engine gives for each patient, run once under Node for all of them."""
    if NODE is None:
        pytest.skip("no node program (apt-get install nodejs)")
    data = tmp_path / "data.json"
    data.write_text(json.dumps(page_data(guideline, build_diagram(guideline))), "utf-8")
    given = tmp_path / "patients.json"
    given.write_text(json.dumps(patients), "utf-8")
    engine = resources.files("nettree.export").joinpath("page_engine.js")
    with resources.as_file(engine) as engine_path:
        done = subprocess.run([NODE, str(CHECK), str(engine_path), str(data), str(given)],
                              capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def masked(patient: dict[str, Any], rng: random.Random, share: float) -> dict[str, Any]:
    """The patient with some of its given fields unknown (each with probability ``share``,
    at least one), absent or null, at random."""
    names = list(patient)
    hidden = [name for name in names if rng.random() < share] or [rng.choice(names)]
    out = dict(patient)
    for name in hidden:
        if rng.random() < 0.5:
            del out[name]
        else:
            out[name] = None
    return out


def class_patients(guideline: nettree.Guideline, seed: int) -> tuple[int, list[dict[str, Any]]]:
    """The number of classes, and a representative of each followed by its masked copies."""
    rng = random.Random(seed)
    classes = explore(guideline).classes
    patients = []
    for patient_class in classes:
        patient = patient_class.patient
        patients.append(patient)
        if patient:
            patients += [masked(patient, rng, share) for share in MASKINGS]
    return len(classes), patients


def without_default(tmp_path: Path) -> Path:
    """The example guideline with its set field unknown when absent: a leaf whose options
    depend on it then tries every subset of its values (listed in the page data)."""
    text = EXAMPLE.read_text("utf-8")
    assert INTOLERANCE in text and "\nsource: " in text
    text = text.replace(INTOLERANCE, "\n".join(INTOLERANCE.splitlines()[:3]) + "\n")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("source: "))
    out = tmp_path / "example-unknown-intolerance.yaml"
    out.write_text(text + "\n", "utf-8")
    return out


@pytest.mark.node
@pytest.mark.parametrize("source", ["asco-gepnet-2023", "example", "example-unknown-set",
                                    "example-named", "example-scores", "example-advice",
                                    "af-stroke-prevention"])
def test_the_engine_walks_every_class_as_python_does(source: str, tmp_path: Path) -> None:
    if source == "asco-gepnet-2023":
        guideline = nettree.load(source)
    elif source == "example-named":
        guideline = nettree.load(NAMED)
        assert guideline.conditions  # the engine reads them from the page data
    elif source == "example-scores":
        guideline = nettree.load(SCORES)
    elif source == "example-advice":
        guideline = nettree.load(ADVICE)
    elif source == "af-stroke-prevention":
        guideline = nettree.load(AF)
    else:
        guideline = nettree.load(EXAMPLE if source == "example" else without_default(tmp_path))
    classes, patients = class_patients(guideline, seed=8)
    assert classes > MOST_CLASSES.get(source, 100)
    assert len(patients) > classes * len(MASKINGS)
    got = run_engine(guideline, patients, tmp_path)
    assert assert_walks_as_python(guideline, patients, got) == len(patients)  # all valid
    # The fields over whose completions walks settled a leaf: a recommendation whose leaf
    # read them unknown (in the example, no unknown answer leaves the options the same).
    settled = {name for result in got if result["status"] == "recommendation"
               for name, value in result["path"][-1]["values"].items() if value is None}
    assert settled == SETTLED[source]


@pytest.mark.node
@pytest.mark.parametrize("source", ["asco-gepnet-2023", str(EXAMPLE), str(NAMED), str(SCORES),
                                    str(ADVICE), str(AF)],
                         ids=["asco-gepnet-2023", "example", "example-named", "example-scores",
                              "example-advice", "af-stroke-prevention"])
def test_the_engine_walks_invalid_and_random_patients_as_python_does(
        source: str, tmp_path: Path) -> None:
    """Patients outside the classes: the clinical cases, and random ones (some invalid,
    which both engines refuse)."""
    guideline = nettree.load(source)
    patients = random_patients(guideline, 400, seed=3)
    if source == "asco-gepnet-2023":
        patients = clinical_patients() + patients
    checked = assert_walks_as_python(guideline, patients, run_engine(guideline, patients,
                                                                     tmp_path))
    assert len(patients) / 2 < checked
    # Some are invalid, but not in the advice example: its random values are all allowed.
    assert checked < len(patients) or source == str(ADVICE)


VALUES = [f"h{i}" for i in range(22)]


@pytest.fixture(scope="module")
def many_values(tmp_path_factory: pytest.TempPathFactory) -> nettree.Guideline:
    """The example with a set field of 22 values (2 ** 22 subsets) that a filter reads."""
    text = EXAMPLE.read_text("utf-8")
    field = (f"  history:\n    type: set\n    values: [{', '.join(VALUES)}]\n"
             f"    description: Past problems.\n")
    step = ("  - drop: clarithromycin\n    when: {history: {contains: h3}}\n"
            "    reason: Not after h3.\n")
    assert "  pregnant:\n" in text and "\nfilters:\n" in text
    text = text.replace("  pregnant:\n", field + "  pregnant:\n")
    text = text.replace("\nfilters:\n", "\nfilters:\n" + step)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("source: "))
    path = tmp_path_factory.mktemp("many-values") / "many-values.yaml"
    path.write_text(text + "\n", "utf-8")
    return nettree.load(path)


def test_a_set_field_of_many_values_keeps_the_page_small(
        many_values: nettree.Guideline) -> None:
    """A set field's domain is every subset of its values: the page holds its 22 values and
    the size of its domain, not its 2 ** 22 subsets (past the settle limit nothing tries
    them)."""
    data = page_data(many_values, build_diagram(many_values))
    assert [f["values"] for f in data["fields"] if f["name"] == "history"] == [VALUES]
    assert data["domains"]["history"] == {"length": 2 ** 22}  # its size, not its subsets
    assert len(data["domains"]["intolerant_to"]) == 8  # small: listed, the engine tries them
    small = export(nettree.load(EXAMPLE), "html")
    assert len(export(many_values, "html")) - len(small) < 2_500  # its control, its filter


@pytest.mark.node
def test_the_engine_tries_a_set_fields_subsets_only_within_the_limit(
        many_values: nettree.Guideline, tmp_path: Path) -> None:
    """With the set field unknown, a leaf whose options depend on it does not try its
    2 ** 22 completions (past the settle limit): it asks, as Python does."""
    treat = {"airway_compromise": False, "immunocompromised": False, "age": 30,
             "symptom_days": 3, "risk": "high", "pregnant": False,
             "intolerant_to": ["penicillin_v"]}  # clarithromycin, which the filter may drop
    patients = [treat, {**treat, "history": ["h3"]}, {**treat, "history": []},
                *random_patients(many_values, 200, seed=4)]
    got = run_engine(many_values, patients, tmp_path)
    assert assert_walks_as_python(many_values, patients, got) > 100
    assert (got[0]["status"], got[0]["missing"]) == ("needs_information", ["history"])
    assert [o["id"] for o in got[1]["options"]] == ["clinical_review"]  # the fallback
    assert [o["id"] for o in got[2]["options"]] == ["clarithromycin"]


def test_node_present_where_ci_runs() -> None:
    """On CI (CI=true) the Node tests must not be skipped."""
    if os.environ.get("CI") != "true":
        pytest.skip("only checked on CI")
    assert NODE is not None, "CI must install nodejs"


def _advises(model: GuidelineModel) -> bool:
    steps = [step for leaf in model.leaves.values() for step in leaf.get("steps", [])]
    return any("not_recommend" in step or "prefer" in step for step in steps)


@pytest.mark.node
@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(model=guideline_models().filter(_advises))
def test_the_engine_walks_generated_advice_as_python_does(model: GuidelineModel) -> None:
    """Generated guidelines that advise against options and state preferences: the engine
    gives Python's result for a patient of every class, fields masked too."""
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        path = directory / "generated.yaml"
        path.write_text(model.to_yaml(), "utf-8")
        guideline = nettree.load(path)
        _, patients = class_patients(guideline, seed=5)
        got = run_engine(guideline, patients, directory)
        assert assert_walks_as_python(guideline, patients, got) == len(patients)
