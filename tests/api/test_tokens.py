"""Card tokens over HTTP: POST/GET /v1/tokens, attaching issued tokens, fake.create_token."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.conftest import MakeApi
from tests.api.helpers import CARD_ID, START, assert_error, create, list_ids, ok
from tests.conftest import KEY, LIVE_KEY, OTHER_KEY, Api
from tests.reference_examples import CARD_KEYS
from tofupay_fake import FakeTofupay
from tofupay_fake.errors import TofupayError

IRE = "invalid_request_error"
TOKEN_ID = re.compile(r"tok_[0-9A-Za-z]{24}")
TOKEN_KEYS = {"id", "object", "card", "client_ip", "created", "livemode", "type", "used"}
VISA_NUMBER = "4242424242424242"
MONTH_DAYS = 31 * 86400  # the clock starts on 2015-01-12: this moves it into February


def card_form(number: str = VISA_NUMBER, **fields: str) -> dict[str, str]:
    """``card[...]`` form params (expiry 12/2020 and cvc 123 unless given)."""
    values = {"number": number, "exp_month": "12", "exp_year": "2020", "cvc": "123", **fields}
    return {f"card[{name}]": value for name, value in values.items()}


def issue(api: Api, key: str = KEY, number: str = VISA_NUMBER, **fields: str) -> dict[str, Any]:
    """``POST /v1/tokens`` with a card dictionary; the token made."""
    token = ok(api.post("/v1/tokens", key=key, data=card_form(number, **fields)))
    assert TOKEN_ID.fullmatch(token["id"])
    return token


def attach(
    api: Api, where: str, name: str, token: str, key: str = KEY
) -> tuple[httpx.Response, str | None]:
    """Send ``name=token`` on a customer create or update or ``POST .../sources``.

    The response, and the customer id (None for a create).
    """
    if where == "create":
        return api.post("/v1/customers", key=key, data={name: token}), None
    customer = create(api, key=key, source="tok_visa")["id"]
    path = f"/v1/customers/{customer}" + ("/sources" if where == "sources" else "")
    return api.post(path, key=key, data={name: token}), customer


def attached_card(response: httpx.Response, where: str) -> dict[str, Any]:
    """The card an ``attach`` made (for customers: their only card, the default)."""
    body = ok(response)
    if where == "sources":
        return body
    [card] = body["sources"]["data"]
    assert body["default_source"] == card["id"]
    return card  # type: ignore[no-any-return]


# -- POST /v1/tokens and GET /v1/tokens/{id} -------------------------------------------


def test_create_token_gives_the_token_object(api: Api) -> None:
    token = issue(api, name="Jane Doe", address_zip="62701")
    assert set(token) == TOKEN_KEYS
    card = token["card"]
    assert list(card) == CARD_KEYS
    assert CARD_ID.fullmatch(card["id"])
    assert {k: v for k, v in card.items() if k not in ("id", "fingerprint")} == {
        "object": "card",
        "last4": "4242",
        "brand": "Visa",
        "funding": "credit",
        "exp_month": 12,
        "exp_year": 2020,
        "country": "US",
        "name": "Jane Doe",
        "address_line1": None,
        "address_line2": None,
        "address_city": None,
        "address_state": None,
        "address_zip": "62701",
        "address_country": None,
        "cvc_check": "pass",
        "address_line1_check": None,
        "address_zip_check": "pass",
        "dynamic_last4": None,
        "metadata": {},
        "customer": None,
    }
    assert (token["object"], token["client_ip"], token["type"]) == ("token", None, "card")
    assert (token["livemode"], token["used"]) == (False, False)
    assert START <= token["created"] < create(api)["created"]
    assert ok(api.get(f"/v1/tokens/{token['id']}")) == token


def test_retrieved_token_is_used_after_it_was_attached(api: Api) -> None:
    token = issue(api)
    create(api, source=token["id"])
    assert ok(api.get(f"/v1/tokens/{token['id']}")) == {**token, "used": True}


def test_token_of_another_key_or_unknown_is_a_404(api: Api) -> None:
    token = issue(api)["id"]
    response = api.get(f"/v1/tokens/{token}", key=OTHER_KEY)
    assert_error(response, 404, IRE, f"No such token: {token}", "id")
    assert_error(api.get("/v1/tokens/tok_nope"), 404, IRE, "No such token: tok_nope", "id")


def test_create_token_needs_a_card_dictionary(api: Api, fake: FakeTofupay) -> None:
    response = api.post("/v1/tokens")
    assert_error(response, 400, IRE, "Missing required param: card.", "card")
    data = card_form()
    del data["card[number]"]
    response = api.post("/v1/tokens", data=data)
    assert_error(response, 400, IRE, "Missing required param: card[number].", "card[number]")
    response = api.post("/v1/tokens", data={**card_form(), "card[colour]": "red"})
    assert_error(response, 400, IRE, "Received unknown parameter: card[colour]", "card[colour]")
    assert fake.clock.now() == START


NUMBER = ("incorrect_number", "number", "Your card number is incorrect.")
MONTH = ("invalid_expiry_month", "exp_month", "Your card's expiration month is invalid.")
YEAR = ("invalid_expiry_year", "exp_year", "Your card's expiration year is invalid.")
CVC = ("invalid_cvc", "cvc", "Your card's security code is invalid.")
INVALID = [
    ({"number": "4242424242424241"}, NUMBER),
    ({"number": "4242 4242 4242 4242"}, NUMBER),
    ({"exp_month": "13"}, MONTH),
    ({"exp_month": "0"}, MONTH),
    ({"exp_year": "2014"}, YEAR),
    ({"exp_year": "15"}, YEAR),
    ({"cvc": "1"}, CVC),
    ({"cvc": "12a"}, CVC),
]


@pytest.mark.truth_table
@pytest.mark.parametrize(("fields", "error"), INVALID)
def test_create_token_with_an_invalid_card_is_a_402(
    api: Api, fake: FakeTofupay, fields: dict[str, str], error: tuple[str, str, str]
) -> None:
    code, param, message = error
    response = api.post("/v1/tokens", data=card_form(**fields))
    assert_error(response, 402, "card_error", message, param, code=code)
    assert fake.clock.now() == START


# -- attaching issued tokens -----------------------------------------------------------

WHERE = ["create", "update", "sources"]


@pytest.mark.parametrize("name", ["source", "card"])
@pytest.mark.parametrize("where", WHERE)
def test_issued_token_attaches_its_card_once(api: Api, where: str, name: str) -> None:
    token = issue(api, KEY, "5555555555554444", name="Jo")
    response, customer = attach(api, where, name, token["id"])
    card = attached_card(response, where)
    assert card == {**token["card"], "customer": customer or ok(response)["id"]}
    assert ok(api.get(f"/v1/customers/{card['customer']}/sources/{card['id']}")) == card
    message = f"You cannot use a Tofupay token more than once: {token['id']}."
    for again in WHERE:
        response, _ = attach(api, again, name, token["id"])
        assert_error(response, 400, IRE, message, name)


@pytest.mark.parametrize("name", ["source", "card"])
@pytest.mark.parametrize("where", WHERE)
def test_token_of_another_key_cannot_be_attached(api: Api, where: str, name: str) -> None:
    token = issue(api, key=OTHER_KEY)["id"]
    response, customer = attach(api, where, name, token)
    assert_error(response, 400, IRE, f"No such token: {token}", name)
    assert len(list_ids(api)[0]) == (0 if customer is None else 1)
    assert create(api, key=OTHER_KEY, source=token)["sources"]["total_count"] == 1  # still unused


DECLINES = [
    ("4000000000000002", "card_declined", "generic_decline", None, "Your card was declined."),
    ("4000000000009995", "card_declined", "insufficient_funds", None, "Your card has insufficient funds."),
    ("4000000000000069", "expired_card", "expired_card", "exp_month", "Your card has expired."),
    ("4000000000000127", "incorrect_cvc", "incorrect_cvc", "cvc", "Your card's security code is incorrect."),
    ("4000000000000119", "processing_error", "processing_error", None, "An error occurred while processing your card. Try again in a little bit."),
]  # fmt: skip


@pytest.mark.truth_table
@pytest.mark.parametrize("decline", DECLINES, ids=[row[0] for row in DECLINES])
@pytest.mark.parametrize("where", WHERE)
def test_token_of_a_declining_number_declines_when_attached(
    api: Api, where: str, decline: tuple[str, str, str, str | None, str]
) -> None:
    number, code, decline_code, param, message = decline
    token = issue(api, number=number)
    assert (token["card"]["last4"], token["card"]["brand"]) == (number[-4:], "Visa")
    response, customer = attach(api, where, "source", token["id"])
    assert_error(response, 402, "card_error", message, param, code=code, decline_code=decline_code)
    if customer is None:
        assert list_ids(api) == ([], False)
    else:
        [card] = ok(api.get(f"/v1/customers/{customer}/sources"))["data"]
        assert card["brand"] == "Visa"
        assert card["last4"] == "4242"


@pytest.mark.parametrize("where", WHERE)
def test_token_whose_card_expired_since_declines(api: Api, fake: FakeTofupay, where: str) -> None:
    expiring = issue(api, exp_month="1", exp_year="2015")["id"]
    lasting = issue(api, exp_month="2", exp_year="2015")["id"]
    fake.clock.advance(MONTH_DAYS)
    response, _ = attach(api, where, "source", expiring)
    message = "Your card has expired."
    assert_error(
        response, 402, "card_error", message, "exp_month", code="expired_card", decline_code="expired_card"
    )  # fmt: skip
    card = attached_card(attach(api, where, "source", lasting)[0], where)
    assert (card["exp_month"], card["exp_year"]) == (2, 2015)


# -- fake.create_token ---------------------------------------------------------------


def test_keyless_fake_token_is_usable_by_any_key_once(api: Api, fake: FakeTofupay) -> None:
    token = fake.create_token()
    assert TOKEN_ID.fullmatch(token)
    shown = ok(api.get(f"/v1/tokens/{token}", key=OTHER_KEY))
    mine = ok(api.get(f"/v1/tokens/{token}"))
    # The same token, but each account sees its own fingerprint of the number.
    assert mine["card"].pop("fingerprint") != dict(shown["card"]).pop("fingerprint")
    assert {**mine, "card": mine["card"]} == {
        **shown,
        "card": {k: v for k, v in shown["card"].items() if k != "fingerprint"},
    }
    assert (shown["id"], shown["used"], shown["livemode"]) == (token, False, False)
    [card] = create(api, key=OTHER_KEY, source=token)["sources"]["data"]
    assert card["id"] == shown["card"]["id"]
    assert (card["brand"], card["last4"], card["exp_month"], card["exp_year"]) == (
        "Visa",
        "4242",
        12,
        2016,
    )
    assert card["cvc_check"] == "pass"
    message = f"You cannot use a Tofupay token more than once: {token}."
    assert_error(api.post("/v1/customers", data={"source": token}), 400, IRE, message, "source")
    assert list_ids(api) == ([], False)


def test_keyless_fake_token_shows_the_viewing_accounts_fingerprint(
    api: Api, fake: FakeTofupay
) -> None:
    token = fake.create_token()
    for key in (KEY, OTHER_KEY):
        same_number = create(api, key=key, source="tok_visa")["sources"]["data"][0]
        shown = ok(api.get(f"/v1/tokens/{token}", key=key))["card"]
        assert shown["fingerprint"] == same_number["fingerprint"]


def test_fake_token_with_api_key_is_only_for_that_key(api: Api, fake: FakeTofupay) -> None:
    token = fake.create_token(
        number="5555555555554444", exp_month=6, exp_year=2030, cvc="1234", api_key=KEY
    )
    assert_error(api.get(f"/v1/tokens/{token}", key=OTHER_KEY), 404, IRE, f"No such token: {token}", "id")  # fmt: skip
    response = api.post("/v1/customers", key=OTHER_KEY, data={"card": token})
    assert_error(response, 400, IRE, f"No such token: {token}", "card")
    [card] = create(api, card=token)["sources"]["data"]
    assert (card["brand"], card["last4"], card["exp_month"], card["exp_year"]) == (
        "MasterCard",
        "4444",
        6,
        2030,
    )
    assert card["id"] == ok(api.get(f"/v1/tokens/{token}"))["card"]["id"]


def test_fake_token_cvc_none_and_address_fields(api: Api, fake: FakeTofupay) -> None:
    token = fake.create_token(cvc=None, name="Jo", address_line1="1 Main St")
    [card] = create(api, source=token)["sources"]["data"]
    assert (card["cvc_check"], card["address_line1_check"], card["address_zip_check"]) == (
        None,
        "pass",
        None,
    )
    assert (card["name"], card["address_line1"]) == ("Jo", "1 Main St")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"number": "1234"}, NUMBER), ({"exp_month": 13}, MONTH), ({"exp_year": 2014}, YEAR), ({"cvc": "12"}, CVC)],
)  # fmt: skip
def test_fake_token_with_a_bad_card_raises_the_402(
    fake: FakeTofupay, kwargs: dict[str, Any], error: tuple[str, str, str]
) -> None:
    with pytest.raises(TofupayError) as raised:
        fake.create_token(**kwargs)
    got = raised.value
    assert (got.status, got.type, got.code, got.param, got.message) == (402, "card_error", *error)
    assert got.decline_code is None


def test_fake_token_of_a_declining_number_declines_when_attached(
    api: Api, fake: FakeTofupay
) -> None:
    token = fake.create_token(number="4000000000009995")
    response = api.post("/v1/customers", data={"source": token})
    message = "Your card has insufficient funds."
    assert_error(
        response, 402, "card_error", message, code="card_declined", decline_code="insufficient_funds"
    )  # fmt: skip
    assert list_ids(api) == ([], False)


# -- strict_tokens and livemode ------------------------------------------------------


def test_strict_tokens_accepts_test_and_issued_tokens_only(api_with: MakeApi) -> None:
    fake, api = api_with(strict_tokens=True)
    made = create(api, source="tok_visa")
    sources = f"/v1/customers/{made['id']}/sources"
    message = "No such token: tok_15XZLsLdZh7jQOUq86ISvtjn"
    for path in ("/v1/customers", f"/v1/customers/{made['id']}", sources):
        response = api.post(path, data={"source": "tok_15XZLsLdZh7jQOUq86ISvtjn"})
        assert_error(response, 400, IRE, message, "source")
    assert ok(api.post(sources, data={"source": "tok_amex"}))["brand"] == "American Express"
    issued = issue(api, number="6011111111111117")
    assert ok(api.post(sources, data={"card": issued["id"]}))["id"] == issued["card"]["id"]
    from_fake = fake.create_token(number="3530111333300000")
    assert ok(api.post(sources, data={"source": from_fake}))["brand"] == "JCB"
    assert [c["brand"] for c in ok(api.get(sources))["data"]] == [
        "JCB",
        "Discover",
        "American Express",
        "Visa",
    ]


def test_live_key_tokens_are_livemode(api: Api, fake: FakeTofupay) -> None:
    live = issue(api, key=LIVE_KEY)
    assert live["livemode"] is True
    assert ok(api.get(f"/v1/tokens/{live['id']}", key=LIVE_KEY)) == live
    assert_error(
        api.get(f"/v1/tokens/{live['id']}"), 404, IRE, f"No such token: {live['id']}", "id"
    )
    from_fake = fake.create_token(api_key=LIVE_KEY)
    assert ok(api.get(f"/v1/tokens/{from_fake}", key=LIVE_KEY))["livemode"] is True
    customer = create(api, key=LIVE_KEY, source=live["id"])
    assert customer["livemode"] is True
    assert customer["default_source"] == live["card"]["id"]
