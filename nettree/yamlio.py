"""Safe YAML reading that remembers where every key and value stood in the file.

Guideline authors are told the exact ``file:line:column`` of each problem, so mappings and
sequences are built as :class:`YMap` and :class:`YList`, which carry the positions of their
keys, values and items. Duplicate keys, which PyYAML silently overwrites, are reported.

Plain values follow the YAML 1.2 core schema, not YAML 1.1, whose rules are a classic trap in
data files:

- only ``true``/``false`` (and ``True``, ``TRUE``, ...) are booleans: ``no``, ``on`` and ``off``
  are texts;
- integers are decimal: ``024`` is 24. Octal, hexadecimal, binary and digit separators
  (``0o24``, ``0x14``, ``0b10100``, ``2_0``) are not numbers: they stay texts, so a field that
  needs a number says so and shows what was written;
- ``1e3`` is the number 1000.0; ``.inf``, ``-.inf`` and ``.nan`` are the non-finite numbers
  (patients and guidelines refuse them where a number is needed);
- dates (``2024-01-01``) stay texts.

Explicit tags are limited to the core schema's (``!!str !!int !!float !!bool !!null !!seq
!!map``); a number too large for a float, a tag that does not fit its value, or any other tag
is one located problem. Aliases are expanded at most to :data:`MAX_NODES` nodes, and an alias
inside its own anchor is refused, so an "alias bomb" stops at once with a message.

libyaml parses the text where PyYAML was built with it (about six times faster); the events
it produces are composed and built by the same Python code as the pure-Python parser's, so
the data, positions and messages do not depend on it. Where the two parsers differ, PyYAML's
reading is used: a syntax error is reported by re-reading with it (its messages are the
documented ones), and a text with a tab, a byte-order mark, an empty value or a comment right
after a block scalar's header is read by it alone.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any, NamedTuple

from .errors import shown

__all__ = ["MAX_NODES", "Mark", "YList", "YMap", "mark_of", "parse_yaml"]

#: The most nodes (scalars, lists and mappings, with aliases expanded) one file may hold.
MAX_NODES = 100_000

#: The explicit tags a file may use (the YAML 1.2 core schema's).
ALLOWED_TAGS = ("str", "int", "float", "bool", "null", "seq", "map")


class Mark(NamedTuple):
    """A 1-based position in a file."""

    line: int
    column: int


class YMap(dict[Any, Any]):
    """A mapping read from YAML, with the position of itself, each key and each value."""

    mark: Mark
    key_marks: dict[Any, Mark]
    value_marks: dict[Any, Mark]


class YList(list[Any]):
    """A sequence read from YAML, with the position of itself and of each item."""

    mark: Mark
    item_marks: list[Mark]


def mark_of(node: Any) -> Mark:
    """The position of a mapping or sequence read by :func:`parse_yaml` (line 1 otherwise)."""
    return getattr(node, "mark", Mark(1, 1))


class _Refused(Exception):
    """A value that cannot be read: stops parsing with one located problem."""

    def __init__(self, where: Any, message: str) -> None:
        super().__init__(message)
        self.mark = Mark(where.line + 1, where.column + 1)
        self.message = message


_CORE = "tag:yaml.org,2002:"
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_MAX_DIGITS = len(str(int(sys.float_info.max)))  # 309: more digits cannot be a float


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


_CLASSES: dict[bool, Any] = {}


def _loader_class(libyaml: bool) -> Any:
    """The loader class: libyaml's event parser or PyYAML's, with nettree's composer and
    constructors either way."""
    if libyaml in _CLASSES:
        return _CLASSES[libyaml]
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.events import AliasEvent, ScalarEvent
    from yaml.nodes import ScalarNode, SequenceNode
    from yaml.resolver import Resolver

    def mark(node: Any) -> Mark:
        return Mark(node.start_mark.line + 1, node.start_mark.column + 1)

    class Nettree(Composer, SafeConstructor, Resolver):
        problems: list[tuple[Mark, str]]
        libyaml = False

        def setup(self) -> None:
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self.problems = []
            self.nodes = 0  # nodes composed so far, aliases expanded
            self.sizes: dict[int, int] = {}  # id(anchored node) -> its expanded size
            self.open: set[str] = set()  # anchors whose node is being composed

        # -- composing: count nodes with aliases expanded, refuse recursive aliases

        def count(self, added: int, where: Any, alias: bool) -> None:
            self.nodes += added
            if self.nodes > MAX_NODES:
                raise _Refused(where, f"aliases expand to more than {MAX_NODES:,} nodes"
                               if alias else f"the file has more than {MAX_NODES:,} nodes "
                               "(values, keys and items)")

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()  # type: ignore[attr-defined]
            if isinstance(event, AliasEvent):
                if event.anchor in self.open:
                    raise _Refused(event.start_mark, f"recursive alias *{event.anchor}: the "
                                   "alias is inside the value it names")
                node = Composer.compose_node(self, parent, index)
                self.count(self.sizes.get(id(node), 1), event.start_mark, alias=True)
                return node
            if self.libyaml and isinstance(event, ScalarEvent) and event.value == "" and \
                    not event.style:
                # libyaml places some empty values elsewhere ("? x", "{a: }") and resolves
                # a tagged one ("!") otherwise: PyYAML's reading is the documented one.
                raise _Fallback((Mark(1, 1), ""))
            anchor = event.anchor
            before = self.nodes
            self.count(1, event.start_mark, alias=False)
            if anchor is not None:
                self.open.add(anchor)
            node = Composer.compose_node(self, parent, index)
            if anchor is not None:
                self.open.discard(anchor)
                self.sizes[id(node)] = self.nodes - before
            return node

        # -- constructing: every failure is one located problem

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return SafeConstructor.construct_object(self, node, deep)
            except (_Refused, yaml.YAMLError, RecursionError):
                raise
            except Exception as exc:  # a safety net: no constructor error is a traceback
                raise _Refused(node.start_mark,
                               f"cannot read this value ({type(exc).__name__})") from None

    def construct_map(loader: Any, node: Any) -> Any:
        data = YMap()
        data.mark, data.key_marks, data.value_marks = mark(node), {}, {}
        yield data
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                loader.problems.append((mark(key_node), "a mapping key must be a plain value"))
                continue
            if key in data:
                loader.problems.append((mark(key_node), f"duplicate key {shown(key)}"))
            data[key] = loader.construct_object(value_node, deep=True)
            data.key_marks[key] = mark(key_node)
            data.value_marks[key] = mark(value_node)

    def construct_seq(loader: Any, node: Any) -> Any:
        data = YList()
        data.mark, data.item_marks = mark(node), []
        yield data
        for child in node.value:
            data.append(loader.construct_object(child, deep=True))
            data.item_marks.append(mark(child))

    def scalar(loader: Any, node: Any, kind: str) -> str:
        if not isinstance(node, ScalarNode):
            raise _Refused(node.start_mark, f"!!{kind} must be a single value, not a "
                           f"{'list' if isinstance(node, SequenceNode) else 'mapping'}")
        value: str = node.value
        return value

    def construct_int(loader: Any, node: Any) -> int:
        text = scalar(loader, node, "int")
        if not _INT.match(text):
            raise _Refused(node.start_mark, f"{shown(text)} is not a decimal integer")
        return _integer(text, node.start_mark)

    def construct_float(loader: Any, node: Any) -> float:
        text = scalar(loader, node, "float")
        if _INF.match(text):
            return -math.inf if text.startswith("-") else math.inf
        if _NAN.match(text):
            return math.nan
        if not _FLOAT.match(text):
            raise _Refused(node.start_mark, f"{shown(text)} is not a number")
        return _float(text, node.start_mark)

    def construct_bool(loader: Any, node: Any) -> bool:
        text = scalar(loader, node, "bool")
        if not _BOOL.match(text):
            raise _Refused(node.start_mark, f"{shown(text)} is not true or false")
        return text.lower() == "true"

    def construct_null(loader: Any, node: Any) -> None:
        text = scalar(loader, node, "null")
        if not _NULL.match(text):
            raise _Refused(node.start_mark, f"{shown(text)} is not null")

    def construct_str(loader: Any, node: Any) -> str:
        return scalar(loader, node, "str")

    def construct_other(loader: Any, node: Any) -> Any:
        allowed = " ".join(f"!!{tag}" for tag in ALLOWED_TAGS)
        raise _Refused(node.start_mark, f"the tag {shown(_tag_name(node.tag), 40)} is not "
                       f"supported (the tags allowed are {allowed})")

    Nettree.yaml_constructors = {
        _CORE + "map": construct_map,
        _CORE + "seq": construct_seq,
        _CORE + "str": construct_str,
        _CORE + "int": construct_int,
        _CORE + "float": construct_float,
        _CORE + "bool": construct_bool,
        _CORE + "null": construct_null,
        None: construct_other,
    }
    Nettree.yaml_multi_constructors = {}
    # The YAML 1.2 core schema, plus the merge key ``<<`` that nettree has always read.
    Nettree.yaml_implicit_resolvers = {}
    for tag, pattern, first in (
        ("bool", _BOOL, "tTfF"),
        ("int", _INT, "-+0123456789"),
        ("float", _FLOAT, "-+0123456789."),
        ("float", _INF, "-+."),
        ("float", _NAN, "."),
        ("null", _NULL, ["~", "n", "N", ""]),
        ("merge", re.compile(r"^(?:<<)$"), "<"),
    ):
        Nettree.add_implicit_resolver(_CORE + tag, pattern, list(first))

    if libyaml:
        from yaml._yaml import CParser

        class CLoader(Nettree, CParser):
            libyaml = True

            def __init__(self, stream: str) -> None:
                CParser.__init__(self, stream)
                self.setup()

        _CLASSES[libyaml] = CLoader
    else:
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class PyLoader(Reader, Scanner, Parser, Nettree):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)
                self.setup()

        _CLASSES[libyaml] = PyLoader
    return _CLASSES[libyaml]


def _integer(text: str, where: Any) -> int:
    digits = len(text.lstrip("+-").lstrip("0"))
    if digits > _MAX_DIGITS or abs(value := int(text)) > sys.float_info.max:
        raise _Refused(where, f"the number {shown(text, 30)} is too large (a number may be "
                       "at most about 1.8e308)")
    return value


def _float(text: str, where: Any) -> float:
    value = float(text)
    if math.isinf(value):  # a finite literal beyond the largest float
        raise _Refused(where, f"the number {shown(text, 30)} is too large (a number may be "
                       "at most about 1.8e308)")
    return value


def has_libyaml() -> bool:
    """Whether PyYAML was built with libyaml (then :func:`parse_yaml` uses it)."""
    import yaml

    return bool(getattr(yaml, "__with_libyaml__", False))


def parse_yaml(text: str, *, libyaml: bool | None = None) -> tuple[Any, list[tuple[Mark, str]]]:
    """Parse YAML text safely. Returns the data and a list of ``(position, message)`` problems.

    A syntax error, a value that cannot be read or too many nodes is returned as one problem
    (with data ``None``), never raised. ``libyaml`` chooses the parser (default: libyaml
    where available); both give the same data, positions and messages.

    >>> data, problems = parse_yaml("answer: no\\nflag: true\\nki67: 024\\nday: 2024-01-01\\n")
    >>> data["answer"], data["flag"], data["ki67"], data["day"], problems
    ('no', True, 24, '2024-01-01', [])
    >>> data.value_marks["flag"]
    Mark(line=2, column=7)
    >>> parse_yaml("a: 1\\na: 2\\n")[1]
    [(Mark(line=2, column=1), "duplicate key 'a'")]
    >>> parse_yaml("a: !!int abc\\n")
    (None, [(Mark(line=1, column=4), "'abc' is not a decimal integer")])
    """
    if libyaml is None:
        libyaml = has_libyaml()
    if libyaml and not _PYTHON_ONLY.search(text):
        try:
            return _parse(text, True)
        except _Fallback:  # libyaml's own error, or a case it reads differently
            pass
    try:
        return _parse(text, False)
    except _Fallback as failed:
        return None, [failed.problem]


# What libyaml and PyYAML read differently (a tab after a token, a second byte-order mark, a
# comment right after a block scalar's header, which libyaml accepts): a text with one is
# parsed by PyYAML alone. tests/test_fuzz_inputs.py compares the two parsers on random text.
_PYTHON_ONLY = re.compile(r"[\t\ufeff]|[|>][-+0-9]*#")


class _Fallback(Exception):
    def __init__(self, problem: tuple[Mark, str]) -> None:
        super().__init__(problem[1])
        self.problem = problem


def _parse(text: str, libyaml: bool) -> tuple[Any, list[tuple[Mark, str]]]:
    import yaml

    try:
        loader = _loader_class(libyaml)(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        raise _Fallback(_bad_character(text, exc)) from None
    except UnicodeEncodeError:  # libyaml takes UTF-8: a lone surrogate is worded by Python
        raise _Fallback((Mark(1, 1), "")) from None
    except yaml.YAMLError as exc:
        raise _Fallback((Mark(1, 1), f"YAML error: {exc}")) from None
    try:
        data = loader.get_single_data()
    except _Refused as exc:
        return None, [(exc.mark, exc.message)]
    except yaml.reader.ReaderError as exc:
        raise _Fallback(_bad_character(text, exc)) from None
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        position = Mark(where.line + 1, where.column + 1) if where else Mark(1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise _Fallback((position, f"YAML syntax error: {message}{_hint(message)}")) from None
    except yaml.YAMLError as exc:
        raise _Fallback((Mark(1, 1), f"YAML error: {exc}")) from None
    except RecursionError:
        return None, [(Mark(1, 1), "YAML error: nested too deeply")]
    finally:
        loader.dispose()
    return data, loader.problems


def _bad_character(text: str, exc: Any) -> tuple[Mark, str]:
    """The position and code of a character YAML does not allow (a control character)."""
    at = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
    line_start = text.rfind("\n", 0, at) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return (Mark(text.count("\n", 0, at) + 1, at - line_start + 1),
            f"YAML error: the character #x{code:04x} is not allowed in a YAML file (write a "
            "control character as an escape inside double quotes, e.g. \"\\e\")")


def _hint(message: str) -> str:
    """PyYAML's words for a misplaced line rarely say "indentation": add it."""
    if any(words in message for words in ("mapping values are not allowed",
                                          "expected <block end>",
                                          "did not find expected key",
                                          "could not find expected ':'")):
        return (" (check the indentation of this line and of the line before it: keys of "
                "one mapping line up, and a nested value is indented further)")
    return ""
