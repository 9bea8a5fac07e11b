"""``nettree diff OLD NEW``: structural and behavioural changes between two guideline files.

A tiny guideline written here (one number field, one filter-only field) makes the patient
classes countable by hand; the sore-throat guideline checks a changed derivation, and the
illustrative adaptation in examples/adaptation/ is checked fresh.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import nettree
from nettree.cli import main
from nettree.diff import INVALID, diff_guidelines
from nettree.verify import explore

ROOT = Path(__file__).resolve().parents[1]
SORE_THROAT = ROOT / "tests" / "guidelines" / "example-sore-throat.yaml"

TINY = """\
nettree: 1
id: tiny
title: A tiny test guideline
version: "1"
citation: Made up for tests.
scope: Made up for tests.
ratings:
  strength:
    label: Strength
    codes: {S: strong}
general: []
recommendations:
  - id: "R1"
    category: Tests
    text: Offer a for a low score.
    rating: {strength: S}
    supports: [a]
  - id: "R2"
    category: Tests
    text: Offer b or c for a high score; not b with an allergy.
    rating: {strength: S}
    supports: [b, c]
  - id: "R3"
    category: Tests
    text: Otherwise review.
    rating: {strength: S}
    supports: [review]
fields:
  score:
    type: number
    min: 0
    max: 10
    description: A score.
  allergic:
    type: boolean
    default: false
    if_absent: not allergic
    description: Allergic to b.
options:
  a: {label: A}
  b: {label: B}
  c: {label: C}
  review: {label: Review}
start: score
decisions:
  score:
    question: Is the score low?
    branches:
      - answer: low
        when: {score: {below: 5}}
        to: low
      - answer: high
        when: {score: {at_least: 5}}
        to: high
leaves:
  low:
    kind: recommendation
    label: Low score
    steps: [{offer: a, cites: ["R1"]}]
  high:
    kind: recommendation
    label: High score
    steps: [{offer: b, cites: ["R2"]}, {offer: c, cites: ["R2"]}]
filters:
  - drop: b
    when: {allergic: true}
    reason: An allergy to b (R2).
    cites: ["R2"]
fallback:
  option: review
  cites: ["R3"]
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="nettree")


def tiny(tmp_path: Path, name: str, *edits: tuple[str, str]) -> str:
    text = TINY
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


THRESHOLD = (("when: {score: {below: 5}}", "when: {score: {below: 6}}"),
             ("when: {score: {at_least: 5}}", "when: {score: {at_least: 6}}"))


def test_a_file_against_itself_changes_nothing(tmp_path: Path) -> None:
    path = tiny(tmp_path, "old.yaml")
    result = run("diff", path, path)
    assert (result.exit_code, result.stderr) == (0, "")
    # score below 5 (a, no filter); 5 and above 5, each allergic or not: 5 classes
    assert result.stdout == (
        f"old: {path} (tiny, version 1)\nnew: {path} (tiny, version 1)\n\n"
        "Structural changes: none.\n\n"
        "Behavioural changes: none. Every patient gets the same result (5 patient classes "
        "compared).\n")


def test_the_bundled_sized_sore_throat_against_itself(tmp_path: Path) -> None:
    guideline = nettree.load(str(SORE_THROAT))
    diff = diff_guidelines(guideline, guideline)
    assert (diff.structural, diff.behaviour.groups, diff.changed) == ((), (), False)
    # no filter-only field: the classes are exactly those of `nettree verify`
    assert diff.behaviour.classes == len(explore(guideline).classes) == 283


def test_a_changed_threshold_names_the_exact_classes(tmp_path: Path) -> None:
    old = tiny(tmp_path, "old.yaml")
    new = tiny(tmp_path, "new.yaml", *THRESHOLD)
    result = run("diff", old, new)
    assert result.exit_code == 1
    # Cells of the union of thresholds: [0, 5), 5, (5, 6), 6, (6, 10]; the high ones split
    # on the allergy: 1 + 4 * 2 = 9 classes. Changed: score 5 and (5, 6), allergic or not.
    assert result.stdout == (
        f"old: {old} (tiny, version 1)\nnew: {new} (tiny, version 1)\n\n"
        "Structural changes (2):\n"
        "  changed  decision score: branches[low].when.score.below: 5 -> 6  (old line 50, "
        "new line 50)\n"
        "  changed  decision score: branches[high].when.score.at_least: 5 -> 6  (old line "
        "53, new line 53)\n\n"
        "Behavioural changes: 4 of 9 patient classes get another result, in 2 groups:\n"
        "  1. 2 classes\n"
        "     before: recommendation: c (R2)\n"
        "     after:  recommendation: a (R1)\n"
        '     e.g. {"score": 5, "allergic": true}\n'
        "  2. 2 classes\n"
        "     before: recommendation: b (R2), c (R2)\n"
        "     after:  recommendation: a (R1)\n"
        '     e.g. {"score": 5, "allergic": false}\n')


def test_json_shape(tmp_path: Path) -> None:
    old = tiny(tmp_path, "old.yaml")
    new = tiny(tmp_path, "new.yaml", *THRESHOLD)
    result = run("diff", old, new, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["old"] == {"file": old, "id": "tiny", "version": "1"}
    assert data["structural"][0] == {
        "change": "changed", "where": "decision score: branches[low].when.score.below",
        "path": ["decisions", "score", "branches", "[low]", "when", "score", "below"],
        "before": 5, "after": 6, "old_at": f"{old}:50:31", "new_at": f"{new}:50:31"}
    assert data["behavioural"] == [
        {"before": {"status": "recommendation", "options": {"c": ["R2"]}},
         "after": {"status": "recommendation", "options": {"a": ["R1"]}},
         "classes": 2, "example": {"score": 5, "allergic": True}},
        {"before": {"status": "recommendation", "options": {"b": ["R2"], "c": ["R2"]}},
         "after": {"status": "recommendation", "options": {"a": ["R1"]}},
         "classes": 2, "example": {"score": 5, "allergic": False}},
    ]
    assert (data["classes"], data["changed_classes"]) == (9, 4)
    assert data["fields_in_one_file"] == {"old": [], "new": []}


def test_a_removed_option(tmp_path: Path) -> None:
    old = tiny(tmp_path, "old.yaml")
    new = tiny(tmp_path, "new.yaml", ("supports: [b, c]", "supports: [b]"),
               ("  c: {label: C}\n", ""),
               ('steps: [{offer: b, cites: ["R2"]}, {offer: c, cites: ["R2"]}]',
                'steps: [{offer: b, cites: ["R2"]}]'))
    result = run("diff", old, new, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(c["change"], c["where"], c["before"], c["after"]) for c in data["structural"]] == [
        ("changed", "recommendation R2: supports", ["b", "c"], ["b"]),
        ("removed", "option c", {"label": "C"}, None),
        ("removed", "leaf high: steps[1]", {"offer": "c", "cites": ["R2"]}, None),
    ]
    assert [(g["before"], g["after"], g["classes"], g["example"])
            for g in data["behavioural"]] == [
        ({"status": "recommendation", "options": {"c": ["R2"]}},
         {"status": "recommendation", "options": {"review": ["R3"]}}, 2,
         {"score": 5, "allergic": True}),
        ({"status": "recommendation", "options": {"b": ["R2"], "c": ["R2"]}},
         {"status": "recommendation", "options": {"b": ["R2"]}}, 2,
         {"score": 5, "allergic": False}),
    ]


def test_a_field_in_one_file_only_is_not_read_by_the_other(tmp_path: Path) -> None:
    old = tiny(tmp_path, "old.yaml")
    new = tiny(tmp_path, "new.yaml", (
        "  allergic:\n    type: boolean\n    default: false\n    if_absent: not allergic\n"
        "    description: Allergic to b.\n", ""), (
        'filters:\n  - drop: b\n    when: {allergic: true}\n    reason: An allergy to b '
        '(R2).\n    cites: ["R2"]\n', ""))
    result = run("diff", old, new)
    assert result.exit_code == 1
    assert ("Fields only in the old file (the new file does not read them): allergic"
            in result.stdout.splitlines())
    assert "  removed  field allergic: " in result.stdout
    data = json.loads(run("diff", old, new, "--json").stdout)
    assert data["fields_in_one_file"] == {"old": ["allergic"], "new": []}
    assert [(g["before"]["options"], g["after"]["options"], g["classes"], g["example"])
            for g in data["behavioural"]] == [
        ({"c": ["R2"]}, {"b": ["R2"], "c": ["R2"]}, 2, {"score": 5, "allergic": True})]


def test_fields_that_accept_other_values_refuse_the_comparison(tmp_path: Path) -> None:
    old = tiny(tmp_path, "old.yaml")
    new = tiny(tmp_path, "new.yaml", ("    max: 10\n", "    max: 20\n"))
    result = run("diff", old, new)
    assert result.exit_code == 2
    assert result.stdout == ("Structural changes (1):\n  changed  field score: max: 10 -> 20"
                             "  (old line 32, new line 32)\n")
    assert result.stderr == (
        "nettree: error: the files' fields accept different values, so their patients "
        "cannot be compared: score is number: a number from 0 to 10 in the old file and "
        "number: a number from 0 to 20 in the new one\n")


def test_a_changed_derivation_shows_patients_refused_by_one_file(tmp_path: Path) -> None:
    text = SORE_THROAT.read_text("utf-8").replace("source: sources/example-sore-throat.txt\n",
                                                  "")
    (tmp_path / "old.yaml").write_text(text, "utf-8")
    (tmp_path / "new.yaml").write_text(
        text.replace("- {value: low, below: 2}", "- {value: low, below: 3}"), "utf-8")
    old, new = nettree.load(tmp_path / "old.yaml"), nettree.load(tmp_path / "new.yaml")
    diff = diff_guidelines(old, new)
    assert [c.where for c in diff.structural] == ["field risk: derive.bins[0].below"]
    refused = [g for g in diff.behaviour.groups if g.before == INVALID]
    assert refused, "a score of 2 with risk low is refused by the old file only"
    for group in refused:
        assert group.example["throat_score"] == 2.0 and group.example["risk"] == "low"
        assert group.after.status in ("recommendation", "out_of_scope", "needs_information")
        with pytest.raises(nettree.PatientError):
            old.traverse(_file_patient(old, group.example))
        new.traverse(_file_patient(new, group.example))
    assert not [g for g in diff.behaviour.groups if g.after == INVALID]


def _file_patient(guideline: nettree.Guideline, example: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in example.items() if k in guideline.fields}


def test_every_example_gives_its_groups_results(tmp_path: Path) -> None:
    """Each group's example patient, traversed under each file, gives that group's results."""
    old = nettree.load(tiny(tmp_path, "old.yaml"))
    new = nettree.load(tiny(tmp_path, "new.yaml", *THRESHOLD))
    from nettree.diff import Outcome

    for group in diff_guidelines(old, new).behaviour.groups:
        assert Outcome.of(old.traverse(group.example)) == group.before
        assert Outcome.of(new.traverse(group.example)) == group.after


@pytest.mark.parametrize(("args", "message"), [
    (("nope.yaml", "asco-gepnet-2023"), "nettree: error: no guideline 'nope.yaml'"),
])
def test_bad_arguments_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run("diff", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_an_invalid_guideline_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("nettree: 1\nid: x\n", "utf-8")
    result = run("diff", str(bad), "asco-gepnet-2023")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"nettree: error: {bad}: ")


def test_help_teaches_with_examples() -> None:
    result = run("diff", "--help")
    assert result.exit_code == 0
    assert "nettree diff asco-gepnet-2023 examples/adaptation/local-adaptation.yaml" in \
        result.stdout
    assert "Exit status: 0 when no patient's result changes" in result.stdout


# ---------------------------------------------------------------- the illustrative adaptation


def _maker() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_adaptation", ROOT / "examples" / "adaptation" / "make_adaptation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


UPDATE = os.environ.get("NETTREE_UPDATE_GOLDEN") == "1"


def test_the_adaptation_is_the_bundled_file_with_its_edits() -> None:
    maker = _maker()
    path = ROOT / maker.ADAPTED
    expected = maker.adaptation()
    if UPDATE:
        path.write_text(expected, "utf-8")
    assert path.read_text("utf-8") == expected, (
        "stale: run python examples/adaptation/make_adaptation.py")
    text = path.read_text("utf-8")
    assert text.startswith("# ILLUSTRATIVE LOCAL ADAPTATION - NOT ASCO'S GUIDELINE AND NOT "
                           "FOR CLINICAL USE.\n")
    adapted = nettree.load(path)
    assert adapted.id != nettree.load("asco-gepnet-2023").id
    assert "not ASCO's text, not for clinical use" in adapted.title


def test_the_adaptation_diff_output_is_fresh() -> None:
    maker = _maker()
    for name, text in maker.diff_outputs().items():
        path = ROOT / name
        if UPDATE:
            path.write_text(text, "utf-8")
        assert path.read_text("utf-8") == text, (
            f"{name} is stale: run python examples/adaptation/make_adaptation.py")
    shown = (ROOT / "examples" / "adaptation" / "diff.txt").read_text("utf-8")
    assert "  removed  step set pan-first-line: [4]: " in shown
    assert "     before: recommendation: ssa (3.1), sunitinib (3.2-q1)\n" \
           "     after:  recommendation: ssa (3.1)\n" in shown


def test_text_and_rating_changes_alone_exit_0(tmp_path: Path) -> None:
    text = SORE_THROAT.read_text("utf-8").replace("source: sources/example-sore-throat.txt\n",
                                                  "")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(text, "utf-8")
    changed = text.replace("Offer penicillin V to adults with a high clinical score",
                           "Offer penicillin V to adults with a very high clinical score")
    changed = changed.replace("wait and see.\n    rating: {strength: C, certainty: L}",
                              "wait and see.\n    rating: {strength: S, certainty: L}")
    new.write_text(changed, "utf-8")
    result = run("diff", str(old), str(new))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[3:7] == [
        "Structural changes (2):",
        '  changed  recommendation 2.3: text: "…penicillin V to adults with a high clinical '
        'score or a posit…" -> "…penicillin V to adults with a very high clinical score or a '
        'posit…"  (old line 61, new line 61)',
        '  changed  recommendation 2.4: rating.strength: "C" -> "S"  (old line 84, new line 84)',
        "",
    ]
    assert result.stdout.endswith("Behavioural changes: none. Every patient gets the same "
                                  "result (283 patient classes compared).\n")


def test_each_example_of_the_adaptation_gives_its_groups_results() -> None:
    """The oracle for the partition on a real guideline: each group's example patient,
    traversed under each file, gives exactly the group's before and after."""
    from nettree.diff import Outcome

    old = nettree.load("asco-gepnet-2023")
    new = nettree.load(ROOT / "examples" / "adaptation" / "local-adaptation.yaml")
    diff = diff_guidelines(old, new)
    assert len(diff.behaviour.groups) == 21
    for group in diff.behaviour.groups:
        for guideline, expected in ((old, group.before), (new, group.after)):
            patient = _file_patient(guideline, dict(group.example))
            if expected == INVALID:
                with pytest.raises(nettree.PatientError):
                    guideline.traverse(patient)
            else:
                assert Outcome.of(guideline.traverse(patient)) == expected, group.example
