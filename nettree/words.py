"""Wording shared by every output: numbers, clause words, did-you-mean hints, JSON-ready values.

Each of these was written several times (in the loader, patient checks, domains, the
exporters); this module is their one home, so that a number or a hint reads the same
wherever it is shown. It imports nothing from nettree: every module may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "CLAUSE_WORDS",
    "SUGGESTION_CUTOFF",
    "clause_text",
    "closest",
    "did_you_mean",
    "number_text",
    "plain",
]


def number_text(value: float) -> str:
    """A number as a person writes it: a whole number without a decimal point, any other
    exactly as Python prints it (the shortest text that reads back as the same number, so
    two different thresholds never read the same).

    >>> number_text(12.0), number_text(12), number_text(2.5), number_text(0.1234567)
    ('12', '12', '2.5', '0.1234567')
    >>> number_text(1e-07), number_text(float("inf"))
    ('1e-07', 'inf')
    >>> number_text(1e17), number_text(-0.0), number_text(2**53 + 2.0)
    ('1e+17', '0', '9007199254740994')
    """
    value = float(value)
    if value.is_integer() and abs(value) < 1e16:  # repr would switch to an exponent here
        return str(int(value))
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


CLAUSE_WORDS = {"offer": "if", "only_if": "kept only if", "not_if": "removed if",
                "also": "also cites", "preferred": "preferred over",
                "not_recommended": "not recommended"}
"""The words that introduce a clause of a leaf's option, by the clause's kind
(:class:`nettree.export.model.Clause`)."""


def clause_text(kind: str, condition: str, over: Iterable[str] = ()) -> str:
    """A clause in words, as a diagram shows it after the clause's citations: its kind's
    words and its condition; an unconditional offer says nothing. A preference names the
    options it is preferred ``over``.

    >>> clause_text("not_if", "age < 18"), clause_text("only_if", "smoker = true")
    ('removed if age < 18', 'kept only if smoker = true')
    >>> clause_text("offer", ""), clause_text("also", "")
    ('', 'also cites')
    >>> clause_text("preferred", "age < 75", ["Opioid"]), clause_text("not_recommended", "")
    ('preferred over Opioid if age < 75', 'not recommended')
    """
    words = CLAUSE_WORDS[kind]
    over = list(over)
    if over:
        words = f"{words} {', '.join(over)}"
    if condition and kind in ("preferred", "not_recommended"):
        return f"{words} if {condition}"
    if condition:
        return f"{words} {condition}"
    return "" if kind == "offer" else words


SUGGESTION_CUTOFF = 0.6
"""How alike a name must be to a known one to be suggested: difflib's similarity ratio
(twice the matching characters over the total), at difflib's own default. A lower cutoff
suggests names that merely share a few letters (at 0.5, ``grade`` for ``age`` and
``status`` for ``stage``); a transposition passes (``lable`` for ``label``: 0.8), and an
abbreviation is caught by the prefix rule instead."""


def closest(name: object, choices: Iterable[object]) -> str | None:
    """The known choice that ``name`` most likely misspells, if any: the one place that
    guesses a meant name (see :func:`did_you_mean`).

    >>> closest("lable", ["label", "text"]), closest("zzz", ["label"])
    ('label', None)
    """
    import difflib  # only when a name is wrong

    text = str(name)
    known = [str(choice) for choice in choices]
    close = difflib.get_close_matches(text, known, n=1, cutoff=SUGGESTION_CUTOFF)
    if not close and text:
        close = [c for c in known if c.startswith(text) or text.startswith(c)][:1]
    return close[0] if close else None


def did_you_mean(name: object, choices: Iterable[object]) -> str:
    """A hint naming the known choice closest to a misspelt ``name``, or ``""``.

    Close means a similarity of at least :data:`SUGGESTION_CUTOFF`, or, failing that, one
    of the two being a prefix of the other (an abbreviated name for the full one).

    >>> did_you_mean("primary_sit", ["grade", "primary_site"])
    " (did you mean 'primary_site'?)"
    >>> did_you_mean("diff", ["differentiation", "grade"])
    " (did you mean 'differentiation'?)"
    >>> did_you_mean("weight", ["grade", "primary_site"])
    ''
    """
    meant = closest(name, choices)
    return f" (did you mean {meant!r}?)" if meant else ""


_SCALARS = (str, int, float, bool, type(None))


def plain(value: Any) -> Any:
    """A value as JSON carries it: mappings and lists item by item (lists keep their
    order), sets and tuples as sorted lists, a JSON scalar as it is, anything else (a set
    known only in part, in verification) as its text.

    >>> plain({"b": frozenset({"y", "x"}), "a": [3, 1], "c": (2, 1), "d": None})
    {'b': ['x', 'y'], 'a': [3, 1], 'c': [1, 2], 'd': None}
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, frozenset | set | tuple):
        return sorted(value)
    return str(value)
