"""``nettree batch``: a table of patients in, one result row per input row out, in order.

Exact rows for a small CSV (valid, invalid and partial rows, extra columns), exit codes 0/3/2,
JSON Lines, CSV and Parquet outputs, the summary and concordance, and flat memory.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import nettree
from nettree import batch
from nettree.cli import main

ROOT = Path(__file__).resolve().parents[1]
SORE_THROAT = ROOT / "tests" / "guidelines" / "example-sore-throat.yaml"

HEADER = ("patient_id,differentiation,metastatic,primary_site,grade,ki67,sstr_status,"
          "functional,tumor_volume,prior_therapies,given")
ROWS = [
    "p1,well,true,pancreas,G2,,positive,no,high,,ssa",           # valid: 3.1 and 3.2
    "p2,well,YES,gi,,5,positive,false,,ssa,everolimus",          # valid, grade from Ki-67
    "p3,maybe,true,gi,,,,,,,",                                   # unknown value
    "p4,well,true,pancreas,,,positive,,,,chemotherapy",          # partial: needs grade
    "p5,poor,,,,,,,,,",                                          # out of scope
    "p6,well,true,gi,G1,25,positive,false,low,,ssa",             # conflicting grade
    "p7,well,true,gi,G2,5x,positive,false,low,ssa;prrt,",        # bad number
]
CSV_TEXT = "\n".join([HEADER, *ROWS]) + "\n"

P1_PATH = ["differentiation", "metastatic", "gep-site", "sstr-known", "site", "pan-grade",
           "pan-g12-line", "pan-g12-first"]
P2_PATH = ["differentiation", "metastatic", "gep-site", "sstr-known", "site", "gi-grade",
           "gi-g12-line", "gi-g12-later"]
P4_PATH = ["differentiation", "metastatic", "gep-site", "sstr-known", "site", "pan-grade"]


def _error(carried: dict[str, Any], message: str) -> dict[str, Any]:
    return {**carried, "status": "invalid", "leaf": None, "recommendations": [],
            "options": [], "excluded": [], "not_recommended": [], "missing": [], "path": [],
            "error": message}


EXPECTED = [
    {"patient_id": "p1", "given": "ssa", "status": "recommendation", "leaf": "pan-g12-first",
     "recommendations": ["3.1", "3.2"], "options": ["ssa", "chemotherapy"], "excluded": [],
     "not_recommended": [], "missing": [], "path": P1_PATH, "error": ""},
    {"patient_id": "p2", "given": "everolimus", "status": "recommendation",
     "leaf": "gi-g12-later", "recommendations": ["2.3"], "options": ["prrt"], "excluded": [],
     "not_recommended": [], "missing": [], "path": P2_PATH, "error": ""},
    _error({"patient_id": "p3", "given": ""}, "invalid patient: 'differentiation' must be "
           "one of 'well', 'poor' (got 'maybe')"),
    {"patient_id": "p4", "given": "chemotherapy", "status": "needs_information", "leaf": None,
     "recommendations": [], "options": [], "excluded": [], "not_recommended": [],
     "missing": ["grade"], "path": P4_PATH, "error": ""},
    {"patient_id": "p5", "given": "", "status": "out_of_scope",
     "leaf": "out-poorly-differentiated", "recommendations": [], "options": [],
     "excluded": [], "not_recommended": [], "missing": [],
     "path": ["differentiation", "out-poorly-differentiated"], "error": ""},
    _error({"patient_id": "p6", "given": "ssa"}, "invalid patient: 'grade' is 'G1' but "
           "'ki67' 25 gives 'G3'; 'grade' may be higher than that, never lower"),
    _error({"patient_id": "p7", "given": ""}, "invalid patient: 'ki67' must be a number "
           "from 0 to 100 (got '5x')"),
]


def run(*args: str, input: Any = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, prog_name="nettree")


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.csv"
    path.write_text(CSV_TEXT)
    return path


def rows_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_exact_rows_in_order_with_carried_columns(cohort: Path) -> None:
    result = run("batch", str(cohort))
    assert result.exit_code == 3, result.output
    assert rows_of(result.stdout) == EXPECTED
    assert result.stderr == ("nettree: 3 of 7 rows invalid (status `invalid`, `error` says "
                             "why)\n")


def test_every_row_valid_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "good.csv"
    path.write_text("\n".join([HEADER, ROWS[0], ROWS[4]]) + "\n")
    result = run("batch", str(path))
    assert result.exit_code == 0, result.output
    assert rows_of(result.stdout) == [EXPECTED[0], EXPECTED[4]]
    assert result.stderr == ""


def test_the_same_row_from_the_api_is_the_same_result(cohort: Path) -> None:
    guideline = nettree.load("asco-gepnet-2023")
    result = guideline.traverse({"differentiation": "well", "metastatic": True,
                                 "primary_site": "gi", "ki67": 5, "sstr_status": "positive",
                                 "functional": False, "prior_therapies": ["ssa"]})
    row = rows_of(run("batch", str(cohort)).stdout)[1]
    assert (row["leaf"], row["options"], row["path"]) == (
        result.leaf, list(result.option_ids), [step.node for step in result.path])


def test_csv_output_round_trips(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    result = run("batch", str(cohort), "-o", str(out))
    assert result.exit_code == 3
    assert result.stdout == ""
    with out.open(newline="") as handle:
        read = list(csv.DictReader(handle))
    assert list(read[0]) == ["patient_id", "given", *batch.RESULT_COLUMNS]
    assert read[0]["options"] == "ssa;chemotherapy"
    assert read[0]["path"] == ";".join(P1_PATH)
    assert read[3]["leaf"] == "" and read[3]["missing"] == "grade"
    assert read[2]["error"] == EXPECTED[2]["error"]
    assert [dict(r) for r in batch.read_results(str(out))] == [
        {**row, "leaf": row["leaf"]} for row in EXPECTED]


def test_jsonl_input_typed_values_and_carried_keys(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_text(
        '{"id": 1, "differentiation": "poor"}\n'
        "\n"
        '{"id": 2, "differentiation": "well", "metastatic": "yes"}\n'
        "not json\n"
        '{"id": 3, "site": "x", "differentiation": "well", "metastatic": false}\n')
    result = run("batch", str(path))
    assert result.exit_code == 3
    rows = rows_of(result.stdout)
    assert [(r.get("id"), r["status"], r["leaf"]) for r in rows] == [
        (1, "out_of_scope", "out-poorly-differentiated"), (2, "invalid", None),
        (None, "invalid", None), (3, "out_of_scope", "out-localized")]
    assert rows[1]["error"] == (
        "invalid patient: 'metastatic' must be true or false (got 'yes'; a boolean is written "
        "true or false, in a patient file and in --set alike)")
    assert rows[2]["error"] == "line 4: invalid JSON: Expecting value"
    assert rows[3]["site"] == "x"
    out = tmp_path / "out.csv"
    assert run("batch", str(path), "-o", str(out)).exit_code == 3
    assert out.read_text().splitlines()[0] == "id,site," + ",".join(batch.RESULT_COLUMNS)


def test_parquet_round_trip(cohort: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "results.parquet"
    assert run("batch", str(cohort), "-o", str(out)).exit_code == 3
    table = pq.read_table(out)
    assert table.to_pylist() == EXPECTED
    # and a Parquet input: the patients themselves, typed
    source = tmp_path / "patients.parquet"
    import pyarrow as pa

    pq.write_table(pa.Table.from_pylist([
        {"pid": "a", "differentiation": "poor", "ki67": None},
        {"pid": "b", "differentiation": "well", "ki67": 250.0}]), source)
    result = run("batch", str(source))
    assert [(r["pid"], r["status"]) for r in rows_of(result.stdout)] == [
        ("a", "out_of_scope"), ("b", "invalid")]


@pytest.mark.parametrize(("content", "args", "message"), [
    (None, (), "missing.csv: cannot read the input: No such file or directory"),
    ("name,age\nx,3\n", (), "no column is a patient field (header: 'name, age'); "
                            "`nettree show --fields` lists them"),
    ("", (), "the file is empty (a CSV input starts with a header of column names)"),
    ("grade,grade\nG1,G2\n", (), "the column 'grade' appears twice in the header"),
    ("grade,status\nG1,x\n", (), "the column 'status' would be overwritten by the result "
                                 "column of that name; rename it"),
    ("grade\nG1\n", ("--actual-column", "given"), "--actual-column 'given': no such column"),
])
def test_unreadable_input_exits_2_and_writes_nothing(tmp_path: Path, content: str | None,
                                                     args: tuple[str, ...],
                                                     message: str) -> None:
    path = tmp_path / ("missing.csv" if content is None else "input.csv")
    if content is not None:
        path.write_text(content)
    out = tmp_path / "out.jsonl"
    result = run("batch", str(path), "-o", str(out), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("nettree: error: ")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_not_utf8_and_not_jsonl_exit_2(tmp_path: Path) -> None:
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"grade\n\xff\xfe\n")
    assert run("batch", str(binary)).exit_code == 2
    text = tmp_path / "x.jsonl"
    text.write_text("grade,ki67\n")
    result = run("batch", str(text))
    assert result.exit_code == 2
    assert "x.jsonl: line 1: not JSON Lines (each line must be one JSON object)" in \
        result.stderr


def test_never_writes_onto_its_input(cohort: Path) -> None:
    before = cohort.read_text()
    result = run("batch", str(cohort), "-o", str(cohort))
    assert result.exit_code == 2
    assert "is the input: nettree never writes over an input" in result.stderr
    assert cohort.read_text() == before


def test_ragged_row_is_an_error_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,differentiation\n1,poor\n2,poor,extra\n3\n")
    rows = rows_of(run("batch", str(path)).stdout)
    assert [r["error"] for r in rows] == [
        "", "line 3: 3 cells, but the header has 2 columns",
        "line 4: 1 cells, but the header has 2 columns"]
    assert [r["id"] for r in rows] == ["1", "2", "3"]


def test_parquet_without_pyarrow_names_the_extra(cohort: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result = run("batch", str(cohort), "-o", str(tmp_path / "x.parquet"))
    assert result.exit_code == 2
    assert result.stderr == ("nettree: error: Parquet needs pyarrow: pip install "
                             "'nettree[parquet]'\n")


def test_summary_json_counts_and_concordance(cohort: Path, tmp_path: Path) -> None:
    summary_file = tmp_path / "summary.json"
    out = tmp_path / "out.jsonl"
    result = run("batch", str(cohort), "-o", str(out), "--actual-column", "given",
                 "--summary-json", str(summary_file))
    assert result.exit_code == 3
    rows = rows_of(out.read_text())
    # p1 got ssa (offered), p2 everolimus (not offered: prrt), p4 no recommendation
    assert [r["concordant"] for r in rows] == [True, False, None, None, None, None, None]
    summary = json.loads(summary_file.read_text())
    assert summary == {
        "guideline": "asco-gepnet-2023", "rows": 7, "valid": 4,
        "status": {"invalid": 3, "recommendation": 2, "needs_information": 1,
                   "out_of_scope": 1},
        "leaves": {"gi-g12-later": 1, "out-poorly-differentiated": 1, "pan-g12-first": 1},
        "recommendations": {"2.3": 1, "3.1": 1, "3.2": 1},
        "options": {"chemotherapy": 1, "prrt": 1, "ssa": 1},
        "nodes": {"differentiation": 4, "metastatic": 3, "gep-site": 3, "sstr-known": 3,
                  "site": 3, "pan-grade": 2, "gi-g12-later": 1, "gi-g12-line": 1,
                  "gi-grade": 1, "out-poorly-differentiated": 1, "pan-g12-first": 1,
                  "pan-g12-line": 1},
        "branches": {"differentiation -> metastatic": 3, "gep-site -> sstr-known": 3,
                     "metastatic -> gep-site": 3, "sstr-known -> site": 3,
                     "site -> pan-grade": 2,
                     "differentiation -> out-poorly-differentiated": 1,
                     "gi-g12-line -> gi-g12-later": 1, "gi-grade -> gi-g12-line": 1,
                     "pan-g12-line -> pan-g12-first": 1, "pan-grade -> pan-g12-line": 1,
                     "site -> gi-grade": 1},
        "concordance": {
            "rate": 0.5, "concordant": 1, "discordant": 1, "not_assessable": 2,
            "by_leaf": {
                "gi-g12-later": {"rate": 0.0, "concordant": 0, "discordant": 1,
                                 "not_assessable": 0},
                "out-poorly-differentiated": {"rate": None, "concordant": 0,
                                              "discordant": 0, "not_assessable": 1},
                "pan-g12-first": {"rate": 1.0, "concordant": 1, "discordant": 0,
                                  "not_assessable": 0}},
            "by_recommendation": {
                "2.3": {"rate": 0.0, "concordant": 0, "discordant": 1, "not_assessable": 0},
                "3.1": {"rate": 1.0, "concordant": 1, "discordant": 0, "not_assessable": 0},
                "3.2": {"rate": 1.0, "concordant": 1, "discordant": 0,
                        "not_assessable": 0}}},
    }
    # the same counts read back from the output file
    assert batch.summarise(str(out), "asco-gepnet-2023").to_dict() == summary


def test_unknown_actual_treatment_is_an_error_row(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("differentiation,given\npoor,prtr\n")
    result = run("batch", str(path), "--actual-column", "given")
    assert result.exit_code == 3
    assert rows_of(result.stdout)[0]["error"] == (
        "'given' must be an option id of the guideline (got 'prtr') (did you mean 'prrt'?)")


def test_summary_table_goes_to_stdout_with_o(cohort: Path, tmp_path: Path) -> None:
    result = run("batch", str(cohort), "-o", str(tmp_path / "o.csv"), "--summary")
    lines = result.stdout.splitlines()
    assert lines[0] == "7 rows: 4 valid, 3 invalid"
    assert "invalid                                             3   42.9%" in lines
    assert "pan-g12-first                                       1   25.0%" in lines
    without = run("batch", str(cohort), "--summary")
    assert "7 rows: 4 valid, 3 invalid" in without.stderr
    assert "7 rows" not in without.stdout


def test_sets_are_separated_by_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("differentiation,metastatic,primary_site,grade,sstr_status,functional,"
                    "prior_therapies\nwell,1,gi,G2,negative,0,everolimus;ssa\n")
    row = rows_of(run("batch", str(path)).stdout)[0]
    assert row["leaf"] == "gi-g12-later" and row["error"] == ""


def _peak(guideline: Any, path: Path, out: Path) -> int:
    tracemalloc.start()
    with out.open("w") as sink:
        batch.run(guideline, str(path), "csv", sink, "jsonl")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_is_flat_in_the_input_size(tmp_path: Path) -> None:
    """Peak traced memory over 100,000 rows within a loose bound of 10,000 rows' peak."""
    # a copy: loads are cached by path, and other tests read the original under a size limit
    copy = tmp_path / "guideline.yaml"
    copy.write_text(SORE_THROAT.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(SORE_THROAT.parent / "sources", tmp_path / "sources")
    guideline = nettree.load(copy)
    fields = list(guideline.fields)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    for path, count in ((small, 10_000), (large, 100_000)):
        with path.open("w") as handle:
            handle.write("id," + ",".join(fields) + "\n")
            for index in range(count):
                handle.write(f"{index}" + "," * len(fields) + "\n")
    peaks = [_peak(guideline, p, tmp_path / "out.jsonl") for p in (small, large)]
    with (tmp_path / "out.jsonl").open() as written:
        assert sum(1 for _ in written) == 100_000
    assert peaks[1] < 2 * peaks[0] + 1_000_000, peaks  # ten times the rows, flat memory


def test_example_cohort(tmp_path: Path) -> None:
    """examples/cohort.csv, as the examples' README and the README describe it."""
    summary = tmp_path / "summary.json"
    result = run("batch", str(ROOT / "examples" / "cohort.csv"), "--actual-column", "given",
                 "--summary-json", str(summary))
    assert result.exit_code == 3
    assert result.stderr == "nettree: 2 of 14 rows invalid (status `invalid`, `error` says " \
                            "why)\n"
    data = json.loads(summary.read_text())
    assert data["status"] == {"recommendation": 7, "needs_information": 3, "invalid": 2,
                              "out_of_scope": 2}
    assert {k: data["concordance"][k] for k in ("rate", "concordant", "discordant",
                                                "not_assessable")} == {
        "rate": 0.5714, "concordant": 4, "discordant": 3, "not_assessable": 5}
    assert "`cohort.csv`" in (ROOT / "examples" / "README.md").read_text()


def _row_path(guideline: Any, path: Path, actual: str | None) -> tuple[str, dict[str, Any]]:
    """CSV to JSON Lines the way every other pair of formats goes: row by row."""
    out = io.StringIO()
    inp = batch._read(str(path), "csv", guideline.fields, scan=False)
    summary = batch._run(guideline, inp, str(path), "csv", out, "jsonl", actual, None)
    return out.getvalue(), summary.to_dict()


@pytest.mark.parametrize("actual", [None, "given"])
def test_csv_to_jsonl_writes_what_the_row_path_writes(tmp_path: Path,
                                                      actual: str | None) -> None:
    """The CSV to JSON Lines path shares the result columns of alike rows: it writes the
    same bytes and counts as evaluating each row, for alike valid rows (numbers in one
    cell), alike invalid rows whose messages quote their own values, ragged rows, bad
    cells and actual treatments."""
    rows = [*ROWS,
            "p8,well,true,pancreas,G2,4,positive,no,high,,ssa",       # alike p1 (ki67 4 and 5)
            "p9,well,true,pancreas,G2,5,positive,no,high,,chemotherapy",
            "p10,well,true,pancreas,G2,5.0,positive,no,high,,nope",   # unknown treatment
            "p11,well,true,gi,G1,26,positive,false,low,,ssa",          # alike p6, its own value
            "p12,well,true,gi,G2,150,positive,false,low,,",            # out of range
            "p13,well,true,gi,G2,20,positive,false,low,,",             # at a threshold
            "p14,well,true,gi,G2,20.0,positive,false,low,,",
            "p15,well,true,gi,,20.5,positive,false,low,ssa,",          # derived G3
            "p16,well,true,gi,,21,positive,false,low,ssa, prrt ",
            "p17,well,true",                                            # ragged
            "",
            "p18,Well,TRUE,gi,,5,positive,0,low,,ssa",
            "p19,well,yes,gi,,5,positive,0,low,,ssa",
            '"p,20",well,1,gi,,5,positive,no,low,"ssa;prrt",ssa']
    path = tmp_path / "alike.csv"
    path.write_text("\n".join([HEADER, *rows, *rows]) + "\n")
    guideline = nettree.load("asco-gepnet-2023")
    expected_text, expected_summary = _row_path(guideline, path, actual)
    out = io.StringIO()
    summary = batch.run(guideline, str(path), "csv", out, "jsonl", actual_column=actual,
                        keep_classes=False)
    assert out.getvalue() == expected_text
    assert summary.to_dict() == expected_summary
    assert len(expected_text.splitlines()) == 2 * (len(rows) - 1)


def test_csv_to_jsonl_without_carried_columns_or_with_several(tmp_path: Path) -> None:
    guideline = nettree.load("asco-gepnet-2023")
    for header, rows in ((HEADER.replace("patient_id,", ""),
                          [row.split(",", 1)[1] for row in ROWS]),
                         (HEADER + ",site_name", [row + ",\"Zürich\"" for row in ROWS])):
        path = tmp_path / "other.csv"
        path.write_text("\n".join([header, *rows, *rows]) + "\n")
        expected_text, expected_summary = _row_path(guideline, path, None)
        out = io.StringIO()
        summary = batch.run(guideline, str(path), "csv", out, "jsonl", keep_classes=False)
        assert out.getvalue() == expected_text
        assert summary.to_dict() == expected_summary


# -- found by a hostile review (2026-12)


def test_the_summary_json_never_replaces_the_rows(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    result = run("batch", str(cohort), "-o", str(out), "--summary-json",
                 str(tmp_path / "." / "r.jsonl"))
    assert result.exit_code == 2
    assert "is the -o file: the counts would replace the rows" in result.output
    assert not out.exists()


def test_an_unwritable_summary_json_stops_the_run_before_it_starts(cohort: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    result = run("batch", str(cohort), "-o", str(out), "--summary-json",
                 str(tmp_path / "missing" / "s.json"))
    assert result.exit_code == 1
    assert "cannot write" in result.output and "(nothing was written)" in result.output
    assert not out.exists()


def test_rows_of_the_wrong_length_are_invalid_rows_not_a_file_without_fields(
        tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("patient_id,differentiation\nA,well,x\n", encoding="utf-8")
    result = run("batch", str(path))
    assert result.exit_code == 3, result.output
    assert rows_of(result.stdout)[0]["error"] == "line 2: 3 cells, but the header has 2 columns"
    assert "1 of 1 rows invalid" in result.stderr


def test_a_parquet_output_abandoned_mid_run_prints_no_traceback(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow.parquet")
    import subprocess
    import sys

    path = tmp_path / "long.csv"
    path.write_text("patient_id,differentiation\n" + "A,well\n" * 5000 + "B," + "x" * 140_000
                    + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    done = subprocess.run([sys.executable, "-m", "nettree", "batch", str(path), "-o", str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "line 5002" in done.stderr and "field limit" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert not out.exists()


def test_a_closed_standard_input_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(batch.BatchInputError, match="standard input is closed"):
        batch._open("-", "input")


def test_a_fifo_in_place_of_a_kept_file_is_ignored_not_waited_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from nettree import store

    monkeypatch.setenv("NETTREE_CACHE_DIR", str(tmp_path / "cache"))
    guideline = nettree.load("asco-gepnet-2023")
    where = store.folder()
    assert where is not None
    where.mkdir(parents=True, exist_ok=True)
    path = store.path_for(guideline, where, "classes")
    os.mkfifo(path)
    assert store._read(guideline, "classes") is None  # returns at once (it used to block)
