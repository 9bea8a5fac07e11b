"""Benchmark: ``nettree batch`` of a CSV cohort to JSON Lines, end to end (issue 11).

The baseline, measured in the same run on the same file: the hand-written if/else of
benchmarks/handwritten.py in a plain Python loop, reading with ``csv`` and writing one
``json.dumps`` line a row (status and options only: far less than a batch row). Then
``nettree batch`` as a command (a new process: start-up, load, read, evaluate, write), cold
(no classes kept) and warm (the classes, and the columnar path's table, the cold run kept:
nettree.store), warm again with pyarrow hidden (the row path), and the library call
``batch.run`` in this process, by columns and by rows. Prints each time and its ratio to
the baseline (below 1: faster than the hand-written loop). ``--memory`` also compares the
peak resident memory (VmHWM) of ``nettree batch`` over 100,000 and 1,000,000 rows.

    python benchmarks/bench_batch.py [--rows 200000] [--repeat 3] [--memory]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_traverse import patients  # benchmarks/bench_traverse.py
from handwritten import recommend  # benchmarks/handwritten.py

import nettree
from nettree import batch, columnar
from nettree.loader import _load_cached

FIELDS = ("differentiation", "metastatic", "primary_site", "ki67", "sstr_status", "functional",
          "tumor_volume", "burden_symptoms", "rapid_growth", "prior_therapies",
          "chemo_candidate", "high_hematologic_risk", "uncontrolled_hypertension",
          "uncontrolled_diabetes", "bone_dominant")
BOOLEANS = {"metastatic", "functional", "burden_symptoms", "rapid_growth", "chemo_candidate",
            "high_hematologic_risk", "uncontrolled_hypertension", "uncontrolled_diabetes",
            "bone_dominant"}


def write_cohort(path: Path, rows: int) -> None:
    """Random complete patients (bench_traverse.patients) as a CSV file with an id."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["patient_id", *FIELDS])
        for number, patient in enumerate(patients(rows)):
            cells = []
            for name in FIELDS:
                value = patient[name]
                if isinstance(value, bool):
                    value = "true" if value else "false"
                elif isinstance(value, list):
                    value = ";".join(value)
                cells.append(value)
            writer.writerow([f"P{number:07d}", *cells])


def handwritten_loop(source: Path, target: Path) -> None:
    """The baseline: csv in, the hand-written function, one json.dumps line out."""
    with source.open(newline="") as inp, target.open("w") as out:
        reader = csv.reader(inp)
        header = next(reader)
        for cells in reader:
            row = dict(zip(header, cells, strict=True))
            patient: dict[str, Any] = {}
            for name in FIELDS:
                text = row[name]
                if name in BOOLEANS:
                    patient[name] = text == "true"
                elif name == "ki67":
                    patient[name] = float(text)
                elif name == "prior_therapies":
                    patient[name] = [t for t in text.split(";") if t]
                else:
                    patient[name] = text
            status, options = recommend(patient)
            out.write(json.dumps({"patient_id": row["patient_id"], "status": status,
                                  "options": list(options)}) + "\n")


def library_run(source: Path, target: Path, *, by_rows: bool = False) -> int:
    """``batch.run`` in this process, the guideline loaded anew (its classes, or the
    columnar path's table, from the cache folder, when kept); with ``by_rows``, the
    columnar path turned off. Returns how many rows went by columns."""
    _load_cached.cache_clear()
    guideline = nettree.load("asco-gepnet-2023")
    real = columnar.csv_to_jsonl
    if by_rows:
        columnar.csv_to_jsonl = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            return batch.run(guideline, str(source), "csv", out, "jsonl").by_columns
    finally:
        columnar.csv_to_jsonl = real  # type: ignore[assignment]


# `nettree batch` with pyarrow hidden: the row path, as without the optional extra
_BY_ROWS = ("import sys; sys.modules['pyarrow'] = None; from nettree.cli import main; "
            "main(sys.argv[1:], prog_name='nettree')")


def command(source: Path, target: Path, env: dict[str, str], *, by_rows: bool = False,
            ) -> None:
    start = ["-c", _BY_ROWS] if by_rows else ["-m", "nettree"]
    subprocess.run([sys.executable, *start, "batch", str(source), "-o", str(target)],
                   check=False, env=env, capture_output=True)


def fastest(step: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs (load on a shared machine only adds time)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_kb(source: Path, target: Path, env: dict[str, str]) -> int:
    """Peak resident memory (KB) of ``nettree batch`` over ``source``."""
    code = ("import sys, runpy\n"
            f"sys.argv = ['nettree', 'batch', {str(source)!r}, '-o', {str(target)!r}]\n"
            "try:\n    runpy.run_module('nettree', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print(next(line.split()[1] for line in open('/proc/self/status')\n"
            "           if line.startswith('VmHWM:')))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env)
    return int(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", action="store_true",
                        help="also compare peak memory over 100,000 and 1,000,000 rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source, target = work / "cohort.csv", work / "out.jsonl"
        write_cohort(source, args.rows)
        env = {**os.environ, "NETTREE_CACHE_DIR": str(work / "cache")}
        cold_env = {**env, "NETTREE_CACHE": "off"}
        os.environ["NETTREE_CACHE_DIR"] = str(work / "cache")
        base = fastest(lambda: handwritten_loop(source, target), args.repeat)
        lines = [
            ("hand-written loop (csv, if/else, json)", base),
            ("nettree batch, cold (NETTREE_CACHE=off)",
             fastest(lambda: command(source, target, cold_env), args.repeat)),
        ]
        command(source, target, env)  # keeps the classes for the warm runs
        lines += [
            ("nettree batch, warm (classes kept)",
             fastest(lambda: command(source, target, env), args.repeat)),
            ("nettree batch, warm, by rows (no pyarrow)",
             fastest(lambda: command(source, target, env, by_rows=True), args.repeat)),
            ("batch.run in this process, warm", fastest(lambda: library_run(source, target),
                                                        args.repeat)),
            ("batch.run in this process, warm, by rows",
             fastest(lambda: library_run(source, target, by_rows=True), args.repeat)),
        ]
        by_columns = library_run(source, target)
        print(f"{args.rows:,} CSV rows to JSON Lines, the fastest of {args.repeat} runs "
              f"({by_columns:,} rows by columns)")
        for text, took in lines:
            print(f"  {text:44} {took:7.2f} s  {took / base:5.2f}x")
        print("  (target: at most 1x; aim: 0.2x)")
        if args.memory:
            small, large = work / "small.csv", work / "large.csv"
            write_cohort(small, 100_000)
            write_cohort(large, 1_000_000)
            low, high = peak_kb(small, target, env), peak_kb(large, target, env)
            print(f"\npeak memory of nettree batch: 100,000 rows {low / 1024:.1f} MB, "
                  f"1,000,000 rows {high / 1024:.1f} MB: {high / low:.2f}x (target: within 2x)")


if __name__ == "__main__":
    main()
