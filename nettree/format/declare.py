"""The guideline file format, declared once, as data.

Each record type is a :class:`Record`: its keys, whether each is required, the kind of value it
takes and one line of documentation. The loader's walker checks every record against this table
(unknown and missing keys, values that must be a set), :mod:`nettree.format.schema` turns it into
a JSON Schema and :mod:`nettree.format.docs` into the key tables of ``graphs/README.md``. A new
key is added here, once.

Value kinds (:class:`Kind`): ``text``, ``id`` (a name written as a text), ``ids`` (one id or a
list of distinct ids), ``number``, ``boolean``, ``one of`` (a fixed set of words), ``condition``,
``steps``, ``value`` (anything a field holds), a record (``record``), a list of records
(``list``) or a mapping from names to records or texts (``map``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import FieldType, LeafKind

__all__ = ["CONDITION_KEYS", "FIELD_OPERATORS", "FORMAT_VERSION", "RECORDS", "RESERVED",
           "STEP_KINDS", "Key", "Kind", "Record", "record"]

FORMAT_VERSION = 1
# Condition keys that are not field names.
CONDITION_KEYS = ("all", "any", "not", "offered", "cited", "is")
RESERVED = frozenset(CONDITION_KEYS)
# What each field type is tested with in a condition.
FIELD_OPERATORS: dict[FieldType, tuple[str, ...]] = {
    FieldType.CHOICE: ("is", "in"),
    FieldType.BOOLEAN: ("is",),
    FieldType.NUMBER: ("below", "at_most", "above", "at_least"),
    FieldType.SET: ("contains", "empty"),
}


@dataclass(frozen=True)
class Kind:
    """The kind of a value: ``name`` is one of the words in the module's docstring."""

    name: str
    of: str = ""  # the record (record, list, map) or "text" (map of texts)
    words: tuple[str, ...] = ()  # for "one of"
    const: int | None = None  # for "number": the only value allowed

    def __str__(self) -> str:
        if self.name == "one of":
            return " \\| ".join(f"`{w}`" for w in self.words)
        if self.name == "record":
            return self.of
        if self.name == "list":
            return f"list of {self.of}{'es' if self.of.endswith('ch') else 's'}"
        if self.name == "map":
            return f"name: {self.of}"
        if self.name == "ids":
            return "id or list of ids"
        if self.const is not None:
            return f"`{self.const}`"
        return self.name


TEXT = Kind("text")
ID = Kind("id")
IDS = Kind("ids")
NUMBER = Kind("number")
BOOLEAN = Kind("boolean")
CONDITION = Kind("condition")
STEPS = Kind("steps")
VALUE = Kind("value")


def one_of(*words: str) -> Kind:
    return Kind("one of", words=words)


def rec(name: str) -> Kind:
    return Kind("record", of=name)


def list_of(name: str) -> Kind:
    return Kind("list", of=name)


def map_of(name: str) -> Kind:
    return Kind("map", of=name)


@dataclass(frozen=True)
class Key:
    """One key of a record."""

    name: str
    kind: Kind
    required: bool
    doc: str


@dataclass(frozen=True)
class Record:
    """A record type: a mapping with these keys."""

    name: str  # as the docs call it: "decision", "branch", ...
    doc: str
    keys: tuple[Key, ...]
    tag: str = ""  # for a step: the key that says which kind of step it is
    dynamic: bool = field(default=False)  # keys named by the guideline (a recommendation's rating)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys if k.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys if not k.required)

    @property
    def allowed(self) -> tuple[str, ...]:
        """Required keys first, then optional ones, each in declared order (as messages list
        them)."""
        return self.required + self.optional

    def key(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)


def _keys(*specs: tuple[str, Kind, bool, str]) -> tuple[Key, ...]:
    return tuple(Key(*spec) for spec in specs)


YES, NO = True, False
_WHEN = ("when", CONDITION, NO, "the step applies only when this condition holds")
_UNLESS = ("unless", CONDITION, NO, "the step applies unless this condition holds")
_ENCODING = ("encoding", TEXT, NO, "why it was encoded so (an interpretation of the source)")

_RECORDS = (
    Record("guideline", "the whole file", _keys(
        ("nettree", Kind("number", const=FORMAT_VERSION), YES, "format version, `1`"),
        ("id", TEXT, YES, "the guideline's id"),
        ("title", TEXT, YES, "its title"),
        ("version", TEXT, YES, 'its version, a text (`"2023"`)'),
        ("citation", TEXT, NO, "the reference"),
        ("source", TEXT, NO, "path (relative to the file) of the source text; it must exist"),
        ("scope", TEXT, NO, "who the guideline is for"),
        ("ratings", map_of("rating dimension"), YES, "the rating scheme"),
        ("rating_style", rec("rating style"), NO,
         "how ratings are presented (default: the dimension named `strength`, if any)"),
        ("general", IDS, NO, "recommendation ids listed with every in-scope result"),
        ("recommendations", list_of("recommendation"), YES, "the recommendations, verbatim"),
        ("abbreviations", map_of("text"), NO, "`ABBR: meaning`"),
        ("fields", map_of("field"), YES, "the patient fields"),
        ("options", map_of("option"), YES, "what a result can offer"),
        ("conditions", map_of("named condition"), NO,
         "named conditions, used as `{is: name}` wherever a condition goes"),
        ("step_sets", map_of("steps"), NO, "named lists of steps that leaves reuse"),
        ("start", ID, YES, "the id of the first decision"),
        ("decisions", map_of("decision"), YES, "the decision nodes"),
        ("leaves", map_of("leaf"), YES, "the leaves, where a path ends"),
        ("filters", STEPS, NO, "steps applied after the steps of every recommendation leaf"),
        ("fallback", rec("fallback"), NO,
         "offered when a recommendation leaf has no option left"),
        ("notes", list_of("note rule"), NO,
         "rules that show statements with a recommendation result"),
    )),
    Record("rating dimension", "one dimension of the rating scheme", _keys(
        ("label", TEXT, YES, "its name in words"),
        ("codes", map_of("text"), YES, "`CODE: meaning`"),
    )),
    Record("rating style", "how ratings are presented in every output", _keys(
        ("dimension", ID, YES, "the dimension that orders recommendations and colours badges"),
        ("harm", IDS, NO, 'its codes drawn in the harm style (red, the word "harm")'),
        ("colours", map_of("text"), NO,
         "`CODE: \"#rrggbb\"` badge colours; other codes from a default ramp in the codes' "
         "order (strongest first)"),
    )),
    Record("recommendation", "a recommendation, verbatim", _keys(
        ("id", ID, YES, 'its number, quoted (`"2.1"`)'),
        ("category", TEXT, YES, "the heading it stands under"),
        ("text", TEXT, YES, "its text, verbatim"),
        ("rating", map_of("id"), YES, "one code per dimension of `ratings`"),
        ("supports", IDS, NO, "the options its own text names"),
        ("statements", list_of("statement"), NO, "its notes and qualifying statements"),
    )),
    Record("statement", "a note or qualifying statement, verbatim", _keys(
        ("id", ID, YES, 'its id, quoted (`"2.1-q1"`)'),
        ("kind", one_of("note", "qualifying"), YES, "what it is"),
        ("text", TEXT, YES, "its text, verbatim"),
        ("supports", IDS, NO, "the options its text names"),
    )),
    Record("field", "a patient field", _keys(
        ("type", one_of(*(t.value for t in FieldType), "integer"), YES,
         "the kind of value (`integer`: a number field of whole numbers)"),
        ("description", TEXT, YES, "what it means"),
        ("values", IDS, NO, "choice and set fields: the values, lowest first"),
        ("min", NUMBER, NO, "number and integer fields: the lowest value allowed"),
        ("max", NUMBER, NO, "number and integer fields: the highest value allowed"),
        ("default", VALUE, NO, "the value when absent"),
        ("if_absent", TEXT, NO, "with `default`: what the default means, in words"),
        ("derive", rec("derivation"), NO,
         "a choice field derived from a number field when absent (`from`, `bins`); or "
         "derived, never given: an integer field as a sum of points (`sum`), a choice or "
         "integer field by cases (`cases`)"),
        ("question", TEXT, NO, "the question that asks for it"),
        ("label", TEXT, NO, "its name in words, for diagrams (`age (years)`)"),
        ("phrases", map_of("text"), NO,
         "display words per value (a set: for holding the member): `true: a smoker`"),
    )),
    Record("derivation", "how a field is derived from others: `from` with `bins`, or "
                         "`sum`, or `cases`", _keys(
        ("from", ID, NO, "with `bins`: the number field"),
        ("bins", list_of("bin"), NO, "with `from`: the values in order; the last bin takes "
                                     "the rest"),
        ("given_may_exceed", BOOLEAN, NO,
         "with `from`: given with the number field, the value may be higher, never lower"),
        ("sum", list_of("point"), NO,
         "an integer field: the sum of the points whose condition holds"),
        ("cases", list_of("case"), NO,
         "the value of the first case whose condition holds"),
    )),
    Record("point", "points of a derived sum", _keys(
        ("points", NUMBER, YES, "a whole number, counted when `when` holds"),
        ("when", CONDITION, YES, "when the points count (a condition on other fields)"),
    )),
    Record("case", "one case of a derivation by cases", _keys(
        ("value", VALUE, YES, "the field's value in this case (one of its values)"),
        ("when", CONDITION, NO, "when this case holds; omitted on the last case only: "
                                "otherwise"),
    )),
    Record("bin", "one value of a derivation", _keys(
        ("value", ID, YES, "a value of the derived field"),
        ("below", NUMBER, NO, "chosen below this number"),
        ("at_most", NUMBER, NO, "chosen at or below this number"),
    )),
    Record("option", "what a result can offer", _keys(
        ("label", TEXT, YES, "its name in words"),
    )),
    Record("named condition", "a condition with a name, used as `{is: name}`", _keys(
        ("when", CONDITION, YES, "the condition (it may use other named conditions)"),
        ("label", TEXT, NO,
         "how diagrams, tables and findings show it (default: its name in words)"),
    )),
    Record("decision", "a question with branches", _keys(
        ("question", TEXT, YES, "the question"),
        ("branches", list_of("branch"), YES, "at least two; exactly one holds for a patient"),
        ("reads", IDS, NO, "the fields the branches test (checked when given)"),
        _ENCODING,
    )),
    Record("branch", "one answer of a decision", _keys(
        ("answer", TEXT, YES, "the answer in words"),
        ("when", CONDITION, YES, "when this answer holds"),
        ("to", ID, YES, "the node it leads to"),
    )),
    Record("leaf", "where a path ends", _keys(
        ("kind", one_of(*(k.value for k in LeafKind)), YES, "what it concludes"),
        ("label", TEXT, YES, "its name in words"),
        ("reason", TEXT, NO, "out_of_scope leaves: why"),
        ("missing", IDS, NO, "needs_information leaves: the fields to find out"),
        ("steps", STEPS, NO, "recommendation leaves (and needs_information ones): the steps"),
        _ENCODING,
    )),
    Record("offer step", "offer an option", _keys(
        ("offer", ID, YES, "the option"),
        ("cites", IDS, YES, "the recommendations or statements it cites"),
        _WHEN, _UNLESS, _ENCODING,
    ), tag="offer"),
    Record("drop step", "remove options if offered", _keys(
        ("drop", IDS, YES, "the options"),
        ("reason", TEXT, YES, "why, reported under `excluded`"),
        ("cites", IDS, NO, "the recommendations or statements behind it"),
        _WHEN, _UNLESS, _ENCODING,
    ), tag="drop"),
    Record("drop_listed_in step", "remove every offered option listed in a set field", _keys(
        ("drop_listed_in", ID, YES, "the set field"),
        ("reason", TEXT, YES, "why, reported under `excluded`"),
        ("cites", IDS, NO, "the recommendations or statements behind it"),
        _ENCODING,
    ), tag="drop_listed_in"),
    Record("cite step", "add citations to offered options", _keys(
        ("cite", IDS, YES, "the recommendations or statements"),
        ("to", IDS, NO, "the options (all offered ones if absent)"),
        _WHEN, _UNLESS, _ENCODING,
    ), tag="cite"),
    Record("not_recommend step", "mark options as not recommended for the patient", _keys(
        ("not_recommend", IDS, YES,
         "the options: removed if offered, never offered later, reported under "
         "`not_recommended`"),
        ("cites", IDS, YES, "the recommendations or statements that advise against them"),
        _WHEN, _UNLESS, _ENCODING,
    ), tag="not_recommend"),
    Record("prefer step", "state that an offered option is preferred over others", _keys(
        ("prefer", ID, YES, "the preferred option (the step applies only if it is offered)"),
        ("over", IDS, YES, "the options it is preferred over (shown when still offered)"),
        ("cites", IDS, YES, "the recommendations or statements that say so (join its cites)"),
        _WHEN, _UNLESS, _ENCODING,
    ), tag="prefer"),
    Record("use step", "the steps of a named step set, in place", _keys(
        ("use", ID, YES, "the step set"),
    ), tag="use"),
    Record("fallback", "offered when a recommendation leaf has no option left", _keys(
        ("option", ID, YES, "the option"),
        ("cites", IDS, YES, "the recommendations or statements it cites"),
        _ENCODING,
    )),
    Record("note rule", "shows a statement with a recommendation result", _keys(
        ("statement", ID, YES, "the note or qualifying statement"),
        ("when", CONDITION, NO, "when it is shown"),
        ("remarks", list_of("remark"), NO, "extra lines, shown when their condition is true"),
        _ENCODING,
    )),
    Record("remark", "an extra line of a note", _keys(
        ("when", CONDITION, YES, "when it is shown"),
        ("text", TEXT, YES, "the line"),
    )),
)

RECORDS: dict[str, Record] = {r.name: r for r in _RECORDS}
STEP_KINDS = tuple(r.tag for r in _RECORDS if r.tag)


def record(name: str) -> Record:
    """The record type called ``name``."""
    return RECORDS[name]
