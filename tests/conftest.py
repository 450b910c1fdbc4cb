"""Shared fixtures: a started fake and one API client run both sync and async."""

from __future__ import annotations

import asyncio
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


class Api:
    """Sends requests through a real httpx client (sync or async) to the fake.

    ``key=None`` sends no Authorization header; ``auth="bearer"`` sends the
    key as a Bearer token instead of Basic auth.
    """

    def __init__(self, mode: str, base_url: str = BASE) -> None:
        self.mode = mode
        self._loop: asyncio.AbstractEventLoop | None = None
        if mode == "async":
            self._loop = asyncio.new_event_loop()
            self._client: Any = httpx.AsyncClient(base_url=base_url)
        else:
            self._client = httpx.Client(base_url=base_url)

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


#: How API scenarios reach the fake: in-process sync and async clients, and a
#: real socket to the server (``tofupay-fake serve``'s app, in a thread).
TRANSPORTS = ["sync", "async", "server"]


@pytest.fixture(scope="session")
def server() -> Iterator[ServerThread]:
    """One loopback server per test process; each test points it at its own fake."""
    with ServerThread(FakeTofupay()) as running:
        yield running


def connect(request: pytest.FixtureRequest, mode: str, fake: FakeTofupay) -> Api:
    """A client of ``fake`` over ``mode`` (one of :data:`TRANSPORTS`)."""
    if mode != "server":
        return Api(mode)
    running: ServerThread = request.getfixturevalue("server")
    running.app.fake = fake
    return Api(mode, running.url)


@pytest.fixture(params=TRANSPORTS)
def api(request: pytest.FixtureRequest, fake: FakeTofupay) -> Iterator[Api]:
    """The same scenario through httpx.Client, httpx.AsyncClient and the HTTP server."""
    client = connect(request, request.param, fake)
    yield client
    client.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run ``@pytest.mark.in_process`` tests over the in-process transports only."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        over_http = callspec is not None and "server" in callspec.params.values()
        if over_http and item.get_closest_marker("in_process") is not None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "in_process: the scenario needs the in-process client (e.g. an exception "
        "raised into it), so it does not run over the server transport",
    )


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response (asserting it is JSON with one)."""
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]
