"""Per-account state of the fake: plain records, no globals, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Card:
    """A card attached to a customer (the API's ``card`` object)."""

    id: str
    customer: str
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


class Account:
    """Everything one secret key can see.

    ``customers`` holds live customers in creation order (dicts keep insertion
    order, so newest-first is ``reversed``); ``deleted`` keeps the ids of
    deleted ones for the ``{"deleted": true}`` stub.
    """

    __slots__ = ("api_key", "customers", "deleted", "livemode")

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.livemode = api_key.startswith("sk_live_")
        self.customers: dict[str, Customer] = {}
        self.deleted: set[str] = set()


class Store:
    """All accounts of one fake, keyed by secret key."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}

    def account(self, api_key: str) -> Account:
        """The account of ``api_key``, made on first use."""
        account = self.accounts.get(api_key)
        if account is None:
            account = self.accounts[api_key] = Account(api_key)
        return account

    def clear(self) -> None:
        """Forget every account."""
        self.accounts.clear()
