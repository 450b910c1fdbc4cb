"""Idempotent POSTs over HTTP (sync and async): replay, mismatch, per account, what is saved."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.api.helpers import CARD_ID, REQUEST_ID, START, assert_error, create, ok
from tests.conftest import KEY, OTHER_KEY, Api
from tofupay_fake import FakeTofupay

IK = "order-42-signup"
MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were first "
    "used with. Try using a key other than '{}' if you meant to execute a different request."
)
TOO_LONG = "Invalid Idempotency-Key: keys can be at most 255 characters long; this one has {}."
DECLINED = "Your card was declined."
DECLINE = "generic_decline"
CARD_DICT = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2030"}


def post(api: Api, path: str, ik: str = IK, key: str = KEY, **data: str) -> httpx.Response:
    """POST ``data`` to ``path`` with ``Idempotency-Key: ik`` under the API key ``key``."""
    return api.post(path, key=key, data=data, headers={"Idempotency-Key": ik})


def assert_replay(first: httpx.Response, again: httpx.Response) -> None:
    """``again`` is ``first`` replayed: same status, same bytes, flagged as a replay."""
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert REQUEST_ID.fullmatch(again.headers["request-id"])


def assert_fresh(response: httpx.Response) -> None:
    assert "idempotent-replayed" not in response.headers


def reference(*requests: tuple[str, str, dict[str, str]]) -> list[dict[str, Any]]:
    """The bodies a new seed-0 fake answers to these (method, path, data) requests under KEY."""
    ref = FakeTofupay(seed=0)
    auth = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    answers = []
    for method, path, data in requests:
        body = str(httpx.QueryParams(data)).encode()
        headers = {"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}
        answer = ref.handle(method, path, headers=headers, body=body)
        assert answer.status_code == 200, answer.content
        answers.append(answer.json())
    return answers


def customer_ids(fake: FakeTofupay, key: str = KEY) -> list[str]:
    return [customer["id"] for customer in fake.customers(key)]


# -- replays of each kind of POST ---------------------------------------------------


def test_create_customer_is_replayed_without_creating_twice(api: Api, fake: FakeTofupay) -> None:
    data = {"email": "a@example.com", "metadata[plan]": "pro"}
    first = post(api, "/v1/customers", **data)
    made = ok(first)
    assert made["created"] == START
    now = fake.clock.now()
    again = post(api, "/v1/customers", **data)
    assert_replay(first, again)
    assert fake.clock.now() == now == START + 1
    assert customer_ids(fake) == [made["id"]]
    later = create(api)
    expected = reference(("POST", "/v1/customers", data), ("POST", "/v1/customers", {}))
    assert [made["id"], later["id"]] == [body["id"] for body in expected]
    assert later["created"] == START + 1
    assert [call.idempotency_key for call in fake.calls] == [IK, IK, None]
    assert [call.status_code for call in fake.calls] == [200, 200, 200]


def test_replay_of_a_customer_with_a_card_attaches_one_card(api: Api, fake: FakeTofupay) -> None:
    first = post(api, "/v1/customers", source="tok_visa")
    made = ok(first)
    card_id = made["default_source"]
    assert CARD_ID.fullmatch(card_id)
    again = post(api, "/v1/customers", source="tok_visa")
    assert_replay(first, again)
    assert customer_ids(fake) == [made["id"]]
    cards = ok(api.get(f"/v1/customers/{made['id']}/sources"))["data"]
    assert [card["id"] for card in cards] == [card_id]
    assert fake.get_customer(made["id"])["sources"]["total_count"] == 1


def test_replay_does_not_spend_an_issued_token_again(api: Api, fake: FakeTofupay) -> None:
    token = fake.create_token()
    first = post(api, "/v1/customers", source=token)
    ok(first)
    assert_replay(first, post(api, "/v1/customers", source=token))
    assert len(fake.customers(KEY)) == 1
    used = api.post("/v1/customers", data={"source": token})
    assert_error(
        used,
        400,
        "invalid_request_error",
        f"You cannot use a Tofupay token more than once: {token}.",
        "source",
    )


def test_update_customer_is_replayed_not_applied_again(api: Api, fake: FakeTofupay) -> None:
    made = create(api, description="start")
    path = f"/v1/customers/{made['id']}"
    first = post(api, path, description="first", **{"metadata[a]": "1"})
    assert ok(first)["description"] == "first"
    ok(api.post(path, data={"description": "second", "metadata[a]": ""}))
    again = post(api, path, description="first", **{"metadata[a]": "1"})
    assert_replay(first, again)
    current = ok(api.get(path))
    assert (current["description"], current["metadata"]) == ("second", {})


def test_create_source_is_replayed_without_a_second_card(api: Api, fake: FakeTofupay) -> None:
    made = create(api)
    path = f"/v1/customers/{made['id']}/sources"
    first = post(api, path, source="tok_mastercard", **{"metadata[n]": "1"})
    card = ok(first)
    assert (card["brand"], card["customer"]) == ("MasterCard", made["id"])
    now = fake.clock.now()
    again = post(api, path, source="tok_mastercard", **{"metadata[n]": "1"})
    assert_replay(first, again)
    assert fake.clock.now() == now
    second = ok(api.post(path, data={"source": "tok_visa"}))
    listed = ok(api.get(path))["data"]
    assert [c["id"] for c in listed] == [second["id"], card["id"]]
    expected = reference(
        ("POST", "/v1/customers", {}),
        ("POST", f"/v1/customers/{made['id']}/sources", {"source": "tok_mastercard"}),
        ("POST", f"/v1/customers/{made['id']}/sources", {"source": "tok_visa"}),
    )
    assert [card["id"], second["id"]] == [expected[1]["id"], expected[2]["id"]]


def test_create_token_is_replayed_without_issuing_another(api: Api, fake: FakeTofupay) -> None:
    first = post(api, "/v1/tokens", **CARD_DICT)
    token = ok(first)
    assert (token["object"], token["used"]) == ("token", False)
    now = fake.clock.now()
    again = post(api, "/v1/tokens", **CARD_DICT)
    assert_replay(first, again)
    assert fake.clock.now() == now
    later = ok(api.post("/v1/tokens", data=CARD_DICT))
    expected = reference(("POST", "/v1/tokens", CARD_DICT), ("POST", "/v1/tokens", CARD_DICT))
    assert [token["id"], later["id"]] == [body["id"] for body in expected]
    assert later["created"] == expected[1]["created"]


def test_params_in_another_order_are_the_same_request(api: Api, fake: FakeTofupay) -> None:
    headers = {"Idempotency-Key": IK}
    first = api.post("/v1/customers", data="email=a%40example.com&description=A", headers=headers)
    ok(first)
    again = api.post("/v1/customers", data="description=A&email=a%40example.com", headers=headers)
    assert_replay(first, again)
    assert len(fake.customers(KEY)) == 1


# -- what is saved: 200, 402, 404 yes; a 400 validation failure no -----------------------


@pytest.mark.parametrize(
    "data",
    [
        {"source": "tok_chargeDeclined"},
        {"card[number]": "4000000000000002", "card[exp_month]": "1", "card[exp_year]": "2030"},
    ],
    ids=["token", "card-dictionary"],
)
def test_a_decline_is_saved_and_replayed(api: Api, fake: FakeTofupay, data: dict[str, str]) -> None:
    first = post(api, "/v1/customers", **data)
    assert_error(first, 402, "card_error", DECLINED, code="card_declined", decline_code=DECLINE)
    now = fake.clock.now()
    again = post(api, "/v1/customers", **data)
    assert_replay(first, again)
    assert fake.clock.now() == now == START
    assert fake.customers(KEY) == []
    # A good card under the same key is another request: refused, not run.
    assert_error(
        post(api, "/v1/customers", source="tok_visa"), 400, "idempotency_error", MISMATCH.format(IK)
    )
    assert fake.customers(KEY) == []
    ok(post(api, "/v1/customers", ik="a-new-key", source="tok_visa"))
    assert [call.status_code for call in fake.calls] == [402, 402, 400, 200]


def test_a_404_is_saved_even_once_the_customer_exists(api: Api, fake: FakeTofupay) -> None:
    future = reference(("POST", "/v1/customers", {}))[0]["id"]
    path = f"/v1/customers/{future}"
    first = post(api, path, description="hello")
    assert_error(first, 404, "invalid_request_error", f"No such customer: {future}", "id")
    assert create(api)["id"] == future
    again = post(api, path, description="hello")
    assert_replay(first, again)
    assert fake.get_customer(future)["description"] is None
    assert ok(api.post(path, data={"description": "hello"}))["description"] == "hello"


@pytest.mark.parametrize(
    ("bad", "good", "message", "param"),
    [
        ({"account_balance": "abc"}, {"account_balance": "100"}, "Invalid integer: abc", "account_balance"),
        ({"emial": "a@example.com"}, {"email": "a@example.com"}, "Received unknown parameter: emial", "emial"),
        ({"source": "tok_"}, {"source": "tok_visa"}, "No such token: tok_", "source"),
    ],
    ids=["malformed", "unknown-param", "bad-token"],
)  # fmt: skip
def test_a_400_is_saved_like_any_other_answer(
    api: Api,
    fake: FakeTofupay,
    bad: dict[str, str],
    good: dict[str, str],
    message: str,
    param: str,
) -> None:
    # Every answer of an authenticated POST is saved (README "Idempotent requests").
    first = post(api, "/v1/customers", **bad)
    assert_error(first, 400, "invalid_request_error", message, param)
    again = post(api, "/v1/customers", **bad)
    assert_replay(first, again)
    assert fake.calls.last.params == fake.calls[0].params
    corrected = post(api, "/v1/customers", **good)
    assert_error(corrected, 400, "idempotency_error", MISMATCH.format(IK))
    assert fake.customers(KEY) == []
    made = ok(post(api, "/v1/customers", ik="another-key", **good))
    assert customer_ids(fake) == [made["id"]]
    assert made["created"] == START


def test_a_401_or_unknown_url_is_not_saved(api: Api, fake: FakeTofupay) -> None:
    refused = api.post("/v1/customers", key="pk_test_abcd", headers={"Idempotency-Key": IK})
    assert refused.status_code == 401
    unknown = post(api, "/v1/customerz")
    assert_error(
        unknown, 404, "invalid_request_error", "Unrecognized request URL (POST: /v1/customerz)."
    )
    assert_fresh(post(api, "/v1/customerz"))
    created = post(api, "/v1/customers")
    assert_fresh(created)
    ok(created)


# -- the same key for another request ------------------------------------------------


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/v1/customers", {"email": "b@example.com"}),
        ("/v1/customers", {"email": "a@example.com", "description": "more"}),
        ("/v1/customers", {}),
        ("/v1/tokens", CARD_DICT),
        ("/v1/customers/{id}", {"email": "a@example.com"}),
        ("/v1/customers/{id}/sources", {"source": "tok_visa"}),
    ],
    ids=["other-value", "extra-param", "no-params", "tokens", "update-path", "sources-path"],
)
def test_same_key_with_other_params_or_path_is_an_idempotency_error(
    api: Api, fake: FakeTofupay, path: str, data: dict[str, str]
) -> None:
    made = ok(post(api, "/v1/customers", email="a@example.com"))
    now = fake.clock.now()
    other = post(api, path.format(id=made["id"]), **data)
    assert_error(other, 400, "idempotency_error", MISMATCH.format(IK))
    assert_fresh(other)
    assert fake.clock.now() == now
    assert customer_ids(fake) == [made["id"]]
    assert fake.get_customer(made["id"])["sources"]["total_count"] == 0
    assert fake.calls.last.status_code == 400
    assert fake.calls.last.idempotency_key == IK


def test_the_mismatch_message_names_the_key(api: Api) -> None:
    ok(post(api, "/v1/customers", ik="K", email="a@example.com"))
    other = post(api, "/v1/customers", ik="K", email="b@example.com")
    assert_error(other, 400, "idempotency_error", MISMATCH.format("K"))
    assert other.json()["error"]["message"].endswith(
        "Try using a key other than 'K' if you meant to execute a different request."
    )


def test_keys_are_per_account(api: Api, fake: FakeTofupay) -> None:
    first = post(api, "/v1/customers", email="a@example.com")
    mine = ok(first)
    theirs_first = post(api, "/v1/customers", key=OTHER_KEY, email="a@example.com")
    assert_fresh(theirs_first)
    theirs = ok(theirs_first)
    assert theirs["id"] != mine["id"]
    assert customer_ids(fake, OTHER_KEY) == [theirs["id"]]
    assert_replay(theirs_first, post(api, "/v1/customers", key=OTHER_KEY, email="a@example.com"))
    assert_replay(first, post(api, "/v1/customers", email="a@example.com"))
    # Other params under the other account: refused there, still replayed here.
    refused = post(api, "/v1/customers", key=OTHER_KEY, email="b@example.com")
    assert_error(refused, 400, "idempotency_error", MISMATCH.format(IK))
    assert_replay(first, post(api, "/v1/customers", email="a@example.com"))
    assert customer_ids(fake) == [mine["id"]]


# -- key length ----------------------------------------------------------------------


def test_a_key_of_255_characters_is_accepted(api: Api, fake: FakeTofupay) -> None:
    ik = "k" * 255
    first = post(api, "/v1/customers", ik=ik)
    ok(first)
    assert_replay(first, post(api, "/v1/customers", ik=ik))
    assert fake.calls.last.idempotency_key == ik


@pytest.mark.parametrize("length", [256, 1000])
def test_a_longer_key_is_refused(api: Api, fake: FakeTofupay, length: int) -> None:
    response = post(api, "/v1/customers", ik="k" * length, email="a@example.com")
    assert_error(response, 400, "invalid_request_error", TOO_LONG.format(length))
    assert_fresh(response)
    assert fake.customers(KEY) == []
    assert fake.clock.now() == START


# -- GET and DELETE ignore the key; calls record it ------------------------------------------


def test_get_ignores_the_key(api: Api, fake: FakeTofupay) -> None:
    made = create(api)
    path = f"/v1/customers/{made['id']}"
    got = api.get(path, headers={"Idempotency-Key": IK})
    assert ok(got) == made
    assert_fresh(got)
    ok(api.post(path, data={"description": "changed"}))
    got_again = api.get(path, headers={"Idempotency-Key": IK})
    assert_fresh(got_again)
    assert ok(got_again)["description"] == "changed"
    long_key = api.get("/v1/customers", headers={"Idempotency-Key": "k" * 300})
    assert ok(long_key)["data"][0]["id"] == made["id"]
    # The key was not taken by the GETs: a POST with it runs.
    created = post(api, "/v1/customers")
    assert_fresh(created)
    ok(created)
    assert [c.idempotency_key for c in fake.calls.filter(method="GET")] == [IK, IK, "k" * 300]


def test_delete_ignores_the_key(api: Api, fake: FakeTofupay) -> None:
    made = create(api)
    path = f"/v1/customers/{made['id']}"
    headers = {"Idempotency-Key": IK}
    first = api.delete(path, headers=headers)
    assert ok(first) == {"deleted": True, "id": made["id"]}
    assert_fresh(first)
    again = api.delete(path, headers=headers)
    assert_error(again, 404, "invalid_request_error", f"No such customer: {made['id']}", "id")
    assert_fresh(again)
    assert fake.calls.last.idempotency_key == IK


def test_an_empty_key_is_no_key(api: Api, fake: FakeTofupay) -> None:
    first = post(api, "/v1/customers", ik="", email="a@example.com")
    second = post(api, "/v1/customers", ik="", email="b@example.com")
    assert_fresh(second)
    assert ok(first)["id"] != ok(second)["id"]
    assert len(fake.customers(KEY)) == 2


# -- faults are never saved ------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("api_error", 500),
        ("rate_limit", 429),
        ("card_declined", 402),
        (400, 400),
        (503, 503),
        pytest.param(httpx.ConnectTimeout, 0, marks=pytest.mark.in_process),
    ],
    ids=["api_error", "rate_limit", "card_declined", "400", "503", "ConnectTimeout"],
)
def test_a_fault_is_not_saved(api: Api, fake: FakeTofupay, error: Any, status: int) -> None:
    fake.fail_next(error, method="POST")
    if status == 0:
        with pytest.raises(httpx.ConnectTimeout):
            post(api, "/v1/customers", email="a@example.com")
    else:
        failed = post(api, "/v1/customers", email="a@example.com")
        assert failed.status_code == status
        assert_fresh(failed)
    assert fake.customers(KEY) == []
    retry = post(api, "/v1/customers", email="a@example.com")
    assert_fresh(retry)
    made = ok(retry)
    assert made["created"] == START
    assert_replay(retry, post(api, "/v1/customers", email="a@example.com"))
    assert customer_ids(fake) == [made["id"]]
    assert [call.idempotency_key for call in fake.calls] == [IK, IK, IK]
    assert [call.status_code for call in fake.calls] == [status, 200, 200]


def test_a_fault_on_a_saved_key_does_not_forget_the_answer(api: Api, fake: FakeTofupay) -> None:
    first = post(api, "/v1/customers", email="a@example.com")
    made = ok(first)
    fake.fail_next("api_error")
    assert post(api, "/v1/customers", email="a@example.com").status_code == 500
    assert_replay(first, post(api, "/v1/customers", email="a@example.com"))
    assert customer_ids(fake) == [made["id"]]
