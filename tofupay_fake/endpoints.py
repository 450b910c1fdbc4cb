"""Webhook endpoints and deliveries: the values ``fake.webhooks`` hands out, and the
checks of ``deliver_to``'s arguments (shared with ``POST /_fake/webhooks``)."""

from __future__ import annotations

import fnmatch
import inspect
import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import urlsplit

from .auth import mask_key
from .events import TYPES, Recorded


class Owner(Protocol):
    """What made an endpoint: it takes the endpoint back on :meth:`Endpoint.remove`."""

    def _remove(self, endpoint: Endpoint) -> None: ...


DEFAULT_PATH = "/webhooks/tofupay"
DEFAULT_SECRET = "whsec_test_secret"

Timestamp = Callable[[], int]


class Endpoint:
    """Where events go; made by :meth:`Webhooks.deliver_to`, stopped by :meth:`remove`.

    ``kind`` is ``"asgi"``, ``"wsgi"``, ``"url"`` or ``"callback"``; ``url``
    the address posted to (``http://testserver/…`` for in-process apps, None
    for a callable); ``events`` the globs (None: every type).
    """

    def __init__(
        self,
        owner: Owner,
        ident: str,
        kind: str,
        target: Any,
        path: str,
        secret: str,
        events: tuple[str, ...] | None,
        api_key: str | None,
        mode: str,
        timestamp: Timestamp | None,
    ) -> None:
        self.id = ident
        self.kind = kind
        self.target = target
        self.path = path
        self.url: str | None = (
            target if kind == "url" else None if kind == "callback" else "http://testserver" + path
        )
        self.secret = secret
        self.events = events
        self.api_key = api_key
        self.mode = mode
        self.timestamp = timestamp
        self.removed = False
        self._owner = owner

    def remove(self) -> None:
        """Deliver nothing more here; events queued for it are dropped (idempotent)."""
        self._owner._remove(self)

    def wants(self, heard: Recorded) -> bool:
        """True when this endpoint takes that event (its account and type filters)."""
        if self.api_key is not None and heard.api_key != self.api_key:
            return False
        return self.events is None or any(fnmatch.fnmatchcase(heard.type, g) for g in self.events)

    @property
    def where(self) -> str:
        """Short words for messages: the URL, or the kind of app and its path."""
        if self.kind == "url":
            return str(self.target)
        return "a callback" if self.kind == "callback" else f"the {self.kind} app at {self.path}"

    def __repr__(self) -> str:
        events = "all events" if self.events is None else f"events={list(self.events)}"
        account = f" api_key={mask_key(self.api_key)}" if self.api_key else ""
        gone = " removed" if self.removed else ""
        return f"<Endpoint {self.id} {self.where} mode={self.mode} {events}{account}{gone}>"


class Delivery:
    """One try of one event to one endpoint; ``status`` is None when the target raised."""

    __slots__ = ("_text", "attempt", "endpoint", "event_id", "response_body", "status", "type")

    def __init__(
        self,
        heard: Recorded,
        endpoint: Endpoint,
        status: int | None,
        attempt: int,
        response_body: str,
    ) -> None:
        self._text = heard.text
        self.event_id = heard.id
        self.type = heard.type
        self.endpoint = endpoint
        self.status = status
        self.attempt = attempt
        self.response_body = response_body

    @property
    def event(self) -> dict[str, Any]:
        """The event delivered, as a fresh dict."""
        return json.loads(self._text)  # type: ignore[no-any-return]

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        status = "raised" if self.status is None else str(self.status)
        detail = f" ({self.response_body[:80]})" if self.status is None else ""
        return (
            f"{self.type} {self.event_id} to {self.endpoint.where}: {status}{detail}, "
            f"attempt {self.attempt}"
        )

    def __repr__(self) -> str:
        return f"<Delivery {self.describe()}>"


# -- checking arguments (shared with the control endpoint) --------------------------------


def check_target(**given: Any) -> tuple[str, Any]:
    """(kind, target) of exactly one of ``asgi``, ``wsgi``, ``url``, ``callback``."""
    chosen = [(kind, target) for kind, target in given.items() if target is not None]
    if len(chosen) != 1:
        named = ", ".join(f"{kind}=" for kind, _ in chosen) or "none"
        raise TypeError(
            "deliver_to() takes exactly one target: asgi= (an ASGI app), wsgi= (a WSGI app), "
            f"url= (an http(s):// URL) or callback= (a callable); got {named}"
        )
    kind, target = chosen[0]
    if kind == "url":
        return kind, check_url(target)
    if not callable(target):
        raise TypeError(f"{kind}= takes {_EXPECTED[kind]}, got {target!r}")
    if kind in ("asgi", "wsgi") and _is_async(target) != (kind == "asgi"):
        other = "wsgi" if kind == "asgi" else "asgi"
        raise TypeError(
            f"{kind}= takes {_EXPECTED[kind]}; {target!r} looks like {_EXPECTED[other]}: "
            f"pass it as {other}="
        )
    return kind, target


_EXPECTED = {
    "asgi": "an ASGI app (async (scope, receive, send), e.g. FastAPI or Starlette)",
    "wsgi": "a WSGI app ((environ, start_response), e.g. Flask or Django)",
    "callback": "a callable (body: bytes, headers: dict[str, str]) -> int",
}


def _is_async(app: Any) -> bool:
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def check_url(url: Any) -> str:
    """``url`` if it is an ``http(s)://`` URL with a host; else TypeError/ValueError."""
    if not isinstance(url, str):
        raise TypeError(
            f"url= takes a string such as 'http://127.0.0.1:8000/webhooks', got {url!r}"
        )
    url_origin(url)
    return url


def url_origin(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"url= {url!r} does not parse as a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"url= takes an http:// or https:// URL with a host, e.g. "
            f"'http://127.0.0.1:8000/webhooks/tofupay'; got {url!r}"
        )
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower().rstrip("."), port or default


def check_secret(secret: Any) -> str:
    """``secret`` if it is a non-empty string."""
    if not isinstance(secret, str):
        raise TypeError(
            f"secret= takes a string such as {DEFAULT_SECRET!r}, got {type(secret).__name__}"
        )
    if not secret:
        raise ValueError(f"secret= must not be empty; e.g. {DEFAULT_SECRET!r}")
    return secret


def check_events(events: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """The event type globs (None: every type); each must match a type the fake records."""
    if events is None:
        return None
    if isinstance(events, str):
        globs: tuple[Any, ...] = (events,)
    else:
        try:
            globs = tuple(events)
        except TypeError:
            raise TypeError(
                f"events= takes event type globs, e.g. ['customer.*'], got {events!r}"
            ) from None
    if not globs:
        raise ValueError(
            "events= is empty, so nothing would be delivered; leave it None for every type"
        )
    for glob in globs:
        if not isinstance(glob, str):
            raise TypeError(f"events= takes strings (event type globs), got {glob!r}")
        if not any(fnmatch.fnmatchcase(kind, glob) for kind in TYPES):
            raise ValueError(
                f"events= {glob!r} matches no event type; the types are: {', '.join(TYPES)} "
                "(globs such as 'customer.source.*' match several)"
            )
    return globs


def check_api_key(api_key: Any) -> str | None:
    """``api_key`` if it is None or a secret key."""
    from .auth import checked_keys

    if api_key is None:
        return None
    if not isinstance(api_key, str):
        raise TypeError(
            f"api_key= takes a secret key string (sk_test_...), got {type(api_key).__name__}"
        )
    try:
        checked_keys([api_key], "api_key=")
    except ValueError:
        raise ValueError(
            f"api_key= {mask_key(api_key)} is not a secret key: 'sk_test_' or 'sk_live_' and "
            "letters and digits"
        ) from None
    return api_key
