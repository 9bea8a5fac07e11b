"""The key tables of ``graphs/README.md``, generated from the format's declaration.

The README marks each generated region with ``<!-- BEGIN generated: NAME -->`` and
``<!-- END generated: NAME -->``; :func:`update` rewrites them (``python -m nettree.format
--update-docs``) and :func:`stale` names the regions that differ (a test fails on them).
"""

from __future__ import annotations

import re
from pathlib import Path

from .declare import RECORDS, Record

__all__ = ["README", "regions", "stale", "update"]

README = Path(__file__).resolve().parents[2] / "graphs" / "README.md"


def _table(record: Record) -> list[str]:
    lines = ["| key | required | value | what |", "|---|---|---|---|"]
    for key in record.keys:
        lines.append(f"| `{key.name}` | {'yes' if key.required else 'no'} | {key.kind} | "
                     f"{key.doc} |")
    return lines


def regions() -> dict[str, str]:
    """Each generated region's text, by name."""
    records: list[str] = []
    for record in RECORDS.values():
        if record.name == "guideline":
            continue
        records += ["", f"### {record.name}", "", f"{record.doc[0].upper()}{record.doc[1:]}."]
        records += ["", *_table(record)]
    return {"top level": "\n".join(_table(RECORDS["guideline"])),
            "records": "\n".join(records).strip("\n")}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- BEGIN generated: {re.escape(name)} -->\n)(?:.*?\n)?"
                      rf"(<!-- END generated: {re.escape(name)} -->)", re.S)


def _render(text: str) -> str:
    for name, body in regions().items():
        pattern = _pattern(name)
        if not pattern.search(text):
            raise ValueError(f"{README}: no generated region {name!r}")
        match = pattern.search(text)
        assert match is not None
        text = f"{text[:match.end(1)]}{body}\n{text[match.start(2):]}"
    return text


def stale(path: Path = README) -> bool:
    """True if the generated regions of ``path`` differ from the declaration."""
    text = path.read_text(encoding="utf-8")
    return _render(text) != text


def update(path: Path = README) -> bool:
    """Rewrite the generated regions of ``path``; True if it changed."""
    text = path.read_text(encoding="utf-8")
    new = _render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
