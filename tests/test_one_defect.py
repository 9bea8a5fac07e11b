"""One defect gives one problem: the loader does not report the consequences of a defect again.

Every file in tests/mutations/ and tests/guidelines/broken/ has its exact number of load problems
(0 for a file that loads and is broken only for `verify`), and single mutations of the bundled
guideline each give exactly one located problem.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import EVERY_GUIDELINE

import nettree
from nettree.format import declare

HERE = Path(__file__).parent
ROOT = HERE.parent
BUNDLED = ROOT / "graphs" / "asco-gepnet-2023.yaml"
BUNDLED_TEXT = BUNDLED.read_text(encoding="utf-8")

EXPECTED = {
    "mutations/base.yaml": 0,
    "mutations/cycle.yaml": 1,
    "mutations/dangling-edge.yaml": 1,
    "mutations/missing-choice-value.yaml": 0,
    "mutations/missing-number-boundary.yaml": 0,
    "mutations/missing-number-range.yaml": 0,
    "mutations/missing-recommendation.yaml": 1,
    "mutations/missing-set-case.yaml": 0,
    "mutations/overlapping-choice.yaml": 0,
    "mutations/overlapping-number.yaml": 0,
    "mutations/unknown-field.yaml": 1,
    "mutations/unknown-option.yaml": 1,
    "mutations/unreachable-leaf.yaml": 1,
    "mutations/unsatisfiable-branch.yaml": 0,
    "mutations/unsatisfiable-leaf.yaml": 0,
    "mutations/unsupported-citation.yaml": 0,
    "mutations/unused-option.yaml": 0,
    "guidelines/broken/several-defects.yaml": 7,  # its seven DEFECT lines
}


def problems(path: Path) -> list[nettree.Problem]:
    try:
        nettree.load(path)
    except nettree.GuidelineError as error:
        return list(error.problems)
    return []


def test_every_test_file_is_counted() -> None:
    found = {str(p.relative_to(HERE)) for d in ("mutations", "guidelines/broken")
             for p in (HERE / d).glob("*.yaml")}
    assert found == set(EXPECTED)


@pytest.mark.parametrize(("name", "count"), sorted(EXPECTED.items()))
def test_a_test_file_has_its_number_of_problems(name: str, count: int) -> None:
    found = problems(HERE / name)
    assert len(found) == count, "\n".join(map(str, found))


HUGE = "1" + "0" * 400
# (name, old text, new text, words of the one message, the text the problem points at)
MUTATIONS = [
    ("misspelt-label-of-an-option", "  observation: {label:", "  observation: {lable:",
     "unknown key 'lable' in option 'observation' (did you mean 'label'?): option "
     "'observation' is missing the required key 'label'", "lable:"),
    ("misspelt-label-of-a-rating", "    label: Type\n", "    lable: Type\n",
     "unknown key 'lable' in rating dimension 'type'", "lable: Type"),
    ("branch-without-to", "        to: out-poorly-differentiated\n", "",
     "is missing the required key 'to'", None),
    ("unknown-key-in-a-leaf", "    kind: out_of_scope\n",
     "    kind: out_of_scope\n    colour: red\n",
     "unknown key 'colour' in leaf", "colour: red"),
    ("misspelt-question", "    question: Is the tumour well", "    questoin: Is the tumour well",
     "did you mean 'question'?", "questoin"),
    ("wrong-type-of-a-field", "    type: boolean\n    description: Metastatic",
     "    type: yes\n    description: Metastatic", "'type' must be one of", "yes\n"),
    ("a-list-for-a-label", "  observation: {label: Observation with anatomic imaging (CT or MRI) "
     "every 3-6 months}", "  observation: {label: [a, b]}", "'label' must be a non-empty text",
     "[a, b]"),
    ("dangling-reference", "    - drop: observation\n", "    - drop: observatoin\n",
     "unknown option 'observatoin' (did you mean 'observation'?)", "observatoin"),
    ("repeated-option-in-drop", "    - drop: observation\n",
     "    - drop: [observation, observation]\n",
     "'observation' is repeated in 'drop'", "observation]"),
    ("repeated-value-of-a-choice", "    values: [gi, pancreas, other]",
     "    values: [gi, pancreas, gi]", "'gi' is repeated in 'values'", "gi]"),
    ("repeated-support", "    supports: [mdt_discussion]",
     "    supports: [mdt_discussion, mdt_discussion]", "is repeated in 'supports'",
     "mdt_discussion]"),
    ("repeated-cite", '      cites: ["2.1"]\n', '      cites: ["2.1", "2.1"]\n',
     "'2.1' is repeated in 'cites'", '"2.1"]'),
    ("repeated-in-value", "{primary_site: {in: [gi, pancreas]}}",
     "{primary_site: {in: [gi, gi]}}", "'gi' is repeated in 'in'", "gi]}}"),
    ("number-of-400-digits", "max: 100", f"max: {HUGE}", "is too large", HUGE),
    ("float-overflowing-to-inf", "max: 100", "max: 1.0e+999", "is too large",
     "1.0e+999"),
    ("a-list-for-a-rating-code", "rating: {type: IC, evidence: L, strength: S}",
     "rating: {type: [IC], evidence: L, strength: S}", "type must be one of", "[IC]"),
    ("a-list-for-a-step-encoding",  # was silently accepted
     '      cites: ["2.1"]\n', '      cites: ["2.1"]\n      encoding: [a]\n',
     "'encoding' must be a non-empty text (got a list)", "[a]"),
    ("a-number-for-a-label", "  observation: {label: Observation with anatomic imaging (CT or "
     "MRI) every 3-6 months}", "  observation: {label: 1.10}",
     "'label' must be a text: quote it ('1.10')", "1.10}"),
    ("a-text-for-a-boolean", "      given_may_exceed: true", "      given_may_exceed: yes",
     "'given_may_exceed' must be true or false", "yes"),
    ("repeated-value-in-a-set-default", "    default: []", "    default: [ssa, ssa]",
     "'ssa' is repeated in the default", "ssa]"),
    ("repeated-option-in-offered", "{offered: [ssa, observation], primary_site: gi",
     "{offered: [ssa, ssa], primary_site: gi", "'ssa' is repeated in 'offered'", "ssa], primary"),
    ("repeated-field-in-missing", "    missing: [sstr_status]",
     "    missing: [sstr_status, sstr_status]", "'sstr_status' is repeated in 'missing'",
     "sstr_status]"),
    ("unknown-field-in-a-condition", "{primary_site: {in: [gi, pancreas]}}",
     "{primary_sit: {in: [gi, pancreas]}}", "unknown field 'primary_sit'", "primary_sit"),
]


def _mutate(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert old in BUNDLED_TEXT, old
    text = BUNDLED_TEXT.replace(old, new, 1)
    shutil.copytree(ROOT / "graphs" / "sources", tmp_path / "sources")
    path = tmp_path / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


@pytest.mark.parametrize(("old", "new", "words", "at"), [m[1:] for m in MUTATIONS],
                         ids=[m[0] for m in MUTATIONS])
def test_one_mutation_of_the_bundled_guideline_is_one_problem(
        tmp_path: Path, old: str, new: str, words: str, at: str | None) -> None:
    path, text = _mutate(tmp_path, old, new)
    found = problems(path)
    assert len(found) == 1, "\n".join(map(str, found))
    assert words in found[0].message
    assert len(found[0].message) < 400  # values are echoed cut
    if at is not None:
        index = text.index(at, text.index(new[:20]) if new[:20] in text else 0)
        line = text.count("\n", 0, index) + 1
        assert found[0].line == line, found[0]


def test_a_number_over_the_digit_limit_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path, _ = _mutate(tmp_path, "max: 100", "max: " + "9" * 5000)
    found = problems(path)
    assert len(found) == 1, "\n".join(map(str, found))
    assert len(found[0].message) < 400


def test_verify_of_a_non_guideline_does_not_echo_the_file(tmp_path: Path) -> None:
    path = tmp_path / "passwd.yaml"
    path.write_text("root: " + "x" * 5000 + "\n", encoding="utf-8")
    found = problems(path)
    assert found and all(len(p.message) < 400 for p in found)


def test_load_and_traverse_do_not_import_networkx() -> None:
    script = ("import sys, nettree\n"
              "g = nettree.load('asco-gepnet-2023')\n"
              "g.traverse({'differentiation': 'well', 'metastatic': True, 'primary_site': 'gi',"
              " 'ki67': 5, 'sstr_status': 'positive'})\n"
              "print('networkx' in sys.modules)\n"
              "g.graph\n"
              "print('networkx' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=60)
    assert run.stdout.split() == ["False", "True"]


def _chain(tmp_path: Path, decisions: dict[str, list[str]]) -> Path:
    """A guideline whose graph is ``decisions`` (each to its targets), ending in leaf 'end'."""
    lines = ["nettree: 1", "id: big", "title: Big", 'version: "1"',
             "ratings: {s: {label: S, codes: {A: a}}}",
             "recommendations:", '  - {id: "1", category: c, text: t, rating: {s: A}}',
             "fields: {x: {type: boolean, description: x}}",
             "options: {o: {label: O}}", f"start: {next(iter(decisions))}", "decisions:"]
    for node, targets in decisions.items():
        lines += [f"  {node}:", "    question: q", "    branches:"]
        lines += [f"      - {{answer: a{i}, when: {{x: {str(i % 2 == 0).lower()}}}, to: {to}}}"
                  for i, to in enumerate(targets)]
    lines += ["leaves:", "  end: {kind: out_of_scope, label: End, reason: r}"]
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_chain_of_3000_decisions_loads(tmp_path: Path) -> None:
    n = 3000
    graph = {f"d{i}": [f"d{i + 1}" if i + 1 < n else "end", "end"] for i in range(n)}
    guideline = nettree.load(_chain(tmp_path, graph))
    assert len(guideline.decisions) == n
    assert guideline.in_scope_nodes == frozenset()


def test_densely_linked_decisions_are_one_cycle(tmp_path: Path) -> None:
    """Was a hang: every simple cycle was listed (about 10! of them here)."""
    n = 10
    graph = {f"d{i}": [f"d{j}" for j in range(n) if j != i] + ["end"] for i in range(n)}
    found = problems(_chain(tmp_path, graph))
    cycles = [p for p in found if p.message.startswith("cycle: ")]
    assert len(cycles) == 1
    assert re.fullmatch(r"cycle: d0 -> (d\d+ -> )*d0", cycles[0].message)


def _every(text: str, pattern: str) -> list[tuple[int, re.Match[str]]]:
    return [(i, m) for i, line in enumerate(text.split("\n")) for m in re.finditer(pattern, line)]


DECLARED_KEYS = sorted({key.name for record in declare.RECORDS.values() for key in record.keys}
                       | set(declare.CONDITION_KEYS) - {"offered", "cited"})


def _first_of_each_key(path: Path) -> list[tuple[str, int, int]]:
    """(key, line index, column) of the first place each declared key is written as a key."""
    text = path.read_text(encoding="utf-8")
    seen: dict[str, tuple[str, int, int]] = {}
    ratings = next(i for i, line in enumerate(text.split("\n")) if line.startswith("ratings:"))
    lines = text.split("\n")
    for i, match in _every(text, r"(?<=[{ ,-])([a-z_]+): "):
        key = match.group(1)
        before = lines[i][:match.start(1)].rstrip()
        if before and before[-1] not in "-{,":
            continue  # a word in prose ("only in select cases: ..."), not a key
        if key in DECLARED_KEYS and key not in seen and not ratings < i < ratings + 10:
            seen[key] = (key, i, match.start(1))
    return sorted(seen.values())


@pytest.mark.parametrize("path", EVERY_GUIDELINE,
                         ids=lambda p: p.name)
def test_every_misspelt_key_is_one_problem(tmp_path: Path, path: Path) -> None:
    """Each declared key, misspelt where it is first written, gives one problem."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if (path.parent / "sources").is_dir():  # the source texts the file names
        shutil.copytree(path.parent / "sources", tmp_path / "sources")
    wrong = []
    for key, index, column in _first_of_each_key(path):
        line = lines[index]
        mutant = tmp_path / f"{key}.yaml"
        wrong_key = f"{line[:column]}{key}x{line[column + len(key):]}"
        mutant.write_text("\n".join([*lines[:index], wrong_key, *lines[index + 1:]]),
                          encoding="utf-8")
        found = problems(mutant)
        if len(found) != 1 or found[0].line != index + 1:
            wrong.append(f"{key} (line {index + 1}): " + " | ".join(map(str, found)))
    assert not wrong, "\n".join(wrong)


def test_every_branch_without_to_is_one_problem(tmp_path: Path) -> None:
    lines = BUNDLED_TEXT.split("\n")
    shutil.copytree(ROOT / "graphs" / "sources", tmp_path / "sources")
    decisions, leaves = lines.index("decisions:"), lines.index("leaves:")
    targets = [i for i in range(decisions, leaves) if re.match(r" +to: ", lines[i])]
    assert len(targets) > 20
    for index in targets:
        mutant = tmp_path / "mutant.yaml"
        mutant.write_text("\n".join(lines[:index] + lines[index + 1:]), encoding="utf-8")
        found = problems(mutant)
        assert [p.message.endswith("is missing the required key 'to'") for p in found] == [True]


def test_every_option_with_a_misspelt_label_is_one_problem(tmp_path: Path) -> None:
    lines = BUNDLED_TEXT.split("\n")
    shutil.copytree(ROOT / "graphs" / "sources", tmp_path / "sources")
    options = [i for i, line in enumerate(lines) if re.match(r"  \w+: \{label:", line)]
    assert len(options) > 5
    for index in options:
        mutant = tmp_path / "mutant.yaml"
        mutant.write_text("\n".join([*lines[:index], lines[index].replace("{label:", "{lable:"),
                                     *lines[index + 1:]]), encoding="utf-8")
        found = problems(mutant)
        assert [(p.line, "unknown key 'lable'" in p.message) for p in found] == [(index + 1, True)]


def test_a_repeated_option_in_drop_stops_verify_and_traverse_with_one_line(tmp_path: Path) -> None:
    """Was a bug: `drop: [x, x]` loaded, then verify and traverse died with KeyError."""
    from click.testing import CliRunner

    from nettree.cli import main

    path, _ = _mutate(tmp_path, "    - drop: observation\n",
                         "    - drop: [observation, observation]\n")
    for args in (["verify", str(path)], ["traverse", "-g", str(path), "--set", "ki67=5"]):
        run = CliRunner().invoke(main, args)
        assert run.exit_code == 1, run.output
        assert not isinstance(run.exception, KeyError)
        said = " ".join(run.output.split())  # verify reports on stdout, wrapped
        assert "'observation' is repeated in 'drop'" in said
        assert len(re.findall(r":\d+:\d+: ", said)) == 1


def test_cli_verify_of_a_system_file_does_not_echo_it() -> None:
    from click.testing import CliRunner

    from nettree.cli import main

    passwd = Path("/etc/passwd")
    if not passwd.is_file():
        pytest.skip("no /etc/passwd here")
    run = CliRunner().invoke(main, ["verify", str(passwd)])
    assert run.exit_code in (1, 2)
    assert "Traceback" not in run.output
    assert all(len(line) < 400 for line in run.stderr.splitlines())
