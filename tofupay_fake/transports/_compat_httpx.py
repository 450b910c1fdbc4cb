"""The one place that reads httpx's (and httpx2's) private parts, for speed.

Checked on httpx 0.27.0 to 0.28.1 and httpx2 2.0 to 2.16 (httpx2 is httpx's fork
and keeps these internals):

- ``Client._transport_for_url`` / ``AsyncClient._transport_for_url``: the
  method every request asks for its transport (mounts, proxies and the
  client's own transport included). Wrapping it is one dict lookup per
  request, where respx's per-request pattern matching costs much more.
- ``URL._uri_reference``: its ``path`` is the path as sent, percent-escapes
  kept (the public ``URL.path`` decodes them; ``URL.raw_path`` adds the
  query); its scheme, host and port name the origin without the public
  properties' work (the host's IDNA decoding).
- ``Headers._list``: ``(raw name, lower-case name, value)`` triples, read
  without decoding every header twice.

Each has a public fallback, used when the private part is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from ..request import EMPTY_HEADERS, Headers, Request

ATTRIBUTE = "_transport_for_url"

TransportLookup = Callable[[Any, Any], Any]


def lookup_of(client_class: type[Any]) -> TransportLookup:
    """The transport lookup a client class has now (ours or httpx's)."""
    found: TransportLookup = client_class.__dict__[ATTRIBUTE]
    return found


def set_lookup(client_class: type[Any], lookup: TransportLookup) -> None:
    """Make ``lookup`` the client class's transport lookup."""
    setattr(client_class, ATTRIBUTE, lookup)


def origin_key(url: Any) -> tuple[Any, ...]:
    """What identifies the URL's origin, cheaply: (scheme, host as sent, port)."""
    try:
        return _ORIGIN(url._uri_reference)  # type: ignore[no-any-return]
    except AttributeError:
        return (url.scheme, url.host, url.port)


_ORIGIN = itemgetter(0, 2, 3)  # ParseResult: scheme, userinfo, host, port, ...


def request_of(request: Any) -> Request:
    """The fake's request value of an httpx request: the path as sent, escapes kept."""
    url = request.url
    try:
        path: str = url._uri_reference.path
    except AttributeError:
        path = url.raw_path.decode("ascii").partition("?")[0]
    lowered = lowered_headers(request.headers)
    headers = (
        Headers.from_lowered(lowered)
        if lowered is not None
        else Headers(request.headers.items())
        if request.headers
        else EMPTY_HEADERS
    )
    return Request(
        request.method, path or "/", url.query.decode("ascii", "replace"), headers, request.content
    )


def lowered_headers(headers: Any) -> dict[str, str] | None:
    """A fresh dict of lower-case names to values, when that is cheap and exact; else None.

    httpx decodes every header at each ``items()`` and joins repeated ones
    with ``", "``: for all-ASCII headers with none repeated (the usual
    request) this gives the same names and values for a third of the cost.
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
