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

    Copy on write: an account made from a snapshot (:meth:`thaw`), or one a
    snapshot was just taken of (:meth:`freeze`), shares its dicts and records
    with that snapshot. Before a request may change it the fake calls
    :meth:`writable` (its own dicts: one C-level copy each, no record copied)
    and :meth:`own` for the customer the request names (a copy of that one
    record). ``by_email``'s lists are never changed in place, only replaced.
    """

    __slots__ = (
        "_base",
        "_shared",
        "api_key",
        "by_email",
        "customers",
        "deleted",
        "idempotency",
        "livemode",
        "order",
    )

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.livemode = api_key.startswith("sk_live_")
        self.customers: dict[str, Customer] = {}
        self.order: OrderIndex[Customer] = OrderIndex(order_of)
        self.by_email: dict[str, list[Customer]] = {}
        self.deleted: set[str] = set()
        self.idempotency: dict[str, SavedResponse] = {}
        #: The customers of the snapshot this account shares records with (None: none).
        self._base: dict[str, Customer] | None = None
        #: True while the dicts above are a snapshot's too.
        self._shared = False

    def freeze(self) -> AccountState:
        """This account as it is now, for a snapshot; it then copies before it writes."""
        state = AccountState(
            self.api_key,
            self.customers,
            self.order.fork(),
            self.by_email,
            self.deleted,
            self.idempotency,
        )
        self._base = self.customers
        self._shared = True
        return state

    @classmethod
    def thaw(cls, state: AccountState) -> Account:
        """A live account sharing everything with ``state`` until it writes."""
        account = cls(state.api_key)
        account.customers = state.customers
        account.order = state.order.fork()
        account.by_email = state.by_email
        account.deleted = state.deleted
        account.idempotency = state.idempotency
        account._base = state.customers
        account._shared = True
        return account

    def writable(self) -> None:
        """Give the account dicts of its own (once after a fork; cheap afterwards)."""
        if self._shared:
            self.customers = self.customers.copy()
            self.by_email = self.by_email.copy()
            self.deleted = self.deleted.copy()
            self.idempotency = self.idempotency.copy()
            self._shared = False

    def own(self, customer_id: str) -> None:
        """Make the customer ``customer_id`` (if live) a record of this account alone."""
        self.writable()
        base = self._base
        if base is None:
            return
        record = self.customers.get(customer_id)
        if record is None or base.get(customer_id) is not record:
            return
        copy = Customer(
            id=record.id,
            created=record.created,
            livemode=record.livemode,
            description=record.description,
            email=record.email,
            metadata=dict(record.metadata),
            account_balance=record.account_balance,
            currency=record.currency,
            delinquent=record.delinquent,
            cards=dict(record.cards),
            default_source=record.default_source,
            order=record.order,
        )
        self.customers[customer_id] = copy
        self.order.replace(record, copy)
        if record.email is not None:
            self.by_email[record.email] = [
                copy if same is record else same for same in self.by_email[record.email]
            ]


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account inside a snapshot: never changed (live accounts copy before writing)."""

    api_key: str
    customers: dict[str, Customer]
    order: OrderIndex[Customer]
    by_email: dict[str, list[Customer]]
    deleted: set[str]
    idempotency: dict[str, SavedResponse]

    @property
    def livemode(self) -> bool:
        return self.api_key.startswith("sk_live_")


class Store:
    """All accounts of one fake, keyed by secret key, and the tokens issued.

    Tokens are never changed in place (using one replaces its record), so a
    store shares its ``tokens`` dict with a snapshot until :meth:`writable`.
    """

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}
        self._shared_tokens = False

    def account(self, api_key: str, *, writable: bool = False) -> Account:
        """The account of ``api_key``; an unknown key gets a new empty one, not yet kept.

        A key that only reads, or whose writes are refused, costs no memory:
        :meth:`keep` adds the account once a request left something in it.
        ``writable``: the caller may write, so the account and the store copy
        what they share with a snapshot first.
        """
        account = self.accounts.get(api_key)
        if account is None:
            account = Account(api_key)
        if writable:
            account.writable()
            self.writable()
        return account

    def keep(self, account: Account) -> None:
        """Add ``account`` (from :meth:`account`) if it is new and now holds anything."""
        if account.api_key not in self.accounts and (
            account.customers or account.deleted or account.idempotency
        ):
            self.accounts[account.api_key] = account

    def writable(self) -> None:
        """Give the store a ``tokens`` dict of its own before a request may issue or use one."""
        if self._shared_tokens:
            self.tokens = self.tokens.copy()
            self._shared_tokens = False

    def freeze(self) -> tuple[tuple[AccountState, ...], dict[str, Token]]:
        """Every account and the tokens as they are now (shared until the next write)."""
        self._shared_tokens = True
        return tuple(account.freeze() for account in self.accounts.values()), self.tokens

    def thaw(self, accounts: tuple[AccountState, ...], tokens: dict[str, Token]) -> None:
        """Become exactly ``accounts`` and ``tokens`` (shared until written)."""
        self.accounts = {state.api_key: Account.thaw(state) for state in accounts}
        self.tokens = tokens
        self._shared_tokens = True

    def clear(self) -> None:
        """Forget every account."""
        self.accounts = {}
        self.tokens = {}
        self._shared_tokens = False
