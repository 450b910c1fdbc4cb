"""Truth tables for params.py: bracket form decoding and value coercion."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import messages, params
from tofupay_fake.errors import TofupayError


def conflict(name: str) -> str:
    return messages.CONFLICTING_PARAMETER.format(name=name)


# -- split_key ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("a", ["a"], id="plain"),
        pytest.param("a[b]", ["a", "b"], id="hash"),
        pytest.param("a[]", ["a", ""], id="array"),
        pytest.param("a[0]", ["a", "0"], id="indexed"),
        pytest.param("a[][b]", ["a", "", "b"], id="array-of-hashes"),
        pytest.param("a[b][c][d]", ["a", "b", "c", "d"], id="deep"),
        pytest.param("a[b][]", ["a", "b", ""], id="hash-of-array"),
        pytest.param("card[address_line1]", ["card", "address_line1"], id="underscore"),
        pytest.param("a b[c d]", ["a b", "c d"], id="spaces"),
        pytest.param("a[b", ["a[b"], id="unclosed-literal"),
        pytest.param("a]", ["a]"], id="stray-close-literal"),
        pytest.param("[a]", ["[a]"], id="leading-bracket-literal"),
        pytest.param("[]", ["[]"], id="only-brackets-literal"),
        pytest.param("a[b]c", ["a[b]c"], id="text-after-bracket-literal"),
        pytest.param("a[[b]]", ["a[[b]]"], id="nested-brackets-literal"),
        pytest.param("", [""], id="empty"),
    ],
)
def test_split_key(key: str, expected: list[str]) -> None:
    assert params.split_key(key) == expected
    assert params.format_key(expected) == key  # how errors name the param


# -- parse_pairs -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("a=1&b=2", [("a", "1"), ("b", "2")], id="two-pairs"),
        pytest.param("a=hello+world", [("a", "hello world")], id="plus-is-space"),
        pytest.param("a=%2B1", [("a", "+1")], id="encoded-plus"),
        pytest.param("a=caf%C3%A9", [("a", "café")], id="utf8-percent"),
        pytest.param("metadata%5Bplan%5D=pro", [("metadata[plan]", "pro")], id="encoded-brackets"),
        pytest.param("a=", [("a", "")], id="blank-value-kept"),
        pytest.param("a", [("a", "")], id="no-equals-kept"),
        pytest.param("a=1&a=2", [("a", "1"), ("a", "2")], id="duplicates-kept-in-order"),
        pytest.param("a=x%3Dy", [("a", "x=y")], id="encoded-equals"),
    ],
)
def test_parse_pairs(text: str, expected: list[tuple[str, str]]) -> None:
    assert params.parse_pairs(text, "body") == expected


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("a=%ff", "body", id="bad-value-body"),
        pytest.param("%ff=1", "query string", id="bad-key-query"),
        pytest.param("a=%C3", "body", id="truncated-sequence"),
        pytest.param("a=%ED%A0%80", "body", id="encoded-surrogate"),
        # found by fuzzing: a str with a lone surrogate, as a direct handle(query=...) may pass,
        # was stored and crashed the response's UTF-8 encoding
        pytest.param("description=\ud800", "query string", id="raw-lone-surrogate-value"),
        pytest.param("\udcff=1", "query string", id="raw-lone-surrogate-key"),
    ],
)
def test_parse_pairs_invalid_utf8(text: str, where: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.parse_pairs(text, where)
    assert info.value.status == 400
    assert info.value.type == "invalid_request_error"
    assert info.value.message == messages.UNDECODABLE_BODY.format(where=where)


def test_parse_pairs_too_many_fields() -> None:
    text = "&".join(f"k{i}=v" for i in range(params.MAX_FIELDS + 1))
    with pytest.raises(TofupayError) as info:
        params.parse_pairs(text, "body")
    assert info.value.status == 400
    assert info.value.message.startswith("Invalid request: the body has too many fields")


def test_parse_pairs_at_the_field_limit() -> None:
    text = "&".join(f"k{i}=v" for i in range(params.MAX_FIELDS))
    assert len(params.parse_pairs(text, "body")) == params.MAX_FIELDS


# -- decode_form -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", {}, id="empty"),
        pytest.param("email=a%40b.co", {"email": "a@b.co"}, id="scalar"),
        pytest.param("a=1&a=2", {"a": "2"}, id="duplicate-last-wins"),
        pytest.param("description=", {"description": ""}, id="empty-value"),
        pytest.param("d=two+words", {"d": "two words"}, id="plus-space"),
        pytest.param("metadata[plan]=pro", {"metadata": {"plan": "pro"}}, id="hash"),
        pytest.param(
            "metadata[a]=1&metadata[b]=2", {"metadata": {"a": "1", "b": "2"}}, id="hash-two-keys"
        ),
        pytest.param("m[a]=1&m[a]=2", {"m": {"a": "2"}}, id="hash-duplicate-last-wins"),
        pytest.param("expand[]=default_source", {"expand": ["default_source"]}, id="array"),
        pytest.param("e[]=x&e[]=y&e[]=x", {"e": ["x", "y", "x"]}, id="array-appends"),
        pytest.param("e[0]=x&e[1]=y", {"e": {"0": "x", "1": "y"}}, id="indexed-is-hash"),
        pytest.param("a[][b]=1&a[][c]=2", {"a": [{"b": "1", "c": "2"}]}, id="rack-merge"),
        pytest.param("a[][b]=1&a[][b]=2", {"a": [{"b": "1"}, {"b": "2"}]}, id="rack-new-element"),
        pytest.param(
            "a[][b]=1&a[][c]=2&a[][b]=3&a[][c]=4",
            {"a": [{"b": "1", "c": "2"}, {"b": "3", "c": "4"}]},
            id="rack-two-elements",
        ),
        pytest.param("a[]=2&a[][b]=1", {"a": ["2", {"b": "1"}]}, id="rack-scalar-then-hash"),
        pytest.param("a[][]=1", {"a": [["1"]]}, id="array-of-arrays"),
        pytest.param("a[b][]=1&a[b][]=2", {"a": {"b": ["1", "2"]}}, id="hash-of-array"),
        pytest.param("a[b][c][d][e]=1", {"a": {"b": {"c": {"d": {"e": "1"}}}}}, id="max-depth"),
        pytest.param("a[b=1", {"a[b": "1"}, id="unclosed-literal"),
        pytest.param("a]=1", {"a]": "1"}, id="stray-close-literal"),
        pytest.param("%5Ba%5D=1", {"[a]": "1"}, id="leading-bracket-literal"),
        pytest.param("a[b=1&a=2", {"a[b": "1", "a": "2"}, id="literal-no-conflict"),
        pytest.param("card[number]=4242+4242", {"card": {"number": "4242 4242"}}, id="nested-plus"),
        pytest.param("m[caf%C3%A9]=%E2%9C%93", {"m": {"café": "✓"}}, id="nested-utf8"),
    ],
)
def test_decode_form(query: str, expected: dict[str, Any]) -> None:
    assert params.decode_form(params.parse_pairs(query, "query string")) == expected


@pytest.mark.parametrize(
    ("query", "param"),
    [
        pytest.param("a=1&a[b]=2", "a", id="scalar-then-hash"),
        pytest.param("a[b]=2&a=1", "a", id="hash-then-scalar"),
        pytest.param("a=1&a[]=2", "a", id="scalar-then-array"),
        pytest.param("a[]=2&a=1", "a", id="array-then-scalar"),
        pytest.param("a[]=1&a[b]=2", "a", id="array-then-hash"),
        pytest.param("a[b]=1&a[]=2", "a", id="hash-then-array"),
        pytest.param("a[b]=1&a[b][c]=2", "a[b]", id="nested-scalar-then-hash"),
        pytest.param("a[b][c]=2&a[b]=1", "a[b]", id="nested-hash-then-scalar"),
        pytest.param("metadata=&metadata[a]=1", "metadata", id="empty-then-hash"),
    ],
)
def test_decode_form_conflicts(query: str, param: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.decode_form(params.parse_pairs(query, "body"))
    assert (info.value.status, info.value.type) == (400, "invalid_request_error")
    assert info.value.param == param
    assert info.value.message == conflict(param)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("a[b][c][d][e][f]", id="one-too-deep"),
        pytest.param("a[][][][][]", id="arrays-too-deep"),
        pytest.param("a" + "[x]" * 50, id="far-too-deep"),
    ],
)
def test_decode_form_too_deep(key: str) -> None:
    assert len(params.split_key(key)) > params.MAX_DEPTH
    with pytest.raises(TofupayError) as info:
        params.decode_form([(key, "1")])
    assert (info.value.status, info.value.param) == (400, "a")
    assert info.value.message == messages.TOO_DEEPLY_NESTED.format(name="a", depth=params.MAX_DEPTH)


# -- integer -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("0", 0, id="zero"),
        pytest.param("42", 42, id="positive"),
        pytest.param("-5", -5, id="negative"),
        pytest.param("007", 7, id="leading-zeros"),
        pytest.param("-0", 0, id="minus-zero"),
        pytest.param(str(2**63 - 1), 2**63 - 1, id="int64-max"),
        pytest.param(str(-(2**63)), -(2**63), id="int64-min"),
    ],
)
def test_integer_valid(value: str, expected: int) -> None:
    assert params.integer(value, "n") == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("abc", "abc", id="letters"),
        pytest.param("", "", id="empty"),
        pytest.param("1.5", "1.5", id="decimal"),
        pytest.param("1e3", "1e3", id="exponent"),
        pytest.param("+1", "+1", id="plus-sign"),
        pytest.param(" 1", " 1", id="leading-space"),
        pytest.param("1 ", "1 ", id="trailing-space"),
        pytest.param("0x10", "0x10", id="hex"),
        pytest.param("1_000", "1_000", id="underscore"),
        pytest.param("١٢", "١٢", id="arabic-digits"),
        pytest.param("--1", "--1", id="double-minus"),
        pytest.param(str(2**63), str(2**63), id="int64-overflow"),
        pytest.param(str(-(2**63) - 1), str(-(2**63) - 1), id="int64-underflow"),
        pytest.param("9" * 5000, "9" * 5000, id="5000-digits"),
        pytest.param(["1"], '["1"]', id="array"),
        pytest.param({"a": "1"}, '{"a":"1"}', id="hash"),
    ],
)
def test_integer_invalid(value: Any, shown: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.integer(value, "account_balance")
    assert (info.value.status, info.value.type) == (400, "invalid_request_error")
    assert info.value.param == "account_balance"
    assert info.value.message == f"Invalid integer: {shown}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("0", "This value must be greater than or equal to 1.", id="below-min"),
        pytest.param("-3", "This value must be greater than or equal to 1.", id="negative"),
        pytest.param("101", "This value must be less than or equal to 100.", id="above-max"),
    ],
)
def test_integer_out_of_bounds(value: str, message: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.integer(value, "limit", minimum=1, maximum=100)
    assert (info.value.status, info.value.param, info.value.message) == (400, "limit", message)


@pytest.mark.parametrize("value", ["1", "50", "100"], ids=["min", "middle", "max"])
def test_integer_within_bounds(value: str) -> None:
    assert params.integer(value, "limit", minimum=1, maximum=100) == int(value)


# -- string, required_string -------------------------------------------------


@pytest.mark.parametrize(
    "value", ["", "x", "two words", "café"], ids=["empty", "x", "spaces", "utf8"]
)
def test_string_valid(value: str) -> None:
    assert params.string(value, "description") == value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(["a"], '["a"]', id="array"),
        pytest.param({"a": "b"}, '{"a":"b"}', id="hash"),
        pytest.param({"é": ["x"]}, '{"é":["x"]}', id="nested-utf8"),
    ],
)
def test_string_invalid(value: Any, shown: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.string(value, "description")
    assert (info.value.status, info.value.param) == (400, "description")
    assert info.value.message == f"Invalid string: {shown}"


def test_required_string_valid() -> None:
    assert params.required_string("cus_123", "starting_after") == "cus_123"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            "",
            "You passed an empty string for 'email'. We assume empty values are an attempt "
            "to unset a parameter; however 'email' cannot be unset. You should remove "
            "'email' from your request or supply a non-empty value.",
            id="empty-cannot-unset",
        ),
        pytest.param(["x"], 'Invalid string: ["x"]', id="array"),
    ],
)
def test_required_string_invalid(value: Any, message: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.required_string(value, "email")
    assert (info.value.status, info.value.param, info.value.message) == (400, "email", message)


# -- string_list, hash_of ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["a", "b"], ["a", "b"], id="list"),
        pytest.param([], [], id="empty-list"),
        pytest.param({"0": "a", "1": "b"}, ["a", "b"], id="indexed"),
        pytest.param({"1": "b", "0": "a"}, ["a", "b"], id="indexed-out-of-order"),
        pytest.param({"10": "c", "2": "b", "0": "a"}, ["a", "b", "c"], id="indexed-numeric-sort"),
        pytest.param({"0": "a", "5": "b"}, ["a", "b"], id="indexed-sparse"),
    ],
)
def test_string_list_valid(value: Any, expected: list[str]) -> None:
    assert params.string_list(value, "expand") == expected


@pytest.mark.parametrize(
    ("value", "param", "message"),
    [
        pytest.param("default_source", "expand", "Invalid array", id="plain-string"),
        pytest.param("", "expand", "Invalid array", id="empty-string"),
        pytest.param({"a": "x"}, "expand", "Invalid array", id="named-hash"),
        pytest.param({"0": "x", "b": "y"}, "expand", "Invalid array", id="mixed-hash"),
        pytest.param({"²": "x"}, "expand", "Invalid array", id="superscript-digit-key"),
        pytest.param(["a", ["b"]], "expand[]", 'Invalid string: ["b"]', id="nested-item"),
        pytest.param({"0": {"a": "b"}}, "expand[]", 'Invalid string: {"a":"b"}', id="hash-item"),
    ],
)
def test_string_list_invalid(value: Any, param: str, message: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.string_list(value, "expand")
    assert (info.value.status, info.value.param, info.value.message) == (400, param, message)


def test_hash_of_returns_the_hash() -> None:
    value = {"plan": "pro"}
    assert params.hash_of(value, "metadata") is value


@pytest.mark.parametrize("value", [pytest.param("x", id="string"), pytest.param(["x"], id="array")])
def test_hash_of_invalid(value: Any) -> None:
    with pytest.raises(TofupayError) as info:
        params.hash_of(value, "metadata")
    error = info.value
    assert (error.status, error.param, error.message) == (400, "metadata", "Invalid hash")


# -- from_python, check_known ------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param({"email": "a@b.co"}, {"email": "a@b.co"}, id="string"),
        pytest.param({"account_balance": 5}, {"account_balance": "5"}, id="int"),
        pytest.param({"account_balance": -5}, {"account_balance": "-5"}, id="negative-int"),
        pytest.param({"description": None}, {"description": ""}, id="none-unsets"),
        pytest.param({"x": True, "y": False}, {"x": "true", "y": "false"}, id="bools"),
        pytest.param(
            {"metadata": {"a": 1, "b": None}}, {"metadata": {"a": "1", "b": ""}}, id="hash"
        ),
        pytest.param({"metadata": {1: "x"}}, {"metadata": {"1": "x"}}, id="int-key"),
        pytest.param({"expand": ["default_source"]}, {"expand": ["default_source"]}, id="list"),
        pytest.param({"e": ("a", 2)}, {"e": ["a", "2"]}, id="tuple"),
        pytest.param({"a": [{"b": 1}]}, {"a": [{"b": "1"}]}, id="list-of-hashes"),
        pytest.param({}, {}, id="empty"),
    ],
)
def test_from_python(values: dict[str, Any], expected: dict[str, Any]) -> None:
    assert params.from_python(values) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"amount": 1.5}, "amount: cannot send a float as a form parameter", id="float"
        ),
        pytest.param(
            {"metadata": {"a": b"x"}},
            "metadata[a]: cannot send a bytes as a form parameter",
            id="nested-bytes",
        ),
        pytest.param(
            {"expand": [object()]}, "expand[]: cannot send a object as a form parameter", id="item"
        ),
    ],
)
def test_from_python_rejects_other_types(values: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError) as info:
        params.from_python(values)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("values", "param"),
    [
        pytest.param({"description": "\ud800"}, "description", id="value"),
        pytest.param({"metadata": {"k": "a\udcff"}}, "metadata[k]", id="nested-value"),
        pytest.param({"metadata": {"k\udcff": "v"}}, "metadata[k\\udcff]", id="nested-key"),
        pytest.param({"source": {"name": "\udfff"}}, "source[name]", id="card-name"),
    ],
)
def test_from_python_rejects_lone_surrogates(values: dict[str, Any], param: str) -> None:
    """Found by fuzzing: add_customer(description="\\ud800") stored it, then every answer showing
    that customer (a retrieve, a list) raised UnicodeEncodeError out of handle()."""
    with pytest.raises(TofupayError) as info:
        params.from_python(values)
    assert (info.value.status, info.value.type, info.value.param) == (
        400,
        "invalid_request_error",
        param,
    )
    assert "lone surrogate" in info.value.message


@pytest.mark.parametrize(
    ("given", "prefix", "unknown"),
    [
        pytest.param({"email": "x", "bogus": "1"}, "", "bogus", id="top-level"),
        pytest.param({"gt": "1", "foo": "2"}, "created", "created[foo]", id="prefixed"),
        pytest.param({"a": "1", "b": "2"}, "", "a", id="first-unknown-named"),
    ],
)
def test_check_known_rejects(given: dict[str, Any], prefix: str, unknown: str) -> None:
    with pytest.raises(TofupayError) as info:
        params.check_known(given, {"email", "gt"}, prefix=prefix)
    assert (info.value.status, info.value.param) == (400, unknown)
    assert info.value.message == f"Received unknown parameter: {unknown}"


@pytest.mark.parametrize(
    "given",
    [pytest.param({}, id="empty"), pytest.param({"email": "", "gt": {"x": "1"}}, id="known")],
)
def test_check_known_accepts(given: dict[str, Any]) -> None:
    assert params.check_known(given, {"email", "gt"}) is None
