"""Store records -> API JSON dicts, in the API reference's field order; expand."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Collection
from itertools import islice
from json.encoder import encode_basestring
from typing import Any

from .resources.lists import Page
from .store import Card, Customer, Token

#: How many cards the ``sources`` list inside a customer shows.
EMBEDDED_LIST_LIMIT = 10


def _unserializable(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_dumps() -> Callable[[Any], str]:
    """``json.dumps(obj, ensure_ascii=False)``, the same text, with one encoder made once.

    ``json.dumps`` with any keyword builds a ``JSONEncoder`` and its C encoder at
    every call; this builds the C encoder once (no circular-reference markers:
    API objects are trees). Without the C accelerator it falls back to the
    pure-Python encoder, which gives the same text.
    """
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:  # pragma: no cover - CPython always has it
        return json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    encode = make_encoder(
        None, _unserializable, encode_basestring, None, ": ", ", ", False, False, True
    )

    def dumps(obj: Any) -> str:
        return "".join(encode(obj, 0))

    return dumps


#: JSON text of an API object, exactly as ``json.dumps(obj, ensure_ascii=False)``.
dumps = _make_dumps()


def card(record: Card) -> dict[str, Any]:
    """The card object: the API reference's fields in its order, ``fingerprint`` after ``exp_year``."""
    return {
        "id": record.id,
        "object": "card",
        "last4": record.last4,
        "brand": record.brand,
        "funding": record.funding,
        "exp_month": record.exp_month,
        "exp_year": record.exp_year,
        "fingerprint": record.fingerprint,
        "country": record.country,
        "name": record.name,
        "address_line1": record.address_line1,
        "address_line2": record.address_line2,
        "address_city": record.address_city,
        "address_state": record.address_state,
        "address_zip": record.address_zip,
        "address_country": record.address_country,
        "cvc_check": record.cvc_check,
        "address_line1_check": record.address_line1_check,
        "address_zip_check": record.address_zip_check,
        "dynamic_last4": record.dynamic_last4,
        "metadata": dict(record.metadata),
        "customer": record.customer,
    }


def customer(record: Customer, expand: Collection[str] = ()) -> dict[str, Any]:
    """The customer object; ``expand={"default_source"}`` inlines the default card."""
    base = "/v1/customers/" + record.id
    cards = record.cards
    count = len(cards)
    shown = (
        [card(c) for c in islice(reversed(cards.values()), EMBEDDED_LIST_LIMIT)] if count else []
    )
    default: Any = record.default_source
    if default is not None and "default_source" in expand:
        default = card(cards[default])
    return {
        "object": "customer",
        "created": record.created,
        "id": record.id,
        "livemode": record.livemode,
        "description": record.description,
        "email": record.email,
        "delinquent": record.delinquent,
        "metadata": dict(record.metadata),
        "subscriptions": {
            "object": "list",
            "total_count": 0,
            "has_more": False,
            "url": base + "/subscriptions",
            "data": [],
        },
        "discount": None,
        "account_balance": record.account_balance,
        "currency": record.currency,
        "sources": {
            "object": "list",
            "total_count": count,
            "has_more": count > len(shown),
            "url": base + "/sources",
            "data": shown,
        },
        "default_source": default,
    }


def deleted_customer(ident: str) -> dict[str, Any]:
    """What retrieving a deleted customer answers."""
    return {"id": ident, "object": "customer", "deleted": True}


def deleted(ident: str) -> dict[str, Any]:
    """What a DELETE answers: the API reference's ``{"deleted": true, "id": ...}``."""
    return {"deleted": True, "id": ident}


def list_object(
    url: str, page: Page[Any], data: list[dict[str, Any]], include_total: bool
) -> dict[str, Any]:
    """A top-level list: ``object url has_more [total_count] data``."""
    body: dict[str, Any] = {"object": "list", "url": url, "has_more": page.has_more}
    if include_total:
        body["total_count"] = page.total_count
    body["data"] = data
    return body


def token(record: Token, token_card: Card) -> dict[str, Any]:
    """The token object, with its card as the viewing account sees it."""
    return {
        "id": record.id,
        "object": "token",
        "card": card(token_card),
        "client_ip": None,
        "created": record.created,
        "livemode": record.livemode,
        "type": "card",
        "used": record.used,
    }
