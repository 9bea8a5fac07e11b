"""The engine knows nothing about the bundled guideline's disease.

Every module of the ``nettree`` package is read with :mod:`ast` and :mod:`tokenize`: no
identifier, comment or string literal may contain a word of the bundled neuroendocrine-tumour
guideline. Docstrings (of modules, classes and functions) are documentation and may show the
bundled guideline in examples, so they are left out. Everything the engine knows about a
disease must come from a guideline file.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

import nettree

PACKAGE = Path(nettree.__file__).resolve().parent
WORDS = (
    "sstr", "somatostatin", "prrt", "everolimus", "sunitinib", "neuroendocrine", "gepnet",
    "gep-net", "pannet", "ki67", "ki-67", "octreotide", "lanreotide", "captem", "asco",
)
_STRING_TOKENS = {tokenize.STRING} | {
    getattr(tokenize, name) for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE")
    if hasattr(tokenize, name)
}


def _words_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in WORDS if word in lowered]


def _docstring_starts(tree: ast.Module) -> set[tuple[int, int]]:
    """(line, column) where each module, class and function docstring begins."""
    starts = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                starts.add((body[0].lineno, body[0].col_offset))
    return starts


def _identifiers(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, name) of every name the code defines or uses."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name):
            found.append((line, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((line, node.attr))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((line, node.name))
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            found.append((line, node.arg))
        elif isinstance(node, ast.alias):
            found += [(line, name) for name in (node.name, node.asname) if name]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((line, node.module))
        elif isinstance(node, ast.Global | ast.Nonlocal):
            found += [(line, name) for name in node.names]
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            found.append((line, node.name))
        elif isinstance(node, ast.MatchClass | ast.MatchMapping):
            names = getattr(node, "kwd_attrs", None) or []
            rest = getattr(node, "rest", None)
            found += [(line, name) for name in [*names, rest] if name]
    return found


def disease_words(path: Path) -> list[str]:
    """Every forbidden word in ``path`` outside docstrings, as ``file:line: kind 'text'``."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    docstrings = _docstring_starts(tree)
    hits = []
    for line, name in _identifiers(tree):
        if _words_in(name):
            hits.append(f"{path.name}:{line}: identifier {name!r}")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            kind = "comment"
        elif token.type in _STRING_TOKENS and token.start not in docstrings:
            kind = "string"
        else:
            continue
        if _words_in(token.string):
            hits.append(f"{path.name}:{token.start[0]}: {kind} {token.string!r}")
    return sorted(set(hits), key=lambda hit: (int(hit.split(":")[1]), hit))


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_modules() -> None:
    names = {path.name for path in _modules()}
    assert {"loader.py", "traverse.py", "conditions.py", "model.py", "cli.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_disease_words_in_the_engine(path: Path) -> None:
    hits = disease_words(path)
    assert not hits, "the engine names the bundled guideline's disease:\n" + "\n".join(hits)


# ---------------------------------------------------------------- the check itself

SCRATCH = '''"""Module docstring: nettree.load("asco-gepnet-2023") is fine here."""

import os as sstr_os  # a plain comment


class Reader:
    """Class docstring: Ki-67 and PRRT are fine here."""

    def prrt_dose(self, ki67):
        """Function docstring: everolimus is fine here."""
        label = "Somatostatin analog"
        """A bare string that is not a docstring: octreotide."""
        return label + str(ki67) + sstr_os.sep  # GEP-NET


def other(x=1, **kw):
    return other(captem=x)
'''


def test_the_check_finds_words_outside_docstrings(tmp_path: Path) -> None:
    path = tmp_path / "scratch.py"
    path.write_text(SCRATCH, encoding="utf-8")
    assert disease_words(path) == [
        "scratch.py:3: identifier 'sstr_os'",
        "scratch.py:9: identifier 'ki67'",
        "scratch.py:9: identifier 'prrt_dose'",
        "scratch.py:11: string '\"Somatostatin analog\"'",
        "scratch.py:12: string '\"\"\"A bare string that is not a docstring: octreotide.\"\"\"'",
        "scratch.py:13: comment '# GEP-NET'",
        "scratch.py:13: identifier 'ki67'",
        "scratch.py:13: identifier 'sstr_os'",
        "scratch.py:17: identifier 'captem'",
    ]


def test_the_check_passes_a_clean_module(tmp_path: Path) -> None:
    path = tmp_path / "clean.py"
    path.write_text('"""Docstring: SSTR."""\n\nx = "sore throat"  # fine\n', encoding="utf-8")
    assert disease_words(path) == []
