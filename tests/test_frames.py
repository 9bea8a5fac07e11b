"""Whole tables of patients (nettree.frames): Arrow, pandas, polars, and Dask partitions.

Each frame's result columns must equal, row by row, what the interpreter gives each patient;
a bad row gets its error and the rest goes on; evaluated per partition on Dask, the result
equals the single-process one; the example script runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nettree
from nettree.errors import PatientError
from nettree.frames import COLUMNS
from nettree.traverse import traverse as interpret
from nettree.verify import explore

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BAD = {"differentiation": "well", "metastatic": True, "primary_site": "gi", "grade": "G9"}


@pytest.fixture(scope="module")
def rows(guideline: nettree.Guideline) -> list[dict[str, Any]]:
    """One patient of every 7th verify class, a bad one, and every row holding every column
    (None where the patient has no value), with an id column the evaluation ignores."""
    patients = [c.patient for c in explore(guideline).classes[::7]]
    patients.insert(3, BAD)
    return [{"patient_id": index, **{name: patient.get(name) for name in guideline.fields}}
            for index, patient in enumerate(patients)]


def expected(guideline: nettree.Guideline, rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for row in rows:
        patient = {k: v for k, v in row.items() if k in guideline.fields and v is not None}
        try:
            result = interpret(guideline, patient)
        except PatientError as exc:
            for name in COLUMNS:
                out[name].append(None)
            out["error"][-1] = str(exc)
            continue
        out["status"].append(result.status)
        out["leaf"].append(result.leaf)
        out["recommendations"].append(list(result.recommendations))
        out["options"].append(list(result.option_ids))
        out["excluded"].append([e.id for e in result.excluded])
        out["not_recommended"].append([n.id for n in result.not_recommended])
        out["missing"].append(list(result.missing))
        out["error"].append(None)
    return out


def _pandas_columns(frame: Any) -> dict[str, list[Any]]:
    return {name: [None if v is None or v != v else v for v in frame[name].tolist()]
            for name in COLUMNS}


def test_the_bad_row_is_an_error_row_naming_the_field(guideline: nettree.Guideline,
                                                      rows: list[dict[str, Any]]) -> None:
    want = expected(guideline, rows)
    assert want["error"][3] == ("invalid patient: 'grade' must be one of 'G1', 'G2', 'G3' "
                                "(got 'G9')")
    assert want["status"][3] is None
    assert sum(e is None for e in want["error"]) == len(rows) - 1


def test_arrow(guideline: nettree.Guideline, rows: list[dict[str, Any]]) -> None:
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pylist(rows)
    got = guideline.traverse_frame(table)
    assert got.column_names == list(COLUMNS)
    assert got.to_pydict() == expected(guideline, rows)
    assert str(got.schema.field("options").type) == "list<item: string>"


def test_pandas_keeps_the_index(guideline: nettree.Guideline,
                                rows: list[dict[str, Any]]) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))])
    got = guideline.traverse_frame(frame)
    assert list(got.columns) == list(COLUMNS)
    assert list(got.index) == list(frame.index)
    assert _pandas_columns(got) == expected(guideline, rows)


def test_polars(guideline: nettree.Guideline, rows: list[dict[str, Any]]) -> None:
    pl = pytest.importorskip("polars")
    got = guideline.traverse_frame(pl.DataFrame(rows, strict=False,
                                                infer_schema_length=None))
    assert got.columns == list(COLUMNS)
    assert got.to_dict(as_series=False) == expected(guideline, rows)


def test_text_cells_are_read_as_csv_cells(guideline: nettree.Guideline) -> None:
    pa = pytest.importorskip("pyarrow")
    row = {"differentiation": "well", "metastatic": "yes", "primary_site": "gi", "ki67": "5",
           "sstr_status": "positive", "functional": "FALSE", "prior_therapies": "ssa; prrt",
           "chemo_candidate": ""}
    got = guideline.traverse_frame(pa.Table.from_pylist([row])).to_pydict()
    patient = {"differentiation": "well", "metastatic": True, "primary_site": "gi", "ki67": 5,
               "sstr_status": "positive", "functional": False,
               "prior_therapies": ["ssa", "prrt"]}
    assert got == expected(guideline, [patient])


def test_not_a_frame(guideline: nettree.Guideline) -> None:
    with pytest.raises(TypeError, match=r"takes a pyarrow Table, a pandas or a polars "
                                        r"DataFrame \(got builtins.list\)"):
        guideline.traverse_frame([{}])


def test_dask_partitions_give_the_single_process_result(
        guideline: nettree.Guideline, rows: list[dict[str, Any]]) -> None:
    pd = pytest.importorskip("pandas")
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    frame = pd.DataFrame(rows)
    single = guideline.traverse_frame(frame)
    # Dask turns object columns into strings by default: a list column would arrive as its
    # repr (see nettree.frames).
    with dask.config.set({"dataframe.convert-string": False}):
        parted = dd.from_pandas(frame, npartitions=4)
        assert parted.npartitions == 4
        got = parted.map_partitions(guideline.traverse_frame,
                                    meta=guideline.traverse_frame(frame.iloc[:0])).compute()
    assert list(got.index) == list(single.index)
    assert _pandas_columns(got) == _pandas_columns(single) == expected(guideline, rows)


def test_the_frame_example_runs(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    done = subprocess.run([sys.executable, str(EXAMPLES / "frame_example.py")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split() == ["p1", "recommendation", "[ssa,", "chemotherapy]", "[]", "None"]
    assert lines[3].split()[:4] == ["p3", "needs_information", "[sstr_pet]", "[sstr_status]"]
    assert ("'metastatic' must be true or false (got 'sometimes'; a table cell may also say "
            "yes, no, 1 or 0)") in lines[5]
    assert "recommendation       2" in done.stdout
