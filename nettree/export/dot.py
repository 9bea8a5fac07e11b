"""The diagram as Graphviz DOT text: pure, no binary needed.

Nodes use HTML-like labels (tables) so a leaf can list its options with coloured citation
badges; the legend is the graph's own label, drawn below the graph where it cannot overlap
it. Every node and edge has an ``id`` and a ``class`` (``nettree-node``, ``nettree-edge``,
plus ``nettree-path`` on the highlighted path), which Graphviz writes into its SVG.
"""

from __future__ import annotations

from collections.abc import Mapping

from .extract import ADVICE_KEY, MARK_KEY
from .model import (
    Advice,
    Citation,
    Clause,
    Diagram,
    DiagramEdge,
    DiagramNode,
    Legend,
    OptionEntry,
)
from .quoting import dot_comment, dot_html, dot_string, wrap
from .style import (
    KIND_STYLE,
    KIND_WORDS,
    NOT_RECOMMENDED,
    PATH,
    SECONDARY,
    UNRATED,
    WARNING_INK,
    WIDTH,
    level_colours,
    options_heading,
)

__all__ = ["to_dot"]

FONT = "Helvetica"
SMALL = 9
MUTED = "#555555"



def _lines(text: str, width: int) -> str:
    """Wrapped text with HTML-like line breaks (left aligned by the enclosing BALIGN)."""
    return "<BR/>".join(dot_html(line) for line in wrap(text, width))


def _badge(cite: Citation) -> str:
    fill, ink = cite.colours
    border = ' BORDER="1" COLOR="#999999"' if cite.level is None else ""
    rating = f' <FONT POINT-SIZE="{SMALL - 1}">{dot_html(cite.rating)}</FONT>' \
        if cite.codes else ""
    return (f'<TD BGCOLOR="{fill}"{border} ALIGN="LEFT" VALIGN="MIDDLE">'
            f'<FONT COLOR="{ink}" POINT-SIZE="{SMALL}"><B>{dot_html(cite.id)}</B>{rating}'
            f"</FONT></TD>")


def _clause_rows(clause: Clause) -> list[str]:
    """One row per citation: the badge in the first column, the condition in the second (a
    clause citing several gets the condition once, on its first row)."""
    words = clause.text
    text = _lines(words, WIDTH["condition"]) if words else ""
    text = f'<FONT POINT-SIZE="{SMALL}">{text}</FONT>' if text else ""
    rows = []
    for index, cite in enumerate(clause.cites or (None,)):
        badge = _badge(cite) if cite is not None else "<TD></TD>"
        cell = text if index == 0 else ""
        rows.append(f'<TR>{badge}<TD ALIGN="LEFT" BALIGN="LEFT" VALIGN="MIDDLE">{cell}</TD></TR>')
    return rows


# The first row of a leaf's table fixes the second column's width, so that no wrapped line
# spanning both columns is wider than the two: the badge column then stays as narrow as the
# widest badge instead of taking a share of the extra width.
_RULER = ('<TR><TD FIXEDSIZE="TRUE" WIDTH="1" HEIGHT="1" CELLPADDING="0"></TD>'
          '<TD FIXEDSIZE="TRUE" WIDTH="215" HEIGHT="1" CELLPADDING="0"></TD></TR>')


READINGS = "How some citations are read (a condition marked \u201cnote N\u201d points here):"

OFFERED_FILL = "#fce4ec"
"""The background of an option the highlighted patient is offered (a pale path colour)."""
EXCLUDED_INK = "#8a8a8a"


def _heading_row(text: str) -> str:
    return (f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL}" '
            f'COLOR="{MUTED}"><I>{_lines(text, WIDTH["detail"])}</I></FONT></TD></TR>')


def _option_row(option: OptionEntry, raw: bool, greyed: bool = False) -> str:
    """An option's name and id; in the leaf a patient reached, marked with what the result
    did to it: offered (a check mark, bold, in the path colour) or excluded (struck, grey)."""
    label = _lines(option.label, WIDTH["option"])
    ident = dot_html(f"[{option.id}] ") if raw else ""
    if option.mark == "offered":
        return (f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT" CELLPADDING="1" '
                f'BGCOLOR="{OFFERED_FILL}"><FONT COLOR="{PATH}"><B>\u2713 {label}</B> '
                f'<FONT POINT-SIZE="{SMALL}">{ident}for this patient</FONT></FONT></TD></TR>')
    if option.mark == "excluded":
        by = f" ({', '.join(option.excluded_by)})" if option.excluded_by else ""
        why = _lines(f"\u2717 excluded: {option.reason}", WIDTH["detail"]) if option.reason \
            else f"\u2717 excluded for this patient{dot_html(by)}"
        return (f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT" CELLPADDING="1">'
                f'<FONT COLOR="{EXCLUDED_INK}"><S>{label}</S><BR/><FONT POINT-SIZE="{SMALL}">'
                f'{ident}{why}</FONT></FONT></TD></TR>')
    if greyed or option.secondary:
        note = f' <FONT POINT-SIZE="{SMALL}">(not for this patient)</FONT>' if greyed else ""
        return (f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT" CELLPADDING="1">'
                f'<FONT COLOR="{EXCLUDED_INK if greyed else MUTED}">{label}{note}</FONT>'
                f'{" " + ident.strip() if raw else ""}</TD></TR>')
    tail = f' <FONT POINT-SIZE="{SMALL}" COLOR="{MUTED}">{ident.strip()}</FONT>' if raw else ""
    return (f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT" CELLPADDING="1">'
            f'{label}{tail}</TD></TR>')


def _leaf_label(node: DiagramNode, raw: bool) -> str:
    ink = KIND_STYLE[node.kind][2]
    rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT"><FONT COLOR="{ink}"><B>'
            f'{_lines(node.title, WIDTH["title"])}</B></FONT></TD></TR>']
    if node.detail:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL}" '
                    f'COLOR="{ink}">{_lines(node.detail, WIDTH["detail"])}</FONT></TD></TR>')
    if node.options and node.kind == "recommendation":
        rows.append(_heading_row(options_heading(node.has_preference)))
    marked = any(option.mark for option in node.options)
    secondary = False
    for option in node.options:
        if option.secondary and not secondary:
            secondary = True
            rows.append(_heading_row(SECONDARY))
        rows.append(_option_row(option, raw, greyed=marked and not option.mark))
        for clause in option.clauses:
            rows.extend(_clause_rows(clause))
    for clause in node.footer:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="{SMALL}" '
                    f'COLOR="{MUTED}">Every option above also cites:</FONT></TD></TR>')
        rows.extend(_clause_rows(Clause("offer", clause.cites, clause.condition)))
    for label, cites in node.removed:
        cited = f" ({', '.join(c.id for c in cites)})" if cites else ""
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL}" '
                    f'COLOR="{MUTED}">{_lines(f"Not here: {label}{cited}", WIDTH["detail"])}'
                    f'</FONT></TD></TR>')
    for advice in node.advised:
        rows.extend(_advice_rows(advice))
    for reading in node.readings:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL}" '
                    f'COLOR="{MUTED}">{_lines(reading, WIDTH["detail"])}</FONT></TD></TR>')
    ruler = _RULER if node.options or node.footer or node.advised else ""  # by name: no columns
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2">'
            + ruler + "".join(rows) + "</TABLE>>")


def _advice_rows(advice: Advice) -> list[str]:
    """A warning against an option: its label in the harm colour, then its badges with the
    condition (never an option row: it is not offered)."""
    mine = " for this patient" if advice.mark else ""
    text = _lines(f"{NOT_RECOMMENDED}{mine}: {advice.label}", WIDTH["option"])
    text = f"<B>{text}</B>" if advice.mark else text
    return [f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT" CELLPADDING="1"><FONT '
            f'COLOR="{WARNING_INK}">{text}</FONT></TD></TR>',
            *_clause_rows(advice.badges)]


def _numbered(heading: str, lines: list[str], width: int) -> str:
    """A legend row: ``heading``, then a short table of ``lines``, one a row."""
    cells = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL + 1}">'
                    f'{_lines(line, width - 4)}</FONT></TD></TR>' for line in lines)
    return (f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL + 1}">'
            f'{_lines(heading, width)}</FONT></TD></TR><TR><TD ALIGN="LEFT"><TABLE BORDER="0" '
            f'CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE></TD></TR>')


def _decision_label(node: DiagramNode) -> str:
    ink = KIND_STYLE["decision"][2]
    label = f'<FONT COLOR="{ink}"><B>{_lines(node.title, WIDTH["question"])}</B></FONT>'
    if node.detail:
        label += (f'<BR/><FONT POINT-SIZE="{SMALL}" COLOR="{PATH}">'
                  f'{_lines(node.detail, WIDTH["question"])}</FONT>')
    return f"<{label}>"


def _classes(base: str, on_path: bool, stop: bool = False) -> str:
    return base + (" nettree-path" if on_path else "") + (" nettree-stop" if stop else "")


Pins = Mapping[str, str]
"""Where a drawing places each node and edge, by key: a node's ``pos`` (``x,y`` in
points), an edge's ``pos`` (its spline) and ``lp:KEY`` its label's (from
:func:`nettree.export.images.layout`)."""


def _pinned(key: str, pins: Pins | None) -> str:
    if pins is None or key not in pins:
        return ""
    if f"lp:{key}" in pins:  # an edge
        label = pins[f"lp:{key}"]
        return f'pos="{pins[key]}", ' + (f'lp="{label}", ' if label else "")
    return f'pos="{pins[key]}!", '


def _node(node: DiagramNode, raw: bool, pinned: str = "") -> str:
    fill, border, _, dashed = KIND_STYLE[node.kind]
    style = ["filled"]
    if node.kind in ("decision", "out_of_scope"):
        style.append("rounded")
    if dashed or node.stop:
        style.append("dashed")
    penwidth = "1.2"
    if node.on_path:
        border, penwidth = PATH, "4"
    if node.kind == "decision":
        label = _decision_label(node)
    elif node.kind == "out_of_scope":
        detail = (f'<BR/><FONT POINT-SIZE="{SMALL}">{_lines(node.detail, WIDTH["detail"])}'
                  f"</FONT>") if node.detail else ""  # dot refuses an empty FONT
        label = (f'<<FONT COLOR="{KIND_STYLE[node.kind][2]}"><B>'
                 f'{_lines(node.title, WIDTH["title"])}</B>{detail}</FONT>>')
    else:
        label = _leaf_label(node, raw)
    classes = _classes(f"nettree-node nettree-{node.kind}", node.on_path, node.stop)
    classes += " nettree-flow" if node.count is not None else ""
    attrs = [
        f"id={dot_string(node.key)}",
        f"class={dot_string(classes)}",
        f"shape=box, style={dot_string(','.join(style))}",
        f'fillcolor="{fill}", color="{border}", penwidth={penwidth}',
        f"tooltip={dot_string(node.id)}",
        f"label={label}",
    ]
    return f"  {node.key} [" + pinned + ", ".join(attrs) + "];"


def _edge(edge: DiagramEdge, pinned: str = "") -> str:
    colour, penwidth, weight = ("#4a5568", "1.2", "1")
    font = f'<FONT POINT-SIZE="10">{_lines(edge.label, WIDTH["answer"])}</FONT>'
    if edge.on_path:
        colour, penwidth, weight = PATH, "4", "2"
        font = (f'<FONT POINT-SIZE="10" COLOR="{PATH}"><B>{_lines(edge.label, WIDTH["answer"])}'
                f"</B></FONT>")
    if edge.width:  # a cohort's flow: the width in proportion to the patients
        penwidth = f"{edge.width:g}"
    # A cohort's patients on a line of their own under the answer; every drawing keeps
    # that line (blank without a cohort), so that a cohort's drawing pinned to the plain
    # one's layout finds the room for it.
    font += f'<BR/><FONT POINT-SIZE="10">{_lines(edge.flow, WIDTH["answer"]) or " "}</FONT>'
    flow = " nettree-flow" if edge.count is not None else ""
    attrs = [
        f"id={dot_string(edge.key)}",
        f"class={dot_string(_classes('nettree-edge', edge.on_path) + flow)}",
        f'color="{colour}", penwidth={penwidth}, weight={weight}',
        f"label=<{font}>",
    ]
    return f"  {edge.source} -> {edge.target} [" + pinned + ", ".join(attrs) + "];"


def _swatch(kind: str) -> str:
    fill, border, ink, _ = KIND_STYLE[kind]
    return (f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="{border}" ALIGN="LEFT" BALIGN="LEFT">'
            f'<FONT COLOR="{ink}" POINT-SIZE="{SMALL}">'
            f'{_lines(KIND_WORDS[kind], 30)}</FONT></TD>')


def _legend(diagram: Diagram) -> str:
    legend: Legend = diagram.legend
    width = WIDTH["legend"]
    rows = [f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="13"><B>'
            f'{_lines(diagram.title, width)}</B></FONT><BR/><FONT POINT-SIZE="{SMALL}">'
            f'{dot_html(diagram.guideline)}, version {dot_html(diagram.version)}. '
            f'Drawn by nettree: not a medical device.</FONT></TD></TR>']
    if legend.page:
        rows.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL + 2}"><B>'
                    f'{_lines(legend.page, width)}</B></FONT></TD></TR>')
    kinds = "".join(_swatch(k) for k in KIND_STYLE)
    if diagram.has_path:
        words = _lines("The patient\u2019s path (dashed where it stops for want of data)", 30)
        kinds += (f'<TD BORDER="3" COLOR="{PATH}" ALIGN="LEFT" BALIGN="LEFT"><FONT COLOR="{PATH}"'
                  f' POINT-SIZE="{SMALL}"><B>{words}</B></FONT></TD>')
    if legend.full:
        rows.append(f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="4" CELLPADDING="4">'
                    f"<TR>{kinds}</TR></TABLE></TD></TR>")
    badges = []
    for level in legend.strengths:
        fill, ink = level_colours(level)
        badges.append(f'<TD BGCOLOR="{fill}"><FONT COLOR="{ink}" POINT-SIZE="{SMALL}"><B>'
                      f'{dot_html(level.code)}</B> {dot_html(level.words)}</FONT></TD>')
    fill, ink = UNRATED
    badges.append(f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="#999999"><FONT COLOR="{ink}" '
                  f'POINT-SIZE="{SMALL}">qualifying statement or note (not rated)</FONT></TD>')
    head = (f"Badges: the recommendation number and its rating codes, coloured by "
            f"{legend.strength_label.lower()}:" if legend.strengths else
            "Badges: the recommendation number and its rating codes:")
    rows.append(f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="4" CELLPADDING="3"><TR>'
                f'<TD><FONT POINT-SIZE="{SMALL}">{dot_html(head)}</FONT></TD>'
                f'{"".join(badges)}</TR></TABLE></TD></TR>')
    if not legend.full:
        return ('<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="2" '
                'CELLPADDING="3">' + "".join(rows) + "</TABLE>>")
    ratings = "Rating codes (in badge order): " + "; ".join(legend.ratings)
    rows.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL + 1}">'
                f'{_lines(ratings, width)}</FONT></TD></TR>')
    text = []
    if legend.filters:  # a short table: one rule a row
        rows.append(_numbered("Then, at every recommendation leaf, in order:",
                              [f"{index}. {line}" for index, line in
                               enumerate(legend.filters, 1)], width))
    if legend.readings:  # how the leaves read their citations: the clauses' "(note N)"
        rows.append(_numbered(READINGS, [f"Note {index}: {line}" for index, line in
                                         enumerate(legend.readings, 1)], width))
    if legend.fallback:
        text.append(("Finally", legend.fallback))
    text.append(("Conditions", "field names and values are the patient fields "
                 "(nettree show --fields); \u201cif\u201d: offered when it holds"
                 if diagram.raw else "\u201cif\u201d: offered when it holds"))
    lines = [f"{head}: {body}" for head, body in text]
    lines += [line for line in (legend.focus, legend.path) if line]  # they say what they are
    if legend.marks:
        lines.append(MARK_KEY)
    if legend.advice:
        lines.append(ADVICE_KEY)
    for line in lines:
        rows.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL + 1}">'
                    f'{_lines(line, width)}</FONT></TD></TR>')
    return ('<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def to_dot(diagram: Diagram, *, heading: str = "", pins: Pins | None = None) -> str:
    """The diagram as DOT text, byte-stable for a given diagram.

    ``heading`` (an HTML-like label, for a slide) is drawn above the graph instead of the
    legend below it. ``pins`` place every node and edge where another drawing of the same
    graph placed them (drawn with ``neato -n2``: :data:`nettree.export.images.PINNED`).
    """
    label, place = (heading, "t") if heading else (_legend(diagram), "b")
    pad, anchor = "0.25", []
    if pins is not None and "bb" in pins:
        # The pinned drawing's top left corner is where the plain one's is: an invisible
        # point a pad's width above and left of it, and no pad (a node that grew a little,
        # by a patient's note or a cohort's count, moves nothing).
        left, _, _, top = (float(v) for v in pins["bb"].split(","))
        pad = "0"
        anchor = [f'  nettree_anchor [shape=point, style=invis, width=0, height=0, label="", '
                  f'pos="{left - 18:g},{top + 18:g}!"];']
    lines = [
        f"// {dot_comment(diagram.title)}",
        f"// {dot_comment(f'{diagram.guideline}, version {diagram.version}.')} "
        f"Generated by nettree; do not edit.",
        f"digraph {dot_string(diagram.guideline)} {{",
        f'  graph [rankdir={diagram.direction}, fontname="{FONT}", nodesep=0.3, ranksep=0.45, '
        f'pad={pad}, labelloc={place}, labeljust=l, id="nettree", class="nettree", '
        f'tooltip={dot_string(diagram.title)},',
        f"         label={label}];",
        f'  node [fontname="{FONT}", fontsize=11, margin="0.12,0.06"];',
        f'  edge [fontname="{FONT}", fontsize=10, fontcolor="#2d3748", arrowsize=0.8];',
    ]
    lines.extend(anchor)
    lines.extend(_node(node, diagram.raw, _pinned(node.key, pins)) for node in diagram.nodes)
    lines.extend(_edge(edge, _pinned(edge.key, pins)) for edge in diagram.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"
