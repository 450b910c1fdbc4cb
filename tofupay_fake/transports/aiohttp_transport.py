"""aiohttp interception: a started fake's origin gets an in-memory connection.

The interception point is the connector's connection factory,
``TCPConnector._create_connection`` (see :mod:`._compat_aiohttp`): for a
request to a started fake's origin it returns aiohttp's own connection
protocol wired to an in-memory transport instead of a socket. aiohttp writes
the request into it as it would to a socket; once the request is complete
the transport answers it from the fake with the HTTP/1.1 bytes a server
would send, which aiohttp parses itself. For the fake's host on another
scheme or port (or a guarded host) the factory raises aiohttp's own
``ClientConnectorError`` naming the fake's ``base_url``; any other request
goes to the factory that was there before. Nothing reaches the resolver or
a socket for the fake's host.

Why there, after weighing the other seams:

- A ``ClientSession(request_class=..., response_class=...)`` or a client
  middleware (3.12+) is chosen per session, so sessions made before the fake
  started (or by a library) would escape, and building a ``ClientResponse``
  ourselves breaks whenever its constructor changes (it gained a required
  argument in 3.14). Patching ``ClientSession._request`` has the same
  problem and skips the connector the application configured.
- Routing the host through a resolver to the loopback server (``fake.url``)
  puts a real socket and TLS in the way (https to a plain-HTTP port) and
  turns injected exceptions into server answers.
- The connection factory is one small private method, unchanged in name,
  arguments and purpose from aiohttp 3.0 to 3.14, and called by every
  ``TCPConnector`` (whatever its ``limit`` or ``ssl``), including those of
  sessions made before the fake started. Everything else stays aiohttp's:
  the request bytes the fake reads are the ones aiohttp sends, the response
  object, headers, cookies, redirects and read timeouts are aiohttp's own.

Waits (latency, delayed faults) are awaited in a task of the running loop,
so other tasks keep running; a wait longer than the session's ``sock_read``
or ``total`` timeout ends in the exception aiohttp raises for that timeout.
``fail_next("timeout")`` raises ``aiohttp.SocketTimeoutError`` (a
``ServerTimeoutError``; ``ServerTimeoutError`` before 3.10), what aiohttp
raises when ``sock_read`` runs out; ``"connection_error"`` raises
``ClientConnectorError``; an exception class is raised as it is. As on
the wire, aiohttp itself may retry an idempotent request (GET, PUT,
DELETE) once after a connection error: 3.10 and 3.11 after any
``ClientOSError`` (``ClientConnectorError`` included), 3.12+ after a plain
``ClientOSError`` or ``ServerDisconnectedError``; a fault queued with
``times=2`` then reaches the caller.
"""

from __future__ import annotations

import asyncio
import errno
from http import HTTPStatus
from typing import Any

import aiohttp

from ..faults import InjectedException
from ..request import Headers, Request, Response
from . import _compat_aiohttp as compat
from . import intercept
from .exchange import TimedOut, aexchange

_DEFAULT_PORTS = intercept.DEFAULT_PORTS
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _Wire(asyncio.Transport):
    """An in-memory connection to one fake: reads one request, writes one answer."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: Any, fake: Any, client_request: Any
    ) -> None:
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self._fake = fake
        self._client_request = client_request
        self._buffer = bytearray()
        self._head: tuple[str, str, list[tuple[str, str]], int] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._answered = False

    # -- the asyncio transport aiohttp writes to --------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closed or self._task is not None:
            return
        self._buffer += data
        self._parse()

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def is_closing(self) -> bool:
        return self._closed or self._answered

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def get_write_buffer_size(self) -> int:
        return 0

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (0, 0)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def can_write_eof(self) -> bool:
        return False

    def write_eof(self) -> None:
        pass

    def is_reading(self) -> bool:
        return not self._closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    # -- the request, as sent -----------------------------------------------------------

    def _parse(self) -> None:
        buffer = self._buffer
        if self._head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self._head = _parse_head(bytes(buffer[:end]), end + 4)
            pairs = self._head[2]
            expect = next((v for n, v in pairs if n.lower() == "expect"), "")
            if expect.lower() == "100-continue":
                self._protocol.data_received(_CONTINUE)
        method, target, pairs, start = self._head
        body = _body(buffer, start, pairs)
        if body is None:
            return
        path, _, query = target.partition("?")
        request = Request(method.upper(), path or "/", query, Headers(pairs), body)
        self._task = self._loop.create_task(self._answer(request))

    async def _answer(self, request: Request) -> None:
        try:
            answer = await aexchange(self._fake, request)
        except (InjectedException, TimedOut) as error:
            self._fail(self._client_error(error))
            return
        except Exception as error:  # the fake failed: the client must not hang
            self._fail(error)
            return
        if self._closed:
            return
        self._answered = True
        self._protocol.data_received(_response_bytes(answer, request.method))

    def _fail(self, error: BaseException) -> None:
        if not self._closed:
            compat.fail(self._protocol, error)

    def _client_error(self, error: InjectedException | TimedOut) -> BaseException:
        """An injected fault or a timeout as aiohttp raises it."""
        if isinstance(error, TimedOut) or error.error == "timeout":
            return compat.READ_TIMEOUT(str(error))
        if error.error == "connection_error":
            return refused(self._client_request, str(error))
        assert isinstance(error.error, type)
        return _build(error.error, str(error), self._client_request)


def _parse_head(head: bytes, start: int) -> tuple[str, str, list[tuple[str, str]], int]:
    """(method, target as sent, header pairs, where the body starts) of a request head."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    line, *lines = text.split("\r\n")
    method, target, _ = line.split(" ", 2)
    if "://" in target.partition("?")[0]:  # absolute form (a plain-HTTP proxy)
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    pairs = []
    for header in lines:
        name, _, value = header.partition(":")
        pairs.append((name.strip(), value.strip()))
    return method, target, pairs, start


def _body(buffer: bytearray, start: int, pairs: list[tuple[str, str]]) -> bytes | None:
    """The request body (from ``start`` on), or None while it is incomplete."""
    headers = {name.lower(): value for name, value in pairs}
    if "chunked" in headers.get("transfer-encoding", "").lower():
        # The last chunk ends with an empty line: only then is decoding worth a try.
        return _dechunk(bytes(buffer[start:])) if buffer.endswith(b"\r\n\r\n") else None
    length = int(headers.get("content-length", "0") or 0)
    return bytes(buffer[start : start + length]) if len(buffer) - start >= length else None


def _dechunk(data: bytes) -> bytes | None:
    """A chunked body decoded, or None while its last chunk has not arrived."""
    parts: list[bytes] = []
    at = 0
    while True:
        end = data.find(b"\r\n", at)
        if end < 0:
            return None
        size = int(data[at:end].split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(parts) if data.find(b"\r\n", end + 2) >= 0 else None
        if len(data) < end + 2 + size + 2:
            return None
        parts.append(data[end + 2 : end + 2 + size])
        at = end + 2 + size + 2


def _response_bytes(answer: Response, method: str) -> bytes:
    """The answer as an HTTP/1.1 server sends it (a Content-Length added, as servers do)."""
    try:
        reason = HTTPStatus(answer.status_code).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {answer.status_code} {reason}"]
    lines += [f"{name}: {value}" for name, value in answer.headers]
    lines.append(f"Content-Length: {len(answer.content)}")  # the fake's answers carry none
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head if method == "HEAD" else head + answer.content


def refused(client_request: Any, reason: str) -> aiohttp.ClientConnectorError:
    """aiohttp's own error for a connection that could not be made, saying ``reason``."""
    return aiohttp.ClientConnectorError(
        compat.connection_key(client_request), OSError(errno.ECONNREFUSED, reason)
    )


def _build(cls: type[BaseException], message: str, client_request: Any) -> BaseException:
    """An exception of ``cls`` built the way aiohttp builds its own errors of that kind."""
    if issubclass(cls, aiohttp.ClientConnectorError):
        return cls(compat.connection_key(client_request), OSError(errno.ECONNREFUSED, message))
    if issubclass(cls, aiohttp.ClientResponseError):
        return cls(compat.request_info(client_request), (), message=message)
    try:
        return cls(message)
    except TypeError:
        return cls()


def _wrap(previous: compat.ConnectionFactory) -> compat.ConnectionFactory:
    async def _create_connection(connector: Any, req: Any, traces: Any, timeout: Any) -> Any:
        url = req.url
        scheme = url.scheme
        port = url.port
        found = intercept.lookup(
            scheme, url.raw_host or "", None if port == _DEFAULT_PORTS.get(scheme) else port
        )
        if found is None:
            return await previous(connector, req, traces, timeout)
        if isinstance(found, intercept.Refused):
            raise refused(req, found.reason)
        loop = asyncio.get_running_loop()
        protocol = compat.new_protocol(loop)
        protocol.connection_made(_Wire(loop, protocol, found, req))
        return protocol

    _create_connection.tofupay_wraps = previous  # type: ignore[attr-defined]
    return _create_connection


#: (our factory, the one it wraps) while installed.
_PATCH: tuple[compat.ConnectionFactory, compat.ConnectionFactory] | None = None


def install() -> None:
    """Wrap ``TCPConnector``'s connection factory (idempotent)."""
    global _PATCH
    if _PATCH is not None:
        return
    current = compat.factory_of(aiohttp.TCPConnector)
    wrapped = getattr(current, "tofupay_wraps", None)
    if wrapped is not None:  # ours, left inside another patch that has since gone
        _PATCH = (current, wrapped)
        return
    ours = _wrap(current)
    compat.set_factory(aiohttp.TCPConnector, ours)
    _PATCH = (ours, current)


def uninstall() -> None:
    """Put the factory back (idempotent)."""
    global _PATCH
    if _PATCH is None:
        return
    ours, previous = _PATCH
    _PATCH = None
    if compat.factory_of(aiohttp.TCPConnector) is ours:
        compat.set_factory(aiohttp.TCPConnector, previous)
    # Otherwise a later patch wraps ours; with no fake started ours only passes requests on.


def changed() -> None:
    """The table of started fakes changed: nothing is cached here (the lookup is one dict get)."""
