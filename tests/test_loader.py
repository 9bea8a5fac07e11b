"""The loader: finding, caching and freezing guidelines, and validating guideline files.

Broken guidelines are derived from the fictional example (tests/guidelines/example-sore-throat.yaml)
by one targeted string edit each, written to a temporary directory, and loaded. Each defect must
be reported as a :class:`nettree.GuidelineError` whose ``problems`` hold the exact position of
the offending text and a message naming it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

import nettree
from nettree.cli import main
from nettree.loader import _load_cached

HERE = Path(__file__).parent
GUIDELINES = HERE / "guidelines"
EXAMPLE = GUIDELINES / "example-sore-throat.yaml"
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
SEVERAL = GUIDELINES / "broken" / "several-defects.yaml"
BUNDLED = "asco-gepnet-2023"
BUNDLED_FILE = HERE.parent / "graphs" / f"{BUNDLED}.yaml"


def edit(old: str, new: str) -> str:
    """The example's text with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert EXAMPLE_TEXT.count(old) == 1, f"{old!r} must occur once in the example"
    return EXAMPLE_TEXT.replace(old, new)


def write(directory: Path, text: str, name: str = "broken.yaml") -> Path:
    """Write a guideline next to a copy of the example's sources (its `source:` must exist)."""
    if not (directory / "sources").exists():
        shutil.copytree(GUIDELINES / "sources", directory / "sources")
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the single occurrence of ``needle`` in ``text``."""
    assert text.count(needle) == 1, f"{needle!r} must occur once in the broken text"
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def problems_of(path: Path) -> tuple[nettree.Problem, ...]:
    with pytest.raises(nettree.GuidelineError) as info:
        nettree.load(path)
    return info.value.problems


# ---------------------------------------------------------------- finding, caching, freezing


def _content(guideline: nettree.Guideline) -> tuple[Any, ...]:
    return (
        guideline.id, guideline.title, guideline.version, guideline.citation, guideline.scope,
        guideline.path, guideline.source, guideline.ratings, guideline.recommendations,
        guideline.general, dict(guideline.abbreviations), dict(guideline.fields),
        dict(guideline.options), guideline.start, dict(guideline.decisions),
        dict(guideline.leaves), dict(guideline.step_sets), guideline.filters,
        guideline.fallback, guideline.notes, sorted(guideline.graph.edges(data=True)),
        guideline.in_scope_nodes,
    )


def test_bundled_id_and_path_give_the_same_guideline() -> None:
    by_id = nettree.load(BUNDLED)
    assert nettree.load(BUNDLED_FILE) is by_id  # one file, one cached guideline
    _load_cached.cache_clear()
    by_path = nettree.load(str(BUNDLED_FILE))
    assert by_path is not by_id
    assert _content(by_path) == _content(by_id)
    assert BUNDLED in nettree.bundled_guidelines()


def test_a_file_outside_the_bundle_loads_by_path() -> None:
    assert "example-sore-throat" not in nettree.bundled_guidelines()
    guideline = nettree.load(EXAMPLE)
    assert guideline.path == EXAMPLE.resolve()
    with pytest.raises(nettree.GuidelineNotFoundError):
        nettree.load("example-sore-throat")  # an id is only for bundled guidelines


def test_load_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE_TEXT, "example.yaml")
    first = nettree.load(path)
    assert nettree.load(path) is first
    assert nettree.load(str(path)) is first
    path.write_text(edit('version: "0.1"', 'version: "0.2"'), encoding="utf-8")
    second = nettree.load(path)
    assert second is not first
    assert (first.version, second.version) == ("0.1", "0.2")


def test_an_unknown_guideline_is_not_found() -> None:
    with pytest.raises(nettree.GuidelineNotFoundError) as info:
        nettree.load("does-not-exist")
    assert isinstance(info.value, LookupError)
    assert BUNDLED in str(info.value)


def test_a_loaded_guideline_is_immutable() -> None:
    guideline = nettree.load(EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        guideline.id = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        guideline.leaves["treat"].label = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        guideline.fields["age"].maximum = 200  # type: ignore[misc]
    with pytest.raises(nx.NetworkXError, match="Frozen graph can't be modified"):
        guideline.graph.add_node("x")
    with pytest.raises(nx.NetworkXError, match="Frozen graph can't be modified"):
        guideline.graph.remove_edge("risk", "treat")
    for mapping in ("fields", "options", "decisions", "leaves", "step_sets", "abbreviations",
                    "statements"):
        with pytest.raises(TypeError):
            getattr(guideline, mapping)["x"] = None
    assert isinstance(guideline.recommendations, tuple)
    assert isinstance(guideline.filters, tuple)


# ---------------------------------------------------------------- one defect at a time

# (name, old text, new text, where the problem is reported: the start of a text that occurs once
#  in the broken file, or (line, column); words the message must contain)
DEFECTS = [
    ("yaml-syntax-error",
     "    label: Out of scope - a child\n", "    label: [Out of scope - a child\n",
     ": This example covers adults only.",
     ["YAML syntax error", "expected ',' or ']', but got ':'"]),
    ("duplicate-key",
     "    label: Out of scope - a child\n",
     "    label: Out of scope - a child\n    label: Child\n",
     "label: Child", ["duplicate key 'label'"]),
    ("unknown-top-level-key",
     "start: emergency\n", "start: emergency\nfilter: []\n",
     "filter: []", ["unknown key 'filter' in the guideline file (did you mean 'filters'?)"]),
    ("missing-top-level-key",
     "start: emergency\n", "",
     (1, 1), ["the guideline file is missing the required key 'start'"]),
    ("unquoted-number-version",  # 1.10 would become "1.1"
     'version: "0.1"', "version: 1.10",
     "1.10", ["'version' must be a text: quote it"]),
    ("missing-key-in-an-option",
     "  clinical_review: {label: Clinical review}", "  clinical_review: {}",
     "{}", ["option 'clinical_review' is missing the required key 'label'"]),
    ("unquoted-number-id",
     '  - id: "1.1"', "  - id: 1.1",
     "1.1\n    category: General", ["a recommendation's 'id' must be a text: quote it ('1.1')"]),
    ("unknown-field-in-a-condition",
     "{age: {below: 16}}", "{ag: {below: 16}}",
     "ag: {below", ["decision 'adult', branch 1: unknown field 'ag' (did you mean 'age'?)"]),
    ("unknown-field-in-a-filter",
     "    unless: {pregnant: false}", "    unless: {pregant: false}",
     "pregant", ["'filters', step 2: unknown field 'pregant' (did you mean 'pregnant'?)"]),
    ("value-not-in-the-field-values",
     "{rapid_test: positive}", "{rapid_test: postive}",
     "postive}", ["decision 'test', branch 1: 'postive' is not a value of 'rapid_test' "
                  "(did you mean 'positive'?); allowed: positive, negative, inconclusive, "
                  "not_done"]),
    ("value-not-in-an-in-list",
     "{in: [inconclusive, not_done]}", "{in: [inconclusive, pending]}",
     "[inconclusive, pending]",
     ["'in' takes a list of values of 'rapid_test'", "got ['inconclusive', 'pending']"]),
    ("true-is-not-a-choice-value",
     "{rapid_test: positive}", "{rapid_test: true}",
     "true}\n        to: treat", ["True is not a value of 'rapid_test'"]),
    ("wrong-operator-for-a-number",
     "{age: {below: 16}}", "{age: {contains: 16}}",
     "contains: 16", ["'age' (number) takes below, at_most, above, at_least, not 'contains'"]),
    ("bare-value-for-a-number",
     "{age: {below: 16}}", "{age: 16}",
     "16}\n        to: out-child",
     ["'age' is a number field: test it with below or at_most or above or at_least"]),
    ("wrong-operator-for-a-set",
     "    - drop: amoxicillin\n      when: {intolerant_to: {contains: penicillin_v}}",
     "    - drop: amoxicillin\n      when: {intolerant_to: {in: [penicillin_v]}}",
     "in: [penicillin_v]", ["'intolerant_to' (set) takes contains, empty, not 'in'"]),
    ("wrong-operator-for-a-boolean",
     "    unless: {pregnant: false}", "    unless: {pregnant: {at_least: 1}}",
     "at_least: 1}", ["'pregnant' (boolean) takes is, not 'at_least'"]),
    ("unknown-option-in-an-offer",
     "      - offer: delayed_prescription", "      - offer: delayed_prescriptoin",
     "delayed_prescriptoin", ["leaf 'treat', step 2: unknown option 'delayed_prescriptoin' "
                              "(did you mean 'delayed_prescription'?)"]),
    ("unknown-option-in-a-cite",
     "        to: symptomatic_care", "        to: symptomatic",
     "symptomatic\n  treat:", ["leaf 'negative-test', step 2: unknown option 'symptomatic'"]),
    ("citation-of-a-missing-recommendation",
     '      - cite: ["2.5"]', '      - cite: ["2.7"]',
     '"2.7"', ["leaf 'negative-test', step 2: cites unknown recommendation or statement "
               "'2.7'"]),
    ("fallback-cites-a-missing-recommendation",
     '  cites: ["1.2"]', '  cites: ["1.3"]',
     '"1.3"', ["'fallback': cites unknown recommendation or statement '1.3'"]),
    ("unknown-statement-in-a-note-rule",
     '  - statement: "2.3-n1"', '  - statement: "2.3-n9"',
     '"2.3-n9"', ["note rule 2: '2.3-n9' is not a statement id"]),
    ("dangling-edge",
     "        to: out-persistent", "        to: out-persistant",
     "out-persistant",
     ["decision 'duration', branch 'no: two weeks or more': goes to unknown node "
      "'out-persistant' (did you mean 'out-persistent'?)"]),
    ("cycle",  # reported once, from the decision written first in the file
     "        to: negative-test", "        to: adult",
     "question: Is the patient 16 or older?",
     ["cycle: adult -> duration -> risk -> test -> adult"]),
    ("unreachable-node",
     "        to: out-persistent", "        to: out-child",
     "kind: out_of_scope\n    label: Out of scope - persistent",
     ["'out-persistent' is unreachable from the start node 'emergency'"]),
    ("decision-with-one-branch",
     '      - answer: "no: two weeks or more"\n'
     "        when: {symptom_days: {at_least: 14}}\n"
     "        to: out-persistent\n", "",
     '- answer: "yes: acute"', ["decision 'duration' has 1 branch: a decision needs at least "
                                "two"]),
    ("leaf-with-branches",
     "    reason: This example covers adults only.\n",
     "    reason: This example covers adults only.\n    branches: []\n",
     "branches: []", ["leaf 'out-child' has branches: a leaf ends a path and has no outgoing "
                      "edges (make it a decision)"]),
    ("step-set-that-uses-itself",
     "    - use: first-choice", "    - use: antibiotics",
     "- use: antibiotics ", ["step set 'antibiotics' uses itself: antibiotics -> antibiotics"]),
    ("offered-in-a-decision",
     "{rapid_test: positive}", "{offered: penicillin_v}",
     "offered: penicillin_v", ["decision 'test', branch 1: 'offered' is about a result's "
                               "options and cannot be used in a decision"]),
    ("cited-in-a-decision",
     "{rapid_test: negative}", '{cited: "2.3"}',
     'cited: "2.3"}\n        to: negative-test',
     ["'cited' is about a result's options and cannot be used in a decision"]),
    ("default-outside-the-values",
     "    default: not_done", "    default: pending",
     "pending", ["field 'rapid_test': the default must be one of 'positive', 'negative', "
                 "'inconclusive', 'not_done' (got 'pending')"]),
    ("derive-from-a-non-number-field",
     "      from: throat_score", "      from: rapid_test",
     "rapid_test\n      bins", ["field 'risk': 'derive': 'from' must name a number field "
                                 "(got 'rapid_test')"]),
    ("rating-code-outside-the-scheme",
     "    rating: {strength: C, certainty: VL}", "    rating: {strength: W, certainty: VL}",
     "W, certainty", ["recommendation 3.1: strength must be one of S, C (got 'W')"]),
    ("missing-source-file",
     "source: sources/example-sore-throat.txt", "source: sources/nowhere.txt",
     "sources/nowhere.txt", ["the source file 'sources/nowhere.txt' does not exist"]),
]


@pytest.mark.parametrize(("old", "new", "at", "words"), [d[1:] for d in DEFECTS],
                         ids=[d[0] for d in DEFECTS])
def test_a_defect_is_reported_where_it_is(tmp_path: Path, old: str, new: str,
                                          at: str | tuple[int, int], words: list[str]) -> None:
    text = edit(old, new)
    path = write(tmp_path, text)
    line, column = at if isinstance(at, tuple) else position(text, at)
    problems = problems_of(path)
    found = [p for p in problems if all(w in p.message for w in words)]
    assert found, "\n".join(map(str, problems))
    assert (found[0].line, found[0].column) == (line, column), found[0]
    assert found[0].file == str(path.resolve())
    assert str(found[0]) == f"{path.resolve()}:{line}:{column}: {found[0].message}"


CYCLE = ("        to: negative-test", "        to: adult")  # test -> adult closes a cycle
CYCLE_NODES = ["adult", "duration", "risk", "test"]


def test_a_cycle_is_reported_at_one_of_its_decisions(tmp_path: Path) -> None:
    text = edit(*CYCLE)
    problems = [p for p in problems_of(write(tmp_path, text)) if p.message.startswith("cycle: ")]
    assert len(problems) == 1
    nodes = problems[0].message.removeprefix("cycle: ").split(" -> ")
    assert nodes[0] == nodes[-1]
    first = CYCLE_NODES.index(nodes[0])
    assert nodes[:-1] == CYCLE_NODES[first:] + CYCLE_NODES[:first]  # one rotation of the cycle
    assert (problems[0].line, problems[0].column) == position(
        text, f"question: {nettree.load(EXAMPLE).decisions[nodes[0]].question}")


def test_the_example_is_valid() -> None:
    nettree.load(EXAMPLE)  # the defects above are the only thing wrong with their files


def test_a_non_mapping_file_is_one_problem(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "- just\n- a list\n"))
    assert [(p.line, p.column, p.message) for p in problems] == [
        (1, 1, "the guideline file must be a mapping (got a list)")]


def test_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    problems = problems_of(path)
    assert [(p.line, p.column) for p in problems] == [(1, 1)]
    assert problems[0].message.startswith("not UTF-8 text")


# ---------------------------------------------------------------- every problem at once

SEVERAL_EXPECTED = [
    (7, 1, "unknown key 'abbreviation' in the guideline file (did you mean 'abbreviations'?); "
           "allowed: nettree, id, title, version, ratings, recommendations, fields, options, "
           "start, decisions, leaves, citation, source, scope, rating_style, general, "
           "abbreviations, conditions, step_sets, filters, fallback, notes"),
    (16, 24, "recommendation 1: strength must be one of S, C (got 'W')"),
    (29, 14, "field 'mood': the default must be one of 'calm', 'cross' (got 'grumpy')"),
    (53, 16, "leaf 'rest', step 2: unknown option 'coffee'"),
    (61, 24, "leaf 'nothing', step 1: 'tired' (boolean) takes is, not 'below'"),
    (64, 12, "'filters', step 1: unknown field 'moood' (did you mean 'mood'?)"),
    (67, 16, "note rule 1: '1-n2' is not a statement id (did you mean '1-n1'?)"),
]


def test_several_defects_are_all_reported_sorted() -> None:
    with pytest.raises(nettree.GuidelineError) as info:
        nettree.load(SEVERAL)
    error = info.value
    file = str(SEVERAL.resolve())
    assert len(error.problems) == 7
    assert [(p.line, p.column, p.message) for p in error.problems] == SEVERAL_EXPECTED
    assert all(p.file == file for p in error.problems)
    # Every DEFECT comment in the file is on a reported line.
    marked = [n for n, line in enumerate(SEVERAL.read_text("utf-8").splitlines(), 1)
              if "# DEFECT" in line]
    assert marked == [line for line, _, _ in SEVERAL_EXPECTED]
    lines = str(error).splitlines()
    assert lines[0] == f"{file}: 7 problems in the guideline file"
    assert lines[1:] == [f"  {file}:{line}:{col}: {msg}" for line, col, msg in SEVERAL_EXPECTED]


def test_a_guideline_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        nettree.load(SEVERAL)


# ---------------------------------------------------------------- YAML 1.1 booleans


def test_no_and_off_stay_texts(tmp_path: Path) -> None:
    text = (edit("    values: [yes, no]", "    values: [on, off]")
            .replace("    default: no\n", "    default: off\n")
            .replace("        when: {wait_and_see: no}", "        when: {wait_and_see: off}")
            .replace("{yes: willing to wait and see, no:", "{on: willing to wait and see, off:"))
    guideline = nettree.load(write(tmp_path, text))
    field = guideline.fields["wait_and_see"]
    assert (field.values, field.default) == (("on", "off"), "off")
    assert str(guideline.leaves["treat"].steps[-1].when) == "wait_and_see is off"  # type: ignore[union-attr]
    patient = {"airway_compromise": False, "immunocompromised": False, "age": 30,
               "symptom_days": 2, "throat_score": 5, "pregnant": False}
    assert [e.id for e in guideline.traverse(patient).excluded] == ["delayed_prescription"]
    waiting = guideline.traverse({**patient, "wait_and_see": "on"})
    assert "delayed_prescription" in waiting.option_ids
    with pytest.raises(nettree.PatientError):
        guideline.traverse({**patient, "wait_and_see": False})


def test_the_example_no_is_a_text() -> None:
    guideline = nettree.load(EXAMPLE)
    step = guideline.leaves["treat"].steps[-1]
    assert step.when.operand == "no"  # type: ignore[union-attr]


# ---------------------------------------------------------------- the CLI on broken files


def test_cli_traverse_broken_guideline() -> None:
    run = CliRunner().invoke(main, ["traverse", "-g", str(SEVERAL)], input="{}")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert "Traceback" not in run.output
    assert isinstance(run.exception, SystemExit)
    file = str(SEVERAL.resolve())
    for line, col, msg in SEVERAL_EXPECTED:
        assert f"{file}:{line}:{col}: {msg}" in run.stderr


def test_cli_show_broken_guideline() -> None:
    run = CliRunner().invoke(main, ["show", str(SEVERAL)])
    assert run.exit_code == 1
    assert "Traceback" not in run.output
    assert "7 problems in the guideline file" in run.stderr
    assert len(re.findall(r":\d+:\d+: ", run.stderr)) == 7


def test_cli_missing_guideline_is_a_usage_error() -> None:
    run = CliRunner().invoke(main, ["traverse", "-g", "does-not-exist"], input="{}")
    assert run.exit_code == 2
    assert "Traceback" not in run.output
    assert run.stderr.startswith("nettree: error: no guideline 'does-not-exist'")


# ---------------------------------------------------------------- engine bugs found
# Bugs met while writing this file. Those fixed since stay as regression tests (their docstring
# says what used to happen); the `test_bug_*` ones fail until the loader is fixed.

MISSING_NESTED_KEYS = [
    ("branch-without-to", "        to: out-child\n", "", "'to'"),
    ("branch-without-when", "        when: {age: {below: 16}}\n", "", "'when'"),
    ("decision-without-branches",
     "    question: Has the sore throat lasted less than two weeks?\n    branches:\n",
     "    question: Has the sore throat lasted less than two weeks?\n    branchez:\n",
     "'branches'"),
    ("leaf-without-kind", "    kind: out_of_scope\n    label: Out of scope - a child\n",
     "    label: Out of scope - a child\n", "'kind'"),
    ("derive-without-from", "      from: throat_score\n", "", "'from'"),
    ("derive-bin-without-value", "        - {value: intermediate, at_most: 3}",
     "        - {at_most: 3}", "'value'"),
    ("fallback-without-option", "  option: clinical_review\n", "", "'option'"),
    ("note-rule-without-statement", '  - statement: "2.3-n1"\n    when: {cited: "2.3"}\n',
     '  - when: {cited: "2.3"}\n', "'statement'"),
    ("remark-without-when", "      - when: {symptom_days: {below: 7}}\n        text:",
     "      - text:", "'when'"),
]


@pytest.mark.parametrize(("old", "new", "key"), [m[1:] for m in MISSING_NESTED_KEYS],
                         ids=[m[0] for m in MISSING_NESTED_KEYS])
def test_a_missing_nested_key_is_a_problem_not_a_crash(tmp_path: Path, old: str, new: str,
                                                       key: str) -> None:
    """Was a bug: the loader reported the missing key, then indexed it anyway (KeyError)."""
    path = write(tmp_path, edit(old, new))
    problems = problems_of(path)
    assert any(f"missing the required key {key}" in p.message for p in problems)


LISTS_FOR_NAMES = [
    ("derive-from-a-list", "      from: throat_score", "      from: [throat_score]"),
    ("use-a-list", "    - use: first-choice", "    - use: [first-choice]"),
    ("drop-listed-in-a-list", "  - drop_listed_in: intolerant_to",
     "  - drop_listed_in: [intolerant_to]"),
]


@pytest.mark.parametrize(("old", "new"), [m[1:] for m in LISTS_FOR_NAMES],
                         ids=[m[0] for m in LISTS_FOR_NAMES])
def test_a_list_where_a_name_belongs_is_a_problem_not_a_crash(tmp_path: Path, old: str,
                                                              new: str) -> None:
    """Was a bug: the list was used as a dict key (TypeError: unhashable type: 'YList')."""
    text = edit(old, new)
    problems = problems_of(write(tmp_path, text))
    line, _ = position(text, new.strip())
    assert any(p.line == line for p in problems)


def test_a_defect_in_a_shared_step_set_is_reported_once(tmp_path: Path) -> None:
    """Was a bug: a step set that failed to parse was not remembered, so every `use` of it
    parsed it again and reported its problems again (three copies here)."""
    text = edit("    - offer: amoxicillin", "    - offer: amoxycillin")
    problems = problems_of(write(tmp_path, text))
    messages = [str(p) for p in problems]
    assert len(messages) == len(set(messages)), "\n".join(messages)


def test_a_step_set_that_uses_itself_is_reported_once(tmp_path: Path) -> None:
    """Was a bug, same cause: the self-use was reported twice."""
    text = edit("    - use: first-choice", "    - use: antibiotics")
    messages = [str(p) for p in problems_of(write(tmp_path, text))]
    assert len(messages) == len(set(messages)), "\n".join(messages)


def test_remarks_that_are_not_a_list_are_a_problem(tmp_path: Path) -> None:
    """Was a bug: `remarks: some text` (not a list) was silently ignored."""
    text = edit("    remarks:\n      - when: {symptom_days: {below: 7}}\n"
                "        text: Symptoms began less than a week ago.\n"
                "      - when: {symptom_days: {at_least: 7}}\n"
                "        text: Symptoms have lasted a week or more.\n",
                "    remarks: Symptoms began less than a week ago.\n")
    problems = problems_of(write(tmp_path, text))
    line, _ = position(text, "remarks: Symptoms")
    assert [p.line for p in problems] == [line]


def test_min_above_max_is_a_problem(tmp_path: Path) -> None:
    """Was a bug: a number field whose min is above its max loaded (no value could be valid)."""
    text = edit("    min: 0\n    max: 120\n", "    min: 120\n    max: 0\n")
    problems = problems_of(write(tmp_path, text))
    assert any("min" in p.message and "max" in p.message for p in problems)


def test_a_bin_that_can_never_be_chosen_is_a_problem(tmp_path: Path) -> None:
    """Was a bug: bins were not checked to rise: `low below 4` then `intermediate at_most 3`
    loaded, and the intermediate bin could never be chosen."""
    text = edit("        - {value: low, below: 2}", "        - {value: low, below: 4}")
    problems = problems_of(write(tmp_path, text))
    line, _ = position(text, "{value: intermediate, at_most: 3}")
    assert any(p.line == line for p in problems)


def test_a_cycle_is_reported_the_same_way_in_every_run(tmp_path: Path) -> None:
    """Was a bug: the cycle's first node (so the message and its position) depended on string
    hashing (PYTHONHASHSEED): 'cycle: adult -> duration -> risk -> test -> adult' at adult's
    line in one run, 'cycle: risk -> test -> adult -> duration -> risk' at risk's in another."""
    path = write(tmp_path, edit(*CYCLE))
    script = ("import sys, nettree\n"
              "try:\n    nettree.load(sys.argv[1])\n"
              "except nettree.GuidelineError as e:\n    print(e)\n")
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                             text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.add(run.stdout)
    assert len(outputs) == 1, "\n".join(sorted(outputs))


def test_cli_shows_no_traceback_for_a_missing_nested_key(tmp_path: Path) -> None:
    """Was a bug: the KeyError above reached the user as a traceback, not exit status 1."""
    path = write(tmp_path, edit("        to: out-child\n", ""))
    run = CliRunner().invoke(main, ["show", str(path)])
    assert not isinstance(run.exception, KeyError), repr(run.exception)
    assert run.exit_code == 1


INVALID_NODES = [
    ("leaf-with-branches", "    reason: This example covers adults only.\n",
     "    reason: This example covers adults only.\n    branches: []\n", "out-child"),
    ("leaf-without-kind", "    kind: out_of_scope\n    label: Out of scope - a child\n",
     "    label: Out of scope - a child\n", "out-child"),
    ("decision-without-branches",
     "    question: Is the patient 16 or older?\n    branches:\n",
     "    question: Is the patient 16 or older?\n    branchez:\n", "adult"),
]


@pytest.mark.parametrize(("old", "new", "node"), [n[1:] for n in INVALID_NODES],
                         ids=[n[0] for n in INVALID_NODES])
def test_regression_an_edge_to_an_invalid_node_is_not_an_unknown_node(tmp_path: Path, old: str,
                                                               new: str, node: str) -> None:
    """Regression: a node whose own definition has a problem is left out of the graph, so every edge
    to it is also reported as "goes to unknown node 'out-child'": false, the node is there."""
    problems = problems_of(write(tmp_path, edit(old, new)))
    assert not [str(p) for p in problems if f"unknown node {node!r}" in p.message]


def test_regression_a_recommendation_in_a_note_rule_is_named_as_such(tmp_path: Path) -> None:
    """Regression: a note rule naming a recommendation says "'2.3' is not a statement id (did you
    mean '2.3'?)": the suggestion is the offending id itself."""
    problems = problems_of(write(tmp_path, edit('- statement: "2.3-n1"', '- statement: "2.3"')))
    assert len(problems) == 1
    assert "did you mean '2.3'?" not in problems[0].message, problems[0].message


def test_regression_an_empty_condition_is_not_called_a_non_mapping(tmp_path: Path) -> None:
    """Regression: `when: {}` gave "a condition must be a mapping such as {field: value}, ...
    (got a mapping)": the message contradicted itself; the mapping is empty."""
    problems = problems_of(write(tmp_path, edit("        when: {rapid_test: positive}",
                                                "        when: {}")))
    assert len(problems) == 1
    assert "(got a mapping)" not in problems[0].message, problems[0].message


def test_regression_the_quote_it_hint_shows_the_version_as_written(tmp_path: Path) -> None:
    """Regression: `version: 1.10` gave "'version' must be a text: quote it ('1.1' as
    written)", but 1.1 is not what was written: the author would quote the wrong version."""
    problems = problems_of(write(tmp_path, edit('version: "0.1"', "version: 1.10")))
    assert len(problems) == 1
    assert "1.10" in problems[0].message, problems[0].message
