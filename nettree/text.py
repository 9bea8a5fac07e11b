"""Plain-text views for people: a result explained, a guideline's recommendations listed.

Pure functions from values to text; the CLI prints what they return.
"""

from __future__ import annotations

import textwrap
from typing import Any

from .conditions import describe_value
from .errors import cut
from .guideline import Guideline
from .model import value_phrase
from .result import EITHER_WAY, NEEDS_INFORMATION, OUT_OF_SCOPE, Result

__all__ = ["explain", "show_guideline"]

WIDTH = 92


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=first if first is not None else indent,
        subsequent_indent=indent, break_on_hyphens=False,
    ) or [indent.rstrip()]


def _values(guideline: Guideline, values: tuple[tuple[str, object], ...]) -> str:
    """The values a step read, in the file's display words where it gives them."""
    return ", ".join(value_phrase(guideline.fields.get(name), value)
                     or f"{name} = {describe_value(value)}" for name, value in values)


def _citation(guideline: Guideline, cite: str, indent: str) -> list[str]:
    """A citation with the guideline's own words; a statement is never shown with a rating."""
    if cite in guideline.statements:
        statement = guideline.statement(cite)
        kind = "qualifying statement" if statement.kind == "qualifying" else "note"
        head = f"{cite} ({kind} of recommendation {statement.recommendation}; not separately rated)"
        text = statement.text
    else:
        rec = guideline.recommendation(cite)
        head = f"{cite} ({guideline.describe_rating(rec)})"
        text = rec.text
    return [*_wrap(head, indent), *_wrap(f'"{text}"', indent + "  ")]


def _advice_cites(guideline: Guideline, cites: tuple[str, ...]) -> str:
    """Citations of advice against an option, each with its ordering code's meaning
    (``AF-6, Class 3: Harm``) where the guideline's rating style gives one."""
    style = guideline.rating_style
    parts = []
    for cite in cites:
        level = None if cite in guideline.statements else \
            style.level(guideline.recommendation(cite).rating)
        parts.append(f"{cite}, {style.label} {level.code}: {level.words}" if level else cite)
    return "; ".join(parts)


def explain(guideline: Guideline, result: Result) -> str:
    """A result in plain words: status, path, options with citations, exclusions, notes."""
    status = {
        NEEDS_INFORMATION: "NEEDS INFORMATION",
        OUT_OF_SCOPE: "OUT OF SCOPE",
    }.get(result.status, "RECOMMENDATION")
    lines = [f"{guideline.title}", f"[{guideline.id}, version {guideline.version}]", "",
             f"Result: {status}"]
    if result.reason:
        lines += _wrap(result.reason, "  ")
    if result.missing:
        lines += ["", "Missing information (give these fields to go on):"]
        known = {name: value for step in result.path for name, value in step.values}
        for name in result.missing:
            field = guideline.fields[name]
            extra = f" or {field.derive.source}" if field.derive else ""
            allowed = f"Allowed: {field.allowed()}."
            if known.get(name) is not None and field.values:
                # A needs_information leaf: the current value cannot let the walk go on.
                others = ", ".join(repr(v) for v in field.values if v != known[name])
                allowed = f"Now {describe_value(known[name])}; give one of {others}."
            lines += _wrap(f"{name}{extra}: {field.description} {allowed}", "    ", "  - ")

    lines += ["", "Path:"]
    for number, step in enumerate(result.path, 1):
        values = f"  [{_values(guideline, step.values)}]" if step.values else ""
        if step.kind == "decision":
            answer = step.answer if step.answer is not None else "UNKNOWN - stopped here"
            if answer == EITHER_WAY:
                answer = f"{EITHER_WAY} (unknown, but every answer leads to this result)"
            lines += _wrap(f"{step.text} -> {answer}{values}", "      ", f"  {number:>2}. ")
        else:
            stop = "" if step.answer else " - stopped here: the options depend on unknown data"
            lines += _wrap(f"{step.text}{stop}{values}", "      ", f"  {number:>2}. ")

    if result.not_recommended:
        lines += ["", "Not recommended for this patient (the guideline advises against):"]
        for advised in result.not_recommended:
            lines += _wrap(f"\u26a0 not recommended: {advised.label} [{advised.id}] "
                           f"({_advice_cites(guideline, advised.cites)})", "      ", "  ")
            for cite in advised.cites:
                lines += _citation(guideline, cite, "      ")
    if result.options:
        labels = {option.id: option.label for option in result.options}
        ranked = any(option.preferred_over for option in result.options)
        heading = "Options" if len(result.options) == 1 else \
            "Options (not ranked, except where a preference is stated: the choice is the " \
            "team's and the patient's)" if ranked else \
            "Options (not ranked: the choice is the team's and the patient's)"
        lines += ["", f"{heading}:"]
        for option in result.options:
            lines += [f"  * {option.label}  [{option.id}]"]
            if option.preferred_over:
                lines += _wrap("preferred over " + ", ".join(
                    f"{labels[o]} [{o}]" for o in option.preferred_over), "      ")
            for cite in option.cites:
                lines += _citation(guideline, cite, "      ")
    if result.excluded:
        lines += ["", "Excluded:"]
        for excl in result.excluded:
            cites = f" [{', '.join(excl.cites)}]" if excl.cites else ""
            lines += _wrap(f"{excl.label} [{excl.id}]: {excl.reason}{cites}", "      ", "  - ")
    certain = [n for n in result.notes if not n.unknown]
    possible = [n for n in result.notes if n.unknown]
    quoted = {cite: option.label for option in result.options for cite in option.cites}
    if certain:
        lines += ["", "Notes that apply:"]
        for note in certain:
            if note.id in quoted and not note.remarks:  # its words are printed above already
                lines += _wrap(f"{note.id}: quoted above, with {quoted[note.id]}", "      ",
                               "  - ")
                continue
            lines += _wrap(f'{note.id}: "{note.text}"', "      ", "  - ")
            for remark in note.remarks:
                lines += _wrap(remark, "        ", "      > ")
    if possible:
        lines += ["", "Notes that may apply (they depend on data not given):"]
        for note in possible:
            lines += _wrap(f'{note.id} (if known: {", ".join(note.unknown)}): "{note.text}"',
                           "      ", "  - ")
    if result.general:
        lines += ["", "General recommendations (apply to every patient in scope):"]
        ruled = {rule.statement for rule in guideline.notes}
        for rec_id in result.general:
            lines += _citation(guideline, rec_id, "  ")
            # Its statements that no note rule governs go with it, as in the guideline.
            for statement in guideline.recommendation(rec_id).statements:
                if statement.id not in ruled:
                    lines += _wrap(f'{statement.id}: "{statement.text}"', "      ", "    - ")
    if result.assumed:
        lines += ["", "Assumed (not given; the guideline's defaults relied on):"]
        for item in result.assumed:
            field = guideline.fields[item.field]
            meaning = item.meaning or value_phrase(field, item.value) or \
                describe_value(item.value)
            lines += _wrap(f"{field.called} (not given): {meaning}", "      ", "  - ")
    if result.derived:
        lines += ["", "Derived:"]
        for derived in result.derived:
            called = guideline.fields[derived.field].called
            if derived.source is None:  # by points or cases, from the fields it reads
                given = [f"{guideline.fields[name].called} = {describe_value(value)}"
                         for name, value in derived.inputs if value is not None]
                line = (f"{called} = {describe_value(derived.value)} from "
                        f"{', '.join(given) or 'no field given'}")
            else:
                line = (f"{called} = {derived.value} from "
                        f"{guideline.fields[derived.source].called} = "
                        f"{describe_value(derived.source_value)}")
            lines += _wrap(line, "      ", "  - ")
    return "\n".join(lines) + "\n"


def show_guideline(guideline: Guideline) -> str:
    """Every recommendation verbatim with its rating and statements, by category."""
    lines = [guideline.title, f"[{guideline.id}, version {guideline.version}]"]
    if guideline.citation:
        lines += _wrap(f"Source: {guideline.citation}", "  ", "")
    if guideline.scope:
        lines += _wrap(f"Scope: {guideline.scope}", "  ", "")
    lines += ["", "Ratings:"]
    for dim in guideline.ratings:
        codes = ", ".join(f"{code} {meaning}" for code, meaning in dim.codes)
        lines += [f"  {dim.label}: {codes}"]
    category = None
    for rec in guideline.recommendations:
        if rec.category != category:
            category = rec.category
            lines += ["", f"== {category} =="]
        codes = ", ".join(code for _, code in rec.rating)
        general = "  (general)" if rec.id in guideline.general else ""
        lines += ["", *_wrap(f"{rec.id} [{codes}]{general} {rec.text}", "      ",
                             "  ")]
        for statement in rec.statements:
            kind = "Qualifying statement" if statement.kind == "qualifying" else "Note"
            lines += _wrap(f"{statement.id} {kind}: {statement.text}", "        ", "    - ")
    if guideline.abbreviations:
        lines += ["", "Abbreviations:"]
        lines += _wrap("; ".join(f"{k}, {v}" for k, v in guideline.abbreviations.items()), "  ")
    return "\n".join(lines) + "\n"


def show_report(report: Any) -> str:
    """A verification report: one line per check, then each finding with its position."""
    lines = [f"Verifying {report.guideline} ({report.file})", ""]
    width = max(len(check.name) for check in report.checks)
    for check in report.checks:
        mark = "PASS" if check.passed else ("SKIP" if not check.ran else "FAIL")
        lines.append(f"  {mark}  {check.name:<{width}}  {check.summary}")
        for finding in check.findings:
            for number, text in enumerate(str(finding).splitlines()):
                if number:  # the counterexample: one line, so it can be copied as JSON
                    lines.append(f"          {text.strip()}")
                else:  # a message may quote the file: never all of it
                    lines += _wrap(cut(text), "          ", "        - ")
    lines.append("")
    passed = sum(check.passed for check in report.checks)
    if report.ok:
        lines.append(f"All {passed} checks passed: {report.classes} patient classes, each with "
                     f"exactly one result.")
    else:
        failed = [c.name for c in report.checks if c.ran and not c.passed]
        lines.append(f"{len(failed)} check{'s' if len(failed) != 1 else ''} failed: "
                     f"{', '.join(failed)}.")
    return "\n".join(lines) + "\n"


def show_coverage(guideline: Guideline, report: Any) -> str:
    """What a set of patients reaches, with what it misses."""
    lines = [f"Coverage of {guideline.id} by {report.patients} patient"
             f"{'s' if report.patients != 1 else ''}:"]
    for what in ("leaves", "branches", "recommendations"):
        counts = getattr(report, what)
        reached = sum(1 for c in counts.values() if c)
        lines.append(f"  {what:<16} {reached}/{len(counts)} ({report.percent(what):.1f}%)")
    for what in ("leaves", "branches", "recommendations"):
        missed = report.missed(what)
        if missed:
            lines += ["", f"Not reached ({what}):"] + [f"  - {m}" for m in missed]
    return "\n".join(lines) + "\n"
