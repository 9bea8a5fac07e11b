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
from nettree.conditions import AllOf, AnyOf, Condition, Context, FieldTest, Not
from nettree.model import Cite, Drop, Field, FieldType, Offer
from nettree.patient import validate_patient

__all__ = [
    "COND_DOMAINS",
    "assignments",
    "complete_patients",
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
        if patient.get(name) is not None or spec.has_default:
            continue
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
            items,  # a single value stands for a list of one
        )
    low, high = _bounds(spec)
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
            groups = {group_of[f] for f in branch.when.fields() if f in group_of}
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
        return st.one_of(
            st.sampled_from(["true", "false", "yes", "no", "1", "0", ""]),
            st.text(max_size=8), st.integers(), st.floats(), _NESTED,
        )
    if spec.type is FieldType.CHOICE:
        return st.one_of(outside, st.integers(), st.floats(), st.booleans(), _NESTED,
                         st.lists(st.sampled_from(spec.values), min_size=1, max_size=2))
    if spec.type is FieldType.SET:
        bad_item = st.one_of(outside, st.integers(), st.booleans(), st.none(), _NESTED)
        good_item = st.sampled_from(spec.values)
        return st.one_of(
            outside, st.integers(), st.floats(), st.booleans(),
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
        st.builds(FieldTest, st.just("tags"), st.just("contains"), st.sampled_from("xy")),
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


def assignments() -> st.SearchStrategy[dict[str, Any]]:
    """Partial assignments of :data:`COND_DOMAINS` (None for unknown)."""
    return st.fixed_dictionaries({
        name: st.one_of(st.none(), st.sampled_from(domain))
        for name, domain in COND_DOMAINS.items()
    })
