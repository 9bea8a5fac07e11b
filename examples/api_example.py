"""Traverse the bundled ASCO GEP-NET guideline for one patient with nettree's public API.

Run it from any directory: ``python examples/api_example.py``.
"""

import json

import nettree

guideline = nettree.load("asco-gepnet-2023")

# A G3 panNET (Ki-67 25%), SSTR-positive, low volume, progressed on an SSA, uncontrolled diabetes.
patient = {
    "differentiation": "well", "metastatic": True, "primary_site": "pancreas", "ki67": 25,
    "sstr_status": "positive", "functional": False, "tumor_volume": "low",
    "burden_symptoms": False, "rapid_growth": False, "prior_therapies": ["ssa"],
    "uncontrolled_diabetes": True,
}
result = guideline.traverse(patient)

print(f"Status: {result.status}")
for option in result.options:
    print(f"Option: {option.label} [{option.id}]")
    for cite in option.cites:
        if cite in guideline.statements:  # notes and qualifying statements
            rec_id = guideline.recommendation_of(cite)
            print(f"  {cite}: statement of recommendation {rec_id} (not rated separately)")
        else:
            print(f"  {cite}: {guideline.describe_rating(guideline.recommendation(cite))}")
for excluded in result.excluded:
    print(f"Excluded: {excluded.label} [{excluded.id}]: {excluded.reason}")
print(f"Missing: {', '.join(result.missing) or 'nothing'}")
print(json.dumps(result.to_dict()))
