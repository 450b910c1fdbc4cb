"""Customers: create, retrieve, update, delete and list, on one account."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .. import messages, params
from ..errors import TofupayError, invalid_request, not_found
from ..params import Value
from ..store import Account, Customer
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


def create(account: Account, raw: Mapping[str, Value], env: Env) -> Customer:
    """``POST /v1/customers``: validate everything, then make the customer."""
    changes = _validate(account, raw, None, env)
    customer = Customer(id=env.ids.new("cus"), created=env.clock.tick(), livemode=account.livemode)
    _apply(account, customer, changes, env)
    account.customers[customer.id] = customer
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
    _apply(account, customer, changes, env)
    if default is not None:
        customer.default_source = default
    return customer


def delete(account: Account, ident: str) -> str:
    """``DELETE /v1/customers/{id}``: the customer and its cards are gone for good."""
    customer = get(account, ident)
    del account.customers[customer.id]
    account.deleted.add(customer.id)
    return customer.id


def list_page(account: Account, raw: Mapping[str, Value]) -> lists.Page[Customer]:
    """``GET /v1/customers``: newest first, cursors, ``created`` and ``email`` filters."""
    query = lists.parse_query(raw)
    keep = _filter(raw)
    return lists.paginate(
        list(account.customers.values()),
        query,
        id_of=lambda customer: customer.id,
        keep=keep,
        missing=no_such_customer,
    )


def _filter(raw: Mapping[str, Value]) -> Callable[[Customer], bool] | None:
    tests: list[Callable[[Customer], bool]] = []
    if "email" in raw:
        email = params.required_string(raw["email"], "email")
        tests.append(lambda customer: customer.email == email)
    if "created" in raw:
        tests.append(_created_test(raw["created"]))
    if not tests:
        return None
    return lambda customer: all(test(customer) for test in tests)


def _created_test(value: Value) -> Callable[[Customer], bool]:
    if isinstance(value, str):
        exact = params.integer(value, "created")
        return lambda customer: customer.created == exact
    bounds = params.hash_of(value, "created")
    params.check_known(bounds, _CREATED_OPERATORS, prefix="created")
    limits = {op: params.integer(bounds[op], f"created[{op}]") for op in bounds}
    checks: dict[str, Callable[[int, int], bool]] = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    return lambda customer: all(checks[op](customer.created, limit) for op, limit in limits.items())
