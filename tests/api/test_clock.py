"""The fake's clock over HTTP: frozen ticks, advance, wall time under freezegun, expiry."""

from __future__ import annotations

import calendar
import time
from typing import Any

import pytest

from tests.api.conftest import MakeApi
from tests.api.helpers import START, assert_error, create, ok
from tests.conftest import Api, freeze_time
from tofupay_fake import FakeTofupay
from tofupay_fake.clock import Clock

VISA = "4242424242424242"
FEB_2015 = calendar.timegm((2015, 2, 1, 0, 0, 0))  # the frozen clock starts on 2015-01-12
JAN_2016 = calendar.timegm((2016, 1, 1, 0, 0, 0))
FROZEN_2030 = 1903867200  # 2030-05-01 12:00:00 UTC

MONTH = ("invalid_expiry_month", "exp_month", "Your card's expiration month is invalid.")
YEAR = ("invalid_expiry_year", "exp_year", "Your card's expiration year is invalid.")


def card_dict(param: str, month: int, year: int) -> dict[str, str]:
    """A card dictionary as form fields under ``param``."""
    return {
        f"{param}[object]": "card",
        f"{param}[number]": VISA,
        f"{param}[exp_month]": str(month),
        f"{param}[exp_year]": str(year),
        f"{param}[cvc]": "123",
    }


def token_via_api(api: Api, month: int, year: int) -> str:
    body = ok(api.post("/v1/tokens", data=card_dict("card", month, year)))
    return str(body["id"])


def first_card(customer: dict[str, Any]) -> dict[str, Any]:
    [card] = customer["sources"]["data"]
    return card  # type: ignore[no-any-return]


def advance_to(fake: FakeTofupay, when: int) -> None:
    fake.clock.advance(when - fake.clock.now())
    assert fake.clock.now() == when


# -- frozen: start, one second per object, advance --------------------------------------


def test_frozen_clock_starts_at_the_seed_created_and_ticks_once_per_object(
    api: Api, fake: FakeTofupay
) -> None:
    assert fake.clock.frozen
    assert fake.clock.now() == START == 1421056271
    assert create(api)["created"] == START
    # A token holds a card object made with it: card START + 1, token START + 2.
    token = ok(api.post("/v1/tokens", data=card_dict("card", 12, 2016)))
    assert token["created"] == START + 2
    # A customer with a test token: customer START + 3, its new card START + 4.
    assert create(api, source="tok_visa")["created"] == START + 3
    # Attaching an issued token makes no new card: only the customer ticks.
    assert create(api, source=token["id"])["created"] == START + 5
    assert fake.create_token() and create(api)["created"] == START + 8
    added = ok(api.post(f"/v1/customers/{create(api)['id']}/sources", data={"source": "tok_visa"}))
    assert added["object"] == "card"
    assert fake.clock.now() == START + 11
    # Reads, updates and failed requests make nothing: the clock stays.
    customer = create(api)["id"]
    before = fake.clock.now()
    ok(api.get("/v1/customers"))
    ok(api.get(f"/v1/customers/{customer}"))
    ok(api.post(f"/v1/customers/{customer}", data={"description": "x"}))
    assert api.post("/v1/customers", data={"bogus": "1"}).status_code == 400
    assert api.get("/v1/customers/cus_missing").status_code == 404
    assert fake.clock.now() == before
    assert [c["created"] for c in fake.customers()] == sorted(
        {c["created"] for c in fake.customers()}, reverse=True
    )


def test_advance_moves_the_created_of_the_next_object(api: Api, fake: FakeTofupay) -> None:
    assert fake.clock.advance(0) == START
    assert fake.clock.advance(100) == START + 100
    assert create(api)["created"] == START + 100
    assert fake.clock.advance(86400) == START + 101 + 86400
    assert create(api)["created"] == START + 101 + 86400
    assert fake.clock.advance(1) == START + 103 + 86400
    token = ok(api.post("/v1/tokens", data=card_dict("card", 12, 2020)))
    assert token["created"] == START + 104 + 86400


@pytest.mark.parametrize("bad", [-1, -86400, 1.5, 1.0, "10", None, True, False])
def test_advance_rejects_negative_and_non_int(fake: FakeTofupay, bad: Any) -> None:
    fake.clock.advance(5)
    with pytest.raises(ValueError, match="advance"):
        fake.clock.advance(bad)
    assert fake.clock.now() == START + 5


def test_reset_brings_the_frozen_clock_back_to_its_start(api: Api, fake: FakeTofupay) -> None:
    first = create(api, source="tok_visa")
    fake.clock.advance(10 * 86400)
    create(api)
    fake.create_token()
    fake.reset()
    assert fake.clock.now() == START
    again = create(api, source="tok_visa")
    assert again["created"] == START
    assert again == first  # same seed, same clock: the same customer, byte for byte


def test_a_clock_passed_in_is_used_as_is(make_api: MakeApi) -> None:
    clock = Clock(start=1_700_000_000, tick=10)
    fake, api = make_api(clock=clock)
    assert fake.clock is clock
    assert create(api)["created"] == 1_700_000_000
    assert create(api, source="tok_visa")["created"] == 1_700_000_010
    assert create(api)["created"] == 1_700_000_030  # the card took 1_700_000_020
    assert clock.now() == 1_700_000_040
    clock.advance(5)
    assert create(api)["created"] == 1_700_000_045
    fake.reset()
    assert clock.now() == 1_700_000_000
    assert create(api)["created"] == 1_700_000_000


@pytest.fixture
def make_api(api_with: MakeApi) -> MakeApi:
    return api_with


# -- wall time: clock=time.time under freezegun ----------------------------------------


def test_wall_clock_follows_freezegun(make_api: MakeApi) -> None:
    with freeze_time("2030-05-01 12:00:00"):
        fake, api = make_api(clock=time.time)
        assert not fake.clock.frozen
        assert fake.clock.now() == FROZEN_2030
        customer = create(api, source="tok_visa")
        assert customer["created"] == FROZEN_2030
        # tok_visa's card expires in March of next year.
        card = first_card(customer)
        assert (card["exp_month"], card["exp_year"]) == (3, 2031)
        # Wall time does not tick per object: the next one is made in the same second.
        assert create(api)["created"] == FROZEN_2030
        token = ok(api.get(f"/v1/tokens/{fake.create_token()}"))
        assert token["created"] == FROZEN_2030
        assert token["card"]["exp_year"] == 2031  # create_token: next year by the clock


def test_wall_clock_made_before_freezing_reads_the_patched_time(make_api: MakeApi) -> None:
    fake, api = make_api(clock=time.time)
    with freeze_time("2030-05-01 12:00:00"):
        assert create(api)["created"] == FROZEN_2030
    assert fake.clock.now() != FROZEN_2030


def test_advancing_a_wall_clock_adds_an_offset(make_api: MakeApi) -> None:
    with freeze_time("2030-05-01 12:00:00") as frozen:
        fake, api = make_api(clock=time.time)
        assert fake.clock.advance(3600) == FROZEN_2030 + 3600
        assert create(api)["created"] == FROZEN_2030 + 3600
        frozen.tick(60)  # wall time moves on; the offset stays on top of it
        assert create(api)["created"] == FROZEN_2030 + 3660
        fake.clock.advance(240 * 86400)  # 2030-12-27 13:01: a tok_visa card now says 2031
        assert first_card(create(api, source="tok_visa"))["exp_year"] == 2031
        fake.clock.advance(6 * 86400)  # into 2031
        assert first_card(create(api, source="tok_visa"))["exp_year"] == 2032
        fake.reset()  # drops the offset, back to plain (frozen-by-freezegun) wall time
        assert fake.clock.now() == FROZEN_2030 + 60
        assert create(api)["created"] == FROZEN_2030 + 60


# -- card expiry against the clock ------------------------------------------------------


@pytest.mark.parametrize("where", ["customer", "sources", "tokens"])
def test_card_of_the_current_month_is_accepted_until_the_month_ends(
    api: Api, fake: FakeTofupay, where: str
) -> None:
    target = create(api)["id"]

    def send(month: int, year: int) -> Any:
        if where == "customer":
            return api.post("/v1/customers", data=card_dict("source", month, year))
        if where == "sources":
            return api.post(
                f"/v1/customers/{target}/sources", data=card_dict("source", month, year)
            )
        return api.post("/v1/tokens", data=card_dict("card", month, year))

    assert ok(send(1, 2015))  # January 2015, the clock's month
    advance_to(fake, FEB_2015 - 1)  # the last second of January
    assert ok(send(1, 2015))
    assert fake.clock.now() >= FEB_2015  # the objects just made took February's first seconds
    for month, year, error in [(1, 2015, MONTH), (12, 2014, YEAR)]:
        before = (fake.clock.now(), len(fake.customers()))
        response = send(month, year)
        assert_error(response, 402, "card_error", error[2], error[1], code=error[0])
        assert (fake.clock.now(), len(fake.customers())) == before  # nothing was made
    assert ok(send(2, 2015)) and ok(send(12, 2015))
    advance_to(fake, JAN_2016)
    response = send(12, 2015)  # the same dictionary, once the year is over
    assert_error(response, 402, "card_error", YEAR[2], YEAR[1], code=YEAR[0])
    assert ok(send(1, 2016))


@pytest.mark.parametrize("issuer", ["create_token", "api"])
@pytest.mark.parametrize("where", ["customer", "sources"])
def test_token_attached_after_its_month_passed_is_an_expired_card(
    api: Api, fake: FakeTofupay, issuer: str, where: str
) -> None:
    target = create(api)["id"]

    def issue(month: int, year: int) -> str:
        if issuer == "create_token":
            return fake.create_token(exp_month=month, exp_year=year)
        return token_via_api(api, month, year)

    def attach(token: str) -> Any:
        if where == "customer":
            return api.post("/v1/customers", data={"source": token})
        return api.post(f"/v1/customers/{target}/sources", data={"source": token})

    expiring, lasting = issue(1, 2015), issue(2, 2015)
    fresh = issue(1, 2015)
    ok(attach(fresh))  # still January: fine
    advance_to(fake, FEB_2015)
    customers_before = len(fake.customers())
    response = attach(expiring)
    assert_error(
        response, 402, "card_error", "Your card has expired.", "exp_month",
        code="expired_card", decline_code="expired_card",
    )  # fmt: skip
    assert len(fake.customers()) == customers_before
    assert ok(api.get(f"/v1/tokens/{expiring}"))["used"] is False  # the failure used nothing
    card = ok(attach(lasting))
    card = first_card(card) if where == "customer" else card
    assert (card["exp_month"], card["exp_year"]) == (2, 2015)


def test_create_token_defaults_to_next_year_by_the_clock(api: Api, fake: FakeTofupay) -> None:
    token = ok(api.get(f"/v1/tokens/{fake.create_token()}"))
    assert (token["card"]["exp_month"], token["card"]["exp_year"]) == (12, 2016)
    advance_to(fake, JAN_2016)
    token = ok(api.get(f"/v1/tokens/{fake.create_token()}"))
    assert (token["card"]["exp_month"], token["card"]["exp_year"]) == (12, 2017)
