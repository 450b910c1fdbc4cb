"""Customers: create, retrieve, update, delete and list, on one account."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import messages, params
from ..errors import TofupayError, invalid_request, not_found
from ..index import ListIndex, Ordered, inserted
from ..params import Value
from ..store import ORDER_SCALE, Account, Customer, order_of
from . import Env, cards, lists, metadata, sources

CREATE_PARAMS = frozenset(
    {"email", "description", "source", "card", "metadata", "account_balance", "expand"}
)
UPDATE_PARAMS = CREATE_PARAMS | {"default_source"}
LIST_PARAMS = frozenset(
    {"limit", "starting_after", "ending_before", "created", "email", "include", "expand"}
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_LENGTH = 512
_CREATED_OPERATORS = ("gt", "gte", "lt", "lte")


def no_such_customer(ident: str, param: str = "id") -> TofupayError:
    """404 ``No such customer: ID`` naming ``param``."""
    return not_found(messages.NO_SUCH_CUSTOMER.format(id=ident), param)


@dataclass(slots=True)
class _Changes:
    """Validated field changes of a create or update, applied only once all pass."""

    fields: dict[str, object]
    source: cards.Source | None
    metadata: dict[str, str] | None


def _validate(
    account: Account, raw: Mapping[str, Value], current: Customer | None, env: Env
) -> _Changes:
    fields: dict[str, object] = {}
    if "email" in raw:
        email = params.string(raw["email"], "email")
        if email and (len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email)):
            raise invalid_request(messages.INVALID_EMAIL.format(value=email), "email")
        fields["email"] = email or None
    if "description" in raw:
        fields["description"] = params.string(raw["description"], "description") or None
    if "account_balance" in raw:
        balance = raw["account_balance"]
        fields["account_balance"] = (
            0 if balance == "" else params.integer(balance, "account_balance")
        )
    name = sources.source_param(raw)
    source = None if name is None else cards.resolve_source(raw[name], name, account, env)
    merged = None
    if "metadata" in raw:
        merged = metadata.merge(current.metadata if current else {}, raw["metadata"])
    return _Changes(fields, source, merged)


def _apply(account: Account, customer: Customer, changes: _Changes, env: Env) -> None:
    for name, value in changes.fields.items():
        setattr(customer, name, value)
    if changes.metadata is not None:
        customer.metadata = changes.metadata
    if changes.source is not None:
        sources.replace_default(customer, cards.attach(account, customer.id, changes.source, env))


def create(
    account: Account, raw: Mapping[str, Value], env: Env, ident: str | None = None
) -> Customer:
    """``POST /v1/customers``: validate everything, then make the customer.

    ``ident`` (seeding only) chooses the id instead of the next generated one.
    """
    changes = _validate(account, raw, None, env)
    created = env.clock.tick()
    customer = Customer(
        id=ident if ident is not None else env.ids.new("cus"),
        created=created,
        livemode=account.livemode,
        order=created * ORDER_SCALE + env.ids.sequence(),
    )
    _apply(account, customer, changes, env)
    account.customers[customer.id] = customer
    account.order.add(customer)
    _index_email(account, customer)
    return customer


def get(account: Account, ident: str) -> Customer:
    """A live customer of this account, else the 404."""
    customer = account.customers.get(ident)
    if customer is None:
        raise no_such_customer(ident)
    return customer


def is_deleted(account: Account, ident: str) -> bool:
    """True for a customer of this account that was deleted."""
    return ident in account.deleted


def update(account: Account, ident: str, raw: Mapping[str, Value], env: Env) -> Customer:
    """``POST /v1/customers/{id}``: unset with ``""``, merge metadata, swap the default card."""
    customer = get(account, ident)
    changes = _validate(account, raw, customer, env)
    default = None
    if "default_source" in raw and ("source" in raw or "card" in raw):
        raise invalid_request(messages.SOURCE_AND_DEFAULT_SOURCE)
    if "default_source" in raw:
        default = params.required_string(raw["default_source"], "default_source")
        if default not in customer.cards:
            raise invalid_request(
                messages.NO_LINKED_SOURCE.format(customer=customer.id, source=default),
                "default_source",
            )
    old_email = customer.email
    _apply(account, customer, changes, env)
    if default is not None:
        customer.default_source = default
    if customer.email != old_email:
        _unindex_email(account, customer, old_email)
        _index_email(account, customer)
    return customer


def delete(account: Account, ident: str) -> str:
    """``DELETE /v1/customers/{id}``: the customer and its cards are gone for good."""
    customer = get(account, ident)
    del account.customers[customer.id]
    account.order.remove(customer)
    _unindex_email(account, customer, customer.email)
    account.deleted.add(customer.id)
    return customer.id


def _index_email(account: Account, customer: Customer) -> None:
    # The lists are replaced, never changed in place: a snapshot may share them.
    if customer.email is not None:
        same = account.by_email.get(customer.email, ())
        account.by_email[customer.email] = inserted(same, customer, order_of)


def _unindex_email(account: Account, customer: Customer, email: str | None) -> None:
    if email is None:
        return
    same = [other for other in account.by_email[email] if other is not customer]
    if same:
        account.by_email[email] = same
    else:
        del account.by_email[email]


def list_page(account: Account, raw: Mapping[str, Value]) -> lists.Page[Customer]:
    """``GET /v1/customers``: newest first; cursors, ``created`` and ``email`` by index."""
    query = lists.parse_query(raw)
    index: Ordered[Customer] = account.order
    if "email" in raw:
        email = params.required_string(raw["email"], "email")
        index = ListIndex(account.by_email.get(email, []), order_of)
    lo, hi = _created_bounds(raw["created"], index) if "created" in raw else (0, None)
    cursor = lists.cursor_key(query, account.customers, order_of, no_such_customer)
    return lists.page(index, query, lo=lo, hi=hi, cursor=cursor)


def _created_bounds(value: Value, index: Ordered[Customer]) -> tuple[int, int]:
    """Positions ``[lo, hi)`` of ``index`` whose ``created`` passes the filter."""

    def first_at(second: int) -> int:  # the first position created at ``second`` or later
        return index.bisect_left(second * ORDER_SCALE)

    if isinstance(value, str):
        exact = params.integer(value, "created")
        return first_at(exact), first_at(exact + 1)
    bounds = params.hash_of(value, "created")
    params.check_known(bounds, _CREATED_OPERATORS, prefix="created")
    lo, hi = 0, len(index)
    for op in bounds:
        limit = params.integer(bounds[op], f"created[{op}]")
        if op == "gt":
            lo = max(lo, first_at(limit + 1))
        elif op == "gte":
            lo = max(lo, first_at(limit))
        elif op == "lt":
            hi = min(hi, first_at(limit))
        else:  # lte
            hi = min(hi, first_at(limit + 1))
    return lo, hi
