"""resources/cards.py: Luhn, brands, the documented test numbers, card validation, update."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.api_cards import ATTACHING as DOCUMENTED_ATTACHING
from tests.api_cards import DECLINES as DOCUMENTED_DECLINES
from tofupay_fake.clock import DEFAULT_START
from tofupay_fake.errors import TofupayError
from tofupay_fake.ids import IdFactory
from tofupay_fake.resources import Env, cards
from tofupay_fake.store import Card

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
OTHER_KEY = "sk_test_otherAccount0000"

MISSING = object()


def error_of(call: Callable[[], object]) -> tuple[Any, ...]:
    """(status, type, code, decline_code, param, message) of the TofupayError raised."""
    with pytest.raises(TofupayError) as info:
        call()
    e = info.value
    return (e.status, e.type, e.code, e.decline_code, e.param, e.message)


def advance_to(env: Env, *when: int) -> None:
    """Move the frozen clock to the UTC date ``when`` (year, month, day)."""
    env.clock.advance(calendar.timegm((*when, 0, 0, 0)) - env.clock.now())


def card_dict(number: object = "4242424242424242", **changes: object) -> dict[str, Any]:
    """A valid card dictionary with ``changes``; a value MISSING drops that key."""
    raw: dict[str, Any] = {"exp_month": "12", "exp_year": "2020", "cvc": "123"}
    for name, value in {"number": number, **changes}.items():
        if value is MISSING:
            raw.pop(name, None)
        else:
            raw[name] = value
    return raw


def attach_dict(raw: dict[str, Any], env: Env) -> Card:
    """from_dict + check_attachable + make_card, as a source dictionary goes."""
    details = cards.from_dict(raw, "card", env)
    cards.check_attachable(details.number, details.exp_month, details.exp_year, env)
    return cards.make_card(KEY, "cus_x", details, env)


# -- luhn_ok -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        pytest.param("4242424242424242", True, id="visa-4242"),
        pytest.param("378282246310005", True, id="amex-15-digits"),
        pytest.param("79927398713", True, id="classic-valid"),
        pytest.param("18", True, id="two-digits-valid"),
        pytest.param("0", True, id="single-zero"),
        pytest.param("4242424242424241", False, id="last-digit-off"),
        pytest.param("79927398710", False, id="classic-invalid"),
        pytest.param("1", False, id="single-one"),
        pytest.param("4242 4242 4242 4242", False, id="spaces"),
        pytest.param("4242-4242-4242-4242", False, id="dashes"),
        pytest.param("424242424242424a", False, id="letter"),
        pytest.param("\uff14\uff12\uff14\uff12", False, id="fullwidth-digits"),
        pytest.param("-18", False, id="sign"),
        pytest.param("", False, id="empty"),
    ],
)
def test_luhn_ok(number: str, expected: bool) -> None:
    assert cards.luhn_ok(number) is expected


# -- brand_of ------------------------------------------------------------------


def _pad(prefix: str) -> str:
    return prefix + "0" * (16 - len(prefix))


BY_BRAND = {
    "Visa": ["4", "49"],
    "MasterCard": ["51", "55", "2221", "2720"],
    "American Express": ["34", "37"],
    "Discover": ["6011", "644", "649", "65"],
    "JCB": ["3528", "3589"],
    "Diners Club": ["300", "305", "36", "38"],
    "Unknown": ["50", "56", "2220", "2721", "33", "6010", "6012", "643", "66", "3527", "3590",
                "299", "306", "1", "7", "9"],
}  # fmt: skip
BRANDS = [(prefix, brand) for brand, prefixes in BY_BRAND.items() for prefix in prefixes]


@pytest.mark.parametrize(("prefix", "brand"), BRANDS, ids=[f"{p}-{b}" for p, b in BRANDS])
def test_brand_of_prefix(prefix: str, brand: str) -> None:
    assert cards.brand_of(_pad(prefix)) == brand


def test_brand_of_short_and_empty() -> None:
    assert (cards.brand_of("4"), cards.brand_of("3"), cards.brand_of("")) == (
        "Visa",
        "Unknown",
        "Unknown",
    )


# -- the documented test numbers through from_dict + check_attachable + make_card ----

ATTACHING = [
    (number, brand, funding, number[-4:])
    for number, (brand, funding) in DOCUMENTED_ATTACHING.items()
]


@pytest.mark.parametrize(
    ("number", "brand", "funding", "last4"), ATTACHING, ids=[f"{a[0]}-{a[1]}" for a in ATTACHING]
)
def test_test_number_attaches(env: Env, number: str, brand: str, funding: str, last4: str) -> None:
    card = attach_dict(card_dict(number), env)
    assert (card.brand, card.funding, card.last4) == (brand, funding, last4)
    assert cards.brand_of(number) == brand


DECLINES = [(number, *expected) for number, expected in DOCUMENTED_DECLINES.items()]


@pytest.mark.parametrize(
    ("number", "code", "decline_code", "message", "param"),
    DECLINES,
    ids=[f"{d[0]}-{d[1]}" for d in DECLINES],
)
def test_test_number_declines(
    env: Env, number: str, code: str, decline_code: str, message: str, param: str | None
) -> None:
    details = cards.from_dict(card_dict(number), "card", env)  # valid as a dictionary
    assert error_of(lambda: attach_dict(card_dict(number), env)) == (
        402,
        "card_error",
        code,
        decline_code,
        param,
        message,
    )
    assert details.number == number


FULL = {"address_line1": "1 Main St", "address_zip": "94107"}
CHECKS = [
    ("4242424242424242", True, ("pass", "pass", "pass")),
    ("4000000000000101", True, ("fail", "pass", "pass")),
    ("4000000000000010", True, ("pass", "fail", "fail")),
    ("4000000000000028", True, ("pass", "fail", "pass")),
    ("4000000000000036", True, ("pass", "pass", "fail")),
    ("5555555555554444", True, ("pass", "pass", "pass")),
    ("4242424242424242", False, (None, None, None)),
    ("4000000000000101", False, (None, None, None)),
    ("4000000000000010", False, (None, None, None)),
    ("4000000000000028", False, (None, None, None)),
    ("4000000000000036", False, (None, None, None)),
]


@pytest.mark.parametrize(
    ("number", "given", "checks"),
    CHECKS,
    ids=[f"{n}-{'given' if g else 'absent'}" for n, g, _ in CHECKS],
)
def test_checks(env: Env, number: str, given: bool, checks: tuple[str | None, ...]) -> None:
    raw = card_dict(number, **FULL) if given else card_dict(number, cvc=MISSING)
    card = attach_dict(raw, env)
    assert (card.cvc_check, card.address_line1_check, card.address_zip_check) == checks


def test_make_card_fields(env: Env) -> None:
    raw = card_dict(
        "4242424242424242",
        name="Kif Kroker",
        address_line1="1 Main St",
        address_line2="",
        address_city="SF",
        address_state="CA",
        address_zip="94107",
        address_country="US",
    )
    card = attach_dict(raw, env)
    assert card.id == IdFactory(0).new("card")
    assert (card.customer, card.exp_month, card.exp_year, card.country) == ("cus_x", 12, 2020, "US")
    assert (card.name, card.address_line1, card.address_line2, card.address_city) == (
        "Kif Kroker",
        "1 Main St",
        None,
        "SF",
    )
    assert (card.address_state, card.address_zip, card.address_country) == ("CA", "94107", "US")
    assert (card.metadata, card.dynamic_last4) == ({}, None)
    assert card.fingerprint == cards.fingerprint(KEY, "4242424242424242")
    assert env.clock.now() == DEFAULT_START + 1


# -- card dictionary validation -------------------------------------------------


def _card_error(code: str, param: str, message: str) -> tuple[Any, ...]:
    return (402, "card_error", code, None, param, message)


def _bad_request(param: str, message: str) -> tuple[Any, ...]:
    return (400, "invalid_request_error", None, None, param, message)


NUMBER = _card_error("incorrect_number", "number", "Your card number is incorrect.")
MONTH = _card_error("invalid_expiry_month", "exp_month", "Your card's expiration month is invalid.")
YEAR = _card_error("invalid_expiry_year", "exp_year", "Your card's expiration year is invalid.")
CVC = _card_error("invalid_cvc", "cvc", "Your card's security code is invalid.")

INVALID = {
    "missing-number": ({"number": MISSING}, _bad_request("card[number]", "Missing required param: card[number].")),
    "missing-exp_month": ({"exp_month": MISSING}, _bad_request("card[exp_month]", "Missing required param: card[exp_month].")),
    "missing-exp_year": ({"exp_year": MISSING}, _bad_request("card[exp_year]", "Missing required param: card[exp_year].")),
    "number-letters": ({"number": "42424242424242ab"}, NUMBER),
    "number-spaces": ({"number": "4242 4242 4242 4242"}, NUMBER),
    "number-luhn": ({"number": "4242424242424241"}, NUMBER),
    "number-11-digits": ({"number": "42424242420"}, NUMBER),
    "number-20-digits": ({"number": "42424242424242424242"}, NUMBER),
    "number-empty": ({"number": ""}, NUMBER),
    "month-0": ({"exp_month": "0"}, MONTH),
    "month-13": ({"exp_month": "13"}, MONTH),
    "month-ab": ({"exp_month": "ab"}, MONTH),
    "month-1.5": ({"exp_month": "1.5"}, MONTH),
    "month-empty": ({"exp_month": ""}, MONTH),
    "month-negative": ({"exp_month": "-1"}, MONTH),
    "year-30": ({"exp_year": "30"}, YEAR),
    "year-20301": ({"exp_year": "20301"}, YEAR),
    "year-abcd": ({"exp_year": "abcd"}, YEAR),
    "year-past-2014": ({"exp_year": "2014"}, YEAR),
    "year-empty": ({"exp_year": ""}, YEAR),
    "cvc-12": ({"cvc": "12"}, CVC),
    "cvc-12345": ({"cvc": "12345"}, CVC),
    "cvc-abc": ({"cvc": "abc"}, CVC),
    "unknown-key": ({"foo": "bar"}, _bad_request("card[foo]", "Received unknown parameter: card[foo]")),
    "object-bank_account": (
        {"object": "bank_account"},
        _bad_request("card[object]", "Invalid card[object]: 'bank_account'. A card dictionary must have object=card."),
    ),
}  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), INVALID.values(), ids=INVALID.keys())
def test_from_dict_invalid(env: Env, changes: dict[str, object], expected: tuple[Any, ...]) -> None:
    assert error_of(lambda: cards.from_dict(card_dict(**changes), "card", env)) == expected


def test_from_dict_not_a_hash(env: Env) -> None:
    assert error_of(lambda: cards.from_dict("4242", "source", env)) == _bad_request(
        "source", "Invalid hash"
    )


VALID = {
    "month-1-this-year": {"exp_month": "1", "exp_year": "2015"},
    "month-01": {"exp_month": "01"},
    "month-12": {"exp_month": "12"},
    "cvc-4-digits": {"cvc": "1234"},
    "no-cvc": {"cvc": MISSING},
    "object-card": {"object": "card"},
    "12-digits": {"number": "424242424242"},
    "19-digits": {"number": "4242424242424242428"},
}


@pytest.mark.parametrize("changes", VALID.values(), ids=VALID.keys())
def test_from_dict_valid(env: Env, changes: dict[str, object]) -> None:
    raw = card_dict(**changes)
    details = cards.from_dict(raw, "card", env)
    assert details.number == raw["number"]
    assert (details.exp_month, details.exp_year) == (int(raw["exp_month"]), int(raw["exp_year"]))
    assert details.cvc is ("cvc" in raw)


def test_from_dict_empty_text_fields_are_none(env: Env) -> None:
    details = cards.from_dict(card_dict(name="", address_zip="", address_city="SF"), "card", env)
    assert (details.name, details.address_zip, details.address_city) == (None, None, "SF")


def test_current_year_past_month(env: Env) -> None:
    advance_to(env, 2015, 7, 1)
    raw = card_dict(exp_month="6", exp_year="2015")
    assert error_of(lambda: cards.from_dict(raw, "card", env)) == MONTH
    assert cards.from_dict(card_dict(exp_month="7", exp_year="2015"), "card", env).exp_month == 7


def test_clock_advance_expires_a_valid_card(env: Env) -> None:
    raw = card_dict(exp_month="6", exp_year="2015")
    assert attach_dict(raw, env).exp_month == 6
    cards.check_attachable("4242424242424242", 6, 2015, env)
    advance_to(env, 2015, 7, 1)
    assert error_of(lambda: cards.from_dict(raw, "card", env)) == MONTH
    assert error_of(lambda: cards.check_attachable("4242424242424242", 6, 2015, env)) == (
        402,
        "card_error",
        "expired_card",
        "expired_card",
        "exp_month",
        "Your card has expired.",
    )
    advance_to(env, 2016, 1, 1)
    assert error_of(lambda: cards.from_dict(raw, "card", env)) == YEAR


# -- fingerprint ---------------------------------------------------------------


def test_fingerprint() -> None:
    first = cards.fingerprint(KEY, "4242424242424242")
    assert re.fullmatch(r"[0-9A-Za-z]{16}", first)
    assert cards.fingerprint(KEY, "4242424242424242") == first
    assert cards.fingerprint(OTHER_KEY, "4242424242424242") != first
    assert cards.fingerprint(KEY, "5555555555554444") != first
    assert cards.fingerprint("", "4242424242424242") != first


def test_same_number_same_fingerprint_on_two_cards(env: Env) -> None:
    one = attach_dict(card_dict(), env)
    two = attach_dict(card_dict(cvc=MISSING, exp_year="2022"), env)
    assert one.id != two.id
    assert one.fingerprint == two.fingerprint


# -- update --------------------------------------------------------------------


@pytest.fixture
def card(env: Env) -> Card:
    return attach_dict(card_dict(), env)


def test_update_fields(env: Env, card: Card) -> None:
    card.metadata = {"a": "1", "b": "2"}
    raw = {
        "name": "Leela",
        "exp_month": "3",
        "exp_year": "2021",
        "address_city": "NNY",
        "address_country": "US",
        "metadata": {"a": "", "c": "3"},
    }
    updated = cards.update(card, raw, env)
    assert (updated.id, updated.name, updated.exp_month, updated.exp_year) == (
        card.id,
        "Leela",
        3,
        2021,
    )
    assert (updated.address_city, updated.address_country) == ("NNY", "US")
    assert updated.metadata == {"b": "2", "c": "3"}
    assert (updated.last4, updated.brand, updated.fingerprint) == (
        "4242",
        "Visa",
        card.fingerprint,
    )


def test_update_empty_name_unsets(env: Env, card: Card) -> None:
    named = cards.update(card, {"name": "Leela"}, env)
    assert cards.update(named, {"name": ""}, env).name is None


@pytest.mark.parametrize(
    ("number", "changes", "checks"),
    [
        pytest.param("4242424242424242", {"address_line1": "1 Main"}, ("pass", None), id="ok-line1"),
        pytest.param("4242424242424242", {"address_zip": "94107"}, (None, "pass"), id="ok-zip"),
        pytest.param("4000000000000028", {"address_line1": "1 Main"}, ("fail", None), id="0028-line1"),
        pytest.param("4000000000000036", {"address_zip": "94107"}, (None, "fail"), id="0036-zip"),
        pytest.param(
            "4000000000000010",
            {"address_line1": "1 Main", "address_zip": "94107"},
            ("fail", "fail"),
            id="0010-both",
        ),
    ],
)  # fmt: skip
def test_update_recomputes_address_checks(
    env: Env, number: str, changes: dict[str, str], checks: tuple[str | None, ...]
) -> None:
    card = attach_dict(card_dict(number), env)
    assert (card.address_line1_check, card.address_zip_check) == (None, None)
    updated = cards.update(card, changes, env)
    assert (updated.address_line1_check, updated.address_zip_check) == checks
    cleared = cards.update(updated, dict.fromkeys(changes, ""), env)
    assert (cleared.address_line1_check, cleared.address_zip_check) == (None, None)
    assert cleared.cvc_check == card.cvc_check


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({"exp_month": "13"}, MONTH, id="month-13"),
        pytest.param({"exp_month": ""}, MONTH, id="month-empty"),
        pytest.param({"exp_year": "21"}, YEAR, id="year-2-digits"),
        pytest.param({"exp_year": "2014"}, YEAR, id="year-past"),
        pytest.param({"exp_month": "0", "exp_year": "abcd"}, MONTH, id="both-bad-month-first"),
    ],
)
def test_update_invalid_expiry(
    env: Env, card: Card, raw: dict[str, str], expected: tuple[Any, ...]
) -> None:
    assert error_of(lambda: cards.update(card, raw, env)) == expected


def test_update_month_in_the_past_of_current_year(env: Env) -> None:
    card = attach_dict(card_dict(exp_month="12", exp_year="2015"), env)
    advance_to(env, 2015, 7, 1)
    assert error_of(lambda: cards.update(card, {"exp_month": "6"}, env)) == MONTH
    assert cards.update(card, {"exp_month": "7"}, env).exp_month == 7


@pytest.mark.parametrize("number", ["4abc", "", "abcd1234", "42 42"])
def test_brand_of_non_digits_is_unknown(number: str) -> None:
    assert cards.brand_of(number) == "Unknown"


def test_an_empty_cvc_means_no_cvc(env: Env) -> None:
    raw: dict[str, Any] = {
        "number": "4000000000000101",
        "exp_month": "12",
        "exp_year": "2030",
        "cvc": "",
    }
    details = cards.from_dict(raw, "card", env)
    assert details.cvc is False
    assert cards.make_card("sk_test_abc123", None, details, env).cvc_check is None
