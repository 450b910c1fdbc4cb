"""fail_next over HTTP (sync and async): injected errors, exceptions, matching, state, the documented errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.helpers import START, assert_error, create, ok
from tests.conftest import BASE, KEY, Api, error_of
from tofupay_fake import FakeTofupay

SUFFIX = "(Injected by tofupay_fake's fail_next.)"
API_ERROR = f"An unknown error occurred. {SUFFIX}"
RATE_LIMIT = (
    "Too many requests hit the API too quickly. We recommend an exponential backoff of your "
    f"requests. {SUFFIX}"
)
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY') or Basic auth "
    "(curl -u YOUR_SECRET_KEY:). See https://tofupay.com/docs/api#authentication for details."
)
IRE = "invalid_request_error"
EMAIL = {"email": "a@example.com"}


def injected(status: int) -> str:
    return f"Injected error with status {status}. {SUFFIX}"


def first_ids() -> tuple[str, str]:
    """The first customer and token ids of a new seed-0 fake that never saw a fault."""
    ref = FakeTofupay(seed=0)
    return ref.add_customer(KEY)["id"], ref.create_token()


def statuses(fake: FakeTofupay) -> list[int]:
    return [call.status_code for call in fake.calls]


# -- what a fault answers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "type_", "message", "code", "decline_code"),
    [
        ("api_error", 500, "api_error", API_ERROR, None, None),
        ("rate_limit", 429, "rate_limit_error", RATE_LIMIT, "rate_limit", None),
        ("card_declined", 402, "card_error", "Your card was declined.", "card_declined",
         "generic_decline"),
    ],
)  # fmt: skip
def test_named_faults(
    api: Api,
    fake: FakeTofupay,
    name: str,
    status: int,
    type_: str,
    message: str,
    code: str | None,
    decline_code: str | None,
) -> None:
    fake.fail_next(name)
    response = api.post("/v1/customers", data=EMAIL)
    assert_error(response, status, type_, message, code=code, decline_code=decline_code)
    assert fake.calls.last.response == response.json()
    assert fake.customers(KEY) == []
    create(api, **EMAIL)
    assert statuses(fake) == [status, 200]


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("status", "type_"),
    [
        (400, IRE),
        (401, "authentication_error"),
        (402, "card_error"),
        (404, IRE),
        (409, "idempotency_error"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (503, "api_error"),
        (599, "api_error"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_status_faults(api: Api, fake: FakeTofupay, status: int, type_: str, method: str) -> None:
    fake.fail_next(status)
    response = api.request(method, "/v1/customers/cus_missing")
    assert_error(response, status, type_, injected(status))
    assert "idempotent-replayed" not in response.headers
    assert fake.calls.last.status_code == status
    again = api.request(method, "/v1/customers/cus_missing")
    assert again.status_code == 404
    assert error_of(again)["message"] == "No such customer: cus_missing"


@pytest.mark.in_process  # an exception is raised into the in-process client
@pytest.mark.parametrize("error", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError])
def test_exception_faults_are_raised_with_the_request(
    api: Api, fake: FakeTofupay, error: type[httpx.RequestError]
) -> None:
    fake.fail_next(error)
    headers = {"Idempotency-Key": "ik-1"}
    with pytest.raises(error, match="injected by tofupay_fake's fail_next") as raised:
        api.post("/v1/customers", data=EMAIL, headers=headers)
    assert type(raised.value) is error
    request = raised.value.request
    assert (request.method, request.url) == ("POST", httpx.URL(f"{BASE}/v1/customers"))
    assert request.content == b"email=a%40example.com"
    assert request.headers["idempotency-key"] == "ik-1"
    assert request.headers["authorization"].startswith("Basic ")
    call = fake.calls.last
    assert (call.method, call.path, call.status_code) == ("POST", "/v1/customers", 0)
    assert (call.idempotency_key, call.response) == ("ik-1", {})
    assert fake.customers(KEY) == []
    assert fake.clock.now() == START
    made = create(api, **EMAIL)
    assert made["id"] == first_ids()[0]
    assert statuses(fake) == [0, 200]


@pytest.mark.in_process  # an exception is raised into the in-process client
def test_an_exception_fault_on_a_get(api: Api, fake: FakeTofupay) -> None:
    fake.fail_next(httpx.ReadTimeout, method="GET")
    with pytest.raises(httpx.ReadTimeout) as raised:
        api.get("/v1/customers", params={"limit": "3"})
    assert raised.value.request.url == httpx.URL(f"{BASE}/v1/customers?limit=3")
    assert ok(api.get("/v1/customers"))["data"] == []


@pytest.mark.parametrize(
    "error",
    ["api_error", pytest.param(httpx.ConnectTimeout, marks=pytest.mark.in_process)],
    ids=["500", "timeout"],
)
def test_a_faulted_call_records_what_was_sent(api: Api, fake: FakeTofupay, error: Any) -> None:
    fake.fail_next(error)
    if error == "api_error":
        assert api.post("/v1/customers", data={**EMAIL, "metadata[plan]": "pro"}).status_code == 500
    else:
        with pytest.raises(httpx.ConnectTimeout):
            api.post("/v1/customers", data={**EMAIL, "metadata[plan]": "pro"})
    create(api, **EMAIL, **{"metadata[plan]": "pro"})
    faulted = fake.calls[0]
    assert faulted.params == {"email": "a@example.com", "metadata": {"plan": "pro"}}
    assert faulted.api_key == KEY
    fake.assert_called("POST", "/v1/customers", params=EMAIL, times=2)


# -- which requests a fault applies to --------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "post"])
def test_method_filter(api: Api, fake: FakeTofupay, method: str) -> None:
    made = create(api)
    fake.fail_next("api_error", method=method)
    ok(api.get("/v1/customers"))
    ok(api.get(f"/v1/customers/{made['id']}"))
    assert api.delete("/v1/customers/cus_missing").status_code == 404
    assert_error(api.post(f"/v1/customers/{made['id']}", data=EMAIL), 500, "api_error", API_ERROR)
    assert ok(api.post(f"/v1/customers/{made['id']}", data=EMAIL))["email"] == "a@example.com"
    assert statuses(fake) == [200, 200, 200, 404, 500, 200]


def test_exact_path_filter(api: Api, fake: FakeTofupay) -> None:
    made = create(api)
    fake.fail_next(503, path="/v1/customers")
    ok(api.get(f"/v1/customers/{made['id']}"))
    ok(api.get(f"/v1/customers/{made['id']}/sources"))
    assert_error(api.post("/v1/customers"), 503, "api_error", injected(503))
    assert len(fake.customers(KEY)) == 1
    create(api)
    assert statuses(fake) == [200, 200, 200, 503, 200]


def test_wildcard_path_filter_matches_one_segment(api: Api, fake: FakeTofupay) -> None:
    made = create(api)
    fake.fail_next(409, path="/v1/customers/*")
    ok(api.get("/v1/customers"))
    ok(api.get(f"/v1/customers/{made['id']}/sources"))
    ok(api.get(f"/v1/customers/{made['id']}/subscriptions"))
    hit = api.post(f"/v1/customers/{made['id']}", data={"description": "x"})
    assert_error(hit, 409, "idempotency_error", injected(409))
    assert fake.get_customer(made["id"])["description"] is None
    assert ok(api.get(f"/v1/customers/{made['id']}"))["description"] is None
    assert statuses(fake) == [200, 200, 200, 200, 409, 200]


def test_method_and_path_together(api: Api, fake: FakeTofupay) -> None:
    made = create(api)
    path = f"/v1/customers/{made['id']}"
    fake.fail_next("rate_limit", method="DELETE", path="/v1/customers/*")
    ok(api.get(path))
    assert api.delete(f"{path}/sources/card_missing").status_code == 404
    ok(api.post(path, data=EMAIL))
    assert_error(api.delete(path), 429, "rate_limit_error", RATE_LIMIT, code="rate_limit")
    assert ok(api.get(path))["email"] == "a@example.com"
    assert ok(api.delete(path)) == {"deleted": True, "id": made["id"]}


def test_times_fails_exactly_that_many_matching_requests(api: Api, fake: FakeTofupay) -> None:
    fake.fail_next("rate_limit", method="POST", times=3)
    for _ in range(2):
        assert api.post("/v1/customers").status_code == 429
        ok(api.get("/v1/customers"))
    assert api.post("/v1/customers").status_code == 429
    create(api)
    create(api)
    assert statuses(fake) == [429, 200, 429, 200, 429, 200, 200]
    assert len(fake.customers(KEY)) == 2


@pytest.mark.in_process  # an exception is raised into the in-process client
def test_exception_fault_with_times(api: Api, fake: FakeTofupay) -> None:
    fake.fail_next(httpx.ConnectError, times=2)
    for _ in range(2):
        with pytest.raises(httpx.ConnectError):
            api.get("/v1/customers")
    ok(api.get("/v1/customers"))
    assert statuses(fake) == [0, 0, 200]


@pytest.mark.in_process  # an exception is raised into the in-process client
def test_queued_faults_apply_in_order(api: Api, fake: FakeTofupay) -> None:
    fake.fail_next("api_error")
    fake.fail_next("rate_limit", times=2)
    fake.fail_next(httpx.ReadTimeout)
    fake.fail_next(503)
    assert api.get("/v1/customers").status_code == 500
    assert api.post("/v1/customers").status_code == 429
    assert api.get("/v1/customers").status_code == 429
    with pytest.raises(httpx.ReadTimeout):
        api.get("/v1/customers")
    assert_error(api.get("/v1/customers"), 503, "api_error", injected(503))
    ok(api.get("/v1/customers"))
    assert statuses(fake) == [500, 429, 429, 0, 503, 200]


def test_the_first_matching_fault_applies(api: Api, fake: FakeTofupay) -> None:
    fake.fail_next(404, method="DELETE")
    fake.fail_next("api_error")
    assert_error(api.get("/v1/customers"), 500, "api_error", API_ERROR)
    ok(api.get("/v1/customers"))
    assert_error(api.delete("/v1/customers/cus_x"), 404, IRE, injected(404))
    no_such = api.delete("/v1/customers/cus_x")
    assert_error(no_such, 404, IRE, "No such customer: cus_x", "id")


@pytest.mark.parametrize(
    ("key", "headers"),
    [(None, {}), ("pk_test_abcd", {}), (None, {"Authorization": "Token nope"})],
    ids=["no-key", "publishable-key", "malformed-header"],
)
def test_faults_apply_before_authentication(
    api: Api, fake: FakeTofupay, key: str | None, headers: dict[str, str]
) -> None:
    fake.fail_next("api_error")
    assert_error(api.post("/v1/customers", key=key, headers=headers), 500, "api_error", API_ERROR)
    assert api.post("/v1/customers", key=key, headers=headers).status_code == 401


def test_faults_apply_to_unknown_urls(api: Api, fake: FakeTofupay) -> None:
    fake.fail_next("rate_limit", path="/v1/nope")
    assert_error(api.get("/v1/nope"), 429, "rate_limit_error", RATE_LIMIT, code="rate_limit")
    assert_error(api.get("/v1/nope"), 404, IRE, "Unrecognized request URL (GET: /v1/nope).")


# -- a fault changes nothing ---------------------------------------------------------


def test_a_fault_changes_no_state_and_uses_no_object_ids(api: Api, fake: FakeTofupay) -> None:
    customer_id, token_id = first_ids()
    fake.fail_next("api_error", method="POST", times=2)
    assert api.post("/v1/customers", data={**EMAIL, "source": "tok_visa"}).status_code == 500
    card = {"card[number]": "4242424242424242", "card[exp_month]": "1", "card[exp_year]": "2030"}
    assert api.post("/v1/tokens", data=card).status_code == 500
    assert fake.customers(KEY) == []
    assert fake.clock.now() == START
    failed = {"error": {"type": "api_error", "message": API_ERROR}}
    assert [call.response for call in fake.calls] == [failed, failed]
    made = create(api, **EMAIL)
    assert (made["id"], made["created"]) == (customer_id, START)
    token = ok(api.post("/v1/tokens", data=card))
    assert token["id"] == token_id


def test_a_fault_on_update_leaves_the_customer_alone(api: Api, fake: FakeTofupay) -> None:
    made = create(api, description="before")
    path = f"/v1/customers/{made['id']}"
    fake.fail_next("card_declined", path=path)
    declined = api.post(path, data={"description": "after", "source": "tok_visa"})
    assert declined.status_code == 402
    assert ok(api.get(path)) == made
    assert fake.clock.now() == START + 1


def test_reset_clears_queued_faults(api: Api, fake: FakeTofupay) -> None:
    fake.fail_next("api_error", times=5)
    fake.fail_next(httpx.ConnectTimeout)
    fake.reset()
    ok(api.get("/v1/customers"))
    create(api)
    assert statuses(fake) == [200, 200]


# -- bad arguments -------------------------------------------------------------------


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("error", "kwargs", "exception", "match"),
    [
        ("nope", {}, ValueError, r"unknown fault 'nope'; use one of api_error, rate_limit, card_declined"),
        ("API_ERROR", {}, ValueError, "unknown fault 'API_ERROR'"),
        ("500", {}, ValueError, "unknown fault '500'"),
        (200, {}, ValueError, r"a fault status must be 400\.\.599, got 200"),
        (399, {}, ValueError, r"a fault status must be 400\.\.599, got 399"),
        (600, {}, ValueError, r"a fault status must be 400\.\.599, got 600"),
        (True, {}, ValueError, r"a fault status must be 400\.\.599, got True"),
        (dict, {}, TypeError, "fail_next takes a name, a status or an exception class, not <class 'dict'>"),
        (httpx.ConnectTimeout("x"), {}, TypeError, "fail_next takes a name, a status or an exception class"),
        (None, {}, TypeError, "not None"),
        (500.0, {}, TypeError, "not 500.0"),
        ("api_error", {"times": 0}, ValueError, "times must be a whole number >= 1, got 0"),
        ("api_error", {"times": -1}, ValueError, "times must be a whole number >= 1, got -1"),
        ("api_error", {"times": True}, ValueError, "times must be a whole number >= 1, got True"),
        ("api_error", {"times": 1.5}, ValueError, "times must be a whole number >= 1, got 1.5"),
    ],
)  # fmt: skip
def test_bad_arguments(
    api: Api,
    fake: FakeTofupay,
    error: Any,
    kwargs: dict[str, Any],
    exception: type[Exception],
    match: str,
) -> None:
    with pytest.raises(exception, match=match):
        fake.fail_next(error, **kwargs)
    ok(api.get("/v1/customers"))  # nothing was queued


# -- the documented error table, every row through HTTP ----------------------------------


def _unknown_param(api: Api, fake: FakeTofupay) -> httpx.Response:
    return api.post("/v1/customers", data={"foo": "bar"})


def _key_reused(api: Api, fake: FakeTofupay) -> httpx.Response:
    headers = {"Idempotency-Key": "k"}
    ok(api.post("/v1/customers", data=EMAIL, headers=headers))
    return api.post("/v1/customers", data={"email": "b@example.com"}, headers=headers)


def _no_key(api: Api, fake: FakeTofupay) -> httpx.Response:
    return api.get("/v1/customers", key=None)


def _declined(api: Api, fake: FakeTofupay) -> httpx.Response:
    return api.post("/v1/customers", data={"source": "tok_chargeDeclined"})


def _no_such_customer(api: Api, fake: FakeTofupay) -> httpx.Response:
    return api.get("/v1/customers/cus_missing")


def _rate_limited(api: Api, fake: FakeTofupay) -> httpx.Response:
    fake.fail_next("rate_limit")
    return api.get("/v1/customers")


def _server_error(api: Api, fake: FakeTofupay) -> httpx.Response:
    fake.fail_next("api_error")
    return api.get("/v1/customers")


Scenario = Callable[[Api, FakeTofupay], httpx.Response]


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("scenario", "status", "type_", "message"),
    [
        (_unknown_param, 400, IRE, "Received unknown parameter: foo"),
        (_key_reused, 400, "idempotency_error",
         "Keys for idempotent requests can only be used with the same parameters they were "
         "first used with. Try using a key other than 'k' if you meant to execute a different "
         "request."),
        (_no_key, 401, "authentication_error", NO_KEY),
        (_declined, 402, "card_error", "Your card was declined."),
        (_no_such_customer, 404, IRE, "No such customer: cus_missing"),
        (_rate_limited, 429, "rate_limit_error", RATE_LIMIT),
        (_server_error, 500, "api_error", API_ERROR),
    ],
    ids=["400-invalid_request", "400-idempotency", "401", "402", "404", "429", "500"],
)  # fmt: skip
def test_the_documented_error_table(
    api: Api, fake: FakeTofupay, scenario: Scenario, status: int, type_: str, message: str
) -> None:
    response = scenario(api, fake)
    assert response.status_code == status
    error = error_of(response)
    assert (error["type"], error["message"]) == (type_, message)
    assert set(error) <= {"type", "message", "param", "code", "decline_code"}
    assert response.headers["request-id"].startswith("req_")
    assert fake.calls.last.status_code == status
