"""Escaping and wrapping for every diagram format, in one place.

Each output language has its own special characters: DOT's quoted strings and HTML-like
labels, Mermaid's quoted labels and node ids, and the HTML page. Renderers never escape by
hand; they call these functions.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

__all__ = [
    "dot_html",
    "dot_string",
    "html_text",
    "mermaid_label",
    "safe_ids",
    "wrap",
]


def wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` characters (longer words stay whole).

    >>> wrap("Is the SSTR status known from SSTR PET?", 20)
    ['Is the SSTR status', 'known from SSTR PET?']
    >>> wrap("", 10)
    ['']
    """
    lines = textwrap.wrap(" ".join(text.split()), width, break_long_words=False,
                          break_on_hyphens=False)
    return lines or [""]


def dot_string(text: str) -> str:
    """A DOT double-quoted string (for ids and plain attribute values).

    >>> dot_string('a "quoted" id')
    '"a \\\\"quoted\\\\" id"'
    >>> dot_string("back\\\\slash")
    '"back\\\\\\\\slash"'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot_html(text: str) -> str:
    """Text for a Graphviz HTML-like label (``<...>``): XML special characters escaped.

    >>> dot_html('ki67 < 10 & "x" > 3')
    'ki67 &lt; 10 &amp; &quot;x&quot; &gt; 3'
    """
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def html_text(text: str) -> str:
    """Text for HTML and SVG content or a double-quoted attribute.

    >>> html_text("<b>'a' & \\"b\\"</b>")
    '&lt;b&gt;&#39;a&#39; &amp; &quot;b&quot;&lt;/b&gt;'
    """
    return dot_html(text).replace("'", "&#39;")


_MERMAID_ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "&": "#amp;"}


def mermaid_label(text: str) -> str:
    """Text for inside a quoted Mermaid label (``A["..."]``): characters that end or break a
    label become Mermaid entity codes.

    >>> mermaid_label('ki67 < 10 & "G3" #1')
    'ki67 #lt; 10 #amp; #quot;G3#quot; #35;1'
    """
    return "".join(_MERMAID_ENTITIES.get(char, char) for char in " ".join(text.split()))


_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def safe_ids(names: Iterable[str], prefix: str = "n_") -> dict[str, str]:
    """A map from arbitrary names to distinct ids safe in DOT, Mermaid, SVG and CSS.

    Unsafe characters become ``_``; a prefix keeps ids from starting with a digit or
    being a Mermaid keyword (``end``); clashes get a number, deterministically.

    >>> safe_ids(["gi-g12-first", "end", "a b", "a_b"])
    {'gi-g12-first': 'n_gi_g12_first', 'end': 'n_end', 'a b': 'n_a_b', 'a_b': 'n_a_b_2'}
    """
    result: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = prefix + _UNSAFE.sub("_", name)
        candidate, number = base, 1
        while candidate in used:
            number += 1
            candidate = f"{base}_{number}"
        used.add(candidate)
        result[name] = candidate
    return result
