"""Injected failures: the ``fail_next`` queue and the errors it answers."""

from __future__ import annotations

from dataclasses import dataclass

from . import messages
from .errors import TofupayError
from .recorder import path_matches

#: The named faults of ``fail_next`` and their status.
NAMED = {"api_error": 500, "rate_limit": 429, "card_declined": 402}

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
    """Raised by the fake for an exception fault; transports raise ``error`` into the client."""

    def __init__(self, error: type[BaseException]) -> None:
        super().__init__(f"{error.__name__} injected by tofupay_fake's fail_next")
        self.error = error


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
    assert isinstance(error, int)
    kind = _TYPES_BY_STATUS.get(error, "api_error" if error >= 500 else "invalid_request_error")
    return TofupayError(error, kind, messages.INJECTED_STATUS.format(status=error))


@dataclass(slots=True)
class Fault:
    """One queued failure and the requests it applies to."""

    error: Failure
    method: str | None
    path: str | None
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or path_matches(self.path, path)
        )

    def trigger(self) -> TofupayError | InjectedException:
        """The error to raise for this fault."""
        if isinstance(self.error, type):
            return InjectedException(self.error)
        return error_for(self.error)


class FaultQueue:
    """Faults in the order they were queued; each applies to its next ``times`` matches."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self, error: Failure, *, method: str | None = None, path: str | None = None, times: int = 1
    ) -> None:
        """Queue ``error``: a name of :data:`NAMED`, a status 400..599, or an exception class."""
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be a whole number >= 1, got {times!r}")
        if isinstance(error, str):
            if error not in NAMED:
                raise ValueError(
                    f"unknown fault {error!r}; use one of {', '.join(NAMED)}, a status code "
                    "400..599 or an exception class such as httpx.ConnectTimeout"
                )
        elif isinstance(error, bool) or (isinstance(error, int) and not 400 <= error <= 599):
            raise ValueError(f"a fault status must be 400..599, got {error!r}")
        elif not isinstance(error, int) and not (
            isinstance(error, type) and issubclass(error, BaseException)
        ):
            raise TypeError(
                f"fail_next takes a name, a status or an exception class, not {error!r}"
            )
        self._faults.append(Fault(error, method.upper() if method else None, path, times))

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up by one."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def __len__(self) -> int:
        return sum(fault.remaining for fault in self._faults)

    def clear(self) -> None:
        """Forget every queued fault."""
        self._faults.clear()
