"""The Mermaid output renders with Mermaid itself (mermaid-cli, ``mmdc``), where installed.

mmdc is not a dependency: this test runs where ``mmdc`` is on PATH (or NETTREE_MMDC names
it) and Chromium is present, and is skipped elsewhere. Set it up with
``npm install @mermaid-js/mermaid-cli`` (PUPPETEER_SKIP_DOWNLOAD=1) and Debian's chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import nettree
from nettree.export import export
from nettree.patient import read_patient_file

ROOT = Path(__file__).resolve().parents[1]
MMDC = os.environ.get("NETTREE_MMDC") or shutil.which("mmdc")
CHROMIUM = os.environ.get("NETTREE_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.mermaid_cli
@pytest.mark.parametrize("variant", ["whole", "path", "sore-throat"])
def test_mermaid_renders_with_mermaid_cli(variant: str, tmp_path: Path) -> None:
    if not MMDC or not Path(CHROMIUM).exists():
        pytest.skip("mmdc (@mermaid-js/mermaid-cli) or chromium is not installed")
    if variant == "sore-throat":
        text = export(nettree.load(ROOT / "tests" / "guidelines" / "example-sore-throat.yaml"),
                      "mermaid")
    else:
        guideline = nettree.load("asco-gepnet-2023")
        result = None
        if variant == "path":
            patient = read_patient_file(ROOT / "examples" / "patients" / "gi-g1-sstr-unknown.json")
            result = guideline.traverse(patient)
        text = export(guideline, "mermaid", result=result)
    source = tmp_path / "chart.mmd"
    source.write_text(text, encoding="utf-8")
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": CHROMIUM,
                                  "args": ["--no-sandbox", "--disable-gpu", "--no-first-run",
                                           "--disable-background-networking"]}),
                      encoding="utf-8")
    out = tmp_path / "chart.svg"
    done = subprocess.run([MMDC, "-p", str(config), "-i", str(source), "-o", str(out)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    svg = out.read_text(encoding="utf-8")
    assert "Syntax error" not in svg
    root = ET.fromstring(svg)
    labels = "".join(root.itertext())
    assert "Is the tumour well" in labels or "airway compromise" in labels


def test_mermaid_cli_present_where_ci_runs() -> None:
    """On CI (CI=true) the Mermaid rendering tests must not be skipped: .ci/run installs
    mermaid-cli and names it in NETTREE_MMDC."""
    if os.environ.get("CI") != "true":
        pytest.skip("only checked on CI")
    assert MMDC and Path(MMDC).exists(), "CI must install @mermaid-js/mermaid-cli"
    assert Path(CHROMIUM).exists(), "CI must install Debian's chromium"
