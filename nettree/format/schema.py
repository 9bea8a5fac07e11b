"""JSON Schemas (draft 2020-12) from the format's declaration: guideline files and the patient
files of one guideline.

An editor that speaks the YAML language server completes and checks a file that starts with
``# yaml-language-server: $schema=./guideline.schema.json`` (the output of
``nettree schema guideline``). The schema checks shape only; ``nettree show`` and
``nettree verify`` check references and meaning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import FieldType
from .declare import CONDITION_KEYS, FIELD_OPERATORS, RECORDS, Key, Kind, Record

if TYPE_CHECKING:
    from ..guideline import Guideline

__all__ = ["guideline_schema", "patient_schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name.replace(' ', '_')}"}


_IDS: dict[str, Any] = {"anyOf": [
    {"type": "string"},
    {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
]}


def _kind(kind: Kind) -> dict[str, Any]:
    simple: dict[str, dict[str, Any]] = {
        "text": {"type": "string"},
        "id": {"type": "string"},
        "ids": _IDS,
        "boolean": {"type": "boolean"},
        "value": {},
        "condition": _ref("condition"),
        "steps": _ref("steps"),
    }
    if kind.name in simple:
        return dict(simple[kind.name])
    if kind.name == "number":
        return {"const": kind.const} if kind.const is not None else {"type": "number"}
    if kind.name == "one of":
        return {"enum": list(kind.words)}
    if kind.name == "record":
        return _ref(kind.of)
    if kind.name == "list":
        return {"type": "array", "items": _ref(kind.of)}
    if kind.name == "map":
        values = _kind(Kind(kind.of)) if kind.of in simple else _ref(kind.of)
        return {"type": "object", "additionalProperties": values}
    raise ValueError(f"no schema for {kind}")  # pragma: no cover - every kind is above


def _key(key: Key) -> dict[str, Any]:
    schema = _kind(key.kind)
    if not key.required and key.kind.name == "text":
        schema = {"type": ["string", "null"]}
    return {**schema, "description": key.doc}


def _record(record: Record) -> dict[str, Any]:
    return {
        "type": "object",
        "description": record.doc,
        "properties": {key.name: _key(key) for key in record.keys},
        "required": list(record.required),
        "additionalProperties": False,
    }


def _condition() -> dict[str, Any]:
    operators = sorted({op for ops in FIELD_OPERATORS.values() for op in ops})
    operand: dict[str, Any] = {"type": ["string", "number", "boolean"]}
    test = {
        "type": "object",
        "description": "a test of a field: {operator: operand}",
        "properties": {op: ({"type": "array", "items": {"type": "string"}, "minItems": 1,
                             "uniqueItems": True} if op == "in" else operand)
                       for op in operators},
        "minProperties": 1,
        "additionalProperties": False,
    }
    combined = {"type": "array", "items": _ref("condition"), "minItems": 1}
    keys: dict[str, Any] = {"all": combined, "any": combined, "not": _ref("condition"),
                            "offered": _IDS, "cited": _IDS,
                            "is": {"type": "string", "description": "a named condition"}}
    assert tuple(keys) == CONDITION_KEYS
    return {
        "type": "object",
        "description": "a condition: field tests and all/any/not/offered/cited/is, all must "
                       "hold",
        "properties": keys,
        "minProperties": 1,
        "additionalProperties": {"anyOf": [operand, _ref("field test")]},
        "$defs_field_test": test,
    }


def guideline_schema() -> dict[str, Any]:
    """The JSON Schema of guideline files."""
    defs = {name.replace(" ", "_"): _record(record) for name, record in RECORDS.items()
            if name != "guideline"}
    condition = _condition()
    defs["field_test"] = condition.pop("$defs_field_test")
    defs["condition"] = condition
    defs["steps"] = {"type": "array", "description": "steps, each of one kind",
                     "items": {"oneOf": [_ref(r.name) for r in RECORDS.values() if r.tag]}}
    top = _record(RECORDS["guideline"])
    return {"$schema": DRAFT, "title": "nettree guideline file", **top, "$defs": defs}


def patient_schema(guideline: Guideline) -> dict[str, Any]:
    """The JSON Schema of patient files for ``guideline``: its fields, their types and
    domains; an absent field and ``null`` both mean unknown (or the default)."""
    properties: dict[str, Any] = {}
    for name, field in guideline.fields.items():
        schema: dict[str, Any]
        if field.type is FieldType.CHOICE:
            schema = {"enum": [*field.values, None]}
        elif field.type is FieldType.BOOLEAN:
            schema = {"type": ["boolean", "null"]}
        elif field.type is FieldType.NUMBER:
            schema = {"type": ["integer" if field.integer else "number", "null"]}
            if field.minimum is not None:
                schema["minimum"] = _number(field.minimum)
            if field.maximum is not None:
                schema["maximum"] = _number(field.maximum)
        else:
            schema = {"type": ["array", "null"], "items": {"enum": list(field.values)},
                      "uniqueItems": True}
        if field.computed is not None:  # derived by points or cases: never given
            schema = {"type": "null"}
        properties[name] = {**schema, "description": field.description}
    return {"$schema": DRAFT, "title": f"nettree patient for {guideline.id}",
            "type": "object", "properties": properties, "additionalProperties": False}


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value
