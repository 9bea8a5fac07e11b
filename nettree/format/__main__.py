"""``python -m nettree.format --update-docs`` rewrites the key tables of graphs/README.md from
the format's declaration; ``--check-docs`` exits 1 if they are stale."""

from __future__ import annotations

import sys

from . import docs


def main(argv: list[str]) -> int:
    if argv == ["--update-docs"]:
        print(f"{docs.README}: {'updated' if docs.update() else 'up to date'}")
        return 0
    if argv == ["--check-docs"]:
        if docs.stale():
            print(f"{docs.README}: the key tables are stale; run python -m nettree.format "
                  f"--update-docs", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m nettree.format --update-docs | --check-docs", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
