"""Conditions: small trees of data evaluated in three values (true, false, unknown).

A condition never runs code from a file. It tests one field (``sstr_status is positive``,
``ki67 below 10``, ``prior_therapies contains ssa``), combines others with ``all``/``any``/``not``
under Kleene's rules, or asks what a result offers so far (``offered``, ``cited``).
``None`` stands for unknown: a field the patient did not give and that has no default.

>>> ctx = Context({"sstr_status": "negative", "functional": None})
>>> cond = AnyOf((FieldTest("sstr_status", "is", "positive"), FieldTest("functional", "is", True)))
>>> cond.evaluate(ctx) is None, sorted(cond.missing(ctx))
(True, ['functional'])
>>> str(cond)
'any of (sstr_status is positive; functional is true)'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

__all__ = [
    "AllOf",
    "AnyOf",
    "Cited",
    "Condition",
    "Context",
    "FieldTest",
    "Not",
    "Offered",
    "PartialSet",
    "Tri",
    "describe_value",
]

Tri = bool | None
"""A three-valued truth value: True, False, or None for unknown."""


@dataclass(frozen=True)
class PartialSet:
    """A set field known only in part: ``present`` are in it, ``absent`` are not, the rest of
    ``universe`` is unknown. Verification explores set fields element by element with it;
    a patient's own sets are always complete (plain frozensets).

    >>> s = PartialSet(frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b", "c"}))
    >>> s.has("a"), s.has("b"), s.has("c"), s.is_empty()
    (True, False, None, False)
    """

    present: frozenset[str]
    absent: frozenset[str]
    universe: frozenset[str]

    def has(self, item: str) -> Tri:
        if item in self.present:
            return True
        if item in self.absent or item not in self.universe:
            return False
        return None

    def is_empty(self) -> Tri:
        if self.present:
            return False
        return True if self.absent >= self.universe else None

    def undecided(self, order: Iterable[str]) -> list[str]:
        return [v for v in order if v not in self.present and v not in self.absent]

    def __str__(self) -> str:
        text = f"[{', '.join(sorted(self.present))}]"
        if self.absent:
            text += f" without [{', '.join(sorted(self.absent))}]"
        if self.undecided(sorted(self.universe)):
            text += " (others any)"
        return text


class Context:
    """What a condition is evaluated against: field values, the options offered so far.

    ``reads`` records every field a condition looked at (with its value), so a result can show
    the values that decided each step and list the defaults it relied on. ``asked`` (only for
    partly known sets) records which element an unknown answer hinged on.
    """

    __slots__ = ("asked", "offered", "reads", "values")

    def __init__(
        self,
        values: Mapping[str, Any],
        offered: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.values = values
        self.offered: Mapping[str, Iterable[str]] = offered if offered is not None else {}
        self.reads: dict[str, Any] = {}
        self.asked: list[tuple[str, str | None]] = []


def describe_value(value: Any) -> str:
    """A value as the guideline file would write it.

    >>> describe_value(True), describe_value(12.0), describe_value(frozenset({"b", "a"}))
    ('true', '12', '[a, b]')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, frozenset | set | list | tuple):
        return "[" + ", ".join(sorted(describe_value(v) for v in value)) + "]"
    if value is None:
        return "unknown"
    return str(value)  # a PartialSet describes itself


class Condition:
    """Base class of conditions. Subclasses are frozen dataclasses."""

    def evaluate(self, ctx: Context) -> Tri:
        """True, False or None (unknown) for this context."""
        raise NotImplementedError

    def missing(self, ctx: Context) -> set[str]:
        """The unknown fields that make this condition unknown (empty unless it is unknown)."""
        raise NotImplementedError

    def fields(self) -> frozenset[str]:
        """Every patient field this condition may read."""
        raise NotImplementedError


# The operators a field test may use, by field type; the checks live in the loader.
OPERATORS = ("is", "in", "below", "at_most", "above", "at_least", "contains", "empty")
_OPERATOR_WORDS = {
    "is": "is",
    "in": "is one of",
    "below": "is below",
    "at_most": "is at most",
    "above": "is above",
    "at_least": "is at least",
    "contains": "contains",
}


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "is": lambda value, operand: bool(value == operand),
    "in": lambda value, operand: value in operand,
    "below": lambda value, operand: bool(value < operand),
    "at_most": lambda value, operand: bool(value <= operand),
    "above": lambda value, operand: bool(value > operand),
    "at_least": lambda value, operand: bool(value >= operand),
    "contains": lambda value, operand: operand in value,
    "empty": lambda value, operand: (len(value) == 0) == operand,
}


@dataclass(frozen=True)
class FieldTest(Condition):
    """One test of one field: ``field op operand``."""

    field: str
    op: str
    operand: Any
    _test: Callable[[Any, Any], bool] = dataclass_field(init=False, repr=False, compare=False)
    _on_set: bool = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Compiled once: evaluation is then one lookup and one call.
        object.__setattr__(self, "_test", _TESTS[self.op])
        object.__setattr__(self, "_on_set", self.op in ("contains", "empty"))

    def evaluate(self, ctx: Context) -> Tri:
        value = ctx.values.get(self.field)
        ctx.reads[self.field] = value
        if value is None:
            return None
        if self._on_set and type(value) is PartialSet:
            answer = value.has(self.operand) if self.op == "contains" else (
                None if value.is_empty() is None else value.is_empty() == self.operand)
            if answer is None:
                ctx.asked.append((self.field, self.operand if self.op == "contains" else None))
            return answer
        return self._test(value, self.operand)

    def missing(self, ctx: Context) -> set[str]:
        value = ctx.values.get(self.field)
        if value is None or (isinstance(value, PartialSet) and self.evaluate(ctx) is None):
            return {self.field}
        return set()

    def fields(self) -> frozenset[str]:
        return frozenset((self.field,))

    def __str__(self) -> str:
        if self.op == "empty":
            return f"{self.field} is {'empty' if self.operand else 'not empty'}"
        return f"{self.field} {_OPERATOR_WORDS[self.op]} {describe_value(self.operand)}"


@dataclass(frozen=True)
class AllOf(Condition):
    """True when every part is true; false as soon as one is false (Kleene conjunction)."""

    parts: tuple[Condition, ...]

    def evaluate(self, ctx: Context) -> Tri:
        result: Tri = True
        for part in self.parts:
            value = part.evaluate(ctx)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    def missing(self, ctx: Context) -> set[str]:
        if self.evaluate(ctx) is not None:
            return set()
        return set().union(*(p.missing(ctx) for p in self.parts if p.evaluate(ctx) is None))

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(p.fields() for p in self.parts))

    def __str__(self) -> str:
        return "all of (" + "; ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class AnyOf(Condition):
    """True as soon as one part is true; false when every part is false (Kleene disjunction)."""

    parts: tuple[Condition, ...]

    def evaluate(self, ctx: Context) -> Tri:
        result: Tri = False
        for part in self.parts:
            value = part.evaluate(ctx)
            if value is True:
                return True
            if value is None:
                result = None
        return result

    def missing(self, ctx: Context) -> set[str]:
        if self.evaluate(ctx) is not None:
            return set()
        return set().union(*(p.missing(ctx) for p in self.parts if p.evaluate(ctx) is None))

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(p.fields() for p in self.parts))

    def __str__(self) -> str:
        return "any of (" + "; ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class Not(Condition):
    """The negation; unknown stays unknown."""

    part: Condition

    def evaluate(self, ctx: Context) -> Tri:
        value = self.part.evaluate(ctx)
        return None if value is None else not value

    def missing(self, ctx: Context) -> set[str]:
        return self.part.missing(ctx)

    def fields(self) -> frozenset[str]:
        return self.part.fields()

    def __str__(self) -> str:
        return f"not ({self.part})"


@dataclass(frozen=True)
class Offered(Condition):
    """True when the result offers, at this point, any of these options."""

    options: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return any(option in ctx.offered for option in self.options)

    def missing(self, ctx: Context) -> set[str]:
        return set()

    def fields(self) -> frozenset[str]:
        return frozenset()

    def __str__(self) -> str:
        return "offered: " + ", ".join(self.options)


@dataclass(frozen=True)
class Cited(Condition):
    """True when some option offered at this point cites any of these recommendations/statements."""

    cites: tuple[str, ...]
    _wanted: frozenset[str] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_wanted", frozenset(self.cites))

    def evaluate(self, ctx: Context) -> Tri:
        return any(not self._wanted.isdisjoint(cites) for cites in ctx.offered.values())

    def missing(self, ctx: Context) -> set[str]:
        return set()

    def fields(self) -> frozenset[str]:
        return frozenset()

    def __str__(self) -> str:
        return "an offered option cites " + ", ".join(self.cites)
