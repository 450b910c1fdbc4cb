"""resources/customers.py and metadata.py on a Store, with no HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import messages, render
from tofupay_fake.clock import DEFAULT_START
from tofupay_fake.errors import TofupayError
from tofupay_fake.ids import IdFactory
from tofupay_fake.resources import Env, customers
from tofupay_fake.store import Account

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"


def expected_ids(prefix: str, n: int) -> list[str]:
    ids = IdFactory(0)
    return [ids.new(prefix) for _ in range(n)]


def snapshot(account: Account) -> list[dict[str, Any]]:
    return [render.customer(c) for c in account.customers.values()] + [
        {"deleted": sorted(account.deleted)}
    ]


# -- create ------------------------------------------------------------------


def test_create_minimal(account: Account, env: Env) -> None:
    customer = customers.create(account, {}, env)
    assert customer.id == expected_ids("cus", 1)[0]
    assert (customer.created, customer.livemode) == (DEFAULT_START, False)
    assert (customer.email, customer.description, customer.metadata) == (None, None, {})
    assert (customer.account_balance, customer.currency, customer.default_source) == (
        0,
        "usd",
        None,
    )
    assert list(account.customers) == [customer.id]
    assert env.clock.now() == DEFAULT_START + 1


def test_create_fields(account: Account, env: Env) -> None:
    raw = {
        "email": "kif@hong.com",
        "description": "kif",
        "account_balance": "-250",
        "metadata": {"plan": "pro"},
    }
    customer = customers.create(account, raw, env)
    assert customer.email == "kif@hong.com"
    assert customer.description == "kif"
    assert customer.account_balance == -250
    assert customer.metadata == {"plan": "pro"}


def test_create_live_account(env: Env) -> None:
    live = env.store.account("sk_live_abc123")
    assert customers.create(live, {}, env).livemode is True


@pytest.mark.parametrize("name", ["source", "card"])
def test_create_with_source_attaches_default_card(account: Account, env: Env, name: str) -> None:
    customer = customers.create(account, {name: "tok_visa"}, env)
    card_id = expected_ids("card", 1)[0]
    assert customer.default_source == card_id
    assert list(customer.cards) == [card_id]
    card = customer.cards[card_id]
    assert (card.last4, card.brand, card.customer) == ("4242", "Visa", customer.id)
    assert customer.created == DEFAULT_START
    assert env.clock.now() == DEFAULT_START + 2  # the customer and its card


def test_created_ticks_one_second_per_customer(account: Account, env: Env) -> None:
    made = [customers.create(account, {}, env) for _ in range(3)]
    assert [c.created for c in made] == [DEFAULT_START, DEFAULT_START + 1, DEFAULT_START + 2]
    assert [c.id for c in made] == expected_ids("cus", 3)


BAD_CREATE = [
    pytest.param({"email": "not-an-email"}, 400, "email", id="bad-email"),
    pytest.param({"email": ["a@b.co"]}, 400, "email", id="email-array"),
    pytest.param({"description": {"a": "b"}}, 400, "description", id="description-hash"),
    pytest.param({"account_balance": "abc"}, 400, "account_balance", id="bad-balance"),
    pytest.param({"metadata": {"k" * 41: "v"}}, 400, "metadata", id="metadata-key"),
    pytest.param({"metadata": "x"}, 400, "metadata", id="metadata-not-hash"),
    pytest.param({"source": "tok_chargeDeclined"}, 402, None, id="declined-token"),
    pytest.param({"source": "not_a_token"}, 400, "source", id="unknown-source"),
    pytest.param({"card": ""}, 400, "card", id="empty-card"),
    pytest.param({"source": "tok_visa", "card": "tok_visa"}, 400, None, id="source-and-card"),
    pytest.param({"email": "a@b.co", "metadata": {"a": {"b": "c"}}}, 400, "metadata", id="late"),
]


@pytest.mark.parametrize(("raw", "status", "param"), BAD_CREATE)
def test_create_validates_before_storing(
    account: Account, env: Env, raw: dict[str, Any], status: int, param: str | None
) -> None:
    with pytest.raises(TofupayError) as info:
        customers.create(account, raw, env)
    assert (info.value.status, info.value.param) == (status, param)
    assert account.customers == {}
    assert env.clock.now() == DEFAULT_START
    first = customers.create(account, {"source": "tok_visa"}, env)
    assert first.id == expected_ids("cus", 1)[0]  # no id was consumed
    assert first.default_source == expected_ids("card", 1)[0]
    assert first.created == DEFAULT_START


def test_create_declined_token_error(account: Account, env: Env) -> None:
    with pytest.raises(TofupayError) as info:
        customers.create(account, {"source": "tok_chargeDeclined"}, env)
    assert info.value.body() == {
        "error": {
            "type": "card_error",
            "message": "Your card was declined.",
            "code": "card_declined",
            "decline_code": "generic_decline",
        }
    }


# -- update ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        pytest.param({"description": ""}, "description", None, id="unset-description"),
        pytest.param({"email": ""}, "email", None, id="unset-email"),
        pytest.param({"account_balance": ""}, "account_balance", 0, id="unset-balance"),
        pytest.param({"email": "new@x.io"}, "email", "new@x.io", id="set-email"),
        pytest.param({"account_balance": "99"}, "account_balance", 99, id="set-balance"),
    ],
)
def test_update_fields(
    account: Account, env: Env, raw: dict[str, Any], field: str, value: Any
) -> None:
    made = customers.create(
        account, {"email": "a@b.co", "description": "d", "account_balance": "5"}, env
    )
    updated = customers.update(account, made.id, raw, env)
    assert getattr(updated, field) == value
    assert updated is account.customers[made.id]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"c": "3"}, {"a": "1", "b": "2", "c": "3"}, id="merge-adds"),
        pytest.param({"a": "9"}, {"a": "9", "b": "2"}, id="merge-replaces"),
        pytest.param({"a": ""}, {"b": "2"}, id="empty-value-removes"),
        pytest.param({"zzz": ""}, {"a": "1", "b": "2"}, id="remove-missing-key"),
        pytest.param("", {}, id="empty-clears"),
        pytest.param({}, {"a": "1", "b": "2"}, id="empty-hash-keeps"),
    ],
)
def test_update_metadata(account: Account, env: Env, change: Any, expected: dict[str, str]) -> None:
    made = customers.create(account, {"metadata": {"a": "1", "b": "2"}}, env)
    assert customers.update(account, made.id, {"metadata": change}, env).metadata == expected


def many(n: int, start: int = 0) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(start, start + n)}


@pytest.mark.parametrize(
    ("current", "change", "message"),
    [
        pytest.param({}, many(50), None, id="50-keys-ok"),
        pytest.param({}, many(51), messages.METADATA_TOO_MANY_KEYS, id="51-keys"),
        pytest.param(many(50), many(1, 50), messages.METADATA_TOO_MANY_KEYS, id="merge-to-51"),
        pytest.param(many(50), {**many(1, 50), "k0": ""}, None, id="swap-stays-50"),
        pytest.param({}, {"k" * 40: "v"}, None, id="40-char-key-ok"),
        pytest.param({}, {"k" * 41: "v"}, messages.METADATA_KEY_TOO_LONG, id="41-char-key"),
        pytest.param({}, {"a[b": "v"}, messages.METADATA_KEY_BRACKETS, id="open-bracket"),
        pytest.param({}, {"a]": "v"}, messages.METADATA_KEY_BRACKETS, id="close-bracket"),
        pytest.param({}, {"k": "v" * 500}, None, id="500-char-value-ok"),
        pytest.param({}, {"k": "v" * 501}, messages.METADATA_VALUE_TOO_LONG, id="501-char-value"),
        pytest.param({}, {"k": {"x": "y"}}, messages.METADATA_VALUE_NOT_STRING, id="nested-hash"),
        pytest.param({}, {"k": ["y"]}, messages.METADATA_VALUE_NOT_STRING, id="array-value"),
        pytest.param({}, ["x"], messages.INVALID_HASH, id="array"),
    ],
)
def test_metadata_limits(
    account: Account, env: Env, current: dict[str, str], change: Any, message: str | None
) -> None:
    made = customers.create(account, {"metadata": current} if current else {}, env)
    before = snapshot(account)
    if message is None:
        customers.update(account, made.id, {"metadata": change}, env)
        merged = {k: v for k, v in {**current, **change}.items() if v != ""}
        assert made.metadata == merged
        return
    with pytest.raises(TofupayError) as info:
        customers.update(account, made.id, {"metadata": change}, env)
    assert (info.value.status, info.value.type, info.value.param) == (
        400,
        "invalid_request_error",
        "metadata",
    )
    assert info.value.message.startswith(message.split("{")[0])
    assert snapshot(account) == before


BAD_UPDATE = [
    pytest.param({"email": "nope", "description": "changed"}, id="bad-email"),
    pytest.param({"description": "changed", "metadata": {"k" * 41: "v"}}, id="bad-metadata"),
    pytest.param({"description": "changed", "source": "tok_chargeDeclined"}, id="declined"),
    pytest.param({"description": "changed", "default_source": "card_other"}, id="foreign-default"),
    pytest.param({"description": "changed", "default_source": ""}, id="empty-default"),
    pytest.param({"source": "tok_mastercard", "default_source": "x"}, id="source-and-default"),
]


@pytest.mark.parametrize("raw", BAD_UPDATE)
def test_update_validates_before_storing(account: Account, env: Env, raw: dict[str, Any]) -> None:
    made = customers.create(
        account, {"source": "tok_visa", "description": "d", "metadata": {"a": "1"}}, env
    )
    before, now = snapshot(account), env.clock.now()
    with pytest.raises(TofupayError):
        customers.update(account, made.id, raw, env)
    assert snapshot(account) == before
    assert env.clock.now() == now
    second = customers.update(account, made.id, {"source": "tok_mastercard"}, env)
    assert second.default_source == expected_ids("card", 2)[1]  # no card id was consumed


def test_update_source_replaces_the_default_card(account: Account, env: Env) -> None:
    made = customers.create(account, {"source": "tok_visa"}, env)
    first_card, second_card = expected_ids("card", 2)
    updated = customers.update(account, made.id, {"card": "tok_mastercard"}, env)
    assert updated.default_source == second_card
    assert list(updated.cards) == [second_card]
    assert updated.cards[second_card].brand == "MasterCard"
    assert first_card not in updated.cards


def test_update_source_on_a_customer_without_cards(account: Account, env: Env) -> None:
    made = customers.create(account, {}, env)
    updated = customers.update(account, made.id, {"source": "tok_amex"}, env)
    assert list(updated.cards) == [updated.default_source] == [expected_ids("card", 1)[0]]


def test_default_source_may_name_own_card(account: Account, env: Env) -> None:
    made = customers.create(account, {"source": "tok_visa"}, env)
    card_id = made.default_source
    assert card_id is not None
    assert (
        customers.update(account, made.id, {"default_source": card_id}, env).default_source
        == card_id
    )


def test_default_source_of_another_customer_is_rejected(account: Account, env: Env) -> None:
    owner = customers.create(account, {"source": "tok_visa"}, env)
    other = customers.create(account, {}, env)
    with pytest.raises(TofupayError) as info:
        customers.update(account, other.id, {"default_source": owner.default_source}, env)
    assert (info.value.status, info.value.param) == (400, "default_source")
    assert info.value.message == (
        f"Customer {other.id} does not have a linked source with ID {owner.default_source}."
    )
    assert other.default_source is None


def test_default_source_with_source_is_rejected(account: Account, env: Env) -> None:
    made = customers.create(account, {"source": "tok_visa"}, env)
    with pytest.raises(TofupayError) as info:
        customers.update(
            account, made.id, {"source": "tok_visa", "default_source": made.default_source}, env
        )
    assert (info.value.status, info.value.message) == (400, messages.SOURCE_AND_DEFAULT_SOURCE)


def test_update_unknown_customer(account: Account, env: Env) -> None:
    with pytest.raises(TofupayError) as info:
        customers.update(account, "cus_missing", {}, env)
    assert (info.value.status, info.value.param) == (404, "id")
    assert info.value.message == "No such customer: cus_missing"


def test_accounts_are_isolated(env: Env) -> None:
    store = env.store
    made = customers.create(store.account(KEY), {}, env)
    with pytest.raises(TofupayError) as info:
        customers.get(store.account("sk_test_other"), made.id)
    assert info.value.status == 404


# -- delete ------------------------------------------------------------------


def test_delete(account: Account, env: Env) -> None:
    keep, gone = customers.create(account, {}, env), customers.create(account, {}, env)
    assert customers.delete(account, gone.id) == gone.id
    assert list(account.customers) == [keep.id]
    assert customers.is_deleted(account, gone.id) is True
    assert customers.is_deleted(account, keep.id) is False
    for again in (
        lambda: customers.delete(account, gone.id),
        lambda: customers.update(account, gone.id, {"description": "x"}, env),
        lambda: customers.get(account, gone.id),
    ):
        with pytest.raises(TofupayError) as info:
            again()
        assert (info.value.status, info.value.message) == (404, f"No such customer: {gone.id}")
