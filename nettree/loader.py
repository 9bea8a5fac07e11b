"""Finding, reading and validating guideline files, once, at load.

:func:`load` takes a bundled guideline id or the path of a guideline file. The file is checked
as a whole and **every** problem is reported with its ``file:line:column`` in one
:class:`~nettree.errors.GuidelineError`: YAML errors, unknown or missing keys, unknown fields,
options and recommendations, dangling edges, cycles, unreachable nodes, decisions with fewer
than two branches. The format is documented in ``graphs/README.md``.

The format itself (its declaration, the walker, references, conditions and structure checks)
lives in :mod:`nettree.format`; this module finds the file, reads it and caches the result.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .errors import GuidelineError, GuidelineNotFoundError, Problem
from .format.build import Builder
from .guideline import Guideline

__all__ = ["bundled_guidelines", "load", "resolve"]

# ---------------------------------------------------------------- finding guideline files


def bundled_dirs() -> list[Path]:
    """Where bundled guidelines live: inside an installed wheel, or ``graphs/`` in a checkout."""
    package = Path(__file__).resolve().parent
    return [d for d in (package / "_graphs", package.parent / "graphs") if d.is_dir()]


def bundled_guidelines() -> dict[str, Path]:
    """The bundled guidelines, id -> file, sorted by id."""
    found: dict[str, Path] = {}
    for directory in bundled_dirs():
        for path in sorted(directory.glob("*.yaml")):
            found.setdefault(path.stem, path)
    return dict(sorted(found.items()))


def resolve(source: str | Path) -> Path:
    """The file behind a bundled id or a path; :class:`GuidelineNotFoundError` if none.

    A plain name (no folder, no ``.yaml``) is a bundled id first, so a file of the same name
    in the current directory does not shadow it.
    """
    path = Path(source)
    text = str(source)
    looks_like_path = isinstance(source, Path) or "/" in text or "\\" in text or \
        path.suffix in (".yaml", ".yml")
    bundled = bundled_guidelines()
    if not looks_like_path and text in bundled:
        return bundled[text]
    try:  # a FIFO or a device is returned: reading it says why it cannot be a guideline
        if path.exists() and not path.is_dir():
            return path
    except (OSError, ValueError):  # no such file, a name too long, a NUL character...
        pass
    raise GuidelineNotFoundError(text, list(bundled))


def load(source: str | Path) -> Guideline:
    """Load, validate and compile a guideline: a bundled id (``"asco-gepnet-2023"``) or a path.

    Raises :class:`~nettree.errors.GuidelineError` listing every problem with its position,
    or :class:`~nettree.errors.GuidelineNotFoundError`. The result is immutable and cached.
    """
    path = resolve(source).resolve()
    info = path.stat()
    return _load_cached(path, info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Guideline:
    from .files import InputFileError, read_text

    try:  # a regular file of at most NETTREE_MAX_INPUT_BYTES (8 MiB by default)
        text = read_text(path, what="guideline file")
    except InputFileError as exc:
        raise GuidelineError([Problem(str(path), 1, 1, exc.reason)]) from None
    return Builder(path, text).build()
