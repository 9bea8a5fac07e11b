"""CSV to JSON Lines by columns (pyarrow): the bytes :class:`nettree.batch._CsvRows` writes,
with the work done once per distinct value, or once per block, instead of once per row.

A block of rows (about a megabyte) is parsed by pyarrow, each patient column
dictionary-encoded as it is read; each distinct text is classified once
(:meth:`Compiled.text_cell`) into a small code (the cell's place among the field's: the
same code in every block and every run). The compiled evaluator's tree of reads
(:meth:`Compiled.read_tree`) becomes a table of the next node by node and code, and every
row of the block follows it at once (numpy), as :meth:`Compiled.class_of_cells` follows
it for one patient, fields derived from their source's cell first. A row that reaches no
class (a class not cached yet) is placed by class_of_cells, one row of each new class
evaluated to cache it. Each class's result columns are encoded as JSON once, and classes
whose columns read alike share one text (the bundled guideline's 4,232 classes of
complete patients write 229 texts); each row's line is its carried cells' JSON and its
class's text, joined by pyarrow and written as bytes. The summary counts each text once,
with its number of rows.

With the classes kept between runs, the table of the tree and the classes' texts are kept
too (:mod:`nettree.store`, kind "columns"): a warm run reads them and neither loads nor
encodes a single result, unless it meets a class the table lacks.

What is written is exactly what the row path writes, byte for byte (tests compare them):

- rows with a cell that is no valid value, and rows whose combination has no cached class
  (a conflicting grade, a class never cached), are each written by the row path's own
  functions (:func:`nettree.batch._result_row`);
- where pyarrow's parsing could differ from Python's ``csv`` module, the row path reads the
  rest of the file (from the start of the block, a row boundary): a block with a quote
  (quoted cells, cells with commas or newlines), a NUL, a carriage return not followed by a
  line feed, a line as long as ``csv.field_size_limit()``, a byte order mark at its start
  (pyarrow drops it, ``csv`` keeps it), or a row of the wrong length (the row path makes its
  error row); so does a header that is not plain;
- a file that is not UTF-8 text is read by the row path from the start (found by a first
  pass over the bytes, before anything is written): where its reading stops depends on
  how it decodes;
- standard input, ``--actual-column``, and a guideline whose cells do not fit one 63-bit
  integer go by the row path.

``import nettree`` does not import this module; it imports pyarrow and numpy when called
(never ``pyarrow.array`` on Python values, which imports pandas: a third of a second).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .batch import (
    Summary,
    _check_header,
    _class_columns,
    _csv_row,
    _CsvRows,
    _open,
    _result_row,
    evaluate,
)
from .compiled import NO_CELL
from .errors import GuidelineError, PatientError
from .model import FieldType
from .patient import coerce_cell

if TYPE_CHECKING:
    from .guideline import Guideline
    from .result import Result

__all__ = ["BLOCK_BYTES", "BLOCK_ROWS", "csv_to_jsonl"]

BLOCK_BYTES = 1 << 20
BLOCK_ROWS = 16384  # memory stays flat: a block's arrays are a few per row
_MAX_KEY = 1 << 62
_MAX_TEXTS = 16384  # distinct texts remembered per column (a few MB at most)
_MAX_RESULTS = 16384  # results whose slot is remembered (and kept alive: their ids)
_MAX_CLASSES = 65536  # distinct result columns, each a few hundred bytes of JSON
_MAX_TABLE = 1 << 22  # the tree of reads as a table of nodes by codes, up to 16 MB
_FORM = "nettree columns 1"  # the form of the table kept between runs
_BOM = codecs.BOM_UTF8
_ESCAPED = r'[\\\x00-\x1f"]'  # what json.dumps escapes in a text (ensure_ascii=False)


class _NoRows:
    num_rows = 0


_NO_ROWS = _NoRows()  # a block of blank lines


def csv_to_jsonl(guideline: Guideline, source: str, out: Any,
                 progress: Callable[[int], None] | None,
                 load_classes: Callable[[], None] = lambda: None, *, keep: bool = False,
                 ) -> Summary | None:
    """Write ``source`` (a CSV file) as JSON Lines into ``out`` and return the counts,
    exactly as :class:`nettree.batch._CsvRows` would; None, having written nothing, when
    pyarrow is not installed or the file is for the row path from its start.
    ``load_classes`` is called before the first row is evaluated. With ``keep``, the
    tree of reads and the classes' JSON are read from the user's cache folder
    (:mod:`nettree.store`, kind "columns") and kept there when the run found new
    classes: a warm run needs neither the classes' results nor their encoding."""
    try:
        import numpy
        import pyarrow
        import pyarrow.compute
        import pyarrow.csv
    except ImportError:
        return None
    if not _utf8(source):
        return None
    stream = _open(source, "input")
    try:
        blocks = _Blocks(stream, numpy)
        header = blocks.header()
        if header is None:
            return None
        _check_header(header, guideline.fields, source)
        columns = _Columns(guideline, header, numpy, pyarrow, load_classes)
        if not columns.fits:
            return None
        if keep:
            columns.restore()
        rows = _CsvRows(guideline, header, None, source)
        write_bytes = getattr(out, "write_bytes", None)  # a batch.Utf8Lines: bytes as they are
        summary = rows.summary
        done = 0
        for block, ends in blocks:
            table = columns.parse(block, ends)
            if table is None:  # from here on, the row path
                stream.seek(blocks.start)
                text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
                columns.finish(summary, keep=keep)
                load_classes()
                rows.named_field = done > 0
                rows.write(text, csv.reader(text), out, progress, lines=blocks.lines,
                           done=done)
                return rows.finish()
            lines = columns.lines(table, summary)
            if write_bytes is not None:
                write_bytes(lines)
            else:
                out.write(memoryview(lines).tobytes().decode("utf-8"))
            blocks.taken()
            done += table.num_rows
            summary.by_columns += table.num_rows
            if progress is not None and table.num_rows:
                progress(done)
        columns.finish(summary, keep=keep)
        return summary
    finally:
        stream.close()


def _utf8(source: str) -> bool:
    """Whether the whole file decodes as UTF-8 (read once, in blocks, before anything is
    written: where the row path stops on a bad byte depends on its own reading)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _open(source, "input") as stream:
        try:
            while chunk := stream.read(BLOCK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


class _Blocks:
    """A CSV file's header, then its rows in blocks of whole lines (bytes)."""

    def __init__(self, stream: Any, np: Any) -> None:
        self.stream, self.np = stream, np
        self.pending = b""
        self.start = 0  # the file offset of the block given last
        self.lines = 1  # lines before it (the header's)
        self.size = 0  # its size, and its lines
        self.count = 0
        self.eof = False

    def _fill(self) -> None:
        while not self.eof and len(self.pending) < BLOCK_BYTES:
            chunk = self.stream.read(BLOCK_BYTES)
            if not chunk:
                self.eof = True
            self.pending += chunk

    def header(self) -> list[str] | None:
        """The header's names as ``csv`` reads them, or None when it is not plain (quoted,
        blank, without a line end...)."""
        self._fill()
        data = self.pending
        bom = len(_BOM) if data.startswith(_BOM) else 0
        end = data.find(b"\n")
        line = data[bom:end]
        if line.endswith(b"\r"):
            line = line[:-1]
        if end < 0 or not line or any(c in line for c in (b'"', b"\r", b"\x00")) \
                or len(line) >= csv.field_size_limit():
            return None
        self.pending = data[end + 1:]
        self.start = end + 1
        return [name.strip() for name in line.decode("utf-8").split(",")]

    def __iter__(self) -> Any:
        """Each block, and where its line feeds are."""
        while True:
            self._fill()
            if not self.pending:
                return
            data = self.pending
            if self.eof and len(data) <= BLOCK_BYTES:
                cut = len(data)  # the last lines (the last perhaps without a line end)
            else:
                cut = data.rfind(b"\n", 0, BLOCK_BYTES) + 1
                if not cut:  # a line longer than a block: the row path's
                    self.size = self.count = 0
                    yield data, None
                    return
            ends = self.np.flatnonzero(self.np.frombuffer(data, dtype=self.np.uint8,
                                                          count=cut) == 10)
            if len(ends) > BLOCK_ROWS:  # short rows: a block's arrays stay small
                ends = ends[:BLOCK_ROWS]
                cut = int(ends[-1]) + 1
            self.size, self.count = cut, len(ends)
            yield data[:cut], ends

    def taken(self) -> None:
        """The block given last was written: the next starts after it."""
        self.pending = self.pending[self.size:]
        self.start += self.size
        self.lines += self.count


class _Columns:
    """The patient columns' codes, the classes of the rows, and the lines."""

    def __init__(self, guideline: Guideline, header: list[str], np: Any, pa: Any,
                 load_classes: Callable[[], None]) -> None:
        # (pyarrow.compute and pyarrow.csv imported by csv_to_jsonl)
        self.np, self.pa, self.pc, self.pcsv = np, pa, pa.compute, pa.csv
        self.guideline, self.load_classes = guideline, load_classes
        fields = guideline.fields
        self.header = header
        self.carried = [name for name in header if name not in fields]
        self.patient = [(index, name) for index, name in enumerate(header) if name in fields]
        self.radix = [_radix(guideline, name) for _, name in self.patient]
        product = 1
        for radix in self.radix:
            product *= radix
        self.names = list(fields)  # a row's codes: one column per field, then a column of 0
        self.at = {name: place for place, name in enumerate(self.names)}
        self.widest = max(_radix(guideline, name) for name in self.names)
        derivations = guideline.compiled.derivations()
        self.fits = product < _MAX_KEY and derivations is not None \
            and (len(self.names) + 1) * self.widest < _MAX_KEY
        self.derive = []  # (field, source, the field's code by the source's: None)
        for name, source, by_cell in derivations or ():
            implied = None
            if by_cell is not None:
                implied = np.zeros(_radix(guideline, source), dtype=np.int64)
                for cell, value in by_cell.items():
                    implied[1 + cell] = _code_of(guideline, name, value)
            self.derive.append((self.at[name], self.at[source], implied))
        self.codes: list[dict[str, int]] = [{} for _ in self.patient]  # text -> code
        self.cells: list[dict[int, Any]] = [{} for _ in self.patient]  # code -> cell
        self.values: list[dict[str, Any]] = [{} for _ in self.patient]  # text -> value
        self.texts: dict[int, tuple[list[str], Any]] = {}  # the block's, by column (_codes)
        self.version = -1  # of the tree of reads followed (Compiled.read_tree)
        self.missed = 0  # combinations the tree did not place, in the last block
        self.slot_of_result: dict[int, int] = {}  # by id(result)
        self.slot_of_text: dict[bytes, int] = {}  # by its JSON
        self.results: list[Result] = []  # kept alive: their ids are the keys above
        self.columns: list[dict[str, Any] | None] = []  # each class's result columns (None:
        # not yet read from its JSON)
        self.restored = False  # started from a kept table
        self.json: list[bytes] = []  # and their JSON (between the braces)
        self.fragments: Any = None  # the same as a pyarrow array
        self.counts = np.zeros(0, dtype=np.int64)
        names = [f"f{index}" for index in range(len(header))]
        self.options = (
            pa.csv.ReadOptions(column_names=names, use_threads=True),
            pa.csv.ParseOptions(delimiter=",", quote_char=False, double_quote=False,
                                escape_char=False, newlines_in_values=False,
                                ignore_empty_lines=True),
            # a patient column dictionary-encoded as it is read: its distinct texts
            pa.csv.ConvertOptions(column_types={
                name: pa.dictionary(pa.int32(), pa.string())
                if header[index] in fields else pa.string()
                for index, name in enumerate(names)},
                                  strings_can_be_null=False,
                                  quoted_strings_can_be_null=False, null_values=[],
                                  check_utf8=True))
        encode = json.encoder.encode_basestring  # what json.dumps writes for a text
        keys = [encode(name) + ": " for name in self.carried]
        self.keys = [self._literal(("{" if index == 0 else ", ") + key)
                     for index, key in enumerate(keys)]
        self.opening = self._literal("{" if not self.carried else ", ")
        self.closing = self._literal("}\n")
        self.quote = self._literal('"')
        self.nothing = self._literal("")

    # -- reading

    def parse(self, block: bytes, ends: Any) -> Any:
        """The block's rows (``ends``: where its line feeds are; None for part of a line)
        as a table of texts, or None where pyarrow could read them otherwise than ``csv``
        (see the module's docstring)."""
        np = self.np
        if ends is None or b'"' in block or b"\x00" in block or block.startswith(_BOM) or (
                b"\r" in block and block.count(b"\r") != block.count(b"\r\n")):
            return None
        data = np.frombuffer(block, dtype=np.uint8)
        starts = np.concatenate(([0], ends + 1))
        ends = np.concatenate((ends, [len(block)]))
        lengths = ends - starts
        if lengths.max() >= csv.field_size_limit():
            return None
        blank = (lengths == 0) | ((lengths == 1) & (data[np.minimum(starts, len(block) - 1)]
                                                    == 13))
        rows = int(len(lengths) - blank.sum())
        if rows == 0:
            return _NO_ROWS
        try:
            table = self.pcsv.read_csv(self.pa.py_buffer(block), *self.options)
        except self.pa.ArrowInvalid:  # a row of the wrong length: the row path's error row
            return None
        if table.num_rows != rows:  # never: each line is a row
            return None
        return table.combine_chunks()

    def _code(self, column: int, text: str) -> int:
        """A cell text's code (-1: no valid value), remembered."""
        name = self.patient[column][1]
        cell = self.guideline.compiled.text_cell(name, text)
        code = -1 if cell is NO_CELL else _code_of(self.guideline, name, cell)
        if code >= self.radix[column]:  # never: a cell is one of the field's
            code = -1
        if code >= 0:
            self.cells[column][code] = cell
        if len(self.codes[column]) < _MAX_TEXTS:
            self.codes[column][text] = code
        return code

    def _codes(self, table: Any) -> tuple[Any, Any, Any]:
        """Each row's codes (a column per field, then a column of 0), its combination of
        the patient columns' codes as one integer, and which rows have a bad cell."""
        np = self.np
        rows = table.num_rows
        self.texts = {}
        codes = np.zeros((rows, len(self.names) + 1), dtype=np.int64)
        key = np.zeros(rows, dtype=np.int64)
        bad = np.zeros(rows, dtype=bool)
        for column, (index, name) in enumerate(self.patient):
            encoded = table.column(index).chunk(0)  # dictionary-encoded (parse)
            memo = self.codes[column]
            texts = encoded.dictionary.to_pylist()
            by_text = np.fromiter((memo[text] if text in memo else self._code(column, text)
                                   for text in texts), dtype=np.int64, count=len(texts))
            indices = self._indices(encoded.indices)
            self.texts[index] = (texts, indices)
            row_codes = by_text[indices]
            bad |= row_codes < 0
            codes[:, self.at[name]] = row_codes
            key *= self.radix[column]
            key += row_codes
        codes[bad] = 0
        return codes, key, bad

    def _tree(self) -> None:
        """The compiled evaluator's tree of reads (:meth:`Compiled.read_tree`) as arrays:
        node 0 is nowhere (a class not cached), each node's column of codes, its edges
        sorted by ``node * widest + code``, the node each combination of derived fields
        starts at, and each end's slot (-3: not yet encoded, -1: row by row)."""
        np, guideline = self.np, self.guideline
        compiled = guideline.compiled
        self.version = compiled.version
        roots, nodes = compiled.read_tree()
        zero, widest = len(self.names), self.widest
        column = np.full(len(nodes) + 1, zero, dtype=np.int64)
        slot = np.full(len(nodes) + 1, -2, dtype=np.int64)
        keys, children = [0], [0]  # nowhere stays nowhere
        self.ends: dict[int, Result] = {}
        depth = dict.fromkeys(roots.values(), 1)
        for number, (name, edges, result) in enumerate(nodes, 1):
            if not name:  # an end: it stays
                keys.append(number * widest)
                children.append(number)
                if result is None:
                    slot[number] = -1
                else:
                    known = self.slot_of_result.get(id(result))
                    slot[number] = -3 if known is None else known
                    self.ends[number] = result
            elif name in self.at:  # a field read ("\x00all": nowhere, for class_of_cells)
                column[number] = self.at[name]
                for cell, child in edges:
                    keys.append(number * widest + _code_of(guideline, name, cell))
                    children.append(child + 1)
                    depth[child] = depth.get(number - 1, 1) + 1
        if (len(nodes) + 1) * widest <= _MAX_TABLE:  # the next node by node and code
            self.table = np.zeros((len(nodes) + 1) * widest, dtype=np.int32)
            self.table[np.array(keys, dtype=np.int64)] = children
        else:  # too many: the edges sorted, searched
            self.table = None
            order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
            self.edge_keys = np.array(keys, dtype=np.int64)[order]
            self.edge_children = np.array(children, dtype=np.int64)[order]
        self.column, self.slot, self.depth = column, slot, max(depth.values(), default=0)
        names = [self.names[place] for place, _, _ in self.derive]
        self.roots = np.zeros(1 << len(self.derive), dtype=np.int64)
        for root, node in roots.items():
            mask = sum(1 << names.index(name) for name in root if name in names)
            if all(name in names for name in root):
                self.roots[mask] = node + 1

    def _walk(self, codes: Any, alone: Any) -> Any:
        """Each row's end node (0: nowhere), following the tree of reads with all the rows
        at once as :meth:`Compiled.class_of_cells` follows it with one; ``alone`` (rows with
        a bad cell) gains the rows class_of_cells places in no class (a derived field
        given otherwise than its source implies, a field derived from a number)."""
        np = self.np
        rows = len(codes)
        mask = np.zeros(rows, dtype=np.int64)
        nowhere = alone
        for bit, (place, source, implied) in enumerate(self.derive):
            known = codes[:, source] != 0
            if implied is None:  # derived from the number: class_of_cells' own
                nowhere |= known
                continue
            derived = implied[codes[:, source]]
            given = codes[:, place]
            nowhere |= known & (given != 0) & (given != derived)
            here = known & (given == 0)
            codes[here, place] = derived[here]
            mask |= here.astype(np.int64) << bit
        state = self.roots[mask]
        flat = codes.reshape(-1)
        base = np.arange(rows, dtype=np.int64) * codes.shape[1]
        for _ in range(self.depth):
            key = state * self.widest + flat[base + self.column[state]]
            if self.table is not None:
                state = self.table[key]
            else:
                at = np.minimum(np.searchsorted(self.edge_keys, key), len(self.edge_keys) - 1)
                state = np.where(self.edge_keys[at] == key, self.edge_children[at], 0)
        state[nowhere] = 0
        return state

    def _slot_of(self, result: Result) -> int:
        """A class's slot in :attr:`json`, shared by the classes whose rows read alike (a
        few hundred lines for thousands of classes); -1 when there are too many: row by
        row."""
        slot = self.slot_of_result.get(id(result))
        if slot is None:
            if len(self.results) >= _MAX_RESULTS:  # memory stays bounded: start afresh
                self.slot_of_result.clear()
                self.results.clear()
            text, columns = _class_columns(result)
            data = text.encode("utf-8")
            slot = self.slot_of_text.get(data)
            if slot is None:
                if len(self.json) >= _MAX_CLASSES:
                    return -1
                slot = self.slot_of_text[data] = len(self.json)
                self.columns.append(columns)
                self.json.append(data)
            self.slot_of_result[id(result)] = slot
            self.results.append(result)
        return slot

    def _cells_of_key(self, key: int) -> dict[str, Any]:
        """The cells of a combination of the patient columns' codes."""
        cells: dict[str, Any] = {}
        for column in range(len(self.patient) - 1, -1, -1):
            key, code = divmod(key, self.radix[column])
            cells[self.patient[column][1]] = self.cells[column][code] if code else None
        return cells

    def _slots(self, keys: list[int], table: Any, rows: list[int]) -> Any:
        """The classes of combinations of codes the tree did not place (row ``rows[i]`` of
        ``table`` has ``keys[i]``): their slots, -1 where their rows go row by row. A class
        not cached is cached by evaluating one of its rows."""
        self.load_classes()
        class_of = self.guideline.compiled.class_of_cells
        cells = [self._cells_of_key(key) for key in keys]
        results = [class_of(dict(each)) for each in cells]
        new = [place for place, result in enumerate(results) if result is None]
        for place, texts in zip(new, self._cells(table, [rows[i] for i in new]), strict=True):
            result = class_of(dict(cells[place]))  # (cached by a row evaluated just now?)
            if result is None:
                self._evaluate(texts)
                result = class_of(dict(cells[place]))
            results[place] = result
        self.missed += len(keys)
        return self.np.array([-1 if result is None else self._slot_of(result)
                              for result in results], dtype=self.np.int64)

    def _evaluate(self, texts: list[str]) -> None:
        """Evaluate a row whose cells are each a valid value, for the class it caches (its
        line is its class's): its patient as :func:`nettree.batch._csv_row` reads it, each
        cell's value remembered."""
        patient: dict[str, Any] = {}
        with contextlib.suppress(PatientError, GuidelineError):  # no class: row by row
            for column, (index, name) in enumerate(self.patient):
                memo = self.values[column]
                value = memo.get(texts[index], memo)
                if value is memo:
                    value = coerce_cell(self.guideline.fields, name, texts[index])
                    if len(memo) < _MAX_TEXTS:
                        memo[texts[index]] = value
                if value is not None:
                    patient[name] = list(value) if type(value) is list else value
            evaluate(self.guideline, patient)

    def _row(self, cells: list[str]) -> dict[str, Any]:
        """One row as the row path makes it (its line number is never part of it: a row of
        the wrong length is the row path's). The kept classes need not be loaded: such a
        row has a bad cell, or a class that is never cached (the run loads them before
        keeping its own)."""
        fields = self.guideline.fields
        return _result_row(self.guideline,
                           _csv_row(cells, self.header, self.carried, fields, 0), None)

    # -- writing

    def lines(self, table: Any, summary: Summary) -> Any:
        """The block's JSON Lines, UTF-8 (a buffer); its rows counted in ``summary``."""
        np, pc = self.np, self.pc
        rows = table.num_rows
        if rows == 0:
            return b""
        if self.version != self.guideline.compiled.version and (
                self.version < 0 or 4 * self.missed > len(self.slot)):
            self._tree()  # classes were cached since, and enough rows went without them
        self.missed = 0
        codes, key, bad = self._codes(table)
        state = self._walk(codes, bad)  # bad: and the rows no class holds
        row_slots = self.slot[state]
        for node in np.unique(state[row_slots == -3]).tolist():
            self.slot[node] = self._slot_of(self.ends[node])
        row_slots = self.slot[state]
        missed = np.flatnonzero((row_slots == -2) & ~bad)
        if len(missed):
            distinct, first, inverse = np.unique(key[missed], return_index=True,
                                                 return_inverse=True)
            found = self._slots(distinct.tolist(), table, missed[first].tolist())
            row_slots[missed] = found[inverse.reshape(-1)]
        row_slots[bad] = -1
        classes = len(self.json)
        counts = np.bincount(row_slots[row_slots >= 0], minlength=classes)
        if len(self.counts) < classes:
            self.counts = np.concatenate((self.counts, np.zeros(classes - len(self.counts),
                                                                dtype=np.int64)))
        self.counts += counts
        alone = np.flatnonzero(row_slots < 0)
        extra = []
        carried = set(self.carried)
        for place, cells in zip(alone.tolist(), self._cells(table, alone), strict=True):
            row = self._row(cells)
            summary.add(row)
            extra.append(json.dumps({name: value for name, value in row.items()
                                     if name not in carried}, ensure_ascii=False)[1:-1]
                         .encode("utf-8"))
            row_slots[place] = classes + len(extra) - 1
        if extra:
            every = self._strings([*self.json, *extra])
        else:  # the classes' JSON as an array, made again only when classes were added
            if self.fragments is None or len(self.fragments) != classes:
                self.fragments = self._strings(self.json)
            every = self.fragments
        fragments = pc.take(every, self._array(row_slots))
        pieces: list[Any] = []
        for key_text, name in zip(self.keys, self.carried, strict=True):
            pieces += [key_text, *self._quoted(table.column(self.header.index(name)).chunk(0))]
        pieces += [self.opening, fragments, self.closing]
        joined = pc.binary_join_element_wise(*pieces, self.nothing)
        offsets, data = joined.buffers()[1:]
        start, end = np.frombuffer(offsets, dtype=np.int32)[[joined.offset,
                                                             joined.offset + rows]]
        return data[int(start):int(end)]

    def finish(self, summary: Summary, *, keep: bool = False) -> None:
        """Count each class's rows in ``summary``; with ``keep``, keep the table for the
        next run when this one found classes the kept one did not have."""
        for slot, times in enumerate(self.counts.tolist()):
            if times:
                columns = self.columns[slot]
                if columns is None:
                    columns = json.loads(b"{" + self.json[slot] + b"}")
                summary.add(columns, times)
        self.counts[:] = 0
        if keep and (not self.restored or self.version != self.guideline.compiled.version):
            self._keep()

    # -- kept between runs: the tree of reads as arrays, each class's JSON

    def _keep(self) -> None:
        from . import store

        if self.version != self.guideline.compiled.version:
            self._tree()
        if self.table is None:  # too large to keep
            return
        for node, result in self.ends.items():
            if self.slot[node] == -3:
                self.slot[node] = self._slot_of(result)
        if (self.slot == -3).any():  # too many classes
            return
        store.keep(self.guideline, "columns", (
            _FORM, tuple(self.names), self.widest, self.depth, self.column.tobytes(),
            self.table.tobytes(), self.slot.tobytes(), self.roots.tobytes(), self.json))

    def restore(self) -> None:
        """Start from the table the last run kept (:meth:`_keep`), if any and it fits."""
        from . import store

        np = self.np
        kept = store.read(self.guideline, "columns")
        try:
            form, names, widest, depth, column, table, slot, roots, texts = kept
            if form != _FORM or names != tuple(self.names) or widest != self.widest:
                return
            column = np.frombuffer(column, dtype=np.int64).copy()
            table = np.frombuffer(table, dtype=np.int32).copy()
            slot = np.frombuffer(slot, dtype=np.int64).copy()
            roots = np.frombuffer(roots, dtype=np.int64).copy()
            nodes = len(column)
            if not (len(table) == nodes * widest and len(slot) == nodes
                    and len(roots) == 1 << len(self.derive) and type(depth) is int
                    and all(type(text) is bytes for text in texts)
                    and int(column.max(initial=0)) <= len(self.names)
                    and int(table.max(initial=0)) < nodes and int(table.min(initial=0)) >= 0
                    and int(roots.max(initial=0)) < nodes and int(roots.min(initial=0)) >= 0
                    and int(slot.max(initial=0)) < len(texts) and int(slot.min()) >= -2):
                return
        except (TypeError, ValueError):  # not a kept table: start without one
            return
        self.column, self.table, self.slot, self.roots, self.depth = (
            column, table, slot, roots, depth)
        self.json = list(texts)
        self.slot_of_text = {text: slot for slot, text in enumerate(self.json)}
        self.columns = [None] * len(texts)
        self.ends = {}
        self.version = self.guideline.compiled.version
        self.restored = True

    def _quoted(self, column: Any) -> list[Any]:
        """A carried column's cells as JSON texts (pieces to join)."""
        if not self.pc.any(self.pc.match_substring_regex(column, _ESCAPED)).as_py():
            return [self.quote, column, self.quote]
        encode = json.encoder.encode_basestring
        return [self._strings([encode(text).encode("utf-8") for text in column.to_pylist()])]

    def _cells(self, table: Any, rows: Any) -> list[list[str]]:
        """The texts of some rows (their places), as ``csv`` gives a row."""
        where = self.np.asarray(rows, dtype=self.np.int64)
        places = self._array(where)
        columns = []
        for index in range(len(self.header)):
            if index in self.texts:  # a patient column: its texts and their indices (_codes)
                texts, indices = self.texts[index]
                columns.append([texts[i] for i in indices[where].tolist()])
            else:
                columns.append(table.column(index).chunk(0).take(places).to_pylist())
        return [list(row) for row in zip(*columns, strict=True)]

    # -- pyarrow arrays made without pa.array (which imports pandas: a third of a second)

    def _indices(self, array: Any) -> Any:
        """A dictionary's indices as int32 numpy values, without a copy."""
        if array.type != self.pa.int32():  # (never: parse asks for int32)
            array = self.pc.cast(array, self.pa.int32())
        return self.np.frombuffer(array.buffers()[1], dtype=self.np.int32, count=len(array),
                                  offset=4 * array.offset)

    def _array(self, values: Any) -> Any:
        """An int32 pyarrow array of numpy ``values``."""
        values = self.np.require(values, self.np.int32, "C")  # contiguous int32
        return self.pa.Array.from_buffers(self.pa.int32(), len(values),
                                          [None, self.pa.py_buffer(values)])

    def _strings(self, texts: list[bytes]) -> Any:
        """A pyarrow string array of UTF-8 ``texts``."""
        np = self.np
        offsets = np.zeros(len(texts) + 1, dtype=np.int32)
        np.cumsum([len(text) for text in texts], out=offsets[1:])
        return self.pa.Array.from_buffers(
            self.pa.string(), len(texts),
            [None, self.pa.py_buffer(offsets), self.pa.py_buffer(b"".join(texts))])

    def _literal(self, text: str) -> Any:
        return self._strings([text.encode("utf-8")])[0]


def _radix(guideline: Guideline, name: str) -> int:
    """How many codes a field's cells take: 0 for unknown, then one per class of value."""
    spec = guideline.fields[name]
    if spec.type is FieldType.BOOLEAN:
        return 3
    if spec.type is FieldType.NUMBER:
        return 2 * len(guideline.thresholds.get(name, ())) + 2
    if spec.type is FieldType.SET:
        return (1 << len(spec.values)) + 1
    return len(spec.values) + 1


def _code_of(guideline: Guideline, name: str, cell: Any) -> int:
    """A cell's code (:meth:`Compiled.text_cell` gives the cell): 0 when unknown."""
    if cell is None:
        return 0
    spec = guideline.fields[name]
    if spec.type is FieldType.BOOLEAN:
        return 2 if cell is True else 1
    if spec.type in (FieldType.NUMBER, FieldType.SET):  # a place among cuts, a sum of bits
        return 1 + int(cell)
    return 1 + spec.values.index(cell)
