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
from pathlib import Path

from .errors import NettreeError

__all__ = ["DEFAULT_LIMIT", "InputFileError", "read_text", "write_atomic"]

#: The largest input file read by default (bytes); ``NETTREE_MAX_INPUT_BYTES`` overrides it.
DEFAULT_LIMIT = 8 * 1024 * 1024


class InputFileError(NettreeError, OSError):
    """An input file cannot be read: ``path`` names it, the message says why."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


def limit() -> int:
    """The size limit in force: ``NETTREE_MAX_INPUT_BYTES`` if set to a positive integer."""
    value = os.environ.get("NETTREE_MAX_INPUT_BYTES", "")
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else DEFAULT_LIMIT


def read_text(path: str | Path, *, what: str = "file", max_bytes: int | None = None) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` (default: :func:`limit`).

    Raises :class:`InputFileError` naming the file and the reason: not found, not a regular
    file, too large, not UTF-8, or any other operating-system error.
    """
    shown = str(path)
    if len(shown) > 200:
        shown = shown[:100] + "…" + shown[-60:]
    cap = limit() if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(shown, f"not a regular file: a {what} is read only from a "
                                        "regular file (not a folder, FIFO or device)")
        with open(path, "rb") as handle:
            data = handle.read(cap + 1)
    except InputFileError:
        raise
    except FileNotFoundError:
        raise InputFileError(shown, f"no such {what}") from None
    except OSError as exc:
        raise InputFileError(shown, f"cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > cap:
        raise InputFileError(shown, f"the {what} is larger than {cap:,} bytes (the limit; set "
                                    "NETTREE_MAX_INPUT_BYTES to allow more)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(shown, f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    On any error the temporary file is removed and the old ``path`` (if any) is untouched.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp",
                                         dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
