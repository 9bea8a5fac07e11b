"""nettree.jsontext.indented writes what json.dumps(indent=2, ensure_ascii=False) writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nettree.jsontext import indented

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5) | st.integers() | st.booleans() | st.none()
                      | st.floats(allow_nan=False), inner, max_size=4),
    max_leaves=30)


@given(VALUES)
def test_indented_is_json_dumps_indented(value: Any) -> None:
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_texts_and_odd_numbers() -> None:
    value = {"é\u2028\"\\\n\x00": [float("nan"), float("inf"), -float("inf"), -0.0, 10**30,
                                   [], {}, [[]], {"": {}}]}
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_what_json_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        indented({"a": {1, 2}})
    with pytest.raises(TypeError):
        indented({(1, 2): 3})
