"""The compiled evaluator: the interpreter's results, one per class of patients, reused.

A guideline's conditions tell apart only finitely many classes of each field's values (its
domain, :mod:`nettree.domains`): a choice or boolean by its value, a set by its members, a
number by its place among the field's thresholds (below, at or between them). Two patients
whose every field falls in the same class, with the same fields defaulted and derived, get
the same walk: the same decisions, answers, options, notes and missing fields. So the
evaluator classifies each patient, runs the interpreter (:func:`nettree.traverse.walk`, the
reference) once per class, and reuses its :class:`~nettree.result.Result`.

The key holds EVERY field's class (not only the fields one walk read), so it stays exact
whatever the walk reads. What a result echoes of the patient beyond its class is the value
of each field read (``PathStep.values``) and the derivations (``Result.derived``: the number
a grade was derived from); defaults (``Result.assumed``) are the field's default, fixed by
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
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .errors import PatientError
from .model import FieldType
from .patient import Patient, validate_patient
from .result import Derived, PathStep, Result

if TYPE_CHECKING:
    from .guideline import Guideline

__all__ = ["DEFAULT_MAXSIZE", "Compiled", "CacheInfo"]

# About 5 KB a class (a full result): 4,096 classes stay near 20 MB.
DEFAULT_MAXSIZE = 4096

_LARGEST_INTEGER = int(1.7976931348623157e308)
_DEFAULTED = ("default",)  # a field's class when its default was applied


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

    __slots__ = ("json", "numeric_steps", "result", "reuse")

    def __init__(self, result: Result, numeric_steps: tuple[int, ...]) -> None:
        self.result = result
        self.numeric_steps = numeric_steps
        # Returned as is when nothing echoed can differ inside the class.
        self.reuse = not numeric_steps and not result.derived
        self.json: str | None = None


_UNCACHEABLE = object()


def _reader(name: str, kind: FieldType, spec: Any) -> Callable[[Any], Any]:
    """A function checking one given (non-None) value the way validate_patient does, for the
    ordinary cases; anything else raises _Fallback (validate_patient then decides)."""
    if kind is FieldType.BOOLEAN:
        def boolean(value: Any) -> Any:
            if value is True or value is False:
                return value
            raise _Fallback
        return boolean
    if kind is FieldType.NUMBER:
        low = spec.minimum if spec.minimum is not None else -math.inf
        high = spec.maximum if spec.maximum is not None else math.inf

        def number(value: Any) -> Any:
            kind_of = type(value)
            if kind_of is float:
                if low <= value <= high and -math.inf < value < math.inf:
                    return value
            elif kind_of is int and low <= value <= high and -_LARGEST_INTEGER <= value \
                    <= _LARGEST_INTEGER:
                return float(value)
            raise _Fallback
        return number
    allowed = frozenset(spec.values)
    if kind is FieldType.CHOICE:
        def choice(value: Any) -> Any:
            if type(value) is str and value in allowed:
                return value
            raise _Fallback
        return choice

    def members(value: Any) -> Any:
        if type(value) in (list, tuple, frozenset, set):
            for item in value:
                if type(item) is not str or item not in allowed:
                    raise _Fallback
            return frozenset(value)
        raise _Fallback
    return members


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
        self._readers = tuple(_reader(n, s.type, s) for n, s in fields.items())
        self._cuts = tuple(
            guideline.thresholds.get(n, ()) if s.type is FieldType.NUMBER else None
            for n, s in fields.items())
        self._derives = tuple((n, s.derive) for n, s in fields.items() if s.derive is not None)
        self._defaults = tuple((n, s.default) for n, s in fields.items() if s.has_default)
        # validate_patient derives and defaults field by field, in order; reading them in two
        # passes (derive, then default) is the same unless a derivation's source has a default.
        self._two_pass = not any(fields[rule.source].has_default for _, rule in self._derives)
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    # -- reading and classifying a patient ------------------------------------------------

    def _read(self, raw: Any) -> Patient:
        """The validated patient, exactly as validate_patient gives it (it decides anything
        unusual, and raises the errors)."""
        if type(raw) is not dict or not self._two_pass or not raw.keys() <= self._known:
            return validate_patient(self._fields, raw)
        try:
            values: dict[str, Any] = {}
            for name, read in zip(self._names, self._readers, strict=True):
                value = raw.get(name)
                values[name] = None if value is None else read(value)
            derived: list[tuple[str, Any, str, Any]] = []
            for name, rule in self._derives:
                source_value = values[rule.source]
                if source_value is not None:
                    implied = rule.derive(source_value)
                    given = values[name]
                    if given is None:
                        values[name] = implied
                        derived.append((name, implied, rule.source, source_value))
                    elif given != implied:
                        raise _Fallback
            defaulted = set()
            for name, default in self._defaults:
                if values[name] is None:
                    values[name] = default
                    defaulted.add(name)
        except _Fallback:
            return validate_patient(self._fields, raw)
        return Patient(values=values, defaulted=frozenset(defaulted), derived=tuple(derived))

    def key(self, patient: Patient) -> tuple[Any, ...]:
        """The patient's class: every field's domain cell (``None`` unknown), defaulted and
        derived fields marked apart."""
        values = patient.values
        defaulted = patient.defaulted
        derived = {d[0] for d in patient.derived} if patient.derived else ()
        key: list[Any] = []
        for name, cuts in zip(self._names, self._cuts, strict=True):
            value = values[name]
            if name in defaulted:
                key.append(_DEFAULTED)
            elif value is None or cuts is None:
                key.append(("derived", value) if name in derived else value)
            else:
                place = bisect.bisect_left(cuts, value)
                key.append(2 * place + 1 if place < len(cuts) and cuts[place] == value
                           else 2 * place)
        return tuple(key)

    # -- answering ------------------------------------------------------------------------

    def traverse(self, patient: Mapping[str, Any]) -> Result:
        """The result for ``patient``: equal to the interpreter's in every part."""
        checked = self._read(patient)
        return self._answer(checked, self.key(checked))[0]

    def to_json(self, patient: Mapping[str, Any]) -> str:
        """``json.dumps(result.to_dict(), ensure_ascii=False)`` for ``patient``, kept per
        class where the result echoes nothing but its class."""
        checked = self._read(patient)
        result, entry = self._answer(checked, self.key(checked))
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

    def _answer(self, patient: Patient, key: tuple[Any, ...]) -> tuple[Result, _Entry | None]:
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                self._cache.move_to_end(key)
                self._hits += 1
            else:
                self._misses += 1
        if entry is None:
            return self._fill(patient, key)
        if entry is _UNCACHEABLE:
            return self._interpret(patient), None
        if entry.reuse:
            return entry.result, entry
        return self._instance(entry, patient), entry

    def _interpret(self, patient: Patient) -> Result:
        from .traverse import walk

        return walk(self.guideline, patient)[0]

    def _fill(self, patient: Patient, key: tuple[Any, ...]) -> tuple[Result, _Entry | None]:
        result = self._interpret(patient)  # a guideline defect raises here: nothing cached
        entry: Any = self._entry(result, patient)
        if self.maxsize:
            with self._lock:
                self._cache[key] = entry if entry is not None else _UNCACHEABLE
                self._cache.move_to_end(key)
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return result, entry

    def _entry(self, result: Result, patient: Patient) -> _Entry | None:
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
            if assumption.field not in patient.defaulted:
                return None
        return _Entry(result, tuple(numeric))

    def _instance(self, entry: _Entry, patient: Patient) -> Result:
        """The class's result with this patient's own echoed values."""
        template = entry.result
        values = patient.values
        path = list(template.path)
        for index in entry.numeric_steps:
            step = path[index]
            path[index] = PathStep(step.node, step.kind, step.text, step.answer,
                                   tuple((name, values[name]) for name, _ in step.values))
        return Result(
            guideline=template.guideline, status=template.status, leaf=template.leaf,
            reason=template.reason, recommendations=template.recommendations,
            options=template.options, excluded=template.excluded, general=template.general,
            missing=template.missing, assumed=template.assumed,
            derived=tuple(Derived(*d) for d in patient.derived), notes=template.notes,
            path=tuple(path),
        )

    # -- the cache ------------------------------------------------------------------------

    def cache_info(self) -> CacheInfo:
        """Hits, misses, bound and size of the class cache."""
        with self._lock:
            return CacheInfo((self._hits, self._misses, self.maxsize, len(self._cache)))

    def cache_clear(self) -> None:
        """Forget every class (the counts too)."""
        with self._lock:
            self._cache.clear()
            self._hits = self._misses = 0


def _same(a: Any, b: Any) -> bool:
    """The same value as echoed: equal, of the same type, and -0.0 apart from 0.0."""
    return type(a) is type(b) and a == b and (
        type(a) is not float or math.copysign(1.0, a) == math.copysign(1.0, b))
