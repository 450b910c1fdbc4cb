"""Shared fixtures: a started fake and one API client run both sync and async."""

from __future__ import annotations

import asyncio
import importlib
import os
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay

BASE = "https://api.tofupay.com"
KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
OTHER_KEY = "sk_test_otherAccount0000"
LIVE_KEY = "sk_live_liveAccount000000"


#: One SSL context for every test client: loading the CA bundle costs ~100 ms a client.
SSL_CONTEXT = ssl.create_default_context()


class Api:
    """Sends requests through a real httpx or httpx2 client (sync or async) to the fake.

    ``mode`` is ``sync`` or ``async`` (httpx), ``httpx2`` or ``httpx2-async``.
    ``key=None`` sends no Authorization header; ``auth="bearer"`` sends the
    key as a Bearer token instead of Basic auth.
    """

    def __init__(self, mode: str, base_url: str = BASE) -> None:
        self.mode = mode
        lib: Any = httpx
        if mode.startswith("httpx2"):
            import httpx2

            lib = httpx2
        self._loop: asyncio.AbstractEventLoop | None = None
        if mode.endswith("async"):
            self._loop = asyncio.new_event_loop()
            self._client: Any = lib.AsyncClient(base_url=base_url, verify=SSL_CONTEXT)
        else:
            self._client = lib.Client(base_url=base_url, verify=SSL_CONTEXT)

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = KEY,
        auth: str = "basic",
        data: Mapping[str, Any] | str | bytes | None = None,
        params: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        kwargs: dict[str, Any] = {"params": params, "headers": all_headers}
        if key is not None and auth == "basic":
            kwargs["auth"] = (key, "")
        elif key is not None:
            all_headers["Authorization"] = f"Bearer {key}"
        if isinstance(data, (str, bytes)):
            kwargs["content"] = data
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif data is not None:
            kwargs["data"] = data
        if json is not None:
            kwargs["json"] = json
        if self._loop is None:
            return self._client.request(method, path, **kwargs)  # type: ignore[no-any-return]
        return self._loop.run_until_complete(self._client.request(method, path, **kwargs))  # type: ignore[no-any-return]

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        if self._loop is None:
            self._client.close()
        else:
            self._loop.run_until_complete(self._client.aclose())
            self._loop.close()


@pytest.fixture
def fake() -> Iterator[FakeTofupay]:
    """A started fake with seed 0."""
    with FakeTofupay(seed=0) as started:
        yield started


#: How API scenarios reach the fake: every client library the fake intercepts, in
#: process, and a real socket to the server (``tofupay-fake serve``'s app, in a
#: thread). ``sync``/``async`` are httpx's clients.
TRANSPORTS = [
    "sync",
    "async",
    "httpx2",
    "httpx2-async",
    "requests",
    "aiohttp",
    "urllib",
    "server",
]
#: Transports whose client is not httpx: adapters in tests/clients/.
OTHER_CLIENTS = {
    "requests": ("tests.clients.requests_client", "RequestsApi"),
    "aiohttp": ("tests.clients.aiohttp_client", "AiohttpApi"),
    "urllib": ("tests.clients.urllib_client", "UrllibApi"),
}


@pytest.fixture(scope="session")
def server() -> Iterator[ServerThread]:
    """One loopback server per test process; each test points it at its own fake."""
    with ServerThread(FakeTofupay()) as running:
        yield running


def connect(request: pytest.FixtureRequest, mode: str, fake: FakeTofupay) -> Any:
    """A client of ``fake`` over ``mode`` (one of :data:`TRANSPORTS`)."""
    if mode in OTHER_CLIENTS:
        module, name = OTHER_CLIENTS[mode]
        return getattr(importlib.import_module(module), name)()
    if mode != "server":
        return Api(mode)
    running: ServerThread = request.getfixturevalue("server")
    running.app.fake = fake
    return Api("sync", running.url)


@pytest.fixture(params=TRANSPORTS)
def api(request: pytest.FixtureRequest, fake: FakeTofupay) -> Iterator[Api]:
    """The same scenario through every client library and the HTTP server."""
    client = connect(request, request.param, fake)
    yield client
    client.close()


#: Where an httpx exception class injected by ``fail_next`` reaches the test as itself.
HTTPX_IN_PROCESS = ("sync", "async")
#: Long mode runs every row of a truth table over every transport.
LONG = os.environ.get("TOFUPAY_LONG") == "1"
TRANSPORT_FIXTURES = ("api", "api_with")


def transport_of(item: pytest.Item) -> str | None:
    """The transport an API scenario item runs over, or None for other items."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for name in TRANSPORT_FIXTURES:
        if name in callspec.params:
            return str(callspec.params[name])
    return None


@pytest.hookimpl(trylast=True)  # after -k and -m: a row rotates over the transports left
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``in_process`` tests run over httpx's in-process clients only; each row of a
    ``truth_table`` test runs over one transport (every one in long mode)."""
    kept = [item for item in items if in_process_allows(item)]
    if not LONG:
        kept = one_transport_a_row(kept)
    if len(kept) < len(items):
        chosen = set(kept)
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = kept


def in_process_allows(item: pytest.Item) -> bool:
    """False for an ``in_process`` item over a transport other than httpx's in-process ones."""
    transport = transport_of(item)
    elsewhere = transport is not None and transport not in HTTPX_IN_PROCESS
    return not (elsewhere and item.get_closest_marker("in_process") is not None)


def one_transport_a_row(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` with one item of each ``truth_table`` row: row ``i`` of a test keeps the
    item over the ``i``-th (mod ``n``) of the ``n`` transports it has, in TRANSPORTS order.

    A row is one test function with the same values of every parameter but the
    transport. Decided from the collection alone, so every run and every xdist worker
    keeps the same items.
    """
    rows: dict[tuple[str, tuple[tuple[str, int], ...]], list[pytest.Item]] = {}
    for item in items:
        if transport_of(item) is not None and item.get_closest_marker("truth_table"):
            params = item.callspec.params  # type: ignore[attr-defined]
            # A row's items share its parameter objects (within this process).
            row = tuple((n, id(v)) for n, v in params.items() if n not in TRANSPORT_FIXTURES)
            rows.setdefault((item.nodeid.split("[")[0], row), []).append(item)
    dropped: set[pytest.Item] = set()
    place: dict[str, int] = {}
    for (test, _), row in rows.items():
        index = place.get(test, 0)
        place[test] = index + 1
        row.sort(key=lambda item: TRANSPORTS.index(str(transport_of(item))))
        dropped.update(row[: index % len(row)], row[index % len(row) + 1 :])
    return [item for item in items if item not in dropped]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "in_process: the scenario raises an httpx exception into the client, so it runs "
        "over httpx's in-process clients only",
    )
    config.addinivalue_line(
        "markers",
        "truth_table: a table of inputs and expected answers (the rules live in the core, "
        "the transports carry bytes): row i of the test runs over one transport, the i-th "
        "(mod 8) of TRANSPORTS, so each row runs once and every transport gets rows; "
        "TOFUPAY_LONG=1 runs every row over every transport",
    )


def freeze_time(when: str) -> Any:
    """freezegun's ``freeze_time(when)``, with event loops left on the real clock.

    Loops run in threads beside the tests (the session's ``server`` among them): a timer
    one of them set while ``time.monotonic`` was frozen, decades ahead, would never fire
    and its thread would never stop. ``ignore`` covers the moment freezegun has patched
    the modules but not yet the loops.
    """
    import freezegun

    return freezegun.freeze_time(when, real_asyncio=True, ignore=["asyncio"])


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response (asserting it is JSON with one)."""
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]
