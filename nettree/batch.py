"""Many patients at once: a table of patients in, one result row per patient out, in order.

The input is CSV, JSON Lines or Parquet; the output CSV, JSON Lines or Parquet. Both are
streamed (read and written row by row, Parquet in chunks; CSV to JSON Lines by blocks of
rows when pyarrow is installed, :mod:`nettree.columnar`, the same bytes), so memory stays
flat whatever the input's size. Each output row carries the input's columns that are not
patient fields (``patient_id``...) unchanged, then the result columns
:data:`RESULT_COLUMNS` and, when an actual-treatment column is named, ``concordant``.

CSV conventions (a cell is text; JSON Lines and Parquet values are typed, as in a patient
file): an empty cell is unknown; booleans are ``true/false/yes/no/1/0`` in any case; a set
field's items are separated by ``;`` (``ssa;everolimus``); numbers are written as JSON
writes them (``5``, ``12.5``, ``1e3``; not ``012`` or ``1,5``). Output lists (options,
recommendations...) are written the same way in CSV: items separated by ``;``.

A bad row never stops a run: it becomes a row with status ``invalid`` and an ``error``
naming the field, and the run goes on. Only an input that cannot be read as a whole (a
missing file, a file that is not CSV, a header without any patient field) raises
:class:`BatchInputError`.

Concordance: a row is *concordant* when its actual treatment (the option id in the named
column) is among the options the result offers; *discordant* when it is not; *not
assessable* (``null``) when the result is not a recommendation or the cell is empty. An
actual treatment that is not an option id of the guideline makes the row invalid.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import operator
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from .compiled import NO_CELL
from .errors import GuidelineError, NettreeError, PatientError, shown
from .words import did_you_mean

if TYPE_CHECKING:
    from .guideline import Guideline
    from .result import Result

__all__ = [
    "INPUT_FORMATS",
    "INVALID",
    "OUTPUT_FORMATS",
    "RESULT_COLUMNS",
    "BatchInputError",
    "Summary",
    "Utf8Lines",
    "evaluate",
    "format_of",
    "read_results",
    "run",
    "summarise",
]

RESULT_COLUMNS = ("status", "leaf", "recommendations", "options", "excluded", "not_recommended",
                  "missing", "path", "error")
"""The columns every output row has, after the input's own (non-patient) columns.
``path`` lists the node ids the patient passed (a cohort diagram counts them)."""
LIST_COLUMNS = ("recommendations", "options", "excluded", "not_recommended", "missing", "path")
CONCORDANT = "concordant"
INVALID = "invalid"
"""The status of a row that could not be evaluated (its ``error`` says why)."""

INPUT_FORMATS = ("csv", "jsonl", "parquet")
OUTPUT_FORMATS = INPUT_FORMATS
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
             ".pq": "parquet"}
PARQUET_EXTRA = "nettree[parquet]"
CHUNK = 4096  # rows per Parquet batch, read or written


class BatchInputError(NettreeError, ValueError):
    """The input (or a results file) cannot be read as a whole: the message says why."""


def format_of(path: str) -> str | None:
    """The table format a file name's suffix implies, if any.

    >>> format_of("cohort.CSV"), format_of("out.jsonl"), format_of("x.txt")
    ('csv', 'jsonl', None)
    """
    return _SUFFIXES.get(Path(path).suffix.lower())


def evaluate(guideline: Guideline, patient: Mapping[str, Any]) -> Result:
    """The result for one patient: the one place a batch evaluates (a faster evaluator
    with the same results plugs in here)."""
    return guideline.traverse(patient)


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise BatchInputError(f"Parquet needs pyarrow: pip install '{PARQUET_EXTRA}'") from None
    return pyarrow


# -- reading: each input row is (carried columns, raw patient, problem)


@dataclass
class _Row:
    carried: dict[str, Any]
    patient: dict[str, Any]
    problem: str = ""
    has_field: bool = False  # the row names at least one patient field


@dataclass
class _Input:
    columns: list[str]  # the carried (non-patient) columns, in order
    rows: Generator[_Row, None, None]
    types: Mapping[str, Any] = field(default_factory=dict)  # Parquet types of carried columns
    close: Callable[[], None] = lambda: None  # closes the input when it ends early


def _check_header(header: list[str], fields: Mapping[str, Any], where: str) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise BatchInputError(f"{where}: the column {shown(name)} appears twice in the "
                                  "header")
        seen.add(name)
    if not any(name in fields for name in header):
        hint = next((did_you_mean(name, list(fields)) for name in header
                     if did_you_mean(name, list(fields))), "")
        raise BatchInputError(
            f"{where}: no column is a patient field (header: "
            f"{shown(', '.join(header), 120)}){hint}; `nettree show --fields` lists them")
    for name in header:
        if name in RESULT_COLUMNS or name == CONCORDANT:
            raise BatchInputError(f"{where}: the column {shown(name)} would be overwritten by "
                                  "the result column of that name; rename it")


def _csv_header(stream: BinaryIO, fields: Mapping[str, Any], where: str,
                ) -> tuple[io.TextIOWrapper, Any, list[str]]:
    """The CSV input's text, its reader (past the header) and the header's names."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = [name.strip() for name in next(reader)]
        _check_header(header, fields, where)
    except StopIteration:
        text.close()
        raise BatchInputError(f"{where}: the file is empty (a CSV input starts with a "
                              "header of column names)") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        text.close()
        raise BatchInputError(f"{where}: not CSV text: {exc}") from None
    except BatchInputError:
        text.close()
        raise
    return text, reader, header


def _csv_row(cells: list[str], header: list[str], carried: list[str],
             fields: Mapping[str, Any], line: int) -> _Row:
    """One CSV row (not blank) read as a patient."""
    from .patient import coerce_cell

    values = dict(zip(header, cells, strict=False))
    row = _Row({name: values.get(name, "") for name in carried}, {})
    if len(cells) != len(header):
        row.problem = (f"line {line}: {len(cells)} cells, but the header has "
                       f"{len(header)} columns")
        # The header names a patient field: an invalid row, not a file without any.
        row.has_field = True
        return row
    problems = []
    for name in header:
        if name in fields:
            row.has_field = True
            try:
                value = coerce_cell(fields, name, values[name])
            except PatientError as exc:
                problems.append(str(exc))
                continue
            if value is not None:
                row.patient[name] = value
    if problems:
        row.problem = "invalid patient: " + "; ".join(problems)
    return row


def _csv_input(stream: BinaryIO, fields: Mapping[str, Any], where: str) -> _Input:
    text, reader, header = _csv_header(stream, fields, where)
    carried = [name for name in header if name not in fields]

    def rows() -> Generator[_Row, None, None]:
        try:
            for cells in reader:
                if cells:  # a blank line is no row
                    yield _csv_row(cells, header, carried, fields, reader.line_num)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise BatchInputError(f"{where}: line {reader.line_num}: not CSV text: {exc}"
                                  ) from None
        finally:
            text.close()

    return _Input(carried, rows(), close=text.close)


def _json_object(line: bytes, number: int) -> tuple[Any, str]:
    try:
        return json.loads(line.decode("utf-8")), ""
    except UnicodeDecodeError:
        return None, f"line {number}: not UTF-8 text"
    except (ValueError, RecursionError) as exc:
        return None, f"line {number}: invalid JSON: {str(exc).split(':')[0]}"


def _jsonl_input(open_: Callable[[], BinaryIO], fields: Mapping[str, Any], where: str,
                 *, scan: bool) -> _Input:
    """JSON Lines: one object per line. With ``scan``, a first pass collects the carried
    keys of every row (a CSV or Parquet output needs its columns before the first row)."""
    columns: dict[str, None] = {}
    if scan:
        with open_() as stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                data, problem = _json_object(line, number)
                if not columns and (problem or not isinstance(data, dict)):
                    _not_jsonl(where, number, problem)
                if isinstance(data, dict):
                    columns.update((key, None) for key in data if key not in fields)
    for name in columns:
        if name in RESULT_COLUMNS or name == CONCORDANT:
            raise BatchInputError(f"{where}: the key {shown(name)} would be overwritten by "
                                  "the result column of that name; rename it")

    def rows() -> Generator[_Row, None, None]:
        first = True
        with open_() as stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                data, problem = _json_object(line, number)
                if first and (problem or not isinstance(data, dict)):
                    _not_jsonl(where, number, problem)
                first = False
                if not problem and not isinstance(data, dict):
                    problem = f"line {number}: not a JSON object"
                if problem:
                    yield _Row({}, {}, problem)
                    continue
                row = _Row({k: v for k, v in data.items() if k not in fields},
                           {k: v for k, v in data.items() if k in fields})
                row.has_field = bool(row.patient)
                yield row

    return _Input(list(columns), rows())


def _not_jsonl(where: str, number: int, problem: str) -> NoReturn:
    raise BatchInputError(f"{where}: line {number}: not JSON Lines (each line must be one "
                          f"JSON object): {problem.partition(': ')[2] or 'not an object'}")


def _parquet_input(path: str, fields: Mapping[str, Any], where: str) -> _Input:
    pa = _pyarrow()
    try:
        table = pa.parquet.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise BatchInputError(f"{where}: not a Parquet file: {exc}") from None
    header = list(table.schema_arrow.names)
    _check_header(header, fields, where)
    carried = [name for name in header if name not in fields]
    types = {name: table.schema_arrow.field(name).type for name in carried}

    def rows() -> Generator[_Row, None, None]:
        for batch in table.iter_batches(batch_size=CHUNK):
            for record in batch.to_pylist():
                row = _Row({k: record[k] for k in carried},
                           {k: v for k, v in record.items() if k in fields and v is not None},
                           has_field=True)
                yield row

    return _Input(carried, rows(), types)


def _open(source: str, what: str) -> BinaryIO:
    import sys

    from .files import InputFileError, open_input

    if source == "-":
        if sys.stdin is None or sys.stdin.closed:
            raise BatchInputError("standard input is closed: give the input a file name or "
                                  "pipe it in")
        return sys.stdin.buffer
    try:
        return open_input(source, what=what)
    except InputFileError as exc:
        raise BatchInputError(str(exc)) from None


def _read(source: str, fmt: str, fields: Mapping[str, Any], *, scan: bool) -> _Input:
    where = "<stdin>" if source == "-" else source
    if fmt == "parquet":
        if source == "-":
            raise BatchInputError("Parquet is read from a file, not from standard input")
        _open(source, "input").close()  # a clear message for a missing file or a folder
        return _parquet_input(source, fields, where)
    if fmt == "jsonl":
        if source == "-" and scan:
            raise BatchInputError("JSON Lines from standard input go to a JSON Lines output; "
                                  "for CSV or Parquet give the input as a file (its keys are "
                                  "collected first)")
        return _jsonl_input(lambda: _open(source, "input"), fields, where, scan=scan)
    return _csv_input(_open(source, "input"), fields, where)


# -- evaluating


def _error_row(carried: dict[str, Any], message: str) -> dict[str, Any]:
    row = dict(carried)
    row.update(status=INVALID, leaf=None, recommendations=[], options=[], excluded=[],
               not_recommended=[], missing=[], path=[], error=message)
    return row


def _result_row(guideline: Guideline, row: _Row, actual_column: str | None) -> dict[str, Any]:
    if row.problem:
        out = _error_row(row.carried, row.problem)
    else:
        try:
            result = evaluate(guideline, row.patient)
        except PatientError as exc:
            out = _error_row(row.carried, str(exc))
        except GuidelineError as exc:  # a gap or overlap of the guideline met by this row
            out = _error_row(row.carried, str(exc).splitlines()[-1].strip())
        else:
            out = {**row.carried, **result.columns(),
                   "path": [step.node for step in result.path], "error": ""}
    if actual_column is not None:
        actual = row.carried.get(actual_column)
        actual = actual.strip() if isinstance(actual, str) else actual
        concordant: bool | None = None
        if actual not in (None, "") and out["status"] != INVALID:
            if not isinstance(actual, str) or actual not in guideline.options:
                hint = did_you_mean(str(actual), list(guideline.options))
                return _error_row(row.carried, (
                    f"{actual_column!r} must be an option id of the guideline (got "
                    f"{shown(actual)}){hint}"))
            if out["status"] == "recommendation":
                concordant = actual in out["options"]
        out[CONCORDANT] = concordant
    return out


# -- writing


class Utf8Lines:
    """A text stream over a binary one: UTF-8, line ends as written. ``nettree batch -o
    FILE.jsonl`` writes into one; the columnar path hands it its bytes as they are
    (:meth:`write_bytes`) instead of decoding them to be encoded again."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(text.encode("utf-8"))
        return len(text)

    def write_bytes(self, data: Any) -> None:
        """Write UTF-8 bytes (any buffer)."""
        self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Writer:
    def abort(self) -> None:
        """The run stopped early (its output is dropped)."""

    def write(self, row: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Flush what is buffered (the stream itself belongs to the caller)."""


class _JsonlWriter(_Writer):
    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, row: Mapping[str, Any]) -> None:
        self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")


class _CsvWriter(_Writer):
    def __init__(self, stream: Any, columns: list[str]) -> None:
        self.writer = csv.writer(stream, lineterminator="\n")
        self.columns = columns
        self.writer.writerow(columns)

    def write(self, row: Mapping[str, Any]) -> None:
        self.writer.writerow([_cell(row.get(name)) for name in self.columns])


class _ParquetWriter(_Writer):
    def __init__(self, stream: BinaryIO, inp: _Input, columns: list[str]) -> None:
        pa = self.pa = _pyarrow()
        strings = pa.list_(pa.string())
        kinds = {name: strings for name in LIST_COLUMNS}
        kinds[CONCORDANT] = pa.bool_()
        self.schema = pa.schema([
            (name, inp.types.get(name) or kinds.get(name) or pa.string()) for name in columns])
        self.text = {name for name in columns if name not in inp.types and name not in kinds}
        self.writer = pa.parquet.ParquetWriter(stream, self.schema)
        self.chunk: list[dict[str, Any]] = []

    def write(self, row: Mapping[str, Any]) -> None:
        self.chunk.append({name: (_cell(value) if name in self.text and value is not None
                                  and not isinstance(value, str) else value)
                           for name, value in row.items()})
        if len(self.chunk) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.chunk:
            self.writer.write_table(self.pa.Table.from_pylist(self.chunk, schema=self.schema))
            self.chunk = []

    def close(self) -> None:
        self._flush()
        self.writer.close()

    def abort(self) -> None:
        """Close pyarrow's writer while its stream is open (the file is dropped): left to
        the garbage collector, it writes to the closed file and prints a traceback."""
        with contextlib.suppress(Exception):
            self.writer.close()


# -- counting


def _counts(counter: Counter[str]) -> dict[str, int]:
    """Most frequent first, ties by name: a stable order for tables and JSON."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


class Summary:
    """Counts over result rows: per status, leaf, recommendation, option, node and branch
    (``SOURCE -> TARGET``, from each row's path), and concordance when assessed."""

    def __init__(self, guideline: str, concordance: bool = False) -> None:
        self.guideline = guideline
        self.concordance = concordance
        self.rows = self.valid = 0
        self.status: Counter[str] = Counter()
        self.leaves: Counter[str] = Counter()
        self.recommendations: Counter[str] = Counter()
        self.options: Counter[str] = Counter()
        self.nodes: Counter[str] = Counter()
        self.branches: Counter[str] = Counter()
        self.assessed: dict[tuple[str, str], list[int]] = {}
        self.by_columns = 0  # rows written by nettree.columnar (not part of the counts)

    def _assess(self, scope: tuple[str, str], concordant: bool | None, times: int) -> None:
        tally = self.assessed.setdefault(scope, [0, 0, 0])
        tally[0 if concordant is True else 1 if concordant is False else 2] += times

    def add(self, row: Mapping[str, Any], times: int = 1) -> None:
        """Count one result row (as :func:`run` writes it, lists as lists), ``times`` times
        (rows alike)."""
        self.rows += times
        self.status[row["status"]] += times
        if row["status"] == INVALID:
            return
        self.valid += times

        def count(counter: Counter[str], names: Iterable[str]) -> None:
            for name in names:
                counter[name] += times

        if row.get("leaf"):
            self.leaves[row["leaf"]] += times
        count(self.recommendations, row.get("recommendations") or ())
        count(self.options, row.get("options") or ())
        path = list(row.get("path") or ())
        count(self.nodes, path)
        count(self.branches, (f"{a} -> {b}" for a, b in pairwise(path)))
        if self.concordance:
            concordant = row.get(CONCORDANT)
            self._assess(("", ""), concordant, times)
            if row.get("leaf"):
                self._assess(("leaf", row["leaf"]), concordant, times)
            for rec in row.get("recommendations") or ():
                self._assess(("recommendation", rec), concordant, times)

    def _concordance(self, scope: tuple[str, str]) -> dict[str, Any]:
        concordant, discordant, not_assessable = self.assessed.get(scope, [0, 0, 0])
        rate = concordant / (concordant + discordant) if concordant + discordant else None
        return {"rate": None if rate is None else round(rate, 4), "concordant": concordant,
                "discordant": discordant, "not_assessable": not_assessable}

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON: the keys of ``nettree batch --summary-json``."""
        data: dict[str, Any] = {
            "guideline": self.guideline, "rows": self.rows, "valid": self.valid,
            "status": _counts(self.status), "leaves": _counts(self.leaves),
            "recommendations": _counts(self.recommendations),
            "options": _counts(self.options), "nodes": _counts(self.nodes),
            "branches": _counts(self.branches),
        }
        if self.concordance:
            scopes = sorted(self.assessed)
            data["concordance"] = {
                **self._concordance(("", "")),
                "by_leaf": {name: self._concordance(s) for s in scopes
                            if s[0] == "leaf" for name in (s[1],)},
                "by_recommendation": {name: self._concordance(s) for s in scopes
                                      if s[0] == "recommendation" for name in (s[1],)},
            }
        return data

    def table(self) -> str:
        """The counts as a plain-text table (what ``--summary`` prints)."""
        width = 44
        lines = [f"{self.rows} rows: {self.valid} valid, {self.rows - self.valid} invalid"]

        def section(title: str, counts: Mapping[str, int], total: int) -> None:
            if not counts:
                return
            lines.append("")
            lines.append(f"{title:<{width}} {'rows':>8} {'share':>7}")
            for name, count in counts.items():
                share = f"{100 * count / total:.1f}%" if total else "-"
                lines.append(f"{name:<{width}} {count:>8} {share:>7}")

        section("status", _counts(self.status), self.rows)
        section("leaf", _counts(self.leaves), self.valid)
        section("recommendation", _counts(self.recommendations), self.valid)
        section("option", _counts(self.options), self.valid)
        if self.concordance:
            overall = self._concordance(("", ""))
            rate = "-" if overall["rate"] is None else f"{100 * overall['rate']:.1f}%"
            lines += ["", f"concordance: {rate} ({overall['concordant']} concordant, "
                          f"{overall['discordant']} discordant, {overall['not_assessable']} "
                          "not assessable)"]
        return "\n".join(lines) + "\n"


# -- running


def run(guideline: Guideline, source: str, fmt: str, out: Any, out_fmt: str, *,
        actual_column: str | None = None,
        progress: Callable[[int], None] | None = None, keep_classes: bool = True) -> Summary:
    """Evaluate every row of ``source`` (``-``: standard input) into ``out``.

    ``out`` is a text stream for ``jsonl`` and ``csv``, a binary stream for ``parquet``.
    Returns the counts. Raises :class:`BatchInputError` when the input cannot be read as a
    whole (what was already written to ``out`` is then to be discarded). With
    ``keep_classes`` (and unless ``NETTREE_CACHE=off``), the compiled evaluator starts with
    the classes a previous run kept, and keeps its own for the next (:mod:`nettree.store`).
    """
    from . import store

    loaded = not keep_classes

    def load_classes() -> None:
        """The kept classes, added before the first row is evaluated (only then: the
        columnar path may need none of them)."""
        nonlocal loaded
        if not loaded:
            loaded = True
            store.load(guideline)

    misses = guideline.compiled.cache_info().misses
    if fmt == "csv" and out_fmt == "jsonl":
        summary = _csv_to_jsonl(guideline, source, out, actual_column, progress,
                                load_classes, keep=keep_classes)
    else:
        load_classes()
        inp = _read(source, fmt, guideline.fields, scan=out_fmt != "jsonl")
        try:
            summary = _run(guideline, inp, source, fmt, out, out_fmt, actual_column,
                           progress)
        finally:
            inp.rows.close()
            inp.close()
    if keep_classes and guideline.compiled.cache_info().misses != misses:
        load_classes()  # (already: a miss follows a row's evaluation)
        store.save(guideline)
    return summary


def _run(guideline: Guideline, inp: _Input, source: str, fmt: str, out: Any, out_fmt: str,
         actual_column: str | None, progress: Callable[[int], None] | None) -> Summary:
    if actual_column is not None and actual_column not in inp.columns and fmt != "jsonl":
        raise BatchInputError(f"--actual-column {shown(actual_column)}: no such column "
                              f"(columns that are not patient fields: "
                              f"{shown(', '.join(inp.columns), 120)})")
    columns = [*inp.columns, *RESULT_COLUMNS, *([CONCORDANT] if actual_column else [])]
    writer: _Writer
    if out_fmt == "jsonl":
        writer = _JsonlWriter(out)
    elif out_fmt == "csv":
        writer = _CsvWriter(out, columns)
    else:
        writer = _ParquetWriter(out, inp, columns)
    summary = Summary(guideline.id, concordance=actual_column is not None)
    named_field = False
    try:
        for row in inp.rows:
            named_field = named_field or row.has_field
            result = _result_row(guideline, row, actual_column)
            writer.write(result)
            summary.add(result)
            if progress is not None and summary.rows % 1000 == 0:
                progress(summary.rows)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    if summary.rows and not named_field:
        where = "<stdin>" if source == "-" else source
        raise BatchInputError(f"{where}: no row gives any patient field "
                              "(`nettree show --fields` lists them)")
    return summary


def _csv_to_jsonl(guideline: Guideline, source: str, out: Any, actual_column: str | None,
                  progress: Callable[[int], None] | None,
                  load_classes: Callable[[], None] = lambda: None, *, keep: bool = False,
                  ) -> Summary:
    """CSV to JSON Lines, row for row as :func:`_run` writes them, faster: by columns
    (:mod:`nettree.columnar`) when pyarrow is installed and the input allows, else by
    :class:`_CsvRows`. ``load_classes`` is called before any row is evaluated; with
    ``keep``, the columnar path keeps its own table of classes between runs."""
    where = "<stdin>" if source == "-" else source
    if actual_column is None and source != "-":
        from . import columnar

        summary = columnar.csv_to_jsonl(guideline, source, out, progress, load_classes,
                                        keep=keep)
        if summary is not None:
            return summary
    load_classes()
    text, reader, header = _csv_header(_open(source, "input"), guideline.fields, where)
    try:
        rows = _CsvRows(guideline, header, actual_column, where)
    except BatchInputError:
        text.close()
        raise
    rows.write(text, reader, out, progress)
    return rows.finish()


class _CsvRows:
    """CSV rows to JSON Lines, each as :func:`_run` writes it: a row's result columns depend
    only on its patient's class (:meth:`Compiled.class_of_cells`), so a valid row of a class
    seen before is written from that class's JSON, and counted once with the number of its
    rows. Each column's cell texts are read once. A row the compiled evaluator does not
    place in a cached class, or with a problem, is evaluated on its own (as every row of a
    class whose first row was invalid: its message may quote a value)."""

    def __init__(self, guideline: Guideline, header: list[str], actual_column: str | None,
                 where: str) -> None:
        fields = guideline.fields
        carried = [name for name in header if name not in fields]
        if actual_column is not None and actual_column not in carried:
            raise BatchInputError(f"--actual-column {shown(actual_column)}: no such column "
                                  f"(columns that are not patient fields: "
                                  f"{shown(', '.join(carried), 120)})")
        self.guideline, self.header, self.carried = guideline, header, carried
        self.actual_column, self.where = actual_column, where
        self.summary = Summary(guideline.id, concordance=actual_column is not None)
        # by the class's result object (its id: the value holds the object, so the id stays its)
        self.alike: dict[int, tuple[str, dict[str, Any], Result]] = {}
        self.counts: Counter[Any] = Counter()  # rows by class (and concordance)
        self.named_field = False

    def write(self, text: io.TextIOWrapper, reader: Any, out: Any,
              progress: Callable[[int], None] | None, *, lines: int = 0, done: int = 0,
              ) -> None:
        """Write the rows ``reader`` gives (of ``text``, closed at the end); ``lines`` were
        read before its first (they count in the line numbers), and ``done`` rows."""
        guideline, header, carried = self.guideline, self.header, self.carried
        fields = guideline.fields
        # each patient column's texts read so far, and their values (None: unknown)
        names = [name for name in header if name in fields]
        seens: list[dict[str, Any]] = [{} for _ in names]
        pick = _picker([index for index, name in enumerate(header) if name in fields])
        unread = itertools.repeat(NO_CELL)
        bad = NO_CELL
        text_cell = guideline.compiled.text_cell
        keep = _picker([index for index, name in enumerate(header) if name not in fields])
        encode = json.encoder.encode_basestring  # what json.dumps writes for a text
        keys = [encode(name) + ": " for name in carried]
        # a carried column: '{"id": ' and the cell's JSON, then the class's columns
        one = "{" + keys[0] if len(carried) == 1 else None
        one_at = next((i for i, name in enumerate(header) if name not in fields), 0)
        keys = [key if index == 0 else ", " + key for index, key in enumerate(keys)]
        comma = ", " if carried else ""
        actual_column = self.actual_column
        actual_at = carried.index(actual_column) if actual_column is not None else -1
        class_of = guideline.compiled.class_of_cells
        summary, alike, counts = self.summary, self.alike, self.counts
        lines_out: list[str] = []
        width = len(header)
        try:
            for cells in reader:
                if not cells:
                    continue
                known = None
                kind = 0
                self.named_field = True  # the header names a field: a ragged row is invalid
                if len(cells) == width:
                    values = tuple(map(dict.get, seens, pick(cells), unread))
                    if bad in values:  # a text not read before, or one that is no value
                        values = tuple(_class_of_text(text_cell, name, seen, cell)
                                       for name, seen, cell in zip(names, seens, pick(cells),
                                                                   strict=True))
                    if bad not in values:
                        result = class_of(dict(zip(names, values, strict=True)))
                        if result is not None:
                            kind = id(result)
                            known = alike.get(kind)
                            if known is None and len(alike) < 65536:
                                known = alike[kind] = (*_class_columns(result), result)
                concordant = None
                if known is not None and actual_at >= 0:
                    actual = keep(cells)[actual_at].strip()
                    if actual and actual not in guideline.options:
                        known = None  # the row's error, made by _result_row
                    elif actual and known[1]["status"] == "recommendation":
                        concordant = actual in known[1]["options"]
                if known is None:
                    row = _result_row(guideline, _csv_row(cells, header, carried, fields,
                                                          lines + reader.line_num),
                                      actual_column)
                    lines_out.append(json.dumps(row, ensure_ascii=False) + "\n")
                    summary.add(row)
                else:
                    if one is not None:
                        line = one + encode(cells[one_at]) + ", " + known[0]
                    else:
                        line = "{" + "".join([key + encode(value) for key, value in
                                              zip(keys, keep(cells), strict=True)]) \
                            + comma + known[0]
                    if actual_at >= 0:
                        line += ', "concordant": ' + json.dumps(concordant)
                    lines_out.append(line + "}\n")
                    counts[(kind, concordant) if actual_at >= 0 else kind] += 1
                if len(lines_out) >= 4096:
                    out.write("".join(lines_out))
                    lines_out.clear()
                done += 1
                if progress is not None and done % 1000 == 0:
                    progress(done)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise BatchInputError(f"{self.where}: line {lines + reader.line_num}: not CSV "
                                  f"text: {exc}") from None
        finally:
            text.close()
            out.write("".join(lines_out))

    def finish(self) -> Summary:
        """The counts of every row written (raises when no row gave a patient field)."""
        summary = self.summary
        for key, times in self.counts.items():
            kind, concordant = key if self.actual_column is not None else (key, None)
            summary.add({**self.alike[kind][1], CONCORDANT: concordant}, times)
        self.counts.clear()
        if summary.rows and not self.named_field:
            raise BatchInputError(f"{self.where}: no row gives any patient field "
                                  "(`nettree show --fields` lists them)")
        return summary


def _class_of_text(text_cell: Callable[[str, str], Any], name: str, seen: dict[str, Any],
                   text: str) -> Any:
    """A cell's class (NO_CELL when the text is no value), remembered in ``seen`` (a few
    thousand texts)."""
    value = text_cell(name, text)
    if value is not NO_CELL and len(seen) < 4096:
        seen[text] = value
    return value


def _class_columns(result: Result) -> tuple[str, dict[str, Any]]:
    """A class's result columns, as :func:`_result_row` gives them, and their JSON (the
    text between the braces, after a comma when columns come before it)."""
    columns = {**result.columns(), "path": [step.node for step in result.path], "error": ""}
    return json.dumps(columns, ensure_ascii=False)[1:-1], columns


def _picker(indices: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """The cells at ``indices``, as a tuple."""
    if not indices:
        return lambda cells: ()
    if len(indices) == 1:
        only = indices[0]
        return lambda cells: (cells[only],)
    return operator.itemgetter(*indices)


def read_results(path: str) -> Iterable[dict[str, Any]]:
    """The rows of a ``nettree batch`` output file (CSV, JSON Lines or Parquet), lists as
    lists and ``concordant`` as true/false/None: what :meth:`Summary.add` counts."""
    fmt = format_of(path)
    if fmt is None:
        raise BatchInputError(f"{path}: cannot tell the format from the suffix (.csv, .jsonl, "
                              ".parquet or a summary .json)")
    needed = {"status", "leaf", "path"}
    if fmt == "parquet":
        _open(path, "results file").close()
        pa = _pyarrow()
        try:
            table = pa.parquet.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise BatchInputError(f"{path}: not a Parquet file: {exc}") from None
        if not needed <= set(table.schema_arrow.names):
            raise _not_results(path)
        for batch in table.iter_batches(batch_size=CHUNK):
            yield from batch.to_pylist()
        return
    with _open(path, "results file") as stream:
        if fmt == "jsonl":
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                data, problem = _json_object(line, number)
                if problem or not isinstance(data, dict) or not needed <= set(data):
                    raise _not_results(path, number)
                yield data
            return
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            for number, record in enumerate(csv.DictReader(text), 2):
                if not needed <= set(record):
                    raise _not_results(path)
                row: dict[str, Any] = dict(record)
                for name in LIST_COLUMNS:
                    row[name] = [item for item in (record.get(name) or "").split(";") if item]
                row["leaf"] = record["leaf"] or None
                if CONCORDANT in record:
                    concordant = record[CONCORDANT] or ""
                    row[CONCORDANT] = {"true": True, "false": False}.get(concordant)
                if record["status"] is None:
                    raise _not_results(path, number)
                yield row
        except (UnicodeDecodeError, csv.Error) as exc:
            raise BatchInputError(f"{path}: not CSV text: {exc}") from None


def summarise(path: str, guideline: str) -> Summary:
    """The counts of a ``nettree batch`` output file, with concordance when it has the
    ``concordant`` column."""
    rows = iter(read_results(path))
    first = next(rows, None)
    summary = Summary(guideline, concordance=first is not None and CONCORDANT in first)
    for row in chain([first] if first is not None else [], rows):
        summary.add(row)
    return summary


def _not_results(path: str, line: int | None = None) -> BatchInputError:
    where = f"{path}:{line}" if line else path
    return BatchInputError(f"{where}: not a `nettree batch` output (its rows have the columns "
                           "status, leaf and path)")
