"""Safe YAML reading that remembers where every key and value stood in the file.

Guideline authors are told the exact ``file:line:column`` of each problem, so mappings and
sequences are built as :class:`YMap` and :class:`YList`, which carry the positions of their
keys, values and items. Only ``true``/``false`` are booleans (YAML 1.2): YAML 1.1 would read
``no``, ``on`` and ``off`` as booleans, a classic trap in data files. Duplicate keys, which
PyYAML silently overwrites, are reported.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

__all__ = ["Mark", "YList", "YMap", "mark_of", "parse_yaml"]


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


_LOADER: Any = None


def _loader_class() -> Any:
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    class Loader(yaml.SafeLoader):
        problems: list[tuple[Mark, str]]

    bool_tag = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )

    def mark(node: Any) -> Mark:
        return Mark(node.start_mark.line + 1, node.start_mark.column + 1)

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
                loader.problems.append((mark(key_node), f"duplicate key {key!r}"))
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

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    _LOADER = Loader
    return Loader


def parse_yaml(text: str) -> tuple[Any, list[tuple[Mark, str]]]:
    """Parse YAML text safely. Returns the data and a list of ``(position, message)`` problems.

    A syntax error is returned as a problem (with data ``None``), never raised.

    >>> data, problems = parse_yaml("answer: no\\nflag: true\\n")
    >>> data["answer"], data["flag"], problems
    ('no', True, [])
    >>> data.value_marks["flag"]
    Mark(line=2, column=7)
    >>> parse_yaml("a: 1\\na: 2\\n")[1]
    [(Mark(line=2, column=1), "duplicate key 'a'")]
    """
    import yaml

    try:
        loader = _loader_class()(text)
    except yaml.YAMLError as exc:  # e.g. a character YAML does not allow
        return None, [(Mark(1, 1), f"YAML error: {exc}")]
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        position = Mark(where.line + 1, where.column + 1) if where else Mark(1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [(position, f"YAML syntax error: {message}{_hint(message)}")]
    except yaml.YAMLError as exc:
        return None, [(Mark(1, 1), f"YAML error: {exc}")]
    except RecursionError:
        return None, [(Mark(1, 1), "YAML error: nested too deeply")]
    finally:
        loader.dispose()
    return data, loader.problems


def _hint(message: str) -> str:
    """PyYAML's words for a misplaced line rarely say "indentation": add it."""
    if any(words in message for words in ("mapping values are not allowed",
                                          "expected <block end>",
                                          "did not find expected key",
                                          "could not find expected ':'")):
        return (" (check the indentation of this line and of the line before it: keys of "
                "one mapping line up, and a nested value is indented further)")
    return ""
