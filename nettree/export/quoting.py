r"""Escaping and wrapping for every diagram format, in one place.

Each output language has its own special characters: DOT's quoted strings, HTML-like
labels and ``//`` comments, Mermaid's quoted labels, ``%%`` comments and node ids, and the
HTML page with its JSON data. Renderers never escape by hand; they call these functions.

Text from a guideline file may hold any character. A line break of any kind (``\r``,
``\n``, ``\v``, ``\f``, ``\x1c``-``\x1e``, ``\x85``, ``\u2028``, ``\u2029``) would end a
comment line and start a statement of the reader's language, so comments are made one line;
``%%{`` would open a Mermaid directive anywhere in the text, so ``%%`` never reaches
Mermaid.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

__all__ = [
    "dot_comment",
    "dot_html",
    "dot_string",
    "html_text",
    "mermaid_comment",
    "mermaid_label",
    "one_line",
    "safe_ids",
    "script_json",
    "wrap",
]


def one_line(text: str) -> str:
    r"""``text`` with every run of white space, line breaks of every kind included, as one
    space: it cannot end the line it is written on.

    >>> one_line("1\r%%{init: {}}%%\u2028click A  call alert()\x85")
    '1 %%{init: {}}%% click A call alert()'
    """
    return " ".join(text.split())


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
    """A DOT double-quoted string (for ids and plain attribute values); a line break of
    any kind becomes Graphviz's ``\\n``, so the string stays on its line.

    >>> dot_string('a "quoted" id')
    '"a \\\\"quoted\\\\" id"'
    >>> dot_string("back\\\\slash")
    '"back\\\\\\\\slash"'
    >>> dot_string("one\\r\\ntwo\\u2028three")
    '"one\\\\ntwo\\\\nthree"'
    """
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _LINE_BREAK.sub("\\\\n", text) + '"'


_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def dot_comment(text: str) -> str:
    r"""Text for the rest of a DOT ``//`` comment line: one line, so that it cannot end the
    comment and add statements to the graph.

    >>> dot_comment("1\n}\ndigraph evil { a -> b }")
    '1 } digraph evil { a -> b }'
    """
    return one_line(text)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def dot_html(text: str) -> str:
    r"""Text for a Graphviz HTML-like label (``<...>``): XML special characters escaped, and
    control characters and line breaks made spaces (XML forbids some, so Graphviz would
    refuse the label; the others are white space there), so the text stays on its line.

    >>> dot_html('ki67 < 10 & "x" > 3')
    'ki67 &lt; 10 &amp; &quot;x&quot; &gt; 3'
    >>> dot_html("a\x0cb\x1bc\r\nd\u2028e")
    'a b c  d e'
    """
    text = _CONTROL.sub(" ", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def html_text(text: str) -> str:
    """Text for HTML and SVG content or a double-quoted attribute.

    >>> html_text("<b>'a' & \\"b\\"</b>")
    '&lt;b&gt;&#39;a&#39; &amp; &quot;b&quot;&lt;/b&gt;'
    """
    return dot_html(text).replace("'", "&#39;")


def script_json(data: str) -> str:
    """JSON text safe inside an HTML ``<script>`` element: ``</`` cannot close the element
    and ``<!--`` cannot switch the parser into the state where ``</script>`` does not end
    it (both occur only inside JSON strings, where these escapes mean the same).

    >>> script_json('{"a": "</script><!--<script>"}')
    '{"a": "<\\\\/script>\\\\u003c!--<script>"}'
    """
    return data.replace("</", "<\\/").replace("<!--", "\\u003c!--")


_MERMAID_ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "&": "#amp;"}
_DOUBLE_PERCENT = re.compile("(?<=%)%")


def _no_directive(text: str) -> str:
    """Every ``%`` that follows a ``%`` as Mermaid's entity code: Mermaid looks for
    ``%%{...}%%`` directives anywhere in its input, labels and comments included."""
    return _DOUBLE_PERCENT.sub("#37;", text)


def mermaid_label(text: str) -> str:
    """Text for inside a quoted Mermaid label (``A["..."]``): characters that end or break a
    label become Mermaid entity codes, and so does the second ``%`` of ``%%``.

    >>> mermaid_label('ki67 < 10 & "G3" #1')
    'ki67 #lt; 10 #amp; #quot;G3#quot; #35;1'
    >>> mermaid_label("50% %%{init: {}}%%")
    '50% %#37;{init: {}}%#37;'
    """
    text = "".join(_MERMAID_ENTITIES.get(char, char) for char in one_line(text))
    return _no_directive(text)


def mermaid_comment(text: str) -> str:
    r"""Text for the rest of a Mermaid ``%%`` comment line: one line, so that it cannot end
    the comment and add statements, and without ``%%``, so that it holds no directive.

    >>> mermaid_comment('1\r%%{init: {"theme": "dark"}}%%\rclick A call alert()')
    '1 %#37;{init: {"theme": "dark"}}%#37; click A call alert()'
    """
    return _no_directive(one_line(text))


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
