"""Per-account state of the fake: plain records, no globals, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .index import OrderIndex


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
    #: Attachment order within the fake (lists order cards by it).
    seq: int = 0


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
    #: List order: ``created * ORDER_SCALE + sequence`` (newest first = largest).
    order: int = 0


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


#: Scale of ``created`` in an order key; the sequence number fills the rest.
ORDER_SCALE = 2**32


def order_of(customer: Customer) -> int:
    """The key lists sort customers by."""
    return customer.order


def seq_of(card: Card) -> int:
    """The key lists sort cards by."""
    return card.seq


class Account:
    """Everything one secret key can see.

    ``customers`` finds a live customer by id; ``order`` keeps them sorted by
    ``created`` then creation order, and ``by_email`` per email, for lists;
    ``deleted`` keeps the ids of deleted ones for the ``{"deleted": true}`` stub.
    """

    __slots__ = ("api_key", "by_email", "customers", "deleted", "idempotency", "livemode", "order")

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.livemode = api_key.startswith("sk_live_")
        self.customers: dict[str, Customer] = {}
        self.order: OrderIndex[Customer] = OrderIndex(order_of)
        self.by_email: dict[str, list[Customer]] = {}
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
