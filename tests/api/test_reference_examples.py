"""The API reference's five curl examples, compared key for key with its example responses.

Ids are the fake's own (checked for prefix, length and consistency) and then
swapped for the document's so everything else compares exactly, key order
included. The card carries one extra key, ``fingerprint``, right after
``exp_year``.

The document's create example sends ``description="Customer for
test@example.com"`` and no email, yet its response shows ``description: "kif"``
and ``email: "kif@hong.com"``. ``test_curl_examples_verbatim`` sends the curl
requests as written (so those two fields echo the request);
``test_example_flow_reproduces_every_response`` sends the kif values too, and
then every response matches the document exactly.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from tests import reference_examples as seed
from tests.api.helpers import CARD_ID, CUSTOMER_ID, START, ok
from tests.conftest import Api


def ordered(value: Any) -> Any:
    """Dicts as lists of (key, value) pairs, so comparisons see key order."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def check_ids(customer: dict[str, Any]) -> tuple[str, str]:
    """The customer's and its card's ids, checked for form and consistency."""
    customer_id = customer["id"]
    assert CUSTOMER_ID.fullmatch(customer_id), customer_id
    assert customer["subscriptions"]["url"] == f"/v1/customers/{customer_id}/subscriptions"
    assert customer["sources"]["url"] == f"/v1/customers/{customer_id}/sources"
    [card] = customer["sources"]["data"]
    assert CARD_ID.fullmatch(card["id"]), card["id"]
    assert card["customer"] == customer_id
    assert customer["default_source"] == card["id"]
    return customer_id, card["id"]


def as_seed(response: httpx.Response, customer_id: str, card_id: str) -> Any:
    """The body with the fake's ids swapped for the document's and ``fingerprint`` checked out."""
    ok(response)
    text = response.text.replace(customer_id, seed.SEED_CUSTOMER_ID)
    body = json.loads(text.replace(card_id, seed.SEED_CARD_ID))
    customers = body["data"] if body.get("object") == "list" else [body]
    for customer in customers:
        for card in customer.get("sources", {"data": []})["data"]:
            keys = list(card)
            assert keys[keys.index("exp_year") + 1] == "fingerprint", keys
            fingerprint = card.pop("fingerprint")
            assert isinstance(fingerprint, str)
            assert fingerprint.isalnum()
    return body


def assert_matches(actual: Any, expected: Any) -> None:
    assert ordered(actual) == ordered(expected)


def echoing(example: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The example customer with ``fields`` as the verbatim request makes them."""
    changed = copy.deepcopy(example)
    changed.update(fields)
    return changed


def test_curl_examples_verbatim(api: Api) -> None:
    created = api.post("/v1/customers", key=seed.SEED_KEY, data=seed.CREATE_PARAMS)
    customer_id, card_id = check_ids(ok(created))
    asked = {"description": seed.CREATE_PARAMS["description"], "email": None}
    assert_matches(as_seed(created, customer_id, card_id), echoing(seed.CUSTOMER, **asked))

    retrieved = api.get(f"/v1/customers/{customer_id}", key=seed.SEED_KEY)
    assert retrieved.content == created.content
    assert_matches(as_seed(retrieved, customer_id, card_id), echoing(seed.CUSTOMER, **asked))

    listed = api.get("/v1/customers", key=seed.SEED_KEY, params=seed.LIST_PARAMS)
    expected_list = copy.deepcopy(seed.LIST_RESPONSE)
    expected_list["data"][0].update(asked)
    assert_matches(as_seed(listed, customer_id, card_id), expected_list)

    updated = api.post(f"/v1/customers/{customer_id}", key=seed.SEED_KEY, data=seed.UPDATE_PARAMS)
    assert_matches(
        as_seed(updated, customer_id, card_id),
        echoing(seed.UPDATED_CUSTOMER, email=None),
    )

    deleted = api.delete(f"/v1/customers/{customer_id}", key=seed.SEED_KEY)
    assert ok(deleted) == {"deleted": True, "id": customer_id}
    assert_matches(as_seed(deleted, customer_id, card_id), seed.DELETED)


def test_example_flow_reproduces_every_response(api: Api) -> None:
    data = {**seed.CREATE_PARAMS, "description": "kif", "email": "kif@hong.com"}
    created = api.post("/v1/customers", key=seed.SEED_KEY, data=data)
    customer_id, card_id = check_ids(ok(created))
    assert_matches(as_seed(created, customer_id, card_id), seed.CUSTOMER)

    retrieved = api.get(f"/v1/customers/{customer_id}", key=seed.SEED_KEY)
    assert_matches(as_seed(retrieved, customer_id, card_id), seed.CUSTOMER)

    listed = api.get("/v1/customers?limit=3", key=seed.SEED_KEY)
    assert_matches(as_seed(listed, customer_id, card_id), seed.LIST_RESPONSE)

    updated = api.post(f"/v1/customers/{customer_id}", key=seed.SEED_KEY, data=seed.UPDATE_PARAMS)
    assert_matches(as_seed(updated, customer_id, card_id), seed.UPDATED_CUSTOMER)

    deleted = api.delete(f"/v1/customers/{customer_id}", key=seed.SEED_KEY)
    assert_matches(as_seed(deleted, customer_id, card_id), seed.DELETED)


def test_first_customer_created_at_the_documents_timestamp(api: Api) -> None:
    body = ok(api.post("/v1/customers", key=seed.SEED_KEY, data=seed.CREATE_PARAMS))
    assert body["created"] == START == seed.CUSTOMER["created"]


def test_example_card_is_the_default_visa_4242(api: Api) -> None:
    body = ok(api.post("/v1/customers", key=seed.SEED_KEY, data=seed.CREATE_PARAMS))
    [card] = body["sources"]["data"]
    expected_card = seed.CUSTOMER["sources"]["data"][0]
    for name in ("last4", "brand", "funding", "exp_month", "exp_year", "country", "cvc_check"):
        assert card[name] == expected_card[name], name
    assert (card["last4"], card["exp_month"], card["exp_year"]) == ("4242", 3, 2016)


def test_seed_list_has_no_more_with_one_customer_and_limit_3(api: Api) -> None:
    created = ok(api.post("/v1/customers", key=seed.SEED_KEY, data=seed.CREATE_PARAMS))
    body = ok(api.get("/v1/customers", key=seed.SEED_KEY, params=seed.LIST_PARAMS))
    assert list(body) == list(seed.LIST_RESPONSE) == ["object", "url", "has_more", "data"]
    assert [customer["id"] for customer in body["data"]] == [created["id"]]
    assert body["has_more"] is False


def test_delete_response_keys_in_the_documents_order(api: Api) -> None:
    created = ok(api.post("/v1/customers", key=seed.SEED_KEY, data=seed.CREATE_PARAMS))
    deleted = api.delete(f"/v1/customers/{created['id']}", key=seed.SEED_KEY)
    assert list(ok(deleted)) == list(seed.DELETED) == ["deleted", "id"]
