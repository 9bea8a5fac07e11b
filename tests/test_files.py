"""nettree.files: inputs read only from regular files and up to a size limit; outputs written
whole or not at all."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest

from nettree import files
from nettree.files import DEFAULT_LIMIT, InputFileError, read_stream, read_text, write_atomic

NOT_REGULAR = ("cannot read the patient file: not a regular file (a patient file is read only "
               "from a regular file, not a folder, FIFO or device)")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def message(path: str | Path, *, what: str = "patient file", **kwargs: int) -> str:
    with pytest.raises(InputFileError) as caught:
        read_text(path, what=what, **kwargs)
    assert caught.value.path == str(path) or len(str(path)) > 200
    return str(caught.value)


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("ki67: 5\n", encoding="utf-8")
    assert read_text(path) == "ki67: 5\n"


def test_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    assert message(fifo) == f"{fifo}: {NOT_REGULAR}"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_refused() -> None:
    assert message("/dev/zero") == f"/dev/zero: {NOT_REGULAR}"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert message(tmp_path) == f"{tmp_path}: {NOT_REGULAR}"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nobody.json"
    assert message(missing) == f"{missing}: cannot read the patient file: No such file or directory"


def test_a_name_too_long_is_cut_in_the_message() -> None:
    name = "x" * 300 + ".yaml"
    assert message(name) == ("x" * 100 + "…" + "x" * 55 + ".yaml: cannot read the patient file: "
                             "File name too long")


def test_a_file_over_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a" * 11)
    assert message(path, max_bytes=10) == (
        f"{path}: cannot read the patient file: it is larger than 10 bytes (the limit; set "
        "NETTREE_MAX_INPUT_BYTES to allow more)")
    assert read_text(path, max_bytes=11) == "a" * 11
    monkeypatch.setenv("NETTREE_MAX_INPUT_BYTES", "10")
    assert "larger than 10 bytes" in message(path)
    monkeypatch.setenv("NETTREE_MAX_INPUT_BYTES", "11")
    assert read_text(path) == "a" * 11


@pytest.mark.parametrize("value", ["", "0", "-5", "ten", "１０", "1e3"])
def test_a_bad_limit_setting_keeps_the_default(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETTREE_MAX_INPUT_BYTES", value)
    assert files.limit() == DEFAULT_LIMIT == 8 * 1024 * 1024


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("ki67: 5 # é\n".encode("latin-1"))
    assert message(path) == f"{path}: not UTF-8 text: invalid continuation byte at byte 10"


def test_standard_input_is_read_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.TextIOWrapper(io.BytesIO(b"ki67: 5\n"), encoding="utf-8")
    assert read_stream(stream, what="patient") == "ki67: 5\n"
    monkeypatch.setenv("NETTREE_MAX_INPUT_BYTES", "4")
    stream = io.TextIOWrapper(io.BytesIO(b"ki67: 5\n"), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_stream(stream, what="patient")
    assert str(caught.value) == ("<stdin>: cannot read the patient: it is larger than 4 bytes "
                                 "(the limit; set NETTREE_MAX_INPUT_BYTES to allow more)")


def test_closed_standard_input_is_one_message() -> None:
    closed = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    closed.close()
    for stream in (None, closed):
        with pytest.raises(InputFileError) as caught:
            read_stream(stream, what="patient")
        assert str(caught.value) == "<stdin>: cannot read the patient: standard input is closed"


# ---------------------------------------------------------------- outputs


def test_write_atomic_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    write_atomic(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_full_disk_leaves_the_old_file_and_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.svg"
    target.write_text("old drawing", encoding="utf-8")

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OSError) as caught:
        write_atomic(target, "new drawing" * 1000)
    assert caught.value.errno == errno.ENOSPC
    assert target.read_text(encoding="utf-8") == "old drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "no" / "out.svg", "x")
    assert list(tmp_path.iterdir()) == []
