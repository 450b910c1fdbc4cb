"""httpx interception: a started fake's origin is answered at the client level.

While interception is on, ``Client._transport_for_url`` and
``AsyncClient._transport_for_url`` are wrapped (see :mod:`._compat_httpx`): a
request for a started fake's origin gets a :class:`FakeTransport` for that
fake, whatever transport or mounts the client has; a request for a fake's
host on another scheme or port (or for a guarded host) gets a transport that
raises ``ConnectError`` naming the fake's ``base_url``, with no DNS lookup;
any other URL goes to whatever was there before. The same code serves httpx2
(:mod:`.httpx2_transport`), httpx's fork with the same client internals.

To stay in front of a user's respx router using ``httpx`` started *after*
the fake (whose patch then wraps ours), one small respx router is also
registered first in respx's ``httpx`` mocker while a fake is started: it
answers the fakes' origins and hands every other request on. A user's
``respx_mock`` on the default (httpcore) mocker and pytest-httpx
(``HTTPTransport.handle_request``) sit below the client level and only ever
see other hosts.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..faults import InjectedException
from ..request import Response
from . import _compat_httpx as compat
from . import intercept
from .exchange import TimedOut, aexchange, exchange

if TYPE_CHECKING:
    from ..core import Core


_UNKNOWN = object()  # an origin not looked up yet


class Interceptor:
    """The patch of one httpx-like library (``httpx`` or ``httpx2``)."""

    def __init__(self, lib: ModuleType) -> None:
        self.lib = lib
        self.clients: tuple[type[Any], ...] = (lib.Client, lib.AsyncClient)
        self._lock = threading.Lock()
        #: An origin as :func:`~._compat_httpx.origin_key` gives it -> our transport, or None
        #: (not ours). Cleared in place (the lookups keep it).
        self._cache: dict[tuple[Any, ...], Any] = {}
        #: (client class, our lookup, the lookup it wraps), in installation order.
        self._patches: list[tuple[type[Any], compat.TransportLookup, compat.TransportLookup]] = []
        self.transport_class = _transport_class(lib)

    def transport_for(self, url: Any) -> Any:
        """Our transport for ``url`` (a fake's, or one refusing it), else None."""
        key = compat.origin_key(url)
        transport = self._cache.get(key, _UNKNOWN)
        return self._look_up(url, key) if transport is _UNKNOWN else transport

    def _look_up(self, url: Any, key: tuple[Any, ...]) -> Any:
        """:meth:`transport_for` of an origin not cached yet: found and cached."""
        found = intercept.lookup(url.scheme, url.host, url.port)
        transport = None if found is None else self.transport_class(found, self)
        with self._lock:
            if intercept.active():
                self._cache[key] = transport
        return transport

    def changed(self) -> None:
        """The table of started fakes changed: forget what was looked up."""
        with self._lock:
            self._cache.clear()

    def _wrap(self, previous: compat.TransportLookup) -> compat.TransportLookup:
        cache, look_up, origin_key = self._cache, self._look_up, compat.origin_key

        def _transport_for_url(client: Any, url: Any) -> Any:
            # transport_for(url), inlined: this runs for every request of every client.
            key = origin_key(url)
            transport = cache.get(key, _UNKNOWN)
            if transport is _UNKNOWN:
                transport = look_up(url, key)
            return transport or previous(client, url)

        _transport_for_url.tofupay_wraps = previous  # type: ignore[attr-defined]
        _transport_for_url.tofupay_owner = self  # type: ignore[attr-defined]
        return _transport_for_url

    def install(self) -> None:
        """Wrap the client classes' transport lookup (idempotent)."""
        self.changed()
        if self._patches:
            return
        for cls in self.clients:
            current = compat.lookup_of(cls)
            if getattr(current, "tofupay_owner", None) is self:
                # Ours, left inside another patch that has since gone: reuse it.
                self._patches.append((cls, current, current.tofupay_wraps))  # type: ignore[attr-defined]
                continue
            ours = self._wrap(current)
            compat.set_lookup(cls, ours)
            self._patches.append((cls, ours, current))

    def uninstall(self) -> None:
        """Put the lookups back (idempotent)."""
        self.changed()
        while self._patches:
            cls, ours, previous = self._patches.pop()
            if compat.lookup_of(cls) is ours:
                compat.set_lookup(cls, previous)
            # Otherwise a later patch (respx's) wraps ours and puts ours back when it
            # stops; with no fake started ours only passes requests on.


def _transport_class(lib: ModuleType) -> type[Any]:
    """A transport class of ``lib`` answering from a fake or refusing the request."""

    class FakeTransport(lib.BaseTransport, lib.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        """Answers requests (sync and async) from one fake, or refuses them; no network."""

        def __init__(self, target: Core | intercept.Refused, owner: Interceptor) -> None:
            self.target = target
            self.owner = owner

        def handle_request(self, request: Any) -> Any:
            target = self.target
            if isinstance(target, intercept.Refused):
                raise lib.ConnectError(target.reason, request=request)
            request.read()
            try:
                answer = exchange(target, compat.request_of(request), _read_timeout(request))
            except (InjectedException, TimedOut) as error:
                raise _client_error(lib, error, request) from None
            return _response(lib, answer, request)

        async def handle_async_request(self, request: Any) -> Any:
            target = self.target
            if isinstance(target, intercept.Refused):
                raise lib.ConnectError(target.reason, request=request)
            await request.aread()
            try:
                answer = await aexchange(target, compat.request_of(request), _read_timeout(request))
            except (InjectedException, TimedOut) as error:
                raise _client_error(lib, error, request) from None
            return _response(lib, answer, request)

    return FakeTransport


def _response(lib: ModuleType, answer: Response, request: Any) -> Any:
    """The client's response: the fake's status, headers and bytes.

    A HEAD gets what a server sends: the headers, with the length of the body
    it leaves out.
    """
    if request.method == "HEAD":
        headers = (*answer.headers, ("Content-Length", str(len(answer.content))))
        return lib.Response(answer.status_code, headers=headers, request=request)
    return lib.Response(
        answer.status_code, headers=answer.headers, content=answer.content, request=request
    )


def _read_timeout(request: Any) -> float | None:
    timeout = request.extensions.get("timeout")
    return timeout.get("read") if isinstance(timeout, dict) else None


def _client_error(lib: ModuleType, error: Exception, request: Any) -> BaseException:
    """An injected fault or a timeout as the client raises it; httpx errors carry the request."""
    if isinstance(error, TimedOut):
        return lib.ReadTimeout(str(error), request=request)  # type: ignore[no-any-return]
    assert isinstance(error, InjectedException)
    if error.error == "timeout":
        return lib.ReadTimeout(str(error), request=request)  # type: ignore[no-any-return]
    if error.error == "connection_error":
        return lib.ConnectError(str(error), request=request)  # type: ignore[no-any-return]
    assert isinstance(error.error, type)
    if issubclass(error.error, lib.RequestError):
        return error.error(str(error), request=request)  # type: ignore[call-arg]
    return error.error(str(error))


# -- httpx itself, and respx beside it ---------------------------------------------------

import httpx  # noqa: E402
import respx  # noqa: E402
from respx.mocks import Mocker  # noqa: E402
from respx.models import AllMockedAssertionError, PassThrough  # noqa: E402

INTERCEPTOR = Interceptor(httpx)
_RESPX_MOCKER = Mocker.registry["httpx"]


class _RespxFront(respx.MockRouter):
    """The started fakes inside respx's ``httpx`` mocker, for when respx's patch wraps ours.

    One for the process (a respx router takes a while to make), registered first
    while interception is on.
    """

    def __init__(self) -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True, using="httpx")
        self._elsewhere = respx.Route().pass_through()

    def handler(self, request: httpx.Request) -> httpx.Response:
        return self._transport(request).handle_request(request)  # type: ignore[no-any-return]

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        return await self._transport(request).handle_async_request(request)  # type: ignore[no-any-return]

    def _transport(self, request: httpx.Request) -> Any:
        transport = INTERCEPTOR.transport_for(request.url)
        if transport is not None:
            return transport
        routers = _RESPX_MOCKER.routers
        if routers and routers[-1] is not self:
            raise AllMockedAssertionError(f"tofupay_fake: {request!r} is not for the fake")
        raise PassThrough(
            f"tofupay_fake: {request!r} passes through", request=request, origin=self._elsewhere
        )


_FRONT: _RespxFront | None = None


def install() -> None:
    """Intercept httpx (and sit first in respx's httpx mocker)."""
    global _FRONT
    if _FRONT is None:
        _FRONT = _RespxFront()
    routers = _RESPX_MOCKER.routers
    if _FRONT in routers:
        routers.remove(_FRONT)
    routers.insert(0, _FRONT)  # our origins first, whoever came before
    INTERCEPTOR.install()


def uninstall() -> None:
    """Stop intercepting httpx (idempotent)."""
    if _FRONT is not None:
        _RESPX_MOCKER.unregister(_FRONT)
    if not _RESPX_MOCKER.routers:
        _RESPX_MOCKER.stop()  # a respx patch that only our router kept alive goes too
    INTERCEPTOR.uninstall()


def changed() -> None:
    """The table of started fakes changed."""
    INTERCEPTOR.changed()
