"""Interception: the fake answers its own origin only and leaves every other transport alone.

No real network: other hosts are answered by each test's own respx router or
``httpx.MockTransport``; a request to api.tofupay.com that the fake does not
answer is observed reaching the transport layer, where a respx (httpcore)
route answers 418.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import httpx
import pytest
import respx

from tests.api.helpers import CUSTOMER_ID, assert_common_headers, assert_error
from tests.conftest import KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay

BASE = "https://api.tofupay.com"
OTHER = "https://other.example"
Send = Callable[..., httpx.Response]


@pytest.fixture(params=["sync", "async"])
def send(request: pytest.FixtureRequest) -> Send:
    """``send(method, url, transport=None, **kwargs)`` through a fresh httpx.Client or AsyncClient.

    ``transport="retries"`` mounts an HTTP(S)Transport with ``retries=2``; any
    other transport object is passed as is.
    """

    def sync(method: str, url: str, transport: Any = None, **kwargs: Any) -> httpx.Response:
        if transport == "retries":
            transport = httpx.HTTPTransport(retries=2, verify=SSL_CONTEXT)
        with httpx.Client(transport=transport, verify=SSL_CONTEXT) as client:
            return client.request(method, url, **kwargs)

    def async_(method: str, url: str, transport: Any = None, **kwargs: Any) -> httpx.Response:
        if transport == "retries":
            transport = httpx.AsyncHTTPTransport(retries=2, verify=SSL_CONTEXT)

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, verify=SSL_CONTEXT) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    return sync if request.param == "sync" else async_


def new_customer(send: Send, base: str = BASE, **kwargs: Any) -> httpx.Response:
    return send("POST", f"{base}/v1/customers", auth=(KEY, ""), data={"email": "a@b.co"}, **kwargs)


def assert_from_fake(response: httpx.Response) -> str:
    """A customer the fake made; its id."""
    assert response.status_code == 200, response.text
    assert_common_headers(response)
    ident: str = response.json()["id"]
    assert CUSTOMER_ID.fullmatch(ident)
    return ident


@pytest.fixture
def transport_layer() -> Iterator[respx.MockRouter]:
    """An httpcore-level respx router: api.tofupay.com answers 418 there, all else is refused."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.route(host="api.tofupay.com", name="tofupay").respond(418, json={"at": "transport"})
        router.route(host="localhost", name="localhost").respond(418, json={"at": "transport"})
        yield router


def assert_reached_transport(response: httpx.Response) -> None:
    assert (response.status_code, response.json()) == (418, {"at": "transport"})


# -- other hosts ---------------------------------------------------------------------


@pytest.mark.parametrize("using", ["httpcore", "httpx"])
@pytest.mark.parametrize("order", ["fake-first", "respx-first"])
def test_own_respx_router_for_another_host_keeps_working(
    send: Send, using: str, order: str
) -> None:
    fake = FakeTofupay()
    router = respx.mock(base_url=OTHER, using=using, assert_all_called=True)
    route = router.get("/ping").respond(201, json={"pong": True})
    first: list[AbstractContextManager[Any]] = [fake, router]
    with ExitStack() as stack:
        for manager in first if order == "fake-first" else first[::-1]:
            stack.enter_context(manager)
        response = send("GET", f"{OTHER}/ping")
        assert (response.status_code, response.json()) == (201, {"pong": True})
        assert_from_fake(new_customer(send))
        assert route.call_count == 1
        assert [(call.method, call.path) for call in fake.calls] == [("POST", "/v1/customers")]


@pytest.mark.parametrize("using", ["httpcore", "httpx"])
def test_stopping_either_leaves_the_other_working(send: Send, using: str) -> None:
    with respx.mock(assert_all_called=False, using=using) as router:
        router.get(f"{OTHER}/ping").respond(201)
        router.route(host="api.tofupay.com").respond(418, json={"at": "transport"})
        with FakeTofupay():
            assert_from_fake(new_customer(send))
            assert send("GET", f"{OTHER}/ping").status_code == 201
        assert_reached_transport(new_customer(send))  # the fake is gone
        assert send("GET", f"{OTHER}/ping").status_code == 201
    fake = FakeTofupay().start()
    try:
        with respx.mock(base_url=OTHER, using=using) as router:
            router.get("/ping").respond(201)
            assert send("GET", f"{OTHER}/ping").status_code == 201
        assert_from_fake(new_customer(send))  # the user's router stopped, the fake did not
    finally:
        fake.stop()


def test_mock_transport_client_for_another_host_keeps_working(send: Send) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(202, json={"mock": "transport"})

    with FakeTofupay() as fake:
        mock = httpx.MockTransport(handler)
        response = send("POST", f"{OTHER}/hook", transport=mock, data={"a": "1"})
        assert (response.status_code, response.json()) == (202, {"mock": "transport"})
        assert_from_fake(new_customer(send, transport=mock))
    assert seen == [f"{OTHER}/hook"]
    assert len(fake.calls) == 1


def test_module_level_functions_hit_the_fake(transport_layer: respx.MockRouter) -> None:
    with FakeTofupay() as fake:
        # Each module-level call makes its own client: one SSL context spares each a CA load.
        tls: Any = {"auth": (KEY, ""), "verify": SSL_CONTEXT}
        created = httpx.post(f"{BASE}/v1/customers", data={"email": "a@b.co"}, **tls)
        ident = assert_from_fake(created)
        got = httpx.get(f"{BASE}/v1/customers/{ident}", **tls)
        assert got.json() == created.json()
        listed = httpx.request("GET", f"{BASE}/v1/customers", **tls)
        assert [c["id"] for c in listed.json()["data"]] == [ident]
        assert httpx.delete(f"{BASE}/v1/customers/{ident}", **tls).json() == {
            "deleted": True,
            "id": ident,
        }
        assert_error(httpx.get(f"{BASE}/v1/foo", **tls), 404, "invalid_request_error",
                     "Unrecognized request URL (GET: /v1/foo).")  # fmt: skip
    assert len(fake.calls) == 5
    assert transport_layer["tofupay"].call_count == 0


def test_clients_with_retrying_transports_hit_the_fake(
    send: Send, transport_layer: respx.MockRouter
) -> None:
    with FakeTofupay() as fake:
        assert_from_fake(new_customer(send, transport="retries"))
    assert len(fake.calls) == 1
    assert transport_layer["tofupay"].call_count == 0


def test_clients_made_before_start_are_intercepted(transport_layer: respx.MockRouter) -> None:
    with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
        assert_reached_transport(client.post("/v1/customers"))
        with FakeTofupay():
            assert_from_fake(client.post("/v1/customers"))
        assert_reached_transport(client.post("/v1/customers"))


# -- start and stop ------------------------------------------------------------------


def test_start_and_stop_are_idempotent_and_symmetric(
    send: Send, transport_layer: respx.MockRouter
) -> None:
    fake = FakeTofupay()
    assert not fake.started
    assert_reached_transport(new_customer(send))
    assert fake.start() is fake
    assert fake.start() is fake
    assert fake.started
    first = assert_from_fake(new_customer(send))
    fake.stop()  # one stop undoes any number of starts
    assert not fake.started
    assert_reached_transport(new_customer(send))
    fake.stop()
    assert_reached_transport(new_customer(send))
    fake.start()
    second = assert_from_fake(new_customer(send))  # state kept across stop/start
    fake.stop()
    assert first != second
    assert [c["id"] for c in fake.customers(KEY)] == [second, first]
    assert transport_layer["tofupay"].call_count == 3


def test_context_manager_starts_and_stops(send: Send, transport_layer: respx.MockRouter) -> None:
    fake = FakeTofupay()
    with fake as entered:
        assert entered is fake
        assert fake.started
        assert_from_fake(new_customer(send))
    assert not fake.started
    assert_reached_transport(new_customer(send))
    assert len(fake.calls) == 1


def test_stop_inside_an_error_still_uninstalls(
    send: Send, transport_layer: respx.MockRouter
) -> None:
    with pytest.raises(RuntimeError, match="boom"), FakeTofupay():
        raise RuntimeError("boom")
    assert_reached_transport(new_customer(send))


# -- base_url ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "request_base"),
    [
        ("http://localhost:12111", "http://localhost:12111"),
        ("http://localhost:12111/", "http://localhost:12111"),
        ("https://api.tofupay.com:443", BASE),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_base_url_is_configurable(
    send: Send, transport_layer: respx.MockRouter, base_url: str, request_base: str
) -> None:
    with FakeTofupay(base_url=base_url) as fake:
        assert_from_fake(new_customer(send, base=request_base))
        response = send("GET", f"{request_base}/v1/foo", auth=(KEY, ""))
        assert_error(
            response, 404, "invalid_request_error", "Unrecognized request URL (GET: /v1/foo)."
        )
    assert len(fake.calls) == 2


@pytest.mark.parametrize(
    "elsewhere",
    [BASE, "http://localhost:12112", "https://localhost:12111", "http://api.tofupay.com"],
)
def test_other_origins_are_not_answered(
    send: Send, transport_layer: respx.MockRouter, elsewhere: str
) -> None:
    with FakeTofupay(base_url="http://localhost:12111") as fake:
        assert_reached_transport(new_customer(send, base=elsewhere))
    assert len(fake.calls) == 0


def test_two_fakes_on_different_origins_answer_their_own(send: Send) -> None:
    with FakeTofupay() as default, FakeTofupay(seed=1, base_url="http://localhost:12111") as local:
        on_default = assert_from_fake(new_customer(send))
        on_local = assert_from_fake(new_customer(send, base="http://localhost:12111"))
        assert on_default != on_local
        response = send("GET", f"{BASE}/v1/customers/{on_local}", auth=(KEY, ""))
        assert_error(response, 404, "invalid_request_error", f"No such customer: {on_local}", "id")
    assert [c["id"] for c in default.customers()] == [on_default]
    assert [c["id"] for c in local.customers()] == [on_local]


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "api.tofupay.com",
        "localhost:12111",
        "ftp://api.tofupay.com",
        "https://",
        "https://api.tofupay.com/v1",
        "https://api.tofupay.com?x=1",
        "https://api.tofupay.com#top",
    ],
)
def test_invalid_base_url_raises_value_error(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url must be http"):
        FakeTofupay(base_url=base_url)
