"""Field domains: the finite classes of values that a guideline's conditions can tell apart.

Choices and booleans are their values; a set field is its subsets (listed lazily: never
built all at once); a number is cut at the thresholds that the guideline's conditions and
derivations use. Each class has a representative that really lies in it, for every finite
float (exact midpoints, ``math.nextafter`` where a step of 1 is too small); a class that
holds no finite number (above the float maximum) is left out, as it holds no patient.

The loaded guideline computes these facts once (``Guideline.thresholds``,
``Guideline.domains``); verification explores them, traversal settles a leaf whose options
depend on unknown fields by trying each, and the diagrams and the page read them.

This module imports nothing from :mod:`nettree.guideline` or :mod:`nettree.traverse` at run
time: the guideline calls it at load.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from .conditions import Condition
from .model import Field, FieldType, Step
from .words import number_text

if TYPE_CHECKING:
    from .guideline import Guideline

__all__ = ["Domain", "derive_domains", "domains", "field_domain", "thresholds",
           "thresholds_of"]


def _conditions(guideline: Guideline) -> Iterator[Condition]:
    for decision in guideline.decisions.values():
        for branch in decision.branches:
            yield branch.when
    steps: list[Step] = [*guideline.filters]
    for leaf in guideline.leaves.values():
        steps.extend(leaf.steps)
    for step in steps:
        when = getattr(step, "when", None)
        if when is not None:
            yield when
    for rule in guideline.notes:
        if rule.when is not None:
            yield rule.when
        for remark in rule.remarks:
            yield remark.when
    for spec in guideline.fields.values():  # derivations by points or cases
        yield from spec.conditions


def thresholds_of(guideline: Guideline) -> dict[str, list[float]]:
    """For each number field, the thresholds that conditions and derivations cut it at.

    Computed once at load (``guideline.thresholds``); call this only to build that."""
    cuts: dict[str, set[float]] = {}
    for condition in _conditions(guideline):
        for test in condition.field_tests():
            if guideline.fields[test.field].type is FieldType.NUMBER:
                cuts.setdefault(test.field, set()).add(float(test.operand))
    for spec in guideline.fields.values():
        if spec.derive is not None:
            for _, _, bound in spec.derive.bins:
                if bound is not None:
                    cuts.setdefault(spec.derive.source, set()).add(bound)
    return {name: sorted(values) for name, values in cuts.items()}


def _below(point: float, low: float, whole: bool = False) -> float | None:
    """A finite number in [low, point), the class below the first threshold; None if empty.
    ``whole``: a whole number (an integer field), None when the class holds none."""
    if whole:
        rep = float(math.ceil(low)) if math.isfinite(low) else float(math.ceil(point) - 1)
        return rep if low <= rep < point and math.isfinite(rep) else None
    if math.isfinite(low):
        return low
    rep = point - 1
    if not rep < point:  # a step of 1 is lost at this magnitude
        rep = math.nextafter(point, -math.inf)
    return rep if math.isfinite(rep) else None


def _between(lower: float, upper: float, whole: bool = False) -> float | None:
    """A number strictly between two thresholds (no overflow); None when none is.
    ``whole``: a whole number."""
    if whole:
        rep = float(math.floor(lower) + 1)
        return rep if lower < rep < upper else None
    rep = (lower + upper) / 2
    if not (math.isfinite(rep) and lower < rep < upper):
        rep = lower / 2 + upper / 2  # the exact midpoint cannot overflow
    if not lower < rep < upper:
        rep = math.nextafter(lower, upper)
    return rep if lower < rep < upper else None


def _above(point: float, high: float, whole: bool = False) -> float | None:
    """A finite number in (point, high], the class above the last threshold; None if empty.
    ``whole``: a whole number."""
    if whole:
        rep = float(math.floor(point) + 1)
        return rep if point < rep <= high and math.isfinite(rep) else None
    if math.isfinite(high):
        return high
    rep = point + 1
    if not point < rep:
        rep = math.nextafter(point, math.inf)
    return rep if math.isfinite(rep) else None


class Domain(Sequence[tuple[Any, str]]):
    """A field's domain: (representative value, description) pairs, one per class.

    A sequence, so ``len`` and indexing work; a set field's subsets are made one at a time
    when asked for, never all at once (22 values are 4,194,304 subsets).
    """

    __slots__ = ("_items", "_name", "_values", "field", "kind")

    def __init__(self, spec: Field, items: tuple[tuple[Any, str], ...] | None = None) -> None:
        self.field = spec.name
        self.kind = spec.type
        self._name = spec.name
        self._items = items
        self._values = tuple(spec.values) if items is None else ()

    @property
    def is_subsets(self) -> bool:
        """Whether the classes are a set field's subsets (made on demand)."""
        return self._items is None

    def __len__(self) -> int:
        return 2 ** len(self._values) if self._items is None else len(self._items)

    @overload
    def __getitem__(self, index: int) -> tuple[Any, str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[Any, str]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if self._items is not None:
            return self._items[index]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._subset(_unrank(self._values, index))

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self._items is not None:
            yield from self._items
            return
        for size in range(len(self._values) + 1):
            for subset in itertools.combinations(self._values, size):
                yield self._subset(subset)

    def _subset(self, subset: tuple[str, ...]) -> tuple[Any, str]:
        return list(subset), f"{self._name} = [{', '.join(subset)}]"

    def values(self) -> Iterator[Any]:
        """The representatives, in order."""
        return (value for value, _ in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Domain):
            return self.field == other.field and self._items == other._items \
                and self._values == other._values
        if isinstance(other, tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other,
                                                                          strict=False))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.field, self._items, self._values))

    def __repr__(self) -> str:
        if self._items is None:
            return f"<Domain {self._name}: the {len(self)} subsets of {list(self._values)}>"
        return f"<Domain {self._name}: {[text for _, text in self._items]}>"


def _unrank(values: tuple[str, ...], index: int) -> tuple[str, ...]:
    """The ``index``-th subset of ``values`` in the order of ``Domain.__iter__`` (by size,
    then as :func:`itertools.combinations` gives them)."""
    n = len(values)
    size = 0
    while index >= math.comb(n, size):
        index -= math.comb(n, size)
        size += 1
    chosen: list[str] = []
    start = 0
    while size:
        for position in range(start, n):
            block = math.comb(n - position - 1, size - 1)
            if index < block:
                chosen.append(values[position])
                start, size = position + 1, size - 1
                break
            index -= block
    return tuple(chosen)


def field_domain(spec: Field, cuts: Iterable[float] = ()) -> Domain:
    """A field's domain as (representative value, description) pairs, one per class.

    >>> f = Field("age", FieldType.NUMBER, "", minimum=0, maximum=120)
    >>> [text for _, text in field_domain(f, [18, 65])]
    ['age in [0, 18)', 'age = 18', 'age in (18, 65)', 'age = 65', 'age in (65, 120]']
    >>> x = Field("x", FieldType.NUMBER, "")
    >>> [(rep, text) for rep, text in field_domain(x, [1e17])][1:]
    [(1e+17, 'x = 1e+17'), (1.0000000000000002e+17, 'x above 1e+17')]
    >>> [(rep, text) for rep, text in field_domain(x, [1e308, 1.7e308])][2]
    (1.35e+308, 'x in (1e+308, 1.7e+308)')
    >>> len(field_domain(x, [1.7976931348623157e308]))  # nothing above the float maximum
    2
    """
    name = spec.name
    if spec.type is FieldType.BOOLEAN:
        return Domain(spec, ((True, f"{name} = true"), (False, f"{name} = false")))
    if spec.type is FieldType.CHOICE:
        return Domain(spec, tuple((v, f"{name} = {v}") for v in spec.values))
    if spec.type is FieldType.SET:
        return Domain(spec)
    low = spec.minimum if spec.minimum is not None else -math.inf
    high = spec.maximum if spec.maximum is not None else math.inf
    points = sorted({float(c) for c in cuts if math.isfinite(c) and low <= c <= high})
    whole = spec.integer
    if not points:
        rep = low if math.isfinite(low) else (high if math.isfinite(high) else 0.0)
        if whole:
            rep = float(math.ceil(rep)) if math.isfinite(low) else float(math.floor(rep))
        return Domain(spec, ((rep, f"{name} any value"),))
    domain: list[tuple[Any, str]] = []
    if low < points[0]:
        below = _below(points[0], low, whole)
        text = f"{name} in [{number_text(low)}, {number_text(points[0])})" if math.isfinite(low) \
            else f"{name} below {number_text(points[0])}"
        if below is not None:
            domain.append((below, text))
    for index, point in enumerate(points):
        if not whole or point.is_integer():  # an integer field holds no 2.5
            domain.append((point, f"{name} = {number_text(point)}"))
        upper = points[index + 1] if index + 1 < len(points) else None
        if upper is not None:
            between = _between(point, upper, whole)
            if between is not None:
                domain.append((between, f"{name} in ({number_text(point)}, {number_text(upper)})"))
    if points[-1] < high:
        above = _above(points[-1], high, whole)
        last = number_text(points[-1])
        text = f"{name} in ({last}, {number_text(high)}]" if math.isfinite(high) \
            else f"{name} above {last}"
        if above is not None:
            domain.append((above, text))
    return Domain(spec, tuple(domain))


def derive_domains(fields: Mapping[str, Field], cuts: Mapping[str, Sequence[float]],
                   ) -> dict[str, Domain]:
    """Every field's domain, from the thresholds of :func:`thresholds`."""
    return {name: field_domain(spec, cuts.get(name, ())) for name, spec in fields.items()}


def domains(guideline: Guideline) -> Mapping[str, Domain]:
    """Every field's domain: the loaded guideline's own (computed once, at load)."""
    return guideline.domains


def thresholds(guideline: Guideline) -> Mapping[str, Sequence[float]]:
    """Each number field's thresholds: the loaded guideline's own (computed once, at load)."""
    return guideline.thresholds
