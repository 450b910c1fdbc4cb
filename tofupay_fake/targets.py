"""One try of one webhook delivery, to an ASGI app, a WSGI app, a URL or a callable.

Each function returns ``(status, response body)``; a target that raises gives
``(None, "ExceptionName: message")``: nothing ever escapes. The ASGI and WSGI
apps are called in process through httpx's ``ASGITransport`` and
``WSGITransport`` at ``http://testserver`` (the host Starlette's and Django's
test clients use). A URL gets a real POST through a plain
``HTTPTransport`` called directly: no client, so no interception answers it
and no proxy from the environment applies.

A sync delivery to an ASGI app runs it on a private event loop in one
daemon thread (a portal, as Starlette's ``TestClient`` has), so the loop
and whatever the app keeps on it live across deliveries.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

if TYPE_CHECKING:
    from .endpoints import Endpoint

#: Seconds a URL target may take to connect, and then to answer.
URL_TIMEOUT = 5.0
#: Characters of a response body kept in a delivery record.
BODY_LIMIT = 10_000
#: The host in-process apps see.
TEST_ORIGIN = "http://testserver"

Outcome = tuple[int | None, str]
T = TypeVar("T")

_TIMEOUTS = {"connect": URL_TIMEOUT, "read": URL_TIMEOUT, "write": URL_TIMEOUT, "pool": URL_TIMEOUT}


def _failed(exc: BaseException) -> Outcome:
    return None, f"{type(exc).__name__}: {exc}"[:BODY_LIMIT]


def _answered(response: httpx.Response) -> Outcome:
    return response.status_code, response.content.decode("utf-8", "replace")[:BODY_LIMIT]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every URL delivery (making one reads the CA bundle: about 0.1 s)."""
    return httpx.create_ssl_context()


def _request(url: str, body: bytes, headers: Mapping[str, str]) -> httpx.Request:
    return httpx.Request(
        "POST", url, content=body, headers=dict(headers), extensions={"timeout": _TIMEOUTS}
    )


def send(endpoint: Endpoint, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """One try to ``endpoint`` from sync code."""
    if endpoint.kind == "asgi":
        return post_asgi(endpoint.target, endpoint.path, body, headers)
    if endpoint.kind == "wsgi":
        return post_wsgi(endpoint.target, endpoint.path, body, headers)
    if endpoint.kind == "url":
        return post_url(endpoint.target, body, headers)
    return call_back(endpoint.target, body, headers)


async def asend(endpoint: Endpoint, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """One try to ``endpoint`` on an event loop: ASGI apps and URLs awaited, the rest called here."""
    if endpoint.kind == "asgi":
        return await apost_asgi(endpoint.target, endpoint.path, body, headers)
    if endpoint.kind == "url":
        return await apost_url(endpoint.target, body, headers)
    return send(endpoint, body, headers)


def call_back(
    callback: Callable[[bytes, dict[str, str]], Any], body: bytes, headers: Mapping[str, str]
) -> Outcome:
    """``callback(body, headers)``, which must return the status as an int."""
    try:
        status = callback(body, dict(headers))
    except Exception as exc:
        return _failed(exc)
    if isinstance(status, bool) or not isinstance(status, int):
        return None, f"the callback returned {status!r}; it must return the HTTP status as an int"
    return status, ""


def post_wsgi(app: Any, path: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """POST to a WSGI app (Flask, Django), in this thread."""
    try:
        request = _request(TEST_ORIGIN + path, body, headers)
        response = httpx.WSGITransport(app=app).handle_request(request)
        response.read()
        return _answered(response)
    except Exception as exc:
        return _failed(exc)


def post_url(url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """A real HTTP POST to ``url`` (no interception, no proxy)."""
    try:
        with httpx.HTTPTransport(verify=tls_context()) as transport:
            response = transport.handle_request(_request(url, body, headers))
            try:
                response.read()
            finally:
                response.close()
        return _answered(response)
    except Exception as exc:
        return _failed(exc)


async def apost_url(url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """:func:`post_url` for an event loop."""
    try:
        async with httpx.AsyncHTTPTransport(verify=tls_context()) as transport:
            response = await transport.handle_async_request(_request(url, body, headers))
            try:
                await response.aread()
            finally:
                await response.aclose()
        return _answered(response)
    except Exception as exc:
        return _failed(exc)


async def apost_asgi(app: Any, path: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """POST to an ASGI app (FastAPI, Starlette) on the running loop."""
    try:
        transport = httpx.ASGITransport(app=app)
        response = await transport.handle_async_request(_request(TEST_ORIGIN + path, body, headers))
        await response.aread()
        return _answered(response)
    except Exception as exc:
        return _failed(exc)


def post_asgi(app: Any, path: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
    """:func:`apost_asgi` from sync code: run on the portal's loop, wait for it here."""
    return PORTAL.run(apost_asgi(app, path, body, headers))


class Portal:
    """An event loop in a daemon thread, started on first use, running coroutines for sync code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the portal's loop and return its result."""
        loop = self._start()
        if threading.current_thread() is self.thread:  # pragma: no cover - guarded by the caller
            coroutine.close()
            raise RuntimeError("a portal cannot wait for itself")
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self.thread = threading.Thread(target=serve, name="tofupay-fake-asgi", daemon=True)
                self.thread.start()
                ready.wait()
                self._loop = loop
            return self._loop


PORTAL = Portal()
