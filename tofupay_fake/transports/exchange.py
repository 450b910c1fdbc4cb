"""What every in-process transport does around ``Core.respond``: waits, webhooks, timeouts.

A transport builds the :class:`~tofupay_fake.request.Request`, calls
:func:`exchange` (sync clients) or :func:`aexchange` (asyncio clients) and
turns the :class:`~tofupay_fake.request.Response` into its client's response.
The wait of a latency rule or a delayed fault is slept or awaited, never
longer than the client's read timeout: past it, :class:`TimedOut` is raised
for the transport to turn into its client's own timeout error. Auto-mode
webhooks are delivered after the request is handled, before the client
call returns.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ..faults import InjectedException
from ..request import Request, Response

if TYPE_CHECKING:
    from ..core import Core


class TimedOut(Exception):
    """The answer took longer than the client's read timeout."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"tofupay_fake: no answer within the client's timeout of {timeout} s")
        self.timeout = timeout


def _wait_for(delay: float, timeout: float | None) -> tuple[float, bool]:
    """(seconds to wait, whether the client times out first)."""
    if timeout is not None and delay > timeout:
        return timeout, True
    return delay, False


def exchange(fake: Core, request: Request, timeout: float | None = None) -> Response:
    """Answer ``request`` for a sync client whose read timeout is ``timeout`` (None: none)."""
    try:
        answer = fake.respond(request)
    except InjectedException as injected:
        fake.deliver_webhooks()
        seconds, timed_out = _wait_for(injected.delay, timeout)
        if seconds:
            time.sleep(seconds)
        if timed_out:
            raise TimedOut(seconds) from None
        raise
    fake.deliver_webhooks()
    if answer.delay:
        seconds, timed_out = _wait_for(answer.delay, timeout)
        time.sleep(seconds)
        if timed_out:
            raise TimedOut(seconds)
    return answer


async def aexchange(fake: Core, request: Request, timeout: float | None = None) -> Response:
    """Answer ``request`` for an asyncio client: the same as :func:`exchange`, waits awaited."""
    try:
        answer = fake.respond(request)
    except InjectedException as injected:
        await fake.adeliver_webhooks()
        seconds, timed_out = _wait_for(injected.delay, timeout)
        if seconds:
            await asyncio.sleep(seconds)
        if timed_out:
            raise TimedOut(seconds) from None
        raise
    await fake.adeliver_webhooks()
    if answer.delay:
        seconds, timed_out = _wait_for(answer.delay, timeout)
        await asyncio.sleep(seconds)
        if timed_out:
            raise TimedOut(seconds)
    return answer
