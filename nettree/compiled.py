"""The compiled evaluator: the interpreter's results, one per class of patients, reused.

A guideline's conditions tell apart only finitely many classes of each field's values (its
domain, :mod:`nettree.domains`): a choice or boolean by its value, a set by its members, a
number by its place among the field's thresholds (below, at or between them). Two patients
whose every field falls in the same class, with the same fields defaulted and derived, get
the same walk: the same decisions, answers, options, notes and missing fields. So the
evaluator classifies each patient, runs the interpreter (:func:`nettree.traverse.walk`, the
reference) once per class, and reuses its :class:`~nettree.result.Result`.

The key is narrower than every field's class, and still exact: the interpreter runs on a
view of the values that records which fields it reads, in the order it first reads them
(iterating the values, as settling a leaf does, reads them all: the key then holds every
field's class). Its control flow depends on the values only through their classes, so two
patients that agree on the classes of the fields read so far read the same next field: the
walks form a tree of reads, and a class is one path in it (starting with which fields were
derived, and marking a defaulted field apart from a given one). Whatever the traversal
semantics, this stays exact as long as the walk reads the patient through ``values``; a
result that lists a default its walk did not read is never cached.

What a result echoes of the patient beyond its class is the value of each field read
(``PathStep.values``) and the derivations (``Result.derived``: the number a grade was
derived from); defaults (``Result.assumed``) are the field's default, fixed by
the key. A class whose results echo a number is re-instantiated with the patient's own
values (the rest is shared); a class whose results echo nothing beyond its class is
returned as is, with its JSON. Each result cached is audited first: every echoed value must
be the patient's own; a result that echoes anything else is never cached (the interpreter
answers every such patient).

The cache is a bounded LRU (``maxsize`` classes; default :data:`DEFAULT_MAXSIZE`, or the
``NETTREE_CLASS_CACHE`` environment variable), shared by threads under one lock. A guideline
defect met at run time (a gap or overlap) is raised by the interpreter, never cached.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .conditions import Possible
from .errors import PatientError
from .model import FieldType
from .patient import Patient, validate_patient
from .result import Derived, PathStep, Result

if TYPE_CHECKING:
    from .guideline import Guideline

__all__ = ["DEFAULT_MAXSIZE", "CacheInfo", "Compiled"]

# About 5 KB a class (a full result): 4,096 classes stay near 20 MB.
DEFAULT_MAXSIZE = 4096

_LARGEST_INTEGER = int(1.7976931348623157e308)
_DEFAULTED = ("default",)  # a field's class when its default was applied
_NONE: frozenset[str] = frozenset()
# A read patient: its values, the fields defaulted, the derivations (as in Patient).
_Read = tuple[dict[str, Any], frozenset[str], tuple[tuple[Any, ...], ...]]


class _Fallback(Exception):
    """The fast reading of a patient met something unusual: validate_patient decides."""


class CacheInfo(tuple[int, int, int, int]):
    """hits, misses, maxsize, currsize (as functools.lru_cache reports them)."""

    __slots__ = ()

    @property
    def hits(self) -> int:
        return self[0]

    @property
    def misses(self) -> int:
        return self[1]

    @property
    def maxsize(self) -> int:
        return self[2]

    @property
    def currsize(self) -> int:
        return self[3]


class _Entry:
    """One class's result: the template, and which of its path steps echo numbers."""

    __slots__ = ("json", "numeric_steps", "parts", "result", "reuse")

    def __init__(self, result: Result, numeric_steps: tuple[int, ...]) -> None:
        self.result = result
        # Each step that echoes a number: where it is, and its parts but the values read.
        self.numeric_steps = tuple(
            (index, step.node, step.kind, step.text, step.answer,
             tuple(name for name, _ in step.values))
            for index in numeric_steps for step in (result.path[index],))
        self.parts = dict(result.__dict__)
        # Returned as is when nothing echoed can differ inside the class.
        self.reuse = not numeric_steps and not result.derived
        self.json: str | None = None


_UNCACHEABLE = object()
_END = "\x00end"  # the walk is over: the node holds the class's entry
_ALL = "\x00all"  # the walk read every field: the next level is keyed on all of them
_BOOLEAN, _NUMBER, _CHOICE, _SET = range(4)


class _Node:
    """A node of the tree of reads: the field the walks read next (children by its class),
    or, at the end of a walk, the class's entry (with where it hangs, to evict it)."""

    __slots__ = ("cell", "children", "entry", "name", "parent")

    def __init__(self, name: str, parent: dict[Any, _Node] | None = None,
                 cell: Any = None) -> None:
        self.name = name
        self.children: dict[Any, _Node] = {}
        self.entry: Any = None
        self.parent = parent
        self.cell = cell


class _Recording(Mapping[str, Any]):
    """A patient's values that note which fields a walk reads, in the order first read
    (iterating them reads them all). Reading a field derived by points or cases reads the
    fields it is derived from (``inputs``): its value, and the defaults it relied on, are
    theirs."""

    __slots__ = ("_inputs", "_values", "order", "read")

    def __init__(self, values: Mapping[str, Any],
                 inputs: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self._values = values
        self._inputs = inputs or {}
        self.order: list[str] = []
        self.read: set[str] | None = set()

    def _note(self, name: str) -> None:
        read = self.read
        if read is not None and name not in read:
            read.add(name)
            self.order.append(name)
            for source in self._inputs.get(name, ()):
                self._note(source)

    def __getitem__(self, name: str) -> Any:
        if name in self._values:
            self._note(name)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and name in self._values:
            self._note(name)
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        if self.read is not None:
            self.order.append(_ALL)
            self.read = None
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class Compiled:
    """A guideline's compiled evaluator: :meth:`traverse` answers exactly as
    :func:`nettree.traverse.traverse` does, reusing one result per class of patients.

    >>> import nettree
    >>> g = nettree.load("asco-gepnet-2023")
    >>> fast = Compiled(g, maxsize=16)
    >>> fast.traverse({"differentiation": "poor"}) == nettree.traverse.traverse(
    ...     g, {"differentiation": "poor"})
    True
    """

    def __init__(self, guideline: Guideline, maxsize: int | None = None) -> None:
        if maxsize is None:
            maxsize = int(os.environ.get("NETTREE_CLASS_CACHE", DEFAULT_MAXSIZE))
        if maxsize < 0:
            raise ValueError(f"maxsize must be 0 or more (got {maxsize})")
        self.guideline = guideline
        self.maxsize = maxsize
        fields = guideline.fields
        self._fields = fields
        self._names = tuple(fields)
        self._known = frozenset(fields)
        kinds = {FieldType.BOOLEAN: _BOOLEAN, FieldType.NUMBER: _NUMBER,
                 FieldType.CHOICE: _CHOICE, FieldType.SET: _SET}
        self._choices: list[tuple[str, frozenset[str]]] = []
        self._booleans: list[str] = []
        self._numbers: list[tuple[str, float, float, bool]] = []
        self._sets: list[tuple[str, frozenset[str]]] = []
        for name, spec in fields.items():
            low = spec.minimum if spec.minimum is not None else -math.inf
            high = spec.maximum if spec.maximum is not None else math.inf
            kind = kinds[spec.type]
            if kind == _CHOICE:
                self._choices.append((name, frozenset(spec.values)))
            elif kind == _BOOLEAN:
                self._booleans.append(name)
            elif kind == _NUMBER:
                self._numbers.append((name, low, high, math.isfinite(low) and math.isfinite(high)))
            else:
                self._sets.append((name, frozenset(spec.values)))
        self._cut_of = {name: tuple(guideline.thresholds.get(name, ()))
                        if spec.type is FieldType.NUMBER else None
                        for name, spec in fields.items()}
        self._derives = tuple((n, s.derive) for n, s in fields.items() if s.derive is not None)
        self._defaults = tuple((n, s.default) for n, s in fields.items() if s.has_default)
        self._inputs = {name: tuple(sorted(inputs))
                        for name, inputs in guideline.derived_inputs.items()}
        # validate_patient derives and defaults field by field, in order; reading them in two
        # passes (derive, then default) is the same unless a derivation's source has a default.
        # An integer field's rules (whole numbers only) are validate_patient's alone: a
        # guideline with one reads every patient through it (correct, if slower).
        # So does one with fields derived by points or cases (nettree.derive).
        self._two_pass = not any(fields[rule.source].has_default for _, rule in self._derives) \
            and not any(spec.integer or spec.computed for spec in fields.values())
        self._lock = threading.Lock()
        self._roots: dict[Any, _Node] = {}  # by the names of the fields derived
        self._nodes = 0
        self._node_limit = 64 * maxsize + 1024  # the tree's inner nodes are bounded too
        self._lru: OrderedDict[int, _Node] = OrderedDict()
        self._hits = 0
        self._misses = 0
        self._made: dict[tuple[Any, ...], Derived] = {}  # derivations, shared

    # -- reading and classifying a patient ------------------------------------------------

    def _slow(self, raw: Any) -> _Read:
        checked = validate_patient(self._fields, raw)
        return dict(checked.values), checked.defaulted, checked.derived

    def _read(self, raw: Any) -> _Read:
        """The validated patient's values, defaulted and derived fields, exactly as
        validate_patient gives them (it decides anything unusual, and raises the errors)."""
        if type(raw) is not dict or not self._two_pass or not raw.keys() <= self._known:
            return self._slow(raw)
        values = dict.fromkeys(self._names)
        values.update(raw)
        for name, allowed in self._choices:
            value = values[name]
            if value is not None and (value.__class__ is not str or value not in allowed):
                return self._slow(raw)
        for name in self._booleans:
            value = values[name]
            if value is not None and value is not True and value is not False:
                return self._slow(raw)
        for name, low, high, bounded in self._numbers:
            value = values[name]
            if value is None:
                continue
            cls = value.__class__
            if cls is float:
                if low <= value <= high and (bounded or -math.inf < value < math.inf):
                    continue
            elif cls is int and low <= value <= high and (
                    bounded or -_LARGEST_INTEGER <= value <= _LARGEST_INTEGER):
                values[name] = float(value)
                continue
            return self._slow(raw)
        for name, allowed in self._sets:
            value = values[name]
            if value is None:
                continue
            cls = value.__class__
            if cls is list or cls is tuple or cls is frozenset or cls is set:
                for item in value:
                    if item.__class__ is not str or item not in allowed:
                        return self._slow(raw)
                values[name] = frozenset(value)
                continue
            return self._slow(raw)
        derived: tuple[tuple[Any, ...], ...] = ()
        for name, rule in self._derives:
            source_value = values[rule.source]
            if source_value is not None:
                implied = rule.derive(source_value)
                given = values[name]
                if given is None:
                    values[name] = implied
                    derived = (*derived, (name, implied, rule.source, source_value))
                elif given != implied:
                    return self._slow(raw)
        defaulted: frozenset[str] = _NONE
        for name, default in self._defaults:
            if values[name] is None:
                values[name] = default
                defaulted = defaulted | {name}
        return values, defaulted, derived

    def key(self, patient: _Read) -> tuple[Any, ...]:
        """The patient's whole class: every field's cell (see :meth:`_cell`)."""
        return tuple(self._cell(patient, name) for name in self._names)

    def _cell(self, patient: _Read, name: str) -> Any:
        """One field's class: its domain cell (a number's place among the thresholds), its
        value otherwise (None: unknown), a defaulted value marked apart. (Which fields were
        derived starts every key.)"""
        if name in patient[1]:
            return _DEFAULTED
        value = patient[0][name]
        cuts = self._cut_of[name]
        if value is None or cuts is None or type(value) is Possible:
            return value  # a derived value known in part: its possible values are its class
        place = bisect.bisect_left(cuts, value)
        return 2 * place + 1 if place < len(cuts) and cuts[place] == value else 2 * place

    # -- answering ------------------------------------------------------------------------

    def traverse(self, patient: Mapping[str, Any]) -> Result:
        """The result for ``patient``: equal to the interpreter's in every part."""
        return self._answer(self._read(patient))[0]

    def to_json(self, patient: Mapping[str, Any]) -> str:
        """``json.dumps(result.to_dict(), ensure_ascii=False)`` for ``patient``, kept per
        class where the result echoes nothing but its class."""
        result, entry = self._answer(self._read(patient))
        if entry is None or not entry.reuse:
            return json.dumps(result.to_dict(), ensure_ascii=False)
        text = entry.json
        if text is None:
            text = entry.json = json.dumps(result.to_dict(), ensure_ascii=False)
        return text

    def traverse_many(self, patients: Iterable[Mapping[str, Any]],
                      ) -> Iterator[Result | PatientError]:
        """Each patient's result, in order; an invalid patient gives its
        :class:`PatientError` in its place (the run goes on)."""
        for patient in patients:
            try:
                yield self.traverse(patient)
            except PatientError as exc:
                yield exc

    def _lookup(self, patient: _Read) -> _Node | None:
        """Follow the reads of the walks already made, by this patient's classes of the
        fields they read: the end node of its walk, or None where it goes somewhere new."""
        values, defaulted, derived = patient
        node = self._roots.get(tuple([d[0] for d in derived]) if derived else ())
        cut_of = self._cut_of
        while node is not None:
            name = node.name
            if name is _END:
                return node
            if name is _ALL:
                node = node.children.get(self.key(patient))
                continue
            if name in defaulted:
                cell: Any = _DEFAULTED
            else:
                cell = values[name]
                cuts = cut_of[name]
                if cuts is not None and cell is not None and type(cell) is not Possible:
                    place = bisect.bisect_left(cuts, cell)
                    cell = 2 * place + 1 if place < len(cuts) and cuts[place] == cell \
                        else 2 * place
            node = node.children.get(cell)
        return None

    def _answer(self, patient: _Read) -> tuple[Result, _Entry | None]:
        node = self._lookup(patient) if self.maxsize else None
        entry = None
        with self._lock:
            if node is not None and node.parent is not None:  # not evicted meanwhile
                entry = node.entry
                self._lru.move_to_end(id(node))
                self._hits += 1
            else:
                self._misses += 1
        if entry is None:
            return self._fill(patient)
        if entry is _UNCACHEABLE:
            return self._interpret(Patient(*patient)), None
        if entry.reuse:
            return entry.result, entry
        return self._instance(entry, patient), entry

    def _interpret(self, patient: Patient) -> Result:
        from .traverse import walk

        return walk(self.guideline, patient)[0]

    def _fill(self, patient: _Read) -> tuple[Result, _Entry | None]:
        """Run the interpreter, recording which fields it reads, in order; keep the result
        under the classes of those fields. The walk is the same for every patient whose
        fields read so far fall in the same classes (its conditions tell no more apart), so
        it reads the same next field: the tree of reads is exact."""
        values, defaulted, derived = patient
        recording = _Recording(values, self._inputs)
        result = self._interpret(Patient(recording, defaulted, derived))
        entry: Any = self._entry(result, Patient(*patient), recording.read)
        if not self.maxsize:
            return result, entry
        root = tuple(d[0] for d in derived) if derived else ()
        with self._lock:
            if self._nodes > self._node_limit:  # start afresh: the tree stays bounded
                self._forget()
            children = self._roots
            cell: Any = root
            node: _Node | None = None
            for name in [*recording.order, _END]:
                node = children.get(cell)
                if node is None:
                    node = children[cell] = _Node(name, children, cell)
                    self._nodes += 1
                elif node.name != name:  # never: the walk is a function of the classes read
                    return result, entry
                if name is _ALL:
                    children, cell = node.children, self.key(patient)
                    node = children.get(cell)
                    if node is None:
                        node = children[cell] = _Node(_END, children, cell)
                        self._nodes += 1
                    break
                if name is _END:
                    break
                children, cell = node.children, self._cell(patient, name)
            if node is not None and node.name is _END:
                node.entry = entry if entry is not None else _UNCACHEABLE
                self._lru[id(node)] = node
                self._lru.move_to_end(id(node))
                while len(self._lru) > self.maxsize:
                    _, old = self._lru.popitem(last=False)
                    if old.parent is not None:
                        old.parent.pop(old.cell, None)
                        old.parent = None
        return result, entry

    def _entry(self, result: Result, patient: Patient, read: set[str] | None,
               ) -> _Entry | None:
        """The class entry for this result, or None when it echoes something the patient's
        values do not account for (then it is never reused)."""
        values = patient.values
        numeric = []
        for index, step in enumerate(result.path):
            echoes_number = False
            for name, value in step.values:
                if name not in values or not _same(value, values[name]):
                    return None
                if type(value) is float:
                    echoes_number = True
            if echoes_number:
                numeric.append(index)
        if result.derived != tuple(Derived(*d) for d in patient.derived):
            return None
        for assumption in result.assumed:
            if assumption.field not in patient.defaulted or (
                    read is not None and assumption.field not in read):
                return None
        return _Entry(result, tuple(numeric))

    def _forget(self) -> None:
        """Drop every class (the lock held)."""
        for node in self._lru.values():
            node.parent = None
        self._roots.clear()
        self._lru.clear()
        self._nodes = 0

    def _instance(self, entry: _Entry, patient: _Read) -> Result:
        """The class's result with this patient's own echoed values (the rest shared)."""
        values = patient[0]
        path = entry.result.path
        if entry.numeric_steps:
            steps = list(path)
            for index, node, kind, text, answer, names in entry.numeric_steps:
                steps[index] = tuple.__new__(PathStep, (
                    node, kind, text, answer, tuple([(name, values[name]) for name in names])))
            path = tuple(steps)
        made = self._made
        derived = []
        for item in patient[2]:
            one = made.get(item) if item[3] else None  # (0.0 and -0.0 are one key)
            if one is None:
                if len(made) > 4096:
                    made.clear()
                one = made[item] = Derived(*item)
            derived.append(one)
        result = object.__new__(Result)  # a copy of a frozen value, two parts replaced
        parts = result.__dict__
        parts.update(entry.parts)
        parts["path"] = path
        parts["derived"] = tuple(derived)
        return result

    # -- the cache ------------------------------------------------------------------------

    def cache_info(self) -> CacheInfo:
        """Hits, misses, bound and size of the class cache."""
        with self._lock:
            return CacheInfo((self._hits, self._misses, self.maxsize, len(self._lru)))

    def cache_clear(self) -> None:
        """Forget every class (the counts too)."""
        with self._lock:
            self._forget()
            self._hits = self._misses = 0


def _same(a: Any, b: Any) -> bool:
    """The same value as echoed: equal, of the same type, and -0.0 apart from 0.0."""
    return type(a) is type(b) and a == b and (
        type(a) is not float or math.copysign(1.0, a) == math.copysign(1.0, b))
