"""How ratings are presented: the colours of the codes of the dimension that orders
recommendations, made once at load into a :class:`~nettree.model.RatingStyle`.

A code's colour is the one the file gives (``rating_style.colours``), else it comes from a
default ramp over the codes in the scheme's order (strongest first), harm codes apart: they
are drawn red, with the word "harm". Every exporter and legend reads the style; nothing
else decides a badge's colour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .model import RatingDimension, RatingLevel, RatingStyle

__all__ = ["DEFAULT_DIMENSION", "HARM", "UNRATED", "ink_for", "is_colour", "ramp", "rating_style"]

DEFAULT_DIMENSION = "strength"
"""The dimension used when a guideline declares no ``rating_style``."""

# The default ramp's anchors, strongest first: dark green, amber, salmon, grey. Up to four
# codes take them in order; more codes are spread evenly along them.
_ANCHORS = ("#1b7837", "#fdd96a", "#f4a582", "#d9d9d9")
HARM = ("#b2182b", "#ffffff")
"""(fill, ink) of a code drawn in the harm style."""
UNRATED = ("#ffffff", "#333333")
"""(fill, ink) of a citation without a level: a statement, or a guideline without a style."""
_DARK_INK, _LIGHT_INK = "#1a1a1a", "#ffffff"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def is_colour(text: object) -> bool:
    """Whether ``text`` is a colour as a file writes it: ``#rrggbb``.

    >>> is_colour("#1b7837"), is_colour("#12345"), is_colour("red")
    (True, False, False)
    """
    return isinstance(text, str) and _COLOUR.fullmatch(text) is not None


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def ink_for(fill: str) -> str:
    """The text colour readable on ``fill``: white on a dark fill, near-black otherwise.

    >>> ink_for("#1b7837"), ink_for("#fdd96a")
    ('#ffffff', '#1a1a1a')
    """
    r, g, b = _rgb(fill)
    return _LIGHT_INK if 0.299 * r + 0.587 * g + 0.114 * b < 140 else _DARK_INK


def ramp(count: int) -> tuple[str, ...]:
    """``count`` fills, strongest first: the anchors for up to four, else spread along them.

    >>> ramp(2)
    ('#1b7837', '#fdd96a')
    >>> len(set(ramp(7))), ramp(7)[0], ramp(7)[-1]
    (7, '#1b7837', '#d9d9d9')
    """
    if count <= len(_ANCHORS):
        return _ANCHORS[:count]
    fills = []
    steps = len(_ANCHORS) - 1
    for index in range(count):
        at = index * steps / (count - 1)
        low = min(int(at), steps - 1)
        part = at - low
        a, b = _rgb(_ANCHORS[low]), _rgb(_ANCHORS[low + 1])
        fills.append("#" + "".join(f"{round(x + (y - x) * part):02x}" for x, y in zip(a, b,
                                                                                     strict=True)))
    return tuple(fills)


def rating_style(dimension: RatingDimension | None, harm: tuple[str, ...] = (),
                 colours: Mapping[str, str] | None = None) -> RatingStyle:
    """The style of ``dimension`` (None: no style, every badge unrated): each code's rank,
    fill and ink; ``harm`` codes in the harm style, ``colours`` as given.

    >>> dim = RatingDimension("cor", "Class", (("1", "benefit"), ("3-H", "harm")))
    >>> [(lv.code, lv.fill, lv.harm) for lv in rating_style(dim, ("3-H",)).levels]
    [('1', '#1b7837', False), ('3-H', '#b2182b', True)]
    """
    if dimension is None:
        return RatingStyle()
    given = dict(colours or {})
    ramped = [code for code, _ in dimension.codes if code not in harm]
    fills = dict(zip(ramped, ramp(len(ramped)), strict=True))
    levels = []
    for rank, (code, meaning) in enumerate(dimension.codes):
        if code in given:
            fill, ink = given[code], ink_for(given[code])
        elif code in harm:
            fill, ink = HARM
        else:
            fill = fills[code]
            ink = ink_for(fill)
        levels.append(RatingLevel(code, meaning, rank, fill, ink, code in harm))
    return RatingStyle(dimension.name, dimension.label, tuple(levels))
