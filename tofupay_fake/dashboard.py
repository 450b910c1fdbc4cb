"""The files the server serves besides the API: the dashboard page and Tofupay.js.

A fixed table of paths to files shipped in ``tofupay_fake/static``; nothing
else on disk is reachable. The dashboard's page forbids, by its content
security policy, loading anything from another origin.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import NamedTuple

#: Everything on the dashboard comes from the server itself.
DASHBOARD_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_HTML = "text/html; charset=utf-8"
_CSS = "text/css; charset=utf-8"
_JS = "application/javascript; charset=utf-8"

#: URL path -> (file in ``static/``, content type).
ASSETS: dict[str, tuple[str, str]] = {
    "/_fake/": ("dashboard.html", _HTML),
    "/_fake/static/dashboard.css": ("dashboard.css", _CSS),
    "/_fake/static/dashboard.js": ("dashboard.js", _JS),
    "/js/v2/tofupay.js": ("tofupay.js", _JS),
}


class Asset(NamedTuple):
    """A served file: its bytes and the headers that go with them."""

    body: bytes
    headers: list[tuple[bytes, bytes]]


def is_asset(path: str) -> bool:
    """True for the paths :func:`asset` serves."""
    return path in ASSETS


@cache
def asset(path: str) -> Asset:
    """The file served at ``path`` (one of :data:`ASSETS`), read once from the package."""
    name, content_type = ASSETS[path]
    body = (files("tofupay_fake") / "static" / name).read_bytes()
    headers = [
        (b"content-type", content_type.encode()),
        (b"cache-control", b"no-cache"),
        (b"x-content-type-options", b"nosniff"),
    ]
    if content_type == _HTML:
        headers.append((b"content-security-policy", DASHBOARD_POLICY.encode()))
        headers.append((b"referrer-policy", b"no-referrer"))
    if name == "tofupay.js":  # pages of any origin load it from the fake
        headers.append((b"access-control-allow-origin", b"*"))
    return Asset(body, headers)
