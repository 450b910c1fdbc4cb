"""resources/tokens.py, cards.resolve_source/attach and resources/sources.py, no HTTP."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from typing import Any

import pytest

from tests.api_cards import ATTACHING, BRAND_TOKENS, DECLINES, DECLINING_TOKENS
from tofupay_fake.clock import DEFAULT_START
from tofupay_fake.errors import TofupayError
from tofupay_fake.ids import IdFactory
from tofupay_fake.resources import Env, cards, customers, sources, tokens
from tofupay_fake.store import Account, Card, Customer, Token

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
OTHER_KEY = "sk_test_otherAccount0000"
LIVE_KEY = "sk_live_liveAccount000000"
VISA = {"number": "4242424242424242", "exp_month": "6", "exp_year": "2015", "cvc": "123"}


@pytest.fixture
def other(env: Env) -> Account:
    return env.store.account(OTHER_KEY)


@pytest.fixture
def customer(account: Account, env: Env) -> Customer:
    return customers.create(account, {}, env)


def error_of(call: Callable[[], object]) -> tuple[Any, ...]:
    """(status, type, code, decline_code, param, message) of the TofupayError raised."""
    with pytest.raises(TofupayError) as info:
        call()
    e = info.value
    return (e.status, e.type, e.code, e.decline_code, e.param, e.message)


def bad_request(param: str | None, message: str, status: int = 400) -> tuple[Any, ...]:
    return (status, "invalid_request_error", None, None, param, message)


def card_error(code: str, decline: str | None, param: str | None, msg: str) -> tuple[Any, ...]:
    return (402, "card_error", code, decline, param, msg)


def no_such_token(ident: str, param: str) -> tuple[Any, ...]:
    return bad_request(param, f"No such token: {ident}")


def add(account: Account, customer: Customer, env: Env, source: str = "tok_visa") -> Card:
    return sources.create(account, customer, {"source": source}, env)


def issue(env: Env, api_key: str | None = KEY, **changes: str) -> Token:
    return tokens.issue(api_key, False, cards.from_dict({**VISA, **changes}, "card", env), env)


# -- test tokens through resolve_source ----------------------------------------

TOKENS = {token: (number, *ATTACHING[number]) for token, number in BRAND_TOKENS.items()}
DECLINING = {token: DECLINES[number] for token, number in DECLINING_TOKENS.items()}


def test_tables_cover_every_test_token() -> None:
    assert set(cards.TEST_TOKENS) == set(TOKENS) | set(DECLINING)


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize("token", TOKENS)
def test_test_token_attaches(account: Account, env: Env, token: str, strict: bool) -> None:
    env.strict_tokens = strict
    number, brand, funding = TOKENS[token]
    source = cards.resolve_source(token, "source", account, env)
    assert source.token is None  # not an issued token: its card is made from the details
    details = source.details
    assert details is not None
    assert (details.number, details.exp_month, details.exp_year, details.cvc) == (
        number, 3, 2016, True
    )  # fmt: skip
    card = cards.attach(account, "cus_x", source, env)
    assert (card.brand, card.funding, card.last4, card.customer) == (
        brand, funding, number[-4:], "cus_x"
    )  # fmt: skip
    assert (card.cvc_check, card.address_line1_check, card.address_zip_check) == (
        "pass", None, None
    )  # fmt: skip
    assert card.fingerprint == cards.fingerprint(KEY, number)


@pytest.mark.parametrize("token", DECLINING)
def test_test_token_declines(account: Account, env: Env, token: str) -> None:
    code, decline_code, message, param = DECLINING[token]
    assert error_of(lambda: cards.resolve_source(token, "card", account, env)) == card_error(
        code, decline_code, param, message
    )


@pytest.mark.parametrize("param", ["source", "card"])
def test_unknown_well_formed_token_is_default_visa(account: Account, env: Env, param: str) -> None:
    source = cards.resolve_source("tok_1A2b3C_seed", param, account, env)
    assert source.details is not None
    assert (source.details.number, source.token) == ("4242424242424242", None)
    assert cards.attach(account, "cus_x", source, env).brand == "Visa"


@pytest.mark.parametrize("param", ["source", "card"])
def test_unknown_token_strict(account: Account, env: Env, param: str) -> None:
    env.strict_tokens = True
    assert error_of(
        lambda: cards.resolve_source("tok_1A2b3C", param, account, env)
    ) == no_such_token("tok_1A2b3C", param)


@pytest.mark.parametrize("value", ["card_123", "visa", "tok_", "tok-abc", "tok_a-b", "TOK_visa"])
def test_not_a_token_id(account: Account, env: Env, value: str) -> None:
    assert error_of(lambda: cards.resolve_source(value, "source", account, env)) == no_such_token(
        value, "source"
    )


@pytest.mark.parametrize("param", ["source", "card"])
def test_empty_source_cannot_unset(account: Account, env: Env, param: str) -> None:
    message = (
        f"You passed an empty string for '{param}'. We assume empty values are an attempt to "
        f"unset a parameter; however '{param}' cannot be unset. You should remove '{param}' "
        "from your request or supply a non-empty value."
    )
    assert error_of(lambda: cards.resolve_source("", param, account, env)) == bad_request(
        param, message
    )


def test_resolve_dictionary_declines(account: Account, env: Env) -> None:
    raw = {**VISA, "number": "4000000000000002", "exp_year": "2020"}
    assert error_of(lambda: cards.resolve_source(raw, "source", account, env)) == card_error(
        "card_declined", "generic_decline", None, "Your card was declined."
    )


# -- tokens.issue / create / get ------------------------------------------------


def test_issue(account: Account, env: Env) -> None:
    token = issue(env, name="Fry")
    ids = IdFactory(0)
    assert token.id == ids.new("tok")
    assert token.card.id == ids.new("card")
    assert (token.created, token.livemode, token.used, token.api_key) == (
        DEFAULT_START + 1, False, False, KEY
    )  # fmt: skip
    assert (token.number, token.card.customer, token.card.name) == ("4242424242424242", None, "Fry")
    assert token.card.fingerprint == cards.fingerprint(KEY, "4242424242424242")
    assert env.store.tokens == {token.id: token}
    assert env.clock.now() == DEFAULT_START + 2


def test_issue_for_any_account_fingerprints_with_empty_key(env: Env) -> None:
    token = issue(env, api_key=None)
    assert token.api_key is None
    assert token.card.fingerprint == cards.fingerprint("", "4242424242424242")


@pytest.mark.parametrize(
    ("key", "livemode"), [(KEY, False), (LIVE_KEY, True)], ids=["test", "live"]
)
def test_create(env: Env, key: str, livemode: bool) -> None:
    token = tokens.create(env.store.account(key), {"card": dict(VISA)}, env)
    assert (token.api_key, token.livemode, token.used) == (key, livemode, False)
    assert tokens.get(env.store.account(key), token.id, env) is token


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({}, bad_request("card", "Missing required param: card."), id="missing"),
        pytest.param({"card": "tok_visa"}, bad_request("card", "Invalid hash"), id="not-a-hash"),
        pytest.param(
            {"card": {**VISA, "number": "4242424242424241"}},
            (402, "card_error", "incorrect_number", None, "number", "Your card number is incorrect."),
            id="bad-number",
        ),
        pytest.param(
            {"card": {**VISA, "bogus": "1"}},
            bad_request("card[bogus]", "Received unknown parameter: card[bogus]"),
            id="unknown-key",
        ),
    ],
)  # fmt: skip
def test_create_invalid(
    account: Account, env: Env, raw: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    assert error_of(lambda: tokens.create(account, raw, env)) == expected
    assert env.store.tokens == {}


def test_create_declining_number_fails_only_when_used(account: Account, env: Env) -> None:
    token = tokens.create(account, {"card": {**VISA, "number": "4000000000009995"}}, env)
    assert error_of(lambda: cards.resolve_source(token.id, "source", account, env)) == card_error(
        "card_declined", "insufficient_funds", None, "Your card has insufficient funds."
    )
    assert token.used is False


def test_get_per_account(account: Account, other: Account, env: Env) -> None:
    token = issue(env)
    assert tokens.get(account, token.id, env) is token
    missing = bad_request("id", f"No such token: {token.id}", status=404)
    assert error_of(lambda: tokens.get(other, token.id, env)) == missing
    assert error_of(lambda: tokens.get(account, "tok_nope", env)) == bad_request(
        "id", "No such token: tok_nope", status=404
    )


def test_other_accounts_token_is_no_such_token(other: Account, env: Env) -> None:
    token = issue(env)
    assert error_of(lambda: cards.resolve_source(token.id, "source", other, env)) == (
        no_such_token(token.id, "source")
    )


def test_token_for_any_account(account: Account, other: Account, env: Env) -> None:
    token = issue(env, api_key=None)
    assert tokens.get(account, token.id, env) is token
    assert tokens.get(other, token.id, env) is token
    assert cards.resolve_source(token.id, "source", account, env).token == token.id
    assert cards.resolve_source(token.id, "source", other, env).token == token.id


def test_strict_tokens_accepts_issued(account: Account, env: Env) -> None:
    env.strict_tokens = True
    token = issue(env)
    source = cards.resolve_source(token.id, "card", account, env)
    assert (source.token, source.details) == (token.id, None)
    assert cards.attach(account, "cus_x", source, env).id == token.card.id


# -- attaching an issued token ---------------------------------------------------


def test_attach_issued_token(account: Account, customer: Customer, env: Env) -> None:
    token = issue(env, api_key=None, address_zip="94107")
    card = sources.create(account, customer, {"source": token.id, "metadata": {"k": "v"}}, env)
    assert card.id == token.card.id
    used = env.store.tokens[token.id].used  # a used token is a new record (snapshots share)
    assert (card.customer, card.metadata, used) == (customer.id, {"k": "v"}, True)
    assert card.fingerprint == cards.fingerprint(KEY, "4242424242424242")
    assert card.fingerprint != token.card.fingerprint
    assert (card.last4, card.exp_month, card.exp_year, card.address_zip_check) == (
        "4242", 6, 2015, "pass"
    )  # fmt: skip
    assert (token.card.customer, token.card.metadata) == (None, {})
    assert customer.cards == {card.id: card}
    assert customer.default_source == card.id


@pytest.mark.parametrize("param", ["source", "card"])
def test_token_single_use(account: Account, customer: Customer, env: Env, param: str) -> None:
    token = issue(env)
    sources.create(account, customer, {param: token.id}, env)
    message = f"You cannot use a Tofupay token more than once: {token.id}."
    assert error_of(lambda: cards.resolve_source(token.id, param, account, env)) == bad_request(
        param, message
    )
    assert error_of(lambda: add(account, customer, env, token.id))[4:] == ("source", message)
    assert len(customer.cards) == 1


def test_issued_token_expired_by_attach_time(account: Account, env: Env) -> None:
    token = issue(env)  # expires 2015-06
    assert cards.resolve_source(token.id, "source", account, env).token == token.id
    env.clock.advance(calendar.timegm((2015, 7, 1, 0, 0, 0)) - DEFAULT_START)
    assert error_of(lambda: cards.resolve_source(token.id, "source", account, env)) == card_error(
        "expired_card", "expired_card", "exp_month", "Your card has expired."
    )
    assert token.used is False


# -- sources: create / get / update / delete and the default source --------------


def test_create_missing_and_both(account: Account, customer: Customer, env: Env) -> None:
    assert error_of(lambda: sources.create(account, customer, {}, env)) == bad_request(
        "source", "Missing required param: source."
    )
    both = {"source": "tok_visa", "card": "tok_visa"}
    assert error_of(lambda: sources.create(account, customer, both, env)) == bad_request(
        None, "Received both card and source parameters. Please pass in only one."
    )
    assert (customer.cards, customer.default_source) == ({}, None)


def test_declined_source_stores_nothing(account: Account, customer: Customer, env: Env) -> None:
    assert error_of(lambda: add(account, customer, env, "tok_chargeDeclined"))[0] == 402
    assert (customer.cards, customer.default_source) == ({}, None)


def test_first_card_becomes_default_second_keeps_it(
    account: Account, customer: Customer, env: Env
) -> None:
    first = add(account, customer, env)
    assert customer.default_source == first.id
    second = add(account, customer, env, "tok_mastercard")
    assert customer.default_source == first.id
    assert list(customer.cards) == [first.id, second.id]
    assert sources.get(customer, second.id) is second


def test_get_unknown(customer: Customer) -> None:
    assert error_of(lambda: sources.get(customer, "card_nope")) == bad_request(
        "id", "No such source: card_nope", status=404
    )


def test_update(account: Account, customer: Customer, env: Env) -> None:
    first, second = add(account, customer, env), add(account, customer, env)
    updated = sources.update(customer, first.id, {"name": "Amy", "address_line1": "1 Main"}, env)
    assert (updated.id, updated.name, updated.address_line1_check) == (first.id, "Amy", "pass")
    assert customer.cards[first.id] is updated
    assert list(customer.cards) == [first.id, second.id]
    assert error_of(lambda: sources.update(customer, "card_nope", {}, env))[4:] == (
        "id",
        "No such source: card_nope",
    )


def test_delete_default_makes_newest_remaining_default(
    account: Account, customer: Customer, env: Env
) -> None:
    one, two, three = (add(account, customer, env) for _ in range(3))
    assert customer.default_source == one.id
    assert sources.delete(customer, one.id) == one.id
    assert customer.default_source == three.id
    sources.delete(customer, three.id)
    assert customer.default_source == two.id
    sources.delete(customer, two.id)
    assert (customer.cards, customer.default_source) == ({}, None)


def test_delete_non_default_keeps_default(account: Account, customer: Customer, env: Env) -> None:
    one, two, three = (add(account, customer, env) for _ in range(3))
    sources.delete(customer, three.id)
    assert customer.default_source == one.id
    sources.delete(customer, two.id)
    assert (list(customer.cards), customer.default_source) == ([one.id], one.id)


def test_delete_unknown(account: Account, customer: Customer, env: Env) -> None:
    card = add(account, customer, env)
    assert error_of(lambda: sources.delete(customer, "card_nope")) == bad_request(
        "id", "No such source: card_nope", status=404
    )
    assert (list(customer.cards), customer.default_source) == ([card.id], card.id)


def test_replace_default(account: Account, customer: Customer, env: Env) -> None:
    old, kept = add(account, customer, env), add(account, customer, env)
    new = cards.attach(
        account, customer.id, cards.resolve_source("tok_amex", "source", account, env), env
    )
    assert customer.default_source == old.id
    sources.replace_default(customer, new)
    assert (list(customer.cards), customer.default_source) == ([kept.id, new.id], new.id)


def test_replace_default_without_default(customer: Customer, account: Account, env: Env) -> None:
    new = cards.attach(
        account, customer.id, cards.resolve_source("tok_visa", "source", account, env), env
    )
    sources.replace_default(customer, new)
    assert (list(customer.cards), customer.default_source) == ([new.id], new.id)


# -- list_page / subscriptions_page ---------------------------------------------


@pytest.fixture
def three(account: Account, customer: Customer, env: Env) -> list[str]:
    return [add(account, customer, env).id for _ in range(3)]


def page_ids(customer: Customer, raw: dict[str, Any]) -> tuple[list[str], bool]:
    page = sources.list_page(customer, raw)
    return [card.id for card in page.items], page.has_more


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({}, ([2, 1, 0], False), id="default"),
        pytest.param({"object": "card"}, ([2, 1, 0], False), id="object-card"),
        pytest.param({"object": "bank_account"}, ([], False), id="object-bank_account"),
        pytest.param({"limit": "2"}, ([2, 1], True), id="limit"),
        pytest.param({"starting_after": 2}, ([1, 0], False), id="starting_after"),
        pytest.param({"ending_before": 0}, ([2, 1], False), id="ending_before"),
        pytest.param({"ending_before": 0, "limit": "1"}, ([1], True), id="ending_before-limit"),
    ],
)
def test_list_page(
    customer: Customer, three: list[str], raw: dict[str, Any], expected: tuple[list[int], bool]
) -> None:
    raw = {k: three[v] if isinstance(v, int) else v for k, v in raw.items()}
    assert page_ids(customer, raw) == ([three[i] for i in expected[0]], expected[1])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({"object": "foo"}, bad_request("object", "Invalid object: 'foo'. Must be one of: card, bank_account."), id="object-foo"),
        pytest.param({"object": "customer"}, bad_request("object", "Invalid object: 'customer'. Must be one of: card, bank_account."), id="object-customer"),
        pytest.param({"starting_after": "card_nope"}, bad_request("starting_after", "No such source: card_nope", 404), id="starting_after-unknown"),
        pytest.param({"ending_before": "card_nope"}, bad_request("ending_before", "No such source: card_nope", 404), id="ending_before-unknown"),
    ],
)  # fmt: skip
def test_list_page_invalid(
    customer: Customer, three: list[str], raw: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    assert error_of(lambda: sources.list_page(customer, raw)) == expected


def test_list_page_empty(customer: Customer) -> None:
    assert page_ids(customer, {}) == ([], False)


def test_subscriptions_page() -> None:
    page = sources.subscriptions_page({"limit": "5"})
    assert (page.items, page.has_more) == ([], False)


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_subscriptions_page_unknown_cursor(param: str) -> None:
    assert error_of(lambda: sources.subscriptions_page({param: "sub_x"})) == bad_request(
        param, "No such subscription: sub_x", status=404
    )
