"""Verification: prove a guideline graph complete and sound, exactly, not by sampling.

Every field has a finite domain: choices, booleans, the subsets of a set field, and for a
number the intervals cut by the thresholds that the file's conditions and derivations use
(Ki-67 below 3, 3 to 20, above 20 ...). Patients are explored by splitting on demand: walk
the graph with every field unknown; whenever the walk stops because a field is unknown, split
on that field's domain and walk each part again. Conditions are evaluated in three values,
so a walk that finishes holds for every patient of its class, and the classes together cover
every possible patient. Each check below is therefore exact, and each failure comes with a
concrete counterexample patient.

Decisions and filters are checked apart: a field that only the guideline-wide filters read
is not split on while nothing after its filter depends on the options it drops; the class
keeps the filter as a condition instead (``PatientClass.unless``), so such fields do not
multiply the classes. Exploration stops past ``CLASS_LIMIT`` classes with a message naming
the fields that multiply them (:class:`TooManyClasses`).

Checks: ``structure`` (one root, acyclic, every node reachable, every path ends at a leaf),
``exhaustive`` (every patient who reaches a decision satisfies a branch), ``exclusive`` (no
patient satisfies two), ``satisfiable`` (every node and branch is taken by some patient),
``coverage`` (every recommendation is cited by a reachable result or is general; every
option, statement, field and named condition is used) and ``citations`` (an option cites only
recommendations or statements that declare they support it).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .conditions import Condition, Context, PartialSet, describe_value
from .derive import case_defects, compute
from .domains import Domain, _above, _below, _between, _conditions, field_domain, thresholds
from .errors import GuidelineError, PatientError
from .guideline import Guideline
from .model import (
    Cite,
    Drop,
    DropListed,
    Field,
    FieldType,
    NotRecommend,
    Offer,
    Position,
    Prefer,
    Step,
)
from .patient import Patient, validate_patient
from .result import NEEDS_INFORMATION, Exclusion, Result
from .traverse import SETTLE_LIMIT, LeafProgress, Unless, _stored, walk
from .words import number_text, plain

__all__ = [
    "CHECKS",
    "Check",
    "CoverageReport",
    "Exploration",
    "Finding",
    "PathRow",
    "PatientClass",
    "Report",
    "TooManyClasses",
    "coverage",
    "decision_table",
    "explore",
    "field_domain",
    "thresholds",
    "verify",
    "verify_file",
]

CHECKS = {
    "load": "the file parses and every key, field, option, recommendation and node it names "
            "exists",
    "structure": "one root, no cycle, every node reachable from it, every path ends at a leaf",
    "exhaustive": "at each decision, the branches cover every patient who can reach it",
    "exclusive": "at each decision, no patient satisfies two branches",
    "satisfiable": "every node and every branch is reached by at least one patient",
    "coverage": "every recommendation is cited by a reachable result or is general; every "
                "option, statement, field and named condition is used",
    "citations": "every option cites only recommendations or statements that support it",
}


@dataclass(frozen=True)
class Finding:
    """One problem found by a check, with where it is and, if it applies, a patient showing it."""

    check: str
    message: str
    node: str | None = None
    position: Position | None = None
    counterexample: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "message": self.message,
            "node": self.node,
            "position": str(self.position) if self.position else None,
            "counterexample": plain(self.counterexample),
        }

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        node = f"[{self.node}] " if self.node and repr(self.node) not in self.message else ""
        text = f"{where}{node}{self.message}"
        if self.counterexample is not None:
            text += f"\n      counterexample: {_patient_text(self.counterexample)}"
        return text


@dataclass(frozen=True)
class Check:
    """The outcome of one named check. ``ran`` is False when an earlier failure prevented it."""

    name: str
    findings: tuple[Finding, ...]
    summary: str
    ran: bool = True

    @property
    def passed(self) -> bool:
        return self.ran and not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": CHECKS[self.name],
            "ran": self.ran,
            "passed": self.passed,
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class Report:
    """Every check's outcome for one guideline file."""

    guideline: str
    file: str
    checks: tuple[Check, ...]
    classes: int

    @property
    def ok(self) -> bool:
        return all(check.passed for check in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "guideline": self.guideline,
            "file": self.file,
            "ok": self.ok,
            "classes": self.classes,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class PatientClass:
    """A class of patients: the fields in ``values`` fixed (a representative value each; see
    ``describe``), every other field any value. ``result`` holds for each of them, except
    that each filter in ``unless`` excludes its options for the patients it holds for.

    ``unless`` (usually empty) are filters on fields that only filters read (see
    :func:`explore`): ``options`` are excluded, for ``reason``, exactly when ``when`` holds;
    nothing else in the result depends on them. :meth:`result_for` applies them.
    """

    values: tuple[tuple[str, Any], ...]
    result: Result
    unless: tuple[Unless, ...] = ()
    quiet: tuple[tuple[str, Any], ...] = ()  # values of the unless fields for which none holds

    @property
    def patient(self) -> dict[str, Any]:
        """A concrete patient of the class (a partly known set: just its known members),
        with values for which no ``unless`` filter holds: ``result`` is exactly its result."""
        return _concrete({**dict(self.values), **dict(self.quiet)})

    def result_for(self, guideline: Guideline, patient: Mapping[str, Any]) -> Result:
        """The result of one patient of this class: ``result``, with the ``unless`` filters
        that hold for the patient applied."""
        if not self.unless:
            return self.result
        values = validate_patient(guideline.fields, patient).values
        ctx = Context(values)
        unknown = sorted({n for rule in self.unless if rule.when.evaluate(ctx) is None
                          for n in rule.when.missing(ctx)}, key=list(guideline.fields).index)
        # As traversal settles a leaf: every completion of the unknown fields must hold the
        # same filters, else the patient is asked for them.
        outcomes = set()
        if math.prod(len(guideline.domains[n]) for n in unknown) <= SETTLE_LIMIT:
            for combination in itertools.product(*(guideline.domains[n] for n in unknown)):
                completed = Context({**values, **{n: _stored(v) for n, (v, _) in zip(
                    unknown, combination, strict=True)}})
                outcomes.add(tuple(rule.when.evaluate(completed) is True
                                   for rule in self.unless))
        if len(outcomes) != 1:
            return replace(self.result, status=NEEDS_INFORMATION, options=(), excluded=(),
                           recommendations=(), missing=tuple(unknown), notes=())
        (holding,) = outcomes
        dropped: dict[str, Unless] = {}
        for rule, holds in zip(self.unless, holding, strict=True):
            if holds:
                dropped.update(dict.fromkeys(rule.options, rule))
        if not dropped:
            return self.result
        cite_key = guideline.cite_order.__getitem__
        options = tuple(replace(o, preferred_over=tuple(p for p in o.preferred_over
                                                        if p not in dropped))
                        for o in self.result.options if o.id not in dropped)
        excluded = (*self.result.excluded, *(
            Exclusion(o.id, o.label, dropped[o.id].reason,
                      tuple(sorted(dropped[o.id].cites, key=cite_key)))
            for o in self.result.options if o.id in dropped))
        return replace(
            self.result, options=options,
            excluded=tuple(sorted(excluded, key=lambda e: guideline.option_order[e.id])),
            recommendations=tuple(sorted({guideline.recommendation_of(c) for o in options
                                          for c in o.cites}, key=cite_key)))


@dataclass(frozen=True)
class Exploration:
    """The partition of all patients into classes, and the defects met while exploring."""

    classes: tuple[PatientClass, ...]
    defects: tuple[Finding, ...]
    domains: Mapping[str, Domain] = field(repr=False)
    # Assignments that no valid patient has (a derived field below what its source implies):
    # every patient they describe is refused. (nettree diff compares two files' refusals.)
    refused: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)

    def describe(self, name: str, value: Any) -> str:
        """The class of values a representative stands for (``ki67 in (3, 10)``)."""
        if isinstance(value, PartialSet):
            return f"{name} = {value}"
        for rep, text in self.domains.get(name, ()):
            if rep == value:
                return text
        return f"{name} = {describe_value(value)}"


# ---------------------------------------------------------------- domains


# ---------------------------------------------------------------- exploration


class TooManyClasses(Exception):
    """Exploration stopped at its limit of patient classes; the message names the fields
    whose splits multiplied them."""


# Exploration stops past this many patient classes (the bundled guideline has a few thousand).
CLASS_LIMIT = 200_000
# ``progress`` is called every this many walks.
PROGRESS_EVERY = 2_000


def filter_only_fields(guideline: Guideline) -> frozenset[str]:
    """The fields that only the guideline-wide filters read (in a ``when``): no decision,
    leaf step, note or derivation. Verification does not split on them (see :func:`explore`)."""
    in_filters: set[str] = set()
    elsewhere: set[str] = set()
    for step in guideline.filters:
        when = getattr(step, "when", None)
        if when is not None:
            in_filters |= when.fields()
        if isinstance(step, DropListed):
            elsewhere.add(step.field)
    for decision in guideline.decisions.values():
        for branch in decision.branches:
            elsewhere |= branch.when.fields()
    for leaf in guideline.leaves.values():
        for step in leaf.steps:
            when = getattr(step, "when", None)
            if when is not None:
                elsewhere |= when.fields()
            if isinstance(step, DropListed):
                elsewhere.add(step.field)
    for rule in guideline.notes:
        for when in (rule.when, *(remark.when for remark in rule.remarks)):
            if when is not None:
                elsewhere |= when.fields()
    for spec in guideline.fields.values():
        if spec.derive is not None:
            elsewhere |= {spec.name, spec.derive.source}
    elsewhere |= set().union(*guideline.derived_inputs.values())
    return frozenset(in_filters - elsewhere)


def explore(guideline: Guideline, *, limit: int | None = None,
            progress: Callable[[int, int], None] | None = None,
            thresholds: Mapping[str, Iterable[float]] | None = None,
            start: Mapping[str, Any] | None = None) -> Exploration:
    """Partition every possible patient into classes that each get one exact result.

    A set field is explored element by element, and only for the elements whose membership
    an answer depends on (a :class:`~nettree.conditions.PartialSet`), not as all its subsets.

    Decisions and filters are checked apart: a field that only filters read
    (:func:`filter_only_fields`) is not split on when a filter that drops options reads it;
    the filter is kept with the class (``PatientClass.unless``: these options are excluded
    exactly when its condition holds) as long as nothing after it (another step, the
    fallback, a note) depends on those options. So 20 such fields make no more classes than
    none. Otherwise, and for every other field, the walk splits on it.

    ``progress(classes, pending)`` is called every few thousand walks; past ``limit`` classes
    exploration stops with :class:`TooManyClasses`, naming the fields that multiply them.

    ``thresholds`` adds cuts to number fields (another file's, so that two files' classes
    share their values: ``nettree diff``); ``start`` explores only the patients with these
    values (domain representatives, as in ``PatientClass.values``).
    """
    limit = CLASS_LIMIT if limit is None else limit
    domains = guideline.domains
    if thresholds is not None:
        from .domains import derive_domains

        cuts = {name: [*guideline.thresholds.get(name, ()), *thresholds.get(name, ())]
                for name in guideline.fields}
        domains = derive_domains(guideline.fields, cuts)
    order = list(guideline.fields)
    sets = {name: spec.values for name, spec in guideline.fields.items()
            if spec.type is FieldType.SET}
    defer = filter_only_fields(guideline)
    classes: list[PatientClass] = []
    defects: list[Finding] = []
    refused: list[Mapping[str, Any]] = []
    seen_defects: set[tuple[str, str | None]] = set()
    splits: dict[str, int] = {}
    walks = 0
    # Each item: an assignment, and where the walk of the coarser assignment it refines
    # stopped inside a leaf. A split sets only the field that stopped it, which nothing
    # before that point read (strict walks stop at the first unknown answer, and a step
    # changes nothing when its answer is unknown), so the walk resumes there.
    # A value set on a field outside any derivation is a valid domain value: only a split on
    # a derived field or its source needs the patient checked again.
    derived = {name for name, spec in guideline.fields.items() if spec.derive} | {
        spec.derive.source for spec in guideline.fields.values() if spec.derive}
    # A field that values are derived from by points or cases: the derived values change
    # with it, and steps already passed may have read them (as unknown), so its splits are
    # walked again from the start.
    inputs = set().union(*guideline.derived_inputs.values())
    derived |= inputs
    for check, message, name, position, counterexample in case_defects(guideline.fields,
                                                                       domains):
        seen_defects.add((check, name))
        defects.append(Finding(check, message, name, position, _concrete(counterexample)))
    stack: list[tuple[dict[str, Any], LeafProgress | None, Patient | None, str]] = [
        (dict(start or {}), None, None, "")]
    while stack:
        walks += 1
        if progress is not None and walks % PROGRESS_EVERY == 0:
            progress(len(classes), len(stack))
        if len(classes) + len(stack) > limit:
            raise TooManyClasses(_too_many(limit, splits, guideline))
        assignment, resume, parent, name = stack.pop()
        if parent is not None and name not in derived:
            value = assignment[name]
            value = float(value) if isinstance(value, int) and not isinstance(value, bool) \
                else value
            patient = Patient({**parent.values, name: value}, parent.defaulted, parent.derived)
        else:
            plain = {k: v for k, v in assignment.items() if k not in sets}
            try:
                patient = validate_patient(guideline.fields, plain, apply_defaults=False,
                                           derive=False)
            except PatientError:
                refused.append(assignment)  # a derived field below its source: no patient
                continue
            except GuidelineError:  # derived by cases that leave it a gap: reported above
                continue
            if len(plain) != len(assignment):
                partial = {k: v for k, v in assignment.items() if k in sets}
                merged = {**patient.values, **partial}
                found = patient.derived
                if inputs:  # derived again, now with the sets known in part
                    try:
                        made = compute(guideline.fields, merged)
                    except GuidelineError:
                        continue
                    found = (*(d for d in found if d[2] is not None), *made)
                patient = Patient(merged, patient.defaulted, found)
        asked: list[tuple[str, str | None]] = []
        unless: list[Unless] = []
        try:
            result, unknown, leaf_progress = walk(guideline, patient, strict=True, asked=asked,
                                                  resume=resume, defer=defer, unless=unless)
        except GuidelineError as exc:
            problem = exc.problems[0]
            defect = (problem.check, problem.node)
            if defect not in seen_defects:
                seen_defects.add(defect)
                position = Position(problem.file, problem.line, problem.column)
                defects.append(Finding(problem.check, problem.message, problem.node, position,
                                       _concrete(assignment)))
            continue
        if unknown:
            split = min(unknown, key=order.index)
            splits[split] = splits.get(split, 0) + 1
            resume_at = None if split in inputs else leaf_progress
            stack.extend((child, resume_at, patient, split)
                         for child in _split(split, assignment, domains, sets, asked))
            continue
        quiet = _quiet(guideline, unless, patient)
        if quiet is None:
            # No patient escapes every kept filter (say, one drops a when f is true, another
            # b when f is false): a row would describe nobody, so split on a field they
            # leave unknown (the first), walking the refined classes from the start.
            ctx = Context(patient.values)
            split = min((n for rule in unless for n in rule.when.missing(ctx)),
                        key=order.index)
            splits[split] = splits.get(split, 0) + 1
            stack.extend((child, None, None, split)
                         for child in _split(split, assignment, domains, sets, asked))
            continue
        values = tuple((n, assignment[n]) for n in order if n in assignment)
        classes.append(PatientClass(values, result, tuple(unless), quiet))
    if progress is not None:
        progress(len(classes), 0)
    # No sort needed: the walk is depth first and pushes each split's values in reverse, so
    # classes come out in the order of the fields split on and of their domains, the same
    # every run.
    return Exploration(tuple(classes), tuple(defects), domains, tuple(refused))


def _too_many(limit: int, splits: Mapping[str, int], guideline: Guideline) -> str:
    worst = sorted(splits, key=lambda n: (-splits[n], list(guideline.fields).index(n)))[:5]
    named = ", ".join(f"{n} ({len(guideline.domains[n]) if n not in _set_names(guideline) else 2}"
                      f" ways, split {splits[n]} times)" for n in worst)
    return (f"verification stopped: more than {limit} patient classes. The fields whose "
            f"values multiply them most: {named}. Each combination of their values that "
            f"the answers depend on is a class; read fewer of them in the same leaf, or "
            f"only in filters")


def _set_names(guideline: Guideline) -> set[str]:
    return {n for n, spec in guideline.fields.items() if spec.type is FieldType.SET}


def _quiet(guideline: Guideline, unless: list[Unless], patient: Patient,
           ) -> tuple[tuple[str, Any], ...] | None:
    """Values of the fields the ``unless`` filters leave unknown for which none of them
    holds (the first found, trying each field's domain, and for a set known in part a few
    completions of it); None if none was found."""
    if not unless:
        return ()
    ctx = Context(patient.values)
    names = sorted({n for rule in unless if rule.when.evaluate(ctx) is None
                    for n in rule.when.missing(ctx)}, key=list(guideline.fields).index)
    chosen: dict[str, Any] = {}

    def holds_for_some(values: dict[str, Any]) -> bool:
        ctx = Context({**patient.values, **{n: _stored(v) for n, v in values.items()}})
        return any(rule.when.evaluate(ctx) is True for rule in unless)

    # Backtracking, one field at a time (independent filters: one value each).
    stack: list[tuple[int, dict[str, Any]]] = [(0, {})]
    tries = 0
    while stack and tries < 10_000:
        index, chosen = stack.pop()
        tries += 1
        if holds_for_some(chosen):
            continue
        if index == len(names):
            return tuple((n, chosen[n]) for n in names)
        name = names[index]
        stack.extend((index + 1, {**chosen, name: value})
                     for value in reversed(_candidates(guideline, name,
                                                       patient.values.get(name))))
    return None


def _candidates(guideline: Guideline, name: str, known: Any) -> list[Any]:
    """The values ``_quiet`` tries for a field: its domain; for a set known in part
    (a PartialSet), the completions that add no undecided member, all of them, or all but
    one or just one (not all its subsets: when none of these does, explore splits it)."""
    if not isinstance(known, PartialSet):
        return [value for value, _ in guideline.domains[name]]
    undecided = known.undecided(sorted(known.universe))
    extras = [(), tuple(undecided), *((e,) for e in undecided),
              *(tuple(u for u in undecided if u != e) for e in undecided)]
    return [sorted(known.present | set(extra)) for extra in dict.fromkeys(extras)]


def _split(name: str, assignment: dict[str, Any], domains: Mapping[str, Any],
           sets: Mapping[str, tuple[str, ...]], asked: list[tuple[str, str | None]],
           ) -> list[dict[str, Any]]:
    """The assignments that refine ``assignment`` on ``name``, last first (for a stack)."""
    if name not in sets:
        return [{**assignment, name: value} for value, _ in reversed(domains[name])]
    current = assignment.get(name)
    universe = frozenset(sets[name])
    if current is None:  # start knowing nothing of the set; the next walk says what it asks
        return [{**assignment, name: PartialSet(frozenset(), frozenset(), universe)}]
    undecided = current.undecided(sets[name])
    wanted = [e for f, e in asked if f == name and e is not None and e in undecided]
    element = wanted[0] if wanted else undecided[0]
    with_it = PartialSet(current.present | {element}, current.absent, universe)
    without = PartialSet(current.present, current.absent | {element}, universe)
    return [{**assignment, name: without}, {**assignment, name: with_it}]


def _concrete(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: sorted(v.present) if isinstance(v, PartialSet) else v for k, v in values.items()}


# ---------------------------------------------------------------- the checks


def verify(guideline: Guideline, *, exploration: Exploration | None = None,
           progress: Callable[[int, int], None] | None = None) -> Report:
    """Run every check on a loaded guideline (``progress``: see :func:`explore`)."""
    exploration = exploration or explore(guideline, progress=progress)
    blocked = bool(exploration.defects)
    checks = [
        Check("load", (), "the file loaded: every reference resolves"),
        _structure(guideline),
        *_gaps_and_overlaps(exploration),
        _blocked("satisfiable") if blocked else _satisfiable(guideline, exploration),
        _blocked("coverage") if blocked else _coverage(guideline, exploration),
        _citations(guideline, exploration),
    ]
    return Report(guideline.id, str(guideline.path), tuple(checks), len(exploration.classes))


def verify_file(source: str | Path, *,
                progress: Callable[[int, int], None] | None = None,
                keep: bool = False) -> Report:
    """Load and verify; a file that does not load fails ``load`` or ``structure``. With
    ``keep``, the exploration is the one kept in the cache folder when there is one, and
    is kept there otherwise (:func:`nettree.store.exploration`)."""
    from .loader import load, resolve

    path = resolve(source)
    try:
        guideline = load(path)
    except GuidelineError as exc:
        by_check: dict[str, list[Finding]] = {"load": [], "structure": []}
        for problem in exc.problems:
            name = "structure" if problem.check == "structure" else "load"
            by_check[name].append(Finding(
                name, problem.message, problem.node,
                Position(problem.file, problem.line, problem.column)))
        load_summary = _count(by_check["load"], "problem") if by_check["load"] else \
            "every key, field, option, recommendation and node named exists"
        checks = [Check("load", tuple(by_check["load"]), load_summary)]
        checks.append(Check("structure", tuple(by_check["structure"]),
                            _count(by_check["structure"], "problem")) if by_check["structure"]
                      else Check("structure", (), "not run: the file must load first",
                                 ran=False))
        checks += [Check(name, (), "not run: the file must load first", ran=False)
                   for name in CHECKS if name not in ("load", "structure")]
        return Report(path.stem, str(path), tuple(checks), 0)
    if keep:
        from .store import exploration

        return verify(guideline, exploration=exploration(guideline, progress),
                      progress=progress)
    return verify(guideline, progress=progress)


def _count(items: list[Any], word: str) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"


def _structure(guideline: Guideline) -> Check:
    # The graph as Guideline.graph holds it (one edge per branch to a node), walked with
    # format.structure's functions: no networkx to import for one check.
    from .format.structure import components

    nodes = [*guideline.leaves, *guideline.decisions]
    known = set(nodes)
    edges = {node: [b.to for b in decision.branches if b.to in known]
             for node, decision in guideline.decisions.items()}
    entered = {target for targets in edges.values() for target in targets}
    findings = []
    roots = [n for n in nodes if n not in entered]
    if roots != [guideline.start]:
        findings.append(Finding("structure", f"roots {roots}: the start node "
                                             f"{guideline.start!r} must be the only one"))
    if components(nodes, edges):
        findings.append(Finding("structure", "the graph has a cycle"))
    for node in nodes:
        is_leaf = node in guideline.leaves
        if not is_leaf and not edges[node]:
            findings.append(Finding("structure", f"decision {node!r} leads nowhere", node,
                                    guideline.decisions[node].position))
    summary = (f"one root ({guideline.start}), acyclic, {len(nodes)} nodes all "
               f"reachable, {len(guideline.leaves)} leaves end every path")
    return Check("structure", tuple(findings), summary if not findings else
                 _count(findings, "problem"))


def _gaps_and_overlaps(exploration: Exploration) -> list[Check]:
    checks = []
    for name in ("exhaustive", "exclusive"):
        found = tuple(f for f in exploration.defects if f.check == name)
        ok = ("every patient who reaches a decision satisfies a branch" if name == "exhaustive"
              else "no patient satisfies two branches of a decision")
        if found:
            kind = "a gap" if name == "exhaustive" else "an overlap"
            summary = f"{kind} at {_count(list(found), 'decision')}"
        elif exploration.defects:  # patients past another defect were not explored
            summary = f"{ok}, among those explored (patients past a gap or overlap were not)"
        else:
            summary = f"{ok} ({len(exploration.classes)} patient classes)"
        checks.append(Check(name, found, summary))
    return checks


def _blocked(name: str) -> Check:
    return Check(name, (), "not run: fix the gaps and overlaps first (patients past them were "
                           "not explored)", ran=False)


def _taken(exploration: Exploration) -> tuple[set[str], set[tuple[str, str]]]:
    nodes: set[str] = set()
    branches: set[tuple[str, str]] = set()
    for patient_class in exploration.classes:
        for step in patient_class.result.path:
            nodes.add(step.node)
            if step.kind == "decision" and step.answer is not None:
                branches.add((step.node, step.answer))
    for defect in exploration.defects:
        if defect.node:
            nodes.add(defect.node)
    return nodes, branches


def _satisfiable(guideline: Guideline, exploration: Exploration) -> Check:
    nodes, branches = _taken(exploration)
    findings = []
    for decision in guideline.decisions.values():
        if decision.id not in nodes:
            continue
        for branch in decision.branches:
            if (decision.id, branch.answer) not in branches:
                findings.append(Finding(
                    "satisfiable", f"decision {decision.id!r}: no patient who reaches it takes "
                                   f"branch {branch.answer!r} ({branch.when})",
                    decision.id, branch.position))
    for node_id in [*guideline.leaves, *guideline.decisions]:  # Guideline.graph's order
        if node_id not in nodes:
            where = guideline.decisions[node_id].position if node_id in guideline.decisions \
                else guideline.leaves[node_id].position
            findings.append(Finding(
                "satisfiable", f"no patient reaches {node_id!r}: the conditions on every path "
                               f"to it contradict each other", node_id, where))
    summary = (f"every node ({len(nodes)}) and branch ({len(branches)}) is reached by a patient"
               if not findings else _count(findings, "problem"))
    return Check("satisfiable", tuple(findings), summary)


def _fields_used(guideline: Guideline) -> set[str]:
    used: set[str] = set()
    for condition in _conditions(guideline):
        used |= condition.fields()
    for spec in guideline.fields.values():
        if spec.derive is not None:
            used.add(spec.derive.source)
    steps: list[Step] = [*guideline.filters]
    for leaf in guideline.leaves.values():
        steps.extend(leaf.steps)
        used.update(leaf.missing)
    for step in steps:
        if hasattr(step, "field"):
            used.add(step.field)
    return used


def _coverage(guideline: Guideline, exploration: Exploration) -> Check:
    cited: set[str] = set()
    offered: set[str] = set()
    noted: set[str] = set()
    for patient_class in exploration.classes:
        result = patient_class.result
        for option in result.options:
            offered.add(option.id)
            cited.update(option.cites)
        for exclusion in result.excluded:
            cited.update(exclusion.cites)
        for advised in result.not_recommended:  # advice against an option uses it too
            offered.add(advised.id)
            cited.update(advised.cites)
        for rule in patient_class.unless:  # each holds for some patients of the class
            cited.update(rule.cites)
        noted.update(note.id for note in result.notes)
    general = set(guideline.general)
    findings = []
    for rec in guideline.recommendations:
        if rec.id not in general and not any(guideline.recommendation_of(c) == rec.id
                                             for c in cited):
            findings.append(Finding("coverage", f"recommendation {rec.id} is neither cited by "
                                                f"a reachable result nor general"))
        for statement in rec.statements:
            # A general recommendation is shown in full, with its statements, on every
            # in-scope result (see text.explain), so those count as used.
            if statement.id not in cited | noted and rec.id not in general:
                findings.append(Finding("coverage", f"statement {statement.id} is never cited "
                                                    f"nor shown as a note"))
    # The fallback's option is a safety net: proving it is never needed is no defect.
    safety_net = {guideline.fallback.option} if guideline.fallback else set()
    for option_id in guideline.options:
        if option_id not in offered | safety_net:
            findings.append(Finding("coverage", f"option {option_id!r} is never offered"))
    empty: set[str] = set()
    for patient_class in exploration.classes:
        result = patient_class.result
        if result.status == "recommendation" and not result.options and result.leaf not in empty:
            empty.add(str(result.leaf))
            leaf = guideline.leaves[str(result.leaf)]
            findings.append(Finding(
                "coverage", f"leaf {result.leaf!r} gives a recommendation with no option for "
                            f"some patients (every option was removed and there is no "
                            f"'fallback')", result.leaf, leaf.position, patient_class.patient))
    for name in sorted(set(guideline.fields) - _fields_used(guideline)):
        findings.append(Finding("coverage", f"field {name!r} is never used"))
    # A named condition is used by a condition of the graph, or by a named condition so used.
    named = frozenset().union(*(c.names() for c in _conditions(guideline)))
    for name in guideline.conditions:
        if name not in named:
            findings.append(Finding("coverage", f"named condition {name!r} is never used"))
    findings += _unshown_preferences(guideline, exploration)
    counted = [_count(list(guideline.recommendations), "recommendation"),
               _count(list(guideline.options), "option"),
               _count(list(guideline.statements), "statement"),
               _count(list(guideline.fields), "field")]
    if guideline.conditions:
        counted.append(_count(list(guideline.conditions), "named condition"))
    summary = (f"{', '.join(counted[:-1])} and {counted[-1]}: all used"
               if not findings else _count(findings, "problem"))
    return Check("coverage", tuple(findings), summary)


def _unshown_preferences(guideline: Guideline, exploration: Exploration) -> list[Finding]:
    """A ``prefer`` step whose option is never offered together with any option of its
    ``over``: no result shows the preference (a misnamed option, or a step in a leaf that
    never offers them both)."""
    shown = {(option.id, other) for patient_class in exploration.classes
             for option in patient_class.result.options for other in option.preferred_over}
    steps: list[tuple[str | None, Step]] = [(None, s) for s in guideline.filters]
    for leaf in guideline.leaves.values():
        steps.extend((leaf.id, s) for s in leaf.steps)
    findings, seen = [], set()
    for node, step in steps:
        if not isinstance(step, Prefer) or step.position in seen:
            continue
        seen.add(step.position)  # a step set used by several leaves: once
        if not any((step.option, other) in shown for other in step.over):
            findings.append(Finding(
                "coverage", f"the preference for {step.option!r} over "
                            f"{', '.join(map(repr, step.over))} is never shown: no result "
                            f"offers them together", node, step.position))
    return findings


def _supports(guideline: Guideline, cite: str) -> tuple[str, ...]:
    if cite in guideline.statements:
        return guideline.statements[cite].supports
    return guideline.recommendation(cite).supports


def _citations(guideline: Guideline, exploration: Exploration) -> Check:
    findings: list[Finding] = []
    seen: set[tuple[str, str, bool]] = set()

    def flag(option: str, cite: str, node: str | None, position: Position | None,
             patient: Mapping[str, Any] | None, against: bool = False) -> None:
        if (option, cite, against) in seen:
            return
        seen.add((option, cite, against))
        what = "is not recommended citing" if against else "cites"
        findings.append(Finding(
            "citations", f"option {option!r} {what} {cite}, which does not support it "
                         f"(it supports: {', '.join(_supports(guideline, cite)) or 'nothing'})",
            node, position, patient))

    steps: list[tuple[str | None, Step]] = [(None, s) for s in guideline.filters]
    for leaf in guideline.leaves.values():
        steps.extend((leaf.id, s) for s in leaf.steps)
    for node, step in steps:
        if isinstance(step, Offer):
            for cite in step.cites:
                if step.option not in _supports(guideline, cite):
                    flag(step.option, cite, node, step.position, None)
        elif isinstance(step, Cite) and step.to:
            for option in step.to:
                for cite in step.cites:
                    if option not in _supports(guideline, cite):
                        flag(option, cite, node, step.position, None)
        elif isinstance(step, NotRecommend):
            for option in step.options:
                for cite in step.cites:
                    if option not in _supports(guideline, cite):
                        flag(option, cite, node, step.position, None, against=True)
        elif isinstance(step, Prefer):
            for cite in step.cites:
                if step.option not in _supports(guideline, cite):
                    flag(step.option, cite, node, step.position, None)
    if guideline.fallback:
        for cite in guideline.fallback.cites:
            if guideline.fallback.option not in _supports(guideline, cite):
                flag(guideline.fallback.option, cite, None, None, None)
    for patient_class in exploration.classes:
        for offered in patient_class.result.options:
            for cite in offered.cites:
                if offered.id not in _supports(guideline, cite):
                    flag(offered.id, cite, patient_class.result.leaf, None,
                         patient_class.patient)
        for advised in patient_class.result.not_recommended:
            for cite in advised.cites:
                if advised.id not in _supports(guideline, cite):
                    flag(advised.id, cite, patient_class.result.leaf, None,
                         patient_class.patient, against=True)
    summary = "every option cites only what supports it" if not findings else \
        _count(findings, "problem")
    return Check("citations", tuple(findings), summary)


# ---------------------------------------------------------------- decision table


@dataclass(frozen=True)
class PathRow:
    """One root-to-leaf path: each field's condition along it, the leaf and its options."""

    path: tuple[str, ...]
    conditions: tuple[tuple[str, str], ...]  # (field, condition text); absent fields: any
    leaf: str
    kind: str
    # The leaf's steps as (option, cites, when): an option offered, "-option" dropped,
    # "+option" given more citations ("+" alone: every option offered so far),
    # "!option" not recommended, ">option over a, b" preferred over those options.
    options: tuple[tuple[str, tuple[str, ...], str], ...]

    def to_dict(self, fields: Iterable[str]) -> dict[str, Any]:
        conditions = dict(self.conditions)
        shown = {name: conditions.get(name, "any") for name in fields}
        if SEVERAL in conditions:
            shown[SEVERAL] = conditions[SEVERAL]
        return {
            "path": list(self.path),
            "conditions": shown,
            "leaf": self.leaf,
            "kind": self.kind,
            "options": [{"option": o, "cites": list(c), "when": w} for o, c, w in self.options],
        }


def decision_table(guideline: Guideline) -> list[PathRow]:
    """One row per root-to-leaf path (a path is a sequence of branches), in graph order.

    A condition on one field becomes that field's column; a condition on several fields is
    kept whole under ``(several fields)``.
    """
    rows = []
    # What each branch allows of the one field it tests (None: several fields, or a set
    # field too large to list its subsets), worked out once per branch, not once per path.
    allows: dict[int, tuple[str, frozenset[Any]] | None] = {}
    for branches in _paths(guideline):
        per_field: dict[str, set[Any]] = {}
        other: list[str] = []
        for branch in branches:
            if id(branch) not in allows:
                allows[id(branch)] = _allows(guideline, branch.when)
            allowed = allows[id(branch)]
            if allowed is not None:
                name, values = allowed
                per_field[name] = per_field[name] & values if name in per_field else set(values)
            else:
                other.append(str(branch.when))
        conditions = [(name, _describe_set(guideline, name, per_field[name]))
                      for name in guideline.fields if name in per_field]
        if other:
            conditions.append((SEVERAL, "; ".join(other)))
        leaf_id = branches[-1].to if branches else guideline.start
        leaf = guideline.leaves[leaf_id]
        path = [guideline.start, *(b.to for b in branches)]
        options = []
        for step in leaf.steps:
            if isinstance(step, Offer):
                options.append((step.option, step.cites, str(step.when) if step.when else
                                "always"))
            elif isinstance(step, Drop):
                condition = str(step.when) if step.when else "always"
                for option in step.options:
                    options.append((f"-{option}", step.cites, condition))
            elif isinstance(step, Cite):  # citations told apart: rows differ by them too
                condition = str(step.when) if step.when else "always"
                for option in step.to or ("",):
                    options.append((f"+{option}", step.cites, condition))
            elif isinstance(step, NotRecommend):
                condition = str(step.when) if step.when else "always"
                for option in step.options:
                    options.append((f"!{option}", step.cites, condition))
            elif isinstance(step, Prefer):
                condition = str(step.when) if step.when else "always"
                options.append((f">{step.option} over {', '.join(step.over)}", step.cites,
                                condition))
        rows.append(PathRow(tuple(path), tuple(conditions), leaf.id, leaf.kind.value,
                            tuple(options)))
    return rows


# A single-field condition is shown in that field's column when its domain has at most this
# many classes (a set field of 12 values); past it, whole, under "(several fields)".
_LISTED = 4096


def _allows(guideline: Guideline, when: Condition) -> tuple[str, frozenset[Any]] | None:
    names = when.fields()
    if len(names) != 1:
        return None
    (name,) = names
    domain = guideline.domains[name]
    if len(domain) > _LISTED:
        return None
    return name, frozenset(_freeze(v) for v in domain.values() if _holds_alone(when, name, v))


SEVERAL = "(several fields)"


def _paths(guideline: Guideline) -> Iterator[tuple[Any, ...]]:
    """Every root-to-leaf path as its branches, depth first in branch order (iterative: a
    chain of thousands of decisions does not exhaust the stack)."""
    stack: list[tuple[str, tuple[Any, ...]]] = [(guideline.start, ())]
    while stack:
        node, taken = stack.pop()
        if node in guideline.leaves:
            yield taken
            continue
        stack.extend((branch.to, (*taken, branch))
                     for branch in reversed(guideline.decisions[node].branches))


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _holds_alone(condition: Condition, name: str, value: Any) -> bool:
    from .conditions import Context

    stored = frozenset(value) if isinstance(value, list) else value
    return condition.evaluate(Context({name: stored})) is True


def _describe_set(guideline: Guideline, name: str, allowed: set[Any]) -> str:
    spec = guideline.fields[name]
    field_domain = guideline.domains[name]
    domain = [_freeze(v) for v in field_domain.values()]
    if set(domain) <= allowed:
        return "any"
    if spec.type is FieldType.SET:
        if allowed == {()}:
            return "empty"
        if () not in allowed and len(allowed) == len(domain) - 1:
            return "not empty"
    if spec.type is FieldType.NUMBER:
        return _describe_ranges(spec, [_freeze(v) in allowed for v in domain],
                                guideline.thresholds.get(name, ()))
    texts = [text for v, text in field_domain if _freeze(v) in allowed]
    prefix = f"{spec.name} = "
    return ", ".join(t.removeprefix(prefix) for t in texts) or "none"


def _describe_ranges(spec: Field, allowed: list[bool], cuts: Iterable[float]) -> str:
    """Consecutive pieces of a number's domain merged into ranges: ``>= 3 and <= 20``.

    >>> f = Field("age", FieldType.NUMBER, "", minimum=0, maximum=120)
    >>> _describe_ranges(f, [False, True, True, True, True], [16, 65])
    '>= 16'
    >>> _describe_ranges(f, [True, False, False, True, False], [16, 65])
    '< 16; = 65'
    """
    low = spec.minimum if spec.minimum is not None else -math.inf
    high = spec.maximum if spec.maximum is not None else math.inf
    points = sorted({float(c) for c in cuts if math.isfinite(c) and low <= c <= high})
    # Each piece as (lower, lower included, upper, upper included), in field_domain's order
    # (a piece that holds no finite number is left out there, and here).
    pieces: list[tuple[float, bool, float, bool]] = []
    if not points:
        pieces.append((low, True, high, True))
    else:
        whole = spec.integer
        if low < points[0] and _below(points[0], low, whole) is not None:
            pieces.append((low, True, points[0], False))
        for index, point in enumerate(points):
            if not whole or point.is_integer():
                pieces.append((point, True, point, True))
            if index + 1 < len(points) and _between(point, points[index + 1],
                                                     whole) is not None:
                pieces.append((point, False, points[index + 1], False))
        if points[-1] < high and _above(points[-1], high, whole) is not None:
            pieces.append((points[-1], False, high, True))
    ranges: list[tuple[float, bool, float, bool]] = []
    previous_kept = False
    for piece, keep in zip(pieces, allowed, strict=True):
        if keep and previous_kept:  # extend the range the previous piece started
            ranges[-1] = (*ranges[-1][:2], *piece[2:])
        elif keep:
            ranges.append(piece)
        previous_kept = keep
    texts = []
    for lower, lower_in, upper, upper_in in ranges:
        if lower == upper:
            texts.append(f"= {number_text(lower)}")
            continue
        parts = []
        if not (lower == low and lower_in):
            parts.append(f"{'>=' if lower_in else '>'} {number_text(lower)}")
        if not (upper == high and upper_in):
            parts.append(f"{'<=' if upper_in else '<'} {number_text(upper)}")
        texts.append(" and ".join(parts) or "any")
    return "; ".join(texts) or "none"


# ---------------------------------------------------------------- coverage of a set of patients


@dataclass(frozen=True)
class CoverageReport:
    """What a set of patients reaches: leaves, branches and recommendations."""

    patients: int
    leaves: Mapping[str, int]  # leaf -> patients that reached it (0: none)
    branches: Mapping[str, int]  # "decision -> answer" -> patients
    recommendations: Mapping[str, int]  # recommendation -> patients whose result cites it
    # (an option's citation, or a general recommendation listed with the result)

    def missed(self, what: str) -> list[str]:
        counts: Mapping[str, int] = getattr(self, what)
        return [key for key, count in counts.items() if count == 0]

    def percent(self, what: str) -> float:
        counts: Mapping[str, int] = getattr(self, what)
        return 100.0 * sum(1 for c in counts.values() if c) / max(1, len(counts))

    def to_dict(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            **{what: {"percent": round(self.percent(what), 1), "counts": dict(getattr(self, what)),
                      "missed": self.missed(what)}
               for what in ("leaves", "branches", "recommendations")},
        }


def coverage(guideline: Guideline, patients: Iterable[Mapping[str, Any]]) -> CoverageReport:
    """Traverse every patient and count what they reach (invalid patients raise)."""
    leaves = dict.fromkeys(guideline.leaves, 0)
    branches = {f"{d.id} -> {b.answer}": 0 for d in guideline.decisions.values()
                for b in d.branches}
    recommendations = {r.id: 0 for r in guideline.recommendations}
    count = 0
    for patient in patients:
        count += 1
        result = guideline.traverse(patient)
        if result.leaf and result.path[-1].answer is not None:
            leaves[result.leaf] += 1
        for step in result.path:
            if step.kind == "decision" and step.answer is not None:
                branches[f"{step.node} -> {step.answer}"] += 1
        for rec in {*result.recommendations, *result.general}:
            recommendations[rec] += 1
    return CoverageReport(count, leaves, branches, recommendations)


# ---------------------------------------------------------------- helpers


def _patient_text(patient: Mapping[str, Any]) -> str:
    import json

    return json.dumps(plain(patient), ensure_ascii=False)
