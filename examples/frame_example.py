"""A cohort at once: results for every row of a DataFrame, then counted.

Needs ``pip install nettree[frames] pandas``. Run from any directory:

    python examples/frame_example.py

Each row is a patient (columns named after the guideline's fields; others, like
``patient_id``, are ignored by the evaluation and joined back on the index). A row with a
bad value gets its error in the ``error`` column and the rest of the table goes on. For a
cohort larger than one machine, the same call runs per partition of a Dask DataFrame:
``ddf.map_partitions(guideline.traverse_frame, meta=...)``.
"""

from __future__ import annotations

import pandas as pd

import nettree

cohort = pd.DataFrame([
    {"patient_id": "p1", "differentiation": "well", "metastatic": True,
     "primary_site": "pancreas", "grade": "G2", "sstr_status": "positive",
     "functional": False, "tumor_volume": "high", "burden_symptoms": False},
    {"patient_id": "p2", "differentiation": "well", "metastatic": True, "primary_site": "gi",
     "ki67": 5, "sstr_status": "positive", "functional": False,
     "prior_therapies": "ssa"},  # a text cell: read as a CSV cell would be
    {"patient_id": "p3", "differentiation": "well", "metastatic": True, "primary_site": "gi",
     "grade": "G1"},  # SSTR status unknown: needs information
    {"patient_id": "p4", "differentiation": "poor", "primary_site": "pancreas"},
    {"patient_id": "p5", "differentiation": "well", "metastatic": "sometimes"},  # invalid
])

guideline = nettree.load("asco-gepnet-2023")
results = guideline.traverse_frame(cohort)
table = cohort[["patient_id"]].join(results)
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 60)
print(table[["patient_id", "status", "options", "missing", "error"]].to_string(index=False))
print()
print(table["status"].value_counts(dropna=False).to_string())
