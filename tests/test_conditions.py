"""Conditions: every operation lives with the condition classes, and each class has them all.

Adding an operator touches ``nettree/conditions.py`` only (its docstring lists what a new
class implements): ``test_every_condition_class_implements_every_operation`` walks every
subclass of :class:`~nettree.conditions.Condition`, so a class that forgets an operation
fails here, and ``EXAMPLES`` must hold one of each, so none goes unexercised.
"""

from __future__ import annotations

import ast
import gc
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import nettree
from nettree import conditions
from nettree.conditions import (
    OPERATIONS,
    AllOf,
    AnyOf,
    Cited,
    Condition,
    Context,
    FieldTest,
    Junction,
    Named,
    Not,
    Offered,
    OfferTest,
    PartialSet,
)

PACKAGE = Path(nettree.__file__).resolve().parent


def _classes(root: type) -> list[type]:
    found = []
    for sub in root.__subclasses__():
        found.append(sub)
        found.extend(_classes(sub))
    return found


def _concrete() -> list[type]:
    """The condition classes a guideline can hold: those no other class extends."""
    return [cls for cls in _classes(Condition) if not cls.__subclasses__()]


def _unimplemented(cls: type) -> list[str]:
    return [op for op in OPERATIONS if getattr(cls, op) is getattr(Condition, op)]


# One of each condition class, with what every operation gives for it.
EXAMPLES: dict[type, dict[str, Any]] = {
    FieldTest: {
        "condition": FieldTest("age", "below", 18.0),
        "values": {"age": 12},
        "evaluate": True,
        "str": "age is below 18",
        "describe": "age < 18",
        "data": {"t": "field", "f": "age", "op": "below", "v": 18.0},
        "fields": frozenset({"age"}),
        "known": {"age": frozenset({30, 40})},
        "simplified": False,
    },
    AllOf: {
        "condition": AllOf((FieldTest("a", "is", "x"), FieldTest("b", "is", True))),
        "values": {"a": "x"},
        "evaluate": None,
        "missing": {"b"},
        "str": "all of (a is x; b is true)",
        "describe": "a = x and b = true",
        "data": {"t": "all", "p": [{"t": "field", "f": "a", "op": "is", "v": "x"},
                                   {"t": "field", "f": "b", "op": "is", "v": True}]},
        "fields": frozenset({"a", "b"}),
        "known": {"a": frozenset({"x"})},
        "simplified": FieldTest("b", "is", True),
    },
    AnyOf: {
        "condition": AnyOf((FieldTest("a", "in", frozenset({"y", "x"})),
                            FieldTest("b", "is", True))),
        "values": {"a": "z", "b": False},
        "evaluate": False,
        "str": "any of (a is one of [x, y]; b is true)",
        "describe": "a in (x, y) or b = true",
        "data": {"t": "any", "p": [{"t": "field", "f": "a", "op": "in", "v": ["x", "y"]},
                                   {"t": "field", "f": "b", "op": "is", "v": True}]},
        "fields": frozenset({"a", "b"}),
        "known": {"a": frozenset({"x", "y"})},
        "simplified": True,
    },
    Not: {
        "condition": Not(FieldTest("drugs", "contains", "d1")),
        "values": {"drugs": frozenset({"d2"})},
        "evaluate": True,
        "str": "not (drugs contains d1)",
        "describe": "d1 not in drugs",
        "data": {"t": "not", "p": {"t": "field", "f": "drugs", "op": "contains", "v": "d1"}},
        "fields": frozenset({"drugs"}),
        "known": {"drugs": frozenset({frozenset({"d1"}), frozenset({"d1", "d2"})})},
        "simplified": False,
    },
    Offered: {
        "condition": Offered(("o1", "o2")),
        "offered": {"o2": ("r1",)},
        "evaluate": True,
        "str": "offered: o1, o2",
        "describe": "o1 or o2 offered",
        "data": {"t": "offered", "o": ["o1", "o2"]},
        "fields": frozenset(),
        "known": {},
        "simplified": False,
    },
    Cited: {
        "condition": Cited(("r1", "s2")),
        "offered": {"o1": ("r3",)},
        "evaluate": False,
        "str": "an offered option cites r1, s2",
        "describe": "an option cites r1 or s2",
        "data": {"t": "cited", "c": ["r1", "s2"]},
        "fields": frozenset(),
        "known": {},
        "possible_cites": ("s2",),
        "simplified": Cited(("r1", "s2")),
    },
    Named: {
        "condition": Named("adult_smoker", "an adult smoker",
                           AllOf((FieldTest("age", "at_least", 18.0),
                                  FieldTest("smoker", "is", True)))),
        "values": {"age": 40},
        "evaluate": None,
        "missing": {"smoker"},
        "str": "an adult smoker",
        "describe": "is adult_smoker",
        "data": {"t": "is", "n": "adult_smoker"},
        "fields": frozenset({"age", "smoker"}),
        "known": {"age": frozenset({30, 40})},
        # Still called by its name: it holds exactly when what is left of it does.
        "simplified": Named("adult_smoker", "an adult smoker", FieldTest("smoker", "is", True)),
    },
}


def test_every_condition_class_implements_every_operation() -> None:
    missing = {cls.__name__: _unimplemented(cls) for cls in _concrete() if _unimplemented(cls)}
    assert missing == {}
    assert set(_concrete()) == set(EXAMPLES), "every condition class needs an entry in EXAMPLES"


def test_a_class_that_forgets_an_operation_is_caught() -> None:
    class Half(Condition):
        def evaluate(self, ctx: Context) -> bool | None:
            return True

        def __str__(self) -> str:
            return "half"

    try:
        assert Half in _concrete()
        assert _unimplemented(Half) == ["missing", "fields", "field_tests", "simplify",
                                        "describe", "to_data"]
    finally:
        del Half
        gc.collect()
    assert [cls.__name__ for cls in _concrete() if cls.__name__ == "Half"] == []


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda cls: cls.__name__)
def test_each_operation_of_each_class(cls: type) -> None:
    example = EXAMPLES[cls]
    cond: Condition = example["condition"]
    ctx = Context(example.get("values", {}), example.get("offered", {}))
    assert cond.evaluate(ctx) is example["evaluate"]
    assert cond.missing(Context(example.get("values", {}), example.get("offered", {}))) == \
        example.get("missing", set())
    assert str(cond) == example["str"]
    assert cond.describe() == example["describe"]
    assert cond.to_data() == example["data"]
    assert json.loads(json.dumps(cond.to_data())) == example["data"]
    assert cond.fields() == example["fields"]
    assert {t.field for t in cond.field_tests()} == example["fields"]
    simplified = cond.simplify(example["known"], (), example.get("possible_cites", ()))
    assert simplified == example["simplified"]


def test_junctions_share_one_implementation() -> None:
    for cls in (AllOf, AnyOf):
        assert issubclass(cls, Junction)
        for op in OPERATIONS:
            assert op not in vars(cls), f"{cls.__name__}.{op} repeats Junction's"
    for cls in (Offered, Cited):
        assert issubclass(cls, OfferTest)
        for op in ("missing", "fields", "field_tests"):
            assert op not in vars(cls), f"{cls.__name__}.{op} repeats OfferTest's"


# -- Kleene's rules, exhaustively over three parts

TRUTH = (True, False, None)


def _leaf(name: str) -> FieldTest:
    return FieldTest(name, "is", True)


def _kleene_and(values: tuple[bool | None, ...]) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def _kleene_or(values: tuple[bool | None, ...]) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


@pytest.mark.parametrize("values", list(itertools.product(TRUTH, repeat=3)))
def test_kleene_rules(values: tuple[bool | None, ...]) -> None:
    names = ("p", "q", "r")
    parts = tuple(_leaf(n) for n in names)
    assignment = dict(zip(names, values, strict=True))
    unknown = {n for n, v in assignment.items() if v is None}
    for cond, expected in ((AllOf(parts), _kleene_and(values)),
                           (AnyOf(parts), _kleene_or(values))):
        assert cond.evaluate(Context(assignment)) is expected
        assert cond.missing(Context(assignment)) == (unknown if expected is None else set())
        negated = Not(cond).evaluate(Context(assignment))
        assert negated is (None if expected is None else not expected)


def test_a_partly_known_set_is_asked_about_its_element() -> None:
    ctx = Context({"drugs": PartialSet(frozenset({"a"}), frozenset(), frozenset({"a", "b"}))})
    cond = AllOf((FieldTest("drugs", "contains", "a"), FieldTest("drugs", "contains", "b")))
    assert cond.evaluate(ctx) is None
    assert ctx.asked == [("drugs", "b")]
    assert cond.missing(Context(ctx.values)) == {"drugs"}


# -- simplify keeps the meaning: over small fields, every condition up to depth two

DOMAINS: dict[str, tuple[Any, ...]] = {
    "c": ("x", "y", "z"),
    "b": (True, False),
    "n": (1, 5, 10),
}
ATOMS = (
    FieldTest("c", "is", "x"),
    FieldTest("c", "in", frozenset({"x", "y"})),
    FieldTest("b", "is", True),
    FieldTest("n", "below", 5),
    FieldTest("n", "at_least", 10),
)


def _conditions() -> list[Condition]:
    found: list[Condition] = list(ATOMS)
    found += [Not(a) for a in ATOMS]
    for left, right in itertools.combinations(ATOMS, 2):
        found += [AllOf((left, right)), AnyOf((left, Not(right)))]
    found += [AnyOf((AllOf(ATOMS[:2]), Not(AllOf(ATOMS[2:])))),
              AllOf((AnyOf(ATOMS[1:3]), ATOMS[3], AnyOf(ATOMS[3:])))]
    named = Named("n1", "first", AnyOf((ATOMS[0], Not(ATOMS[3]))))
    found += [named, Not(named), AllOf((Named("n2", "second", AllOf((named, ATOMS[2]))),
                                        ATOMS[4]))]
    return found


def _knowns() -> list[dict[str, frozenset[Any]]]:
    """Every way of knowing some fields: each field unknown, or restricted to a subset."""
    options: list[list[frozenset[Any] | None]] = []
    for values in DOMAINS.values():
        subsets = [frozenset(s) for k in range(1, len(values) + 1)
                   for s in itertools.combinations(values, k)]
        options.append([None, *subsets])
    return [{name: values for name, values in zip(DOMAINS, choice, strict=True)
             if values is not None} for choice in itertools.product(*options)]


def test_simplify_never_changes_the_answer() -> None:
    checked = 0
    for cond in _conditions():
        for known in _knowns():
            simple = cond.simplify(known)
            allowed = [known.get(name, values) for name, values in DOMAINS.items()]
            for point in itertools.product(*allowed):
                values = dict(zip(DOMAINS, point, strict=True))
                expected = cond.evaluate(Context(values))
                got = simple if isinstance(simple, bool) else simple.evaluate(Context(values))
                assert got is expected, (str(cond), known, values, simple)
                checked += 1
            if not isinstance(simple, bool):
                # what is known is gone from the condition left
                decided = {n for n, v in known.items() if len(v) == 1}
                assert not decided & simple.fields(), (str(cond), known, str(simple))
    assert checked > 10_000


def test_simplify_offered_and_cited_by_what_may_have_happened() -> None:
    cond = AnyOf((Offered(("o1",)), Cited(("r1",))))
    assert cond.simplify({}, possible=(), cites=()) is False
    assert cond.simplify({}, possible={"o1": []}, cites=()) == Offered(("o1",))
    assert cond.simplify({}, possible=(), cites=("r1", "r2")) == Cited(("r1",))


# -- the short text

@pytest.mark.parametrize(("cond", "text"), [
    (Not(FieldTest("a", "is", "x")), "a \u2260 x"),
    (Not(FieldTest("s", "empty", True)), "s not empty"),
    (Not(FieldTest("s", "empty", False)), "s empty"),
    (Not(FieldTest("n", "below", 3.5)), "not (n < 3.5)"),
    (Not(Not(FieldTest("n", "at_most", 3.0))), "not (not (n \u2264 3))"),
    (AllOf((AllOf((_leaf("p"), _leaf("q"))), _leaf("r"))), "p = true and q = true and r = true"),
    (AllOf((AnyOf((_leaf("p"), _leaf("q"))), _leaf("r"))), "(p = true or q = true) and r = true"),
    (AnyOf((Offered(("o1", "o2")), _leaf("r"))), "o1 or o2 offered or r = true"),
    (Not(AnyOf((_leaf("p"), _leaf("q")))), "not (p = true or q = true)"),
])
def test_describe(cond: Condition, text: str) -> None:
    assert cond.describe() == text


def test_structure_queries() -> None:
    parts = (_leaf("p"), AnyOf((_leaf("q"), _leaf("r"))))
    assert AllOf(parts).conjuncts() == parts
    assert AnyOf(parts).conjuncts() == (AnyOf(parts),)
    assert Not(_leaf("p")).negation_of() == _leaf("p")
    assert _leaf("p").negation_of() is None
    nested = Not(AllOf((FieldTest("n", "above", 2), AnyOf((_leaf("q"), Offered(("o",)))))))
    assert [str(t) for t in nested.field_tests()] == ["n is above 2", "q is true"]


def test_a_named_condition_is_one_part_unless_opened() -> None:
    pair = Named("pair", "p and q", AllOf((_leaf("p"), _leaf("q"))))
    either = Named("either", "p or q", AnyOf((_leaf("p"), _leaf("q"))))
    inner = Named("inner", "inner", AllOf((pair, _leaf("s"))))
    cond = AllOf((inner, either, _leaf("r")))
    assert cond.conjuncts() == (inner, either, _leaf("r"))
    # Opened: what must hold, through names (an `or` stays one part, unnamed).
    assert cond.conjuncts(named=True) == (_leaf("p"), _leaf("q"), _leaf("s"), either.when,
                                          _leaf("r"))
    assert AllOf((AllOf((_leaf("p"), _leaf("q"))), _leaf("r"))).conjuncts(named=True) == (
        AllOf((_leaf("p"), _leaf("q"))), _leaf("r"))  # an unnamed `all` part as before
    assert cond.names() == {"inner", "pair", "either"}
    assert [str(t) for t in cond.field_tests()] == ["p is true", "q is true", "s is true",
                                                    "p is true", "q is true", "r is true"]
    assert not cond.about_result()
    assert Not(Named("x", "x", AnyOf((_leaf("p"), Offered(("o",)))))).about_result()


@pytest.mark.parametrize(("cond", "raw", "words"), [
    (Named("valve", "a mechanical valve", _leaf("m")), "is valve", "a mechanical valve"),
    (Not(Named("valve", "a mechanical valve", _leaf("m"))), "is not valve",
     "not (a mechanical valve)"),
    (AllOf((Named("v", "a or b", AnyOf((_leaf("a"), _leaf("b")))), _leaf("r"))),
     "is v and r = true", "(a or b) and r"),
    (AnyOf((Named("v", "old", _leaf("a")), _leaf("r"))), "is v or r = true", "old or r"),
])
def test_a_named_condition_is_shown_by_its_label(cond: Condition, raw: str, words: str) -> None:
    class Plain:
        def field(self, name: str, op: str, operand: Any, negated: bool) -> str:
            return name

        def option(self, option: str) -> str:
            return option

    assert cond.describe() == raw
    assert cond.describe(Plain()) == words


# -- no module outside conditions.py tells the condition classes apart

CONDITION_CLASSES = {cls.__name__ for cls in _classes(Condition)} | {"Condition"}

# Places the other helpers' branches rewire at merge (domains._field_tests ->
# Condition.field_tests); the set may only shrink.
PENDING: set[str] = set()


def _dispatching_modules() -> set[str]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "conditions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance" \
                    and len(node.args) == 2:
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                if names & CONDITION_CLASSES:
                    found.add(str(path.relative_to(PACKAGE)))
    return found


def test_no_module_outside_conditions_dispatches_on_condition_classes() -> None:
    assert _dispatching_modules() <= PENDING
    assert "export/extract.py" not in _dispatching_modules()
    assert "export/html.py" not in _dispatching_modules()


def test_conditions_module_lists_what_a_new_operator_implements() -> None:
    doc = Condition.__doc__ or ""
    assert "Adding an operator" in doc
    for op in OPERATIONS:
        assert f"``{op}" in doc, op
    assert {cls.__name__ for cls in _concrete()} <= set(conditions.__all__)
