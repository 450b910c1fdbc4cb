"""Reading the event log: ``filter`` by type, and what a type that is not a string gets."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import KEY
from tofupay_fake import FakeTofupay


def world() -> FakeTofupay:
    fake = FakeTofupay()
    made = fake.add_customer(KEY, source="tok_visa")
    fake.handle(
        "POST",
        f"/v1/customers/{made['id']}",
        headers={"Authorization": f"Bearer {KEY}"},
        query="description=vip",
    )
    return fake


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        (None, 3),
        ("customer.created", 1),
        ("customer.source.created", 1),
        ("customer.updated", 1),
        ("customer.deleted", 0),
        ("customer", 0),  # a whole type, not a prefix
    ],
)
def test_filter_keeps_the_events_of_one_type(kind: str | None, count: int) -> None:
    fake = world()
    kept = fake.events.filter(kind)
    assert len(kept) == count
    assert all(kind is None or event["type"] == kind for event in kept)


@pytest.mark.parametrize("kind", [5, ["customer.created"], b"customer.created"])
def test_a_type_that_is_not_a_string_is_a_type_error(kind: Any) -> None:
    fake = world()
    message = (
        f"filter() takes an event type such as 'customer.updated' (or None for all), not {kind!r}"
    )
    with pytest.raises(TypeError) as refused:
        fake.events.filter(kind)
    assert str(refused.value) == message
    with pytest.raises(TypeError) as refused:
        fake.assert_event(kind)
    assert str(refused.value) == message
