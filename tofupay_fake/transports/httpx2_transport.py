"""httpx2 interception: the same client-level patch as httpx's, on httpx2's classes.

Under ``httpx2.alias_httpx()`` the name ``httpx`` is httpx2 itself, and the
httpx patch already covers its classes: this one then stands aside.
"""

from __future__ import annotations

import sys

import httpx2

from .httpx_transport import Interceptor

INTERCEPTOR = Interceptor(httpx2)


def _aliased() -> bool:
    return sys.modules.get("httpx") is httpx2


def install() -> None:
    """Intercept httpx2 (unless it is aliased as httpx, which is intercepted already)."""
    if not _aliased():
        INTERCEPTOR.install()


def uninstall() -> None:
    """Stop intercepting httpx2 (idempotent)."""
    INTERCEPTOR.uninstall()


def changed() -> None:
    """The table of started fakes changed."""
    INTERCEPTOR.changed()
