"""One self-contained HTML page: the diagram, node details, and a case walked through live.

The page needs no program and no network: nettree lays the graph out itself
(:mod:`nettree.export.layout`) and draws it as inline SVG, so the page is the same whether or
not Graphviz is installed. Two scripts are inlined: ``page_engine.js``, a small generic
engine with no DOM code that mirrors :mod:`nettree.traverse` (the guideline's conditions,
steps and notes are embedded as data and evaluated in three values; the tests run it under
Node against Python on a patient of every class verification enumerates), and ``page.js``,
the UI, which shows a node's question or its recommendations verbatim when clicked and walks
a case with the engine. No clinical rule is written in either script.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..conditions import Condition
from ..derive import reads_of
from ..model import (
    Cite,
    Drop,
    DropListed,
    Field,
    NotRecommend,
    Offer,
    Phrases,
    PointSum,
    Prefer,
    Step,
)
from ..traverse import SETTLE_LIMIT
from ..words import plain
from .extract import ADVICE_KEY, MARK_KEY, describe
from .layout import Layout, layered
from .model import Citation, Clause, Diagram, DiagramNode
from .pages import answers_to
from .quoting import html_text, script_json, wrap
from .style import (
    KIND_STYLE,
    KIND_WORDS,
    NOT_RECOMMENDED,
    PATH,
    SECONDARY,
    UNRATED,
    level_colours,
    options_heading,
)

if TYPE_CHECKING:
    from ..guideline import Guideline

__all__ = ["page_data", "to_html"]

# Text metrics: a generous average character width (in em) so text never overflows its box
# whatever sans-serif font the browser picks.
EM = {"normal": 0.6, "bold": 0.66}
PAD = 8.0
BADGE_H = 16.0
GUTTER = 14.0  # left of a leaf's options: where the mark of a patient's option goes
MARKS = {"offered": "\u2713", "excluded": "\u2717"}



def _text_width(text: str, size: float, weight: str = "normal") -> float:
    return len(text) * size * EM[weight]


# -- drawing the nodes: each is a list of items placed at (x, y) inside its box


@dataclass(frozen=True)
class _Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    css: str  # class
    option: str = ""  # the option an option's line names (data-option)


@dataclass(frozen=True)
class _Badge:
    x: float
    y: float  # top
    width: float
    cite: Citation


def _badge_text(cite: Citation) -> str:
    return f"{cite.id} {cite.rating}".strip()


def _badge_width(cite: Citation) -> float:
    return _text_width(_badge_text(cite), 10.5, "bold") + 10


class _Box:
    """Lays out the content of one node, top to bottom, and measures it."""

    def __init__(self) -> None:
        self.items: list[_Text | _Badge] = []
        self.y = PAD
        self.width = 0.0

    def lines(self, text: str, width: int, size: float, css: str, *, x: float = PAD,
              weight: str = "normal", gap: float = 2.0, option: str = "") -> None:
        for line in wrap(text, width):
            self.y += size + gap
            self.items.append(_Text(x, self.y - 3, line, size, css, option))
            self.width = max(self.width, x + _text_width(line, size, weight))
        self.y += 2

    def clause(self, clause: Clause, *, x: float = PAD + GUTTER + 10) -> None:
        top = self.y + 1
        cursor = x
        for cite in clause.cites:
            self.items.append(_Badge(cursor, top, _badge_width(cite), cite))
            cursor += _badge_width(cite) + 4
        text = clause.text
        height = BADGE_H
        if text:
            lines = wrap(text, 40)
            for index, line in enumerate(lines):
                self.items.append(_Text(cursor + 2, top + 12 + index * 13.5, line, 11, "cond"))
                self.width = max(self.width, cursor + 2 + _text_width(line, 11))
            height = max(height, len(lines) * 13.5 + 2)
        self.width = max(self.width, cursor)
        self.y = top + height + 3


def _content(node: DiagramNode, raw: bool = False) -> _Box:
    box = _Box()
    if node.kind == "decision":
        box.lines(node.title, 26, 13, "question", weight="bold")
        if node.detail:
            box.lines(node.detail, 30, 11, "stop-note")
        return box
    box.lines(node.title, 38, 13, "title", weight="bold")
    if node.detail:
        box.lines(node.detail, 46, 11, "detail")
    if node.options and node.kind == "recommendation":
        box.lines(options_heading(node.has_preference), 46, 11, "detail")
    secondary = False
    for option in node.options:
        if option.secondary and not secondary:
            secondary = True
            box.lines(SECONDARY, 46, 11, "detail")
        box.y += 2
        first = len(box.items)
        css = f"option {option.mark}".strip()
        shown = f"{option.label} [{option.id}]" if raw else option.label
        box.lines(shown, 44, 12, css, weight="bold", x=PAD + GUTTER,
                  option=option.id)
        if option.mark:  # the page's script redraws these marks when the case changes
            line = box.items[first]
            box.items.append(_Text(PAD, line.y, MARKS[option.mark], 12, f"mark {option.mark}",
                                   option.id))
        for clause in option.clauses:
            box.clause(clause)
    for clause in node.footer:
        box.y += 2
        box.lines("Every option above also cites:", 44, 11, "detail")
        box.clause(Clause("offer", clause.cites, clause.condition))
    for label, cites in node.removed:
        cited = f" ({', '.join(c.id for c in cites)})" if cites else ""
        box.lines(f"Not here: {label}{cited}", 48, 11, "removed")
    for advice in node.advised:  # a warning, never an offered option
        box.y += 2
        mine = " for this patient" if advice.mark else ""
        box.lines(f"{NOT_RECOMMENDED}{mine}: {advice.label}", 44, 12,
                  "advice applies" if advice.mark else "advice", weight="bold", x=PAD + GUTTER,
                  option=advice.id)
        box.clause(advice.badges)
    return box


def _svg_items(box: _Box, centred: bool, width: float) -> list[str]:
    out = []
    for item in box.items:
        if isinstance(item, _Text):
            if item.option:
                out.append(f'<text x="{item.x:.1f}" y="{item.y:.1f}" class="{item.css}" '
                           f'data-option="{html_text(item.option)}">{html_text(item.text)}'
                           f"</text>")
            elif centred:
                out.append(f'<text x="{width / 2:.1f}" y="{item.y:.1f}" class="{item.css}" '
                           f'text-anchor="middle">{html_text(item.text)}</text>')
            else:
                out.append(f'<text x="{item.x:.1f}" y="{item.y:.1f}" class="{item.css}">'
                           f"{html_text(item.text)}</text>")
        else:
            fill, ink = item.cite.colours
            tone = item.cite.tone
            stroke = ' stroke="#999999"' if item.cite.level is None else ""
            out.append(f'<g class="badge {tone}" data-cite="{html_text(item.cite.id)}">'
                       f'<rect x="{item.x:.1f}" y="{item.y:.1f}" width="{item.width:.1f}" '
                       f'height="{BADGE_H:.0f}" rx="3" fill="{fill}"{stroke}/>'
                       f'<text x="{item.x + item.width / 2:.1f}" y="{item.y + 12:.1f}" '
                       f'fill="{ink}" text-anchor="middle">{html_text(_badge_text(item.cite))}'
                       f"</text></g>")
    return out


def _svg(diagram: Diagram) -> str:
    contents = {node.key: _content(node, diagram.raw) for node in diagram.nodes}
    sizes = {}
    for node in diagram.nodes:
        box = contents[node.key]
        minimum = 150.0 if node.kind == "decision" else 200.0
        sizes[node.key] = (round(max(minimum, box.width + PAD), 1), round(box.y + PAD - 2, 1))
    label_lines = {edge.key: wrap(edge.caption, 22) for edge in diagram.edges}
    labels = {key: (max(_text_width(line, 11) for line in lines) + 8, len(lines) * 13.0 + 4)
              for key, lines in label_lines.items()}
    layout: Layout = layered(diagram, sizes, labels)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="nettree-svg" class="nettree" '
           f'width="{layout.width:.0f}" height="{layout.height:.0f}" '
           f'viewBox="0 0 {layout.width:.1f} {layout.height:.1f}" role="img" '
           f'aria-label="{html_text(diagram.title)}">',
           "<defs>"
           '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker>'
           '<marker id="arrow-path" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" '
           f'markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{PATH}"/>'
           "</marker></defs>"]
    if any(edge.width for edge in diagram.edges):  # a cohort's wide lines: arrows of one size
        out[-1] = out[-1].replace("</defs>", (
            '<marker id="arrow-flow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" '
            'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker></defs>'))
    sources = {node.key: node.id for node in diagram.nodes}
    for edge in diagram.edges:
        points, (lx, ly) = layout.edges[edge.key]
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
        css = "nettree-edge" + (" nettree-path" if edge.on_path else "")
        css += " nettree-flow" if edge.count is not None else ""
        stroke = (f' style="stroke-width:{edge.width:g}px;marker-end:url(#arrow-flow)"'
                  if edge.width else "")
        lines = label_lines[edge.key]
        lw, lh = labels[edge.key]
        text = "".join(
            f'<text x="{lx:.1f}" y="{ly - lh / 2 + 13 + i * 13:.1f}" text-anchor="middle">'
            f"{html_text(line)}</text>" for i, line in enumerate(lines))
        out.append(f'<g class="{css}" id="{edge.key}" '
                   f'data-source="{html_text(sources[edge.source])}"'
                   f' data-target="{html_text(sources[edge.target])}"><path d="{d}"{stroke}/>'
                   f'<g class="answer"><rect x="{lx - lw / 2:.1f}" y="{ly - lh / 2:.1f}" '
                   f'width="{lw:.1f}" height="{lh:.1f}" rx="3"/>{text}</g></g>')
    titles = [node.title for node in diagram.nodes]
    for node in diagram.nodes:
        x, y, width, height = layout.boxes[node.key]
        name = node.title  # a title shared by several nodes is told apart by the way there
        if titles.count(node.title) > 1:
            name += " (after: " + " \u203a ".join(answers_to(diagram, node.key)[-2:]) + ")"
        css = f"nettree-node nettree-{node.kind}"
        css += " nettree-path" if node.on_path else ""
        css += " nettree-stop" if node.stop else ""
        css += " nettree-flow" if node.count is not None else ""
        rx = 10 if node.kind in ("decision", "out_of_scope") else 3
        items = "".join(_svg_items(contents[node.key], node.kind == "decision", width))
        out.append(f'<g class="{css}" id="{node.key}" data-node="{html_text(node.id)}" '
                   f'transform="translate({x:.1f},{y:.1f})" tabindex="0" role="button" '
                   f'aria-label="{html_text(name)}"><title>{html_text(node.id)}</title>'
                   f'<rect class="box" width="{width:.1f}" height="{height:.1f}" rx="{rx}"/>'
                   f"{items}</g>")
    out.append("</svg>")
    return "\n".join(out)


# -- the data the page's script reads


def _computed(field: Field, inputs: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    """A field derived by points or cases, for the page's engine: ``computed`` (``sum``:
    [points, condition] pairs; ``cases``: [value, condition or null] pairs), the fields
    its derivation reads (``reads``) and the fields given it depends on (``inputs``)."""
    rule = field.computed
    if rule is None:
        return {}
    if isinstance(rule, PointSum):
        computed: dict[str, Any] = {"sum": [[p.points, _condition(p.when)] for p in rule.points]}
    else:
        computed = {"cases": [[c.value, _condition(c.when)] for c in rule.cases]}
    return {"computed": computed, "reads": list(reads_of(field)),
            "inputs": sorted(inputs[field.name])}


def _condition(cond: Condition | None) -> Any:
    return None if cond is None else cond.to_data()


def _step(step: Step) -> dict[str, Any]:
    if isinstance(step, Offer):
        return {"t": "offer", "option": step.option, "cites": list(step.cites),
                "when": _condition(step.when)}
    if isinstance(step, Drop):
        return {"t": "drop", "options": list(step.options), "when": _condition(step.when),
                "reason": step.reason, "cites": list(step.cites)}
    if isinstance(step, DropListed):
        return {"t": "drop_listed", "field": step.field, "reason": step.reason,
                "cites": list(step.cites)}
    if isinstance(step, Cite):
        return {"t": "cite", "cites": list(step.cites),
                "to": list(step.to) if step.to is not None else None,
                "when": _condition(step.when)}
    if isinstance(step, NotRecommend):
        return {"t": "not_recommend", "options": list(step.options), "cites": list(step.cites),
                "when": _condition(step.when)}
    if isinstance(step, Prefer):
        return {"t": "prefer", "option": step.option, "over": list(step.over),
                "cites": list(step.cites), "when": _condition(step.when)}
    raise TypeError(f"cannot embed step {step!r}")


def _cites_of(steps: tuple[Step, ...]) -> set[str]:
    found: set[str] = set()
    for step in steps:
        found.update(getattr(step, "cites", ()))
    return found


def page_data(guideline: Guideline, diagram: Diagram, *,
              patient: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready data."""
    fields = []
    for field in guideline.fields.values():
        derive = None
        if field.derive is not None:
            derive = {"source": field.derive.source,
                      "bins": [list(b) for b in field.derive.bins],
                      "given_may_exceed": field.derive.given_may_exceed}
        fields.append({
            "name": field.name, "type": field.type.value, "description": field.description,
            "values": list(field.values), "min": field.minimum, "max": field.maximum,
            "has_default": field.has_default, "default": plain(field.default),
            "if_absent": field.if_absent, "derive": derive,
            **_computed(field, guideline.derived_inputs),
            **({"integer": True} if field.integer else {}),
            "label": field.label, "phrases": dict(field.phrases),
        })
    recommendations = {}
    for rec in guideline.recommendations:
        level = guideline.rating_style.level(rec.rating)
        recommendations[rec.id] = {
            "category": rec.category, "text": rec.text,
            "rating": guideline.describe_rating(rec),
            "codes": [code for _, code in rec.rating],
            "rank": None if level is None else level.rank,
            "colours": list(level_colours(level)) if level is not None else None,
            "harm": level is not None and level.harm,
            "statements": [{"id": s.id, "kind": s.kind, "text": s.text}
                           for s in rec.statements],
        }
    statements = {s.id: {"kind": s.kind, "text": s.text, "of": s.recommendation}
                  for s in guideline.statements.values()}
    words = None if diagram.raw else Phrases(guideline.fields, guideline.options)
    decisions = {
        d.id: {"question": d.question, "encoding": d.encoding,
               "branches": [{"answer": b.answer, "when": _condition(b.when), "to": b.to,
                             "text": describe(b.when, words)} for b in d.branches]}
        for d in guideline.decisions.values()
    }
    drawn = {node.id: node for node in diagram.nodes}
    leaves = {}
    for leaf in guideline.leaves.values():
        cited = _cites_of(leaf.steps)
        leaves[leaf.id] = {
            "kind": leaf.kind.value, "label": leaf.label, "reason": leaf.reason,
            "missing": list(leaf.missing), "steps": [_step(s) for s in leaf.steps],
            "encoding": leaf.encoding, "uses": list(leaf.uses),
            "cites": sorted(cited, key=guideline.cite_order.__getitem__),
            "readings": [f"Note {n}: {diagram.legend.readings[n - 1]}"
                         for n in (drawn[leaf.id].notes if leaf.id in drawn else ())],
        }
    fallback = None
    if guideline.fallback is not None:
        fallback = {"option": guideline.fallback.option, "cites": list(guideline.fallback.cites)}
    return {
        "guideline": {"id": guideline.id, "title": guideline.title,
                      "version": guideline.version, "citation": guideline.citation},
        "fields": fields,
        "options": {o.id: o.label for o in guideline.options.values()},
        "option_order": sorted(guideline.option_order, key=guideline.option_order.__getitem__),
        "cite_order": sorted(guideline.cite_order, key=guideline.cite_order.__getitem__),
        "cite_owner": dict(guideline.cite_owner),
        # Each field's finite domain (one value per class the conditions tell apart): a leaf
        # whose options depend on unknown fields tries each, as nettree.traverse does.
        # A domain too large to try is sent as its size alone, never listed (the engine reads
        # only its length, then asks for the fields, as _settle does past the limit): a set
        # field's 2 ** n subsets would make the page grow with 2 ** n.
        "domains": {name: [_plain_value(value) for value, _ in values]
                    if len(values) <= SETTLE_LIMIT else {"length": len(values)}
                    for name, values in guideline.domains.items()},
        "settle_limit": SETTLE_LIMIT,
        "start": guideline.start,
        "decisions": decisions,
        "leaves": leaves,
        "filters": [_step(s) for s in guideline.filters],
        "fallback": fallback,
        "notes": [{"statement": n.statement, "when": _condition(n.when),
                   "remarks": [{"when": _condition(r.when), "text": r.text} for r in n.remarks]}
                  for n in guideline.notes],
        # The named conditions, by name: a condition's data uses one as {"t": "is", "n": name}.
        "conditions": {name: {"label": named.label, "when": named.when.to_data()}
                       for name, named in guideline.conditions.items()},
        "general": list(guideline.general),
        "in_scope": sorted(guideline.in_scope_nodes),
        "recommendations": recommendations,
        "statements": statements,
        "ratings": [{"name": d.name, "label": d.label, "codes": [list(c) for c in d.codes]}
                    for d in guideline.ratings],
        "keys": {node.id: node.key for node in diagram.nodes},
        "edges": [{"key": e.key, "source": e.source, "target": e.target}
                  for e in diagram.edges],
        "patient": {k: plain(v) for k, v in patient.items()} if patient else None,
    }


def _legend(diagram: Diagram) -> str:
    legend = diagram.legend
    kinds = "".join(
        f'<li><span class="swatch {kind}" style="background:{fill};border-color:{border}'
        f'{";border-style:dashed" if dashed else ""}"></span>{html_text(KIND_WORDS[kind])}</li>'
        for kind, (fill, border, _, dashed) in KIND_STYLE.items())
    kinds += (f'<li><span class="swatch" style="border:4px solid {PATH}"></span>'
              f"The case\u2019s path (dashed where it stops for want of data)</li>")
    badges = "".join(
        f'<li><span class="badge-sample" style="background:{level_colours(s)[0]};'
        f'color:{level_colours(s)[1]}">{html_text(s.code)}</span>'
        f"{html_text(legend.strength_label)}: {html_text(s.words)}</li>"
        for s in legend.strengths)
    badges += (f'<li><span class="badge-sample" style="background:{UNRATED[0]};'
               f'color:{UNRATED[1]};border:1px solid #999">2.1-q1</span>'
               f"A qualifying statement or note (not separately rated)</li>")
    filters = "".join(f"<li>{html_text(line)}</li>" for line in legend.filters)
    codes = html_text(" / ".join(legend.ratings))
    parts = [f'<ul class="kinds">{kinds}</ul>',
             f"<p>Badges: a recommendation number and its rating codes ({codes}).</p>",
             f'<ul class="kinds">{badges}</ul>']
    if filters:
        parts.append(f"<p>Then, at every recommendation leaf, in order:</p><ul>{filters}</ul>")
    if legend.fallback:
        parts.append(f"<p>{html_text(legend.fallback)}</p>")
    parts.append(f'<p class="marks">{html_text(MARK_KEY)}</p>')
    if legend.advice:
        parts.append(f'<p class="marks advice-key">{html_text(ADVICE_KEY)}</p>')
    if legend.focus:
        parts.append(f"<p><b>{html_text(legend.focus)}</b></p>")
    return "\n".join(parts)


def _resource(name: str) -> str:
    return resources.files("nettree.export").joinpath(name).read_text(encoding="utf-8")


def to_html(guideline: Guideline, diagram: Diagram, *,
            focus: Mapping[str, Any] | None = None,
            patient: Mapping[str, Any] | None = None) -> str:
    """The page: one HTML file with the SVG, the data, the style and the script inlined."""
    del focus  # the diagram already holds what the focus keeps
    data = json.dumps(page_data(guideline, diagram, patient=patient), ensure_ascii=False,
                      separators=(",", ":"), sort_keys=False)
    data = script_json(data)  # never close the script element early
    title = html_text(diagram.title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nettree">
<title>{title}</title>
<style>
{_resource("page.css")}
</style>
</head>
<body>
<a class="skip-link" href="#nettree-case">Skip to the case form</a>
<header id="nettree-header">
<h1>{title}</h1>
<p class="meta">{html_text(diagram.guideline)}, version {html_text(diagram.version)}.
Drawn by nettree: a tool for reading a guideline, not a medical device.
<span class="zoom"><button type="button" id="nettree-zoom-out" title="Zoom out">\u2212</button>
<button type="button" id="nettree-zoom-fit" title="Fit to the window">Fit</button>
<button type="button" id="nettree-zoom-in" title="Zoom in">+</button></span></p>
</header>
<main id="nettree-main">
<div id="nettree-diagram">
{_svg(diagram)}
</div>
<aside id="nettree-panel">
<section id="nettree-details" aria-live="polite">
<h2>Details</h2>
<div id="nettree-details-body"><p class="hint">Click a node to read its question, or the
recommendations it cites, verbatim.</p></div>
</section>
<section id="nettree-case">
<h2>Walk a case</h2>
<p class="hint">Give what is known; leave the rest \u201cnot given\u201d. The path lights up as
you answer.</p>
<div id="nettree-result" aria-live="polite"></div>
<form id="nettree-form" autocomplete="off"></form>
<p><button type="button" id="nettree-clear">Clear the case</button></p>
</section>
<section id="nettree-legend">
<h2>Legend</h2>
{_legend(diagram)}
</section>
</aside>
</main>
<script type="application/json" id="nettree-data">{data}</script>
<script>
{_resource("page_engine.js")}
</script>
<script>
{_resource("page.js")}
</script>
</body>
</html>
"""


def _plain_value(value: object) -> object:
    """A domain value as JSON carries it (a set's subset as a sorted list)."""
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(value)
    return value
