"""Cards from sources: test tokens, unknown tokens, declines, fingerprints."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from .. import messages, params
from ..errors import TofupayError, invalid_request
from ..ids import ALPHABET
from ..params import Value
from ..store import Account, Card
from . import Env

_TOKEN = re.compile(r"tok_[0-9A-Za-z_]+")


@dataclass(frozen=True, slots=True)
class CardSpec:
    """What a source resolves to before it is attached: the card's own facts."""

    number: str
    brand: str
    funding: str = "credit"
    cvc_check: str | None = "pass"


@dataclass(frozen=True, slots=True)
class Decline:
    """A test token that fails with a 402 ``card_error``."""

    code: str
    message: str
    decline_code: str | None = None
    param: str | None = None

    def error(self) -> TofupayError:
        return TofupayError(
            402, "card_error", self.message, self.param, self.code, self.decline_code
        )


#: The default card of a token the fake did not issue: the seed example's Visa 4242.
DEFAULT_CARD = CardSpec("4242424242424242", "Visa")

TEST_TOKENS: dict[str, CardSpec | Decline] = {
    "tok_visa": DEFAULT_CARD,
    "tok_visa_debit": CardSpec("4000056655665556", "Visa", "debit"),
    "tok_mastercard": CardSpec("5555555555554444", "MasterCard"),
    "tok_mastercard_debit": CardSpec("5200828282828210", "MasterCard", "debit"),
    "tok_mastercard_prepaid": CardSpec("5105105105105100", "MasterCard", "prepaid"),
    "tok_amex": CardSpec("378282246310005", "American Express"),
    "tok_discover": CardSpec("6011111111111117", "Discover"),
    "tok_diners": CardSpec("30569309025904", "Diners Club"),
    "tok_jcb": CardSpec("3530111333300000", "JCB"),
    "tok_chargeDeclined": Decline("card_declined", messages.CARD_DECLINED, "generic_decline"),
    "tok_chargeDeclinedInsufficientFunds": Decline(
        "card_declined", messages.INSUFFICIENT_FUNDS, "insufficient_funds"
    ),
    "tok_chargeDeclinedExpiredCard": Decline(
        "expired_card", messages.EXPIRED_CARD, "expired_card", param="exp_month"
    ),
    "tok_chargeDeclinedIncorrectCvc": Decline(
        "incorrect_cvc", messages.INCORRECT_CVC, "incorrect_cvc", param="cvc"
    ),
    "tok_chargeDeclinedProcessingError": Decline(
        "processing_error", messages.PROCESSING_ERROR, "processing_error"
    ),
}


def resolve_source(value: Value, param: str, env: Env) -> CardSpec:
    """Check a ``source`` / ``card`` value and say which card it attaches.

    Raises the documented 400 (bad or unknown token) or 402 (test declines)
    before anything is stored.
    """
    if isinstance(value, dict):
        raise invalid_request(messages.CARD_DICTIONARY_UNSUPPORTED.format(param=param), param)
    value = params.required_string(value, param)
    known = TEST_TOKENS.get(value)
    if isinstance(known, Decline):
        raise known.error()
    if known is not None:
        return known
    if _TOKEN.fullmatch(value) and not env.strict_tokens:
        return DEFAULT_CARD
    raise invalid_request(messages.NO_SUCH_TOKEN.format(id=value), param)


def attach(account: Account, customer_id: str, spec: CardSpec, env: Env) -> Card:
    """Make the card of ``spec`` for a customer (the caller stores it)."""
    env.clock.tick()  # a card is an object made: the clock moves on a second
    return Card(
        id=env.ids.new("card"),
        customer=customer_id,
        last4=spec.number[-4:],
        brand=spec.brand,
        funding=spec.funding,
        exp_month=3,
        exp_year=_year(env.clock.now()) + 1,
        fingerprint=fingerprint(account.api_key, spec.number),
        cvc_check=spec.cvc_check,
    )


def fingerprint(api_key: str, number: str) -> str:
    """16 characters, the same for one number within one account."""
    digest = int.from_bytes(hashlib.sha256(f"{api_key}\0{number}".encode()).digest(), "big")
    chars = []
    for _ in range(16):
        digest, index = divmod(digest, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def _year(timestamp: int) -> int:
    return time.gmtime(timestamp).tm_year
