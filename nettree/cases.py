"""Expected-result cases: an author's oracle for a guideline, run by ``nettree test``.

A cases file (YAML or JSON) is a mapping::

    guideline: asco-gepnet-2023     # optional: a bundled id, or a path relative to this file
    cases:                          # each patient with what its result must hold
      - name: pan-g2-high-volume    # unique
        why: Public example 1.      # optional, shown when the case fails
        patient: {primary_site: pancreas, ...}
        expect:                     # only the keys given here are compared
          status: recommendation
          leaf: pan-g12-first
          options: {ssa: ["3.1"], chemotherapy: ["3.2"]}   # or a list of ids: [ssa, chemotherapy]
          excluded: []
          missing: []
          notes: ["3.1-q3"]
          recommendations: ["3.1", "3.2"]
    invalid:                        # optional: patients that must be refused
      - name: grade-lower-than-ki67
        patient: {grade: G1, ki67: 5, ...}
        field: grade                # the field the refusal must name

The keys of ``expect`` (:data:`EXPECT_KEYS`) are compared with the result's JSON form
(``Result.to_dict()``, what ``nettree traverse --json`` prints; ``not_recommended`` lists
the options a ``not_recommend`` step advised against, empty when none). Lists of ids
compare as sets; a mapping of id to citations compares the citations too (as sets);
``recommendations`` compares in order (the result lists them in the guideline's order).
``notes`` are the notes that apply for
certain (a note that depends on unknown data only "may apply" and is not counted).

:func:`load_cases` reads a file (every problem located ``file:line:column``, in one
:class:`CasesError`); :func:`run_case` runs one case; :func:`run_cases` all of them.
tests/test_clinical_cases.py runs the project's own cases through this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import GuidelineError, NettreeError, PatientError, Problem, shown
from .words import did_you_mean, plain
from .yamlio import Mark, YMap, mark_of, parse_yaml

if TYPE_CHECKING:
    from .guideline import Guideline
    from .result import Result

__all__ = [
    "EXPECT_KEYS",
    "Case",
    "CaseOutcome",
    "CasesError",
    "CasesFile",
    "CasesReport",
    "Difference",
    "load_cases",
    "run_case",
    "run_cases",
    "show_cases_report",
]

STATUSES = ("recommendation", "needs_information", "out_of_scope")

EXPECT_KEYS = {
    "status": "the result's status: recommendation, needs_information or out_of_scope",
    "leaf": "the leaf reached (null when a decision stopped the walk)",
    "options": "the options offered: a list of ids, or a mapping id -> citations",
    "excluded": "the options excluded by a later step: a list of ids, or id -> citations",
    "not_recommended": "the options marked not recommended: a list of ids, or id -> "
                       "citations (empty until the engine produces them)",
    "missing": "the fields the result asks for",
    "notes": "the ids of the notes that apply for certain",
    "recommendations": "the recommendations behind the options, in the guideline's order",
    "derived": "the derived values: a mapping field -> value",
    "general": "whether the general recommendations are listed (true or false)",
}
"""Every key an ``expect`` mapping may hold, and what it compares."""

TOP_KEYS = ("guideline", "cases", "invalid")
CASE_KEYS = ("name", "why", "patient", "expect")
INVALID_KEYS = ("name", "why", "patient", "field")


class CasesError(NettreeError, ValueError):
    """A cases file cannot be read: ``problems`` lists each problem with its position."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(sorted(problems))
        count = len(self.problems)
        head = f"{self.problems[0].file}: {count} problem{'s' if count != 1 else ''} in " \
               "the cases file" if self.problems else "invalid cases file"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


@dataclass(frozen=True)
class Case:
    """One case: a patient and what its result must hold (``expect``, normalised), or, for
    an invalid patient (``refused`` set), the field its refusal must name."""

    name: str
    patient: Any
    expect: Mapping[str, Any]
    why: str = ""
    line: int = 1
    column: int = 1
    refused: str | None = None


@dataclass(frozen=True)
class CasesFile:
    """A cases file read: its path, the guideline it names (if any), and its cases."""

    path: str
    guideline: str | None
    cases: tuple[Case, ...]

    def guideline_source(self) -> str | None:
        """The ``guideline:`` entry as a bundled id or a path; a relative path is read
        from the cases file's folder."""
        name = self.guideline
        if name is None or not _looks_like_path(name) or Path(name).is_absolute():
            return name
        return str(Path(self.path).parent / name)


def _looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or Path(name).suffix in (".yaml", ".yml")


@dataclass(frozen=True)
class Difference:
    """One key whose value differs: expected, got, and what differs in words."""

    key: str
    expected: Any
    got: Any
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.key}: expected {_text(self.expected)}, got {_text(self.got)}"
        return f"{text} ({self.detail})" if self.detail else text

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "expected": plain(self.expected), "got": plain(self.got),
                "detail": self.detail}


@dataclass(frozen=True)
class CaseOutcome:
    """A case run: passed when nothing differs."""

    case: Case
    differences: tuple[Difference, ...]

    @property
    def passed(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.case.name,
            "kind": "invalid" if self.case.refused is not None else "result",
            "line": self.case.line,
            "column": self.case.column,
            "passed": self.passed,
            "differences": [d.to_dict() for d in self.differences],
        }


@dataclass(frozen=True)
class CasesReport:
    """Every case of a file run against one guideline."""

    file: str
    guideline: str
    version: str
    outcomes: tuple[CaseOutcome, ...] = field(default=())

    @property
    def failed(self) -> tuple[CaseOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "guideline": self.guideline,
            "version": self.version,
            "ok": self.ok,
            "passed": len(self.outcomes) - len(self.failed),
            "failed": len(self.failed),
            "cases": [o.to_dict() for o in self.outcomes],
        }


# ---------------------------------------------------------------- reading a cases file


class _Reader:
    """Collects located problems while the file's data is checked."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, where: Mark, message: str) -> None:
        self.problems.append(Problem(self.path, where.line, where.column, message))

    def keys(self, data: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(_key_mark(data, key),
                             f"unknown key {shown(key)} in {what}{did_you_mean(key, allowed)} "
                             f"(allowed: {', '.join(allowed)})")


def load_cases(path: str | Path) -> CasesFile:
    """Read and check a cases file; :class:`CasesError` lists every problem, located.

    The file is read by :func:`nettree.files.read_text` (a regular file, size limit) and
    parsed by :func:`nettree.yamlio.parse_yaml` (JSON is YAML), as guideline files are.
    """
    from .files import InputFileError, read_text

    name = str(path)
    reader = _Reader(name)
    try:
        text = read_text(path, what="cases file")
    except InputFileError as exc:
        raise CasesError([Problem(name, 1, 1, exc.reason)]) from None
    data, problems = parse_yaml(text)
    for where, message in problems:
        reader.problem(where, message)
    if reader.problems:
        raise CasesError(reader.problems)
    if not isinstance(data, YMap):
        raise CasesError([Problem(name, *mark_of(data), "a cases file is a mapping with "
                                  "`cases:` (a list of cases) and, optionally, `guideline:` "
                                  "and `invalid:`")])
    reader.keys(data, TOP_KEYS, "the cases file")
    guideline = data.get("guideline")
    if guideline is not None and not (isinstance(guideline, str) and guideline.strip()):
        reader.problem(_value_mark(data, "guideline"), "`guideline` is a bundled guideline id "
                       f"or the path of a guideline file (got {shown(guideline)})")
        guideline = None
    if "cases" not in data and "invalid" not in data:
        reader.problem(mark_of(data), "no `cases:` (a list of cases, each with `name`, "
                       "`patient` and `expect`)")
    cases: list[Case] = []
    names: dict[str, Mark] = {}
    for section, build in (("cases", _read_case), ("invalid", _read_invalid)):
        if section not in data:
            continue
        items = data[section]
        if not isinstance(items, list):
            reader.problem(_value_mark(data, section), f"`{section}` must be a list "
                           f"(got {_kind(items)})")
            continue
        for index, item in enumerate(items):
            where = _item_mark(items, index)
            if not isinstance(item, YMap):
                needs = "`name`, `patient` and " + ("`expect`" if section == "cases" else
                                                     "`field`")
                reader.problem(where, f"{section}[{index}] must be a mapping with {needs} "
                               f"(got {_kind(item)})")
                continue
            case_name = item.get("name")
            if isinstance(case_name, str) and case_name in names:
                reader.problem(_value_mark(item, "name"), f"duplicate case name "
                               f"{shown(case_name)} (first at line {names[case_name].line})")
            elif isinstance(case_name, str):
                names[case_name] = mark_of(item)
            case = build(reader, item, f"{section}[{index}]")
            if case is not None:
                cases.append(case)
    if reader.problems:
        raise CasesError(reader.problems)
    return CasesFile(name, guideline, tuple(cases))


def _common(reader: _Reader, item: Any, what: str, keys: tuple[str, ...],
            ) -> tuple[str, str] | None:
    """The name and why of a case (checking its keys); None when the name is bad."""
    reader.keys(item, keys, what)
    ok = True
    for key in keys:
        if key != "why" and key not in item:
            reader.problem(mark_of(item), f"{what} has no `{key}`")
            ok = False
    name = item.get("name")
    if "name" in item and not (isinstance(name, str) and name.strip()):
        reader.problem(_value_mark(item, "name"), f"`name` must be a text (got {_kind(name)})")
        ok = False
    why = item.get("why", "")
    if not isinstance(why, str):
        reader.problem(_value_mark(item, "why"), f"`why` must be a text (got {_kind(why)})")
        ok = False
    return (str(name), why) if ok else None


def _read_case(reader: _Reader, item: Any, what: str) -> Case | None:

    common = _common(reader, item, what, CASE_KEYS)
    expect = item.get("expect")
    checked: dict[str, Any] = {}
    if "expect" in item:
        where = _value_mark(item, "expect")
        if not isinstance(expect, YMap) or not expect:
            reader.problem(where, f"`expect` must be a mapping of at least one of: "
                           f"{', '.join(EXPECT_KEYS)} (got {_kind(expect)})")
            return None
        reader.keys(expect, tuple(EXPECT_KEYS), "`expect`")
        for key in EXPECT_KEYS:
            if key in expect:
                value = _EXPECTED[key](reader, expect[key], _value_mark(expect, key), key)
                if value is not _BAD:
                    checked[key] = value
        if len(checked) != len([k for k in expect if k in EXPECT_KEYS]):
            return None
    if common is None or "expect" not in item or "patient" not in item:
        return None
    line, column = mark_of(item)
    return Case(common[0], item["patient"], checked, common[1], line, column)


def _read_invalid(reader: _Reader, item: Any, what: str) -> Case | None:
    common = _common(reader, item, what, INVALID_KEYS)
    name = item.get("field")
    if "field" in item and not (isinstance(name, str) and name):
        reader.problem(_value_mark(item, "field"), f"`field` names the patient field the "
                       f"refusal must name (got {_kind(name)})")
        return None
    if common is None or "patient" not in item or "field" not in item:
        return None
    line, column = mark_of(item)
    return Case(common[0], item["patient"], {}, common[1], line, column, refused=name)


# Each expected value's check and normal form; _BAD marks a value already reported.
_BAD = object()


def _id_text(reader: _Reader, value: Any, where: Mark, what: str) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        reader.problem(where, f"{what} must be a text (got the number {value!r}: quote it, "
                       f"as \"{value}\")")
    else:
        reader.problem(where, f"{what} must be a text (got {_kind(value)})")
    return None


def _ids(reader: _Reader, value: Any, where: Mark, key: str) -> Any:
    if not isinstance(value, list):
        reader.problem(where, f"`{key}` must be a list of ids (got {_kind(value)})")
        return _BAD
    texts = [_id_text(reader, item, _item_mark(value, i), f"an item of `{key}`")
             for i, item in enumerate(value)]
    return _BAD if None in texts else frozenset(t for t in texts if t is not None)


def _ids_or_cites(reader: _Reader, value: Any, where: Mark, key: str) -> Any:
    if isinstance(value, list):
        return _ids(reader, value, where, key)
    if not isinstance(value, Mapping):
        reader.problem(where, f"`{key}` must be a list of option ids, or a mapping of option "
                       f"id to citations (got {_kind(value)})")
        return _BAD
    cites: dict[str, frozenset[str]] = {}
    good = True
    for option, listed in value.items():
        at = _value_mark(value, option)
        if _id_text(reader, option, _key_mark(value, option), f"an option id in `{key}`") \
                is None:
            good = False
            continue
        items = listed if isinstance(listed, list) else [listed]
        texts = [_id_text(reader, c, _item_mark(listed, i) if isinstance(listed, list) else at,
                          f"a citation of {option!r} in `{key}`") for i, c in enumerate(items)]
        if None in texts:
            good = False
            continue
        cites[option] = frozenset(t for t in texts if t is not None)
    return cites if good else _BAD


def _ordered_ids(reader: _Reader, value: Any, where: Mark, key: str) -> Any:
    if _ids(reader, value, where, key) is _BAD:
        return _BAD
    return tuple(value)


def _status(reader: _Reader, value: Any, where: Mark, key: str) -> Any:
    if value in STATUSES:
        return value
    reader.problem(where, f"`status` must be one of {', '.join(STATUSES)} (got {shown(value)})"
                   f"{did_you_mean(value, STATUSES) if isinstance(value, str) else ''}")
    return _BAD


def _leaf(reader: _Reader, value: Any, where: Mark, key: str) -> Any:
    if value is None or (isinstance(value, str) and value):
        return value
    reader.problem(where, f"`leaf` must be a leaf id, or null (got {_kind(value)})")
    return _BAD


def _derived(reader: _Reader, value: Any, where: Mark, key: str) -> Any:
    if isinstance(value, Mapping) and all(isinstance(v, str | int | float | bool)
                                          for v in value.values()):
        return {str(name): item for name, item in value.items()}
    reader.problem(where, "`derived` must be a mapping of field name to value "
                   f"(e.g. {{grade: G2}}; got {_kind(value)})")
    return _BAD


def _general(reader: _Reader, value: Any, where: Mark, key: str) -> Any:
    if isinstance(value, bool):
        return value
    reader.problem(where, f"`general` must be true or false (got {shown(value)})")
    return _BAD


_EXPECTED: dict[str, Callable[[_Reader, Any, Mark, str], Any]] = {
    "status": _status,
    "leaf": _leaf,
    "options": _ids_or_cites,
    "excluded": _ids_or_cites,
    "not_recommended": _ids_or_cites,
    "missing": _ids,
    "notes": _ids,
    "recommendations": _ordered_ids,
    "derived": _derived,
    "general": _general,
}


def _kind(value: Any) -> str:
    from .patient import describe_kind

    return describe_kind(value)


def _key_mark(data: Any, key: Any) -> Mark:
    marks = getattr(data, "key_marks", {})
    mark: Mark = marks.get(key, mark_of(data))
    return mark


def _value_mark(data: Any, key: Any) -> Mark:
    marks = getattr(data, "value_marks", {})
    mark: Mark = marks.get(key, mark_of(data))
    return mark


def _item_mark(items: Any, index: int) -> Mark:
    marks = getattr(items, "item_marks", [])
    mark: Mark = marks[index] if index < len(marks) else mark_of(items)
    return mark


# ---------------------------------------------------------------- running cases


def run_case(guideline: Guideline, case: Case) -> CaseOutcome:
    """Run one case: traverse its patient and compare each expected key with the result."""
    try:
        result = guideline.traverse(case.patient)
    except PatientError as exc:
        if case.refused is None:
            return CaseOutcome(case, (Difference("patient", "accepted", "refused",
                                                 f"the patient is refused: {exc}"),))
        return CaseOutcome(case, _refusal(case.refused, exc))
    except GuidelineError as exc:  # a gap or an overlap met by this patient
        problem = exc.problems[0] if exc.problems else None
        return CaseOutcome(case, (Difference("result", "a result", "a guideline defect",
                                             str(problem or exc)),))
    if case.refused is not None:
        return CaseOutcome(case, (Difference(
            "refused", f"refused naming {case.refused!r}", f"accepted ({result.status})",
            "the patient was accepted"),))
    got = _got(result)
    differences = []
    for key, expected in case.expect.items():
        found = got(key, expected)
        if found != expected:
            differences.append(Difference(key, expected, found, _detail(key, expected, found)))
    return CaseOutcome(case, tuple(differences))


def _refusal(field_name: str, exc: PatientError) -> tuple[Difference, ...]:
    if exc.field != field_name:
        return (Difference("refused", f"refused naming {field_name!r}",
                           f"refused naming {exc.field!r}", str(exc)),)
    if repr(field_name) not in str(exc):
        return (Difference("refused", f"a message naming {field_name!r}", str(exc),
                           "the message does not name the field"),)
    return ()


def _got(result: Result) -> Callable[[str, Any], Any]:
    """A function giving the result's value for an expected key, in the expected value's
    form (the JSON form of the result is read: a key it lacks is empty)."""
    data = result.to_dict()

    def value(key: str, expected: Any) -> Any:
        if key in ("status", "leaf"):
            return data[key]
        if key in ("options", "excluded", "not_recommended"):
            items = data.get(key) or []
            if isinstance(expected, frozenset):
                return frozenset(item["id"] for item in items)
            return {item["id"]: frozenset(item.get("cites") or ()) for item in items}
        if key == "missing":
            return frozenset(data["missing"])
        if key == "notes":
            return frozenset(note["id"] for note in data["notes"] if not note["unknown"])
        if key == "recommendations":
            return tuple(data["recommendations"])
        if key == "derived":
            return {item["field"]: item["value"] for item in data.get("derived") or []}
        if key == "general":
            return bool(data["general"])
        raise KeyError(key)

    return value


def _detail(key: str, expected: Any, got: Any) -> str:
    """What differs between two values of a key, in words."""
    if isinstance(expected, frozenset) and isinstance(got, frozenset):
        return _set_detail(expected, got)
    if isinstance(expected, Mapping) and isinstance(got, Mapping):
        parts = [_set_detail(frozenset(expected), frozenset(got))] if set(expected) != set(
            got) else []
        for name in expected:
            if name in got and expected[name] != got[name]:
                what = "citations" if key != "derived" else "value"
                parts.append(f"{what} of {name}: expected {_text(expected[name])}, got "
                             f"{_text(got[name])}")
        return "; ".join(p for p in parts if p)
    if isinstance(expected, tuple) and isinstance(got, tuple) and sorted(expected) == sorted(
            got):
        return "the same, in another order: the result lists them in the guideline's order"
    return ""


def _set_detail(expected: frozenset[Any], got: frozenset[Any]) -> str:
    parts = []
    if expected - got:
        parts.append(f"missing {', '.join(sorted(map(str, expected - got)))}")
    if got - expected:
        parts.append(f"unexpected {', '.join(sorted(map(str, got - expected)))}")
    return "; ".join(parts)


def _text(value: Any) -> str:
    """A value as a person reads it: YAML's flow style, without quotes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, frozenset):
        return f"[{', '.join(sorted(_text(v) for v in value))}]"
    if isinstance(value, list | tuple):
        return f"[{', '.join(_text(v) for v in value)}]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def run_cases(guideline: Guideline, cases: CasesFile) -> CasesReport:
    """Run every case of a file against a guideline."""
    outcomes = tuple(run_case(guideline, case) for case in cases.cases)
    return CasesReport(cases.path, guideline.id, guideline.version, outcomes)


def show_cases_report(report: CasesReport) -> str:
    """The report as text: each failing case with what differed, then a count line."""
    lines = []
    for outcome in report.failed:
        case = outcome.case
        lines.append(f"FAIL {case.name} ({report.file}:{case.line}:{case.column})")
        if case.why:
            lines.append(f"     why: {case.why}")
        lines.extend(f"     {difference}" for difference in outcome.differences)
    results = sum(1 for o in report.outcomes if o.case.refused is None)
    refused = len(report.outcomes) - results
    kinds = f"{results} result{'s' if results != 1 else ''}" + (
        f", {refused} refused patient{'s' if refused != 1 else ''}" if refused else "")
    against = f"{report.file} against {report.guideline} version {report.version}"
    if report.ok:
        lines.append(f"all {len(report.outcomes)} cases passed ({kinds}): {against}")
    else:
        passed = len(report.outcomes) - len(report.failed)
        lines.append(f"{len(report.failed)} of {len(report.outcomes)} cases failed, {passed} "
                     f"passed ({kinds}): {against}")
    return "\n".join(lines) + "\n"
