"""The one place that reaches into uvicorn: closing a connection without an answer.

ASGI has no message for "drop this connection"; an app that returns without
answering gets a 500 sent for it. For the server's ``connection_error`` and
``timeout`` faults the app closes the request's transport itself: uvicorn's
``send`` callable is a bound method of its request cycle, which holds the
asyncio transport and a ``disconnected`` flag (checked on uvicorn 0.30 to 0.54,
the h11 and httptools protocols). Under another server the fallback is to
return unanswered, which that server turns into its own error answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


async def close_unanswered(send: Callable[[Any], Awaitable[None]]) -> None:
    """Close the connection of the request ``send`` belongs to, sending nothing."""
    cycle: Any = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(cycle, "disconnected"):
        return
    cycle.disconnected = True  # so uvicorn sends no 500 for the missing answer
    transport.close()


def half_close_protocol() -> type[Any] | None:
    """uvicorn's h11 protocol, answering a client that half-closes its connection.

    A client may send its request and then shut its side down (``shutdown(SHUT_WR)``)
    while it waits for the answer. asyncio closes the transport on that EOF unless the
    protocol's ``eof_received`` returns true, and uvicorn's returns None: the answer was
    lost. This subclass keeps the connection open for the answers still owed (the
    request in progress and any pipelined after it) and closes it once they are sent;
    a request that can no longer complete (its body cut short) ends at once. It uses
    the protocol's ``cycle`` (``response_complete``, ``more_body``), ``transport`` and
    ``on_response_complete`` (checked on uvicorn 0.30 to 0.54). None when uvicorn's h11
    protocol is not there (another server, or httptools chosen): then nothing changes.
    """
    try:
        from uvicorn.protocols.http.h11_impl import H11Protocol
    except ImportError:  # pragma: no cover - uvicorn without h11
        return None

    class HalfCloseProtocol(H11Protocol):
        _peer_done = False

        def _owes_answer(self) -> bool:
            cycle = getattr(self, "cycle", None)
            return cycle is not None and not cycle.response_complete

        def eof_received(self) -> bool:  # type: ignore[override]
            """True (keep writing) while an answer is owed to a complete request."""
            self._peer_done = True
            cycle = getattr(self, "cycle", None)
            cut_short = cycle is not None and cycle.more_body  # it can no longer complete
            return self._owes_answer() and not cut_short

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._peer_done and not self._owes_answer() and not self.transport.is_closing():
                self.transport.close()

    return HalfCloseProtocol
