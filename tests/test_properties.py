"""Property-based tests of traversal: every guideline, random patients.

The properties, for the bundled guideline and for every guideline file in tests/guidelines/:

1. a complete patient reaches a leaf along edges of the graph, and is never asked for data;
2. the graph: every path from the start ends at a leaf, decisions branch, no cycles;
3. unknown data is never guessed (ENCODING 5): a result given for a partial patient is the
   result of every completion of it; a stop names only fields that are unknown, and a
   completion of the patient does not stop; a default not listed under `assumed` does not
   matter;
4. determinism: same patient, same result, across calls and threads; JSON round-trips;
5. a malformed patient raises PatientError naming the field (never another exception), and
   the CLI exits 2 with one line on stderr;
6. the three-valued conditions follow Kleene's rules (also over sets known in part, as
   verification uses them).

Settings are per test, sized for a 2-core CI machine.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from corpus import EXAMPLE_GUIDELINES, TEST_GUIDELINES
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from strategies import (
    assignments,
    complete_patients,
    completion_domain,
    completions,
    condition_trees,
    field_values,
    malformed_cases,
    partial_patients,
    unknown_fields,
)

import nettree
from nettree.cli import main
from nettree.conditions import Condition, Context, PartialSet
from nettree.model import LeafKind
from nettree.result import EITHER_WAY, NEEDS_INFORMATION, OUT_OF_SCOPE, RECOMMENDATION, Result

HERE = Path(__file__).resolve().parent
# Globbed at collection: a file added to tests/guidelines/ is tested without listing it here.
EXTRA_GUIDELINES = [*TEST_GUIDELINES, *EXAMPLE_GUIDELINES]

# Per test, sized for a 2-core CI machine: the whole file takes about 30 seconds with two
# guidelines. Soundness of unknown data (property 3) gets the most examples.
MOST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FEWER = settings(  # each example runs 8 threads, or the CLI
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


class Subject:
    """A guideline under test; its short repr keeps Hypothesis' falsifying examples readable
    (they print every argument, and a Guideline prints as pages of dataclass fields)."""

    __slots__ = ("guideline",)

    def __init__(self, guideline: nettree.Guideline) -> None:
        self.guideline = guideline

    def __repr__(self) -> str:
        return f"<guideline {self.guideline.id!r}>"


@pytest.fixture(
    scope="module",
    params=["bundled", *EXTRA_GUIDELINES],
    ids=lambda p: "bundled" if p == "bundled" else p.name,
)
def subject(request: pytest.FixtureRequest, guideline: nettree.Guideline) -> Subject:
    """The bundled guideline, then every file in tests/guidelines/ (an invalid one is skipped
    with its first problem shown, never silently)."""
    if request.param == "bundled":
        return Subject(guideline)
    try:
        return Subject(nettree.load(request.param))
    except nettree.GuidelineError as exc:
        pytest.skip(f"{request.param.name} is not a valid guideline: {exc.problems[0]}")


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor


# ------------------------------------------------------------------ helpers


def stopped_on_unknown(guideline: nettree.Guideline, result: Result) -> bool:
    """A needs_information stop caused by unknown data, not a needs_information leaf reached.

    (A leaf reached has the answer 'reached' in its path step; a stop has None.)
    """
    if result.status != NEEDS_INFORMATION:
        return False
    last = result.path[-1]
    reached_leaf = (
        result.leaf is not None
        and guideline.leaves[result.leaf].kind is LeafKind.NEEDS_INFORMATION
        and last.node == result.leaf
        and last.answer is not None
    )
    return not reached_leaf


def check_path(guideline: nettree.Guideline, result: Result) -> None:
    """The path starts at the start node and follows edges of the graph, each decision with
    the answer its edge carries; it ends at the result's leaf or at the decision that stopped."""
    path = result.path
    graph = guideline.graph
    assert path, "empty path"
    assert path[0].node == guideline.start
    nodes = [step.node for step in path]
    assert len(set(nodes)) == len(nodes), f"a node is passed twice: {nodes}"
    for step, following in itertools.pairwise(path):
        assert step.kind == "decision" and step.node in guideline.decisions, step
        if step.answer == EITHER_WAY:  # unknown, but every answer leads on to ``following``
            assert nx.has_path(graph, step.node, following.node), (step.node, following.node)
            continue
        assert graph.has_edge(step.node, following.node), (step.node, following.node)
        assert graph.has_edge(step.node, following.node, key=step.answer)
    last = path[-1]
    if result.leaf is not None:
        assert last.node == result.leaf
        assert last.kind == guideline.leaves[result.leaf].kind.value
    else:
        assert result.status == NEEDS_INFORMATION
        assert last.kind == "decision" and last.node in guideline.decisions
        assert last.answer is None


def check_result(guideline: nettree.Guideline, result: Result) -> None:
    """What every result must be, whatever the patient."""
    assert result.guideline == guideline.id
    assert result.status in (RECOMMENDATION, NEEDS_INFORMATION, OUT_OF_SCOPE)
    check_path(guideline, result)
    offered = [o.id for o in result.options]
    excluded = [e.id for e in result.excluded]
    assert len(set(offered)) == len(offered) and len(set(excluded)) == len(excluded)
    assert not set(offered) & set(excluded), "an option both offered and excluded"
    assert set(offered) | set(excluded) <= set(guideline.options)
    for option in result.options:
        assert option.cites, f"{option.id} offered without a citation"
        assert len(set(option.cites)) == len(option.cites)
    for exclusion in result.excluded:
        assert exclusion.reason.strip(), f"{exclusion.id} excluded without a reason"
    behind = {guideline.recommendation_of(c) for o in result.options for c in o.cites}
    assert set(result.recommendations) == behind
    assert len(result.recommendations) == len(behind)
    assert set(result.missing) <= set(guideline.fields)
    note_ids = [n.id for n in result.notes]
    assert len(set(note_ids)) == len(note_ids)
    if result.status == OUT_OF_SCOPE:
        assert result.leaf is not None
        assert not (result.options or result.excluded or result.missing or result.notes)
        assert result.general == ()
    elif result.status == RECOMMENDATION:
        assert result.missing == ()
        assert result.general == guideline.general
        if guideline.fallback is not None:
            assert result.options, "a recommendation with nothing offered (F4 missed)"
    else:
        assert result.missing, "needs_information without a missing field"
        assert result.notes == ()
        if stopped_on_unknown(guideline, result):
            assert not (result.options or result.excluded), "options offered on unknown data"


def _route(r: Result, partial: Result) -> list[tuple[str, str | None]]:
    """The nodes passed and their answers, as far as the partial result shows them: a
    decision the partial answered "either way" has its completion's answer, whatever it is,
    and the nodes the partial does not show (passed by some completions only) are left out."""
    shown = {s.node: s.answer for s in partial.path}
    return [(s.node, s.answer if shown[s.node] != EITHER_WAY else EITHER_WAY)
            for s in r.path if s.node in shown]


def same_answer(partial: Result, full: Result) -> dict[str, Any]:
    """The parts of a result that every completion of a partial patient must share."""
    def view(r: Result) -> dict[str, Any]:
        return {
            "status": r.status,
            "leaf": r.leaf,
            "route": _route(r, partial),
            "options": [o.to_dict() for o in r.options],
            "excluded": [e.to_dict() for e in r.excluded],
            "recommendations": r.recommendations,
            "general": r.general,
            "missing": r.missing,
        }
    return {"partial": view(partial), "completion": view(full)}


# ------------------------------------------------------------------ 1. complete patients


@PROPERTY
@given(data=st.data())
def test_a_complete_patient_reaches_a_leaf(subject: Subject, data: st.DataObject) -> None:
    g = subject.guideline
    patient = data.draw(complete_patients(g), label="patient")
    result = g.traverse(patient)
    event(f"{result.status} at {result.leaf or result.path[-1].node}")
    check_result(g, result)
    unknown = unknown_fields(g, patient)
    # A complete patient leaves nothing unknown but, possibly, the source of a derived field
    # given alone (grade without ki67): the guideline may only ask for such a source.
    assert unknown <= {s.derive.source for s in g.fields.values() if s.derive}
    if stopped_on_unknown(g, result):
        assert unknown and set(result.missing) <= unknown, (
            f"a complete patient was asked for {result.missing} ({result.reason})"
        )
        return
    assert result.leaf in g.leaves
    leaf = g.leaves[result.leaf]
    assert result.status == leaf.kind.value
    assert result.path[-1].node == leaf.id and result.path[-1].answer is not None
    if leaf.kind is LeafKind.NEEDS_INFORMATION:
        assert set(result.missing) == set(leaf.missing)


# ------------------------------------------------------------------ 2. the graph


def test_the_graph_is_a_dag(subject: Subject) -> None:
    g = subject.guideline
    assert nx.is_directed_acyclic_graph(g.graph)


def test_the_graph_holds_every_node_and_branch(subject: Subject) -> None:
    g = subject.guideline
    graph = g.graph
    assert set(graph.nodes) == set(g.decisions) | set(g.leaves)
    assert not set(g.decisions) & set(g.leaves)
    assert g.start in g.decisions
    for decision in g.decisions.values():
        assert {b.to for b in decision.branches} == set(graph.successors(decision.id))
    for node in g.leaves:
        assert graph.out_degree(node) == 0, f"leaf {node!r} has outgoing edges"


def test_every_sink_is_a_leaf_and_every_decision_branches(subject: Subject) -> None:
    g = subject.guideline
    graph = g.graph
    for node in graph.nodes:
        if graph.out_degree(node) == 0:
            assert node in g.leaves, f"{node!r} has no outgoing edge but is no leaf"
    for decision in g.decisions.values():
        assert len(decision.branches) >= 2, f"decision {decision.id!r} has one branch"
        assert graph.out_degree(decision.id) >= 2, (
            f"decision {decision.id!r}: every branch goes to the same node"
        )


def test_every_path_from_the_start_ends_at_a_leaf(subject: Subject) -> None:
    g = subject.guideline
    graph = g.graph
    sinks = [n for n in graph.nodes if graph.out_degree(n) == 0]
    ends = set()
    count = 0
    for path in nx.all_simple_paths(graph, g.start, sinks):
        count += 1
        assert path[-1] in g.leaves
        assert all(node in g.decisions for node in path[:-1]), path
        ends.add(path[-1])
    assert count > 0
    reachable = nx.descendants(graph, g.start) | {g.start}
    assert reachable == set(graph.nodes), f"unreachable: {set(graph.nodes) - reachable}"
    assert ends == set(g.leaves)


# ------------------------------------------------------------------ 3. unknown data


@MOST
@given(data=st.data())
def test_unknown_data_is_never_guessed(subject: Subject, data: st.DataObject) -> None:
    g = subject.guideline
    patient = data.draw(partial_patients(g), label="patient")
    result = g.traverse(patient)
    stopped = stopped_on_unknown(g, result)
    event(f"{'stopped' if stopped else result.status} at {result.leaf or result.path[-1].node}")
    event(f"unknown fields: {len(unknown_fields(g, patient))}")
    check_result(g, result)
    unknown = unknown_fields(g, patient)
    if stopped:
        assert result.missing
        assert set(result.missing) <= unknown, (
            f"asked for {set(result.missing) - unknown}, which the patient gave (or defaults)"
        )
        # Supplying every unknown field ends the stop (no question goes on for ever) ...
        full = data.draw(completions(g, patient), label="completion")
        assert not stopped_on_unknown(g, g.traverse(full))
        # ... and supplying just the fields it names settles the question that stopped the
        # walk (the right fields were named): a decision is passed, a leaf stops, if at all,
        # for other fields (its options may read more once these are known).
        answered = dict(patient)
        for name in result.missing:
            if full.get(name) is not None:
                answered[name] = full[name]
            else:  # a derived field the completion gives through its source
                source = g.fields[name].derive.source  # type: ignore[union-attr]
                answered[source] = full[source]
        again = g.traverse(answered)
        stop = result.path[-1].node
        if result.leaf is None:
            passed = {step.node for step in again.path if step.answer is not None}
            assert stop in passed, f"given {list(result.missing)}, {stop!r} is still undecided"
        else:
            assert not (stopped_on_unknown(g, again) and set(again.missing) & set(result.missing))
        return
    definite = {n.id for n in result.notes if not n.unknown}
    possible = {n.id: n for n in result.notes}
    for note in result.notes:
        assert set(note.unknown) <= unknown, note
    for index in range(3):
        full = data.draw(completions(g, patient), label=f"completion {index}")
        assert unknown_fields(g, full) == frozenset()
        other = g.traverse(full)
        views = same_answer(result, other)
        assert views["partial"] == views["completion"], "a guess: a completion differs"
        got = {n.id for n in other.notes}
        assert definite <= got, f"definite notes {definite - got} dropped by a completion"
        assert got <= set(possible), f"notes {got - set(possible)} were not announced"
        for note in other.notes:
            assert note.unknown == ()
            before = possible[note.id]
            assert note.text == before.text
            assert set(before.remarks) <= set(note.remarks), note.id


@PROPERTY
@given(data=st.data())
def test_every_default_relied_on_is_listed(subject: Subject, data: st.DataObject) -> None:
    """A default the result does not list under ``assumed`` must not matter: giving that
    field any other value leaves the answer as it was (else a default was relied on silently,
    a guess the reader cannot see)."""
    g = subject.guideline
    patient = data.draw(st.one_of(complete_patients(g), partial_patients(g)), label="patient")
    result = g.traverse(patient)
    if stopped_on_unknown(g, result):
        return
    listed = {a.field for a in result.assumed}
    for assumption in result.assumed:
        assert patient.get(assumption.field) is None and g.fields[assumption.field].has_default
    silent = sorted(n for n, spec in g.fields.items()
                    if spec.has_default and patient.get(n) is None and n not in listed)
    if not silent:
        return
    name = data.draw(st.sampled_from(silent), label="default not listed")
    value = data.draw(field_values(g, name), label="its value")
    other = g.traverse({**patient, name: value})
    views = same_answer(result, other)
    assert views["partial"] == views["completion"], f"the default of {name!r} was relied on"
    assert [n.to_dict() for n in result.notes] == [n.to_dict() for n in other.notes]


# ------------------------------------------------------------------ 4. determinism


def _traverse_all(guideline: nettree.Guideline, patients: list[Any],
                  barrier: threading.Barrier) -> list[dict[str, Any]]:
    barrier.wait()
    return [guideline.traverse(p).to_dict() for p in patients]


@FEWER
@given(data=st.data())
def test_the_same_patient_gives_the_same_result(
    subject: Subject, pool: ThreadPoolExecutor, data: st.DataObject
) -> None:
    g = subject.guideline
    patients = data.draw(st.lists(partial_patients(g), min_size=1, max_size=6),
                         label="patients")
    expected = [g.traverse(p).to_dict() for p in patients]
    assert [g.traverse(p).to_dict() for p in patients] == expected
    for found in expected:
        text = json.dumps(found, allow_nan=False)
        assert json.loads(text) == found
        assert json.dumps(json.loads(text), allow_nan=False) == text
    # Eight threads start together (a barrier), each walking the patients in its own order.
    barrier = threading.Barrier(8, timeout=30)
    shifts = [i % len(patients) for i in range(8)]
    futures = [pool.submit(_traverse_all, g, patients[k:] + patients[:k], barrier)
               for k in shifts]
    results = [future.result() for future in futures]  # all done before any assertion
    for k, found in zip(shifts, results, strict=True):
        assert found == expected[k:] + expected[:k]


# ------------------------------------------------------------------ 5. malformed patients


@PROPERTY
@given(data=st.data())
def test_a_malformed_patient_raises_patient_error(
    subject: Subject, data: st.DataObject
) -> None:
    g = subject.guideline
    patient, names = data.draw(malformed_cases(g), label="patient")
    with pytest.raises(nettree.PatientError) as info:
        g.traverse(patient)  # any other exception fails the test as it is
    error = info.value
    assert isinstance(error, ValueError)
    message = str(error)
    assert "\n" not in message
    if not names:
        assert not isinstance(patient, Mapping)
        assert "a patient must be" in message, message
        return
    assert error.field is not None and repr(error.field) in message
    for name in names:
        assert repr(name) in message, f"{name!r} is not named in: {message}"


@FEWER
@given(data=st.data())
def test_the_cli_exits_2_on_a_malformed_patient(
    subject: Subject, data: st.DataObject
) -> None:
    g = subject.guideline
    patient, _ = data.draw(malformed_cases(g), label="patient")
    try:
        text = json.dumps(patient)
    except (TypeError, ValueError):
        assume(False)  # JSON cannot carry it (a number too long to write, say)
    run = CliRunner().invoke(main, ["traverse", "-g", str(g.path), "-"], input=text)
    assert "Traceback" not in run.output
    assert run.exit_code == 2, (run.exit_code, run.output, run.exception)
    assert isinstance(run.exception, SystemExit)
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nettree: error: "), run.stderr


# Regressions: engine bugs that test_a_malformed_patient_raises_patient_error found, kept as
# plain tests with their minimal patients (random draws reach them only now and then).
# _check_value called math.isfinite() and repr() on an int of any size; the engine has been
# fixed since, and these pass.


def test_regression_an_integer_too_large_for_a_float_is_refused(
    guideline: nettree.Guideline,
) -> None:
    """{"ki67": 10**400} raised OverflowError (math.isfinite), not PatientError; through the
    CLI (valid JSON) it was a traceback and exit 1."""
    with pytest.raises(nettree.PatientError, match="'ki67'"):
        guideline.traverse({"ki67": 10**400})


def test_regression_an_integer_too_long_to_print_is_refused(
    guideline: nettree.Guideline,
) -> None:
    """{"ki67": 10**5000} raised a bare ValueError (the int to str conversion limit, in the
    message's repr) instead of PatientError."""
    with pytest.raises(nettree.PatientError, match="'ki67'"):
        guideline.traverse({"ki67": 10**5000})


def test_regression_the_cli_refuses_a_huge_integer_in_json() -> None:
    """The CLI crashed (exit 1, traceback) on a JSON patient whose ki67 has 400 digits; with
    5000 digits json.loads itself raises ValueError."""
    for digits in (400, 5000):
        text = '{"ki67": 1' + "0" * digits + "}"
        run = CliRunner().invoke(main, ["traverse", "-g", "asco-gepnet-2023", "-"], input=text)
        assert "Traceback" not in run.output
        assert run.exit_code == 2, (digits, run.exception)
        assert len(run.stderr.splitlines()) == 1


# ------------------------------------------------------------------ 6. Kleene


def _fills(values: Mapping[str, Any], names: set[str]) -> Iterator[dict[str, Any]]:
    """Every way ``names`` may turn out (from their domains), the others kept."""
    ordered = sorted(names)
    domains = [completion_domain(n, values[n]) for n in ordered]
    for combo in itertools.product(*domains):
        yield {**values, **dict(zip(ordered, combo, strict=True))}


@settings(max_examples=400, deadline=None)
@given(condition=condition_trees(), values=assignments())
def test_conditions_follow_kleene(condition: Condition, values: dict[str, Any]) -> None:
    value = condition.evaluate(Context(values))
    missing = condition.missing(Context(values))
    unknown = {name for name, v in values.items() if v is None or isinstance(v, PartialSet)}
    assert value in (True, False, None)
    assert bool(missing) == (value is None), (value, missing)
    assert missing <= unknown & condition.fields()
    for full in _fills(values, unknown):
        settled = condition.evaluate(Context(full))
        assert settled is not None
        if value is not None:
            assert settled == value, f"{condition} was {value} but is {settled} for {full}"
    # Giving the fields that missing() names is always enough to settle the condition.
    for filled in _fills(values, missing):
        assert condition.evaluate(Context(filled)) is not None, (condition, filled)
