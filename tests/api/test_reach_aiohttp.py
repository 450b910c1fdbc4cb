"""aiohttp's ClientSession reaches the fake in process: same bytes as httpx, its own errors.

Every test sends through a real ``aiohttp.ClientSession`` (see
``tests/clients/aiohttp_client.py``); nothing of aiohttp is mocked.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import aiohttp
import aiohttp.resolver
import pytest
import stripe
from aiohttp import web

from tests.api.helpers import REQUEST_ID
from tests.clients.aiohttp_client import AiohttpApi
from tests.conftest import BASE, KEY, Api
from tofupay_fake import FakeTofupay

HOST = "api.tofupay.com"


@pytest.fixture
def client() -> Iterator[AiohttpApi]:
    made = AiohttpApi()
    yield made
    made.close()


# -- no DNS lookup, no connection for the fake's host ------------------------------------


class NetworkGuard:
    """Records every host name looked up or connected to; fails for the fake's host."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def check(self, host: Any) -> None:
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.seen.append(name)
        if name.lower().rstrip(".") == HOST:
            raise AssertionError(f"{name} reached the network")


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Fails a test in which ``api.tofupay.com`` is looked up or connected to."""
    watch = NetworkGuard()

    def wrap(owner: Any, name: str) -> None:
        original = getattr(owner, name)
        if asyncio.iscoroutinefunction(original):

            async def checked_async(*args: Any, **kwargs: Any) -> Any:
                watch.check(_host_of(args, kwargs))
                return await original(*args, **kwargs)

            monkeypatch.setattr(owner, name, checked_async)
        else:

            def checked(*args: Any, **kwargs: Any) -> Any:
                watch.check(_host_of(args, kwargs))
                return original(*args, **kwargs)

            monkeypatch.setattr(owner, name, checked)

    wrap(socket, "getaddrinfo")
    wrap(asyncio.base_events.BaseEventLoop, "getaddrinfo")
    wrap(asyncio.base_events.BaseEventLoop, "create_connection")
    wrap(aiohttp.resolver.ThreadedResolver, "resolve")
    if hasattr(aiohttp.resolver, "AsyncResolver"):
        wrap(aiohttp.resolver.AsyncResolver, "resolve")
    yield watch
    assert not [name for name in watch.seen if name.lower().rstrip(".") == HOST]


def _host_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The host argument of getaddrinfo / create_connection / resolve (bound or not)."""
    if "host" in kwargs:
        return kwargs["host"]
    for value in args:
        if isinstance(value, (str, bytes)):
            return value
    return ""


@pytest.fixture
def local_server() -> Iterator[str]:
    """A real aiohttp web server on 127.0.0.1, in a thread with its own loop: its base URL."""

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"local": True, "path": request.path_qs})

    async def start() -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, runner.addresses[0][1]

    loop = asyncio.new_event_loop()
    runner, port = loop.run_until_complete(start())
    thread = threading.Thread(target=loop.run_forever, name="local-aiohttp-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


# -- the API round trip ---------------------------------------------------------------------


def _scenario(api: Any) -> list[tuple[int, str, str, bytes]]:
    created = api.post(
        "/v1/customers",
        data={"email": "jenny@example.com", "source": "tok_visa", "metadata[order]": "6735"},
    )
    customer = created.json()["id"]
    answers = [
        created,
        api.get(f"/v1/customers/{customer}"),
        api.post(
            f"/v1/customers/{customer}", data={"description": "Updated", "account_balance": 5}
        ),
        api.get("/v1/customers", params={"limit": 3, "include[]": "total_count"}),
        api.delete(f"/v1/customers/{customer}"),
        api.get(f"/v1/customers/{customer}"),
        api.get("/v1/customers", key=None),
    ]
    return [
        (a.status_code, a.headers["content-type"], a.headers["request-id"], a.content)
        for a in answers
    ]


def test_round_trip_gives_the_same_bytes_as_httpx() -> None:
    with FakeTofupay(seed=0):
        over_httpx = Api("sync")
        expected = _scenario(over_httpx)
        over_httpx.close()
    with FakeTofupay(seed=0) as fake:
        over_aiohttp = AiohttpApi()
        got = _scenario(over_aiohttp)
        over_aiohttp.close()
    assert got == expected
    assert [status for status, *_ in got] == [200, 200, 200, 200, 200, 200, 401]
    assert b'"deleted": true' in got[5][3]
    assert fake.calls.last.status_code == 401


def test_headers_read_back(fake: FakeTofupay, client: AiohttpApi) -> None:
    first = client.post(
        "/v1/customers", data={"email": "a@example.com"}, headers={"Idempotency-Key": "once"}
    )
    again = client.post(
        "/v1/customers", data={"email": "a@example.com"}, headers={"Idempotency-Key": "once"}
    )
    assert first.headers["Content-Type"] == "application/json"
    assert REQUEST_ID.fullmatch(first.headers["request-id"])
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert first.headers["Content-Length"] == str(len(first.content))
    assert fake.calls.last.headers["idempotency-key"] == "once"


def test_a_session_made_before_the_fake_started_is_answered() -> None:
    early = AiohttpApi()
    try:
        with FakeTofupay(seed=0) as fake:
            answer = early.post("/v1/customers", data={"email": "early@example.com"})
        assert answer.status_code == 200
        assert fake.calls.last.params == {"email": "early@example.com"}
    finally:
        early.close()


@pytest.mark.parametrize(
    "connector_options", [{"limit": 1}, {"ssl": False}, {"limit_per_host": 1, "force_close": True}]
)
def test_sessions_with_their_own_connector(
    fake: FakeTofupay, connector_options: dict[str, Any]
) -> None:
    own = AiohttpApi(connector=lambda: aiohttp.TCPConnector(**connector_options))
    try:

        async def together() -> list[int]:
            answers = await asyncio.gather(
                *(own.arequest("GET", "/v1/customers") for _ in range(4))
            )
            return [answer.status_code for answer in answers]

        assert own.run(together()) == [200] * 4
        assert own.post("/v1/customers", data={"email": "x@example.com"}).status_code == 200
        assert fake.calls.call_count == 5
    finally:
        own.close()


def test_chunked_and_expect_continue_bodies_are_read_whole(
    fake: FakeTofupay, client: AiohttpApi
) -> None:
    async def chunks() -> Any:
        yield b"email=chunked%40example.com"
        yield b"&description=in+two+chunks"

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    chunked = client.post("/v1/customers", data=chunks(), headers=form)
    expecting = client.post("/v1/customers", data="email=e%40example.com", expect100=True)
    assert chunked.json()["email"] == "chunked@example.com"
    assert chunked.json()["description"] == "in two chunks"
    assert expecting.json()["email"] == "e@example.com"
    assert fake.calls.filter(method="POST")[0].headers["transfer-encoding"] == "chunked"


# -- nothing escapes, other hosts go on -------------------------------------------------------


@pytest.mark.parametrize("base_url", ["http://api.tofupay.com", "https://api.tofupay.com:8443"])
def test_other_scheme_or_port_is_refused_without_dns(
    fake: FakeTofupay, guard: NetworkGuard, base_url: str
) -> None:
    other = AiohttpApi(base_url)
    try:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            other.get("/v1/customers")
    finally:
        other.close()
    assert fake.base_url in str(caught.value)
    assert isinstance(caught.value, aiohttp.ClientConnectionError)
    assert fake.calls.call_count == 0


def test_websocket_to_the_fake_host_is_refused_without_dns(
    fake: FakeTofupay, guard: NetworkGuard, client: AiohttpApi
) -> None:
    with pytest.raises(aiohttp.ClientConnectorError, match=re.escape(fake.base_url)):
        client.run(client.session.ws_connect("wss://api.tofupay.com/socket"))


def test_host_case_and_trailing_dot_are_the_fake(
    fake: FakeTofupay, guard: NetworkGuard, local_server: str
) -> None:
    shouted = AiohttpApi("https://API.Tofupay.com.")
    try:
        answer = shouted.get("/v1/customers")
        assert answer.status_code == 200
        assert answer.json()["object"] == "list"
        # The guard does watch aiohttp's lookups: a host that is not the fake is looked up.
        assert shouted.get("/v1/customers", key=None).status_code == 401
    finally:
        shouted.close()
    # The guard does watch aiohttp's lookups: a host that is not the fake is looked up.
    by_name = AiohttpApi(local_server.replace("127.0.0.1", "localhost"))
    try:
        assert by_name.get("/v1/customers").json()["local"] is True
    finally:
        by_name.close()
    assert "localhost" in guard.seen


def test_other_hosts_reach_their_server(
    fake: FakeTofupay, guard: NetworkGuard, client: AiohttpApi, local_server: str
) -> None:
    local = AiohttpApi(local_server)
    try:
        answer = local.get("/v1/customers", params={"limit": 1})
    finally:
        local.close()
    assert answer.status_code == 200
    assert answer.json() == {"local": True, "path": "/v1/customers?limit=1"}
    assert fake.calls.call_count == 0
    assert client.get("/v1/customers").status_code == 200  # the fake still answers its own


def test_the_connector_is_put_back_when_the_last_fake_stops() -> None:
    before = aiohttp.TCPConnector.__dict__["_create_connection"]
    with FakeTofupay():
        assert aiohttp.TCPConnector.__dict__["_create_connection"] is not before
    assert aiohttp.TCPConnector.__dict__["_create_connection"] is before


# -- faults ---------------------------------------------------------------------------------


def test_timeout_fault_is_aiohttps_read_timeout(fake: FakeTofupay, client: AiohttpApi) -> None:
    fake.fail_next("timeout")
    with pytest.raises(aiohttp.ServerTimeoutError, match="fail_next") as caught:
        client.get("/v1/customers")
    assert isinstance(caught.value, asyncio.TimeoutError)
    assert client.get("/v1/customers").status_code == 200  # used up


def test_connection_error_fault_is_aiohttps_connection_error(
    fake: FakeTofupay, client: AiohttpApi
) -> None:
    fake.fail_next("connection_error")
    with pytest.raises(aiohttp.ClientConnectorError, match="connection_error") as caught:
        client.post("/v1/customers", data={"email": "x@example.com"})
    assert isinstance(caught.value, aiohttp.ClientConnectionError)
    assert fake.calls.call_count == 1
    assert client.get("/v1/customers").json()["data"] == []  # used up, nothing made


def test_connection_error_fault_on_a_get(fake: FakeTofupay, client: AiohttpApi) -> None:
    # aiohttp 3.10 and 3.11 retry an idempotent request once after a connection
    # error, as they would on the wire: two faults reach the caller on every version.
    fake.fail_next("connection_error", method="GET", times=2)
    with pytest.raises(aiohttp.ClientConnectorError, match="connection_error"):
        client.get("/v1/customers")


@pytest.mark.parametrize(
    "error",
    [
        aiohttp.ClientOSError,
        aiohttp.ServerDisconnectedError,
        aiohttp.ClientPayloadError,
        aiohttp.ClientConnectorError,
        aiohttp.ClientResponseError,
        ValueError,
    ],
)
def test_exception_classes_are_raised_as_they_are(
    fake: FakeTofupay, client: AiohttpApi, error: type[Exception]
) -> None:
    fake.fail_next(error)
    with pytest.raises(error) as caught:
        client.post("/v1/customers", data={"email": "x@example.com"})
    assert type(caught.value) is error
    if isinstance(caught.value, aiohttp.ClientResponseError):
        assert str(caught.value.request_info.url) == f"{BASE}/v1/customers"
    assert fake.calls.call_count == 1


def test_fault_after_the_change_is_made(fake: FakeTofupay, client: AiohttpApi) -> None:
    fake.fail_next("connection_error", method="POST", when="after")
    with pytest.raises(aiohttp.ClientConnectorError):
        client.post("/v1/customers", data={"email": "lost@example.com"})
    listed = client.get("/v1/customers").json()
    assert [customer["email"] for customer in listed["data"]] == ["lost@example.com"]
    assert fake.calls.filter(method="POST")[0].status_code == 0


def _wait_beside_a_ticker(client: AiohttpApi, slow: Any) -> tuple[list[str], int]:
    """Runs ``slow`` while a ticker and a quick request run: (finish order, ticks)."""
    order: list[str] = []
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def quick() -> None:
        await asyncio.sleep(0.01)
        answer = await client.arequest("POST", "/v1/customers", data={"email": "q@example.com"})
        order.append(f"quick {answer.status_code}")

    async def waiting() -> None:
        try:
            answer = await slow()
            order.append(f"slow {answer.status_code}")
        except Exception as error:
            order.append(f"slow {type(error).__name__}")

    async def both() -> None:
        ticking = asyncio.ensure_future(ticker())
        try:
            await asyncio.gather(waiting(), quick())
        finally:
            ticking.cancel()

    client.run(both())
    return order, ticks


def test_latency_past_sock_read_is_aiohttps_timeout_and_the_loop_runs_on(
    fake: FakeTofupay, client: AiohttpApi
) -> None:
    fake.latency(30, method="GET")
    timeout = aiohttp.ClientTimeout(sock_read=0.15)
    order, ticks = _wait_beside_a_ticker(
        client, lambda: client.arequest("GET", "/v1/customers", timeout=timeout)
    )
    assert order[0] == "quick 200"
    assert order[1] in {"slow SocketTimeoutError", "slow ServerTimeoutError"}
    assert ticks > 0


def test_latency_past_the_total_timeout_is_aiohttps_timeout(
    fake: FakeTofupay, client: AiohttpApi
) -> None:
    fake.latency(30, method="GET")
    with pytest.raises(asyncio.TimeoutError):
        client.get("/v1/customers", timeout=aiohttp.ClientTimeout(total=0.05))
    fake.latency(0)
    assert client.get("/v1/customers").status_code == 200


def test_delayed_fault_is_awaited_then_answered(fake: FakeTofupay, client: AiohttpApi) -> None:
    fake.fail_next("api_error", method="GET", delay=0.15)
    order, ticks = _wait_beside_a_ticker(client, lambda: client.arequest("GET", "/v1/customers"))
    assert order == ["quick 200", "slow 500"]
    assert ticks > 0


def test_delayed_fault_past_the_timeout_is_used_up(fake: FakeTofupay, client: AiohttpApi) -> None:
    fake.fail_next(500, method="GET", delay=30)
    with pytest.raises(aiohttp.ServerTimeoutError):
        client.get("/v1/customers", timeout=aiohttp.ClientTimeout(sock_read=0.05))
    assert client.get("/v1/customers").status_code == 200


# -- the stripe SDK's aiohttp client ------------------------------------------------------------


def test_stripe_sdk_aiohttp_client(fake: FakeTofupay) -> None:
    async def scenario() -> tuple[Any, Any, Any]:
        http_client = stripe.AIOHTTPClient()
        sdk = stripe.StripeClient(
            KEY, http_client=http_client, base_addresses={"api": BASE}, max_network_retries=0
        )
        try:
            created = await sdk.v1.customers.create_async(
                params={"email": "sdk@example.com", "source": "tok_visa"}
            )
            fetched = await sdk.v1.customers.retrieve_async(created.id)
            listed = await sdk.v1.customers.list_async(params={"limit": 1})
        finally:
            await http_client.close_async()
        return created, fetched, listed

    loop = asyncio.new_event_loop()
    try:
        created, fetched, listed = loop.run_until_complete(scenario())
    finally:
        loop.close()
    assert created.email == "sdk@example.com"
    assert fetched.id == created.id
    assert fetched.sources.data[0].last4 == "4242"
    assert [customer.id for customer in listed.data] == [created.id]
    assert fake.calls.last.headers["authorization"].startswith("Bearer sk_test_")


# -- more of HTTP -----------------------------------------------------------------------------


def test_auto_webhooks_arrive_before_the_call_returns(
    fake: FakeTofupay, client: AiohttpApi
) -> None:
    received: list[str] = []

    def receive(body: bytes, headers: dict[str, str]) -> int:
        received.append(json.loads(body)["type"])
        return 200

    fake.webhooks.deliver_to(callback=receive, mode="auto")
    client.post("/v1/customers", data={"email": "hook@example.com"})
    assert received == ["customer.created"]


def test_head_gets_the_headers_only(fake: FakeTofupay, client: AiohttpApi) -> None:
    answer = client.request("HEAD", "/v1/customers")
    assert answer.content == b""
    assert answer.headers["content-type"] == "application/json"
    assert fake.calls.last.method == "HEAD"
    assert client.get("/v1/customers").status_code == 200  # the connection did not hang
