"""Patients: validated against a guideline's fields before anything is evaluated.

A patient is a flat mapping. An absent field and ``None`` are the same: the field's default
when it has one (the result lists it under ``assumed``), otherwise unknown. Text values (from
``--set`` or a CSV cell) go through :func:`coerce_text` first.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .derive import compute, reads_of
from .errors import PatientError, shown
from .model import Field, FieldType
from .words import did_you_mean, number_text, plain

__all__ = [
    "Patient",
    "boolean_problem",
    "coerce_text",
    "describe_kind",
    "read_boolean",
    "read_patient_file",
    "read_patient_text",
    "validate_patient",
]


@dataclass(frozen=True)
class Patient:
    """A validated patient: every field of the guideline, ``None`` where unknown."""

    values: Mapping[str, Any]
    defaulted: frozenset[str]
    # (field, value, source field, source value), or for a field derived by points or cases
    # (field, value, None, None, ((input, value), ...)): see nettree.result.Derived
    derived: tuple[tuple[Any, ...], ...]


def describe_kind(value: Any) -> str:
    """What kind of value this is, in words (for messages about the shape of input).

    >>> describe_kind(None), describe_kind([1]), describe_kind("x"), describe_kind(3)
    ('nothing', 'a list', 'a text', 'a number')
    """
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() > 64:
        return "a number too large to be one"  # repr() of a huge int may itself fail
    return shown(value, 60)


def _check_value(spec: Field, value: Any) -> tuple[Any, str | None]:
    """The normalised value, or an error message naming the field and what is allowed."""
    kind = spec.type
    if kind is FieldType.BOOLEAN:
        flag = read_boolean(value)
        if flag is not None:
            return flag, None
        return None, boolean_problem(spec.name, value)
    elif kind is FieldType.NUMBER:
        if isinstance(value, float) and not math.isfinite(value):
            return None, (f"{spec.name!r} must be {spec.allowed()} (got {_show(value)}, "
                          "which is not a finite number)")
        # Compare before converting: an int too large for a float must be refused, not crash.
        if isinstance(value, int | float) and not isinstance(value, bool):
            low = spec.minimum if spec.minimum is not None else -math.inf
            high = spec.maximum if spec.maximum is not None else math.inf
            if low <= value <= high and (isinstance(value, float)
                                         or abs(value) <= _LARGEST_INTEGER):
                if spec.integer and not float(value).is_integer():
                    return None, (f"{spec.name!r} must be {spec.allowed()} (got "
                                  f"{_show(value)}, which is not a whole number)")
                return float(value), None
    elif kind is FieldType.CHOICE:
        if isinstance(value, str) and value in spec.values:
            return value, None
    else:
        return _check_set(spec, value)
    return None, f"{spec.name!r} must be {spec.allowed()} (got {_show(value)})"


def _check_set(spec: Field, value: Any) -> tuple[Any, str | None]:
    # A set is a list of allowed values; a bare text is refused, not read as a list of one
    # (text forms such as --set go through coerce_text, which splits on commas).
    items = value
    if not isinstance(items, list | tuple | set | frozenset):
        return None, f"{spec.name!r} must be {spec.allowed()} (got {_show(value)})"
    for item in items:
        if not (isinstance(item, str) and item in spec.values):
            return None, f"{spec.name!r} must be {spec.allowed()} (got {_show(item)} in it)"
    return frozenset(items), None


def validate_patient(
    fields: Mapping[str, Field], raw: Any, *, apply_defaults: bool = True, derive: bool = True
) -> Patient:
    """Check ``raw`` against ``fields``; raise :class:`PatientError` naming every bad field.

    Nothing is half-evaluated: either every field is valid or nothing is returned.
    ``apply_defaults=False`` leaves absent fields unknown even where a default exists, and
    ``derive=False`` leaves a derived field unknown when it is not given (its consistency
    with its source is still checked): verification uses both to explore every value,
    including a derived value given higher than its source implies.
    """
    if not isinstance(raw, Mapping):
        raise PatientError(
            f"a patient must be a mapping of field names to values (got {describe_kind(raw)})"
        )
    errors: list[tuple[str, Any, str]] = []
    values: dict[str, Any] = dict.fromkeys(fields)
    for name, value in raw.items():
        if not isinstance(name, str) or name not in fields:
            hint = did_you_mean(str(name), list(fields)) if isinstance(name, str) else ""
            errors.append((str(name), value, f"{shown(str(name))} is not a patient field{hint}"))
            continue
        if value is None:
            continue
        if fields[name].computed is not None:
            errors.append((name, value, f"{name!r} is derived from "
                                        f"{', '.join(reads_of(fields[name]))} and cannot be "
                                        f"given (give those instead)"))
            continue
        checked, message = _check_value(fields[name], value)
        if message:
            errors.append((name, value, message))
        else:
            values[name] = checked

    defaulted = set()
    derived: list[tuple[Any, ...]] = []
    for name, spec in fields.items():
        if spec.derive is not None:
            source_value = values.get(spec.derive.source)
            if source_value is not None:
                implied = spec.derive.derive(source_value)
                given = values[name]
                if given is None:
                    if derive:
                        values[name] = implied
                        derived.append((name, implied, spec.derive.source, source_value))
                elif given != implied:
                    order = spec.values
                    higher = order.index(given) > order.index(implied)
                    if not (spec.derive.given_may_exceed and higher):
                        rule = "may be higher than that, never lower" if (
                            spec.derive.given_may_exceed
                        ) else "must agree with it"
                        errors.append((name, given, (
                            f"{name!r} is {shown(given)} but {spec.derive.source!r} "
                            f"{number_text(source_value)} gives {implied!r}; {name!r} {rule}"
                        )))
        if values[name] is None and spec.has_default and apply_defaults:
            values[name] = spec.default
            defaulted.add(name)

    if errors:
        first_field, first_value, _ = errors[0]
        raise PatientError(
            "invalid patient: " + "; ".join(message for _, _, message in errors),
            field=first_field,
            value=first_value,
        )
    if any(spec.computed is not None for spec in fields.values()):
        derived.extend(compute(fields, values))
    return Patient(values=values, defaulted=frozenset(defaulted), derived=tuple(derived))


def read_boolean(value: Any) -> bool | None:
    """The one rule for a boolean in a patient, in a file and in ``--set`` alike: true or false,
    or the text ``true`` or ``false`` in any case (surrounding spaces ignored); None for
    anything else (``yes``, ``1``, ``on``: refused, never guessed).

    >>> read_boolean(True), read_boolean(" False "), read_boolean("yes"), read_boolean(1)
    (True, False, None, None)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return None


def boolean_problem(name: str, value: Any) -> str:
    """The message for a value that is not a boolean: how to write one."""
    return (f"{name!r} must be true or false (got {_show(value)}; a boolean is written "
            "true or false, in a patient file and in --set alike)")


# A number in text is written as JSON writes one: no "024", "2_0", "0x14", "inf" or "２０".
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LARGEST_INTEGER = int(sys.float_info.max)


# A table's boolean spellings (a CSV cell, a text cell of a DataFrame), wider than a patient
# file's true/false because registries export yes/no and 1/0; each in any case.
_CELL_BOOLEANS = {"yes": "true", "1": "true", "no": "false", "0": "false"}


def coerce_cell(fields: Mapping[str, Field], name: str, text: str) -> Any:
    """A table's cell (CSV, or text in a DataFrame) as the field's value: as
    :func:`coerce_text` reads it, and a boolean also as ``yes``/``no``/``1``/``0``, any case.

    >>> f = {"smoker": Field("smoker", FieldType.BOOLEAN, "")}
    >>> coerce_cell(f, "smoker", "Yes"), coerce_cell(f, "smoker", "0")
    (True, False)
    >>> coerce_cell(f, "smoker", "maybe")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    nettree.errors.PatientError: 'smoker' must be true or false (got 'maybe'; a table cell ...
    """
    spec = fields.get(name)
    if spec is not None and spec.type is FieldType.BOOLEAN:
        text = _CELL_BOOLEANS.get(text.strip().lower(), text)
        if text.strip() and text.strip().lower() != "null" and read_boolean(text) is None:
            raise PatientError(f"{name!r} must be true or false (got {_show(text)}; a table "
                               "cell may also say yes, no, 1 or 0)", field=name, value=text)
    return coerce_text(fields, name, text)


def coerce_text(fields: Mapping[str, Field], name: str, text: str) -> Any:
    """Turn the text form of a value (``--set``, a CSV cell) into the field's type.

    An empty text means absent (``None``). Sets are comma-separated.

    The fields below are illustrations; real ones come from a guideline.

    >>> f = {"age": Field("age", FieldType.NUMBER, "", minimum=0, maximum=120),
    ...      "smoker": Field("smoker", FieldType.BOOLEAN, ""),
    ...      "drugs": Field("drugs", FieldType.SET, "", values=("a", "b"))}
    >>> coerce_text(f, "age", "6"), coerce_text(f, "smoker", "false"), coerce_text(f, "drugs", "a")
    (6, False, ['a'])
    >>> coerce_text(f, "smoker", "")
    """
    if name not in fields:
        raise PatientError(
            f"{shown(name)} is not a patient field{did_you_mean(name, list(fields))}",
            field=name,
        )
    spec = fields[name]
    text = text.strip()
    if text == "" or text.lower() == "null":
        return None
    if spec.type is FieldType.BOOLEAN:
        flag = read_boolean(text)
        if flag is None:
            raise PatientError(boolean_problem(name, text), field=name, value=text)
        return flag
    if spec.type is FieldType.NUMBER:
        if not _JSON_NUMBER.fullmatch(text):
            raise PatientError(f"{name!r} must be {spec.allowed()} (got {shown(text)})",
                               field=name, value=text)
        number = float(text)  # a literal beyond the largest float is inf: refused as such
        return int(number) if number.is_integer() else number
    if spec.type is FieldType.SET:
        return [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]
    return text


def read_patient_text(text: str, *, source: str = "<stdin>") -> Any:
    """Parse a patient written as JSON or YAML (JSON first when it looks like JSON).

    Raises :class:`PatientError` with the position of a syntax error.
    """
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the patient
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes read with surrogate escapes
        raise PatientError(f"{source}: the patient is not UTF-8 text") from None
    stripped = text.strip()
    if not stripped:
        raise PatientError(f"{source}: no patient given (the input is empty)")
    json_error = None
    if stripped.startswith("{") or source.endswith(".json"):
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates(source))
        except PatientError:
            raise
        except RecursionError:
            raise PatientError(f"{source}: the patient is nested too deeply") from None
        except json.JSONDecodeError as exc:
            json_error = PatientError(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}")
            if source.endswith(".json"):
                raise json_error from None
        except ValueError:  # e.g. an integer with more digits than Python will read
            raise PatientError(f"{source}: a number in the patient has too many digits") from None
    from .yamlio import parse_yaml

    try:
        data, problems = parse_yaml(text)
    except ValueError:  # an integer with more digits than Python will read
        raise PatientError(f"{source}: a number in the patient has too many digits") from None
    if problems:
        if json_error is not None:  # it looked like JSON: say what is wrong with it as JSON
            raise json_error
        mark, message = problems[0]
        raise PatientError(f"{source}:{mark.line}:{mark.column}: {message}")
    return plain(data)


def _no_duplicates(source: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise PatientError(f"{source}: duplicate key {shown(key)} in the patient")
            seen[key] = value
        return seen

    return hook


def read_patient_file(path: str | Path) -> Any:
    """Read a patient file (JSON or YAML). Raises :class:`PatientError` if it cannot be read.

    The file must be a regular file of at most :func:`nettree.files.limit` bytes (8 MiB unless
    ``NETTREE_MAX_INPUT_BYTES`` says otherwise).
    """
    from .files import InputFileError, read_text

    try:
        text = read_text(path, what="patient file")
    except InputFileError as exc:
        raise PatientError(str(exc)) from None
    return read_patient_text(text, source=str(path))
