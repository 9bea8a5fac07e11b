"""The decision table: root-to-leaf paths, or every patient class, as CSV, Markdown or JSON.

Pure functions from a guideline (and its exploration) to text; byte-stable, so they can be
diffed and kept under version control.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from .guideline import Guideline
from .jsontext import indented
from .traverse import Unless
from .verify import SEVERAL, Exploration, PathRow, decision_table, explore
from .words import plain

__all__ = ["FORMATS", "paths_table", "profiles_table"]

FORMATS = ("csv", "markdown", "json")


LONG = 80
"""A condition longer than this many characters is a numbered footnote in Markdown."""


class _Footnotes:
    """Long conditions of a Markdown table as numbered footnotes (``[^1]``), listed under it,
    so a cell stays short; one number per text. CSV and JSON keep every text whole."""

    def __init__(self, fmt: str) -> None:
        self.on = fmt == "markdown"
        self.numbers: dict[str, int] = {}

    def __call__(self, text: str) -> str:
        if not self.on or len(text) <= LONG:
            return text
        return f"[^{self.numbers.setdefault(text, len(self.numbers) + 1)}]"

    def lines(self) -> list[str]:
        return [f"[^{number}]: {text}" for text, number in self.numbers.items()]


def _render(header: list[str], rows: list[list[str]], fmt: str, footer: str = "",
            notes: list[str] | None = None) -> str:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue()
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    if notes:  # under the table, before the count line (the last)
        lines += ["", *notes]
    if footer:
        lines += ["", footer]
    return "\n".join(lines) + "\n"


def _options_text(options: Sequence[tuple[str, tuple[str, ...], str]],
                  note: Callable[[str], str] = str) -> str:
    parts = []
    for option, cites, when in options:
        cited = f" [{', '.join(cites)}]" if cites else ""
        if option.startswith("-"):
            parts.append(f"drop {option[1:]}{cited} when {note(when)}")
        elif option.startswith("+"):
            to = option[1:] or "every option"
            parts.append(f"cite{cited} for {to}" + ("" if when == "always" else
                                                    f" when {note(when)}"))
        elif option.startswith(">"):
            parts.append(f"{option[1:].replace(' over ', ' preferred over ', 1)}{cited}"
                         + ("" if when == "always" else f" when {note(when)}"))
        elif option.startswith("!"):
            parts.append(f"not recommended: {option[1:]}{cited}"
                         + ("" if when == "always" else f" when {note(when)}"))
        else:
            parts.append(f"{option}{cited}" + ("" if when == "always" else f" when {note(when)}"))
    return "; ".join(parts)


def paths_table(guideline: Guideline, fmt: str = "markdown",
                rows: list[PathRow] | None = None) -> str:
    """One row per root-to-leaf path: each field's condition (or "any"), the leaf, its options.

    The options column lists the leaf's own steps; the guideline's filters apply after them
    (``nettree show`` lists the file; ``enumerate --profiles`` gives every final result).
    """
    rows = rows if rows is not None else decision_table(guideline)
    fields = [name for name in guideline.fields
              if any(name in dict(row.conditions) for row in rows)]
    if any(SEVERAL in dict(row.conditions) for row in rows):
        fields.append(SEVERAL)  # conditions that read several fields at once
    if fmt == "json":
        data = {"guideline": guideline.id, "fields": fields,
                "paths": [row.to_dict(fields) for row in rows]}
        return indented(data) + "\n"
    header = ["#", *fields, "leaf", "kind", "options (the leaf's steps)"]
    body = []
    note = _Footnotes(fmt)
    for number, row in enumerate(rows, 1):
        conditions = dict(row.conditions)
        body.append([str(number), *(note(conditions.get(f, "any")) for f in fields), row.leaf,
                     row.kind, _options_text(row.options, note)])
    footer = f"{len(rows)} paths from {guideline.start!r} to a leaf."
    return _render(header, body, fmt, footer, note.lines())


def profiles_table(guideline: Guideline, fmt: str = "markdown",
                   exploration: Exploration | None = None) -> str:
    """Every patient class (the product of field partitions, split only where the answer
    depends on a field) with its exact result; the last line counts them."""
    exploration = exploration or explore(guideline)
    classes = exploration.classes
    describe = _described(exploration)
    fields = [name for name in guideline.fields
              if any(name in dict(c.values) for c in classes)]
    count = f"{len(classes)} classes, each with a result."
    # Filters on fields only filters read are not split on (verify.explore): a class states
    # them as conditions, "excluded if", and its options and exclusions are those of the
    # patients for whom none of them holds.
    held = any(c.unless for c in classes)
    if fmt == "json":
        data: dict[str, Any] = {
            "guideline": guideline.id,
            "fields": fields,
            "count": len(classes),
            "classes": [
                {"values": {name: describe(name, value)
                            for name, value in c.values},
                 "patient": plain(c.patient),
                 "result": c.result.to_dict(),
                 **({"excluded_if": [_unless_dict(rule) for rule in c.unless]}
                    if held else {})}
                for c in classes
            ],
        }
        return indented(data) + "\n"
    # A column for the options advised against only when some class has one.
    advised = any(c.result.not_recommended for c in classes)
    header = ["#", *fields, "status", "leaf", "options", "excluded",
              *(["not recommended"] if advised else []), "notes",
              *(["excluded if"] if held else [])]
    body = []
    note = _Footnotes(fmt)
    prefix = {name: f"{name} = " for name in fields}
    for number, c in enumerate(classes, 1):
        given = dict(c.values)
        cells = [describe(name, given[name]).removeprefix(prefix[name])
                 if name in given else "any" for name in fields]
        result = c.result
        body.append([
            str(number), *cells, result.status, result.leaf or "",
            "; ".join(f"{o.id} [{', '.join(o.cites)}]" + (
                f" preferred over {', '.join(o.preferred_over)}" if o.preferred_over else "")
                for o in result.options),
            "; ".join(f"{e.id} [{', '.join(e.cites)}]" if e.cites else e.id
                      for e in result.excluded),
            *(["; ".join(f"{n.id} [{', '.join(n.cites)}]" for n in result.not_recommended)]
              if advised else []),
            ", ".join(n.id for n in result.notes),
            *(["; ".join(_unless_text(rule, note) for rule in c.unless)] if held else []),
        ])
    return _render(header, body, fmt, count, note.lines())


def _described(exploration: Exploration) -> Callable[[str, Any], str]:
    """:meth:`Exploration.describe`, each value's text made once (thousands of classes
    share a few hundred values; a float's key is its repr, as ``0.0`` is not ``-0.0``)."""
    texts: dict[tuple[str, Any, Any], str] = {}

    def describe(name: str, value: Any) -> str:
        key = (name, value, repr(value) if type(value) is float else type(value))
        text = texts.get(key)
        if text is None:
            text = texts[key] = exploration.describe(name, value)
        return text

    return describe


def _unless_text(rule: Unless, note: Callable[[str], str]) -> str:
    cited = f" [{', '.join(rule.cites)}]" if rule.cites else ""
    return f"{', '.join(rule.options)}{cited} if {note(str(rule.when))}"


def _unless_dict(rule: Unless) -> dict[str, Any]:
    return {"options": list(rule.options), "when": str(rule.when), "reason": rule.reason,
            "cites": list(rule.cites)}
