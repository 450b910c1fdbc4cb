"""Who may use the control endpoints (``/_fake/...``): the server's own pages and HTTP clients.

A web page the developer happens to visit must not drive the fake: a form of
another site posting to ``/_fake/customers`` (a cross-site request carries
the page's ``Origin``), or a page whose domain name was re-pointed to
127.0.0.1 reading ``/_fake/calls`` (DNS rebinding: the request carries that
domain in ``Host``). So on ``/_fake/...``:

- the ``Host`` must name the server itself: ``127.0.0.1``, ``localhost`` or
  ``[::1]`` with the server's port (or none), the address the connection came in on,
  or one of ``allowed_hosts`` (a name, with or without a port; ``*``: any);
- an ``Origin``, when sent, must be one of those same hosts (the dashboard's
  own requests), or one of ``allowed_origins`` (``*``: any).

HTTP clients that are not browsers send no ``Origin`` and their own
``Host``: they are never refused. ``/v1/...``, ``/openapi.json`` and
Tofupay.js stay open to every page (Tofupay.js makes tokens from pages of any
origin, with CORS).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import messages
from ..errors import TofupayError

#: Host names that are always the server's own (with the server's port).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _host_port(value: str) -> tuple[str, str | None]:
    """``"Example.COM.:80"`` -> ``("example.com", "80")``; ``"[::1]"`` -> ``("[::1]", None)``."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value, None
        host, rest = value[: end + 1], value[end + 1 :]
        return host, rest[1:] if rest.startswith(":") else None
    host, colon, port = value.rpartition(":")
    if not colon or ":" in host:  # no port, or a bare IPv6 address
        host, port = value, ""
    return host.rstrip("."), port or None


def _origin_host(origin: str) -> str | None:
    """The ``host[:port]`` of an ``http(s)://`` origin (default ports made explicit), else None."""
    scheme, sep, rest = origin.strip().lower().partition("://")
    if not sep or scheme not in ("http", "https") or not rest or "/" in rest:
        return None
    host, port = _host_port(rest)
    return f"{host}:{port or ('80' if scheme == 'http' else '443')}"


class Guard:
    """Decides whether a request to a control endpoint may go on.

    ``allowed_origins``: origins (``http://app.test:3000``) whose pages may
    call the control endpoints, ``*`` for any. ``allowed_hosts``: further
    names of the server (``fake.internal``, ``fake.internal:12111``), ``*``
    for any.
    """

    def __init__(
        self, allowed_origins: Iterable[str] = (), allowed_hosts: Iterable[str] = ()
    ) -> None:
        origins = _strings(allowed_origins, "allowed_origins")
        hosts = _strings(allowed_hosts, "allowed_hosts")
        self.any_origin = "*" in origins
        self.any_host = "*" in hosts
        self.origins = frozenset(
            found for origin in origins if (found := _origin_host(origin)) is not None
        )
        bad = [origin for origin in origins if origin != "*" and _origin_host(origin) is None]
        if bad:
            raise ValueError(
                f"allowed_origins takes origins such as http://localhost:3000 (or *), got {bad[0]!r}"
            )
        self.hosts = frozenset(_host_port(host) for host in hosts if host != "*")

    def _own(self, host: str, port: str | None, server: Any) -> bool:
        """True when ``host:port`` names this server."""
        own_port = str(server[1]) if server and len(server) > 1 and server[1] else None
        if (host, None) in self.hosts or (host, port) in self.hosts:
            return True
        if own_port is not None and port is not None and port != own_port:
            return False  # no port: as a hand-written request sends it, never a rebound name
        if host in LOOPBACK_NAMES:
            return True
        if server and server[0]:
            address = str(server[0]).lower()
            return host == (f"[{address}]" if ":" in address else address)
        return False

    def check(self, headers: Mapping[str, str], server: Any) -> None:
        """Raise the 403 when ``Host`` or ``Origin`` is not allowed (header names lower case).

        ``server``: the ASGI scope's ``(address, port)`` the request came in on, or None.
        """
        host_header = headers.get("host")
        if host_header is not None and not self.any_host:
            host, port = _host_port(host_header)
            if not self._own(host, port, server):
                raise TofupayError(
                    403,
                    "invalid_request_error",
                    messages.CONTROL_FOREIGN_HOST.format(value=host_header),
                )
        origin = headers.get("origin")
        if origin is None or self.any_origin:
            return
        found = _origin_host(origin)
        if found is not None:
            host, port = _host_port(found)
            if found in self.origins or self._own(host, port, server):
                return
        raise TofupayError(
            403, "invalid_request_error", messages.CONTROL_FOREIGN_ORIGIN.format(value=origin)
        )

    def cors(self, headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
        """CORS headers for a page of an origin ``allowed_origins`` lets in (else none)."""
        origin = headers.get("origin")
        if origin is None or not (self.any_origin or _origin_host(origin) in self.origins):
            return []
        return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]


def _strings(values: Iterable[str], name: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"{name} takes a list of strings, not one string")
    found = tuple(values)
    for value in found:
        if not isinstance(value, str) or not value.strip():
            raise TypeError(f"{name} takes non-empty strings, got {value!r}")
    return tuple(value.strip() for value in found)
