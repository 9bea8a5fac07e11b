"""The ``nettree`` command: parse arguments, call the library, print.

Exit codes: 0 for any result (recommendation, needs_information, out_of_scope); 1 for an
invalid guideline file; 2 for an invalid patient or a usage error (one line on stderr,
never a traceback).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import GuidelineError, GuidelineNotFoundError, NettreeError, PatientError

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

GUIDELINE_HELP = (
    "A bundled guideline id (see `nettree list`) or the path of a guideline file. "
    "Default: $NETTREE_GUIDELINE, or the only bundled guideline."
)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"nettree: error: {message}", err=True)
    sys.exit(code)


def _load(name: str | None) -> Any:
    """Load a guideline, turning every failure into a message and an exit code."""
    from .loader import bundled_guidelines, load

    if name is None:
        name = os.environ.get("NETTREE_GUIDELINE")
    if name is None:
        bundled = list(bundled_guidelines())
        if len(bundled) != 1:
            _fail(f"choose a guideline with --guideline (bundled: {', '.join(bundled)})", 2)
        name = bundled[0]
    try:
        return load(name)
    except GuidelineNotFoundError as exc:
        _fail(str(exc), 2)
    except GuidelineError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def _read_patient(source: str | None, sets: tuple[str, ...], guideline: Any) -> dict[str, Any]:
    from .patient import coerce_text, read_patient_file, read_patient_text

    patient: dict[str, Any] = {}
    if source not in (None, "-"):
        data = read_patient_file(source)
    elif source == "-" or not sys.stdin.isatty():
        text = sys.stdin.read()
        data = {} if (not text.strip() and sets) else read_patient_text(text)
    elif sets:
        data = {}
    else:
        raise click.UsageError(
            "no patient: give a patient file, '-' for standard input, or --set FIELD=VALUE"
        )
    if not isinstance(data, dict):
        raise PatientError(f"{source or '<stdin>'}: a patient must be a mapping of field names "
                           f"to values (got {type(data).__name__})")
    patient.update(data)
    for item in sets:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--set")
        patient[name.strip()] = coerce_text(guideline.fields, name.strip(), value)
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
                   "lists: comma-separated (prior_therapies=ssa,prrt); empty: unknown.")
def traverse(patient: str | None, guideline_name: str | None, as_json: bool,
             sets: tuple[str, ...]) -> None:
    """Walk the guideline for one patient and explain the result.

    PATIENT is a JSON or YAML file with one mapping of field names to values; '-' or
    nothing reads standard input. Fields that are absent (or null) are unknown unless the
    guideline gives them a default; `nettree show --fields` lists them.

    Exit status: 0 for any result, 2 for an invalid patient or usage, 1 for an invalid
    guideline file.
    """
    guideline = _load(guideline_name)
    try:
        data = _read_patient(patient, sets, guideline)
        result = guideline.traverse(data)
    except PatientError as exc:
        _fail(str(exc), 2)
    except GuidelineError as exc:  # a gap or overlap met at run time
        click.echo(str(exc), err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        from .text import explain

        click.echo(explain(guideline, result), nl=False)


@main.command(name="list")
def list_() -> None:
    """List the bundled guidelines: id, version and title."""
    from .loader import bundled_guidelines, load

    for guideline_id, path in bundled_guidelines().items():
        try:
            guideline = load(path)
            click.echo(f"{guideline_id}\t{guideline.version}\t{guideline.title}")
        except NettreeError as exc:
            click.echo(f"{guideline_id}\t(invalid: {str(exc).splitlines()[0]})")


@main.command()
@click.argument("guideline_name", required=False, metavar="[GUIDELINE]")
@click.option("--fields", "show_fields", is_flag=True,
              help="List the patient fields (type, allowed values, default) instead.")
def show(guideline_name: str | None, show_fields: bool) -> None:
    """Print a guideline's recommendations verbatim, with ratings and statements.

    GUIDELINE is a bundled id or a file path (default: $NETTREE_GUIDELINE, or the only
    bundled guideline).
    """
    guideline = _load(guideline_name)
    if show_fields:
        for field in guideline.fields.values():
            default = f"; absent: {field.if_absent}" if field.has_default else \
                "; absent: unknown"
            derive = f"; derived from {field.derive.source} when absent" if field.derive else ""
            click.echo(f"{field.name} ({field.type.value}): {field.allowed()}{default}{derive}")
            click.echo(f"    {field.description}")
        return
    from .text import show_guideline

    click.echo(show_guideline(guideline), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
