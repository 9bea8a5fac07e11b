"""Derived fields: values computed from other fields, by a sum of points or by cases.

A field written ``derive: {sum: [{points, when}, ...]}`` (an integer field) is the sum of the
points whose condition holds; one written ``derive: {cases: [{value, when}, ...]}`` takes the
value of the first case whose condition holds (a last case without ``when``: otherwise). A
patient never gives them: :func:`compute` sets them when a patient is validated, from the
fields given (and defaulted), in three values:

* every condition decided: the value;
* some undecided: a :class:`~nettree.conditions.Possible`, every value the completions of
  the unknown fields may give (a sum: the known points plus each subset of the undecided
  ones; cases: the values of the undecided cases up to the first that holds). A test of it
  is decided when every possible value decides it alike; otherwise it is unknown, and what
  is missing is the unknown *inputs*, which a patient can give (never the derived field).

Cases whose conditions all fail leave a gap: met for a patient, that is a defect of the
guideline (:class:`~nettree.errors.GuidelineError`, as a decision with no branch for the
patient). :func:`case_defects` finds every gap and every overlap (two cases holding, before
an "otherwise"), with a counterexample patient, for ``nettree verify``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .conditions import Context, Possible, describe_value
from .errors import GuidelineError, Problem
from .model import ByCases, Field, FieldType, PointSum, Position

__all__ = ["case_defects", "compute", "ground_inputs", "reads_of"]


def reads_of(spec: Field) -> tuple[str, ...]:
    """The fields the derivation by points or cases of ``spec`` reads directly, sorted by
    name (none for another field)."""
    return () if spec.computed is None else spec.computed.reads


def ground_inputs(fields: Mapping[str, Field]) -> dict[str, frozenset[str]]:
    """For each field derived by points or cases, the fields a patient gives that its value
    depends on (through other derived fields too). The loader refuses cycles."""
    found: dict[str, frozenset[str]] = {}

    def inputs(name: str) -> frozenset[str]:
        if name not in found:
            spec = fields[name]
            found[name] = frozenset().union(*(
                inputs(read) if fields[read].computed is not None else {read}
                for read in reads_of(spec)))
        return found[name]

    for name, spec in fields.items():
        if spec.computed is not None:
            inputs(name)
    return found


def compute(fields: Mapping[str, Field], values: dict[str, Any], *, defects: bool = True,
            ) -> list[tuple[str, Any, None, None, tuple[tuple[str, Any], ...]]]:
    """Set each derived field of ``values`` (every field present, None where unknown) to its
    value or a :class:`Possible`; return the derivations whose value is known, in field
    order, as ``(field, value, None, None, inputs)`` (``inputs``: each field it reads, by
    name, with its value, None where unknown), the form of :class:`nettree.result.Derived`.

    Raises :class:`GuidelineError` when the cases of a derivation leave this patient a gap
    (``defects=False``: the field is then a Possible of no value)."""
    done: set[str] = set()

    def value_of(name: str) -> None:
        if name in done:
            return
        spec = fields[name]
        for read in reads_of(spec):
            if fields[read].computed is not None:
                value_of(read)
        values[name] = _derive(spec, values, defects)
        done.add(name)

    derived = []
    for name, spec in fields.items():
        if spec.computed is not None:
            value_of(name)
    for name, spec in fields.items():
        value = values[name] if spec.computed is not None else None
        if value is not None and type(value) is not Possible:
            shown = int(value) if spec.type is FieldType.NUMBER else value
            inputs = tuple((read, _known(values[read])) for read in reads_of(spec))
            derived.append((name, shown, None, None, inputs))
    return derived


def _known(value: Any) -> Any:
    return None if type(value) is Possible else value


def _derive(spec: Field, values: Mapping[str, Any], defects: bool = True) -> Any:
    """The value of one derived field, its inputs already in ``values``."""
    ctx = Context(values)
    rule = spec.computed
    if isinstance(rule, PointSum):
        total = 0
        undecided: list[int] = []
        inputs: set[str] = set()
        for point in rule.points:
            holds = point.when.evaluate(ctx)
            if holds is True:
                total += point.points
            elif holds is None:
                undecided.append(point.points)
                inputs |= point.when.missing(ctx)
        sums = {total}
        for points in undecided:
            sums |= {s + points for s in sums}
        if len(sums) == 1:
            return float(total)
        return Possible(frozenset(float(s) for s in sums), frozenset(inputs))
    assert isinstance(rule, ByCases)
    number = spec.type is FieldType.NUMBER
    possible: list[Any] = []
    inputs = set()
    gap = True
    for case in rule.cases:
        holds = True if case.when is None else case.when.evaluate(ctx)
        if holds is False:
            continue
        possible.append(float(case.value) if number else case.value)
        if holds is True:
            gap = False
            break
        assert case.when is not None
        inputs |= case.when.missing(ctx)
    if not possible and not defects:
        return Possible(frozenset(), frozenset(), gap=True)
    if not possible:
        read = ", ".join(f"{n} = {describe_value(v)}" for n, v in ctx.reads.items()
                         if v is not None)
        raise _defect(rule.cases[-1].position, f"derived field {spec.name!r}: no case holds "
                                               f"for this patient ({read})", "exhaustive",
                      spec.name)
    if len(set(possible)) == 1 and not gap:
        return possible[0]
    return Possible(frozenset(possible), frozenset(inputs), gap)


def _defect(position: Position, message: str, check: str, node: str) -> GuidelineError:
    return GuidelineError([Problem(position.file, position.line, position.column, message,
                                   check, node)])


# Past this many classes of its inputs, a derivation's cases are not checked further.
CASE_CLASS_LIMIT = 100_000


def case_defects(fields: Mapping[str, Field], domains: Mapping[str, Any],
                 ) -> Iterator[tuple[str, str, str, Position, dict[str, Any]]]:
    """Each derivation by cases that leaves a gap (no case holds) or an overlap (two cases
    before an "otherwise" hold) for some patient: ``(check, message, field, position,
    counterexample)``, check ``exhaustive`` or ``exclusive``, the first patient found for
    each. Exact: the inputs are split on demand over their domains (``domains``) until every
    case is decided, so every class of patients is tried."""
    for name, spec in fields.items():
        rule = spec.computed
        if not isinstance(rule, ByCases):
            continue
        conditions = [c.when for c in rule.cases if c.when is not None]
        found: set[str] = set()
        stack: list[dict[str, Any]] = [{}]
        tried = 0
        while stack and len(found) < 2 and tried < CASE_CLASS_LIMIT:
            tried += 1
            assignment = stack.pop()
            values = _values(fields, assignment)
            ctx = Context(values)
            outcomes = [when.evaluate(ctx) for when in conditions]
            unknown = sorted(set().union(*(when.missing(ctx) for when, holds
                                           in zip(conditions, outcomes, strict=True)
                                           if holds is None)),
                             key=list(fields).index)
            if unknown:
                stack.extend({**assignment, unknown[0]: value}
                             for value, _ in reversed(domains[unknown[0]]))
                continue
            if None in outcomes:  # a derived field it reads has a gap: reported there
                continue
            holding = [case for case, holds in zip(
                [c for c in rule.cases if c.when is not None], outcomes, strict=True) if holds]
            shown = ", ".join(f"{n} = {describe_value(_listed(v))}"
                              for n, v in assignment.items())
            if not holding and not rule.otherwise and "exhaustive" not in found:
                found.add("exhaustive")
                yield ("exhaustive", f"derived field {name!r}: no case holds for {shown}",
                       name, rule.cases[-1].position, dict(assignment))
            if len(holding) > 1 and "exclusive" not in found:
                found.add("exclusive")
                both = " and ".join(describe_value(case.value) for case in holding[:2])
                yield ("exclusive", f"derived field {name!r}: the cases {both} both hold for "
                                    f"{shown}", name, holding[1].position, dict(assignment))


def _listed(value: Any) -> Any:
    return sorted(value) if isinstance(value, list | frozenset) else value


def _values(fields: Mapping[str, Field], assignment: Mapping[str, Any]) -> dict[str, Any]:
    """Every field's value for a partial assignment of given fields, the derived ones
    computed (a gap leaves the field without a possible value: its own cases are checked
    on their own)."""
    values: dict[str, Any] = dict.fromkeys(fields)
    values.update({n: frozenset(v) if isinstance(v, list) else v
                   for n, v in assignment.items()})
    compute(fields, values, defects=False)
    return values
