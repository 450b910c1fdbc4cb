"""The fake serves ``requests`` (a Session and the module functions) exactly as it serves httpx."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import pytest
import requests
import responses

from tests.api.helpers import REQUEST_ID
from tests.conftest import BASE, KEY, LIVE_KEY
from tofupay_fake import FakeTofupay

IRE = "invalid_request_error"
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY') or Basic auth "
    "(curl -u YOUR_SECRET_KEY:). See https://tofupay.com/docs/api#authentication for details."
)
JSON_BODY = (
    "Invalid request: request bodies must be form-encoded (Content-Type: "
    "application/x-www-form-urlencoded), not JSON. With httpx or requests pass data={...} rather than json={...}."
)
OK_LIST = b'{"object": "list", "url": "/v1/customers", "has_more": false, "data": []}'
SUFFIX = "(Injected by tofupay_fake's fail_next.)"


class Client:
    """Sends through a ``requests.Session`` or the module-level ``requests.get/post/delete``."""

    def __init__(self, mode: str) -> None:
        self.session = requests.Session() if mode == "session" else None

    def request(
        self, method: str, path: str, *, key: str | None = KEY, url: str = BASE, **kwargs: Any
    ) -> requests.Response:
        if key is not None:
            kwargs["auth"] = (key, "")
        if self.session is not None:
            return self.session.request(method, url + path, **kwargs)
        return getattr(requests, method.lower())(url + path, **kwargs)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


@pytest.fixture(params=["session", "module"])
def client(request: pytest.FixtureRequest) -> Iterator[Client]:
    made = Client(request.param)
    yield made
    made.close()


def ok(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert REQUEST_ID.fullmatch(response.headers["Request-Id"])
    return response.json()


def error(response: requests.Response, status: int, **expected: str) -> None:
    assert response.headers["Content-Type"] == "application/json"
    assert REQUEST_ID.fullmatch(response.headers["Request-Id"])
    assert (response.status_code, response.json()) == (status, {"error": expected})


# -- the API through requests -----------------------------------------------------------


def test_round_trip(client: Client, fake: FakeTofupay) -> None:
    data = {"email": "a@example.com", "description": "café ☕", "metadata[plan]": "pro"}
    created = ok(client.request("POST", "/v1/customers", data=data))
    cid = created["id"]
    assert (created["email"], created["description"], created["metadata"]) == (
        "a@example.com", "café ☕", {"plan": "pro"},
    )  # fmt: skip
    assert ok(client.request("GET", f"/v1/customers/{cid}")) == created
    updated = ok(client.request("POST", f"/v1/customers/{cid}", data={"metadata[tier]": "2"}))
    assert updated == {**created, "metadata": {"plan": "pro", "tier": "2"}}
    other = ok(client.request("POST", "/v1/customers", data={"email": "b@example.com"}))
    page = ok(client.request("GET", "/v1/customers", params={"limit": 1}))
    assert (page["has_more"], [c["id"] for c in page["data"]]) == (True, [other["id"]])
    found = ok(client.request("GET", "/v1/customers", params={"email": "a@example.com"}))
    assert found["data"] == [updated]
    assert ok(client.request("DELETE", f"/v1/customers/{cid}")) == {"deleted": True, "id": cid}
    gone = ok(client.request("GET", f"/v1/customers/{cid}"))
    assert gone == {"id": cid, "object": "customer", "deleted": True}
    assert [c["id"] for c in fake.customers(KEY)] == [other["id"]]


def scenario(send: Any) -> list[tuple[int, str, bytes]]:
    """The same requests through ``send(method, path, data, params)``: (status, request id, body)."""
    steps: list[tuple[str, str, dict[str, str] | None, dict[str, str] | None]] = [
        ("POST", "/v1/customers", {"email": "a@example.com", "source": "tok_visa",
                                   "metadata[plan]": "pro"}, None),
        ("GET", "/v1/customers", None, {"limit": "5", "expand[]": "data.default_source"}),
        ("POST", "/v1/customers", {"source": "tok_chargeDeclined"}, None),
        ("POST", "/v1/customers", {"colour": "red"}, None),
        ("GET", "/v1/customers/cus_nope", None, None),
    ]  # fmt: skip
    answers = []
    for method, path, data, params in steps:
        response = send(method, path, data, params)
        answers.append((response.status_code, response.headers["Request-Id"], response.content))
    return answers


@pytest.mark.parametrize("mode", ["session", "module"])
def test_answers_are_identical_to_httpx(mode: str) -> None:
    with FakeTofupay(seed=3) as first:
        client = Client(mode)
        via_requests = scenario(lambda m, p, d, q: client.request(m, p, data=d, params=q))
        client.close()
    with FakeTofupay(seed=3) as second, httpx.Client(base_url=BASE, auth=(KEY, "")) as http:
        via_httpx = scenario(lambda m, p, d, q: http.request(m, p, data=d, params=q))
    assert [status for status, _, _ in via_requests] == [200, 200, 402, 400, 404]
    assert via_requests == via_httpx
    assert list(first.events) == list(second.events)
    assert [c.params for c in first.calls] == [c.params for c in second.calls]


def test_errors(client: Client, fake: FakeTofupay) -> None:
    error(client.request("GET", "/v1/customers", key=None), 401,
          type="authentication_error", message=NO_KEY)  # fmt: skip
    error(client.request("GET", "/v1/customers/cus_nope"), 404,
          type=IRE, message="No such customer: cus_nope", param="id")  # fmt: skip
    error(client.request("GET", "/v1/nope"), 404,
          type=IRE, message="Unrecognized request URL (GET: /v1/nope).")  # fmt: skip
    error(client.request("POST", "/v1/customers", data={"colour": "red"}), 400,
          type=IRE, message="Received unknown parameter: colour", param="colour")  # fmt: skip
    error(client.request("POST", "/v1/customers", data={"source": "tok_chargeDeclined"}), 402,
          type="card_error", message="Your card was declined.", code="card_declined",
          decline_code="generic_decline")  # fmt: skip
    error(client.request("POST", "/v1/customers", json={"email": "a@example.com"}), 400,
          type=IRE, message=JSON_BODY)  # fmt: skip


def test_request_ids_are_recorded(client: Client, fake: FakeTofupay) -> None:
    first = client.request("POST", "/v1/customers")
    second = client.request("GET", "/v1/customers/cus_nope")
    ids = [first.headers["Request-Id"], second.headers["Request-Id"]]
    assert all(REQUEST_ID.fullmatch(ident) for ident in ids) and ids[0] != ids[1]
    assert [call.request_id for call in fake.calls] == ids


def test_calls_record_decoded_params_and_the_key(client: Client, fake: FakeTofupay) -> None:
    data = {"metadata[plan]": "pro", "metadata[seats]": "3", "email": "a@example.com"}
    created = ok(client.request("POST", "/v1/customers", key=LIVE_KEY, data=data))
    assert created["livemode"] is True
    query = {"created[gte]": "0", "expand[]": "data.default_source", "limit": "2"}
    ok(client.request("GET", "/v1/customers", params=query))
    bearer = {"Authorization": f"Bearer {KEY}"}
    client.request("GET", f"/v1/customers/{created['id']}", key=None, headers=bearer)
    post, listing, retrieve = fake.calls
    assert (post.method, post.path, post.api_key, post.status_code) == (
        "POST", "/v1/customers", LIVE_KEY, 200,
    )  # fmt: skip
    assert post.params == {"metadata": {"plan": "pro", "seats": "3"}, "email": "a@example.com"}
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    assert post.response == created
    assert (listing.method, listing.path, listing.api_key) == ("GET", "/v1/customers", KEY)
    assert listing.params == {"created": {"gte": "0"}, "expand": ["data.default_source"],
                              "limit": "2"}  # fmt: skip
    assert (retrieve.api_key, retrieve.status_code) == (KEY, 404)  # another key's customer
    fake.assert_called("POST", "/v1/customers", params={"metadata": {"plan": "pro"}}, times=1)


def test_idempotency_key_replays(client: Client, fake: FakeTofupay) -> None:
    headers = {"Idempotency-Key": "signup-7"}
    data = {"email": "a@example.com"}
    first = client.request("POST", "/v1/customers", data=data, headers=headers)
    again = client.request("POST", "/v1/customers", data=data, headers=headers)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.content) == (200, first.content)
    assert [c["id"] for c in fake.customers(KEY)] == [first.json()["id"]]
    assert [call.idempotency_key for call in fake.calls] == ["signup-7", "signup-7"]
    other = client.request("POST", "/v1/customers", data={"email": "b@example.com"},
                           headers=headers)  # fmt: skip
    assert other.status_code == 400
    assert other.json()["error"]["message"].startswith("Keys for idempotent requests can only")


def test_fail_next_with_a_status(client: Client, fake: FakeTofupay) -> None:
    fake.fail_next(503, method="POST", path="/v1/customers")
    fake.fail_next("rate_limit", method="GET")
    failed = client.request("POST", "/v1/customers", data={"email": "a@example.com"})
    error(failed, 503, type="api_error", message=f"Injected error with status 503. {SUFFIX}")
    limited = client.request("GET", "/v1/customers")
    assert (limited.status_code, limited.json()["error"]["code"]) == (429, "rate_limit")
    assert fake.customers(KEY) == [] and list(fake.events) == []
    assert ok(client.request("POST", "/v1/customers"))["object"] == "customer"
    assert [call.status_code for call in fake.calls] == [503, 429, 200]


def test_fail_next_with_a_requests_exception(client: Client, fake: FakeTofupay) -> None:
    fake.fail_next(requests.exceptions.ConnectTimeout, path="/v1/customers")
    with pytest.raises(requests.exceptions.ConnectTimeout, match="injected by tofupay_fake"):
        client.request("POST", "/v1/customers", data={"email": "a@example.com"})
    call = fake.calls.last
    assert (call.status_code, call.params, call.api_key) == (0, {"email": "a@example.com"}, KEY)
    assert fake.customers(KEY) == []
    assert ok(client.request("POST", "/v1/customers"))["email"] is None


# -- other hosts, and after stop() ---------------------------------------------------------


Seen = list[tuple[str, str, str | None, bytes]]  # method, path, X-Test header, body


class _Echo(BaseHTTPRequestHandler):
    seen: ClassVar[Seen] = []

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, self.headers.get("X-Test"), body))
        out = json.dumps({"local": True, "path": self.path}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local() -> Iterator[tuple[str, Seen]]:
    """A plain HTTP server on 127.0.0.1 (any free port): its URL and the requests it saw."""
    seen: Seen = []
    handler = type("Echo", (_Echo,), {"seen": seen})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_other_hosts_pass_through_untouched(
    client: Client, fake: FakeTofupay, local: tuple[str, Seen]
) -> None:
    url, seen = local
    sent = client.request("POST", "/v1/customers?x=1", url=url, key=None,
                          data={"metadata[plan]": "pro"}, headers={"X-Test": "yes"})  # fmt: skip
    assert (sent.status_code, sent.json()) == (201, {"local": True, "path": "/v1/customers?x=1"})
    got = client.request("GET", "/anything", url=url, key=None)
    assert got.status_code == 201
    assert seen == [
        ("POST", "/v1/customers?x=1", "yes", b"metadata%5Bplan%5D=pro"),
        ("GET", "/anything", None, b""),
    ]
    assert len(fake.calls) == 0


def test_after_stop_the_fake_no_longer_answers(
    client: Client, fake: FakeTofupay, local: tuple[str, Seen]
) -> None:
    url, seen = local
    assert ok(client.request("GET", "/v1/customers"))["object"] == "list"
    fake.stop()
    assert not fake.started
    assert client.request("GET", "/after", url=url, key=None).status_code == 201
    assert [path for _, path, _, _ in seen] == ["/after"]
    with responses.RequestsMock() as elsewhere:
        elsewhere.add(responses.GET, f"{BASE}/v1/customers", status=418, body=b"not the fake")
        stopped = client.request("GET", "/v1/customers")
    assert (stopped.status_code, stopped.content) == (418, b"not the fake")
    assert len(fake.calls) == 1


@pytest.fixture
def outer() -> Iterator[responses.RequestsMock]:
    """A user's own ``responses`` mock, started before the fake, answering everything with 418."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in ("GET", "POST"):
            mock.add(method, re.compile(r".*"), status=418, body=b"outer")
        yield mock


@pytest.mark.parametrize(
    "base",
    ["https://api.tofupay.com", "https://API.TofuPay.com", "https://api.tofupay.com:443"],
)
def test_every_spelling_of_the_origin_is_answered(
    client: Client, outer: responses.RequestsMock, base: str
) -> None:
    with FakeTofupay() as fake:
        answered = client.request("GET", "/v1/customers", url=base)
        with httpx.Client(auth=(KEY, "")) as http:
            assert http.get(f"{base}/v1/customers").status_code == 200  # httpx: the fake
        assert (answered.status_code, answered.content) == (200, OK_LIST), answered.content
        assert [call.path for call in fake.calls] == ["/v1/customers", "/v1/customers"]


@pytest.mark.parametrize(
    "base",
    ["http://api.tofupay.com", "https://api.tofupay.com:8443", "https://api.tofupay.com.example",
     "https://tofupay.com"],
)  # fmt: skip
def test_other_origins_go_to_the_adapter_in_place(
    client: Client, outer: responses.RequestsMock, base: str
) -> None:
    with FakeTofupay() as fake:
        passed = client.request("POST", "/v1/customers", url=base)
        assert (passed.status_code, passed.content) == (418, b"outer")
        assert len(fake.calls) == 0
    assert len(outer.calls) == 1
