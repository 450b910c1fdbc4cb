"""httpx interception: the fake's origin is answered at httpx's client level.

While a fake is started, ``httpx.Client._transport_for_url`` and
``httpx.AsyncClient._transport_for_url`` are wrapped (once, however many
fakes run): a request for a started fake's origin gets that fake's
:class:`FakeTransport`, whatever transport or mounts the client has; any other
URL goes to whatever was there before (httpx itself, or a respx router using
``httpx`` that was started earlier). That is the spot respx's ``httpx`` mocker
patches, without its per-request transports and pattern matching: one dict
lookup decides.

To stay in front of a user's respx router using ``httpx`` started *after* the
fake (whose patch then wraps ours), one small respx router is also registered
first in respx's ``httpx`` mocker while any fake is started: it answers the
started fakes' origins there and hands every other request on. A user's ``respx_mock`` on the default
(httpcore) mocker and pytest-httpx (``HTTPTransport.handle_request``) sit below
the client level and only ever see other hosts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import respx
from respx.mocks import Mocker
from respx.models import AllMockedAssertionError, PassThrough

from ..faults import InjectedException

if TYPE_CHECKING:
    from ..core import FakeTofupay

Origin = tuple[str, str, "int | None"]
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ATTRIBUTE = "_transport_for_url"
_CLIENTS: tuple[type[Any], ...] = (httpx.Client, httpx.AsyncClient)


class FakeTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers httpx requests (sync and async) with one fake; no network, no routing."""

    def __init__(self, fake: FakeTofupay) -> None:
        self.fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return _answer(self.fake, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return _answer(self.fake, request)


class FakeRouter:
    """Routes httpx requests for one fake's origin to it, from :meth:`start` to :meth:`stop`."""

    def __init__(self, fake: FakeTofupay) -> None:
        self.fake = fake
        self.transport = FakeTransport(fake)
        scheme, host, port = fake._origin
        # httpx normalises a scheme's default port to None.
        self.origin: Origin = (scheme, host, None if port == _DEFAULT_PORTS.get(scheme) else port)

    def start(self) -> None:
        global _FRONT
        with _LOCK:
            _ROUTED.setdefault(self.origin, []).append(self.transport)
            _ANSWERING[self.origin] = self.transport
            if _FRONT is None:
                _FRONT = _RespxFront()
            routers = _HTTPX_MOCKER.routers
            if _FRONT in routers:
                routers.remove(_FRONT)
            routers.insert(0, _FRONT)  # our origins first, whoever came before
            _install()

    def stop(self, quiet: bool = True) -> None:
        """Remove this fake's routing (idempotent); ``quiet`` is kept for callers' symmetry."""
        with _LOCK:
            routed = _ROUTED.get(self.origin, [])
            if self.transport in routed:
                routed.remove(self.transport)
            if routed:
                _ANSWERING[self.origin] = routed[-1]
            else:
                _ROUTED.pop(self.origin, None)
                _ANSWERING.pop(self.origin, None)
            if _ROUTED:
                return
            if _FRONT is not None:
                _HTTPX_MOCKER.unregister(_FRONT)
            if not _HTTPX_MOCKER.routers:
                _HTTPX_MOCKER.stop()  # a respx patch that only our router kept alive goes too
            _uninstall()


class _RespxFront(respx.MockRouter):
    """The started fakes inside respx's ``httpx`` mocker, for when respx's patch wraps ours.

    One for the process (a respx router takes a while to make), registered first
    while any fake is started.
    """

    def __init__(self) -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True, using="httpx")
        self._elsewhere = respx.Route().pass_through()

    def handler(self, request: httpx.Request) -> httpx.Response:
        transport = self._transport(request)
        request.read()
        return _answer(transport.fake, request)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        transport = self._transport(request)
        await request.aread()
        return _answer(transport.fake, request)

    def _transport(self, request: httpx.Request) -> FakeTransport:
        url = request.url
        transport = _ANSWERING.get((url.scheme, url.host, url.port))
        if transport is not None:
            return transport
        routers = _HTTPX_MOCKER.routers
        if routers and routers[-1] is not self:
            raise AllMockedAssertionError(f"tofupay_fake: {request!r} is not for the fake")
        raise PassThrough(
            f"tofupay_fake: {request!r} passes through", request=request, origin=self._elsewhere
        )


# -- the client-level patch ------------------------------------------------------------

_LOCK = threading.Lock()
#: origin -> transports of the started fakes on it, oldest first.
_ROUTED: dict[Origin, list[FakeTransport]] = {}
#: origin -> the newest started fake's transport: all the patched lookup reads.
_ANSWERING: dict[Origin, FakeTransport] = {}
#: (client class, our lookup, the lookup it wraps), in installation order.
_PATCHES: list[tuple[type[Any], Callable[..., Any], Callable[..., Any]]] = []
_HTTPX_MOCKER = Mocker.registry["httpx"]
#: Made at the first start.
_FRONT: _RespxFront | None = None

TransportLookup = Callable[[Any, httpx.URL], Any]


def _wrap(previous: TransportLookup) -> TransportLookup:
    """``_transport_for_url`` answering started fakes' origins, else asking ``previous``."""

    def _transport_for_url(self: Any, url: httpx.URL) -> Any:
        if _ANSWERING:
            transport = _ANSWERING.get((url.scheme, url.host, url.port))
            if transport is not None:
                return transport
        return previous(self, url)

    _transport_for_url.tofupay_wraps = previous  # type: ignore[attr-defined]
    _transport_for_url.tofupay_table = _ANSWERING  # type: ignore[attr-defined]
    return _transport_for_url


def _install() -> None:
    if _PATCHES:
        return
    for cls in _CLIENTS:
        current = cls.__dict__[_ATTRIBUTE]
        if getattr(current, "tofupay_table", None) is _ANSWERING:
            # Ours, left inside another patch that has since gone: reuse it.
            _PATCHES.append((cls, current, current.tofupay_wraps))
            continue
        ours = _wrap(current)
        setattr(cls, _ATTRIBUTE, ours)
        _PATCHES.append((cls, ours, current))


def _uninstall() -> None:
    while _PATCHES:
        cls, ours, previous = _PATCHES.pop()
        if cls.__dict__.get(_ATTRIBUTE) is ours:
            setattr(cls, _ATTRIBUTE, previous)
        # Otherwise a later patch (respx's) wraps ours and will put ours back when it
        # stops; with no fake started ours only passes requests on, and a later
        # start reuses it.


# -- requests and responses -----------------------------------------------------------


def _answer(fake: FakeTofupay, request: httpx.Request) -> httpx.Response:
    url = request.url
    query = url.query.decode("ascii", "replace")
    try:
        lowered = _lowered_headers(request.headers)
        if lowered is not None:  # httpx gives the method in capitals
            answer = fake._handle(request.method, url.path, query, lowered, request.content)
        else:
            answer = fake.handle(
                request.method, url.path, query=query, headers=request.headers,
                body=request.content,
            )  # fmt: skip
    except InjectedException as injected:
        raise _client_error(injected, request) from None
    return httpx.Response(
        answer.status_code, headers=answer.headers, content=answer.content, request=request
    )


def _lowered_headers(headers: httpx.Headers) -> dict[str, str] | None:
    """A fresh dict of the headers as ``handle`` would make it, when that is cheap; else None.

    httpx decodes every header at each ``items()`` and joins repeated ones with
    ``", "``: for all-ASCII headers with none repeated (the usual request) this
    gives the same names (lowercase) and values for a third of the cost. It
    reads httpx's ``(raw name, lowercase name, value)`` list when it has one
    (every httpx this package supports), else the public ``raw`` pairs.
    """
    try:
        entries: list[Any] = headers._list
        lowered = {name.decode("ascii"): value.decode("ascii") for _, name, value in entries}
    except (AttributeError, TypeError, ValueError):  # not ASCII, or another httpx
        entries = headers.raw
        try:
            lowered = {name.decode("ascii").lower(): v.decode("ascii") for name, v in entries}
        except UnicodeDecodeError:
            return None
    return lowered if len(lowered) == len(entries) else None


def _client_error(injected: InjectedException, request: httpx.Request) -> BaseException:
    """The injected exception as the client would see it; httpx errors carry the request."""
    if issubclass(injected.error, httpx.RequestError):
        return injected.error(str(injected), request=request)
    return injected.error(str(injected))
