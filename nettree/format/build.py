"""Builds a :class:`~nettree.Guideline` from a guideline file's text, collecting every
problem: the file's records are checked against the declaration (:mod:`.walk`), references and
conditions resolved (:mod:`.refs`), and the graph's structure checked (:mod:`.structure`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..derive import reads_of
from ..errors import GuidelineError, Problem, shown
from ..guideline import Guideline
from ..model import (
    Branch,
    ByCases,
    Case,
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
    NotRecommend,
    Offer,
    Option,
    Point,
    PointSum,
    Prefer,
    RatingDimension,
    RatingStyle,
    Recommendation,
    Remark,
    Statement,
    Step,
)
from ..ratings import DEFAULT_DIMENSION, is_colour, rating_style
from ..words import did_you_mean, number_text
from ..yamlio import Mark, YList, YMap, parse_yaml
from . import declare, structure
from .refs import References
from .walk import items, kind_of, number_problem, repeated

__all__ = ["Builder"]


class Builder(References):
    """Reads the raw YAML once, collecting every problem, then builds the Guideline."""

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
                                  or data["nettree"] != declare.FORMAT_VERSION):
            self.problem(data.value_marks["nettree"],
                         f"'nettree' is the format version and must be {declare.FORMAT_VERSION} "
                         f"(got {shown(data['nettree'])})")
        meta = {key: self.text_of(data, key, "the guideline file", required=key in required)
                for key in ("id", "title", "version", "citation", "scope")}
        source = self.source(data)

        def section(key: str) -> tuple[Any, Mark]:
            return data.get(key), data.value_marks.get(key, top)

        # A missing required section was reported above: its parser is not run on nothing.
        ratings = self.ratings(*section("ratings")) if "ratings" in data else ()
        style, warnings = self.rating_style(data, ratings)
        if "fields" in data:
            self.fields = self.parse_fields(*section("fields"))
        if "options" in data:
            self.options = self.parse_options(*section("options"))
        recommendations = self.recommendations(*section("recommendations"), ratings) \
            if "recommendations" in data else ()
        general = self.general(data)
        abbreviations = self.abbreviations(data)
        self.collect_conditions(data)
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
            digest=hashlib.sha256(self.text.encode("utf-8", "surrogateescape")).hexdigest(),
            ratings=ratings,
            rating_style=style,
            warnings=warnings,
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
            conditions=MappingProxyType({name: self.named[name] for name in self.named_raw}),
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
        for name, spec, spec_mark in items(node):
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
            for code, meaning, code_mark in items(codes):
                if not isinstance(meaning, str):
                    self.problem(code_mark, f"{what}: the meaning of code {shown(code)} must be "
                                            f"a text")
                pairs.append((str(code), str(meaning)))
            dims.append(RatingDimension(str(name), label, tuple(pairs)))
        return tuple(dims)

    def rating_style(self, data: YMap, ratings: tuple[RatingDimension, ...],
                     ) -> tuple[RatingStyle, tuple[Problem, ...]]:
        """The file's ``rating_style`` (else the dimension named ``strength``), and the
        warning for a guideline whose ratings cannot be coloured."""
        dims = {d.name: d for d in ratings}
        if "rating_style" not in data:
            if DEFAULT_DIMENSION in dims or not ratings:
                return rating_style(dims.get(DEFAULT_DIMENSION)), ()
            mark = data.key_marks.get("ratings", Mark(1, 1))
            return RatingStyle(), (Problem(
                self.file, mark.line, mark.column,
                f"no 'rating_style' and no rating dimension named {DEFAULT_DIMENSION!r}: "
                f"badges are drawn unrated; add 'rating_style: {{dimension: ...}}' naming one "
                f"of {', '.join(dims)}", "rating_style"),)
        node, mark = data["rating_style"], data.value_marks["rating_style"]
        what = "'rating_style'"
        if not self.keys(node, mark, what, "rating style"):
            return RatingStyle(), ()
        name = node["dimension"]
        if not isinstance(name, str) or name not in dims:
            if name not in self.dim_names:  # else the dimension's own problem is reported
                self.problem(node.value_marks["dimension"],
                             f"{what}: 'dimension' must name a rating dimension, one of "
                             f"{', '.join(dims) or 'none'} (got {shown(name)})",
                             check="references")
            return RatingStyle(), ()
        codes = [code for code, _ in dims[name].codes]

        def known(code: Any, code_mark: Mark, key: str) -> bool:
            if str(code) in codes and not isinstance(code, bool):
                return True
            self.problem(code_mark, f"{what}: {key} has {shown(code)}, not a code of "
                                    f"{shown(name)}; allowed: {', '.join(codes)}",
                         check="references")
            return False

        harm = tuple(str(code) for code, code_mark in self.id_list(node, "harm", what)
                     if known(code, code_mark, "'harm'")) if "harm" in node else ()
        colours: dict[str, str] = {}
        raw = node.get("colours")
        if isinstance(raw, YMap):
            for code, colour, code_mark in items(raw):
                if not known(code, raw.key_marks[code], "'colours'"):
                    continue
                if not is_colour(colour):  # nothing written (# begins a comment): at the code
                    at = raw.key_marks[code] if colour is None else code_mark
                    self.problem(at, f"{what}: the colour of {shown(str(code))} must be "
                                     f"written \"#rrggbb\", quoted (got {shown(colour)})")
                    continue
                colours[str(code)] = str(colour)
        return rating_style(dims[name], harm, colours), ()

    def parse_fields(self, node: Any, mark: Mark) -> dict[str, Field]:
        if not isinstance(node, YMap) or not node:
            self.problem(mark, "'fields' must map each patient field name to its definition")
            return {}
        fields: dict[str, Field] = {}
        pending_derive: list[tuple[str, YMap, Mark]] = []
        for name, spec, spec_mark in items(node):
            what = f"field {shown(name)}"
            if not isinstance(name, str) or not name.isidentifier() or name in declare.RESERVED:
                reserved = ", ".join(sorted(declare.RESERVED))
                self.problem(node.key_marks[name], f"{what}: a field name must be an identifier "
                                                   f"and not one of {reserved}")
                continue
            self.field_names.add(name)
            if not self.keys(spec, spec_mark, what, "field"):
                continue
            integer = spec.get("type") == "integer"
            try:
                kind = FieldType.NUMBER if integer else FieldType(spec.get("type"))
            except ValueError:
                self.problem(spec.value_marks.get("type", spec_mark),
                             f"{what}: 'type' must be one of "
                             f"{', '.join(t.value for t in FieldType)}, integer (got "
                             f"{shown(spec.get('type'))})")
                continue
            values: tuple[str, ...] = ()
            if kind in (FieldType.CHOICE, FieldType.SET):
                raw = spec.get("values")
                odd = next(((v, m) for _, v, m in items(raw) if not isinstance(v, str)),
                           None) if isinstance(raw, YList) else None
                if odd is not None:
                    self.problem(odd[1], f"{what}: a {kind.value} field needs 'values', a list "
                                         f"of texts (got {self.got(*odd)})")
                    # Go on with the values as written, so their uses are not reported too.
                    values = tuple(v if isinstance(v, str) else self.scalar_written(m)
                                   for _, v, m in items(raw))
                elif not isinstance(raw, YList) or not raw:
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
                                     f"{what}: only number and integer fields have "
                                     f"{shown(bound)}")
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
                          values=values, minimum=minimum, maximum=maximum, integer=integer)
            if "default" in spec:
                default = self.default(field, spec, what)
                field = replace(field, has_default=True, default=default,
                                if_absent=self.text_of(spec, "if_absent", what))
                if "if_absent" not in spec:
                    self.problem(spec_mark, f"{what}: a field with a default needs 'if_absent', "
                                            f"what the default means in words")
            elif "if_absent" in spec:
                self.problem(spec.key_marks["if_absent"],
                             f"{what}: 'if_absent' goes with 'default'")
            fields[name] = self.wording(field, spec, what)
            if "derive" in spec:
                pending_derive.append((name, spec, spec_mark))
        self.fields = fields  # the conditions of derivations by points or cases name them
        for name, spec, _ in pending_derive:
            node, node_mark = spec["derive"], spec.value_marks["derive"]
            if isinstance(node, YMap) and ("sum" in node or "cases" in node):
                computed = self.computed(fields[name], spec, node, node_mark)
                if computed is not None:
                    fields[name] = replace(fields[name], computed=computed)
                continue
            derivation = self.derivation(fields[name], node, node_mark, fields)
            if derivation:
                old = fields[name]
                fields[name] = replace(old, derive=derivation)
        self.derivation_cycles(fields, {name: spec for name, spec, _ in pending_derive})
        return fields

    def computed(self, field: Field, spec: YMap, node: YMap, mark: Mark,
                 ) -> PointSum | ByCases | None:
        """A derivation by a sum of points or by cases (:mod:`nettree.derive`)."""
        what = f"field {shown(field.name)}: 'derive'"
        if not self.keys(node, mark, what, "derivation"):
            return None
        kind = "sum" if "sum" in node else "cases"
        others = [key for key in node if key != kind]
        if others:
            self.problem(node.key_marks[others[0]],
                         f"{what}: {shown(others[0])} does not go with {shown(kind)} (a "
                         f"derivation is `from` with `bins`, or `sum`, or `cases`)")
            return None
        if "default" in spec:
            self.problem(spec.key_marks["default"],
                         f"{what}: a derived field has no default (it is always derived)")
        if kind == "sum" and not field.integer:
            self.problem(node.key_marks["sum"], f"{what}: only an integer field can be a "
                                                f"sum of points (this is {field.kind_name})")
            return None
        if kind == "cases" and field.type not in (FieldType.CHOICE, FieldType.NUMBER):
            self.problem(node.key_marks["cases"], f"{what}: only a choice or integer field "
                                                  f"can be derived by cases")
            return None
        if kind == "cases" and field.type is FieldType.NUMBER and not field.integer:
            self.problem(node.key_marks["cases"], f"{what}: only a choice or integer field "
                                                  f"can be derived by cases (not a number)")
            return None
        raw = node[kind]
        if not isinstance(raw, YList) or not raw:
            self.problem(node.value_marks[kind], f"{what}: {shown(kind)} must be a non-empty "
                                                 f"list")
            return None
        if kind == "sum":
            points = []
            for index, item, item_mark in items(raw):
                where = f"{what}, point {index + 1}"
                if not self.keys(item, item_mark, where, "point"):
                    continue
                number = item["points"]
                if isinstance(number, bool) or not isinstance(number, int | float) or (
                        not float(number).is_integer()):
                    self.problem(item.value_marks["points"],
                                 f"{where}: 'points' must be a whole number (got "
                                 f"{shown(number)})")
                    continue
                cond = self.condition(item["when"], item.value_marks["when"], where,
                                      about_result=False)
                if cond is not None:
                    points.append(Point(int(number), cond, self.position(item_mark)))
            return PointSum(tuple(points)) if len(points) == len(raw) else None
        cases = []
        for index, item, item_mark in items(raw):
            where = f"{what}, case {index + 1}"
            if not self.keys(item, item_mark, where, "case"):
                continue
            value = item["value"]
            if field.type is FieldType.CHOICE:
                code = self.code(value, item.value_marks["value"], field.values)
                if code is None:
                    self.problem(item.value_marks["value"],
                                 f"{where}: {shown(value)} is not a value of "
                                 f"{shown(field.name)}; allowed: {', '.join(field.values)}")
                    continue
                value = code
            elif isinstance(value, bool) or not isinstance(value, int | float) or (
                    not float(value).is_integer()):
                self.problem(item.value_marks["value"],
                             f"{where}: the value must be a whole number (got {shown(value)})")
                continue
            else:
                value = int(value)
            when = None
            if "when" in item:
                when = self.condition(item["when"], item.value_marks["when"], where,
                                      about_result=False)
                if when is None:
                    continue
            elif index != len(raw) - 1:
                self.problem(item_mark, f"{where}: only the last case may omit 'when' "
                                        f"(otherwise)")
                continue
            cases.append(Case(value, when, self.position(item_mark)))
        return ByCases(tuple(cases)) if len(cases) == len(raw) else None

    def derivation_cycles(self, fields: dict[str, Field], written: dict[str, YMap]) -> None:
        """A derived field may not depend on itself, directly or through others."""
        reported: set[str] = set()
        for name in fields:
            if fields[name].computed is None:
                continue
            path = [name]
            stack = [(name, iter(reads_of(fields[name])))]
            while stack:
                _, pending = stack[-1]
                read = next(pending, None)
                if read is None:
                    stack.pop()
                    path.pop()
                    continue
                if read == name and name not in reported:
                    reported.update(path)
                    cycle = " -> ".join([*path, name])
                    message = (f"field {shown(name)}: 'derive' reads the field itself"
                               if len(path) == 1 else
                               f"field {shown(name)}: derived fields derive each other in a "
                               f"cycle ({cycle})")
                    self.problem(written[name].value_marks["derive"], message)
                    stack.clear()
                elif read not in path and fields[read].computed is not None:
                    path.append(read)
                    stack.append((read, iter(reads_of(fields[read]))))

    def wording(self, field: Field, spec: YMap, what: str) -> Field:
        """``field`` with its display words (``label``, ``phrases``): a phrase for each value
        of a choice or set field, or for ``true``/``false``."""
        label = self.text_of(spec, "label", what)
        phrases: list[tuple[str, str]] = []
        node = spec.get("phrases")
        if isinstance(node, YMap):
            known = ("true", "false") if field.type is FieldType.BOOLEAN else field.values
            for value, text, value_mark in items(node):
                key = str(value).lower() if isinstance(value, bool) else str(value)
                if key not in known:
                    allowed = ", ".join(known) or "none (a number field has a label only)"
                    self.problem(value_mark, f"{what}: 'phrases' has {shown(value)}, not a value "
                                             f"of the field; allowed: {allowed}")
                elif isinstance(text, str) and text.strip():
                    phrases.append((key, " ".join(text.split())))
                else:
                    self.problem(value_mark, f"{what}: the phrase for {shown(value)} must be a "
                                             f"non-empty text")
        elif node is not None:
            self.problem(spec.value_marks["phrases"],
                         f"{what}: 'phrases' must map values to their display words")
        if not label and not phrases:
            return field
        return replace(field, label=label, phrases=tuple(phrases))

    def default(self, field: Field, spec: YMap, what: str) -> Any:
        value, mark = spec["default"], spec.value_marks["default"]
        ok = {
            FieldType.BOOLEAN: isinstance(value, bool),
            FieldType.NUMBER: _is_number(value) and (
                not field.integer or float(value).is_integer()),
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
        for key in ("from", "bins"):
            if key not in node:
                self.problem(mark, f"{what} is missing the required key {key!r} (a "
                                   f"derivation is `from` with `bins`, or `sum`, or `cases`)")
                return None
        if field.type is not FieldType.CHOICE:
            self.problem(mark, f"{what}: only a choice field can be derived")
            return None
        source = node.get("from")
        if isinstance(source, str) and source in self.field_names and source not in fields:
            return None  # the field's own problem is reported where it is written
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
        for index, item, item_mark in items(bins_raw):
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
                                            f"bound {number_text(number)} does not rise above the "
                                            f"previous bin's {number_text(last)}")
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
        for option_id, spec, spec_mark in items(node):
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
        for _, item, item_mark in items(node):
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
            for _, st, st_mark in items(raw_statements):
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
            if name in raw:
                read = self.code(code, raw.value_marks[name], list(dict(dim.codes)))
                if read is None:
                    self.problem(raw.value_marks[name],
                                 f"{what}: {name} must be one of {', '.join(dict(dim.codes))} "
                                 f"(got {self.got(code, raw.value_marks[name])})")
                else:
                    code = read
            pairs.append((name, str(code)))
        return tuple(pairs)

    def abbreviations(self, data: YMap) -> dict[str, str]:
        node = data.get("abbreviations")
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.problem(data.value_marks["abbreviations"],
                         "'abbreviations' must map each abbreviation to its meaning")
            return {}
        return {str(k): str(v) for k, v in node.items()}

    # -- steps

    def collect_step_sets(self, data: YMap) -> None:
        node = data.get("step_sets")
        if node is None:
            return
        if not isinstance(node, YMap):
            self.problem(data.value_marks["step_sets"],
                         "'step_sets' must map each name to a list of steps")
            return
        for name, steps, mark in items(node):
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
            self.problem(mark, f"{what}: 'steps' must be a list (got {kind_of(node)})")
            return None
        result: list[Step] = []
        ok = True
        for index, item, item_mark in items(node):
            where = f"{what}, step {index + 1}"
            kinds = [k for k in declare.STEP_KINDS if isinstance(item, YMap) and k in item]
            if len(kinds) != 1:
                self.problem(item_mark, f"{where}: a step is a mapping with exactly one of "
                                        f"{', '.join(declare.STEP_KINDS)}")
                ok = False
                continue
            parsed = self.step(kinds[0], item, item_mark, where, chain)
            if parsed is None:
                ok = False
            else:
                result.extend(parsed)
        return tuple(result) if ok else None

    def encoding(self, item: YMap, what: str) -> str:
        """A step's ``encoding`` text (how it reads its source), kept for the diagrams."""
        return self.text_of(item, "encoding", what, required=False)

    def step(self, kind: str, item: YMap, mark: Mark, what: str,
             chain: tuple[str, ...]) -> tuple[Step, ...] | None:
        position = self.position(mark)
        if kind == "use":
            if not self.keys(item, mark, what, "use step"):
                return None
            name = item["use"]
            if not isinstance(name, str):
                self.problem(item.value_marks["use"], f"{what}: 'use' takes one step set name "
                                                      f"(got {kind_of(name)})")
                return None
            if name not in self.step_set_raw:
                self.problem(item.value_marks["use"], f"{what}: unknown step set {shown(name)}"
                                                      f"{did_you_mean(name, self.step_set_raw)}",
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
            return (Offer(str(option), cites, when, position, self.encoding(item, what)),) \
                if valid and ok else None
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
            return (Drop(tuple(o for o, _ in targets), when, reason, cites, position,
                         self.encoding(item, what)),)
        if kind == "drop_listed_in":
            if not self.keys(item, mark, what, "drop_listed_in step"):
                return None
            name = item["drop_listed_in"]
            field = self.fields.get(name) if isinstance(name, str) else None
            if field is None and isinstance(name, str) and name in self.field_names:
                return None  # the field's own problem is reported where it is written
            if field is None or field.type is not FieldType.SET:
                self.problem(item.value_marks["drop_listed_in"],
                             f"{what}: 'drop_listed_in' must name a set field (got {shown(name)})")
                return None
            for value in field.values:
                if value not in self.option_names:
                    self.problem(item.value_marks["drop_listed_in"],
                                 f"{what}: {shown(name)} lists {shown(value)}, which is not an "
                                 f"option")
            cites = self.cite_refs(item, "cites", what, required=False)
            return (DropListed(str(name), self.text_of(item, "reason", what), cites, position),)
        if kind == "not_recommend":
            if not self.keys(item, mark, what, "not_recommend step"):
                return None
            targets = self.id_list(item, "not_recommend", what)
            valid = all([self.option_ref(o, m, what) for o, m in targets]) and bool(targets)
            cites = self.cite_refs(item, "cites", what, required=True)
            when, ok = self.when(item, mark, what)
            if not (valid and ok and cites):
                return None
            return (NotRecommend(tuple(o for o, _ in targets), cites, when, position,
                                 self.encoding(item, what)),)
        if kind == "prefer":
            if not self.keys(item, mark, what, "prefer step"):
                return None
            option = item["prefer"]
            valid = isinstance(option, str) and self.option_ref(option, item.value_marks["prefer"],
                                                                what)
            over = self.id_list(item, "over", what)
            valid = all([self.option_ref(o, m, what) for o, m in over]) and valid and bool(over)
            for other, other_mark in over:
                if other == option:
                    self.problem(other_mark, f"{what}: {shown(other)} is the preferred option "
                                             f"itself; 'over' names the options it is preferred "
                                             f"over")
                    valid = False
            cites = self.cite_refs(item, "cites", what, required=True)
            when, ok = self.when(item, mark, what)
            if not (valid and ok and cites):
                return None
            return (Prefer(str(option), tuple(o for o, _ in over), cites, when, position,
                           self.encoding(item, what)),)
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
        return (Cite(cites, to, when, position, self.encoding(item, what)),) \
            if ok and cites else None

    # -- nodes

    def decisions(self, node: Any, mark: Mark) -> dict[str, Decision]:
        if not isinstance(node, YMap) or not node:
            self.problem(mark, "'decisions' must map each decision id to its question and "
                               "branches")
            return {}
        decisions = {}
        for node_id, spec, spec_mark in items(node):
            what = f"decision {shown(node_id)}"
            self.current_node = str(node_id)
            self.declared[str(node_id)] = spec_mark
            raw_branches = spec.get("branches") if isinstance(spec, YMap) else None
            if not isinstance(raw_branches, YList):
                self.open_nodes.add(str(node_id))
            for _, item, _mark in items(raw_branches):
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
            for index, item, item_mark in items(raw):
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
                    if name not in self.field_names:
                        self.problem(spec.value_marks["reads"],
                                     f"{what}: 'reads' names unknown field {shown(name)}"
                                     f"{did_you_mean(name, self.fields)}", check="references",
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
        for node_id, spec, spec_mark in items(node):
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
                    elif name not in self.field_names:
                        self.problem(name_mark, f"{what}: unknown field {shown(name)}"
                                                f"{did_you_mean(name, self.fields)}",
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
        for index, item, mark in items(node):
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
                             f"{did_you_mean(statement, statements)}", check="references")
                continue
            when, ok = self.when(item, mark, what)
            remarks = []
            if "remarks" in item and not isinstance(item["remarks"], YList):
                self.problem(item.value_marks["remarks"], f"{what}: 'remarks' must be a list of "
                                                          f"{{when, text}}")
            for r_index, remark, r_mark in items(item.get("remarks", YList())):
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
                             f"{shown(target)}{did_you_mean(target, self.declared)}",
                             check="structure", node=source)
                self.open_nodes.add(source)
                continue
            edges[source].append(target)
        if not isinstance(start, str) or start not in decisions:
            if start_given and not (
                    isinstance(start, str) and start in self.declared and start not in leaves):
                self.problem(start_mark, f"'start' must name a decision (got {shown(start)})"
                             f"{did_you_mean(start, decisions)}", check="structure")
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


def _is_number(value: Any) -> bool:
    return number_problem(value) is None
