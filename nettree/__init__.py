"""nettree: clinical practice guidelines as verified decision graphs.

Load a guideline (a bundled id or a file path), then traverse it for a patient:

>>> import nettree
>>> guideline = nettree.load("asco-gepnet-2023")
>>> result = guideline.traverse({
...     "differentiation": "well", "metastatic": True, "primary_site": "gi",
...     "ki67": 5, "sstr_status": "positive", "functional": False,
...     "prior_therapies": ["ssa"]})
>>> result.status, result.option_ids, result.recommendations
('recommendation', ('prrt',), ('2.3',))

``result.to_dict()`` is exactly what ``nettree traverse --json`` prints.
"""

from __future__ import annotations

from .errors import GuidelineError, GuidelineNotFoundError, NettreeError, PatientError, Problem
from .guideline import Guideline
from .loader import bundled_guidelines, load
from .result import Result

__all__ = [
    "Guideline",
    "GuidelineError",
    "GuidelineNotFoundError",
    "NettreeError",
    "PatientError",
    "Problem",
    "Result",
    "__version__",
    "bundled_guidelines",
    "load",
]

__version__ = "0.1.0"
