"""``nettree.load`` finds the bundled guidelines in an installed wheel, not only in a checkout.

The wheel is built offline from this checkout (hatchling comes with the ``test`` extra),
unzipped, and used from another directory with ``PYTHONPATH`` pointing at it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = "asco-gepnet-2023"

PROBE = f"""
import json, sys
from pathlib import Path
import nettree

guideline = nettree.load({BUNDLED!r})
result = guideline.traverse({{
    "differentiation": "well", "metastatic": True, "primary_site": "gi", "ki67": 5,
    "sstr_status": "positive", "functional": False, "prior_therapies": ["ssa"]}})
print(json.dumps({{
    "module": nettree.__file__,
    "bundled": {{k: str(v) for k, v in nettree.bundled_guidelines().items()}},
    "path": str(guideline.path),
    "source": str(guideline.source) if guideline.source else None,
    "source_exists": bool(guideline.source and Path(guideline.source).is_file()),
    "recommendations": len(guideline.recommendations),
    "status": result.status,
    "options": list(result.option_ids),
}}))
"""


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling "
                        "(pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(out.glob("nettree-*.whl"))
    assert len(wheels) == 1, wheels
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        assert f"nettree/_graphs/{BUNDLED}.yaml" in names
        assert f"nettree/_graphs/sources/{BUNDLED}-recommendations.txt" in names
        assert "nettree/py.typed" in names
        wheel.extractall(target)
    return target


def run_from_wheel(unzipped: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(unzipped)}
    env.pop("NETTREE_GUIDELINE", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_load_and_traverse_from_the_wheel(unzipped: Path, tmp_path: Path) -> None:
    done = run_from_wheel(unzipped, tmp_path, "-c", PROBE)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    package = unzipped / "nettree"
    assert Path(got["module"]).resolve() == (package / "__init__.py").resolve()
    assert got["bundled"] == {BUNDLED: str((package / "_graphs" / f"{BUNDLED}.yaml").resolve())}
    assert Path(got["path"]).resolve().parent == (package / "_graphs").resolve()
    assert got["source"] is not None and got["source_exists"]
    assert Path(got["source"]).resolve().is_relative_to(package.resolve())
    assert got["recommendations"] == 12
    assert got["status"] == "recommendation"
    assert got["options"] == ["prrt"]


def test_cli_lists_the_bundled_guideline_from_the_wheel(unzipped: Path, tmp_path: Path) -> None:
    done = run_from_wheel(unzipped, tmp_path, "-m", "nettree", "list")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{BUNDLED}\t")
    done = run_from_wheel(unzipped, tmp_path, "-m", "nettree", "show")
    assert done.returncode == 0, done.stderr
    assert "Del Rivero J" in done.stdout
