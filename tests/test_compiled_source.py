"""The compiled evaluator's warm path is Python written for each guideline (nettree.compiled):
nothing of the guideline may become code. Its text holds only nettree's own names and the
fields' indices, so two guidelines that differ only in their names and values get the same
text, and a guideline whose names and values look like code is read as data and answers as
the interpreter does. The edges the written reader decides itself (values it sends to
validate_patient) are checked against the interpreter too.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any

import pytest

import nettree
from nettree.compiled import Compiled, _search, _source
from nettree.errors import PatientError
from nettree.traverse import traverse as interpret

# What the fictional guidelines below share: two options, each supported by one
# recommendation, and two leaves offering them (their ids, fields and trees differ).
COMMON = """
version: "0.1"
citation: nettree developers, for testing.
scope: FICTIONAL EXAMPLE, NOT CLINICAL ADVICE.
ratings:
  strength: {label: Strength, codes: {S: strong}}
recommendations:
  - {id: "1", category: Test, text: One., rating: {strength: S}, supports: [first]}
  - {id: "2", category: Test, text: Two., rating: {strength: S}, supports: [second]}
"""
OPTIONS = """
options:
  first: {label: First}
  second: {label: Second}
"""
LEAVES = """
leaves:
  one:
    kind: recommendation
    label: One
    steps: [{offer: first, cites: ["1"]}]
  two:
    kind: recommendation
    label: Two
    steps: [{offer: second, cites: ["2"]}]
"""

# A fictional guideline for testing, written with a marker for each name and value.
TEMPLATE = """
nettree: 1
id: code-like
title: "A fictional guideline whose names look like code (for testing; not clinical advice)"
""" + COMMON + """
fields:
  CHOICE:
    type: choice
    values: [CHOICE_A, CHOICE_B]
    description: A choice.
  FLAG:
    type: boolean
    description: A flag.
  LEVEL:
    type: choice
    values: [LEVEL_LOW, LEVEL_HIGH]
    description: Derived from the number when not given.
    derive:
      from: NUMBER
      bins:
        - {value: LEVEL_LOW, below: 7.5}
        - {value: LEVEL_HIGH}
  NUMBER:
    type: number
    min: 0
    max: 50
    description: A number.
  COUNT:
    type: integer
    min: 0
    max: 9
    description: A whole number.
  TAGS:
    type: set
    values: [TAG_X, TAG_Y]
    default: []
    if_absent: none
    description: Some tags.
""" + OPTIONS + """
start: by-choice
decisions:
  by-choice:
    question: Which?
    branches:
      - {answer: a, when: {CHOICE: CHOICE_A}, to: by-level}
      - {answer: b, when: {CHOICE: CHOICE_B}, to: by-tags}
  by-level:
    question: Level?
    branches:
      - {answer: low, when: {all: [{LEVEL: LEVEL_LOW}, {COUNT: {below: 3}}]}, to: one}
      - {answer: other, when: {not: {all: [{LEVEL: LEVEL_LOW}, {COUNT: {below: 3}}]}}, to: two}
  by-tags:
    question: Tagged?
    branches:
      - {answer: "yes", when: {TAGS: {contains: TAG_X}}, to: one}
      - {answer: "no", when: {not: {TAGS: {contains: TAG_X}}}, to: by-flag}
  by-flag:
    question: Flag?
    branches:
      - {answer: "yes", when: {FLAG: true}, to: one}
      - {answer: "no", when: {FLAG: false}, to: two}
""" + LEAVES


def _posing_as(text: str) -> Any:
    """Not a text, though equal to one (and hashed alike): validate_patient refuses it."""
    return type("Posing", (), {"__eq__": lambda self, other: other == text,
                               "__hash__": lambda self: hash(text)})()


PLAIN = {"CHOICE": "choice", "CHOICE_A": "a", "CHOICE_B": "b", "FLAG": "flag",
         "LEVEL": "level", "LEVEL_LOW": "low", "LEVEL_HIGH": "high", "NUMBER": "number",
         "COUNT": "count", "TAGS": "tags", "TAG_X": "x", "TAG_Y": "y"}
# Names (identifiers, as the format requires) and values that would do harm if they were
# pasted into the code: each quoted for YAML.
CODE_LIKE = {"CHOICE": "__import__", "CHOICE_A": "'); __import__('os').system('false') #",
             "CHOICE_B": "\\nreturn None\\n", "FLAG": "__builtins__", "LEVEL": "exec",
             "LEVEL_LOW": "\\\"\\\"\\\"; raise SystemExit; \\\"\\\"\\\"",
             "LEVEL_HIGH": "{0.__class__}", "NUMBER": "globals", "COUNT": "breakpoint",
             "TAGS": "__loader__", "TAG_X": "} or True or {", "TAG_Y": "lambda: 0"}


def _write(tmp_path: Path, words: dict[str, str], name: str) -> nettree.Guideline:
    text = TEMPLATE
    for marker in sorted(words, key=len, reverse=True):  # CHOICE_A before CHOICE
        text = text.replace(marker, json.dumps(words[marker]))
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return nettree.load(path)


def _reader_source(guideline: nettree.Guideline) -> str:
    evaluator = Compiled(guideline)
    return _source(evaluator._fields, evaluator._cut_of, evaluator._derives)[0]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory,
         ) -> tuple[nettree.Guideline, nettree.Guideline]:
    folder = tmp_path_factory.mktemp("source")
    return _write(folder, PLAIN, "plain"), _write(folder, CODE_LIKE, "code-like")


def test_the_written_reader_holds_no_name_or_value_of_the_guideline(
        pair: tuple[nettree.Guideline, nettree.Guideline]) -> None:
    plain, code_like = pair
    assert set(code_like.fields) == {CODE_LIKE[k] for k in
                                     ("CHOICE", "FLAG", "LEVEL", "NUMBER", "COUNT", "TAGS")}
    source = _reader_source(code_like)
    assert "def read(raw):" in source
    for word in CODE_LIKE.values():
        assert word not in source
    # Only the fields' kinds and places shape it: renaming every name and value changes
    # nothing of the text.
    assert source == _reader_source(plain)


def _patients(guideline: nettree.Guideline) -> list[dict[str, Any]]:
    choice, flag, level, number, count, tags = guideline.fields
    a, b = guideline.fields[choice].values
    low, high = guideline.fields[level].values
    x, y = guideline.fields[tags].values
    found: list[dict[str, Any]] = []
    for one in (a, b, None):
        for value in (0, 7.5, 7.4, 12, 50.0, None):
            for whole in (0, 3, 9, None):
                found.append({choice: one, number: value, count: whole, flag: value == 12,
                              tags: [x] if whole == 3 else [y, y] if whole else ()})
    found += [{choice: a, level: high, number: 10.0}, {choice: a, level: low},
              {choice: b, tags: {x, y}}, {}]
    return found


def _answer(answer: Any, guideline: nettree.Guideline, patient: dict[Any, Any]) -> Any:
    """The result, or the error's message."""
    try:
        return answer(guideline, patient)
    except PatientError as exc:
        return str(exc)


def test_a_guideline_whose_names_look_like_code_answers_as_the_interpreter(
        pair: tuple[nettree.Guideline, nettree.Guideline]) -> None:
    _, guideline = pair
    evaluator = Compiled(guideline)
    patients = _patients(guideline)
    for patient in patients * 2:  # the second time from the class cache
        assert _answer(lambda _, p: evaluator.traverse(p), guideline, patient) == _answer(
            interpret, guideline, patient), patient
    assert evaluator.cache_info().hits >= len(patients)


@pytest.mark.parametrize("odd", [
    {"tags": ["x", "z"]}, {"tags": ["x", 1]}, {"tags": "x"}, {"tags": {"x": 1}},
    {"tags": [type("Text", (str,), {})("x")]}, {"tags": ["x", "x"]}, {"tags": frozenset()},
    {"count": 2.5}, {"count": 2.0}, {"count": True}, {"count": 10}, {"count": -1},
    {"number": 50.5}, {"number": float("-inf")}, {"number": 10**400}, {"number": -0.0},
    {"flag": 1}, {"flag": "true"}, {"choice": "c"}, {"choice": 1},
    {"choice": type("Text", (str,), {})("a")}, {"choice": _posing_as("a")},
    {"tags": [_posing_as("x")]}, {"flag": 1.0}, {"flag": 0},
    {"level": "high", "number": 1}, {"level": "low", "number": 10}, {"level": "low"},
    {"choice": None, "flag": None}, {"unknown": None}, {"unknown": 1}, {1: None},
])
def test_values_the_written_reader_leaves_to_validation(
        pair: tuple[nettree.Guideline, nettree.Guideline], odd: dict[Any, Any]) -> None:
    """Each is answered (or refused) as the interpreter does, on a warm cache: a set's
    repeated member counts once, a whole number may be written 2.0, a field given as None
    is unknown, and any key not a field is refused."""
    plain, _ = pair
    evaluator = Compiled(plain)
    for patient in _patients(plain):
        evaluator.traverse(patient)
    for patient in _patients(plain)[::7]:
        patient = {**patient, **odd}
        for _ in range(2):
            assert _answer(lambda _, p: evaluator.traverse(p), plain, patient) == _answer(
                interpret, plain, patient), patient


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 7, 8, 15])
def test_the_written_search_finds_a_numbers_cell_as_bisect_does(count: int) -> None:
    cuts = [float(3 * k) for k in range(count)]
    namespace: dict[str, Any] = {f"T0_{k}": cut for k, cut in enumerate(cuts)}
    exec("def cell(v0):\n" + "\n".join(_search(0, 0, count, "    ")) + "\n    return c0\n",
         namespace)
    for value in [-1.0, 100.0, *cuts, *(cut + 1 for cut in cuts), *(cut - 0.5 for cut in cuts)]:
        place = bisect.bisect_left(cuts, value)
        at = place < count and cuts[place] == value
        assert namespace["cell"](value) == (2 * place + 1 if at else 2 * place), value


BIG = """
nettree: 1
id: big-numbers
title: "A fictional guideline with a threshold at 2**53 (for testing; not clinical advice)"
""" + COMMON + """
fields:
  size:
    type: number
    description: A number without bounds.
""" + OPTIONS + """
start: by-size
decisions:
  by-size:
    question: Large?
    branches:
      - {answer: "no", when: {size: {at_most: 9007199254740992}}, to: one}
      - {answer: "yes", when: {size: {above: 9007199254740992}}, to: two}
""" + LEAVES


def test_an_int_is_classed_as_the_float_it_is_read_as(tmp_path: Path) -> None:
    """2**53 + 1 is read as 9007199254740992.0, at the threshold (not above it, as its
    exact value is): the written reader classes it as validate_patient reads it."""
    path = tmp_path / "big.yaml"
    path.write_text(BIG, encoding="utf-8")
    guideline = nettree.load(path)
    evaluator = Compiled(guideline)
    for size in (2**54, 2**53, 2**53 + 1, 2**53 + 1, 2**53 - 1, 1):
        patient = {"size": size}
        assert evaluator.traverse(patient) == interpret(guideline, patient), size
    assert evaluator.cache_info().hits >= 3


def test_a_number_with_many_thresholds_is_classed_as_the_interpreter_does(
        tmp_path: Path) -> None:
    """Past 15 thresholds the written reader finds a number's cell by bisect, not by a
    search written out."""
    head, tail = BIG.split("start: by-size")
    head = head.replace("    description: A number without bounds.",
                        "    description: A number.\n    min: 0\n    max: 100")
    branches = [f'      - {{answer: "{k}", when: {{all: [{{size: {{at_least: {k}}}}}, '
                f'{{size: {{below: {k + 1}}}}}]}}, to: {("one", "two")[k % 2]}}}'
                for k in range(17)]
    branches.append('      - {answer: "17", when: {size: {at_least: 17}}, to: one}')
    leaves = tail[tail.index("leaves:"):]
    text = (head + "start: by-size\ndecisions:\n  by-size:\n    question: How large?\n"
            "    branches:\n" + "\n".join(branches) + "\n" + leaves)
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    guideline = nettree.load(path)
    assert len(guideline.thresholds["size"]) > 15
    evaluator = Compiled(guideline)
    sizes = [*(k / 2 for k in range(40)), 100, 0.25]
    for size in sizes * 2:  # the second time from the class cache
        patient = {"size": size}
        assert evaluator.traverse(patient) == interpret(guideline, patient), size
    assert evaluator.cache_info().hits >= len(sizes)
