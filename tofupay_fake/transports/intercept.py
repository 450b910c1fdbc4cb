"""Which started fake answers which origin, and the client patches that ask.

One table for every client library: :func:`lookup` tells a transport whether
a request is for a started fake (answer it), for a fake's host on another
scheme or port, or for a guarded host no fake answers (refuse it: it must
never reach the network, not even as a DNS lookup), or for anybody else
(leave it alone). Hosts are matched case-insensitively and without a
trailing dot.

The client patches (httpx, httpx2, requests, aiohttp, urllib) are installed
when the first fake starts (or the guard is switched on) and removed when
the last one stops; only the libraries that are installed are touched.
"""

from __future__ import annotations

import importlib
import importlib.util
import ipaddress
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core import Core

DEFAULT_PORTS = {"http": 80, "https": 443}

#: Client library -> the module of ours that intercepts it.
CLIENTS = {
    "httpx": "tofupay_fake.transports.httpx_transport",
    "httpx2": "tofupay_fake.transports.httpx2_transport",
    "requests": "tofupay_fake.transports.requests_transport",
    "aiohttp": "tofupay_fake.transports.aiohttp_transport",
    "urllib": "tofupay_fake.transports.urllib_transport",
}


@dataclass(frozen=True)
class Refused:
    """A request that must fail in the client with a connection error saying ``reason``."""

    reason: str


_LOCK = threading.RLock()
#: (scheme, host, port) -> the started fakes on it (at most one), exact origins.
_ORIGINS: dict[tuple[str, str, int], Core] = {}
#: A domain host of a started fake -> that fake: its other schemes and ports are refused.
_HOSTS: dict[str, Core] = {}
#: Hosts the guard refuses while no fake answers them -> the reason.
_GUARDED: dict[str, str] = {}
#: Our patch modules installed, in order.
_INSTALLED: list[ModuleType] = []
_AVAILABLE: dict[str, bool] = {}


def normal_host(host: str) -> str:
    """A host as the table keeps it: lower case, no trailing dot."""
    return host.lower().rstrip(".")


def lookup(scheme: str, host: str, port: int | None) -> Core | Refused | None:
    """The started fake for this origin, a :class:`Refused`, or None (not ours)."""
    host = host.lower().rstrip(".") if host else ""
    scheme = scheme.lower()
    fake = _ORIGINS.get((scheme, host, port or DEFAULT_PORTS.get(scheme, 0)))
    if fake is not None:
        return fake
    owner = _HOSTS.get(host)
    if owner is not None:
        return Refused(
            f"tofupay_fake: {scheme}://{host}{f':{port}' if port else ''} is not the fake's "
            f"origin ({owner.base_url}); the request was stopped before reaching the network."
        )
    reason = _GUARDED.get(host)
    if reason is not None:
        return Refused(reason)
    return None


def active() -> bool:
    """True while any fake is started or a host is guarded (the patches are installed)."""
    return bool(_INSTALLED)


def is_domain(host: str) -> bool:
    """True for a DNS name other than ``localhost`` (not an IP address)."""
    if host == "localhost":
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False


def start(fake: Core) -> None:
    """Answer ``fake``'s origin from now on; RuntimeError if another started fake has it."""
    host = fake.origin[1]
    with _LOCK:
        other = _ORIGINS.get(fake.origin)
        if other is not None and other is not fake:
            raise RuntimeError(
                f"Cannot start {fake!r}: {other!r} is already started on the same origin "
                f"{fake.base_url}. Stop it first (or give this fake another base_url)."
            )
        _ORIGINS[fake.origin] = fake
        if is_domain(host):
            _HOSTS.setdefault(host, fake)
        _install()
        _changed()


def stop(fake: Core) -> None:
    """Stop answering ``fake``'s origin (idempotent); the patches go with the last fake."""
    with _LOCK:
        if _ORIGINS.get(fake.origin) is fake:
            del _ORIGINS[fake.origin]
        for host, owner in list(_HOSTS.items()):
            if owner is fake:
                del _HOSTS[host]
                successor = next((f for o, f in _ORIGINS.items() if o[1] == host), None)
                if successor is not None:
                    _HOSTS[host] = successor
        _changed()
        _maybe_uninstall()


def guard(host: str, reason: str) -> None:
    """Refuse every request to ``host`` that no started fake answers, with ``reason``."""
    with _LOCK:
        _GUARDED[normal_host(host)] = reason
        _install()
        _changed()


def unguard(host: str) -> None:
    """Undo :func:`guard` (idempotent)."""
    with _LOCK:
        _GUARDED.pop(normal_host(host), None)
        _changed()
        _maybe_uninstall()


def available(library: str) -> bool:
    """True when the client library is installed (looked up once)."""
    found = _AVAILABLE.get(library)
    if found is None:
        found = _AVAILABLE[library] = (
            library == "urllib" or importlib.util.find_spec(library) is not None
        )
    return found


def _install() -> None:
    if _INSTALLED:
        return
    for library, module_name in CLIENTS.items():
        if available(library):
            module = importlib.import_module(module_name)
            module.install()
            _INSTALLED.append(module)


def _changed() -> None:
    for module in _INSTALLED:
        module.changed()


def _maybe_uninstall() -> None:
    if _ORIGINS or _GUARDED:
        return
    while _INSTALLED:
        _INSTALLED.pop().uninstall()
