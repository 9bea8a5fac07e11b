"""The guideline file's recommendation data reproduces the ASCO source table verbatim.

The source table (graphs/sources/asco-gepnet-2023-recommendations.txt) is parsed here,
independently of nettree, and the YAML file is read raw with ``yaml.safe_load``. A typo in
any recommendation, note, qualifying statement, rating, category heading or abbreviation
fails a test.

Set NETTREE_FIDELITY_YAML to check another copy of the guideline file (used to confirm
that each test fails on a corrupted copy).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
SOURCE = ROOT / "graphs" / "sources" / "asco-gepnet-2023-recommendations.txt"
GUIDELINE = ROOT / "graphs" / "asco-gepnet-2023.yaml"

RECOMMENDATION_IDS = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4",
                      "3.1", "3.2", "3.3", "3.4", "4.1"]

# ENCODING.md section 1: statement id -> first words (the contract). ENCODING gives 3.1-q1
# "as for 2.1" ("Observation and surveillance"), but the source's 3.1 cell reads "Observation
# and regular anatomic imaging", so only the shared words are required for 3.1-q1.
STATEMENT_FIRST_WORDS = {
    "1.1-n1": "While local therapy options",
    "1.1-n2": "In addition, while the use of SSAs",
    "2.1-q1": "Observation and surveillance",
    "2.1-q2": "For patients with bone-dominant",
    "2.1-q3": "Evidence supporting SSA use",
    "2.3-q1": "In addition to PRRT",
    "2.3-q2": "Patients with low volume",
    "2.4-q1": "Although the evidence base",
    "3.1-q1": "Observation and",
    "3.1-q2": "For patients with bone-dominant",
    "3.1-q3": "Evidence supporting SSA use",
    "3.2-q1": "In the rare circumstance",
    "3.4-n1": "At this time, there is insufficient evidence",
    "3.4-q1": "In addition to PRRT",
    "3.4-q2": "RCTs have not been published",
    "3.4-q3": "Patients with low volume",
    "3.4-q4": "Everolimus and sunitinib are cytostatic",
    "3.4-q5": "Comorbidities may be considered",
    "4.1-n1": "G3 GEP-NETs are a relatively newly defined",
    "4.1-q1": "SSAs alone may be considered",
    "4.1-q2": "PRRT with or without SSAs",
    "4.1-q3": "Chemotherapy may be particularly effective",
    "4.1-q4": "Evidence for cytotoxic chemotherapy",
}

OPTION_IDS = {"observation", "ssa", "ssa_continuation", "everolimus", "sunitinib",
              "chemotherapy", "prrt", "sstr_pet", "mdt_discussion"}

# Only the tags the table uses: a bare "<" also occurs in the text ("Ki-67 <10%").
_TAG = re.compile(r"</?(?:p|i|ul|li)\b[^>]*>")
_LABEL = re.compile(r"<i>\s*(Note|Qualifying statements?):\s*</i>")
_NUMBER = re.compile(r"(\d\.\d)\. (.*)")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _strip(cell: str) -> str:
    text = _norm(_TAG.sub(" ", _LABEL.sub(" ", cell)))
    assert not re.search(r"</?[A-Za-z]", text), f"unhandled markup in {text!r}"
    return text


def parse_source(path: Path = SOURCE) -> dict[str, Any]:
    """Recommendations, note / qualifying cells and abbreviations of the source table."""
    headings: list[str] = []
    recs: list[dict[str, Any]] = []
    cells: list[tuple[str, str, str]] = []  # (recommendation id, kind, text)
    abbreviations: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("Abbreviations."):
            for item in line[len("Abbreviations."):].split(";"):
                abbr, meaning = item.split(",", 1)
                abbreviations.append((abbr.strip(), meaning.strip()))
            continue
        if "\t" not in line:
            continue  # blank lines, the publisher banner
        cols = line.split("\t")
        heading, cell, ratings = cols[0].strip(), cols[1], [c.strip() for c in cols[2:5]]
        if heading.startswith("Systemic Therapy for Tumor Control") or heading == "Category":
            continue  # the title and column headers repeated on every page
        number = _NUMBER.fullmatch(_strip(cell))
        if number:
            if heading:
                headings.append(heading)
            recs.append({"id": number.group(1), "text": number.group(2),
                         "heading": len(headings) - 1, "rating": ratings})
            continue
        # A note or qualifying-statement cell belongs to the recommendation row above it.
        # A heading on such a row is the rest of a heading the page break split.
        if heading:
            assert heading[0].islower(), f"unexpected heading on a statement row: {heading!r}"
            headings[-1] = f"{headings[-1]} {heading}"
        label = _LABEL.search(cell)
        assert label, f"statement cell without a label: {cell!r}"
        assert not any(ratings), f"ratings on a statement row: {line!r}"
        kind = "note" if label.group(1) == "Note" else "qualifying"
        cells.append((recs[-1]["id"], kind, _strip(cell)))
    for rec in recs:
        rec["category"] = headings[rec.pop("heading")]
    return {"recommendations": recs, "cells": cells, "abbreviations": abbreviations}


def load_guideline() -> dict[str, Any]:
    path = Path(os.environ.get("NETTREE_FIDELITY_YAML", GUIDELINE))
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


SRC = parse_source()
SRC_RECS = {r["id"]: r for r in SRC["recommendations"]}


@pytest.fixture(scope="module")
def guideline() -> dict[str, Any]:
    return load_guideline()


@pytest.fixture(scope="module")
def recs(guideline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in guideline["recommendations"]}


def _statements(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(rec.get("statements") or [])


def test_source_parse_is_complete() -> None:
    assert [r["id"] for r in SRC["recommendations"]] == RECOMMENDATION_IDS
    assert len({r["category"] for r in SRC["recommendations"]}) == 6
    assert [(rid, kind) for rid, kind, _ in SRC["cells"]] == [
        ("1.1", "note"), ("2.1", "qualifying"), ("2.3", "qualifying"), ("2.4", "qualifying"),
        ("3.1", "qualifying"), ("3.2", "qualifying"), ("3.4", "note"), ("3.4", "qualifying"),
        ("4.1", "note"), ("4.1", "qualifying")]
    assert len(SRC["abbreviations"]) == 20


def test_recommendation_ids_in_order(guideline: dict[str, Any]) -> None:
    assert [r["id"] for r in guideline["recommendations"]] == RECOMMENDATION_IDS


@pytest.mark.parametrize("rid", RECOMMENDATION_IDS)
def test_recommendation_text(recs: dict[str, dict[str, Any]], rid: str) -> None:
    assert recs[rid]["text"] == SRC_RECS[rid]["text"]


@pytest.mark.parametrize("rid", RECOMMENDATION_IDS)
def test_recommendation_rating(guideline: dict[str, Any], recs: dict[str, dict[str, Any]],
                               rid: str) -> None:
    rating = recs[rid]["rating"]
    assert [rating["type"], rating["evidence"], rating["strength"]] == SRC_RECS[rid]["rating"]
    for dim in ("type", "evidence", "strength"):
        assert rating[dim] in guideline["ratings"][dim]["codes"]


@pytest.mark.parametrize("rid", RECOMMENDATION_IDS)
def test_recommendation_category(recs: dict[str, dict[str, Any]], rid: str) -> None:
    assert recs[rid]["category"] == SRC_RECS[rid]["category"]


@pytest.mark.parametrize(("rid", "kind", "cell"), SRC["cells"],
                         ids=[f"{rid}-{kind}" for rid, kind, _ in SRC["cells"]])
def test_statement_cell_reproduced(recs: dict[str, dict[str, Any]], rid: str, kind: str,
                                   cell: str) -> None:
    stored = [s["text"] for s in _statements(recs[rid]) if s["kind"] == kind]
    assert " ".join(stored) == cell


def test_no_statements_without_a_source_cell(guideline: dict[str, Any]) -> None:
    source_cells = {(rid, kind) for rid, kind, _ in SRC["cells"]}
    stored = {(r["id"], s["kind"]) for r in guideline["recommendations"] for s in _statements(r)}
    assert stored == source_cells


def test_every_text_occurs_verbatim_in_source(guideline: dict[str, Any]) -> None:
    # The source has no runs of whitespace inside its texts, so every stored text is a
    # literal substring of the raw file: a check that does not depend on the parser.
    raw = SOURCE.read_text(encoding="utf-8")
    for rec in guideline["recommendations"]:
        assert f"{rec['id']}. {rec['text']}" in raw, rec["id"]
        for st in _statements(rec):
            assert st["text"] in raw, st["id"]


def test_statement_ids_and_first_words(guideline: dict[str, Any]) -> None:
    seen: list[str] = []
    for rec in guideline["recommendations"]:
        for st in _statements(rec):
            sid = st["id"]
            seen.append(sid)
            assert isinstance(sid, str)
            assert sid.startswith(f"{rec['id']}-"), f"{sid} stored under {rec['id']}"
            assert sid in STATEMENT_FIRST_WORDS, f"unexpected statement id {sid}"
            expected_kind = {"n": "note", "q": "qualifying"}[sid.split("-")[1][0]]
            assert st["kind"] == expected_kind, sid
            assert st["text"].startswith(STATEMENT_FIRST_WORDS[sid]), sid
            assert st["text"] == st["text"].strip() and "  " not in st["text"], sid
    assert sorted(seen) == sorted(STATEMENT_FIRST_WORDS)
    assert len(seen) == len(set(seen))


def test_abbreviations(guideline: dict[str, Any]) -> None:
    assert list(guideline["abbreviations"].items()) == SRC["abbreviations"]


def test_supports_use_the_option_vocabulary(guideline: dict[str, Any]) -> None:
    for rec in guideline["recommendations"]:
        for item in [rec, *_statements(rec)]:
            supports = item["supports"]
            assert isinstance(supports, list), item["id"]
            assert len(supports) == len(set(supports)), item["id"]
            assert set(supports) <= OPTION_IDS, (item["id"], set(supports) - OPTION_IDS)


def test_general_recommendations(guideline: dict[str, Any]) -> None:
    assert guideline["general"] == ["1.1", "1.2"]


def test_the_encoding_copy_matches_the_clinical_leads_file() -> None:
    """graphs/sources keeps a copy of ENCODING.md; where the shared original is beside the
    repository (on the developers' machines and CI), the copy must not have drifted."""
    import pytest

    root = Path(__file__).resolve().parents[1]
    copy = root / "graphs" / "sources" / "asco-gepnet-2023-ENCODING.md"
    assert copy.read_text(encoding="utf-8").startswith("# Encoding the ASCO GEP-NET")
    original = root.parent / "shared" / "guideline" / "ENCODING.md"
    if not original.is_file():
        pytest.skip("the shared ENCODING.md is not beside this checkout")
    assert copy.read_text(encoding="utf-8") == original.read_text(encoding="utf-8")
