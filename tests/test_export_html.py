"""The self-contained HTML page, in a real headless Chromium (Debian's ``chromium`` package,
driven by playwright with ``executable_path``; no browser is downloaded).

Browser tests are marked ``browser`` and skipped, with the reason, only where
/usr/bin/chromium or the playwright package is missing; CI installs both.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from page_walks import PATIENTS, assert_walks_as_python, clinical_patients, random_patients

import nettree
from nettree.export import export, render
from nettree.patient import read_patient_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = Path(__file__).parent / "guidelines" / "example-sore-throat.yaml"
CHROMIUM = os.environ.get("NETTREE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(os.environ.get("NETTREE_SCREENSHOTS",
                                  Path(tempfile.gettempdir()) / "nettree-screenshots"))


# -- without a browser


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "action", "poster") and value:
                self.loads.append(value)


def test_page_is_one_self_contained_file(guideline: nettree.Guideline) -> None:
    page = export(guideline, "html")
    parser = _Links()
    parser.feed(page)
    assert not [u for u in parser.loads if not u.startswith("#")], parser.loads
    assert "link" not in parser.tags and "iframe" not in parser.tags
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert not re.search(r"url\(\s*['\"]?https?:", page)
    assert not re.search(r"@import", page)
    assert "<script src" not in page


def test_page_needs_no_dot(guideline: nettree.Guideline, monkeypatch: pytest.MonkeyPatch) -> None:
    from nettree.export import backend

    with_dot = render(guideline, "html")
    monkeypatch.setattr(backend, "DOT_BINARY", "nettree-no-such-dot")
    assert render(guideline, "html") == with_dot  # the same page either way


def test_page_static_highlight_matches_the_path(guideline: nettree.Guideline) -> None:
    patient = read_patient_file(PATIENTS / "pan-g2-high-volume.json")
    result = guideline.traverse(patient)
    page = export(guideline, "html", result=result, patient=patient)
    lit = re.findall(r'<g class="nettree-node [^"]*nettree-path[^"]*" id="[^"]+" '
                     r'data-node="([^"]+)"', page)
    assert lit == [step.node for step in result.path]
    edges = re.findall(r'<g class="nettree-edge nettree-path" id="[^"]+" '
                       r'data-source="([^"]+)" data-target="([^"]+)"', page)
    steps = [s.node for s in result.path]
    assert sorted(edges) == sorted(pairwise(steps))


def test_layout_has_no_overlapping_boxes_or_labels(guideline: nettree.Guideline) -> None:
    from nettree.export.extract import build_diagram
    from nettree.export.html import _content
    from nettree.export.layout import layered

    for direction in ("TB", "LR"):
        diagram = build_diagram(guideline, direction=direction)
        sizes = {n.key: (_content(n).width + 8, _content(n).y + 6) for n in diagram.nodes}
        labels = {e.key: (100.0, 30.0) for e in diagram.edges}
        layout = layered(diagram, sizes, labels)
        rects = list(layout.boxes.values())
        for key, (points, (lx, ly)) in layout.edges.items():
            del points
            rects.append((lx - 50, ly - 15, 100, 30))
            del key
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                apart = (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or
                         a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1])
                assert apart, (direction, a, b)


# -- in the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install nettree[browser])")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser: Any, path: Path, width: int = 1500, height: int = 950,
              ready: str | None = "window.nettree !== undefined") -> Any:
    """The page at ``path`` in a new tab, with the errors it logs (``page.errors``) and the
    addresses it asks for (``page.requests``) collected; waits until ``ready`` holds."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(path.as_uri())
    if ready:
        page.wait_for_function(ready)
    page.errors = errors
    page.requests = requests
    return page


def write_page(tmp_path: Path, guideline: nettree.Guideline, name: str = "page.html",
               **options: Any) -> Path:
    out = tmp_path / name
    out.write_text(export(guideline, "html", **options), encoding="utf-8")
    return out


def lit(page: Any) -> tuple[list[str], list[str]]:
    nodes = page.eval_on_selector_all("#nettree-svg g.nettree-node.nettree-path",
                                      "els => els.map(e => e.dataset.node)")
    edges = page.eval_on_selector_all(
        "#nettree-svg g.nettree-edge.nettree-path",
        "els => els.map(e => e.dataset.source + '>' + e.dataset.target)")
    return nodes, sorted(edges)


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out = SCREENSHOTS / name
    page.screenshot(path=str(out))
    return out


@pytest.mark.browser
def test_clicking_a_node_shows_its_question_or_its_recommendations(
        browser: Any, guideline: nettree.Guideline, tmp_path: Path) -> None:
    page = open_page(browser, write_page(tmp_path, guideline))
    page.click('#nettree-svg g.nettree-node[data-node="sstr-known"]')
    details = page.inner_text("#nettree-details-body")
    assert "Is the SSTR status known from SSTR PET?" in details
    assert "no: SSTR status unknown" in details and "when SSTR status unknown" in details

    page.click('#nettree-svg g.nettree-node[data-node="pan-g12-first"]')
    details = page.inner_text("#nettree-details-body")
    rec = guideline.recommendation("3.1")
    assert rec.text in details  # verbatim
    assert guideline.describe_rating(rec) in details  # the rating in words
    assert guideline.statement("3.1-q1").text in details  # its qualifying statements
    assert "Recommendation 3.2" in details
    selected = page.eval_on_selector_all(".nettree-selected", "els => els.map(e => e.id)")
    assert selected == ["n_pan_g12_first"]
    assert page.errors == []
    shot(page, "details-pan-g12-first.png")


@pytest.mark.browser
def test_answering_lights_the_path_and_shows_the_result(
        browser: Any, guideline: nettree.Guideline, tmp_path: Path) -> None:
    page = open_page(browser, write_page(tmp_path, guideline))
    assert lit(page) == ([], [])
    page.select_option("#nettree-field-differentiation", "well")
    assert lit(page)[0] == ["differentiation", "metastatic"]
    stopped = page.eval_on_selector_all("#nettree-svg .nettree-stop",
                                        "els => els.map(e => e.dataset.node)")
    assert stopped == ["metastatic"]
    assert "needs: metastatic" in page.inner_text("#nettree-result")

    answers = {"metastatic": "true", "primary_site": "pancreas", "sstr_status": "positive",
               "grade": "G2", "functional": "false", "tumor_volume": "high",
               "burden_symptoms": "false"}
    for name, value in answers.items():
        page.select_option(f"#nettree-field-{name}", value)
    patient = read_patient_file(PATIENTS / "pan-g2-high-volume.json")
    result = guideline.traverse(patient)
    steps = [s.node for s in result.path]
    nodes, edges = lit(page)
    assert nodes == steps
    assert edges == sorted(f"{a}>{b}" for a, b in pairwise(steps))
    shown = page.inner_text("#nettree-result")
    assert shown.startswith("Recommendation")
    for option in result.options:
        assert option.label in shown
    options = page.eval_on_selector_all("#nettree-result li[data-option]",
                                        "els => els.map(e => e.dataset.option)")
    assert options == list(result.option_ids)
    assert page.errors == [] and all(u.startswith("file:") for u in page.requests)
    shot(page, "case-pan-g2-high-volume.png")

    page.click("#nettree-clear")
    assert lit(page) == ([], [])


@pytest.mark.browser
def test_patient_page_opens_on_its_path(browser: Any, guideline: nettree.Guideline,
                                        tmp_path: Path) -> None:
    patient = read_patient_file(PATIENTS / "gi-g1-sstr-unknown.json")
    result = guideline.traverse(patient)
    page = open_page(browser, write_page(tmp_path, guideline, result=result, patient=patient))
    assert lit(page)[0] == [s.node for s in result.path]
    assert page.input_value("#nettree-field-primary_site") == "gi"
    assert "SSTR status needed" in page.inner_text("#nettree-result")
    shot(page, "case-gi-g1-sstr-unknown.png")


@pytest.mark.browser
def test_result_panel_names_fields_by_their_labels(browser: Any, guideline: nettree.Guideline,
                                                   tmp_path: Path) -> None:
    """Issue 10 item 5: what the result assumed, and what it still needs, in the file's
    words (a field's label), never a raw field name."""
    patient = {k: v for k, v in read_patient_file(PATIENTS / "pan-g2-high-volume.json").items()
               if k not in ("prior_therapies", "chemo_candidate")}
    result = guideline.traverse(patient)
    assert {"prior_therapies", "chemo_candidate"} <= {a.field for a in result.assumed}
    page = open_page(browser, write_page(tmp_path, guideline, result=result, patient=patient))
    text = page.inner_text("#nettree-result")
    assert "prior therapies not given: no prior therapies: first line" in text
    assert "candidate for chemotherapy not given" in text
    page.select_option('select[name="sstr_status"]', "")  # now it needs SSTR status
    text = page.inner_text("#nettree-result")
    assert "To go on, give: SSTR status" in text
    assert [name for name in guideline.fields if "_" in name and name in text] == []


@pytest.mark.browser
@pytest.mark.parametrize("source", ["asco-gepnet-2023", str(EXAMPLE)])
def test_the_page_walks_cases_exactly_as_python_does(browser: Any, source: str,
                                                     tmp_path: Path) -> None:
    """In the browser, the page's inlined engine and nettree.traverse agree, to the last field
    of Result.to_dict(), on the clinical cases, the examples and a few random patients: a
    smoke test of the engine as the page runs it (tests/test_page_engine.py checks it under
    Node on a patient of every class verification enumerates)."""
    guideline = nettree.load(source)
    patients = random_patients(guideline, 60, seed=3)
    if source == "asco-gepnet-2023":
        patients = clinical_patients() + patients
    page = open_page(browser, write_page(tmp_path, guideline))
    from_page = page.evaluate("ps => ps.map(p => window.nettree.traverse(p))", patients)
    checked = assert_walks_as_python(guideline, patients, from_page)
    assert checked > len(patients) / 2
    assert page.errors == []


@pytest.mark.browser
def test_focused_page_and_sore_throat_page_work(browser: Any, tmp_path: Path) -> None:
    guideline = nettree.load(EXAMPLE)
    page = open_page(browser, write_page(tmp_path, guideline))
    page.click('#nettree-svg g.nettree-node[data-node="treat"]')
    assert guideline.recommendation("2.3").text in page.inner_text("#nettree-details-body")
    assert page.errors == []
    shot(page, "example-sore-throat.png")


@pytest.mark.browser
def test_bundled_page_screenshot(browser: Any) -> None:
    page = open_page(browser, ROOT / "graphs" / "asco-gepnet-2023.html", width=1600)
    page.click("#nettree-zoom-fit")
    assert page.errors == []
    out = shot(page, "bundled-asco-gepnet-2023.png")
    assert out.stat().st_size > 10_000


def test_chromium_present_where_ci_runs() -> None:
    """On CI (CI=true) the browser tests must not be skipped."""
    if os.environ.get("CI") != "true":
        pytest.skip("only checked on CI")
    assert Path(CHROMIUM).exists(), "CI must install Debian's chromium"
    assert shutil.which("dot"), "CI must install graphviz"
    import playwright  # noqa: F401


# -- the options of the leaf a patient reached


def _static_marks(page: str) -> dict[str, set[str]]:
    """option id -> the marks (offered, excluded) of its lines in the page's SVG."""
    found: dict[str, set[str]] = {}
    for css, option in re.findall(r'<text [^>]*class="option ([a-z]+)" data-option="([^"]+)"',
                                  page):
        found.setdefault(option, set()).add(css)
    return found


def test_page_static_highlight_marks_the_patients_options(guideline: nettree.Guideline) -> None:
    patient = read_patient_file(PATIENTS / "pan-later-line-uncontrolled-diabetes.yaml")
    result = guideline.traverse(patient)
    page = export(guideline, "html", result=result, patient=patient)
    marks = _static_marks(page)
    assert {o for o, m in marks.items() if m == {"offered"}} == set(result.option_ids)
    assert {o for o, m in marks.items() if m == {"excluded"}} == {x.id for x in result.excluded}
    assert page.count('class="mark offered"') == len(result.options)
    assert page.count('class="mark excluded"') == len(result.excluded) == 1
    assert "struck through: an option excluded for this patient" in page  # the legend's key
    assert _static_marks(export(guideline, "html")) == {}  # no patient: nothing marked


@pytest.mark.browser
def test_the_page_marks_the_options_of_the_case_as_it_changes(
        browser: Any, guideline: nettree.Guideline, tmp_path: Path) -> None:
    patient = read_patient_file(PATIENTS / "pan-later-line-uncontrolled-diabetes.yaml")
    result = guideline.traverse(patient)
    page = open_page(browser, write_page(tmp_path, guideline, result=result, patient=patient))

    def marked() -> dict[str, list[str]]:
        return page.evaluate("""() => {
            const out = {offered: [], excluded: [], marks: []};
            document.querySelectorAll('#nettree-svg text.option.offered').forEach(
                t => out.offered.push(t.dataset.option));
            document.querySelectorAll('#nettree-svg text.option.excluded').forEach(
                t => out.excluded.push(t.dataset.option));
            document.querySelectorAll('#nettree-svg text.mark').forEach(
                t => out.marks.push(t.closest('g.nettree-node').dataset.node + ':' +
                                    t.dataset.option));
            return out; }""")

    got = marked()
    assert set(got["offered"]) == set(result.option_ids)
    assert set(got["excluded"]) == {"everolimus"}
    assert sorted(got["marks"]) == sorted(f"pan-g12-later:{o}" for o in
                                          [*result.option_ids, "everolimus"])
    shot(page, "case-pan-later-line-uncontrolled-diabetes.png")

    other = read_patient_file(PATIENTS / "pan-g2-high-volume.json")
    page.evaluate("p => window.nettree.fill(p)", other)
    got = marked()
    want = guideline.traverse(other)
    assert set(got["offered"]) == set(want.option_ids) and got["excluded"] == []
    assert sorted(got["marks"]) == sorted(f"pan-g12-first:{o}" for o in want.option_ids)
    page.click("#nettree-clear")
    assert marked() == {"offered": [], "excluded": [], "marks": []}
    assert page.errors == []


@pytest.mark.browser
def test_the_page_opens_readable_on_the_top_of_the_graph(browser: Any) -> None:
    page = open_page(browser, ROOT / "graphs" / "asco-gepnet-2023.html", width=1400)
    zoom = page.evaluate("""() => { const s = document.getElementById('nettree-svg');
        return parseFloat(s.style.width) / s.viewBox.baseVal.width; }""")
    assert zoom == pytest.approx(1.0)  # leaf text at its full 11-13 px
    start = page.eval_on_selector('#nettree-svg g.nettree-node[data-node="differentiation"]',
                                  "g => g.getBoundingClientRect().toJSON()")
    view = page.eval_on_selector("#nettree-diagram", "d => d.getBoundingClientRect().toJSON()")
    assert view["left"] <= start["left"] and start["right"] <= view["right"]
    assert view["top"] <= start["top"] and start["bottom"] <= view["bottom"]
    assert page.errors == []


ARTEFACTS = ROOT / "tmp" / "artefacts"  # the page at presentation sizes (issue 10, item 8)


def test_accessible_names_are_unique_and_a_skip_link_leads_to_the_form() -> None:
    text = export(nettree.load("asco-gepnet-2023"), "html")
    names = re.findall(r'role="button" aria-label="([^"]*)"', text)
    assert len(names) == len(set(names)) == 23
    assert ("What is the grade (G1-G2 or G3)? (after: yes: SSTR-positive or SSTR-negative "
            "\u203a pancreas (panNET))") in names
    body = text[text.index("<body>"):]
    assert body.index('class="skip-link" href="#nettree-case"') < body.index("nettree-zoom-out")


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1280, 720), (1600, 1000)])
def test_page_at_presentation_sizes(browser: Any, tmp_path: Path,
                                    size: tuple[int, int]) -> None:
    path = tmp_path / "page.html"
    path.write_text(export(nettree.load("asco-gepnet-2023"), "html"), encoding="utf-8")
    page = open_page(browser, path, width=size[0])
    page.set_viewport_size({"width": size[0], "height": size[1]})
    # The form speaks words: labels and choices from the file's phrases, each choice once.
    label = page.inner_text('label[for="nettree-field-sstr_status"]')
    assert label == "SSTR status"
    choices = page.eval_on_selector_all('select[name="sstr_status"] option',
                                        "els => els.map(e => e.textContent)")
    assert choices == ["not given: SSTR status not known (no SSTR PET result given)",
                       "SSTR-positive", "SSTR-negative"]
    assert page.inner_text('label[for="nettree-field-chemo_candidate"]') == \
        "Candidate for chemotherapy"
    # Labels do not run into their controls.
    overlaps = page.evaluate("""() => [...document.querySelectorAll('#nettree-form .field')]
      .filter(f => { const l = f.querySelector('label');
        const c = f.querySelector('select, input, .set');
        if (!l || !c) return false;
        const a = l.getBoundingClientRect(), b = c.getBoundingClientRect();
        return a.right > b.left + 1 && a.left < b.right
          && a.bottom > b.top + 1 && b.bottom > a.top + 1; })
      .map(f => f.dataset.field)""")
    assert overlaps == []
    # The skip link is the first stop of the keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # Details come into view when a node is clicked with the panel scrolled to the form.
    page.evaluate("document.getElementById('nettree-legend').scrollIntoView()")
    page.click("#n_pan_grade")
    inside = page.evaluate("""() => { const r = document.getElementById('nettree-details')
      .getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }""")
    assert inside
    # A leaf's long details scroll in their own region: the case form stays in view.
    page.evaluate("document.getElementById('nettree-panel').scrollTop = 0")
    page.click("#n_pan_g12_first")
    form = page.evaluate("""() => { const f = document.getElementById('nettree-form')
      .getBoundingClientRect(); const d = document.getElementById('nettree-details-body');
      return {top: f.top, details: d.textContent.length,
              scrolls: d.scrollHeight > d.clientHeight}; }""")
    assert 0 <= form["top"] < size[1] - 40, form
    assert form["details"] > 500 and form["scrolls"], form
    details = page.inner_text("#nettree-details-body")  # how it reads 3.3 (issue 10 item 2)
    assert "How some of its citations are read" in details
    assert re.search(r"Note \d+: 3\.3 read so: The table files 3\.3 under second- or "
                     r"later-line therapy", details), details
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"page-{size[0]}x{size[1]}.png"))
    assert page.errors == []
