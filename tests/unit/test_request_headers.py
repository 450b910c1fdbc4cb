"""The request headers every transport builds: case-insensitive, read-only, compared as a mapping."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import KEY
from tofupay_fake import FakeTofupay
from tofupay_fake.request import EMPTY_HEADERS, Headers, Request


def test_names_are_matched_in_any_case_and_repeats_are_joined() -> None:
    headers = Headers([("Accept", "a"), ("X-Tag", "one"), ("x-tag", "two")])
    assert headers["ACCEPT"] == headers.get("accept") == "a"
    assert headers["X-TAG"] == "one, two"
    assert "x-Tag" in headers and "x-missing" not in headers
    anything: Any = 5
    assert anything not in headers  # only names are in headers
    assert headers.get("X-Missing") is None and headers.get("X-Missing", "-") == "-"
    assert list(headers) == ["accept", "x-tag"] and len(headers) == 2
    assert repr(headers) == "Headers({'accept': 'a', 'x-tag': 'one, two'})"


def test_headers_cannot_be_changed() -> None:
    headers = Headers({"Accept": "a"})
    with pytest.raises(AttributeError, match="Headers are read-only"):
        headers.lowered = {}
    with pytest.raises(AttributeError, match="Headers are read-only"):
        headers.extra = 1
    with pytest.raises(TypeError):
        headers["accept"] = "b"  # type: ignore[index]
    with pytest.raises(TypeError):
        hash(headers)
    assert headers == {"accept": "a"}


EQUALITY = [
    # (other, equal to Headers({"Accept": "a", "X-Tag": "t"}))
    (Headers([("accept", "a"), ("x-tag", "t")]), True),
    (Headers({"ACCEPT": "a", "X-TAG": "t"}), True),
    (Headers({"Accept": "a"}), False),
    (Headers({"Accept": "A", "X-Tag": "t"}), False),  # values keep their case
    ({"Accept": "a", "x-tag": "t"}, True),
    ({"ACCEPT": "a", "X-TAG": "t"}, True),
    ({"accept": "a", "x-tag": "t", "extra": "e"}, False),
    ({"accept": "a"}, False),
    ([("accept", "a"), ("x-tag", "t")], False),  # not a mapping
    ("accept: a", False),
    (None, False),
]


@pytest.mark.parametrize(("other", "equal"), EQUALITY)
def test_headers_equal_any_mapping_of_the_same_names_and_values(other: Any, equal: bool) -> None:
    headers = Headers({"Accept": "a", "X-Tag": "t"})
    assert (headers == other) is equal
    assert (other == headers) is equal
    assert (headers != other) is not equal


def test_a_request_without_headers_has_the_empty_headers() -> None:
    request = Request("GET", "/v1/customers")
    assert request.headers is EMPTY_HEADERS
    assert request.headers == {} and len(request.headers) == 0
    assert Headers.from_lowered({"accept": "a"}) == Headers({"Accept": "a"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Content-Type", "application/json"),
        ("content-type", "application/json"),
        ("REQUEST-ID", "req_"),
        ("Idempotent-Replayed", None),
        ("X-Missing", None),
    ],
)
def test_a_response_header_is_found_in_any_case_else_none(name: str, value: str | None) -> None:
    response = FakeTofupay().handle(
        "GET", "/v1/customers", headers={"Authorization": f"Bearer {KEY}"}
    )
    found = response.header(name)
    if value == "req_":
        assert found is not None and found.startswith("req_")
    else:
        assert found == value
