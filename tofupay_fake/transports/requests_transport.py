"""requests interception: ``HTTPAdapter.send`` answers a started fake's origin.

Interception point: ``requests.adapters.HTTPAdapter.send``, the public
method every ``Session`` (and so every module function such as
``requests.post``) calls once per request. It is wrapped while interception
is on, with no extra and no ``responses`` needed. An application's own
``HTTPAdapter`` subclass mounted on a session still runs its ``send()``
(and ``add_headers()``, ``build_response()``): its ``super().send()`` is
ours. For each request:

- a started fake's origin: the body (bytes, text, an encoded form, a
  generator sent chunked, a file object) is read, the fake answers, and the
  adapter's ``build_response()`` turns the answer into a real
  ``requests.Response`` whose ``raw`` is a urllib3 ``HTTPResponse`` over the
  parsed ``http.client`` response (see :mod:`._compat_urllib`): ``content``,
  ``text``, ``json()``, ``iter_content()``, ``stream=True``, cookies and
  the session's response hooks behave as with a real server;
- a fake's host on another scheme or port (or a guarded host):
  ``requests.exceptions.ConnectionError`` naming the fake's ``base_url``;
  no connection, no DNS lookup;
- anything else: the ``send`` that was there before.

``timeout=`` (a number, a ``(connect, read)`` tuple or a urllib3
``Timeout``) gives the read timeout; past it ``ReadTimeout`` is raised.

A user's ``responses`` mock keeps answering its own hosts whether it was
started before the fake (then our wrapper sits in front of its patch) or
after it (then responses' patch calls ``RequestsMock._on_request``, where
the fake is put in front; see :mod:`._compat_requests`).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout, RequestException
from urllib3.exceptions import TimeoutStateError

from ..faults import InjectedException
from ..request import Headers, Request
from . import _compat_requests, intercept
from ._compat_urllib import body_bytes, http_response
from .exchange import TimedOut, exchange

Send = Callable[..., requests.Response]

#: ``HTTPAdapter.send``'s arguments after the request, in order, and their defaults.
_SEND_ARGS = {"stream": False, "timeout": None, "verify": True, "cert": None, "proxies": None}

_LOCK = threading.RLock()
#: (ours, the send it wraps) while installed.
_PATCH: list[tuple[Send, Send]] = []
#: Ours, left wrapped by another patch at uninstall: unwound when that patch goes.
_LEFT_INSIDE: set[Send] = set()


def _target(url: str | bytes | None) -> Any:
    """The fake (or a Refused) for ``url``, else None."""
    text = url.decode("utf-8") if isinstance(url, bytes) else url or ""
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:  # not a port: the real adapter raises its own error
        return None
    return intercept.lookup(parts.scheme, parts.hostname or "", port)


def _wrap(previous: Send) -> Send:
    def send(
        adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        target = _target(request.url)
        if target is None:
            return previous(adapter, request, *args, **kwargs)
        kwargs.update(zip(_SEND_ARGS, args, strict=False))
        return answer(adapter, request, target, kwargs)

    send.tofupay_wraps = previous  # type: ignore[attr-defined]
    send.tofupay_owner = __name__  # type: ignore[attr-defined]
    return send


def _answer_if_ours(adapter: Any, request: Any, kwargs: dict[str, Any]) -> Any:
    """For responses' mock: the fake's answer (or its refusal) when ``request`` is ours."""
    target = _target(request.url)
    return None if target is None else answer(adapter, request, target, kwargs)


def answer(
    adapter: HTTPAdapter,
    request: requests.PreparedRequest,
    target: Any,
    kwargs: dict[str, Any],
) -> requests.Response:
    """The fake's answer to ``request`` as ``HTTPAdapter.send`` returns it, or requests' error."""
    options = {name: kwargs.get(name, default) for name, default in _SEND_ARGS.items()}
    timeout = _timeout(options["timeout"])
    adapter.add_headers(request, **options)
    if isinstance(target, intercept.Refused):
        raise RequestsConnectionError(target.reason, request=request)
    fake_request = _request(request)
    try:
        found = exchange(target, fake_request, _read_timeout(timeout))
    except (InjectedException, TimedOut) as error:
        raise _client_error(error, request) from None
    url = str(request.url)
    original = http_response(found, fake_request.method, url)
    raw = urllib3.HTTPResponse(
        body=original,
        headers=urllib3.HTTPHeaderDict(original.getheaders()),
        status=original.status,
        version=original.version,
        reason=original.reason,
        preload_content=False,
        decode_content=False,
        original_response=original,
        enforce_content_length=True,
        request_method=fake_request.method,
        request_url=url,
    )
    return adapter.build_response(request, raw)


def _timeout(timeout: Any) -> urllib3.Timeout:
    """``timeout=`` as ``HTTPAdapter.send`` reads it (same errors for bad values)."""
    if isinstance(timeout, tuple):
        try:
            connect, read = timeout
            return urllib3.Timeout(connect=connect, read=read)
        except ValueError:
            raise ValueError(
                f"Invalid timeout {timeout}. Pass a (connect, read) timeout tuple, "
                f"or a single float to set both timeouts to the same value."
            ) from None
    if isinstance(timeout, urllib3.Timeout):
        return timeout
    return urllib3.Timeout(connect=timeout, read=timeout)


def _read_timeout(timeout: urllib3.Timeout) -> float | None:
    """The read timeout in seconds (None: none); connecting to a fake takes no time."""
    try:
        read: Any = timeout.read_timeout
    except TimeoutStateError:  # only a total: all of it is left for reading
        read = None
    total: Any = timeout.total
    numbers = [value for value in (read, total) if _is_number(value)]
    if numbers:
        return float(min(numbers))
    if read is None:
        return None  # no read timeout asked for
    # Not given: urllib3's default, the socket's (urllib3 2 resolves it in read_timeout).
    return socket.getdefaulttimeout()  # pragma: no cover - urllib3 1.26 only


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _request(prepared: requests.PreparedRequest) -> Request:
    """The fake's request value of a prepared request, as urllib3 would send it."""
    url = prepared.url
    parts = urlsplit(url.decode("utf-8") if isinstance(url, bytes) else url or "")
    method = (prepared.method or "GET").upper()
    pairs = [(str(name), _text(value)) for name, value in prepared.headers.items()]
    names = {name.lower() for name, _ in pairs}
    if "host" not in names:
        pairs.insert(0, ("Host", parts.netloc.rpartition("@")[2]))
    if prepared.body is not None and not names & {"content-length", "transfer-encoding"}:
        pairs.append(("Transfer-Encoding", "chunked"))  # urllib3 sends it chunked
    return Request(method, parts.path or "/", parts.query, Headers(pairs), _body(prepared.body))


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _body(body: Any) -> bytes:
    """The bytes urllib3 sends for a prepared body (text as UTF-8)."""
    if isinstance(body, str):
        return body.encode("utf-8")
    return body_bytes(body, "utf-8")


def _client_error(error: Exception, request: requests.PreparedRequest) -> BaseException:
    """An injected fault or a timeout as requests raises it, with the request attached."""
    if isinstance(error, TimedOut):
        return ReadTimeout(str(error), request=request)
    assert isinstance(error, InjectedException)
    if error.error == "timeout":
        return ReadTimeout(str(error), request=request)
    if error.error == "connection_error":
        return RequestsConnectionError(str(error), request=request)
    assert isinstance(error.error, type)
    if issubclass(error.error, RequestException):
        return error.error(str(error), request=request)
    return error.error(str(error))


def _after_mock_stopped() -> None:
    """A responses mock stopped: ours on top again while a fake is started, else unwound."""
    with _LOCK:
        current = HTTPAdapter.__dict__["send"]
        if _PATCH:
            ours, _ = _PATCH[-1]
            if current is ours or getattr(current, "tofupay_owner", None) == __name__:
                return
            # The mock put back the send it found when it started, before ours: ours
            # went with it. Wrap what is there now.
            again = _wrap(current)
            HTTPAdapter.send = again  # type: ignore[method-assign]
            _PATCH[:] = [(again, current)]
            return
        while getattr(current, "tofupay_owner", None) == __name__:
            _LEFT_INSIDE.discard(current)
            current = current.tofupay_wraps
            HTTPAdapter.send = current  # type: ignore[method-assign]
        if not _LEFT_INSIDE:
            _compat_requests.unhook_stop()


def install() -> None:
    """Wrap ``HTTPAdapter.send`` and put the fake in front of ``responses`` (idempotent)."""
    with _LOCK:
        if _PATCH:
            return
        _compat_requests.put_in_front(_answer_if_ours)  # before: responses imported first
        _compat_requests.hook_stop(_after_mock_stopped)
        current: Send = HTTPAdapter.__dict__["send"]
        if getattr(current, "tofupay_owner", None) == __name__:
            # Ours, left inside another patch that has since gone: reuse it.
            _LEFT_INSIDE.discard(current)
            _PATCH.append((current, current.tofupay_wraps))  # type: ignore[attr-defined]
            return
        ours = _wrap(current)
        HTTPAdapter.send = ours  # type: ignore[method-assign]
        _PATCH.append((ours, current))


def uninstall() -> None:
    """Put ``HTTPAdapter.send`` and responses back (idempotent)."""
    with _LOCK:
        _compat_requests.remove_front()
        while _PATCH:
            ours, previous = _PATCH.pop()
            if HTTPAdapter.__dict__.get("send") is ours:
                HTTPAdapter.send = previous  # type: ignore[method-assign]
            else:
                # A later patch (a responses mock started after the fake) wraps ours;
                # ours only passes requests on, and goes when that mock stops.
                _LEFT_INSIDE.add(ours)
        if not _LEFT_INSIDE:
            _compat_requests.unhook_stop()


def changed() -> None:
    """The table of started fakes changed (nothing is cached here)."""
