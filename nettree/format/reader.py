"""The reader's state and its small helpers: where problems go, and the checks of one value
(a record's keys through the walker, a text, an id, a list of ids)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..conditions import Named
from ..errors import Problem, shown
from ..model import (
    Field,
    Option,
    Position,
    Step,
)
from ..yamlio import Mark, YList, YMap
from . import declare
from .walk import items, kind_of, walk_keys


class Reader:
    """Holds the problems found and what has been read so far."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.file = str(path)
        self.text = text
        self.problems: list[Problem] = []
        self.marks: set[Mark] = set()  # where a problem was reported
        self.fields: dict[str, Field] = {}
        self.options: dict[str, Option] = {}
        self.cites: dict[str, str] = {}  # recommendation or statement id -> recommendation id
        self.step_set_raw: dict[str, tuple[Any, Mark]] = {}
        self.step_sets: dict[str, tuple[Step, ...]] = {}
        self.step_sets_failed: set[str] = set()
        # Named conditions: as written (the condition, where its record and name are), those
        # built, and those that are not (their problems were reported where they are written).
        self.named_raw: dict[str, tuple[Any, Mark, Mark]] = {}
        self.named: dict[str, Named] = {}
        self.named_failed: set[str] = set()
        # Every node id declared and every edge written, even where the node's or branch's
        # own definition is broken: so one defect is reported once, not again as a dangling
        # edge or an unreachable subtree.
        self.declared: dict[str, Mark] = {}
        self.current_node: str | None = None  # the decision or leaf being read, for problems
        self.edges: list[tuple[str, str, Mark, str]] = []
        self.open_nodes: set[str] = set()  # decisions with a branch whose target is not known
        # Names written, even where their record is broken (its problem is reported there): a
        # reference to a broken record is not reported again as a reference to nothing.
        self.dim_names: tuple[str, ...] = ()
        self.option_names: set[str] = set()
        self.field_names: set[str] = set()

    # -- small helpers

    def problem(self, mark: Mark, message: str, *, check: str = "schema",
                node: str | None = None) -> None:
        if mark in self.marks:
            return  # one place, one problem: e.g. a node shared through a YAML alias, read twice
        self.marks.add(mark)
        node = node if node is not None else self.current_node
        self.problems.append(Problem(self.file, mark.line, mark.column, message, check, node))

    def position(self, mark: Mark) -> Position:
        return Position(self.file, mark.line, mark.column)

    def keys(self, node: Any, mark: Mark, what: str,
             record: str | tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
        """Check ``node`` against a declared record (or (required, optional) keys)."""
        return walk_keys(declare.record(record) if isinstance(record, str) else record,
                         node, mark, what, self.problem, self.written)

    def written(self, mark: Mark) -> str:
        """The value at ``mark`` as written in the file (its line, up to a comment), cut."""
        lines = self.text.splitlines()
        line = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
        text = line[mark.column - 1:].split("#")[0].strip().rstrip(",}]").strip()
        return text if len(text) <= 40 else f"{text[:30]}… ({len(text)} characters)"

    def scalar_written(self, mark: Mark) -> str:
        """The plain scalar at ``mark`` as written (up to a comma, bracket, brace or comment)."""
        lines = self.text.splitlines()
        line = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
        found = re.match(r"[^,\]}#]*", line[mark.column - 1:])
        text = found.group(0).strip() if found else ""
        return text if len(text) <= 40 else f"{text[:30]}… ({len(text)} characters)"

    def got(self, value: Any, mark: Mark) -> str:
        """What was written where a text (a code, a value) was expected, and how to write it:
        ``the number 1; quote it as "1"``."""
        if isinstance(value, bool) or (isinstance(value, int | float) and value is not None):
            kind = "true/false" if isinstance(value, bool) else "the number"
            written = self.scalar_written(mark) or shown(value)
            return f"{kind} {written}; quote it as \"{written}\""
        return shown(value)

    def code(self, value: Any, mark: Mark, allowed: tuple[str, ...] | list[str]) -> str | None:
        """The code (a value of a choice, a rating code) written here, or None. A number is
        read as the text written (``1`` as ``"1"``, ``1.10`` as ``"1.10"``) when that text
        is one of ``allowed``: unambiguous, since a code is a text."""
        if isinstance(value, str):
            return value if value in allowed else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            written = self.scalar_written(mark)
            return written if written in allowed else None
        return None

    def text_of(self, node: YMap, key: str, what: str, *, required: bool = True) -> str:
        if key not in node:
            return ""
        value = node[key]  # the walker checked it is a text (see `keys`)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split()) if "\n" in value else value.strip()
        return ""

    def ident(self, value: Any, mark: Mark, what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            written = shown(value)  # a number too long to write out is shown cut
            self.problem(mark, f"{what} must be a text: quote it ('{written}')")
            return written  # go on with it, so its users are not reported as well
        else:
            self.problem(mark, f"{what} must be a text (got {kind_of(value)})")
        return None

    def id_list(self, node: YMap, key: str, what: str) -> list[tuple[str, Mark]]:
        """A list of ids (a single id is accepted as a list of one)."""
        if key not in node:
            return []
        value, mark = node[key], node.value_marks[key]
        if not isinstance(value, YList):
            value_id = self.ident(value, mark, f"{what}: {shown(key)}")
            return [(value_id, mark)] if value_id else []
        found: list[tuple[str, Mark]] = []
        for _, item, item_mark in items(value):
            item_id = self.ident(item, item_mark, f"{what}: an item of {shown(key)}")
            if item_id in [f for f, _ in found]:
                self.problem(item_mark, f"{what}: {shown(item_id)} is repeated in {shown(key)}")
            elif item_id:
                found.append((item_id, item_mark))
        return found
