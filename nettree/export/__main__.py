"""``python -m nettree.export``: redraw, or check, the diagrams kept in ``graphs/``.

    python -m nettree.export --update-bundled   # write graphs/ID.{dot,mmd,html,svg}
    python -m nettree.export --check            # list stale files; exit 1 if any
"""

from __future__ import annotations

import argparse
import sys

from ..errors import NettreeError
from .bundled import check, graphs_dir, update


def main(argv: list[str] | None = None) -> int:
    """Run the command; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m nettree.export",
        description="Redraw (or check) the diagrams of the bundled guidelines in graphs/: "
                    "DOT, Mermaid, HTML and SVG (the SVG needs Graphviz's dot).")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--update-bundled", action="store_true",
                       help="write graphs/ID.dot, .mmd, .html and .svg for every graphs/ID.yaml")
    group.add_argument("--check", action="store_true",
                       help="list the diagrams that are stale or missing; exit 1 if any")
    args = parser.parse_args(argv)
    if not graphs_dir().is_dir():
        print(f"nettree: error: no graphs/ folder at {graphs_dir()}: run this from a checkout "
              f"of the repository", file=sys.stderr)
        return 1
    try:
        if args.check:
            stale = check()
            for path in stale:
                print(f"stale: {path}")
            if stale:
                print("redraw them with: python -m nettree.export --update-bundled",
                      file=sys.stderr)
                return 1
            print(f"up to date: the diagrams in {graphs_dir()}")
            return 0
        for path in update():
            print(f"wrote {path}")
        return 0
    except NettreeError as exc:
        print(f"nettree: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
