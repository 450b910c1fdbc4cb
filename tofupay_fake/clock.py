"""The fake's clock: frozen and ticking per object made, or wall time."""

from __future__ import annotations

import time
from collections.abc import Callable

#: The ``created`` of the seed document's customer (2015-01-12 09:51:11 UTC).
DEFAULT_START = 1421056271


class Clock:
    """Unix time for ``created`` fields and card expiry checks.

    Frozen (the default): starts at ``start`` and moves only by :meth:`tick`
    (one second per object made) and :meth:`advance`. With ``source`` (for
    example ``time.time``) it reads that callable, so freezegun or time-machine
    apply; :meth:`advance` then adds an offset.
    """

    def __init__(
        self,
        start: int = DEFAULT_START,
        *,
        tick: int = 1,
        source: Callable[[], float] | None = None,
    ) -> None:
        self.start = start
        self.step = tick
        if source is time.time:
            source = _wall_time  # looked up at each call, so freezegun's patch applies
        self.source = source
        self._now = start
        self._offset = 0

    @property
    def frozen(self) -> bool:
        """True when time moves only as objects are made or by :meth:`advance`."""
        return self.source is None

    def now(self) -> int:
        """The current time in whole seconds."""
        if self.source is None:
            return self._now
        return int(self.source()) + self._offset

    def tick(self) -> int:
        """Return the time for a new object; a frozen clock then moves on one step."""
        if self.source is None:
            now = self._now
            self._now += self.step
            return now
        return self.now()

    def advance(self, seconds: int) -> int:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise ValueError(f"advance() takes a whole number of seconds >= 0, got {seconds!r}")
        if self.source is None:
            self._now += seconds
        else:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        """Back to ``start`` (frozen) or to plain wall time."""
        self._now = self.start
        self._offset = 0

    def __repr__(self) -> str:
        mode = "frozen" if self.source is None else "wall"
        return f"<Clock {mode} now={self.now()}>"


def _wall_time() -> float:
    """``time.time()`` as the ``time`` module has it now (patched or not)."""
    return time.time()
