"""The one value a traversal returns, and its JSON-ready form.

The CLI's text and JSON views (and, later, diagrams and batch rows) all read this object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .words import plain

__all__ = [
    "EITHER_WAY",
    "Assumption",
    "Derived",
    "Exclusion",
    "NotRecommended",
    "NoteResult",
    "OfferedOption",
    "PathStep",
    "Result",
    "Status",
    "plain",
]

Status = str
RECOMMENDATION = "recommendation"
# The answer shown for a decision whose answer is unknown but does not change the result.
EITHER_WAY = "either way"
NEEDS_INFORMATION = "needs_information"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class OfferedOption:
    """An option offered, with everything that supports it."""

    id: str
    label: str
    cites: tuple[str, ...]
    preferred_over: tuple[str, ...] = ()  # offered options a cited preference puts it before

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "label": self.label, "cites": list(self.cites)}
        if self.preferred_over:
            data["preferred_over"] = list(self.preferred_over)
        return data


@dataclass(frozen=True)
class NotRecommended:
    """An option the guideline advises against for this patient, citing ``cites`` (a
    warning: never offered, apart from ``excluded``, which a later rule removed)."""

    id: str
    label: str
    cites: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "cites": list(self.cites)}


@dataclass(frozen=True)
class Exclusion:
    """An option that a recommendation offered and a later step removed, and why."""

    id: str
    label: str
    reason: str
    cites: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "reason": self.reason,
            "cites": list(self.cites),
        }


@dataclass(frozen=True)
class NoteResult:
    """A statement shown with the result. ``unknown`` lists the fields on which it still depends:
    empty when it applies for certain, otherwise it applies only for some values of them."""

    id: str
    text: str
    remarks: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "remarks": list(self.remarks),
            "unknown": list(self.unknown),
        }


class PathStep(NamedTuple):
    """One node passed: a decision with its question and answer, or the final leaf.

    ``answer`` is None where unknown data stopped the traversal, ``"either way"``
    (:data:`EITHER_WAY`) at a decision whose answer is unknown but every answer the unknown
    fields may give leads to the same result. ``values`` are the field
    values read at this node (None for unknown). (A named tuple: immutable, and cheap to
    build, since verification builds one per node for thousands of walks.)
    """

    node: str
    kind: str  # "decision" or the leaf's kind
    text: str  # the question, or the leaf's label
    answer: str | None
    values: tuple[tuple[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "kind": self.kind,
            "text": self.text,
            "answer": self.answer,
            "values": {name: plain(value) for name, value in self.values},
        }


@dataclass(frozen=True)
class Assumption:
    """A default the result relied on: the field was absent and its default was read."""

    field: str
    value: Any
    meaning: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": plain(self.value), "meaning": self.meaning}


@dataclass(frozen=True)
class Derived:
    """A field not given but derived: from another by bins (grade from Ki-67: ``source``
    and ``source_value``), or by a sum of points or by cases (``source`` None; ``inputs``:
    each field its derivation reads, with its value, None where unknown)."""

    field: str
    value: Any
    source: str | None
    source_value: Any
    inputs: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        if self.source is None:
            return {"field": self.field, "value": plain(self.value),
                    "inputs": {name: plain(value) for name, value in self.inputs}}
        return {
            "field": self.field,
            "value": self.value,
            "from": self.source,
            "from_value": self.source_value,
        }


@dataclass(frozen=True)
class Result:
    """What a guideline says for one patient.

    ``status`` is ``recommendation``, ``needs_information`` or ``out_of_scope``. ``options``,
    ``excluded`` and ``not_recommended`` cite recommendation numbers or statement ids;
    ``recommendations`` is the sorted set of recommendation numbers behind the option
    citations. Options are unranked, except where an option says it is ``preferred_over``
    others.
    """

    guideline: str
    status: Status
    leaf: str | None
    reason: str
    recommendations: tuple[str, ...]
    options: tuple[OfferedOption, ...]
    excluded: tuple[Exclusion, ...]
    general: tuple[str, ...]
    missing: tuple[str, ...]
    assumed: tuple[Assumption, ...]
    derived: tuple[Derived, ...]
    notes: tuple[NoteResult, ...]
    path: tuple[PathStep, ...]
    not_recommended: tuple[NotRecommended, ...] = ()

    @property
    def option_ids(self) -> tuple[str, ...]:
        """The ids of the options offered."""
        return tuple(option.id for option in self.options)

    def columns(self) -> dict[str, Any]:
        """The result as one row of a table (a batch's output, a DataFrame's result columns):
        status, leaf, and the ids of the recommendations, options, exclusions and missing
        fields."""
        return {"status": self.status, "leaf": self.leaf,
                "recommendations": list(self.recommendations), "options": list(self.option_ids),
                "excluded": [e.id for e in self.excluded],
                "not_recommended": [n.id for n in self.not_recommended],
                "missing": list(self.missing)}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: exactly what ``nettree traverse --json`` prints."""
        return {
            "guideline": self.guideline,
            "status": self.status,
            "leaf": self.leaf,
            "reason": self.reason,
            "recommendations": list(self.recommendations),
            "options": [o.to_dict() for o in self.options],
            "excluded": [e.to_dict() for e in self.excluded],
            "not_recommended": [n.to_dict() for n in self.not_recommended],
            "general": list(self.general),
            "missing": list(self.missing),
            "assumed": [a.to_dict() for a in self.assumed],
            "derived": [d.to_dict() for d in self.derived],
            "notes": [n.to_dict() for n in self.notes],
            "path": [p.to_dict() for p in self.path],
        }
