"""What changed between two versions of a guideline file: ``nettree diff OLD NEW``.

Two views:

- **structural**: the files' data compared record by record (recommendations by id, fields,
  options, named conditions, decisions, leaves and step sets by name, branches by answer,
  notes by statement; other lists item by item), each change with its path and its lines in
  both files. Any section, present or future, is compared the same way: nothing here lists
  the format's keys.
- **behavioural**: every patient class whose result differs. Both files are explored
  (:func:`nettree.verify.explore`) over the union of their number thresholds, the new file
  inside each class of the old, so the classes are a common refinement: each has one result
  under each file. A class valid under one file and refused by the other (a derived value
  below what its source implies under the new cut-offs) counts as a change to or from
  ``invalid``. Results are compared by status, options with their citations, the fields a
  needs-information result asks for, and options marked not recommended (with their
  citations); changed classes are grouped by (before, after), each group with its number of
  classes and one example patient.

The fields both files share must accept the same values (type, values, range), else the
behavioural comparison is refused (:class:`IncompatibleFields`); a field only one file has
is simply not read by the other (a patient's value for it changes nothing there).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NettreeError, cut
from .words import plain

if TYPE_CHECKING:
    from .guideline import Guideline
    from .model import Field
    from .result import Result
    from .verify import Exploration, PatientClass

__all__ = [
    "INVALID",
    "Change",
    "Diff",
    "Group",
    "GuidelineDefects",
    "IncompatibleFields",
    "Outcome",
    "behavioural",
    "diff_guidelines",
    "show_diff",
    "structural",
]

# What each section's records are called in the text output (any other section: its key).
RECORD_WORDS = {
    "ratings": "rating dimension", "recommendations": "recommendation",
    "abbreviations": "abbreviation", "fields": "field", "options": "option",
    "step_sets": "step set", "decisions": "decision", "leaves": "leaf", "filters": "filter",
    "notes": "note", "conditions": "named condition",
}
# A list whose items are all mappings with one of these keys (unique) is matched by it.
IDENTITY_KEYS = ("id", "answer", "statement")
# The most combinations of kept-filter fields tried within one class.
UNLESS_LIMIT = 4096


class IncompatibleFields(NettreeError, ValueError):
    """Fields both files have accept different values: patients cannot be compared."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("the files' fields accept different values, so their patients "
                         "cannot be compared: " + "; ".join(problems))


class GuidelineDefects(NettreeError, ValueError):
    """A file has gaps or overlaps: some patients have no result to compare."""

    def __init__(self, file: str, findings: list[str]) -> None:
        self.file = file
        self.findings = tuple(findings)
        super().__init__(f"{file} has gaps or overlaps, so some patients have no result to "
                         f"compare (run `nettree verify {file}`): " + "; ".join(findings))


# ---------------------------------------------------------------- structural


@dataclass(frozen=True)
class Change:
    """One structural change: ``added``, ``removed`` or ``changed``, at ``path`` (section,
    record, then keys and list items), with the values and their positions in each file."""

    change: str
    path: tuple[str, ...]
    before: Any = None
    after: Any = None
    old_at: str | None = None
    new_at: str | None = None

    @property
    def where(self) -> str:
        """The path in words: ``decision gi-grade: branches[G3].to``."""
        section, *rest = self.path
        if section in RECORD_WORDS and rest:
            record, *keys = rest
            if record.startswith("[") and record.endswith("]"):  # a list item named by its id
                record = record[1:-1]
            head = f"{RECORD_WORDS[section]} {record}"
            return f"{head}: {_joined(keys)}" if keys else head
        return _joined(self.path)

    def __str__(self) -> str:
        lines = [f"{self.change:<8} {self.where}"]
        if self.change == "changed":
            if isinstance(self.before, str) and isinstance(self.after, str):
                before, after = _excerpts(self.before, self.after)
            else:
                before, after = _value_text(self.before), _value_text(self.after)
            lines[0] += f": {before} -> {after}"
        else:
            lines[0] += f": {_value_text(self.before if self.change == 'removed' else self.after)}"
        at = ", ".join(part for part in (self.old_at and f"old line {_line(self.old_at)}",
                                         self.new_at and f"new line {_line(self.new_at)}")
                       if part)
        return f"{lines[0]}  ({at})" if at else lines[0]

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "where": self.where, "path": list(self.path),
                "before": plain(self.before), "after": plain(self.after),
                "old_at": self.old_at, "new_at": self.new_at}


def _joined(keys: list[str] | tuple[str, ...]) -> str:
    text = ""
    for key in keys:
        text += key if key.startswith("[") or not text else f".{key}"
    return text


def _line(at: str) -> str:
    return at.rsplit(":", 2)[-2]


def _value_text(value: Any, limit: int = 120) -> str:
    return cut(json.dumps(plain(value), ensure_ascii=False), limit)


def _excerpts(before: str, after: str, context: int = 30) -> tuple[str, str]:
    """Two texts cut to where they differ, with some context: long texts stay readable."""
    if len(before) + len(after) <= 160:
        return _value_text(before), _value_text(after)
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    begin = max(0, start - context)

    def excerpt(text: str) -> str:
        stop = len(text) - max(0, end - context)
        return ("…" if begin else "") + _value_text(text[begin:stop], 200)[1:-1] + (
            "…" if stop < len(text) else "")

    return f'"{excerpt(before)}"', f'"{excerpt(after)}"'


def structural(old: Any, new: Any, old_file: str, new_file: str) -> list[Change]:
    """Every difference between two files' data (as :func:`nettree.yamlio.parse_yaml` reads
    them, with positions): keys and records added, removed or changed."""
    changes: list[Change] = []

    def at(file: str, mark: Any) -> str | None:
        return f"{file}:{mark.line}:{mark.column}" if mark is not None else None

    def compare(a: Any, b: Any, path: tuple[str, ...], a_mark: Any, b_mark: Any) -> None:
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            for key in [*a, *(k for k in b if k not in a)]:
                name = (*path, str(key))
                if key not in b:
                    changes.append(Change("removed", name, before=a[key],
                                          old_at=at(old_file, _vmark(a, key))))
                elif key not in a:
                    changes.append(Change("added", name, after=b[key],
                                          new_at=at(new_file, _vmark(b, key))))
                else:
                    compare(a[key], b[key], name, _vmark(a, key), _vmark(b, key))
        elif isinstance(a, list) and isinstance(b, list) and not (
                _all_scalars(a) and _all_scalars(b)):
            compare_lists(a, b, path)
        elif _canonical(a) != _canonical(b):
            changes.append(Change("changed", path, a, b, at(old_file, a_mark),
                                  at(new_file, b_mark)))

    def compare_lists(a: list[Any], b: list[Any], path: tuple[str, ...]) -> None:
        key = _identity(a, b)
        if key is not None:
            old_ids = [str(item[key]) for item in a]
            new_ids = [str(item[key]) for item in b]
            for index, item in enumerate(a):
                name = (*path, f"[{old_ids[index]}]")
                if old_ids[index] not in new_ids:
                    changes.append(Change("removed", name, before=item,
                                          old_at=at(old_file, _imark(a, index))))
                else:
                    other = new_ids.index(old_ids[index])
                    compare(item, b[other], name, _imark(a, index), _imark(b, other))
            for index, item in enumerate(b):
                if new_ids[index] not in old_ids:
                    changes.append(Change("added", (*path, f"[{new_ids[index]}]"), after=item,
                                          new_at=at(new_file, _imark(b, index))))
            kept_old = [i for i in old_ids if i in new_ids]
            kept_new = [i for i in new_ids if i in old_ids]
            if kept_old != kept_new:
                changes.append(Change("changed", (*path, "(order)"), kept_old, kept_new,
                                      at(old_file, getattr(a, "mark", None)),
                                      at(new_file, getattr(b, "mark", None))))
            return
        import difflib

        matcher = difflib.SequenceMatcher(None, [_canonical(x) for x in a],
                                          [_canonical(x) for x in b], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if tag == "replace" and i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    compare(a[i], b[j], (*path, f"[{j}]"), _imark(a, i), _imark(b, j))
                continue
            for i in range(i1, i2):
                changes.append(Change("removed", (*path, f"[{i}]"), before=a[i],
                                      old_at=at(old_file, _imark(a, i))))
            for j in range(j1, j2):
                changes.append(Change("added", (*path, f"[{j}]"), after=b[j],
                                      new_at=at(new_file, _imark(b, j))))

    compare(old, new, (), getattr(old, "mark", None), getattr(new, "mark", None))
    return changes


def _vmark(data: Any, key: Any) -> Any:
    return getattr(data, "value_marks", {}).get(key)


def _imark(items: Any, index: int) -> Any:
    marks = getattr(items, "item_marks", [])
    return marks[index] if index < len(marks) else None


def _all_scalars(items: list[Any]) -> bool:
    return all(not isinstance(item, Mapping | list) for item in items)


def _canonical(value: Any) -> str:
    return json.dumps(plain(value), sort_keys=True, ensure_ascii=False)


def _identity(a: list[Any], b: list[Any]) -> str | None:
    """The key that names the items of both lists (present, a plain value, unique), if any."""
    for key in IDENTITY_KEYS:
        named = True
        for items in (a, b):
            ids = [item.get(key) if isinstance(item, Mapping) else None for item in items]
            if not ids or any(i is None or isinstance(i, Mapping | list) for i in ids) or \
                    len(set(map(str, ids))) != len(ids):
                named = False
                break
        if named:
            return key
    return None


# ---------------------------------------------------------------- behavioural


@dataclass(frozen=True)
class Outcome:
    """What is compared of a result: its status, the options offered with their citations,
    the fields asked for, the options not recommended, and the preferences stated (each
    option with the options it is preferred over). ``invalid``: the patient is refused."""

    status: str
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    missing: tuple[str, ...] = ()
    not_recommended: tuple[tuple[str, tuple[str, ...]], ...] = ()
    preferred: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, result: Result) -> Outcome:
        data = result.to_dict()  # the result as `nettree traverse --json` shows it

        def cited(items: list[dict[str, Any]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
            return tuple((item["id"], tuple(item.get("cites") or ())) for item in items)

        return cls(data["status"], cited(data["options"]), tuple(data["missing"]),
                   cited(data.get("not_recommended") or []),
                   tuple((item["id"], tuple(item["preferred_over"])) for item in data["options"]
                         if item.get("preferred_over")))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status,
                                "options": {o: list(c) for o, c in self.options}}
        if self.missing:
            data["missing"] = list(self.missing)
        if self.not_recommended:
            data["not_recommended"] = {o: list(c) for o, c in self.not_recommended}
        if self.preferred:
            data["preferred"] = {o: list(over) for o, over in self.preferred}
        return data

    def __str__(self) -> str:
        if self.status == "invalid":
            return "refused (an invalid patient)"
        words = self.status.replace("_", " ")
        if self.missing:
            words += f" ({', '.join(self.missing)})"
        parts = [_cited(self.options) or "no option"] if self.status != "out_of_scope" else []
        if self.not_recommended:
            parts.append(f"not recommended: {_cited(self.not_recommended)}")
        if self.preferred:
            parts.append("; ".join(f"{o} preferred over {', '.join(over)}"
                                   for o, over in self.preferred))
        return f"{words}: {'; '.join(parts)}" if parts else words


def _cited(options: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return ", ".join(f"{o} ({', '.join(c)})" if c else o for o, c in options)


INVALID = Outcome("invalid")
"""The outcome of a patient that a file refuses as invalid."""


@dataclass(frozen=True)
class Group:
    """The patient classes whose result goes from ``before`` to ``after``."""

    before: Outcome
    after: Outcome
    classes: int
    example: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before.to_dict(), "after": self.after.to_dict(),
                "classes": self.classes, "example": _example_json(self.example)}


@dataclass(frozen=True)
class Behaviour:
    """The behavioural comparison: the changed groups, and how many classes were compared."""

    groups: tuple[Group, ...]
    classes: int
    only_old: tuple[str, ...]
    only_new: tuple[str, ...]

    @property
    def changed(self) -> int:
        return sum(group.classes for group in self.groups)


def _field_words(spec: Field) -> str:
    return f"{spec.type.value}: {spec.allowed()}"


def check_fields(old: Guideline, new: Guideline) -> None:
    """Raise :class:`IncompatibleFields` when a field both files have accepts other values."""
    problems = []
    for name, spec in old.fields.items():
        other = new.fields.get(name)
        if other is None:
            continue
        if spec.type != other.type or set(spec.values) != set(other.values) or \
                (spec.minimum, spec.maximum) != (other.minimum, other.maximum):
            problems.append(f"{name} is {_field_words(spec)} in the old file and "
                            f"{_field_words(other)} in the new one")
    if problems:
        raise IncompatibleFields(problems)


def behavioural(old: Guideline, new: Guideline, *,
                progress: Callable[[int, int], None] | None = None,
                names: tuple[str, str] | None = None) -> Behaviour:
    """Compare every patient's result under two guidelines, class by class (``names``:
    the files as the user named them, for messages).

    Raises :class:`IncompatibleFields`, :class:`GuidelineDefects`, or
    :class:`~nettree.verify.TooManyClasses`.
    """
    from .verify import explore

    old_name, new_name = names or (str(old.path), str(new.path))
    check_fields(old, new)
    before = explore(old, thresholds=new.thresholds, progress=progress)
    _no_defects(old_name, before)
    tally = _Tally(old, new)
    for old_class in before.classes:
        start = {name: value for name, value in old_class.values if name in new.fields}
        inside = explore(new, thresholds=old.thresholds, start=start)
        _no_defects(new_name, inside)
        for new_class in inside.classes:
            tally.add(old_class, new_class, {**dict(old_class.values), **dict(new_class.values)},
                      before, inside)
        for refused in inside.refused:
            tally.add(old_class, None, {**dict(old_class.values), **refused}, before, inside)
    for refused in before.refused:  # refused by the old file: any new result is a change
        start = {name: value for name, value in refused.items() if name in new.fields}
        inside = explore(new, thresholds=old.thresholds, start=start)
        _no_defects(new_name, inside)
        for new_class in inside.classes:
            tally.add(None, new_class, {**refused, **dict(new_class.values)}, before, inside)
    groups = sorted(tally.groups.values(), key=lambda g: -g[1])
    return Behaviour(tuple(Group(b, a, count, example) for (b, a), count, example in groups),
                     tally.classes, tuple(n for n in old.fields if n not in new.fields),
                     tuple(n for n in new.fields if n not in old.fields))


def _no_defects(name: str, exploration: Exploration) -> None:
    if exploration.defects:
        raise GuidelineDefects(name, [str(f).splitlines()[0]
                                                     for f in exploration.defects])


class _Tally:
    """Counts the classes compared, and groups the changed ones by (before, after)."""

    def __init__(self, old: Guideline, new: Guideline) -> None:
        self.old, self.new = old, new
        self.classes = 0
        # Where the files derive a field differently, a patient who gives both the field and
        # its source may be valid under one file and refused by the other: such fields are
        # split on in every class that leaves them open, and each file checks each patient.
        self.derivations = _changed_derivations(old, new)
        # (before, after) -> [(before, after), classes, example], in order of first sight
        self.groups: dict[tuple[Outcome, Outcome], list[Any]] = {}

    def add(self, old_class: PatientClass | None, new_class: PatientClass | None,
            values: dict[str, Any], old_x: Exploration, new_x: Exploration) -> None:
        """One class of the common refinement. Filters kept as "excluded if" conditions by
        either exploration read fields the class leaves open: each combination of their
        values is a class of its own."""
        from .verify import TooManyClasses, _concrete

        open_fields = sorted(({name for cls in (old_class, new_class) if cls is not None
                               for rule in cls.unless for name in rule.when.fields()}
                              | self.derivations) - set(values))
        domains = [new_x.domains[n] if n in new_x.domains else old_x.domains[n]
                   for n in open_fields]
        if math.prod(len(d) for d in domains) > UNLESS_LIMIT:
            raise TooManyClasses(f"more than {UNLESS_LIMIT} combinations of "
                                 f"{', '.join(open_fields)} in one class")
        for combination in itertools.product(*domains):
            patient = _concrete({**values, **dict(zip(open_fields, (v for v, _ in combination),
                                                      strict=True))})
            before = self.outcome(self.old, old_class, patient)
            after = self.outcome(self.new, new_class, patient)
            if before == after == INVALID:  # nobody: refused by both files
                continue
            self.classes += 1
            if before != after:
                group = self.groups.setdefault((before, after), [(before, after), 0, patient])
                group[1] += 1

    def outcome(self, guideline: Guideline, patient_class: PatientClass | None,
                patient: dict[str, Any]) -> Outcome:
        """The outcome of one patient of a class of ``guideline``'s exploration. A class
        leaves open the fields its walk did not read; where the patient fixes a derived field
        or its source that the class left open, the pair may be one the file refuses."""
        from .errors import PatientError
        from .patient import validate_patient

        if patient_class is None:
            return INVALID
        own = {k: v for k, v in patient.items() if k in guideline.fields}
        fixed = {name for name, _ in patient_class.values}
        if self.derivations or any(name not in fixed and name in own
                                   for name in _derivation_fields(guideline)):
            try:
                validate_patient(guideline.fields, own)
            except PatientError:
                return INVALID
        return Outcome.of(patient_class.result_for(guideline, own))


def _derivation_fields(guideline: Guideline) -> set[str]:
    """The fields a guideline derives, and their sources."""
    return {name for spec in guideline.fields.values() if spec.derive is not None
            for name in (spec.name, spec.derive.source)}


def _changed_derivations(old: Guideline, new: Guideline) -> set[str]:
    """The derived fields, and their sources, that the two files derive differently."""
    names: set[str] = set()
    for name in {*old.fields, *new.fields}:
        before = old.fields[name].derive if name in old.fields else None
        after = new.fields[name].derive if name in new.fields else None
        if before != after:
            names |= {name, *(d.source for d in (before, after) if d is not None)}
    return names


def _example_json(patient: Mapping[str, Any]) -> dict[str, Any]:
    """An example patient as JSON: a whole number without ``.0``."""
    return {name: int(value) if isinstance(value, float) and value.is_integer() else
            plain(value) for name, value in patient.items()}


# ---------------------------------------------------------------- both


@dataclass(frozen=True)
class Diff:
    """Both comparisons of two guideline files."""

    old: Guideline
    new: Guideline
    structural: tuple[Change, ...]
    behaviour: Behaviour
    old_file: str
    new_file: str

    @property
    def changed(self) -> bool:
        """Whether some patient's result changes."""
        return bool(self.behaviour.groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"file": self.old_file, "id": self.old.id, "version": self.old.version},
            "new": {"file": self.new_file, "id": self.new.id, "version": self.new.version},
            "structural": [c.to_dict() for c in self.structural],
            "behavioural": [g.to_dict() for g in self.behaviour.groups],
            "classes": self.behaviour.classes,
            "changed_classes": self.behaviour.changed,
            "fields_in_one_file": {"old": list(self.behaviour.only_old),
                                   "new": list(self.behaviour.only_new)},
        }


def read_data(guideline: Guideline) -> Any:
    """A loaded guideline's file as data with positions (it loaded, so it parses)."""
    from .files import read_text
    from .yamlio import parse_yaml

    data, _ = parse_yaml(read_text(guideline.path, what="guideline file"))
    return data


def diff_guidelines(old: Guideline, new: Guideline, *,
                    progress: Callable[[int, int], None] | None = None,
                    names: tuple[str, str] | None = None) -> Diff:
    """Compare two loaded guidelines: their files' data, then every patient's result.
    ``names`` are the files as the user named them (default: their paths)."""
    old_name, new_name = names or (str(old.path), str(new.path))
    changes = structural_diff(old, new, names=(old_name, new_name))
    behaviour = behavioural(old, new, progress=progress, names=(old_name, new_name))
    return Diff(old, new, tuple(changes), behaviour, old_name, new_name)


def structural_diff(old: Guideline, new: Guideline, *,
                    names: tuple[str, str] | None = None) -> list[Change]:
    """The structural changes between two loaded guidelines' files."""
    old_name, new_name = names or (str(old.path), str(new.path))
    return structural(read_data(old), read_data(new), old_name, new_name)


def show_diff(diff: Diff) -> str:
    """The comparison as text: structural changes, then the changed patient groups."""
    lines = [f"old: {diff.old_file} ({diff.old.id}, version {diff.old.version})",
             f"new: {diff.new_file} ({diff.new.id}, version {diff.new.version})", ""]
    lines.extend(show_structural(diff.structural))
    lines.append("")
    behaviour = diff.behaviour
    for which, names in (("old", behaviour.only_old), ("new", behaviour.only_new)):
        if names:
            other = "new" if which == "old" else "old"
            lines.append(f"Fields only in the {which} file (the {other} file does not read "
                         f"them): {', '.join(names)}")
    if not behaviour.groups:
        lines.append(f"Behavioural changes: none. Every patient gets the same result "
                     f"({behaviour.classes} patient classes compared).")
        return "\n".join(lines) + "\n"
    lines.append(f"Behavioural changes: {behaviour.changed} of {behaviour.classes} patient "
                 f"classes get another result, in {_count(len(behaviour.groups), 'group')}:")
    for number, group in enumerate(behaviour.groups, 1):
        lines.append(f"  {number}. {_count(group.classes, 'class', 'classes')}")
        lines.append(f"     before: {group.before}")
        lines.append(f"     after:  {group.after}")
        lines.append(f"     e.g. {json.dumps(_example_json(group.example), ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def show_structural(changes: tuple[Change, ...] | list[Change]) -> Iterator[str]:
    """The structural changes, one a line."""
    if not changes:
        yield "Structural changes: none."
        return
    yield f"Structural changes ({len(changes)}):"
    for change in changes:
        yield f"  {change}"


def _count(number: int, word: str, plural: str | None = None) -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"
