"""Typed API errors and their wire body."""

from __future__ import annotations

from typing import Any

from . import messages


class TofupayError(Exception):
    """An API error: raised inside the fake, answered as Stripe-style JSON.

    Also raised by the seeding helpers (``add_customer``) on bad params, so a
    test sees the same status, type, message and param as the API would give.
    """

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        param: str | None = None,
        code: str | None = None,
        decline_code: str | None = None,
    ) -> None:
        message = wire_text(message)
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.param = None if param is None else wire_text(param)
        self.code = code
        self.decline_code = decline_code

    def body(self) -> dict[str, Any]:
        """The JSON body: ``{"error": {type, message, param?, code?, decline_code?}}``."""
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
        if self.decline_code is not None:
            error["decline_code"] = self.decline_code
        return {"error": error}

    def __str__(self) -> str:
        where = f" (param: {self.param})" if self.param is not None else ""
        return f"{self.status} {self.type}: {self.message}{where}"

    def __repr__(self) -> str:
        return f"TofupayError({self.status}, {self.type!r}, {self.message!r}, param={self.param!r})"


def wire_text(text: str) -> str:
    """``text`` as UTF-8 can carry it: a lone surrogate becomes its ``\\udxxx`` escape.

    Messages quote what the client sent (a path, a key, a header); a direct
    :meth:`FakeTofupay.handle` call can pass ``str`` with lone surrogates, which
    no UTF-8 JSON body can hold.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def invalid_request(message: str, param: str | None = None, *, status: int = 400) -> TofupayError:
    """A 400 (or ``status``) ``invalid_request_error``."""
    return TofupayError(status, "invalid_request_error", message, param)


def not_found(message: str, param: str | None) -> TofupayError:
    """A 404 ``invalid_request_error`` for a missing object or cursor."""
    return TofupayError(404, "invalid_request_error", message, param)


def authentication(message: str) -> TofupayError:
    """A 401 ``authentication_error``."""
    return TofupayError(401, "authentication_error", message)


def unrecognized_url(method: str, path: str) -> TofupayError:
    """The 404 for any path or method the API does not have."""
    return not_found(messages.UNRECOGNIZED_URL.format(method=method, path=path), None)
