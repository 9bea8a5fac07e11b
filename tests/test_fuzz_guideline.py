"""Fuzzing guideline files: a mutated guideline is either refused with located problems or
works; it never crashes load, verify, traverse, enumerate or render with another exception.

Each example takes a guideline of the repository, applies a few random structural mutations
to its data (a key dropped, renamed or given a value of another kind; a list item repeated,
dropped or replaced; a reference pointed elsewhere; a scalar replaced by a hostile one), writes
it back as YAML and runs the library and the CLI on it. Anything that loads must also verify,
traverse and export without an exception other than nettree's own.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from corpus import EVERY_GUIDELINE
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import nettree
from nettree.cli import main
from nettree.errors import GuidelineError, NettreeError, PatientError

ROOT = Path(__file__).resolve().parent.parent
GUIDELINES = EVERY_GUIDELINE

# Sized for a 2-core CI machine (each example loads and verifies a guideline); no shrinking,
# whose hundreds of re-runs would cost minutes: the failing file is reported as it was drawn.
FUZZ = settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Scalars an author (or an attacker) might put anywhere.
HOSTILE = st.sampled_from([
    None, True, False, 0, -1, 1e308, -0.0, 10**400, "", " ", "x" * 5000, "\x1b]0;owned\x07",
    "a\rb", "\u2028", "brace", "2.1", "offer", [], {}, ["brace", "brace"], {"any": []},
    {"all": [{"not": {}}]}, "start", "decisions",
])


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``data`` (mapping keys and list indexes)."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, prefix)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                found.append((*path, key))
                stack.append((value, (*path, key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found.append((*path, index))
                stack.append((value, (*path, index)))
    return sorted(found, key=repr)


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated(draw: st.DrawFn, source: Path) -> str:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        key = path[-1]
        action = draw(st.sampled_from(["drop", "hostile", "duplicate", "rename", "copy"]))
        if action == "drop":
            del parent[key]
        elif action == "hostile":
            parent[key] = draw(HOSTILE)
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif action == "rename" and isinstance(parent, dict):
            parent[str(key) + draw(st.sampled_from(["s", "_", "x"]))] = parent.pop(key)
        elif action == "copy":  # a value from elsewhere in the file (a reference, usually)
            other = draw(st.sampled_from(paths))
            with contextlib.suppress(KeyError, IndexError, TypeError):
                parent[key] = copy.deepcopy(_parent(data, other)[other[-1]])
        if not isinstance(data, dict):
            break
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)


def _exercise(guideline: nettree.Guideline) -> None:
    """Everything a loaded guideline offers; only nettree's own errors may come out."""
    from nettree.export import export
    from nettree.verify import verify

    report = verify(guideline)
    assert report.checks
    for patient in ({}, {name: None for name in guideline.fields}):
        try:
            result = guideline.traverse(patient)
        except (PatientError, GuidelineError):
            continue
        result.to_dict()
    for fmt in ("dot", "mermaid"):
        with contextlib.suppress(NettreeError):
            export(guideline, fmt)


@pytest.mark.parametrize("source", GUIDELINES, ids=lambda p: p.stem)
@FUZZ
@given(data=st.data())
def test_a_mutated_guideline_is_refused_with_positions_or_works(source: Path, data: st.DataObject,
                                                                tmp_path_factory: Any) -> None:
    text = data.draw(mutated(source))
    path = tmp_path_factory.mktemp("fuzz") / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        guideline = nettree.load(path)
    except GuidelineError as exc:
        assert exc.problems, "a refused guideline names at least one problem"
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1
            assert len(problem.message) < 600, problem.message[:200]
        return
    _exercise(guideline)


@pytest.mark.parametrize("source", GUIDELINES[:1], ids=lambda p: p.stem)
@settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_cli_never_shows_a_traceback_for_a_mutated_guideline(
        source: Path, data: st.DataObject, tmp_path_factory: Any) -> None:
    text = data.draw(mutated(source))
    path = tmp_path_factory.mktemp("fuzz") / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    for args in (["verify", str(path)], ["traverse", "-g", str(path), "--set", "x=1"],
                 ["enumerate", str(path)], ["render", str(path), "--format", "mermaid"]):
        outcome = runner.invoke(main, args)
        assert outcome.exit_code in (0, 1, 2), (args, outcome.output[-500:])
        assert outcome.exception is None or isinstance(outcome.exception, SystemExit), (
            args, repr(outcome.exception))
        assert "Traceback" not in outcome.output


def test_the_loaded_graph_and_its_attributes_are_read_only() -> None:
    """One loaded guideline is shared by every caller and thread: nothing in its graph can
    be changed, neither the structure nor an attribute of a node, an edge or the graph."""
    import networkx as nx

    graph = nettree.load("asco-gepnet-2023").graph
    node = next(iter(graph.nodes))
    source, target, key = next(iter(graph.edges(keys=True)))
    with pytest.raises(nx.NetworkXError):
        graph.add_node("x")
    with pytest.raises(TypeError):
        graph.nodes[node]["kind"] = "recommendation"
    with pytest.raises(TypeError):
        graph.edges[source, target, key]["answer"] = "changed"
    with pytest.raises(TypeError):
        graph.graph["name"] = "changed"
    # the same edge data is seen from both ends
    assert graph.pred[target][source][key] is graph.succ[source][target][key]
