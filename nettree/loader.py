"""Finding, reading and validating guideline files, once, at load.

:func:`load` takes a bundled guideline id or the path of a guideline file. The file is checked
as a whole and **every** problem is reported with its ``file:line:column`` in one
:class:`~nettree.errors.GuidelineError`: YAML errors, unknown or missing keys, unknown fields,
options and recommendations, dangling edges, cycles, unreachable nodes, decisions with fewer
than two branches. The format is documented in ``graphs/README.md``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .conditions import AllOf, AnyOf, Cited, Condition, FieldTest, Not, Offered
from .errors import GuidelineError, GuidelineNotFoundError, Problem, shown
from .format import declare, structure
from .format.walk import did_you_mean, items, kind_of, number_problem, repeated, walk_keys
from .guideline import Guideline
from .model import (
    Branch,
    Cite,
    Decision,
    Derivation,
    Drop,
    DropListed,
    Fallback,
    Field,
    FieldType,
    Leaf,
    LeafKind,
    NoteRule,
    Offer,
    Option,
    Position,
    RatingDimension,
    Recommendation,
    Remark,
    Statement,
    Step,
)
from .yamlio import Mark, YList, YMap, parse_yaml

__all__ = ["bundled_guidelines", "load", "resolve"]

FORMAT_VERSION = declare.FORMAT_VERSION
RESERVED = declare.RESERVED
_FIELD_OPERATORS = declare.FIELD_OPERATORS
_STEP_KINDS = declare.STEP_KINDS
_suggest = did_you_mean
_items = items
_kind = kind_of


# ---------------------------------------------------------------- finding guideline files


def bundled_dirs() -> list[Path]:
    """Where bundled guidelines live: inside an installed wheel, or ``graphs/`` in a checkout."""
    package = Path(__file__).resolve().parent
    return [d for d in (package / "_graphs", package.parent / "graphs") if d.is_dir()]


def bundled_guidelines() -> dict[str, Path]:
    """The bundled guidelines, id -> file, sorted by id."""
    found: dict[str, Path] = {}
    for directory in bundled_dirs():
        for path in sorted(directory.glob("*.yaml")):
            found.setdefault(path.stem, path)
    return dict(sorted(found.items()))


def resolve(source: str | Path) -> Path:
    """The file behind a bundled id or a path; :class:`GuidelineNotFoundError` if none.

    A plain name (no folder, no ``.yaml``) is a bundled id first, so a file of the same name
    in the current directory does not shadow it.
    """
    path = Path(source)
    text = str(source)
    looks_like_path = isinstance(source, Path) or "/" in text or "\\" in text or \
        path.suffix in (".yaml", ".yml")
    bundled = bundled_guidelines()
    if not looks_like_path and text in bundled:
        return bundled[text]
    if path.is_file():
        return path
    raise GuidelineNotFoundError(text, list(bundled))


def load(source: str | Path) -> Guideline:
    """Load, validate and compile a guideline: a bundled id (``"asco-gepnet-2023"``) or a path.

    Raises :class:`~nettree.errors.GuidelineError` listing every problem with its position,
    or :class:`~nettree.errors.GuidelineNotFoundError`. The result is immutable and cached.
    """
    path = resolve(source).resolve()
    stat = path.stat()
    return _load_cached(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Guideline:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GuidelineError([Problem(str(path), 1, 1, f"not UTF-8 text: {exc.reason}")]) from None
    return _Builder(path, text).build()


# ---------------------------------------------------------------- validation and building


class _Builder:
    """Walks the raw YAML once, collecting every problem, then builds the Guideline."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.file = str(path)
        self.text = text
        self.problems: list[Problem] = []
        self.fields: dict[str, Field] = {}
        self.options: dict[str, Option] = {}
        self.cites: dict[str, str] = {}  # recommendation or statement id -> recommendation id
        self.step_set_raw: dict[str, tuple[Any, Mark]] = {}
        self.step_sets: dict[str, tuple[Step, ...]] = {}
        self.step_sets_failed: set[str] = set()
        # Every node id declared and every edge written, even where the node's or branch's
        # own definition is broken: so one defect is reported once, not again as a dangling
        # edge or an unreachable subtree.
        self.declared: dict[str, Mark] = {}
        self.current_node: str | None = None  # the decision or leaf being read, for problems
        self.edges: list[tuple[str, str, Mark, str]] = []
        self.open_nodes: set[str] = set()  # decisions with a branch whose target is not known
        # Names written, even where their record is broken (its problem is reported there): a
        # reference to a broken record is not reported again as a reference to nothing.
        self.dim_names: tuple[str, ...] = ()
        self.option_names: set[str] = set()
        self.field_names: set[str] = set()

    # -- small helpers

    def problem(self, mark: Mark, message: str, *, check: str = "schema",
                node: str | None = None) -> None:
        node = node if node is not None else self.current_node
        self.problems.append(Problem(self.file, mark.line, mark.column, message, check, node))

    def position(self, mark: Mark) -> Position:
        return Position(self.file, mark.line, mark.column)

    def keys(self, node: Any, mark: Mark, what: str,
             record: str | tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
        """Check ``node`` against a declared record (or (required, optional) keys)."""
        return walk_keys(declare.record(record) if isinstance(record, str) else record,
                         node, mark, what, self.problem)

    def text_of(self, node: YMap, key: str, what: str, *, required: bool = True) -> str:
        if key not in node:
            return ""
        value = node[key]
        if isinstance(value, str) and value.strip():
            return " ".join(value.split()) if "\n" in value else value.strip()
        if value is None and not required:
            return ""
        self.problem(node.value_marks[key], f"{what}: {shown(key)} must be a non-empty text "
                                            f"(got {_kind(value)})")
        return ""

    def ident(self, value: Any, mark: Mark, what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            written = shown(value)  # a number too long to write out is shown cut
            self.problem(mark, f"{what} must be a text: quote it ('{written}')")
            return written  # go on with it, so its users are not reported as well
        else:
            self.problem(mark, f"{what} must be a text (got {_kind(value)})")
        return None

    def id_list(self, node: YMap, key: str, what: str) -> list[tuple[str, Mark]]:
        """A list of ids (a single id is accepted as a list of one)."""
        if key not in node:
            return []
        value, mark = node[key], node.value_marks[key]
        if not isinstance(value, YList):
            value_id = self.ident(value, mark, f"{what}: {shown(key)}")
            return [(value_id, mark)] if value_id else []
        found: list[tuple[str, Mark]] = []
        for _, item, item_mark in _items(value):
            item_id = self.ident(item, item_mark, f"{what}: an item of {shown(key)}")
            if item_id in [f for f, _ in found]:
                self.problem(item_mark, f"{what}: {shown(item_id)} is repeated in {shown(key)}")
            elif item_id:
                found.append((item_id, item_mark))
        return found

    def option_ref(self, option: str, mark: Mark, what: str) -> bool:
        if option in self.options:
            return True
        if option in self.option_names:
            return False  # the option's own problem is reported where it is written
        self.problem(mark, f"{what}: unknown option "
                           f"{shown(option)}{_suggest(option, self.options)}",
                     check="references")
        return False

    def cite_refs(self, node: YMap, key: str, what: str, *, required: bool) -> tuple[str, ...]:
        if required and key not in node:
            return ()
        cites = []
        listed = self.id_list(node, key, what)
        for cite, mark in listed:
            if cite not in self.cites:
                self.problem(mark, f"{what}: cites unknown recommendation or statement "
                                   f"{shown(cite)}{_suggest(cite, self.cites)}", check="references")
            else:
                cites.append(cite)
        if required and isinstance(node.get(key), YList) and not node[key]:
            self.problem(node.value_marks[key], f"{what}: {shown(key)} cannot be empty")
        return tuple(cites)

    # -- the whole file

    def build(self) -> Guideline:
        try:
            data, syntax = parse_yaml(self.text)
        except ValueError as exc:  # an integer over Python's digit limit (int(), not YAML)
            digits = re.search(r"[0-9_]{4000,}", self.text)
            at = digits.start() if digits else 0
            line = self.text.count("\n", 0, at) + 1
            column = at - self.text.rfind("\n", 0, at)
            self.problem(Mark(line, column), f"cannot read this value: {shown(str(exc))}",
                         check="syntax")
            raise GuidelineError(self.problems, file=self.file) from None
        for mark, message in syntax:
            self.problem(mark, message, check="syntax")
        if data is None and syntax:
            raise GuidelineError(self.problems, file=self.file)
        top = Mark(1, 1)
        required = declare.record("guideline").required
        if not isinstance(data, YMap):
            self.keys(data, top, "the guideline file", "guideline")
            raise GuidelineError(self.problems, file=self.file)
        self.keys(data, top, "the guideline file", "guideline")

        if "nettree" in data and (type(data["nettree"]) is not int
                                  or data["nettree"] != FORMAT_VERSION):
            self.problem(data.value_marks["nettree"],
                         f"'nettree' is the format version and must be {FORMAT_VERSION} "
                         f"(got {shown(data['nettree'])})")
        if _is_number(data.get("version")):
            # 1.10 would silently become "1.1": a version is written as a text.
            mark = data.value_marks["version"]
            written = self.text.splitlines()[mark.line - 1][mark.column - 1:].split("#")[0]
            self.problem(mark, f"'version' must be a text: quote it "
                               f"('{written.strip() or data['version']}')")
            data["version"] = str(data["version"])
        meta = {key: self.text_of(data, key, "the guideline file", required=key in required)
                for key in ("id", "title", "version", "citation", "scope")}
        source = self.source(data)

        def section(key: str) -> tuple[Any, Mark]:
            return data.get(key), data.value_marks.get(key, top)

        # A missing required section was reported above: its parser is not run on nothing.
        ratings = self.ratings(*section("ratings")) if "ratings" in data else ()
        if "fields" in data:
            self.fields = self.parse_fields(*section("fields"))
        if "options" in data:
            self.options = self.parse_options(*section("options"))
        recommendations = self.recommendations(*section("recommendations"), ratings) \
            if "recommendations" in data else ()
        general = self.general(data)
        abbreviations = self.abbreviations(data)
        self.collect_step_sets(data)
        decisions = self.decisions(*section("decisions")) if "decisions" in data else {}
        leaves = self.leaves(*section("leaves")) if "leaves" in data else {}
        filters = self.filters(data)
        fallback = self.fallback(data)
        notes = self.notes(data)
        start = data.get("start")
        in_scope = self.graph(start, data.value_marks.get("start", top), decisions, leaves,
                                     start_given="start" in data and "decisions" in data)
        if self.problems:
            raise GuidelineError(self.problems, file=self.file)

        cite_order = {cite: index for index, cite in enumerate(self.cites)}
        statements = {s.id: s for rec in recommendations for s in rec.statements}
        return Guideline(
            id=meta["id"],
            title=meta["title"],
            version=meta["version"],
            citation=meta["citation"],
            scope=meta["scope"],
            path=self.path,
            source=source,
            ratings=ratings,
            recommendations=recommendations,
            general=general,
            abbreviations=MappingProxyType(abbreviations),
            fields=MappingProxyType(self.fields),
            options=MappingProxyType(self.options),
            start=str(start),
            decisions=MappingProxyType(decisions),
            leaves=MappingProxyType(leaves),
            step_sets=MappingProxyType(self.step_sets),
            filters=filters,
            fallback=fallback,
            notes=notes,
            in_scope_nodes=in_scope,
            cite_order=MappingProxyType(cite_order),
            option_order=MappingProxyType({o: i for i, o in enumerate(self.options)}),
            cite_owner=MappingProxyType(dict(self.cites)),
            statements=MappingProxyType(statements),
        )

    def source(self, data: YMap) -> Path | None:
        if "source" not in data:
            return None
        name = self.text_of(data, "source", "the guideline file")
        if not name:
            return None
        path = (self.path.parent / name).resolve()
        if not path.is_file():
            self.problem(data.value_marks["source"], f"the source file {shown(name)} does not "
                                                     f"exist "
                                                     f"(looked for {path})")
            return None
        return path

    # -- ratings, fields, options, recommendations

    def ratings(self, node: Any, mark: Mark) -> tuple[RatingDimension, ...]:
        if not isinstance(node, YMap) or not node:
            self.problem(mark, "'ratings' must map each rating dimension to its label and codes")
            return ()
        dims = []
        self.dim_names = tuple(str(name) for name in node)
        for name, spec, spec_mark in _items(node):
            what = f"rating dimension {shown(name)}"
            if not self.keys(spec, spec_mark, what, "rating dimension"):
                continue
            label = self.text_of(spec, "label", what)
            codes = spec.get("codes")
            if not isinstance(codes, YMap) or not codes:
                self.problem(spec.value_marks.get("codes", spec_mark),
                             f"{what}: 'codes' must map each code to its meaning")
                continue
            pairs = []
            for code, meaning, code_mark in _items(codes):
                if not isinstance(meaning, str):
                    self.problem(code_mark, f"{what}: the meaning of code {shown(code)} must be "
                                            f"a text")
                pairs.append((str(code), str(meaning)))
            dims.append(RatingDimension(str(name), label, tuple(pairs)))
        return tuple(dims)

    def parse_fields(self, node: Any, mark: Mark) -> dict[str, Field]:
        if not isinstance(node, YMap) or not node:
            self.problem(mark, "'fields' must map each patient field name to its definition")
            return {}
        fields: dict[str, Field] = {}
        pending_derive: list[tuple[str, YMap, Mark]] = []
        for name, spec, spec_mark in _items(node):
            what = f"field {shown(name)}"
            if not isinstance(name, str) or not name.isidentifier() or name in RESERVED:
                self.problem(node.key_marks[name], f"{what}: a field name must be an identifier "
                                                   f"and not one of {', '.join(sorted(RESERVED))}")
                continue
            self.field_names.add(name)
            if not self.keys(spec, spec_mark, what, "field"):
                continue
            try:
                kind = FieldType(spec.get("type"))
            except ValueError:
                self.problem(spec.value_marks.get("type", spec_mark),
                             f"{what}: 'type' must be one of "
                             f"{', '.join(t.value for t in FieldType)} (got "
                             f"{shown(spec.get('type'))})")
                continue
            values: tuple[str, ...] = ()
            if kind in (FieldType.CHOICE, FieldType.SET):
                raw = spec.get("values")
                if not isinstance(raw, YList) or not raw or not all(
                        isinstance(v, str) for v in raw):
                    self.problem(spec.value_marks.get("values", spec_mark),
                                 f"{what}: a {kind.value} field needs 'values', a list of texts")
                else:
                    values = tuple(raw)  # the walker checked they are distinct
            elif "values" in spec:
                self.problem(spec.key_marks["values"],
                             f"{what}: only choice and set fields have 'values'")
            minimum = maximum = None
            for bound in ("min", "max"):
                if bound in spec:
                    if kind is not FieldType.NUMBER:
                        self.problem(spec.key_marks[bound],
                                     f"{what}: only number fields have {shown(bound)}")
                    elif (why := number_problem(spec[bound])) is not None:
                        self.problem(spec.value_marks[bound], f"{what}: {shown(bound)} {why}")
            if kind is FieldType.NUMBER:
                minimum = float(spec["min"]) if _is_number(spec.get("min")) else None
                maximum = float(spec["max"]) if _is_number(spec.get("max")) else None
                if minimum is not None and maximum is not None and minimum > maximum:
                    self.problem(spec.value_marks["min"],
                                 f"{what}: 'min' ({shown(spec['min'])}) is above 'max' "
                                 f"({shown(spec['max'])})")
            field = Field(str(name), kind, self.text_of(spec, "description", what),
                          values=values, minimum=minimum, maximum=maximum)
            if "default" in spec:
                default = self.default(field, spec, what)
                field = Field(field.name, kind, field.description, values, minimum, maximum,
                              has_default=True, default=default,
                              if_absent=self.text_of(spec, "if_absent", what))
                if "if_absent" not in spec:
                    self.problem(spec_mark, f"{what}: a field with a default needs 'if_absent', "
                                            f"what the default means in words")
            elif "if_absent" in spec:
                self.problem(spec.key_marks["if_absent"],
                             f"{what}: 'if_absent' goes with 'default'")
            fields[name] = field
            if "derive" in spec:
                pending_derive.append((name, spec, spec_mark))
        for name, spec, _ in pending_derive:
            derivation = self.derivation(fields[name], spec["derive"],
                                         spec.value_marks["derive"], fields)
            if derivation:
                old = fields[name]
                fields[name] = Field(old.name, old.type, old.description, old.values, old.minimum,
                                     old.maximum, old.has_default, old.default, old.if_absent,
                                     derivation)
        return fields

    def default(self, field: Field, spec: YMap, what: str) -> Any:
        value, mark = spec["default"], spec.value_marks["default"]
        ok = {
            FieldType.BOOLEAN: isinstance(value, bool),
            FieldType.NUMBER: _is_number(value),
            FieldType.CHOICE: value in field.values,
            FieldType.SET: isinstance(value, list) and all(v in field.values for v in value),
        }[field.type]
        if not ok:
            self.problem(mark, f"{what}: the default must be {field.allowed()} (got "
                               f"{shown(value)})")
        if field.type is FieldType.SET:
            for item, item_mark in repeated(value):
                self.problem(item_mark, f"{what}: {shown(item)} is repeated in the default")
            return frozenset(value) if ok else frozenset()
        return float(value) if field.type is FieldType.NUMBER and ok else value

    def derivation(self, field: Field, node: Any, mark: Mark,
                   fields: dict[str, Field]) -> Derivation | None:
        what = f"field {shown(field.name)}: 'derive'"
        if not self.keys(node, mark, what, "derivation"):
            return None
        if field.type is not FieldType.CHOICE:
            self.problem(mark, f"{what}: only a choice field can be derived")
            return None
        source = node.get("from")
        if not isinstance(source, str) or source not in fields or (
                fields[source].type is not FieldType.NUMBER):
            self.problem(node.value_marks["from"],
                         f"{what}: 'from' must name a number field (got {shown(source)})")
            return None
        bins_raw = node.get("bins")
        if not isinstance(bins_raw, YList) or not bins_raw:
            self.problem(node.value_marks["bins"], f"{what}: 'bins' must be a list")
            return None
        bins: list[tuple[str, str | None, float | None]] = []
        for index, item, item_mark in _items(bins_raw):
            last = index == len(bins_raw) - 1
            allowed_bounds = () if last else ("below", "at_most")
            if not self.keys(item, item_mark, f"{what} bin {index + 1}",
                             (("value",), allowed_bounds)):
                continue
            if item.get("value") not in field.values:
                self.problem(item.value_marks["value"],
                             f"{what} bin {index + 1}: {shown(item.get('value'))} is not one of "
                             f"{shown(field.name)}'s values")
            bounds = [k for k in ("below", "at_most") if k in item]
            if not last and len(bounds) != 1:
                self.problem(item_mark, f"{what} bin {index + 1}: give one bound, "
                                        f"'below' or 'at_most' (the last bin takes the rest)")
                continue
            op = bounds[0] if bounds else None
            bound = item.get(op) if op else None
            if op and (why := number_problem(bound)) is not None:
                self.problem(item.value_marks[op], f"{what} bin {index + 1}: the bound {why}")
                continue
            number = float(bound) if op and bound is not None else None
            if bins and op and number is not None:
                _, last_op, last = bins[-1]
                if last is not None and (number < last or (
                        number == last and not (last_op == "below" and op == "at_most"))):
                    self.problem(item_mark, f"{what} bin {index + 1} can never be chosen: its "
                                            f"bound {_show(number)} does not rise above the "
                                            f"previous bin's {_show(last)}")
            bins.append((str(item.get("value")), op, number))
        may_exceed = node.get("given_may_exceed", False)
        if not isinstance(may_exceed, bool):
            self.problem(node.value_marks["given_may_exceed"],
                         f"{what}: 'given_may_exceed' must be true or false")
        return Derivation(str(source), tuple(bins), bool(may_exceed))

    def parse_options(self, node: Any, mark: Mark) -> dict[str, Option]:
        if not isinstance(node, YMap) or not node:
            self.problem(mark, "'options' must map each option id to its label")
            return {}
        options = {}
        self.option_names = {str(option_id) for option_id in node}
        for option_id, spec, spec_mark in _items(node):
            what = f"option {shown(option_id)}"
            if not self.keys(spec, spec_mark, what, "option"):
                continue
            options[str(option_id)] = Option(str(option_id), self.text_of(spec, "label", what))
        return options

    def recommendations(self, node: Any, mark: Mark,
                        ratings: tuple[RatingDimension, ...]) -> tuple[Recommendation, ...]:
        if not isinstance(node, YList) or not node:
            self.problem(mark, "'recommendations' must be a list of recommendations")
            return ()
        dims = {d.name: d for d in ratings}
        result = []
        for _, item, item_mark in _items(node):
            sound = self.keys(item, item_mark, "a recommendation", "recommendation")
            if not isinstance(item, YMap) or "id" not in item:
                continue
            rec_id = self.ident(item.get("id"), item.value_marks.get("id", item_mark),
                                "a recommendation's 'id'")
            if rec_id is None:
                continue
            what = f"recommendation {rec_id}"
            if rec_id in self.cites:
                self.problem(item.value_marks["id"], f"{what}: the id is used twice")
            self.cites[rec_id] = rec_id
            rating = self.rating(item, item_mark, what, dims) if sound else ()
            statements = []
            raw_statements = item.get("statements", YList())
            if not isinstance(raw_statements, YList):
                self.problem(item.value_marks["statements"], f"{what}: 'statements' must be a list")
                raw_statements = YList()
            for _, st, st_mark in _items(raw_statements):
                st_sound = self.keys(st, st_mark, f"a statement of {what}", "statement")
                if not isinstance(st, YMap) or "id" not in st:
                    continue
                st_id = self.ident(st.get("id"), st.value_marks.get("id", st_mark),
                                   "a statement's 'id'")
                if st_id is None:
                    continue
                if st_id in self.cites:
                    self.problem(st.value_marks["id"], f"statement {st_id}: the id is used twice")
                self.cites[st_id] = rec_id
                if not st_sound:
                    continue
                kind = st.get("kind")
                if kind not in ("note", "qualifying"):
                    self.problem(st.value_marks.get("kind", st_mark),
                                 f"statement {st_id}: 'kind' must be 'note' or 'qualifying' "
                                 f"(got {shown(kind)})")
                statements.append(Statement(st_id, str(kind), self.text_of(st, "text", st_id),
                                            rec_id, self.supports(st, f"statement {st_id}")))
            if not sound:
                continue
            result.append(Recommendation(
                rec_id, self.text_of(item, "category", what), self.text_of(item, "text", what),
                rating, self.supports(item, what), tuple(statements)))
        return tuple(result)

    def rating(self, item: YMap, mark: Mark, what: str,
               dims: dict[str, RatingDimension]) -> tuple[tuple[str, str], ...]:
        raw = item.get("rating")
        if not isinstance(raw, YMap) or not self.keys(
                raw, item.value_marks.get("rating", mark), f"{what}: 'rating'",
                (self.dim_names, ())):
            if not isinstance(raw, YMap) and "rating" in item:
                self.problem(item.value_marks["rating"], f"{what}: 'rating' must be a mapping")
            return ()
        pairs = []
        for name, dim in dims.items():
            code = raw.get(name)
            if name in raw and (isinstance(code, list | dict) or code not in dict(dim.codes)):
                self.problem(raw.value_marks[name],
                             f"{what}: {name} must be one of {', '.join(dict(dim.codes))} "
                             f"(got {shown(code)})")
            pairs.append((name, str(code)))
        return tuple(pairs)

    def supports(self, node: YMap, what: str) -> tuple[str, ...]:
        found = []
        for option, mark in self.id_list(node, "supports", what):
            if self.option_ref(option, mark, f"{what}: 'supports'"):
                found.append(option)
        return tuple(found)

    def general(self, data: YMap) -> tuple[str, ...]:
        general = []
        for rec_id, mark in self.id_list(data, "general", "'general'"):
            if self.cites.get(rec_id) != rec_id:
                self.problem(mark, f"'general': unknown recommendation {shown(rec_id)}"
                                   f"{_suggest(rec_id, self.cites)}", check="references")
            else:
                general.append(rec_id)
        return tuple(general)

    def abbreviations(self, data: YMap) -> dict[str, str]:
        node = data.get("abbreviations")
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.problem(data.value_marks["abbreviations"],
                         "'abbreviations' must map each abbreviation to its meaning")
            return {}
        return {str(k): str(v) for k, v in node.items()}

    # -- conditions

    def condition(
        self, node: Any, mark: Mark, what: str, *, about_result: bool
    ) -> Condition | None:
        """Parse a condition; ``about_result`` admits ``offered`` and ``cited``."""
        if isinstance(node, YMap) and not node:
            self.problem(mark, f"{what}: a condition cannot be empty ({{}}); write what must "
                               f"hold, e.g. {{field: value}}")
            return None
        if not isinstance(node, YMap):
            self.problem(mark, f"{what}: a condition must be a mapping such as "
                               f"{{field: value}}, {{all: [...]}}, {{any: [...]}} or {{not: ...}} "
                               f"(got {_kind(node)})")
            return None
        parts: list[Condition] = []
        ok = True
        for key, value, value_mark in _items(node):
            key_mark = node.key_marks[key]
            part: Condition | None
            if key in ("all", "any"):
                if not isinstance(value, YList) or not value:
                    self.problem(value_mark, f"{what}: {shown(key)} takes a non-empty list of "
                                             f"conditions")
                    ok = False
                    continue
                subs = [self.condition(v, m, what, about_result=about_result)
                        for _, v, m in _items(value)]
                if any(s is None for s in subs):
                    ok = False
                    continue
                conditions = tuple(s for s in subs if s is not None)
                part = AllOf(conditions) if key == "all" else AnyOf(conditions)
            elif key == "not":
                part = self.condition(value, value_mark, what, about_result=about_result)
                part = Not(part) if part else None
            elif key in ("offered", "cited"):
                if not about_result:
                    self.problem(key_mark, f"{what}: {shown(key)} is about a result's options and "
                                           f"cannot be used in a decision")
                    ok = False
                    continue
                wrapper = YMap({key: value})
                wrapper.mark, wrapper.key_marks, wrapper.value_marks = (
                    key_mark, {key: key_mark}, {key: value_mark})
                ids = self.id_list(wrapper, key, what)
                if key == "offered":
                    good = [o for o, m in ids if self.option_ref(o, m, what)]
                    part = Offered(tuple(good)) if len(good) == len(ids) and ids else None
                else:
                    good = []
                    for cite, cite_mark in ids:
                        if cite in self.cites:
                            good.append(cite)
                        else:
                            self.problem(cite_mark, f"{what}: unknown recommendation or "
                                                    f"statement {shown(cite)}", check="references")
                    part = Cited(tuple(good)) if len(good) == len(ids) and ids else None
            else:
                part = self.field_test(str(key), value, key_mark, value_mark, what)
            if part is None:
                ok = False
            else:
                parts.append(part)
        if not ok or not parts:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def field_test(self, name: str, value: Any, key_mark: Mark, value_mark: Mark,
                   what: str) -> Condition | None:
        field = self.fields.get(name)
        if field is None and name in self.field_names:
            return None  # the field's own problem is reported where it is written
        if field is None:
            self.problem(key_mark, f"{what}: unknown field {shown(name)}"
                                   f"{_suggest(name, [*self.fields, *RESERVED])}",
                         check="references")
            return None
        allowed = _FIELD_OPERATORS[field.type]
        if not isinstance(value, YMap):
            if "is" not in allowed:
                self.problem(value_mark, f"{what}: {shown(name)} is a {field.type.value} field: "
                                         f"test it with {' or '.join(allowed)}")
                return None
            value = _single("is", value, value_mark)
        tests: list[Condition] = []
        for op, operand, op_mark in _items(value):
            if op not in allowed:
                self.problem(value.key_marks[op], f"{what}: {shown(name)} ({field.type.value}) "
                                                  f"takes "
                                                  f"{', '.join(allowed)}, not {shown(op)}")
                return None
            checked = self.operand(field, op, operand, op_mark, what)
            if checked is _BAD:
                return None
            tests.append(FieldTest(name, op, checked))
        if not tests:
            self.problem(value_mark, f"{what}: {shown(name)} has no test")
            return None
        return tests[0] if len(tests) == 1 else AllOf(tuple(tests))

    def operand(self, field: Field, op: str, operand: Any, mark: Mark, what: str) -> Any:
        name = field.name
        if op == "is" and field.type is FieldType.BOOLEAN:
            if isinstance(operand, bool):
                return operand
            self.problem(mark, f"{what}: {shown(name)} is true or false (got {shown(operand)})")
        elif op == "is" or op == "contains":
            if operand in field.values:
                return operand
            self.problem(mark, f"{what}: {shown(operand)} is not a value of {shown(name)}"
                               f"{_suggest(operand, field.values)}; allowed: "
                               f"{', '.join(field.values)}")
        elif op == "in":
            if isinstance(operand, list) and operand and all(v in field.values for v in operand):
                for item, item_mark in repeated(operand):
                    self.problem(item_mark, f"{what}: {shown(item)} is repeated in 'in'")
                    return _BAD
                return frozenset(operand)
            self.problem(mark, f"{what}: 'in' takes a list of values of {shown(name)} "
                               f"({', '.join(field.values)}); got {shown(operand)}")
        elif op == "empty":
            if isinstance(operand, bool):
                return operand
            self.problem(mark, f"{what}: 'empty' is true or false")
        else:
            why = number_problem(operand)
            if why is None:
                return float(operand)
            if why == "must be a number":
                self.problem(mark, f"{what}: {shown(op)} takes a number (got {shown(operand)})")
            else:
                self.problem(mark, f"{what}: the number of {shown(op)} {why}")
        return _BAD

    def when(self, node: YMap, mark: Mark, what: str, *, about_result: bool = True,
             ) -> tuple[Condition | None, bool]:
        """The condition of ``when``/``unless`` (``unless`` is ``not``); (condition, valid)."""
        if "when" in node and "unless" in node:
            self.problem(node.key_marks["unless"], f"{what}: give 'when' or 'unless', not both")
            return None, False
        for key in ("when", "unless"):
            if key in node:
                cond = self.condition(node[key], node.value_marks[key], what,
                                      about_result=about_result)
                if cond is None:
                    return None, False
                return (Not(cond) if key == "unless" else cond), True
        return None, True

    # -- steps

    def collect_step_sets(self, data: YMap) -> None:
        node = data.get("step_sets")
        if node is None:
            return
        if not isinstance(node, YMap):
            self.problem(data.value_marks["step_sets"],
                         "'step_sets' must map each name to a list of steps")
            return
        for name, steps, mark in _items(node):
            self.step_set_raw[str(name)] = (steps, mark)
        for name in self.step_set_raw:
            self.expand_set(name, ())

    def expand_set(self, name: str, chain: tuple[str, ...]) -> tuple[Step, ...] | None:
        if name in self.step_sets:
            return self.step_sets[name]
        if name in self.step_sets_failed:
            return None  # its problems were reported once already
        if name in chain:
            steps, mark = self.step_set_raw[name]
            self.problem(mark, f"step set {shown(name)} uses itself: {' -> '.join((*chain, name))}",
                         check="structure")
            self.step_sets_failed.add(name)
            return None
        steps, mark = self.step_set_raw[name]
        parsed = self.steps(steps, mark, f"step set {shown(name)}", chain=(*chain, name))
        if parsed is None:
            self.step_sets_failed.add(name)
        else:
            self.step_sets[name] = parsed
        return parsed

    def steps(self, node: Any, mark: Mark, what: str,
              chain: tuple[str, ...] = ()) -> tuple[Step, ...] | None:
        if not isinstance(node, YList):
            self.problem(mark, f"{what}: 'steps' must be a list (got {_kind(node)})")
            return None
        result: list[Step] = []
        ok = True
        for index, item, item_mark in _items(node):
            where = f"{what}, step {index + 1}"
            kinds = [k for k in _STEP_KINDS if isinstance(item, YMap) and k in item]
            if len(kinds) != 1:
                self.problem(item_mark, f"{where}: a step is a mapping with exactly one of "
                                        f"{', '.join(_STEP_KINDS)}")
                ok = False
                continue
            parsed = self.step(kinds[0], item, item_mark, where, chain)
            if parsed is None:
                ok = False
            else:
                result.extend(parsed)
        return tuple(result) if ok else None

    def step(self, kind: str, item: YMap, mark: Mark, what: str,
             chain: tuple[str, ...]) -> tuple[Step, ...] | None:
        position = self.position(mark)
        if kind == "use":
            if not self.keys(item, mark, what, "use step"):
                return None
            name = item["use"]
            if not isinstance(name, str):
                self.problem(item.value_marks["use"], f"{what}: 'use' takes one step set name "
                                                      f"(got {_kind(name)})")
                return None
            if name not in self.step_set_raw:
                self.problem(item.value_marks["use"], f"{what}: unknown step set {shown(name)}"
                                                      f"{_suggest(name, self.step_set_raw)}",
                             check="references")
                return None
            return self.expand_set(str(name), chain)
        if kind == "offer":
            if not self.keys(item, mark, what, "offer step"):
                return None
            option = item["offer"]
            valid = self.option_ref(str(option), item.value_marks["offer"], what)
            cites = self.cite_refs(item, "cites", what, required=True)
            when, ok = self.when(item, mark, what)
            return (Offer(str(option), cites, when, position),) if valid and ok else None
        if kind == "drop":
            if not self.keys(item, mark, what, "drop step"):
                return None
            targets = self.id_list(item, "drop", what)
            valid = all([self.option_ref(o, m, what) for o, m in targets]) and bool(targets)
            cites = self.cite_refs(item, "cites", what, required=False)
            when, ok = self.when(item, mark, what)
            reason = self.text_of(item, "reason", what)
            if not (valid and ok):
                return None
            return (Drop(tuple(o for o, _ in targets), when, reason, cites, position),)
        if kind == "drop_listed_in":
            if not self.keys(item, mark, what, "drop_listed_in step"):
                return None
            name = item["drop_listed_in"]
            field = self.fields.get(name) if isinstance(name, str) else None
            if field is None or field.type is not FieldType.SET:
                self.problem(item.value_marks["drop_listed_in"],
                             f"{what}: 'drop_listed_in' must name a set field (got {shown(name)})")
                return None
            for value in field.values:
                if value not in self.options:
                    self.problem(item.value_marks["drop_listed_in"],
                                 f"{what}: {shown(name)} lists {shown(value)}, which is not an "
                                 f"option")
            cites = self.cite_refs(item, "cites", what, required=False)
            return (DropListed(str(name), self.text_of(item, "reason", what), cites, position),)
        # cite
        if not self.keys(item, mark, what, "cite step"):
            return None
        cites = self.cite_refs(item, "cite", what, required=True)
        to = None
        if "to" in item:
            targets = self.id_list(item, "to", what)
            if not all([self.option_ref(o, m, what) for o, m in targets]):
                return None
            to = tuple(o for o, _ in targets)
        when, ok = self.when(item, mark, what)
        return (Cite(cites, to, when, position),) if ok and cites else None

    # -- nodes

    def decisions(self, node: Any, mark: Mark) -> dict[str, Decision]:
        if not isinstance(node, YMap) or not node:
            self.problem(mark, "'decisions' must map each decision id to its question and "
                               "branches")
            return {}
        decisions = {}
        for node_id, spec, spec_mark in _items(node):
            what = f"decision {shown(node_id)}"
            self.current_node = str(node_id)
            self.declared[str(node_id)] = spec_mark
            raw_branches = spec.get("branches") if isinstance(spec, YMap) else None
            if not isinstance(raw_branches, YList):
                self.open_nodes.add(str(node_id))
            for _, item, _mark in _items(raw_branches):
                if isinstance(item, YMap) and isinstance(item.get("to"), str):
                    self.edges.append((str(node_id), item["to"], item.value_marks["to"],
                                       str(item.get("answer", ""))))
                else:
                    self.open_nodes.add(str(node_id))
            if not self.keys(spec, spec_mark, what, "decision"):
                continue
            question = self.text_of(spec, "question", what)
            raw = spec.get("branches")
            if not isinstance(raw, YList):
                self.problem(spec.value_marks["branches"], f"{what}: 'branches' must be a list")
                continue
            if len(raw) < 2:
                self.problem(spec.value_marks["branches"],
                             f"{what} has {len(raw)} branch{'es' if len(raw) != 1 else ''}: "
                             f"a decision needs at least two", check="structure",
                             node=str(node_id))
            branches: list[Branch] = []
            for index, item, item_mark in _items(raw):
                where = f"{what}, branch {index + 1}"
                if not self.keys(item, item_mark, where, "branch"):
                    continue
                answer = self.text_of(item, "answer", where)
                cond = self.condition(item["when"], item.value_marks["when"], where,
                                      about_result=False)
                target = item.get("to")
                if not isinstance(target, str):
                    self.problem(item.value_marks["to"], f"{where}: 'to' must name a node")
                    continue
                if any(b.answer == answer for b in branches) and answer:
                    self.problem(item.value_marks["answer"],
                                 f"{where}: the answer {shown(answer)} is used twice in this "
                                 f"decision")
                if cond is not None:
                    branches.append(Branch(answer, cond, target, self.position(item_mark)))
            used = frozenset().union(*(b.when.fields() for b in branches))
            reads = tuple(sorted(used, key=list(self.fields).index))
            if "reads" in spec:
                declared = [f for f, _ in self.id_list(spec, "reads", what)]
                for name in declared:
                    if name not in self.fields:
                        self.problem(spec.value_marks["reads"],
                                     f"{what}: 'reads' names unknown field {shown(name)}"
                                     f"{_suggest(name, self.fields)}", check="references",
                                     node=str(node_id))
                if len(branches) == len(raw) and set(declared) != set(used):
                    self.problem(spec.value_marks["reads"],
                                 f"{what}: 'reads' says {', '.join(declared)} but the branches "
                                 f"read {', '.join(reads)}")
            decisions[str(node_id)] = Decision(
                str(node_id), question, reads, tuple(branches), self.position(spec_mark),
                self.text_of(spec, "encoding", what, required=False))
        self.current_node = None
        return decisions

    def leaves(self, node: Any, mark: Mark) -> dict[str, Leaf]:
        if not isinstance(node, YMap) or not node:
            self.problem(mark, "'leaves' must map each leaf id to its definition")
            return {}
        leaves = {}
        for node_id, spec, spec_mark in _items(node):
            what = f"leaf {shown(node_id)}"
            self.current_node = str(node_id)
            if str(node_id) in self.declared:
                self.problem(spec_mark, f"{shown(node_id)} is both a decision and a leaf",
                             check="structure", node=str(node_id))
            self.declared[str(node_id)] = spec_mark
            if isinstance(spec, YMap) and "branches" in spec:
                self.problem(spec.key_marks["branches"],
                             f"{what} has branches: a leaf ends a path and has no outgoing edges "
                             f"(make it a decision)", check="structure", node=str(node_id))
                continue
            if not self.keys(spec, spec_mark, what, "leaf"):
                continue
            try:
                kind = LeafKind(spec.get("kind"))
            except ValueError:
                self.problem(spec.value_marks["kind"],
                             f"{what}: 'kind' must be one of "
                             f"{', '.join(k.value for k in LeafKind)} (got "
                             f"{shown(spec.get('kind'))})")
                continue
            missing: list[str] = []
            if kind is LeafKind.NEEDS_INFORMATION:
                for name, name_mark in self.id_list(spec, "missing", what):
                    if name in self.fields:
                        missing.append(name)
                    else:
                        self.problem(name_mark, f"{what}: unknown field {shown(name)}"
                                                f"{_suggest(name, self.fields)}",
                                     check="references", node=str(node_id))
                if "missing" not in spec:
                    self.problem(spec_mark, f"{what}: a needs_information leaf names the "
                                            f"'missing' fields")
            elif "missing" in spec:
                self.problem(spec.key_marks["missing"],
                             f"{what}: only a needs_information leaf has 'missing'")
            if kind is LeafKind.OUT_OF_SCOPE and "steps" in spec:
                self.problem(spec.key_marks["steps"], f"{what}: an out_of_scope leaf offers "
                                                      f"nothing, so it has no 'steps'")
            if kind is LeafKind.OUT_OF_SCOPE and "reason" not in spec:
                self.problem(spec_mark, f"{what}: an out_of_scope leaf needs a 'reason'")
            if kind is LeafKind.RECOMMENDATION and "steps" not in spec:
                self.problem(spec_mark, f"{what}: a recommendation leaf needs 'steps'")
            steps: tuple[Step, ...] = ()
            uses: tuple[str, ...] = ()
            if "steps" in spec:
                parsed = self.steps(spec["steps"], spec.value_marks["steps"], what)
                steps = parsed or ()
                if isinstance(spec["steps"], YList):
                    uses = tuple(str(s["use"]) for s in spec["steps"]
                                 if isinstance(s, YMap) and "use" in s)
            leaves[str(node_id)] = Leaf(
                str(node_id), kind, self.text_of(spec, "label", what),
                self.text_of(spec, "reason", what, required=False), tuple(missing), uses, steps,
                self.position(spec_mark), self.text_of(spec, "encoding", what, required=False))
        self.current_node = None
        return leaves

    def filters(self, data: YMap) -> tuple[Step, ...]:
        if "filters" not in data:
            return ()
        return self.steps(data["filters"], data.value_marks["filters"], "'filters'") or ()

    def fallback(self, data: YMap) -> Fallback | None:
        if "fallback" not in data:
            return None
        node, mark = data["fallback"], data.value_marks["fallback"]
        if not self.keys(node, mark, "'fallback'", "fallback"):
            return None
        option = node["option"]
        valid = self.option_ref(str(option), node.value_marks["option"], "'fallback'")
        cites = self.cite_refs(node, "cites", "'fallback'", required=True)
        return Fallback(str(option), cites) if valid else None

    def notes(self, data: YMap) -> tuple[NoteRule, ...]:
        node = data.get("notes")
        if node is None:
            return ()
        if not isinstance(node, YList):
            self.problem(data.value_marks["notes"], "'notes' must be a list of note rules")
            return ()
        rules = []
        for index, item, mark in _items(node):
            what = f"note rule {index + 1}"
            if not self.keys(item, mark, what, "note rule"):
                continue
            statement = item["statement"]
            if isinstance(statement, str) and self.cites.get(statement) == statement:
                self.problem(item.value_marks["statement"],
                             f"{what}: {shown(statement)} is a recommendation, not a statement: a "
                             f"note shows a note or qualifying statement", check="references")
                continue
            if not isinstance(statement, str) or statement not in self.cites:
                statements = [c for c, rec in self.cites.items() if c != rec]
                self.problem(item.value_marks["statement"],
                             f"{what}: {shown(statement)} is not a statement id"
                             f"{_suggest(statement, statements)}", check="references")
                continue
            when, ok = self.when(item, mark, what)
            remarks = []
            if "remarks" in item and not isinstance(item["remarks"], YList):
                self.problem(item.value_marks["remarks"], f"{what}: 'remarks' must be a list of "
                                                          f"{{when, text}}")
            for r_index, remark, r_mark in _items(item.get("remarks", YList())):
                r_what = f"{what}, remark {r_index + 1}"
                if not self.keys(remark, r_mark, r_what, "remark"):
                    continue
                cond = self.condition(remark["when"], remark.value_marks["when"], r_what,
                                      about_result=True)
                if cond is not None:
                    remarks.append(Remark(cond, self.text_of(remark, "text", r_what)))
            if ok:
                rules.append(NoteRule(statement, when, tuple(remarks), self.position(mark)))
        return tuple(rules)

    # -- the graph

    def graph(self, start: Any, start_mark: Mark, decisions: dict[str, Decision],
              leaves: dict[str, Leaf], *, start_given: bool = True) -> frozenset[str]:
        """Check the structure as written (see `declared` and `edges`); the in-scope nodes."""
        edges: dict[str, list[str]] = {node: [] for node in self.declared}
        for source, target, target_mark, answer in self.edges:
            if target not in self.declared:
                self.problem(target_mark,
                             f"decision {shown(source)}, branch {shown(answer)}: goes to unknown "
                             f"node "
                             f"{shown(target)}{_suggest(target, self.declared)}",
                             check="structure", node=source)
                self.open_nodes.add(source)
                continue
            edges[source].append(target)
        if not isinstance(start, str) or start not in decisions:
            if start_given and not (
                    isinstance(start, str) and start in self.declared and start not in leaves):
                self.problem(start_mark, f"'start' must name a decision (got {shown(start)})"
                             f"{_suggest(start, decisions)}", check="structure")
            if not (isinstance(start, str) and start in edges):
                return frozenset()
        for component in structure.components(list(self.declared), edges):
            cycle = structure.cycle_through(component[0], component, edges)
            self.problem(self.declared[cycle[0]], f"cycle: {' -> '.join([*cycle, cycle[0]])}",
                         check="structure", node=cycle[0])
        if not self.open_nodes:  # a branch whose target is not known may reach any node
            reachable = structure.reachable(edges, start)
            for node_id, node_mark in self.declared.items():
                if node_id not in reachable:
                    self.problem(node_mark, f"{shown(node_id)} is unreachable from the start node "
                                            f"{shown(start)}", check="structure", node=node_id)
        built = {d.id: [b.to for b in d.branches] for d in decisions.values()}
        out_of_scope = [n for n, leaf in leaves.items() if leaf.kind is LeafKind.OUT_OF_SCOPE]
        return frozenset({*decisions, *leaves} - structure.reaching(built, out_of_scope))


class _Bad:
    pass



_BAD: Any = _Bad()



def _single(key: str, value: Any, mark: Mark) -> YMap:
    wrapper = YMap({key: value})
    wrapper.mark, wrapper.key_marks, wrapper.value_marks = mark, {key: mark}, {key: mark}
    return wrapper


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _is_number(value: Any) -> bool:
    return number_problem(value) is None
