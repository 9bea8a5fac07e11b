"""What ``import nettree`` pulls in, checked in a fresh interpreter.

``import nettree`` must stay light: click (the CLI), yaml and networkx (loading a guideline)
and hypothesis (tests) are imported only by the code that needs them. Like click's own
tests/test_imports.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("click", "dask", "hypothesis", "networkx", "pandas", "polars", "pyarrow", "yaml")

PROBE = f"""
import json, sys
heavy = {HEAVY!r}

def loaded():
    return sorted({{name.split(".")[0] for name in sys.modules}} & set(heavy))

import nettree
after_import = loaded()
guideline = nettree.load("asco-gepnet-2023")
guideline.traverse({{"differentiation": "poor"}})
after_load = loaded()
print(json.dumps({{"after_import": after_import, "after_load": after_load}}))
"""


def probe() -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_import_nettree_is_light() -> None:
    assert probe()["after_import"] == []


def test_load_imports_yaml_but_not_networkx_or_click() -> None:
    assert probe()["after_load"] == ["yaml"]
