"""Rules of params.py that the decoding tables leave open: the whole request, mixed
array shapes, and how errors show a value and name a param."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import messages, params
from tofupay_fake.errors import TofupayError

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("method", "query", "headers", "body", "expected"),
    [
        pytest.param("GET", "limit=3", {}, b"", {"limit": "3"}, id="get-query"),
        pytest.param("GET", "limit=3", FORM, b"limit=5", {"limit": "3"}, id="get-ignores-body"),
        pytest.param("DELETE", "a=1", FORM, b"b=2", {"a": "1"}, id="delete-ignores-body"),
        pytest.param("POST", "", FORM, b"email=a%40b.co", {"email": "a@b.co"}, id="post-body"),
        pytest.param(
            "POST", "expand[]=x", FORM, b"email=e", {"expand": ["x"], "email": "e"}, id="both"
        ),
        pytest.param("POST", "d=query", FORM, b"d=body", {"d": "body"}, id="body-after-query"),
        pytest.param("POST", "d=query", {}, b"d=body", {"d": "body"}, id="no-content-type-is-form"),
        pytest.param(
            "POST",
            "",
            {"content-type": "Application/X-WWW-Form-Urlencoded; charset=utf-8"},
            b"d=x",
            {"d": "x"},
            id="form-any-case-with-charset",
        ),
        pytest.param("POST", "", {"content-type": ""}, b"d=x", {"d": "x"}, id="empty-content-type"),
        pytest.param(
            "POST", "", {"content-type": "application/json"}, b"", {}, id="empty-body-any-type"
        ),
    ],
)
def test_a_request_s_params_are_its_query_then_a_post_s_form_body(
    method: str, query: str, headers: dict[str, str], body: bytes, expected: dict[str, Any]
) -> None:
    assert params.decode_request(method, query, headers, body) == expected


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        pytest.param("application/json", messages.JSON_BODY, id="json"),
        pytest.param("application/vnd.api+json; charset=utf-8", messages.JSON_BODY, id="plus-json"),
        pytest.param(
            "text/plain",
            messages.UNSUPPORTED_CONTENT_TYPE.format(content_type="text/plain"),
            id="other",
        ),
    ],
)
def test_a_post_body_that_is_not_a_form_is_a_400(content_type: str, message: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.decode_request("POST", "", {"content-type": content_type}, b"a=1")
    assert (info.value.status, info.value.message) == (400, message)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("a[][b]=1&a[][]=2", {"a": [{"b": "1"}, ["2"]]}, id="hash-then-array"),
        pytest.param("a[][]=1&a[][b]=2", {"a": [["1"], {"b": "2"}]}, id="array-then-hash"),
        pytest.param("a[][]=1&a[][]=2", {"a": [["1"], ["2"]]}, id="arrays-stay-apart"),
    ],
)
def test_an_array_of_arrays_never_merges_into_a_hash(query: str, expected: dict[str, Any]) -> None:
    assert params.decode_form(params.parse_pairs(query, "query string")) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(["a", "b"], '["a","b"]', id="array"),
        pytest.param({"a": "1", "b": "2"}, '{"a":"1","b":"2"}', id="hash"),
        pytest.param({"é": ["x", "y"]}, '{"é":["x","y"]}', id="nested"),
    ],
)
def test_errors_show_a_value_as_compact_json(value: Any, shown: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.string(value, "description")
    assert info.value.message == messages.INVALID_STRING.format(value=shown)
    with pytest.raises(TofupayError) as info:
        params.integer(value, "limit")
    assert info.value.message == messages.INVALID_INTEGER.format(value=shown)


@pytest.mark.parametrize(
    ("values", "param"),
    [
        pytest.param({"description": "\ud800"}, "description", id="value"),
        pytest.param({"metadata": {"k": "a\udcff"}}, "metadata[k]", id="nested-value"),
        pytest.param({"items": ["ok", "\udfff"]}, "items[]", id="array-item"),
    ],
)
def test_a_lone_surrogate_error_names_its_param_in_the_message(
    values: dict[str, Any], param: str
) -> None:
    with pytest.raises(TofupayError) as info:
        params.from_python(values)
    assert info.value.message == messages.INVALID_TEXT.format(name=param)
    assert info.value.param == param


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a+b=1", [("a b", "1")], id="plus-in-a-name"),
        pytest.param("a%2Bb=1", [("a+b", "1")], id="escaped-plus-in-a-name"),
        pytest.param("a+%2B=c+%2B", [("a +", "c +")], id="both-in-name-and-value"),
        pytest.param("metadata[a+b]=1", [("metadata[a b]", "1")], id="plus-in-a-hash-key"),
        pytest.param("%61=1", [("a", "1")], id="escaped-name"),
        pytest.param("a=%2B+", [("a", "+ ")], id="plus-then-escape-in-a-value"),
    ],
)
def test_a_plus_is_a_space_in_names_and_values_alike(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert params.parse_pairs(text, "body") == expected
