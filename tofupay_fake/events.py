"""Events: every change, as the real service would send it to a webhook.

A change is found by comparing a customer before and after a request (its
fields and every card), so the resources never need to know about events.
Events are kept as JSON text and parsed when read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from . import render
from .store import Customer

#: Customer fields that are lists of their own, left out of ``previous_attributes``.
_LISTS = ("sources", "subscriptions")


@dataclass(frozen=True)
class Snapshot:
    """A customer as the API showed it, and each of its cards, at one moment."""

    customer: dict[str, Any] | None = None
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)


NOTHING = Snapshot()


def snapshot(customer: Customer | None) -> Snapshot:
    """What ``customer`` looks like now (``NOTHING`` for no customer)."""
    if customer is None:
        return NOTHING
    cards = {card.id: render.card(card) for card in customer.cards.values()}
    return Snapshot(render.customer(customer), cards)


Change = tuple[str, dict[str, Any], dict[str, Any] | None]


def changes(before: Snapshot, after: Snapshot) -> list[Change]:
    """The events between two snapshots of one customer: (type, object, previous)."""
    if before.customer is None and after.customer is None:
        return []
    if after.customer is None:
        assert before.customer is not None
        return [("customer.deleted", before.customer, None)]
    found: list[Change] = []
    if before.customer is None:
        found.append(("customer.created", after.customer, None))
    for card_id, card in after.cards.items():
        old = before.cards.get(card_id)
        if old is None:
            found.append(("customer.source.created", card, None))
        elif old != card:
            found.append(("customer.source.updated", card, _previous(old, card)))
    for card_id, card in before.cards.items():
        if card_id not in after.cards:
            found.append(("customer.source.deleted", card, None))
    if before.customer is not None:
        previous = _previous(before.customer, after.customer, skip=_LISTS)
        if previous:
            found.append(("customer.updated", after.customer, previous))
    return found


def _previous(
    old: dict[str, Any], new: dict[str, Any], skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {key: old[key] for key in old if key not in skip and old[key] != new.get(key)}


def event(ident: str, created: int, livemode: bool, change: Change) -> dict[str, Any]:
    """The event object of one change."""
    kind, obj, previous = change
    data: dict[str, Any] = {"object": obj}
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
    """The events recorded, oldest first; each read gives a fresh dict."""

    def __init__(self, encoded: list[str] | None = None) -> None:
        self._encoded: list[str] = encoded if encoded is not None else []
        self._listeners: list[Callable[[str], None]] = []

    def append(self, event: dict[str, Any]) -> None:
        """Record one event (the fake does this) and pass its JSON to the listeners."""
        text = json.dumps(event, ensure_ascii=False)
        self._encoded.append(text)
        for listener in self._listeners:
            listener(text)

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(event_json)`` for each event recorded from now on.

        It runs under the fake's lock, so it must only hand the event on
        (server mode queues it for webhook delivery).
        """
        self._listeners.append(listener)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [json.loads(text) for text in self._encoded[index]]
        return json.loads(self._encoded[index])  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self._encoded)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (json.loads(text) for text in list(self._encoded))

    def __repr__(self) -> str:
        return f"EventLog({[event['type'] for event in self]!r})"

    @property
    def last(self) -> dict[str, Any]:
        """The newest event; ``AssertionError`` when there is none."""
        if not self._encoded:
            raise AssertionError("No events were recorded by the Tofupay fake.")
        return self[-1]

    def filter(self, type: str | None = None) -> EventLog:
        """The events of one ``type`` (e.g. ``"customer.updated"``)."""
        if type is None:
            return EventLog(list(self._encoded))
        return EventLog([text for text in self._encoded if json.loads(text)["type"] == type])

    def clear(self) -> None:
        """Forget every event."""
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
        if not self._encoded:
            return "  (no events were recorded)"
        lines = []
        for index, event in enumerate(self, 1):
            obj = event["data"]["object"]
            changed = event["data"].get("previous_attributes")
            extra = f" changed {sorted(changed)}" if changed else ""
            lines.append(f"  {index}. {event['type']} {obj.get('id')}{extra}")
        return "\n".join(lines)
