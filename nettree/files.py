"""Reading input files and writing outputs safely: the one place nettree touches the disk.

Inputs are read only from regular files (a FIFO or a device would block or never end) and
only up to a size limit, so a hostile or mistaken path gives a clear error, not a hang.
Outputs are written to a temporary file in the same folder and renamed into place, so a
full disk or an interrupted run never leaves a truncated file where a good one stood.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .errors import NettreeError

__all__ = ["DEFAULT_LIMIT", "InputFileError", "atomic_output", "limit", "open_input", "read_stream",
           "read_text", "write_atomic"]

#: The largest input file read by default (bytes); ``NETTREE_MAX_INPUT_BYTES`` overrides it.
DEFAULT_LIMIT = 8 * 1024 * 1024


class InputFileError(NettreeError, OSError):
    """An input file cannot be read: ``path`` names it, the message says why."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}")


def limit() -> int:
    """The size limit in force: ``NETTREE_MAX_INPUT_BYTES`` if set to a positive integer."""
    value = os.environ.get("NETTREE_MAX_INPUT_BYTES", "")
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else DEFAULT_LIMIT


def _an(noun: str) -> str:
    """``noun`` after its indefinite article.

    >>> _an("input"), _an("patient file")
    ('an input', 'a patient file')
    """
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _shown_path(path: str | Path) -> str:
    shown = str(path)
    return shown if len(shown) <= 200 else shown[:100] + "…" + shown[-60:]


def read_text(path: str | Path, *, what: str = "file", max_bytes: int | None = None) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` (default: :func:`limit`).

    Raises :class:`InputFileError` naming the file and the reason: not a regular file, too
    large, not UTF-8, or an operating-system error (not found, no permission, a name too
    long). The file is opened without blocking and checked once open, so a FIFO put in its
    place cannot hang the read.
    """
    shown = _shown_path(path)
    cap = limit() if max_bytes is None else max_bytes
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputFileError(shown, f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise InputFileError(shown, f"cannot read the {what}: not a regular file ({_an(what)} "
                                        "is read only from a regular file, not a folder, FIFO "
                                        "or device)")
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(cap + 1)
    except OSError as exc:
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(shown, f"cannot read the {what}: {exc.strerror or exc}") from None
    finally:
        os.close(handle)
    return _decode(data, shown, what, cap)


def read_stream(stream: Any, *, name: str = "<stdin>", what: str = "input") -> str:
    """The UTF-8 text of an open stream (standard input), read up to the same size limit.

    A closed or missing stream (``nettree traverse - <&-``) is an :class:`InputFileError`.
    """
    cap = limit()
    if stream is None or getattr(stream, "closed", False):
        raise InputFileError(name, f"cannot read the {what}: standard input is closed")
    try:
        binary = getattr(stream, "buffer", None)
        data = binary.read(cap + 1) if binary is not None else stream.read(cap + 1)
    except (OSError, ValueError) as exc:  # ValueError: I/O operation on a closed file
        reason = getattr(exc, "strerror", None) or "standard input is closed"
        raise InputFileError(name, f"cannot read the {what}: {reason}") from None
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return _decode(data, name, what, cap)


def _decode(data: bytes, shown: str, what: str, cap: int) -> str:
    if len(data) > cap:
        raise InputFileError(shown, f"cannot read the {what}: it is larger than {cap:,} bytes "
                                    "(the limit; set NETTREE_MAX_INPUT_BYTES to allow more)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(shown, f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def open_input(path: str | Path, *, what: str = "file") -> BinaryIO:
    """An input file opened for reading in binary, for streaming it (a batch input of any
    size: no size limit). Like :func:`read_text`, only a regular file is read; raises
    :class:`InputFileError` naming the file and the reason."""
    shown = _shown_path(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputFileError(shown, f"cannot read the {what}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise InputFileError(shown, f"cannot read the {what}: not a regular file ({_an(what)} "
                                    "is read only from a regular file, not a folder, FIFO "
                                    "or device)")
    return os.fdopen(handle, "rb")


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` only when the block ends normally:
    written to a temporary file in the same folder, then renamed. On any error the temporary
    file is removed and the old ``path`` (if any) is untouched."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp",
                                         dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    On any error the temporary file is removed and the old ``path`` (if any) is untouched.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_output(path) as out:
        out.write(payload)
