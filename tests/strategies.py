"""Hypothesis strategies for nettree: patients built from a guideline's own ``fields``.

Everything here is generic: it reads ``Field.type``, ``values``, ``minimum``, ``maximum``,
``derive`` and ``has_default``, and the numeric thresholds the guideline's conditions use,
so the same strategies serve any guideline file.

Vocabulary (ENCODING section 2 and 5):

- a field is *unknown* in a patient when it is absent (or ``None``), has no default, and is
  not derived from a source field that is given;
- a *complete* patient leaves nothing unknown, except that a derived field (``grade``) may be
  given alone, without its source (``ki67``);
- a *derivation group* is a number field with the choice fields derived from it; a derived
  value given beside its source must agree with it (or exceed it, with ``given_may_exceed``).

The condition-tree strategies at the end serve the Kleene tests of ``nettree.conditions``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
from hypothesis import strategies as st

from nettree import Guideline
from nettree.conditions import AllOf, AnyOf, Condition, Context, FieldTest, Not, PartialSet
from nettree.model import Cite, Drop, Field, FieldType, Offer
from nettree.patient import validate_patient

__all__ = [
    "COND_DOMAINS",
    "assignments",
    "complete_patients",
    "completion_domain",
    "completions",
    "condition_trees",
    "field_values",
    "malformed_cases",
    "malformed_patients",
    "partial_patients",
    "unknown_fields",
]

Patient = dict[Any, Any]

# A number field without a bound is sampled within this range (its conditions' thresholds are
# always included).
_UNBOUNDED = 1e6


# ------------------------------------------------------------------ reading a guideline


def _walk(condition: Condition | None) -> Iterator[FieldTest]:
    """Every field test inside a condition tree."""
    if condition is None:
        return
    if isinstance(condition, FieldTest):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            yield from _walk(part)
    elif isinstance(condition, Not):
        yield from _walk(condition.part)


def _conditions(guideline: Guideline) -> Iterator[Condition | None]:
    """Every condition a guideline holds: branches, leaf steps, step sets, filters, notes."""
    for decision in guideline.decisions.values():
        for branch in decision.branches:
            yield branch.when
    steps = [step for leaf in guideline.leaves.values() for step in leaf.steps]
    steps += [step for group in guideline.step_sets.values() for step in group]
    steps += list(guideline.filters)
    for step in steps:
        if isinstance(step, Offer | Drop | Cite):
            yield step.when
    for rule in guideline.notes:
        yield rule.when
        for remark in rule.remarks:
            yield remark.when


@functools.cache
def _thresholds(guideline: Guideline) -> dict[str, tuple[float, ...]]:
    """The numbers each number field is compared with (conditions and derivation bins)."""
    found: dict[str, set[float]] = {}
    for condition in _conditions(guideline):
        for test in _walk(condition):
            if isinstance(test.operand, int | float) and not isinstance(test.operand, bool):
                found.setdefault(test.field, set()).add(float(test.operand))
    for spec in guideline.fields.values():
        if spec.derive is not None:
            for _, _, bound in spec.derive.bins:
                if bound is not None:
                    found.setdefault(spec.derive.source, set()).add(float(bound))
    return {name: tuple(sorted(values)) for name, values in found.items()}


def _bounds(spec: Field) -> tuple[float, float]:
    low = spec.minimum if spec.minimum is not None else -_UNBOUNDED
    high = spec.maximum if spec.maximum is not None else _UNBOUNDED
    return low, high


def unknown_fields(guideline: Guideline, patient: Mapping[str, Any]) -> frozenset[str]:
    """The fields unknown in a (valid) patient: absent or None, no default, not derived."""
    unknown = set()
    for name, spec in guideline.fields.items():
        if patient.get(name) is not None or spec.has_default or spec.computed is not None:
            continue  # (a field derived by points or cases is never given: its inputs are)
        if spec.derive is not None and patient.get(spec.derive.source) is not None:
            continue
        unknown.add(name)
    return frozenset(unknown)


# ------------------------------------------------------------------ values of one field


def _numbers(
    low: float, high: float, interesting: tuple[float, ...] = ()
) -> st.SearchStrategy[Any]:
    """Numbers in [low, high], ints and floats, with the edges and thresholds (and the floats
    either side of each threshold) drawn often."""
    points = {low, high}
    for t in interesting:
        points |= {t, math.nextafter(t, -math.inf), math.nextafter(t, math.inf)}
    points = {p for p in points if low <= p <= high}
    ints = {int(p) for p in points if float(p).is_integer()}
    parts: list[st.SearchStrategy[Any]] = [
        st.sampled_from(sorted(points)),
        st.floats(low, high, allow_nan=False, allow_infinity=False),
    ]
    if ints:
        parts.append(st.sampled_from(sorted(ints)))
    if math.ceil(low) <= math.floor(high):
        parts.append(st.integers(math.ceil(low), math.floor(high)))
    return st.one_of(parts)


def field_values(guideline: Guideline, name: str) -> st.SearchStrategy[Any]:
    """Valid values of one field (never None)."""
    spec = guideline.fields[name]
    if spec.type is FieldType.BOOLEAN:
        return st.booleans()
    if spec.type is FieldType.CHOICE:
        return st.sampled_from(spec.values)
    if spec.type is FieldType.SET:
        items = st.sampled_from(spec.values)
        return st.one_of(
            st.lists(items, unique=True),
            st.lists(items, max_size=len(spec.values) + 1),  # repeats are allowed
        )
    low, high = _bounds(spec)
    if spec.integer:  # whole numbers only: the thresholds' neighbours and any integer
        cuts = _thresholds(guideline).get(name, ())
        near = sorted({float(n) for t in cuts for n in (math.floor(t) - 1, math.floor(t),
                                                         math.ceil(t), math.ceil(t) + 1)
                       if low <= n <= high})
        ints = st.integers(math.ceil(low), math.floor(high))
        return st.one_of(ints, st.sampled_from(near)) if near else ints
    return _numbers(low, high, _thresholds(guideline).get(name, ()))


# ------------------------------------------------------------------ derivation groups


@dataclass(frozen=True)
class _Region:
    """The numbers a derivation bin gives its value for: a (possibly half-open) interval."""

    value: str
    low: float
    low_open: bool
    high: float
    high_open: bool

    def strategy(self, interesting: tuple[float, ...]) -> st.SearchStrategy[Any]:
        if self.low == self.high:
            return st.just(self.low)
        inner = [t for t in interesting if self.low < t < self.high]
        edges = [e for e, is_open in ((self.low, self.low_open), (self.high, self.high_open))
                 if not is_open]
        inside = [math.nextafter(self.low, math.inf), math.nextafter(self.high, -math.inf)]
        parts: list[st.SearchStrategy[Any]] = [
            st.floats(self.low, self.high, exclude_min=self.low_open,
                      exclude_max=self.high_open, allow_nan=False, allow_infinity=False),
            st.sampled_from(sorted({*edges, *inside, *inner})),
        ]
        first = math.floor(self.low) + 1 if self.low_open else math.ceil(self.low)
        last = math.ceil(self.high) - 1 if self.high_open else math.floor(self.high)
        if first <= last:
            parts.append(st.integers(first, last))
        return st.one_of(parts)


def _regions(guideline: Guideline, name: str) -> tuple[_Region, ...]:
    """The non-empty region of the source's domain that each bin of ``name`` covers."""
    spec = guideline.fields[name]
    assert spec.derive is not None
    low, high = _bounds(guideline.fields[spec.derive.source])
    floor, floor_open = low, False  # everything earlier bins did not take
    regions = []
    for value, op, bound in spec.derive.bins:
        if op is None or bound is None:
            top, top_open = high, False
        else:
            top, top_open = min(bound, high), (op == "below" and bound <= high)
        if floor < top or (floor == top and not floor_open and not top_open):
            regions.append(_Region(value, floor, floor_open, top, top_open))
        if op is not None and bound is not None and (bound > floor or (
                bound == floor and op == "at_most")):
            floor, floor_open = bound, op == "at_most"
        if op is None:
            break
    return tuple(regions)


def _rank(spec: Field, value: str) -> int:
    return spec.values.index(value)


def _agrees(spec: Field, given: str, implied: str) -> bool:
    """Whether a derived field may be given as ``given`` when its source implies ``implied``."""
    assert spec.derive is not None
    if given == implied:
        return True
    return spec.derive.given_may_exceed and _rank(spec, given) > _rank(spec, implied)


@functools.cache
def _groups(guideline: Guideline) -> tuple[tuple[str, ...], ...]:
    """The fields in groups drawn together: a derivation source with its derived fields, or
    one field alone. In field order (by the group's first member)."""
    derived_from: dict[str, list[str]] = {}
    for name, spec in guideline.fields.items():
        if spec.derive is not None:
            derived_from.setdefault(spec.derive.source, []).append(name)
    in_group = {d for ds in derived_from.values() for d in ds}
    groups = []
    for name in guideline.fields:
        if guideline.fields[name].computed is not None:
            continue  # derived by points or cases: never given (its inputs are)
        if name in derived_from:
            groups.append((name, *derived_from[name]))
        elif name not in in_group:
            groups.append((name,))
    return tuple(groups)


def _source_agreeing(guideline: Guideline, source: str,
                     given: Mapping[str, str]) -> st.SearchStrategy[Any]:
    """Values of ``source`` with which every derived value in ``given`` agrees."""
    if not given:
        return field_values(guideline, source)
    first = next(iter(given))
    spec = guideline.fields[first]
    regions = [r for r in _regions(guideline, first) if _agrees(spec, given[first], r.value)]
    assert regions, f"no {source} agrees with {first} = {given[first]!r}"
    interesting = _thresholds(guideline).get(source, ())

    def fits(number: Any) -> bool:
        return all(_agrees(guideline.fields[d], v,
                           guideline.fields[d].derive.derive(number))  # type: ignore[union-attr]
                   for d, v in given.items())

    return st.one_of([r.strategy(interesting) for r in regions]).filter(fits)


@st.composite
def _derived_over(draw: st.DrawFn, guideline: Guideline, name: str, number: Any) -> str:
    """A value of derived field ``name`` that may be given beside source value ``number``."""
    spec = guideline.fields[name]
    assert spec.derive is not None
    implied = spec.derive.derive(number)
    return draw(st.sampled_from([v for v in spec.values if _agrees(spec, v, implied)]))


@st.composite
def _group_values(draw: st.DrawFn, guideline: Guideline, group: tuple[str, ...], *,
                  complete: bool) -> dict[str, Any]:
    """Values for one group. ``complete``: leave nothing unknown (a derived field may stand
    alone); otherwise any member may be left out."""
    fields = guideline.fields
    if len(group) == 1:
        (name,) = group
        if complete and not fields[name].has_default:
            return {name: draw(field_values(guideline, name))}
        if draw(st.booleans()):
            return {name: draw(field_values(guideline, name))}
        return {}
    source, *derived = group
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out[source] = draw(field_values(guideline, source))
        for name in derived:
            if draw(st.booleans()):
                out[name] = draw(_derived_over(guideline, name, out[source]))
        return out
    for name in derived:
        if complete or draw(st.booleans()):
            out[name] = draw(field_values(guideline, name))
    return out


# ------------------------------------------------------------------ patients


@st.composite
def _uniform_complete(draw: st.DrawFn, guideline: Guideline) -> Patient:
    patient: Patient = {}
    for group in _groups(guideline):
        patient.update(draw(_group_values(guideline, group, complete=True)))
    return patient


def _context(guideline: Guideline, patient: Patient) -> Context:
    return Context(validate_patient(guideline.fields, patient).values)


@functools.cache
def _leaves_below(guideline: Guideline) -> dict[str, frozenset[str]]:
    """The leaves reachable from each node of the graph (a leaf reaches itself)."""
    graph = guideline.graph
    return {
        node: frozenset(n for n in nx.descendants(graph, node) | {node} if n in guideline.leaves)
        for node in graph.nodes
    }


@st.composite
def _steered(draw: st.DrawFn, guideline: Guideline, *, complete: bool) -> Patient:
    """A patient steered through the graph towards a leaf drawn first: at each decision the
    branches that lead to that leaf are tried first, drawing the fields a branch reads until
    it holds. So deep leaves are reached as often as shallow ones (a uniform patient mostly
    stops at the first scope questions). The fields no decision on the way read are then
    drawn too (``complete``) or each given or not."""
    patient: Patient = {}
    group_of = {name: group for group in _groups(guideline) for name in group}
    below = _leaves_below(guideline)
    target = draw(st.sampled_from(sorted(guideline.leaves)))
    node = guideline.start
    while node in guideline.decisions:
        decision = guideline.decisions[node]
        chosen = None
        branches = draw(st.permutations(decision.branches))
        branches.sort(key=lambda b: target not in below[b.to])
        for branch in branches:
            read = set().union(*(guideline.derived_inputs.get(f, {f})
                                 for f in branch.when.fields()))
            groups = {group_of[f] for f in read if f in group_of}
            open_groups = sorted(g for g in groups if not any(m in patient for m in g))
            for _ in range(6 if open_groups else 1):
                candidate = dict(patient)
                for group in open_groups:
                    candidate.update(draw(_group_values(guideline, group, complete=True)))
                if branch.when.evaluate(_context(guideline, candidate)) is True:
                    chosen = branch
                    patient = candidate
                    break
            if chosen is not None:
                break
        if chosen is None:  # no branch can hold with what is fixed: fill the rest at random
            break
        node = chosen.to
    for group in _groups(guideline):
        if not any(name in patient for name in group):
            patient.update(draw(_group_values(guideline, group, complete=complete)))
    return patient


@st.composite
def _with_defaults_given(draw: st.DrawFn, guideline: Guideline, patient: Patient) -> Patient:
    """Give some fields that have a default explicitly (absent ones keep meaning the default)."""
    out = dict(patient)
    for name, spec in guideline.fields.items():
        if spec.has_default and name not in out and draw(st.booleans()):
            out[name] = draw(field_values(guideline, name))
    return out


@functools.cache
def complete_patients(guideline: Guideline) -> st.SearchStrategy[Patient]:
    """Patients with nothing unknown: every field without a default has a valid value (a
    derived field either from its source, given alone, or both, the given value agreeing);
    a field with a default is given or left to its default."""
    return _one_in_four(_uniform_complete(guideline), _steered(guideline, complete=True)).flatmap(
        lambda p: _with_defaults_given(guideline, p)
    )


def _one_in_four(rare: st.SearchStrategy[Any], common: st.SearchStrategy[Any]
                 ) -> st.SearchStrategy[Any]:
    """``rare`` a quarter of the time, ``common`` otherwise (``one_of`` would be half)."""
    return st.integers(0, 3).flatmap(lambda n: rare if n == 0 else common)


@st.composite
def _forget(draw: st.DrawFn, guideline: Guideline, patient: Patient) -> Patient:
    """Drop some fields of a patient: deleted, or set to None (which means the same)."""
    names = sorted(patient)
    if not names:
        return patient
    how = draw(st.integers(0, 3))
    if how:  # a few, or (a quarter of the time) any number
        most = 3 if how > 1 else None
        dropped = draw(st.lists(st.sampled_from(names), unique=True, max_size=most))
    else:  # keep only a few
        kept = draw(st.lists(st.sampled_from(names), unique=True))
        dropped = [n for n in names if n not in kept]
    out = dict(patient)
    for name in dropped:
        if draw(st.booleans()):
            del out[name]
        else:
            out[name] = None
    return out


@functools.cache
def partial_patients(guideline: Guideline) -> st.SearchStrategy[Patient]:
    """Valid patients with any subset of fields given (absent or None for the others); a
    derived field given beside its source agrees with it."""
    uniform = st.tuples(*(
        _group_values(guideline, group, complete=False) for group in _groups(guideline)
    )).map(lambda parts: {k: v for part in parts for k, v in part.items()})
    forgetful = complete_patients(guideline).flatmap(lambda p: _forget(guideline, p))
    # Steered patients already leave out many of the fields no decision on their way reads;
    # forgetting some of the others mostly makes a stop, so only now and then.
    steered = _one_in_four(
        _steered(guideline, complete=False).flatmap(lambda p: _forget(guideline, p)),
        _steered(guideline, complete=False),
    )
    mix = (uniform, forgetful, forgetful, steered, steered, steered, steered, steered)
    return st.integers(0, len(mix) - 1).flatmap(lambda n: mix[n])


@st.composite
def _complete(draw: st.DrawFn, guideline: Guideline, patient: Mapping[str, Any]) -> Patient:
    out: Patient = dict(patient)
    unknown = unknown_fields(guideline, patient)
    for group in _groups(guideline):
        todo = [name for name in group if name in unknown]
        if not todo:
            continue
        if len(group) == 1:
            out[group[0]] = draw(field_values(guideline, group[0]))
            continue
        source, *derived = group
        # The source is unknown (otherwise its derived fields would be known): fill it,
        # agreeing with every derived value already given; then give some unknown derived
        # fields explicitly, agreeing with the source.
        given = {d: patient[d] for d in derived if patient.get(d) is not None}
        out[source] = draw(_source_agreeing(guideline, source, given))
        for name in derived:
            if name in unknown and draw(st.booleans()):
                out[name] = draw(_derived_over(guideline, name, out[source]))
    return out


def completions(guideline: Guideline, patient: Mapping[str, Any]) -> st.SearchStrategy[Patient]:
    """Patients that fill every field unknown in ``patient`` with a valid value, keeping the
    given ones and leaving an absent field with a default absent (its default applies)."""
    return _complete(guideline, patient)


# ------------------------------------------------------------------ malformed patients

_JUNK_SCALARS = st.one_of(
    st.text(max_size=8), st.integers(), st.floats(), st.booleans(),
)
_NESTED = st.one_of(
    st.lists(st.one_of(st.integers(), st.text(max_size=4), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=4)),
                    max_size=2),
    st.lists(st.lists(st.integers(), max_size=2), min_size=1, max_size=2),
)
_HUGE = st.sampled_from([10**400, -(10**400), 10**5000])


def _wrong_values(guideline: Guideline, name: str) -> st.SearchStrategy[Any]:
    """Values ``name`` must refuse: wrong types, nested data, numbers out of range."""
    spec = guideline.fields[name]
    outside = st.text(max_size=10).filter(lambda s: s not in spec.values)
    if spec.type is FieldType.BOOLEAN:
        # The text "true" or "false" (any case) is the one rule's other spelling: not wrong.
        return st.one_of(
            st.sampled_from(["yes", "no", "1", "0", "", "on", "truthy"]),
            st.text(max_size=8).filter(lambda s: s.strip().lower() not in ("true", "false")),
            st.integers(), st.floats(), _NESTED,
        )
    if spec.type is FieldType.CHOICE:
        return st.one_of(outside, st.integers(), st.floats(), st.booleans(), _NESTED,
                         st.lists(st.sampled_from(spec.values), min_size=1, max_size=2))
    if spec.type is FieldType.SET:
        bad_item = st.one_of(outside, st.integers(), st.booleans(), st.none(), _NESTED)
        good_item = st.sampled_from(spec.values)
        return st.one_of(
            outside, good_item, st.integers(), st.floats(), st.booleans(),  # a text is no list
            st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
            st.tuples(st.lists(good_item, max_size=2), bad_item, st.lists(good_item, max_size=2))
            .map(lambda t: [*t[0], t[1], *t[2]]),
        )
    low, high = _bounds(spec)
    wrong = [
        st.booleans(), st.text(max_size=8), _NESTED,
        st.sampled_from([math.nan, math.inf, -math.inf]),
    ]
    if spec.minimum is not None:
        wrong.append(st.floats(max_value=low, allow_nan=False).filter(lambda x: x < low))
        wrong.append(st.integers(max_value=math.ceil(low) - 1))
    if spec.maximum is not None:
        wrong.append(st.floats(min_value=high, allow_nan=False).filter(lambda x: x > high))
        wrong.append(st.integers(min_value=math.floor(high) + 1))
    if spec.minimum is not None or spec.maximum is not None:
        wrong.append(_HUGE)
    if spec.integer:  # a number in range that is not whole
        wrong.append(st.floats(low, high, allow_nan=False).filter(lambda x: not x.is_integer()))
    return st.one_of(wrong)


def _unknown_names(guideline: Guideline) -> st.SearchStrategy[Any]:
    names = sorted(guideline.fields)
    near = st.tuples(st.sampled_from(names), st.sampled_from(["s", "_", "-x", "X", " "]),
                     st.booleans()).map(lambda t: t[0] + t[1] if t[2] else t[0][:-1])
    return st.one_of(
        near, st.text(max_size=12), st.sampled_from([n.upper() for n in names]),
        st.integers(),
    ).filter(lambda n: n not in guideline.fields)


@st.composite
def _derived_too_low(draw: st.DrawFn, guideline: Guideline) -> tuple[dict[str, Any], str] | None:
    """A derived field given lower than (or, without ``given_may_exceed``, unlike) what its
    source implies, or None when the guideline has no such pair."""
    choices = []
    for name, spec in guideline.fields.items():
        if spec.derive is None:
            continue
        for region in _regions(guideline, name):
            if any(not _agrees(spec, v, region.value) for v in spec.values):
                choices.append((name, region))
    if not choices:
        return None
    name, region = draw(st.sampled_from(choices))
    spec = guideline.fields[name]
    assert spec.derive is not None
    interesting = _thresholds(guideline).get(spec.derive.source, ())
    number = draw(region.strategy(interesting).filter(
        lambda x: spec.derive.derive(x) == region.value))  # type: ignore[union-attr]
    given = draw(st.sampled_from([v for v in spec.values if not _agrees(spec, v, region.value)]))
    return {spec.derive.source: number, name: given}, name


@st.composite
def malformed_cases(draw: st.DrawFn, guideline: Guideline) -> tuple[Any, frozenset[str]]:
    """An invalid patient and the names every error message must mention (``repr`` of each);
    for a patient that is not a mapping at all, the empty set."""
    kind = draw(st.sampled_from(["fields", "fields", "fields", "not a mapping"]))
    if kind == "not a mapping":
        return draw(st.one_of(
            st.none(), _JUNK_SCALARS, st.lists(_JUNK_SCALARS, max_size=3),
            st.lists(st.dictionaries(st.sampled_from(sorted(guideline.fields)), st.booleans()),
                     max_size=2),
            st.tuples(st.text(max_size=4)),
        )), frozenset()
    patient = dict(draw(partial_patients(guideline)))
    bad: set[str] = set()
    touched: set[str] = set()
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["wrong value", "unknown name", "derived too low"]))
        if how == "derived too low":
            drawn = draw(_derived_too_low(guideline))
            if drawn is not None and not (set(drawn[0]) & touched):
                values, name = drawn
                patient.update(values)
                touched |= set(values)
                bad.add(name)
                continue
            how = "wrong value"
        if how == "wrong value":
            free = sorted(set(guideline.fields) - touched)
            if free:
                name = draw(st.sampled_from(free))
                patient[name] = draw(_wrong_values(guideline, name))
                touched.add(name)
                bad.add(name)
                continue
        key = draw(_unknown_names(guideline))
        patient[key] = draw(st.one_of(st.none(), _JUNK_SCALARS, st.booleans()))
        bad.add(str(key))
    # A derived field whose source was made invalid is no longer checked against it; a
    # derivation conflict is still named as long as both members are valid (kept untouched).
    return patient, frozenset(bad)


@functools.cache
def malformed_patients(guideline: Guideline) -> st.SearchStrategy[Any]:
    """Patients ``guideline`` must refuse (not only mappings)."""
    return malformed_cases(guideline).map(lambda case: case[0])


# ------------------------------------------------------------------ condition trees

COND_DOMAINS: dict[str, tuple[Any, ...]] = {
    "flag": (True, False),
    "kind": ("a", "b", "c"),
    "level": (0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0),
    "tags": (frozenset(), frozenset({"x"}), frozenset({"y"}), frozenset({"x", "y"})),
}
"""A few fields for the Kleene tests, each with a finite domain that crosses every operand."""


def _field_tests() -> st.SearchStrategy[Condition]:
    return st.one_of(
        st.builds(FieldTest, st.just("flag"), st.just("is"), st.booleans()),
        st.builds(FieldTest, st.just("kind"), st.just("is"), st.sampled_from("abc")),
        st.builds(FieldTest, st.just("kind"), st.just("in"),
                  st.frozensets(st.sampled_from("abc"), min_size=1)),
        st.builds(FieldTest, st.just("level"),
                  st.sampled_from(["below", "at_most", "above", "at_least", "is"]),
                  st.sampled_from([1.5, 2, 3])),
        st.builds(FieldTest, st.just("tags"), st.just("contains"), st.sampled_from("xyz")),
        st.builds(FieldTest, st.just("tags"), st.just("empty"), st.booleans()),
    )


def condition_trees() -> st.SearchStrategy[Condition]:
    """Random conditions over :data:`COND_DOMAINS`: field tests under all/any/not."""
    return st.recursive(
        _field_tests(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=4).map(lambda ps: AllOf(tuple(ps))),
            st.lists(inner, min_size=1, max_size=4).map(lambda ps: AnyOf(tuple(ps))),
            inner.map(Not),
        ),
        max_leaves=10,
    )


_TAGS = frozenset({"x", "y"})


@st.composite
def _partial_tags(draw: st.DrawFn) -> PartialSet:
    """A set known in part (as verification explores set fields): some elements in, some
    out, the rest of the universe unknown."""
    status = draw(st.fixed_dictionaries({e: st.sampled_from("+-?") for e in sorted(_TAGS)}))
    present = frozenset(e for e, s in status.items() if s == "+")
    absent = frozenset(e for e, s in status.items() if s == "-")
    return PartialSet(present, absent, _TAGS)


def completion_domain(name: str, value: Any) -> tuple[Any, ...]:
    """The values a field of :data:`COND_DOMAINS` may turn out to have: all of its domain
    when unknown (None), the sets agreeing with a :class:`PartialSet`, else the value."""
    if value is None:
        return COND_DOMAINS[name]
    if isinstance(value, PartialSet):
        return tuple(s for s in COND_DOMAINS[name]
                     if value.present <= s and not (value.absent & s) and s <= value.universe)
    return (value,)


def assignments() -> st.SearchStrategy[dict[str, Any]]:
    """Partial assignments of :data:`COND_DOMAINS`: None for unknown, and for the set field
    also a :class:`PartialSet`."""
    parts = {
        name: st.one_of(st.none(), st.sampled_from(domain))
        for name, domain in COND_DOMAINS.items()
    }
    parts["tags"] = st.one_of(parts["tags"], _partial_tags())
    return st.fixed_dictionaries(parts)


# ==================================================================================================
# Random VALID guideline files, built by construction (for tests/test_verify.py and
# tests/test_enumerate.py). Appended as one section; nothing above depends on it.
#
# A generated guideline is a tree of decisions, with some nodes shared (a DAG), in which:
# - each decision tests ONE field and its branches partition that field's whole domain (a
#   choice field's values split into non-empty groups; a boolean into true and false; a number
#   cut at thresholds; a set into empty / not empty, or contains x / does not);
# - no path tests a field twice, and a node is shared only where the fields tested below it
#   are not tested on the new path to it, so every branch is taken by some patient;
# - leaves offer options citing recommendations (or statements) that declare they support them;
#   an offer's or drop's condition reads only fields that the path creating its leaf leaves
#   free, so each holds for some patient; a leaf may advise against one of its options
#   (`not_recommend`, when such a condition holds) and prefer one option offered always over
#   the others offered always;
# - a set field `prior` of the offered options feeds a `drop_listed_in` filter, and a general
#   recommendation backs a fallback; only fields, options and recommendations that are used are
#   declared. So every check of `nettree verify` passes, by construction.
# `GuidelineModel` keeps the tree as data so that `MUTATIONS` can break it in one place.
# ==================================================================================================

_WORDS = ("low", "high", "no", "yes", "off", "on", "mid", "x", "y", "z")  # YAML 1.1 traps too
_NUMBER_SPECS = ({"min": 0, "max": 100}, {"min": 0, "max": 10}, {"min": -5})  # the last: no max


@dataclass
class GenBranch:
    """A generated branch: the part of its decision's field's domain it admits.

    ``admits``: for a choice or boolean field, a tuple of values; for a number, an interval
    ``(low, low_closed, high, high_closed)`` (None: unbounded); for a set, ``("empty", flag)``
    or ``("contains", value, flag)``.
    """

    answer: str
    admits: Any
    to: str
    negate: bool = False  # choice or boolean: written as `not` of the other values


@dataclass
class GenDecision:
    """A generated decision on one field (``written``: the field name the file says)."""

    id: str
    field: str
    branches: list[GenBranch]
    written: str = ""


@dataclass
class GuidelineModel:
    """A generated guideline as data; :meth:`to_yaml` writes the file."""

    fields: dict[str, dict[str, Any]]
    options: list[str]
    recommendations: dict[str, dict[str, Any]]  # id -> {"supports": [...], "statements": {...}}
    general: list[str]
    start: str
    decisions: dict[str, GenDecision]
    leaves: dict[str, dict[str, Any]]
    made_below: dict[str, tuple[str, ...]]  # node -> the decisions on the path that created it
    filters: list[dict[str, Any]]
    fallback: dict[str, Any] | None

    def copy(self) -> GuidelineModel:
        import copy

        return copy.deepcopy(self)

    def children(self, node: str) -> list[str]:
        decision = self.decisions.get(node)
        return [b.to for b in decision.branches] if decision else []

    def reachable(self) -> set[str]:
        seen, todo = set(), [self.start]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(self.children(node))
        return seen

    def leaf_paths(self) -> int:
        """The number of root-to-leaf paths (branch by branch; the graph must be acyclic)."""
        @functools.cache
        def count(node: str) -> int:
            return 1 if node in self.leaves else sum(count(c) for c in self.children(node))

        return count(self.start)

    def condition(self, decision: GenDecision, branch: GenBranch) -> Any:
        name = decision.written or decision.field
        spec = self.fields[decision.field]
        kind = spec["type"]
        if kind in ("choice", "boolean"):
            domain = list(spec["values"]) if kind == "choice" else [True, False]
            admitted = [v for v in domain if v in branch.admits]
            others = [v for v in domain if v not in branch.admits]
            if branch.negate and others:
                return {"not": _one_of(name, kind, others)}
            return _one_of(name, kind, admitted)
        if kind == "number":
            low, low_closed, high, high_closed = branch.admits
            parts = []
            if low is not None:
                parts.append({name: {"at_least" if low_closed else "above": low}})
            if high is not None:
                parts.append({name: {"at_most" if high_closed else "below": high}})
            return parts[0] if len(parts) == 1 else {"all": parts}
        if branch.admits[0] == "empty":
            return {name: {"empty": branch.admits[1]}}
        _, value, present = branch.admits
        test = {name: {"contains": value}}
        return test if present else {"not": test}

    def to_data(self) -> dict[str, Any]:
        recommendations = []
        for rec_id, rec in sorted(self.recommendations.items()):
            item: dict[str, Any] = {
                "id": rec_id, "category": "Generated", "text": f"Recommendation {rec_id}.",
                "rating": {"strength": "S"},
            }
            if rec["supports"]:
                item["supports"] = sorted(rec["supports"])
            if rec["statements"]:
                item["statements"] = [
                    {"id": sid, "kind": "qualifying", "text": f"Statement {sid}.",
                     "supports": sorted(supports)}
                    for sid, supports in sorted(rec["statements"].items())
                ]
            recommendations.append(item)
        data: dict[str, Any] = {
            "nettree": 1, "id": "generated", "title": "A generated guideline", "version": "1",
            "ratings": {"strength": {"label": "Strength", "codes": {"S": "strong"}}},
        }
        if self.general:
            data["general"] = list(self.general)
        data["recommendations"] = recommendations
        data["fields"] = self.fields
        data["options"] = {o: {"label": f"Option {o}"} for o in self.options}
        data["start"] = self.start
        data["decisions"] = {
            d.id: {"question": f"What about {d.field}?",
                   "branches": [{"answer": b.answer, "when": self.condition(d, b), "to": b.to}
                                for b in d.branches]}
            for d in self.decisions.values()
        }
        data["leaves"] = self.leaves
        if self.filters:
            data["filters"] = self.filters
        if self.fallback:
            data["fallback"] = self.fallback
        return data

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_data(), sort_keys=False, allow_unicode=True)


def _one_of(name: str, kind: str, values: list[Any]) -> dict[str, Any]:
    if len(values) == 1:
        return {name: values[0]}
    if kind == "choice":
        return {name: {"in": values}}
    return {"any": [{name: v} for v in values]}


@st.composite
def _field_pool(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    pool: dict[str, dict[str, Any]] = {}
    for index in range(draw(st.integers(1, 3))):
        values = draw(st.lists(st.sampled_from(_WORDS), min_size=2, max_size=4, unique=True))
        spec: dict[str, Any] = {"type": "choice", "values": values, "description": "A choice."}
        if draw(st.integers(0, 3)) == 0:
            spec["default"] = draw(st.sampled_from(values))
            spec["if_absent"] = "not given"
        pool[f"c{index}"] = spec
    for index in range(draw(st.integers(0, 2))):
        spec = {"type": "boolean", "description": "A flag."}
        if draw(st.integers(0, 3)) == 0:
            spec["default"] = draw(st.booleans())
            spec["if_absent"] = "not given"
        pool[f"b{index}"] = spec
    for index in range(draw(st.integers(0, 2))):
        pool[f"n{index}"] = {"type": "number", **draw(st.sampled_from(_NUMBER_SPECS)),
                             "description": "A number."}
    if draw(st.booleans()):
        spec = {"type": "set", "values": ["t0", "t1", "t2"], "description": "Some tags."}
        if draw(st.booleans()):
            spec["default"] = []
            spec["if_absent"] = "no tags"
        pool["tags"] = spec
    return pool


@st.composite
def _cuts(draw: st.DrawFn, spec: dict[str, Any]) -> list[float]:
    low = spec.get("min", -100)
    high = spec.get("max", 100)
    points = st.one_of(st.integers(low + 1, high - 1),
                       st.integers(2 * low + 1, 2 * high - 1).map(lambda n: n / 2))
    cuts = draw(st.lists(points.filter(lambda p: low < p < high), min_size=1, max_size=3,
                         unique=True))
    return sorted(cuts)


@st.composite
def _partition(draw: st.DrawFn, spec: dict[str, Any]) -> list[tuple[Any, bool]]:
    """(admits, negate) for each part of a field's domain: the parts cover it exactly."""
    kind = spec["type"]
    if kind in ("choice", "boolean"):
        values = list(spec["values"]) if kind == "choice" else [True, False]
        order = draw(st.permutations(values))
        count = draw(st.integers(2, len(values)))
        cuts = sorted(draw(st.lists(st.integers(1, len(values) - 1), min_size=count - 1,
                                    max_size=count - 1, unique=True)))
        ends = [0, *cuts, len(values)]
        groups = [order[ends[i]:ends[i + 1]] for i in range(count)]
        return [(tuple(g), draw(st.integers(0, 3)) == 0) for g in groups]
    if kind == "number":
        cuts = draw(_cuts(spec))
        closed_left = [draw(st.booleans()) for _ in cuts]  # does the cut belong to the part below?
        bounds = [(None, False), *zip(cuts, [not c for c in closed_left], strict=True)]
        uppers = [*zip(cuts, closed_left, strict=True), (None, False)]
        return [((low, low_closed, high, high_closed), False)
                for (low, low_closed), (high, high_closed) in zip(bounds, uppers, strict=True)]
    if draw(st.booleans()):
        return [(("empty", True), False), (("empty", False), False)]
    value = draw(st.sampled_from(spec["values"]))
    return [(("contains", value, True), False), (("contains", value, False), False)]


@st.composite
def _free_test(draw: st.DrawFn, pool: dict[str, dict[str, Any]], free: list[str]
               ) -> tuple[str, Any] | None:
    """A condition on one field that can be true and can be false (or None if none is free)."""
    if not free:
        return None
    name = draw(st.sampled_from(free))
    spec = pool[name]
    kind = spec["type"]
    if kind == "choice":
        return name, {name: draw(st.sampled_from(spec["values"]))}
    if kind == "boolean":
        return name, {name: draw(st.booleans())}
    if kind == "number":
        cut = draw(_cuts(spec))[0]
        return name, {name: {draw(st.sampled_from(["below", "at_most", "above", "at_least"])): cut}}
    return name, {name: {"contains": draw(st.sampled_from(spec["values"]))}}


@st.composite
def guideline_models(draw: st.DrawFn, *, max_decisions: int = 7) -> GuidelineModel:
    """A random valid guideline (see the comment at the top of this section)."""
    pool = draw(_field_pool())
    names = sorted(pool)
    used: set[str] = set()
    decisions: dict[str, GenDecision] = {}
    leaves: dict[str, dict[str, Any]] = {}
    made_below: dict[str, tuple[str, ...]] = {}
    below_fields: dict[str, frozenset[str]] = {}  # node -> fields its subtree's decisions test
    options = [f"o{i}" for i in range(draw(st.integers(1, 4)))]
    rec_ids = [str(i) for i in range(1, draw(st.integers(1, 3)) + 1)]
    recs: dict[str, dict[str, Any]] = {}

    def cite(option: str) -> str:
        rec_id = draw(st.sampled_from(rec_ids))
        rec = recs.setdefault(rec_id, {"supports": set(), "statements": {}})
        if draw(st.integers(0, 3)) == 0:
            statement = f"{rec_id}-q1"
            rec["statements"].setdefault(statement, set()).add(option)
            return statement
        rec["supports"].add(option)
        return rec_id

    def make_leaf(path: tuple[str, ...], path_fields: frozenset[str]) -> str:
        node = f"leaf-{len(leaves) + 1}"
        free = [n for n in names if n not in path_fields]
        kind = draw(st.sampled_from(["recommendation"] * 4 + ["out_of_scope",
                                                              "needs_information"]))
        if not leaves:
            kind = "recommendation"  # at least one
        spec: dict[str, Any] = {"kind": kind, "label": f"Leaf {len(leaves) + 1}"}
        if kind == "out_of_scope":
            spec["reason"] = "Outside the generated scope."
        if kind == "needs_information":
            missing = draw(st.sampled_from(names))
            used.add(missing)
            spec["missing"] = [missing]
        if kind != "out_of_scope":
            steps = []
            offer_fields = set()
            count = draw(st.integers(1 if kind == "recommendation" else 0, 3))
            for option in draw(st.lists(st.sampled_from(options), min_size=count,
                                        max_size=count)):
                step: dict[str, Any] = {"offer": option, "cites": [cite(option)]}
                test = draw(_free_test(pool, free)) if draw(st.booleans()) else None
                if test:
                    used.add(test[0])
                    offer_fields.add(test[0])
                    step["when"] = test[1]
                steps.append(step)
            if steps and draw(st.integers(0, 3)) == 0:
                # The drop reads a field no offer of this leaf reads: it cannot undo them all.
                test = draw(_free_test(pool, [n for n in free if n not in offer_fields]))
                if test:
                    used.add(test[0])
                    offer_fields.add(test[0])  # the advice below reads another field
                    steps.append({"drop": draw(st.sampled_from([s["offer"] for s in steps])),
                                  "when": test[1], "reason": "A generated exclusion."})
            offers = [s["offer"] for s in steps if "offer" in s]
            if offers and draw(st.integers(0, 3)) == 0:
                # Advice against an option, on a field no offer nor the drop reads.
                test = draw(_free_test(pool, [n for n in free if n not in offer_fields]))
                if test:
                    used.add(test[0])
                    target = draw(st.sampled_from(offers))
                    steps.append({"not_recommend": target, "cites": [cite(target)],
                                  "when": test[1]})
            always = sorted({s["offer"] for s in steps if "offer" in s and "when" not in s},
                            key=options.index)
            if len(always) > 1 and draw(st.integers(0, 3)) == 0:
                # Offered together for some patient (no step or filter removes every one
                # for all), so the preference shows: else verify reports it never does.
                steps.append({"prefer": always[0], "over": always[1:],
                              "cites": [cite(always[0])]})
            if steps:
                spec["steps"] = steps
        leaves[node] = spec
        made_below[node] = path
        below_fields[node] = frozenset()
        return node

    def build(path: tuple[str, ...], path_fields: frozenset[str]) -> str:
        shared = [n for n, below in below_fields.items() if not below & path_fields]
        if path and shared and draw(st.integers(0, 4)) == 0:
            return draw(st.sampled_from(sorted(shared)))
        free = [n for n in names if n not in path_fields]
        if path and (not free or len(decisions) >= max_decisions or draw(st.booleans())):
            return make_leaf(path, path_fields)
        name = draw(st.sampled_from(free))
        used.add(name)
        node = f"d{len(decisions) + 1}"
        decision = GenDecision(node, name, [])
        decisions[node] = decision
        made_below[node] = path
        for index, (admits, negate) in enumerate(draw(_partition(pool[name]))):
            child = build((*path, node), path_fields | {name})
            decision.branches.append(GenBranch(f"branch {index + 1}", admits, child, negate))
        below_fields[node] = frozenset({name}).union(
            *(below_fields[b.to] for b in decision.branches))
        return node

    start = build((), frozenset())
    offered = sorted({s["offer"] for leaf in leaves.values() for s in leaf.get("steps", [])
                      if "offer" in s}, key=options.index)
    fields = {n: pool[n] for n in names if n in used}
    filters: list[dict[str, Any]] = []
    fallback = None
    general: list[str] = []
    if offered and draw(st.booleans()):
        prior: dict[str, Any] = {"type": "set", "values": offered,
                                 "description": "Options already tried."}
        if draw(st.booleans()):
            prior["default"] = []
            prior["if_absent"] = "nothing tried"
        fields["prior"] = prior
        filters.append({"drop_listed_in": "prior", "reason": "Tried already."})
    if offered:
        # Fields that only filters read (verify keeps such filters with a class, "excluded
        # if", instead of splitting on them): a drop on one field, or on two at once.
        for index in range(draw(st.integers(0, 3))):
            name = f"only{index}"
            fields[name] = {"type": "boolean", "description": "Read by a filter only."}
            when: dict[str, Any] = {name: draw(st.booleans())}
            if index and draw(st.booleans()):
                when[f"only{index - 1}"] = draw(st.booleans())
            filters.append({"drop": draw(st.sampled_from(offered)), "when": when,
                            "reason": "A filter."})
        # A filter or a leaf's own drop may remove every option of a leaf: a valid guideline
        # then needs a fallback, or verify reports a recommendation with no option.
        offered.append("review")
        recs["g"] = {"supports": {"review"}, "statements": {}}
        general = ["g"]
        fallback = {"option": "review", "cites": ["g"]}
    return GuidelineModel(fields, offered, recs, general, start, decisions, leaves, made_below,
                          filters, fallback)


# ------------------------------------------------------------------ single mutations


@dataclass(frozen=True)
class Mutation:
    """A guideline broken in one place, and what ``verify`` must then report."""

    model: GuidelineModel
    check: str  # the check that must fail
    node: str | None  # the node a finding of that check must name (None: not asked)
    what: str  # the edit, in words (shown when a test fails)
    says: str = ""  # a word some finding's message must hold


def _choice_like(model: GuidelineModel, decision: GenDecision) -> bool:
    return model.fields[decision.field]["type"] in ("choice", "boolean")


@st.composite
def _narrow(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """Take one value out of a branch that admits several: patients with it fall through."""
    spots = [(d.id, i) for d in model.decisions.values() if d.field in model.fields
             and _choice_like(model, d) for i, b in enumerate(d.branches) if len(b.admits) > 1]
    if not spots:
        return None
    node, index = draw(st.sampled_from(spots))
    out = model.copy()
    branch = out.decisions[node].branches[index]
    value = draw(st.sampled_from(branch.admits))
    branch.admits = tuple(v for v in branch.admits if v != value)
    return Mutation(out, "exhaustive", node, f"{node}, {branch.answer}: drop {value!r}")


@st.composite
def _drop_branch(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """Delete a branch: a gap (or, with two branches left or its target orphaned, structure)."""
    spots = [(d.id, i) for d in model.decisions.values() for i in range(len(d.branches))]
    node, index = draw(st.sampled_from(spots))
    out = model.copy()
    decision = out.decisions[node]
    removed = decision.branches.pop(index)
    what = f"{node}: delete {removed.answer} (to {removed.to})"
    if len(decision.branches) < 2:
        return Mutation(out, "structure", node, what)
    if removed.to not in out.reachable():
        return Mutation(out, "structure", removed.to, what)
    return Mutation(out, "exhaustive", node, what)


@st.composite
def _duplicate(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """Admit a value of one branch in another too: patients with it satisfy both."""
    spots = [d.id for d in model.decisions.values() if _choice_like(model, d)]
    if not spots:
        return None
    out = model.copy()
    decision = out.decisions[draw(st.sampled_from(spots))]
    first, second = draw(st.permutations(decision.branches))[:2]
    value = draw(st.sampled_from(first.admits))
    second.admits = (*second.admits, value)
    return Mutation(out, "exclusive", decision.id,
                    f"{decision.id}, {second.answer}: also admit {value!r}")


@st.composite
def _boundary(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """At a number cut, both neighbouring parts include the cut (overlap) or neither (gap)."""
    spots = [(d.id, i) for d in model.decisions.values()
             if model.fields[d.field]["type"] == "number" for i in range(len(d.branches) - 1)]
    if not spots:
        return None
    node, index = draw(st.sampled_from(spots))
    out = model.copy()
    below, above = out.decisions[node].branches[index:index + 2]
    overlap = draw(st.booleans())
    low, _, high, _ = below.admits
    below.admits = (low, below.admits[1], high, overlap)
    _, _, top, top_closed = above.admits
    above.admits = (high, overlap, top, top_closed)
    return Mutation(out, "exclusive" if overlap else "exhaustive", node,
                    f"{node}: the cut at {high} in {'both' if overlap else 'neither'} part")


@st.composite
def _unsupported(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """Make an offer also cite a recommendation or statement that does not support it."""
    supports = {rec_id: rec["supports"] for rec_id, rec in model.recommendations.items()}
    for rec in model.recommendations.values():
        supports.update(rec["statements"])
    spots = [(leaf_id, i, cite) for leaf_id, leaf in model.leaves.items()
             for i, step in enumerate(leaf.get("steps", [])) if "offer" in step
             for cite, options in sorted(supports.items()) if step["offer"] not in options]
    if not spots:
        return None
    leaf_id, index, cite = draw(st.sampled_from(spots))
    out = model.copy()
    step = out.leaves[leaf_id]["steps"][index]
    step["cites"] = [*step["cites"], cite]
    return Mutation(out, "citations", leaf_id, f"{leaf_id}: {step['offer']} also cites {cite}")


@st.composite
def _back_edge(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """Send a branch back to a decision on the path above it (or to its own decision)."""
    node = draw(st.sampled_from(sorted(model.decisions)))
    out = model.copy()
    decision = out.decisions[node]
    branch = draw(st.sampled_from(decision.branches))
    target = draw(st.sampled_from([*model.made_below[node], node]))
    branch.to = target
    return Mutation(out, "structure", None, f"{node}, {branch.answer}: back to {target}",
                    says="cycle")


@st.composite
def _contradiction(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """Below a branch, ask its field again and send the values it excluded to a new leaf."""
    spots = [(d.id, i) for d in model.decisions.values() if _choice_like(model, d)
             for i in range(len(d.branches))]
    if not spots:
        return None
    node, index = draw(st.sampled_from(spots))
    out = model.copy()
    decision = out.decisions[node]
    branch = decision.branches[index]
    again, dead = f"{node}-again", f"{node}-dead"
    others = tuple(v for b in decision.branches if b is not branch for v in b.admits)
    out.decisions[again] = GenDecision(again, decision.field, [
        GenBranch("as before", branch.admits, branch.to),
        GenBranch("contradicts the path", others, dead),
    ])
    out.leaves[dead] = {"kind": "out_of_scope", "label": "Never reached",
                        "reason": "The path here contradicts itself."}
    branch.to = again
    return Mutation(out, "satisfiable", dead, f"{node}, {branch.answer}: ask again -> {dead}")


def _orphan(model: GuidelineModel) -> st.SearchStrategy[Mutation | None]:
    """Declare a leaf that no branch goes to."""
    out = model.copy()
    out.leaves["orphan"] = {"kind": "out_of_scope", "label": "Orphan", "reason": "Unused."}
    return st.just(Mutation(out, "structure", "orphan", "add an unreachable leaf"))


@st.composite
def _bad_reference(draw: st.DrawFn, model: GuidelineModel) -> Mutation | None:
    """Name an option, a recommendation or a field that the file does not declare."""
    out = model.copy()
    offers = [(leaf_id, i) for leaf_id, leaf in out.leaves.items()
              for i, step in enumerate(leaf.get("steps", [])) if "offer" in step]
    kind = draw(st.sampled_from(["option", "recommendation", "field"] if offers else ["field"]))
    if kind == "field":
        decision = out.decisions[draw(st.sampled_from(sorted(out.decisions)))]
        decision.written = "no_such_field"
        return Mutation(out, "load", decision.id, f"{decision.id}: test an unknown field")
    leaf_id, index = draw(st.sampled_from(offers))
    step = out.leaves[leaf_id]["steps"][index]
    if kind == "option":
        step["offer"] = "no_such_option"
    else:
        step["cites"] = ["99.9"]
    return Mutation(out, "load", leaf_id, f"{leaf_id}: an unknown {kind}")


MUTATIONS = (_narrow, _drop_branch, _duplicate, _boundary, _unsupported, _back_edge,
             _contradiction, _orphan, _bad_reference)
"""Each takes a model and draws a :class:`Mutation` of it, or None where it does not apply."""


@st.composite
def mutations(draw: st.DrawFn, model: GuidelineModel) -> Mutation:
    """One random single mutation of ``model`` that applies to it."""
    order = draw(st.permutations(MUTATIONS))
    for make in order:
        mutation = draw(make(model))
        if mutation is not None:
            return mutation
    raise AssertionError("the orphan mutation always applies")


# ------------------------------------------------------------------ fields only filters read


def filters_guideline(count: int, *, fallback: bool, certain: bool = False,
                      after: str = "") -> str:
    """A leaf offering ``count`` options, each dropped by a filter on its own boolean field
    that nothing else reads; ``certain``: one more option no filter drops."""
    fields = "".join(f"  f{i}: {{type: boolean, description: Flag {i}.}}\n"
                     for i in range(count))
    options = "".join(f"  o{i}: {{label: Option {i}}}\n" for i in range(count))
    offers = "".join(f"{{offer: o{i}, cites: ['1']}}, " for i in range(count))
    if certain:
        offers += "{offer: x, cites: ['1']}, "
    filters = "".join(f"  - {{drop: o{i}, when: {{f{i}: true}}, reason: Flag {i}.}}\n"
                      for i in range(count))
    supported = ", ".join(f"o{i}" for i in range(count))
    return f"""\
nettree: 1
id: filters
title: Filters on their own fields
version: "1"
ratings:
  strength: {{label: Strength, codes: {{S: strong}}}}
recommendations:
  - {{id: "1", category: All, text: Offer them., rating: {{strength: S}},
     supports: [{supported}, x, review]}}
fields:
  site: {{type: choice, values: [a, b], description: Site.}}
{fields}options:
  x: {{label: X}}
  review: {{label: Review}}
{options}start: by-site
decisions:
  by-site:
    question: Site?
    branches:
      - {{answer: a, when: {{site: a}}, to: leaf-a}}
      - {{answer: b, when: {{site: b}}, to: leaf-b}}
leaves:
  leaf-a: {{kind: recommendation, label: A, steps: [{offers}]}}
  leaf-b: {{kind: recommendation, label: B, steps: [{{offer: x, cites: ['1']}}]}}
filters:
{filters}{after}{"fallback: {option: review, cites: ['1']}" if fallback else ""}
"""
