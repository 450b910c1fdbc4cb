"""Cards over HTTP: card dictionaries, test numbers, /sources, default_source, /subscriptions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import CARD_ID, START, assert_error, create, list_ids, ok
from tests.conftest import KEY, OTHER_KEY, Api
from tests.reference_examples import CARD_KEYS
from tofupay_fake import FakeTofupay

IRE = "invalid_request_error"
VISA_NUMBER = "4242424242424242"
ADDRESS = {
    "name": "Jane Doe", "address_line1": "1 Main St", "address_line2": "Apt 2",
    "address_city": "Springfield", "address_state": "IL", "address_zip": "62701",
    "address_country": "US",
}  # fmt: skip


def card_form(prefix: str = "card", number: str = VISA_NUMBER, **fields: str) -> dict[str, str]:
    """A card dictionary as form params: ``prefix[number]`` etc. (expiry 12/2020 unless given)."""
    values = {"number": number, "exp_month": "12", "exp_year": "2020", **fields}
    return {f"{prefix}[{name}]": value for name, value in values.items()}


def sources_path(customer: str, card: str | None = None) -> str:
    return f"/v1/customers/{customer}/sources" + (f"/{card}" if card else "")


def add_card(api: Api, customer: str, source: str = "tok_visa") -> dict[str, Any]:
    """``POST .../sources`` with ``source``; the card made."""
    card = ok(api.post(sources_path(customer), data={"source": source}))
    assert CARD_ID.fullmatch(card["id"])
    return card


def source_ids(api: Api, customer: str, **query: str) -> tuple[list[str], bool]:
    body = ok(api.get(sources_path(customer), params=query))
    assert list(body) == ["object", "url", "has_more", "data"]
    assert (body["object"], body["url"]) == ("list", sources_path(customer))
    return [card["id"] for card in body["data"]], body["has_more"]


def customer_card(api: Api, where: str, data: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Attach ``data`` on create or on update of a new customer; (its only card, customer id)."""
    if where == "create":
        body = create(api, **data)
    else:
        body = ok(api.post(f"/v1/customers/{create(api)['id']}", data=data))
    [card] = body["sources"]["data"]
    assert body["default_source"] == card["id"]
    return card, body["id"]


# -- card dictionaries -------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["card", "source"])
@pytest.mark.parametrize("where", ["create", "update"])
def test_card_dictionary_gives_the_full_card_object(api: Api, prefix: str, where: str) -> None:
    card, customer = customer_card(api, where, card_form(prefix, cvc="123", **ADDRESS))
    assert list(card) == CARD_KEYS
    assert CARD_ID.fullmatch(card["id"])
    assert isinstance(card["fingerprint"], str) and card["fingerprint"]
    assert {k: v for k, v in card.items() if k not in ("id", "fingerprint")} == {
        "object": "card",
        "last4": "4242",
        "brand": "Visa",
        "funding": "credit",
        "exp_month": 12,
        "exp_year": 2020,
        "country": "US",
        **ADDRESS,
        "cvc_check": "pass",
        "address_line1_check": "pass",
        "address_zip_check": "pass",
        "dynamic_last4": None,
        "metadata": {},
        "customer": customer,
    }
    assert ok(api.get(sources_path(customer, card["id"]))) == card


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("number", "fields", "checks"),
    [
        (VISA_NUMBER, {}, (None, None, None)),
        (VISA_NUMBER, {"address_line1": "1 Main St"}, (None, "pass", None)),
        (VISA_NUMBER, {"cvc": "1234", "address_zip": "62701"}, ("pass", None, "pass")),
        ("4000000000000101", {"cvc": "123"}, ("fail", None, None)),
        ("4000000000000101", {}, (None, None, None)),
        ("4000000000000010", {"cvc": "123", **ADDRESS}, ("pass", "fail", "fail")),
        ("4000000000000010", {"cvc": "123"}, ("pass", None, None)),
        ("4000000000000028", {"cvc": "123", **ADDRESS}, ("pass", "fail", "pass")),
        ("4000000000000036", {"cvc": "123", **ADDRESS}, ("pass", "pass", "fail")),
    ],
)
@pytest.mark.parametrize("prefix", ["card", "source"])
def test_checks_pass_null_or_fail(
    api: Api, prefix: str, number: str, fields: dict[str, str], checks: tuple[str | None, ...]
) -> None:
    card, _ = customer_card(api, "create", card_form(prefix, number, **fields))
    got = (card["cvc_check"], card["address_line1_check"], card["address_zip_check"])
    assert got == checks
    assert (card["brand"], card["last4"], card["name"]) == ("Visa", number[-4:], fields.get("name"))


def test_fingerprint_is_per_number_and_per_account(api: Api) -> None:
    def fingerprint(key: str = KEY, **data: str) -> str:
        return str(create(api, key=key, **data)["sources"]["data"][0]["fingerprint"])

    visa = fingerprint(**card_form("card"))
    assert fingerprint(**card_form("source", cvc="999", exp_year="2030")) == visa
    assert fingerprint(source="tok_visa") == visa
    assert fingerprint(**card_form("card", "5555555555554444")) != visa
    other = fingerprint(key=OTHER_KEY, **card_form("card"))
    assert other != visa
    assert fingerprint(key=OTHER_KEY, source="tok_visa") == other


# -- test numbers --------------------------------------------------------------------

ATTACHING = [
    ("4242424242424242", "Visa", "credit"), ("4000056655665556", "Visa", "debit"),
    ("5555555555554444", "MasterCard", "credit"), ("5200828282828210", "MasterCard", "debit"),
    ("5105105105105100", "MasterCard", "prepaid"), ("378282246310005", "American Express", "credit"),
    ("6011111111111117", "Discover", "credit"), ("30569309025904", "Diners Club", "credit"),
    ("3530111333300000", "JCB", "credit"), ("4000000000000101", "Visa", "credit"),
    ("4000000000000010", "Visa", "credit"), ("4000000000000028", "Visa", "credit"),
    ("4000000000000036", "Visa", "credit"),
    # Other numbers: the brand from the prefix.
    ("4111111111111111", "Visa", "credit"), ("5454545454545454", "MasterCard", "credit"),
    ("2223003122003222", "MasterCard", "credit"), ("371449635398431", "American Express", "credit"),
    ("6011000990139424", "Discover", "credit"), ("3566002020360505", "JCB", "credit"),
    ("36227206271667", "Diners Club", "credit"), ("9999999999999995", "Unknown", "credit"),
]  # fmt: skip


@pytest.mark.truth_table
@pytest.mark.parametrize(("number", "brand", "funding"), ATTACHING)
def test_test_number_attaches_with_its_brand_and_funding(
    api: Api, number: str, brand: str, funding: str
) -> None:
    card, customer = customer_card(api, "create", card_form("card", number, cvc="123"))
    assert (card["brand"], card["funding"], card["last4"]) == (brand, funding, number[-4:])
    assert card["customer"] == customer


DECLINES = [
    ("4000000000000002", "card_declined", "generic_decline", None, "Your card was declined."),
    ("4000000000009995", "card_declined", "insufficient_funds", None, "Your card has insufficient funds."),
    ("4000000000000069", "expired_card", "expired_card", "exp_month", "Your card has expired."),
    ("4000000000000127", "incorrect_cvc", "incorrect_cvc", "cvc", "Your card's security code is incorrect."),
    ("4000000000000119", "processing_error", "processing_error", None, "An error occurred while processing your card. Try again in a little bit."),
]  # fmt: skip

NUMBER = ("incorrect_number", "number", "Your card number is incorrect.")
MONTH = ("invalid_expiry_month", "exp_month", "Your card's expiration month is invalid.")
YEAR = ("invalid_expiry_year", "exp_year", "Your card's expiration year is invalid.")
CVC = ("invalid_cvc", "cvc", "Your card's security code is invalid.")
INVALID = [
    *[({"number": n}, NUMBER) for n in ("4242424242424241", "4242-4242-4242-4242", "42424242")],
    *[({"exp_month": month}, MONTH) for month in ("13", "0", "ab")],
    *[({"exp_year": year}, YEAR) for year in ("20", "2014")],
    *[({"cvc": cvc}, CVC) for cvc in ("12", "12345", "abc")],
]


def assert_nothing_made(api: Api, fake: FakeTofupay) -> None:
    """No customer exists and the clock has not moved: the next object is made at START."""
    assert list_ids(api) == ([], False)
    assert fake.clock.now() == START
    assert create(api)["created"] == START


@pytest.mark.truth_table
@pytest.mark.parametrize("decline", DECLINES, ids=[row[0] for row in DECLINES])
@pytest.mark.parametrize("prefix", ["card", "source"])
def test_declining_number_creates_no_customer(
    api: Api, fake: FakeTofupay, prefix: str, decline: tuple[str, str, str, str | None, str]
) -> None:
    number, code, decline_code, param, message = decline
    response = api.post("/v1/customers", data=card_form(prefix, number, cvc="123"))
    assert_error(response, 402, "card_error", message, param, code=code, decline_code=decline_code)
    assert_nothing_made(api, fake)


@pytest.mark.truth_table
@pytest.mark.parametrize(("fields", "error"), INVALID)
@pytest.mark.parametrize("prefix", ["card", "source"])
def test_invalid_card_dictionary_is_a_402_and_creates_nothing(
    api: Api, fake: FakeTofupay, prefix: str, fields: dict[str, str], error: tuple[str, str, str]
) -> None:
    code, param, message = error
    response = api.post("/v1/customers", data=card_form(prefix, **{"cvc": "123", **fields}))
    assert_error(response, 402, "card_error", message, param, code=code)
    assert_nothing_made(api, fake)


@pytest.mark.truth_table
@pytest.mark.parametrize("missing", ["number", "exp_month", "exp_year"])
def test_card_dictionary_without_a_required_field_is_a_400(api: Api, missing: str) -> None:
    data = card_form("source")
    del data[f"source[{missing}]"]
    name = f"source[{missing}]"
    response = api.post("/v1/customers", data=data)
    assert_error(response, 400, IRE, f"Missing required param: {name}.", name)
    assert list_ids(api) == ([], False)


def test_declined_update_changes_nothing(api: Api) -> None:
    made = create(api, source="tok_visa")
    path = f"/v1/customers/{made['id']}"
    response = api.post(path, data={"description": "x", **card_form("card", "4000000000000002")})
    message = "Your card was declined."
    assert_error(
        response, 402, "card_error", message, code="card_declined", decline_code="generic_decline"
    )
    assert ok(api.get(path)) == made


# -- /v1/customers/{id}/sources ------------------------------------------------------


def test_sources_list_pages_newest_first(api: Api) -> None:
    customer = create(api)["id"]
    made = [add_card(api, customer)["id"] for _ in range(5)]
    newest = made[::-1]
    assert source_ids(api, customer) == (newest, False)
    assert source_ids(api, customer, object="card") == (newest, False)
    assert source_ids(api, customer, limit="2") == (newest[:2], True)
    assert source_ids(api, customer, limit="2", starting_after=newest[1]) == (newest[2:4], True)
    assert source_ids(api, customer, starting_after=newest[3]) == (newest[4:], False)
    assert source_ids(api, customer, limit="2", ending_before=newest[4]) == (newest[2:4], True)
    assert source_ids(api, customer, ending_before=newest[2]) == (newest[:2], False)
    assert source_ids(api, customer, object="bank_account") == ([], False)


def test_sources_list_errors(api: Api) -> None:
    customer = create(api, source="tok_visa")["id"]
    path = sources_path(customer)
    message = "Invalid object: 'foo'. Must be one of: card, bank_account."
    assert_error(api.get(path, params={"object": "foo"}), 400, IRE, message, "object")
    for cursor in ("starting_after", "ending_before"):
        response = api.get(path, params={cursor: "card_nope"})
        assert_error(response, 404, IRE, "No such source: card_nope", cursor)


@pytest.mark.parametrize(
    "data",
    [{"source": "tok_mastercard"}, {"card": "tok_mastercard"}, card_form("source", "5555555555554444"), card_form("card", "5555555555554444")],
)  # fmt: skip
def test_create_source_adds_a_card_with_metadata(api: Api, data: dict[str, str]) -> None:
    customer = create(api)["id"]
    card = ok(api.post(sources_path(customer), data={**data, "metadata[role]": "backup"}))
    assert list(card) == CARD_KEYS
    assert (card["brand"], card["last4"], card["customer"]) == ("MasterCard", "4444", customer)
    assert card["metadata"] == {"role": "backup"}
    assert ok(api.get(sources_path(customer, card["id"]))) == card
    assert source_ids(api, customer) == ([card["id"]], False)


def test_create_source_without_a_source_is_a_400(api: Api) -> None:
    customer = create(api)["id"]
    response = api.post(sources_path(customer), data={"metadata[a]": "b"})
    assert_error(response, 400, IRE, "Missing required param: source.", "source")
    assert source_ids(api, customer) == ([], False)


def test_update_card_fields_and_metadata(api: Api) -> None:
    customer = create(api)["id"]
    card = ok(api.post(sources_path(customer), data={**card_form(), "metadata[a]": "1"}))
    path = sources_path(customer, card["id"])
    data = {"name": "Jo", "exp_month": "3", "exp_year": "2031", "address_line1": "1 Main St"}
    updated = ok(api.post(path, data={**data, "address_zip": "62701", "metadata[b]": "2"}))
    assert updated == {
        **card,
        **data,
        "exp_month": 3,
        "exp_year": 2031,
        "address_zip": "62701",
        "address_line1_check": "pass",
        "address_zip_check": "pass",
        "metadata": {"a": "1", "b": "2"},
    }
    assert ok(api.get(path)) == updated
    removed = ok(api.post(path, data={"metadata[a]": "", "name": "", "address_zip": ""}))
    assert (removed["metadata"], removed["name"], removed["address_zip"]) == (
        {"b": "2"},
        None,
        None,
    )
    assert removed["address_zip_check"] is None
    assert ok(api.post(path, data={"metadata": ""}))["metadata"] == {}
    assert ok(api.get(f"/v1/customers/{customer}"))["sources"]["data"] == [ok(api.get(path))]


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("data", "error"),
    [({"exp_month": "13"}, MONTH), ({"exp_month": "x"}, MONTH), ({"exp_year": "2014"}, YEAR), ({"exp_year": "99"}, YEAR)],
)  # fmt: skip
def test_update_card_invalid_expiry_is_a_402(
    api: Api, data: dict[str, str], error: tuple[str, str, str]
) -> None:
    customer = create(api, source="tok_visa")
    card = customer["sources"]["data"][0]
    path = sources_path(customer["id"], card["id"])
    code, param, message = error
    assert_error(api.post(path, data={**data, "name": "x"}), 402, "card_error", message, param, code=code)  # fmt: skip
    response = api.post(path, data={"number": VISA_NUMBER})
    assert_error(response, 400, IRE, "Received unknown parameter: number", "number")
    assert ok(api.get(path)) == card


def test_delete_card(api: Api) -> None:
    customer = create(api, source="tok_visa")
    card = customer["default_source"]
    path = sources_path(customer["id"], card)
    deleted = ok(api.delete(path))
    assert list(deleted.items()) == [("deleted", True), ("id", card)]
    assert_error(api.get(path), 404, IRE, f"No such source: {card}", "id")
    assert_error(api.delete(path), 404, IRE, f"No such source: {card}", "id")
    assert source_ids(api, customer["id"]) == ([], False)


def test_card_paths_404_for_unknown_or_foreign_cards_and_customers(api: Api) -> None:
    mine = create(api, source="tok_visa")
    other = create(api, source="tok_visa")
    foreign = create(api, key=OTHER_KEY, source="tok_visa")
    cases = [
        (sources_path(mine["id"], "card_nope"), "No such source: card_nope"),
        (sources_path(mine["id"], other["default_source"]), f"No such source: {other['default_source']}"),
        (sources_path(foreign["id"], foreign["default_source"]), f"No such customer: {foreign['id']}"),
    ]  # fmt: skip
    for path, message in cases:
        assert_error(api.get(path), 404, IRE, message, "id")
        assert_error(api.post(path, data={"name": "x"}), 404, IRE, message, "id")
        assert_error(api.delete(path), 404, IRE, message, "id")
    message = f"No such customer: {foreign['id']}"
    assert_error(api.get(sources_path(foreign["id"])), 404, IRE, message, "id")
    response = api.post(sources_path(foreign["id"]), data={"source": "tok_visa"})
    assert_error(response, 404, IRE, message, "id")
    assert ok(api.get(f"/v1/customers/{other['id']}")) == other
    assert ok(api.get(f"/v1/customers/{foreign['id']}", key=OTHER_KEY)) == foreign


# -- default_source ------------------------------------------------------------------


def customer_view(api: Api, customer: str) -> dict[str, Any]:
    """The customer, after checking its nested ``sources`` agrees with ``GET .../sources``."""
    body = ok(api.get(f"/v1/customers/{customer}"))
    nested = body["sources"]
    listed = ok(api.get(sources_path(customer)))
    everything = ok(api.get(sources_path(customer), params={"limit": "100"}))["data"]
    assert list(nested) == ["object", "total_count", "has_more", "url", "data"]
    assert (nested["object"], nested["url"]) == ("list", sources_path(customer))
    assert (nested["data"], nested["has_more"]) == (listed["data"], listed["has_more"])
    assert nested["total_count"] == len(everything)
    return body


def test_default_source_transitions(api: Api) -> None:
    customer = create(api)["id"]
    first = add_card(api, customer)["id"]
    assert customer_view(api, customer)["default_source"] == first
    second = add_card(api, customer, "tok_mastercard")["id"]
    assert customer_view(api, customer)["default_source"] == first
    path = f"/v1/customers/{customer}"
    switched = ok(api.post(path, data={"default_source": second}))
    assert switched["default_source"] == second
    assert customer_view(api, customer) == switched
    replaced = ok(api.post(path, data={"source": "tok_amex"}))
    third = replaced["default_source"]
    assert third not in (first, second)
    assert [c["id"] for c in replaced["sources"]["data"]] == [third, first]
    assert_error(api.get(sources_path(customer, second)), 404, IRE, f"No such source: {second}", "id")  # fmt: skip
    assert customer_view(api, customer) == replaced
    fourth = add_card(api, customer, "tok_discover")["id"]
    ok(api.delete(sources_path(customer, third)))  # the default: the newest remaining one
    assert customer_view(api, customer)["default_source"] == fourth
    ok(api.delete(sources_path(customer, first)))  # not the default: the default stays
    assert customer_view(api, customer)["default_source"] == fourth
    ok(api.delete(sources_path(customer, fourth)))
    emptied = customer_view(api, customer)
    assert (emptied["default_source"], emptied["sources"]["data"]) == (None, [])


def test_delete_default_picks_the_newest_remaining_card(api: Api) -> None:
    customer = create(api)["id"]
    a, b, c = (add_card(api, customer)["id"] for _ in range(3))
    ok(api.post(f"/v1/customers/{customer}", data={"default_source": b}))
    ok(api.delete(sources_path(customer, b)))
    assert customer_view(api, customer)["default_source"] == c
    ok(api.delete(sources_path(customer, c)))
    assert customer_view(api, customer)["default_source"] == a


def test_default_source_of_another_customer_is_a_400(api: Api) -> None:
    mine = create(api, source="tok_visa")
    other = create(api, source="tok_visa")
    card = other["default_source"]
    path = f"/v1/customers/{mine['id']}"
    message = f"Customer {mine['id']} does not have a linked source with ID {card}."
    response = api.post(path, data={"default_source": card, "description": "x"})
    assert_error(response, 400, IRE, message, "default_source")
    deleted = add_card(api, mine["id"])["id"]
    ok(api.delete(sources_path(mine["id"], deleted)))
    message = f"Customer {mine['id']} does not have a linked source with ID {deleted}."
    response = api.post(path, data={"default_source": deleted})
    assert_error(response, 400, IRE, message, "default_source")
    assert ok(api.get(path)) == mine


def test_nested_sources_has_more_beyond_ten_cards(api: Api) -> None:
    customer = create(api, source="tok_visa")["id"]
    made = [add_card(api, customer)["id"] for _ in range(11)]
    body = customer_view(api, customer)
    nested = body["sources"]
    assert (nested["total_count"], nested["has_more"]) == (12, True)
    assert [card["id"] for card in nested["data"]] == made[::-1][:10]
    ok(api.delete(sources_path(customer, made[0])))
    ok(api.delete(sources_path(customer, made[1])))
    nested = customer_view(api, customer)["sources"]
    assert (nested["total_count"], nested["has_more"], len(nested["data"])) == (10, False, 10)


def test_expand_default_source_returns_the_card_object(api: Api) -> None:
    customer = create(api)["id"]
    add_card(api, customer)
    second = add_card(api, customer, "tok_jcb")["id"]
    path = f"/v1/customers/{customer}"
    ok(api.post(path, data={"default_source": second}))
    body = ok(api.get(path, params={"expand[]": "default_source"}))
    assert body["default_source"] == ok(api.get(sources_path(customer, second)))
    assert body["default_source"]["brand"] == "JCB"


# -- /v1/customers/{id}/subscriptions ------------------------------------------------


def test_subscriptions_is_an_empty_list(api: Api) -> None:
    customer = create(api, source="tok_visa")["id"]
    path = f"/v1/customers/{customer}/subscriptions"
    body = ok(api.get(path))
    expected = {"object": "list", "url": path, "has_more": False, "data": []}
    assert list(body.items()) == list(expected.items())
    assert ok(api.get(path, params={"limit": "5"})) == body
    for cursor in ("starting_after", "ending_before"):
        response = api.get(path, params={cursor: "sub_nope"})
        assert_error(response, 404, IRE, "No such subscription: sub_nope", cursor)


def test_subscriptions_of_an_unknown_or_deleted_customer_is_a_404(api: Api) -> None:
    made = create(api)["id"]
    foreign = create(api, key=OTHER_KEY)["id"]
    ok(api.delete(f"/v1/customers/{made}"))
    for ident in (made, foreign, "cus_nope"):
        response = api.get(f"/v1/customers/{ident}/subscriptions")
        assert_error(response, 404, IRE, f"No such customer: {ident}", "id")
        assert_error(api.get(sources_path(ident)), 404, IRE, f"No such customer: {ident}", "id")
