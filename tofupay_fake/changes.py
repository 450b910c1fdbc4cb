"""What a request changed, found from the store's records: the events it makes.

Before a route that writes runs, the fake keeps the customer's field values
and the cards it has (a copy of their ids, and the fields of the one card the
route names); afterwards it compares them with the records. Only the objects
an event shows are rendered, once, at the end of the request.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import render
from .store import Card, Customer

#: Customer fields a request can change, in the order the API shows them.
CUSTOMER_FIELDS = (
    "description",
    "email",
    "delinquent",
    "metadata",
    "account_balance",
    "currency",
    "default_source",
)
#: (event type, the object as a dict or as its JSON text, previous attributes or None).
Change = tuple[str, dict[str, Any] | str, dict[str, Any] | None]


class Before(NamedTuple):
    """A customer's records before a request: its fields and its cards.

    Cards are never edited in place (an update makes a new record), so the
    old records themselves say what a card was.
    """

    customer: Customer
    fields: tuple[Any, ...]
    cards: dict[str, Card]


def _values(customer: Customer) -> tuple[Any, ...]:
    return tuple(
        dict(value) if isinstance(value := getattr(customer, name), dict) else value
        for name in CUSTOMER_FIELDS
    )


def before(customer: Customer | None) -> Before | None:
    """What ``customer`` holds now (None for no customer)."""
    if customer is None:
        return None
    return Before(customer, _values(customer), dict(customer.cards))


def changes(
    was: Before | None,
    now: Customer | None,
    rendered: dict[str, Any] | None = None,
    text: str | None = None,
) -> list[Change]:
    """The events between a customer's records before a request and ``now`` (None: gone).

    ``rendered`` and ``text``: ``now`` as the API shows it and its JSON, when
    the request already made them (the answer to a create or an update), so
    that the events reuse them.
    """
    if now is None:
        if was is None:
            return []
        return [("customer.deleted", render.customer(was.customer), None)]
    if rendered is None:
        rendered = render.customer(now)
        text = None
    shown_customer: dict[str, Any] | str = rendered if text is None else text
    shown = {card["id"]: card for card in rendered["sources"]["data"]}

    def card_object(card: Card) -> dict[str, Any]:
        found = shown.get(card.id)
        return found if found is not None else render.card(card)

    found: list[Change] = []
    old_cards = {} if was is None else was.cards
    if was is None:
        found.append(("customer.created", shown_customer, None))
    for card_id, card in now.cards.items():
        if card_id not in old_cards:
            found.append(("customer.source.created", card_object(card), None))
        elif card is not old_cards[card_id]:  # replaced by an update
            old, new = render.card(old_cards[card_id]), card_object(card)
            changed = {key: value for key, value in old.items() if new.get(key) != value}
            if changed:
                found.append(("customer.source.updated", new, changed))
    for card_id, card in old_cards.items():
        if card_id not in now.cards:
            found.append(("customer.source.deleted", render.card(card), None))
    if was is not None:
        previous = {
            name: old
            for name, old, new in zip(CUSTOMER_FIELDS, was.fields, _values(now), strict=True)
            if old != new
        }
        if previous:
            found.append(("customer.updated", shown_customer, previous))
    return found
