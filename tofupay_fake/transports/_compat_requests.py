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
  drop ours while a fake is still started; the wrapper puts ours back. And
  when the last fake stopped while a mock started after it was running (its
  patch then wrapped ours), stopping that mock puts ours back on top: the
  wrapper removes it, and then removes itself.

Without responses (not installed, or not importable) nothing is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: answer(adapter, request, kwargs) -> the fake's response, or None (not ours).
Answer = Callable[[Any, Any, dict[str, Any]], Any]

#: name -> (class, original method) of what is patched now.
_PATCHED: dict[str, tuple[type[Any], Any]] = {}


def _mock_class() -> type[Any] | None:
    try:
        import responses
    except ImportError:
        return None
    found = getattr(responses, "RequestsMock", None)
    if not isinstance(found, type) or not callable(getattr(found, "_on_request", None)):
        return None  # pragma: no cover - another responses (none we support): leave it alone
    return found


def _patch(name: str, make: Callable[[Any], Any]) -> None:
    if name in _PATCHED:
        return
    cls = _mock_class()
    if cls is None or name not in cls.__dict__:
        return
    original = cls.__dict__[name]
    setattr(cls, name, make(original))
    _PATCHED[name] = (cls, original)


def _unpatch(name: str) -> None:
    found = _PATCHED.pop(name, None)
    if found is not None:
        cls, original = found
        setattr(cls, name, original)


def put_in_front(answer: Answer) -> None:
    """Let the fake answer (or refuse) its requests before any ``RequestsMock`` (idempotent)."""

    def make(on_request: Any) -> Any:
        def _on_request(mock: Any, adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            found = answer(adapter, request, kwargs)
            if found is None:
                return on_request(mock, adapter, request, *args, **kwargs)
            return found

        return _on_request

    _patch("_on_request", make)


def remove_front() -> None:
    """Undo :func:`put_in_front` (idempotent)."""
    _unpatch("_on_request")


def hook_stop(after_stop: Callable[[], None]) -> None:
    """Call ``after_stop()`` each time a ``RequestsMock`` has stopped (idempotent)."""

    def make(stop: Any) -> Any:
        def _stop(mock: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return stop(mock, *args, **kwargs)
            finally:
                after_stop()

        return _stop

    _patch("stop", make)


def unhook_stop() -> None:
    """Undo :func:`hook_stop` (idempotent)."""
    _unpatch("stop")
