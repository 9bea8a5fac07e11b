"""Benchmark: drawing the whole bundled guideline as SVG, against a baseline run alongside.

Reports the median time of each step and ratios against a baseline measured in the same run
(so the numbers compare across machines): ``dot`` drawing a trivial two-node graph, which is
mostly the cost of starting the program.

    python benchmarks/bench_render.py [--repeat 15] [--guideline asco-gepnet-2023]
"""

from __future__ import annotations

import argparse
import sys

from timing import timed  # benchmarks/timing.py (the script's folder is on sys.path)

import nettree
from nettree.export import export, render
from nettree.export.backend import find_dot, run_dot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--guideline", default="asco-gepnet-2023")
    args = parser.parse_args()
    if find_dot() is None:
        print("Graphviz's dot is not installed (apt-get install graphviz)", file=sys.stderr)
        return 1
    guideline = nettree.load(args.guideline)
    dot_text = export(guideline, "dot")
    steps = {
        "baseline: dot -Tsvg on a 2-node graph": lambda: run_dot("digraph { a -> b }", "svg"),
        "export DOT text (pure Python)": lambda: export(guideline, "dot"),
        "dot -Tsvg on the guideline's DOT": lambda: run_dot(dot_text, "svg"),
        "render(guideline, 'svg'), end to end": lambda: render(guideline, "svg"),
        "export HTML page (layout in Python)": lambda: export(guideline, "html"),
    }
    results = {name: timed(step, args.repeat) for name, step in steps.items()}
    baseline = next(iter(results.values()))
    print(f"{guideline.id}: {len(guideline.decisions)} decisions, {len(guideline.leaves)} "
          f"leaves; median of {args.repeat} runs")
    for name, seconds in results.items():
        print(f"  {name:<42} {seconds * 1000:8.1f} ms   {seconds / baseline:6.1f} x baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
