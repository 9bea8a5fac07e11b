"""References (options, recommendations and statements, fields) and the condition compiler.

A name that is written but whose own record is broken still resolves (its problem is reported
where it is written), so one defect is not reported again at every use.
"""

from __future__ import annotations

from typing import Any

from ..conditions import AllOf, AnyOf, Cited, Condition, FieldTest, Named, Not, Offered
from ..errors import shown
from ..model import (
    Field,
    FieldType,
)
from ..words import did_you_mean
from ..yamlio import MAX_NODES, Mark, YList, YMap
from . import declare, structure
from .reader import Reader
from .walk import items, kind_of, number_problem, repeated


class References(Reader):
    """Resolves references and compiles conditions into :mod:`nettree.conditions` values."""

    def option_ref(self, option: str, mark: Mark, what: str) -> bool:
        if option in self.options:
            return True
        if option in self.option_names:
            return False  # the option's own problem is reported where it is written
        self.problem(mark, f"{what}: unknown option "
                           f"{shown(option)}{did_you_mean(option, self.options)}",
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
                                   f"{shown(cite)}{did_you_mean(cite, self.cites)}",
                             check="references")
            else:
                cites.append(cite)
        if required and isinstance(node.get(key), YList) and not node[key]:
            self.problem(node.value_marks[key], f"{what}: {shown(key)} cannot be empty")
        return tuple(cites)

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
                                   f"{did_you_mean(rec_id, self.cites)}", check="references")
            else:
                general.append(rec_id)
        return tuple(general)

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
                               f"(got {kind_of(node)})")
            return None
        parts: list[Condition] = []
        ok = True
        for key, value, value_mark in items(node):
            key_mark = node.key_marks[key]
            part: Condition | None
            if key in ("all", "any"):
                if not isinstance(value, YList) or not value:
                    self.problem(value_mark, f"{what}: {shown(key)} takes a non-empty list of "
                                             f"conditions")
                    ok = False
                    continue
                subs = [self.condition(v, m, what, about_result=about_result)
                        for _, v, m in items(value)]
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
            elif key == "is":
                part = self.named_ref(value, value_mark, what, about_result=about_result)
            else:
                part = self.field_test(str(key), value, key_mark, value_mark, what)
            if part is None:
                ok = False
            else:
                parts.append(part)
        if not ok or not parts:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    # -- named conditions

    def collect_conditions(self, data: YMap) -> None:
        """Read the ``conditions`` section: every named condition is built (and its problems
        reported) once, whether used or not, each where it is written."""
        node = data.get("conditions")
        if node is None:
            return
        if not isinstance(node, YMap):
            self.problem(data.value_marks["conditions"], "'conditions' must map each name to "
                                                         "its condition ({when: ..., label: ...})")
            return
        taken = {*self.field_names, *declare.RESERVED}
        for name, spec, mark in items(node):
            key_mark = node.key_marks[name]
            if not isinstance(name, str) or not name.isidentifier() or name in taken:
                self.problem(key_mark, f"named condition {shown(name)}: a name must be an "
                                       f"identifier and neither a field's name nor one of "
                                       f"{', '.join(sorted(declare.RESERVED))}")
            self.named_raw[str(name)] = (spec, mark, key_mark)
        # Which uses which, as written: each cycle is reported once, and the others are built
        # each after those it uses, so building never recurses through names.
        uses = {name: _uses(spec) for name, (spec, _, _) in self.named_raw.items()}
        names = list(self.named_raw)
        for component in structure.components(names, uses):
            cycle = structure.cycle_through(component[0], component, uses)
            self.problem(self.named_raw[cycle[0]][2],
                         f"named condition {shown(cycle[0])} uses itself: "
                         f"{' -> '.join([*cycle, cycle[0]])}", check="structure")
            self.named_failed.update(component)
        for name in structure.dependencies_first(names, uses):
            self.named_condition(name)

    def named_condition(self, name: str) -> Named | None:
        """The named condition ``name`` (written in ``conditions``), built once (after those it
        uses: see :meth:`collect_conditions`); None when it is broken (its problem is reported
        where it is written, once)."""
        if name in self.named:
            return self.named[name]
        if name in self.named_failed:
            return None
        spec, mark, key_mark = self.named_raw[name]
        what = f"named condition {shown(name)}"
        built: Named | None = None
        if self.keys(spec, mark, what, "named condition"):
            when = self.condition(spec["when"], spec.value_marks["when"], what,
                                  about_result=True)
            label = self.text_of(spec, "label", what) or name.replace("_", " ")
            built = Named(name, label, when) if when is not None else None
        if built is not None:
            nodes, depth = built.extent()
            if nodes > MAX_NODES or depth > MAX_DEPTH:
                self.problem(key_mark, f"{what} is too large with the named conditions it uses "
                                       f"in place: {nodes:,} parts, nested {depth:,} deep (at "
                                       f"most {MAX_NODES:,} parts, {MAX_DEPTH} deep)")
                built = None
        if built is None:
            self.named_failed.add(name)
        else:
            self.named[name] = built
        return built

    def named_ref(self, value: Any, mark: Mark, what: str, *, about_result: bool,
                  ) -> Named | None:
        """The named condition of ``{is: name}``."""
        if not isinstance(value, str):
            self.problem(mark, f"{what}: 'is' takes the name of a named condition (got "
                               f"{kind_of(value)})")
            return None
        if value not in self.named_raw:
            self.problem(mark, f"{what}: unknown named condition {shown(value)}"
                               f"{did_you_mean(value, self.named_raw)}", check="references")
            return None
        named = self.named_condition(value)
        if named is not None and not about_result and named.about_result():
            self.problem(mark, f"{what}: the named condition {shown(value)} tests what a result "
                               f"offers ('offered' or 'cited') and cannot be used in a decision")
            return None
        return named

    def field_test(self, name: str, value: Any, key_mark: Mark, value_mark: Mark,
                   what: str) -> Condition | None:
        field = self.fields.get(name)
        if field is None and name in self.field_names:
            return None  # the field's own problem is reported where it is written
        if field is None:
            self.problem(key_mark, f"{what}: unknown field {shown(name)}"
                                   f"{did_you_mean(name, [*self.fields, *declare.RESERVED])}",
                         check="references")
            return None
        allowed = declare.FIELD_OPERATORS[field.type]
        if not isinstance(value, YMap):
            if "is" not in allowed:
                self.problem(value_mark, f"{what}: {shown(name)} is a {field.type.value} field: "
                                         f"test it with {' or '.join(allowed)}")
                return None
            value = _single("is", value, value_mark)
        tests: list[Condition] = []
        for op, operand, op_mark in items(value):
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
            code = self.code(operand, mark, field.values)
            if code is not None:
                return code
            got = f" (got {self.got(operand, mark)})" if not isinstance(operand, str) else ""
            self.problem(mark, f"{what}: {shown(operand)} is not a value of {shown(name)}"
                               f"{did_you_mean(str(operand), field.values)}; allowed: "
                               f"{', '.join(field.values)}{got}")
        elif op == "in":
            if isinstance(operand, YList) and operand:
                for index, item in enumerate(operand):  # numbers written for codes
                    operand[index] = self.code(item, operand.item_marks[index],
                                               field.values) or item
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


MAX_DEPTH = 256
"""How deep a named condition may nest, the named conditions it uses in place: as deep as
one written in place can be (YAML refuses deeper), so evaluating it never exhausts the
stack. How many parts it may hold is :data:`~nettree.yamlio.MAX_NODES`, as for a file with
its aliases expanded."""


def _uses(spec: Any) -> list[str]:
    """The names a named condition's record uses (``{is: name}``), as written."""
    found: list[str] = []
    todo = [spec]
    while todo:
        node = todo.pop()
        if isinstance(node, YMap):
            if isinstance(node.get("is"), str):
                found.append(node["is"])
            todo.extend(node.values())
        elif isinstance(node, YList):
            todo.extend(node)
    return found


class _Bad:
    pass



_BAD: Any = _Bad()



def _single(key: str, value: Any, mark: Mark) -> YMap:
    wrapper = YMap({key: value})
    wrapper.mark, wrapper.key_marks, wrapper.value_marks = mark, {key: mark}, {key: mark}
    return wrapper
