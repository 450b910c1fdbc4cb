"""Injected failures and latency: the ``fail_next`` queue and the ``latency`` rules.

A fault applies ``before`` the request is handled (nothing changes) or
``after`` it (the change is made and saved, then the client gets the fault,
as when a response is lost on the wire). ``timeout`` and ``connection_error``
are network faults: each transport raises its own client's exception for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import messages
from .errors import TofupayError
from .recorder import path_matches

#: The named faults of ``fail_next`` answered with an API error, and their status.
NAMED = {"api_error": 500, "rate_limit": 429, "card_declined": 402}
#: The named network faults: the client raises its own exception of that kind.
NETWORK = ("timeout", "connection_error")
WHEN = ("before", "after")

_TYPES_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "card_error",
    404: "invalid_request_error",
    409: "idempotency_error",
    429: "rate_limit_error",
}

Failure = str | int | type[BaseException]


class InjectedException(Exception):
    """Raised by the fake for an exception fault; transports raise their client's error for it.

    ``error`` is an exception class (raised as it is) or a network fault name
    (:data:`NETWORK`); ``delay`` is how long the client waits first.
    """

    def __init__(self, error: type[BaseException] | str, delay: float = 0.0) -> None:
        name = error if isinstance(error, str) else error.__name__
        super().__init__(f"{name} injected by tofupay_fake's fail_next")
        self.error = error
        self.delay = delay

    @property
    def name(self) -> str:
        """The fault's name: the exception class's, or the network fault's."""
        return self.error if isinstance(self.error, str) else self.error.__name__


def error_for(error: str | int) -> TofupayError:
    """The API error a named or numbered fault answers."""
    if error == "api_error":
        return TofupayError(500, "api_error", messages.API_ERROR)
    if error == "rate_limit":
        return TofupayError(429, "rate_limit_error", messages.RATE_LIMIT, code="rate_limit")
    if error == "card_declined":
        return TofupayError(
            402,
            "card_error",
            messages.CARD_DECLINED,
            code="card_declined",
            decline_code="generic_decline",
        )
    if not isinstance(error, int):  # pragma: no cover - the queue checks names
        raise ValueError(f"unknown fault {error!r}")
    kind = _TYPES_BY_STATUS.get(error, "api_error" if error >= 500 else "invalid_request_error")
    return TofupayError(error, kind, messages.INJECTED_STATUS.format(status=error))


@dataclass(slots=True)
class Fault:
    """One queued failure and the requests it applies to."""

    error: Failure
    method: str | None
    path: str | None
    remaining: int
    when: str = "before"
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or path_matches(self.path, path)
        )

    def trigger(self) -> TofupayError | InjectedException:
        """The error to raise for this fault."""
        if isinstance(self.error, type) or self.error in NETWORK:
            return InjectedException(self.error, self.delay)
        return error_for(self.error)

    def describe(self) -> dict[str, object]:
        """The fault as the control API lists it."""
        error = self.error.__name__ if isinstance(self.error, type) else self.error
        return {
            "error": error,
            "method": self.method,
            "path": self.path,
            "times": self.remaining,
            "when": self.when,
            "delay": self.delay,
        }


def check_delay(delay: object, name: str = "delay") -> float:
    """``delay`` as seconds >= 0 (fractions allowed), else ValueError/TypeError."""
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise TypeError(f"{name} takes a number of seconds >= 0, not {delay!r}")
    if not math.isfinite(delay) or delay < 0:
        raise ValueError(f"{name} takes a number of seconds >= 0, got {delay!r}")
    return float(delay)


def check_filters(method: object, path: object, caller: str) -> tuple[str | None, str | None]:
    """The method (upper case) and path a fault or latency rule applies to (None: any),
    else TypeError or ValueError naming ``caller``."""
    if method is not None and not isinstance(method, str):
        raise TypeError(
            f"{caller} takes method as a string such as 'POST' (or None for any), not {method!r}"
        )
    if path is not None and not isinstance(path, str):
        raise TypeError(
            f"{caller} takes path as a string such as '/v1/customers/*' (or None for any), "
            f"not {path!r}"
        )
    if path is not None and not path.startswith("/"):
        raise ValueError(
            f"{caller} takes path as the API path, starting with '/' (e.g. '/v1/customers/*'), "
            f"got {path!r}"
        )
    return (method.upper() if method else None), path


class FaultQueue:
    """Faults in the order they were queued; each applies to its next ``times`` matches.

    Also keeps the latency rules: ``(method, path) -> seconds``.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._latency: dict[tuple[str | None, str | None], float] = {}
        #: True while any fault or latency rule is kept (read on every request: a plain
        #: attribute costs less than a ``__bool__`` call).
        self.active = False

    def _changed(self) -> None:
        self.active = bool(self._faults) or bool(self._latency)

    def add(
        self,
        error: Failure,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        when: str = "before",
        delay: float = 0.0,
    ) -> None:
        """Queue ``error``: a name of :data:`NAMED` or :data:`NETWORK`, a status 400..599,
        or an exception class."""
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be a whole number >= 1, got {times!r}")
        if isinstance(error, str):
            if error not in NAMED and error not in NETWORK:
                raise ValueError(
                    f"unknown fault {error!r}; use one of {', '.join([*NAMED, *NETWORK])}, "
                    "a status code 400..599 or an exception class such as httpx.ConnectTimeout"
                )
        elif isinstance(error, bool) or (isinstance(error, int) and not 400 <= error <= 599):
            raise ValueError(f"a fault status must be 400..599, got {error!r}")
        elif not isinstance(error, int) and not (
            isinstance(error, type) and issubclass(error, BaseException)
        ):
            raise TypeError(
                f"fail_next takes a name, a status or an exception class, not {error!r}"
            )
        if when not in WHEN:
            raise ValueError(f"when must be 'before' or 'after', got {when!r}")
        seconds = check_delay(delay)
        upper, path = check_filters(method, path, "fail_next")
        self._faults.append(Fault(error, upper, path, times, when, seconds))
        self.active = True

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up by one."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                    self._changed()
                return fault
        return None

    def set_latency(self, seconds: float, method: str | None, path: str | None) -> None:
        """Every matching request waits ``seconds``; 0 removes the rule (all rules, unfiltered)."""
        seconds = check_delay(seconds, "latency")
        key = check_filters(method, path, "latency")
        if seconds:
            self._latency[key] = seconds
        elif key == (None, None):
            self._latency.clear()
        else:
            self._latency.pop(key, None)
        self._changed()

    def latency(self, method: str, path: str) -> float:
        """The wait of the newest latency rule matching this request (0 without one)."""
        found = 0.0
        for (wanted, pattern), seconds in self._latency.items():
            if (wanted is None or wanted == method) and (
                pattern is None or path_matches(pattern, path)
            ):
                found = seconds
        return found

    def pending(self) -> list[dict[str, object]]:
        """The queued faults in the order they will apply, as the control API lists them."""
        return [fault.describe() for fault in self._faults]

    def state(self) -> dict[str, Any]:
        """The queued faults and the latency rules as JSON (what a server's state file keeps);
        a fault given as an exception class only exists in process and is left out."""
        return {
            "faults": [f.describe() for f in self._faults if not isinstance(f.error, type)],
            "latency": [
                [method, path, seconds] for (method, path), seconds in self._latency.items()
            ],
        }

    def load(self, state: Any) -> None:
        """Add what :meth:`state` gave; ValueError or TypeError when it is not such a state."""
        for fault in state["faults"]:
            for name in ("method", "path"):
                if not isinstance(fault[name], (str, type(None))):
                    raise TypeError(f"a fault's {name} is {fault[name]!r}")
            self.add(
                fault["error"],
                method=fault["method"],
                path=fault["path"],
                times=fault["times"],
                when=fault["when"],
                delay=fault["delay"],
            )
        for method, path, seconds in state["latency"]:
            self.set_latency(seconds, method, path)

    def clear(self) -> None:
        """Forget every queued fault and latency rule."""
        self._faults.clear()
        self._latency.clear()
        self.active = False
