"""Every external program nettree runs, in one place: Graphviz's ``dot``.

The rest of :mod:`nettree.export` is pure (a guideline in, text out); SVG, PNG and PDF are
drawn from the DOT text by ``dot``, which only this module runs. When it is missing,
:class:`GraphvizNotFoundError` says so and how to install it; when it fails,
:class:`GraphvizError` carries what it said.
"""

from __future__ import annotations

import shutil
import subprocess

from ..errors import NettreeError

__all__ = [
    "DOT_BINARY",
    "INSTALL_HINT",
    "TIMEOUT",
    "GraphvizError",
    "GraphvizNotFoundError",
    "find_dot",
    "measure",
    "run_dot",
]

DOT_BINARY = "dot"
"""The Graphviz program run for SVG, PNG and PDF (looked up on ``PATH``)."""

INSTALL_HINT = (
    "install Graphviz: apt-get install graphviz (Debian, Ubuntu), brew install graphviz "
    "(macOS), conda install graphviz (conda); the dot, mermaid and html formats need no program"
)

TIMEOUT = 120  # seconds


class GraphvizNotFoundError(NettreeError, FileNotFoundError):
    """The ``dot`` program is not installed (or not on ``PATH``)."""

    def __init__(self, binary: str = DOT_BINARY) -> None:
        self.binary = binary
        super().__init__(f"the Graphviz program {binary!r} was not found on PATH; "
                         f"{INSTALL_HINT}")


class GraphvizError(NettreeError, RuntimeError):
    """``dot`` ran but failed; ``stderr`` holds what it said."""

    def __init__(self, message: str, stderr: str = "") -> None:
        self.stderr = stderr
        super().__init__(message)


def find_dot() -> str | None:
    """The path of the ``dot`` program, or None when it is not installed."""
    return shutil.which(DOT_BINARY)


def run_dot(dot_text: str, fmt: str, *args: str) -> bytes:
    """Run ``dot -T<fmt> [args]`` on ``dot_text`` and return what it wrote."""
    binary = find_dot()
    if binary is None:
        raise GraphvizNotFoundError(DOT_BINARY)
    try:
        done = subprocess.run([binary, f"-T{fmt}", *args], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"{DOT_BINARY} took more than {TIMEOUT} s") from None
    except OSError as exc:  # found but cannot run (permissions, a broken install)
        raise GraphvizError(f"cannot run {binary}: {exc.strerror}") from None
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        first = stderr.splitlines()[0] if stderr else f"exit status {done.returncode}"
        raise GraphvizError(f"{DOT_BINARY} failed: {first}", stderr)
    return done.stdout


def measure(dot_text: str) -> tuple[float, float]:
    """The drawing's width and height in inches (``dot -Tplain``)."""
    plain = run_dot(dot_text, "plain").decode("utf-8", "replace")
    _, _, width, height = plain.split("\n", 1)[0].split()[:4]
    return float(width), float(height)
