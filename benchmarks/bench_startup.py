"""Benchmark: the cold start of ``nettree traverse FILE``, against importing its libraries.

Issue 8's target: a cold ``nettree traverse FILE`` (a new Python process: import, load the
bundled guideline, traverse, print) at most 3.5x the time of ``python -c "import yaml, click"``
measured in the same run. Both are whole processes started the same way, so the ratio
compares across machines. Also reports which heavy modules the traverse process imported.

    python benchmarks/bench_startup.py [--repeat 15] [--patient PATIENT_FILE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from timing import timed  # benchmarks/timing.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
TARGET = 3.5

PROBE = """
import sys, runpy
sys.argv = ["nettree", "traverse", {patient!r}]
try:
    runpy.run_module("nettree", run_name="__main__")
except SystemExit:
    pass
heavy = sorted(m for m in ("networkx", "jsonschema", "rich") if m in sys.modules)
print("HEAVY", ",".join(heavy) or "none", file=sys.stderr)
"""


# As a user runs it: compiled bytecode cached (some shells and CI set PYTHONDONTWRITEBYTECODE,
# which would make every run compile nettree's and the libraries' sources again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(*args: str) -> None:
    subprocess.run([sys.executable, *args], check=True, capture_output=True, env=ENV)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--patient",
                        default=str(ROOT / "examples" / "patients" / "pan-g2-high-volume.json"))
    args = parser.parse_args()
    steps = {
        "baseline: python -c 'import yaml, click'": lambda: _run("-c", "import yaml, click"),
        "python -c 'pass' (the interpreter alone)": lambda: _run("-c", "pass"),
        "nettree traverse FILE, cold": lambda: _run("-m", "nettree", "traverse", args.patient),
    }
    results = {name: timed(step, args.repeat) for name, step in steps.items()}
    baseline = next(iter(results.values()))
    print(f"cold start, median of {args.repeat} runs")
    for name, seconds in results.items():
        print(f"  {name:<44} {seconds * 1000:8.1f} ms   {seconds / baseline:5.2f} x baseline")
    ratio = results["nettree traverse FILE, cold"] / baseline
    probe = subprocess.run([sys.executable, "-c", PROBE.format(patient=args.patient)],
                           capture_output=True, text=True, check=False, env=ENV)
    heavy = [line for line in probe.stderr.splitlines() if line.startswith("HEAVY")]
    print(f"  heavy modules imported by traverse: {heavy[0].split(' ', 1)[1] if heavy else '?'}")
    print(f"  target: at most {TARGET}x the baseline: {'met' if ratio <= TARGET else 'NOT met'} "
          f"({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
