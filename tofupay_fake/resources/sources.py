"""A customer's cards (``/v1/customers/{id}/sources``) and the default-source rules."""

from __future__ import annotations

from collections.abc import Mapping

from .. import messages, params
from ..errors import TofupayError, invalid_request, not_found
from ..index import ListIndex
from ..params import Value
from ..store import Account, Card, Customer, seq_of
from . import Env, cards, lists, metadata

CREATE_PARAMS = frozenset({"source", "card", "metadata"})
LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before", "object"})
SUBSCRIPTION_LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before"})
SOURCE_OBJECTS = ("card", "bank_account")


def no_such_source(ident: str, param: str = "id") -> TofupayError:
    """404 ``No such source: ID`` naming ``param``."""
    return not_found(messages.NO_SUCH_SOURCE.format(id=ident), param)


def source_param(raw: Mapping[str, Value]) -> str | None:
    """Which of ``source`` / ``card`` (aliases) was sent; both at once is a 400."""
    if "source" in raw and "card" in raw:
        raise invalid_request(messages.BOTH_CARD_AND_SOURCE)
    if "source" in raw:
        return "source"
    return "card" if "card" in raw else None


def replace_default(customer: Customer, card: Card) -> None:
    """``source`` on a customer: the new card becomes the default; the old default goes."""
    old = customer.default_source
    customer.cards[card.id] = card
    if old is not None:
        customer.cards.pop(old, None)
    customer.default_source = card.id


def create(account: Account, customer: Customer, raw: Mapping[str, Value], env: Env) -> Card:
    """``POST .../sources``: add a card; the first card becomes the default."""
    name = source_param(raw)
    if name is None:
        raise invalid_request(messages.MISSING_PARAM.format(name="source"), "source")
    source = cards.resolve_source(raw[name], name, account, env)
    merged = metadata.merge({}, raw["metadata"]) if "metadata" in raw else {}
    card = cards.attach(account, customer.id, source, env)
    card.metadata = merged
    customer.cards[card.id] = card
    if customer.default_source is None:
        customer.default_source = card.id
    return card


def get(customer: Customer, ident: str) -> Card:
    """One card of this customer, else 404."""
    card = customer.cards.get(ident)
    if card is None:
        raise no_such_source(ident)
    return card


def update(customer: Customer, ident: str, raw: Mapping[str, Value], env: Env) -> Card:
    """``POST .../sources/{card}``: name, expiry, address fields, metadata."""
    card = cards.update(get(customer, ident), raw, env)
    customer.cards[card.id] = card
    return card


def delete(customer: Customer, ident: str) -> str:
    """``DELETE .../sources/{card}``: the newest remaining card becomes the default, or none."""
    get(customer, ident)
    del customer.cards[ident]
    if customer.default_source == ident:
        customer.default_source = next(reversed(customer.cards), None)
    return ident


def list_page(customer: Customer, raw: Mapping[str, Value]) -> lists.Page[Card]:
    """``GET .../sources``: newest first; ``object=card`` (``bank_account``: none here)."""
    query = lists.parse_query(raw)
    wanted = "card"
    if "object" in raw:
        wanted = params.required_string(raw["object"], "object")
        if wanted not in SOURCE_OBJECTS:
            raise invalid_request(messages.INVALID_SOURCE_OBJECT.format(value=wanted), "object")
    cursor = lists.cursor_key(query, customer.cards, seq_of, no_such_source)
    cards_ = list(customer.cards.values()) if wanted == "card" else []
    return lists.page(ListIndex(cards_, seq_of), query, cursor=cursor)


def subscriptions_page(raw: Mapping[str, Value]) -> lists.Page[Card]:
    """``GET .../subscriptions``: always empty; a cursor can name no subscription."""
    query = lists.parse_query(raw)
    named = lists.cursor_id(query)
    if named is not None:
        raise not_found(messages.NO_SUCH_SUBSCRIPTION.format(id=named[0]), named[1])
    return lists.page(ListIndex([], seq_of), query)
