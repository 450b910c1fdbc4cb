"""The events a write makes, found from the records before and after it.

The fake looks only at the cards a request can touch (the named card, the
default, cards added at the end); when the records say more changed than
that, it compares every card. Either way the events are those a full
comparison finds, in the same order: updated cards, created, deleted, then
the customer itself.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from tofupay_fake import changes, render
from tofupay_fake.store import Card, Customer


def card(ident: str, **fields: Any) -> Card:
    return Card(ident, "cus_a", "4242", "Visa", "credit", 12, 2030, "fp", **fields)


A, B, C, D = card("card_a"), card("card_b"), card("card_c"), card("card_d")


def customer(*cards: Card, default: str | None = "card_a", **fields: Any) -> Customer:
    return Customer(
        "cus_a", 1, False, cards={c.id: c for c in cards}, default_source=default, **fields
    )


def renamed(old: Card, name: str) -> Card:
    return dataclasses.replace(old, name=name)


Event = tuple[str, str, dict[str, Any] | None]


def events(was: Customer, now: Customer | None, named: str | None = None) -> list[Event]:
    """(type, object id, previous attributes) of each event, in order."""
    found = changes.changes(changes.before(was, named), now, render.Texts())
    return [
        (kind, obj["id"] if isinstance(obj, dict) else json.loads(obj)["id"], previous)
        for kind, obj, previous in found
    ]


ROWS = [
    # (before, after, the card the request names, the events: (type, id, previous attributes))
    pytest.param(
        customer(A, B, C), customer(A), None,
        [("customer.source.deleted", "card_b", None), ("customer.source.deleted", "card_c", None)],
        id="two-untouched-cards-gone",
    ),
    pytest.param(
        customer(A, B), customer(renamed(A, "x"), renamed(B, "y")), "card_b",
        [("customer.source.updated", "card_a", {"name": None}),
         ("customer.source.updated", "card_b", {"name": None})],
        id="named-and-default-both-updated",
    ),
    pytest.param(
        customer(A, B, C), customer(C, default="card_c"), "card_b",
        [("customer.source.deleted", "card_a", None), ("customer.source.deleted", "card_b", None),
         ("customer.updated", "cus_a", {"default_source": "card_a"})],
        id="named-and-default-both-deleted",
    ),
    pytest.param(
        customer(A, B), customer(A, C, B), None,
        [("customer.source.created", "card_c", None)],
        id="added-before-an-old-card",
    ),
    pytest.param(
        customer(A, B), customer(dataclasses.replace(A), dataclasses.replace(B)), "card_b",
        [],
        id="both-replaced-unchanged",
    ),
    pytest.param(
        customer(A), customer(A, B, C), None,
        [("customer.source.created", "card_b", None), ("customer.source.created", "card_c", None)],
        id="added-at-the-end",
    ),
    pytest.param(
        customer(A, B), customer(B, D, default="card_d"), None,
        [("customer.source.created", "card_d", None), ("customer.source.deleted", "card_a", None),
         ("customer.updated", "cus_a", {"default_source": "card_a"})],
        id="default-replaced",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("was", "now", "named", "expected"), ROWS)
def test_the_events_are_those_of_a_full_comparison(
    was: Customer, now: Customer, named: str | None, expected: list[Event]
) -> None:
    assert events(was, now, named) == expected


def test_no_customer_before_or_after_is_no_event() -> None:
    assert changes.before(None) is None
    assert changes.changes(None, None, render.Texts()) == []
