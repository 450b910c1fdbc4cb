"""Cards: card dictionaries, test numbers and tokens, validation, checks, declines."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import messages, params
from ..clock import utc
from ..errors import TofupayError, invalid_request
from ..ids import ALPHABET
from ..params import Value
from ..store import Account, Card, Token
from . import Env, metadata

_TOKEN = re.compile(r"tok_[0-9A-Za-z_]+")
_DIGITS = re.compile(r"[0-9]+")
_CVC = re.compile(r"[0-9]{3,4}")
_YEAR = re.compile(r"[0-9]{4}")

ADDRESS_FIELDS = (
    "address_line1",
    "address_line2",
    "address_city",
    "address_state",
    "address_zip",
    "address_country",
)
#: Keys a card dictionary (``card[...]`` / ``source[...]``) may carry.
DICT_FIELDS = frozenset(
    {"object", "number", "exp_month", "exp_year", "cvc", "name", *ADDRESS_FIELDS}
)
#: Params of ``POST /v1/customers/{id}/sources/{card}``.
UPDATE_PARAMS = frozenset({"name", "exp_month", "exp_year", *ADDRESS_FIELDS, "metadata"})


@dataclass(frozen=True, slots=True)
class Decline:
    """How a test card fails when it is attached: a 402 ``card_error``."""

    code: str
    message: str
    decline_code: str
    param: str | None = None

    def error(self) -> TofupayError:
        return TofupayError(
            402, "card_error", self.message, self.param, self.code, self.decline_code
        )


@dataclass(frozen=True, slots=True)
class TestNumber:
    """What a Stripe test number does: brand, funding, a decline or failing checks."""

    brand: str
    funding: str = "credit"
    decline: Decline | None = None
    failing: frozenset[str] = frozenset()


_DECLINED = Decline("card_declined", messages.CARD_DECLINED, "generic_decline")
_EXPIRED = Decline("expired_card", messages.EXPIRED_CARD, "expired_card", "exp_month")

TEST_NUMBERS: dict[str, TestNumber] = {
    "4242424242424242": TestNumber("Visa"),
    "4000056655665556": TestNumber("Visa", "debit"),
    "5555555555554444": TestNumber("MasterCard"),
    "5200828282828210": TestNumber("MasterCard", "debit"),
    "5105105105105100": TestNumber("MasterCard", "prepaid"),
    "378282246310005": TestNumber("American Express"),
    "6011111111111117": TestNumber("Discover"),
    "30569309025904": TestNumber("Diners Club"),
    "3530111333300000": TestNumber("JCB"),
    "4000000000000002": TestNumber("Visa", decline=_DECLINED),
    "4000000000009995": TestNumber(
        "Visa",
        decline=Decline("card_declined", messages.INSUFFICIENT_FUNDS, "insufficient_funds"),
    ),
    "4000000000000069": TestNumber("Visa", decline=_EXPIRED),
    "4000000000000127": TestNumber(
        "Visa", decline=Decline("incorrect_cvc", messages.INCORRECT_CVC, "incorrect_cvc", "cvc")
    ),
    "4000000000000119": TestNumber(
        "Visa", decline=Decline("processing_error", messages.PROCESSING_ERROR, "processing_error")
    ),
    "4000000000000101": TestNumber("Visa", failing=frozenset({"cvc"})),
    "4000000000000010": TestNumber("Visa", failing=frozenset({"line1", "zip"})),
    "4000000000000028": TestNumber("Visa", failing=frozenset({"line1"})),
    "4000000000000036": TestNumber("Visa", failing=frozenset({"zip"})),
}

#: Stripe's test tokens, each standing for a test number.
TEST_TOKENS: dict[str, str] = {
    "tok_visa": "4242424242424242",
    "tok_visa_debit": "4000056655665556",
    "tok_mastercard": "5555555555554444",
    "tok_mastercard_debit": "5200828282828210",
    "tok_mastercard_prepaid": "5105105105105100",
    "tok_amex": "378282246310005",
    "tok_discover": "6011111111111117",
    "tok_diners": "30569309025904",
    "tok_jcb": "3530111333300000",
    "tok_chargeDeclined": "4000000000000002",
    "tok_chargeDeclinedInsufficientFunds": "4000000000009995",
    "tok_chargeDeclinedExpiredCard": "4000000000000069",
    "tok_chargeDeclinedIncorrectCvc": "4000000000000127",
    "tok_chargeDeclinedProcessingError": "4000000000000119",
}

#: The number behind a token the fake did not issue: the API reference's example Visa 4242.
DEFAULT_NUMBER = "4242424242424242"

_PREFIXES: tuple[tuple[str, tuple[range, ...]], ...] = (
    ("American Express", (range(34, 35), range(37, 38))),
    ("Diners Club", (range(300, 306), range(36, 37), range(38, 40))),
    ("JCB", (range(3528, 3590),)),
    ("Discover", (range(6011, 6012), range(644, 650), range(65, 66))),
    ("MasterCard", (range(51, 56), range(2221, 2721))),
    ("Visa", (range(4, 5),)),
)


def brand_of(number: str) -> str:
    """The brand of a number by its prefix; ``Unknown`` when none matches."""
    known = TEST_NUMBERS.get(number)
    if known is not None:
        return known.brand
    if not _DIGITS.fullmatch(number):
        return "Unknown"
    for brand, ranges in _PREFIXES:
        for span in ranges:
            width = len(str(span.start))
            if len(number) >= width and int(number[:width]) in span:
                return brand
    return "Unknown"


def luhn_ok(number: str) -> bool:
    """True for digits that pass the Luhn check."""
    if not _DIGITS.fullmatch(number):
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class CardDetails:
    """A validated card before it is stored: from a dictionary or a token."""

    number: str
    exp_month: int
    exp_year: int
    cvc: bool
    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_zip: str | None = None
    address_country: str | None = None


def _card_error(code: str, message: str, param: str) -> TofupayError:
    return TofupayError(402, "card_error", message, param, code)


def year_of(timestamp: int) -> int:
    """The calendar year (UTC) of a Unix time, 1970..9999."""
    return utc(timestamp).tm_year


def next_year(timestamp: int) -> int:
    """The year after ``timestamp``'s, never past 9999 (card years have four digits)."""
    return min(year_of(timestamp) + 1, 9999)


def check_expiry(month: int, year: int, env: Env) -> None:
    """402 ``invalid_expiry_year`` / ``invalid_expiry_month`` for a date before the clock's."""
    now = utc(env.clock.now())
    if year < now.tm_year:
        raise _card_error("invalid_expiry_year", messages.INVALID_EXPIRY_YEAR, "exp_year")
    if year == now.tm_year and month < now.tm_mon:
        raise _card_error("invalid_expiry_month", messages.INVALID_EXPIRY_MONTH, "exp_month")


def parse_month(value: Value) -> int:
    """``exp_month``: an integer 1..12, else 402 ``invalid_expiry_month``."""
    if isinstance(value, str) and _DIGITS.fullmatch(value) and len(value) <= 2:
        month = int(value)
        if 1 <= month <= 12:
            return month
    raise _card_error("invalid_expiry_month", messages.INVALID_EXPIRY_MONTH, "exp_month")


def parse_year(value: Value) -> int:
    """``exp_year``: four digits, else 402 ``invalid_expiry_year``."""
    if isinstance(value, str) and _YEAR.fullmatch(value):
        return int(value)
    raise _card_error("invalid_expiry_year", messages.INVALID_EXPIRY_YEAR, "exp_year")


def from_dict(raw: Value, param: str, env: Env) -> CardDetails:
    """Validate a card dictionary: required fields, Luhn, expiry against the clock, cvc."""
    fields = params.hash_of(raw, param)
    params.check_known(fields, DICT_FIELDS, prefix=param)
    if "object" in fields and fields["object"] != "card":
        raise invalid_request(
            messages.INVALID_CARD_OBJECT.format(param=param, value=fields["object"]),
            f"{param}[object]",
        )
    for name in ("number", "exp_month", "exp_year"):
        if name not in fields:
            raise invalid_request(
                messages.MISSING_PARAM.format(name=f"{param}[{name}]"), f"{param}[{name}]"
            )
    number = fields["number"]
    if not isinstance(number, str) or not 12 <= len(number) <= 19 or not luhn_ok(number):
        raise _card_error("incorrect_number", messages.INCORRECT_NUMBER, "number")
    month = parse_month(fields["exp_month"])
    year = parse_year(fields["exp_year"])
    check_expiry(month, year, env)
    cvc = fields.get("cvc") or None  # an empty cvc is no cvc
    if cvc is not None and (not isinstance(cvc, str) or not _CVC.fullmatch(cvc)):
        raise _card_error("invalid_cvc", messages.INVALID_CVC, "cvc")
    text = {
        name: params.string(fields[name], f"{param}[{name}]") or None
        for name in ("name", *ADDRESS_FIELDS)
        if name in fields
    }
    return CardDetails(number, month, year, cvc is not None, **text)


def token_details(number: str, env: Env) -> CardDetails:
    """The card behind a test token: expires in March of the clock's next year, cvc given.

    In the year 9999 (no next year has four digits) it expires that December.
    """
    year = year_of(env.clock.now())
    if year >= 9999:
        return CardDetails(number, 12, 9999, True)
    return CardDetails(number, 3, year + 1, True)


@dataclass(frozen=True, slots=True)
class Source:
    """A resolved ``source``: new card details, or an issued token (whose card attaches)."""

    details: CardDetails | None = None
    token: str | None = None


def resolve_source(value: Value, param: str, account: Account, env: Env) -> Source:
    """Check a ``source`` / ``card`` value (token id or dictionary) before anything is stored.

    Raises the documented 400 (bad, unknown or used token) or 402 (invalid
    card, test declines, a token's card expired by the clock).
    """
    if isinstance(value, dict):
        details = from_dict(value, param, env)
        check_attachable(details.number, details.exp_month, details.exp_year, env)
        return Source(details=details)
    ident = params.required_string(value, param)
    issued = env.store.tokens.get(ident)
    if issued is not None and issued.api_key in (None, account.api_key):
        if issued.used:
            raise invalid_request(messages.TOKEN_ALREADY_USED.format(id=ident), param)
        check_attachable(issued.number, issued.card.exp_month, issued.card.exp_year, env)
        return Source(token=ident)
    number = TEST_TOKENS.get(ident)
    if number is None and issued is None and _TOKEN.fullmatch(ident) and not env.strict_tokens:
        number = DEFAULT_NUMBER
    if number is None:
        raise invalid_request(messages.NO_SUCH_TOKEN.format(id=ident), param)
    details = token_details(number, env)
    check_attachable(number, details.exp_month, details.exp_year, env)
    return Source(details=details)


def check_attachable(number: str, exp_month: int, exp_year: int, env: Env) -> None:
    """402 for a declining test number, or for a card the clock has passed."""
    known = TEST_NUMBERS.get(number)
    if known is not None and known.decline is not None:
        raise known.decline.error()
    now = utc(env.clock.now())
    if (exp_year, exp_month) < (now.tm_year, now.tm_mon):
        raise _EXPIRED.error()


def make_card(api_key: str, customer: str | None, details: CardDetails, env: Env) -> Card:
    """A new card object (the caller stores it); the clock moves on a second."""
    env.clock.tick()
    known = TEST_NUMBERS.get(details.number)
    failing = known.failing if known is not None else frozenset()
    card = Card(
        id=env.ids.new("card"),
        customer=customer,
        last4=details.number[-4:],
        brand=brand_of(details.number),
        funding=known.funding if known is not None else "credit",
        exp_month=details.exp_month,
        exp_year=details.exp_year,
        fingerprint=fingerprint(api_key, details.number),
        name=details.name,
        address_line1=details.address_line1,
        address_line2=details.address_line2,
        address_city=details.address_city,
        address_state=details.address_state,
        address_zip=details.address_zip,
        address_country=details.address_country,
        cvc_check=_check(details.cvc, "cvc", failing),
        failing_checks=failing,
    )
    _set_address_checks(card)
    return card


def _check(given: bool, name: str, failing: frozenset[str]) -> str | None:
    if not given:
        return None
    return "fail" if name in failing else "pass"


def _set_address_checks(card: Card) -> None:
    card.address_line1_check = _check(card.address_line1 is not None, "line1", card.failing_checks)
    card.address_zip_check = _check(card.address_zip is not None, "zip", card.failing_checks)


def attach(account: Account, customer: str, source: Source, env: Env) -> Card:
    """The card a resolved source gives this customer; an issued token is used up."""
    if source.token is not None:
        # Replaced, not changed in place: a snapshot may share the record.
        token = env.store.tokens[source.token]
        env.store.tokens[source.token] = dataclasses.replace(token, used=True)
        card = token_card(token, account.api_key, customer)
    else:
        assert source.details is not None
        card = make_card(account.api_key, customer, source.details, env)
    card.seq = env.ids.sequence()
    return card


def token_card(token: Token, api_key: str, customer: str | None = None) -> Card:
    """A token's card as ``api_key``'s account sees it: its fingerprint, this customer."""
    return dataclasses.replace(
        token.card, customer=customer, metadata={}, fingerprint=fingerprint(api_key, token.number)
    )


def update(card: Card, raw: Mapping[str, Value], env: Env) -> Card:
    """Validated card update: name, expiry, address fields, metadata (merged)."""
    month = parse_month(raw["exp_month"]) if "exp_month" in raw else card.exp_month
    year = parse_year(raw["exp_year"]) if "exp_year" in raw else card.exp_year
    if "exp_month" in raw or "exp_year" in raw:
        check_expiry(month, year, env)
    text = {
        name: params.string(raw[name], name) or None
        for name in ("name", *ADDRESS_FIELDS)
        if name in raw
    }
    merged = metadata.merge(card.metadata, raw["metadata"]) if "metadata" in raw else None
    updated = dataclasses.replace(card, exp_month=month, exp_year=year)
    for name, value in text.items():
        setattr(updated, name, value)
    if merged is not None:
        updated.metadata = merged
    _set_address_checks(updated)
    return updated


def fingerprint(api_key: str, number: str) -> str:
    """16 characters, the same for one number within one account."""
    digest = int.from_bytes(hashlib.sha256(f"{api_key}\0{number}".encode()).digest(), "big")
    chars = []
    for _ in range(16):
        digest, index = divmod(digest, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)
