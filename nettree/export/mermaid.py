"""The diagram as a Mermaid ``flowchart``: pure text that GitHub renders in Markdown.

Every label is quoted and escaped (:func:`~nettree.export.quoting.mermaid_label`); node ids
are sanitised. Mermaid cannot colour one line of a node, so each citation carries a coloured
square for its strength (the legend node explains them) and a leaf's border takes the colour
of the strongest recommendation it cites. The path is drawn with ``classDef`` and
``linkStyle``.
"""

from __future__ import annotations

from .dot import OFFERED_FILL, READINGS
from .extract import ADVICE_KEY, MARK_KEY
from .model import Citation, Clause, Diagram, DiagramNode
from .quoting import mermaid_comment, mermaid_label, wrap
from .style import KIND_STYLE, NOT_RECOMMENDED, PATH, SECONDARY, options_heading

__all__ = ["to_mermaid"]

WRAPPING_WIDTH = 360  # pixels: how wide Mermaid lets a label grow before wrapping it
_UNRATED = "statement"  # a qualifying statement or note: never shown with a rating
_WEAK_INK = "#b7791f"  # the border of a leaf whose strongest citation is weak: a visible amber


def _mark(cite: Citation) -> str:
    """A citation's level in letters (no emoji: they show as empty boxes without an
    emoji font): the code of the dimension that orders recommendations in brackets,
    ``statement`` for a statement, nothing for a recommendation the style does not rate."""
    if cite.kind != "recommendation":
        return f"[{_UNRATED}]"
    return f"[{cite.level.code}]" if cite.level is not None else ""


def _lines(text: str, width: int = 0) -> str:
    """Escaped text; Mermaid wraps long lines itself (``wrappingWidth``), so ``width`` only
    breaks the short labels of decisions and answers."""
    if not width:
        return mermaid_label(text)
    return "<br/>".join(mermaid_label(line) for line in wrap(text, width))


def _cites(cites: tuple[Citation, ...]) -> str:
    return " ".join(f"{c.id} {_mark(c)}".strip() + (f" ({c.rating})" if c.codes else "")
                    for c in cites)


def _clause(clause: Clause) -> str:
    text = clause.text
    return mermaid_label(_cites(clause.cites)) + (f": {_lines(text)}" if text else "")


def _label(node: DiagramNode) -> str:
    parts = [f"<b>{_lines(node.title)}</b>"]
    if node.detail:
        parts.append(f"<i>{_lines(node.detail)}</i>")
    if node.options and node.kind == "recommendation":
        parts.append(f"<i>{_lines(options_heading(node.has_preference))}</i>")
    marked = any(option.mark for option in node.options)
    secondary = False
    for option in node.options:
        if option.secondary and not secondary:
            secondary = True
            parts.append(f"<i>{_lines(SECONDARY)}</i>")
        if option.mark == "offered":
            parts.append(f"\u2713 <b><u>{_lines(option.label)}</u></b>: for this patient")
        elif option.mark == "excluded":
            by = f" ({', '.join(option.excluded_by)})" if option.excluded_by else ""
            why = f": {option.reason}" if option.reason else f" for this patient{by}"
            parts.append(f"\u2717 <s>{_lines(option.label)}</s>: "
                         f"{_lines(f'excluded{why}')}")
        elif marked:
            parts.append(f"\u2022 <i>{_lines(option.label)}</i>: not for this patient")
        elif option.secondary:
            parts.append(f"\u2022 <i>{_lines(option.label)}</i>")
        else:
            parts.append(f"\u2022 <b>{_lines(option.label)}</b>")
        parts.extend(f"\u2003{_clause(clause)}" for clause in option.clauses)
    for clause in node.footer:
        shown = Clause("offer", clause.cites, clause.condition)
        parts.append(f"Every option also cites {_clause(shown)}")
    for label, cites in node.removed:
        cited = f" ({', '.join(c.id for c in cites)})" if cites else ""
        parts.append(f"<i>{_lines(f'Not here: {label}{cited}')}</i>")
    for advice in node.advised:
        mine = " for this patient" if advice.mark else ""
        shown = advice.badges
        parts.append(f"<b>{_lines(f'{NOT_RECOMMENDED}{mine}: {advice.label}')}</b>: "
                     f"{_clause(shown)}")
    return "<br/>".join(parts)


def _strongest(node: DiagramNode) -> int | None:
    ranks = [c.strength for o in node.options for cl in o.clauses for c in cl.cites
             if c.strength is not None]
    ranks += [c.strength for cl in node.footer for c in cl.cites if c.strength is not None]
    return min(ranks) if ranks else None


def _shape(node: DiagramNode) -> str:
    label = _label(node) if node.kind != "decision" else \
        "<b>" + _lines(node.title, 28) + "</b>" + (
            f"<br/><i>{_lines(node.detail, 28)}</i>" if node.detail else "")
    if node.kind == "decision":
        return f'{node.key}("{label}")'
    if node.kind == "out_of_scope":
        return f'{node.key}(["{label}"])'
    return f'{node.key}["{label}"]'


def _legend(diagram: Diagram) -> str:
    legend = diagram.legend
    parts = [f"<b>{_lines(diagram.title)}</b>",
             mermaid_label(f"{diagram.guideline}, version {diagram.version}. "
                           f"Drawn by nettree: not a medical device."),
             mermaid_label("Rounded blue: a decision (arrows are its answers). "
                           "White: a recommendation leaf. Orange: needs information. "
                           "Grey: out of scope.")]
    if legend.strengths:
        marks = " \u00b7 ".join(f"[{s.code}] {s.words}" for s in legend.strengths)
        parts.append(mermaid_label(f"{legend.strength_label} (after each citation; a leaf's "
                                   f"border shows its strongest): {marks} \u00b7 "
                                   f"[{_UNRATED}] qualifying statement or note (not rated)"))
    parts.append(_lines("Rating codes: " + "; ".join(legend.ratings)))
    if legend.filters:
        parts.append(_lines("Then, at every recommendation leaf, in order:"))
        parts.extend("\u2022 " + _lines(line) for line in legend.filters)
    if legend.readings:
        parts.append(_lines(READINGS))
        parts.extend(_lines(f"Note {n}: {line}") for n, line in enumerate(legend.readings, 1))
    for line in (legend.fallback, legend.focus, legend.path):
        if line:
            parts.append(_lines(line))
    if legend.marks:
        parts.append(_lines(MARK_KEY))
    if legend.advice:
        parts.append(_lines(ADVICE_KEY))
    return f'legend["{"<br/>".join(parts)}"]'


def to_mermaid(diagram: Diagram) -> str:
    """The diagram as Mermaid ``flowchart`` text, byte-stable for a given diagram."""
    lines = [
        f"%% {mermaid_label(diagram.title)}",
        f"%% {mermaid_comment(f'{diagram.guideline}, version {diagram.version}.')} "
        f"Generated by nettree; do not edit.",
        '%%{init: {"flowchart": {"wrappingWidth": ' + str(WRAPPING_WIDTH) + '}}}%%',
        f"flowchart {diagram.direction}",
    ]
    lines.extend(f"  {_shape(node)}" for node in diagram.nodes)
    path_links = []
    for index, edge in enumerate(diagram.edges):
        arrow = "==>" if edge.on_path else "-->"
        lines.append(f'  {edge.source} {arrow}|"{_lines(edge.caption, 24)}"| {edge.target}')
        if edge.on_path:
            path_links.append(str(index))
    # The legend goes below the drawing (an invisible link from the last node), where it
    # hides no arrow; invisible links come last, so linkStyle's indices stay those above.
    lines.append(f"  {_legend(diagram)}")
    if diagram.nodes:
        lines.append(f"  {diagram.nodes[-1].key} ~~~ legend")

    for kind, (fill, border, ink, dashed) in KIND_STYLE.items():
        dash = ",stroke-dasharray:5 3" if dashed else ""
        align = ",text-align:left" if kind in ("recommendation", "needs_information") else ""
        lines.append(f"  classDef {kind} fill:{fill},stroke:{border},color:{ink}{dash}{align}")
    for level in diagram.legend.strengths:
        # A pale badge colour is no visible border: past the first, amber (harm: its red).
        ink = level.fill if level.rank == 0 or level.harm else _WEAK_INK
        lines.append(f"  classDef strength{level.rank} stroke:{ink},stroke-width:3px")
    lines.append("  classDef legend fill:#fafafa,stroke:#bbbbbb,color:#333333,text-align:left")
    lines.append(f"  classDef path stroke:{PATH},stroke-width:4px")
    lines.append("  classDef stop stroke-dasharray:6 4")
    if any(node.count is not None for node in diagram.nodes):  # a cohort's flow
        lines.append("  classDef flow stroke-width:2px")
    if diagram.legend.marks:  # the leaf a patient reached, whose options are marked
        lines.append(f"  classDef reached fill:{OFFERED_FILL}")

    by_class: dict[str, list[str]] = {}
    for node in diagram.nodes:
        by_class.setdefault(node.kind, []).append(node.key)
        if node.kind == "recommendation":  # needs information keeps its orange border
            strongest = _strongest(node)
            if strongest is not None:
                by_class.setdefault(f"strength{strongest}", []).append(node.key)
    for node in diagram.nodes:
        if node.on_path:
            by_class.setdefault("path", []).append(node.key)
        if node.stop:
            by_class.setdefault("stop", []).append(node.key)
        if any(option.mark for option in node.options):
            by_class.setdefault("reached", []).append(node.key)
    flow = [node.key for node in diagram.nodes if node.count is not None]
    if flow:
        by_class["flow"] = flow
    by_class["legend"] = ["legend"]
    for name, keys in by_class.items():
        lines.append(f"  class {','.join(keys)} {name}")
    if path_links:
        lines.append(f"  linkStyle {','.join(path_links)} stroke:{PATH},stroke-width:4px")
    for index, edge in enumerate(diagram.edges):  # a cohort's flow: widths in proportion
        if edge.width:
            lines.append(f"  linkStyle {index} stroke-width:{edge.width:g}px")
    return "\n".join(lines) + "\n"
