"""The one place that touches ``responses``' insides, so a user's mock and the fake share requests.

While one of its ``RequestsMock`` objects is started, responses replaces
``HTTPAdapter.send`` by a function of its own (with ``unittest.mock.patch``)
that calls ``RequestsMock._on_request(adapter, request, **kwargs)``, looked
up on the class at each request. Checked on responses 0.26.3:

- ``RequestsMock._on_request`` (private) is wrapped while interception is
  on: a request for a fake's origin is answered (or refused) by the fake
  before the mock looks for a match, so a mock started *after* the fake
  (whose patch then sits in front of ours) does not answer or refuse it;
  every other request goes to the mock unchanged.
- ``RequestsMock.stop`` (public) is wrapped too: stopping a mock started
  *before* the fake puts back the ``HTTPAdapter.send`` it found, which would
  drop ours while a fake is still started; the wrapper puts ours back.

Without responses (not installed, or not importable) nothing is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: answer(adapter, request, kwargs) -> the fake's response, or None (not ours).
Answer = Callable[[Any, Any, dict[str, Any]], Any]

_PATCHED: list[tuple[type[Any], str, Any]] = []


def _mock_class() -> type[Any] | None:
    try:
        import responses
    except ImportError:
        return None
    found = getattr(responses, "RequestsMock", None)
    if not isinstance(found, type) or not callable(getattr(found, "_on_request", None)):
        return None  # another responses: leave it alone
    return found


def install(answer: Answer, after_stop: Callable[[], None]) -> None:
    """Put the fake in front of every ``RequestsMock``; call ``after_stop`` when one stops."""
    if _PATCHED:
        return
    cls = _mock_class()
    if cls is None:
        return
    on_request = cls.__dict__["_on_request"]
    stop = cls.__dict__["stop"]

    def _on_request(mock: Any, adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        found = answer(adapter, request, kwargs)
        if found is None:
            return on_request(mock, adapter, request, *args, **kwargs)
        return found

    def _stop(mock: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return stop(mock, *args, **kwargs)
        finally:
            after_stop()

    cls._on_request = _on_request
    cls.stop = _stop
    _PATCHED.extend([(cls, "_on_request", on_request), (cls, "stop", stop)])


def uninstall() -> None:
    """Put responses' methods back (idempotent)."""
    while _PATCHED:
        cls, name, original = _PATCHED.pop()
        setattr(cls, name, original)
