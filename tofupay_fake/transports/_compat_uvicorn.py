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
