"""Store records -> API JSON dicts, in the API reference's field order; expand.

The hot path answers with JSON text instead: :func:`customer_json` builds a
customer's text directly (the same text ``dumps(customer(record))`` gives)
and :class:`Texts` keeps it until the fake is about to write that customer.
"""

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


_BOOLEANS = {False: "false", True: "true"}


def customer_json(record: Customer) -> str:
    """The JSON text of ``customer(record)``: exactly ``dumps(customer(record))``, built directly.

    Fields in :func:`customer`'s order, with ``dumps``'s separators; only the
    metadata and the shown cards go through the encoder.
    """
    ident = encode_basestring(record.id)
    base = '"/v1/customers/' + ident[1:-1]  # the url strings, as ``dumps`` writes them
    cards = record.cards
    count = len(cards)
    shown = (
        [dumps(card(c)) for c in islice(reversed(cards.values()), EMBEDDED_LIST_LIMIT)]
        if count
        else []
    )
    metadata = dumps(record.metadata) if record.metadata else "{}"
    # The strings that may be null, as ``dumps`` writes them.
    description = "null" if record.description is None else encode_basestring(record.description)
    email = "null" if record.email is None else encode_basestring(record.email)
    currency = "null" if record.currency is None else encode_basestring(record.currency)
    default = "null" if record.default_source is None else encode_basestring(record.default_source)
    return (
        f'{{"object": "customer", "created": {record.created}, "id": {ident}, '
        f'"livemode": {_BOOLEANS[record.livemode]}, "description": {description}, '
        f'"email": {email}, "delinquent": {_BOOLEANS[record.delinquent]}, '
        f'"metadata": {metadata}, "subscriptions": {{"object": "list", "total_count": 0, '
        f'"has_more": false, "url": {base}/subscriptions", "data": []}}, "discount": null, '
        f'"account_balance": {record.account_balance}, "currency": {currency}, '
        f'"sources": {{"object": "list", "total_count": {count}, '
        f'"has_more": {_BOOLEANS[count > len(shown)]}, "url": {base}/sources", '
        f'"data": [{", ".join(shown)}]}}, "default_source": {default}}}'
    )


class Texts:
    """Customers' JSON texts (:func:`customer_json`), each kept until its customer is written.

    A text is kept with the record it was made from and reused only for that
    very record: a restore or a fork brings other records under the same
    ids. Records change in place, so the fake calls :meth:`forget` before a
    request that may write a customer runs (and a text is never kept for
    longer than that). At most ``limit`` texts are kept, the oldest dropped.
    """

    __slots__ = ("_kept", "limit")

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._kept: dict[str, tuple[Customer, str]] = {}

    def customer(self, record: Customer) -> str:
        """``customer_json(record)``, kept for the next time."""
        kept = self._kept.get(record.id)
        if kept is not None and kept[0] is record:
            return kept[1]
        text = customer_json(record)
        if len(self._kept) >= self.limit:
            del self._kept[next(iter(self._kept))]
        self._kept[record.id] = (record, text)
        return text

    def forget(self, record: Customer) -> str | None:
        """Drop the text kept for ``record``'s id (a request is about to write it); return
        it if it was ``record``'s."""
        kept = self._kept.pop(record.id, None)
        return kept[1] if kept is not None and kept[0] is record else None

    def clear(self) -> None:
        """Drop every text."""
        self._kept.clear()


def deleted_customer(ident: str) -> dict[str, Any]:
    """What retrieving a deleted customer answers."""
    return {"id": ident, "object": "customer", "deleted": True}


def deleted(ident: str) -> dict[str, Any]:
    """What a DELETE answers: the API reference's ``{"deleted": true, "id": ...}``."""
    return {"deleted": True, "id": ident}


def deleted_json(ident: str) -> str:
    """The JSON text of :func:`deleted`."""
    return f'{{"deleted": true, "id": {encode_basestring(ident)}}}'


def list_object(
    url: str, page: Page[Any], data: list[dict[str, Any]], include_total: bool
) -> dict[str, Any]:
    """A top-level list: ``object url has_more [total_count] data``."""
    body: dict[str, Any] = {"object": "list", "url": url, "has_more": page.has_more}
    if include_total:
        body["total_count"] = page.total_count
    body["data"] = data
    return body


def list_json(url: str, page: Page[Any], data: list[str], include_total: bool) -> str:
    """The JSON text of :func:`list_object` whose ``data`` items are given as JSON texts."""
    total = f'"total_count": {page.total_count}, ' if include_total else ""
    return (
        f'{{"object": "list", "url": {encode_basestring(url)}, '
        f'"has_more": {_BOOLEANS[page.has_more]}, {total}"data": [{", ".join(data)}]}}'
    )


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
