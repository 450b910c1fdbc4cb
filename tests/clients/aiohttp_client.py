"""The API scenarios over a real ``aiohttp.ClientSession``, behind a sync facade.

Each :class:`AiohttpApi` owns an event loop and one session made inside it;
``request()`` runs the request on that loop and reads the whole body, so a
scenario written for ``tests.conftest.Api`` runs unchanged. The request is
built the way httpx builds it (form values, Basic header) so the fake sees
the same parameters from both clients.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Coroutine, Iterator, Mapping
from json import loads
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import httpx

from tests.clients import authorization
from tests.conftest import BASE, KEY

T = TypeVar("T")
_LARGE = 2**20


class AiohttpResponse:
    """What a scenario reads from an answer: status, headers (any case) and the body.

    ``request`` is what was sent (method, URL and headers as aiohttp sent
    them, the body as encoded here), as an ``httpx.Request`` like the other
    adapters' answers carry.
    """

    def __init__(
        self, response: aiohttp.ClientResponse, content: bytes, request: httpx.Request
    ) -> None:
        self.raw = response
        self.request = request
        self.status_code = response.status
        self.headers = response.headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return loads(self.content)

    def __repr__(self) -> str:
        return f"<AiohttpResponse [{self.status_code}]>"


def _text(value: Any) -> str:
    """A form or query value as httpx writes it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _pairs(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Mapping -> (name, text) pairs, list values repeated, as httpx encodes them."""
    found: list[tuple[str, str]] = []
    for name, value in values.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            found.append((str(name), _text(item)))
    return found


class AiohttpApi:
    """Sends requests through one ``aiohttp.ClientSession`` to ``base_url``.

    ``key=None`` sends no Authorization header; ``auth="bearer"`` sends the
    key as a Bearer token instead of Basic auth. ``session_options`` go to
    ``ClientSession`` (e.g. ``timeout=aiohttp.ClientTimeout(sock_read=1)``);
    ``connector`` may be a callable making one, called inside the loop.
    """

    mode = "aiohttp"

    def __init__(self, base_url: str = BASE, **session_options: Any) -> None:
        self.base_url = base_url.rstrip("/")
        self.loop = asyncio.new_event_loop()
        self.session: aiohttp.ClientSession = self.run(self._open(session_options))

    @staticmethod
    async def _open(options: dict[str, Any]) -> aiohttp.ClientSession:
        if callable(options.get("connector")):  # made here, inside the loop
            options = {**options, "connector": options["connector"]()}
        return aiohttp.ClientSession(**options)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on this client's loop (where its session lives)."""
        return self.loop.run_until_complete(coroutine)

    async def arequest(
        self,
        method: str,
        path: str,
        *,
        key: str | None = KEY,
        auth: str = "basic",
        data: Mapping[str, Any] | str | bytes | Any = None,
        params: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        **options: Any,
    ) -> AiohttpResponse:
        """The request on the running loop (for tests that await several at once)."""
        all_headers = dict(headers or {})
        if key is not None:
            all_headers["Authorization"] = authorization(key, auth)
        kwargs: dict[str, Any] = {"headers": all_headers, **options}
        if isinstance(params, Mapping):
            kwargs["params"] = _pairs(params)
        elif params is not None:
            kwargs["params"] = params
        body = b""
        if isinstance(data, (str, bytes)):
            body = data.encode() if isinstance(data, str) else data
            # aiohttp asks for a file object past 1 MiB (it warns about raw bytes).
            kwargs["data"] = io.BytesIO(body) if len(body) > _LARGE else body
            if not any(name.lower() == "content-type" for name in all_headers):
                all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif isinstance(data, Mapping):
            kwargs["data"] = _pairs(data)
            body = urlencode(kwargs["data"]).encode()
        elif data is not None:  # a payload of aiohttp's own (a stream, FormData)
            kwargs["data"] = data
        if json is not None:
            kwargs["json"] = json
        async with self.session.request(method, self.base_url + path, **kwargs) as response:
            content = await response.read()
        info = response.request_info
        sent = httpx.Request(
            info.method, str(info.url), headers=list(info.headers.items()), content=body
        )
        return AiohttpResponse(response, content, sent)

    def request(self, method: str, path: str, **kwargs: Any) -> AiohttpResponse:
        return self.run(self.arequest(method, path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> AiohttpResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> AiohttpResponse:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> AiohttpResponse:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        try:
            self.run(self.session.close())
        finally:
            self.loop.close()


def aiohttp_api(base_url: str = BASE, **session_options: Any) -> Iterator[AiohttpApi]:
    """A client for a fixture: yields it and closes it afterwards."""
    client = AiohttpApi(base_url, **session_options)
    try:
        yield client
    finally:
        client.close()
