"""Advice against options (``not_recommend``), stated preferences (``prefer``) and a rating
style declared by the guideline (``rating_style``), through the fictional example
tests/guidelines/example-advice.yaml (a class of recommendation ``cor`` with a harm code)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import nettree
from nettree.cli import main
from nettree.export import export
from nettree.export.extract import build_diagram
from nettree.ratings import HARM, ramp
from nettree.text import explain
from nettree.verify import verify

HERE = Path(__file__).parent
ADVICE = HERE / "guidelines" / "example-advice.yaml"
TEXT = ADVICE.read_text("utf-8")
SORE_THROAT = HERE / "guidelines" / "example-sore-throat.yaml"

MILD = {"age": 50, "severity": "mild"}
OLD_SEVERE_KIDNEY = {"age": 80, "severity": "severe", "kidney_disease": True}
SEVERE = {"age": 50, "severity": "severe"}


@pytest.fixture(scope="module")
def advice() -> nettree.Guideline:
    return nettree.load(ADVICE)


def edited(tmp_path: Path, old: str, new: str, name: str = "edited.yaml") -> Path:
    """The example with ``old`` (which must occur once) replaced by ``new``, written out."""
    assert TEXT.count(old) == 1, f"{old!r} must occur once in the example"
    path = tmp_path / name
    path.write_text(TEXT.replace(old, new), "utf-8")
    return path


def where(path: Path, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the single occurrence of ``needle`` in the file: of its
    ``|`` if it has one (the mark is not part of the text), else of its start."""
    text = path.read_text("utf-8")
    plain = needle.replace("|", "")
    assert text.count(plain) == 1, needle
    index = text.index(plain) + max(needle.find("|"), 0)
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


# -- traversal


def test_an_option_advised_against_is_listed_apart_and_never_offered(
        advice: nettree.Guideline) -> None:
    data = advice.traverse(MILD).to_dict()
    assert data["not_recommended"] == [{"id": "opioid", "label": "Opioid", "cites": ["6"]}]
    assert [o["id"] for o in data["options"]] == ["exercise", "paracetamol", "gel"]
    assert data["excluded"] == []
    # The JSON keys, in order: not_recommended right after excluded.
    assert list(data)[5:9] == ["options", "excluded", "not_recommended", "general"]


def test_an_option_offered_then_advised_against_is_removed_and_not_excluded(
        advice: nettree.Guideline) -> None:
    result = advice.traverse(OLD_SEVERE_KIDNEY)
    assert result.option_ids == ("injection",)
    assert result.excluded == ()
    assert [(n.id, n.cites) for n in result.not_recommended] == [
        ("oral_nsaid", ("7",)), ("opioid", ("10-q1",))]  # a filter's, then the leaf's
    # {offered: opioid} does not see the option advised against: its note is not shown.
    assert result.notes == ()
    assert [n.id for n in advice.traverse(SEVERE).notes] == ["10-n1"]
    assert advice.traverse(SEVERE).not_recommended == ()


def test_an_offer_after_the_advice_cannot_bring_the_option_back(tmp_path: Path) -> None:
    path = edited(tmp_path, '''      - not_recommend: opioid
        cites: ["6"]
''', '''      - not_recommend: opioid
        cites: ["6"]
      - offer: opioid
        cites: ["10"]
''')
    result = nettree.load(path).traverse(MILD)
    assert "opioid" not in result.option_ids
    assert [n.id for n in result.not_recommended] == ["opioid"]


def test_a_preference_names_the_options_still_offered(advice: nettree.Guideline) -> None:
    options = {o.id: o for o in advice.traverse(MILD).options}
    assert options["gel"].preferred_over == ("paracetamol",)
    assert options["gel"].cites == ("4", "5")  # the preference's citation joins its own
    assert options["gel"].to_dict()["preferred_over"] == ["paracetamol"]
    assert "preferred_over" not in options["exercise"].to_dict()
    # Paracetamol removed later (liver disease): the preference names nothing, its key goes.
    dropped = {o.id: o for o in advice.traverse({**MILD, "liver_disease": True}).options}
    assert dropped["gel"].preferred_over == ()
    assert "preferred_over" not in dropped["gel"].to_dict()
    assert dropped["gel"].cites == ("4", "5")
    # Over an option advised against: nothing (the opioid is not offered at 80).
    injection = {o.id: o for o in advice.traverse(OLD_SEVERE_KIDNEY).options}["injection"]
    assert injection.preferred_over == ()
    assert {o.id: o for o in advice.traverse(SEVERE).options}[
        "injection"].preferred_over == ("opioid",)


def test_a_preference_for_an_option_not_offered_does_nothing(tmp_path: Path) -> None:
    path = edited(tmp_path, '''      - prefer: gel
        over: [paracetamol]
        cites: ["4"]
''', '''      - drop: gel
        reason: Not here.
      - prefer: gel
        over: [paracetamol]
        cites: ["4"]
''')
    result = nettree.load(path).traverse(MILD)
    assert "gel" not in result.option_ids
    assert "4" not in result.recommendations
    assert all(not o.preferred_over for o in result.options)


def test_batch_rows_carry_the_options_advised_against(advice: nettree.Guideline) -> None:
    columns = advice.traverse(OLD_SEVERE_KIDNEY).columns()
    assert columns["not_recommended"] == ["oral_nsaid", "opioid"]
    assert list(columns) == ["status", "leaf", "recommendations", "options", "excluded",
                             "not_recommended", "missing"]


# -- text


def test_the_text_warns_and_states_the_preference(advice: nettree.Guideline) -> None:
    text = explain(advice, advice.traverse(MILD))
    assert "\u26a0 not recommended: Opioid [opioid] (6, Class of recommendation 3-H: harm)" \
        in text
    assert "Options (not ranked, except where a preference is stated: the choice is the " \
           "team's and the patient's):" in text
    gel = text[text.index("  * Topical anti-inflammatory gel"):]
    assert gel.splitlines()[1] == "      preferred over Paracetamol [paracetamol]"
    # The warning comes before the options and is never listed as one of them.
    assert text.index("not recommended") < text.index("Options")
    assert "  * Opioid" not in text
    plain = explain(advice, advice.traverse({**MILD, "liver_disease": True}))
    assert "Options (not ranked: the choice is the team's and the patient's):" in plain


# -- verification


def test_the_example_verifies(advice: nettree.Guideline) -> None:
    report = verify(advice)
    assert report.ok, [str(f) for c in report.checks for f in c.findings]


def test_advice_citing_what_does_not_support_it_is_a_finding(tmp_path: Path) -> None:
    path = edited(tmp_path, '''      - not_recommend: opioid
        cites: ["6"]
''', '''      - not_recommend: opioid
        cites: ["6", "2"]
''')
    findings = verify(nettree.load(path)).check("citations").findings
    assert [f.message for f in findings] == [
        "option 'opioid' is not recommended citing 2, which does not support it "
        "(it supports: exercise)"]
    assert (findings[0].position.line, findings[0].position.column) == \
        where(path, '- |not_recommend: opioid\n        cites: ["6", "2"]')


def test_a_preference_citing_what_does_not_support_it_is_a_finding(tmp_path: Path) -> None:
    path = edited(tmp_path, '''        over: [paracetamol]
        cites: ["4"]''', '''        over: [paracetamol]
        cites: ["3"]''')
    messages = [f.message for f in verify(nettree.load(path)).check("citations").findings]
    assert "option 'gel' cites 3, which does not support it (it supports: paracetamol)" \
        in messages


# -- loading: every problem located


@pytest.mark.parametrize("old,new,needle,message", [
    ('      - not_recommend: opioid\n        cites: ["6"]\n',
     '      - not_recommend: opium\n        cites: ["6"]\n', "opium",
     "leaf 'mild', step 5: unknown option 'opium'"),
    ('      - not_recommend: opioid\n        cites: ["6"]\n',
     '      - not_recommend: opioid\n        cites: ["66"]\n', '"66"',
     "cites unknown recommendation or statement '66'"),
    ('      - not_recommend: opioid\n        cites: ["6"]\n',
     "      - not_recommend: opioid\n", "- |not_recommend: opioid\n  severe:",
     "leaf 'mild', step 5 is missing the required key 'cites'"),
    ("        over: [paracetamol]\n", "        over: [paracetamol, gel]\n",
     "over: [paracetamol, |gel]",
     "'gel' is the preferred option itself; 'over' names the options it is preferred over"),
    ("        over: [paracetamol]\n", "        over: [parcetamol]\n", "parcetamol",
     "unknown option 'parcetamol'"),
    ("      - prefer: gel\n", "      - prefer: jelly\n", "jelly", "unknown option 'jelly'"),
    ("  dimension: cor\n", "  dimension: class\n", "dimension: |class",
     "'rating_style': 'dimension' must name a rating dimension, one of cor, loe (got 'class')"),
    ('  harm: ["3-H"]\n', '  harm: ["3-X"]\n', '"3-X"',
     "'rating_style': 'harm' has '3-X', not a code of 'cor'; allowed: 1, 2a, 2b, 3-NB, 3-H"),
    ('  colours: {"2b": "#e0ecf4"}\n', '  colours: {"2c": "#e0ecf4"}\n', '"2c"',
     "'rating_style': 'colours' has '2c', not a code of 'cor'"),
    ('  colours: {"2b": "#e0ecf4"}\n', '  colours: {"2b": "#12345"}\n', '"#12345"',
     "'rating_style': the colour of '2b' must be written \"#rrggbb\", quoted (got '#12345')"),
    ('  colours: {"2b": "#e0ecf4"}\n', '  colours:\n    "2b": #e0ecf4\n', '|"2b": #e0ecf4',
     "the colour of '2b' must be written \"#rrggbb\", quoted (got None)"),
    ("  dimension: cor\n", "  dimensions: cor\n", "dimensions",
     "unknown key 'dimensions'"),
])
def test_each_defect_is_reported_where_it_is(tmp_path: Path, old: str, new: str, needle: str,
                                             message: str) -> None:
    path = edited(tmp_path, old, new)
    with pytest.raises(nettree.GuidelineError) as info:
        nettree.load(path)
    line, column = where(path, needle)
    found = [(p.line, p.column, p.message) for p in info.value.problems]
    assert any((p_line, p_column) == (line, column) and message in text
               for p_line, p_column, text in found), found


# -- the rating style


def test_the_style_colours_every_code_and_draws_harm_red(advice: nettree.Guideline) -> None:
    levels = {lv.code: lv for lv in advice.rating_style.levels}
    assert advice.rating_style.dimension == "cor"
    assert [(lv.code, lv.rank, lv.fill) for lv in advice.rating_style.levels] == [
        ("1", 0, "#1b7837"), ("2a", 1, "#fdd96a"), ("2b", 2, "#e0ecf4"),
        ("3-NB", 3, "#d9d9d9"), ("3-H", 4, HARM[0])]
    assert (levels["3-H"].harm, levels["3-H"].ink) == (True, HARM[1])
    assert not levels["3-NB"].harm  # no benefit is not harm: grey, not red
    assert levels["1"].ink == "#ffffff" and levels["2b"].ink == "#1a1a1a"
    assert advice.warnings == ()


def test_the_default_ramp_gives_any_number_of_codes_distinct_colours() -> None:
    for count in range(1, 12):
        fills = ramp(count)
        assert len(fills) == count and len(set(fills)) == count
        assert all(re.fullmatch(r"#[0-9a-f]{6}", fill) for fill in fills)
    assert ramp(4) == ("#1b7837", "#fdd96a", "#f4a582", "#d9d9d9")


def test_a_strength_dimension_is_the_default_style() -> None:
    asco = nettree.load("asco-gepnet-2023")
    assert asco.rating_style.dimension == "strength" and asco.warnings == ()
    assert [(lv.code, lv.fill) for lv in asco.rating_style.levels] == [
        ("S", "#1b7837"), ("W", "#fdd96a")]


def uncoloured(tmp_path: Path) -> Path:
    """The sore-throat example with its `strength` dimension renamed: nothing to colour."""
    text = SORE_THROAT.read_text("utf-8")
    text = text.replace("  strength:\n", "  grade:\n", 1)
    text = re.sub(r"rating: \{strength: ", "rating: {grade: ", text)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("source: "))
    path = tmp_path / "uncoloured.yaml"
    path.write_text(text + "\n", "utf-8")
    return path


def test_a_guideline_whose_ratings_cannot_be_coloured_loads_with_a_warning(
        tmp_path: Path) -> None:
    path = uncoloured(tmp_path)
    guideline = nettree.load(path)
    (warning,) = guideline.warnings
    assert (warning.line, warning.column) == where(path, "ratings:")
    assert "no 'rating_style' and no rating dimension named 'strength'" in warning.message
    assert "naming one of grade, certainty" in warning.message
    assert guideline.rating_style.levels == ()
    done = CliRunner().invoke(main, ["show", str(path)])
    assert done.exit_code == 0
    assert done.stderr.startswith(f"warning: {path}:{warning.line}:{warning.column}: no ")
    # Unrated badges: white, bordered; Mermaid calls no recommendation a statement.
    dot = export(guideline, "dot")
    assert 'BGCOLOR="#ffffff" BORDER="1"' in dot and "#1b7837" not in dot
    assert "2.1 (S·M)" in export(guideline, "mermaid")


# -- the drawings


def test_every_drawing_colours_the_codes_and_warns(advice: nettree.Guideline) -> None:
    dot = export(advice, "dot")
    for fill in ("#1b7837", "#fdd96a", "#e0ecf4", HARM[0]):
        assert f'BGCOLOR="{fill}"' in dot
    assert "\u26a0 not recommended: Opioid" in dot
    assert "3-H\u00b7B\u00b7harm" in dot
    assert build_diagram(advice).node("mild").has_preference
    assert "preferred over Paracetamol" in dot
    mermaid = export(advice, "mermaid")
    assert "<b>\u26a0 not recommended: Opioid</b>: 6 [3-H] (3-H\u00b7B\u00b7harm)" in mermaid
    assert "[1] strong \u00b7 [2a] moderate \u00b7 [2b] weak \u00b7 [3-NB] no benefit \u00b7 " \
           "[3-H] harm" in mermaid
    assert "2 [1] (1\u00b7A)" in mermaid  # rated, not "[statement]"
    assert "Options, unranked except where a preference is stated (the choice" in mermaid
    html = export(advice, "html")
    assert f'fill="{HARM[0]}"' in html and 'fill="#e0ecf4"' in html
    assert 'class="advice" data-option="opioid">\u26a0 not recommended: Opioid</text>' in html
    found = re.search(r'<script type="application/json" id="nettree-data">(.*?)</script>',
                      html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["recommendations"]["6"]["colours"] == list(HARM)
    assert data["recommendations"]["6"]["harm"] is True


def test_a_leaf_lists_an_option_advised_against_as_a_warning_not_an_option(
        advice: nettree.Guideline) -> None:
    diagram = build_diagram(advice)
    mild = diagram.node("mild")
    assert [o.id for o in mild.options] == ["exercise", "paracetamol", "gel"]
    assert [(a.id, [c.id for c in a.cites], a.condition) for a in mild.advised] == [
        ("opioid", ["6"], "")]
    severe = diagram.node("severe")
    assert [(a.id, a.condition) for a in severe.advised] == [("opioid", "age (years) \u2265 75")]
    opioid = next(o for o in severe.options if o.id == "opioid")
    assert opioid.clauses[-1].text == "not recommended if age (years) \u2265 75 (note 1)"
    assert diagram.legend.filters[0] == \
        "\u26a0 Not recommended: Oral anti-inflammatory drug if kidney disease [7]"


def test_the_leaf_reached_marks_the_advice_for_the_patient(advice: nettree.Guideline) -> None:
    result = advice.traverse(OLD_SEVERE_KIDNEY)
    severe = build_diagram(advice, result=result).node("severe")
    assert [(a.id, a.mark) for a in severe.advised] == [
        ("opioid", "not_recommended"), ("oral_nsaid", "not_recommended")]
    dot = export(advice, "dot", result=result)
    assert "\u26a0 not recommended for this patient: Oral" in dot
    assert "Opioid (10-q1)" in dot  # the legend's summary of the result


def test_a_preference_never_shown_is_a_coverage_finding(tmp_path: Path) -> None:
    """Over an option the leaf never offers: no result can show the preference."""
    path = edited(tmp_path, "        over: [paracetamol]\n", "        over: [injection]\n")
    findings = verify(nettree.load(path)).check("coverage").findings
    assert [f.message for f in findings] == [
        "the preference for 'gel' over 'injection' is never shown: no result offers them "
        "together"]
    assert (findings[0].position.line, findings[0].position.column) == \
        where(path, "- |prefer: gel")


def test_the_decision_table_and_the_classes_show_the_advice(advice: nettree.Guideline) -> None:
    from nettree.table import paths_table, profiles_table

    paths = paths_table(advice)
    assert "not recommended: opioid [10-q1] when age is at least 75" in paths
    profiles = profiles_table(advice)
    header = profiles.splitlines()[0]
    assert "| excluded | not recommended | notes |" in header
    assert "gel [4, 5] preferred over paracetamol" in profiles
    assert "| oral_nsaid [7]; opioid [10-q1] |" in profiles


def test_a_class_with_a_filter_left_undecided_drops_the_preference_with_the_option(
        advice: nettree.Guideline) -> None:
    """Verification keeps `drop paracetamol if liver disease` with the class (its field is
    read by filters only): a patient for whom it holds loses paracetamol, and the gel's
    preference over it, exactly as traversal gives."""
    from nettree.verify import explore

    mild = [c for c in explore(advice).classes if c.result.leaf == "mild" and c.unless]
    assert mild
    for patient_class in mild:
        patient = {**patient_class.patient, "liver_disease": True}
        got = patient_class.result_for(advice, patient)
        assert got.options == advice.traverse(patient).options
        assert {o.id: o.preferred_over for o in got.options}["gel"] == ()


def test_the_expected_results_of_the_example_pass() -> None:
    done = CliRunner().invoke(main, ["test", str(HERE / "cases" / "example-advice.yaml")])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("all 4 cases passed (4 results)")


def test_diff_compares_advice_and_preferences(advice: nettree.Guideline,
                                              tmp_path: Path) -> None:
    from nettree.diff import diff_guidelines

    # Advice against the opioid withdrawn, and the preference stated over the exercise.
    path = edited(tmp_path, '''      - prefer: gel
        over: [paracetamol]
        cites: ["4"]
      - not_recommend: opioid
        cites: ["6"]
''', '''      - prefer: gel
        over: [exercise]
        cites: ["4"]
''')
    groups = diff_guidelines(advice, nettree.load(path)).behaviour.groups
    assert groups and all(g.example["severity"] == "mild" for g in groups)  # every mild class
    for group in groups:
        assert ("opioid", ("6",)) in group.before.not_recommended
        assert ("opioid", ("6",)) not in group.after.not_recommended
        assert group.after.preferred == (("gel", ("exercise",)),)
        assert "gel preferred over exercise" in str(group.after)
    plain = next(g for g in groups if not g.example["kidney_disease"]
                 and not g.example["liver_disease"])
    assert plain.before.preferred == (("gel", ("paracetamol",)),)
    assert str(plain.before).endswith("not recommended: opioid (6); gel preferred over "
                                      "paracetamol")


def test_unless_on_advice_is_when_not(advice: nettree.Guideline, tmp_path: Path) -> None:
    path = edited(tmp_path, "    when: {kidney_disease: true}\n",
                  "    unless: {kidney_disease: false}\n")
    unless = nettree.load(path)
    for patient in (MILD, SEVERE, OLD_SEVERE_KIDNEY, {**SEVERE, "kidney_disease": True}):
        assert unless.traverse(patient).not_recommended == \
            advice.traverse(patient).not_recommended


def test_verify_prints_the_load_warning_too(tmp_path: Path) -> None:
    path = uncoloured(tmp_path)
    done = CliRunner().invoke(main, ["verify", str(path)])
    assert done.stderr.startswith(f"warning: {path}:14:1: no 'rating_style'")
    assert "All 7 checks passed" in done.stdout


def test_no_result_both_offers_and_advises_against_an_option(
        advice: nettree.Guideline) -> None:
    from nettree.verify import explore

    classes = explore(advice).classes
    assert any(c.result.not_recommended for c in classes)
    for patient_class in classes:
        result = patient_class.result
        advised = {n.id for n in result.not_recommended}
        assert not advised & set(result.option_ids)
        assert not advised & {e.id for e in result.excluded}
        for option in result.options:
            assert set(option.preferred_over) <= set(result.option_ids) - {option.id}


def test_the_readings_of_advice_and_preferences_are_numbered_notes(tmp_path: Path) -> None:
    """A ``not_recommend`` or ``prefer`` step's ``encoding`` is kept and drawn as a citation's
    reading, as an offer's is: "(note N)" at its badges, the text in the legend."""
    path = edited(tmp_path, '''      - prefer: gel
        over: [paracetamol]
        cites: ["4"]
''', '''      - prefer: gel
        over: [paracetamol]
        cites: ["4"]
        encoding: Recommendation 4 read as a preference for the gel.
''')
    diagram = build_diagram(nettree.load(path))
    assert diagram.legend.readings == (  # numbered in the order the leaves are drawn
        "4 read so: Recommendation 4 read as a preference for the gel.",
        "10-q1 read so: A qualifying statement of no benefit, shown as advice against.")
    severe = diagram.node("severe")
    assert [(a.id, a.note) for a in severe.advised] == [("opioid", 2)]
    opioid = next(o for o in severe.options if o.id == "opioid")
    assert (opioid.clauses[-1].kind, opioid.clauses[-1].note) == ("not_recommended", 2)
    gel = next(o for o in diagram.node("mild").options if o.id == "gel")
    assert [(c.kind, c.note) for c in gel.clauses if c.kind == "preferred"] == [("preferred", 1)]
    mermaid = export(nettree.load(path), "mermaid")
    assert "<b>\u26a0 not recommended: Opioid</b>: 10-q1 [statement]: if age (years) \u2265 75 " \
           "(note 2)" in mermaid
    assert "Note 1: 4 read so: Recommendation 4 read as a preference for the gel." in mermaid
