"""The ``tofupay`` fixture beside respx's ``respx_mock`` and pytest-httpx's ``httpx_mock``.

In the same test, in either fixture order, sync and async: the other mock
answers its own host, the fake answers the Tofupay host, and neither sees the
other's requests. A host nothing mocks goes to the real transport (a local
server on 127.0.0.1 here) exactly as without the fake.
"""

from __future__ import annotations

import pytest
import pytest_httpx  # noqa: F401  (imported once here, not by every sub-session)

from ._helpers import KEY, URL, write_ini

COMMON = f"""
import httpx
import pytest

URL = {URL!r}
AUTH = ({KEY!r}, "")
OTHER = "https://other.example/x"


def created_by_fake(tofupay, response, email):
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "customer" and body["id"].startswith("cus_")
    assert body["email"] == email
    tofupay.assert_called("POST", "/v1/customers", params={{"email": email}}, times=1)
    assert tofupay.get_customer(body["id"])["email"] == email
"""

RESPX_TESTS = (
    COMMON
    + """
def sync_scenario(tofupay, respx_mock):
    other = respx_mock.get(OTHER).respond(json={"from": "respx"})
    with httpx.Client() as client:
        assert client.get(OTHER).json() == {"from": "respx"}
        created = client.post(URL, auth=AUTH, data={"email": "s@example.com"})
    created_by_fake(tofupay, created, "s@example.com")
    assert other.call_count == 1
    # respx saw only the other host; the fake saw only its own.
    assert [str(call.request.url) for call in respx_mock.calls] == [OTHER]
    assert [call.path for call in tofupay.calls] == ["/v1/customers"]


async def async_scenario(tofupay, respx_mock):
    other = respx_mock.get(OTHER).respond(json={"from": "respx"})
    async with httpx.AsyncClient() as client:
        assert (await client.get(OTHER)).json() == {"from": "respx"}
        created = await client.post(URL, auth=AUTH, data={"email": "a@example.com"})
    created_by_fake(tofupay, created, "a@example.com")
    assert other.call_count == 1
    assert [str(call.request.url) for call in respx_mock.calls] == [OTHER]
    assert [call.path for call in tofupay.calls] == ["/v1/customers"]


def test_sync_tofupay_first(tofupay, respx_mock):
    sync_scenario(tofupay, respx_mock)


def test_sync_respx_first(respx_mock, tofupay):
    sync_scenario(tofupay, respx_mock)


@pytest.mark.asyncio
async def test_async_tofupay_first(tofupay, respx_mock):
    await async_scenario(tofupay, respx_mock)


@pytest.mark.asyncio
async def test_async_respx_first(respx_mock, tofupay):
    await async_scenario(tofupay, respx_mock)


# The fake's router sits at httpx's client level, in front of respx_mock (which
# patches httpcore), and answers its own host first: a respx_mock route for the
# Tofupay host is never consulted, whatever the fixture order. Unused routes
# would fail respx_mock's teardown, hence assert_all_called=False.
def own_host_scenario(tofupay, respx_mock):
    shadowed = respx_mock.post(URL).respond(201, json={"from": "respx"})
    with httpx.Client() as client:
        created = client.post(URL, auth=AUTH, data={"email": "h@example.com"})
    created_by_fake(tofupay, created, "h@example.com")
    assert not shadowed.called
    assert respx_mock.calls.call_count == 0


@pytest.mark.respx(assert_all_called=False)
def test_own_host_route_tofupay_first(tofupay, respx_mock):
    own_host_scenario(tofupay, respx_mock)


@pytest.mark.respx(assert_all_called=False)
def test_own_host_route_respx_first(respx_mock, tofupay):
    own_host_scenario(tofupay, respx_mock)


@pytest.mark.asyncio
@pytest.mark.respx(assert_all_called=False)
async def test_own_host_route_async(respx_mock, tofupay):
    shadowed = respx_mock.post(URL).respond(201, json={"from": "respx"})
    async with httpx.AsyncClient() as client:
        created = await client.post(URL, auth=AUTH, data={"email": "h@example.com"})
    created_by_fake(tofupay, created, "h@example.com")
    assert not shadowed.called


# respx_mock on the same (httpx client level) mocker as the fake: the fake still
# answers its host first and hands every other host on to respx_mock.
@pytest.mark.respx(using="httpx", assert_all_called=False)
def test_respx_using_httpx_respx_first(respx_mock, tofupay):
    shadowed = respx_mock.post(URL).respond(201)
    sync_scenario(tofupay, respx_mock)
    assert not shadowed.called


@pytest.mark.respx(using="httpx", assert_all_called=False)
def test_respx_using_httpx_tofupay_first(tofupay, respx_mock):
    shadowed = respx_mock.post(URL).respond(201)
    sync_scenario(tofupay, respx_mock)
    assert not shadowed.called
"""
)

HTTPX_MOCK_TESTS = (
    COMMON
    + """
def sync_scenario(tofupay, httpx_mock):
    httpx_mock.add_response(url=OTHER, json={"from": "pytest-httpx"})
    with httpx.Client() as client:
        assert client.get(OTHER).json() == {"from": "pytest-httpx"}
        created = client.post(URL, auth=AUTH, data={"email": "s@example.com"})
    created_by_fake(tofupay, created, "s@example.com")
    assert [str(request.url) for request in httpx_mock.get_requests()] == [OTHER]
    assert [call.path for call in tofupay.calls] == ["/v1/customers"]


async def async_scenario(tofupay, httpx_mock):
    httpx_mock.add_response(url=OTHER, json={"from": "pytest-httpx"})
    async with httpx.AsyncClient() as client:
        assert (await client.get(OTHER)).json() == {"from": "pytest-httpx"}
        created = await client.post(URL, auth=AUTH, data={"email": "a@example.com"})
    created_by_fake(tofupay, created, "a@example.com")
    assert [str(request.url) for request in httpx_mock.get_requests()] == [OTHER]
    assert [call.path for call in tofupay.calls] == ["/v1/customers"]


def test_sync_tofupay_first(tofupay, httpx_mock):
    sync_scenario(tofupay, httpx_mock)


def test_sync_httpx_mock_first(httpx_mock, tofupay):
    sync_scenario(tofupay, httpx_mock)


@pytest.mark.asyncio
async def test_async_tofupay_first(tofupay, httpx_mock):
    await async_scenario(tofupay, httpx_mock)


@pytest.mark.asyncio
async def test_async_httpx_mock_first(httpx_mock, tofupay):
    await async_scenario(tofupay, httpx_mock)


def test_control_unused_response_fails_teardown(tofupay, httpx_mock):
    # Proves pytest-httpx's teardown checks run in this session.
    httpx_mock.add_response(url="https://other.example/never")
"""
)

PASSTHROUGH_TESTS = (
    COMMON
    + """
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECEIVED = []


class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        RECEIVED.append((self.command, self.path, body))
        payload = json.dumps({"from": "local", "path": self.path, "body": body}).encode()
        self.send_response(203)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def local():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # shutdown() waits for one poll (half a second by default)
        daemon=True,
    )
    thread.start()
    RECEIVED.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


EXPECTED = [
    (203, {"from": "local", "path": "/x?y=1", "body": ""}),
    (203, {"from": "local", "path": "/v1/customers", "body": "email=l%40example.com"}),
]


def call_local_sync(local):
    with httpx.Client(trust_env=False) as client:
        answers = [
            client.get(f"{local}/x", params={"y": "1"}),
            client.post(f"{local}/v1/customers", data={"email": "l@example.com"}),
        ]
    return [(r.status_code, r.json()) for r in answers]


async def call_local_async(local):
    async with httpx.AsyncClient(trust_env=False) as client:
        answers = [
            await client.get(f"{local}/x", params={"y": "1"}),
            await client.post(f"{local}/v1/customers", data={"email": "l@example.com"}),
        ]
    return [(r.status_code, r.json()) for r in answers]


def test_control_without_the_fake(local):
    assert call_local_sync(local) == EXPECTED
    assert len(RECEIVED) == 2


def test_sync_unmocked_host_reaches_the_real_transport(tofupay, local):
    assert tofupay.started
    assert call_local_sync(local) == EXPECTED
    assert RECEIVED == [
        ("GET", "/x?y=1", ""),
        ("POST", "/v1/customers", "email=l%40example.com"),
    ]
    assert len(tofupay.calls) == 0  # the fake neither answered nor recorded them
    with httpx.Client() as client:
        created = client.post(URL, auth=AUTH, data={"email": "f@example.com"})
    created_by_fake(tofupay, created, "f@example.com")
    assert len(RECEIVED) == 2


@pytest.mark.asyncio
async def test_async_unmocked_host_reaches_the_real_transport(tofupay, local):
    assert await call_local_async(local) == EXPECTED
    assert [entry[:2] for entry in RECEIVED] == [("GET", "/x?y=1"), ("POST", "/v1/customers")]
    assert len(tofupay.calls) == 0
    async with httpx.AsyncClient() as client:
        created = await client.post(URL, auth=AUTH, data={"email": "f@example.com"})
    created_by_fake(tofupay, created, "f@example.com")
    assert len(RECEIVED) == 2
"""
)


def test_beside_respx_mock_in_either_order(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_respx=RESPX_TESTS)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["*test_async_respx_first PASSED*"])


def test_beside_pytest_httpx_in_either_order(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_httpx_mock=HTTPX_MOCK_TESTS)
    result = pytester.runpytest("-v")
    # Four scenarios pass with a clean teardown; only the control's unused
    # response is reported by pytest-httpx.
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*not requested*", "*other.example/never*"])
    result.stdout.fnmatch_lines(["ERROR *::test_control_unused_response_fails_teardown*"])
    errors = [line for line in result.stdout.lines if line.startswith("ERROR ")]
    assert len(errors) == 1, errors


def test_unmocked_host_passes_through_to_a_local_server(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_passthrough=PASSTHROUGH_TESTS)
    pytester.runpytest().assert_outcomes(passed=3)
