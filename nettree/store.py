"""The compiled evaluator's classes, kept between runs in the user's cache folder.

A run of ``nettree batch`` ends by writing the classes its compiled evaluator holds
(:meth:`nettree.compiled.Compiled.classes`, at most its bound) to one file, and the next
run of the same guideline starts with them: warm from its first row. CSV to JSON Lines by
columns (:mod:`nettree.columnar`) keeps its own file beside it ("columns": the tree of
reads as arrays and each class's JSON, plain bytes and texts), so that a warm run needs
the classes' file only when it meets a class the table lacks.

The file's name and contents are keyed by everything a result depends on: the sha256 of
the guideline file's text (:attr:`Guideline.digest`), nettree's version, the version of
the guideline format, this file's own format, and the size and time of every module of
the installed package (so a changed nettree, even of the same version, never reads
another's classes). A file that does not start with the expected header, whose key is
another's, whose checksum (sha256 of the rest) does not match, or whose contents are not
classes of this guideline is ignored: the run starts cold, and writes a good file at its
end. The contents are read by an unpickler that builds nothing but the result records,
so a foreign file cannot run code.

Where: ``NETTREE_CACHE_DIR``, else ``$XDG_CACHE_HOME/nettree``, else ``~/.cache/nettree``;
never next to the guideline. ``NETTREE_CACHE=off`` (or ``0``, ``no``, ``false``) turns it
off, as ``nettree batch --no-cache`` does. The folder holds at most :data:`MAX_FILES` files
(the least recently written are removed), each at most :data:`MAX_BYTES`. Files are
written whole to a temporary name and renamed (:func:`nettree.files.write_atomic`), so
concurrent runs each read a whole file, and the last to finish leaves its own.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import io
import json
import os
import pickle
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .guideline import Guideline
    from .verify import Exploration

__all__ = ["FORMAT", "MAX_BYTES", "MAX_FILES", "exploration", "folder", "keep", "key", "load",
           "path_for", "read", "save"]

FORMAT = 1
"""The version of this file format (a change makes older files foreign)."""
MAX_FILES = 16
MAX_BYTES = 64 * 1024 * 1024
_MAGIC = b"nettree classes\n"
_OFF = {"off", "0", "no", "false"}


def folder() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("NETTREE_CACHE", "").strip().lower() in _OFF:
        return None
    given = os.environ.get("NETTREE_CACHE_DIR")
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "nettree"


def _code() -> list[tuple[str, int, int]]:
    """The size and time of every module of the installed package."""
    package = Path(__file__).resolve().parent
    found = []
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".js", ".yaml"):
            info = path.stat()
            found.append((str(path.relative_to(package)), info.st_size, info.st_mtime_ns))
    return found


def key(guideline: Guideline) -> str:
    """What a file of this guideline's classes is keyed by (hex sha256); "" when the
    guideline was not loaded from a file."""
    if not guideline.digest:
        return ""
    from . import __version__
    from .format.declare import FORMAT_VERSION

    parts = [guideline.digest, __version__, FORMAT_VERSION, FORMAT, _code()]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


_KINDS = ("classes", "explored", "columns")
# The modules whose records a file may hold: frozen dataclasses, named tuples and enums
# (plain values: building one runs no code of the file's choosing).
_MODULES = ("nettree.result", "nettree.verify", "nettree.conditions", "nettree.model",
            "nettree.traverse")


def path_for(guideline: Guideline, where: Path, kind: str = "classes") -> Path:
    """The file of this guideline's classes (``kind`` "classes"), its exploration
    ("explored") or the columnar path's table ("columns"), in the folder ``where``."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", guideline.id)[:40] or "guideline"
    return where / f"{name}-{key(guideline)[:32]}.{kind}"


class _Unpickler(pickle.Unpickler):
    """Builds nettree's records and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        import dataclasses
        import enum
        import importlib

        if module in _MODULES:
            found = getattr(importlib.import_module(module), name, None)
            if isinstance(found, type) and (
                    dataclasses.is_dataclass(found) or issubclass(found, enum.Enum)
                    or (issubclass(found, tuple) and hasattr(found, "_fields"))):
                return found
        raise pickle.UnpicklingError(f"not a record of nettree: {module}.{name}")


def load(guideline: Guideline) -> int:
    """Add the classes kept for this guideline to its compiled evaluator; returns how
    many (0 when the cache is off, there is no file, or the file is not good)."""
    classes = _read(guideline, "classes")
    if not isinstance(classes, list):
        return 0
    try:
        return guideline.compiled.add_classes(classes)
    except Exception:  # whatever a foreign file holds, the run starts cold
        return 0


def exploration(guideline: Guideline,
                progress: Callable[[int, int], None] | None = None) -> Exploration:
    """The guideline's exploration (:func:`nettree.verify.explore`): the one kept for it,
    else explored now and kept (``nettree verify`` and ``nettree enumerate --profiles``
    share it, and later runs too)."""
    from .verify import Exploration, PatientClass, explore

    kept = _read(guideline, "explored")
    if isinstance(kept, tuple) and len(kept) == 3 and all(
            isinstance(part, tuple) for part in kept) and all(
            isinstance(c, PatientClass) for c in kept[0]):
        return Exploration(kept[0], kept[1], guideline.domains, kept[2])
    found = explore(guideline, progress=progress)
    _write(guideline, "explored", (found.classes, found.defects, tuple(found.refused)),
           share=True)
    return found


def _shared(value: Any, table: dict[Any, Any]) -> Any:
    """``value`` with its equal parts made one object (hash-consing), so the file holds each
    once and reading it builds each once: the classes of an exploration repeat the same
    options, notes, paths and results thousands of times (a third of the bytes, a tenth of
    the time to read). Parts are equal when of the same type with the same parts (``True``
    is not ``1``, ``0.0`` not ``-0.0``); ``table`` maps each part's key to its one object."""
    kind = type(value)
    original = value
    if kind is str or kind is int or kind is bool or value is None:
        key: Any = (kind, value)
    elif kind is float:
        key = (kind, repr(value))
    elif (key := (_SEEN, id(value))) in table:  # an object met before (the input's own sharing)
        return table[key]
    elif kind is tuple or kind is frozenset or (kind is not tuple and isinstance(value, tuple)
                                                and hasattr(value, "_fields")):
        items = [_shared(item, table) for item in value]
        if kind is frozenset:
            key = (kind, frozenset(map(id, items)))
            value = frozenset(items)
        else:
            key = (kind, tuple(map(id, items)))
            value = tuple(items) if kind is tuple else value._make(items)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        old = [getattr(value, name) for name in names]
        items = [_shared(item, table) for item in old]
        if any(new is not was for new, was in zip(items, old, strict=True)):
            value = copy.copy(value)
            for name, item in zip(names, items, strict=True):
                object.__setattr__(value, name, item)  # a frozen record, before anyone sees it
        key = (kind, tuple(map(id, items)))
    else:
        if kind is list:
            value = [_shared(item, table) for item in value]
        elif kind is dict:
            value = {_shared(k, table): _shared(item, table) for k, item in value.items()}
        # a list, a dict, an enum member or another value is its own part: kept alive in
        # the table, so that no other object takes its id while the table is in use
        key = (None, id(value))
    value = table.setdefault(key, value)
    if kind is not str and kind is not int and kind is not bool and kind is not float:
        table[_SEEN, id(original)] = value  # the input is alive while the table is in use
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}
_SEEN = object()


def _read(guideline: Guideline, kind: str) -> Any:
    """What the file of ``kind`` holds for this guideline, or None when the cache is off,
    there is no file, or the file is not good."""
    where = folder()
    signature = key(guideline)
    if where is None or not signature:
        return None
    path = path_for(guideline, where, kind)
    try:  # opened without blocking and checked: a FIFO put in its place cannot hang a run
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_BINARY", 0))
        with os.fdopen(handle, "rb") as stream:
            status = os.fstat(stream.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_BYTES:
                return None
            data = stream.read()
    except OSError:
        return None
    header = _MAGIC + signature.encode("ascii") + b"\n"
    if not data.startswith(header):
        return None
    checksum, _, payload = data[len(header):].partition(b"\n")
    if checksum != hashlib.sha256(payload).hexdigest().encode("ascii"):
        return None
    try:
        return _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # whatever a foreign file holds, the run starts cold
        return None


def read(guideline: Guideline, kind: str) -> Any:
    """What was kept for this guideline under ``kind`` (one of :data:`_KINDS`: the
    columnar path's table is "columns"), or None."""
    return _read(guideline, kind)


def keep(guideline: Guideline, kind: str, value: Any) -> Path | None:
    """Keep ``value`` (plain data) for this guideline under ``kind``; returns the file, or
    None when it was not written."""
    return _write(guideline, kind, value)


def save(guideline: Guideline) -> Path | None:
    """Write the classes the guideline's compiled evaluator holds; returns the file, or
    None when the cache is off, the guideline has no file, or the folder cannot be
    written (never an error: the cache only saves time)."""
    return _write(guideline, "classes", guideline.compiled.classes())


def _write(guideline: Guideline, kind: str, value: Any, *, share: bool = False,
           ) -> Path | None:
    """Keep ``value``; with ``share``, its equal parts made one object first (:func:`_shared`)."""
    from .files import write_atomic

    where = folder()
    signature = key(guideline)
    if where is None or not signature:
        return None
    if share:
        value = _shared(value, {})
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a value that cannot be kept (a condition holding a function...)
        return None
    data = b"".join([_MAGIC, signature.encode("ascii"), b"\n",
                     hashlib.sha256(payload).hexdigest().encode("ascii"), b"\n", payload])
    if len(data) > MAX_BYTES:
        return None
    path = path_for(guideline, where, kind)
    try:
        where.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    except OSError:
        return None
    _prune(where, keep=path)
    return path


def _prune(where: Path, keep: Path) -> None:
    """Keep at most MAX_FILES files in the folder, the most recently written."""
    with contextlib.suppress(OSError):
        files = sorted((path for kind in _KINDS for path in where.glob(f"*.{kind}")),
                       key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in files[MAX_FILES:]:
            if old != keep:
                with contextlib.suppress(OSError):
                    old.unlink()
