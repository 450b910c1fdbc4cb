"""A clock of one's own: ``Clock(start, tick=..., source=...)`` takes whole seconds >= 0 per
object and a callable source, and refuses anything else when it is made."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import KEY
from tofupay_fake import Clock, FakeTofupay


@pytest.mark.parametrize("tick", [1.5, -1, True, "2", None, 1e3])
def test_a_tick_that_is_not_whole_seconds_from_zero_is_refused(tick: Any) -> None:
    with pytest.raises(ValueError) as refused:
        Clock(tick=tick)
    assert str(refused.value) == (
        f"Clock() takes tick as a whole number of seconds >= 0, got {tick!r}"
    )


@pytest.mark.parametrize("source", [5, "time.time", 1.5])
def test_a_source_that_cannot_be_called_is_refused(source: Any) -> None:
    with pytest.raises(TypeError) as refused:
        Clock(source=source)
    assert str(refused.value) == (
        f"Clock() takes source as a callable giving the Unix time (such as time.time), "
        f"got {source!r}"
    )


@pytest.mark.parametrize(
    ("tick", "created"), [(0, [100, 100, 100]), (1, [100, 101, 102]), (7, [100, 107, 114])]
)
def test_each_object_made_moves_a_frozen_clock_by_its_tick(tick: int, created: list[int]) -> None:
    fake = FakeTofupay(clock=Clock(start=100, tick=tick))
    made = [fake.add_customer(KEY)["created"] for _ in created]
    assert made == created
    assert all(type(value) is int for value in made)
    assert all(type(event["created"]) is int for event in fake.events)


def test_a_callable_source_is_read_as_whole_seconds() -> None:
    clock = Clock(source=lambda: 1_700_000_000.75)
    assert (clock.frozen, clock.now(), clock.tick()) == (False, 1_700_000_000, 1_700_000_000)
    assert not Clock(source=time.time).frozen
