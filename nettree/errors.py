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
    "cut",
    "for_terminal",
    "shown",
]

#: The longest line of an error or a problem printed by the CLI (longer ones are cut).
LINE_LIMIT = 400


def cut(text: str, limit: int = LINE_LIMIT) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was.

    >>> cut("abc"), cut("x" * 30, limit=10)
    ('abc', 'xxxxxxxx… (30 characters)')
    """
    if len(text) > limit:
        return f"{text[:limit - 2]}… ({len(text)} characters)"
    return text


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
    return cut(text, limit)


# C0 controls but newline and tab, DEL and C1 controls: a terminal may act on any of them.
_CONTROLS = {code: f"\\u{code:04x}" for code in (*range(0x20), *range(0x7F, 0xA0))
             if code not in (0x09, 0x0A)}


def for_terminal(text: str, line_limit: int | None = None) -> str:
    r"""``text`` safe to print: every control character but newline and tab is escaped.

    Escapes read ``\u001b`` (also valid inside a JSON string, so JSON output stays JSON
    with the same data). With ``line_limit``, each line is cut to that many characters.

    >>> for_terminal("title\x1b]0;pwned\x07 ok\r\n")
    'title\\u001b]0;pwned\\u0007 ok\\u000d\n'
    >>> for_terminal("a" * 12 + "\nb", line_limit=10)
    'aaaaaaaa… (12 characters)\nb'
    """
    text = text.translate(_CONTROLS)
    if line_limit is not None:
        text = "\n".join(cut(line, line_limit) for line in text.split("\n"))
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
            f"no guideline {shown(name, 200)}: give a bundled id ({listed}) or the path of a "
            "guideline file"
        )
