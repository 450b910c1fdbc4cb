"""Shared fixtures: a started fake and one API client run both sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

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

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self._loop: asyncio.AbstractEventLoop | None = None
        if mode == "sync":
            self._client: Any = httpx.Client(base_url=BASE)
        else:
            self._loop = asyncio.new_event_loop()
            self._client = httpx.AsyncClient(base_url=BASE)

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


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest, fake: FakeTofupay) -> Iterator[Api]:
    """The same scenario through httpx.Client and httpx.AsyncClient."""
    client = Api(request.param)
    yield client
    client.close()


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response (asserting it is JSON with one)."""
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]
