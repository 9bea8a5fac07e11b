"""Diagrams speak the guideline file's display words (fields' `label` and `phrases`), and
`--conditions raw` keeps the conditions as the file writes them (issue 10, item 1)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nettree
from nettree.export import export, render

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patients" / "pan-g2-high-volume.json"


def _field_names(text: str, guideline: nettree.Guideline) -> list[str]:
    """Field names written as names: any with an underscore, or a name followed by an
    operator (``functional = true``; "non-functional tumour" is a phrase, not a name)."""
    operator = r" (=|\u2260|&lt;|&gt;|\u2264|\u2265|in|not) "
    return [name for name in guideline.fields
            if ("_" in name and name in text) or re.search(rf"\b{re.escape(name)}{operator}", text)]


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
def test_default_svg_names_no_field_and_no_option_id() -> None:
    guideline = nettree.load("asco-gepnet-2023")
    svg = render(guideline, "svg").decode()
    assert _field_names(svg, guideline) == []
    for option in guideline.options:
        assert f"[{option}]" not in svg, option
    assert "progressed on an SSA" in svg
    assert "not a candidate for chemotherapy" in svg


def test_raw_conditions_keep_the_file_syntax() -> None:
    guideline = nettree.load("asco-gepnet-2023")
    raw = export(guideline, "dot", raw=True)
    assert "if sstr_status = positive or functional = true" in raw.replace("<BR/>", " ")
    assert "[ssa_continuation]" in raw
    assert "ssa in prior_therapies" in raw.replace("<BR/>", " ")
    words = export(guideline, "dot")
    assert "if SSTR-positive or functional tumour" in words.replace("<BR/>", " ")
    assert "[ssa_continuation]" not in words


def test_the_legend_names_the_patient_not_the_file() -> None:
    from nettree.patient import read_patient_file

    guideline = nettree.load("asco-gepnet-2023")
    result = guideline.traverse(read_patient_file(PATIENT))
    text = export(guideline, "dot", result=result)
    assert "Highlighted: the path. Result" in text
    assert "pan-g2-high-volume" not in text


def test_cli_conditions_option(tmp_path: Path) -> None:
    def run(*extra: str) -> str:
        done = subprocess.run([sys.executable, "-m", "nettree", "render", "--format", "dot",
                               "--patient", str(PATIENT), *extra],
                              capture_output=True, text=True, check=True)
        return done.stdout.replace("<BR/>", " ")

    assert "the path for pan-g2-high-volume.json" in run("--conditions", "raw")
    words = run()
    assert "pan-g2-high-volume" not in words
    assert "not a candidate for chemotherapy" in words


def test_text_output_reads_values_in_words() -> None:
    from nettree.patient import read_patient_file
    from nettree.text import explain

    guideline = nettree.load("asco-gepnet-2023")
    text = explain(guideline, guideline.traverse(read_patient_file(PATIENT)))
    assert "-> pancreas (panNET)  [pancreatic primary]" in text
    assert "[SSTR-positive, non-functional tumour, higher volume, a\n" in text


def test_a_phrase_for_an_unknown_value_is_one_problem(tmp_path: Path) -> None:
    source = (ROOT / "tests" / "guidelines" / "example-sore-throat.yaml").read_text()
    bad = source.replace("phrases: {true: pregnant, false: not pregnant}",
                         "phrases: {true: pregnant, maybe: not sure}")
    shutil.copytree(ROOT / "tests" / "guidelines" / "sources", tmp_path / "sources")
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    with pytest.raises(nettree.GuidelineError) as caught:
        nettree.load(path)
    messages = [p.message for p in caught.value.problems]
    assert messages == ["field 'pregnant': 'phrases' has 'maybe', not a value of the field; "
                        "allowed: true, false"]


def test_leaves_say_options_are_unranked_and_put_special_circumstances_after() -> None:
    from nettree.export.extract import build_diagram
    from nettree.export.style import SECONDARY, UNRANKED

    guideline = nettree.load("asco-gepnet-2023")
    leaf = build_diagram(guideline).node("pan-g12-first")
    # PRRT comes only from 3.2-q1's rare circumstance, observation only from 3.1-q1.
    assert [(o.id, o.secondary) for o in leaf.options] == [
        ("ssa", False), ("everolimus", False), ("sunitinib", False), ("chemotherapy", False),
        ("observation", True), ("prrt", True)]
    for fmt in ("dot", "mermaid"):
        text = export(guideline, fmt).replace("<BR/>", " ").replace("<br/>", " ")
        line = next(x for x in text.splitlines() if x.lstrip().startswith("n_pan_g12_first"))
        assert line.count(UNRANKED) == 1, fmt
        assert line.index(SECONDARY) < line.index("Peptide receptor radionuclide"), fmt
        assert line.index("Somatostatin analog") < line.index(SECONDARY), fmt


def test_a_patients_leaf_greys_what_the_patient_does_not_get() -> None:
    from nettree.patient import read_patient_file

    guideline = nettree.load("asco-gepnet-2023")
    result = guideline.traverse(read_patient_file(PATIENT))
    text = export(guideline, "dot", result=result)
    leaf = next(x for x in text.splitlines() if x.startswith("  n_pan_g12_first ["))
    assert leaf.count("(not for this patient)") == 4  # everolimus, sunitinib, observation, PRRT
    assert leaf.count("for this patient</FONT>") == 2  # SSA and chemotherapy, offered
    mermaid = export(guideline, "mermaid", result=result)
    assert mermaid.count(": not for this patient") == 4


def test_the_legend_states_each_filter_rule_once_in_words() -> None:
    from nettree.export.extract import build_diagram

    guideline = nettree.load("asco-gepnet-2023")
    assert build_diagram(guideline).legend.filters == (
        "Removed: any option listed in prior therapies",
        "Removed: Sunitinib if uncontrolled hypertension [3.4-q5]",
        "Removed: Everolimus if uncontrolled diabetes [3.4-q5]",
        "Removed: Peptide receptor radionuclide therapy (PRRT) if higher risk of haematological "
        "toxicity [2.4]",
        "Removed: Chemotherapy (e.g. CAPTEM: capecitabine and temozolomide) if not a candidate "
        "for chemotherapy [3.2-q1]",
        "Removed: Continue the somatostatin analog alongside the new therapy unless Peptide "
        "receptor radionuclide therapy (PRRT) offered",
    )
    # Under a focus on one site the other site's rules cannot hold, and nothing is merged.
    focused = build_diagram(guideline, focus={"primary_site": "gi"}).legend.filters
    assert "Removed: Sunitinib if uncontrolled hypertension [3.4-q5]" in focused
    # Raw keeps the file's syntax, the site split included.
    raw = build_diagram(guideline, raw=True).legend.filters
    assert raw[1] == ("Removed: sunitinib if uncontrolled_hypertension = true "
                      "[3.4-q5]")


def test_mermaid_keeps_needs_information_orange_and_shows_strength_in_letters() -> None:
    from nettree.patient import read_patient_file

    guideline = nettree.load("asco-gepnet-2023")
    result = guideline.traverse(read_patient_file(ROOT / "examples" / "patients"
                                                  / "gi-g1-sstr-unknown.json"))
    text = export(guideline, "mermaid", result=result)
    lines = text.splitlines()
    classes = {line.split()[-1]: line.split()[1].split(",") for line in lines
               if line.startswith("  class ")}
    assert "n_needs_sstr_pet" in classes["needs_information"]
    assert not any("n_needs_sstr_pet" in keys for name, keys in classes.items()
                   if name.startswith("strength"))
    assert "  classDef strength1 stroke:#b7791f,stroke-width:3px" in lines
    assert "text-align:left" in next(x for x in lines if x.startswith("  classDef recommendation"))
    assert "3.1 [W] (EB\u00b7L\u00b7W)" in text and "2.1-q1 [statement]" in text
    assert not re.search("[\U0001f300-\U0001faff\u2b1c\u25ab]", text)  # no emoji
    # The legend hangs below the last node by an invisible link, after every styled link.
    assert lines.index("  n_pan_g3_later ~~~ legend") > max(
        i for i, x in enumerate(lines) if "-->" in x or "==>" in x)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
def test_a_patients_pdf_prints_only_its_path_on_pages_of_one_size() -> None:
    import io

    from pypdf import PdfReader

    from nettree.patient import read_patient_file

    guideline = nettree.load("asco-gepnet-2023")
    result = guideline.traverse(read_patient_file(PATIENT))
    reader = PdfReader(io.BytesIO(render(guideline, "pdf", result=result)))
    texts = [" ".join(page.extract_text().split()).replace("\ufb01", "fi").replace(
        "\ufb00", "ff") for page in reader.pages]  # cairo writes ligatures
    # The top with the legend, then the parts down the path to the G1-G2 panNET leaves.
    assert len(texts) == 4
    assert "Page 1 of 4" in texts[0] and "G1-G2 panNET, first line" in texts[-1]
    assert " path: not printed." in " ".join(texts)
    assert all("GI-NET, first line" not in text for text in texts)  # off the path
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in reader.pages}
    assert len(sizes) == 1


def test_a_leaf_says_how_it_reads_its_citations() -> None:
    """Issue 10 item 2: first-line panNET leaves cite 3.3, which the table files under later
    lines; the step's ``encoding`` says why, and the drawing lists it once as a numbered note
    that every 3.3 badge of those leaves points to (in the file's words: no field names)."""
    from nettree.export import ExportOptions

    guideline = nettree.load("asco-gepnet-2023")
    diagram = ExportOptions().diagram(guideline)
    readings = diagram.legend.readings
    number = next(n for n, r in enumerate(readings, 1) if r.startswith(
        "3.3 read so: The table files 3.3 under second- or later-line therapy"))
    for leaf_id in ("pan-g12-first", "pan-g3-first"):
        leaf = diagram.node(leaf_id)
        cited = [clause for option in leaf.options for clause in option.clauses
                 if "3.3" in {c.id for c in clause.cites}]
        assert len(cited) == 3 and {clause.note for clause in cited} == {number}, leaf_id
    gi = diagram.node("gi-g12-first")  # no step of it says how it reads a citation
    assert {clause.note for option in gi.options for clause in option.clauses} == {0}
    dot = re.sub(r"<BR/>", " ", export(guideline, "dot"))
    assert f"Note {number}: 3.3 read so: The table files 3.3" in dot
    assert dot.count("3.3 read so:") == 1  # said once, in the legend
    assert f"if SSTR-negative (note {number})" in dot
    assert _field_names(" ".join(readings), guideline) == []
    assert any("prior therapies" in r for r in readings)
