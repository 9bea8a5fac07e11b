"""The compiled evaluator (nettree.compiled) answers exactly as the interpreter does.

The interpreter (nettree.traverse.traverse) is the reference: every result of the compiled
evaluator, fresh or reused from its class cache, must equal it in every part, and its JSON
byte for byte: random complete and partial patients for every guideline in the repository,
one patient of every verify class (and of each with fields masked), generated guidelines,
threads, and the cache's bound.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from corpus import EXAMPLE_GUIDELINES, TEST_GUIDELINES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import complete_patients, guideline_models, malformed_patients, partial_patients

import nettree
from nettree import batch
from nettree.compiled import Compiled
from nettree.errors import GuidelineError, PatientError
from nettree.traverse import traverse as interpret
from nettree.verify import explore

HERE = Path(__file__).parent
GUIDELINES = ["asco-gepnet-2023", *TEST_GUIDELINES, *EXAMPLE_GUIDELINES]
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(source: str | Path) -> nettree.Guideline:
    return nettree.load(source)


def _reference(guideline: nettree.Guideline, patient: Any) -> Any:
    try:
        return interpret(guideline, patient)
    except (PatientError, GuidelineError) as exc:
        return type(exc), str(exc)


def _compiled(evaluator: Compiled, patient: Any) -> Any:
    try:
        return evaluator.traverse(patient)
    except (PatientError, GuidelineError) as exc:
        return type(exc), str(exc)


def same(guideline: nettree.Guideline, evaluator: Compiled, patient: Any) -> None:
    """The compiled result equals the interpreter's: the value, its dict and its JSON."""
    expected = _reference(guideline, patient)
    # Twice: the first may fill the class, the second reuses it.
    first = _compiled(evaluator, patient)
    assert first == expected
    got = _compiled(evaluator, patient)
    assert got == expected
    if not isinstance(expected, tuple):
        text = json.dumps(expected.to_dict(), ensure_ascii=False)
        assert json.dumps(first.to_dict(), ensure_ascii=False) == text
        assert evaluator.to_json(patient) == text


@pytest.fixture(scope="module", params=GUIDELINES, ids=lambda p: Path(p).stem)
def subject(request: pytest.FixtureRequest) -> tuple[nettree.Guideline, Compiled]:
    guideline = _load(request.param)
    # A small cache, so that classes are also evicted and filled again.
    return guideline, Compiled(guideline, maxsize=64)


@PROPERTY
@given(data=st.data())
def test_complete_patients_get_the_interpreters_result(
        subject: tuple[nettree.Guideline, Compiled], data: st.DataObject) -> None:
    guideline, evaluator = subject
    same(guideline, evaluator, data.draw(complete_patients(guideline)))


@PROPERTY
@given(data=st.data())
def test_partial_patients_get_the_interpreters_result(
        subject: tuple[nettree.Guideline, Compiled], data: st.DataObject) -> None:
    guideline, evaluator = subject
    same(guideline, evaluator, data.draw(partial_patients(guideline)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_invalid_patients_get_the_interpreters_error(
        subject: tuple[nettree.Guideline, Compiled], data: st.DataObject) -> None:
    guideline, evaluator = subject
    patient = data.draw(malformed_patients(guideline))
    expected = _reference(guideline, patient)
    assert isinstance(expected, tuple)
    assert _compiled(evaluator, patient) == expected


@PROPERTY
@given(data=st.data())
def test_patients_sharing_a_class_echo_their_own_values(
        subject: tuple[nettree.Guideline, Compiled], data: st.DataObject) -> None:
    """Two patients of one class (numbers moved inside their cells) each get their own
    values back in the path and the derivations, not the first one's."""
    guideline, evaluator = subject
    first = data.draw(complete_patients(guideline))
    second = dict(first)
    for name, value in first.items():
        cuts = guideline.thresholds.get(name, ())
        if isinstance(value, int | float) and not isinstance(value, bool) and value not in cuts:
            spec = guideline.fields[name]
            nudged = math.nextafter(float(value), math.inf)
            low = spec.minimum if spec.minimum is not None else -math.inf
            high = spec.maximum if spec.maximum is not None else math.inf
            if low <= nudged <= high and all((c < value) == (c < nudged) for c in cuts):
                second[name] = nudged
    same(guideline, evaluator, first)
    same(guideline, evaluator, second)


def test_one_patient_of_every_verify_class_and_its_masked_partials(
        subject: tuple[nettree.Guideline, Compiled]) -> None:
    guideline, evaluator = subject
    classes = explore(guideline).classes
    assert classes
    for index, patient_class in enumerate(classes):
        patient = patient_class.patient
        same(guideline, evaluator, patient)
        if patient:  # one field masked, and all but one (a different one per class)
            name = list(patient)[index % len(patient)]
            same(guideline, evaluator, {k: v for k, v in patient.items() if k != name})
            same(guideline, evaluator, {name: patient[name]})


@pytest.fixture(scope="module")
def bundled_classes() -> tuple[nettree.Guideline, list[dict[str, Any]]]:
    guideline = _load(GUIDELINES[0])
    return guideline, [c.patient for c in explore(guideline).classes]


def test_zero_and_minus_zero_are_echoed_as_given() -> None:
    guideline = _load(GUIDELINES[0])
    evaluator = Compiled(guideline)
    numbers = [n for n, s in guideline.fields.items() if s.type.value == "number"]
    assert numbers
    for name in numbers:
        for value in (0.0, -0.0, 0):
            same(guideline, evaluator, {name: value})


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_guidelines_get_the_interpreters_result(data: st.DataObject,
                                                          tmp_path_factory: Any) -> None:
    model = data.draw(guideline_models())
    path = tmp_path_factory.mktemp("compiled") / "generated.yaml"
    path.write_text(model.to_yaml(), encoding="utf-8")
    guideline = nettree.load(path)
    evaluator = Compiled(guideline, maxsize=8)
    for _ in range(10):
        same(guideline, evaluator, data.draw(partial_patients(guideline)))
        same(guideline, evaluator, data.draw(complete_patients(guideline)))


def test_guideline_traverse_uses_the_compiled_evaluator_and_keeps_the_interpreter() -> None:
    guideline = _load(GUIDELINES[0])
    patient = {"differentiation": "well", "metastatic": True, "primary_site": "pancreas",
               "ki67": 12.5}
    before = guideline.compiled.cache_info()
    result = guideline.traverse(patient)
    after = guideline.compiled.cache_info()
    assert after.hits + after.misses == before.hits + before.misses + 1
    assert guideline.traverse(patient, compiled=False) == result == interpret(guideline, patient)


def test_a_settled_partial_patients_class_is_keyed_only_on_the_fields_its_walks_read(
) -> None:
    # Differentiation unknown: the walk settles it by trying each completion. Those walks
    # never read uncontrolled_hypertension, so two patients that differ only there share
    # one class (settling once copied every value, keying the class on every field).
    guideline = _load("asco-gepnet-2023")
    evaluator = Compiled(guideline)
    patient = {"sstr_status": "positive", "functional": False, "tumor_volume": "low",
               "burden_symptoms": True, "rapid_growth": False,
               "prior_therapies": ["everolimus"], "chemo_candidate": True,
               "high_hematologic_risk": False, "uncontrolled_hypertension": False,
               "bone_dominant": False}
    other = {**patient, "uncontrolled_hypertension": True}
    for number, one in enumerate((patient, other, patient, other)):
        expected = interpret(guideline, one)
        assert expected.status == "needs_information"
        assert expected.path[0].node == "differentiation" and expected.path[0].answer is None
        got = evaluator.traverse(one)
        assert got == expected
        assert evaluator.to_json(one) == json.dumps(expected.to_dict(), ensure_ascii=False)
        # to_json reads the cache too: one miss (the first), every other read a hit.
        assert evaluator.cache_info()[:2] == (2 * number + 1, 1)
    assert evaluator.cache_info().currsize == 1


def test_threads_share_the_cache_and_get_the_interpreters_results(
        bundled_classes: tuple[nettree.Guideline, list[dict[str, Any]]]) -> None:
    guideline, patients = bundled_classes
    patients = patients[::10]
    evaluator = Compiled(guideline, maxsize=16)  # small: threads evict and fill at once
    expected = [interpret(guideline, p) for p in patients]
    work = patients * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(evaluator.traverse, work))
    assert got == expected * 4
    info = evaluator.cache_info()
    assert info.hits + info.misses == len(work)
    assert info.currsize <= 16


def test_the_cache_is_bounded(
        bundled_classes: tuple[nettree.Guideline, list[dict[str, Any]]]) -> None:
    guideline, patients = bundled_classes
    patients = patients[:200]
    evaluator = Compiled(guideline, maxsize=5)
    assert len(patients) > 20
    for patient in patients:
        evaluator.traverse(patient)
        assert evaluator.cache_info().currsize <= 5
    assert evaluator.cache_info() == (0, len(patients), 5, 5)
    evaluator.traverse(patients[-1])  # the most recent class is kept
    assert evaluator.cache_info().hits == 1
    evaluator.cache_clear()
    assert evaluator.cache_info() == (0, 0, 5, 0)


def test_memory_stays_flat_once_the_cache_is_full(
        bundled_classes: tuple[nettree.Guideline, list[dict[str, Any]]]) -> None:
    """Past the bound, more classes cost no more memory (allocation, not time)."""
    guideline, patients = bundled_classes
    evaluator = Compiled(guideline, maxsize=10)
    for patient in patients[:40]:
        evaluator.traverse(patient)
    tracemalloc.start()
    try:
        for patient in patients[40:400]:
            evaluator.traverse(patient)
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert evaluator.cache_info().currsize == 10
    assert current < 200_000, current


def test_no_cache_at_all_still_answers() -> None:
    guideline = _load(GUIDELINES[0])
    evaluator = Compiled(guideline, maxsize=0)
    patient = {"differentiation": "poor"}
    assert evaluator.traverse(patient) == interpret(guideline, patient)
    assert evaluator.cache_info().currsize == 0
    with pytest.raises(ValueError, match="maxsize must be 0 or more"):
        Compiled(guideline, maxsize=-1)


def test_traverse_many_keeps_order_and_goes_past_bad_patients() -> None:
    guideline = _load(GUIDELINES[0])
    patients = [{"differentiation": "poor"}, {"grade": "G9"}, {"nope": 1}, {}]
    out = list(guideline.traverse_many(patients))
    assert [type(r).__name__ for r in out] == ["Result", "PatientError", "PatientError",
                                               "Result"]
    assert out[0] == interpret(guideline, patients[0])
    assert out[3] == interpret(guideline, patients[3])
    assert str(out[1]) == _reference(guideline, patients[1])[1]
    assert out[1].field == "grade"


@pytest.mark.parametrize("odd", [
    {"metastatic": 1}, {"metastatic": 0.0}, {"metastatic": "TRUE"}, {"ki67": True},
    {"ki67": float("nan")}, {"ki67": float("inf")}, {"ki67": 10**400}, {"ki67": -0.0},
    {"prior_therapies": "ssa"}, {"prior_therapies": ["ssa", 1]}, {"prior_therapies": [["ssa"]]},
    {"prior_therapies": ("ssa",)}, {"differentiation": type("Text", (str,), {})("well")},
    {"grade": "G1", "ki67": 25}, {"grade": "G3", "ki67": 5}, {"grade": "G2", "ki67": 5},
    {"nope": True}, {1: True},
])
def test_values_the_fast_reading_leaves_to_validation_get_the_interpreters_answer(
        bundled_classes: tuple[nettree.Guideline, list[dict[str, Any]]],
        odd: dict[Any, Any]) -> None:
    """A warm cache (a class for every usual value) still answers an unusual value as the
    interpreter does: 1 and 0 are not booleans, though they equal True and False."""
    guideline, patients = bundled_classes
    evaluator = Compiled(guideline)
    for patient in patients:
        evaluator.traverse(patient)
    for patient in patients[::50]:
        same(guideline, evaluator, {**patient, **odd})


@pytest.mark.parametrize("bound, patient_score", [
    ("1.0e+17", 3e17),  # a step of 1 is lost: "the last threshold + 1" was the threshold
    ("1.0e+308", 1.5e308),  # a midpoint overflows
])
def test_a_value_derived_by_cell_is_derived_inside_the_cell(tmp_path: Path, bound: str,
                                                            patient_score: float) -> None:
    """A field derived from a number's bins is derived once per cell of the number, from a
    number inside that cell; at extreme thresholds "the threshold + 1" or a midpoint is not
    inside it, and the value (then the class, then the recommendation) was another cell's."""
    text = (HERE / "guidelines" / "example-sore-throat.yaml").read_text(encoding="utf-8")
    for old, new in (("    max: 5\n", "    max: 1.7e+308\n"),
                     ("{value: intermediate, at_most: 3}",
                      f"{{value: intermediate, at_most: {bound}}}")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "huge.yaml"
    path.write_text(text, encoding="utf-8")
    shutil.copytree(HERE / "guidelines" / "sources", tmp_path / "sources")
    guideline = nettree.load(path)
    base = {"airway_compromise": False, "immunocompromised": False, "age": 30,
            "symptom_days": 3, "pregnant": False}
    guideline.traverse({**base, "throat_score": 2.5})  # the class of an intermediate risk
    patient = {**base, "throat_score": patient_score}
    expected = interpret(guideline, patient)
    assert [d.value for d in expected.derived] == ["high"]
    assert guideline.traverse(patient) == expected
    assert guideline.compiled.text_cell("throat_score", repr(patient_score)) is not None
    # A batch reads the same table (by rows, and by columns when pyarrow is there).
    table = tmp_path / "cohort.csv"
    table.write_text(",".join([*base, "throat_score"]) + "\n" + "".join(
        ",".join([*(str(v).lower() for v in base.values()), repr(score)]) + "\n"
        for score in (2.5, patient_score)), encoding="utf-8")
    out = io.StringIO()
    batch.run(guideline, str(table), "csv", out, "jsonl")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["leaf"] for row in rows] == [
        interpret(guideline, {**base, "throat_score": 2.5}).leaf, expected.leaf]


@pytest.mark.parametrize("value, bound", [("16", 16), (" 0 ", 0), ("abc", 8192), ("1e3", 8192),
                                          ("-1", 8192), ("", 8192), ("\u0661\u0662", 8192)])
def test_the_cache_bound_from_the_environment_ignores_what_is_no_whole_number(
        monkeypatch: pytest.MonkeyPatch, value: str, bound: int) -> None:
    """NETTREE_CLASS_CACHE is read as NETTREE_MAX_INPUT_BYTES is: a value that is no whole
    number of classes is ignored (it used to end every command in a traceback)."""
    monkeypatch.setenv("NETTREE_CLASS_CACHE", value)
    guideline = nettree.load("asco-gepnet-2023")
    assert Compiled(guideline).maxsize == bound
    from click.testing import CliRunner

    from nettree.cli import main

    result = CliRunner().invoke(main, ["traverse", "--set", "differentiation=poor"])
    assert result.exit_code == 0 and "OUT OF SCOPE" in result.output, result.output
