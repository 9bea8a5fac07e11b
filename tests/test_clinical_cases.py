"""The clinical cases of tests/cases/clinical.yaml, written by hand from ENCODING.md.

They are an oracle independent of the graph: each states the exact options with their
citations, the exclusions, the notes that definitely apply, and the missing fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import nettree

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "clinical.yaml").read_text("utf-8"))


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


@pytest.mark.parametrize("case", CASES["cases"], ids=_ids(CASES["cases"]))
def test_clinical_case(guideline: nettree.Guideline, case: dict[str, Any]) -> None:
    result = guideline.traverse(case["patient"])
    expect = case["expect"]
    got = {
        "status": result.status,
        "leaf": result.leaf,
        "options": {o.id: sorted(o.cites) for o in result.options},
        "excluded": sorted(e.id for e in result.excluded),
        "missing": sorted(result.missing),
        "notes": sorted(n.id for n in result.notes if not n.unknown),
        "recommendations": list(result.recommendations),
        "general": bool(result.general),
    }
    want = {
        "status": expect["status"],
        "leaf": case["leaf"],
        "options": {k: sorted(v) for k, v in (expect.get("options") or {}).items()},
        "excluded": sorted(expect.get("excluded") or []),
        "missing": sorted(expect.get("missing") or []),
        "notes": sorted(expect.get("notes") or []),
        "recommendations": list(expect.get("recommendations") or []),
        "general": expect["general"],
    }
    for key in ("excluded", "notes"):
        if key not in expect:
            del got[key], want[key]
    assert got == want, case["why"]


@pytest.mark.parametrize("case", CASES["invalid"], ids=_ids(CASES["invalid"]))
def test_invalid_patient(guideline: nettree.Guideline, case: dict[str, Any]) -> None:
    with pytest.raises(nettree.PatientError) as info:
        guideline.traverse(case["patient"])
    assert info.value.field == case["field"]
    assert repr(case["field"]) in str(info.value)


def test_every_leaf_is_covered_by_a_case(guideline: nettree.Guideline) -> None:
    reached = {case["leaf"] for case in CASES["cases"]}
    assert set(guideline.leaves) <= reached
