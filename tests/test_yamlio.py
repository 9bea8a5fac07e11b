"""YAML as nettree reads it: YAML 1.2 core-schema values, core tags only, bounded aliases, and
the same data, positions and messages from libyaml as from the pure-Python parser.

Each class of hostile or mistaken value is checked three ways: :func:`parse_yaml` (the exact
problem and position), a patient file (``nettree traverse``, exit 2) and a guideline file
(``nettree verify`` and ``nettree traverse -g``, exit 1), never a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import nettree
from nettree.cli import main
from nettree.yamlio import MAX_NODES, Mark, YList, YMap, has_libyaml, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_FILE = ROOT / "graphs" / "asco-gepnet-2023.yaml"
EXAMPLE_FILE = ROOT / "tests" / "guidelines" / "example-sore-throat.yaml"
GI_PATIENT = ROOT / "examples" / "patients" / "gi-ki67-5-after-ssa.yaml"
TAGS = "(the tags allowed are !!str !!int !!float !!bool !!null !!seq !!map)"
TOO_LARGE = "is too large (a number may be at most about 1.8e308)"

PARSERS = [pytest.param(False, id="python"),
           pytest.param(True, id="libyaml", marks=pytest.mark.skipif(
               not has_libyaml(), reason="PyYAML without libyaml"))]


def run(*args: str, input: Any = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, prog_name="nettree")


def snapshot(data: Any) -> Any:
    """The data with every position and every type, to compare two parses exactly."""
    if isinstance(data, YMap):
        return ("map", data.mark, [(type(k).__name__, k, data.key_marks[k],
                                    data.value_marks[k], snapshot(v)) for k, v in data.items()])
    if isinstance(data, YList):
        return ("seq", data.mark, list(data.item_marks), [snapshot(v) for v in data])
    if isinstance(data, float) and math.isnan(data):
        return ("float", "nan")
    return (type(data).__name__, data)


# ---------------------------------------------------------------- YAML 1.2 core-schema values


@pytest.mark.parametrize("libyaml", PARSERS)
@pytest.mark.parametrize(("text", "value"), [
    ("024", 24),              # decimal, not YAML 1.1 octal 20
    ("-0", 0),
    ("+12", 12),
    ("0x14", "0x14"),         # hexadecimal, binary, octal, separators: texts, not numbers
    ("0b10100", "0b10100"),
    ("0o24", "0o24"),
    ("2_0", "2_0"),
    ("1:30", "1:30"),         # YAML 1.1 sexagesimal
    ("1e3", 1000.0),          # YAML 1.2 floats need no dot
    ("1E-3", 0.001),
    ("2.5", 2.5),
    ("1.", 1.0),
    (".5", 0.5),
    (".inf", math.inf),
    ("-.Inf", -math.inf),
    ("2024-01-01", "2024-01-01"),  # no timestamps in the core schema
    ("2024-01-01 10:00:00", "2024-01-01 10:00:00"),
    ("=", "="),               # YAML 1.1 "value" key: a text
    ("no", "no"),
    ("Yes", "Yes"),
    ("true", True),
    ("FALSE", False),
    ("~", None),
    ("Null", None),
    ("'024'", "024"),
    ("!!int '12'", 12),
    ("!!float 3", 3.0),
    ("!!str 12", "12"),
    ("!!bool 'true'", True),
])
def test_plain_values_follow_the_yaml_1_2_core_schema(text: str, value: Any,
                                                      libyaml: bool) -> None:
    data, problems = parse_yaml(f"a: {text}\n", libyaml=libyaml)
    assert problems == []
    assert type(data["a"]) is type(value)
    assert data["a"] == value


@pytest.mark.parametrize("libyaml", PARSERS)
def test_nan_is_a_float(libyaml: bool) -> None:
    data, problems = parse_yaml("a: .nan\n", libyaml=libyaml)
    assert problems == [] and math.isnan(data["a"])


# Every value that cannot be read: (text, position, message). One problem, no data.
REFUSED = [
    ("a: !!timestamp abc\n", Mark(1, 4), f"the tag '!!timestamp' is not supported {TAGS}"),
    ("a: !!timestamp 2024-01-01\n", Mark(1, 4),
     f"the tag '!!timestamp' is not supported {TAGS}"),
    ("a: !!bool maybe\n", Mark(1, 4), "'maybe' is not true or false"),
    ("a: !!bool no\n", Mark(1, 4), "'no' is not true or false"),
    ("a: !!int abc\n", Mark(1, 4), "'abc' is not a decimal integer"),
    ("a: !!int 0x14\n", Mark(1, 4), "'0x14' is not a decimal integer"),
    ("a: !!float x\n", Mark(1, 4), "'x' is not a number"),
    ("a: !!null x\n", Mark(1, 4), "'x' is not null"),
    ("a: !!binary junk!\n", Mark(1, 4), f"the tag '!!binary' is not supported {TAGS}"),
    ("a: !!str {b: 1}\n", Mark(1, 4), "!!str must be a single value, not a mapping"),
    ("a: !!int [1]\n", Mark(1, 4), "!!int must be a single value, not a list"),
    ("? !!set {x}\n: 1\n", Mark(1, 3), f"the tag '!!set' is not supported {TAGS}"),
    ("a: !foo 1\n", Mark(1, 4), f"the tag '!foo' is not supported {TAGS}"),
    ("a: !!python/object:os.system x\n", Mark(1, 4),
     f"the tag '!!python/object:os.system' is not supported {TAGS}"),
    ("a: &x [1, *x]\n", Mark(1, 11), "recursive alias *x: the alias is inside the value it names"),
    ("a: &x {b: *x}\n", Mark(1, 11), "recursive alias *x: the alias is inside the value it names"),
    ("a: " + "9" * 400 + "\n", Mark(1, 4),
     f"the number '999999999999999999999999999… (402 characters) {TOO_LARGE}"),
    ("a: -" + "9" * 5000 + "\n", Mark(1, 4),  # beyond Python's 4,300-digit int() limit
     f"the number '-99999999999999999999999999… (5003 characters) {TOO_LARGE}"),
    ("a: 1e400\n", Mark(1, 4), f"the number '1e400' {TOO_LARGE}"),
    ("a: !!float -1e309\n", Mark(1, 4), f"the number '-1e309' {TOO_LARGE}"),
]


def bomb(levels: int = 6) -> str:
    """A "billion laughs" document: each level is ten aliases of the one before."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("libyaml", PARSERS)
@pytest.mark.parametrize(("text", "mark", "message"), REFUSED,
                         ids=[text.split("\n")[0][:30] for text, _, _ in REFUSED])
def test_a_value_that_cannot_be_read_is_one_located_problem(text: str, mark: Mark, message: str,
                                                            libyaml: bool) -> None:
    assert parse_yaml(text, libyaml=libyaml) == (None, [(mark, message)])


@pytest.mark.parametrize("libyaml", PARSERS)
def test_an_alias_bomb_stops_at_the_alias_that_passes_the_budget(libyaml: bool) -> None:
    # The mapping and levels 0-3 hold 12,349 nodes (level 3 is 11,111 with its key); level 4
    # adds its key, its list and 11,111 nodes per alias of l3: the eighth passes 100,000, at
    # line 5, column 10 + 7 * len("*l3, ").
    assert parse_yaml(bomb(), libyaml=libyaml) == (
        None, [(Mark(5, 45), f"aliases expand to more than {MAX_NODES:,} nodes")])


@pytest.mark.parametrize("libyaml", PARSERS)
def test_many_nodes_without_aliases_are_refused_too(libyaml: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from nettree import yamlio

    monkeypatch.setattr(yamlio, "MAX_NODES", 1_000)  # the rule, without 100,000 nodes to parse
    text = "a: [" + ", ".join(["1"] * 1_000) + "]\n"
    # The mapping, its key and the list are 3 nodes: item 998 is node 1,001.
    assert parse_yaml(text, libyaml=libyaml) == (
        None, [(Mark(1, 5 + 3 * 997),
                "the file has more than 1,000 nodes (values, keys and items)")])


@pytest.mark.parametrize("libyaml", PARSERS)
def test_aliases_within_the_budget_still_work(libyaml: bool) -> None:
    data, problems = parse_yaml("a: &x [1, 2]\nb: *x\nc: {<<: {d: 1}, e: 2}\n", libyaml=libyaml)
    assert problems == []
    assert data == {"a": [1, 2], "b": [1, 2], "c": {"d": 1, "e": 2}}


@pytest.mark.parametrize("libyaml", PARSERS)
def test_a_list_or_mapping_as_a_key_is_a_problem(libyaml: bool) -> None:
    data, problems = parse_yaml("? [a]\n: 1\n? {b: 2}\n: 3\nc: 4\n", libyaml=libyaml)
    assert data == {"c": 4}
    assert problems == [(Mark(1, 3), "a mapping key must be a plain value"),
                        (Mark(3, 3), "a mapping key must be a plain value")]


@pytest.mark.parametrize("libyaml", PARSERS)
def test_a_duplicate_key_is_echoed_cut(libyaml: bool) -> None:
    key = "k" * 300
    _, problems = parse_yaml(f"{key}: 1\n{key}: 2\n", libyaml=libyaml)
    assert problems == [(Mark(2, 1), "duplicate key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                                     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk… (302 characters)")]


# ---------------------------------------------------------------- libyaml and Python agree


SAME_CASES = [
    "a: [1, 2",
    "a: b: c\n",
    "x:\n  - 1\n - 2\n",
    "a: 1\x07\n",
    "<<: 1\n",
    "a: *nowhere\n",
    "a: &x 1\nb: &x 2\n",
    "--- 1\n--- 2\n",
    "\ufeffa: 1\n",
    "a: 'é'\nb: [ü, ß]\nc: {d: 𝄞}\n",
    "a:\r\n  - 1\r\n  - 2\r\n",
    "a: \"\\e[31m\"\n",
    "- [[[[[[[[[[1]]]]]]]]]]\n",
    "",
    "# only a comment\n",
    bomb(),
    *(text for text, _, _ in REFUSED),
]


@pytest.mark.skipif(not has_libyaml(), reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", [BUNDLED_FILE, EXAMPLE_FILE,
                                  EXAMPLE_FILE.parent / "example-named.yaml"],
                         ids=lambda p: p.name)
def test_libyaml_and_python_give_the_same_data_and_positions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, slow = parse_yaml(text, libyaml=True), parse_yaml(text, libyaml=False)
    assert fast[1] == slow[1] == []
    assert snapshot(fast[0]) == snapshot(slow[0])


@pytest.mark.skipif(not has_libyaml(), reason="PyYAML without libyaml")
@pytest.mark.parametrize("text", SAME_CASES, ids=range(len(SAME_CASES)))
def test_libyaml_and_python_give_the_same_problems(text: str) -> None:
    fast, slow = parse_yaml(text, libyaml=True), parse_yaml(text, libyaml=False)
    assert fast[1] == slow[1]
    assert snapshot(fast[0]) == snapshot(slow[0])


def test_libyaml_is_the_default_where_available(monkeypatch: pytest.MonkeyPatch) -> None:
    from nettree import yamlio

    used: list[bool] = []
    real = yamlio._parse

    def spy(text: str, libyaml: bool) -> Any:
        used.append(libyaml)
        return real(text, libyaml)

    monkeypatch.setattr(yamlio, "_parse", spy)
    parse_yaml("a: 1\n")
    assert used == [has_libyaml()]
    used.clear()
    parse_yaml("a: [1\n")  # a syntax error is worded by the pure-Python parser
    assert used == ([True, False] if has_libyaml() else [False])


# ---------------------------------------------------------------- the same rules in files


def test_ki67_024_is_24_not_octal_20(tmp_path: Path) -> None:
    text = GI_PATIENT.read_text(encoding="utf-8").replace("ki67: 5", "ki67: 024")
    leading_zero = tmp_path / "leading-zero.yaml"
    leading_zero.write_text(text, encoding="utf-8")
    plain = tmp_path / "plain.yaml"
    plain.write_text(text.replace("ki67: 024", "ki67: 24"), encoding="utf-8")
    guideline = nettree.load("asco-gepnet-2023")
    from nettree.patient import read_patient_file

    assert read_patient_file(leading_zero)["ki67"] == 24
    first = guideline.traverse(read_patient_file(leading_zero)).to_dict()
    assert first == guideline.traverse(read_patient_file(plain)).to_dict()
    assert run("traverse", str(leading_zero), "--json").stdout == \
        run("traverse", str(plain), "--json").stdout


@pytest.mark.parametrize(("written", "shown"), [
    ("0x14", "'0x14'"), ("0b10100", "'0b10100'"), ("2_0", "'2_0'"), ("0o24", "'0o24'"),
    ("2024-01-01", "'2024-01-01'"),
])
def test_a_number_written_another_way_is_refused_with_what_was_written(
        tmp_path: Path, written: str, shown: str) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text(f"differentiation: well\nki67: {written}\n", encoding="utf-8")
    result = run("traverse", str(path))
    assert result.exit_code == 2
    assert result.stderr == (f"nettree: error: invalid patient: 'ki67' must be a number from 0 "
                             f"to 100 (got {shown})\n")


@pytest.mark.parametrize(("written", "shown"), [(".inf", "inf"), ("-.inf", "-inf"),
                                                 (".nan", "nan")])
def test_a_non_finite_number_is_refused(tmp_path: Path, written: str, shown: str) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text(f"ki67: {written}\n", encoding="utf-8")
    result = run("traverse", str(path))
    assert result.exit_code == 2
    assert result.stderr == (f"nettree: error: invalid patient: 'ki67' must be a number from 0 "
                             f"to 100 (got {shown}, which is not a finite number)\n")


def test_1e3_is_a_number_in_a_patient_file(tmp_path: Path) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text("ki67: 1e1\n", encoding="utf-8")
    from nettree.patient import read_patient_file

    assert read_patient_file(path) == {"ki67": 10.0}


FILE_CASES = [(text, mark, message) for text, mark, message in REFUSED
              if text.startswith("a: ")] + [(bomb(), Mark(5, 45),
                                             f"aliases expand to more than {MAX_NODES:,} nodes")]


@pytest.mark.parametrize(("text", "mark", "message"), FILE_CASES,
                         ids=[text.split("\n")[0][:30] for text, _, _ in FILE_CASES])
def test_a_patient_file_with_a_value_that_cannot_be_read_exits_2(
        tmp_path: Path, text: str, mark: Mark, message: str) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("traverse", str(path))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == f"nettree: error: {path}:{mark.line}:{mark.column}: {message}\n"


@pytest.mark.parametrize(("text", "mark", "message"), FILE_CASES,
                         ids=[text.split("\n")[0][:30] for text, _, _ in FILE_CASES])
def test_a_guideline_file_with_a_value_that_cannot_be_read_exits_1(
        tmp_path: Path, text: str, mark: Mark, message: str) -> None:
    lines = EXAMPLE_FILE.read_text(encoding="utf-8").count("\n")
    path = tmp_path / "bad.yaml"
    # Appended at the end of the example guideline, as a top-level key "a": its own position.
    path.write_text(EXAMPLE_FILE.read_text(encoding="utf-8") + text, encoding="utf-8")
    where = f"{path}:{lines + mark.line}:{mark.column}: {message}"

    result = run("traverse", "-g", str(path), "--set", "fever=true")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"nettree: error: {path}: 1 problem in the guideline file\n  {where}\n"

    result = run("verify", str(path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert " ".join(result.stdout.split()).count(" ".join(where.split())) == 1


def test_a_mapping_as_a_key_in_a_patient_or_guideline_file(tmp_path: Path) -> None:
    patient = tmp_path / "patient.yaml"
    patient.write_text("ki67: 5\n? {a: 1}\n: 1\n", encoding="utf-8")
    result = run("traverse", str(patient))
    assert result.exit_code == 2
    assert result.stderr == f"nettree: error: {patient}:2:3: a mapping key must be a plain value\n"
    lines = EXAMPLE_FILE.read_text(encoding="utf-8").count("\n")
    guideline = tmp_path / "guideline.yaml"
    guideline.write_text(EXAMPLE_FILE.read_text(encoding="utf-8") + "? [a]\n: 1\n",
                         encoding="utf-8")
    result = run("verify", str(guideline))
    assert result.exit_code == 1
    expected = f"{guideline}:{lines + 1}:3: a mapping key must be a plain value"
    assert "".join(expected.split()) in "".join(result.stdout.split())  # long paths wrap
    assert "Traceback" not in result.output


def test_a_control_character_is_located() -> None:
    assert parse_yaml("a: 1\nb: x\x1b[31m\n") == (None, [(Mark(2, 5), (
        'YAML error: the character #x001b is not allowed in a YAML file (write a control '
        'character as an escape inside double quotes, e.g. "\\e")'))])
