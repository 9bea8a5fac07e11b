"""Conditions: small trees of data evaluated in three values (true, false, unknown).

A condition never runs code from a file. It tests one field (``sstr_status is positive``,
``ki67 below 10``, ``prior_therapies contains ssa``), combines others with ``all``/``any``/``not``
under Kleene's rules, asks what a result offers so far (``offered``, ``cited``), or stands for
a named condition of the file's ``conditions`` section (:class:`Named`, shown by its label).
``None`` stands for unknown: a field the patient did not give and that has no default.

Every operation over conditions lives here, as methods of the condition classes: no other
module tells the classes apart. The operations (see :class:`Condition`) are evaluation,
the fields a condition reads and its field tests, its text (long and short), its
simplification under known values, and its data for the HTML page.

>>> ctx = Context({"sstr_status": "negative", "functional": None})
>>> cond = AnyOf((FieldTest("sstr_status", "is", "positive"), FieldTest("functional", "is", True)))
>>> cond.evaluate(ctx) is None, sorted(cond.missing(ctx))
(True, ['functional'])
>>> str(cond)
'any of (sstr_status is positive; functional is true)'
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any, ClassVar, Protocol

from .words import number_text, plain

__all__ = [
    "OPERATIONS",
    "AllOf",
    "AnyOf",
    "Cited",
    "Condition",
    "Context",
    "FieldTest",
    "Junction",
    "Known",
    "Named",
    "Not",
    "OfferTest",
    "Offered",
    "PartialSet",
    "Possible",
    "Tri",
    "Words",
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


@dataclass(frozen=True)
class Possible:
    """A derived field's value known only in part (:mod:`nettree.derive`): one of
    ``values``, depending on the unknown ``inputs`` (the fields a patient can give), or, when
    ``gap``, possibly none (its cases may all fail). A test of it is decided when every
    possible value decides it alike; otherwise it is unknown and missing the ``inputs``.

    >>> score = Possible(frozenset({2.0, 3.0}), frozenset({"age"}))
    >>> FieldTest("score", "at_least", 2).evaluate(Context({"score": score}))
    True
    >>> t = FieldTest("score", "at_least", 3)
    >>> t.evaluate(Context({"score": score})), t.missing(Context({"score": score}))
    (None, {'age'})
    """

    values: frozenset[Any]
    inputs: frozenset[str]
    gap: bool = False

    def __str__(self) -> str:
        shown = ", ".join(describe_value(v) for v in sorted(self.values))
        return f"one of {shown} (unknown: {', '.join(sorted(self.inputs))})"


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
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, frozenset | set | list | tuple):
        return "[" + ", ".join(sorted(describe_value(v) for v in value)) + "]"
    if value is None:
        return "unknown"
    return str(value)  # a PartialSet describes itself


class Words(Protocol):
    """Display words for a condition's parts (the guideline file's phrases): a field test's
    phrase (None: show it raw) and an option's name."""

    def field(self, name: str, op: str, operand: Any, negated: bool) -> str | None: ...

    def option(self, option: str) -> str: ...


Known = Mapping[str, frozenset[Any]]
"""What is known about fields at a point: the values each may still have."""


OPERATIONS = ("evaluate", "missing", "fields", "field_tests", "simplify", "describe",
              "to_data", "__str__")
"""What every condition class implements (the test suite checks each class does)."""


class Condition:
    """Base class of conditions. Subclasses are frozen dataclasses.

    Adding an operator
    ------------------
    A new operator is one frozen dataclass subclass of :class:`Condition` in this module
    (add it to ``__all__``; a new kind of ``and``/``or`` extends :class:`Junction`, a new
    test of what is offered extends :class:`OfferTest`, and inherits what they share). It
    implements every operation in :data:`OPERATIONS`:

    - ``evaluate(ctx)``: True, False or None (unknown), under Kleene's rules; a field read
      goes through a :class:`FieldTest` (or records itself in ``ctx.reads``);
    - ``missing(ctx)``: the unknown fields that make it unknown;
    - ``fields()``: every patient field it may read;
    - ``field_tests()``: its :class:`FieldTest` leaves: verification cuts number fields at
      their operands, so an operator reading a field must expose its tests here;
    - ``simplify(known, possible, cites)``: itself with what is known replaced by truth
      values (a diagram's short conditions, what a focus leaves reachable);
    - ``describe()``: the short text a diagram shows (``age < 18 or smoker = true``);
    - ``to_data()``: JSON-ready data for the HTML page's engine (a new ``"t"`` tag);
    - ``__str__``: the long text of results and explanations (``age is below 18``).

    The other methods have a default right for any operator and are overridden only by
    those they concern: ``_describe_negated`` (the short text under ``not``: a field test
    says ``x \u2260 v``), ``_describe_within`` (parentheses inside another ``and``/``or``),
    ``conjuncts`` (an ``all`` is its parts) and ``negation_of`` (a ``not``'s part).
    ``decided_by`` is written once for every operator.

    Outside the Python engine, a new operator also needs its spelling in the guideline
    file (the loader's condition compiler builds it) and its ``"t"`` tag in the page's
    script (``export/page.js``), which evaluates the data of ``to_data``.
    """

    def evaluate(self, ctx: Context) -> Tri:
        """True, False or None (unknown) for this context."""
        raise NotImplementedError

    def missing(self, ctx: Context) -> set[str]:
        """The unknown fields that make this condition unknown (empty unless it is unknown)."""
        raise NotImplementedError

    def fields(self) -> frozenset[str]:
        """Every patient field this condition may read."""
        raise NotImplementedError

    def field_tests(self) -> Iterator[FieldTest]:
        """Every field test in this condition, in order."""
        raise NotImplementedError

    def simplify(self, known: Known, possible: Collection[str] = (),
                 cites: Collection[str] = ()) -> Condition | bool:
        """This condition with what ``known`` decides replaced by truth values (Kleene's rules).

        ``known`` maps fields to the values they may still have. ``possible`` are the
        options that may have been offered at this point and ``cites`` their possible
        citations: an ``offered``/``cited`` test of none of them is false.

        >>> c = AllOf((FieldTest("site", "is", "gi"), FieldTest("risk", "is", True)))
        >>> c.simplify({"site": frozenset({"gi"})}).describe()
        'risk = true'
        >>> c.simplify({"site": frozenset({"pancreas", "other"})})
        False
        """
        raise NotImplementedError

    def describe(self, words: Words | None = None) -> str:
        """This condition in short words, as a diagram shows it; with ``words``, in the
        guideline file's display phrases where it has them.

        >>> AnyOf((FieldTest("sstr_status", "is", "positive"),
        ...        AllOf((FieldTest("ki67", "below", 10.0),
        ...               Not(FieldTest("x", "is", True)))))).describe()
        'sstr_status = positive or (ki67 < 10 and x \u2260 true)'
        """
        raise NotImplementedError

    def to_data(self) -> dict[str, Any]:
        """JSON-ready data for the HTML page's engine: ``{"t": tag, ...}``.

        >>> Not(FieldTest("grade", "in", frozenset({"G2", "G1"}))).to_data()
        {'t': 'not', 'p': {'t': 'field', 'f': 'grade', 'op': 'in', 'v': ['G1', 'G2']}}
        """
        raise NotImplementedError

    # -- written once for every operator

    def decided_by(self, name: str, values: Iterable[Any]) -> Tri:
        """True (False) when this condition, a test of field ``name`` alone, holds (fails)
        for every one of ``values``; None when it depends on which.

        >>> FieldTest("age", "below", 18).decided_by("age", (3, 12)), \\
        ...     FieldTest("age", "below", 18).decided_by("age", (3, 40))
        (True, None)
        """
        outcomes = {self.evaluate(Context({name: value})) for value in values}
        return outcomes.pop() if len(outcomes) == 1 else None

    def walk(self) -> Iterator[Condition]:
        """This condition and every condition inside it, iteratively (a deeply nested
        condition must not exhaust the stack).

        >>> [c.describe() for c in Not(AllOf((FieldTest("a", "is", True),
        ...                                    FieldTest("b", "is", False)))).walk()]
        ['not (a = true and b = false)', 'a = true and b = false', 'a = true', 'b = false']
        """
        stack: list[Condition] = [self]
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(current.inner()))

    # -- defaults, overridden only by the operators they concern

    def inner(self) -> tuple[Condition, ...]:
        """The conditions directly inside this one (none for a test)."""
        return ()

    def options_read(self, options: Collection[str], certain: Collection[str],
                     offered: Mapping[str, Collection[str]]) -> set[str]:
        """Of ``options`` (offered for now, but which a later filter may still drop), those
        whose being offered this test, alone and not its parts, may turn on. ``certain`` are
        the options that stay offered whatever happens, ``offered`` each option's citations.
        Only a test of what is offered reads options: a field test reads none."""
        return set()

    def conjuncts(self, *, named: bool = False) -> tuple[Condition, ...]:
        """The conditions that must all hold for this one to hold: itself, or an ``all``'s
        parts; ``named``: a named condition's too (what it stands for, not its name).

        >>> n = Named("pair", "a pair", AllOf((FieldTest("a", "is", 1), FieldTest("b", "is", 2))))
        >>> [str(c) for c in n.conjuncts()], [str(c) for c in n.conjuncts(named=True)]
        (['a pair'], ['a is 1', 'b is 2'])
        """
        return (self,)

    def _opened(self) -> tuple[Condition, ...]:
        """Itself as an ``all``'s part, when its named parts are opened (``conjuncts``)."""
        return (self,)

    def negation_of(self) -> Condition | None:
        """The condition this one negates, when it is a ``not``."""
        return None

    def extent(self) -> tuple[int, int]:
        """How many conditions it holds, and how deep they nest, with each named condition in
        it counted in place (what evaluating it may visit), without recursion.

        >>> pair = Named("pair", "pair", AllOf((FieldTest("a", "is", 1), FieldTest("b", "is", 2))))
        >>> pair.extent(), AnyOf((pair, Not(pair))).extent()
        ((4, 3), (10, 5))
        """
        nodes = deepest = 0
        stack: list[tuple[Condition, int]] = [(self, 1)]
        while stack:
            current, depth = stack.pop()
            if isinstance(current, Named) and current is not self:  # measured when made
                inside, below = current._extent
                nodes, deepest = nodes + inside, max(deepest, depth - 1 + below)
                continue
            nodes, deepest = nodes + 1, max(deepest, depth)
            stack.extend((part, depth + 1) for part in current.inner())
        return nodes, deepest

    def names(self) -> frozenset[str]:
        """The named conditions this one uses, itself included, and those they use.

        >>> Not(Named("x", "x", FieldTest("a", "is", True))).names()
        frozenset({'x'})
        """
        return frozenset(part.name for part in self.walk() if isinstance(part, Named))

    def about_result(self) -> bool:
        """Whether it tests what a result offers (``offered``, ``cited``), within a named
        condition too: such a condition cannot be a decision's.

        >>> Named("n", "n", Not(Offered(("x",)))).about_result()
        True
        """
        return any(isinstance(part, OfferTest) for part in self.walk())

    def _describe_negated(self, words: Words | None = None) -> str:
        """The short text of ``not`` this condition."""
        return f"not ({self.describe(words)})"

    def _describe_within(self, joiner: str, words: Words | None = None) -> str:
        """The short text of this condition as a part of an ``and``/``or`` (``joiner``)."""
        return self.describe(words)


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
_SYMBOLS = {"is": "=", "below": "<", "at_most": "\u2264", "above": ">", "at_least": "\u2265"}


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
    """One test of one field: ``field op operand``.

    >>> t = FieldTest("prior_therapies", "contains", "ssa")
    >>> str(t), t.describe(), Not(t).describe()
    ('prior_therapies contains ssa', 'ssa in prior_therapies', 'ssa not in prior_therapies')
    >>> FieldTest("grade", "in", frozenset({"G2", "G1"})).describe()
    'grade in (G1, G2)'
    >>> Not(FieldTest("drugs", "empty", True)).describe()
    'drugs not empty'
    """

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
        if type(value) is Possible:  # a derived value known in part: read as unknown
            ctx.reads[self.field] = None
            outcomes = {self._test(v, self.operand) for v in value.values}
            return outcomes.pop() if len(outcomes) == 1 and not value.gap else None
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
        if type(value) is Possible:  # the patient gives its inputs, never the value itself
            return set(value.inputs) if self.evaluate(ctx) is None else set()
        if value is None or (isinstance(value, PartialSet) and self.evaluate(ctx) is None):
            return {self.field}
        return set()

    def fields(self) -> frozenset[str]:
        return frozenset((self.field,))

    def field_tests(self) -> Iterator[FieldTest]:
        yield self

    def simplify(self, known: Known, possible: Collection[str] = (),
                 cites: Collection[str] = ()) -> Condition | bool:
        values = known.get(self.field)
        if values is None:
            return self
        outcome = self.decided_by(self.field, values)
        return self if outcome is None else outcome

    def describe(self, words: Words | None = None) -> str:
        if words is not None and (
                phrase := words.field(self.field, self.op, self.operand, False)) is not None:
            return phrase
        if self.op == "contains":
            return f"{describe_value(self.operand)} in {self.field}"
        if self.op == "empty":
            return f"{self.field} {'empty' if self.operand else 'not empty'}"
        if self.op == "in":
            return f"{self.field} in ({', '.join(sorted(map(describe_value, self.operand)))})"
        return f"{self.field} {_SYMBOLS[self.op]} {describe_value(self.operand)}"

    def _describe_negated(self, words: Words | None = None) -> str:
        if words is not None and (
                phrase := words.field(self.field, self.op, self.operand, True)) is not None:
            return phrase
        if self.op == "is":
            return f"{self.field} \u2260 {describe_value(self.operand)}"
        if self.op == "empty":
            return FieldTest(self.field, "empty", not self.operand).describe()
        if self.op == "contains":
            return f"{describe_value(self.operand)} not in {self.field}"
        return super()._describe_negated(words)

    def to_data(self) -> dict[str, Any]:
        return {"t": "field", "f": self.field, "op": self.op, "v": plain(self.operand)}

    def __str__(self) -> str:
        if self.op == "empty":
            return f"{self.field} is {'empty' if self.operand else 'not empty'}"
        return f"{self.field} {_OPERATOR_WORDS[self.op]} {describe_value(self.operand)}"


@dataclass(frozen=True)
class Junction(Condition):
    """What ``all`` and ``any`` share: parts, one truth value that decides (false for
    ``all``, true for ``any``), and their words. Only its subclasses are conditions."""

    parts: tuple[Condition, ...]

    _decisive: ClassVar[bool]  # the part's value that decides the whole
    _otherwise: ClassVar[bool]  # the whole's value when every part is known and none decides
    _tag: ClassVar[str]  # the page's tag, as the guideline file spells it
    _words: ClassVar[str]  # the long text's opening
    _joiner: ClassVar[str]  # between parts in the short text

    def evaluate(self, ctx: Context) -> Tri:
        decisive = self._decisive
        result: Tri = self._otherwise
        for part in self.parts:
            value = part.evaluate(ctx)
            if value is decisive:
                return decisive
            if value is None:
                result = None
        return result

    def missing(self, ctx: Context) -> set[str]:
        if self.evaluate(ctx) is not None:
            return set()
        return set().union(*(p.missing(ctx) for p in self.parts if p.evaluate(ctx) is None))

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(p.fields() for p in self.parts))

    def inner(self) -> tuple[Condition, ...]:
        return self.parts

    def field_tests(self) -> Iterator[FieldTest]:
        return _tests_within(self)

    def simplify(self, known: Known, possible: Collection[str] = (),
                 cites: Collection[str] = ()) -> Condition | bool:
        decisive = self._decisive
        kept: list[Condition] = []
        for sub in self.parts:
            part = sub.simplify(known, possible, cites)
            if part is decisive:
                return decisive
            if not isinstance(part, bool):
                kept.append(part)
        if not kept:
            return not decisive
        return kept[0] if len(kept) == 1 else type(self)(tuple(kept))

    def describe(self, words: Words | None = None) -> str:
        return self._joiner.join(p._describe_within(self._joiner, words) for p in self.parts)

    def _describe_within(self, joiner: str, words: Words | None = None) -> str:
        text = self.describe(words)
        return text if joiner == self._joiner else f"({text})"

    def to_data(self) -> dict[str, Any]:
        return {"t": self._tag, "p": [p.to_data() for p in self.parts]}

    def __str__(self) -> str:
        return f"{self._words} (" + "; ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class AllOf(Junction):
    """True when every part is true; false as soon as one is false (Kleene conjunction)."""

    _decisive: ClassVar[bool] = False
    _otherwise: ClassVar[bool] = True
    _tag: ClassVar[str] = "all"
    _words: ClassVar[str] = "all of"
    _joiner: ClassVar[str] = " and "

    def conjuncts(self, *, named: bool = False) -> tuple[Condition, ...]:
        if not named:
            return self.parts
        return tuple(c for part in self.parts for c in part._opened())


@dataclass(frozen=True)
class AnyOf(Junction):
    """True as soon as one part is true; false when every part is false (Kleene disjunction)."""

    _decisive: ClassVar[bool] = True
    _otherwise: ClassVar[bool] = False
    _tag: ClassVar[str] = "any"
    _words: ClassVar[str] = "any of"
    _joiner: ClassVar[str] = " or "


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

    def field_tests(self) -> Iterator[FieldTest]:
        return _tests_within(self)

    def simplify(self, known: Known, possible: Collection[str] = (),
                 cites: Collection[str] = ()) -> Condition | bool:
        part = self.part.simplify(known, possible, cites)
        return (not part) if isinstance(part, bool) else Not(part)

    def describe(self, words: Words | None = None) -> str:
        return self.part._describe_negated(words)

    def negation_of(self) -> Condition:
        return self.part

    def inner(self) -> tuple[Condition, ...]:
        return (self.part,)

    def to_data(self) -> dict[str, Any]:
        return {"t": "not", "p": self.part.to_data()}

    def __str__(self) -> str:
        return f"not ({self.part})"


@dataclass(frozen=True)
class OfferTest(Condition):
    """What ``offered`` and ``cited`` share: they read no patient field, only the options
    offered so far, so they are never unknown. Only its subclasses are conditions."""

    def missing(self, ctx: Context) -> set[str]:
        return set()

    def fields(self) -> frozenset[str]:
        return frozenset()

    def field_tests(self) -> Iterator[FieldTest]:
        return iter(())


@dataclass(frozen=True)
class Offered(OfferTest):
    """True when the result offers, at this point, any of these options."""

    options: tuple[str, ...]

    def evaluate(self, ctx: Context) -> Tri:
        return any(option in ctx.offered for option in self.options)

    def options_read(self, options: Collection[str], certain: Collection[str],
                     offered: Mapping[str, Collection[str]]) -> set[str]:
        # Only when no option that stays offered already makes the test true.
        if set(certain).intersection(self.options):
            return set()
        return set(options).intersection(self.options)

    def simplify(self, known: Known, possible: Collection[str] = (),
                 cites: Collection[str] = ()) -> Condition | bool:
        return self if set(self.options) & set(possible) else False

    def describe(self, words: Words | None = None) -> str:
        names = [words.option(o) for o in self.options] if words else self.options
        return f"{' or '.join(names)} offered"

    def to_data(self) -> dict[str, Any]:
        return {"t": "offered", "o": list(self.options)}

    def __str__(self) -> str:
        return "offered: " + ", ".join(self.options)


@dataclass(frozen=True)
class Cited(OfferTest):
    """True when some option offered at this point cites any of these recommendations/statements."""

    cites: tuple[str, ...]
    _wanted: frozenset[str] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_wanted", frozenset(self.cites))

    def evaluate(self, ctx: Context) -> Tri:
        return any(not self._wanted.isdisjoint(cites) for cites in ctx.offered.values())

    def options_read(self, options: Collection[str], certain: Collection[str],
                     offered: Mapping[str, Collection[str]]) -> set[str]:
        # Only when no option that stays offered already makes the test true.
        if any(not self._wanted.isdisjoint(offered[o]) for o in certain):
            return set()
        return {o for o in options if not self._wanted.isdisjoint(offered.get(o, ()))}

    def simplify(self, known: Known, possible: Collection[str] = (),
                 cites: Collection[str] = ()) -> Condition | bool:
        return self if set(self.cites) & set(cites) else False

    def describe(self, words: Words | None = None) -> str:
        return f"an option cites {' or '.join(self.cites)}"

    def to_data(self) -> dict[str, Any]:
        return {"t": "cited", "c": list(self.cites)}

    def __str__(self) -> str:
        return "an offered option cites " + ", ".join(self.cites)


@dataclass(frozen=True)
class Named(Condition):
    """A named condition of the guideline file's ``conditions`` section, where it is used
    (``{is: name}``): it holds when its condition ``when`` holds, and is shown by its
    ``label`` (raw, as ``is name``).

    >>> n = Named("valve", "valve disease", AnyOf((FieldTest("mech", "is", True),
    ...                                            FieldTest("ms", "is", True))))
    >>> n.evaluate(Context({"mech": False, "ms": None})), sorted(n.missing(Context({})))
    (None, ['mech', 'ms'])
    >>> str(n), n.describe(), Not(n).describe(), str(Not(n))
    ('valve disease', 'is valve', 'is not valve', 'not (valve disease)')
    >>> n.simplify({"mech": frozenset({False})}).describe()
    'is valve'
    >>> n.to_data()
    {'t': 'is', 'n': 'valve'}
    """

    name: str
    label: str
    when: Condition
    _extent: tuple[int, int] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Measured once, each named condition inside having measured itself before.
        object.__setattr__(self, "_extent", self.extent())

    def evaluate(self, ctx: Context) -> Tri:
        return self.when.evaluate(ctx)

    def missing(self, ctx: Context) -> set[str]:
        return self.when.missing(ctx)

    def fields(self) -> frozenset[str]:
        return self.when.fields()

    def field_tests(self) -> Iterator[FieldTest]:
        return _tests_within(self)

    def inner(self) -> tuple[Condition, ...]:
        return (self.when,)

    def simplify(self, known: Known, possible: Collection[str] = (),
                 cites: Collection[str] = ()) -> Condition | bool:
        # What is known decides it, or leaves it as it is called: where it is not decided,
        # it holds exactly when its condition so simplified does.
        when = self.when.simplify(known, possible, cites)
        return when if isinstance(when, bool) else replace(self, when=when)

    def conjuncts(self, *, named: bool = False) -> tuple[Condition, ...]:
        return self.when.conjuncts(named=True) if named else (self,)

    def _opened(self) -> tuple[Condition, ...]:
        return self.conjuncts(named=True)

    def describe(self, words: Words | None = None) -> str:
        return self.label if words is not None else f"is {self.name}"

    def _describe_negated(self, words: Words | None = None) -> str:
        return f"not ({self.label})" if words is not None else f"is not {self.name}"

    def _describe_within(self, joiner: str, words: Words | None = None) -> str:
        text = self.describe(words)
        return f"({text})" if words is not None and (" and " in text or " or " in text) \
            else text

    def to_data(self) -> dict[str, Any]:
        return {"t": "is", "n": self.name}

    def __str__(self) -> str:
        return self.label


def _tests_within(condition: Condition) -> Iterator[FieldTest]:
    """The field tests inside ``and``/``or``/``not``, in order, without recursion (a deeply
    nested condition must not exhaust the stack)."""
    return (part for part in condition.walk() if isinstance(part, FieldTest))
