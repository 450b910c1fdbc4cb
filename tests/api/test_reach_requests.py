"""requests reaches the fake with the plain install: Session, module functions, an application's adapter.

Every test runs under ``network`` (tests.clients): a DNS lookup or a
connection off loopback fails the test, so "answered by the fake" and
"refused" both prove nothing left the process.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import responses
import urllib3
from requests.adapters import HTTPAdapter

from tests.api.helpers import CUSTOMER_ID, assert_method_answered_as_httpx, ok, wire
from tests.clients import Network, echo_server, guarded_network
from tests.clients.requests_client import MODES, RequestsApi
from tests.conftest import BASE, KEY, SSL_CONTEXT
from tests.plugin._helpers import write_ini
from tofupay_fake import FakeTofupay

ORIGINAL_SEND = HTTPAdapter.send
ORIGINAL_MOCK = {name: responses.RequestsMock.__dict__[name] for name in ("_on_request", "stop")}
NOT_OURS = "is not the fake's origin (https://api.tofupay.com)"
JSON_BODY = "request bodies must be form-encoded"


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    """No DNS lookup and no connection off loopback (the test fails if one was tried)."""
    yield from guarded_network(monkeypatch)


@pytest.fixture(params=MODES)
def client(request: pytest.FixtureRequest) -> Iterator[RequestsApi]:
    """requests through a Session, the module functions, or a Session with our own adapter."""
    made = RequestsApi(request.param)
    yield made
    made.close()


# -- the API through requests -----------------------------------------------------------


def test_round_trip(client: RequestsApi, fake: FakeTofupay) -> None:
    data = {"email": "a@example.com", "description": "café ☕", "metadata[plan]": "pro"}
    created = ok(client.post("/v1/customers", data=data))
    cid = created["id"]
    assert (created["email"], created["description"], created["metadata"]) == (
        "a@example.com", "café ☕", {"plan": "pro"},
    )  # fmt: skip
    assert ok(client.get(f"/v1/customers/{cid}")) == created
    updated = ok(client.post(f"/v1/customers/{cid}", data={"metadata[tier]": "2"}))
    assert updated == {**created, "metadata": {"plan": "pro", "tier": "2"}}
    page = ok(client.get("/v1/customers", params={"limit": 1}))
    assert [c["id"] for c in page["data"]] == [cid]
    assert ok(client.delete(f"/v1/customers/{cid}")) == {"deleted": True, "id": cid}
    assert fake.customers(KEY) == []
    assert [(c.method, c.status_code) for c in fake.calls] == [
        ("POST", 200), ("GET", 200), ("POST", 200), ("GET", 200), ("DELETE", 200),
    ]  # fmt: skip
    if client.adapter is not None:  # the application's adapter ran for every request
        assert client.adapter.sent == [
            f"{BASE}/v1/customers", f"{BASE}/v1/customers/{cid}", f"{BASE}/v1/customers/{cid}",
            f"{BASE}/v1/customers?limit=1", f"{BASE}/v1/customers/{cid}",
        ]  # fmt: skip


def scenario(send: Callable[..., Any]) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    """The same requests through ``send(method, path, data=, params=)``: what each answered."""
    steps: list[tuple[str, str, Any, Any]] = [
        ("POST", "/v1/customers", {"email": "a@example.com", "source": "tok_visa",
                                   "metadata[plan]": "pro"}, None),
        ("GET", "/v1/customers", None, {"limit": "5", "expand[]": "data.default_source"}),
        ("POST", "/v1/customers", {"source": "tok_chargeDeclined"}, None),
        ("POST", "/v1/customers", {"colour": "red"}, None),
        ("GET", "/v1/customers/cus_nope", None, None),
        ("GET", "/v1/customers", None, {"limit": "abc"}),
    ]  # fmt: skip
    return [wire(send(method, path, data=data, params=params))
            for method, path, data, params in steps]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
def test_same_bytes_as_httpx(mode: str) -> None:
    with FakeTofupay(seed=3) as first:
        client = RequestsApi(mode)
        via_requests = scenario(client.request)
        client.close()
    with (
        FakeTofupay(seed=3) as second,
        httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as http,
    ):
        via_httpx = scenario(http.request)
    assert [status for status, _, _ in via_requests] == [200, 200, 402, 400, 404, 400]
    assert via_requests == via_httpx
    assert list(first.events) == list(second.events)
    assert [c.params for c in first.calls] == [c.params for c in second.calls]


METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_is_answered_as_httpx_is(client: RequestsApi, method: str) -> None:
    assert_method_answered_as_httpx(client.request, method)


def generated() -> Iterator[bytes | str]:
    yield b"email=gen%40example.com"
    yield "&description=caf%C3%A9"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"email=gen%40example.com&description=caf%C3%A9", True, id="bytes"),
        pytest.param("email=gen%40example.com&description=café", True, id="str"),
        pytest.param({"email": "gen@example.com", "description": "café"}, False, id="form-dict"),
        pytest.param([("email", "gen@example.com"), ("description", "café")], False, id="pairs"),
        pytest.param(generated, True, id="generator-chunked"),
        pytest.param(lambda: io.BytesIO(b"email=gen%40example.com&description=caf%C3%A9"), True,
                     id="file-object"),
    ],
)  # fmt: skip
def test_every_body_type(
    client: RequestsApi, fake: FakeTofupay, body: Any, content_type: bool
) -> None:
    sent = body() if callable(body) else body
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if content_type else {}
    made = ok(client.post("/v1/customers", data=sent, headers=headers))
    assert (made["email"], made["description"]) == ("gen@example.com", "café")
    call = fake.calls.last
    assert call.params == {"email": "gen@example.com", "description": "café"}
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    if callable(body) and not isinstance(sent, io.BytesIO):
        assert call.headers["transfer-encoding"] == "chunked"
    else:
        assert int(call.headers["content-length"]) > 0


def test_a_real_file_as_body(client: RequestsApi, fake: FakeTofupay, tmp_path: Path) -> None:
    path = tmp_path / "form"
    path.write_bytes(b"email=file%40example.com")
    with path.open("rb") as body:
        made = ok(client.post("/v1/customers", data=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}))  # fmt: skip
    assert made["email"] == "file@example.com"
    assert fake.calls.last.headers["content-length"] == "24"


def test_json_body_gets_the_form_error(client: RequestsApi, fake: FakeTofupay) -> None:
    refused = client.post("/v1/customers", json={"email": "a@example.com"})
    assert refused.status_code == 400
    assert JSON_BODY in refused.json()["error"]["message"]
    assert fake.calls.last.headers["content-type"] == "application/json"


def test_the_response_is_a_real_requests_response(client: RequestsApi, fake: FakeTofupay) -> None:
    hooked: list[int] = []
    hooks = {"response": [lambda r, *args, **kwargs: hooked.append(r.status_code)]}
    streamed = client.get("/v1/customers/cus_nope", stream=True, hooks=hooks)
    assert hooked == [404]
    assert streamed.headers["CONTENT-TYPE"] == "application/json"  # CaseInsensitiveDict
    assert (streamed.reason, streamed.encoding, streamed.url) == (
        "Not Found", "utf-8", f"{BASE}/v1/customers/cus_nope",
    )  # fmt: skip
    assert streamed.request.method == "GET"
    body = b"".join(streamed.iter_content(chunk_size=7))
    assert json.loads(body) == fake.calls.last.response
    assert int(streamed.headers["Content-Length"]) == len(body)
    again = client.get("/v1/customers/cus_nope")
    assert again.json()["error"]["message"] == "No such customer: cus_nope"
    assert (again.content, again.text) == (body, body.decode())
    with pytest.raises(requests.HTTPError, match="404 Client Error: Not Found"):
        streamed.raise_for_status()
    raw = client.get("/v1/customers", stream=True)
    assert isinstance(raw.raw, urllib3.HTTPResponse)
    assert (
        raw.raw.read()
        == b'{"object": "list", "url": "/v1/customers", "has_more": false, "data": []}'
    )
    assert len(raw.cookies) == 0
    lines = client.get("/v1/customers", stream=True).iter_lines()
    assert [line[:11] for line in lines] == [b'{"object": ']


def test_idempotency_key_replays(client: RequestsApi, fake: FakeTofupay) -> None:
    headers = {"Idempotency-Key": "signup-7"}
    first = client.post("/v1/customers", data={"email": "a@example.com"}, headers=headers)
    again = client.post("/v1/customers", data={"email": "a@example.com"}, headers=headers)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.content) == (200, first.content)
    assert [c["id"] for c in fake.customers(KEY)] == [first.json()["id"]]


def test_fail_next_with_a_status(client: RequestsApi, fake: FakeTofupay) -> None:
    fake.fail_next(503, method="POST")
    fake.fail_next("rate_limit", method="GET")
    failed = client.post("/v1/customers", data={"email": "a@example.com"})
    assert (failed.status_code, failed.headers["Tofupay-Should-Retry"]) == (503, "true")
    limited = client.get("/v1/customers")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1")
    assert fake.customers(KEY) == []
    assert [call.status_code for call in fake.calls] == [503, 429]


# -- faults: the client's own exceptions ----------------------------------------------------


def test_a_requests_exception_class_is_raised_with_the_request(
    client: RequestsApi, fake: FakeTofupay
) -> None:
    fake.fail_next(requests.exceptions.ConnectTimeout, path="/v1/customers")
    with pytest.raises(requests.exceptions.ConnectTimeout, match="injected by tofupay_fake") as e:
        client.post("/v1/customers", data={"email": "a@example.com"})
    assert e.value.request is not None and e.value.request.url == f"{BASE}/v1/customers"
    call = fake.calls.last
    assert (call.status_code, call.params, call.api_key) == (0, {"email": "a@example.com"}, KEY)
    fake.fail_next(LookupError)
    with pytest.raises(LookupError, match="LookupError injected by tofupay_fake"):
        client.get("/v1/customers")
    assert fake.customers(KEY) == []
    assert ok(client.post("/v1/customers"))["object"] == "customer"


def test_injected_timeout_is_a_read_timeout(client: RequestsApi, fake: FakeTofupay) -> None:
    fake.fail_next("timeout")
    with pytest.raises(requests.exceptions.ReadTimeout) as raised:
        client.post("/v1/customers", data={"email": "a@example.com"})
    assert raised.value.request is not None
    assert fake.customers(KEY) == [] and fake.calls.last.status_code == 0


def test_injected_connection_error(client: RequestsApi, fake: FakeTofupay) -> None:
    fake.fail_next("connection_error", when="after")
    with pytest.raises(requests.exceptions.ConnectionError) as raised:
        client.post("/v1/customers", data={"email": "a@example.com"})
    assert not isinstance(raised.value, requests.exceptions.Timeout)
    assert raised.value.request is not None
    assert len(fake.customers(KEY)) == 1  # the change was made, the answer lost


@pytest.mark.parametrize(
    "timeout",
    [0.05, (5, 0.05), urllib3.Timeout(connect=5, read=0.05), urllib3.Timeout(total=0.05)],
    ids=["float", "tuple", "urllib3", "urllib3-total"],
)
def test_latency_past_the_timeout_is_a_read_timeout(
    client: RequestsApi, fake: FakeTofupay, timeout: Any
) -> None:
    fake.latency(30, method="POST")
    with pytest.raises(requests.exceptions.ReadTimeout, match=r"timeout of 0\.05 s"):
        client.post("/v1/customers", data={"email": "a@example.com"}, timeout=timeout)
    assert fake.calls.last.status_code == 200  # handled: only the answer came too late
    assert [c["email"] for c in fake.customers(KEY)] == ["a@example.com"]


def test_a_delayed_fault_past_the_timeout_is_used_up(
    client: RequestsApi, fake: FakeTofupay
) -> None:
    fake.fail_next("api_error", delay=30)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.get("/v1/customers", timeout=0.05)
    assert ok(client.get("/v1/customers", timeout=5))["object"] == "list"
    assert [call.status_code for call in fake.calls] == [500, 200]


def test_a_bad_timeout_is_requests_own_error(client: RequestsApi, fake: FakeTofupay) -> None:
    with pytest.raises(ValueError, match=r"Invalid timeout \(1, 2, 3\)"):
        client.get("/v1/customers", timeout=(1, 2, 3))
    assert len(fake.calls) == 0


# -- reach: nothing escapes -------------------------------------------------------------------


@pytest.mark.parametrize("base", ["http://api.tofupay.com", "https://api.tofupay.com:8443"])
def test_the_fakes_host_elsewhere_is_refused(
    client: RequestsApi, fake: FakeTofupay, network: Network, base: str
) -> None:
    client.base_url = base
    with pytest.raises(requests.exceptions.ConnectionError, match=re.escape(NOT_OURS)) as raised:
        client.post("/v1/customers", data={"email": "a@example.com"})
    assert raised.value.request is not None
    assert len(fake.calls) == 0
    assert network.attempts == []


@pytest.mark.parametrize(
    "base", ["https://API.Tofupay.com.", "https://api.tofupay.com:443", "https://api.TOFUPAY.com"]
)
def test_every_spelling_of_the_origin_is_answered(
    client: RequestsApi, fake: FakeTofupay, base: str
) -> None:
    client.base_url = base
    assert CUSTOMER_ID.fullmatch(ok(client.post("/v1/customers"))["id"])
    assert [call.path for call in fake.calls] == ["/v1/customers"]


def test_other_hosts_pass_through_untouched(client: RequestsApi, fake: FakeTofupay) -> None:
    with echo_server() as (url, seen):
        client.base_url = url
        sent = client.post("/v1/customers?x=1", key=None, data={"metadata[plan]": "pro"},
                           headers={"X-Test": "yes"})  # fmt: skip
        assert (sent.status_code, sent.json()) == (
            201,
            {"local": True, "path": "/v1/customers?x=1"},
        )
        assert client.get("/anything", key=None).status_code == 201
    assert seen == [
        ("POST", "/v1/customers?x=1", "yes", b"metadata%5Bplan%5D=pro"),
        ("GET", "/anything", None, b""),
    ]
    assert len(fake.calls) == 0
    if client.adapter is not None:
        assert len(client.adapter.sent) == 2


def test_after_stop_requests_go_to_the_network_again(
    client: RequestsApi, fake: FakeTofupay, network: Network
) -> None:
    assert ok(client.get("/v1/customers"))["object"] == "list"
    fake.stop()
    assert HTTPAdapter.send is ORIGINAL_SEND
    with pytest.raises(requests.exceptions.ConnectionError):
        client.get("/v1/customers")
    assert network.take() == [("getaddrinfo", "api.tofupay.com")]  # it tried; the guard refused
    assert len(fake.calls) == 1


def test_start_and_stop_are_idempotent_and_symmetric() -> None:
    assert HTTPAdapter.send is ORIGINAL_SEND
    fake = FakeTofupay()
    other = FakeTofupay(base_url="http://localhost:8080")
    fake.start()
    fake.start()
    other.start()
    patched = HTTPAdapter.send
    assert patched is not ORIGINAL_SEND
    assert requests.get("http://localhost:8080/v1/customers", auth=(KEY, "")).status_code == 200
    fake.stop()
    assert HTTPAdapter.send is patched  # the other fake still needs it
    assert [len(fake.calls), len(other.calls)] == [0, 1]
    other.stop()
    other.stop()
    assert HTTPAdapter.send is ORIGINAL_SEND


# -- the application's own responses mock ------------------------------------------------------


def mocked(mock: responses.RequestsMock) -> None:
    mock.add(responses.GET, "https://example.test/ping", json={"pong": True})
    mock.add(responses.GET, "http://api.tofupay.com/v1/customers", status=418)


def assert_both_answer(fake: FakeTofupay, mock: responses.RequestsMock) -> None:
    """The mock answers its host, the fake its origin, and the fake's host elsewhere is refused."""
    assert requests.get("https://example.test/ping").json() == {"pong": True}
    created = requests.post(f"{BASE}/v1/customers", auth=(KEY, ""), data={"email": "a@b.co"})
    assert CUSTOMER_ID.fullmatch(ok(created)["id"])
    with pytest.raises(requests.exceptions.ConnectionError, match=re.escape(NOT_OURS)):
        requests.get("http://api.tofupay.com/v1/customers")
    assert [call.request.url for call in mock.calls] == ["https://example.test/ping"]
    assert [call.path for call in fake.calls] == ["/v1/customers"]


def assert_all_put_back() -> None:
    assert HTTPAdapter.send is ORIGINAL_SEND
    assert {name: responses.RequestsMock.__dict__[name] for name in ORIGINAL_MOCK} == ORIGINAL_MOCK


def test_responses_started_before_the_fake() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mocked(mock)
        with FakeTofupay() as fake:
            assert_both_answer(fake, mock)
        assert requests.get("https://example.test/ping").status_code == 200
        assert requests.get("http://api.tofupay.com/v1/customers").status_code == 418
    assert_all_put_back()


def test_responses_started_after_the_fake() -> None:
    with FakeTofupay() as fake:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mocked(mock)
            assert_both_answer(fake, mock)
        assert ok(requests.get(f"{BASE}/v1/customers", auth=(KEY, "")))["object"] == "list"
    assert_all_put_back()


def test_responses_stopped_while_the_fake_runs(network: Network) -> None:
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.start()
    mocked(mock)
    fake = FakeTofupay().start()
    try:
        mock.stop()  # puts back the send it found, under the fake's
        assert ok(requests.get(f"{BASE}/v1/customers", auth=(KEY, "")))["object"] == "list"
        with pytest.raises(requests.exceptions.ConnectionError, match=re.escape(NOT_OURS)):
            requests.get("http://api.tofupay.com/v1/customers")
        assert len(mock.calls) == 0
    finally:
        fake.stop()
    assert_all_put_back()
    assert network.attempts == []


def test_fake_stopped_while_responses_runs() -> None:
    fake = FakeTofupay().start()
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.start()
    try:
        mocked(mock)
        mock.add(responses.GET, f"{BASE}/v1/customers", status=418, body=b"the mock")
        assert ok(requests.get(f"{BASE}/v1/customers", auth=(KEY, "")))["object"] == "list"
        fake.stop()
        answered = requests.get(f"{BASE}/v1/customers")  # the fake is gone: the mock answers
        assert (answered.status_code, answered.content) == (418, b"the mock")
    finally:
        mock.stop()
    assert_all_put_back()  # ours, left inside the mock's patch, went with it
    with echo_server() as (url, seen):
        assert requests.get(f"{url}/after").status_code == 201
    assert [path for _, path, _, _ in seen] == ["/after"]
    assert len(fake.calls) == 1


# -- the plain install: no responses ---------------------------------------------------------


def test_without_responses_requests_is_intercepted(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fake looks responses up at each start and stop (never at import): with
    # "import responses" raising ImportError, it patches HTTPAdapter.send alone.
    monkeypatch.setitem(sys.modules, "responses", None)
    with pytest.raises(ImportError):
        import responses as _  # noqa: F401
    with FakeTofupay() as fake:
        assert HTTPAdapter.send is not ORIGINAL_SEND
        made = requests.post(f"{BASE}/v1/customers", auth=(KEY, ""), data={"email": "a@b.co"})
        assert made.status_code == 200, made.text
        assert fake.customers(KEY)[0]["email"] == "a@b.co"
        with pytest.raises(requests.ConnectionError, match="not the fake's origin"):
            requests.get("https://api.tofupay.com:8443/v1/customers")
    assert HTTPAdapter.send is ORIGINAL_SEND
    assert responses.RequestsMock.__dict__["_on_request"] is ORIGINAL_MOCK["_on_request"]


# -- the plugin's guard ------------------------------------------------------------------------

GUARDED = f"""
import urllib.error
import urllib.request

import pytest
import requests

URL = "{BASE}/v1/customers"


def test_requests_without_the_fixture_is_stopped():
    with pytest.raises(requests.ConnectionError, match="Use the tofupay fixture"):
        requests.get(URL)


def test_urllib_without_the_fixture_is_stopped():
    with pytest.raises(urllib.error.URLError, match="Use the tofupay fixture"):
        urllib.request.urlopen(URL)


def test_with_the_fixture_both_are_answered(tofupay):
    assert requests.get(URL, auth=("{KEY}", "")).status_code == 200
    request = urllib.request.Request(URL, headers={{"Authorization": "Bearer {KEY}"}})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    assert [call.status_code for call in tofupay.calls] == [200, 200]
"""


def test_tofupay_block_stops_requests_and_urllib(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "tofupay_block = true")
    pytester.makepyfile(test_guarded=GUARDED)
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)
