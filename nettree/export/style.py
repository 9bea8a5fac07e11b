"""The visual language shared by every format: colours, line styles, wrap widths.

One place, so that the Graphviz drawing, the Mermaid chart and the HTML page look alike and
the legend of each describes the same thing.
"""

from __future__ import annotations

from ..model import RatingLevel
from ..ratings import HARM, UNRATED

UNRANKED = "Options, not ranked (the choice is the team's and the patient's):"
"""The heading over a leaf's options in every static format: their order is no ranking."""
UNRANKED_EXCEPT = ("Options, unranked except where a preference is stated (the choice is the "
                   "team's and the patient's):")
"""The heading instead when an option of the leaf states a preference over others."""
NOT_RECOMMENDED = "\u26a0 not recommended"
"""The words of a warning against an option (never shown as an offered option)."""
WARNING_INK = HARM[0]
"""The colour of a warning's words: the harm style's red."""

SECONDARY = "Only in a special circumstance (a qualifying statement):"
"""The heading over the options that only a qualifying statement offers."""

__all__ = [
    "KIND_STYLE",
    "KIND_WORDS",
    "NOT_RECOMMENDED",
    "PATH",
    "SECONDARY",
    "UNRANKED",
    "UNRANKED_EXCEPT",
    "UNRATED",
    "WARNING_INK",
    "WIDTH",
    "level_colours",
    "options_heading",
]

PATH = "#c2185b"
"""The highlighted path: nodes and edges on it are drawn thick in this colour."""


def options_heading(preference: bool) -> str:
    """The heading over a leaf's options: unranked, except where a preference is stated."""
    return UNRANKED_EXCEPT if preference else UNRANKED


def level_colours(level: RatingLevel | None) -> tuple[str, str]:
    """``(fill, text)`` of a rating level (see :mod:`nettree.ratings`); ``None`` is unrated."""
    return UNRATED if level is None else (level.fill, level.ink)


# (fill, border, text, dashed) per node kind.
KIND_STYLE = {
    "decision": ("#e3eefa", "#3b6ea8", "#10243e", False),
    "recommendation": ("#ffffff", "#2d3748", "#1a1a1a", False),
    "needs_information": ("#fff4e5", "#d97706", "#3d2600", True),
    "out_of_scope": ("#f1f1f1", "#8a8a8a", "#4a4a4a", True),
}

KIND_WORDS = {
    "decision": "Decision: a question about the patient; each arrow is an answer",
    "recommendation": "Recommendation: the options it may offer, each with its citations",
    "needs_information": "Needs information: the guideline asks for data first",
    "out_of_scope": "Out of scope: the guideline does not apply",
}

# Characters per line when labels are wrapped.
WIDTH = {
    "question": 26,
    "answer": 22,
    "title": 38,
    "option": 40,
    "condition": 40,
    "detail": 42,
    "legend": 110,
}
