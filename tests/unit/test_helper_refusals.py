"""The Python helpers refuse what they cannot do, and say why: ``history``, ``get_customer``,
``add_customer(id=...)``; listeners come off idempotently; a snapshot's accounts know their mode."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import KEY, LIVE_KEY
from tofupay_fake import FakeTofupay, TofupayError

BEARER = {"Authorization": f"Bearer {KEY}"}
SEEDED = "cus_abcdefghij1234"


@pytest.mark.parametrize("history", [0, -1, True, False, 1.5, "3"])
def test_history_must_be_a_whole_number_of_calls(history: Any) -> None:
    with pytest.raises(ValueError) as refused:
        FakeTofupay(history=history)
    assert str(refused.value) == (
        f"history takes a number of calls >= 1 (or None for all), got {history!r}"
    )


@pytest.mark.parametrize("history", [1, 2, None])
def test_a_valid_history_keeps_that_many_calls(history: int | None) -> None:
    fake = FakeTofupay(history=history)
    for _ in range(3):
        fake.handle("GET", "/v1/customers", headers=BEARER)
    assert len(fake.calls) == (3 if history is None else history)


def test_get_customer_of_an_unknown_id_names_the_live_ones() -> None:
    fake = FakeTofupay()
    fake.add_customer(KEY, id=SEEDED)
    fake.add_customer(LIVE_KEY, id="cus_livelivelive01")
    with pytest.raises(KeyError) as refused:
        fake.get_customer("cus_nobody")
    assert refused.value.args[0] == (
        f"No customer 'cus_nobody' in the fake; live customers: ['{SEEDED}', 'cus_livelivelive01']"
    )


def test_get_customer_of_a_deleted_id_is_the_api_s_stub() -> None:
    fake = FakeTofupay()
    fake.add_customer(KEY, id=SEEDED)
    fake.handle("DELETE", f"/v1/customers/{SEEDED}", headers=BEARER)
    assert fake.get_customer(SEEDED) == {"id": SEEDED, "object": "customer", "deleted": True}


@pytest.mark.parametrize("deleted", [False, True])
def test_a_seeded_id_cannot_be_used_twice_in_one_account(deleted: bool) -> None:
    fake = FakeTofupay()
    fake.add_customer(KEY, id=SEEDED)
    if deleted:
        fake.handle("DELETE", f"/v1/customers/{SEEDED}", headers=BEARER)
    with pytest.raises(TofupayError) as refused:
        fake.add_customer(KEY, id=SEEDED)
    error = refused.value
    assert (error.status, error.param) == (400, "id")
    assert error.message == (
        f"Invalid id {SEEDED}: this account already has (or had) a customer with that id."
    )
    assert (
        fake.add_customer(LIVE_KEY, id=SEEDED)["id"] == SEEDED
    )  # another account's ids are its own


def test_a_listener_comes_off_once_and_a_second_removal_is_harmless() -> None:
    fake = FakeTofupay()
    heard: list[str] = []

    def listener(recorded: Any) -> None:
        heard.append(recorded.text)

    fake.events.listen(listener)
    fake.add_customer(KEY)
    fake.events.unlisten(listener)
    fake.events.unlisten(listener)
    fake.add_customer(KEY)
    assert len(fake.events) == 2
    assert [json.loads(text) for text in heard] == [fake.events[0]]


@pytest.mark.parametrize(("key", "livemode"), [(KEY, False), (LIVE_KEY, True)])
def test_a_snapshot_s_accounts_know_their_mode(key: str, livemode: bool) -> None:
    fake = FakeTofupay()
    fake.add_customer(key)
    (account,) = fake.snapshot().accounts
    assert (account.api_key, account.livemode) == (key, livemode)


@pytest.mark.parametrize("key", [5, b"sk_test_bytes0000", ["sk_test_x"], 1.5])
@pytest.mark.parametrize(
    "helper",
    [
        lambda fake, key: fake.add_customer(key),
        lambda fake, key: fake.seed_customers(1, key),
        lambda fake, key: fake.create_token(api_key=key),
    ],
    ids=["add_customer", "seed_customers", "create_token"],
)
def test_a_key_that_is_not_a_string_is_a_type_error(helper: Any, key: Any) -> None:
    fake = FakeTofupay()
    with pytest.raises(TypeError) as refused:
        helper(fake, key)
    assert str(refused.value) == (
        f"api_key takes a secret key as a str (sk_test_...), got {type(key).__name__}"
    )
    assert fake.customers() == [] and list(fake.events) == []
