"""The benchmarks' baseline (benchmarks/handwritten.py, ENCODING.md as hand-written if/else)
gives the graph's status and options on random complete patients: the speed ratios in
benchmarks/README.md compare like with like."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import complete_patients

import nettree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from handwritten import recommend


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_hand_written_function_agrees_with_the_graph(guideline: nettree.Guideline,
                                                         data: st.DataObject) -> None:
    patient: dict[str, Any] = data.draw(complete_patients(guideline))
    result = guideline.traverse(patient, compiled=False)
    assert recommend(patient) == (result.status, result.option_ids), result.to_dict()["path"]


def test_the_public_examples() -> None:
    base = {"differentiation": "well", "metastatic": True}
    assert recommend({**base, "primary_site": "pancreas", "grade": "G2",
                      "sstr_status": "positive", "functional": False, "tumor_volume": "high",
                      "burden_symptoms": False}) == ("recommendation", ("ssa", "chemotherapy"))
    assert recommend({**base, "primary_site": "gi", "ki67": 5, "sstr_status": "positive",
                      "functional": False, "prior_therapies": ["ssa"]}) == (
        "recommendation", ("prrt",))
    assert recommend({**base, "primary_site": "gi", "grade": "G1"}) == (
        "needs_information", ("sstr_pet",))
    assert recommend({"primary_site": "pancreas", "differentiation": "poor"}) == (
        "out_of_scope", ())
