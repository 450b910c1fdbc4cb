"""What a request changed, found from the store's records: the events it makes.

Before a route that writes runs, the fake keeps the customer's field values
and the cards it has (a copy of their ids, and the fields of the one card the
route names); afterwards it compares them with the records. Only the objects
an event shows are rendered, once, at the end of the request (a customer's
JSON text is the one its answer just made).
"""

from __future__ import annotations

from itertools import islice
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
_DEFAULT = CUSTOMER_FIELDS.index("default_source")
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
    #: The card the request names (``/sources/{card}``), if any.
    named: str | None = None
    #: The customer's JSON text as it was, if one was kept (what a deletion's event shows).
    text: str | None = None


def _values(customer: Customer) -> tuple[Any, ...]:
    """The values of :data:`CUSTOMER_FIELDS` (the metadata copied)."""
    return (
        customer.description,
        customer.email,
        customer.delinquent,
        dict(customer.metadata),
        customer.account_balance,
        customer.currency,
        customer.default_source,
    )


def before(
    customer: Customer | None, named: str | None = None, text: str | None = None
) -> Before | None:
    """What ``customer`` holds now (None for no customer); ``named``: the card the route names.

    ``text``: the customer's JSON text now, if the caller has it.
    """
    if customer is None:
        return None
    # Before(...) without its Python-level __new__ (this runs on every write).
    return _new_tuple(Before, (customer, _values(customer), dict(customer.cards), named, text))


_new_tuple = tuple.__new__


def _card_changes(was: Before, now: Customer) -> tuple[list[str], list[str], list[str]] | None:
    """(created, updated, deleted) card ids, looking only at the cards a request can touch.

    A request adds cards at the end (dicts keep insertion order), and replaces
    or removes only the card it names or the default card it replaces; so a
    write to a customer with thousands of cards looks at a few. None when the
    records say otherwise (the caller then compares every card).
    """
    old_cards, new_cards = was.cards, now.cards
    default = was.fields[_DEFAULT]
    touched = [ident for ident in dict.fromkeys((was.named, default)) if ident in old_cards]
    deleted = [ident for ident in touched if ident not in new_cards]
    updated = [
        ident
        for ident in touched
        if ident in new_cards and new_cards[ident] is not old_cards[ident]
    ]
    added = len(new_cards) - (len(old_cards) - len(deleted))
    if added < 0 or len(updated) > 1 or len(deleted) > 1:
        return None
    created = list(islice(reversed(new_cards), added))[::-1]
    if any(ident in old_cards for ident in created):
        return None
    return created, updated, deleted


def changes(was: Before | None, now: Customer | None, texts: render.Texts) -> list[Change]:
    """The events between a customer's records before a request and ``now`` (None: gone).

    The customer objects are JSON texts from ``texts`` (the answer to a
    create or an update just made them); a deleted customer's is the one
    ``was`` kept, else made now (a deletion leaves the record as it was).
    """
    if now is None:
        if was is None:
            return []
        gone = was.text if was.text is not None else render.customer_json(was.customer)
        return [("customer.deleted", gone, None)]
    found: list[Change] = []
    if was is None:
        found.append(("customer.created", texts.customer(now), None))
        for card in now.cards.values():
            found.append(("customer.source.created", render.card(card), None))
        return found
    old_cards = was.cards
    if old_cards or now.cards:
        quick = _card_changes(was, now)
        if quick is None:  # every card, in order
            created = [card_id for card_id in now.cards if card_id not in old_cards]
            updated = [
                card_id
                for card_id, card in now.cards.items()
                if card_id in old_cards and card is not old_cards[card_id]
            ]
            deleted = [card_id for card_id in old_cards if card_id not in now.cards]
        else:
            created, updated, deleted = quick
        # Cards added by a request come after those it had, so updates come first in list order.
        for card_id in updated:  # replaced by an update
            old, new = render.card(old_cards[card_id]), render.card(now.cards[card_id])
            changed = {key: value for key, value in old.items() if new.get(key) != value}
            if changed:
                found.append(("customer.source.updated", new, changed))
        for card_id in created:
            found.append(("customer.source.created", render.card(now.cards[card_id]), None))
        for card_id in deleted:
            found.append(("customer.source.deleted", render.card(old_cards[card_id]), None))
    values = _values(now)
    if values != was.fields:
        previous = {
            CUSTOMER_FIELDS[at]: old for at, old in enumerate(was.fields) if old != values[at]
        }
        found.append(("customer.updated", texts.customer(now), previous))
    return found
