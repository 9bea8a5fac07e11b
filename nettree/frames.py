"""A whole table of patients at once: an Arrow table, a pandas or a polars DataFrame.

``pip install nettree[frames]`` (pyarrow; pandas and polars are used when the frame is
theirs). Nothing here is imported by ``import nettree``: :meth:`Guideline.traverse_frame`
imports it on first use.

Conventions, one row a patient:

- the columns named after patient fields are read; every other column is ignored (keep an
  id column in the input and join on the row order, or on the pandas index, which the
  result keeps);
- a null cell (None, NaN in pandas) is unknown, or the field's default, exactly like an
  absent field;
- a text cell in a field that is not a choice (``"yes"``, ``"61"``, ``"ssa;prrt"``) is read
  as a CSV cell is (:func:`nettree.patient.coerce_cell`); a set field is a
  list column or such a text;
- the result has one row per input row, in order, with the columns :data:`COLUMNS`:
  ``status``, ``leaf`` (texts), ``recommendations``, ``options``, ``excluded``,
  ``not_recommended``, ``missing`` (lists of ids) and ``error`` (the message naming the
  field, for an invalid row; then every other column is null). A valid row's ``error`` is null.

Rows are evaluated one by one by the compiled evaluator (:mod:`nettree.compiled`): a bad
row never stops the table. Each partition of a Dask DataFrame is a pandas frame, so
``ddf.map_partitions(guideline.traverse_frame, meta=...)`` scales this out (Dask turns
object columns into strings unless ``dask.config.set({"dataframe.convert-string": False})``:
a list column would then arrive as its repr and be refused; ``;``-separated texts work
either way).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .errors import PatientError
from .model import FieldType
from .patient import coerce_cell

if TYPE_CHECKING:
    from .guideline import Guideline

__all__ = ["COLUMNS", "traverse_frame", "traverse_rows"]

COLUMNS = ("status", "leaf", "recommendations", "options", "excluded", "not_recommended",
           "missing", "error")
_LISTS = ("recommendations", "options", "excluded", "not_recommended", "missing")


def traverse_rows(guideline: Guideline, rows: Iterator[dict[str, Any]] | list[dict[str, Any]],
                  ) -> dict[str, list[Any]]:
    """The result columns for rows (mappings of column names to cells), as Python lists."""
    fields = guideline.fields
    texts = {name for name, spec in fields.items() if spec.type is not FieldType.CHOICE}
    evaluate = guideline.compiled.traverse
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for row in rows:
        try:
            patient = {}
            for name, cell in row.items():
                if name not in fields or cell is None or cell != cell:  # NaN: unknown
                    continue
                if isinstance(cell, str) and name in texts:
                    cell = coerce_cell(fields, name, cell)
                    if cell is None:
                        continue
                patient[name] = cell
            result = evaluate(patient)
        except PatientError as exc:
            for name in COLUMNS:
                out[name].append(None)
            out["error"][-1] = str(exc)
            continue
        for name, value in result.columns().items():
            out[name].append(value)
        out["error"].append(None)
    return out


def _arrow_rows(table: Any, fields: Any) -> list[dict[str, Any]]:
    names = [name for name in table.column_names if name in fields]
    rows: list[dict[str, Any]] = table.select(names).to_pylist()
    return rows


def traverse_frame(guideline: Guideline, frame: Any) -> Any:
    """The result columns for every row of ``frame`` (a ``pyarrow.Table``, a pandas or a
    polars DataFrame), as a frame of the same kind (see the module's conventions)."""
    module = type(frame).__module__.split(".")[0]
    if module == "pandas":
        import pandas as pd

        columns = [name for name in frame.columns if name in guideline.fields]
        rows = [{k: _python(v, pd.NA) for k, v in zip(columns, values, strict=True)}
                for values in frame[columns].itertuples(index=False, name=None)]
        out = traverse_rows(guideline, rows)
        return pd.DataFrame(out, index=frame.index, columns=list(COLUMNS), dtype=object)
    if module == "polars":
        import polars as pl

        columns = [name for name in frame.columns if name in guideline.fields]
        out = traverse_rows(guideline, frame.select(columns).to_dicts())
        return pl.DataFrame(out, schema={
            name: pl.List(pl.String) if name in _LISTS else pl.String for name in COLUMNS})
    if module == "pyarrow":
        import pyarrow as pa

        out = traverse_rows(guideline, _arrow_rows(frame, guideline.fields))
        return pa.table({name: pa.array(out[name], type=pa.list_(pa.string())
                                        if name in _LISTS else pa.string())
                         for name in COLUMNS})
    raise TypeError("traverse_frame takes a pyarrow Table, a pandas or a polars DataFrame "
                    f"(got {type(frame).__module__}.{type(frame).__name__})")


def _python(value: Any, missing: Any) -> Any:
    """A pandas cell as a Python value: numpy scalars and arrays made plain, pandas' NA
    (nullable and Arrow-backed columns, as Dask makes them) None."""
    if value is missing:
        return None
    kind = type(value).__module__
    if kind == "numpy":
        return value.tolist() if hasattr(value, "tolist") else value
    return value
