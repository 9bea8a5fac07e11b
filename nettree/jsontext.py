"""JSON text indented by two spaces, as ``json.dumps(data, indent=2, ensure_ascii=False)``
writes it, character for character, several times faster.

With an indent, :mod:`json` encodes in pure Python, a generator per container: the profiles
of a guideline (``nettree enumerate --profiles --format json``) spent most of their time
there. Here texts are encoded by json's C function and the rest is one recursive walk that
appends to a list.
"""

from __future__ import annotations

from json.encoder import encode_basestring  # the C encoder when there is one
from typing import Any

__all__ = ["indented"]

_INFINITY = float("inf")


def indented(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, equal character for character.

    >>> indented({"a": [1, 2.5, None], "b": {}, "c": "é"})
    '{\\n  "a": [\\n    1,\\n    2.5,\\n    null\\n  ],\\n  "b": {},\\n  "c": "é"\\n}'
    """
    parts: list[str] = []
    _write(data, parts, "\n")
    return "".join(parts)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str | None:
    """A value that is no container as JSON (None for a container or another type)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _key(key: Any) -> str:
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        return encode_basestring(_float(key))
    if key is True or key is False or key is None or isinstance(key, int):
        return encode_basestring(_scalar(key) or "")
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _write(value: Any, parts: list[str], newline: str) -> None:
    """Append ``value``'s text, its inner lines starting with ``newline``."""
    text = _scalar(value)
    if text is not None:
        parts.append(text)
        return
    inner = newline + "  "
    between = "," + inner
    if isinstance(value, list | tuple):
        if not value:
            parts.append("[]")
            return
        parts.append("[" + inner)
        first = True
        for item in value:
            if not first:
                parts.append(between)
            first = False
            text = _scalar(item)
            if text is not None:
                parts.append(text)
            else:
                _write(item, parts, inner)
        parts.append(newline + "]")
        return
    if isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        parts.append("{" + inner)
        first = True
        for key, item in value.items():
            if not first:
                parts.append(between)
            first = False
            parts.append(_key(key) + ": ")
            text = _scalar(item)
            if text is not None:
                parts.append(text)
            else:
                _write(item, parts, inner)
        parts.append(newline + "}")
        return
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
