"""The frozen, typed pieces of a guideline: recommendations, fields, options, nodes and steps.

These are plain values built once by the loader. Nothing here reads files or evaluates
patients; :mod:`nettree.traverse` does the latter.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .conditions import Condition
from .words import number_text

__all__ = [
    "Branch",
    "ByCases",
    "Case",
    "Cite",
    "Decision",
    "Derivation",
    "Drop",
    "DropListed",
    "Fallback",
    "Field",
    "FieldType",
    "Leaf",
    "LeafKind",
    "NotRecommend",
    "NoteRule",
    "Offer",
    "Option",
    "Point",
    "PointSum",
    "Position",
    "Prefer",
    "RatingDimension",
    "RatingLevel",
    "RatingStyle",
    "Recommendation",
    "Remark",
    "Statement",
    "Step",
]


@dataclass(frozen=True)
class Position:
    """Where a thing was written: file, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class RatingDimension:
    """One dimension of the guideline's rating scheme (e.g. strength: S strong, W weak)."""

    name: str
    label: str
    codes: tuple[tuple[str, str], ...]

    def meaning(self, code: str) -> str:
        """The words for a code of this dimension."""
        return dict(self.codes)[code]


@dataclass(frozen=True)
class RatingLevel:
    """How one code of the dimension that orders recommendations is drawn: its ``rank``
    (0 orders first: the codes' order in the scheme), badge ``fill`` and ``ink`` (text)
    colours, and whether it is drawn in the harm style (red, with the word "harm")."""

    code: str
    meaning: str
    rank: int
    fill: str
    ink: str
    harm: bool = False

    @property
    def words(self) -> str:
        """Its meaning, saying "harm" in the harm style (once)."""
        if self.harm and "harm" not in self.meaning.lower():
            return f"{self.meaning} (harm)"
        return self.meaning


@dataclass(frozen=True)
class RatingStyle:
    """How recommendations' ratings are presented: the dimension that orders them and
    colours their badges (``dimension`` empty: none, every badge is drawn unrated), and
    each of its codes' level. Built once at load (the file's ``rating_style``, or the
    dimension named ``strength``); every exporter and legend reads it."""

    dimension: str = ""
    label: str = ""
    levels: tuple[RatingLevel, ...] = ()

    def level(self, rating: tuple[tuple[str, str], ...]) -> RatingLevel | None:
        """The level of a recommendation's rating (None: unrated)."""
        code = dict(rating).get(self.dimension) if self.dimension else None
        return next((lv for lv in self.levels if lv.code == code), None)


@dataclass(frozen=True)
class Statement:
    """A note or qualifying statement that follows a recommendation, verbatim."""

    id: str
    kind: str  # "note" or "qualifying"
    text: str
    recommendation: str
    supports: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    """A recommendation, verbatim, with its category, rating and statements."""

    id: str
    category: str
    text: str
    rating: tuple[tuple[str, str], ...]  # (dimension, code), in the scheme's order
    supports: tuple[str, ...]
    statements: tuple[Statement, ...]


class FieldType(Enum):
    """The kinds of patient field."""

    CHOICE = "choice"
    BOOLEAN = "boolean"
    NUMBER = "number"
    SET = "set"


@dataclass(frozen=True)
class Derivation:
    """How a choice field is derived from a number field when it is not given.

    ``bins`` are tried in order: ``(value, operator, bound)`` with operator ``below``,
    ``at_most`` or ``None`` (the catch-all last bin).
    """

    source: str
    bins: tuple[tuple[str, str | None, float | None], ...]
    given_may_exceed: bool

    def derive(self, number: float) -> str:
        """The value the bins give for ``number``."""
        for value, op, bound in self.bins:
            if op is None or bound is None:
                return value
            if (op == "below" and number < bound) or (op == "at_most" and number <= bound):
                return value
        raise AssertionError("the loader guarantees a catch-all bin")


@dataclass(frozen=True)
class Point:
    """One term of a :class:`PointSum`: ``points`` count when ``when`` holds."""

    points: int
    when: Condition
    position: Position


@dataclass(frozen=True)
class PointSum:
    """An integer field derived as a sum of points (a score such as CHA2DS2-VASc), written
    ``derive: {sum: [{points, when}, ...]}``; :mod:`nettree.derive` evaluates it."""

    points: tuple[Point, ...]

    @functools.cached_property
    def reads(self) -> tuple[str, ...]:
        """The fields its points' conditions read, sorted by name (made once)."""
        return tuple(sorted(frozenset().union(*(p.when.fields() for p in self.points))))


@dataclass(frozen=True)
class Case:
    """One case of a :class:`ByCases`: its ``value`` when ``when`` holds (None: otherwise,
    the last case only)."""

    value: Any
    when: Condition | None
    position: Position


@dataclass(frozen=True)
class ByCases:
    """A field derived by cases, written ``derive: {cases: [{value, when}, ...]}``: the first
    case whose condition holds gives the value; :mod:`nettree.derive` evaluates it."""

    cases: tuple[Case, ...]

    @property
    def otherwise(self) -> bool:
        """Whether the last case holds whatever happens (it has no ``when``)."""
        return self.cases[-1].when is None

    @functools.cached_property
    def reads(self) -> tuple[str, ...]:
        """The fields its cases' conditions read, sorted by name (made once)."""
        return tuple(sorted(frozenset().union(*(c.when.fields() for c in self.cases
                                                if c.when is not None))))


@dataclass(frozen=True)
class Field:
    """A patient field: its type, domain, default and what it means."""

    name: str
    type: FieldType
    description: str
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    has_default: bool = False
    default: Any = None
    if_absent: str = ""
    derive: Derivation | None = None
    integer: bool = False  # a number field of whole numbers only (written `type: integer`)

    @property
    def kind_name(self) -> str:
        """The type as a guideline file writes it (``integer`` for whole numbers)."""
        return "integer" if self.integer else self.type.value
    label: str = ""
    phrases: tuple[tuple[str, str], ...] = ()
    # Derived from other fields by a sum of points or by cases (never given by a patient).
    computed: PointSum | ByCases | None = None

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """The conditions of its derivation by points or cases (none for other fields)."""
        if isinstance(self.computed, PointSum):
            return tuple(p.when for p in self.computed.points)
        if isinstance(self.computed, ByCases):
            return tuple(c.when for c in self.computed.cases if c.when is not None)
        return ()

    @property
    def called(self) -> str:
        """The field as text for a reader names it: its ``label``, else its name."""
        return self.label or self.name

    def phrase(self, op: str, operand: Any, negated: bool = False) -> str | None:
        """A test of this field in the guideline's own display words (its ``label`` and
        ``phrases``), or None when the file gives none for it: the caller then shows the
        raw condition. A set's ``phrases`` say what containing a member means; a choice's
        negation lists the other values' phrases.

        >>> f = Field("volume", FieldType.CHOICE, "", values=("low", "high"),
        ...           phrases=(("low", "low volume"), ("high", "higher volume")))
        >>> f.phrase("is", "low"), f.phrase("is", "low", negated=True)
        ('low volume', 'higher volume')
        >>> Field("age", FieldType.NUMBER, "", label="age (years)").phrase("below", 18.0)
        'age (years) < 18'
        """
        words = dict(self.phrases)
        if self.type is FieldType.NUMBER:
            symbol = _SYMBOLS.get(op)
            if not self.label or symbol is None:
                return None
            symbol = _NEGATED_SYMBOLS[symbol] if negated else symbol
            return f"{self.label} {symbol} {number_text(float(operand))}"
        if self.type is FieldType.BOOLEAN and op == "is":
            return words.get("true" if bool(operand) != negated else "false")
        if self.type is FieldType.CHOICE and op in ("is", "in"):
            chosen = {operand} if op == "is" else set(operand)
            if negated:
                chosen = set(self.values) - chosen
            texts = [words.get(v) for v in self.values if v in chosen]
            return None if None in texts or not texts else " or ".join(map(str, texts))
        if self.type is FieldType.SET and op == "contains" and operand in words:
            return f"not {words[operand]}" if negated else words[operand]
        if self.type is FieldType.SET and op == "empty" and self.label:
            return f"no {self.label}" if bool(operand) != negated else f"some {self.label}"
        return None

    def allowed(self) -> str:
        """What this field accepts, in words, for error messages."""
        if self.type is FieldType.BOOLEAN:
            return "true or false"
        if self.type is FieldType.NUMBER:
            kind = "a whole number" if self.integer else "a number"
            return f"{kind} from {_num(self.minimum)} to {_num(self.maximum)}"
        listed = ", ".join(repr(v) for v in self.values)
        if self.type is FieldType.SET:
            return f"a list of {listed}"
        return f"one of {listed}"


_SYMBOLS = {"below": "<", "at_most": "\u2264", "above": ">", "at_least": "\u2265"}
_NEGATED_SYMBOLS = {"<": "\u2265", "\u2264": ">", ">": "\u2264", "\u2265": "<"}


def value_phrase(field: Field | None, value: Any) -> str | None:
    """A patient's value of ``field`` in the file's display words, or None when it gives
    none (the caller shows ``name = value``).

    >>> f = Field("drugs", FieldType.SET, "", values=("a", "b"), label="prior drugs",
    ...           phrases=(("a", "had drug A"), ("b", "had drug B")))
    >>> value_phrase(f, frozenset({"b", "a"})), value_phrase(f, frozenset())
    ('had drug A, had drug B', 'no prior drugs')
    """
    if field is None or value is None:
        return None
    if field.type is FieldType.SET:
        if not value:
            return field.phrase("empty", True)
        texts = [field.phrase("contains", v) for v in field.values if v in value]
        return None if None in texts else ", ".join(map(str, texts))
    if field.type is FieldType.NUMBER:
        return f"{field.label} {number_text(float(value))}" if field.label else None
    return field.phrase("is", value)


def _num(value: float | None) -> str:
    if value is None:
        return "any"
    return number_text(value)


@dataclass(frozen=True)
class Option:
    """Something a result can offer (a therapy, a test, a discussion)."""

    id: str
    label: str


class Phrases:
    """The guideline file's display words for conditions (see
    :class:`nettree.conditions.Words`): each field's phrases and each option's label."""

    def __init__(self, fields: Mapping[str, Field], options: Mapping[str, Option]) -> None:
        self.fields = fields
        self.options = options

    def field(self, name: str, op: str, operand: Any, negated: bool) -> str | None:
        known = self.fields.get(name)
        return None if known is None else known.phrase(op, operand, negated)

    def option(self, option: str) -> str:
        known = self.options.get(option)
        return option if known is None else known.label


# Steps: what a leaf (and the global filters) do to the options of a result, in order.


@dataclass(frozen=True)
class Offer:
    """Offer ``option`` citing ``cites`` when ``when`` holds (always when ``when`` is None)."""

    option: str
    cites: tuple[str, ...]
    when: Condition | None
    position: Position
    encoding: str = field(default="", compare=False)  # how the source was read, if said


@dataclass(frozen=True)
class Drop:
    """Remove these options, if offered, when ``when`` holds; report them as excluded."""

    options: tuple[str, ...]
    when: Condition | None
    reason: str
    cites: tuple[str, ...]
    position: Position
    encoding: str = field(default="", compare=False)


@dataclass(frozen=True)
class DropListed:
    """Remove every offered option whose id is listed in the set field ``field``."""

    field: str
    reason: str
    cites: tuple[str, ...]
    position: Position


@dataclass(frozen=True)
class Cite:
    """Add citations to offered options (``to`` None means every option) when ``when`` holds."""

    cites: tuple[str, ...]
    to: tuple[str, ...] | None
    when: Condition | None
    position: Position
    encoding: str = field(default="", compare=False)


@dataclass(frozen=True)
class NotRecommend:
    """Mark ``options`` as not recommended for the patient, citing ``cites``, when ``when``
    holds: removed if offered (never offered later) and reported under ``not_recommended``."""

    options: tuple[str, ...]
    cites: tuple[str, ...]
    when: Condition | None
    position: Position
    encoding: str = field(default="", compare=False)


@dataclass(frozen=True)
class Prefer:
    """When ``option`` is offered (and ``when`` holds), it is preferred over the options of
    ``over`` still offered in the end; ``cites`` join its citations."""

    option: str
    over: tuple[str, ...]
    cites: tuple[str, ...]
    when: Condition | None
    position: Position
    encoding: str = field(default="", compare=False)


Step = Offer | Drop | DropListed | Cite | NotRecommend | Prefer


@dataclass(frozen=True)
class Fallback:
    """What a recommendation result offers when every option was filtered away."""

    option: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Remark:
    """A line added to a note when ``when`` is true (omitted when false or unknown)."""

    when: Condition
    text: str


@dataclass(frozen=True)
class NoteRule:
    """Show statement ``statement`` with a recommendation result when ``when`` holds."""

    statement: str
    when: Condition | None
    remarks: tuple[Remark, ...]
    position: Position


@dataclass(frozen=True)
class Branch:
    """One answer of a decision: where to go when ``when`` holds."""

    answer: str
    when: Condition
    to: str
    position: Position


@dataclass(frozen=True)
class Decision:
    """A question about the patient, answered by exactly one branch."""

    id: str
    question: str
    reads: tuple[str, ...]
    branches: tuple[Branch, ...]
    position: Position
    encoding: str = ""

    def branch_to(self, answer: str | None) -> str:
        """Where the branch with this answer goes."""
        return next(b.to for b in self.branches if b.answer == answer)


class LeafKind(Enum):
    """What a leaf concludes."""

    RECOMMENDATION = "recommendation"
    OUT_OF_SCOPE = "out_of_scope"
    NEEDS_INFORMATION = "needs_information"


@dataclass(frozen=True)
class Leaf:
    """An end of the graph: a recommendation, out of scope, or a request for information."""

    id: str
    kind: LeafKind
    label: str
    reason: str
    missing: tuple[str, ...]
    uses: tuple[str, ...]  # the step sets it names, for display
    steps: tuple[Step, ...]  # every step, the sets expanded, in order
    position: Position
    encoding: str = ""
