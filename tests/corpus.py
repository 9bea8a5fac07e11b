"""Every guideline file in the repository, in one place.

The properties that must hold for any guideline (the compiled evaluator equals the interpreter,
an answer given with unknowns equals every completion's, the JSON Schema accepts the file, one
misspelt key is one problem, fuzzed patients never crash) take their files from here, so a new
guideline in graphs/, tests/guidelines/ or examples/guidelines/ is checked by all of them.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The bundled guidelines (graphs/), the fictional test guidelines, and the example guidelines.
BUNDLED = sorted((ROOT / "graphs").glob("*.yaml"))
TEST_GUIDELINES = sorted((ROOT / "tests" / "guidelines").glob("*.yaml"))
EXAMPLE_GUIDELINES = sorted((ROOT / "examples" / "guidelines").glob("*.yaml"))
EVERY_GUIDELINE = [*BUNDLED, *TEST_GUIDELINES, *EXAMPLE_GUIDELINES]
