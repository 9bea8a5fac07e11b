"""Benchmark: one patient at a time, against ENCODING.md written by hand (issue 11, item 7).

Per patient, on the same random patients in the same run: the hand-written if/else of
benchmarks/handwritten.py (the baseline), ``Guideline.traverse`` (the compiled evaluator,
warm: its class cache already filled once), the interpreter (``compiled=False``), and the
JSON of a result (``Compiled.to_json`` against ``json.dumps(traverse().to_dict())``).
Then the peak memory (ru_maxrss of a fresh process) of evaluating 100,000 and 1,000,000
patients one after another, and their ratio. Prints ratios, not only times, so they compare
across machines. Target: traverse at most 3x the hand-written function; memory at 1M within
2x of 100k.

    python benchmarks/bench_traverse.py [--patients 20000] [--repeat 5] [--memory]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from handwritten import recommend  # benchmarks/handwritten.py

import nettree

HERE = Path(__file__).resolve().parent


def patients(count: int, seed: int = 11, *, partial: bool = False) -> Iterator[dict[str, Any]]:
    """Random complete patients (Ki-67 to one decimal, so results echo varied numbers);
    ``partial``: each field dropped with probability 1/4."""
    rng = random.Random(seed)
    choice, boolean = rng.choice, (True, False)
    therapies = ("ssa", "prrt", "everolimus", "sunitinib", "chemotherapy")
    for _ in range(count):
        patient: dict[str, Any] = {
            "differentiation": "well" if rng.random() < 0.9 else "poor",
            "metastatic": rng.random() < 0.9,
            "primary_site": choice(("gi", "pancreas", "pancreas", "gi", "other")),
            "ki67": round(rng.uniform(0, 40), 1),
            "sstr_status": choice(("positive", "positive", "negative", "unknown")),
            "functional": choice(boolean),
            "tumor_volume": choice(("low", "high")),
            "burden_symptoms": choice(boolean),
            "rapid_growth": choice(boolean),
            "prior_therapies": [t for t in therapies if rng.random() < 0.2],
            "chemo_candidate": rng.random() < 0.8,
            "high_hematologic_risk": rng.random() < 0.1,
            "uncontrolled_hypertension": rng.random() < 0.1,
            "uncontrolled_diabetes": rng.random() < 0.1,
            "bone_dominant": rng.random() < 0.2,
        }
        if partial:
            patient = {k: v for k, v in patient.items() if rng.random() >= 0.25}
        yield patient


def best(step: Callable[[Any], object], cohort: list[dict[str, Any]], repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``step`` over the cohort, in seconds a patient (the
    fastest, not the median: the machine is shared, and load only ever adds time). Each
    result is dropped as it comes, as a loop over a cohort would."""
    if not cohort:
        return math.inf
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for patient in cohort:
            step(patient)
        times.append(time.perf_counter() - start)
    return min(times) / len(cohort)


def memory(count: int) -> int:
    """Peak resident memory (KB) of a fresh process evaluating ``count`` patients (VmHWM:
    ru_maxrss would carry this process's own peak over into the child, on Linux)."""
    code = (
        f"import sys; sys.path.insert(0, {str(HERE)!r})\n"
        "import nettree\nfrom bench_traverse import patients\n"
        "g = nettree.load('asco-gepnet-2023')\n"
        f"for r in g.traverse_many(patients({count})): pass\n"
        "print(next(line.split()[1] for line in open('/proc/self/status')\n"
        "           if line.startswith('VmHWM:')))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    return int(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory", action="store_true",
                        help="also measure peak memory over 100,000 and 1,000,000 patients")
    args = parser.parse_args()
    guideline = nettree.load("asco-gepnet-2023")
    n = args.patients
    print(f"{n} patients a run, the fastest of {args.repeat} runs; cache bound "
          f"{guideline.compiled.maxsize} classes")
    base = 0.0
    for label, partial in (("complete", False), ("partial", True)):
        cohort = list(patients(n, partial=partial))
        compiled = guideline.compiled
        compiled.cache_clear()
        fill = best(compiled.traverse, cohort, 1)  # cold: fills the class cache
        cold = compiled.cache_info()  # how many patients of the cold pass shared a class
        quarter = cohort[: n // 4]

        def reference(patient: dict[str, Any]) -> object:
            return guideline.traverse(patient, compiled=False)

        def reference_json(patient: dict[str, Any]) -> object:
            return json.dumps(reference(patient).to_dict(), ensure_ascii=False)

        # Interleaved, so that a burst of load on the machine hits every line alike.
        times: dict[str, float] = {}
        for _ in range(args.repeat):
            for name, step, group in (("hand", recommend, [] if partial else cohort),
                                      ("warm", guideline.traverse, cohort),
                                      ("interp", reference, quarter),
                                      ("json", compiled.to_json, cohort),
                                      ("json_ref", reference_json, quarter)):
                took = best(step, group, 1)
                times[name] = min(times.get(name, took), took)
        if not partial:
            base = times["hand"]
        info = compiled.cache_info()
        print(f"\n{label} patients ({info.currsize} classes in the cache; the cold pass "
              f"found {cold.hits / n:.0%} of its patients' classes already there)")
        lines = [("hand-written if/else (complete)", base),
                 ("traverse(), compiled, warm", times["warm"]),
                 ("traverse(), compiled, cold", fill),
                 ("traverse(), interpreter", times["interp"]),
                 ("JSON, compiled (to_json)", times["json"]),
                 ("JSON, interpreter + dumps", times["json_ref"])]
        for text, took in lines:
            target = "   (target: at most 3x)" if text.endswith("warm") else ""
            print(f"  {text:34} {took * 1e6:8.2f} us  {took / base:6.2f}x{target}")
    if args.memory:
        small, large = memory(100_000), memory(1_000_000)
        print(f"\npeak memory: 100,000 patients {small / 1024:.1f} MB, 1,000,000 patients "
              f"{large / 1024:.1f} MB: {large / small:.2f}x (target: within 2x)")
    print(f"\n(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
