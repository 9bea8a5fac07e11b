"""Field domains: the finite classes of values that a guideline's conditions can tell apart.

Choices and booleans are their values; a set field is its subsets; a number is cut at the
thresholds that the guideline's conditions and derivations use. Verification explores these
classes, and traversal settles a leaf whose options depend on unknown fields by trying each.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .conditions import AllOf, AnyOf, Condition, FieldTest, Not
from .model import Field, FieldType, Step

if TYPE_CHECKING:
    from .guideline import Guideline

__all__ = ["domains", "field_domain", "thresholds"]


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


def _field_tests(condition: Condition) -> Iterator[FieldTest]:
    if isinstance(condition, FieldTest):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            yield from _field_tests(part)
    elif isinstance(condition, Not):
        yield from _field_tests(condition.part)


def thresholds(guideline: Guideline) -> dict[str, list[float]]:
    """For each number field, the thresholds that conditions and derivations cut it at."""
    cuts: dict[str, set[float]] = {}
    for condition in _conditions(guideline):
        for test in _field_tests(condition):
            if guideline.fields[test.field].type is FieldType.NUMBER:
                cuts.setdefault(test.field, set()).add(float(test.operand))
    for spec in guideline.fields.values():
        if spec.derive is not None:
            for _, _, bound in spec.derive.bins:
                if bound is not None:
                    cuts.setdefault(spec.derive.source, set()).add(bound)
    return {name: sorted(values) for name, values in cuts.items()}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def field_domain(spec: Field, cuts: Iterable[float] = ()) -> tuple[tuple[Any, str], ...]:
    """A field's domain as (representative value, description) pairs, one per class.

    >>> f = Field("age", FieldType.NUMBER, "", minimum=0, maximum=120)
    >>> [text for _, text in field_domain(f, [18, 65])]
    ['age in [0, 18)', 'age = 18', 'age in (18, 65)', 'age = 65', 'age in (65, 120]']
    """
    name = spec.name
    if spec.type is FieldType.BOOLEAN:
        return ((True, f"{name} = true"), (False, f"{name} = false"))
    if spec.type is FieldType.CHOICE:
        return tuple((v, f"{name} = {v}") for v in spec.values)
    if spec.type is FieldType.SET:
        subsets = itertools.chain.from_iterable(
            itertools.combinations(spec.values, size) for size in range(len(spec.values) + 1))
        return tuple((list(s), f"{name} = [{', '.join(s)}]") for s in subsets)
    low = spec.minimum if spec.minimum is not None else -math.inf
    high = spec.maximum if spec.maximum is not None else math.inf
    points = sorted({c for c in cuts if low <= c <= high})
    if not points:
        rep = low if math.isfinite(low) else (high if math.isfinite(high) else 0.0)
        return ((rep, f"{name} any value"),)
    domain: list[tuple[Any, str]] = []
    if low < points[0]:
        rep = low if math.isfinite(low) else points[0] - 1
        left = f"[{_num(low)}, " if math.isfinite(low) else "below "
        text = f"{name} in {left}{_num(points[0])})" if math.isfinite(low) \
            else f"{name} below {_num(points[0])}"
        domain.append((rep, text))
    for index, point in enumerate(points):
        domain.append((point, f"{name} = {_num(point)}"))
        upper = points[index + 1] if index + 1 < len(points) else None
        if upper is not None:
            domain.append(((point + upper) / 2, f"{name} in ({_num(point)}, {_num(upper)})"))
    if points[-1] < high:
        rep = high if math.isfinite(high) else points[-1] + 1
        text = f"{name} in ({_num(points[-1])}, {_num(high)}]" if math.isfinite(high) \
            else f"{name} above {_num(points[-1])}"
        domain.append((rep, text))
    return tuple(domain)



_CACHE: weakref.WeakKeyDictionary[Guideline, dict[str, tuple[tuple[Any, str], ...]]] = (
    weakref.WeakKeyDictionary())


def domains(guideline: Guideline) -> dict[str, tuple[tuple[Any, str], ...]]:
    """Every field's domain, computed once per loaded guideline."""
    found = _CACHE.get(guideline)
    if found is None:
        cuts = thresholds(guideline)
        found = {name: field_domain(spec, cuts.get(name, ()))
                 for name, spec in guideline.fields.items()}
        _CACHE[guideline] = found
    return found
