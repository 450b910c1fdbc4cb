"""Publishable keys: ``pk_test_…`` creates tokens for the account ``sk_test_…`` of its suffix,
from the Authorization header or the form field ``key``, and nothing else."""

from __future__ import annotations

import pytest

from tests.api.conftest import MakeApi
from tests.api.helpers import error_of, ok
from tests.conftest import Api
from tofupay_fake import FakeTofupay
from tofupay_fake.auth import mask_key

SECRET = "sk_test_checkoutShop0001"
PUBLISHABLE = "pk_test_checkoutShop0001"
CARD = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2030"}
NOT_ALLOWED = "This API call cannot be made with a publishable API key."


def test_a_publishable_key_creates_a_token_its_secret_key_can_use(api: Api) -> None:
    token = ok(api.post("/v1/tokens", key=PUBLISHABLE, auth="bearer", data=CARD))
    assert token["id"].startswith("tok_") and token["card"]["last4"] == "4242"
    customer = ok(api.post("/v1/customers", key=SECRET, data={"source": token["id"]}))
    assert customer["sources"]["data"][0]["last4"] == "4242"


def test_the_form_field_key_is_taken_and_recorded_masked(api: Api, fake: FakeTofupay) -> None:
    token = ok(api.post("/v1/tokens", key=None, data={**CARD, "key": PUBLISHABLE}))
    assert token["object"] == "token"
    call = fake.calls.last
    assert call.params["key"] == "pk_test_****0001"
    assert PUBLISHABLE not in repr(call.params)
    assert ok(api.post("/v1/customers", key=SECRET, data={"source": token["id"]}))["id"]


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/customers"), ("POST", "/v1/customers"), ("GET", "/v1/tokens/tok_x")],
)
def test_anywhere_else_a_publishable_key_is_refused(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, key=PUBLISHABLE, auth="bearer")
    assert response.status_code == 401
    assert error_of(response) == {"type": "authentication_error", "message": NOT_ALLOWED}


@pytest.mark.truth_table
@pytest.mark.parametrize("key", ["pk_test_", "pk_test_has-dash", "pk_prod_abc123", "pk_test_ab cd"])
def test_a_malformed_publishable_key_is_a_401(api: Api, key: str) -> None:
    response = api.post("/v1/tokens", key=None, data={**CARD, "key": key})
    assert response.status_code == 401
    assert error_of(response)["type"] == "authentication_error"
    assert error_of(response)["message"] == f"Invalid API Key provided: {mask_key(key)}"


def test_with_an_allow_list_only_a_listed_secret_keys_publishable_key_works(
    api_with: MakeApi,
) -> None:
    _, api = api_with(api_keys=[SECRET])
    assert ok(api.post("/v1/tokens", key=PUBLISHABLE, auth="bearer", data=CARD))["id"]
    refused = api.post("/v1/tokens", key="pk_test_someoneElse0001", auth="bearer", data=CARD)
    assert refused.status_code == 401
    assert error_of(refused)["message"] == "Invalid API Key provided: pk_test_****0001"
