"""Named conditions (issue 9, item 6): a ``conditions:`` section of named, reusable
conditions, used as ``{is: name}`` wherever a condition goes.

On the fictional tests/guidelines/example-named.yaml: a reference is the named condition
itself (one object, evaluated as its condition, also under ``not`` and ``all``); a bad name,
a cycle, a name that clashes, a result test in a decision are each a located problem; an
unused one is a coverage finding; diagrams (SVG, Mermaid, DOT), the decision table and
verification's findings show a named condition by its label, and ``--conditions raw`` as
``is name``. The page's engine reads them from the page data (tests/test_page_engine.py);
the compiled evaluator and the unknown-data property run on every file of tests/guidelines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import nettree
from nettree.cli import main
from nettree.conditions import AllOf, AnyOf, FieldTest, Named, Not
from nettree.export import export, render
from nettree.export.extract import build_diagram
from nettree.export.html import page_data
from nettree.verify import verify

HERE = Path(__file__).parent
NAMED = HERE / "guidelines" / "example-named.yaml"
TEXT = NAMED.read_text(encoding="utf-8")
RED_FLAG = "a red flag (breathless or focal chest signs)"
HIGH_RISK = '  high_risk:                                 # no label: shown as "high risk"'


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="nettree")


def edit(*pairs: tuple[str, str]) -> str:
    """The example's text with each ``old`` (which must occur exactly once) made ``new``."""
    text = TEXT
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} must occur once in the example"
        text = text.replace(old, new)
    return text


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "named.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the single occurrence of ``needle`` in ``text``."""
    assert text.count(needle) == 1, f"{needle!r} must occur once"
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def problems(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(nettree.GuidelineError) as info:
        nettree.load(write(tmp_path, text))
    return [(p.line, p.column, p.message) for p in info.value.problems]


@pytest.fixture(scope="module")
def guideline() -> nettree.Guideline:
    return nettree.load(NAMED)


# ---------------------------------------------------------------- references


def test_the_section_is_read_in_the_files_order_with_labels(guideline: nettree.Guideline) -> None:
    assert list(guideline.conditions) == ["pneumonia_suspected", "red_flag", "high_risk",
                                          "antibiotic_offered"]
    assert {n: c.label for n, c in guideline.conditions.items()} == {
        "pneumonia_suspected": "suspected pneumonia", "red_flag": RED_FLAG,
        "high_risk": "high risk",  # no label: the name in words
        "antibiotic_offered": "an antibiotic is offered"}
    red_flag = guideline.conditions["red_flag"]
    assert red_flag.when == AnyOf((FieldTest("breathless", "is", True),
                                   FieldTest("chest_signs", "is", True)))


def test_a_reference_is_the_named_condition_itself(guideline: nettree.Guideline) -> None:
    red_flag = guideline.conditions["red_flag"]
    yes, no = guideline.decisions["triage"].branches
    assert yes.when is red_flag  # one object, however often it is used
    assert no.when == Not(red_flag) and no.when.part is red_flag
    # Used before it is written: pneumonia_suspected uses red_flag, written after it.
    suspected = guideline.conditions["pneumonia_suspected"]
    assert suspected.when == AllOf((red_flag, FieldTest("fever", "is", True)))
    assert guideline.decisions["pneumonia"].branches[0].when is suspected
    assert suspected.fields() == {"breathless", "chest_signs", "fever"}
    assert guideline.decisions["pneumonia"].reads == ("breathless", "chest_signs", "fever")
    # The thresholds inside named conditions cut their number fields.
    assert guideline.thresholds["age"] == (65.0, 75.0)


@pytest.mark.parametrize(("patient", "leaf", "options"), [
    ({"breathless": True, "fever": True, "age": 40, "copd": False}, "antibiotics",
     {"amoxicillin": ["2.1"]}),
    ({"chest_signs": True, "fever": True, "copd": True, "age": 40}, "antibiotics",
     {"amoxicillin": ["2.1", "2.2"]}),  # all of (high risk; an antibiotic is offered)
    ({"breathless": True, "fever": False, "age": 70}, "xray", {"chest_xray": ["3.1", "3.2"]}),
    ({"breathless": False, "chest_signs": False, "days": 3, "age": 70, "smoker": True},
     "self-care", {"self_care": ["1.2"], "review_visit": ["1.3"]}),
    ({"breathless": False, "chest_signs": False, "days": 3, "age": 40, "copd": False,
      "smoker": True}, "self-care", {"self_care": ["1.2"]}),
])
def test_named_conditions_decide_as_their_conditions(
        guideline: nettree.Guideline, patient: dict[str, object], leaf: str,
        options: dict[str, list[str]]) -> None:
    for compiled in (True, False):
        result = guideline.traverse(patient, compiled=compiled)
        assert result.leaf == leaf
        assert {o.id: list(o.cites) for o in result.options} == options


def test_unknown_data_through_a_named_condition(guideline: nettree.Guideline) -> None:
    result = guideline.traverse({"breathless": False, "age": 40})
    assert (result.status, result.missing) == ("needs_information", ("chest_signs",))
    # The note's named condition (about the result) holds when an antibiotic is offered.
    result = guideline.traverse({"breathless": True, "fever": True, "age": 40, "copd": False})
    assert [n.id for n in result.notes] == ["2.1-n1"]
    # Whether 2.2 is cited hangs on high_risk: COPD unknown at 40 is asked for.
    result = guideline.traverse({"breathless": True, "fever": True, "age": 40})
    assert (result.status, result.missing) == ("needs_information", ("copd",))


# ---------------------------------------------------------------- problems, each located

CASES = {
    "unknown name": (
        (("when: {is: red_flag}\n        to: pneumonia",
          "when: {is: red_flags}\n        to: pneumonia"),),
        "red_flags}\n        to: pneumonia",
        "decision 'triage', branch 1: unknown named condition 'red_flags' (did you mean "
        "'red_flag'?)"),
    "a name that is not a text": (
        (("when: {is: red_flag}\n        to: pneumonia", "when: {is: [red_flag]}\n"
          "        to: pneumonia"),),
        "[red_flag]}\n        to: pneumonia",
        "decision 'triage', branch 1: 'is' takes the name of a named condition (got a list)"),
    "a cycle": (
        (("when: {any: [{breathless: true}, {chest_signs: true}]}",
          "when: {any: [{breathless: true}, {is: pneumonia_suspected}]}"),),
        "pneumonia_suspected:                       # uses",
        "named condition 'pneumonia_suspected' uses itself: pneumonia_suspected -> red_flag "
        "-> pneumonia_suspected"),
    "a condition using itself": (
        (("when: {any: [{breathless: true}, {chest_signs: true}]}",
          "when: {any: [{breathless: true}, {not: {is: red_flag}}]}"),),
        "red_flag:\n",
        "named condition 'red_flag' uses itself: red_flag -> red_flag"),
    "a name clashing with a field": (
        ((HIGH_RISK, "  copd:"),
         ("{is: high_risk}, {smoker", "{is: copd}, {smoker"),
         ("{all: [{is: high_risk}, {is: anti", "{all: [{is: copd}, {is: anti"),
         ("when: {is: high_risk}", "when: {is: copd}")),
        "copd:\n    when",
        "named condition 'copd': a name must be an identifier and neither a field's name nor "
        "one of all, any, cited, is, not, offered"),
    "a name clashing with an operator key": (
        ((HIGH_RISK, "  offered:"),
         ("{is: high_risk}, {smoker", "{is: offered}, {smoker"),
         ("{all: [{is: high_risk}, {is: anti", "{all: [{is: offered}, {is: anti"),
         ("when: {is: high_risk}", "when: {is: offered}")),
        "offered:\n    when",
        "named condition 'offered': a name must be an identifier and neither a field's name "
        "nor one of all, any, cited, is, not, offered"),
    "a result test in a decision": (
        (("when: {is: pneumonia_suspected}\n        to: antibiotics",
          "when: {is: antibiotic_offered}\n        to: antibiotics"),
         ("when: {not: {is: pneumonia_suspected}}", "when: {not: {is: red_flag}}")),
        "antibiotic_offered}\n        to: antibiotics",
        "decision 'pneumonia', branch 1: the named condition 'antibiotic_offered' tests what "
        "a result offers ('offered' or 'cited') and cannot be used in a decision"),
    "no condition": (
        (("    when: {all: [{is: red_flag}, {fever: true}]}\n", ""),),
        "label: suspected pneumonia",
        "named condition 'pneumonia_suspected' is missing the required key 'when'"),
    "an unknown field within": (
        (("{fever: true}]}", "{fevr: true}]}"),),
        "fevr",
        "named condition 'pneumonia_suspected': unknown field 'fevr' (did you mean 'fever'?)"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_is_located(case: str, tmp_path: Path) -> None:
    pairs, needle, message = CASES[case]
    text = edit(*pairs)
    found = problems(tmp_path, text)
    line, column = position(text, needle)
    # Reported once, where it is written: not again where it is used.
    assert found == [(line, column, message)]


def test_the_section_must_be_a_mapping(tmp_path: Path) -> None:
    text = edit(("conditions:\n  pneumonia_suspected:", "conditions: [x]\nnothing:\n"
                                                        "  pneumonia_suspected:"))
    found = problems(tmp_path, text)
    assert (*position(text, "[x]"), "'conditions' must map each name to its condition "
                                    "({when: ..., label: ...})") in found


def test_an_unused_named_condition_is_a_coverage_finding(tmp_path: Path) -> None:
    assert verify(nettree.load(NAMED)).ok
    about = "antibiotic_offered:                        # about"
    text = edit((about, f"spare:\n    when: {{smoker: false}}\n  {about}"))
    report = verify(nettree.load(write(tmp_path, text)))
    (coverage,) = [c for c in report.checks if c.name == "coverage"]
    assert [f.message for f in coverage.findings] == ["named condition 'spare' is never used"]


# ---------------------------------------------------------------- shown by label


def test_verification_findings_show_the_label(tmp_path: Path) -> None:
    """A branch no patient takes is listed with its condition: by label."""
    text = edit(("        to: antibiotics\n", "        to: antibiotics\n"
                 "      - answer: never\n"
                 "        when: {all: [{is: pneumonia_suspected}, {not: {is: red_flag}}]}\n"
                 "        to: xray\n"))
    result = run("verify", str(write(tmp_path, text)))
    assert result.exit_code == 1
    assert (f"decision 'pneumonia': no patient who reaches it takes branch 'never' (all of "
            f"(suspected pneumonia; not ({RED_FLAG})))") in " ".join(result.stdout.split())


def test_diagrams_show_the_label_and_raw_the_name(guideline: nettree.Guideline) -> None:
    mermaid = export(guideline, "mermaid")
    assert "1.3 [C] (C): if high risk and a smoker" in mermaid
    assert "Every option also cites 2.2 [C] (C): if high risk and an antibiotic is offered" \
        in mermaid
    raw = run("render", str(NAMED), "--format", "mermaid", "--conditions", "raw").stdout
    assert "1.3 [C] (C): if is high_risk and smoker = true" in raw
    assert "if is high_risk and is antibiotic_offered" in raw
    assert "high risk and" not in raw
    dot = export(guideline, "dot")
    assert "high risk and a smoker" in dot
    svg = render(guideline, "svg").decode()
    assert "high risk and a smoker" in svg
    # The page shows the branches' conditions by label too, and holds the named conditions.
    data = page_data(guideline, build_diagram(guideline))
    triage = data["decisions"]["triage"]["branches"]
    assert [b["text"] for b in triage] == [RED_FLAG, f"not ({RED_FLAG})"]
    assert triage[0]["when"] == {"t": "is", "n": "red_flag"}
    assert data["conditions"]["pneumonia_suspected"] == {
        "label": "suspected pneumonia",
        "when": {"t": "all", "p": [{"t": "is", "n": "red_flag"},
                                   {"t": "field", "f": "fever", "op": "is", "v": True}]}}


def test_a_named_condition_narrows_what_a_diagram_shows_below_it(tmp_path: Path) -> None:
    """What a named condition implies is known below its branch: below "suspected pneumonia"
    (a red flag and a fever) a leaf's condition on the fever is decided, and not shown."""
    step = "      - cite: [\"2.1\"]\n        to: amoxicillin\n        when: {fever: true}\n"
    text = edit(("      - cite: [\"2.2\"]\n", step + "      - cite: [\"2.2\"]\n"))
    mermaid = export(nettree.load(write(tmp_path, text)), "mermaid")
    assert "also cites a fever" not in mermaid
    # Where nothing is known of the fever (no suspected pneumonia), the same step says it.
    xray = step.replace("2.1", "3.1").replace("amoxicillin", "chest_xray")
    text = edit(("      - cite: [\"3.2\"]\n", xray + "      - cite: [\"3.2\"]\n"))
    assert "3.1 [C] (C): also cites a fever" in export(nettree.load(write(tmp_path, text)),
                                                       "mermaid")


ENUMERATED = f"""\
| # | days | (several fields) | leaf | kind | options (the leaf's steps) |
|---|---|---|---|---|---|
| 1 | any | {RED_FLAG}; suspected pneumonia | antibiotics | recommendation | amoxicillin [2.1]; \
doxycycline [2.1-q1] when intolerant_to contains amoxicillin; cite [2.2] for every option when \
all of (high risk; an antibiotic is offered) |
| 2 | any | {RED_FLAG}; not (suspected pneumonia) | xray | recommendation | chest_xray [3.1]; \
cite [3.2] for chest_xray when high risk; oxygen_check [3.3] when [^1] |
| 3 | >= 21 | not ({RED_FLAG}) | out-chronic | out_of_scope |  |
| 4 | < 21 | not ({RED_FLAG}) | self-care | recommendation | self_care [1.2]; review_visit [1.3] \
when all of (high risk; smoker is true) |

[^1]: all of (age is at least 75; smoker is true; copd is true; any of (fever is true; days is \
at least 7))

4 paths from 'triage' to a leaf.
"""


def test_enumerate_shows_labels_cite_steps_and_footnotes() -> None:
    result = run("enumerate", str(NAMED))
    assert result.exit_code == 0, result.output
    assert result.stdout == ENUMERATED
    # CSV and JSON keep every condition whole; a cite step is "+option" ("+": every option).
    data = json.loads(run("enumerate", str(NAMED), "--format", "json").stdout)
    xray = data["paths"][1]["options"]
    assert xray[1] == {"option": "+chest_xray", "cites": ["3.2"], "when": "high risk"}
    assert xray[2]["when"].startswith("all of (age is at least 75;")
    assert data["paths"][0]["options"][2]["option"] == "+"
    assert "[^1]" not in run("enumerate", str(NAMED), "--format", "csv").stdout


def test_enumerate_rows_differ_by_their_cite_steps(tmp_path: Path) -> None:
    """Two leaves that offer the same options but cite differently were two identical rows."""
    text = edit(("      - cite: [\"3.2\"]\n        to: chest_xray\n        when: {is: high_risk}\n",
                 ""))
    rows = [line for line in run("enumerate", str(write(tmp_path, text))).stdout.splitlines()
            if line.startswith("| 2 |")]
    assert rows and "cite [3.2]" not in rows[0]
    assert "cite [3.2] for chest_xray when high risk" in run("enumerate", str(NAMED)).stdout


def test_long_conditions_are_footnoted_once_each_in_markdown_only() -> None:
    text = run("enumerate", "asco-gepnet-2023").stdout
    table = [line for line in text.splitlines() if line.startswith("|")]
    notes = [line for line in text.splitlines() if line.startswith("[^")]
    assert notes and not any("when not (all of" in line for line in table)
    numbers = [int(n) for n in re.findall(r"^\[\^(\d+)\]: ", "\n".join(notes), re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", "\n".join(table))} == set(numbers)
    assert all(len(line.split(": ", 1)[1]) > 80 for line in notes)
    assert text.splitlines()[-1] == "12 paths from 'differentiation' to a leaf."


def test_a_named_condition_in_a_named_condition_is_one_object() -> None:
    guideline = nettree.load(NAMED)
    suspected = guideline.conditions["pneumonia_suspected"]
    assert isinstance(suspected, Named)
    assert suspected.when.parts[0] is guideline.conditions["red_flag"]
    assert suspected.names() == {"pneumonia_suspected", "red_flag"}


def chain(length: int, *, twice: bool) -> str:
    """The example with named conditions c0 .. c{length}, each using the next (once, with a
    fever, or twice), the last a fever; the note about antibiotics uses c0."""
    def body(i: int) -> str:
        return f"[{{is: c{i + 1}}}, {{is: c{i + 1}}}]" if twice else \
            f"[{{is: c{i + 1}}}, {{fever: true}}]"
    named = "".join(f"  c{i}:\n    when: {{all: {body(i)}}}\n" for i in range(length))
    named += f"  c{length}:\n    when: {{fever: true}}\n"
    return edit(("conditions:\n", "conditions:\n" + named),
                ("when: {is: antibiotic_offered}\n",
                 "when: {all: [{is: antibiotic_offered}, {is: c0}]}\n"))


def test_a_long_chain_of_named_conditions_loads_and_evaluates(tmp_path: Path) -> None:
    """Built each after those it uses: no recursion through names while loading."""
    guideline = nettree.load(write(tmp_path, chain(120, twice=False)))
    assert guideline.conditions["c0"].extent() == (1 + 120 * 3 + 1, 2 * 120 + 2)
    result = guideline.traverse({"breathless": True, "fever": True, "age": 40, "copd": False})
    assert [n.id for n in result.notes] == ["2.1-n1"]


@pytest.mark.parametrize(("length", "twice", "at", "message"), [
    # Too deep to evaluate safely: once, at the first that is, not again at its users.
    (3000, False, "c2872", "named condition 'c2872' is too large with the named conditions it "
                           "uses in place: 386 parts, nested 258 deep (at most 100,000 parts, "
                           "256 deep)"),
    # Each using the next twice: 2 ** n parts in place, refused as an alias bomb is.
    (40, True, "c25", "named condition 'c25' is too large with the named conditions it uses in "
                      "place: 131,070 parts, nested 32 deep (at most 100,000 parts, 256 deep)"),
])
def test_named_conditions_too_large_in_place_are_refused(
        tmp_path: Path, length: int, twice: bool, at: str, message: str) -> None:
    text = chain(length, twice=twice)
    assert problems(tmp_path, text) == [(*position(text, f"{at}:\n    when"), message)]
