"""urllib interception: ``AbstractHTTPHandler.do_open`` answers a started fake's origin.

Interception point: ``urllib.request.AbstractHTTPHandler.do_open(http_class,
req, **kwargs)``, the public method through which both
``HTTPHandler.http_open`` and ``HTTPSHandler.https_open`` open their
connection. ``urlopen``, every opener of ``build_opener()`` and any
``OpenerDirector`` holding these handlers (or subclasses of them) go through
it. While interception is on it is wrapped:

- a request for a started fake's origin is answered by the fake with the
  ``http.client.HTTPResponse`` a server's bytes would give (see
  :mod:`._compat_urllib`), so the opener's post-processing runs as usual
  (``HTTPErrorProcessor`` raises ``urllib.error.HTTPError`` for a 4xx/5xx,
  with the JSON body readable from the error);
- a request for a fake's host on another scheme or port (or a guarded host)
  raises ``urllib.error.URLError`` whose ``reason`` (a
  ``ConnectionRefusedError``) names the fake's ``base_url``; no socket is
  opened and no DNS lookup is made;
- any other request goes to the ``do_open`` that was there before.

The request arrives after the handlers' pre-processing (``Host``,
``Content-Type``, ``Content-Length``, the opener's ``User-Agent``) and its
headers are those ``do_open`` sends (``Connection: close``, title-case
names, ``Accept-Encoding: identity`` as ``http.client`` adds it). The read
timeout is ``Request.timeout`` (set by ``urlopen(timeout=...)``), else the
socket default; past it ``TimeoutError`` is raised, as ``getresponse()``
raises it.
"""

from __future__ import annotations

import errno
import http.client
import re
import socket
import threading
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from ..faults import InjectedException
from ..request import Headers, Request
from . import intercept
from ._compat_urllib import body_bytes, http_response
from .exchange import TimedOut, exchange

DoOpen = Callable[..., http.client.HTTPResponse]

#: What ``http.client`` refuses to put in a request line (it raises InvalidURL).
_NOT_IN_URL = re.compile("[\x00-\x20\x7f]")

_LOCK = threading.Lock()
#: (ours, the do_open it wraps) while installed.
_PATCH: list[tuple[DoOpen, DoOpen]] = []


def _wrap(previous: DoOpen) -> DoOpen:
    def do_open(handler: Any, http_class: Any, req: urllib.request.Request, **kwargs: Any) -> Any:
        parts = urlsplit(req.full_url)
        target = intercept.lookup(parts.scheme, parts.hostname or "", parts.port)
        if target is None:
            return previous(handler, http_class, req, **kwargs)
        return answer(target, req)

    do_open.tofupay_wraps = previous  # type: ignore[attr-defined]
    do_open.tofupay_owner = __name__  # type: ignore[attr-defined]
    return do_open


def answer(target: Any, req: urllib.request.Request) -> http.client.HTTPResponse:
    """The fake's answer to ``req`` as ``do_open`` returns it, or the client's error."""
    if isinstance(target, intercept.Refused):
        raise URLError(ConnectionRefusedError(errno.ECONNREFUSED, target.reason))
    request = _request(req)
    try:
        found = exchange(target, request, _read_timeout(req))
    except (InjectedException, TimedOut) as error:
        raise _client_error(error) from None
    response = http_response(found, request.method, req.full_url)
    response.url = req.full_url  # what do_open sets
    response.msg = response.reason  # type: ignore[assignment]
    return response


def _request(req: urllib.request.Request) -> Request:
    """The fake's request value of a urllib request, headers as ``do_open`` sends them."""
    selector = urlsplit(req.full_url)
    path = selector.path or "/"
    found = _NOT_IN_URL.search(path + selector.query)
    if found is not None:  # http.client's own check
        raise http.client.InvalidURL(
            f"URL can't contain control characters. {req.full_url!r} "
            f"(found at least {found.group()!r})"
        )
    (path + selector.query).encode("ascii")  # http.client sends the request line as ASCII
    names = dict(req.unredirected_hdrs)
    names.update({name: value for name, value in req.headers.items() if name not in names})
    names["Connection"] = "close"
    sent = {name.title(): value for name, value in names.items()}
    sent.pop("Proxy-Authorization", None)  # for a proxy, which is never contacted
    if "Accept-Encoding" not in sent:
        sent["Accept-Encoding"] = "identity"
    for value in sent.values():
        str(value).encode("latin-1")  # as http.client encodes header values
    headers = Headers((name, str(value)) for name, value in sent.items())
    return Request(req.get_method().upper(), path, selector.query, headers, _body(req.data))


def _body(data: Any) -> bytes:
    """The bytes of ``Request.data`` (bytes, a file object or an iterable of bytes)
    as http.client sends them (text as ISO-8859-1)."""
    return body_bytes(data, "iso-8859-1")


def _read_timeout(req: urllib.request.Request) -> float | None:
    timeout = getattr(req, "timeout", None)
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    return socket.getdefaulttimeout()  # urlopen's default: the socket module's


def _client_error(error: Exception) -> BaseException:
    """An injected fault or a timeout as urllib raises it."""
    if isinstance(error, TimedOut):
        return TimeoutError(str(error))
    assert isinstance(error, InjectedException)
    if error.error == "timeout":
        return TimeoutError(str(error))
    if error.error == "connection_error":
        return URLError(ConnectionRefusedError(errno.ECONNREFUSED, str(error)))
    assert isinstance(error.error, type)
    return error.error(str(error))


def install() -> None:
    """Wrap ``AbstractHTTPHandler.do_open`` (idempotent)."""
    with _LOCK:
        if _PATCH:
            return
        cls = urllib.request.AbstractHTTPHandler
        current: DoOpen = cls.__dict__["do_open"]
        if getattr(current, "tofupay_owner", None) == __name__:
            # Ours, left inside another patch that has since gone: reuse it.
            _PATCH.append((current, current.tofupay_wraps))  # type: ignore[attr-defined]
            return
        ours = _wrap(current)
        cls.do_open = ours  # type: ignore[method-assign]
        _PATCH.append((ours, current))


def uninstall() -> None:
    """Put ``do_open`` back (idempotent)."""
    with _LOCK:
        while _PATCH:
            ours, previous = _PATCH.pop()
            cls = urllib.request.AbstractHTTPHandler
            if cls.__dict__.get("do_open") is ours:
                cls.do_open = previous  # type: ignore[method-assign]
            # Otherwise a later patch wraps ours; with no fake started ours only passes
            # requests on.


def changed() -> None:
    """The table of started fakes changed (nothing is cached here)."""
