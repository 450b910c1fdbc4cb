"""The fake as an ASGI app: ``/v1/...`` answered by the core, ``/_fake/...`` control, ``/openapi.json``.

``GET /_fake/`` is the dashboard and ``GET /js/v2/tofupay.js`` the browser library.

Plain ASGI (no framework), so any ASGI server runs it; ``tofupay-fake serve``
runs it with uvicorn. Requests are answered on the event loop (the core is
in-memory and answers in microseconds), except the control calls that may take
long and API requests arriving while one holds the core: those wait in a
worker thread, so other clients are answered meanwhile.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from importlib.resources import files
from typing import Any
from urllib.parse import quote

from .. import control, dashboard
from ..core import MAX_BODY_BYTES, Core
from ..errors import TofupayError
from ..faults import InjectedException
from ..request import Headers, Request, Response
from ._compat_uvicorn import close_unanswered
from .guard import Guard

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
#: Paths a page on another origin may call (Tofupay.js creates tokens from the browser).
CORS_PATHS = frozenset({"/v1/tokens"})
_CORS_PREFLIGHT = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"POST, OPTIONS"),
    (b"access-control-allow-headers", b"Authorization, Content-Type"),
    (b"access-control-max-age", b"600"),
]
#: Control calls that may take a while (seeding up to 10,000 customers, loading fixtures,
#: saving or restoring a world): answered from a worker thread while the event loop serves
#: other clients (the core's lock keeps them one at a time). Not when the server keeps its
#: state (``--state``): each request's change is then kept on the event loop's thread, one
#: request at a time.
SLOW_CONTROL = frozenset(
    {
        ("POST", "/_fake/customers"),
        ("POST", "/_fake/fixtures"),
        ("POST", "/_fake/snapshot"),
        ("GET", "/_fake/snapshot"),
        ("GET", "/_fake/customers"),
        ("GET", "/_fake/calls"),
        ("GET", "/_fake/events"),
    }
)
#: A preflight of a control endpoint, for the origins ``allowed_origins`` lets in.
_CONTROL_PREFLIGHT = [
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Content-Type"),
    (b"access-control-max-age", b"600"),
]


class App:
    """An ASGI app serving one :class:`Core`.

    ``fake`` may be swapped between requests (the test suite does, to run API
    scenarios over a real socket). ``on_shutdown`` runs when the server stops.
    """

    def __init__(
        self,
        fake: Core,
        *,
        on_shutdown: Callable[[], None] | None = None,
        allowed_origins: Iterable[str] = (),
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.fake = fake
        self.on_shutdown = on_shutdown
        #: Who may use ``/_fake/...`` besides the server's own pages (see :mod:`.guard`).
        self.guard = Guard(allowed_origins, allowed_hosts)
        self._openapi: bytes | None = None
        #: ``serve --state``: called once a request is handled, before it is answered, with
        #: (kind "api" or "control", method, status).
        self.keep_state: Callable[[str, str, int], None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.on_shutdown is not None:
                    self.on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        raw_path: bytes | None = scope.get("raw_path")
        query = scope["query_string"].decode("latin-1")
        headers = Headers.from_lowered(
            {
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in scope["headers"]
            }
        )
        large = method == "POST" and path == control.SNAPSHOT_PATH
        body = await _read_body(receive, control.MAX_SNAPSHOT_BYTES if large else MAX_BODY_BYTES)
        if body is None:
            return  # the client went away before sending the whole body: nothing to do
        if path == "/openapi.json" and method in ("GET", "HEAD"):
            await _respond(send, 200, _JSON, self.openapi())
        elif (path == control.PREFIX.rstrip("/") or path.startswith(control.PREFIX)) and (
            refused := self._refused(headers, scope.get("server"))
        ):
            await _respond(send, refused[0], _JSON, refused[1])
        elif method in ("GET", "HEAD") and dashboard.is_asset(path):
            served = dashboard.asset(path)
            await _respond(send, 200, served.headers, served.body)
        elif method in ("GET", "HEAD") and path == control.PREFIX.rstrip("/"):
            await _respond(send, 308, [(b"location", control.PREFIX.encode())], b"")
        elif path.startswith(control.PREFIX):
            cors = self.guard.cors(headers)
            if method == "OPTIONS" and cors:
                await _respond(send, 204, [*cors, *_CONTROL_PREFLIGHT], b"")
                return
            args = (self.fake, method, path, query, headers, body)
            if self.keep_state is None and (method, path) in SLOW_CONTROL:
                status, content = await asyncio.to_thread(_control_answer, *args)
            else:  # a kept state is written on this thread, one request at a time
                status, content = _control_answer(*args)
                if self.keep_state is not None:
                    self.keep_state("control", method, status)
            await _respond(send, status, [*_JSON, *cors], content)
        elif method == "OPTIONS" and path in CORS_PATHS:
            await _respond(send, 204, _CORS_PREFLIGHT, b"")
        else:
            wire_path = raw_path.decode("latin-1") if raw_path else quote(path, safe="/%")
            request = Request(method, wire_path, query, headers, body)
            try:
                answer = await self._answer_soon(request)
            except InjectedException as injected:  # a network fault: act it out
                await self.fake.adeliver_webhooks()
                if injected.error == "timeout":
                    await asyncio.sleep(injected.delay)
                await close_unanswered(send)
                return
            await (
                self.fake.adeliver_webhooks()
            )  # auto-mode webhooks, before the client has its answer
            if answer.delay:
                await asyncio.sleep(answer.delay)
            raw = [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in answer.headers
            ]
            if path in CORS_PATHS and "origin" in headers:
                raw.append((b"access-control-allow-origin", b"*"))
            await _respond(send, answer.status_code, raw, answer.content)

    def _refused(self, headers: Headers, server: Any) -> tuple[int, bytes] | None:
        """The 403 for a control request of a foreign page or Host, else None."""
        try:
            self.guard.check(headers, server)
        except TofupayError as error:
            return error.status, json.dumps(error.body(), ensure_ascii=False).encode()
        return None

    async def _answer_soon(self, request: Request) -> Response:
        """The core's answer, on this thread unless the core is busy (a seeding call holds it):
        then from a worker thread, so the event loop goes on serving other clients."""
        lock = self.fake._lock
        if self.keep_state is not None:
            return self._answer(request)  # each request's change is kept before the next runs
        if lock.acquire(blocking=False):
            try:
                return self._answer(request)
            finally:
                lock.release()
        return await asyncio.to_thread(self._answer, request)

    def _answer(self, request: Request) -> Response:
        """The core's answer, its change kept first when the server keeps its state."""
        try:
            return self.fake.respond(request, raise_exceptions=False)
        finally:
            if self.keep_state is not None:  # durable before the client has its answer
                self.keep_state("api", request.method, 0)

    def openapi(self) -> bytes:
        """The OpenAPI 3.1 document shipped in the package."""
        if self._openapi is None:
            self._openapi = (files("tofupay_fake") / "openapi.json").read_bytes()
        return self._openapi


def _control_answer(
    fake: Core, method: str, path: str, query: str, headers: Headers, body: bytes
) -> tuple[int, bytes]:
    """A control endpoint's status and JSON body."""
    status, payload = control.handle(fake, method, path, query, headers, body)
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return status, text.encode()


def make_app(
    fake: Core,
    *,
    on_shutdown: Callable[[], None] | None = None,
    allowed_origins: Iterable[str] = (),
    allowed_hosts: Iterable[str] = (),
) -> App:
    """The ASGI app for ``fake`` (not started: nothing is intercepted in-process).

    ``/_fake/...`` answers only the server's own pages and HTTP clients (see
    :mod:`tofupay_fake.transports.guard`): ``allowed_origins`` lets pages of
    those origins use it too, ``allowed_hosts`` names the server may go by;
    ``"*"`` in either allows any.
    """
    return App(
        fake,
        on_shutdown=on_shutdown,
        allowed_origins=allowed_origins,
        allowed_hosts=allowed_hosts,
    )


async def _read_body(receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, read no further than one byte past the size limit.

    None when the client disconnects before the body is complete.
    """
    chunks: list[bytes] = []
    size = 0
    more = True
    while more and size <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
