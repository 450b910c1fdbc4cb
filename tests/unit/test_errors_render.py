"""TofupayError's wire body and render.py's field order, lists, expand and stubs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.reference_examples import CARD_KEYS, CUSTOMER, CUSTOMER_KEYS
from tofupay_fake import render
from tofupay_fake.errors import (
    TofupayError,
    authentication,
    invalid_request,
    not_found,
    unrecognized_url,
)
from tofupay_fake.resources.lists import Page
from tofupay_fake.store import Card, Customer

LIST_KEYS = ["object", "total_count", "has_more", "url", "data"]

CUS = "cus_5V50idQJ7fxkRX"
CARD = "card_15g9tMLdZh7jQOUqZKKlKMIr"


def seed_card(ident: str = CARD) -> Card:
    return Card(
        id=ident,
        customer=CUS,
        last4="4242",
        brand="Visa",
        funding="credit",
        exp_month=3,
        exp_year=2016,
        fingerprint="Xt5EWLLDS7FJjR1c",
        cvc_check="pass",
    )


def seed_customer(cards: int = 1) -> Customer:
    record = Customer(
        id=CUS, created=1421056271, livemode=False, description="kif", email="kif@hong.com"
    )
    for index in range(cards):
        card = seed_card(CARD if index == 0 else f"card_{index:024d}")
        record.cards[card.id] = card
    record.default_source = CARD if cards else None
    return record


# -- TofupayError ------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "body"),
    [
        pytest.param(
            TofupayError(400, "invalid_request_error", "Bad"),
            {"error": {"type": "invalid_request_error", "message": "Bad"}},
            id="no-optional-fields",
        ),
        pytest.param(
            TofupayError(400, "invalid_request_error", "Bad", param="email"),
            {"error": {"type": "invalid_request_error", "message": "Bad", "param": "email"}},
            id="param",
        ),
        pytest.param(
            TofupayError(
                402, "card_error", "Declined", "number", "card_declined", "generic_decline"
            ),
            {
                "error": {
                    "type": "card_error",
                    "message": "Declined",
                    "param": "number",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                }
            },
            id="all-fields",
        ),
        pytest.param(
            TofupayError(402, "card_error", "Declined", code="processing_error"),
            {"error": {"type": "card_error", "message": "Declined", "code": "processing_error"}},
            id="code-without-param",
        ),
    ],
)
def test_error_body(error: TofupayError, body: dict[str, Any]) -> None:
    assert error.body() == body
    # Key order is part of the wire format.
    assert json.dumps(error.body()) == json.dumps(body)


def test_error_body_omits_none_but_keeps_empty_string() -> None:
    assert TofupayError(400, "t", "m", param="").body() == {
        "error": {"type": "t", "message": "m", "param": ""}
    }


def test_error_str_and_repr() -> None:
    error = TofupayError(400, "invalid_request_error", "Bad", param="email")
    assert str(error) == "400 invalid_request_error: Bad (param: email)"
    assert str(TofupayError(401, "authentication_error", "No")) == "401 authentication_error: No"
    assert repr(error) == "TofupayError(400, 'invalid_request_error', 'Bad', param='email')"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(
            not_found("No such customer: cus_\ud800", "id"), "No such customer: cus_\\ud800"
        ),
        pytest.param(
            unrecognized_url("GET", "/v1/\udcff"), "Unrecognized request URL (GET: /v1/\\udcff)."
        ),
        pytest.param(authentication("key sk_test_****ab\ud83d"), "key sk_test_****ab\\ud83d"),
        pytest.param(invalid_request("é ok 😀"), "é ok 😀", id="valid-unicode-unchanged"),
    ],
)
def test_error_text_is_always_utf8_encodable(error: TofupayError, message: str) -> None:
    """Found by fuzzing: a lone surrogate from a path, key or header crashed the response."""
    assert error.message == message
    json.dumps(error.body(), ensure_ascii=False).encode("utf-8")  # no UnicodeEncodeError


@pytest.mark.parametrize(
    ("error", "fields"),
    [
        pytest.param(
            invalid_request("m", "p"), (400, "invalid_request_error", "m", "p"), id="invalid-400"
        ),
        pytest.param(
            invalid_request("m", status=404), (404, "invalid_request_error", "m", None), id="status"
        ),
        pytest.param(
            not_found("m", "id"), (404, "invalid_request_error", "m", "id"), id="not-found"
        ),
        pytest.param(authentication("m"), (401, "authentication_error", "m", None), id="auth"),
        pytest.param(
            unrecognized_url("GET", "/v1/foo"),
            (404, "invalid_request_error", "Unrecognized request URL (GET: /v1/foo).", None),
            id="unrecognized-url",
        ),
    ],
)
def test_error_helpers(error: TofupayError, fields: tuple[Any, ...]) -> None:
    assert (error.status, error.type, error.message, error.param) == fields
    assert (error.code, error.decline_code) == (None, None)


# -- render.card, render.customer --------------------------------------------


def test_card_field_order() -> None:
    assert list(render.card(seed_card())) == CARD_KEYS


def test_card_values_match_the_seed_example() -> None:
    """The API reference's card, plus the one field the fake adds."""
    seed = {**CUSTOMER["sources"]["data"][0], "id": CARD, "customer": CUS}
    assert render.card(seed_card()) == {**seed, "fingerprint": "Xt5EWLLDS7FJjR1c"}


def test_customer_field_order() -> None:
    body = render.customer(seed_customer())
    assert list(body) == CUSTOMER_KEYS
    assert list(body["subscriptions"]) == LIST_KEYS
    assert list(body["sources"]) == LIST_KEYS
    assert list(body["sources"]["data"][0]) == CARD_KEYS


def test_customer_values_match_the_seed_example() -> None:
    body = render.customer(seed_customer())
    assert {k: v for k, v in body.items() if k not in ("subscriptions", "sources")} == {
        "object": "customer",
        "created": 1421056271,
        "id": CUS,
        "livemode": False,
        "description": "kif",
        "email": "kif@hong.com",
        "delinquent": False,
        "metadata": {},
        "discount": None,
        "account_balance": 0,
        "currency": "usd",
        "default_source": CARD,
    }
    assert body["subscriptions"] == {
        "object": "list",
        "total_count": 0,
        "has_more": False,
        "url": f"/v1/customers/{CUS}/subscriptions",
        "data": [],
    }
    assert body["sources"] == {
        "object": "list",
        "total_count": 1,
        "has_more": False,
        "url": f"/v1/customers/{CUS}/sources",
        "data": [render.card(seed_card())],
    }


def test_customer_without_cards() -> None:
    body = render.customer(seed_customer(cards=0), expand={"default_source"})
    assert body["default_source"] is None
    assert body["sources"] == {
        "object": "list",
        "total_count": 0,
        "has_more": False,
        "url": f"/v1/customers/{CUS}/sources",
        "data": [],
    }


def test_embedded_sources_newest_first_and_capped() -> None:
    record = seed_customer(cards=12)
    sources = render.customer(record)["sources"]
    assert sources["total_count"] == 12
    assert sources["has_more"] is True
    assert len(sources["data"]) == render.EMBEDDED_LIST_LIMIT == 10
    assert [c["id"] for c in sources["data"]] == [f"card_{i:024d}" for i in range(11, 1, -1)]


def test_expand_default_source_inlines_the_card() -> None:
    record = seed_customer()
    assert render.customer(record)["default_source"] == CARD
    expanded = render.customer(record, expand={"default_source"})["default_source"]
    assert expanded == render.card(seed_card())
    assert list(expanded) == CARD_KEYS


def test_rendered_metadata_is_a_copy() -> None:
    record = seed_customer()
    record.metadata = {"plan": "pro"}
    body = render.customer(record)
    body["metadata"]["plan"] = "changed"
    assert record.metadata == {"plan": "pro"}


def test_livemode_is_rendered() -> None:
    record = Customer(id="cus_x", created=1, livemode=True)
    assert render.customer(record)["livemode"] is True


# -- stubs and lists ---------------------------------------------------------


def test_deleted_stub() -> None:
    assert json.dumps(render.deleted(CUS)) == json.dumps({"deleted": True, "id": CUS})


def test_deleted_customer_stub() -> None:
    body = render.deleted_customer(CUS)
    assert json.dumps(body) == json.dumps({"id": CUS, "object": "customer", "deleted": True})


@pytest.mark.parametrize(
    ("include", "expected_keys"),
    [
        pytest.param(False, ["object", "url", "has_more", "data"], id="plain"),
        pytest.param(True, ["object", "url", "has_more", "total_count", "data"], id="total-count"),
    ],
)
def test_list_object(include: bool, expected_keys: list[str]) -> None:
    page: Page[str] = Page(items=["a"], has_more=True, total_count=7)
    body = render.list_object("/v1/customers", page, [{"id": "a"}], include)
    assert list(body) == expected_keys
    assert body["object"] == "list"
    assert body["url"] == "/v1/customers"
    assert body["has_more"] is True
    assert body["data"] == [{"id": "a"}]
    assert body.get("total_count") == (7 if include else None)
