"""The clinical cases of tests/cases/clinical.yaml, written by hand from ENCODING.md.

They are an oracle independent of the graph: each states the exact options with their
citations, the exclusions, the notes that definitely apply, and the missing fields; each
invalid patient names the field it must be refused for. They run through the same code as
``nettree test`` (nettree/cases.py), one test per case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nettree
from nettree.cases import Case, load_cases, run_case

CASES = load_cases(Path(__file__).parent / "cases" / "clinical.yaml")
RESULTS = [case for case in CASES.cases if case.refused is None]
INVALID = [case for case in CASES.cases if case.refused is not None]


def _ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


def test_the_file_names_the_bundled_guideline() -> None:
    assert CASES.guideline == "asco-gepnet-2023"
    assert (len(RESULTS), len(INVALID)) == (70, 13)


@pytest.mark.parametrize("case", RESULTS, ids=_ids(RESULTS))
def test_clinical_case(guideline: nettree.Guideline, case: Case) -> None:
    # Every case states each of these (one omits notes on purpose): none goes unchecked.
    assert {"status", "leaf", "options", "excluded", "missing", "recommendations",
            "general"} <= set(case.expect)
    outcome = run_case(guideline, case)
    assert outcome.passed, "\n".join([case.why, *map(str, outcome.differences)])


@pytest.mark.parametrize("case", INVALID, ids=_ids(INVALID))
def test_invalid_patient(guideline: nettree.Guideline, case: Case) -> None:
    outcome = run_case(guideline, case)
    assert outcome.passed, "\n".join(map(str, outcome.differences))


def test_every_leaf_is_covered_by_a_case(guideline: nettree.Guideline) -> None:
    reached = {case.expect["leaf"] for case in RESULTS}
    assert set(guideline.leaves) <= reached
