"""CSV to JSON Lines by columns (nettree.columnar) writes the row path's bytes, on every input.

Each test runs the same file through the columnar path and through the row path
(nettree.batch._CsvRows, the columnar path turned off) and compares the bytes written, the
counts, and the error raised (with what was written before it); where the input is valid
throughout, also against the generic row-by-row path (batch._run). Small blocks (a few
rows) put block boundaries everywhere. ``Summary.by_columns`` shows which path wrote.
"""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

import nettree
from nettree import batch, columnar, store
from nettree.batch import BatchInputError
from nettree.cli import main

pytest.importorskip("pyarrow")

HEADER = ("patient_id,differentiation,metastatic,primary_site,grade,ki67,sstr_status,"
          "functional,tumor_volume,prior_therapies,given")
GOOD = [
    "p1,well,true,pancreas,G2,,positive,no,high,,ssa",
    "p2,well,YES,gi,,5,positive,false,,ssa,everolimus",
    "p4,well,true,pancreas,,,positive,,,,chemotherapy",
    "p5,poor,,,,,,,,,",
    "p8,well,true,pancreas,G2,4,positive,no,high,,ssa",
    "p13,well,true,gi,G2,20,positive,false,low,,",
    "p14,well,true,gi,G2,20.0,positive,false,low,,",
    "p15,well,true,gi,,20.5,positive,false,low,ssa,",
    "p16,well,true,gi,,21,positive,false,low,ssa; prrt ,",
    "p18,Well,TRUE,gi,,5,positive,0,low,,ssa",
    "p19, well,yes,gi,,5,positive,0,low,,ssa",
    "p20,well,1,gi,,1e1,negative,no,low,prrt;ssa,ssa",
]
BAD = [
    "p3,maybe,true,gi,,,,,,,",                           # unknown value
    "p6,well,true,gi,G1,25,positive,false,low,,ssa",     # conflicting grade
    "p7,well,true,gi,G2,5x,positive,false,low,ssa;prrt,",  # bad number
    "p12,well,true,gi,G2,150,positive,false,low,,",       # out of range
    "p21,well,true,gi,,012,positive,false,low,,",         # not a JSON number
]
ODD_IDS = ["a\\b", "tab\there", "ctl\x01x", "Zürich", "日本", "emoji 🙂", "del\x7f", " sp ",
           "\u2028ls", "x\x0bv"]


@pytest.fixture(scope="module")
def gep() -> nettree.Guideline:
    return nettree.load("asco-gepnet-2023")


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of at most 3 rows and 200 bytes: boundaries everywhere."""
    monkeypatch.setattr(columnar, "BLOCK_ROWS", 3)
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 200)


def _outcome(guideline: Any, path: Path, *, by_columns: bool = True,
             keep: bool = False) -> tuple[str, Any, int]:
    """(what was written, the counts or the error's message, rows written by columns)."""
    out = io.StringIO()
    if by_columns:
        run = batch.run
    else:
        real = columnar.csv_to_jsonl
        columnar.csv_to_jsonl = lambda *args, **kwargs: None  # type: ignore[assignment]
        run = batch.run
    try:
        summary = run(guideline, str(path), "csv", out, "jsonl", keep_classes=keep)
    except BatchInputError as exc:
        return out.getvalue(), str(exc), -1
    finally:
        if not by_columns:
            columnar.csv_to_jsonl = real  # type: ignore[assignment]
    return out.getvalue(), summary.to_dict(), summary.by_columns


def _reference(guideline: Any, path: Path) -> tuple[str, dict[str, Any]]:
    """Row by row, the way every other pair of formats goes."""
    out = io.StringIO()
    inp = batch._read(str(path), "csv", guideline.fields, scan=False)
    summary = batch._run(guideline, inp, str(path), "csv", out, "jsonl", None, None)
    return out.getvalue(), summary.to_dict()


def _same(guideline: Any, path: Path, *, columns: int | None = None,
          reference: bool = True) -> tuple[str, Any]:
    """The columnar path writes and counts what the row path does (``columns``: how many
    rows it wrote by columns, when given); returns what was written and counted."""
    text, counts, by_columns = _outcome(guideline, path)
    rows_text, rows_counts, rows_by_columns = _outcome(guideline, path, by_columns=False)
    assert text == rows_text
    assert counts == rows_counts
    assert rows_by_columns in (0, -1)
    if columns is not None:
        assert by_columns == columns
    if reference and by_columns != -1:
        assert (text, counts) == _reference(guideline, path)
    return text, counts


def _write(path: Path, lines: list[str], end: str = "\n", *, final: bool = True,
           bom: bool = False) -> Path:
    data = end.join(lines) + (end if final else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("final", [True, False])
def test_plain_files_go_by_columns(gep: Any, tmp_path: Path, end: str, bom: bool,
                                   final: bool) -> None:
    rows = [*GOOD, *BAD, "", *GOOD, "", ""] if final else [*GOOD, *BAD, "", *GOOD]
    path = _write(tmp_path / "plain.csv", [HEADER, *rows], end, final=final, bom=bom)
    _, counts = _same(gep, path, columns=2 * len(GOOD) + len(BAD))
    assert counts["rows"] == 2 * len(GOOD) + len(BAD)
    assert counts["status"]["invalid"] >= len(BAD)


@pytest.mark.usefixtures("small_blocks")
def test_carried_texts_needing_escapes_or_not_ascii(gep: Any, tmp_path: Path) -> None:
    rows = [f"{ident},{row.split(',', 1)[1]}" for ident, row in zip(ODD_IDS, GOOD * 2,
                                                                    strict=False)]
    path = _write(tmp_path / "ids.csv", [HEADER + ",note", *(r + ",n\\" for r in rows)])
    text, _ = _same(gep, path, columns=len(rows))
    assert json.loads(text.splitlines()[1])["patient_id"] == "tab\there"


@pytest.mark.usefixtures("small_blocks")
def test_no_carried_column_and_several(gep: Any, tmp_path: Path) -> None:
    without = [row.split(",", 1)[1] for row in GOOD + BAD]
    _same(gep, _write(tmp_path / "a.csv", [HEADER.split(",", 1)[1], *without]),
          columns=len(without))
    several = [f"{row},x{index},{index}" for index, row in enumerate(GOOD + BAD)]
    _same(gep, _write(tmp_path / "b.csv", [HEADER + ",site,n", *several]),
          columns=len(several))


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("odd", [
    '"p,9",well,true,gi,,5,positive,no,low,"ssa;prrt",ssa',   # quoted, with a comma
    '"p\n9",well,true,gi,,5,positive,no,low,,ssa',             # a line end in a cell
    'p9,well,true,gi,,5,positive,no,low,,"ss""a"',             # a doubled quote
    'p"9,well,true,gi,,5,positive,no,low,,ssa',                # a quote inside a cell
    '"p9"x,well,true,gi,,5,positive,no,low,,ssa',              # text after a quote
    "p9,well,true",                                            # too few cells
    "p9,well,true,gi,,5,positive,no,low,,ssa,extra",           # too many
    "p9,well\rtrue,gi,,5,positive,no,low,,ssa",                # a lone carriage return
    "\ufeffp9,well,true,gi,,5,positive,no,low,,ssa",           # a byte order mark
    " ",                                                        # a line of a space
])
def test_what_csv_reads_otherwise_goes_by_rows_from_its_block(gep: Any, tmp_path: Path,
                                                              odd: str) -> None:
    rows = [*GOOD, odd, *GOOD]
    path = _write(tmp_path / "odd.csv", [HEADER, *rows])
    _, counts = _same(gep, path)
    text, _, by_columns = _outcome(gep, path)
    assert 0 < by_columns < len(GOOD) + 1  # the blocks before it, by columns
    assert counts["rows"] == len(text.splitlines())


@pytest.mark.usefixtures("small_blocks")
def test_nul_and_long_lines_as_the_row_path_reads_them(gep: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       ) -> None:
    path = _write(tmp_path / "nul.csv", [HEADER, *GOOD, "p9,well\x00,true", *GOOD])
    _same(gep, path)  # (csv reads a NUL since Python 3.11; pyarrow is not asked)
    import csv

    limit = csv.field_size_limit(50)
    try:
        path = _write(tmp_path / "long.csv", ["id,ki67", "p1,5", "p2,6", "p3,7", "p4,8",
                                              "p" * 60 + ",5", "p5,9"])
        text, message = _same(gep, path)
        assert "field larger than field limit (50)" in message
        assert text.count("\n") == 4
        path = _write(tmp_path / "long2.csv", ["id,ki67", "p1,5", "p" * 45 + ",5", "p5,9"])
        _same(gep, path)  # a line as long as the limit, its cells shorter
        csv.field_size_limit(10_000)  # a line longer than a block, its cells not too long
        monkeypatch.setattr(columnar, "BLOCK_BYTES", 64)
        path = _write(tmp_path / "long3.csv", ["id,ki67", "p1,5", "p" * 100 + ",5", "p5,9"])
        assert _same(gep, path)[0].count("\n") == 3
    finally:
        csv.field_size_limit(limit)


@pytest.mark.parametrize("data", [
    b"patient_id,ki67\n1,5\n\xff,6\n",            # not UTF-8 (late)
    b"patient_id,ki67\n" + b"1,5\n" * 3000 + b"\xc3(,6\n" + b"2,7\n" * 10,
    b"\xff\xfepatient_id,ki67\n",                  # not UTF-8 (first)
    b"",                                             # empty
    b"\n\npatient_id,ki67\n1,5\n",                  # blank lines first
    b"patient_id,ki67",                              # a header, no line end
    b"patient_id,ki67\n",                            # a header only
    b"patient_id,ki67\r\n\r\n",
    b"patient_id,patient_id,ki67\n1,2,5\n",          # a name twice
    b"patient_id,kii67\n1,5\n",                      # no patient field
    b'"patient_id","ki67"\n1,5\n',                   # a quoted header
    b"patient_id , ki67 \n1,5\n",                    # spaces around names
    b"id,status,ki67\n1,x,5\n",                      # a result column's name
    b"\xef\xbb\xbfki67\n5\n\n7\n",                  # one column, blank lines
    b"ki67,\n5,\n",                                  # an empty name
])
def test_headers_and_whole_file_cases(gep: Any, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(data)
    _same(gep, path)


def test_random_files(gep: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random rows of valid, invalid and odd cells, random line ends and block sizes."""
    cells = {
        "differentiation": ["well", "poor", "Well", "", "maybe", " well"],
        "metastatic": ["true", "false", "yes", "0", "1", "", "nope", "TRUE"],
        "primary_site": ["gi", "pancreas", "other", "", "lung"],
        "grade": ["", "", "G1", "G2", "G3", "G4"],
        "ki67": ["", "2", "3", "3.0", "20", "20.5", "21", "1e1", "-1", "x", "100", "0",
                 "2.999"],
        "sstr_status": ["positive", "negative", "unknown", ""],
        "functional": ["true", "false", ""],
        "tumor_volume": ["low", "high", ""],
        "prior_therapies": ["", "ssa", "ssa;prrt", "prrt;ssa", "everolimus", "bogus",
                            ";", "ssa;;"],
    }
    names = list(cells)
    odd = ['"q,uoted"', "a\\b", "x\ty", "Zürich", "\u00e9", '"', "\ufeff"]
    for seed in range(12):
        rng = random.Random(seed)
        monkeypatch.setattr(columnar, "BLOCK_ROWS", rng.choice([1, 2, 5, 64]))
        monkeypatch.setattr(columnar, "BLOCK_BYTES", rng.choice([64, 300, 1 << 20]))
        header = ["id", *rng.sample(names, rng.randint(3, len(names))), "note"]
        lines = [",".join(header)]
        for index in range(rng.randint(0, 60)):
            row = [f"r{index}"] + [rng.choice(cells[name]) for name in header[1:-1]]
            row.append(rng.choice(odd) if rng.random() < 0.05 else "n")
            if rng.random() < 0.02:
                row = row[:-1]
            lines.append(",".join(row))
            if rng.random() < 0.05:
                lines.append("")
        end = rng.choice(["\n", "\r\n"])
        path = _write(tmp_path / f"r{seed}.csv", lines, end, final=rng.random() < 0.8)
        _same(gep, path)


def test_the_command_writes_the_same_and_exits_alike(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    path = _write(tmp_path / "c.csv", [HEADER, *GOOD, *BAD, *GOOD])
    summary = tmp_path / "s.json"
    args = ["batch", str(path), "--summary", "--summary-json", str(summary)]
    by_columns = CliRunner().invoke(main, args, prog_name="nettree")
    counts = summary.read_text()
    monkeypatch.setattr(columnar, "csv_to_jsonl", lambda *args, **kwargs: None)
    by_rows = CliRunner().invoke(main, args, prog_name="nettree")
    assert by_columns.exit_code == by_rows.exit_code == 3
    assert by_columns.stdout == by_rows.stdout
    assert by_columns.stderr == by_rows.stderr
    assert f"of {2 * len(GOOD) + len(BAD)} rows invalid" in by_rows.stderr
    assert summary.read_text() == counts


def test_a_large_file_goes_by_columns_in_blocks(gep: Any, tmp_path: Path) -> None:
    rng = random.Random(5)
    rows = [rng.choice(GOOD + BAD) for _ in range(40_000)]
    path = _write(tmp_path / "large.csv", [HEADER, *rows])
    text, counts = _same(gep, path, columns=len(rows), reference=False)
    assert counts["rows"] == len(rows) == len(text.splitlines())


def test_classes_kept_between_runs(gep: Any, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The second run follows the tree of reads the first kept, without loading the
    classes; a file that is not such a table is ignored."""
    path = _write(tmp_path / "k.csv", [HEADER, *GOOD, *BAD, *GOOD])
    gep.compiled.cache_clear()
    first = _outcome(gep, path, keep=True)
    assert first[2] == 2 * len(GOOD) + len(BAD)
    assert isinstance(store.read(gep, "columns"), tuple)
    gep.compiled.cache_clear()
    loads: list[Any] = []
    real_load = store.load
    monkeypatch.setattr(store, "load", lambda g: loads.append(g) or real_load(g))
    second = _outcome(gep, path, keep=True)
    assert second == first
    assert loads == []  # the table alone placed every row
    where = store.folder()
    assert where is not None
    table = store.path_for(gep, where, "columns")
    data = table.read_bytes()
    store.keep(gep, "columns", ("not", "a", "table"))
    assert _outcome(gep, path, keep=True) == first
    table.write_bytes(data[:-10])  # a broken file: its checksum fails
    gep.compiled.cache_clear()
    assert _outcome(gep, path, keep=True) == first


def test_import_nettree_imports_no_pyarrow_and_batch_no_pandas(tmp_path: Path) -> None:
    """pyarrow only when a batch runs by columns; pandas never (pyarrow.array would import
    it: a third of a second of every run)."""
    import subprocess

    path = _write(tmp_path / "i.csv", [HEADER, *GOOD, *BAD])
    code = ("import io, sys, nettree; from nettree import batch; "
            "g = nettree.load('asco-gepnet-2023'); "
            "seen = lambda: sorted(m for m in ('pyarrow', 'numpy', 'pandas', "
            "'nettree.columnar') if m in sys.modules); print(seen()); "
            f"s = batch.run(g, {str(path)!r}, 'csv', io.StringIO(), 'jsonl'); "
            "print(seen(), s.by_columns)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines() == [
        "[]", f"['nettree.columnar', 'numpy', 'pyarrow'] {len(GOOD) + len(BAD)}"]


def test_without_pyarrow_the_row_path_writes(gep: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "p.csv", [HEADER, *GOOD, *BAD])
    expected = _outcome(gep, path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    text, counts, by_columns = _outcome(gep, path)
    assert (text, counts) == expected[:2] and by_columns == 0


@pytest.mark.usefixtures("small_blocks")
def test_the_command_writes_a_file_the_same_through_a_fallback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-o FILE.jsonl: the columnar path's bytes and then the row path's, in order."""
    from click.testing import CliRunner

    path = _write(tmp_path / "f.csv", [HEADER, *GOOD, '"q,1",poor,,,,,,,,,', *GOOD, *BAD],
                  "\r\n")
    outputs = []
    for by_rows in (False, True):
        target = tmp_path / f"out-{by_rows}.jsonl"
        with monkeypatch.context() as patch:
            if by_rows:
                patch.setattr(columnar, "csv_to_jsonl", lambda *args, **kwargs: None)
            result = CliRunner().invoke(main, ["batch", str(path), "-o", str(target)],
                                        prog_name="nettree")
        assert result.exit_code == 3, result.output
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == 2 * len(GOOD) + len(BAD) + 1
