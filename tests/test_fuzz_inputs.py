"""Fuzzing the inputs: whatever a patient file or a guideline file holds, nettree answers with a
result or one clean error, never another exception, a hang or a traceback.

Hypothesis mutates the example patients (examples/patients/*) and writes random JSON and YAML;
each text goes to the patient reader and to ``nettree traverse`` through click's CliRunner.
The pure-Python and libyaml parsers are compared on the same random texts. Explicit hostile
cases of every class issue 7 found close the file. Kept fast: a few hundred examples in all.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import nettree
from nettree.cli import main
from nettree.errors import PatientError
from nettree.patient import read_patient_text
from nettree.yamlio import has_libyaml, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
PATIENT_FILES = sorted((ROOT / "examples" / "patients").glob("*"))
EXAMPLE_GUIDELINE = ROOT / "tests" / "guidelines" / "example-sore-throat.yaml"
FAST = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces a careless or hostile writer puts in a file: YAML syntax, tags, anchors, numbers in
# other notations, escapes, and characters a terminal acts on.
PIECES = ["{", "}", "[", "]", ":", ": ", ",", "-", "- ", "\n", "  ", "#", "&a ", "*a", "!!int ",
          "!!bool ", "!!timestamp ", "!!binary ", "!!set ", "!foo ", "!!python/object ", "? ",
          "<<: ", "'", '"', "|", ">", "~", "null", "true", "no", "024", "0x14", "0b1", "0o7",
          "2_0", "1e3", "1e400", ".inf", ".nan", "-0", "9" * 400, "2024-01-01", "ki67",
          "differentiation", "well", "\t", "\r", "\x1b[31m", "\x9b", "\x00", "\ufeff", "２０",
          "%YAML 1.2\n", "---\n", "...\n", "\\u0000", "NaN", "Infinity"]


@pytest.fixture(scope="module")
def guideline() -> nettree.Guideline:
    return nettree.load("asco-gepnet-2023")


def mutate(text: str, data: st.DataObject) -> str:
    """Insert pieces, delete spans and repeat spans of ``text``, at random places."""
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        at = data.draw(st.integers(0, len(text)), label="at")
        action = data.draw(st.sampled_from(["insert", "delete", "repeat"]), label="action")
        if action == "insert":
            piece = data.draw(st.sampled_from(PIECES) | st.text(max_size=5), label="piece")
            text = text[:at] + piece + text[at:]
        else:
            end = data.draw(st.integers(at, min(len(text), at + 20)), label="end")
            text = text[:at] + (text[at:end] * 2 if action == "repeat" else "") + text[end:]
    return text


def read_and_traverse(guideline: nettree.Guideline, text: str, source: str) -> None:
    """Read and traverse: a result or a PatientError, nothing else."""
    try:
        patient = read_patient_text(text, source=source)
        guideline.traverse(patient)
    except PatientError as exc:
        assert str(exc)
        assert len(str(exc)) < 5_000, "an error echoes a whole value"


def assert_clean_cli(text: str) -> None:
    result = CliRunner().invoke(main, ["traverse", "-", "--json"], input=text.encode("utf-8",
                                                                                   "surrogatepass"))
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("nettree: error: ")
        assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("path", PATIENT_FILES, ids=lambda p: p.name)
@FAST
@given(data=st.data())
def test_mutated_example_patients(guideline: nettree.Guideline, path: Path,
                                  data: st.DataObject) -> None:
    text = mutate(path.read_text(encoding="utf-8"), data)
    read_and_traverse(guideline, text, path.name)


@settings(FAST, max_examples=60)
@given(data=st.data())
def test_mutated_example_patients_through_the_cli(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(PATIENT_FILES), label="patient")
    assert_clean_cli(mutate(path.read_text(encoding="utf-8"), data))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.sampled_from(["well", "poor", "gi", "pancreas", "positive", "ssa", "G1", "G3"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["ki67", "grade", "differentiation", "metastatic", "primary_site",
                         "prior_therapies", "sstr_status", "functional"]) | st.text(max_size=6),
        inner, max_size=5),
    max_leaves=12)


@FAST
@given(value=JSON_VALUES, as_yaml=st.booleans())
def test_random_json_and_yaml_patients(guideline: nettree.Guideline, value: Any,
                                       as_yaml: bool) -> None:
    if as_yaml:
        import yaml

        text = yaml.safe_dump(value, allow_unicode=True)
    else:
        text = json.dumps(value)
    read_and_traverse(guideline, text, "random.yaml" if as_yaml else "random.json")


@FAST
@given(text=st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=30).map("".join))
def test_random_yaml_text(guideline: nettree.Guideline, text: str) -> None:
    read_and_traverse(guideline, text, "<stdin>")


@settings(FAST, max_examples=40)
@given(text=st.lists(st.sampled_from(PIECES), max_size=20).map("".join))
def test_random_yaml_text_through_the_cli(text: str) -> None:
    assert_clean_cli(text)


def same(left: Any, right: Any) -> bool:
    """Equal, with NaN equal to itself."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    marks = ("mark", "key_marks", "value_marks", "item_marks")
    if any(getattr(left, m, None) != getattr(right, m, None) for m in marks):
        return False
    if isinstance(left, dict) and isinstance(right, dict):
        return list(left) == list(right) and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right,
                                                                           strict=True))
    return type(left) is type(right) and left == right


@pytest.mark.skipif(not has_libyaml(), reason="PyYAML without libyaml")
@settings(FAST, max_examples=300)
@given(text=st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=30).map("".join))
@example(text="a: 'é'\n- b")
@example(text="a:\n\t- 1\n")
@example(text="&a \t")
@example(text="\ufeff\ufeff")
@example(text="? >#")
@example(text="? x")
@example(text="{a: }")
@example(text="a: !")
def test_libyaml_and_python_agree_on_any_text(text: str) -> None:
    fast, slow = parse_yaml(text, libyaml=True), parse_yaml(text, libyaml=False)
    assert fast[1] == slow[1]
    assert same(fast[0], slow[0])


@pytest.mark.parametrize("source", [EXAMPLE_GUIDELINE,
                                    EXAMPLE_GUIDELINE.parent / "example-named.yaml"],
                         ids=lambda p: p.stem)
@settings(FAST, max_examples=40)
@given(data=st.data())
def test_mutated_guideline_files(tmp_path_factory: pytest.TempPathFactory, source: Path,
                                 data: st.DataObject) -> None:
    """A mutated guideline: loads, or one clean GuidelineError (exit 1), never a traceback."""
    text = mutate(source.read_text(encoding="utf-8"), data)
    path = tmp_path_factory.mktemp("fuzz") / "guideline.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(main, ["traverse", "-g", str(path), "--set", "age=30"])
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- every class, explicitly

HOSTILE_PATIENTS = {
    "octal-looking": "ki67: 024\ndifferentiation: well\n",
    "hexadecimal": "ki67: 0x14\n",
    "binary": "ki67: 0b10100\n",
    "separator": "ki67: 2_0\n",
    "octal": "ki67: 0o24\n",
    "exponent": "ki67: 1e1\n",
    "inf": "ki67: .inf\n",
    "nan": "ki67: .nan\n",
    "date": "ki67: 2024-01-01\n",
    "timestamp-tag": "ki67: !!timestamp abc\n",
    "bool-tag": "functional: !!bool maybe\n",
    "int-tag": "ki67: !!int abc\n",
    "float-tag": "ki67: !!float x\n",
    "binary-tag": "ki67: !!binary '!!!'\n",
    "set-key": "? !!set {a}\n: 1\n",
    "mapping-key": "? {a: 1}\n: 1\n",
    "list-key": "? [a]\n: 1\n",
    "recursive-alias": "prior_therapies: &x [*x]\n",
    "unknown-tag": "ki67: !foo 1\n",
    "python-tag": "ki67: !!python/object:os.system ls\n",
    "400-digits": "ki67: " + "9" * 400 + "\n",
    "5000-digits": "ki67: " + "9" * 5000 + "\n",
    "json-5000-digits": '{"ki67": ' + "9" * 5000 + "}",
    "json-1e400": '{"ki67": 1e400}',
    "json-NaN": '{"ki67": NaN}',
    "alias-bomb": "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh",
                                                                    strict=True)),
    "deep": "[" * 1500 + "]" * 1500,
    "deep-json": "{\"a\": " + "[" * 1500 + "]" * 1500 + "}",
    "escape-key": '{"\\u001b]0;x\\u0007": 1}',
    "huge-key": '{"' + "k" * 100_000 + '": 1}',
    "nul": "ki67: 5\x00\n",
    "bom": "\ufeffki67: 5\n",
}


@pytest.mark.parametrize("text", list(HOSTILE_PATIENTS.values()), ids=list(HOSTILE_PATIENTS))
def test_hostile_patients(guideline: nettree.Guideline, text: str) -> None:
    read_and_traverse(guideline, text, "<stdin>")
    assert_clean_cli(text)
