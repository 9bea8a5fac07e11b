"""A loaded guideline: an immutable value that answers for patients.

Build one with :func:`nettree.load`. It holds the recommendations verbatim, the patient
fields, the options, the decision graph (also as a frozen ``networkx.MultiDiGraph`` in
``graph``, one edge per branch keyed by its answer) and the filters and notes. Share it
freely between threads: nothing in it changes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .conditions import Named
from .derive import ground_inputs
from .domains import Domain, derive_domains, thresholds_of
from .model import (
    Decision,
    Fallback,
    Field,
    Leaf,
    NoteRule,
    Option,
    RatingDimension,
    RatingStyle,
    Recommendation,
    Statement,
    Step,
)

if TYPE_CHECKING:
    import networkx as nx

    from .compiled import Compiled
    from .errors import PatientError, Problem
    from .result import Result

__all__ = ["Guideline"]


@dataclass(frozen=True, eq=False)
class Guideline:
    """A guideline loaded from its file. Call :meth:`traverse` with a patient."""

    id: str
    title: str
    version: str
    citation: str
    scope: str
    path: Path
    source: Path | None
    ratings: tuple[RatingDimension, ...]
    rating_style: RatingStyle  # how ratings are presented (see nettree.ratings)
    warnings: tuple[Problem, ...]  # located warnings found at load (the file still loads)
    recommendations: tuple[Recommendation, ...]
    general: tuple[str, ...]
    abbreviations: Mapping[str, str]
    fields: Mapping[str, Field]
    options: Mapping[str, Option]
    start: str
    decisions: Mapping[str, Decision]
    leaves: Mapping[str, Leaf]
    step_sets: Mapping[str, tuple[Step, ...]]
    filters: tuple[Step, ...]
    fallback: Fallback | None
    notes: tuple[NoteRule, ...]
    # The named conditions (``conditions:``), by name, in the file's order: each use of one
    # holds the same Named, which reads as its label.
    conditions: Mapping[str, Named]
    in_scope_nodes: frozenset[str] = field(repr=False)
    cite_order: Mapping[str, int] = field(repr=False)
    option_order: Mapping[str, int] = field(repr=False)
    cite_owner: Mapping[str, str] = field(repr=False)
    statements: Mapping[str, Statement] = field(repr=False)
    # Derived facts, computed once here at load (see nettree.domains): each number field's
    # thresholds, and each field's domain (the classes of values its conditions tell apart).
    thresholds: Mapping[str, tuple[float, ...]] = field(init=False, repr=False)
    domains: Mapping[str, Domain] = field(init=False, repr=False)
    # Each field derived by points or cases: the fields given that it depends on.
    derived_inputs: Mapping[str, frozenset[str]] = field(init=False, repr=False)
    # The sha256 of the file's text, as loaded ("" when not built from a file): what the
    # classes kept between runs are keyed by (nettree.store).
    digest: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "derived_inputs", MappingProxyType(ground_inputs(self.fields)))
        cuts = {name: tuple(values) for name, values in thresholds_of(self).items()}
        object.__setattr__(self, "thresholds", MappingProxyType(cuts))
        object.__setattr__(self, "domains", MappingProxyType(derive_domains(self.fields, cuts)))

    @functools.cached_property
    def graph(self) -> nx.MultiDiGraph[str]:
        """The decision graph as a frozen ``networkx.MultiDiGraph``, built on first use (loading
        and traversing need no networkx): one node per leaf (``kind`` its leaf kind) and per
        decision (``kind="decision"``), one edge per branch keyed by its answer."""
        import networkx as nx

        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for node_id, leaf in self.leaves.items():
            graph.add_node(node_id, kind=leaf.kind.value)
        for node_id in self.decisions:
            graph.add_node(node_id, kind="decision")
        for decision in self.decisions.values():
            for branch in decision.branches:
                if branch.to in graph:
                    graph.add_edge(decision.id, branch.to, key=branch.answer,
                                   answer=branch.answer)
        return _read_only(nx.freeze(graph))

    @functools.cached_property
    def compiled(self) -> Compiled:
        """The compiled evaluator (:mod:`nettree.compiled`), made on first use: the
        interpreter's results reused per class of patients, in a bounded cache."""
        from .compiled import Compiled

        return Compiled(self)

    def traverse(self, patient: Mapping[str, Any], *, compiled: bool = True) -> Result:
        """The result for ``patient``, a mapping of field names to values.

        It comes from the compiled evaluator; ``compiled=False`` runs the interpreter
        (:func:`nettree.traverse.traverse`, the reference), which gives the same result.

        >>> import nettree
        >>> g = nettree.load("asco-gepnet-2023")
        >>> r = g.traverse({"differentiation": "poor"})
        >>> r.status
        'out_of_scope'
        >>> g.traverse({"differentiation": "poor"}, compiled=False) == r
        True
        """
        if compiled:
            return self.compiled.traverse(patient)
        from .traverse import traverse

        return traverse(self, patient)

    def traverse_many(self, patients: Iterable[Mapping[str, Any]],
                      ) -> Iterator[Result | PatientError]:
        """Each patient's result, in order, as :meth:`traverse` gives it; an invalid
        patient yields its :class:`~nettree.errors.PatientError` in its place and the run
        goes on.

        >>> import nettree
        >>> g = nettree.load("asco-gepnet-2023")
        >>> [type(r).__name__ for r in g.traverse_many([{"grade": "G9"}, {}])]
        ['PatientError', 'Result']
        """
        return self.compiled.traverse_many(patients)

    def traverse_frame(self, frame: Any) -> Any:
        """The result columns (status, leaf, recommendations, options, excluded, missing,
        error) for every row of a ``pyarrow.Table`` or a pandas or polars DataFrame, as a
        frame of the same kind: see :mod:`nettree.frames` (``pip install nettree[frames]``)."""
        from .frames import traverse_frame

        return traverse_frame(self, frame)

    def recommendation(self, rec_id: str) -> Recommendation:
        """The recommendation with this number (``KeyError`` if there is none)."""
        for rec in self.recommendations:
            if rec.id == rec_id:
                return rec
        raise KeyError(rec_id)

    def statement(self, statement_id: str) -> Statement:
        """The note or qualifying statement with this id (``KeyError`` if there is none)."""
        return self.statements[statement_id]

    def recommendation_of(self, cite: str) -> str:
        """The recommendation number behind a citation (``2.1-q1`` -> ``2.1``)."""
        return self.cite_owner[cite]

    def describe_rating(self, rec: Recommendation) -> str:
        """A recommendation's rating in words: ``Type: evidence based (EB); ...``."""
        dims = {d.name: d for d in self.ratings}
        return "; ".join(
            f"{dims[name].label}: {dims[name].meaning(code)} ({code})" for name, code in rec.rating
        )

    def __repr__(self) -> str:
        return f"<Guideline {self.id!r} version {self.version!r}: {len(self.recommendations)} " \
               f"recommendations, {len(self.decisions)} decisions, {len(self.leaves)} leaves>"


def _read_only(graph: nx.MultiDiGraph[str]) -> nx.MultiDiGraph[str]:
    """The frozen graph with its attribute mappings read-only too: ``nx.freeze`` stops adding
    and removing nodes and edges, but not ``graph.nodes[n]["kind"] = ...``, and one loaded
    guideline is shared by every thread and every caller."""
    graph.graph = MappingProxyType(dict(graph.graph))
    for node, data in graph._node.items():
        graph._node[node] = MappingProxyType(data)
    for source, targets in graph._adj.items():
        for target, keyed in targets.items():
            for key, data in keyed.items():
                shared = MappingProxyType(data)
                keyed[key] = shared
                graph._pred[target][source][key] = shared
    return graph
