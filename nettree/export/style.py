"""The visual language shared by every format: colours, line styles, wrap widths.

One place, so that the Graphviz drawing, the Mermaid chart and the HTML page look alike and
the legend of each describes the same thing.
"""

from __future__ import annotations

UNRANKED = "Options, not ranked (the choice is the team's and the patient's):"
"""The heading over a leaf's options in every static format: their order is no ranking."""
SECONDARY = "Only in a special circumstance (a qualifying statement):"
"""The heading over the options that only a qualifying statement offers."""

__all__ = [
    "KIND_STYLE",
    "KIND_WORDS",
    "PATH",
    "SECONDARY",
    "UNRANKED",
    "UNRATED",
    "WIDTH",
    "strength_colours",
]

PATH = "#c2185b"
"""The highlighted path: nodes and edges on it are drawn thick in this colour."""

# (fill, text) per strength rank, strongest first; ranks past the list use the last entry.
_STRENGTH = (
    ("#1b7837", "#ffffff"),  # the strongest code: dark green, white text
    ("#fdd96a", "#1a1a1a"),  # the next: amber
    ("#f4a582", "#1a1a1a"),  # then salmon
    ("#d9d9d9", "#1a1a1a"),  # any further code: grey
)

UNRATED = ("#ffffff", "#333333")
"""(fill, text) of a citation without a rating: a qualifying statement or a note."""


def strength_colours(rank: int | None) -> tuple[str, str]:
    """``(fill, text)`` for a strength rank (0 is the strongest); ``None`` is unrated.

    >>> strength_colours(0), strength_colours(9), strength_colours(None)
    (('#1b7837', '#ffffff'), ('#d9d9d9', '#1a1a1a'), ('#ffffff', '#333333'))
    """
    if rank is None:
        return UNRATED
    return _STRENGTH[min(rank, len(_STRENGTH) - 1)]


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
