"""The one place that reaches into uvicorn: closing a connection without an answer,
answering a client that half-closed, and a server that stops with no fixed wait.

ASGI has no message for "drop this connection"; an app that returns without
answering gets a 500 sent for it. For the server's ``connection_error`` and
``timeout`` faults the app closes the request's transport itself: uvicorn's
``send`` callable is a bound method of its request cycle, which holds the
asyncio transport and a ``disconnected`` flag (checked on uvicorn 0.30 to 0.54,
the h11 and httptools protocols). Under another server the fallback is to
return unanswered, which that server turns into its own error answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

#: Seconds after the grace period (its connections dropped) when a request still
#: running is cancelled.
CANCEL_AFTER = 0.25
#: Seconds between two looks at what a stopping server still has open.
_POLL = 0.01
#: uvicorn's main loop looks at ``should_exit`` this often unless woken.
_TICK = 0.1
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close with a reset


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


class _QuietCancel(logging.Filter):
    """Drop uvicorn's reports of requests cancelled because the server stops.

    A request still held when the server stops (a ``timeout`` fault, say) is
    cancelled; that is the stop working, not an error worth a traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, asyncio.CancelledError)


_QUIET_CANCEL = _QuietCancel()


@functools.cache
def quick_server() -> type[Any]:
    """``uvicorn.Server`` with a stop that waits for nothing but what is still open.

    uvicorn's own stop sleeps 0.1 s before it looks, then looks every 0.1 s, and its
    main loop sees ``should_exit`` at its next 0.1 s tick. This one wakes at once
    (:meth:`stop_soon`, thread-safe), closes idle connections and the others once
    their answer is sent, drops what is still open after ``grace`` seconds (at once
    when ``force_exit`` is set), and cancels requests still running
    :data:`CANCEL_AFTER` seconds later. It uses ``servers``, ``server_state``
    (``connections``, ``tasks``), ``lifespan``, ``on_tick`` and ``force_exit``, as
    uvicorn's own stop does (checked on uvicorn 0.30 and 0.55).
    """
    import uvicorn

    class QuickServer(uvicorn.Server):
        def __init__(self, config: uvicorn.Config, grace: float) -> None:
            super().__init__(config)
            self.grace = grace
            self._wake = asyncio.Event()
            self._loop: asyncio.AbstractEventLoop | None = None

        def stop_soon(self) -> None:
            """Ask the server to stop, from any thread or a signal handler."""
            self.should_exit = True
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._wake.set)

        async def main_loop(self) -> None:
            # uvicorn's loop, but stop_soon ends its wait between two ticks.
            self._loop = asyncio.get_running_loop()
            counter = 0
            should_exit = await self.on_tick(counter)
            while not should_exit:
                counter = (counter + 1) % 864000
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_TICK):
                        await self._wake.wait()
                should_exit = await self.on_tick(counter)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            logging.getLogger("uvicorn.error").addFilter(_QUIET_CANCEL)  # once: a set
            loop = asyncio.get_running_loop()
            drop = loop.call_later(0.0 if self.force_exit else self.grace, self.drop_connections)
            state = self.server_state
            try:
                # Stop accepting, then give the connections accepted already the two turns
                # of the loop that make them (a task of asyncio's makes each one, and on
                # Python 3.11 it fails if the server is closed by then, leaving the socket
                # open); then close the servers.
                for server in self.servers:
                    for listening in server.sockets:
                        loop.remove_reader(listening.fileno())
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                for server in self.servers:
                    server.close()
                for sock in sockets or []:
                    sock.close()
                for connection in list(state.connections):
                    connection.shutdown()
                cancel_at = loop.time() + self.grace + CANCEL_AFTER
                while (state.connections or state.tasks) and not self.force_exit:
                    if loop.time() >= cancel_at:
                        for task in state.tasks:
                            task.cancel(msg="the server stops")
                        break
                    await asyncio.sleep(_POLL)
            finally:
                drop.cancel()
                self.drop_connections()
                await asyncio.sleep(0)  # let the dropped requests' tasks see the disconnect
            for server in self.servers:
                await server.wait_closed()
            if not self.force_exit:
                await self.lifespan.shutdown()

        def drop_connections(self) -> None:
            """Reset every connection still open: its request ends as a client disconnect."""
            for connection in list(self.server_state.connections):
                # A protocol is in connections once connection_made gave it its transport.
                transport = connection.transport
                with contextlib.suppress(OSError):  # a reset, not a FIN after the answer
                    transport.get_extra_info("socket").setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, _RESET
                    )
                transport.abort()

    return QuickServer
