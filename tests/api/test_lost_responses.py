"""Faults as production has them, over every client: lost answers, latency, retry headers.

Each client sends for real (its own timeout, its own exceptions). The
lost-response case is what idempotency keys exist for: the server committed,
the answer never arrived; a retry under the same key replays it, a retry under
a new key makes a second customer.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx
import httpx2
import pytest
import requests

from tests.conftest import BASE, KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay

URL = f"{BASE}/v1/customers"
FORM = {"email": "lost@example.com"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: dict[str, Any]


Send = Callable[[str, dict[str, str], dict[str, str], float], Answer]


def _httpx_like(lib: Any) -> Send:
    def send(method: str, data: dict[str, str], headers: dict[str, str], timeout: float) -> Answer:
        with lib.Client(timeout=timeout, verify=SSL_CONTEXT) as client:
            r = client.request(method, URL, data=data, headers=headers, auth=(KEY, ""))
        return Answer(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.json())

    return send


def _httpx_async(
    method: str, data: dict[str, str], headers: dict[str, str], timeout: float
) -> Answer:
    async def go() -> Answer:
        async with httpx.AsyncClient(timeout=timeout, verify=SSL_CONTEXT) as client:
            r = await client.request(method, URL, data=data, headers=headers, auth=(KEY, ""))
        return Answer(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.json())

    return asyncio.run(go())


def _requests(method: str, data: dict[str, str], headers: dict[str, str], timeout: float) -> Answer:
    r = requests.request(method, URL, data=data, headers=headers, auth=(KEY, ""), timeout=timeout)
    return Answer(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.json())


def _aiohttp(method: str, data: dict[str, str], headers: dict[str, str], timeout: float) -> Answer:
    async def go() -> Answer:
        limits = aiohttp.ClientTimeout(sock_read=timeout)
        async with (
            aiohttp.ClientSession(timeout=limits) as session,
            session.request(
                method, URL, data=data, headers={**headers, "Authorization": f"Bearer {KEY}"}
            ) as r,
        ):
            body = json.loads(await r.read())
            return Answer(r.status, {k.lower(): v for k, v in r.headers.items()}, body)

    return asyncio.run(go())


def _urllib(method: str, data: dict[str, str], headers: dict[str, str], timeout: float) -> Answer:
    request = urllib.request.Request(
        URL,
        data=urlencode(data).encode() if method == "POST" else None,
        method=method,
        headers={**headers, "Authorization": f"Bearer {KEY}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return Answer(r.status, {k.lower(): v for k, v in r.headers.items()}, json.load(r))
    except urllib.error.HTTPError as error:
        headers_ = {k.lower(): v for k, v in error.headers.items()}
        return Answer(error.code, headers_, json.load(error))


@dataclass(frozen=True)
class Client:
    send: Send
    timeout_error: type[BaseException] | tuple[type[BaseException], ...]
    connection_error: type[BaseException] | tuple[type[BaseException], ...]


CLIENTS = {
    "httpx": Client(_httpx_like(httpx), httpx.ReadTimeout, httpx.ConnectError),
    "httpx-async": Client(_httpx_async, httpx.ReadTimeout, httpx.ConnectError),
    "httpx2": Client(_httpx_like(httpx2), httpx2.ReadTimeout, httpx2.ConnectError),
    "requests": Client(_requests, requests.ReadTimeout, requests.ConnectionError),
    "aiohttp": Client(
        _aiohttp,
        (aiohttp.ServerTimeoutError, asyncio.TimeoutError),
        aiohttp.ClientConnectionError,
    ),
    "urllib": Client(_urllib, TimeoutError, urllib.error.URLError),
}


@pytest.fixture(params=list(CLIENTS))
def client(request: pytest.FixtureRequest) -> Client:
    return CLIENTS[request.param]


def made(fake: FakeTofupay) -> list[str]:
    return [customer["email"] for customer in fake.customers(KEY)]


def test_a_lost_answer_is_replayed_under_the_same_key_and_not_under_a_new_one(
    fake: FakeTofupay, client: Client
) -> None:
    fake.fail_next("api_error", method="POST", when="after")
    lost = client.send("POST", FORM, {"Idempotency-Key": "signup-1"}, 5.0)
    assert lost.status == 500
    assert lost.headers["tofupay-should-retry"] == "true"
    assert made(fake) == ["lost@example.com"]  # committed, though the client saw a 500

    retry = client.send("POST", FORM, {"Idempotency-Key": "signup-1"}, 5.0)
    assert retry.status == 200
    assert retry.headers["idempotent-replayed"] == "true"
    assert made(fake) == ["lost@example.com"]
    assert retry.body == fake.customers(KEY)[0]

    careless = client.send("POST", FORM, {"Idempotency-Key": "signup-2"}, 5.0)
    assert careless.status == 200
    assert made(fake) == ["lost@example.com", "lost@example.com"]  # a second customer
    assert [call.status_code for call in fake.calls] == [500, 200, 200]


def test_a_connection_lost_after_the_commit(fake: FakeTofupay, client: Client) -> None:
    fake.fail_next("connection_error", method="POST", when="after")
    with pytest.raises(client.connection_error):
        client.send("POST", FORM, {"Idempotency-Key": "k"}, 5.0)
    assert made(fake) == ["lost@example.com"]
    assert fake.calls.last.status_code == 0  # what the client saw: no answer
    retry = client.send("POST", FORM, {"Idempotency-Key": "k"}, 5.0)
    assert (retry.status, retry.headers["idempotent-replayed"]) == (200, "true")
    assert len(made(fake)) == 1


def test_a_timeout_fault_before_changes_nothing(fake: FakeTofupay, client: Client) -> None:
    fake.fail_next("timeout", method="POST")
    with pytest.raises(client.timeout_error):
        client.send("POST", FORM, {}, 5.0)
    assert made(fake) == []
    assert client.send("POST", FORM, {}, 5.0).status == 200


def test_latency_past_the_clients_timeout_is_its_own_timeout_error(
    fake: FakeTofupay, client: Client
) -> None:
    fake.latency(1.0, method="POST")
    with pytest.raises(client.timeout_error):
        client.send("POST", FORM, {}, 0.05)  # the client waits its timeout out
    assert made(fake) == ["lost@example.com"]  # the slow server still made it
    fake.latency(0, method="POST")
    assert client.send("POST", FORM, {}, 0.2).status == 200


def test_a_delayed_fault_within_the_timeout_is_answered(fake: FakeTofupay, client: Client) -> None:
    fake.fail_next("rate_limit", delay=0.05)
    limited = client.send("GET", {}, {}, 5.0)
    assert limited.status == 429
    assert limited.headers["retry-after"] == "1"
    assert "tofupay-should-retry" not in limited.headers


@pytest.mark.parametrize(
    ("status", "should_retry"),
    [(500, "true"), (503, "true"), (400, "false"), (402, "false"), (404, "false"), (409, "false")],
)
def test_retry_headers(fake: FakeTofupay, client: Client, status: int, should_retry: str) -> None:
    fake.fail_next(status)
    answer = client.send("GET", {}, {}, 5.0)
    assert answer.status == status
    assert answer.headers["tofupay-should-retry"] == should_retry
    assert "retry-after" not in answer.headers


def test_real_errors_carry_the_retry_headers_too(fake: FakeTofupay, client: Client) -> None:
    declined = client.send("POST", {"source": "tok_chargeDeclined"}, {}, 5.0)
    assert (declined.status, declined.headers["tofupay-should-retry"]) == (402, "false")
    created = client.send("POST", FORM, {}, 5.0)
    assert "tofupay-should-retry" not in created.headers


def test_latency_rules_replace_and_remove(fake: FakeTofupay) -> None:
    fake.latency(0.5, method="POST")
    fake.latency(0.25, method="POST")  # replaces
    fake.latency(0.125, path="/v1/customers/*")
    assert fake._faults.latency("POST", "/v1/customers") == 0.25
    assert fake._faults.latency("GET", "/v1/customers/cus_x") == 0.125
    fake.latency(0, method="POST")
    assert fake._faults.latency("POST", "/v1/customers") == 0.0
    fake.latency(0)  # no filters: every rule goes
    assert fake._faults.latency("GET", "/v1/customers/cus_x") == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"when": "later"}, ValueError, "when must be 'before' or 'after'"),
        ({"delay": -1}, ValueError, "delay takes a number of seconds >= 0"),
        ({"delay": float("nan")}, ValueError, "delay takes a number of seconds >= 0"),
        ({"delay": "1"}, TypeError, "delay takes a number of seconds >= 0"),
        ({"delay": True}, TypeError, "delay takes a number of seconds >= 0"),
    ],
)
def test_bad_fault_arguments(
    fake: FakeTofupay, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        fake.fail_next("api_error", **kwargs)
    with pytest.raises((ValueError, TypeError), match="latency takes a number of seconds"):
        fake.latency(-1)
    assert fake._faults.pending() == []
