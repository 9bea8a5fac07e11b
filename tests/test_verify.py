"""Verification (issue 4): `nettree verify`, the broken files in tests/mutations/, random files.

1. The bundled guideline and the fictional example pass every check, asserted by name, through
   the library and through `nettree verify` (text and --json). A broken file exits 1 and names
   the failing check; an unknown guideline exits 2.
2. tests/mutations/: each file has ONE defect and a header `# expect: CHECK at NODE` (`base.yaml`,
   the file they were all derived from, says `# expect: pass`). verify_file must fail exactly
   that check, with a finding naming NODE; a counterexample patient must really show the
   defect: traversing it raises at NODE (exhaustive), or two branches of NODE hold (exclusive);
   for `satisfiable`, no patient of a grid across every threshold reaches NODE.
3. Hypothesis: random valid guidelines built by construction (tests/strategies.py, section
   "Random VALID guideline files") pass every check; a random single mutation of one (per kind
   of mutation) is reported by the matching check.
4. test_bug_*: engine bugs found while writing these tests; each fails until the bug is fixed.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import MUTATIONS, GuidelineModel, filters_guideline, guideline_models

import nettree
from nettree.cli import main
from nettree.conditions import Context
from nettree.errors import GuidelineError, PatientError
from nettree.model import Field, FieldType
from nettree.patient import validate_patient
from nettree.verify import (
    CHECKS,
    Finding,
    Report,
    decision_table,
    explore,
    field_domain,
    thresholds,
    verify,
    verify_file,
)
from nettree.words import number_text

HERE = Path(__file__).resolve().parent
MUTATION_DIR = HERE / "mutations"
MUTATION_FILES = sorted(MUTATION_DIR.glob("*.yaml"))
BUNDLED = "asco-gepnet-2023"
EXAMPLE = HERE / "guidelines" / "example-sore-throat.yaml"
NAMED = HERE / "guidelines" / "example-named.yaml"  # named conditions
GUIDELINES = [pytest.param(BUNDLED, id="bundled"), pytest.param(str(EXAMPLE), id="example"),
              pytest.param(str(NAMED), id="named")]

# The checks the issue names, in its order, after `load` (a file that does not load).
ISSUE_CHECKS = ["load", "structure", "exhaustive", "exclusive", "satisfiable", "coverage",
                "citations"]

# Sized for a 2-core CI machine: each example writes, loads and verifies one small file.
RANDOM = settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MUTATED = settings(max_examples=15, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.filter_too_much])


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="nettree")


def expectation(path: Path) -> tuple[str, str | None]:
    """The (check, node) a mutation file's header promises; ("pass", None) for the base."""
    match = re.match(r"# expect: (\w+)(?: at (\S+))?\n", path.read_text(encoding="utf-8"))
    assert match, f"{path.name} must start with '# expect: CHECK at NODE'"
    return match.group(1), match.group(2)


def names(finding: Finding, node: str) -> bool:
    """Whether a finding names ``node``: as its node, or quoted in its message."""
    return finding.node == node or f"'{node}'" in finding.message


def failed(report: Report) -> list[str]:
    return [check.name for check in report.checks if check.ran and not check.passed]


def branches_holding(guideline: nettree.Guideline, node: str,
                     patient: Mapping[str, Any]) -> list[str]:
    ctx = Context(validate_patient(guideline.fields, patient).values)
    return [b.answer for b in guideline.decisions[node].branches if b.when.evaluate(ctx) is True]


def grid(guideline: nettree.Guideline) -> Iterator[dict[str, Any]]:
    """Patients across every class of every field (numbers at and between every threshold,
    every subset of a set, each field also left out), valid ones only."""
    cuts = thresholds(guideline)
    axes: list[list[Any]] = []
    for name, spec in guideline.fields.items():
        if spec.type is FieldType.SET:
            axes.append([list(s) for size in range(len(spec.values) + 1)
                         for s in itertools.combinations(spec.values, size)])
        else:
            axes.append([None, *(v for v, _ in field_domain(spec, cuts.get(name, ())))])
    for values in itertools.product(*axes):
        patient = {n: v for n, v in zip(guideline.fields, values, strict=True) if v is not None}
        try:
            validate_patient(guideline.fields, patient)
        except PatientError:
            continue
        yield patient


# ---------------------------------------------------------------- valid guidelines pass


def test_the_checks_are_the_issues() -> None:
    assert list(CHECKS) == ISSUE_CHECKS


@pytest.mark.parametrize("source", GUIDELINES)
def test_guideline_passes_every_check(source: str) -> None:
    guideline = nettree.load(source)
    report = verify_file(source)
    assert verify(guideline).to_dict() == report.to_dict()
    assert [check.name for check in report.checks] == ISSUE_CHECKS
    for name in ISSUE_CHECKS:
        check = report.check(name)
        assert check.ran, name
        assert check.passed, (name, [str(f) for f in check.findings])
        assert check.findings == ()
    assert report.ok
    assert report.guideline == guideline.id
    assert report.classes > 0


@pytest.mark.parametrize("source", GUIDELINES)
def test_cli_verify_passes(source: str) -> None:
    result = run("verify", source)
    assert result.exit_code == 0, result.output
    for name in ISSUE_CHECKS:
        assert re.search(rf"^  PASS  {name} ", result.stdout, re.M), (name, result.stdout)
    assert "FAIL" not in result.stdout
    assert f"All {len(ISSUE_CHECKS)} checks passed" in result.stdout


@pytest.mark.parametrize("source", GUIDELINES)
def test_cli_verify_json(source: str) -> None:
    result = run("verify", source, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["guideline"] == nettree.load(source).id
    assert [check["name"] for check in data["checks"]] == ISSUE_CHECKS
    for check in data["checks"]:
        assert check["ran"] and check["passed"] and check["findings"] == [], check
        assert check["description"] == CHECKS[check["name"]]
    assert data["classes"] == verify_file(source).classes


def test_cli_verify_defaults_to_the_bundled_guideline() -> None:
    result = run("verify")
    assert result.exit_code == 0, result.output
    assert BUNDLED in result.stdout.splitlines()[0]


def test_verify_is_exact_not_sampled() -> None:
    """Verifying twice gives the same classes, and each class is a distinct set of values."""
    guideline = nettree.load(EXAMPLE)
    first, second = explore(guideline), explore(guideline)
    assert first.classes == second.classes
    assert len({c.values for c in first.classes}) == len(first.classes)


# ---------------------------------------------------------------- CLI on broken files


@pytest.mark.parametrize("name", ["missing-choice-value", "overlapping-number", "cycle",
                                  "unknown-option", "unsupported-citation"])
def test_cli_verify_broken_file_exits_1_naming_the_check(name: str) -> None:
    path = MUTATION_DIR / f"{name}.yaml"
    check, node = expectation(path)
    result = run("verify", str(path))
    assert result.exit_code == 1, result.output
    assert re.search(rf"^  FAIL  {check} ", result.stdout, re.M), result.stdout
    assert f"1 check failed: {check}." in result.stdout
    assert f"{path}:" in result.stdout  # the finding's file position
    as_json = run("verify", str(path), "--json")
    assert as_json.exit_code == 1, as_json.output
    data = json.loads(as_json.stdout)
    assert data["ok"] is False
    assert [c["name"] for c in data["checks"] if c["ran"] and not c["passed"]] == [check]
    (failing,) = [c for c in data["checks"] if c["name"] == check]
    assert any(f["node"] == node or f"'{node}'" in f["message"] for f in failing["findings"])
    assert all(f["position"].startswith(f"{path}:") for f in failing["findings"])


@pytest.mark.parametrize("args", [["no-such-guideline"], ["no-such-guideline", "--json"],
                                  ["missing/file.yaml"]])
def test_cli_verify_unknown_guideline_exits_2(args: list[str]) -> None:
    result = run("verify", *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("nettree: error: "), result.stderr
    assert args[0] in result.stderr


def test_cli_verify_unparsable_file_fails_load(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("nettree: 1\nid: [unclosed\n", encoding="utf-8")
    result = run("verify", str(path))
    assert result.exit_code == 1, result.output
    assert re.search(r"^  FAIL  load ", result.stdout, re.M), result.stdout
    assert "broken.yaml:" in result.stdout  # a file position


# ---------------------------------------------------------------- the mutation folder


def test_mutation_folder_has_every_defect_of_the_issue() -> None:
    """Issue 4, item 4: cycle, dangling edge, missing branch value, overlapping branches,
    unreachable leaf, citation of a missing recommendation, unknown option, unknown field, an
    option cited to a recommendation that does not support it (and a contradictory path)."""
    present = {path.stem for path in MUTATION_FILES}
    assert {"cycle", "dangling-edge", "missing-choice-value", "overlapping-choice",
            "unreachable-leaf", "missing-recommendation", "unknown-option", "unknown-field",
            "unsupported-citation", "unsatisfiable-branch", "unsatisfiable-leaf"} <= present
    checks = {expectation(path)[0] for path in MUTATION_FILES}
    assert checks == {"pass", *ISSUE_CHECKS}


@pytest.mark.parametrize("path", MUTATION_FILES, ids=lambda p: p.stem)
def test_mutation_fails_exactly_its_check(path: Path) -> None:
    check, node = expectation(path)
    report = verify_file(path)
    if check == "pass":
        assert report.ok, failed(report)
        return
    assert failed(report) == [check], [str(f) for c in report.checks for f in c.findings]
    for other in report.checks:
        assert other.passed or not other.ran or other.name == check
    findings = report.check(check).findings
    assert node is not None
    assert any(names(f, node) for f in findings), [f.to_dict() for f in findings]
    for finding in findings:
        assert finding.check == check
        if check != "coverage":
            assert finding.position is not None, finding
            assert Path(finding.position.file) == path
            assert 1 <= finding.position.line <= len(path.read_text().splitlines())


@pytest.mark.parametrize("path", [p for p in MUTATION_FILES
                                  if expectation(p)[0] in ("exhaustive", "exclusive")],
                         ids=lambda p: p.stem)
def test_mutation_counterexample_shows_the_defect(path: Path) -> None:
    check, node = expectation(path)
    assert node is not None
    guideline = nettree.load(path)
    (finding,) = verify_file(path).check(check).findings
    assert finding.node == node
    patient = finding.counterexample
    assert patient is not None
    validate_patient(guideline.fields, patient)  # a valid patient
    with pytest.raises(GuidelineError) as info:
        guideline.traverse(patient)
    (problem,) = info.value.problems
    assert (problem.check, problem.node) == (check, node)
    assert f"'{node}'" in str(info.value)
    holding = branches_holding(guideline, node, patient)
    if check == "exhaustive":
        assert holding == []
    else:
        assert len(holding) >= 2, holding


def test_counterexamples_sit_on_the_thresholds() -> None:
    """A gap or overlap at exactly one value is found at that value, not beside it."""
    for name, days in [("missing-number-boundary", 7), ("overlapping-number", 7),
                       ("missing-number-range", 5)]:
        path = MUTATION_DIR / f"{name}.yaml"
        check, _ = expectation(path)
        (finding,) = verify_file(path).check(check).findings
        assert finding.counterexample is not None
        assert finding.counterexample["days"] == days, (name, finding.counterexample)


def test_set_gap_counterexample_is_a_concrete_set() -> None:
    path = MUTATION_DIR / "missing-set-case.yaml"
    (finding,) = verify_file(path).check("exhaustive").findings
    assert finding.counterexample is not None
    tried = finding.counterexample["tried"]
    assert tried and "rest" not in tried, tried


@pytest.mark.parametrize("path", [p for p in MUTATION_FILES
                                  if expectation(p)[0] == "satisfiable"], ids=lambda p: p.stem)
def test_unsatisfiable_node_is_reached_by_no_patient(path: Path) -> None:
    """Checked apart from verify's own exploration: a grid of concrete patients."""
    guideline = nettree.load(path)
    reached: set[str] = set()
    taken: set[tuple[str, str | None]] = set()
    count = 0
    for patient in grid(guideline):
        count += 1
        for step in guideline.traverse(patient).path:
            reached.add(step.node)
            taken.add((step.node, step.answer))
    assert count > 1000
    dead_nodes = set()
    for finding in verify_file(path).check("satisfiable").findings:
        branch = re.search(r"takes branch '(.+?)'", finding.message)
        assert finding.node is not None
        if branch:
            assert (finding.node, branch.group(1)) not in taken, finding
        else:
            dead_nodes.add(finding.node)
    # the grid reaches every other node: it is not too thin to tell
    assert set(guideline.graph.nodes) - reached == dead_nodes


# ---------------------------------------------------------------- random guidelines

_written = itertools.count()


def write_model(model: GuidelineModel, directory: Path) -> Path:
    # A new name each time: the loader caches by path, size and modification time.
    path = directory / f"generated-{next(_written)}.yaml"
    path.write_text(model.to_yaml(), encoding="utf-8")
    return path


@RANDOM
@given(model=guideline_models())
def test_random_valid_guideline_passes_every_check(
        model: GuidelineModel, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = write_model(model, tmp_path_factory.getbasetemp())
    report = verify_file(path)
    problems = {c.name: [str(f) for f in c.findings] for c in report.checks if not c.passed}
    assert report.ok, (problems, path.read_text())
    guideline = nettree.load(path)
    assert report.classes == len(explore(guideline).classes) > 0


@pytest.mark.parametrize("make", MUTATIONS, ids=lambda make: make.__name__.strip("_"))
@MUTATED
@given(model=guideline_models(), data=st.data())
def test_random_mutation_is_caught(make: Any, model: GuidelineModel, data: st.DataObject,
                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    mutation = data.draw(make(model))
    assume(mutation is not None)
    path = write_model(mutation.model, tmp_path_factory.getbasetemp())
    report = verify_file(path)
    check = report.check(mutation.check)
    context = (mutation.what, {c.name: [str(f) for f in c.findings] for c in report.checks})
    assert check.ran and not check.passed, context
    if mutation.node is not None:
        assert any(names(f, mutation.node) for f in check.findings), context
    if mutation.says:
        assert any(mutation.says in f.message for f in check.findings), context
    if mutation.check not in ("load", "structure"):
        assert report.check("load").passed and report.check("structure").passed, context
    if mutation.check in ("exhaustive", "exclusive"):
        guideline = nettree.load(path)
        for finding in check.findings:
            assert finding.counterexample is not None, context
            with pytest.raises(GuidelineError) as info:
                guideline.traverse(finding.counterexample)
            assert info.value.problems[0].check == mutation.check, context
            assert info.value.problems[0].node == finding.node, context


# ---------------------------------------------------------------- bugs found

DERIVED_ABOVE_SOURCE = """\
nettree: 1
id: derived-above-source
title: A derived field read after its source
version: "1"
ratings:
  strength: {label: Strength, codes: {S: strong}}
recommendations:
  - {id: "1", category: All, text: Offer A., rating: {strength: S}, supports: [a]}
fields:
  score: {type: number, min: 0, max: 10, description: A score.}
  level:
    type: choice
    values: [low, mid, high]
    description: Derived from score when not given; may be given higher, never lower.
    derive:
      from: score
      bins: [{value: low, below: 5}, {value: mid, at_most: 8}, {value: high}]
      given_may_exceed: true
options:
  a: {label: A}
start: by-score
decisions:
  by-score:
    question: Is the score below 2?
    branches:
      - {answer: "yes", when: {score: {below: 2}}, to: by-level}
      - {answer: "no", when: {score: {at_least: 2}}, to: done}
  by-level:
    question: Which level?
    branches:
      - {answer: low, when: {level: low}, to: done}
      - {answer: mid, when: {level: mid}, to: done-mid}
leaves:
  done: {kind: recommendation, label: Done, steps: [{offer: a, cites: ["1"]}]}
  done-mid: {kind: recommendation, label: Done (mid), steps: [{offer: a, cites: ["1"]}]}
"""


def test_regression_derived_field_given_above_its_source_is_not_explored(tmp_path: Path) -> None:
    """Regression (was a bug).

    A derived field with `given_may_exceed` may be given higher than its source implies
    (grade G3 with Ki-67 1). Once exploration has split on the source (score), validation
    derives the field (level) from it and it is never split again: verify misses the gap at
    `by-level` for {score: 1, level: high} (exhaustive passes) and calls the branch `mid`
    unsatisfiable although {score: 1, level: mid} takes it."""
    path = tmp_path / "derived.yaml"
    path.write_text(DERIVED_ABOVE_SOURCE, encoding="utf-8")
    guideline = nettree.load(path)
    # The two patients are valid, and really fall through / take the branch:
    with pytest.raises(GuidelineError, match="by-level"):
        guideline.traverse({"score": 1, "level": "high"})
    assert guideline.traverse({"score": 1, "level": "mid"}).leaf == "done-mid"
    report = verify_file(path)
    assert failed(report) == ["exhaustive"], {c.name: [str(f) for f in c.findings]
                                              for c in report.checks}


@pytest.mark.parametrize("name", ["missing-recommendation", "unknown-option", "unknown-field"])
def test_regression_load_findings_carry_their_node(name: str) -> None:
    """Regression (was a bug).

    Issue 4 wants each defect rejected "with the specific check and node". A reference
    problem inside a decision or a leaf names the node only in its message text: the
    Finding's (and the JSON's) `node` is null, so a tool cannot point at the node."""
    path = MUTATION_DIR / f"{name}.yaml"
    _, node = expectation(path)
    (finding,) = verify_file(path).check("load").findings
    assert f"'{node}'" in finding.message  # named in words...
    assert finding.node == node  # ...but not as data


def test_regression_text_report_names_the_leaf_of_a_citation_finding() -> None:
    """Regression (was a bug).

    Issue 4: checks report "offenders with node ids". The text of `nettree verify` gives a
    citation finding's file position and the option, but not the leaf it is in (the JSON
    has it as `node`); an exhaustive, exclusive or satisfiable finding names its node."""
    path = MUTATION_DIR / "unsupported-citation.yaml"
    result = run("verify", str(path))
    assert result.exit_code == 1
    assert "mild-first" in result.stdout, result.stdout


# ---------------------------------------------------------------- every finite number (issue 7)

NUMBER_GUIDELINE = """\
nettree: 1
id: numbers
title: A number cut at extreme thresholds
version: "1"
ratings:
  strength: {{label: Strength, codes: {{S: strong}}}}
recommendations:
  - {{id: "1", category: All, text: Offer A., rating: {{strength: S}}, supports: [a]}}
fields:
  x: {{type: number, description: A number.{bounds}}}
options:
  a: {{label: A}}
start: by-x
decisions:
  by-x:
    question: Which x?
    branches:
{branches}
leaves:
  done: {{kind: recommendation, label: Done, steps: [{{offer: a, cites: ["1"]}}]}}
"""

MAX = 1.7976931348623157e308


def number_guideline(tmp_path: Path, whens: list[str], bounds: str = "") -> Path:
    """A guideline with one decision on ``x``: a branch per condition (``x`` tests, ``all``)."""
    branches = "\n".join(f"      - {{answer: a{i}, when: {when}, to: done}}"
                         for i, when in enumerate(whens))
    path = tmp_path / f"numbers-{next(_written)}.yaml"
    path.write_text(NUMBER_GUIDELINE.format(branches=branches, bounds=bounds), encoding="utf-8")
    return path


def x(test: str) -> str:
    return f"{{x: {{{test}}}}}"


def both(first: str, second: str) -> str:
    return f"{{all: [{x(first)}, {x(second)}]}}"


def gap_at(path: Path) -> float:
    """The counterexample of the one gap verify finds; it really falls through."""
    report = verify_file(path)
    assert failed(report) == ["exhaustive"], [str(f) for c in report.checks for f in c.findings]
    (finding,) = report.check("exhaustive").findings
    assert finding.counterexample is not None
    value = finding.counterexample["x"]
    with pytest.raises(GuidelineError, match="no branch matches"):
        nettree.load(path).traverse({"x": value})
    return float(value)


@pytest.mark.parametrize("threshold", ["1.0e+17", "9007199254740992.0", "9007199254740993.0"])
def test_gap_above_a_threshold_beyond_2_53_is_found(tmp_path: Path, threshold: str) -> None:
    """Above 2^53 a step of 1 is lost: the class above was probed at the threshold itself."""
    found = gap_at(number_guideline(tmp_path, [x("below: 0.0"),
                                               both("at_least: 0.0", f"at_most: {threshold}")]))
    assert found > float(threshold)
    guideline = nettree.load(number_guideline(tmp_path, [x("below: 0.0"), x("at_least: 0.0"),
                                                         x(f"above: {threshold}")]))
    texts = [explore(guideline).describe("x", rep) for rep, _ in guideline.domains["x"]]
    assert texts[-1] == f"x above {number_text(float(threshold))}"


def test_gap_between_huge_thresholds_is_found(tmp_path: Path) -> None:
    """(1e308 + 1.7e308) / 2 overflows to inf: the class was dropped as impossible."""
    path = number_guideline(tmp_path, [x("at_most: 1.0e+308"), x("at_least: 1.7e+308")])
    found = gap_at(path)
    assert 1e308 < found < 1.7e308
    assert explore(nettree.load(path)).describe("x", found) == "x in (1e+308, 1.7e+308)"


def test_gap_between_adjacent_floats_is_the_threshold_itself(tmp_path: Path) -> None:
    """No float lies strictly between 1 and the next float: that class is empty, not a gap;
    the gap is at the upper threshold."""
    above_one = repr(math.nextafter(1.0, 2.0))
    found = gap_at(number_guideline(tmp_path, [x("at_most: 1.0"), x(f"above: {above_one}")]))
    assert found == math.nextafter(1.0, 2.0)


@pytest.mark.parametrize("whens", [
    [x(f"below: {MAX!r}"), x(f"at_least: {MAX!r}")],
    [x("below: 0.0"), both("at_least: 0.0", f"at_most: {MAX!r}")],
    [x("at_least: 0.0"), both("below: 0.0", f"at_least: {-MAX!r}")],
    [x("below: -0.0"), x("at_least: 0.0")],
    [x("below: 0.0"), x("at_least: -0.0")],
], ids=["max", "up-to-max", "down-to-min", "zeros", "zeros-swapped"])
def test_no_gap_beyond_the_float_range_or_between_the_zeros(tmp_path: Path,
                                                            whens: list[str]) -> None:
    """Nothing lies above the float maximum (nor below its negative): those classes are
    empty, not gaps; -0.0 and 0.0 are one number."""
    report = verify_file(number_guideline(tmp_path, whens))
    assert report.ok, [str(f) for c in report.checks for f in c.findings]


BOUNDED = f", min: {-MAX!r}, max: {MAX!r}"


@pytest.mark.parametrize(("whens", "bounds", "where"), [
    ([x("below: 0.0"), x("above: -0.0")], "", 0.0),
    ([x("below: -0.0"), x("above: 0.0")], "", 0.0),
    ([x("below: 0.0"), both("at_least: 0.0", f"below: {MAX!r}")], BOUNDED, MAX),
    ([x("at_least: 0.0"), both("below: 0.0", f"above: {-MAX!r}")], BOUNDED, -MAX),
    ([x("at_least: 0.0"), both("below: 0.0", f"above: {-MAX!r}")], "", -MAX),
    ([x("below: 1.0e+300"), x("above: 1.0e+300")], BOUNDED, 1e300),
], ids=["zero", "zero-negative", "max", "min", "min-unbounded", "bounded-1e300"])
def test_gap_at_zero_and_at_the_extremes(tmp_path: Path, whens: list[str], bounds: str,
                                         where: float) -> None:
    assert gap_at(number_guideline(tmp_path, whens, bounds)) == where


def test_every_class_of_an_extreme_domain_is_distinct_and_non_empty() -> None:
    spec = Field("x", FieldType.NUMBER, "")
    cuts = [-MAX, -1e308, -2.0**53, -0.0, 1.0, math.nextafter(1.0, 2.0), 1e17, 1e308, MAX]
    domain = field_domain(spec, cuts)
    reps = [rep for rep, _ in domain]
    assert all(math.isfinite(r) for r in reps)
    assert reps == sorted(reps) and len(set(reps)) == len(reps)
    texts = [text for _, text in domain]
    assert texts[:2] == ["x = -1.7976931348623157e+308",
                         "x in (-1.7976931348623157e+308, -1e+308)"]
    assert "x in (1, 1.0000000000000002)" not in texts  # empty: no float between them
    assert "x in (1e+17, 1e+308)" in texts
    assert texts[-1] == "x = 1.7976931348623157e+308"


# ---------------------------------------------------------------- the guideline's own facts


def test_the_guideline_holds_its_domains_and_thresholds() -> None:
    guideline = nettree.load(BUNDLED)
    assert guideline.thresholds == {"ki67": (3.0, 10.0, 20.0)}
    assert [text for _, text in guideline.domains["ki67"]][:3] == [
        "ki67 in [0, 3)", "ki67 = 3", "ki67 in (3, 10)"]
    assert explore(guideline).domains is guideline.domains
    with pytest.raises(TypeError):
        guideline.domains["ki67"] = ()  # type: ignore[index]


def test_verify_traverse_and_the_diagrams_compute_no_domain(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Domains are computed at load only: verify, traverse (settling a leaf) and the
    diagrams read the guideline's own."""
    import nettree.domains as domains_module
    from nettree.export import extract

    guideline = nettree.load(BUNDLED)
    calls: list[str] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("computed")
        raise AssertionError("domains recomputed")

    import nettree.traverse as traverse_module
    import nettree.verify as verify_module

    for module in (domains_module, verify_module, extract, traverse_module):
        for name in ("field_domain", "derive_domains", "thresholds_of", "thresholds"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, counting)
    settled: list[str] = []
    settle = traverse_module._settle

    def spy(*args: Any) -> Any:
        settled.append(args[4].id)
        return settle(*args)

    monkeypatch.setattr(traverse_module, "_settle", spy)
    assert verify(guideline).ok
    # a leaf whose options depend on an unknown field is settled over its domain
    guideline.traverse({"differentiation": "well", "metastatic": True, "primary_site": "gi",
                        "grade": "G1", "sstr_status": "positive", "functional": False,
                        "tumor_volume": "low"})
    assert settled == ["gi-g12-first"]
    extract.build_diagram(guideline, focus={"primary_site": "pancreas"})
    assert calls == []


def test_domains_module_imports_no_guideline_at_run_time() -> None:
    """No import circle: the guideline imports nettree.domains at load, and nettree.domains
    imports neither the guideline nor traversal (only for type checking)."""
    import ast

    import nettree.domains as domains_module

    tree = ast.parse(Path(domains_module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in tree.body:  # module level, outside `if TYPE_CHECKING:`
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == {"__future__", "collections.abc", "typing", "conditions", "model",
                        "words"}


def test_a_large_set_field_is_never_listed(tmp_path: Path) -> None:
    """22 values are 4,194,304 subsets: verify, the paths table and the page make none."""
    from nettree.export.extract import build_diagram
    from nettree.export.html import page_data

    values = [f"v{i}" for i in range(22)]
    text = DERIVED_ABOVE_SOURCE.replace(
        "options:\n",
        f"  tried: {{type: set, values: [{', '.join(values)}], description: Tried.}}\n"
        "options:\n").replace(
        '{answer: "no", when: {score: {at_least: 2}}, to: done}',
        '{answer: "no", when: {score: {at_least: 2}, tried: {contains: v3}}, to: done}\n'
        "      - {answer: other, when: {score: {at_least: 2}, "
        "not: {tried: {contains: v3}}}, to: done}")
    path = tmp_path / "big-set.yaml"
    path.write_text(text, encoding="utf-8")
    guideline = nettree.load(path)
    assert len(guideline.domains["tried"]) == 2 ** 22
    assert guideline.domains["tried"][2 ** 22 - 1][0] == values
    assert guideline.domains["tried"][1] == (["v0"], "tried = [v0]")
    report = verify(guideline)
    assert failed(report) == ["exhaustive"]  # the gap at by-level, as above: nothing more
    assert page_data(guideline, build_diagram(guideline))["domains"]["tried"] == {
        "length": 2 ** 22}
    rows = decision_table(guideline)
    assert [dict(row.conditions).get("(several fields)") for row in rows] == [
        None, None, "all of (score is at least 2; tried contains v3)",
        "all of (score is at least 2; not (tried contains v3))"]


# ---------------------------------------------------------------- cost (issue 7, item 6)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"written-{next(_written)}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("count", [17, 25])
def test_fields_read_only_by_filters_do_not_multiply_classes(tmp_path: Path,
                                                             count: int) -> None:
    """17 such fields made 2^17 classes (66 s, 762 MB): each filter is now kept with the
    class ("excluded if") instead of split on, as nothing after it depends on its option."""
    guideline = nettree.load(write(tmp_path, filters_guideline(count, fallback=True,
                                                               certain=True)))
    found = explore(guideline)
    assert len(found.classes) == 2
    (leaf_a,) = [c for c in found.classes if c.result.leaf == "leaf-a"]
    assert [str(rule.when) for rule in leaf_a.unless] == [f"f{i} is true" for i in range(count)]
    assert [rule.options for rule in leaf_a.unless] == [(f"o{i}",) for i in range(count)]
    assert [o.id for o in leaf_a.result.options] == ["x", *(f"o{i}" for i in range(count))]
    assert verify(guideline, exploration=found).ok
    # the class's patient is one for whom no filter holds, and gets exactly its result
    assert guideline.traverse(leaf_a.patient).options == leaf_a.result.options
    # and any other patient of it gets its result with the filters that hold applied
    rng = random.Random(count)
    for _ in range(20):
        patient = {"site": "a", **{f"f{i}": rng.random() < 0.5 for i in range(count)}}
        result = guideline.traverse(patient)
        expected = leaf_a.result_for(guideline, patient)
        assert (result.options, result.excluded, result.recommendations) == (
            expected.options, expected.excluded, expected.recommendations)
        assert [o.id for o in result.options] == ["x", *(f"o{i}" for i in range(count)
                                                        if not patient[f"f{i}"])]


@pytest.mark.parametrize("fallback", [True, False])
def test_a_filter_whose_options_matter_later_is_still_split(tmp_path: Path,
                                                            fallback: bool) -> None:
    """When every option may be dropped, the fallback (or an empty recommendation) depends on
    them: the fields are split, one class per first filter that holds, and an empty result
    is found with a counterexample that really has no option."""
    path = write(tmp_path, filters_guideline(17, fallback=fallback))
    guideline = nettree.load(path)
    found = explore(guideline)
    assert len(found.classes) == 19  # f0 false; f0 true, f1 false; ...; all true; leaf-b
    report = verify(guideline, exploration=found)
    if fallback:
        assert report.ok, failed(report)
        return
    assert failed(report) == ["coverage"]
    unused, finding = report.check("coverage").findings
    assert unused.message == "option 'review' is never offered"  # (no fallback to offer it)
    assert "with no option" in finding.message
    assert finding.counterexample is not None
    assert guideline.traverse(finding.counterexample).options == ()


def test_a_filter_reading_what_an_earlier_one_may_drop_splits_it(tmp_path: Path) -> None:
    after = "  - {drop: x, unless: {offered: o1}, reason: Only with o1.}\n"
    guideline = nettree.load(write(tmp_path, filters_guideline(3, fallback=True, certain=True,
                                                               after=after)))
    found = explore(guideline)
    assert verify(guideline, exploration=found).ok
    by_f1 = {dict(c.values).get("f1"): c for c in found.classes if c.result.leaf == "leaf-a"}
    assert set(by_f1) == {True, False}
    assert [o.id for o in by_f1[True].result.options] == ["o0", "o2"]  # x went with o1
    assert [str(rule.when) for rule in by_f1[False].unless] == ["f0 is true", "f2 is true"]


def test_too_many_classes_stop_with_the_fields_that_multiply(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fields read by a leaf's own steps are split on: past the limit, exploration stops
    with a message naming them, through the library and the CLI (exit 1, no traceback)."""
    from nettree import verify as verify_module

    text = filters_guideline(12, fallback=True, certain=True)
    text = text.replace("filters:\n", "filters: []\n").replace("  - {drop: o", "  # - {drop: o")
    for i in range(12):
        text = text.replace(f"{{offer: o{i}, cites: ['1']}}",
                            f"{{offer: o{i}, cites: ['1'], when: {{f{i}: true}}}}")
    path = write(tmp_path, text)
    guideline = nettree.load(path)
    calls: list[tuple[int, int]] = []
    with pytest.raises(verify_module.TooManyClasses) as info:
        explore(guideline, limit=3000, progress=lambda c, p: calls.append((c, p)))
    message = str(info.value)
    assert message.startswith("verification stopped: more than 3000 patient classes. ")
    assert re.search(r"most: f11 \(2 ways, split \d+ times\), f10 ", message), message
    assert calls and all(p > 0 for _, p in calls)
    assert len(explore(guideline).classes) == 2 ** 12 + 1
    monkeypatch.setattr(verify_module, "CLASS_LIMIT", 1000)
    for args in (["verify", str(path)], ["enumerate", "--profiles", str(path)]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        assert result.stderr.startswith("nettree: error: verification stopped: more than 1000")


def test_a_statement_cited_only_by_a_kept_filter_is_cited(tmp_path: Path) -> None:
    text = filters_guideline(2, fallback=True, certain=True).replace(
        "supports: [o0, o1, x, review]}",
        "supports: [o0, o1, x, review],\n"
        "     statements: [{id: 1-q1, kind: qualifying, text: Not with f0.}]}")
    text = text.replace("reason: Flag 0.}", "reason: Flag 0., cites: [1-q1]}")
    guideline = nettree.load(write(tmp_path, text))
    (leaf_a,) = [c for c in explore(guideline).classes if c.result.leaf == "leaf-a"]
    assert [rule.cites for rule in leaf_a.unless] == [("1-q1",), ()]
    report = verify(guideline)
    assert report.ok, [str(f) for c in report.checks for f in c.findings]


def test_filters_no_patient_escapes_are_split(tmp_path: Path) -> None:
    """Two kept filters that cannot both fail (o0 goes when f0 is true, o1 when it is false)
    would make a row of nobody: f0 is split on, and each row's patient gets its result."""
    text = filters_guideline(2, fallback=True, certain=True).replace(
        "{drop: o1, when: {f1: true}", "{drop: o1, when: {f0: false}")
    text = text.replace("  f1: {type: boolean, description: Flag 1.}\n", "")
    guideline = nettree.load(write(tmp_path, text))
    found = explore(guideline)
    rows = [(dict(c.values), [o.id for o in c.result.options], c.unless)
            for c in found.classes]
    assert rows == [({"site": "a", "f0": True}, ["x", "o1"], ()),
                    ({"site": "a", "f0": False}, ["x", "o0"], ()),
                    ({"site": "b"}, ["x"], ())]
    for patient_class in found.classes:
        assert guideline.traverse(patient_class.patient).options == \
            patient_class.result.options
    assert verify(guideline, exploration=found).ok


HELD_FILTER_DECIDED = """\
nettree: 1
id: held-filter-decided
title: A kept filter decided by a later split
version: "1"
ratings:
  strength: {label: Strength, codes: {S: strong}}
recommendations:
  - {id: "1", category: All, text: Offer A., rating: {strength: S}, supports: [a, b, c]}
fields:
  x: {type: boolean, description: X.}
  y: {type: boolean, description: Y.}
  z: {type: boolean, description: Z.}
options:
  a: {label: A}
  b: {label: B}
  c: {label: C}
start: by-z
decisions:
  by-z:
    question: Z?
    branches:
      - {answer: "yes", when: {z: true}, to: done}
      - {answer: "no", when: {z: false}, to: done}
leaves:
  done:
    kind: recommendation
    label: Done
    steps: [{offer: a, cites: ["1"]}, {offer: b, cites: ["1"]}, {offer: c, cites: ["1"]}]
filters:
  - {drop: b, when: {x: true}, reason: Not with x.}
  - {drop: a, when: {x: true, y: true}, reason: Not with x and y.}
  - {drop: a, when: {z: true}, reason: Not with z.}
"""


def test_regression_a_kept_filter_decided_by_a_later_split_is_applied(tmp_path: Path) -> None:
    """Regression (was a bug: ``min() arg is an empty sequence`` in explore).

    `b` is kept "excluded if x"; the `z` filter then needs `a`, so the walk splits on the
    `x and y` filter that may drop it and resumes there, x first. The resumed walk kept the
    `x` filter undecided though x was now true: no patient of the class escaped it, and the
    split for that fell on no field. A kept filter that a split decides is now applied (or
    forgotten) when the walk resumes."""
    guideline = nettree.load(write(tmp_path, HELD_FILTER_DECIDED))
    found = explore(guideline)
    rows = [(dict(c.values), [o.id for o in c.result.options], c.unless)
            for c in found.classes]
    assert rows == [
        ({"x": True, "y": True, "z": True}, ["c"], ()),
        ({"x": True, "y": False, "z": True}, ["c"], ()),
        ({"x": False, "z": True}, ["b", "c"], ()),
        ({"x": True, "y": True, "z": False}, ["c"], ()),
        ({"x": True, "y": False, "z": False}, ["a", "c"], ()),
        ({"x": False, "z": False}, ["a", "b", "c"], ())]
    for patient_class in found.classes:
        result = guideline.traverse(patient_class.patient)
        assert (result.options, result.excluded) == (patient_class.result.options,
                                                     patient_class.result.excluded)
    for values in itertools.product([True, False], repeat=3):
        patient = dict(zip("xyz", values, strict=True))
        (owner,) = [c for c in found.classes
                    if all(patient[k] == v for k, v in c.values)]
        assert guideline.traverse(patient).options == \
            owner.result_for(guideline, patient).options
    assert verify(guideline, exploration=found).ok


HELD_FILTER_ON_A_SET = """\
nettree: 1
id: held-set
title: A kept filter on a set field
version: "1"
ratings:
  strength: {label: Strength, codes: {S: strong}}
recommendations:
  - {id: "1", category: All, text: Offer A., rating: {strength: S}, supports: [a, b, review]}
fields:
  tried: {type: set, values: [v0, v1, v2], description: Tried.}
  z: {type: boolean, description: Z.}
options:
  a: {label: A}
  b: {label: B}
  review: {label: Review}
start: by-z
decisions:
  by-z:
    question: Z?
    branches:
      - {answer: "yes", when: {z: true}, to: done}
      - {answer: "no", when: {z: false}, to: done}
leaves:
  done:
    kind: recommendation
    label: Done
    steps: [{offer: a, cites: ["1"]}, {offer: b, cites: ["1"]}]
filters:
  - {drop: b, when: {tried: {contains: v1}}, reason: Not after v1.}
  - {drop: a, when: {tried: {contains: v2}, z: true}, reason: Not after v2.}
  - {drop: a, when: {not: {tried: {contains: v0}}}, reason: Only after v0.}
fallback: {option: review, cites: ["1"]}
"""


def test_regression_a_kept_filter_on_a_set_known_in_part_gets_a_quiet_patient(
        tmp_path: Path) -> None:
    """Regression (was a bug). A kept filter reading a set known in part (`tried` without v1,
    others any) is unknown, yet the quiet values skipped the field as assigned: the class's
    patient (`tried: []`) lost `a` to "not (tried contains v0)", unlike its result. Every
    row's patient now gets exactly the row's result, and every patient the class's."""
    guideline = nettree.load(write(tmp_path, HELD_FILTER_ON_A_SET))
    found = explore(guideline)
    kept = [(dict(c.quiet), [o.id for o in c.result.options]) for c in found.classes
            if c.unless]
    assert kept == [({"tried": ["v0"]}, ["a", "b"]), ({"tried": ["v0", "v2"]}, ["a", "b"])]
    for patient_class in found.classes:
        result = guideline.traverse(patient_class.patient)
        assert (result.options, result.excluded) == (patient_class.result.options,
                                                     patient_class.result.excluded)
    for z in (True, False):
        for n in range(4):
            for tried in itertools.combinations(["v0", "v1", "v2"], n):
                patient = {"z": z, "tried": list(tried)}
                (owner,) = [c for c in found.classes if all(
                    patient[k] == v if k == "z" else
                    v.present <= set(tried) and not v.absent & set(tried)
                    for k, v in c.values)]
                result = guideline.traverse(patient)
                expected = owner.result_for(guideline, patient)
                assert (result.options, result.excluded) == (expected.options,
                                                             expected.excluded), patient
    assert verify(guideline, exploration=found).ok


def test_cli_shows_progress_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from nettree import cli

    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: False, raising=False)
    assert cli._progress() is None
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True, raising=False)
    show = cli._progress()
    assert show is not None
    show(0, 0)  # a short run: nothing shown
    assert capsys.readouterr().err == ""
    show(2000, 31)
    show(4351, 0)
    assert capsys.readouterr().err == ("\r  2000 patient classes explored, 31 pending "
                                       "\r  4351 patient classes explored, 0 pending \n")
