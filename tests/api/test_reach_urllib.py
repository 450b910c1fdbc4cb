"""urllib.request reaches the fake: ``urlopen``, ``build_opener()`` openers, an application's handler.

Every test runs under ``network`` (tests.clients): a DNS lookup or a
connection off loopback fails the test.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.error import HTTPError, URLError

import httpx
import pytest

from tests.api.helpers import CUSTOMER_ID, assert_method_answered_as_httpx, ok, wire
from tests.clients import Network, basic, echo_server, guarded_network
from tests.clients.urllib_client import MODES, UrllibApi
from tests.conftest import BASE, KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay

ORIGINAL_DO_OPEN = urllib.request.AbstractHTTPHandler.do_open
NOT_OURS = "is not the fake's origin (https://api.tofupay.com)"
AUTH = {"Authorization": basic(KEY)}


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    """No DNS lookup and no connection off loopback (the test fails if one was tried)."""
    yield from guarded_network(monkeypatch)


@pytest.fixture(params=MODES)
def client(request: pytest.FixtureRequest) -> Iterator[UrllibApi]:
    made = UrllibApi(request.param)
    yield made
    made.close()


Open = Callable[..., Any]


@pytest.fixture(params=["urlopen", "opener", "handler"])
def open_(request: pytest.FixtureRequest) -> Open:
    """``open_(url_or_request, **kwargs)``: ``urlopen``, a built opener, or one with our handler."""
    if request.param == "urlopen":
        return urllib.request.urlopen
    if request.param == "opener":
        return urllib.request.build_opener().open
    return urllib.request.build_opener(RecordingHandler()).open


class RecordingHandler(urllib.request.HTTPSHandler):
    """An application's own HTTPS handler: its ``https_open`` records the URL, then opens."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        self.opened.append(req.full_url)
        return super().https_open(req)


# -- the API through urllib ---------------------------------------------------------------


def test_round_trip(client: UrllibApi, fake: FakeTofupay) -> None:
    data = {"email": "a@example.com", "description": "café ☕", "metadata[plan]": "pro"}
    created = ok(client.post("/v1/customers", data=data))
    cid = created["id"]
    assert (created["description"], created["metadata"]) == ("café ☕", {"plan": "pro"})
    assert ok(client.get(f"/v1/customers/{cid}")) == created
    updated = ok(client.post(f"/v1/customers/{cid}", data={"metadata[tier]": "2"}))
    assert updated["metadata"] == {"plan": "pro", "tier": "2"}
    assert [c["id"] for c in ok(client.get("/v1/customers", params={"limit": 1}))["data"]] == [cid]
    assert ok(client.delete(f"/v1/customers/{cid}")) == {"deleted": True, "id": cid}
    assert fake.customers(KEY) == []
    call = fake.calls[0]
    assert call.api_key == KEY
    assert call.headers["user-agent"].startswith("Python-urllib/")
    assert call.headers["connection"] == "close"


def scenario(send: Callable[..., Any]) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    steps: list[tuple[str, str, Any, Any]] = [
        ("POST", "/v1/customers", {"email": "a@example.com", "source": "tok_visa",
                                   "metadata[plan]": "pro"}, None),
        ("GET", "/v1/customers", None, {"limit": "5", "expand[]": "data.default_source"}),
        ("POST", "/v1/customers", {"source": "tok_chargeDeclined"}, None),
        ("POST", "/v1/customers", {"colour": "red"}, None),
        ("GET", "/v1/customers/cus_nope", None, None),
        ("DELETE", "/v1/customers/cus_nope", None, None),
    ]  # fmt: skip
    return [wire(send(method, path, data=data, params=params))
            for method, path, data, params in steps]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
def test_same_bytes_as_httpx(mode: str) -> None:
    with FakeTofupay(seed=3) as first:
        via_urllib = scenario(UrllibApi(mode).request)
    with (
        FakeTofupay(seed=3) as second,
        httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as http,
    ):
        via_httpx = scenario(http.request)
    assert [status for status, _, _ in via_urllib] == [200, 200, 402, 400, 404, 404]
    assert via_urllib == via_httpx
    assert list(first.events) == list(second.events)
    assert [c.params for c in first.calls] == [c.params for c in second.calls]


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"])
def test_every_method_is_answered_as_httpx_is(client: UrllibApi, method: str) -> None:
    assert_method_answered_as_httpx(client.request, method)


def test_an_error_answer_is_an_http_error_with_the_body(open_: Open, fake: FakeTofupay) -> None:
    request = urllib.request.Request(f"{BASE}/v1/customers/cus_nope", headers=AUTH)
    with pytest.raises(HTTPError) as raised:
        open_(request)
    error = raised.value
    with error:
        assert (error.code, error.reason) == (404, "Not Found")
        assert error.headers["Content-Type"] == "application/json"
        assert error.headers["Request-Id"] == fake.calls.last.request_id
        assert json.loads(error.read()) == {"error": {
            "type": "invalid_request_error", "message": "No such customer: cus_nope", "param": "id",
        }}  # fmt: skip
    assert error.url == f"{BASE}/v1/customers/cus_nope"


def test_a_success_is_the_response_a_server_gives(open_: Open, fake: FakeTofupay) -> None:
    request = urllib.request.Request(f"{BASE}/v1/customers", data=b"email=a%40b.co", headers=AUTH)
    with open_(request) as response:
        assert isinstance(response, http.client.HTTPResponse)
        assert (response.status, response.reason, response.url) == (
            200,
            "OK",
            f"{BASE}/v1/customers",
        )
        assert response.headers["Request-Id"] == fake.calls.last.request_id
        assert response.getheader("content-length") == str(len(fake_bytes := response.read()))
    assert json.loads(fake_bytes) == fake.calls.last.response
    call = fake.calls.last
    assert call.params == {"email": "a@b.co"}
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.headers["host"] == "api.tofupay.com"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda: b"email=gen%40example.com", id="bytes"),
        pytest.param(lambda: io.BytesIO(b"email=gen%40example.com"), id="file-object"),
        pytest.param(lambda: iter([b"email=gen", b"%40example.com"]), id="iterable-chunked"),
    ],
)
def test_every_body_type(open_: Open, fake: FakeTofupay, body: Callable[[], Any]) -> None:
    request = urllib.request.Request(f"{BASE}/v1/customers", data=body(), headers=AUTH)
    with open_(request) as response:
        assert json.loads(response.read())["email"] == "gen@example.com"
    assert fake.calls.last.params == {"email": "gen@example.com"}


def test_a_handler_of_the_application_still_runs(fake: FakeTofupay) -> None:
    handler = RecordingHandler()
    opener = urllib.request.build_opener(handler)
    with opener.open(urllib.request.Request(f"{BASE}/v1/customers", headers=AUTH)) as response:
        assert json.loads(response.read())["object"] == "list"
    assert handler.opened == [f"{BASE}/v1/customers"]
    assert len(fake.calls) == 1


# -- faults: urllib's own exceptions ---------------------------------------------------------


def test_injected_timeout_is_a_timeout_error(open_: Open, fake: FakeTofupay) -> None:
    fake.fail_next("timeout")
    with pytest.raises(TimeoutError, match="timeout injected by tofupay_fake"):
        open_(urllib.request.Request(f"{BASE}/v1/customers", headers=AUTH))
    assert fake.calls.last.status_code == 0


def test_injected_connection_error_is_a_url_error(open_: Open, fake: FakeTofupay) -> None:
    fake.fail_next("connection_error")
    with pytest.raises(URLError) as raised:
        open_(urllib.request.Request(f"{BASE}/v1/customers", headers=AUTH))
    assert isinstance(raised.value.reason, ConnectionRefusedError)
    assert "connection_error injected by tofupay_fake" in str(raised.value.reason)
    assert not isinstance(raised.value, HTTPError)


def test_an_exception_class_is_raised_as_it_is(open_: Open, fake: FakeTofupay) -> None:
    fake.fail_next(ConnectionResetError)
    with pytest.raises(ConnectionResetError, match="injected by tofupay_fake"):
        open_(urllib.request.Request(f"{BASE}/v1/customers", headers=AUTH))


def test_latency_past_the_timeout_is_a_timeout_error(open_: Open, fake: FakeTofupay) -> None:
    fake.latency(30)
    request = urllib.request.Request(f"{BASE}/v1/customers", data=b"email=a%40b.co", headers=AUTH)
    with pytest.raises(TimeoutError, match=r"timeout of 0\.05 s"):
        open_(request, timeout=0.05)
    assert fake.calls.last.status_code == 200  # handled: only the answer came too late
    assert [c["email"] for c in fake.customers(KEY)] == ["a@b.co"]


def test_a_delayed_fault_past_the_timeout_is_used_up(client: UrllibApi, fake: FakeTofupay) -> None:
    fake.fail_next(503, delay=30)
    with pytest.raises(TimeoutError):
        client.get("/v1/customers", timeout=0.05)
    assert ok(client.get("/v1/customers", timeout=5))["object"] == "list"
    assert [call.status_code for call in fake.calls] == [503, 200]


# -- reach: nothing escapes --------------------------------------------------------------------


@pytest.mark.parametrize("base", ["http://api.tofupay.com", "https://api.tofupay.com:8443"])
def test_the_fakes_host_elsewhere_is_refused(
    open_: Open, fake: FakeTofupay, network: Network, base: str
) -> None:
    with pytest.raises(URLError) as raised:
        open_(urllib.request.Request(f"{base}/v1/customers", data=b"email=a%40b.co"))
    assert isinstance(raised.value.reason, ConnectionRefusedError)
    assert re.search(re.escape(NOT_OURS), str(raised.value.reason))
    assert len(fake.calls) == 0
    assert network.attempts == []


@pytest.mark.parametrize(
    "base", ["https://API.Tofupay.com.", "https://api.tofupay.com:443", "https://api.TOFUPAY.com"]
)
def test_every_spelling_of_the_origin_is_answered(
    client: UrllibApi, fake: FakeTofupay, base: str
) -> None:
    client.base_url = base
    assert CUSTOMER_ID.fullmatch(ok(client.post("/v1/customers"))["id"])
    assert [call.path for call in fake.calls] == ["/v1/customers"]


def test_other_hosts_pass_through_untouched(open_: Open, fake: FakeTofupay) -> None:
    with echo_server() as (url, seen):
        request = urllib.request.Request(
            f"{url}/v1/customers?x=1", data=b"metadata%5Bplan%5D=pro", headers={"X-Test": "yes"}
        )
        with open_(request) as response:
            assert (response.status, json.loads(response.read())) == (
                201, {"local": True, "path": "/v1/customers?x=1"},
            )  # fmt: skip
    assert seen == [("POST", "/v1/customers?x=1", "yes", b"metadata%5Bplan%5D=pro")]
    assert len(fake.calls) == 0


def test_after_stop_requests_go_to_the_network_again(
    client: UrllibApi, fake: FakeTofupay, network: Network
) -> None:
    assert ok(client.get("/v1/customers"))["object"] == "list"
    fake.stop()
    assert urllib.request.AbstractHTTPHandler.do_open is ORIGINAL_DO_OPEN
    with pytest.raises(URLError):
        client.get("/v1/customers")
    assert network.take() == [("getaddrinfo", "api.tofupay.com")]
    assert len(fake.calls) == 1


def test_start_and_stop_are_idempotent_and_symmetric() -> None:
    assert urllib.request.AbstractHTTPHandler.do_open is ORIGINAL_DO_OPEN
    fake = FakeTofupay()
    fake.start()
    fake.start()
    assert urllib.request.AbstractHTTPHandler.do_open is not ORIGINAL_DO_OPEN
    fake.stop()
    fake.stop()
    assert urllib.request.AbstractHTTPHandler.do_open is ORIGINAL_DO_OPEN
