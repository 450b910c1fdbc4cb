"""Clock settings: Unix times, ISO dates and datetimes, ``wall``; bad values; the year 9999."""

from __future__ import annotations

import calendar
import math
import time
from typing import Any

import pytest

from tests.conftest import freeze_time
from tofupay_fake import FakeTofupay
from tofupay_fake.clock import MAX_TIME, Clock, as_clock, parse_clock, unix_time
from tofupay_fake.resources import cards

KEY = "sk_test_clockConfig0001"
JAN_15_2026 = calendar.timegm((2026, 1, 15, 0, 0, 0))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1421056271, 1421056271),
        ("1421056271", 1421056271),
        (" 1700000000 ", 1700000000),
        ("2026-01-15", JAN_15_2026),
        ("2026-01-15T10:00:00Z", JAN_15_2026 + 10 * 3600),
        ("2026-01-15T10:00:00+02:00", JAN_15_2026 + 8 * 3600),
        ("2026-01-15T10:00:00-05:30", JAN_15_2026 + 15 * 3600 + 1800),
        ("2026-01-15T10:00:00", JAN_15_2026 + 10 * 3600),  # naive: UTC
        ("2026-01-15T10:00:00.999Z", JAN_15_2026 + 10 * 3600),  # fractions dropped
        ("1970-01-01", 0),
        (MAX_TIME, MAX_TIME),
        ("9999-12-31T23:59:59Z", MAX_TIME),
    ],
)
def test_accepted_values(value: Any, expected: int) -> None:
    clock = parse_clock(value)
    assert clock.frozen
    assert clock.now() == expected == unix_time(value)


@pytest.mark.parametrize("value", ["wall", "WALL", " wall"])
def test_wall_reads_time_time_so_freezegun_applies(value: str) -> None:
    clock = parse_clock(value)
    assert not clock.frozen
    with freeze_time("2030-05-01 12:00:00"):
        assert clock.now() == calendar.timegm((2030, 5, 1, 12, 0, 0))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("yesterday", "it is not a time"),
        ("", "it is not a time"),
        ("1e9", "it is not a time"),
        ("2026-13-01", "it is not a time"),
        ("2026-01-15T25:00", "it is not a time"),
        ("\u0663", "it is not a time"),  # an Arabic-Indic digit: not ASCII
        (True, "a bool is not a time"),
        (False, "a bool is not a time"),
        (math.nan, "a float is not a time"),
        (1.5e9, "a float is not a time"),
        (None, "a NoneType is not a time"),
        (-1, "it is before 1970"),
        ("-1", "it is before 1970"),
        ("1969-12-31T23:59:59Z", "it is before 1970"),
        ("0001-01-01T00:00:00+01:00", "it is before 1970"),
        (MAX_TIME + 1, "it is after the year 9999"),
        ("9999-12-31T23:59:59-00:01", "it is after the year 9999"),
        (10**30, "it is after the year 9999"),
        (2**63, "it is after the year 9999"),
        ("9" * 5000, "it is after the year 9999"),  # past int()'s digit limit
    ],
)
def test_bad_values_are_a_value_error_naming_them(value: Any, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_clock(value)
    message = str(caught.value)
    assert message.startswith("bad clock value ")
    assert repr(value)[:40] in message
    assert reason in message
    assert "an ISO date (2026-01-15" in message and "'wall'" in message


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    with pytest.raises(ValueError) as caught:
        parse_clock("x" * 10_000)
    assert len(str(caught.value)) < 400


def test_a_set_clock_ticks_one_second_per_object_like_the_default() -> None:
    fake = FakeTofupay(clock=parse_clock("2026-01-15"))
    first = fake.add_customer(KEY)
    second = fake.add_customer(KEY)
    assert (first["created"], second["created"]) == (JAN_15_2026, JAN_15_2026 + 1)
    fake.reset()
    assert fake.clock.now() == JAN_15_2026


@pytest.mark.parametrize("value", [JAN_15_2026, "2026-01-15", str(JAN_15_2026)])
def test_the_constructor_takes_a_setting(value: int | str) -> None:
    fake = FakeTofupay(clock=value)
    assert fake.clock.frozen and fake.clock.now() == JAN_15_2026


def test_the_constructor_still_takes_a_clock_a_callable_or_none() -> None:
    clock = Clock(start=5)
    assert FakeTofupay(clock=clock).clock is clock
    assert FakeTofupay(clock=lambda: 42.9).clock.now() == 42
    assert FakeTofupay(clock=time.time).clock.frozen is False
    assert FakeTofupay().clock.now() == 1421056271
    assert as_clock(None).now() == 1421056271


@pytest.mark.parametrize("value", ["yesterday", -5, 2.5, True])
def test_the_constructor_rejects_a_bad_setting(value: Any) -> None:
    with pytest.raises(ValueError, match="bad clock value"):
        FakeTofupay(clock=value)


# -- set, and the end of the year 9999 ------------------------------------------------


def test_set_moves_the_clock_either_way() -> None:
    clock = Clock(start=1000)
    assert clock.set("2026-01-15") == JAN_15_2026
    assert clock.tick() == JAN_15_2026
    assert clock.set(500) == 500  # backwards is allowed
    assert clock.tick() == 500
    clock.reset()
    assert clock.now() == 1000


def test_set_on_a_wall_clock_shifts_it_and_time_keeps_running() -> None:
    with freeze_time("2030-05-01 12:00:00") as frozen:
        clock = Clock(source=time.time)
        assert clock.set("2026-01-15") == JAN_15_2026
        frozen.tick(10)
        assert clock.now() == JAN_15_2026 + 10
        clock.reset()
        assert clock.now() == calendar.timegm((2030, 5, 1, 12, 0, 10))


@pytest.mark.parametrize("value", ["tomorrow", -1, MAX_TIME + 1])
def test_set_rejects_a_bad_value_and_keeps_the_time(value: Any) -> None:
    clock = Clock(start=1000)
    with pytest.raises(ValueError, match="bad clock value"):
        clock.set(value)
    assert clock.now() == 1000


def test_advance_cannot_pass_the_year_9999() -> None:
    clock = Clock(start=MAX_TIME - 10)
    with pytest.raises(ValueError, match="past the year 9999"):
        clock.advance(11)
    with pytest.raises(ValueError, match="past the year 9999"):
        clock.advance(10**40)
    assert clock.now() == MAX_TIME - 10
    assert clock.advance(10) == MAX_TIME


def test_ticks_stop_at_the_last_second_of_9999() -> None:
    clock = Clock(start=MAX_TIME - 1)
    assert [clock.tick(), clock.tick(), clock.tick()] == [MAX_TIME - 1, MAX_TIME, MAX_TIME]


def test_the_year_9999_gives_four_digit_card_years() -> None:
    fake = FakeTofupay(clock=MAX_TIME)
    customer = fake.add_customer(KEY, source="tok_visa")
    [card] = customer["sources"]["data"]
    assert (card["exp_month"], card["exp_year"]) == (12, 9999)  # not expired
    token = fake.create_token()
    assert fake.add_customer(KEY, source=token)["sources"]["data"][0]["exp_year"] == 9999
    assert cards.year_of(10**20) == 9999 and cards.next_year(MAX_TIME) == 9999


def test_a_wall_clock_far_out_never_raises_an_os_error() -> None:
    fake = FakeTofupay(clock=lambda: 1e15)  # a source beyond what gmtime can convert
    assert fake.clock.now() == MAX_TIME
    customer = fake.add_customer(KEY, source="tok_visa")
    assert customer["sources"]["data"][0]["exp_year"] == 9999


# -- test tokens' cards expire relative to the clock ---------------------------------


@pytest.mark.parametrize(
    ("clock", "year"),
    [(None, 2016), ("2026-01-15", 2027), ("2026-12-31T23:00:00Z", 2027), ("2027-01-01", 2028)],
)
def test_test_token_cards_expire_in_march_of_the_clocks_next_year(
    clock: str | None, year: int
) -> None:
    fake = FakeTofupay(clock=clock)
    for token in ("tok_visa", "tok_mastercard", "tok_amex"):
        customer = fake.add_customer(KEY, source=token)
        [card] = customer["sources"]["data"]
        assert (card["exp_month"], card["exp_year"]) == (3, year)
