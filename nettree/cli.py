"""The ``nettree`` command: parse arguments, call the library, print.

Exit codes: 0 for any result (recommendation, needs_information, out_of_scope); 1 for an
invalid guideline file or an output file that cannot be written; 2 for an invalid patient
or a usage error, including ``-o`` naming an input file (one line on stderr, never a
traceback). Everything printed goes through :func:`_echo`, which escapes control characters.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import (
    LINE_LIMIT,
    GuidelineError,
    GuidelineNotFoundError,
    NettreeError,
    PatientError,
    for_terminal,
    shown,
)

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

GUIDELINE_HELP = (
    "A bundled guideline id (see `nettree list`) or the path of a guideline file. "
    "Default: $NETTREE_GUIDELINE, or the only bundled guideline."
)


def _echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print text that may come from a file: control characters escaped (an ANSI or OSC
    sequence in a guideline never reaches the terminal), and on standard error each line
    cut to :data:`~nettree.errors.LINE_LIMIT` characters. Every CLI output goes through it."""
    click.echo(for_terminal(text, LINE_LIMIT if err else None), err=err, nl=nl)


def _error(message: str) -> None:
    _echo(f"nettree: error: {message}", err=True)


def _fail(message: str, code: int) -> NoReturn:
    _error(message)
    sys.exit(code)


def _check_output(output: str, inputs: list[tuple[str, Any]]) -> None:
    """Refuse an output file that is one of the inputs (exit 2): it would be overwritten."""
    for what, path in inputs:
        if path in (None, "-"):
            continue
        try:
            same = os.path.samefile(output, path)
        except (OSError, ValueError):  # one of them does not exist: not the same file
            continue
        if same:
            _fail(f"-o {shown(output, 200)} is the {what}: nettree never writes over an input; "
                  "choose another output file", 2)


def _same_path(one: str, other: str) -> bool:
    """Whether two output paths name one file (which may not exist yet)."""
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        return os.path.realpath(one) == os.path.realpath(other)


def _check_writable(output: str) -> None:
    """Exit 1 with one line, before any work, when a file cannot be written in the output's
    folder (missing, read-only, not a folder)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=os.path.dirname(os.path.abspath(output))):
            pass
    except OSError as exc:
        _fail(f"cannot write {shown(output, 200)}: {exc.strerror or exc} (nothing was written)",
              1)


def _write_output(output: str, data: str | bytes) -> None:
    """Write an output file whole or not at all (exit 1 with one line if it cannot be)."""
    from .files import write_atomic

    try:
        write_atomic(output, data)
    except OSError as exc:
        _fail(f"cannot write {shown(output, 200)}: {exc.strerror or exc} (nothing was written)",
              1)


def _stdin_is_terminal() -> bool:
    stdin = sys.stdin
    try:
        return stdin is not None and not stdin.closed and stdin.isatty()
    except (OSError, ValueError):
        return False


def _resolve(name: str | None) -> Any:
    """The file behind a guideline argument: the argument, else $NETTREE_GUIDELINE, else the
    only bundled guideline. A bad one ends the command with exit status 2."""
    from .loader import bundled_guidelines, resolve

    from_env = ""
    if name is None:
        name = os.environ.get("NETTREE_GUIDELINE")
        from_env = " (from $NETTREE_GUIDELINE)" if name is not None else ""
    if name is None:
        bundled = list(bundled_guidelines())
        if len(bundled) != 1:
            _fail(f"choose a guideline with --guideline (bundled: {', '.join(bundled)})", 2)
        name = bundled[0]
    try:
        return resolve(name)
    except GuidelineNotFoundError as exc:
        _fail(f"{exc}{from_env}", 2)


def _load(name: str | None) -> Any:
    """Load a guideline, turning every failure into a message and an exit code."""
    from .loader import load

    try:
        guideline = load(_resolve(name))
    except GuidelineError as exc:
        _guideline_failed(exc)
    _warn(guideline)
    return guideline


def _warn(guideline: Any) -> None:
    """Print the warnings found at load (the file loaded: it is not an error)."""
    for warning in guideline.warnings:
        _echo(f"warning: {warning}", err=True)


def _guideline_failed(exc: GuidelineError) -> NoReturn:
    _error(str(exc))
    sys.exit(1)


def _read_patient(source: str | None, sets: tuple[str, ...], guideline: Any) -> dict[str, Any]:
    from .files import InputFileError, read_stream
    from .patient import coerce_text, describe_kind, read_patient_file, read_patient_text

    patient: dict[str, Any] = {}
    if source not in (None, "-"):
        data = read_patient_file(source)
    elif source == "-" or (not sets and not _stdin_is_terminal()):
        try:
            text = read_stream(sys.stdin, what="patient")
        except InputFileError as exc:
            raise PatientError(str(exc)) from None
        data = read_patient_text(text)
    elif sets:
        data = {}  # --set alone: standard input is left alone (it may belong to a loop)
    else:
        raise click.UsageError(
            "no patient: give a patient file, '-' for standard input, or --set FIELD=VALUE"
        )
    if not isinstance(data, dict):
        where = source if source not in (None, "-") else "<stdin>"
        raise PatientError(f"{where}: a patient must be a mapping of field names to values "
                           f"(got {describe_kind(data)})")
    patient.update(data)
    errors = []
    for item in sets:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{shown(item)} is not FIELD=VALUE", param_hint="--set")
        try:
            patient[name.strip()] = coerce_text(guideline.fields, name.strip(), value)
        except PatientError as exc:
            errors.append(exc)
    if errors:
        raise PatientError("invalid patient: " + "; ".join(str(e) for e in errors),
                           field=errors[0].field, value=errors[0].value)
    return patient


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="nettree")
def main() -> None:
    """Clinical practice guidelines as decision graphs.

    nettree walks a guideline's decision graph for a patient and explains the path, the
    options with the guideline's own words and ratings, what was excluded and why, and what
    information is missing. Nothing is guessed: unknown data gives NEEDS INFORMATION.

    \b
    Examples:
      nettree list
      nettree show
      nettree traverse examples/patients/pan-g2-high-volume.json
      nettree traverse --set differentiation=well --set metastatic=true --set primary_site=gi
      echo '{"differentiation": "poor"}' | nettree traverse --json
    """


@main.command()
@click.argument("patient", required=False, metavar="[PATIENT]")
@click.option("-g", "--guideline", "guideline_name", metavar="ID|PATH", help=GUIDELINE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (as the API's "
              "Result.to_dict()).")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="Set a patient field (repeatable); overrides the file. Booleans: true/false; "
                   "lists: comma-separated (FIELD=a,b); empty: unknown. With --set and no "
                   "PATIENT, standard input is not read.")
def traverse(patient: str | None, guideline_name: str | None, as_json: bool,
             sets: tuple[str, ...]) -> None:
    """Walk the guideline for one patient and explain the result.

    PATIENT is a JSON or YAML file with one mapping of field names to values; '-' or
    nothing reads standard input. Fields that are absent (or null) are unknown unless the
    guideline gives them a default; `nettree show --fields` lists them.

    Exit status: 0 for any result, 2 for an invalid patient or usage, 1 for an invalid
    guideline file.

    \b
    Examples:
      nettree traverse examples/patients/pan-g2-high-volume.json
      nettree traverse patient.yaml --json > result.json
      nettree traverse patient.json --set functional=true --set prior_therapies=
      echo '{"differentiation": "poor"}' | nettree traverse -
      nettree traverse -g my-guideline.yaml patient.json
    """
    guideline = _load(guideline_name)
    try:
        data = _read_patient(patient, sets, guideline)
        result = guideline.traverse(data)
    except PatientError as exc:
        _fail(str(exc), 2)
    except GuidelineError as exc:  # a gap or overlap met at run time
        _guideline_failed(exc)
    if as_json:
        _echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        from .text import explain

        _echo(explain(guideline, result), nl=False)


@main.command(name="list")
def list_() -> None:
    """List the bundled guidelines: id, version and title (tab-separated).

    Any other guideline file is used by its path: `--guideline PATH` or `GUIDELINE`.
    """
    from .loader import bundled_guidelines, load

    for guideline_id, path in bundled_guidelines().items():
        try:
            guideline = load(path)
            _echo(f"{guideline_id}\t{guideline.version}\t{guideline.title}")
        except NettreeError as exc:
            _echo(f"{guideline_id}\t(invalid: {str(exc).splitlines()[0]})")


@main.command()
@click.argument("guideline_name", required=False, metavar="[GUIDELINE]")
@click.option("--fields", "show_fields", is_flag=True,
              help="List the patient fields (type, allowed values, default) instead.")
def show(guideline_name: str | None, show_fields: bool) -> None:
    """Print a guideline's recommendations verbatim, with ratings and statements.

    GUIDELINE is a bundled id or a file path (default: $NETTREE_GUIDELINE, or the only
    bundled guideline). Loading checks the file: every problem is listed with its
    file:line:column (exit 1). To prove it complete and sound, use `nettree verify`.

    \b
    Examples:
      nettree show
      nettree show --fields
      nettree show graphs/my-guideline.yaml
    """
    guideline = _load(guideline_name)
    if show_fields:
        import textwrap

        for field in guideline.fields.values():
            default = f"; absent: {field.if_absent}" if field.has_default else \
                "; absent: unknown"
            derive = f"; derived from {field.derive.source} when absent" if field.derive else ""
            if field.computed is not None:  # never given: say what it is derived from
                from .derive import reads_of
                from .model import PointSum

                how = "a sum of points" if isinstance(field.computed, PointSum) else "by cases"
                _echo(f"{field.name} ({field.kind_name}): derived ({how}) from "
                      f"{', '.join(reads_of(field))}; never given")
            else:
                _echo(f"{field.name} ({field.kind_name}): {field.allowed()}{default}{derive}")
            _echo(textwrap.fill(field.description, 92, initial_indent="    ",
                                     subsequent_indent="    "))
        return
    from .text import show_guideline

    _echo(show_guideline(guideline), nl=False)



@main.command()
@click.argument("guideline_name", required=False, metavar="[GUIDELINE]")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(guideline_name: str | None, as_json: bool) -> None:
    """Prove the guideline graph complete and sound, or show where it is not.

    \b
    Checks, each exact (every possible patient is covered, not a sample):
      load         the file parses; every key, field, option, recommendation exists
      structure    one root, no cycle, every node reachable, every path ends at a leaf
      exhaustive   at each decision, every patient who reaches it takes a branch
      exclusive    at each decision, no patient satisfies two branches
      satisfiable  every node and branch is taken by some patient
      coverage     every recommendation is cited or general; every option, statement
                   and field is used
      citations    options cite only recommendations/statements that support them

    Failures name the node, its file position and, where it applies, a counterexample
    patient. How: each field's domain is finite (choices, booleans, subsets of a set) or cut
    at the thresholds the file uses (numbers); patients are split on a field only where the
    answer depends on it, and conditions are evaluated in three values, so each class's
    result holds for all its patients.

    Exit status: 0 when every check passes, 1 otherwise, 2 for a bad argument.

    \b
    Examples:
      nettree verify
      nettree verify graphs/my-guideline.yaml
      nettree verify --json > report.json
    """
    from .loader import load
    from .text import show_report
    from .verify import TooManyClasses, verify_file

    path = _resolve(guideline_name)
    # Loads are cached: verify_file reads the same object. A file that does not load is
    # reported by verify_file, every problem as a failed check.
    with contextlib.suppress(GuidelineError):
        _warn(load(path))
    try:
        report = verify_file(path, progress=_progress(), keep=True)
    except TooManyClasses as exc:
        _fail(str(exc), 1)
    if as_json:
        _echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _echo(show_report(report), nl=False)
    sys.exit(0 if report.ok else 1)


def _progress() -> Any:
    """A progress line on a terminal's standard error for long explorations, else None."""
    if not sys.stderr.isatty():
        return None

    shown: list[bool] = []

    def show(classes: int, pending: int) -> None:
        if pending or shown:  # the last call (nothing pending) ends a line already begun
            click.echo(f"\r  {classes} patient classes explored, {pending} pending ",
                       nl=not pending, err=True)
            shown.append(True)

    return show


@main.command(name="enumerate")
@click.argument("guideline_name", required=False, metavar="[GUIDELINE]")
@click.option("--format", "fmt", type=click.Choice(["csv", "markdown", "json"]),
              default="markdown", show_default=True, help="Output format.")
@click.option("--profiles", is_flag=True,
              help="One row per patient class with its exact result, instead of one per path.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file instead of standard output.")
def enumerate_(guideline_name: str | None, fmt: str, profiles: bool,
               output: str | None) -> None:
    """Print the guideline as a decision table.

    By default one row per root-to-leaf path: each field's condition along the path (or
    "any"), the leaf, and the options the leaf's steps offer with their citations. With
    --profiles, one row per patient class (the product of the field partitions, split only
    where the answer depends on a field) with its result, and a count line.

    \b
    Examples:
      nettree enumerate --format csv -o paths.csv
      nettree enumerate --profiles --format json -o classes.json
    """
    from . import store
    from .table import paths_table, profiles_table
    from .verify import TooManyClasses

    guideline = _load(guideline_name)
    if output:
        _check_output(output, [("guideline file", guideline.path)])
    try:
        exploration = store.exploration(guideline, _progress()) if profiles else None
    except TooManyClasses as exc:
        _fail(str(exc), 1)
    if exploration is not None and exploration.defects:
        # Patients in a gap or an overlap have no result: the table would not be complete.
        for finding in exploration.defects:
            _error(str(finding))
        _fail("the guideline has gaps or overlaps, so not every patient class has a result; "
              "run `nettree verify` and fix them first", 1)
    text = profiles_table(guideline, fmt, exploration) if profiles else \
        paths_table(guideline, fmt)
    if fmt == "csv":  # keep the CSV pure: its count line goes to stderr
        rows = text.count("\n") - 1
        _echo(f"{rows} {'classes, each with a result' if profiles else 'paths'}.", err=True)
    if output:
        _write_output(output, text)
        _echo(f"wrote {output}", err=True)
    else:
        _echo(text, nl=False)


@main.command()
@click.argument("patients", nargs=-1, required=True, metavar="PATIENT...")
@click.option("-g", "--guideline", "guideline_name", metavar="ID|PATH", help=GUIDELINE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Exit 1 if fewer than PERCENT of the leaves are reached.")
def coverage(patients: tuple[str, ...], guideline_name: str | None, as_json: bool,
             fail_under: float | None) -> None:
    """Which leaves, branches and recommendations a set of patients reaches.

    Each PATIENT file (JSON or YAML) holds one patient, a list of patients, or a mapping with
    `cases:`, a list of items that each have a `patient:` (like tests/cases/clinical.yaml).
    An invalid patient is reported (file and item) and skipped; the rest still count, and
    the exit status is then 2. A patient who falls into a gap or an overlap of the guideline
    is reported too (exit status 1; `nettree verify` shows every such defect).

    \b
    Example:
      nettree coverage examples/patients/*.json examples/patients/*.yaml
    """
    from .patient import read_patient_file
    from .text import show_coverage
    from .verify import coverage as measure

    guideline = _load(guideline_name)
    good: list[Any] = []
    bad = defects = 0
    for source in patients:
        try:
            data = read_patient_file(source)
        except PatientError as exc:
            _error(str(exc))
            bad += 1
            continue
        if isinstance(data, dict) and isinstance(data.get("cases"), list):
            items = [(f"{source}: cases[{i}]", c.get("patient") if isinstance(c, dict) else c)
                     for i, c in enumerate(data["cases"])]
        elif isinstance(data, list):
            items = [(f"{source}: [{i}]", p) for i, p in enumerate(data)]
        else:
            items = [(source, data)]
        for where, patient in items:
            try:
                guideline.traverse(patient)
            except PatientError as exc:
                _error(f"{where}: {exc}")
                bad += 1
                continue
            except GuidelineError as exc:  # a gap or overlap in the guideline: `nettree verify`
                _error(f"{where}: {exc}")
                defects += 1
                continue
            good.append(patient)
    if not good:
        _fail("no valid patient to measure", 2)
    report = measure(guideline, good)
    if as_json:
        _echo(json.dumps({**report.to_dict(), "invalid": bad}, indent=2))
    else:
        _echo(show_coverage(guideline, report), nl=False)
    if bad:
        sys.exit(2)
    if defects or (fail_under is not None and report.percent("leaves") < fail_under):
        sys.exit(1)

@main.command()
@click.argument("source", metavar="INPUT")
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE: .csv, .jsonl or .parquet (default: JSON Lines on standard "
                   "output).")
@click.option("-g", "--guideline", "guideline_name", metavar="ID|PATH", help=GUIDELINE_HELP)
@click.option("--input-format", type=click.Choice(["csv", "jsonl", "parquet"]),
              help="The input's format (default: from its suffix).")
@click.option("--actual-column", metavar="COL",
              help="A column holding the treatment actually given (an option id): each row "
                   "gets `concordant` and the summary a concordance.")
@click.option("--summary", "show_summary", is_flag=True,
              help="Print counts per status, leaf, recommendation and option (on standard "
                   "error, or standard output when -o is given).")
@click.option("--summary-json", metavar="FILE",
              help="Write the counts as JSON (rows, valid, status, leaves, recommendations, "
                   "options, nodes, branches, concordance).")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor keep the classes of patients between runs (kept in "
                   "$NETTREE_CACHE_DIR, else ~/.cache/nettree; NETTREE_CACHE=off does the "
                   "same).")
def batch(source: str, output: str | None, guideline_name: str | None,
          input_format: str | None, actual_column: str | None, show_summary: bool,
          summary_json: str | None, no_cache: bool) -> None:
    """Evaluate a table of patients: one result row per input row, in order.

    INPUT is CSV, JSON Lines or Parquet ('-': standard input, with --input-format). Columns
    that are not patient fields (patient_id...) are carried to the output unchanged; each
    row gets status, leaf, recommendations, options, excluded, missing, path and error
    (empty when valid). CSV cells: empty is unknown; booleans true/false/yes/no/1/0; set
    items separated by ';'; numbers as JSON writes them.

    A bad row never stops the run: it becomes a row with status `invalid` and an error
    naming the field. A row is concordant when its actual treatment is among the options
    the result offers (null when there is no recommendation or no actual treatment).
    Parquet needs pyarrow: pip install 'nettree[parquet]'.

    Exit status: 0 when every row was valid, 3 when some were not, 2 when the input cannot
    be read (or a usage error), 1 for an invalid guideline file.

    \b
    Examples:
      nettree batch examples/cohort.csv -o results.csv --summary
      nettree batch examples/cohort.csv --actual-column given --summary-json summary.json
      nettree render --cohort summary.json -o flow.svg
    """
    from .batch import BatchInputError, Utf8Lines, format_of, run

    fmt = input_format or (format_of(source) if source != "-" else None)
    if fmt is None:
        _fail(f"cannot tell the format of {shown(source, 200)} from its suffix (.csv, .jsonl, "
              ".parquet); give --input-format", 2)
    out_fmt = "jsonl"
    if output not in (None, "-"):
        assert output is not None
        out_fmt = format_of(output) or ""
        if out_fmt not in ("csv", "jsonl", "parquet"):
            _fail(f"-o {shown(output, 200)}: the output is .csv, .jsonl or .parquet", 2)
    guideline = _load(guideline_name)
    for target in (output, summary_json):
        if target not in (None, "-"):
            _check_output(target, [("input", source), ("guideline file", guideline.path)])
    if summary_json not in (None, "-"):
        assert summary_json is not None
        if output not in (None, "-") and _same_path(summary_json, output):
            _fail(f"--summary-json {shown(summary_json, 200)} is the -o file: the counts would "
                  "replace the rows; choose another file", 2)
        _check_writable(summary_json)  # before the run, not after it
    progress = None
    if sys.stderr.isatty():
        def progress(rows: int) -> None:
            click.echo(f"\r  {rows:,} rows", nl=False, err=True)
    if summary_json == "-" and output in (None, "-"):
        _fail("--summary-json -: standard output holds the rows; give -o or a file", 2)
    try:
        if output in (None, "-"):
            try:
                summary = run(guideline, source, fmt, _TerminalSafe(sys.stdout), out_fmt,
                              actual_column=actual_column, progress=progress,
                              keep_classes=not no_cache)
            except BrokenPipeError:  # `nettree batch big.csv | head`: the reader has enough
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(0)
        else:
            import io

            from .files import atomic_output

            try:
                with atomic_output(output) as stream:
                    if out_fmt == "parquet":
                        summary = run(guideline, source, fmt, stream, out_fmt,
                                      actual_column=actual_column, progress=progress,
                                      keep_classes=not no_cache)
                    elif out_fmt == "jsonl":
                        summary = run(guideline, source, fmt, Utf8Lines(stream), out_fmt,
                                      actual_column=actual_column, progress=progress,
                                      keep_classes=not no_cache)
                    else:
                        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
                        summary = run(guideline, source, fmt, text, out_fmt,
                                      actual_column=actual_column, progress=progress,
                                      keep_classes=not no_cache)
                        text.flush()
                        text.detach()  # the stream is closed by atomic_output
            except OSError as exc:
                _fail(f"cannot write {shown(output, 200)}: {exc.strerror or exc} "
                      "(nothing was written)", 1)
    except BatchInputError as exc:
        if progress is not None:
            click.echo("", err=True)
        _fail(str(exc), 2)
    if progress is not None:
        click.echo(f"\r  {summary.rows:,} rows", err=True)
    if show_summary:
        _echo(summary.table(), err=output in (None, "-"), nl=False)
    if summary_json not in (None, "-"):
        assert summary_json is not None
        _write_output(summary_json, json.dumps(summary.to_dict(), indent=2,
                                               ensure_ascii=False) + "\n")
    elif summary_json == "-":
        _echo(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    invalid = summary.rows - summary.valid
    if invalid:
        _echo(f"nettree: {invalid} of {summary.rows} rows invalid (status `invalid`, "
              "`error` says why)", err=True)
        sys.exit(3)


class _TerminalSafe:
    """Standard output for rows that come from a file: control characters escaped."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(for_terminal(text))


@main.command(name="test")
@click.argument("cases_file", metavar="CASES")
@click.option("-g", "--guideline", "guideline_name", metavar="ID|PATH",
              help="The guideline to test (overrides the file's `guideline:`). Default: the "
                   "file's `guideline:`, else $NETTREE_GUIDELINE, else the only bundled one.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def test_(cases_file: str, guideline_name: str | None, as_json: bool) -> None:
    """Check a guideline against an author's expected results.

    CASES is a YAML (or JSON) file: `guideline:` (optional; a bundled id, or a path read
    from the file's folder), and `cases:`, each with a `name`, a `patient` and what its
    result must hold under `expect`. Only the keys given are compared: status, leaf,
    options (a list of ids, or id: [citations]), excluded, not_recommended, missing, notes
    (those that apply for certain), recommendations (in the guideline's order), derived
    (field: value) and general (true/false). `invalid:` lists patients that must be
    refused, each with the `field` the refusal names. tests/cases/clinical.yaml is an
    example.

    \b
    A case:
      cases:
        - name: pan-g2-high-volume
          why: shown when the case fails
          patient: {primary_site: pancreas, differentiation: well, metastatic: true,
                    grade: G2, sstr_status: positive, tumor_volume: high}
          expect:
            status: recommendation
            options: {ssa: ["3.1"], chemotherapy: ["3.2"]}

    Each failing case is named, with its line and, for each key, what was expected and
    what the result holds. A patient refused as invalid fails its case.

    Exit status: 0 when every case passes, 1 when any fails (or the guideline file is
    invalid), 2 for a bad cases file (each problem located file:line:column) or argument.

    \b
    Examples:
      nettree test tests/cases/clinical.yaml
      nettree test my-cases.yaml --guideline graphs/my-guideline.yaml
      nettree test my-cases.yaml --json > report.json
    """
    from .cases import CasesError, load_cases, run_cases, show_cases_report

    try:
        cases = load_cases(cases_file)
    except CasesError as exc:
        _fail(str(exc), 2)
    guideline = _load(guideline_name or cases.guideline_source())
    report = run_cases(guideline, cases)
    if as_json:
        _echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _echo(show_cases_report(report), nl=False)
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("old_name", metavar="OLD")
@click.argument("new_name", metavar="NEW")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def diff(old_name: str, new_name: str, as_json: bool) -> None:
    """What changed between two versions of a guideline file, and for which patients.

    OLD and NEW are bundled ids or guideline file paths. Structural changes come first:
    each key or record (recommendation, field, option, decision, branch, leaf, step, filter,
    note) added, removed or changed, with its line in each file. Then the behavioural
    changes: every patient class (as `nettree verify` explores them, over both files'
    thresholds) whose result differs (status, options with their citations, fields asked
    for), grouped by (before, after), each group with its number of classes and an example
    patient to try with `nettree traverse`. A patient refused by one file only (a derived
    value below what its source implies there) shows as "refused".

    The fields both files have must accept the same values; a field in one file only is
    not read by the other. --json prints `structural` (a list) and `behavioural` (a list of
    {before: {status, options}, after: {status, options}, classes, example}).

    Exit status: 0 when no patient's result changes (whatever the structural changes), 1
    when some do, 2 for a bad argument: a file not found or invalid, fields that accept
    different values, or a file with gaps or overlaps (`nettree verify` shows them).

    \b
    Examples:
      nettree diff asco-gepnet-2023 examples/adaptation/local-adaptation.yaml
      nettree diff old/guideline.yaml guideline.yaml --json > changes.json
    """
    from .diff import (
        GuidelineDefects,
        IncompatibleFields,
        diff_guidelines,
        show_diff,
        show_structural,
        structural_diff,
    )
    from .loader import load
    from .verify import TooManyClasses

    loaded = []
    for name in (old_name, new_name):
        try:
            loaded.append(load(_resolve(name)))
        except GuidelineError as exc:
            _fail(str(exc), 2)
        _warn(loaded[-1])
    old, new = loaded
    names = (old_name, new_name)
    try:
        result = diff_guidelines(old, new, names=names, progress=_progress())
    except IncompatibleFields as exc:
        _echo("\n".join(show_structural(structural_diff(old, new, names=names))))
        _fail(str(exc), 2)
    except (GuidelineDefects, TooManyClasses) as exc:
        _fail(str(exc), 2)
    if as_json:
        _echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _echo(show_diff(result), nl=False)
    sys.exit(1 if result.changed else 0)


def _render_formats() -> list[str]:
    from .export import FORMATS

    return list(FORMATS)


@main.command()
@click.argument("guideline_name", required=False, metavar="[GUIDELINE]")
@click.option("-f", "--format", "fmt", type=click.Choice(_render_formats(), case_sensitive=False),
              help="Output format. Default: from the suffix of -o (.svg .png .pdf .dot .gv "
                   ".mmd .html; any other suffix is an error unless --format is given), else "
                   "svg. dot, mermaid and html need no other program; svg, png and pdf run "
                   "Graphviz's dot.")
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE. Without it, text formats go to standard output; png and pdf "
                   "need -o or a redirection.")
@click.option("--patient", metavar="FILE",
              help="Highlight this patient's path (a JSON or YAML file, '-' for standard "
                   "input). A path stopped by unknown data is lit as far as it got.")
@click.option("--focus", "focus_items", multiple=True, metavar="FIELD=VALUE",
              help="Draw only what is reachable when FIELD has VALUE (repeatable): a handout "
                   "for one pathway.")
@click.option("--direction", type=click.Choice(["TB", "LR"], case_sensitive=False),
              metavar="TB|LR", default="TB", show_default=True,
              help="Top to bottom, or left to right.")
@click.option("--cohort", metavar="RESULTS",
              help="Draw a cohort's flow: RESULTS is a `nettree batch` output (.csv, .jsonl, "
                   ".parquet) or its --summary-json file; each node and branch shows its "
                   "patients and share, each leaf its concordance when known.")
@click.option("--conditions", type=click.Choice(["words", "raw"], case_sensitive=False),
              default="words", show_default=True,
              help="words: conditions and options in the guideline file's display phrases "
                   "(a named condition by its label); raw: as the file writes them (field "
                   "names, values, option ids, `is NAME`).")
@click.option("--slides", is_flag=True,
              help="A deck of 16:9 slides, text never below 18 pt: a title slide with the "
                   "citation, the overview, then each decision and leaf (with --patient: the "
                   "case's path, slide by slide). Written as pdf (one page a slide) or html "
                   "(one offline page; arrow keys move).")
def render(guideline_name: str | None, fmt: str | None, output: str | None,
           patient: str | None, focus_items: tuple[str, ...], direction: str,
           cohort: str | None, conditions: str, slides: bool) -> None:
    """Draw the guideline: decisions, answers, and what each leaf may offer.

    Decisions show their question and each arrow its answer. A recommendation leaf lists
    the options it may offer, each with the recommendation numbers it cites, their rating
    codes (coloured as the guideline's rating_style says, else by its strength dimension)
    and the condition under which it is offered, and warns of the options it advises
    against; the legend explains the colours and lists the filters applied at every leaf.

    \b
    Examples:
      nettree render -o pathway.svg
      nettree render -o pathway.pdf --focus primary_site=pancreas
      nettree render --format mermaid > pathway.mmd
      nettree render -o case.html --patient examples/patients/pan-g2-high-volume.json
      nettree render --format dot --direction LR | dot -Tpng -o pathway.png
      nettree render --slides -o deck.pdf
      nettree render --slides -o case-deck.html --patient examples/patients/pan-g2-high-volume.json

    The html page is one self-contained file (it works offline): click a node to read its
    question or the recommendations verbatim, and fill in the form to walk a case through.
    To redraw the diagrams kept in graphs/: python -m nettree.export --update-bundled

    Exit status: 0 when drawn; 2 for a usage error, an invalid patient or focus; 1 for an
    invalid guideline file, when Graphviz (dot) is missing for svg, png or pdf, or when the
    output file cannot be written.
    """
    from .export import FORMATS, ExportOptions, format_for_path
    from .export import render as draw
    from .export.backend import GraphvizError, GraphvizNotFoundError
    from .export.extract import check_focus_fits, parse_focus

    if fmt is None and output and output != "-":
        fmt = format_for_path(output)
        if fmt is None:
            known = " ".join(sorted({f.suffix for f in FORMATS.values()} | {".gv"}))
            _fail(f"cannot tell the format of {shown(output, 200)} from its suffix (known: "
                  f"{known}); give --format", 2)
    guideline = _load(guideline_name)
    if output not in (None, "-"):
        _check_output(output, [("guideline file", guideline.path), ("patient file", patient),
                               ("cohort file", cohort)])
    if cohort is not None and patient is not None:
        _fail("--cohort and --patient draw different things: give one of them", 2)
    fmt = (fmt or ("pdf" if slides else "svg")).lower()
    if slides:
        from .export.slides import SLIDE_FORMATS

        if fmt not in SLIDE_FORMATS:
            _fail(f"--slides writes {' or '.join(SLIDE_FORMATS)} (-o deck.pdf or -o deck.html),"
                  f" not {fmt}", 2)
        if cohort is not None:
            _fail("--slides draws the guideline or one patient's path, not a cohort: "
                  "drop --cohort", 2)
    binary = FORMATS[fmt].binary
    to_stdout = output in (None, "-")
    if binary and to_stdout and sys.stdout.isatty():
        _fail(f"{fmt} is binary: give -o FILE (or redirect standard output to a file)", 2)

    result, data = None, None
    try:
        focus = parse_focus(guideline, focus_items)
        if patient is not None:
            data = _read_patient(patient, (), guideline)
            result = guideline.traverse(data)
            who = "the patient" if patient == "-" else f"the patient ({patient})"
            check_focus_fits(guideline, focus, data, who)
    except PatientError as exc:
        _fail(str(exc), 2)
    except GuidelineError as exc:  # a gap or overlap met at run time
        _guideline_failed(exc)
    raw = conditions.lower() == "raw"
    label = "" if patient in (None, "-") or not raw else os.path.basename(patient)
    flow = _cohort(cohort, guideline) if cohort is not None else None
    options = ExportOptions(result=result, focus=focus, direction=direction.upper(),
                            patient=data, path_label=label, cohort=flow, raw=raw)
    try:
        if slides:
            from .export.slides import to_slides

            drawn = to_slides(guideline, options, fmt)
        else:
            drawn = draw(guideline, fmt, options)
    except (GraphvizNotFoundError, GraphvizError) as exc:
        _fail(str(exc), 1)
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(drawn)
        sys.stdout.buffer.flush()
        return
    assert output is not None
    _write_output(output, drawn)



def _cohort(source: str, guideline: Any) -> Any:
    """The cohort of a batch output file or of its summary JSON (exit 2 when unreadable)."""
    from .batch import BatchInputError, summarise
    from .export.cohort import Cohort, CohortError
    from .files import InputFileError, read_text

    try:
        if source.lower().endswith(".json"):
            try:
                data = json.loads(read_text(source, what="cohort summary"))
            except ValueError as exc:
                raise CohortError(f"{source}: not JSON: {exc}") from None
        else:
            data = summarise(source, guideline.id).to_dict()
        flow = Cohort.from_summary(data)
        flow.check(guideline)
    except (InputFileError, BatchInputError) as exc:
        _fail(str(exc), 2)
    except CohortError as exc:
        _fail(f"--cohort {shown(source, 200)}: {exc}", 2)
    return flow


@main.command()
@click.argument("kind", type=click.Choice(["guideline", "patient"]))
@click.option("-g", "--guideline", "guideline_name", metavar="ID|PATH",
              help="For `patient`: " + GUIDELINE_HELP)
def schema(kind: str, guideline_name: str | None) -> None:
    """Print a JSON Schema (draft 2020-12) for guideline files or patient files.

    `nettree schema guideline` describes every record of a guideline file, its keys (required
    or not) and the kind of each value. `nettree schema patient --guideline ID|PATH` describes
    that guideline's patient files: its fields, their types, allowed values and ranges, and no
    other key. Both come from the same declaration as the loader's checks; the schema checks
    shape only (`nettree show` and `nettree verify` check references and meaning).

    \b
    For completion and checks in an editor (YAML language server), save the schema next to
    the file and put this line at the top of the file:
      nettree schema guideline > guideline.schema.json
      # yaml-language-server: $schema=./guideline.schema.json
    """
    from .format.schema import guideline_schema, patient_schema

    if kind == "guideline":
        if guideline_name is not None:
            _fail("--guideline goes with `nettree schema patient`", 2)
        document = guideline_schema()
    else:
        document = patient_schema(_load(guideline_name))
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


if __name__ == "__main__":  # pragma: no cover
    main()
