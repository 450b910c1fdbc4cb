"""Recorded calls and the assertions tests make on them (``unittest.mock`` words)."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast, overload

from .auth import mask_authorization, mask_key
from .request import Headers


class MaskedHeaders(Mapping[str, str]):
    """A request's headers as a call shows them: names in any case, the key masked.

    The ``authorization`` value shows the scheme and the masked key
    (``Bearer sk_test_****abcd``), never the key nor its base64 form.
    """

    __slots__ = ("_headers",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    def __getitem__(self, name: str) -> str:
        key = name.lower()
        value = self._headers[key]
        return mask_authorization(value) if key == "authorization" else value

    def get(self, name: str, default: Any = None) -> Any:
        """The shown value of ``name`` (any case), else ``default``."""
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._headers

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __repr__(self) -> str:
        return f"MaskedHeaders({dict(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self) == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake answered, with params as the API decoded them."""

    method: str
    path: str
    params: dict[str, Any]
    # Not compared, so pytest's diff of two calls never prints a key in full.
    headers: Mapping[str, str] = field(repr=False, compare=False)
    api_key: str | None = field(compare=False)
    idempotency_key: str | None
    status_code: int
    #: Given as the object or as the JSON text the client got (parsed when read).
    response: dict[str, Any] = field(repr=False)
    request_id: str = field(repr=False, default="")

    def __repr__(self) -> str:
        key = mask_key(self.api_key) if self.api_key else None
        return (
            f"RecordedCall({self.method} {self.path} params={self.__dict__['_params']!r} "
            f"api_key={key!r} status_code={self.status_code})"
        )

    def describe(self) -> str:
        """One line for failure messages: ``POST /v1/customers {...} -> 200``."""
        return f"{self.method} {self.path} {self.__dict__['_params']!r} -> {self.status_code}"


def _copy(value: Any) -> Any:
    """A copy of a JSON-like value (dicts and lists copied all the way down)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    return value


def _copied(name: str) -> property:
    """A field a test reads as its own copy: the fake keeps the original.

    What a call holds is also what an idempotent replay answers and what the
    events of that request show; a test that changes what it read changes
    only its copy. Copied when read, so recording a call costs no copy; a
    response kept as the JSON text the client got is parsed when read.
    """
    slot = "_" + name

    def get(self: RecordedCall) -> Any:
        kept = self.__dict__[slot]
        return json.loads(kept) if type(kept) is str else _copy(kept)

    def put(self: RecordedCall, value: Any) -> None:  # the dataclass's __init__ only
        self.__dict__[slot] = value

    return property(get, put, doc=f"The call's {name} (a copy: changing it changes nothing).")


for _name in ("params", "response"):
    setattr(RecordedCall, _name, _copied(_name))


def _params_of(call: RecordedCall) -> dict[str, Any]:
    """The params the call holds, read without a copy (for matching)."""
    found: dict[str, Any] = call.__dict__["_params"]
    return found


_new_object = object.__new__

#: A call as :meth:`CallLog.add` keeps it until the log is first read: (method, path,
#: params, headers, api_key, status_code, response, request_id).
_Parts = tuple[str, str, dict[str, Any], Mapping[str, str], "str | None", int, Any, str]


def _made(parts: _Parts) -> RecordedCall:
    """The :class:`RecordedCall` of ``parts``, made as the dataclass would make it.

    Without its frozen ``__init__``'s one ``object.__setattr__`` per field.
    """
    method, path, params, headers, api_key, status, response, request_id = parts
    call = _new_object(RecordedCall)
    call.__dict__.update(
        method=method,
        path=path,
        _params=params,
        headers=MaskedHeaders(headers),
        api_key=api_key,
        idempotency_key=headers.get("idempotency-key"),
        status_code=status,
        _response=response,
        request_id=request_id,
    )
    return call


def path_matches(pattern: str, path: str) -> bool:
    """Exact path, or ``*`` standing for one path segment (``/v1/customers/*``)."""
    if "*" not in pattern:
        return pattern == path
    regex = "[^/]+".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, path) is not None


def params_match(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    """True when every expected param was sent with that value.

    A subset match, recursively for hashes (``{"metadata": {"plan": "pro"}}``
    matches whatever other metadata was sent); arrays and values must be equal.
    """
    return _subset(_form(expected), actual)


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _subset(value, actual[key]) for key, value in expected.items()
        )
    return bool(expected == actual)


def _form(value: Any) -> Any:
    """Compare as the wire would carry it: ``5`` matches ``"5"``, ``None`` is ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _form(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_form(v) for v in value]
    return value


class CallLog(Sequence[RecordedCall]):
    """The calls a fake answered, oldest first.

    A call recorded by :meth:`add` is kept as its parts (a tuple) and made a
    :class:`RecordedCall` when the log is first read: a test that never looks
    at its calls does not pay for them.
    """

    def __init__(
        self, calls: list[RecordedCall] | None = None, *, limit: int | None = None
    ) -> None:
        """``limit``: keep only the newest calls (server mode, so memory stays flat)."""
        kept: list[RecordedCall] | deque[RecordedCall] = (
            (calls if calls is not None else []) if limit is None else deque(calls or (), limit)
        )
        self._calls = cast("list[RecordedCall | _Parts] | deque[RecordedCall | _Parts]", kept)
        #: Held to record a call and to copy the calls for a read: a read made while
        #: other threads record sees the calls of one moment.
        self._lock = threading.Lock()

    def _made_calls(self) -> list[RecordedCall] | deque[RecordedCall]:
        """The calls, every one a :class:`RecordedCall` (those kept as parts made now).

        Called under the lock.
        """
        calls = self._calls
        if calls and type(calls[-1]) is tuple:  # parts are the newest entries: make them
            index = len(calls) - 1
            while index >= 0 and type(calls[index]) is tuple:
                calls[index] = _made(calls[index])  # type: ignore[arg-type]
                index -= 1
        return cast("list[RecordedCall] | deque[RecordedCall]", calls)

    def _snapshot(self) -> list[RecordedCall]:
        """The calls as they are now (a list of their own)."""
        with self._lock:
            return list(self._made_calls())

    @overload
    def __getitem__(self, index: int) -> RecordedCall: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[RecordedCall]: ...
    def __getitem__(self, index: int | slice) -> RecordedCall | Sequence[RecordedCall]:
        if isinstance(index, slice):
            return self._snapshot()[index]
        with self._lock:
            return self._made_calls()[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[RecordedCall]:
        return iter(self._snapshot())

    def __repr__(self) -> str:
        return f"CallLog({self._snapshot()!r})"

    @property
    def called(self) -> bool:
        """True once any call was made."""
        return bool(self._calls)

    @property
    def call_count(self) -> int:
        """How many calls were made."""
        return len(self._calls)

    @property
    def last(self) -> RecordedCall:
        """The newest call; ``AssertionError`` when there is none."""
        with self._lock:
            if self._calls:
                return self._made_calls()[-1]
        raise AssertionError("No calls were made to the Tofupay fake.")

    def append(self, call: RecordedCall) -> None:
        """Record one call (the fake does this)."""
        with self._lock:
            self._made_calls().append(call)  # the parts before it are made first

    def add(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        headers: Mapping[str, str],
        api_key: str | None,
        status_code: int,
        response: dict[str, Any] | str,
        request_id: str,
    ) -> None:
        """Record one call from its parts: :meth:`append` of the :class:`RecordedCall`.

        ``response``: the body, or the JSON text the client got (kept as it is,
        parsed when read). The call is made when the log is first read (this
        runs on every request).
        """
        # A request's Headers are kept as their dict of lower-case names (what MaskedHeaders
        # reads the same way): a tuple of plain values the garbage collector soon stops walking.
        kept = headers.lowered if type(headers) is Headers else headers
        with self._lock:
            self._calls.append(
                (method, path, params, kept, api_key, status_code, response, request_id)
            )

    def clear(self) -> None:
        """Forget every call."""
        with self._lock:
            self._calls.clear()

    def filter(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        status: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> CallLog:
        """The calls with that method, path (``*`` = a segment), status and params."""
        for name, value in (("method", method), ("path", path)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"filter() takes {name} as text, got {value!r}")
        wanted = method.upper() if method else None
        return CallLog(
            [
                call
                for call in self._snapshot()
                if (wanted is None or call.method == wanted)
                and (path is None or path_matches(path, call.path))
                and (status is None or call.status_code == status)
                and (params is None or params_match(params, _params_of(call)))
            ]
        )

    def assert_called(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        times: int | None = None,
    ) -> CallLog:
        """Assert a matching call was made (``times`` exactly, if given); return the matches.

        ``path`` may use ``*`` for one segment; ``params`` is a subset match. The
        failure message shows the closest calls (same method and path first), then
        every call made.
        """
        matches = self.filter(method, path, params=params)
        count = len(matches)
        if (times is None and count == 0) or (times is not None and count != times):
            wanted = f"{method.upper()} {path}" + (
                f" with params {dict(params)!r}" if params else ""
            )
            expected = "at least once" if times is None else f"{times} time(s)"
            closest = self._closest(method, path)
            hint = f"Closest calls (same method and path first):\n{closest.describe()}\n"
            raise AssertionError(
                f"Expected {wanted} to be called {expected}; it was called {count} time(s).\n"
                f"{hint if closest else ''}All calls made:\n{self.describe()}"
            )
        return matches

    def _closest(self, method: str, path: str, most: int = 5) -> CallLog:
        """Calls nearest to a wanted one: same method and path, then same path, then method."""
        wanted = method.upper()
        near = [c for c in self._snapshot() if path_matches(path, c.path) or c.method == wanted]
        near.sort(key=lambda call: (not path_matches(path, call.path), call.method != wanted))
        return CallLog(near[:most])

    def assert_not_called(self, method: str | None = None, path: str | None = None) -> None:
        """Assert no call matched (no call at all when both are None)."""
        matches = self.filter(method, path)
        if matches:
            what = " ".join(part for part in (method and method.upper(), path) if part)
            raise AssertionError(
                f"Expected no {what or 'call'}; {len(matches)} matching call(s).\n"
                f"Calls made:\n{self.describe()}"
            )

    def describe(self) -> str:
        """Every call, one a line, for failure messages."""
        calls = self._snapshot()
        if not calls:
            return "  (no calls were made)"
        return "\n".join(f"  {index}. {call.describe()}" for index, call in enumerate(calls, 1))
