"""Benchmark: verifying and enumerating a guideline, against baselines run alongside.

Issue 4 sets the target: verifying and enumerating the bundled guideline "well under a second".
Reports the median time of each step over several runs, its ratio against a baseline measured
in the same run (one `load` of the guideline from a cleared cache), so the numbers compare
across machines, and whether `verify` + `enumerate --profiles` (as the two commands do it,
each exploring the patients anew) is under the target. A second baseline, traversals of the
example patients, gives the cost of one walk for scale.

Issue 7 adds a guideline whose 17 boolean fields only filters read (each drops its own
option): it took 66 s and 762 MB while every combination was a class; filters on such fields
are now kept with the class ("excluded if"). Its verify is reported against the same
baselines.

    python benchmarks/bench_verify.py [--repeat 3] [--guideline asco-gepnet-2023] [--target 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from timing import timed  # benchmarks/timing.py (the script's folder is on sys.path)

import nettree
from nettree.loader import _load_cached
from nettree.patient import read_patient_file
from nettree.table import paths_table, profiles_table
from nettree.verify import explore, verify

# The guideline with fields only filters read is the one the tests verify (tests/strategies.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from strategies import filters_guideline

PATIENTS = Path(__file__).resolve().parents[1] / "examples" / "patients"
TRAVERSALS = 1000
FILTER_FIELDS = 17


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--guideline", default="asco-gepnet-2023")
    parser.add_argument("--target", type=float, default=1.0,
                        help="seconds for verify + enumerate --profiles (default: 1)")
    args = parser.parse_args()
    guideline = nettree.load(args.guideline)
    patients = [read_patient_file(p) for p in sorted(PATIENTS.iterdir())] \
        if guideline.id == "asco-gepnet-2023" else [{}]

    def cold_load() -> object:
        _load_cached.cache_clear()
        return nettree.load(args.guideline)

    def traversals() -> None:
        for index in range(TRAVERSALS):
            guideline.traverse(patients[index % len(patients)])

    def both_commands() -> None:  # what `nettree verify` then `nettree enumerate --profiles` do
        verify(guideline)
        profiles_table(guideline, "csv")

    def both_shared() -> None:  # the same, exploring once
        exploration = explore(guideline)
        verify(guideline, exploration=exploration)
        profiles_table(guideline, "csv", exploration)

    folder = tempfile.TemporaryDirectory()
    filter_path = Path(folder.name) / "filter-fields.yaml"
    text = filters_guideline(FILTER_FIELDS, fallback=True, certain=True)
    filter_path.write_text(text, encoding="utf-8")
    filtered = nettree.load(filter_path)

    steps: dict[str, Callable[[], object]] = {
        "baseline: load from a cleared cache": cold_load,
        f"baseline: {TRAVERSALS} traversals": traversals,
        "explore (the patient classes)": lambda: explore(guideline),
        "verify (every check)": lambda: verify(guideline),
        "enumerate: paths table (csv)": lambda: paths_table(guideline, "csv"),
        "enumerate --profiles (csv)": lambda: profiles_table(guideline, "csv"),
        "enumerate --profiles (json)": lambda: profiles_table(guideline, "json"),
        "verify + enumerate --profiles": both_commands,
        "verify + enumerate --profiles, one explore": both_shared,
        f"verify, {FILTER_FIELDS} fields only filters read": lambda: verify(filtered),
    }
    results = {name: timed(step, args.repeat) for name, step in steps.items()}
    baseline = results["baseline: load from a cleared cache"]
    classes = len(explore(guideline).classes)
    print(f"{guideline.id}: {len(guideline.decisions)} decisions, {len(guideline.leaves)} "
          f"leaves, {classes} patient classes; median of {args.repeat} runs")
    for name, seconds in results.items():
        print(f"  {name:<44} {seconds * 1000:8.1f} ms   {seconds / baseline:7.2f} x load")
    walk = results[f"baseline: {TRAVERSALS} traversals"] / TRAVERSALS
    total = results["verify + enumerate --profiles"]
    explored = results["explore (the patient classes)"]
    print(f"  one traversal: {walk * 1e6:.0f} us; explore costs {explored / walk:.0f} of them")
    def verdict(seconds: float) -> str:
        return "well under" if seconds < args.target / 2 else (
            "under" if seconds < args.target else "NOT under")

    # Two readings of issue 4's "verifying and enumerating": the decision table that
    # `nettree enumerate` prints by default, and the far larger table of every class.
    table = results["verify (every check)"] + results["enumerate: paths table (csv)"]
    print(f"verify + enumerate (paths): {table:.3f} s, {verdict(table)} the target of "
          f"{args.target:g} s (issue 4: well under a second)")
    print(f"verify + enumerate --profiles: {total:.3f} s, {verdict(total)} the target of "
          f"{args.target:g} s (issue 11)")
    print(f"{FILTER_FIELDS} fields only filters read: {len(explore(filtered).classes)} patient "
          f"classes (2^{FILTER_FIELDS} = {2 ** FILTER_FIELDS} before issue 7)")
    commands(args.guideline, args.repeat, args.target)
    folder.cleanup()
    return 0


def commands(guideline: str, repeat: int, target: float) -> None:
    """``nettree verify`` then ``nettree enumerate --profiles`` as two commands (new
    processes), with no cache (NETTREE_CACHE=off: each explores) and with the exploration
    the first keeps for the second and later runs (nettree.store); against ``python -c
    pass`` run alike."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NETTREE_CACHE_DIR": cache}
        cold = {**env, "NETTREE_CACHE": "off"}

        def run(*argv: str, env: dict[str, str]) -> None:
            subprocess.run([sys.executable, *argv], env=env, check=False,
                           capture_output=True)

        def pair(env: dict[str, str]) -> None:
            run("-m", "nettree", "verify", guideline, env=env)
            run("-m", "nettree", "enumerate", guideline, "--profiles", "--format",
                "csv", env=env)

        def cpu(step: Callable[[], object]) -> tuple[float, float]:
            """Wall and processor time (user + system of the processes) of ``step``,
            the fastest of ``repeat`` runs: on a shared machine, processor time is
            what the commands cost, wall time what a user waits."""
            walls, cpus = [], []
            for _ in range(repeat):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                step()
                walls.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(after.ru_utime + after.ru_stime - before.ru_utime
                            - before.ru_stime)
            return min(walls), min(cpus)

        base = cpu(lambda: run("-c", "import yaml, click", env=env))
        pair(env)  # keeps the exploration
        lines = [('python -c "import yaml, click"', base),
                 ("verify + enumerate --profiles, no cache", cpu(lambda: pair(cold))),
                 ("verify + enumerate --profiles, kept", cpu(lambda: pair(env)))]
    print(f"as commands (new processes), the fastest of {repeat} runs (wall, processor):")
    for name, (wall, processor) in lines:
        print(f"  {name:<44} {wall * 1000:8.1f} ms {processor * 1000:8.1f} ms   "
              f"{processor / base[1]:5.1f} x the baseline")
    wall, processor = lines[-1][1]
    print(f"verify + enumerate --profiles as commands, exploration kept: {wall:.3f} s wall, "
          f"{processor:.3f} s processor: {'under' if processor < target else 'NOT under'} "
          f"the target of {target:g} s")


if __name__ == "__main__":
    sys.exit(main())
