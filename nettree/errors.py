"""Errors raised by nettree.

Every error derives from :class:`NettreeError` and from the builtin it refines, so callers may
catch either. Errors carry data (the field, the file position), not only a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "GuidelineError",
    "GuidelineNotFoundError",
    "NettreeError",
    "PatientError",
    "Problem",
    "shown",
]


def shown(value: Any, limit: int = 80) -> str:
    r"""``repr(value)`` for a message: cut to ``limit`` characters, control characters escaped.

    Messages echo what the user wrote; a whole file or an alias-expanded value must not be
    echoed in full, and nothing from a file may reach a terminal as a control sequence.

    >>> shown("maybe")
    "'maybe'"
    >>> shown("x" * 200, limit=20)
    "'xxxxxxxxxxxxxxxxx… (202 characters)"
    >>> shown("a\x1b[31mb")
    "'a\\x1b[31mb'"
    """
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails (e.g. too many digits) is still shown
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        return f"{text[:limit - 2]}… ({len(text)} characters)"
    return text


class NettreeError(Exception):
    """Base class of every error nettree raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a guideline file, with its position (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str
    check: str = "schema"  # schema, syntax, references or structure (verification names)
    node: str | None = None  # the decision or leaf concerned, if any

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class GuidelineError(NettreeError, ValueError):
    """A guideline file is invalid: ``problems`` lists every problem, each with its position."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], *, file: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        self.file = file or (self.problems[0].file if self.problems else "")
        count = len(self.problems)
        head = f"{self.file}: {count} problem{'s' if count != 1 else ''} in the guideline file"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class PatientError(NettreeError, ValueError):
    """A patient is invalid: ``field`` names the offending field, ``value`` what was given."""

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        self.field = field
        self.value = value
        super().__init__(message)


class GuidelineNotFoundError(NettreeError, LookupError):
    """No bundled guideline has this id and no file has this path."""

    def __init__(self, name: str, available: list[str]) -> None:
        self.name = name
        self.available = tuple(available)
        listed = ", ".join(available) or "none"
        super().__init__(
            f"no guideline {name!r}: give a bundled id ({listed}) or the path of a guideline file"
        )
