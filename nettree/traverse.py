"""Traversal: walk a guideline's graph for one patient and build the :class:`Result`.

The walk never guesses. A decision whose answer depends on an unknown field, or a leaf whose
options depend on one, tries every completion of those fields over their finite domains: when
all give the same result, that is the result (the decision is shown answered "either way");
otherwise, or past :data:`SETTLE_LIMIT` completions, it stops with ``needs_information``.
Because conditions are evaluated with Kleene's three-valued logic, and the domains cover
every value the conditions tell apart, an answer that is given while fields are unknown is
the answer every value of those fields would give.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .conditions import Condition, Context, PartialSet, Possible, describe_value
from .errors import GuidelineError, PatientError, Problem
from .model import (
    Cite,
    Decision,
    Drop,
    DropListed,
    Leaf,
    LeafKind,
    NotRecommend,
    Offer,
    Position,
    Prefer,
    Step,
)
from .patient import Patient, validate_patient
from .result import (
    EITHER_WAY,
    NEEDS_INFORMATION,
    OUT_OF_SCOPE,
    RECOMMENDATION,
    Assumption,
    Derived,
    Exclusion,
    NoteResult,
    NotRecommended,
    OfferedOption,
    PathStep,
    Result,
)

if TYPE_CHECKING:
    from .guideline import Guideline

__all__ = ["SETTLE_LIMIT", "Budget", "LeafProgress", "Recorded", "Unless", "traverse", "walk"]


def _defect(position: Position, message: str, check: str, node: str) -> GuidelineError:
    """A guideline defect met at run time (a gap or overlap that verification would report)."""
    return GuidelineError(
        [Problem(position.file, position.line, position.column, message, check, node)]
    )


# The advice a leaf's steps gave beyond its options, as a snapshot keeps it: the options not
# recommended (with their citations), then the preferences (option, the options it is
# preferred over), each in the order the steps gave them.
Advice = tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, tuple[str, ...]], ...]]


class _Options:
    """The options of a result being built: offered (with citations), excluded, not
    recommended (never offered again), and the preferences stated among the offered."""

    def __init__(self) -> None:
        self.offered: dict[str, list[str]] = {}
        self.excluded: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.not_recommended: dict[str, list[str]] = {}
        self.preferred: dict[str, list[str]] = {}

    def offer(self, option: str, cites: tuple[str, ...]) -> None:
        if option in self.not_recommended:
            return  # advised against: an offer (or a citation) cannot bring it back
        held = self.offered.setdefault(option, [])
        for cite in cites:
            if cite not in held:
                held.append(cite)
        if option in self.excluded:
            del self.excluded[option]

    def drop(self, option: str, reason: str, cites: tuple[str, ...]) -> None:
        del self.offered[option]
        self.preferred.pop(option, None)
        self.excluded[option] = (reason, cites)

    def advise_against(self, option: str, cites: tuple[str, ...]) -> None:
        self.offered.pop(option, None)
        self.excluded.pop(option, None)
        self.preferred.pop(option, None)
        held = self.not_recommended.setdefault(option, [])
        held.extend(c for c in cites if c not in held)

    def prefer(self, option: str, over: tuple[str, ...], cites: tuple[str, ...]) -> None:
        self.offer(option, cites)
        held = self.preferred.setdefault(option, [])
        held.extend(o for o in over if o not in held)

    def snapshot(self) -> tuple[tuple[tuple[str, tuple[str, ...]], ...],
                                tuple[tuple[str, tuple[str, tuple[str, ...]]], ...], Advice]:
        return (tuple((o, tuple(c)) for o, c in self.offered.items()),
                tuple(self.excluded.items()),
                (tuple((o, tuple(c)) for o, c in self.not_recommended.items()),
                 tuple((o, tuple(c)) for o, c in self.preferred.items())))

    def restore(self, offered: tuple[tuple[str, tuple[str, ...]], ...],
                excluded: tuple[tuple[str, tuple[str, tuple[str, ...]]], ...],
                advice: Advice = ((), ())) -> None:
        self.offered.clear()
        self.offered.update((o, list(c)) for o, c in offered)
        self.excluded.clear()
        self.excluded.update(excluded)
        self.not_recommended.clear()
        self.not_recommended.update((o, list(c)) for o, c in advice[0])
        self.preferred.clear()
        self.preferred.update((o, list(c)) for o, c in advice[1])


@dataclass(frozen=True)
class LeafProgress:
    """Where a strict walk stopped inside a leaf: the decisions passed, and the leaf's state
    just before the step (or note rule) whose answer was unknown. Verification resumes
    the walks of its splits from here: each step changes nothing when its answer is unknown,
    and a split sets only a field that nothing before that point read."""

    path: tuple[PathStep, ...]
    path_reads: frozenset[str]
    stage: str  # "steps" or "notes"
    index: int
    offered: tuple[tuple[str, tuple[str, ...]], ...]
    excluded: tuple[tuple[str, tuple[str, tuple[str, ...]]], ...]
    reads: tuple[tuple[str, Any], ...]
    notes: tuple[NoteResult, ...]
    unless: tuple[Unless, ...] = ()  # filters held so far, and where each was met
    held_at: tuple[LeafProgress, ...] = ()
    advice: Advice = ((), ())  # not recommended and preferred so far (see _Options)


@dataclass(frozen=True)
class Unless:
    """A filter left undecided by verification: ``options`` (offered at that point) are
    excluded, for ``reason`` with ``cites``, exactly when ``when`` holds. ``when`` reads only
    fields that nothing but filters reads, and nothing after the filter depends on whether
    the options are still offered, so the rest of the result is the same either way."""

    when: Condition
    options: tuple[str, ...]
    reason: str
    cites: tuple[str, ...]


def _holds(when: Condition | None, ctx: Context, missing: set[str]) -> bool:
    """True when the condition holds; an unknown condition adds its fields to ``missing``."""
    if when is None:
        return True
    value = when.evaluate(ctx)
    if value is None:
        missing |= when.missing(ctx)
    return value is True


def _offer(step: Offer, state: _Options, ctx: Context, missing: set[str]) -> None:
    if _holds(step.when, ctx, missing):
        state.offer(step.option, step.cites)


def _drop(step: Drop, state: _Options, ctx: Context, missing: set[str]) -> None:
    targets = [o for o in step.options if o in state.offered]
    if targets and _holds(step.when, ctx, missing):
        for option in targets:
            state.drop(option, step.reason, step.cites)


def _drop_listed(step: DropListed, state: _Options, ctx: Context, missing: set[str]) -> None:
    listed = ctx.values.get(step.field)
    ctx.reads[step.field] = listed
    if listed is None:
        missing.add(step.field)
        return
    if isinstance(listed, PartialSet):  # verification: membership may be unknown
        members = {option: listed.has(option) for option in state.offered}
        unknown = [option for option, member in members.items() if member is None]
        if unknown:  # change nothing: a step is all or nothing (verification resumes at it)
            missing.add(step.field)
            ctx.asked.extend((step.field, option) for option in unknown)
            return
        for option in [o for o, member in members.items() if member]:
            state.drop(option, step.reason, step.cites)
        return
    for option in [o for o in state.offered if o in listed]:
        state.drop(option, step.reason, step.cites)


def _cite(step: Cite, state: _Options, ctx: Context, missing: set[str]) -> None:
    targets = [o for o in (step.to or tuple(state.offered)) if o in state.offered]
    if targets and _holds(step.when, ctx, missing):
        for option in targets:
            state.offer(option, step.cites)


def _not_recommend(step: NotRecommend, state: _Options, ctx: Context, missing: set[str],
                   ) -> None:
    if _holds(step.when, ctx, missing):
        for option in step.options:
            state.advise_against(option, step.cites)


def _prefer(step: Prefer, state: _Options, ctx: Context, missing: set[str]) -> None:
    if step.option in state.offered and _holds(step.when, ctx, missing):
        state.prefer(step.option, step.over, step.cites)


_APPLY: dict[type, Any] = {Offer: _offer, Drop: _drop, DropListed: _drop_listed, Cite: _cite,
                           NotRecommend: _not_recommend, Prefer: _prefer}


def _apply(step: Step, state: _Options, ctx: Context, missing: set[str]) -> None:
    """Apply one step: offer, drop, drop what a set field lists, add citations, advise
    against options, or state a preference."""
    _APPLY[type(step)](step, state, ctx, missing)


def traverse(guideline: Guideline, patient: Mapping[str, Any]) -> Result:
    """Walk ``guideline`` for ``patient`` (a mapping of field names to values).

    Raises :class:`~nettree.errors.PatientError` for an invalid patient, before anything
    is evaluated.
    """
    result, _, _ = walk(guideline, validate_patient(guideline.fields, patient))
    return result


def walk(guideline: Guideline, patient: Patient, *, strict: bool = False,
         asked: list[tuple[str, str | None]] | None = None,
         resume: LeafProgress | None = None,
         defer: frozenset[str] = frozenset(),
         unless: list[Unless] | None = None,
         budget: Budget | None = None,
         ) -> tuple[Result, frozenset[str], LeafProgress | None]:
    """Walk a validated patient; also return the unknown fields that stopped the walk.

    The second value is empty when the result holds whatever the unknown fields are. With
    ``strict`` (used by verification, which splits on every field it is told about), a
    decision stops as soon as any branch is unknown, even if another is true, a leaf stops
    at its first unknown step, and notes that depend on unknown fields count as stops too;
    the third value then says where a strict walk stopped inside a leaf. ``asked`` collects,
    for partly known sets, the elements whose membership was asked (verification splits on
    them). ``resume`` continues such a walk for a refined patient (see :class:`LeafProgress`).
    ``defer`` (strict walks only) are fields read by filters alone: a filter that drops
    options when they hold is not split on, but appended to ``unless`` (see :class:`Unless`),
    as long as nothing after it depends on those options; else the walk stops at it.
    ``budget`` (walks that are not strict) bounds the completions tried to settle unknown
    answers (see :data:`SETTLE_LIMIT`); a walk without one starts a fresh budget.
    """
    if budget is None:
        budget = Budget(SETTLE_LIMIT)
    ctx = Context(patient.values)
    if asked is not None:
        ctx.asked = asked
    all_reads: set[str] = set()
    path: list[PathStep] = []

    node_id = guideline.start
    if resume is not None:
        path = list(resume.path)
        all_reads.update(resume.path_reads)
        node_id = guideline.decisions[path[-1].node].branch_to(path[-1].answer)
    while node_id in guideline.decisions:
        decision = guideline.decisions[node_id]
        ctx.reads = {}
        chosen, missing = _decide(decision, ctx, strict=strict)
        all_reads.update(ctx.reads)
        values = tuple(ctx.reads.items())
        if chosen is None and not strict:
            settled = _settle_decision(guideline, patient, missing, path, node_id, values,
                                       budget)
            if settled is not None:
                return settled, frozenset(), None
        if chosen is None:
            path.append(PathStep(node_id, "decision", decision.question, None, values))
            needs = ", ".join(_ordered(guideline, missing))
            result = _result(guideline, patient, all_reads, path, NEEDS_INFORMATION,
                             leaf=None, stop=node_id, missing=missing,
                             reason=f"{decision.question} needs: {needs}")
            return result, frozenset(missing), None
        path.append(PathStep(node_id, "decision", decision.question, chosen.answer, values))
        node_id = chosen.to

    leaf = guideline.leaves[node_id]
    return _conclude(guideline, leaf, patient, ctx, all_reads, path, strict=strict,
                     resume=resume, defer=defer if strict else frozenset(), unless=unless,
                     budget=budget)


def _decide(decision: Decision, ctx: Context, *, strict: bool = False,
            ) -> tuple[Any, set[str]]:
    matched, unknown = [], []
    for branch in decision.branches:
        value = branch.when.evaluate(ctx)
        if value is True:
            matched.append(branch)
        elif value is None:
            unknown.append(branch)
    if len(matched) > 1:
        answers = " and ".join(repr(b.answer) for b in matched)
        raise _defect(decision.position,
                      f"decision {decision.id!r}: branches {answers} both match this patient",
                      "exclusive", decision.id)
    if unknown and (strict or not matched):
        return None, set().union(*(b.when.missing(ctx) for b in unknown))
    if matched:
        return matched[0], set()
    values = ", ".join(f"{k} = {describe_value(v)}" for k, v in ctx.reads.items())
    raise _defect(decision.position,
                  f"decision {decision.id!r}: no branch matches this patient ({values})",
                  "exhaustive", decision.id)


def _conclude(
    guideline: Guideline,
    leaf: Leaf,
    patient: Patient,
    ctx: Context,
    all_reads: set[str],
    path: list[PathStep],
    *,
    strict: bool,
    resume: LeafProgress | None = None,
    defer: frozenset[str] = frozenset(),
    unless: list[Unless] | None = None,
    budget: Budget | None = None,
) -> tuple[Result, frozenset[str], LeafProgress | None]:
    if leaf.kind is LeafKind.OUT_OF_SCOPE:
        path.append(PathStep(leaf.id, leaf.kind.value, leaf.label, "reached", ()))
        return _result(guideline, patient, all_reads, path, OUT_OF_SCOPE,
                       leaf=leaf.id, stop=leaf.id, reason=leaf.reason), frozenset(), None

    decisions = tuple(path)
    decision_reads = frozenset(all_reads)
    progress: LeafProgress | None = None
    state = _Options()
    ctx.offered = state.offered
    ctx.reads = {}
    missing: set[str] = set()
    steps = leaf.steps
    if leaf.kind is LeafKind.RECOMMENDATION:
        steps = steps + guideline.filters
    start = 0
    held: list[Unless] = []  # filters left undecided (verification, fields in ``defer``)
    held_at: list[LeafProgress] = []  # where each of them was met
    if resume is not None:
        state.restore(resume.offered, resume.excluded, resume.advice)
        ctx.reads = dict(resume.reads)
        start = resume.index if resume.stage == "steps" else len(steps)
        # The split that led here may have decided a filter held before this point (it read
        # the same field): apply it now, or forget it. Nothing between it and here depended
        # on its options (else the walk would have stopped there), so this is the same.
        for kept, at in zip(resume.unless, resume.held_at, strict=True):
            holds = kept.when.evaluate(ctx)
            if holds is None:
                held.append(kept)
                held_at.append(at)
            elif holds:
                for option in kept.options:
                    if option in state.offered:
                        state.drop(option, kept.reason, kept.cites)
    own = len(leaf.steps)
    for index in range(start, len(steps)):
        step = steps[index]
        touched = _touches(step, held, state) if held else set()
        if touched:
            return _stop_at(guideline, patient, all_reads, path, leaf, ctx, held, held_at,
                            touched)
        _apply(step, state, ctx, missing)
        if missing and strict:
            if defer and index >= own and isinstance(step, Drop) and missing <= defer:
                targets = tuple(o for o in step.options if o in state.offered)
                if step.when is not None and _undecided(step.when, ctx, guideline):
                    offered, excluded, advice = state.snapshot()
                    held_at.append(LeafProgress(
                        decisions, decision_reads, "steps", index, offered, excluded,
                        tuple((k, v) for k, v in ctx.reads.items() if k not in missing),
                        (), tuple(held), tuple(held_at), advice))
                    held.append(Unless(step.when, targets, step.reason, step.cites))
                    missing.clear()
                    continue
            # Verification splits on one field at a time; its walks resume from here.
            offered, excluded, advice = state.snapshot()
            progress = LeafProgress(decisions, decision_reads, "steps", index, offered,
                                    excluded, tuple(ctx.reads.items()), (), tuple(held),
                                    tuple(held_at), advice)
            break
    if held and not missing:
        # Whether any option is left (the fallback) or a note depends on them: split.
        touched = _held_options(held) if not set(state.offered) - _held_options(held) else \
            set().union(*(_touches_condition(when, held, state)
                          for when in _note_conditions(guideline)))
        if touched:
            return _stop_at(guideline, patient, all_reads, path, leaf, ctx, held, held_at,
                            touched)
    all_reads.update(ctx.reads)
    leaf_values = tuple(ctx.reads.items())

    if missing and not strict:
        settled = _settle(guideline, patient, missing, decisions, leaf, leaf_values,
                          budget or Budget(SETTLE_LIMIT))
        if settled is not None:
            return settled, frozenset(), None
    if missing:
        path.append(PathStep(leaf.id, leaf.kind.value, leaf.label, None, leaf_values))
        names = _ordered(guideline, missing)
        return _result(guideline, patient, all_reads, path, NEEDS_INFORMATION, leaf=leaf.id,
                       stop=leaf.id, missing=missing,
                       reason=f"{leaf.label}: the options depend on {', '.join(names)}",
                       ), frozenset(missing), progress if strict else None
    path.append(PathStep(leaf.id, leaf.kind.value, leaf.label, "reached", leaf_values))

    if leaf.kind is LeafKind.NEEDS_INFORMATION:
        return _result(guideline, patient, all_reads, path, NEEDS_INFORMATION, leaf=leaf.id,
                       stop=leaf.id, missing=set(leaf.missing), state=state, reason=leaf.reason,
                       ), frozenset(), None

    if not state.offered and guideline.fallback is not None:
        state.offer(guideline.fallback.option, guideline.fallback.cites)

    notes: list[NoteResult] = []
    note_unknowns: set[str] = set()
    note_reads: dict[str, Any] = {}
    first = 0
    if resume is not None and resume.stage == "notes":
        notes, first, note_reads = list(resume.notes), resume.index, dict(resume.reads)
    ctx.reads = note_reads
    for index in range(first, len(guideline.notes)):
        rule = guideline.notes[index]
        value = True if rule.when is None else rule.when.evaluate(ctx)
        if value is False:
            continue
        unknown: tuple[str, ...] = ()
        if value is None and rule.when is not None:
            unknown = tuple(_ordered(guideline, rule.when.missing(ctx)))
            note_unknowns.update(unknown)
        remarks = []
        for remark in rule.remarks:
            shown = remark.when.evaluate(ctx)
            if shown is True:
                remarks.append(remark.text)
            elif shown is None and strict:  # verification: a remark must be exact too
                note_unknowns.update(remark.when.missing(ctx))
        if note_unknowns and strict:
            # As above: resume at this rule once the field is split.
            offered, excluded, advice = state.snapshot()
            progress = LeafProgress(decisions, decision_reads, "notes", index, offered,
                                    excluded, tuple(ctx.reads.items()), tuple(notes),
                                    tuple(held), tuple(held_at), advice)
            break
        statement = guideline.statement(rule.statement)
        notes.append(NoteResult(statement.id, statement.text, tuple(remarks), unknown))
    all_reads.update(ctx.reads)
    notes.sort(key=lambda n: guideline.cite_order[n.id])

    result = _result(guideline, patient, all_reads, path, RECOMMENDATION, leaf=leaf.id,
                     stop=leaf.id, state=state, notes=tuple(notes),
                     reason=leaf.reason or leaf.label)
    if unless is not None and not note_unknowns:
        unless.extend(held)
    if strict:
        return result, frozenset(note_unknowns), progress
    return result, frozenset(), None


def _held_options(held: list[Unless]) -> set[str]:
    return {option for rule in held for option in rule.options}


def _touches_condition(when: Condition | None, held: list[Unless], state: _Options,
                       ) -> set[str]:
    """The options held filters may drop whose being offered (or citations) ``when`` asks."""
    if when is None:
        return set()
    options = _held_options(held)
    certain = [option for option in state.offered if option not in options]
    touched: set[str] = set()
    for part in when.walk():
        touched |= part.options_read(options, certain, state.offered)
    return touched


def _touches(step: Step, held: list[Unless], state: _Options) -> set[str]:
    """The options held filters may drop that a step's outcome may depend on."""
    options = _held_options(held)
    if isinstance(step, DropListed):
        return options
    if isinstance(step, Offer):
        targets: tuple[str, ...] = (step.option,)
    elif isinstance(step, (Drop, NotRecommend)):
        targets = step.options
    elif isinstance(step, Prefer):
        targets = (step.option, *step.over)
    else:
        targets = step.to or tuple(state.offered)
    return options.intersection(targets) | _touches_condition(step.when, held, state)


def _note_conditions(guideline: Guideline) -> list[Condition | None]:
    return [c for rule in guideline.notes
            for c in (rule.when, *(remark.when for remark in rule.remarks))]


def _undecided(when: Condition, ctx: Context, guideline: Guideline) -> bool:
    """Whether ``when`` (unknown: it reads unknown fields) holds for some values of them and
    fails for others, trying their domains (a few classes each)."""
    names = sorted(when.missing(ctx))
    domains = [guideline.domains[name] for name in names]
    if math.prod(len(d) for d in domains) > _UNDECIDED_LIMIT:
        return False
    seen: set[Any] = set()
    for combination in itertools.product(*domains):
        values = {**ctx.values, **{n: _stored(v) for n, (v, _) in zip(names, combination,
                                                                       strict=True)}}
        seen.add(when.evaluate(Context(values, ctx.offered)))
        if True in seen and False in seen:
            return True
    return False


_UNDECIDED_LIMIT = 64


def _stored(value: Any) -> Any:
    return frozenset(value) if isinstance(value, list) else value


def _stop_at(guideline: Guideline, patient: Patient, all_reads: set[str],
             path: list[PathStep], leaf: Leaf, ctx: Context, held: list[Unless],
             held_at: list[LeafProgress], touched: set[str],
             ) -> tuple[Result, frozenset[str], LeafProgress | None]:
    """Stop a strict walk at the first held filter that may drop a ``touched`` option:
    verification splits on its fields and resumes there."""
    index = next(i for i, rule in enumerate(held) if touched.intersection(rule.options))
    at = held_at[index]
    missing = set(held[index].when.missing(Context(dict(ctx.values))))
    path.append(PathStep(leaf.id, leaf.kind.value, leaf.label, None, at.reads))
    names = _ordered(guideline, missing)
    return _result(guideline, patient, all_reads, path, NEEDS_INFORMATION, leaf=leaf.id,
                   stop=leaf.id, missing=missing,
                   reason=f"{leaf.label}: the options depend on {', '.join(names)}",
                   ), frozenset(missing), at


# A walk that meets an unknown answer (a decision's, or a leaf step's) tries every completion
# of the unknown fields it needs over their finite domains (see nettree.domains): each
# completion is one more walk. One traversal tries at most this many completions in all,
# nested ones included; past it, it asks for the fields (needs_information).
SETTLE_LIMIT = 512


class Budget:
    """The completions a traversal may still try (shared by the walks it nests)."""

    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left

    def take(self, count: int) -> bool:
        """Spend ``count`` completions if that many are left."""
        if count > self.left:
            return False
        self.left -= count
        return True


class Recorded(Mapping[str, Any]):
    """A patient's values that note which fields a walk reads (the compiled evaluator keys a
    class of patients on them: :mod:`nettree.compiled`). Settling an unknown answer reads
    the values without noting (``plain``) to complete the patient, notes the fields that
    decide which completions are possible patients (``note``), and walks each completion
    through ``noting`` (its reads are noted here too): so a partial patient's class is
    keyed only on the fields its walks read, not on every field."""

    __slots__ = ()

    @property
    def plain(self) -> Mapping[str, Any]:
        raise NotImplementedError

    def note(self, name: str) -> None:
        raise NotImplementedError

    def noting(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        raise NotImplementedError


def _completions(guideline: Guideline, patient: Patient, names: list[str],
                 budget: Budget) -> list[Result] | None:
    """The results of every completion of the unknown fields ``names`` (each a possible
    patient), when they all give the same status, leaf, options and exclusions; else None.

    Exact, since the domains cover every value the conditions tell apart; a completion that
    still needs information (a deeper unknown, settled in turn with the same budget) or that
    differs from the others makes it None: the caller asks."""
    field_domains = guideline.domains
    if not budget.take(math.prod(len(field_domains[name]) for name in names)):
        return None
    # Derived values are derived again for each completion (a patient never gives those
    # derived by points or cases).
    derived = {name for name, *_ in patient.derived} | guideline.derived_inputs.keys()
    values = patient.values
    recorded = values if isinstance(values, Recorded) else None
    if recorded is not None:
        values = recorded.plain
        # A completion of a derived field or of its source is a possible patient or not by
        # the other's value: that value decides the answer too.
        fields = guideline.fields
        for name in names:
            rule = fields[name].derive
            if rule is not None:
                recorded.note(rule.source)
            for other, spec in fields.items():
                if spec.derive is not None and spec.derive.source == name:
                    recorded.note(other)
    given = {name: value for name, value in values.items()
             if value is not None and name not in patient.defaulted and name not in derived}
    results: list[Result] = []
    for combination in itertools.product(*(field_domains[name] for name in names)):
        completed = {**given, **{name: value for name, (value, _) in zip(names, combination,
                                                                          strict=True)}}
        try:
            checked = validate_patient(guideline.fields, completed)
        except PatientError:
            continue  # not a possible patient (a derived field below its source)
        if recorded is not None:
            checked = Patient(recorded.noting(checked.values), checked.defaulted,
                              checked.derived)
        result, unknown, _ = walk(guideline, checked, budget=budget)
        if unknown or result.status == NEEDS_INFORMATION or (
                results and _answer(result) != _answer(results[0])):
            return None
        results.append(result)
    return results or None


def _merged(guideline: Guideline, patient: Patient, results: list[Result], missing: set[str],
            path: tuple[PathStep, ...]) -> Result:
    """The one result that every completion gives, the notes on which they differ shown as
    "may apply" (depending on the unknown fields)."""
    first = results[0]
    notes = []
    for note_id in sorted({n.id for r in results for n in r.notes},
                          key=guideline.cite_order.__getitem__):
        found = [next((n for n in r.notes if n.id == note_id), None) for r in results]
        kept = [n for n in found if n is not None]
        certain = len(kept) == len(results) and all(
            not n.unknown and n.remarks == kept[0].remarks for n in kept)
        remarks = tuple(r for r in kept[0].remarks if all(r in n.remarks for n in kept))
        depends = () if certain else tuple(_ordered(guideline, missing | {
            field for n in kept for field in n.unknown}))
        notes.append(NoteResult(note_id, kept[0].text, remarks, depends))
    assumed = {a.field: a for r in results for a in r.assumed}
    return Result(
        guideline=first.guideline, status=first.status, leaf=first.leaf, reason=first.reason,
        recommendations=first.recommendations, options=first.options,
        excluded=first.excluded, not_recommended=first.not_recommended,
        general=first.general, missing=(),
        assumed=tuple(assumed[name] for name in guideline.fields if name in assumed),
        derived=tuple(Derived(*d) for d in patient.derived), notes=tuple(notes), path=path,
    )


def _settle(
    guideline: Guideline,
    patient: Patient,
    missing: set[str],
    decisions: tuple[PathStep, ...],
    leaf: Leaf,
    leaf_values: tuple[tuple[str, Any], ...],
    budget: Budget,
) -> Result | None:
    """The result every completion of the unknown ``missing`` fields gives, or None.

    A step's unknown answer need not change the result: an option may be cited by one more
    recommendation, then removed by a filter anyway. So each completion is walked (see
    :func:`_completions`); if all agree, that is the answer. Otherwise: None (ask).
    """
    results = _completions(guideline, patient, _ordered(guideline, missing), budget)
    if results is None:
        return None
    path = (*decisions, PathStep(leaf.id, leaf.kind.value, leaf.label, "reached", leaf_values))
    return _merged(guideline, patient, results, missing, path)


def _settle_decision(guideline: Guideline, patient: Patient, missing: set[str],
                     before: list[PathStep], node_id: str,
                     values: tuple[tuple[str, Any], ...], budget: Budget) -> Result | None:
    """The result every completion of the fields an unknown decision needs gives, or None.

    The path shows the decision answered ``either way``; after it, the nodes every
    completion passes (answered as they all answer, else ``either way``), with the values
    this patient has there (None where unknown), then the leaf."""
    results = _completions(guideline, patient, _ordered(guideline, missing), budget)
    if results is None:
        return None
    decision = guideline.decisions[node_id]
    path = [*before, PathStep(node_id, "decision", decision.question, EITHER_WAY, values)]
    start = len(before) + 1
    passed = [{step.node: step for step in r.path[start:]} for r in results]
    for step in results[0].path[start:]:
        steps = [p.get(step.node) for p in passed]
        if any(s is None for s in steps):
            continue
        answers = {s.answer for s in steps if s is not None}
        answer = step.answer if len(answers) == 1 else EITHER_WAY
        shown = tuple((name, _shown(patient.values.get(name))) for name, _ in step.values)
        path.append(PathStep(step.node, step.kind, step.text, answer, shown))
    return _merged(guideline, patient, results, missing, tuple(path))


def _shown(value: Any) -> Any:
    """A value as a path shows it: a derived value known in part as unknown (None)."""
    return None if type(value) is Possible else value


def _answer(result: Result) -> tuple[Any, ...]:
    return (result.status, result.leaf, result.options, result.excluded,
            result.not_recommended)


def _ordered(guideline: Guideline, names: set[str]) -> list[str]:
    order = list(guideline.fields)
    return sorted(names, key=lambda n: order.index(n) if n in order else len(order))


def _result(
    guideline: Guideline,
    patient: Patient,
    all_reads: set[str],
    path: list[PathStep],
    status: str,
    *,
    leaf: str | None,
    stop: str,
    reason: str = "",
    missing: set[str] | None = None,
    state: _Options | None = None,
    notes: tuple[NoteResult, ...] = (),
) -> Result:
    option_order = guideline.option_order
    cite_key = guideline.cite_order.__getitem__
    options: tuple[OfferedOption, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    not_recommended: tuple[NotRecommended, ...] = ()
    if state is not None:
        options = tuple(
            OfferedOption(o, guideline.options[o].label, tuple(sorted(cites, key=cite_key)),
                          tuple(p for p in state.preferred.get(o, ()) if p in state.offered))
            for o, cites in sorted(state.offered.items(), key=lambda kv: option_order[kv[0]])
        )
        not_recommended = tuple(
            NotRecommended(o, guideline.options[o].label, tuple(sorted(cites, key=cite_key)))
            for o, cites in sorted(state.not_recommended.items(),
                                   key=lambda kv: option_order[kv[0]])
        )
        excluded = tuple(
            Exclusion(o, guideline.options[o].label, why, tuple(sorted(cites, key=cite_key)))
            for o, (why, cites) in sorted(state.excluded.items(),
                                          key=lambda kv: option_order[kv[0]])
        )
    recommendations = sorted(
        {guideline.recommendation_of(c) for option in options for c in option.cites},
        key=cite_key,
    )
    fields = guideline.fields
    inputs = guideline.derived_inputs
    if inputs:  # reading a derived value reads the fields it is derived from
        all_reads = all_reads.union(*(inputs[name] for name in all_reads if name in inputs))
    assumed = tuple(
        Assumption(name, patient.values[name], fields[name].if_absent)
        for name in fields
        if name in patient.defaulted and name in all_reads
    )
    derived = tuple(Derived(*d) for d in patient.derived)
    in_scope = status != OUT_OF_SCOPE and stop in guideline.in_scope_nodes
    return Result(
        guideline=guideline.id,
        status=status,
        leaf=leaf,
        reason=reason,
        recommendations=tuple(recommendations),
        options=options,
        excluded=excluded,
        not_recommended=not_recommended,
        general=guideline.general if in_scope else (),
        missing=tuple(_ordered(guideline, missing or set())),
        assumed=assumed,
        derived=derived,
        notes=notes,
        path=tuple(path),
    )
