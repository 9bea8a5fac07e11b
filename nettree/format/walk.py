"""The walker: checks a record read from YAML against its declaration (:mod:`.declare`).

It reports unknown and missing keys (a misspelt required key is one problem, not two), repeated
items in a list that is a set, and numbers that are not finite floats. A record that fails here
is not read further, so one defect gives one problem.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import shown
from ..words import closest, did_you_mean
from ..yamlio import Mark, YList, YMap
from .declare import Key, Record

__all__ = ["items", "kind_of", "number_problem", "repeated", "walk_keys"]

Report = Callable[[Mark, str], None]


def items(container: Any) -> Iterator[tuple[Any, Any, Mark]]:
    """(key or index, value, position of the value) of a YMap or YList."""
    if isinstance(container, YMap):
        for key, value in container.items():
            yield key, value, container.value_marks[key]
    elif isinstance(container, YList):
        for index, value in enumerate(container):
            yield index, value, container.item_marks[index]


def kind_of(value: Any) -> str:
    """What a value is, in words, for a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {shown(value)}"
    return shown(value)


def number_problem(value: Any) -> str | None:
    """Why ``value`` is not a usable number (a finite float), or None."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "must be a number"
    try:
        number = float(value)
    except OverflowError:
        return "is too large (a number must fit in a 64-bit float)"
    if not math.isfinite(number):
        return "must be a finite number"
    return None


def repeated(node: Any) -> Iterator[tuple[Any, Mark]]:
    """Each item of a list that repeats an earlier one, with its position."""
    if not isinstance(node, YList):
        return
    seen: list[Any] = []
    for _, item, mark in items(node):
        if isinstance(item, list | dict):
            continue
        if any(type(item) is type(s) and item == s for s in seen):
            yield item, mark
        else:
            seen.append(item)


def check_value(key: Key, node: YMap, what: str, report: Report,
                written: Callable[[Mark], str]) -> bool:
    """Check the value of ``key`` in ``node`` is of its declared kind (texts, numbers,
    booleans, sets of ids; the builder checks ids, words and references). True if it is."""
    value, mark, kind = node[key.name], node.value_marks[key.name], key.kind
    if kind.name == "text":
        if (isinstance(value, str) and value.strip()) or (value is None and not key.required):
            return True
        if isinstance(value, int | float) and not isinstance(value, bool):
            # 1.10 would silently become "1.1": a text is quoted; show it as it was written.
            report(mark, f"{what}: {key.name!r} must be a text: quote it ('{written(mark)}')")
        else:
            report(mark, f"{what}: {key.name!r} must be a non-empty text (got {kind_of(value)})")
        return False
    if kind.name == "number" and kind.const is None:
        why = number_problem(value)
        if why is not None:
            report(mark, f"{what}: {key.name!r} {why}")
        return why is None
    if kind.name == "boolean" and not isinstance(value, bool):
        report(mark, f"{what}: {key.name!r} must be true or false")
        return False
    if kind.name == "ids":
        sound = True
        for item, item_mark in repeated(value):
            report(item_mark, f"{what}: {shown(item)} is repeated in {key.name!r}")
            sound = False
        return sound
    return True


def walk_keys(record: Record | tuple[tuple[str, ...], tuple[str, ...]], node: Any, mark: Mark,
              what: str, report: Report, written: Callable[[Mark], str] | None = None) -> bool:
    """Check ``node`` is a mapping with the keys of ``record`` (or of (required, optional)),
    and the kinds of their values; report what is wrong. True if it is sound.

    ``written`` gives the text as written at a position (to show a number that must be quoted).
    """
    if isinstance(record, Record):
        required, optional = record.required, record.optional
    else:
        required, optional = record
    if not isinstance(node, YMap):
        report(mark, f"{what} must be a mapping (got {kind_of(node)})")
        return False
    allowed = required + optional
    missing = [key for key in required if key not in node]
    sound = True
    for key in list(node):
        if key in allowed:
            continue
        sound = False
        meant = closest(key, missing)
        if meant:
            missing.remove(meant)
            # Read on as if it were spelt right, so what names the record (an id) still
            # resolves; the record itself is not built (it is not sound).
            node[meant] = node[key]
            node.key_marks[meant] = node.key_marks[key]
            node.value_marks[meant] = node.value_marks[key]
            report(node.key_marks[key], f"unknown key {shown(key)} in {what} (did you mean "
                                        f"{meant!r}?): {what} is missing the required key "
                                        f"{meant!r}")
        else:
            report(node.key_marks[key], f"unknown key {shown(key)} in {what}"
                                        f"{did_you_mean(key, allowed)}; allowed: "
                                        f"{', '.join(allowed)}")
    for key in missing:
        report(mark, f"{what} is missing the required key {key!r}")
        sound = False
    if isinstance(record, Record):
        for key in record.keys:
            if key.name in node and not check_value(key, node, what, report,
                                                     written or (lambda m: "")):
                sound = False
    return sound
