"""Per-account state of the fake: plain records, no globals, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Card:
    """A card attached to a customer (the API's ``card`` object)."""

    id: str
    customer: str | None
    last4: str
    brand: str
    funding: str
    exp_month: int
    exp_year: int
    fingerprint: str
    country: str | None = "US"
    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_zip: str | None = None
    address_country: str | None = None
    cvc_check: str | None = None
    address_line1_check: str | None = None
    address_zip_check: str | None = None
    dynamic_last4: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    #: The checks a test number makes fail ("cvc", "line1", "zip"), shared, never copied.
    failing_checks: frozenset[str] = frozenset()


@dataclass(slots=True)
class Customer:
    """A customer; ``cards`` keeps attachment order (oldest first)."""

    id: str
    created: int
    livemode: bool
    description: str | None = None
    email: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    account_balance: int = 0
    currency: str | None = "usd"
    delinquent: bool = False
    cards: dict[str, Card] = field(default_factory=dict)
    default_source: str | None = None


@dataclass(slots=True)
class Token:
    """A card token: single use; ``api_key`` None when any account may use it.

    ``number`` is kept (never shown) so that a test number declines when attached.
    """

    id: str
    created: int
    livemode: bool
    card: Card
    number: str
    api_key: str | None
    used: bool = False


@dataclass(frozen=True, slots=True)
class SavedResponse:
    """What an idempotent POST answered, with the request it answered."""

    request: str
    params: dict[str, Any]
    status: int
    payload: dict[str, Any]


class Account:
    """Everything one secret key can see.

    ``customers`` holds live customers in creation order (dicts keep insertion
    order, so newest-first is ``reversed``); ``deleted`` keeps the ids of
    deleted ones for the ``{"deleted": true}`` stub.
    """

    __slots__ = ("api_key", "customers", "deleted", "idempotency", "livemode")

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.livemode = api_key.startswith("sk_live_")
        self.customers: dict[str, Customer] = {}
        self.deleted: set[str] = set()
        self.idempotency: dict[str, SavedResponse] = {}


class Store:
    """All accounts of one fake, keyed by secret key."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}

    def account(self, api_key: str) -> Account:
        """The account of ``api_key``, made on first use."""
        account = self.accounts.get(api_key)
        if account is None:
            account = self.accounts[api_key] = Account(api_key)
        return account

    def clear(self) -> None:
        """Forget every account."""
        self.accounts.clear()
        self.tokens.clear()
