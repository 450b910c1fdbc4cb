"""Shared fixtures: a started fake and one API client run both sync and async."""

from __future__ import annotations

import asyncio
import importlib
import os
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
        # No proxy, netrc or CA settings from the environment (trust_env): the fake is in
        # process or on loopback, and reading them costs a scan of os.environ a client.
        options = {"base_url": base_url, "verify": SSL_CONTEXT, "trust_env": False}
        if mode.endswith("async"):
            self._loop = asyncio.new_event_loop()
            self._client: Any = lib.AsyncClient(**options)
        else:
            self._client = lib.Client(**options)

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
#: The marks that choose which transports a test runs over.
MARKS = ("in_process", "truth_table")


@dataclass(frozen=True)
class Planned:
    """What choosing needs of a test (an item, or a planned call of a test function)."""

    function: str
    params: Mapping[str, object]
    in_process: bool
    truth_table: bool

    @property
    def transport(self) -> str | None:
        """The transport an API scenario runs over, or None for other tests."""
        for name in TRANSPORT_FIXTURES:
            if name in self.params:
                return str(self.params[name])
        return None


def narrowed(config: pytest.Config) -> bool:
    """Whether the command line picks some of the collected tests (``-k``, ``-m``,
    ``--deselect``, ``--lf``, test ids): the transports are then chosen among the items
    left once that choice is made."""
    option = config.option
    picked = (getattr(option, name, None) for name in ("keyword", "markexpr", "deselect", "lf"))
    return any(picked) or any("::" in arg for arg in config.args)


@pytest.hookimpl(wrapper=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> Iterator[None]:
    """Unless the selection is narrowed, the choice of :func:`choose` is made on the
    planned calls of each test function, so the items it drops are never built (an item
    costs its share of collection in every xdist worker)."""
    yield
    # The planned items: there is no public way to drop some (checked on pytest 8.4, 9.2).
    calls = metafunc._calls
    if not calls or narrowed(metafunc.config):
        return
    definition = metafunc.definition
    marks = {name: definition.get_closest_marker(name) is not None for name in MARKS}

    def planned(call: Any) -> Planned:
        own = {mark.name for mark in call.marks}
        return Planned(
            definition.nodeid,
            call.params,
            marks["in_process"] or "in_process" in own,
            marks["truth_table"] or "truth_table" in own,
        )

    keep = choose([planned(call) for call in calls])
    if not all(keep):
        calls[:] = [call for call, kept in zip(calls, keep, strict=True) if kept]


@pytest.hookimpl(trylast=True)  # after -k and -m: a row rotates over the transports left
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """For a narrowed selection, the choice of :func:`choose` among the items left
    (otherwise it was made while generating them)."""
    if not narrowed(config):
        return

    def planned(item: pytest.Item) -> Planned:
        callspec = getattr(item, "callspec", None)
        return Planned(
            item.nodeid.split("[")[0],
            {} if callspec is None else callspec.params,
            item.get_closest_marker("in_process") is not None,
            item.get_closest_marker("truth_table") is not None,
        )

    keep = choose([planned(item) for item in items])
    if not all(keep):
        config.hook.pytest_deselected(
            items=[item for item, kept in zip(items, keep, strict=True) if not kept]
        )
        items[:] = [item for item, kept in zip(items, keep, strict=True) if kept]


def choose(tests: list[Planned]) -> list[bool]:
    """Which of ``tests`` run. An ``in_process`` test runs over httpx's in-process
    clients only. Of a ``truth_table`` test, each row keeps one transport (every one in
    long mode): row ``i`` of a test function keeps the test over the ``i``-th (mod ``n``)
    of the ``n`` transports it has, in TRANSPORTS order.

    A row is one test function with the same values of every parameter but the
    transport. Decided from the collection alone, so every run and every xdist worker
    keeps the same tests.
    """
    keep = [
        not (test.in_process and test.transport not in (None, *HTTPX_IN_PROCESS)) for test in tests
    ]
    if LONG:
        return keep
    rows: dict[tuple[str, tuple[tuple[str, int], ...]], list[int]] = {}
    for at, test in enumerate(tests):
        if keep[at] and test.transport is not None and test.truth_table:
            # A row's tests share its parameter objects (within this process).
            row = tuple(
                (name, id(value))
                for name, value in test.params.items()
                if name not in TRANSPORT_FIXTURES
            )
            rows.setdefault((test.function, row), []).append(at)
    place: dict[str, int] = {}
    for (function, _), row in rows.items():
        index = place.get(function, 0)
        place[function] = index + 1
        row.sort(key=lambda at: TRANSPORTS.index(str(tests[at].transport)))
        for at in row[: index % len(row)] + row[index % len(row) + 1 :]:
            keep[at] = False
    return keep


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
