"""Customer endpoints over HTTP: create, retrieve, update, delete, list (sync and async)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

import httpx
import pytest

from tests.api.helpers import (
    CARD_ID,
    START,
    assert_common_headers,
    assert_error,
    create,
    form_pairs,
    list_ids,
    ok,
)
from tests.api_cards import ATTACHING, BRAND_TOKENS, DECLINING_TOKENS
from tests.conftest import LIVE_KEY, OTHER_KEY, Api
from tests.reference_examples import CUSTOMER_KEYS
from tofupay_fake import FakeTofupay, RecordedCall
from tofupay_fake.resources.cards import TEST_TOKENS

# -- create and retrieve -------------------------------------------------------


def test_create_with_fields_then_retrieve_gives_the_same_body(api: Api) -> None:
    data = {"email": "a@example.com", "description": "A", "account_balance": "-250"}
    created = api.post("/v1/customers", data={**data, "metadata[plan]": "pro"})
    body = ok(created)
    assert list(body) == CUSTOMER_KEYS
    assert body["email"] == "a@example.com"
    assert body["description"] == "A"
    assert body["account_balance"] == -250
    assert body["metadata"] == {"plan": "pro"}
    assert (body["livemode"], body["delinquent"], body["discount"]) == (False, False, None)
    assert body["sources"]["total_count"] == 0
    assert body["sources"]["data"] == []
    assert body["default_source"] is None
    retrieved = api.get(f"/v1/customers/{body['id']}")
    assert ok(retrieved) == body
    assert retrieved.content == created.content


def test_create_without_params_has_nulls_and_zero_balance(api: Api) -> None:
    body = create(api)
    assert (body["description"], body["email"], body["account_balance"]) == (None, None, 0)
    assert body["metadata"] == {}


def test_bearer_auth_reaches_the_same_account_as_basic(api: Api) -> None:
    made = create(api)
    got = ok(api.get(f"/v1/customers/{made['id']}", auth="bearer"))
    assert got["id"] == made["id"]


def test_every_answer_has_its_own_request_id(api: Api) -> None:
    responses = [api.post("/v1/customers"), api.get("/v1/customers"), api.get("/v1/nope")]
    for response in responses:
        assert_common_headers(response)
    assert len({response.headers["request-id"] for response in responses}) == 3


def test_created_ticks_one_second_per_object_and_a_card_is_an_object(api: Api) -> None:
    first = create(api)
    with_card = create(api, source="tok_visa")
    after_card = create(api)
    assert [first["created"], with_card["created"], after_card["created"]] == [
        START,
        START + 1,
        START + 3,
    ]


def test_card_expiry_year_follows_the_fake_clock(api: Api, fake: FakeTofupay) -> None:
    assert create(api, source="tok_visa")["sources"]["data"][0]["exp_year"] == 2016
    fake.clock.advance(365 * 86400)  # 2016-01-12
    card = create(api, source="tok_visa")["sources"]["data"][0]
    assert (card["exp_month"], card["exp_year"]) == (3, 2017)


VISA = ("Visa", "4242", "credit")
TOKEN_CARDS = {
    token: (ATTACHING[number][0], number[-4:], ATTACHING[number][1])
    for token, number in BRAND_TOKENS.items()
}
DECLINING = set(DECLINING_TOKENS)


def test_test_token_table_is_the_documented_one() -> None:
    assert set(TEST_TOKENS) == set(TOKEN_CARDS) | DECLINING


@pytest.mark.truth_table
@pytest.mark.parametrize("param", ["source", "card"])
@pytest.mark.parametrize(
    ("token", "expected"),
    [*TOKEN_CARDS.items(), ("tok_15XZLsLdZh7jQOUq86ISvtjn", VISA), ("tok_x_1", VISA)],
)
def test_token_attaches_its_card(
    api: Api, param: str, token: str, expected: tuple[str, str, str]
) -> None:
    body = create(api, **{param: token})
    [card] = body["sources"]["data"]
    assert (card["brand"], card["last4"], card["funding"]) == expected
    assert CARD_ID.fullmatch(card["id"])
    assert (card["exp_month"], card["exp_year"], card["country"]) == (3, 2016, "US")
    assert (card["cvc_check"], card["address_line1_check"], card["address_zip_check"]) == (
        "pass",
        None,
        None,
    )
    assert (card["customer"], body["default_source"]) == (body["id"], card["id"])
    assert body["sources"]["total_count"] == 1


def test_fingerprint_is_stable_for_a_number_within_an_account(api: Api) -> None:
    def fingerprint(token: str) -> str:
        return str(create(api, source=token)["sources"]["data"][0]["fingerprint"])

    assert fingerprint("tok_visa") == fingerprint("tok_unissued123") == fingerprint("tok_visa")
    assert fingerprint("tok_visa") != fingerprint("tok_mastercard")


# -- update ----------------------------------------------------------------------


def test_update_changes_only_the_given_fields(api: Api) -> None:
    made = create(api, email="a@example.com", description="A", source="tok_visa")
    updated = ok(api.post(f"/v1/customers/{made['id']}", data={"description": "B"}))
    assert updated == {**made, "description": "B"}
    assert ok(api.get(f"/v1/customers/{made['id']}")) == updated


@pytest.mark.parametrize(
    ("field", "initial", "unset"),
    [("description", "A", None), ("email", "a@example.com", None), ("account_balance", "7", 0)],
)
def test_empty_string_unsets(api: Api, field: str, initial: str, unset: object) -> None:
    made = create(api, **{field: initial})
    updated = ok(api.post(f"/v1/customers/{made['id']}", data={field: ""}))
    assert updated[field] == unset
    created_empty = create(api, **{field: ""})
    assert created_empty[field] == unset


def test_update_with_source_replaces_the_default_card(api: Api) -> None:
    made = create(api, source="tok_visa")
    old_card = made["default_source"]
    updated = ok(api.post(f"/v1/customers/{made['id']}", data={"source": "tok_mastercard"}))
    [card] = updated["sources"]["data"]
    assert card["id"] != old_card
    assert (card["brand"], updated["default_source"]) == ("MasterCard", card["id"])
    assert updated["sources"]["total_count"] == 1


def test_default_source_naming_the_customers_card_is_accepted(api: Api) -> None:
    made = create(api, source="tok_visa")
    updated = ok(
        api.post(f"/v1/customers/{made['id']}", data={"default_source": made["default_source"]})
    )
    assert updated == made


def test_metadata_merges_removes_and_clears(api: Api) -> None:
    made = create(api, **{"metadata[plan]": "pro", "metadata[seats]": "3"})
    path = f"/v1/customers/{made['id']}"
    merged = ok(api.post(path, data={"metadata[tier]": "gold", "metadata[plan]": "max"}))
    assert merged["metadata"] == {"plan": "max", "seats": "3", "tier": "gold"}
    removed = ok(api.post(path, data={"metadata[seats]": "", "metadata[gone]": ""}))
    assert removed["metadata"] == {"plan": "max", "tier": "gold"}
    kept = ok(api.post(path, data={"description": "x"}))
    assert kept["metadata"] == {"plan": "max", "tier": "gold"}
    assert ok(api.post(path, data={"metadata": ""}))["metadata"] == {}


def test_metadata_at_the_limits_is_accepted(api: Api) -> None:
    data = {f"metadata[k{i}]": "v" for i in range(49)}
    data["metadata[" + "k" * 40 + "]"] = "v" * 500
    body = create(api, **data)
    assert len(body["metadata"]) == 50
    assert body["metadata"]["k" * 40] == "v" * 500


@pytest.mark.parametrize("where", ["create", "retrieve", "update"])
@pytest.mark.parametrize("expand", ["expand[]", "expand[0]"])
def test_expand_default_source_inlines_the_card(api: Api, where: str, expand: str) -> None:
    made = create(api, source="tok_amex")
    card = made["sources"]["data"][0]
    param = {expand: "default_source"}
    if where == "create":
        body = create(api, source="tok_amex", **param)
        card = body["sources"]["data"][0]
    elif where == "retrieve":
        body = ok(api.get(f"/v1/customers/{made['id']}", params=param))
    else:
        body = ok(api.post(f"/v1/customers/{made['id']}", data=param))
    assert body["default_source"] == card
    assert card["brand"] == "American Express"


def test_expand_default_source_without_a_card_stays_null(api: Api) -> None:
    made = create(api, **{"expand[]": "default_source"})
    assert made["default_source"] is None


# -- delete ----------------------------------------------------------------------


def test_delete_then_retrieve_gives_the_deleted_stub(api: Api) -> None:
    made = create(api, source="tok_visa")
    path = f"/v1/customers/{made['id']}"
    deleted = ok(api.delete(path))
    assert list(deleted.items()) == [("deleted", True), ("id", made["id"])]
    stub = ok(api.get(path))
    assert list(stub.items()) == [("id", made["id"]), ("object", "customer"), ("deleted", True)]
    assert ok(api.get(path, params={"expand[]": "default_source"})) == stub
    message = f"No such customer: {made['id']}"
    assert_error(
        api.post(path, data={"description": "x"}), 404, "invalid_request_error", message, "id"
    )
    assert_error(api.delete(path), 404, "invalid_request_error", message, "id")
    assert list_ids(api) == ([], False)


# -- accounts ----------------------------------------------------------------------


def test_keys_are_isolated_accounts(api: Api) -> None:
    mine = create(api, email="me@example.com")
    theirs = create(api, key=OTHER_KEY, email="them@example.com")
    assert list_ids(api) == ([mine["id"]], False)
    assert list_ids(api, key=OTHER_KEY) == ([theirs["id"]], False)
    path = f"/v1/customers/{mine['id']}"
    message = f"No such customer: {mine['id']}"
    for response in (
        api.get(path, key=OTHER_KEY),
        api.post(path, key=OTHER_KEY, data={"description": "x"}),
        api.delete(path, key=OTHER_KEY),
    ):
        assert_error(response, 404, "invalid_request_error", message, "id")
    assert ok(api.get(path)) == mine  # untouched by the other account
    ok(api.delete(path))
    assert_error(api.get(path, key=OTHER_KEY), 404, "invalid_request_error", message, "id")


def test_live_key_gets_livemode_true_and_its_own_account(api: Api) -> None:
    live = create(api, key=LIVE_KEY, source="tok_visa")
    assert live["livemode"] is True
    assert create(api)["livemode"] is False
    assert list_ids(api, key=LIVE_KEY) == ([live["id"]], False)
    message = f"No such customer: {live['id']}"
    assert_error(
        api.get(f"/v1/customers/{live['id']}"), 404, "invalid_request_error", message, "id"
    )


# -- list ----------------------------------------------------------------------------


def test_list_is_newest_first_with_default_limit_10(api: Api) -> None:
    made = [create(api)["id"] for _ in range(12)]
    newest_first = made[::-1]
    assert list_ids(api) == (newest_first[:10], True)
    assert list_ids(api, limit="12") == (newest_first, False)
    assert list_ids(api, limit="100") == (newest_first, False)
    assert list_ids(api, limit="1") == (newest_first[:1], True)


def test_list_walks_forward_and_backward(api: Api) -> None:
    newest_first = [create(api)["id"] for _ in range(7)][::-1]
    pages, cursor, has_more = [], None, True
    while has_more:
        query = {"limit": "3"} | ({"starting_after": cursor} if cursor else {})
        ids, has_more = list_ids(api, **query)
        pages.append(ids)
        cursor = ids[-1]
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:]]
    assert list_ids(api, ending_before=newest_first[-1], limit="3") == (newest_first[3:6], True)
    assert list_ids(api, ending_before=newest_first[3], limit="3") == (newest_first[0:3], False)
    assert list_ids(api, ending_before=newest_first[0]) == ([], False)
    assert list_ids(api, starting_after=newest_first[-1]) == ([], False)


def test_list_leaves_deleted_customers_out(api: Api) -> None:
    a, b, c = (create(api)["id"] for _ in range(3))
    ok(api.delete(f"/v1/customers/{b}"))
    assert list_ids(api) == ([c, a], False)
    assert list_ids(api, starting_after=c) == ([a], False)


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        ({"created": str(START + 2)}, [2]),
        ({"created[gt]": str(START + 2)}, [4, 3]),
        ({"created[gte]": str(START + 2)}, [4, 3, 2]),
        ({"created[lt]": str(START + 2)}, [1, 0]),
        ({"created[lte]": str(START + 2)}, [2, 1, 0]),
        ({"created[gt]": str(START), "created[lt]": str(START + 4)}, [3, 2, 1]),
        ({"created": "1"}, []),
    ],
)
def test_list_filters_by_created(api: Api, query: dict[str, str], indexes: list[int]) -> None:
    made = [create(api)["id"] for _ in range(5)]
    assert list_ids(api, **query) == ([made[i] for i in indexes], False)


def test_list_filters_by_exact_email_and_pages_the_filtered_list(api: Api) -> None:
    a1 = create(api, email="a@example.com")["id"]
    create(api, email="b@example.com")
    a2 = create(api, email="a@example.com")["id"]
    create(api, email="A@example.com")
    assert list_ids(api, email="a@example.com") == ([a2, a1], False)
    assert list_ids(api, email="a@example.com", limit="1") == ([a2], True)
    assert list_ids(api, email="a@example.com", starting_after=a2) == ([a1], False)
    assert list_ids(api, email="nobody@example.com") == ([], False)


def test_list_include_total_count(api: Api) -> None:
    for email in ("a@example.com", "b@example.com", "a@example.com"):
        create(api, email=email)
    body = ok(api.get("/v1/customers", params={"include[]": "total_count", "limit": "1"}))
    assert list(body) == ["object", "url", "has_more", "total_count", "data"]
    assert (body["total_count"], body["has_more"], len(body["data"])) == (3, True, 1)
    query = {"include[0]": "total_count", "email": "a@example.com"}
    assert ok(api.get("/v1/customers", params=query))["total_count"] == 2
    assert "total_count" not in ok(api.get("/v1/customers"))


def test_list_expand_data_default_source(api: Api) -> None:
    with_card = create(api, source="tok_discover")
    without = create(api)
    body = ok(api.get("/v1/customers", params={"expand[]": "data.default_source"}))
    assert [c["default_source"] for c in body["data"]] == [
        None,
        with_card["sources"]["data"][0],
    ]
    assert body["data"][0]["id"] == without["id"]


# -- determinism ---------------------------------------------------------------------


def replay(fake: FakeTofupay, calls: Sequence[RecordedCall]) -> list[tuple[int, str, bytes]]:
    """Send the recorded calls again to another fake; its (status, Request-Id, body) per call."""
    answers = []
    for call in calls:
        encoded = urlencode(form_pairs(call.params))
        post = call.method == "POST"
        answer = fake.handle(
            call.method,
            call.path,
            query="" if post else encoded,
            headers={"Authorization": f"Bearer {call.api_key}"},
            body=encoded.encode() if post else b"",
        )
        answers.append((answer.status_code, dict(answer.headers)["Request-Id"], answer.content))
    return answers


def scenario(api: Api) -> list[httpx.Response]:
    first = api.post("/v1/customers", data={"email": "a@example.com", "source": "tok_visa"})
    cid = first.json()["id"]
    return [
        first,
        api.post("/v1/customers", key=OTHER_KEY, data={"source": "tok_mastercard"}),
        api.post(f"/v1/customers/{cid}", data={"source": "tok_amex", "metadata[a]": "b"}),
        api.get("/v1/customers", params={"include[]": "total_count"}),
        api.post("/v1/customers", data={"source": "tok_chargeDeclined"}),
        api.delete(f"/v1/customers/{cid}"),
        api.get(f"/v1/customers/{cid}"),
    ]


def test_same_seed_gives_byte_identical_responses(api: Api, fake: FakeTofupay) -> None:
    responses = scenario(api)
    seen = [(r.status_code, r.headers["request-id"], r.content) for r in responses]
    assert replay(FakeTofupay(seed=0), fake.calls) == seen
    assert replay(FakeTofupay(seed=0), fake.calls) == seen


def test_different_seed_gives_different_ids(api: Api, fake: FakeTofupay) -> None:
    creates = scenario(api)[:2]  # the two creates need no id from the fake
    other = replay(FakeTofupay(seed=1), fake.calls[:2])
    for response, (status, request_id, content) in zip(creates, other, strict=True):
        ours, theirs = response.json(), json.loads(content)
        assert status == response.status_code == 200
        assert ours["id"] != theirs["id"]
        assert ours["default_source"] != theirs["default_source"]
        assert ours["created"] == theirs["created"]
        assert request_id != response.headers["request-id"]
