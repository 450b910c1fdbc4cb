"""Fuzz of every control endpoint: any method, path, query, body, Host and Origin gets a
documented JSON answer (a success, or an error object with a 4xx status), never a 5xx nor
an exception out of the app (which a server would log as a traceback).

Bounded and derandomized in CI; ``TOFUPAY_LONG=1`` runs many more examples.
The app is called in process, as an ASGI server would call it: every request of a
module on one event loop (and its worker threads), as a server's requests are.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tofupay_fake import FakeTofupay
from tofupay_fake.control import ENDPOINTS, RAW_ENDPOINTS
from tofupay_fake.transports.asgi_app import make_app

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
LONG = os.environ.get("TOFUPAY_LONG") == "1"
FUZZ = settings(
    max_examples=5_000 if LONG else 100,
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PATHS = [
    *sorted({path for _, path in [*ENDPOINTS, *RAW_ENDPOINTS]}),
    "/_fake/",
    "/_fake",
    "/_fake/nope",
    "/_fake/calls/",
    "/_fake//calls",
    "/_fake/%2e%2e/v1/customers",
]
METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"]
NAMES = [
    "error", "method", "path", "times", "when", "delay", "api_key", "n", "with_cards", "id",
    "email", "description", "metadata", "source", "card", "advance", "set", "limit", "q",
    "type", "status", "url", "secret", "events", "account_balance", "currency", "key", "self",
    "expand", "default_source", "_meta", "fixtures", "format", "accounts",
]  # fmt: skip
ODD = [
    "", " ", "0", "-1", "1", "2", "10", "1e3", "nan", "inf", "-inf", "1.5", "9" * 30, "true",
    "false", "null", "before", "after", "timeout", "connection_error", "api_error", "rate_limit",
    "card_declined", "599", "600", "GET", "post", "/v1/customers/*", "*", "/", "\x00", "é",
    "\uffff", "%", "%zz", "[", "]", "a[b", "tok_visa", "tok_chargeDeclined", KEY, "sk_test_",
    "pk_test_abc", "http://127.0.0.1:9/hook", "whsec_abc", "customer.*", "2026-01-15",
    "2026-01-15T10:00:00Z", "253402300799", "253402300800", "cus_AAAAAAAAAAAAAA",
]  # fmt: skip

names = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES).map(lambda name: name + "[x]"),
    st.sampled_from(NAMES).map(lambda name: name + "[]"),
    st.text(max_size=8),
)
values = st.one_of(
    st.sampled_from(ODD), st.integers(-(10**20), 10**20).map(str), st.text(max_size=12)
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats()
    | st.sampled_from(ODD)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


def form(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(name, safe='[]')}={quote(value, safe='')}" for name, value in pairs)


pairs = st.lists(st.tuples(names, values), max_size=5)
bodies = st.one_of(
    st.just((None, b"")),
    pairs.map(lambda found: ("application/x-www-form-urlencoded", form(found).encode())),
    st.dictionaries(names, json_values, max_size=5).map(
        lambda found: ("application/json", json.dumps(found).encode())
    ),
    json_values.map(lambda found: ("application/json", json.dumps(found).encode())),
    st.tuples(
        st.sampled_from(["application/json", "text/plain", "multipart/form-data", "x/y+json"]),
        st.binary(max_size=40),
    ),
)
hosts = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "127.0.0.1:12111",
            "localhost:12111",
            "[::1]:12111",
            "[::1",
            "evil.example",
            ":",
            "",
            "a:b:c",
            "[]:1",
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=12),
)
origins = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "http://127.0.0.1:12111",
            "null",
            "https://evil.example",
            "http://",
            "http://[::1",
            "file://",
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=12),
)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.Runner]:
    """One event loop for the module's requests, as a server has."""
    with asyncio.Runner() as runner:
        yield runner


def call(
    loop: asyncio.Runner,
    app: Any,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request to the ASGI app as a server would make it: (status, headers, body)."""
    sent: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await asyncio.sleep(3600)
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1", "replace"),
        "headers": headers,
        "server": ("127.0.0.1", 12111),
        "client": ("127.0.0.1", 50000),
    }
    loop.run(app(scope, receive, send))  # an exception here is a 500 and a logged traceback
    start = next(message for message in sent if message["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], start["headers"], content


def check_answer(
    method: str, status: int, headers: list[tuple[bytes, bytes]], content: bytes
) -> None:
    assert status < 500, (status, content)
    if status in (204, 308) or (method == "HEAD" and not content):
        return
    kinds = dict(headers)
    if (
        kinds.get(b"content-type", b"").startswith(b"text/html")
        or kinds.get(b"content-type", b"").startswith(b"text/css")
        or b"javascript" in kinds.get(b"content-type", b"")
    ):
        return  # the dashboard's files
    document = json.loads(content)
    assert isinstance(document, dict)
    if status >= 400:
        error = document["error"]
        assert isinstance(error["type"], str) and isinstance(error["message"], str), document


@FUZZ
@given(
    method=st.one_of(
        st.sampled_from(METHODS),
        st.text(st.characters(min_codepoint=65, max_codepoint=90), min_size=1, max_size=8),
    ),
    path=st.sampled_from(PATHS),
    query=st.one_of(pairs.map(form), st.text(max_size=20)),
    body=bodies,
    host=hosts,
    origin=origins,
)
def test_every_control_request_gets_a_documented_answer(
    loop: asyncio.Runner,
    method: str,
    path: str,
    query: str,
    body: tuple[str | None, bytes],
    host: str | None,
    origin: str | None,
) -> None:
    fake = FakeTofupay()
    fake.seed_customers(2, KEY, with_cards=True)
    headers: list[tuple[bytes, bytes]] = []
    if host is not None:
        headers.append((b"host", host.encode("latin-1")))
    if origin is not None:
        headers.append((b"origin", origin.encode("latin-1")))
    content_type, content = body
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    app = make_app(fake)
    status, answer_headers, answer = call(loop, app, method, path, query, headers, content)
    check_answer(method, status, answer_headers, answer)


#: Fields that make each endpoint's request valid, so that the fuzz gets past the first check.
VALID: dict[str, dict[str, Any]] = {
    "/_fake/customers": {"api_key": KEY},
    "/_fake/fail_next": {"error": "api_error"},
    "/_fake/webhooks": {"url": "http://127.0.0.1:9/hook", "secret": "whsec_abc"},
    "/_fake/clock": {"advance": "1"},
}
ENDPOINT_KEYS = sorted([*ENDPOINTS, *RAW_ENDPOINTS])


@FUZZ
@given(
    endpoint=st.sampled_from(ENDPOINT_KEYS),
    base=st.booleans(),
    fields=st.dictionaries(names, json_values, max_size=4),
    as_json=st.booleans(),
)
def test_every_endpoint_answers_any_fields_from_its_own_pages(
    loop: asyncio.Runner,
    endpoint: tuple[str, str],
    base: bool,
    fields: dict[str, Any],
    as_json: bool,
) -> None:
    """Past the Host and Origin checks: each endpoint, often with its required fields."""
    method, path = endpoint
    fake = FakeTofupay()
    fake.seed_customers(2, KEY, with_cards=True)
    app = make_app(fake)
    fields = {**(VALID.get(path, {}) if base else {}), **fields}
    if as_json:
        body = json.dumps(fields).encode()
        content_type = b"application/json"
    else:
        flat = [
            (name, value if isinstance(value, str) else json.dumps(value))
            for name, value in fields.items()
        ]
        body = form(flat).encode()
        content_type = b"application/x-www-form-urlencoded"
    headers = [(b"host", b"127.0.0.1:12111"), (b"content-type", content_type)]
    status, answer_headers, answer = call(loop, app, method, path, "", headers, body)
    check_answer(method, status, answer_headers, answer)
    query = form([(name, value) for name, value in fields.items() if isinstance(value, str)])
    status, answer_headers, answer = call(loop, app, method, path, query, headers[:1], b"")
    check_answer(method, status, answer_headers, answer)


def test_each_endpoint_with_each_field_name_and_odd_value(loop: asyncio.Runner) -> None:
    """Every endpoint with its required fields plus one more, each name and odd value in turn
    (a truth table the random search above might miss: ``self`` once reached a Python call)."""
    for method, path in ENDPOINT_KEYS:
        fake = FakeTofupay()
        fake.seed_customers(2, KEY, with_cards=True)
        app = make_app(fake)
        for name in NAMES:
            for value in ("1", "x", "", "true", KEY):
                fields = {**VALID.get(path, {}), name: value}
                for content_type, body in (
                    (b"application/json", json.dumps(fields).encode()),
                    (b"application/x-www-form-urlencoded", form(list(fields.items())).encode()),
                ):
                    headers = [(b"host", b"127.0.0.1:12111"), (b"content-type", content_type)]
                    status, answer_headers, answer = call(
                        loop, app, method, path, "", headers, body
                    )
                    check_answer(method, status, answer_headers, answer)
