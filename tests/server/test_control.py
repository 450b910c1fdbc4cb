"""Server mode's control endpoints: /_fake/reset, calls, fail_next, customers, events.

Logic checks call ``control.handle`` directly; the rest go over a real socket to
the session's loopback server (tests/conftest.py ``server``), pointed at a fake
of each test's own. The truth table of bad input runs both ways.
"""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import httpx
import pytest

from tests.conftest import KEY, OTHER_KEY, Api
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay, control
from tofupay_fake.core import MAX_BODY_BYTES
from tofupay_fake.request import Response

START = 1421056271  # the fake clock's first second
MASKABLE_KEY = "sk_test_4eC39HqLyjWDarjtT1zdabcd"
SEEDED_ID = "cus_5V50idQJ7fxkRX"
FORM = "application/x-www-form-urlencoded"
IRE = "invalid_request_error"
SUFFIX = "(Injected by tofupay_fake's fail_next.)"


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@pytest.fixture
def fake() -> FakeTofupay:
    """The served fake (not started: server mode intercepts nothing in-process)."""
    return FakeTofupay(seed=0)


def serve(server: ServerThread, client: Api, fake: FakeTofupay) -> Api:
    """Point the server at ``fake`` (a test's own); the shared client reaches it."""
    server.app.fake = fake
    return client


def body_of(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The JSON body of a control (or API) answer with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def listed(response: httpx.Response) -> list[Any]:
    """The ``data`` of a ``{"object": "list", "data": [...]}`` control answer."""
    body = body_of(response)
    assert set(body) == {"object", "data"} and body["object"] == "list", body
    data: list[Any] = body["data"]
    return data


def reference_create(seed: int, body: bytes, key: str = KEY) -> Response:
    """What a brand-new in-process fake of ``seed`` answers to this first request."""
    headers = {"authorization": basic(key), "content-type": FORM}
    return FakeTofupay(seed=seed).handle("POST", "/v1/customers", headers=headers, body=body)


# -- POST /_fake/reset -----------------------------------------------------------------


def test_reset_brings_state_calls_events_faults_ids_and_clock_back_to_the_start(
    server: ServerThread, client: Api
) -> None:
    fake = FakeTofupay(seed=5)
    http = serve(server, client, fake)
    made = body_of(http.post("/v1/customers", data={"email": "a@example.com"}))
    body_of(http.post(f"/v1/customers/{made['id']}", data={"description": "changed"}))
    body_of(http.post("/v1/customers", key=OTHER_KEY, data={"source": "tok_visa"}))
    listed(http.post("/_fake/customers", data={"api_key": KEY, "n": "2"}))
    queued = http.post("/_fake/fail_next", data={"error": "api_error", "times": "3"})
    assert body_of(queued) == {"queued": 3}
    fake.clock.advance(86_400)
    assert fake.calls and fake.events and fake.customers()

    response = http.post("/_fake/reset")
    assert body_of(response) == {"reset": True}

    assert fake.customers() == [] and len(fake.calls) == 0 and len(fake.events) == 0
    assert listed(http.get("/_fake/calls")) == []
    assert listed(http.get("/_fake/events")) == []
    # No fault left, and the same ids, clock and bytes as a new fake of seed 5.
    sent = b"email=a%40example.com"
    first = http.post("/v1/customers", data=sent)
    expected = reference_create(5, sent)
    assert first.status_code == 200, first.text
    assert first.content == expected.content
    assert first.headers["request-id"] == dict(expected.headers)["Request-Id"]
    assert first.json()["created"] == START
    assert first.json()["id"] == FakeTofupay(seed=5).add_customer(KEY)["id"]
    # The customers made before the reset are gone, in every account (the new
    # first customer has the first id again, so it is the only one listed).
    assert first.json()["id"] == made["id"]
    assert body_of(http.get("/v1/customers"))["data"] == [first.json()]
    assert body_of(http.get("/v1/customers", key=OTHER_KEY))["data"] == []


def test_reset_restarts_faker_so_seeding_repeats(http: Api) -> None:
    before = listed(http.post("/_fake/customers", data={"api_key": KEY, "n": "3"}))
    body_of(http.post("/_fake/reset"))
    after = listed(http.post("/_fake/customers", data={"api_key": KEY, "n": "3"}))
    assert after == before


def test_reset_directly_through_handle() -> None:
    fake = FakeTofupay(seed=1)
    fake.add_customer(KEY)
    fake.fail_next("api_error")
    assert control.handle(fake, "POST", "/_fake/reset", "", {}, b"") == (200, {"reset": True})
    assert fake.customers() == [] and len(fake.events) == 0
    answer = fake.handle(
        "POST", "/v1/customers", headers={"authorization": basic(KEY), "content-type": FORM}
    )
    assert answer.status_code == 200
    assert answer.content == reference_create(1, b"").content


# -- GET /_fake/calls ------------------------------------------------------------------


def test_calls_lists_api_calls_oldest_first_with_exactly_the_documented_fields(
    http: Api, fake: FakeTofupay
) -> None:
    made = body_of(
        http.post(
            "/v1/customers",
            key=MASKABLE_KEY,
            data={"email": "ada@example.com", "metadata[plan]": "pro"},
            headers={"Idempotency-Key": "signup-1"},
        )
    )
    body_of(http.get(f"/v1/customers/{made['id']}", key=MASKABLE_KEY, auth="bearer"))
    body_of(http.get("/v1/customers", key=None), 401)
    body_of(http.post("/v1/customers", key="pk_test_publishable1234"), 401)
    body_of(http.post("/_fake/fail_next", data={"error": "rate_limit"}))
    body_of(http.delete("/v1/customers/cus_00000000000000", key=OTHER_KEY), 429)
    body_of(http.get("/v1/customers", key=MASKABLE_KEY, params={"limit": "2"}))

    response = http.get("/_fake/calls")
    answered = listed(response)
    # Each call also carries the body the client got and its request id.
    assert [row.pop("response") for row in answered] == [c.response for c in fake.calls]
    assert [row.pop("request_id") for row in answered] == [c.request_id for c in fake.calls]
    data = answered
    common = {"idempotency_key": None}
    assert data == [
        {
            "method": "POST",
            "path": "/v1/customers",
            "params": {"email": "ada@example.com", "metadata": {"plan": "pro"}},
            "status_code": 200,
            "api_key": "sk_test_****abcd",
            "idempotency_key": "signup-1",
        },
        {
            "method": "GET",
            "path": f"/v1/customers/{made['id']}",
            "params": {},
            "status_code": 200,
            "api_key": "sk_test_****abcd",
            **common,
        },
        {
            "method": "GET",
            "path": "/v1/customers",
            "params": {},
            "status_code": 401,
            "api_key": None,
            **common,
        },
        {
            "method": "POST",
            "path": "/v1/customers",
            "params": {},
            "status_code": 401,
            "api_key": "pk_test_****1234",
            **common,
        },
        {
            "method": "DELETE",
            "path": "/v1/customers/cus_00000000000000",
            "params": {},
            "status_code": 429,
            "api_key": "sk_test_****0000",
            **common,
        },
        {
            "method": "GET",
            "path": "/v1/customers",
            "params": {"limit": "2"},
            "status_code": 200,
            "api_key": "sk_test_****abcd",
            **common,
        },
    ]
    # No full key anywhere in the answer; the control calls themselves are not recorded.
    for key in (MASKABLE_KEY, OTHER_KEY, "pk_test_publishable1234"):
        assert key not in response.text
    assert [(c.method, c.path) for c in fake.calls] == [(r["method"], r["path"]) for r in data]


def test_calls_is_empty_for_a_new_fake(http: Api) -> None:
    assert body_of(http.get("/_fake/calls")) == {"object": "list", "data": []}


# -- POST /_fake/fail_next ---------------------------------------------------------------

FAULTS = [
    # (error as sent, status, error body)
    ("api_error", 500, {"type": "api_error", "message": f"An unknown error occurred. {SUFFIX}"}),
    (
        "rate_limit",
        429,
        {
            "type": "rate_limit_error",
            "message": "Too many requests hit the API too quickly. We recommend an exponential "
            f"backoff of your requests. {SUFFIX}",
            "code": "rate_limit",
        },
    ),
    (
        "card_declined",
        402,
        {
            "type": "card_error",
            "message": "Your card was declined.",
            "code": "card_declined",
            "decline_code": "generic_decline",
        },
    ),
    ("503", 503, {"type": "api_error", "message": f"Injected error with status 503. {SUFFIX}"}),
    ("400", 400, {"type": IRE, "message": f"Injected error with status 400. {SUFFIX}"}),
]


@pytest.mark.parametrize("encoding", ["form", "json"])
@pytest.mark.parametrize(("error", "status", "expected"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fail_next_fails_the_next_matching_calls_then_they_succeed(
    http: Api,
    fake: FakeTofupay,
    encoding: str,
    error: str,
    status: int,
    expected: dict[str, Any],
) -> None:
    fields: dict[str, Any] = {"error": error, "method": "POST", "path": "/v1/customers"}
    if encoding == "form":
        queued = http.post("/_fake/fail_next", data={**fields, "times": "2"})
    else:  # JSON may carry numbers as numbers
        sent = int(error) if error.isdigit() else error
        queued = http.post("/_fake/fail_next", json={**fields, "error": sent, "times": 2})
    assert body_of(queued) == {"queued": 2}

    assert body_of(http.get("/v1/customers"))["data"] == []  # another method: not failed
    for _ in range(2):
        failed = http.post("/v1/customers", data={"email": "a@example.com"})
        assert body_of(failed, status) == {"error": expected}
        assert failed.headers["request-id"].startswith("req_")
    assert fake.customers() == []  # a fault changes nothing
    made = body_of(http.post("/v1/customers", data={"email": "a@example.com"}))
    assert made["email"] == "a@example.com"
    assert [call.status_code for call in fake.calls] == [200, status, status, 200]


def test_fail_next_defaults_to_once_for_any_request(http: Api) -> None:
    assert body_of(http.post("/_fake/fail_next", data={"error": "api_error"})) == {"queued": 1}
    body_of(http.get("/v1/customers/cus_00000000000000"), 500)
    body_of(http.get("/v1/customers/cus_00000000000000"), 404)
    declined = http.post("/v1/customers", data={"source": "tok_chargeDeclined"})
    assert body_of(declined, 402)["error"]["code"] == "card_declined"


def test_fail_next_path_pattern_method_case_and_query_string(http: Api) -> None:
    made = body_of(http.post("/v1/customers"))
    queued = http.post(
        "/_fake/fail_next?error=rate_limit&method=get", data={"path": "/v1/customers/*"}
    )
    assert body_of(queued) == {"queued": 1}
    body_of(http.get("/v1/customers"))  # the list is not /v1/customers/<one segment>
    body_of(http.post(f"/v1/customers/{made['id']}"))  # POST: another method
    body_of(http.get(f"/v1/customers/{made['id']}"), 429)
    body_of(http.get(f"/v1/customers/{made['id']}"))


def test_fail_next_faults_queue_in_order(http: Api) -> None:
    body_of(http.post("/_fake/fail_next", json={"error": "rate_limit", "times": 2}))
    body_of(http.post("/_fake/fail_next", json={"error": 502}))
    statuses = [http.get("/v1/customers").status_code for _ in range(4)]
    assert statuses == [429, 429, 502, 200]


# -- POST /_fake/customers ---------------------------------------------------------------


def test_seeding_n_customers_is_deterministic_by_seed(server: ServerThread, client: Api) -> None:
    fake = FakeTofupay(seed=3)
    reference = FakeTofupay(seed=3)
    http = serve(server, client, fake)
    first = listed(http.post("/_fake/customers", data={"api_key": KEY, "n": "3"}))
    second = listed(http.post("/_fake/customers", json={"api_key": KEY, "n": 2}))
    assert first == reference.seed_customers(3, KEY)
    assert second == reference.seed_customers(2, KEY)
    emails = [customer["email"] for customer in first + second]
    assert len(set(emails)) == 5 and all("@" in email for email in emails)
    assert all(set(c["metadata"]) == {"name", "plan", "signup_ip"} for c in first)
    assert all(c["sources"]["data"] == [] for c in first)
    # They are real customers of that account (newest first), and only of it.
    page = body_of(http.get("/v1/customers", params={"limit": "10"}))["data"]
    assert page == list(reversed(first + second))
    assert body_of(http.get("/v1/customers", key=OTHER_KEY))["data"] == []
    # Seeding is no API call; it records events like the API does.
    calls = listed(http.get("/_fake/calls", params={"limit": "10"}))
    assert [{k: v for k, v in c.items() if k not in ("response", "request_id")} for c in calls] == [
        {
            "method": "GET",
            "path": "/v1/customers",
            "params": {"limit": "10"},
            "status_code": 200,
            "api_key": "sk_test_****s0Jc",
            "idempotency_key": None,
        },
        {
            "method": "GET",
            "path": "/v1/customers",
            "params": {},
            "status_code": 200,
            "api_key": "sk_test_****0000",
            "idempotency_key": None,
        },
    ]
    assert [e["type"] for e in listed(http.get("/_fake/events"))] == ["customer.created"] * 5


def test_seeding_a_different_seed_gives_different_customers(http: Api) -> None:
    seeded = listed(http.post("/_fake/customers", data={"api_key": KEY, "n": "2"}))
    assert seeded == FakeTofupay(seed=0).seed_customers(2, KEY)
    assert seeded != FakeTofupay(seed=1).seed_customers(2, KEY)


@pytest.mark.parametrize(
    "request_body",
    [{"data": {"api_key": KEY, "n": "2", "with_cards": "true"}},
     {"json": {"api_key": KEY, "n": 2, "with_cards": True}}],
    ids=["form", "json"],
)  # fmt: skip
def test_seeding_with_cards(http: Api, request_body: dict[str, Any]) -> None:
    seeded = listed(http.post("/_fake/customers", **request_body))
    assert seeded == FakeTofupay(seed=0).seed_customers(2, KEY, with_cards=True)
    for customer in seeded:
        [card] = customer["sources"]["data"]
        assert (card["brand"], card["last4"]) == ("Visa", "4242")
        assert customer["default_source"] == card["id"]


def test_seeding_with_cards_false_and_zero_customers(http: Api) -> None:
    assert listed(http.post("/_fake/customers", data={"api_key": KEY, "n": "0"})) == []
    plain = listed(
        http.post("/_fake/customers", json={"api_key": KEY, "n": 1, "with_cards": False})
    )
    assert plain[0]["sources"]["data"] == []


@pytest.mark.parametrize(
    "request_body",
    [
        {"data": {"api_key": KEY, "email": "ada@example.com", "description": "Ada",
                  "metadata[plan]": "pro", "source": "tok_visa"}},
        {"json": {"api_key": KEY, "email": "ada@example.com", "description": "Ada",
                  "metadata": {"plan": "pro"}, "source": "tok_visa"}},
    ],
    ids=["form", "json"],
)  # fmt: skip
def test_seeding_one_customer_with_explicit_params(http: Api, request_body: dict[str, Any]) -> None:
    [customer] = listed(http.post("/_fake/customers", **request_body))
    assert customer["email"] == "ada@example.com"
    assert customer["description"] == "Ada"
    assert customer["metadata"] == {"plan": "pro"}
    [card] = customer["sources"]["data"]
    assert card["brand"] == "Visa" and customer["default_source"] == card["id"]
    assert customer["created"] == START
    assert body_of(http.get(f"/v1/customers/{customer['id']}")) == customer
    events = listed(http.get("/_fake/events"))
    assert [e["type"] for e in events] == ["customer.created", "customer.source.created"]


def test_seeding_a_chosen_id(http: Api) -> None:
    fields = {"api_key": KEY, "id": SEEDED_ID, "email": "doc@example.com"}
    [customer] = listed(http.post("/_fake/customers", data=fields))
    assert customer["id"] == SEEDED_ID and customer["email"] == "doc@example.com"
    assert body_of(http.get(f"/v1/customers/{SEEDED_ID}")) == customer
    assert body_of(http.get(f"/v1/customers/{SEEDED_ID}", key=OTHER_KEY), 404)["error"] == {
        "type": IRE,
        "message": f"No such customer: {SEEDED_ID}",
        "param": "id",
    }
    again = http.post("/_fake/customers", json={"api_key": KEY, "id": SEEDED_ID})
    assert body_of(again, 400) == {
        "error": {
            "type": IRE,
            "message": f"Invalid id {SEEDED_ID}: this account already has (or had) a customer "
            "with that id.",
            "param": "id",
        }
    }
    # Deleted, the id stays taken.
    assert body_of(http.delete(f"/v1/customers/{SEEDED_ID}"))["deleted"] is True
    body_of(http.post("/_fake/customers", data={"api_key": KEY, "id": SEEDED_ID}), 400)
    assert len(body_of(http.get("/v1/customers"))["data"]) == 0


@pytest.mark.parametrize(
    "bad_id", ["cus_5V50idQJ7fxkR", "cus_5V50idQJ7fxkRXX", "cus_5V50idQJ7fxk-X", "card_5V50idQJ7fxkRX",
               "", "5V50idQJ7fxkRXab"],
)  # fmt: skip
def test_seeding_a_malformed_id_is_a_400(http: Api, fake: FakeTofupay, bad_id: str) -> None:
    response = http.post("/_fake/customers", data={"api_key": KEY, "id": bad_id})
    assert body_of(response, 400) == {
        "error": {
            "type": IRE,
            "message": f"Invalid id {bad_id!r}: a customer id is 'cus_' and 14 letters or digits.",
            "param": "id",
        }
    }
    assert fake.customers() == [] and len(fake.events) == 0


def test_control_endpoints_need_no_key_even_with_an_allow_list(
    server: ServerThread, client: Api
) -> None:
    fake = FakeTofupay(api_keys=["sk_test_only"])
    http = serve(server, client, fake)
    [customer] = listed(http.post("/_fake/customers", key=None, data={"api_key": "sk_test_only"}))
    refused = http.post("/_fake/customers", key=None, data={"api_key": KEY, "n": "1"})
    assert body_of(refused, 400)["error"] == {
        "type": IRE,
        "message": "Invalid API Key provided: sk_test_****s0Jc",
        "param": "api_key",
    }
    assert body_of(http.get(f"/v1/customers/{customer['id']}", key="sk_test_only"))
    body_of(http.get(f"/v1/customers/{customer['id']}", key=KEY), 401)
    assert len(listed(http.get("/_fake/calls", key=None))) == 2
    assert len(listed(http.get("/_fake/events", key=None))) == 1
    assert body_of(http.post("/_fake/fail_next", key=None, data={"error": "429"}))
    assert body_of(http.post("/_fake/reset", key=None)) == {"reset": True}


# -- GET /_fake/events -------------------------------------------------------------------


def test_events_oldest_first(http: Api, fake: FakeTofupay) -> None:
    made = body_of(http.post("/v1/customers", data={"email": "a@example.com"}))
    path = f"/v1/customers/{made['id']}"
    body_of(http.post(path, data={"email": "b@example.com"}))
    card = body_of(http.post(f"{path}/sources", data={"source": "tok_mastercard"}))
    body_of(http.delete(path))

    events = listed(http.get("/_fake/events"))
    assert [e["type"] for e in events] == [
        "customer.created",
        "customer.updated",
        "customer.source.created",
        "customer.updated",  # the new card became the default source
        "customer.deleted",
    ]
    assert events == list(fake.events)
    assert all(e["object"] == "event" and e["id"].startswith("evt_") for e in events)
    assert events[1]["data"]["previous_attributes"] == {"email": "a@example.com"}
    assert events[2]["data"]["object"]["id"] == card["id"]
    assert events[3]["data"]["previous_attributes"]["default_source"] is None
    assert [e["created"] for e in events] == sorted(e["created"] for e in events)


def test_events_is_empty_for_a_new_fake(http: Api) -> None:
    assert body_of(http.get("/_fake/events")) == {"object": "list", "data": []}


# -- bad input: the truth table ---------------------------------------------------------

C = "/_fake/customers"
F = "/_fake/fail_next"
JSON_CT = "application/json"
TOO_SMALL = "This value must be greater than or equal to {}."
TOO_LARGE = "This value must be less than or equal to {}."
BAD_ERROR = "Invalid error {!r}: use api_error, rate_limit, card_declined, timeout, connection_error or a status code 400..599."
BAD_JSON = "Invalid request: the body is not a JSON object."
UNSET = (
    "You passed an empty string for 'api_key'. We assume empty values are an attempt to unset "
    "a parameter; however 'api_key' cannot be unset. You should remove 'api_key' from your "
    "request or supply a non-empty value."
)
K = KEY

# (id, method, path, query, content type, body, status, message, param)
BAD_INPUT: list[tuple[str, str, str, str, str, bytes, int, str, str | None]] = [
    ("missing-error", "POST", F, "", FORM, b"method=GET", 400,
     "Missing required param: error.", "error"),
    ("missing-error-empty-body", "POST", F, "", FORM, b"", 400,
     "Missing required param: error.", "error"),
    ("unknown-error-name", "POST", F, "", FORM, b"error=boom", 400, BAD_ERROR.format("boom"), "error"),
    ("error-abc", "POST", F, "", FORM, b"error=abc", 400, BAD_ERROR.format("abc"), "error"),
    ("error-negative", "POST", F, "", FORM, b"error=-500", 400, BAD_ERROR.format("-500"), "error"),
    ("error-empty", "POST", F, "", FORM, b"error=", 400, BAD_ERROR.format(""), "error"),
    ("status-399", "POST", F, "", FORM, b"error=399", 400, TOO_SMALL.format(400), "error"),
    ("status-600", "POST", F, "", FORM, b"error=600", 400, TOO_LARGE.format(599), "error"),
    ("status-600-json", "POST", F, "", JSON_CT, b'{"error": 600}', 400, TOO_LARGE.format(599),
     "error"),
    ("error-as-hash", "POST", F, "", FORM, b"error[a]=1", 400, 'Invalid string: {"a":"1"}',
     "error"),
    ("bad-method", "POST", F, "", FORM, b"error=api_error&method=PATCH", 400,
     "Invalid method 'PATCH': use GET, POST or DELETE.", "method"),
    ("path-without-slash", "POST", F, "", FORM, b"error=api_error&path=v1/customers", 400,
     "Invalid path 'v1/customers': a path starts with / (e.g. /v1/customers/*).", "path"),
    ("times-0", "POST", F, "", FORM, b"error=api_error&times=0", 400, TOO_SMALL.format(1), "times"),
    ("times-1001", "POST", F, "", FORM, b"error=api_error&times=1001", 400, TOO_LARGE.format(1000),
     "times"),
    ("times-x", "POST", F, "", FORM, b"error=api_error&times=x", 400, "Invalid integer: x", "times"),
    ("times-float-form", "POST", F, "", FORM, b"error=api_error&times=1.5", 400,
     "Invalid integer: 1.5", "times"),
    ("unknown-param-reset", "POST", "/_fake/reset", "", FORM, b"hard=true", 400,
     "Received unknown parameter: hard", "hard"),
    ("unknown-param-reset-query", "POST", "/_fake/reset", "hard=true", "", b"", 400,
     "Received unknown parameter: hard", "hard"),
    ("unknown-param-calls", "GET", "/_fake/calls", "order=asc", "", b"", 400,
     "Received unknown parameter: order", "order"),
    ("unknown-param-events", "GET", "/_fake/events", "kind=customer.created", "", b"", 400,
     "Received unknown parameter: kind", "kind"),
    ("unknown-param-fail-next", "POST", F, "", FORM, b"error=api_error&later=1", 400,
     "Received unknown parameter: later", "later"),
    ("bad-when-fail-next", "POST", F, "", FORM, b"error=api_error&when=later", 400,
     "Invalid when 'later': use before or after.", "when"),
    ("missing-api-key", "POST", C, "", FORM, b"n=1", 400, "Missing required param: api_key.",
     "api_key"),
    ("publishable-api-key", "POST", C, "", FORM, b"api_key=pk_test_abcdefgh", 400,
     "This API call cannot be made with a publishable API key.", "api_key"),
    ("empty-api-key", "POST", C, "", FORM, b"api_key=", 400, UNSET, "api_key"),
    ("empty-api-key-json-null", "POST", C, "", JSON_CT, b'{"api_key": null, "n": 1}', 400, UNSET,
     "api_key"),
    ("garbage-api-key", "POST", C, "", FORM, b"api_key=hello", 400,
     "Invalid API Key provided: ****", "api_key"),
    ("n-negative", "POST", C, "", FORM, f"api_key={K}&n=-1".encode(), 400, TOO_SMALL.format(0), "n"),
    ("n-over-10000", "POST", C, "", FORM, f"api_key={K}&n=10001".encode(), 400,
     TOO_LARGE.format(10000), "n"),
    ("n-not-integer", "POST", C, "", FORM, f"api_key={K}&n=two".encode(), 400,
     "Invalid integer: two", "n"),
    ("n-true-json", "POST", C, "", JSON_CT, f'{{"api_key": "{K}", "n": true}}'.encode(), 400,
     "Invalid integer: true", "n"),
    ("id-with-n", "POST", C, "", FORM, f"api_key={K}&n=1&id={SEEDED_ID}".encode(), 400,
     "Invalid id: id names one customer, so it cannot be sent with n.", "id"),
    ("with-cards-maybe", "POST", C, "", FORM, f"api_key={K}&n=1&with_cards=maybe".encode(), 400,
     "Invalid boolean for with_cards: use true or false.", "with_cards"),
    ("unknown-customer-param", "POST", C, "", FORM, f"api_key={K}&nickname=x".encode(), 400,
     "Received unknown parameter: nickname", "nickname"),
    ("unknown-customer-param-with-n", "POST", C, "", FORM, f"api_key={K}&n=2&nickname=x".encode(),
     400, "Received unknown parameter: nickname", "nickname"),
    ("bad-email", "POST", C, "", FORM, f"api_key={K}&email=nope".encode(), 400,
     "Invalid email address: nope", "email"),
    ("json-array", "POST", F, "", JSON_CT, b"[1]", 400, BAD_JSON, None),
    ("json-string", "POST", C, "", JSON_CT, b'"api_key"', 400, BAD_JSON, None),
    ("json-invalid", "POST", F, "", JSON_CT, b'{"error": ', 400, BAD_JSON, None),
    ("json-float", "POST", C, "", JSON_CT, f'{{"api_key": "{K}", "n": 1.5}}'.encode(), 400,
     "Invalid request: n: cannot send a float as a form parameter.", None),
    ("json-float-nested", "POST", C, "", JSON_CT,
     f'{{"api_key": "{K}", "metadata": {{"a": 0.5}}}}'.encode(), 400,
     "Invalid request: metadata[a]: cannot send a float as a form parameter.", None),
    ("json-charset", "POST", F, "", "application/json; charset=utf-8", b'{"error": "nope"}', 400,
     BAD_ERROR.format("nope"), "error"),
    ("wrong-content-type", "POST", F, "", "text/plain", b"error=api_error", 400,
     "Invalid request: unsupported Content-Type 'text/plain'; request bodies must be form-encoded "
     "(application/x-www-form-urlencoded).", None),
    ("not-utf8-form", "POST", F, "", FORM, b"error=\xff", 400,
     "Invalid request: the body is not valid UTF-8 form encoding.", None),
    ("body-over-1-mib", "POST", F, "", FORM, b"error=api_error&x=" + b"a" * MAX_BODY_BYTES, 413,
     f"Request body too large: the limit is {MAX_BODY_BYTES} bytes.", None),
    ("unknown-control-path", "POST", "/_fake/nope", "", "", b"", 404,
     "Unrecognized request URL (POST: /_fake/nope).", None),
    ("get-reset", "GET", "/_fake/reset", "", "", b"", 404,
     "Unrecognized request URL (GET: /_fake/reset).", None),
    ("post-calls", "POST", "/_fake/calls", "", "", b"", 404,
     "Unrecognized request URL (POST: /_fake/calls).", None),
    ("delete-customers", "DELETE", C, "", "", b"", 404,
     "Unrecognized request URL (DELETE: /_fake/customers).", None),
    ("trailing-slash", "POST", "/_fake/reset/", "", "", b"", 404,
     "Unrecognized request URL (POST: /_fake/reset/).", None),
]  # fmt: skip


@pytest.mark.parametrize("transport", ["handle", "socket"])
@pytest.mark.parametrize(
    ("method", "path", "query", "content_type", "body", "status", "message", "param"),
    [row[1:] for row in BAD_INPUT],
    ids=[row[0] for row in BAD_INPUT],
)
def test_bad_input_is_an_error_naming_the_param(
    server: ServerThread,
    client: Api,
    fake: FakeTofupay,
    transport: str,
    method: str,
    path: str,
    query: str,
    content_type: str,
    body: bytes,
    status: int,
    message: str,
    param: str | None,
) -> None:
    fake.add_customer(KEY, email="before@example.com")
    expected: dict[str, Any] = {"type": IRE, "message": message}
    if param is not None:
        expected["param"] = param
    headers = {"content-type": content_type} if content_type else {}
    if transport == "handle":
        answer = control.handle(fake, method, path, query, headers, body)
        assert answer == (status, {"error": expected})
    else:
        http = serve(server, client, fake)
        url = f"{path}?{query}" if query else path
        sent = {"Content-Type": content_type} if content_type else {}
        response = http.request(method, url, key=None, data=body, headers=sent)
        assert body_of(response, status) == {"error": expected}
    # Nothing changed: no fault queued, nothing seeded, nothing recorded.
    assert [c["email"] for c in fake.customers()] == ["before@example.com"]
    assert len(fake.calls) == 0 and len(fake.events) == 1
    ok = fake.handle("POST", "/v1/customers", headers={"authorization": basic(KEY)})
    assert ok.status_code == 200


# -- found while writing these tests (each was a bug, now fixed) ------


def test_a_request_whose_body_never_fully_arrives_changes_nothing(
    server: ServerThread, http: Api, fake: FakeTofupay
) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    sent = b"error=api_error&times=1"  # the client meant times=10..., then went away
    head = (
        "POST /_fake/fail_next HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {FORM}\r\nContent-Length: {len(sent) + 20}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(head.encode() + sent)
        raw.shutdown(socket.SHUT_WR)
        while raw.recv(65536):  # until the server has closed this connection
            pass
    assert body_of(http.get("/v1/customers"))["data"] == []  # no fault was queued
    assert [call.status_code for call in fake.calls] == [200]


def test_calls_show_the_status_an_exception_fault_answered_over_http(
    http: Api, fake: FakeTofupay
) -> None:
    fake.fail_next(httpx.ConnectTimeout)
    assert body_of(http.get("/v1/customers"), 500)["error"]["type"] == "api_error"
    [call] = listed(http.get("/_fake/calls"))
    assert call["status_code"] == 500


# -- the OpenAPI document ---------------------------------------------------------------


def test_openapi_document_is_served(http: Api) -> None:
    response = http.get("/openapi.json", key=None)
    document = body_of(response)
    assert document["openapi"].startswith("3.1")
    assert "/v1/customers" in document["paths"]
    assert "/_fake/reset" in document["paths"]
    assert json.loads(response.content) == document
