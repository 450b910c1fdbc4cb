"""Events: every change, as the real service would send it to a webhook.

The changes come from :mod:`tofupay_fake.changes`. Events are kept as JSON
text (made when the log is first read, unless someone listens) and parsed
when read.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from . import render
from .changes import Change

if TYPE_CHECKING:
    from .ids import IdFactory

#: Every event type the fake records, in the order a customer's life meets them.
TYPES = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.source.created",
    "customer.source.updated",
    "customer.source.deleted",
)


class Recorded(NamedTuple):
    """One event as a listener hears of it: its id, type, JSON and where it came from.

    ``api_key``: the account it belongs to; ``seeded``: made by a seeding
    helper (it describes the world a test starts from, and is not delivered).
    """

    id: str
    type: str
    text: str
    api_key: str | None
    seeded: bool


def encode(ident: str, created: int, livemode: bool, change: Change) -> str:
    """The JSON text of :func:`event`, exactly as ``json.dumps(event(...), ensure_ascii=False)``.

    ``ident`` is an id the fake made (letters, digits and ``_``: nothing to
    escape). A customer object equal to the one ``render`` keeps reuses its text.
    """
    kind, obj, previous = change
    if type(created) is not int:  # pragma: no cover - clocks give ints
        return render.dumps(event(ident, created, livemode, change))
    body = obj if isinstance(obj, str) else render.dumps(obj)
    if previous is not None:
        body += ', "previous_attributes": ' + render.dumps(previous)
    return (
        f'{{"id": "{ident}", "object": "event", "type": {_TYPE_TEXTS[kind]}, '
        f'"created": {created}, "livemode": {_LIVEMODE_TEXTS[livemode]}, '
        f'"data": {{"object": {body}}}}}'
    )


#: Each event type as JSON text, and each livemode.
_TYPE_TEXTS = {kind: encode_basestring(kind) for kind in TYPES}
_LIVEMODE_TEXTS = {False: "false", True: "true"}


def event(ident: str, created: int, livemode: bool, change: Change) -> dict[str, Any]:
    """The event object of one change."""
    kind, obj, previous = change
    data: dict[str, Any] = {"object": json.loads(obj) if isinstance(obj, str) else obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": ident,
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": livemode,
        "data": data,
    }


class EventLog(Sequence[dict[str, Any]]):
    """The events recorded, oldest first; each read gives a fresh dict.

    An event recorded while nobody listens gets its id and its JSON when the
    log is first read (every pending event at once, oldest first, so the ids
    are exactly those it would have had): a test that never looks at its
    events does not pay for them. Waiting costs a tuple each: a customer's
    event holds the JSON text the answer made. A log with a ``limit`` encodes
    them once ``limit`` wait, so that its memory stays flat.
    """

    def __init__(self, encoded: list[str] | None = None, *, limit: int | None = None) -> None:
        """``limit``: keep only the newest events (server mode, so memory stays flat)."""
        self.limit = limit
        self._encoded: list[str] | deque[str] = (
            (encoded if encoded is not None else [])
            if limit is None
            else deque(encoded or (), limit)
        )
        self._listeners: list[Callable[[Recorded], None]] = []
        #: Recorded, not yet given an id and encoded: (created, livemode, change), all of
        #: them to take their ids from :attr:`_pending_ids`, in order.
        self._pending: list[tuple[int, bool, Change]] = []
        self._pending_ids: IdFactory | None = None
        self._lock = threading.RLock()

    def record(
        self,
        ids: IdFactory,
        created: int,
        livemode: bool,
        change: Change,
        *,
        api_key: str | None = None,
        seeded: bool = False,
    ) -> None:
        """Record one change as an event (the fake does this); its id comes from ``ids``.

        ``api_key``: the account it belongs to; ``seeded``: made by a seeding
        helper (it describes the starting world).
        """
        with self._lock:
            if not self._listeners:
                if ids is not self._pending_ids:  # another factory: the pending take theirs first
                    self._settle()
                    self._pending_ids = ids
                self._pending.append((created, livemode, change))
                if self.limit is not None and len(self._pending) >= self.limit:
                    self._settle()  # only the newest are kept: memory stays flat
                return
            self._settle()
            ident = ids.new("evt")
            text = encode(ident, created, livemode, change)
            self._encoded.append(text)
            heard = Recorded(ident, change[0], text, api_key, seeded)
            for listener in list(self._listeners):
                listener(heard)

    def _settle(self) -> list[str] | deque[str]:
        """The JSON of every event, the pending ones encoded now (listeners never hear of them)."""
        if self._pending:
            with self._lock:
                pending, self._pending = self._pending, []
                assert self._pending_ids is not None
                idents = self._pending_ids.many("evt", len(pending))
                self._encoded.extend(
                    [
                        encode(ident, created, livemode, change)
                        for ident, (created, livemode, change) in zip(idents, pending, strict=True)
                    ]
                )
        return self._encoded

    def _snapshot(self) -> list[str]:
        """The JSON of every event as it is now, in a list of its own (safe while others record)."""
        with self._lock:
            return list(self._settle())

    def texts(self) -> list[str]:
        """The JSON text of every event, oldest first, in a list of its own."""
        return self._snapshot()

    def load(self, texts: Iterable[str]) -> None:
        """Append events given as JSON text (a server resuming its state file); no listener hears them."""
        with self._lock:
            self._settle().extend(texts)

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(event_json)`` for each event recorded from now on.

        It runs under the fake's lock, so it must only hand the event on
        (server mode queues it for webhook delivery).
        """
        self.listen(lambda heard: listener(heard.text))

    def listen(self, listener: Callable[[Recorded], None]) -> None:
        """Call ``listener(recorded)`` for each event recorded from now on (see :class:`Recorded`).

        Like :meth:`subscribe`, it runs under the fake's lock: it must only
        hand the event on.
        """
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Callable[[Recorded], None]) -> None:
        """Stop calling ``listener`` (idempotent)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [json.loads(text) for text in self._snapshot()[index]]
        with self._lock:
            text = self._settle()[index]
        return json.loads(text)  # type: ignore[no-any-return]

    def __len__(self) -> int:
        with self._lock:
            count = len(self._encoded) + len(self._pending)
        # Pending events push the oldest out once encoded: count as a read would see them.
        return count if self.limit is None else min(count, self.limit)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (json.loads(text) for text in self._snapshot())

    def __repr__(self) -> str:
        return f"EventLog({[event['type'] for event in self]!r})"

    @property
    def last(self) -> dict[str, Any]:
        """The newest event; ``AssertionError`` when there is none."""
        with self._lock:
            encoded = self._settle()
            text = encoded[-1] if encoded else None
        if text is None:
            raise AssertionError("No events were recorded by the Tofupay fake.")
        return json.loads(text)  # type: ignore[no-any-return]

    def filter(self, type: str | None = None) -> EventLog:
        """The events of one ``type`` (e.g. ``"customer.updated"``)."""
        if type is not None and not isinstance(type, str):
            raise TypeError(
                "filter() takes an event type such as 'customer.updated' (or None for all), "
                f"not {type!r}"
            )
        encoded = self._snapshot()
        if type is None:
            return EventLog(encoded)
        return EventLog([text for text in encoded if json.loads(text)["type"] == type])

    def clear(self) -> None:
        """Forget every event (the ids pending events would have had are used up all the same)."""
        with self._lock:
            pending, self._pending = self._pending, []
            if pending:
                assert self._pending_ids is not None
                self._pending_ids.many("evt", len(pending))
            self._encoded.clear()

    def find(self, type: str, fields: dict[str, Any]) -> dict[str, Any]:
        """The newest event of ``type`` whose ``data.object`` has ``fields``; else AssertionError."""
        for event in reversed(self.filter(type)):
            obj = event["data"]["object"]
            if all(key in obj and obj[key] == value for key, value in fields.items()):
                return event
        wanted = type + (f" with {fields!r}" if fields else "")
        raise AssertionError(
            f"No {wanted} event was recorded.\nEvents recorded:\n{self.describe()}"
        )

    def describe(self) -> str:
        """Every event, one a line, for failure messages."""
        encoded = self._snapshot()
        if not encoded:
            return "  (no events were recorded)"
        lines = []
        for index, event in enumerate(EventLog(encoded), 1):
            obj = event["data"]["object"]
            changed = event["data"].get("previous_attributes")
            extra = f" changed {sorted(changed)}" if changed else ""
            lines.append(f"  {index}. {event['type']} {obj.get('id')}{extra}")
        return "\n".join(lines)
