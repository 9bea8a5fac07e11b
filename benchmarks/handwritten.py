"""ENCODING.md (graphs/sources/asco-gepnet-2023-ENCODING.md) written by hand as if/else.

The baseline the benchmarks measure nettree against: what a programmer would write for one
guideline, for complete patients only (every decision field known; defaults as the table in
section 2 gives them). It answers the status and the options, nothing else: no path, no
citations, no notes. tests/test_handwritten.py checks it against the graph on random
complete patients.
"""

from __future__ import annotations

from typing import Any

# Section 3's order (the guideline lists its options in it).
ORDER = ("observation", "ssa", "ssa_continuation", "everolimus", "sunitinib", "chemotherapy",
         "prrt", "sstr_pet", "mdt_discussion")


def grade_of(ki67: float) -> str:
    """WHO 2019: G1 below 3, G2 from 3 to 20 inclusive, G3 above 20."""
    return "G1" if ki67 < 3 else ("G2" if ki67 <= 20 else "G3")


def recommend(patient: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """(status, option ids in section 3's order) for a complete patient."""
    get = patient.get
    # Scope, S1-S4.
    if get("differentiation") == "poor" or get("metastatic") is False \
            or get("primary_site") == "other":
        return "out_of_scope", ()
    sstr = get("sstr_status") or "unknown"
    if sstr == "unknown":
        return "needs_information", ("sstr_pet",)
    grade = get("grade")
    if grade is None:
        grade = grade_of(get("ki67"))
    prior = frozenset(get("prior_therapies") or ())
    first = not prior
    functional = get("functional")
    volume = get("tumor_volume")
    burden = get("burden_symptoms")
    positive = sstr == "positive"
    negative = sstr == "negative"
    low_asymptomatic = volume == "low" and burden is False
    chemo_candidate = get("chemo_candidate")
    chemo_candidate = True if chemo_candidate is None else chemo_candidate
    high_risk = get("high_hematologic_risk") is True

    offered: set[str] = set()
    if get("primary_site") == "gi":  # 2.1-2.4
        if first:
            if positive or functional:
                offered.add("ssa")
            if not functional and low_asymptomatic:
                offered.add("observation")
            if negative:
                offered.add("everolimus")
        else:
            if positive and "ssa" in prior:
                offered.add("prrt")
                if functional:
                    offered.add("ssa_continuation")
            if negative or functional or (positive and (high_risk or "prrt" in prior)):
                offered.add("everolimus")
    else:  # pancreas, 3.1-3.4
        if first:
            if positive or functional:
                offered.add("ssa")
            if not functional and low_asymptomatic:
                offered.add("observation")
            if not low_asymptomatic:
                offered.add("chemotherapy")
                if chemo_candidate is False:
                    offered.update(("sunitinib", "everolimus"))
                    if positive:
                        offered.add("prrt")
        if negative:
            offered.update(("chemotherapy", "everolimus", "sunitinib"))
        if not first:
            offered.update(("chemotherapy", "everolimus", "sunitinib"))
            if positive:
                offered.add("prrt")
            if functional and positive and "ssa" in prior:
                offered.add("ssa_continuation")

    if grade == "G3":  # 4.1
        rapid = get("rapid_growth")
        offered.discard("observation")
        if not (first and positive and volume == "low" and not burden and not rapid):
            offered.discard("ssa")
        if "prrt" in offered:
            if positive and not rapid and volume == "low" and "ssa" in prior:
                offered.add("ssa_continuation")
            else:
                offered.discard("prrt")
        if rapid or volume == "high" or burden:
            offered.add("chemotherapy")

    offered -= prior  # F1
    if get("uncontrolled_hypertension") is True:  # F2
        offered.discard("sunitinib")
    if get("uncontrolled_diabetes") is True:
        offered.discard("everolimus")
    if high_risk:
        offered.discard("prrt")
    if chemo_candidate is False:
        offered.discard("chemotherapy")
    if "prrt" not in offered:  # F3
        offered.discard("ssa_continuation")
    if not offered:  # F4
        return "recommendation", ("mdt_discussion",)
    return "recommendation", tuple(o for o in ORDER if o in offered)
