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
(iterating the values reads them all: the key then holds every field's class; settling an
unknown answer walks each completion through a view whose reads are noted here too, see
:class:`nettree.traverse.Recorded`). Its control flow depends on the values only through
their classes, so two patients that agree on the classes of the fields read so far read the
same next field: the walks form a tree of reads, and a class is one path in it (starting
with which fields were derived, and marking a defaulted field apart from a given one).
Whatever the traversal semantics, this stays exact as long as the walk reads the patient
through ``values``; a result that lists a default its walk did not read is never cached.

What a result echoes of the patient beyond its class is the value of each field read
(``PathStep.values``) and the derivations (``Result.derived``: the number a grade was
derived from); defaults (``Result.assumed``) are the field's default, fixed by
the key. A class whose results echo a number is re-instantiated with the patient's own
values (the rest is shared); a class whose results echo nothing beyond its class is
returned as is, with its JSON. Each result cached is audited first: every echoed value must
be the patient's own; a result that echoes anything else is never cached (the interpreter
answers every such patient).

A warm answer reads the patient's own mapping, not a validated copy, through a function
written for the guideline when the evaluator is made (:meth:`Compiled._reader`): straight-line
code, one block a field, instead of loops over tuples of fields. Each block checks the value
as :func:`nettree.patient.validate_patient` would accept it (a boolean by identity, since 1
and 0 equal True and False; a choice an exact text among its values; a number an int or a
float within its bounds, whole for an integer field; a set a list, tuple or set of exact
texts among its values) and finds its class (a number's cell, a set's sum of its members'
bits, an absent field as absent); then come the derivations, a count of the keys that
catches any that is not a field, and the walk down the tree of reads (a node is keyed by
its field's place in the tuple of classes). Anything unusual (a text for a boolean, a
subclass of str, a derived value that disagrees) goes to validate_patient and the
interpreter, which decide it (and raise the errors). Nothing of the guideline becomes code:
the text of that function holds only nettree's own names and the fields' places, and every
field name, value set and threshold is a constant of its namespace (``F3``, ``A3``,
``CUTS3``), so two guidelines that differ only in their names and values get the same text
(``tests/test_compiled_source.py``). A result re-instantiated shares every part but its
echoes with its class's, and the parts that hold only the guideline's texts (options,
notes, ...) are one object for all the classes whose parts are equal.

The cache is bounded (``maxsize`` classes; default :data:`DEFAULT_MAXSIZE`, or the
``NETTREE_CLASS_CACHE`` environment variable when it is a whole number, 0 or more: anything
else is ignored, as ``NETTREE_MAX_INPUT_BYTES`` is) and drops the least recently used classes when
full (a few at a time); it is shared by threads: a hit takes no lock, a miss fills under one.
A guideline defect met at run time (a gap or overlap) is raised by the interpreter, never
cached.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import itertools
import json
import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .conditions import Possible
from .errors import PatientError
from .model import Derivation, Field, FieldType
from .patient import Patient, validate_patient
from .result import Derived, PathStep, Result
from .traverse import Recorded

if TYPE_CHECKING:
    from .guideline import Guideline

__all__ = ["DEFAULT_MAXSIZE", "NO_CELL", "CacheInfo", "Compiled", "default_maxsize"]

# About 4 KB a class (a full result; measured 4,232 classes in 18 MB): 8,192 classes stay
# near 35 MB. (The bundled guideline has about 4,200 classes of complete patients.)
DEFAULT_MAXSIZE = 8192

_LARGEST_INTEGER = int(1.7976931348623157e308)
_LARGEST_FLOAT = 1.7976931348623157e308
_SET_TYPES = frozenset({list, tuple, set, frozenset})


def default_maxsize() -> int:
    """The class cache's bound: ``NETTREE_CLASS_CACHE`` if it is a whole number, 0 or more
    (0: no cache), else :data:`DEFAULT_MAXSIZE`."""
    value = os.environ.get("NETTREE_CLASS_CACHE", "").strip()
    return int(value) if value.isascii() and value.isdigit() else DEFAULT_MAXSIZE


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


# The parts of a result that hold only the guideline's own texts: equal ones are shared
# between classes (fewer objects for a re-instantiated result to reach).
_SHARED_PARTS = ("recommendations", "options", "excluded", "general", "missing", "notes",
                 "not_recommended")


class _Entry:
    """One class's result: the template, where it echoes numbers, and its parts (a
    re-instantiated result's, but for its own derivations and echoes)."""

    __slots__ = ("json", "numeric_steps", "parts", "result", "reuse")

    def __init__(self, result: Result, numeric_steps: tuple[tuple[int, tuple[int, ...]], ...],
                 shared: dict[Any, Any]) -> None:
        self.result = result
        # Each step that echoes a given number: where it is, and where in its values.
        self.numeric_steps = numeric_steps
        # Returned as is when nothing echoed can differ inside the class.
        self.reuse = not numeric_steps and not result.derived
        self.parts = parts = dict(result.__dict__)
        if not self.reuse:
            for name in _SHARED_PARTS:
                part = parts[name]
                with contextlib.suppress(TypeError):  # not hashable: kept its own
                    parts[name] = shared.setdefault(part, part)
            parts["derived"] = None  # the patient's own, in its place
        self.json: str | None = None


_UNCACHEABLE = object()
NO_CELL = object()
"""What :meth:`Compiled.text_cell` gives for a text that is no valid value."""
_END = "\x00end"  # the walk is over: the node holds the class's entry
_ALL = "\x00all"  # the walk read every field: the next level is keyed on all of them


class _Node:
    """A node of the tree of reads: the field the walks read next (``index``: its place
    among the guideline's fields; children by its class), or, at the end of a walk (no
    children), the class's entry (with where it hangs, to evict it, and when it was last
    used)."""

    __slots__ = ("cell", "children", "entry", "index", "name", "parent", "stamp")

    def __init__(self, name: str, index: int, parent: dict[Any, _Node] | None = None,
                 cell: Any = None) -> None:
        self.name = name
        self.index = index
        self.children: dict[Any, _Node] | None = None if name is _END else {}
        self.entry: Any = None
        self.parent = parent
        self.cell = cell
        self.stamp = 0


class _Recording(Recorded):
    """A patient's values that note which fields a walk reads, in the order first read
    (iterating them reads them all). Reading a field derived by points or cases reads the
    fields it is derived from (``inputs``): its value, and the defaults it relied on, are
    theirs. A completion's values (settling an unknown answer) note their reads here too
    (:meth:`noting`)."""

    __slots__ = ("_inputs", "_values", "order", "read")

    def __init__(self, values: Mapping[str, Any],
                 inputs: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self._values = values
        self._inputs = inputs or {}
        self.order: list[str] = []
        self.read: set[str] | None = set()

    def note(self, name: str) -> None:
        read = self.read
        if read is not None and name not in read:
            read.add(name)
            self.order.append(name)
            for source in self._inputs.get(name, ()):
                self.note(source)

    def note_all(self) -> None:
        if self.read is not None:
            self.order.append(_ALL)
            self.read = None

    @property
    def plain(self) -> Mapping[str, Any]:
        return self._values

    def noting(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        return _Noting(values, self)

    def __getitem__(self, name: str) -> Any:
        if name in self._values:
            self.note(name)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and name in self._values:
            self.note(name)
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:  # Mapping.get, without its try
        if name in self._values:
            self.note(name)
            return self._values[name]
        return default

    def __iter__(self) -> Iterator[str]:
        self.note_all()
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class _Noting(_Recording):
    """A completion's values, whose reads a patient's recording notes (``root``)."""

    __slots__ = ("_root",)

    def __init__(self, values: Mapping[str, Any], root: _Recording) -> None:
        super().__init__(values)
        self._root = root

    def note(self, name: str) -> None:
        self._root.note(name)

    def note_all(self) -> None:
        self._root.note_all()

    def noting(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        return _Noting(values, self._root)


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
            maxsize = default_maxsize()
        if maxsize < 0:
            raise ValueError(f"maxsize must be 0 or more (got {maxsize})")
        self.guideline = guideline
        self.maxsize = maxsize
        fields = guideline.fields
        self._fields = fields
        self._names = tuple(fields)
        self._known = frozenset(fields)
        self._cut_of = {name: tuple(guideline.thresholds.get(name, ()))
                        if spec.type is FieldType.NUMBER else None
                        for name, spec in fields.items()}
        # Each field's place (a node of the tree of reads is keyed on it); past the last:
        # the walk read them all.
        self._index = {name: index for index, name in enumerate(fields)}
        self._index[_ALL] = len(fields)
        self._bits = {name: _bits(spec) for name, spec in fields.items()
                      if spec.type is FieldType.SET}
        derivations = [(n, s.derive) for n, s in fields.items() if s.derive is not None]
        # validate_patient derives and defaults field by field, in order; the fast reading
        # derives first and takes an absent field with a default as defaulted, which is the
        # same unless a derivation's source has a default. Derivations it does not know are
        # validate_patient's alone: such a guideline reads every patient through it.
        # Fields derived by points or cases (nettree.derive) are validate_patient's too.
        self._fast = all(type(rule) is Derivation and not fields[rule.source].has_default
                         for _, rule in derivations) \
            and not any(spec.computed for spec in fields.values())
        self._inputs = {name: tuple(sorted(inputs))
                        for name, inputs in guideline.derived_inputs.items()}
        self._derives: tuple[tuple[str, str, Derivation, dict[int, Any] | None,
                                   dict[float, tuple[Derived]], tuple[str]], ...] = tuple(
            (name, rule.source, rule, self._derived_by_cell(rule), {}, (name,))
            for name, rule in derivations if isinstance(rule, Derivation)) if self._fast else ()
        self._lock = threading.Lock()
        self._roots: dict[Any, _Node] = {}  # by the names of the fields derived
        self._nodes = 0
        self._node_limit = 64 * maxsize + 1024  # the tree's inner nodes are bounded too
        self._ends: set[_Node] = set()  # the classes held (end nodes)
        self._clock = itertools.count().__next__  # a stamp for each use of a class
        self._start = 0  # the first stamp since the cache was cleared
        self._texts: dict[str, dict[str, Any]] = {}  # a table's cells' classes, by text
        self._shared: dict[Any, Any] = {}  # results' equal parts, one object each: _Entry
        self._fills = self._peeks = self._misses = 0
        self.version = 0  # one more each class cached (read_tree's readers tell a new tree)
        self._read, self.traverse = self._reader()

    def _derived_by_cell(self, rule: Derivation) -> dict[int, Any] | None:
        """A derived field's value for each cell of its source, when the derivation's bounds
        are among the source's thresholds (else None: derive from the number)."""
        cuts = self._cut_of.get(rule.source) or ()
        bounds = [bound for _, _, bound in rule.bins if bound is not None]
        if not set(bounds) <= set(cuts):
            return None
        from .domains import _above, _below, _between

        # A number inside each cell, found as verification finds them (a step of 1 or a
        # midpoint can land on a threshold at extreme magnitudes); a cell with none, or a
        # number not in its cell, and the derivation is from the number instead.
        points: list[float | None] = [_below(cuts[0], -math.inf) if cuts else 0.0]
        for index, cut in enumerate(cuts):
            points.append(cut)
            points.append(_between(cut, cuts[index + 1]) if index + 1 < len(cuts)
                          else _above(cut, math.inf))
        cells: dict[int, Any] = {}
        for cell, point in enumerate(points):
            if point is None:
                return None
            if _cell_of(cuts, point) != cell:
                return None
            cells[cell] = rule.derive(point)
        return cells

    # -- classifying a patient --------------------------------------------------------------

    def _cells(self, patient: Patient) -> dict[str, Any]:
        """A validated patient's class of each field, as the fast reading finds them: its
        value (a set as the sum of its members' bits, :func:`_bits`), a number's cell among
        the thresholds (2k between cuts, 2k+1 at cut k), None when unknown or defaulted."""
        cells: dict[str, Any] = {}
        defaulted = patient.defaulted
        for name, value in patient.values.items():
            if name in defaulted:
                value = None
            elif value is not None:
                cuts = self._cut_of[name]
                # A derived value known in part: its possible values are its class.
                if cuts is not None and type(value) is not Possible:
                    value = _cell_of(cuts, value)
                elif name in self._bits:
                    value = sum(map(self._bits[name].__getitem__, value))
            cells[name] = value
        return cells

    def _reader(self) -> tuple[Callable[[Any], Any], Callable[[Mapping[str, Any]], Result]]:
        """The warm hit path, written for this guideline's fields (see the module's
        docstring): a usual patient's answer from the cache (the class's entry when its
        result is the patient's, else the patient's own copy of it), None for anything else
        (a class not cached, a value for validate_patient to check); and the same as
        :attr:`traverse`, which gives the result and answers anything else by :meth:`_miss`.
        (Values are checked before they are hashed: none raises TypeError.)"""
        if not self._fast:
            return lambda raw: None, self._miss
        source, constants = _source(self._fields, self._cut_of, self._derives)
        namespace: dict[str, Any] = {
            **constants, "DICT": dict, "STR": str, "FLOAT": float, "INT": int,
            "SET_TYPES": _SET_TYPES, "BISECT": bisect.bisect_left,
            "KNOWN": self._known.issuperset, "ROOTS": self._roots, "UNCACHEABLE": _UNCACHEABLE,
            "CLOCK": self._clock, "DERIVED": self._derived, "INSTANCE": self._instance,
            "NEW": object.__new__, "RESULT": Result, "N": len(self._names),
            "MISS": self._miss}
        answering = source.replace("def read(raw):", "def traverse(raw):").replace(
            "return None\n", "return MISS(raw)\n").replace("return entry\n",
                                                            "return entry.result\n")
        exec(compile(source + answering, "<nettree.compiled reader>", "exec"), namespace)
        return namespace["read"], namespace["traverse"]

    @staticmethod
    def _derived(made: dict[float, tuple[Derived]], name: str, value: Any, source: str,
                 number: float) -> tuple[Derived]:
        """The record of a derivation (alone in a tuple), shared between patients with the
        same source value (``made``: the field's; but for zero: 0.0 and -0.0 are one key,
        each echoed as given)."""
        if len(made) > 4096:
            made.clear()
        one = made[number] = (Derived(name, value, source, number),)
        return one

    def _walk(self, node: _Node | None, cell: Any) -> _Node | None:
        """Follow the reads of the walks already made by a patient's classes (``cell``
        gives a field's): the class's end node, or None where it goes somewhere new."""
        while node is not None and node.children is not None:
            node = node.children.get(tuple(map(cell, self._names)) if node.name is _ALL
                                     else cell(node.name))
        return node

    # -- answering ------------------------------------------------------------------------

    traverse: Callable[[Mapping[str, Any]], Result]
    """``traverse(patient)``: the result for ``patient``, equal to the interpreter's in every
    part. (Written for the guideline, as :meth:`_reader`'s function, but answering a patient
    it leaves through :meth:`_answer`: one call fewer on a warm answer.)"""

    def _miss(self, patient: Mapping[str, Any]) -> Result:
        """The result for a patient the written reader leaves (see :attr:`traverse`)."""
        return self._answer(patient)[0]

    def to_json(self, patient: Mapping[str, Any]) -> str:
        """``json.dumps(result.to_dict(), ensure_ascii=False)`` for ``patient``, kept per
        class where the result echoes nothing but its class."""
        found = self._read(patient)
        if found is None:
            result, entry = self._answer(patient)
        elif isinstance(found, _Entry):
            result, entry = found.result, found
        else:
            result, entry = found, None
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

    def _answer(self, raw: Any) -> tuple[Result, _Entry | None]:
        """The result through validate_patient (which raises the errors): from the class
        cache when the class is there, else from the interpreter (then cached)."""
        patient = validate_patient(self._fields, raw)
        cells = self._cells(patient)
        root = tuple(d[0] for d in patient.derived)
        end = self._walk(self._roots.get(root), cells.get) if self.maxsize else None
        if end is None:
            return self._fill(patient, cells, root)
        entry = end.entry
        if entry is not _UNCACHEABLE:
            end.stamp = self._clock()
        else:
            with self._lock:
                self._misses += 1
            return self._interpret(patient), None
        if entry.reuse:
            return entry.result, entry
        derived = tuple(Derived(*item) for item in patient.derived)
        return self._instance(entry, derived, patient.values), entry

    def _interpret(self, patient: Patient) -> Result:
        from .traverse import walk

        return walk(self.guideline, patient)[0]

    def _fill(self, patient: Patient, cells: dict[str, Any], root: tuple[str, ...],
              ) -> tuple[Result, _Entry | None]:
        """Run the interpreter, recording which fields it reads, in order; keep the result
        under the classes of those fields. The walk is the same for every patient whose
        fields read so far fall in the same classes (its conditions tell no more apart), so
        it reads the same next field: the tree of reads is exact."""
        recording = _Recording(dict(patient.values), self._inputs)
        result = self._interpret(Patient(recording, patient.defaulted, patient.derived))
        entry: Any = self._entry(result, patient, recording.read)
        with self._lock:
            self._misses += 1
            if self.maxsize:
                self._insert(root, recording.order, cells,
                             entry if entry is not None else _UNCACHEABLE)
        return result, entry

    def _insert(self, root: tuple[str, ...], order: Iterable[str], cells: Mapping[str, Any],
                entry: Any) -> None:
        """Hang ``entry`` at the end of the reads ``order`` (field names, perhaps ending
        with _ALL), by their ``cells``, under ``root`` (the lock held)."""
        if self._nodes > self._node_limit:  # start afresh: the tree stays bounded
            self._forget()
        children = self._roots
        cell: Any = root
        node: _Node | None = None
        for name in [*order, _END]:
            node = children.get(cell)
            if node is None:
                node = _Node(name, self._index.get(name, -1), children, cell)
                if name is _END:  # its entry before it is hung: no reader finds it without
                    node.entry = entry
                children[cell] = node
                self._nodes += 1
            elif node.name != name:  # never: the walk is a function of the classes read
                return
            if name is _END:
                break
            inner = node.children
            assert inner is not None  # not an end
            if name is _ALL:
                children, cell = inner, tuple(map(cells.get, self._names))
                node = children.get(cell)
                if node is None:
                    node = _Node(_END, -1, children, cell)
                    node.entry = entry
                    children[cell] = node
                    self._nodes += 1
                break
            children, cell = inner, cells[name]
        if node is not None and node.name is _END:
            node.entry = entry
            node.stamp = self._clock()
            self._fills += 1
            self.version += 1
            self._ends.add(node)
            if len(self._ends) > self.maxsize:
                self._evict(len(self._ends) - self.maxsize + self.maxsize // 16)

    # -- a table's rows: classes from cells ---------------------------------------------

    def text_cell(self, name: str, text: str) -> Any:
        """The class of a table's cell of field ``name`` (a CSV cell, read as
        :func:`nettree.patient.coerce_cell` reads it), as :meth:`class_of_cells` takes it:
        None when empty, else the value's class (a number's cell, a set's sum of bits);
        :data:`NO_CELL` when the text is no valid value of the field. Remembered for a few
        thousand texts a field."""
        from .patient import coerce_cell

        memo = self._texts.setdefault(name, {})
        found = memo.get(text, NO_CELL)
        if found is not NO_CELL:
            return found
        try:
            value = coerce_cell(self._fields, name, text)
            if value is not None:
                checked = validate_patient(self._fields, {name: value}, derive=False)
                value = self._cells(checked)[name]
        except PatientError:
            value = NO_CELL
        if len(memo) < 4096:
            memo[text] = value
        return value

    def class_of_cells(self, cells: dict[str, Any]) -> Result | None:
        """:meth:`class_of` for a patient given by the classes of its fields (each valid
        alone: :meth:`text_cell`; absent or None: unknown, or the default): the class's
        result when it is cached, else None (also when the fields disagree, or the
        guideline derives a field otherwise than by its source's cells). ``cells`` gains
        the fields derived."""
        if not self._fast:
            return None
        root: tuple[str, ...] = ()
        for name, source, _, by_cell, _, single in self._derives:
            cell = cells.get(source)
            if cell is None:
                continue
            if by_cell is None:
                return None
            implied = by_cell[cell]
            given = cells.get(name)
            if given is None:
                cells[name] = implied
                root += single
            elif given != implied:
                return None
        end = self._walk(self._roots.get(root), cells.get)
        if end is None or end.entry is _UNCACHEABLE:
            return None
        end.stamp = self._clock()
        result: Result = end.entry.result
        return result

    def read_tree(self) -> tuple[dict[tuple[str, ...], int],
                                 list[tuple[str, list[tuple[Any, int]], Result | None]]]:
        """The tree of reads as plain data, to follow it for many patients at once
        (:mod:`nettree.columnar`): the roots (by the fields derived, as
        :meth:`derivations` derives them) and the nodes, each ``(name, children, result)``:
        the field read next (``""`` at the end of a walk, ``"\x00all"`` where the walk read
        every field: its children are keyed by every field's cell, in the order of the
        guideline's fields), its children as ``(cell, node)`` and, at an end, the class's
        result (None when the class is never cached). A copy: classes cached later are not
        in it, and every class in it stays exact."""
        nodes: list[tuple[str, list[tuple[Any, int]], Result | None]] = []
        index: dict[int, int] = {}

        def number(node: _Node) -> int:
            found = index.get(id(node))
            if found is None:
                found = index[id(node)] = len(nodes)
                nodes.append(("", [], None))
                pending.append(node)
            return found

        pending: list[_Node] = []
        with self._lock:
            roots = {root: number(node) for root, node in self._roots.items()}
            while pending:
                node = pending.pop()
                children = [(cell, number(child))
                            for cell, child in (node.children or {}).items()]
                if node.name is _END:
                    entry = node.entry
                    nodes[index[id(node)]] = ("", [], entry.result if isinstance(entry, _Entry)
                                              else None)
                else:
                    nodes[index[id(node)]] = (node.name, children, None)
        return roots, nodes

    def derivations(self) -> list[tuple[str, str, dict[int, Any] | None]] | None:
        """How :meth:`class_of_cells` derives fields from cells, in order: ``(field,
        source, value by the source's cell)`` (None: derived from the number, not the
        cell); None when it does not take cells at all."""
        if not self._fast:
            return None
        return [(name, source, by_cell) for name, source, _, by_cell, _, _ in self._derives]

    # -- keeping classes between runs (nettree.store writes and reads them) ---------------

    def classes(self) -> list[tuple[Any, ...]]:
        """Every class cached, most recently used last, as plain data: ``(root, order,
        cells, result, numeric_steps)``: the fields derived, the fields read in order
        (ending with ``"\x00all"`` when the walk read them all), their cells, the result
        and where it echoes numbers. :meth:`add_classes` takes them back."""
        found: list[tuple[int, tuple[Any, ...]]] = []
        with self._lock:
            stack: list[tuple[Any, _Node, tuple[str, ...], dict[str, Any]]] = [
                (root, node, (), {}) for root, node in self._roots.items()]
            while stack:
                root, node, order, cells = stack.pop()
                if node.name is _END:
                    entry = node.entry
                    if isinstance(entry, _Entry):
                        found.append((node.stamp, (root, order, cells, entry.result,
                                                   entry.numeric_steps)))
                    continue
                for cell, child in (node.children or {}).items():
                    if node.name is _ALL:
                        stack.append((root, child, (*order, _ALL),
                                      dict(zip(self._names, cell, strict=True))))
                    else:
                        stack.append((root, child, (*order, node.name),
                                      {**cells, node.name: cell}))
        found.sort(key=lambda item: item[0])
        return [item for _, item in found]

    def add_classes(self, classes: Iterable[tuple[Any, ...]]) -> int:
        """Cache the classes :meth:`classes` gave (of a guideline with the same content,
        by the same version of nettree: the caller's to check); returns how many. A class
        that does not fit this guideline's fields raises ValueError (nothing is added)."""
        checked = []
        for root, order, cells, result, numeric_steps in classes:
            order = tuple(_ALL if name == _ALL else name for name in order)
            names = set(order) - {_ALL}
            if not (isinstance(result, Result) and set(root) <= self._known
                    and names <= self._known and set(cells) <= self._known
                    and names <= set(cells)):
                raise ValueError("a class that does not fit the guideline")
            for index, places in numeric_steps:
                for place in places:
                    if type(result.path[index].values[place][1]) is not float:
                        raise ValueError("a class that does not fit the guideline")
            checked.append((tuple(root), order, cells,
                            self._new_entry(result, tuple(numeric_steps))))
        if not self.maxsize:
            return 0
        with self._lock:
            for root, order, cells, entry in checked[-self.maxsize:]:
                self._insert(root, order, cells, entry)
        return min(len(checked), self.maxsize)

    def _evict(self, count: int) -> None:
        """Drop the ``count`` classes least recently used (the lock held)."""
        for old in heapq.nsmallest(count, self._ends, key=lambda node: node.stamp):
            self._ends.discard(old)
            if old.parent is not None:
                old.parent.pop(old.cell, None)
                old.parent = None

    def _entry(self, result: Result, patient: Patient, read: set[str] | None,
               ) -> _Entry | None:
        """The class entry for this result, or None when it echoes something the patient's
        values do not account for (then it is never reused)."""
        values = patient.values
        numeric = []
        for index, step in enumerate(result.path):
            places = []
            for place, (name, value) in enumerate(step.values):
                if name not in values or not _same(value, values[name]):
                    return None
                if type(value) is float and name not in patient.defaulted:
                    places.append(place)
            if places:
                numeric.append((index, tuple(places)))
        if result.derived != tuple(Derived(*d) for d in patient.derived):
            return None
        for assumption in result.assumed:
            if assumption.field not in patient.defaulted or (
                    read is not None and assumption.field not in read):
                return None
        return self._new_entry(result, tuple(numeric))

    def _new_entry(self, result: Result, numeric_steps: tuple[tuple[int, tuple[int, ...]], ...],
                   ) -> _Entry:
        """A class's entry, its parts shared with other classes' equal ones (as many
        kept as the cache holds classes: then forgotten, which only shares less)."""
        if len(self._shared) > self.maxsize:
            self._shared.clear()
        return _Entry(result, numeric_steps, self._shared)

    def _forget(self) -> None:
        """Drop every class (the lock held)."""
        self._shared.clear()
        for node in self._ends:
            node.parent = None
        self._roots.clear()
        self._ends.clear()
        self._nodes = 0

    def _instance(self, entry: _Entry, derived: tuple[Derived, ...],
                  values: Mapping[str, Any]) -> Result:
        """The class's result with this patient's own derivations and echoed numbers
        (``values``: the patient's, a number as given or as a float); the rest shared."""
        result = object.__new__(Result)  # a copy of a frozen value, its echoes replaced
        parts = result.__dict__
        parts.update(entry.parts)
        parts["derived"] = derived
        if entry.numeric_steps:
            path = list(entry.result.path)
            for index, places in entry.numeric_steps:
                step = path[index]
                read = list(step.values)
                for place in places:
                    name = read[place][0]
                    read[place] = (name, float(values[name]))
                path[index] = tuple.__new__(PathStep, (*step[:4], tuple(read)))
            parts["path"] = tuple(path)
        return result

    # -- the cache ------------------------------------------------------------------------

    def cache_info(self) -> CacheInfo:
        """Hits, misses, bound and size of the class cache."""
        with self._lock:
            # Every stamp taken since the cache was cleared: hits and fills.
            uses = self._clock() - self._start - self._peeks
            self._peeks += 1
            return CacheInfo((uses - self._fills, self._misses, self.maxsize,
                              len(self._ends)))

    def cache_clear(self) -> None:
        """Forget every class (the counts too)."""
        with self._lock:
            self._forget()
            self._start = self._clock() + 1
            self._fills = self._peeks = self._misses = 0


def _same(a: Any, b: Any) -> bool:
    """The same value as echoed: equal, of the same type, and -0.0 apart from 0.0."""
    return type(a) is type(b) and a == b and (
        type(a) is not float or math.copysign(1.0, a) == math.copysign(1.0, b))


def _source(fields: Mapping[str, Field], cut_of: Mapping[str, tuple[float, ...] | None],
            derives: Iterable[tuple[str, str, Derivation, dict[int, Any] | None,
                                    dict[float, tuple[Derived]], tuple[str]]],
            ) -> tuple[str, dict[str, Any]]:
    """The source of :meth:`Compiled._reader`'s function, and the constants it reads: field
    ``i``'s name is ``F{i}``, its values ``A{i}`` (a set's bits ``BITS{i}``), its threshold
    ``k`` ``T{i}_{k}`` (past 15 of them, all in ``CUTS{i}``). Nothing of the guideline is
    written into the text: only our own names and the fields' places."""
    index = {name: i for i, name in enumerate(fields)}
    derives = tuple(derives)
    derived = {name for name, *_ in derives}
    constants: dict[str, Any] = {"GIVEN": len(fields) - len(derived)}
    kept = {FieldType.BOOLEAN: "c", FieldType.CHOICE: "c"}  # read as given; else v{i}
    # A patient giving every field not derived is read by subscripts (faster than get);
    # one missing a field by get.
    fetch = [(f"{kept.get(spec.type, 'v')}{i}", f"F{i}", name in derived)
             for i, (name, spec) in enumerate(fields.items())]
    lines = ["def read(raw):",
             "    if raw.__class__ is not DICT:",
             "        return None",
             "    every = len(raw) >= GIVEN",
             "    if every:",
             "        try:",
             *(f"            {var} = raw.get({key})" if maybe else f"            {var} = raw[{key}]"
               for var, key, maybe in fetch),
             "        except KeyError:",
             "            every = False",
             "    if not every:",
             "        get = raw.get",
             *(f"        {var} = get({key})" for var, key, _ in fetch),
             "    absent = 0  # the fields absent or None: see the check of unknown fields"]
    for i, (name, spec) in enumerate(fields.items()):
        constants[f"F{i}"] = name
        c, v = f"c{i}", f"v{i}"
        if spec.type is FieldType.BOOLEAN:  # 1 and 0 equal True and False: by identity
            lines += [f"    if {c} is None:",
                      "        absent += 1",
                      f"    elif {c} is not True and {c} is not False:",
                      "        return None"]
        elif spec.type is FieldType.CHOICE:  # a subclass of str: validate_patient's
            constants[f"A{i}"] = frozenset(spec.values)
            lines += [f"    if {c}.__class__ is STR:",
                      f"        if {c} not in A{i}:",
                      "            return None",
                      f"    elif {c} is None:",
                      "        absent += 1",
                      "    else:",
                      "        return None"]
        elif spec.type is FieldType.NUMBER:  # a bool, NaN, inf: validate_patient's
            cuts = cut_of[name] or ()
            constants.update({
                f"LO{i}": -_LARGEST_FLOAT if spec.minimum is None else spec.minimum,
                f"HI{i}": _LARGEST_FLOAT if spec.maximum is None else spec.maximum,
                f"ILO{i}": -_LARGEST_INTEGER if spec.minimum is None
                else max(spec.minimum, -_LARGEST_INTEGER),
                f"IHI{i}": _LARGEST_INTEGER if spec.maximum is None
                else min(spec.maximum, _LARGEST_INTEGER)})
            whole = f" or not {v}.is_integer()" if spec.integer else ""
            # An int is classed as the float validate_patient makes of it.
            lines += [f"    if {v} is None:",
                      f"        {c} = None",
                      "        absent += 1",
                      "    else:",
                      f"        if {v}.__class__ is FLOAT:",
                      f"            if not LO{i} <= {v} <= HI{i}{whole}:",
                      "                return None",
                      f"        elif {v}.__class__ is INT and ILO{i} <= {v} <= IHI{i}:",
                      f"            {v} = FLOAT({v})",
                      "        else:",
                      "            return None"]
            # The cell: 2k between cuts, 2k+1 at cut k (a few cuts: compared in a binary
            # search written out, cut k a constant T{i}_{k}).
            if len(cuts) > 15:
                constants.update({f"CUTS{i}": cuts, f"N{i}": len(cuts)})
                lines += [f"        p = BISECT(CUTS{i}, {v})",
                          f"        {c} = 2 * p + 1 if p < N{i} and CUTS{i}[p] == {v} "
                          "else 2 * p"]
            else:
                constants.update({f"T{i}_{k}": cut for k, cut in enumerate(cuts)})
                lines += _search(i, 0, len(cuts), "        ")
        else:  # a set: a list, tuple or set of texts, each allowed (a repeat: once)
            constants[f"BITS{i}"] = _bits(spec)
            lines += [f"    if {v} is None:",
                      f"        {c} = None",
                      "        absent += 1",
                      "    else:",
                      f"        if {v}.__class__ not in SET_TYPES:",
                      "            return None",
                      f"        {c} = 0",
                      f"        for item in {v}:",
                      "            if item.__class__ is not STR:",
                      "                return None",
                      f"            bit = BITS{i}.get(item)",
                      "            if bit is None:",
                      "                return None",
                      f"            {c} |= bit"]
    lines += ["    derived = ()", "    root = ()"]
    join = "=" if len(derives) == 1 else "+="  # one derivation: no tuples joined
    for name, source, rule, by_cell, made, single in derives:
        i, j = index[name], index[source]
        constants.update({f"MADE{i}": made, f"R{i}": single})
        if by_cell is None:
            constants[f"DERIVE{i}"] = rule.derive
            implied = f"DERIVE{i}(v{j})"
        else:
            constants[f"BY{i}"] = by_cell
            implied = f"BY{i}[c{j}]"
        lines += [f"    if c{j} is not None:",
                  f"        implied = {implied}",
                  f"        if c{i} is None:",
                  f"            c{i} = implied",
                  # A number, as a float, gives one class and one derived value: the record
                  # kept for it is the patient's (but for 0.0 and -0.0, one key: made anew).
                  f"            one = MADE{i}.get(v{j}) if v{j} else None",
                  "            if one is None:",
                  f"                one = DERIVED(MADE{i}, F{i}, implied, F{j}, v{j})",
                  f"            derived {join} one",
                  f"            root {join} R{i}",
                  f"        elif c{i} != implied:",
                  "            return None"]
    # len(raw) counts every field given (None too) and any other key: no other key and
    # none given as None when the fields absent or None make up the rest.
    lines += ["    if len(raw) + absent != N and not KNOWN(raw):",
              "        return None",
              "    node = ROOTS.get(root)",
              "    if node is None:",
              "        return None",
              f"    cells = ({''.join(f'c{i}, ' for i in range(len(index)))})",
              "    try:  # follow the tree of reads (see Compiled._walk)",
              "        children = node.children",
              "        while children is not None:",
              "            node = children[cells[node.index]]",
              "            children = node.children",
              "    except KeyError:",
              "        return None",
              "    except IndexError:  # the walk read every field: keyed on all their cells",
              "        node = node.children.get(cells)",
              "        if node is None:",
              "            return None",
              "    entry = node.entry",
              "    if entry is UNCACHEABLE:",
              "        return None",
              "    node.stamp = CLOCK()",
              "    if entry.reuse:",
              "        return entry",
              "    if entry.numeric_steps:",
              "        return INSTANCE(entry, derived, raw)",
              "    result = NEW(RESULT)  # as INSTANCE makes it, inline",
              "    parts = result.__dict__",
              "    parts.update(entry.parts)",
              "    parts[\"derived\"] = derived",
              "    return result"]
    return "\n".join(lines) + "\n", constants


def _cell_of(cuts: tuple[float, ...], number: float) -> int:
    """A number's cell among a field's thresholds: 2k between cuts (below cut k), 2k+1 at
    cut k. (The written reader finds the same cells in code of its own: :func:`_search`.)

    >>> [_cell_of((3.0, 20.0), x) for x in (1.0, 3.0, 7.5, 20.0, 21.0)]
    [0, 1, 2, 3, 4]
    """
    place = bisect.bisect_left(cuts, number)
    return 2 * place + 1 if place < len(cuts) and cuts[place] == number else 2 * place


def _bits(spec: Field) -> dict[str, int]:
    """A set field's bit for each of its values: a set's class is the sum of its members'."""
    return {value: 1 << place for place, value in enumerate(spec.values)}


def _search(i: int, low: int, high: int, indent: str) -> list[str]:
    """Lines that set ``c{i}`` to the cell of ``v{i}``, known to lie above cut ``low - 1``
    and below cut ``high`` of field ``i``: a binary search over the cuts between."""
    if low == high:
        return [f"{indent}c{i} = {2 * low}"]
    mid = (low + high) // 2
    return [f"{indent}if v{i} < T{i}_{mid}:", *_search(i, low, mid, indent + "    "),
            f"{indent}elif v{i} == T{i}_{mid}:", f"{indent}    c{i} = {2 * mid + 1}",
            f"{indent}else:", *_search(i, mid + 1, high, indent + "    ")]
