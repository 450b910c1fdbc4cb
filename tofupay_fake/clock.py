"""The fake's clock: frozen and ticking per object made, or wall time; clock settings."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

#: The ``created`` of the API reference's example customer (2015-01-12 09:51:11 UTC).
DEFAULT_START = 1421056271
#: The last second a clock may show: 9999-12-31 23:59:59 UTC (years keep four digits).
MAX_TIME = 253402300799

ACCEPTED = (
    "a Unix time (whole seconds, 0 to 253402300799), an ISO date (2026-01-15, midnight UTC), "
    "an ISO datetime (2026-01-15T10:00:00Z or with an offset such as +02:00), or 'wall'"
)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class Clock:
    """Unix time for ``created`` fields and card expiry checks.

    Frozen (the default): starts at ``start`` and moves only by :meth:`tick`
    (``tick`` whole seconds >= 0 per object made, one by default), :meth:`advance`
    and :meth:`set`. With
    ``source`` (for example ``time.time``) it reads that callable, so freezegun
    or time-machine apply; :meth:`advance` and :meth:`set` then shift it by an
    offset. A frozen clock never passes the end of the year 9999.
    """

    def __init__(
        self,
        start: int = DEFAULT_START,
        *,
        tick: int = 1,
        source: Callable[[], float] | None = None,
    ) -> None:
        if isinstance(tick, bool) or not isinstance(tick, int) or tick < 0:
            raise ValueError(f"Clock() takes tick as a whole number of seconds >= 0, got {tick!r}")
        if source is not None and not callable(source):
            raise TypeError(
                "Clock() takes source as a callable giving the Unix time (such as time.time), "
                f"got {source!r}"
            )
        self.start = unix_time(start)
        self.step = tick
        if source is time.time:
            source = _wall_time  # looked up at each call, so freezegun's patch applies
        self.source = source
        self._now = self.start
        self._offset = 0

    @property
    def frozen(self) -> bool:
        """True when time moves only as objects are made or by :meth:`advance`."""
        return self.source is None

    def now(self) -> int:
        """The current time in whole seconds."""
        if self.source is None:
            return self._now
        return min(int(self.source()) + self._offset, MAX_TIME)

    def tick(self) -> int:
        """Return the time for a new object; a frozen clock then moves on one step."""
        if self.source is None:
            now = self._now
            self._now = min(now + self.step, MAX_TIME)
            return now
        return self.now()

    def advance(self, seconds: int) -> int:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise ValueError(f"advance() takes a whole number of seconds >= 0, got {seconds!r}")
        if self.now() + seconds > MAX_TIME:
            raise ValueError(
                f"advance({seconds}) would move the clock past the year 9999 "
                f"(the latest time is {MAX_TIME})"
            )
        if self.source is None:
            self._now += seconds
        else:
            self._offset += seconds
        return self.now()

    def set(self, when: int | str) -> int:
        """Set the time to ``when`` (a Unix time or an ISO date/datetime) and return it.

        Backwards is allowed: the next object made gets an earlier ``created``
        than the last. A wall clock keeps running from the time set.
        """
        target = unix_time(when)
        if self.source is None:
            self._now = target
        else:
            self._offset += target - self.now()
        return self.now()

    def reset(self) -> None:
        """Back to ``start`` (frozen) or to plain wall time."""
        self._now = self.start
        self._offset = 0

    def __repr__(self) -> str:
        mode = "frozen" if self.source is None else "wall"
        return f"<Clock {mode} now={self.now()}>"


def parse_clock(value: object) -> Clock:
    """A new clock from a setting: a Unix time, an ISO date or datetime, or ``"wall"``.

    Strings of digits count as Unix times (ini files and command lines give
    strings). Anything else is a ValueError naming the value.
    """
    if isinstance(value, str) and value.strip().lower() == "wall":
        return Clock(source=time.time)
    return Clock(start=unix_time(value))


def as_clock(value: Clock | Callable[[], float] | int | str | None) -> Clock:
    """What ``FakeTofupay(clock=...)`` takes: a Clock, a time callable, a setting, or None."""
    if value is None:
        return Clock()
    if isinstance(value, Clock):
        return value
    if callable(value):
        return Clock(source=value)
    return parse_clock(value)


def unix_time(value: object) -> int:
    """Whole Unix seconds from an int, a string of digits or an ISO date/datetime.

    Naive datetimes are UTC. The time must lie from 1970 to the end of 9999.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(_bad(value, f"a {type(value).__name__} is not a time"))
    seconds = _from_text(value) if isinstance(value, str) else value
    if seconds < 0:
        raise ValueError(_bad(value, "it is before 1970"))
    if seconds > MAX_TIME:
        raise ValueError(_bad(value, "it is after the year 9999"))
    return seconds


def utc(timestamp: int) -> time.struct_time:
    """The UTC calendar time of ``timestamp``, held within 1970..9999 so it never overflows."""
    return time.gmtime(min(max(timestamp, 0), MAX_TIME))


def _from_text(text: str) -> int:
    raw = text.strip()
    if raw.isdigit() and raw.isascii():
        if len(raw) > len(str(MAX_TIME)):
            raise ValueError(_bad(text, "it is after the year 9999"))
        return int(raw)
    if raw.startswith("-") and raw[1:].isdigit() and raw[1:].isascii():
        return -1  # a negative Unix time
    if not raw or not raw[0].isdigit():
        raise ValueError(_bad(text, "it is not a time"))
    try:
        moment = datetime.datetime.fromisoformat(raw)  # a date alone is its midnight
    except ValueError:
        raise ValueError(_bad(text, "it is not a time")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    since = moment - _EPOCH  # aware arithmetic: no OS call, no overflow
    return since.days * 86400 + since.seconds  # fractions of a second dropped


def _bad(value: object, reason: str) -> str:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:50] + "..." + shown[-7:]
    return f"bad clock value {shown}: {reason}. A clock is {ACCEPTED}."


def _wall_time() -> float:
    """``time.time()`` as the ``time`` module has it now (patched or not)."""
    return time.time()
