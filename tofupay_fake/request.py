"""The one request value every transport builds, and the one response value it gets back.

A transport (httpx, httpx2, requests, aiohttp, urllib, the ASGI server) turns
its client's request into a :class:`Request`, hands it to the fake's
``respond`` and turns the :class:`Response` into its client's response. Both
are immutable; header names are matched case-insensitively.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
#: (scheme, host, port): the host lower case without a trailing dot, the port always given.
Origin = tuple[str, str, int]


class Headers(Mapping[str, str]):
    """Read-only request headers; names are case-insensitive (kept lower case).

    A name sent more than once has its values joined with ``", "``, as HTTP
    allows for list-valued headers.
    """

    __slots__ = ("lowered",)

    #: Every header, lower-case name to value: the headers' own dict (read it, never change it).
    lowered: dict[str, str]

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        lowered: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
        object.__setattr__(self, "lowered", lowered)

    @classmethod
    def from_lowered(cls, lowered: dict[str, str]) -> Headers:
        """Headers from a fresh dict whose names are already lower case (it is kept, not copied)."""
        headers = object.__new__(cls)
        object.__setattr__(headers, "lowered", lowered)
        return headers

    def __getitem__(self, name: str) -> str:
        return self.lowered[name.lower()]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name`` (any case), else ``default``."""
        return self.lowered.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.lowered

    def __iter__(self) -> Iterator[str]:
        return iter(self.lowered)

    def __len__(self) -> int:
        return len(self.lowered)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Headers are read-only")

    def __repr__(self) -> str:
        return f"Headers({self.lowered!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self.lowered == other.lowered
        if isinstance(other, Mapping):
            return self.lowered == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


EMPTY_HEADERS = Headers()


class Request(NamedTuple):
    """One API request as the client sent it.

    ``method`` in capitals; ``path`` as sent on the wire (percent-escapes
    kept, so an escaped ``/`` stays inside its segment); ``query`` the raw
    query string without ``?``; ``body`` the raw bytes.
    """

    method: str
    path: str
    query: str = ""
    headers: Headers = EMPTY_HEADERS
    body: bytes = b""


class Response(NamedTuple):
    """What the fake answers: status, headers and JSON bytes.

    ``delay`` is how long the transport waits before handing it to the
    client (latency and delayed faults): awaited by asyncio clients, slept
    by the others.
    """

    status_code: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    delay: float = 0.0

    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.content)

    def header(self, name: str) -> str | None:
        """The value of one response header (any case), else None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


def origin_of(base_url: str) -> Origin:
    """(scheme, host, port) of a base URL; the host lower case without a trailing dot."""
    parts = urlsplit(base_url)
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(f"base_url must be http(s)://host[:port] with no path, got {base_url!r}")
    host = parts.hostname.lower().rstrip(".")
    return parts.scheme, host, parts.port or DEFAULT_PORTS[parts.scheme]
