"""Classes kept between runs (nettree.store): a batch starts warm, with the same output.

Every test here runs with NETTREE_CACHE_DIR set to a temporary folder (conftest.py): the
suite never writes into the home folder. A fresh process is played by loading the guideline
anew (a new Guideline, its compiled evaluator empty).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import nettree
from nettree import batch, store
from nettree.cli import main
from nettree.loader import _load_cached
from nettree.traverse import traverse as interpret
from nettree.verify import explore

BUNDLED = "asco-gepnet-2023"


def fresh() -> nettree.Guideline:
    """The guideline as a new process loads it: its compiled evaluator empty."""
    _load_cached.cache_clear()
    return nettree.load(BUNDLED)


def patients_of(guideline: nettree.Guideline) -> list[dict[str, Any]]:
    """A patient of every fourth verify class (fewer classes than the cache holds), and one
    with a field masked."""
    patients = []
    for index, found in enumerate(explore(guideline).classes[::4]):
        patients.append(found.patient)
        if found.patient:
            name = list(found.patient)[index % len(found.patient)]
            patients.append({k: v for k, v in found.patient.items() if k != name})
    return patients


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The patients of patients_of as JSON Lines (typed, as given), and a few bad rows."""
    guideline = nettree.load(BUNDLED)
    path = tmp_path_factory.mktemp("store") / "cohort.jsonl"
    rows = [{"patient_id": f"p{number}", **patient}
            for number, patient in enumerate(patients_of(guideline))]
    rows += [{"patient_id": "bad1", "differentiation": "maybe"},
             {"patient_id": "bad2", "ki67": "x"}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def run_batch(guideline: nettree.Guideline, source: Path, **options: Any) -> str:
    out = io.StringIO()
    batch.run(guideline, str(source), "jsonl", out, "jsonl", **options)
    return out.getvalue()


def test_a_second_run_starts_warm_and_writes_the_same_bytes(cohort: Path) -> None:
    cold = run_batch(fresh(), cohort, keep_classes=False)
    first = fresh()
    assert run_batch(first, cohort) == cold
    assert first.compiled.cache_info().misses > 0
    files = list(store.folder().glob("*.classes"))  # type: ignore[union-attr]
    assert files == [store.path_for(first, store.folder())]  # type: ignore[arg-type]
    second = fresh()
    assert run_batch(second, cohort) == cold
    info = second.compiled.cache_info()
    assert info.misses == 0 and info.hits > 0 and info.currsize > 0


def test_classes_read_back_give_the_interpreters_results(cohort: Path) -> None:
    run_batch(fresh(), cohort)
    guideline = fresh()
    assert store.load(guideline) > 0
    compiled = guideline.compiled
    for patient in patients_of(guideline):
        expected = interpret(guideline, patient)
        assert compiled.traverse(patient) == expected
        assert compiled.to_json(patient) == json.dumps(expected.to_dict(), ensure_ascii=False)
    assert compiled.cache_info().misses == 0


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "flipped":
        data = data[:-50] + bytes([data[-50] ^ 0x01]) + data[-49:]
    elif how == "truncated":
        data = data[: len(data) // 2]
    elif how == "empty":
        data = b""
    elif how == "foreign":  # another key: another guideline, version or nettree
        data = data.replace(store.key(fresh()).encode(), b"0" * 64, 1)
    elif how == "old":  # an older format: another magic line
        data = b"nettree classes v0\n" + data
    path.write_bytes(data)


@pytest.mark.parametrize("how", ["flipped", "truncated", "empty", "foreign", "old"])
def test_a_damaged_or_foreign_file_is_ignored(cohort: Path, how: str) -> None:
    cold = run_batch(fresh(), cohort, keep_classes=False)
    guideline = fresh()
    run_batch(guideline, cohort)
    path = store.path_for(guideline, store.folder())  # type: ignore[arg-type]
    _damage(path, how)
    again = fresh()
    assert store.load(again) == 0
    assert run_batch(fresh(), cohort) == cold
    assert store.load(fresh()) > 0  # the run wrote a good file again


def test_a_file_that_would_run_code_is_refused(cohort: Path, tmp_path: Path) -> None:
    guideline = fresh()
    run_batch(guideline, cohort)
    path = store.path_for(guideline, store.folder())  # type: ignore[arg-type]
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self) -> Any:
            return (os.system, (f"touch {marker}",))

    payload = pickle.dumps([Evil()])
    header = path.read_bytes().split(b"\n")[:2]
    path.write_bytes(b"\n".join([header[0], header[1],
                                 hashlib.sha256(payload).hexdigest().encode()]) + b"\n"
                     + payload)
    assert store.load(fresh()) == 0
    assert not marker.exists()


def test_off_writes_nothing(cohort: Path, monkeypatch: pytest.MonkeyPatch,
                            tmp_path: Path) -> None:
    monkeypatch.setenv("NETTREE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NETTREE_CACHE", "off")
    run_batch(fresh(), cohort)
    monkeypatch.delenv("NETTREE_CACHE")
    result = CliRunner().invoke(main, ["batch", str(cohort), "--no-cache"])
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "cache").exists()
    fresh()  # (a run with nothing new to keep writes nothing)
    result = CliRunner().invoke(main, ["batch", str(cohort)])
    assert result.exit_code == 3, result.output
    assert len(list((tmp_path / "cache").glob("*.classes"))) == 1


def test_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NETTREE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.folder() == tmp_path / "nettree"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # not absolute: ignored, as XDG says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store.folder() == tmp_path / "home" / ".cache" / "nettree"
    monkeypatch.setenv("NETTREE_CACHE_DIR", str(tmp_path / "mine"))
    assert store.folder() == tmp_path / "mine"
    monkeypatch.setenv("NETTREE_CACHE", "OFF")
    assert store.folder() is None


def test_the_folder_holds_a_bounded_number_of_files(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setattr(store, "MAX_FILES", 2)
    guideline = fresh()
    guideline.traverse({"differentiation": "poor"})
    folder = store.folder()
    assert folder is not None
    for index in range(3):
        old = folder / f"old{index}.classes"
        old.write_bytes(b"x")
        os.utime(old, ns=(index, index))
    assert store.save(guideline) is not None
    assert sorted(p.name for p in folder.glob("*.classes")) == sorted(
        ["old2.classes", store.path_for(guideline, folder).name])


def test_verify_and_enumerate_share_the_kept_exploration(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`nettree verify` keeps the exploration; `enumerate --profiles` and later runs read
    it (no exploring: explore is made to fail) and print what exploring prints; a damaged
    file is explored anew."""
    runner = CliRunner()
    commands = (["verify"], ["verify", "--json"],
                ["enumerate", "--profiles", "--format", "csv"])
    monkeypatch.setenv("NETTREE_CACHE", "off")
    expected = [runner.invoke(main, command) for command in commands]
    monkeypatch.delenv("NETTREE_CACHE")
    first = runner.invoke(main, ["verify"])
    assert (first.exit_code, first.output) == (expected[0].exit_code, expected[0].output)
    folder = store.folder()
    assert folder is not None
    kept = list(folder.glob("*.explored"))
    assert len(kept) == 1

    def no_exploring(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("explored again")

    monkeypatch.setattr("nettree.verify.explore", no_exploring)
    for command, before in zip(commands, expected, strict=True):
        again = runner.invoke(main, command)
        assert (again.exit_code, again.output) == (before.exit_code, before.output)
    monkeypatch.undo()
    monkeypatch.setenv("NETTREE_CACHE_DIR", str(folder))
    _damage(kept[0], "flipped")
    again = runner.invoke(main, commands[2])
    assert again.output == expected[2].output


def test_a_kept_exploration_holds_each_equal_part_once() -> None:
    """The exploration is written with its equal parts made one object: read back, it equals
    the explored one, equal results are one object (the file holds each once), and parts
    equal in Python but not in type or sign stay apart (True is not 1, 0.0 not -0.0)."""
    guideline = fresh()
    explored = explore(guideline)
    store.exploration(guideline)  # explored (again) and kept
    kept = store._read(guideline, "explored")
    assert kept == (explored.classes, explored.defects, tuple(explored.refused))
    results = [c.result for c in kept[0]]
    assert len({id(r) for r in results}) == len({r: None for r in results}) < len(results)
    value = store._shared(([True, 1, 1.0, 0.0, -0.0, (1,), (True,), (1,), "a", ("a",)],), {})
    items = value[0]
    assert [type(item) for item in items[:3]] == [bool, int, float]
    assert str(items[4]) == "-0.0" and type(items[6][0]) is bool
    assert items[5] is items[7] and items[5] is not items[6]
