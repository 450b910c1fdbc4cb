"""Assertions shared by the API tests: ids, Request-Id, exact error bodies.

The answer checks take an httpx response or any client's of the same shape
(``status_code``, ``text``, case-insensitive ``headers``, ``json()``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from tests.conftest import BASE, KEY, SSL_CONTEXT, Api, error_of
from tofupay_fake import FakeTofupay

CUSTOMER_ID = re.compile(r"cus_[0-9A-Za-z]{14}")
CARD_ID = re.compile(r"card_[0-9A-Za-z]{24}")
REQUEST_ID = re.compile(r"req_[0-9A-Za-z]{14}")
START = 1421056271  # the ``created`` of the API reference's example customer


class Answer(Protocol):
    """A client's response as the checks read it (httpx, requests, tests.clients)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


def assert_common_headers(response: Answer) -> None:
    """Every answer is JSON and carries a ``Request-Id: req_`` + 14 header."""
    assert response.headers["content-type"] == "application/json"
    assert REQUEST_ID.fullmatch(response.headers["request-id"]), response.headers


def assert_error(
    response: httpx.Response,
    status: int,
    type_: str,
    message: str,
    param: str | None = None,
    *,
    code: str | None = None,
    decline_code: str | None = None,
) -> None:
    """The response is exactly this error: no other keys in ``error``."""
    assert_common_headers(response)
    expected: dict[str, Any] = {"type": type_, "message": message}
    if param is not None:
        expected["param"] = param
    if code is not None:
        expected["code"] = code
    if decline_code is not None:
        expected["decline_code"] = decline_code
    assert (response.status_code, error_of(response)) == (status, expected)


def ok(response: Answer) -> dict[str, Any]:
    """The JSON body of a 200 answer (with the common headers)."""
    assert response.status_code == 200, response.text
    assert_common_headers(response)
    body: dict[str, Any] = response.json()
    return body


def create(api: Api, key: str = KEY, **data: str) -> dict[str, Any]:
    """``POST /v1/customers`` with ``data``; the customer made."""
    body = ok(api.post("/v1/customers", key=key, data=data))
    assert CUSTOMER_ID.fullmatch(body["id"])
    return body


def list_ids(api: Api, key: str = KEY, **query: str) -> tuple[list[str], bool]:
    """The ids and ``has_more`` of one ``GET /v1/customers`` page."""
    body = ok(api.get("/v1/customers", key=key, params=query))
    return [customer["id"] for customer in body["data"]], body["has_more"]


def form_pairs(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Decoded params back to bracket-form pairs (``metadata[k]=v``, ``expand[]=x``)."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        full = f"{prefix}[{name}]" if prefix else name
        if isinstance(value, dict):
            pairs += form_pairs(value, full)
        elif isinstance(value, list):
            pairs += [(f"{full}[]", item) for item in value]
        else:
            pairs.append((full, value))
    return pairs


def wire(response: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers as lower-case pairs in order, body) of any client's response."""
    headers = [(name.lower(), value) for name, value in response.headers.items()]
    return response.status_code, headers, response.content


def assert_method_answered_as_httpx(send: Callable[..., Any], method: str) -> None:
    """``send(method, "/v1/customers")`` gets what httpx gets from a fake of the same seed.

    A ``HEAD`` answer has the same status and headers and no body.
    """
    with FakeTofupay(seed=5) as fake:
        got = send(method, "/v1/customers")
    with (
        FakeTofupay(seed=5),
        httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as http,
    ):
        expected = http.request(method, "/v1/customers")
    assert [call.method for call in fake.calls] == [method]
    if method == "HEAD":
        assert (got.status_code, got.content) == (expected.status_code, b"")
        assert wire(got)[1] == wire(expected)[1]
    else:
        assert wire(got) == wire(expected)
