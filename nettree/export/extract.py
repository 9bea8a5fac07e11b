"""From a guideline to the diagram model: what each node says, what is drawn, what is lit.

Leaves are summarised from their steps (step sets expanded): each option the leaf may offer,
with the citations and conditions that offer it and the steps that restrict or further cite
it. The guideline-wide filters and fallback go to the legend once, not into every leaf.

Conditions are shown in a short form (``sstr_status = positive or functional = true``) and
simplified by what is known: the focus values, and which options can be offered at that
point of a leaf (an ``offered`` test of an option no step can have offered is false).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ..conditions import Condition, Known, Possible, Words, describe_value
from ..errors import PatientError
from ..model import (
    Branch,
    Cite,
    Drop,
    DropListed,
    FieldType,
    LeafKind,
    NotRecommend,
    Offer,
    Phrases,
    Prefer,
    Step,
    value_phrase,
)
from ..result import EITHER_WAY
from .model import (
    Advice,
    Citation,
    Clause,
    Diagram,
    DiagramEdge,
    DiagramNode,
    Legend,
    OptionEntry,
)
from .quoting import safe_ids

if TYPE_CHECKING:
    from ..domains import Domain
    from ..guideline import Guideline
    from ..result import Result

__all__ = ["ADVICE_KEY", "DIRECTIONS", "build_diagram", "check_focus_fits", "describe",
           "parse_focus", "simplify"]

DIRECTIONS = ("TB", "LR")
"""Layout directions: top to bottom, left to right."""

def parse_focus(guideline: Guideline, items: Sequence[str]) -> dict[str, Any]:
    """Focus values from ``FIELD=VALUE`` texts, validated like a patient's (no defaults).

    Fields derived from a focus value (a grade from a Ki-67) are included. Raises
    :class:`~nettree.errors.PatientError` naming the bad item.

    >>> import nettree
    >>> g = nettree.load("asco-gepnet-2023")
    >>> parse_focus(g, ["primary_site=pancreas"])
    {'primary_site': 'pancreas'}
    >>> parse_focus(g, ["primary_site=lung"])
    Traceback (most recent call last):
    ...
    nettree.errors.PatientError: --focus 'primary_site=lung': 'primary_site' must be one of ...
    """
    from ..patient import coerce_text, validate_patient

    raw: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise PatientError(f"--focus {item!r}: expected FIELD=VALUE "
                               f"(a patient field and one of its values)")
        try:
            value = coerce_text(guideline.fields, name, text)
            if value is None:
                raise PatientError(f"{name!r} needs a value: a focus draws what is reachable "
                                   f"when the field has that value", field=name)
            validate_patient(guideline.fields, {name: value}, apply_defaults=False)
        except PatientError as exc:
            message = str(exc).removeprefix("invalid patient: ")
            raise PatientError(f"--focus {item!r}: {message}", field=name) from None
        if name in raw and raw[name] != value:
            raise PatientError(f"--focus {name}: given twice, as {describe_value(raw[name])} "
                               f"and {describe_value(value)}: give each field once",
                               field=name)
        raw[name] = value
    try:
        patient = validate_patient(guideline.fields, raw, apply_defaults=False)
    except PatientError as exc:
        message = str(exc).removeprefix("invalid patient: ")
        raise PatientError(f"--focus: {message}") from None
    # (A value derived by points or cases that the focus leaves open is no focus value.)
    return {name: value for name, value in patient.values.items()
            if value is not None and type(value) is not Possible}


def check_focus_fits(guideline: Guideline, focus: Mapping[str, Any],
                     patient: Mapping[str, Any], who: str = "the patient") -> None:
    """Raise :class:`~nettree.errors.PatientError` when a focus value contradicts what the
    patient gives (or what is derived from it): the drawing would not contain the patient's
    path. A field the patient leaves unknown never contradicts a focus.

    >>> import nettree
    >>> g = nettree.load("asco-gepnet-2023")
    >>> check_focus_fits(g, {"primary_site": "gi"}, {"primary_site": "pancreas"})
    Traceback (most recent call last):
    ...
    nettree.errors.PatientError: --focus primary_site=gi contradicts the patient: ...
    """
    from ..patient import validate_patient

    given = validate_patient(guideline.fields, patient, apply_defaults=False).values
    for name, value in focus.items():
        known = given.get(name)
        if type(known) is Possible:  # derived, known in part: contradicted if it cannot be
            if value not in known.values:
                raise PatientError(f"--focus {name}={describe_value(value)} contradicts "
                                   f"{who}: {name} is {known}", field=name)
            continue
        if known is not None and known != value:
            raise PatientError(f"--focus {name}={describe_value(value)} contradicts {who}: "
                               f"{name} is {describe_value(known)}", field=name)


# -- conditions, simplified and described (the work is the condition classes' own)


def simplify(cond: Condition | None, known: Known,
             possible: Collection[str] = (), cites: Collection[str] = ()) -> Condition | bool:
    """``cond`` with what ``known`` decides replaced by truth values (Kleene's rules); ``None``
    (no condition) is true. See :meth:`~nettree.conditions.Condition.simplify`.

    >>> from nettree.conditions import AllOf, FieldTest
    >>> c = AllOf((FieldTest("site", "is", "gi"), FieldTest("risk", "is", True)))
    >>> describe(simplify(c, {"site": frozenset({"gi"})}))
    'risk = true'
    >>> simplify(None, {})
    True
    """
    return True if cond is None else cond.simplify(known, possible, cites)


_MAX_SET_VALUES = 10  # a set field's values are tracked as subsets up to this many values


def _domain(domain: Domain | None) -> frozenset[Any] | None:
    """Every value a field can take (the guideline's domain of a choice, a boolean or a
    small set), when there are few enough to list; None for a number or a large set."""
    if domain is None or domain.kind is FieldType.NUMBER or (
            domain.is_subsets and len(domain) > 2 ** _MAX_SET_VALUES):
        return None
    if domain.is_subsets:
        return frozenset(frozenset(value) for value in domain.values())
    return frozenset(domain.values())


def _restrict(known: Known, cond: Condition, domains: Mapping[str, Domain]) -> dict[str, Any]:
    """What is known once ``cond`` holds: each part of it that tests one field narrows it."""
    narrowed = dict(known)
    for part in cond.conjuncts(named=True):  # what a named condition stands for narrows too
        names = part.fields()
        if len(names) != 1:
            continue
        (name,) = names
        values = narrowed.get(name)
        if values is None:
            values = _domain(domains.get(name))
        if values is not None:
            narrowed[name] = frozenset(
                v for v in values if part.decided_by(name, (v,)))
    return narrowed


def describe(cond: Condition | bool, words: Words | None = None) -> str:
    """A condition in short words, as a diagram shows it (``always``/``never`` for a truth
    value). See :meth:`~nettree.conditions.Condition.describe`.

    >>> from nettree.conditions import AnyOf, FieldTest
    >>> describe(AnyOf((FieldTest("a", "is", "x"), FieldTest("b", "below", 10.0))))
    'a = x or b < 10'
    >>> describe(False)
    'never'
    """
    if isinstance(cond, bool):
        return "always" if cond else "never"
    return cond.describe(words)


# -- the pieces of a node


class _Citations:
    """Citations as diagrams show them, drawn as the guideline's rating style says."""

    def __init__(self, guideline: Guideline) -> None:
        self.guideline = guideline

    def __call__(self, cite: str) -> Citation:
        guideline = self.guideline
        if cite in guideline.statements:
            statement = guideline.statement(cite)
            return Citation(cite, (), None, statement.kind, statement.recommendation)
        rec = guideline.recommendation(cite)
        return Citation(cite, tuple(code for _, code in rec.rating),
                        guideline.rating_style.level(rec.rating), "recommendation", cite)

    def many(self, cites: Iterable[str]) -> tuple[Citation, ...]:
        return tuple(self(c) for c in cites)


class _Readings:
    """How the steps drawn read their sources (their ``encoding`` texts), numbered once for
    the whole drawing: the legend lists them, a clause points to one by its number."""

    def __init__(self, guideline: Guideline, words: Words | None) -> None:
        self.guideline = guideline
        self.words = words
        self.texts: list[str] = []

    def number(self, step: Offer | Drop | Cite | NotRecommend | Prefer) -> int:
        """The number of the step's reading (0: it says none), said once however many steps
        or leaves share it."""
        if not step.encoding:
            return 0
        said = step.encoding
        if self.words is not None:  # the file's prose may name a field: by its label here
            for name, field in self.guideline.fields.items():
                if field.label and name in said:
                    said = re.sub(rf"\b{re.escape(name)}\b", field.label, said)
        text = f"{', '.join(step.cites)} read so: {said}" if step.cites else said
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1


class _LeafSummary:
    """Walks a leaf's steps symbolically: which options it may offer, and under what."""

    def __init__(self, guideline: Guideline, citations: _Citations,
                 known: Known, words: Words | None, readings: _Readings) -> None:
        self.guideline = guideline
        self.words = words
        self.citations = citations
        self.known = known
        self.clauses: dict[str, list[Clause]] = {}
        self.possible_cites: set[str] = set()
        self.footer: list[Clause] = []
        self.removed: list[tuple[str, tuple[Citation, ...]]] = []
        self.advised: list[Advice] = []
        self.readings = readings
        self.read: dict[int, set[str]] = {}  # this leaf's readings: the citations they read

    def noted(self, clause: Clause) -> Clause:
        """``clause`` pointing to a reading of a citation it shows that one of this leaf's
        steps gives (a reading of 3.3 holds for every 3.3 badge of the leaf)."""
        if clause.note:
            return clause
        shown = {cite.id for cite in clause.cites}
        number = next((n for n, read in sorted(self.read.items()) if read & shown), 0)
        return replace(clause, note=number)

    def note(self, step: Offer | Drop | Cite | NotRecommend | Prefer) -> int:
        """The number of the step's reading of its sources (0: it says none)."""
        number = self.readings.number(step)
        if number:
            self.read[number] = set(step.cites)
        return number

    def simplify(self, cond: Condition | None) -> Condition | bool:
        return simplify(cond, self.known, self.clauses, self.possible_cites)

    def step(self, step: Step) -> None:
        if isinstance(step, Offer):
            cond = self.simplify(step.when)
            if cond is False:
                return
            text = "" if cond is True else describe(cond, self.words)
            self.clauses.setdefault(step.option, []).append(
                Clause("offer", self.citations.many(step.cites), text, note=self.note(step)))
            self.possible_cites.update(step.cites)
            for advice in self.advised:  # advice given before: an offer cannot undo it
                if advice.id == step.option:
                    if not advice.condition:
                        del self.clauses[step.option]
                        break
                    self.clauses[step.option].append(advice.clause)
        elif isinstance(step, Drop):
            targets = [o for o in step.options if o in self.clauses]
            cond = self.simplify(step.when) if targets else False
            if cond is False:
                return
            cites = self.citations.many(step.cites)
            for option in targets:
                if cond is True:
                    del self.clauses[option]
                    self.removed.append((self.guideline.options[option].label, cites))
                elif (kept_if := cond.negation_of()) is not None:
                    self.clauses[option].append(
                        Clause("only_if", cites, describe(kept_if, self.words),
                               note=self.note(step)))
                else:
                    self.clauses[option].append(
                        Clause("not_if", cites, describe(cond, self.words),
                               note=self.note(step)))
        elif isinstance(step, DropListed):
            if self.clauses:
                name = _field_name(self.guideline, step.field, self.words)
                self.footer.append(Clause("not_if", self.citations.many(step.cites),
                                          f"listed in {name}"))
        elif isinstance(step, Cite):
            targets = [o for o in (step.to or tuple(self.clauses)) if o in self.clauses]
            cond = self.simplify(step.when) if targets else False
            if cond is False:
                return
            clause = Clause("also", self.citations.many(step.cites),
                            "" if cond is True else describe(cond, self.words))
            self.possible_cites.update(step.cites)
            if step.to is None:
                self.footer.append(replace(clause, note=self.note(step)))
            else:
                for option in targets:
                    shown = {c.id for held in self.clauses[option] for c in held.cites}
                    if cond is not True or not set(step.cites) <= shown:
                        self.clauses[option].append(replace(clause, note=self.note(step)))
        elif isinstance(step, NotRecommend):
            cond = self.simplify(step.when)
            if cond is False:
                return
            cites = self.citations.many(step.cites)
            text = "" if cond is True else describe(cond, self.words)
            note = self.note(step)
            for option in step.options:
                advice = Advice(option, self.guideline.options[option].label, cites, text,
                                note=note)
                self.advised.append(advice)
                if option not in self.clauses:
                    continue
                if cond is True:  # never offered here: the warning says it
                    del self.clauses[option]
                else:
                    self.clauses[option].append(advice.clause)
        elif isinstance(step, Prefer):
            cond = self.simplify(step.when) if step.option in self.clauses else False
            if cond is False:
                return
            self.possible_cites.update(step.cites)
            self.clauses[step.option].append(Clause(
                "preferred", self.citations.many(step.cites),
                "" if cond is True else describe(cond, self.words),
                tuple(self.guideline.options[o].label for o in step.over), note=self.note(step)))

    def options(self) -> tuple[OptionEntry, ...]:
        """The options in the file's order, those a recommendation offers first, then those
        only a qualifying statement offers (its special circumstance): never a ranking."""
        order = self.guideline.option_order
        entries = [
            OptionEntry(option, self.guideline.options[option].label,
                        tuple(self.noted(clause) for clause in clauses),
                        secondary=_secondary(clauses))
            for option, clauses in sorted(self.clauses.items(), key=lambda kv: order[kv[0]])
        ]
        return tuple(sorted(entries, key=lambda entry: entry.secondary))


def _field_name(guideline: Guideline, name: str, words: Words | None) -> str:
    """A field as a diagram names it: its label in the file's words, else its name."""
    field = guideline.fields.get(name)
    return field.called if words is not None and field is not None else name


def _secondary(clauses: Iterable[Clause]) -> bool:
    """True when every offer of an option cites only qualifying statements or notes."""
    cites = [c for clause in clauses if clause.kind == "offer" for c in clause.cites]
    return bool(cites) and all(c.kind != "recommendation" for c in cites)


def _merged(conds: list[Condition], words: Words | None, at_leaves: Known) -> str:
    """Conditions of one rule stated once: the parts they share, then what tells the
    cases apart unless the cases cover every value possible at the leaves."""
    def text(part: Condition) -> str:
        shown = describe(part, words)
        return f"({shown})" if " or " in shown else shown

    parts = [[text(c) for c in cond.conjuncts()] for cond in conds]
    common = [p for p in parts[0] if all(p in other for other in parts[1:])]
    rests = [[c for c in cond.conjuncts() if text(c) not in common] for cond in conds]
    if not common or not all(rests):
        return " or ".join(text(c) for c in conds) if not common else " and ".join(common)
    split = [c for rest in rests for c in rest]
    fields = {name for c in split for name in c.fields()}
    if len(fields) == 1 and all(len(rest) == 1 for rest in rests):
        (name,) = fields
        values = at_leaves.get(name)
        if values and all(any(c.decided_by(name, (v,)) for c in split) for v in values):
            return " and ".join(common)  # every case at the leaves: the split says nothing
    cases = " or ".join(" and ".join(text(c) for c in rest) for rest in rests)
    return f"{' and '.join(common)} ({cases})"


def _at_leaves(guideline: Guideline, known: Mapping[str, Known]) -> Known:
    """The values each field may have at the recommendation leaves drawn (a field left
    open at any of them is absent)."""
    leaves = [known[n] for n in known if n in guideline.leaves
              and guideline.leaves[n].kind is LeafKind.RECOMMENDATION]
    if not leaves:
        return {}
    names = set(leaves[0]).intersection(*leaves[1:])
    return {name: frozenset().union(*(leaf[name] for leaf in leaves)) for name in names}


def _filter_lines(guideline: Guideline, known: Known,
                  words: Words | None, at_leaves: Known) -> tuple[str, ...]:
    """The guideline-wide filters in words, as far as the focus leaves them possible; a
    rule written once per case (the same removal, the same citations, one filter per site)
    is said once, with what its cases share (``at_leaves``: the values each field may
    have at the recommendation leaves, to drop a case split that covers them all)."""
    lines: list[Any] = []
    everything = tuple(guideline.options)
    for step in guideline.filters:
        cites = getattr(step, "cites", ())
        cited = f" [{', '.join(cites)}]" if cites else ""
        if isinstance(step, DropListed):
            name = _field_name(guideline, step.field, words)
            lines.append(f"Removed: any option listed in {name}{cited}")
            continue
        cond = simplify(step.when, known, everything, guideline.cite_order)
        if cond is False:
            continue
        if isinstance(step, Drop):
            labels = ", ".join(words.option(o) if words else o for o in step.options)
            if cond is True:
                lines.append(f"Removed: {labels}{cited}")
            elif (kept_if := cond.negation_of()) is not None:
                lines.append(f"Removed: {labels} unless {describe(kept_if, words)}{cited}")
            else:
                merged = f"Removed: {labels} if "
                if lines and lines[-1][0].startswith(merged) and lines[-1][1] == cited:
                    lines[-1][2].append(cond)  # the same rule for another case: said once
                else:
                    lines.append((merged, cited, [cond]))
                continue
        elif isinstance(step, Offer):
            when = "" if cond is True else f" if {describe(cond, words)}"
            lines.append(f"Offered: {words.option(step.option) if words else step.option}"
                         f"{when}{cited}")
        elif isinstance(step, Cite):
            to = ", ".join(words.option(o) if words else o
                           for o in step.to) if step.to else "every option"
            when = "" if cond is True else f" if {describe(cond, words)}"
            lines.append(f"Cited for {to}: {', '.join(step.cites)}{when}")
        elif isinstance(step, NotRecommend):
            labels = ", ".join(words.option(o) if words else o for o in step.options)
            when = "" if cond is True else f" if {describe(cond, words)}"
            lines.append(f"\u26a0 Not recommended: {labels}{when}{cited}")
        elif isinstance(step, Prefer):
            over = ", ".join(words.option(o) if words else o for o in step.over)
            when = "" if cond is True else f" if {describe(cond, words)}"
            lines.append(f"Preferred: {words.option(step.option) if words else step.option} "
                         f"over {over}{when}{cited}")
    return tuple(line if isinstance(line, str)
                 else f"{line[0]}{_merged(line[2], words, at_leaves)}{line[1]}"
                 for line in lines)


def _reachable(guideline: Guideline, focus: Known,
               ) -> tuple[list[str], list[tuple[str, int, str, str]], dict[str, Known]]:
    """What is drawn under the focus, and what is known at each node drawn.

    Returns the node ids in depth-first order, the branches drawn (source, index, target,
    answer) and, for each node, the values each field may still have there: the focus
    narrowed by the answers on every way to the node. A branch is drawn unless the focus
    alone makes it false; what the answers imply only shortens the conditions shown.
    """
    order: list[str] = []
    edges: list[tuple[str, int, str, str]] = []
    seen: set[str] = set()

    def enter(node_id: str) -> None:
        seen.add(node_id)
        order.append(node_id)
        decision = guideline.decisions.get(node_id)
        if decision is not None:
            stack.append((node_id, iter(enumerate(decision.branches))))

    # Depth first with a stack of its own (a long chain of decisions needs no recursion).
    stack: list[tuple[str, Iterator[tuple[int, Branch]]]] = []
    enter(guideline.start)
    while stack:
        node_id, branches = stack[-1]
        for index, branch in branches:
            if simplify(branch.when, focus) is False:
                continue
            edges.append((node_id, index, branch.to, branch.answer))
            if branch.to not in seen:
                enter(branch.to)
                break
        else:
            stack.pop()

    # Parents before children (the graph is acyclic): Kahn's order over the drawn branches.
    incoming: dict[str, list[tuple[str, int]]] = {node_id: [] for node_id in order}
    for source, index, target, _ in edges:
        incoming[target].append((source, index))
    known: dict[str, Known] = {}
    pending = list(order)
    while pending:
        node_id = next(n for n in pending if all(p in known for p, _ in incoming[n]))
        pending.remove(node_id)
        if not incoming[node_id]:
            known[node_id] = focus
            continue
        ways = [_restrict(known[p], guideline.decisions[p].branches[i].when, guideline.domains)
                for p, i in incoming[node_id]]
        common = set(ways[0]).intersection(*ways[1:])
        known[node_id] = {name: frozenset().union(*(way[name] for way in ways))
                          for name in sorted(common)}
    return order, edges, known


MARK_KEY = ("In the leaf reached: \u2713 an option this patient is offered; struck through: an "
            "option excluded for this patient; unmarked: its condition does not hold.")
ADVICE_KEY = ("\u26a0 not recommended: an option the guideline advises against (for the "
              "patients its condition names), citing the recommendation that says so; never "
              "an offer.")
"""The legend's key to the warnings against options."""
"""The legend's key to the options marked in the leaf a result reached."""


def _marked(guideline: Guideline, citations: _Citations, options: tuple[OptionEntry, ...],
            result: Result) -> tuple[OptionEntry, ...]:
    """The options of the leaf ``result`` reached, marked with what the result did to each;
    an option the result offers that the leaf does not list (the fallback, or one a
    guideline-wide step offers) is added, marked, with its citations."""
    offered = {o.id: o for o in result.options}
    excluded = {x.id: x for x in result.excluded}
    marked = []
    for entry in options:
        if entry.id in offered:
            entry = replace(entry, mark="offered")
        elif entry.id in excluded:
            entry = replace(entry, mark="excluded", excluded_by=excluded[entry.id].cites,
                            reason=excluded[entry.id].reason)
        marked.append(entry)
    listed = {entry.id for entry in options}
    for option in result.options:
        if option.id in listed:
            continue
        fallback = guideline.fallback is not None and guideline.fallback.option == option.id
        why = "no other option is left" if fallback else "a step for every leaf offers it"
        marked.append(OptionEntry(option.id, option.label,
                                  (Clause("offer", citations.many(option.cites), why),),
                                  mark="offered"))
    return tuple(marked)


def _marked_advice(guideline: Guideline, citations: _Citations, advised: tuple[Advice, ...],
                   result: Result) -> tuple[Advice, ...]:
    """The warnings of the leaf ``result`` reached, those that apply to the patient marked;
    one that a guideline-wide step gives is added, marked."""
    applies = {n.id: n for n in result.not_recommended}
    marked = [replace(entry, mark="not_recommended") if entry.id in applies and (
        {c.id for c in entry.cites} <= set(applies[entry.id].cites)) else entry
        for entry in advised]
    shown = {entry.id for entry in marked if entry.mark}
    for advice in result.not_recommended:
        if advice.id not in shown:
            marked.append(Advice(advice.id, advice.label, citations.many(advice.cites), "",
                                 mark="not_recommended"))
    return tuple(marked)


def _path_summary(guideline: Guideline, result: Result, label: str,
                  words: Words | None) -> str:
    who = f" for {label}" if label else ""
    status = result.status.replace("_", " ").upper()
    if result.options:
        what = "; ".join(f"{o.label} ({', '.join(o.cites)})" for o in result.options)
        if result.not_recommended:
            what += "; not recommended: " + "; ".join(
                f"{n.label} ({', '.join(n.cites)})" for n in result.not_recommended)
    elif result.missing:
        what = "needs " + ", ".join(_field_name(guideline, m, words) for m in result.missing)
    else:
        what = result.reason
    return f"Highlighted: the path{who}. Result: {status}: {what}"


def build_diagram(
    guideline: Guideline,
    *,
    result: Result | None = None,
    focus: Mapping[str, Any] | None = None,
    direction: str = "TB",
    path_label: str = "",
    raw: bool = False,
) -> Diagram:
    """The diagram of ``guideline``: its decisions and leaves, each summarised.

    ``result`` (a traversal's result) lights its path; ``focus`` (from :func:`parse_focus`)
    keeps only what is reachable when those fields have those values; ``direction`` is
    ``TB`` or ``LR``; ``path_label`` names the patient in the legend; ``raw`` shows conditions
    and options as the file writes them (field names, option ids) instead of its phrases.
    """
    words = None if raw else Phrases(guideline.fields, guideline.options)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)} (got {direction!r})")
    values = dict(focus or {})
    focus_known = {name: frozenset((value,)) for name, value in values.items()}
    citations = _Citations(guideline)
    order, branches, known = _reachable(guideline, focus_known)
    readings = _Readings(guideline, words)
    keys = safe_ids(order)

    marks = False
    path_nodes: set[str] = set()
    path_edges: set[tuple[str, str]] = set()
    stop_node, stop_note = "", ""
    if result is not None:
        steps = result.path
        path_nodes = {step.node for step in steps}
        path_edges = {(a.node, b.node) for a, b in pairwise(steps)  # no branch was taken
                      if a.answer not in (None, EITHER_WAY)}  # out of an unknown decision
        if steps and steps[-1].answer is None and result.status == "needs_information":
            stop_node = steps[-1].node
            needs = ", ".join(_field_name(guideline, m, words) for m in result.missing)
            stop_note = f"The path stops here: needs {needs}."

    nodes = []
    for node_id in order:
        if node_id in guideline.decisions:
            decision = guideline.decisions[node_id]
            detail = stop_note if node_id == stop_node else ""
            nodes.append(DiagramNode(keys[node_id], node_id, "decision", decision.question,
                                     detail, (), (), (), node_id in path_nodes,
                                     node_id == stop_node))
            continue
        leaf = guideline.leaves[node_id]
        summary = _LeafSummary(guideline, citations, known[node_id], words, readings)
        for step in leaf.steps:
            summary.step(step)
        detail = leaf.reason
        if leaf.kind is LeafKind.NEEDS_INFORMATION and leaf.missing:
            needs = ", ".join(_field_name(guideline, m, words) for m in leaf.missing)
            detail = f"{detail} Needs: {needs}.".strip()
        if node_id == stop_node:
            detail = f"{detail} {stop_note}".strip()
        options = summary.options()
        advised = tuple(summary.advised)
        if result is not None and node_id == result.leaf and node_id != stop_node:
            options = _marked(guideline, citations, options, result)
            advised = _marked_advice(guideline, citations, advised, result)
            marks = any(entry.mark for entry in options)
        nodes.append(DiagramNode(keys[node_id], node_id, leaf.kind.value, leaf.label, detail,
                                 options, tuple(summary.noted(c) for c in summary.footer),
                                 tuple(summary.removed), node_id in path_nodes,
                                 node_id == stop_node, advised=advised))

    edges = tuple(
        DiagramEdge(f"e_{keys[source][2:]}_{index}", keys[source], keys[target], answer,
                    (source, target) in path_edges)
        for source, index, target, answer in branches
    )

    fallback = ""
    if guideline.fallback is not None:
        cites = ", ".join(f"{c.id} {c.rating}".strip()
                          for c in citations.many(guideline.fallback.cites))
        fallback = (f"If no option is left: {guideline.options[guideline.fallback.option].label}"
                    f" [{cites}]")
    ratings = tuple(
        f"{dim.label}: " + ", ".join(f"{code} {meaning}" for code, meaning in dim.codes)
        for dim in guideline.ratings
    )
    focus_text = ""
    if values:
        focus_text = "Focus: only what is reachable when " + ", ".join(
            (words and value_phrase(guideline.fields.get(name), value))
            or f"{name} = {describe_value(value)}" for name, value in values.items())
    style = guideline.rating_style
    legend = Legend(
        strength_label=style.label,
        strengths=style.levels,
        ratings=ratings,
        filters=_filter_lines(guideline, focus_known, words, _at_leaves(guideline, known)),
        fallback=fallback,
        focus=focus_text,
        path=_path_summary(guideline, result, path_label, words) if result is not None else "",
        readings=tuple(readings.texts),
        marks=marks,
        advice=any(node.advised for node in nodes) or any(
            isinstance(step, NotRecommend) for step in guideline.filters),
    )
    return Diagram(guideline=guideline.id, title=guideline.title, version=guideline.version,
                   direction=direction, nodes=tuple(nodes), edges=edges, legend=legend,
                   raw=raw)
