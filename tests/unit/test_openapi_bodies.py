"""Real requests and answers of the fake fit tofupay_fake/openapi.json.

Every request the fake accepts here must fit the documented params, and every
body it answers (successes, 400, 401, 402, 404, 413 and injected 429/500) must
fit the documented response of that status, with the documented headers; the
same for the control endpoints of server mode, whose refusals must be requests
the document does not allow. Values are checked with jsonschema's Draft 2020-12
validator against the document (see openapi_helpers.py); one test shows those
checks reject bodies that differ from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.unit.openapi_helpers import (
    CARD_ERRORS,
    FORM,
    KEY,
    NOT_FOUND,
    SUCCESSES,
    World,
    a_path,
    check_control,
    check_request,
    check_response,
    control,
    control_body_at,
    customer_path,
    key_of,
    load_document,
    make_world,
    operation,
    pointer,
    response_at,
    route_id,
    schema_errors,
)
from tofupay_fake.core import MAX_BODY_BYTES
from tofupay_fake.faults import InjectedException
from tofupay_fake.routes import ROUTES, Route

#: Every status an API operation may answer besides 200 (402 and 404 only where they happen).
ALWAYS = {"400", "401", "413", "429", "500"}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return load_document()


@pytest.fixture
def world() -> World:
    return make_world()


# -- the API's requests and answers --------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_success_bodies_fit_the_document(doc: dict[str, Any], world: World, route: Route) -> None:
    requests = SUCCESSES[key_of(route)](world)
    assert requests
    for path, pairs in requests:
        check_request(doc, route, pairs)
        check_response(doc, route, world.send(route.method, path, pairs), status=200)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_unknown_param_is_a_documented_400(doc: dict[str, Any], world: World, route: Route) -> None:
    body = check_response(
        doc, route, world.send(route.method, a_path(world, route), [("bogus", "1")]), status=400
    )
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": "Received unknown parameter: bogus",
        "param": "bogus",
    }


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=route_id)
def test_json_body_and_idempotency_mismatch_are_documented_400s(
    doc: dict[str, Any], world: World, route: Route
) -> None:
    path = a_path(world, route)
    as_json = world.send(
        "POST", path, headers={"Content-Type": "application/json"}, pairs=[("a", "b")]
    )
    check_response(doc, route, as_json, status=400)
    world.send("POST", path, [("bogus", "1")], headers={"Idempotency-Key": "k1"})
    reused = world.send("POST", path, [("bogus", "2")], headers={"Idempotency-Key": "k1"})
    assert check_response(doc, route, reused, status=400)["error"]["type"] == "idempotency_error"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=route_id)
def test_replayed_answer_has_the_documented_header(
    doc: dict[str, Any], world: World, route: Route
) -> None:
    path, pairs = SUCCESSES[key_of(route)](world)[0]
    first = world.send("POST", path, pairs, headers={"Idempotency-Key": "replay-me"})
    again = world.send("POST", path, pairs, headers={"Idempotency-Key": "replay-me"})
    assert again.content == first.content
    assert ("Idempotent-Replayed", "true") in again.headers
    check_response(doc, route, again, status=first.status_code)


@pytest.mark.parametrize("key", [None, "pk_test_notASecretKey", "sk_test_"])
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_bad_key_is_a_documented_401(
    doc: dict[str, Any], world: World, route: Route, key: str | None
) -> None:
    response = world.send(route.method, a_path(world, route), key=key)
    if route.publishable and key is not None and key.startswith("pk_"):
        # A publishable key may create tokens: the request is answered (here, no card).
        assert check_response(doc, route, response, status=400)["error"]["param"] == "card"
        return
    assert (
        check_response(doc, route, response, status=401)["error"]["type"] == "authentication_error"
    )


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_402_is_documented_exactly_where_cards_are_taken(doc: dict[str, Any], route: Route) -> None:
    documented = "402" in operation(doc, route.method, route.template)["responses"]
    assert documented == (key_of(route) in CARD_ERRORS)


@pytest.mark.parametrize("route", [r for r in ROUTES if key_of(r) in CARD_ERRORS], ids=route_id)
def test_card_errors_fit_the_document(doc: dict[str, Any], world: World, route: Route) -> None:
    for path, pairs in CARD_ERRORS[key_of(route)](world):
        check_request(doc, route, pairs)  # a well-formed request the card check refuses
        error = check_response(doc, route, world.send(route.method, path, pairs), status=402)
        assert error["error"]["type"] == "card_error"
        assert "code" in error["error"]


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_404_is_documented_exactly_where_objects_are_named(
    doc: dict[str, Any], route: Route
) -> None:
    documented = "404" in operation(doc, route.method, route.template)["responses"]
    assert documented == (key_of(route) in NOT_FOUND)


@pytest.mark.parametrize("route", [r for r in ROUTES if key_of(r) in NOT_FOUND], ids=route_id)
def test_not_found_fits_the_document(doc: dict[str, Any], world: World, route: Route) -> None:
    for path, pairs in NOT_FOUND[key_of(route)](world):
        check_request(doc, route, pairs)
        error = check_response(doc, route, world.send(route.method, path, pairs), status=404)
        assert error["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_documented_error_statuses(doc: dict[str, Any], route: Route) -> None:
    statuses = set(operation(doc, route.method, route.template)["responses"])
    expected = ALWAYS | {"200", "default"}
    expected |= {"402"} if key_of(route) in CARD_ERRORS else set()
    expected |= {"404"} if key_of(route) in NOT_FOUND else set()
    assert statuses == expected


@pytest.mark.parametrize(
    ("fault", "status"), [("rate_limit", 429), ("api_error", 500), (503, 503), (409, 409)]
)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_injected_faults_fit_the_document(
    doc: dict[str, Any], world: World, route: Route, fault: str | int, status: int
) -> None:
    world.fake.fail_next(fault)
    response = world.send(route.method, a_path(world, route))
    if str(status) not in operation(doc, route.method, route.template)["responses"]:
        # statuses only fail_next makes are the documented `default` response
        at = response_at(doc, route.method, route.template, "default")
        assert response.status_code == status
        errors = schema_errors(
            doc, response.json(), at + pointer("content", "application/json", "schema")
        )
        assert not errors, errors
        return
    check_response(doc, route, response, status=status)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_oversized_body_is_a_documented_413(
    doc: dict[str, Any], world: World, route: Route
) -> None:
    body = b"a=" + b"x" * MAX_BODY_BYTES
    response = world.fake.handle(
        route.method, a_path(world, route), headers={"Authorization": f"Bearer {KEY}"}, body=body
    )
    check_response(doc, route, response, status=413)


def test_events_and_seeded_customers_fit_the_document(doc: dict[str, Any], world: World) -> None:
    seeded = world.fake.seed_customers(3, api_key=KEY, with_cards=True)
    for route in sorted(ROUTES, key=lambda r: r.method == "DELETE"):  # deletes last
        for path, pairs in SUCCESSES[key_of(route)](world):
            world.send(route.method, path, pairs)
    for customer in seeded:
        assert not schema_errors(doc, customer, pointer("components", "schemas", "Customer"))
    kinds = {event["type"] for event in world.fake.events}
    assert kinds == set(doc["components"]["schemas"]["Event"]["properties"]["type"]["enum"])
    events = {"object": "list", "data": list(world.fake.events)}
    errors = schema_errors(doc, events, pointer("components", "schemas", "EventList"))
    assert not errors, errors


def test_the_checks_reject_bodies_that_differ_from_the_document(
    doc: dict[str, Any], world: World
) -> None:
    """So a passing check means something: each change below makes the body not fit."""
    at = pointer("components", "schemas", "Customer")
    customer = world.ok("GET", customer_path(world))
    assert not schema_errors(doc, customer, at)
    card = customer["sources"]["data"][0]
    mutations: list[Callable[[dict[str, Any]], None]] = [
        lambda c: c.pop("email"),  # a required field missing
        lambda c: c.update(extra=1),  # a field the document does not have
        lambda c: c.update(livemode="false"),  # wrong types
        lambda c: c.update(created=True),
        lambda c: c.update(metadata={"a": 1}),
        lambda c: c.update(default_source=5),
        lambda c: c.update(id="cus_short"),  # not the pattern
        lambda c: c["sources"].update(object="card"),  # not the const
        lambda c: c["sources"]["data"].append({**card, "brand": "Tofu"}),  # not in the enum
        lambda c: c["sources"]["data"].append({**card, "fingerprint": None}),  # null, not nullable
        lambda c: c.update(delinquent=None),
        lambda c: c["subscriptions"]["data"].append({}),  # more than maxItems
    ]
    for mutate in mutations:
        changed = json.loads(json.dumps(customer))
        mutate(changed)
        assert schema_errors(doc, changed, at), changed
    error = pointer("components", "schemas", "Error")
    assert not schema_errors(doc, {"error": {"type": "api_error", "message": "x"}}, error)
    assert schema_errors(doc, {"error": {"type": "oops", "message": "x"}}, error)
    assert schema_errors(doc, {"error": {"type": "api_error"}}, error)
    # on the wire, digits are the integer they spell, and only digits are
    card_dict = pointer("components", "schemas", "CardDictionary")
    sent = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030"}
    assert not schema_errors(doc, sent, card_dict, wire=True)
    assert schema_errors(doc, sent, card_dict)  # not as JSON
    for month in ("13", "0", "x", "1.5", ""):
        assert schema_errors(doc, {**sent, "exp_month": month}, card_dict, wire=True), month


# -- the control endpoints (server mode) ----------------------------------------------------------


def test_control_endpoints_take_no_key_and_answer_as_documented(
    doc: dict[str, Any], world: World
) -> None:
    world.fake.fail_next(ValueError)  # an exception fault: recorded with status 0
    with pytest.raises(InjectedException):
        world.send("GET", "/v1/customers")
    world.send("POST", "/v1/customers", [("metadata[a]", "b"), ("expand[]", "default_source")])
    world.send("GET", "/v1/customers", key=None)
    calls = check_control(doc, "GET", "/_fake/calls", control(world, "GET", "/_fake/calls"), 200)
    assert {call["status_code"] for call in calls["data"]} >= {0, 200, 401}
    events = check_control(doc, "GET", "/_fake/events", control(world, "GET", "/_fake/events"), 200)
    assert events["data"]
    reset = control(world, "POST", "/_fake/reset")
    assert check_control(doc, "POST", "/_fake/reset", reset, 200) == {"reset": True}
    for method, path in [
        ("GET", "/_fake/calls"),
        ("GET", "/_fake/events"),
        ("POST", "/_fake/reset"),
    ]:
        check_control(doc, method, path, control(world, method, path, query="bogus=1"), 400)
        big = b"a=" + b"x" * MAX_BODY_BYTES
        check_control(doc, method, path, control(world, method, path, body=big), 413)


@pytest.mark.parametrize(
    ("media", "sent"),
    [
        (FORM, {"error": "rate_limit"}),
        (FORM, {"error": "503", "method": "post", "path": "/v1/customers/*", "times": "3"}),
        (FORM, {"error": "card_declined", "method": "", "path": ""}),
        ("application/json", {"error": 418, "times": 1000}),
        ("application/json", {"error": "api_error", "method": "DELETE"}),
    ],
)
def test_fail_next_fits_the_document(
    doc: dict[str, Any], world: World, media: str, sent: dict[str, Any]
) -> None:
    errors = schema_errors(
        doc, sent, control_body_at("/_fake/fail_next", media), wire=media == FORM
    )
    assert not errors, errors
    body = urlencode(sent).encode() if media == FORM else json.dumps(sent).encode()
    answer = control(world, "POST", "/_fake/fail_next", body, media)
    queued = check_control(doc, "POST", "/_fake/fail_next", answer, 200)
    assert queued == {"queued": int(sent.get("times", 1))}


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"error": "oops"},
        {"error": "600"},
        {"error": "api_error", "times": "0"},
        {"error": "api_error", "method": "PUT"},
        {"error": "api_error", "path": "v1/customers"},
        {"error": "api_error", "bogus": "1"},
    ],
)
def test_fail_next_refusals_are_outside_the_document(
    doc: dict[str, Any], world: World, sent: dict[str, str]
) -> None:
    at = control_body_at("/_fake/fail_next", FORM)
    assert schema_errors(doc, sent, at, wire=True), "the document allows it"
    answer = control(world, "POST", "/_fake/fail_next", urlencode(sent).encode())
    check_control(doc, "POST", "/_fake/fail_next", answer, 400)


@pytest.mark.parametrize(
    ("media", "sent", "status"),
    [
        (FORM, {"api_key": KEY, "n": "3"}, 200),
        (FORM, {"api_key": KEY, "n": "2", "with_cards": "true", "description": "Same"}, 200),
        ("application/json", {"api_key": KEY, "n": 0}, 200),
        ("application/json", {"api_key": "sk_live_x1", "n": 1, "with_cards": True}, 200),
        (FORM, {"api_key": KEY}, 200),
        (FORM, {"api_key": KEY, "id": "cus_5V50idQJ7fxkRX", "email": "kif@hong.com"}, 200),
        (
            "application/json",
            {"api_key": KEY, "metadata": {"a": "b"}, "source": "tok_visa", "account_balance": 7},
            200,
        ),
        (FORM, {"api_key": KEY, "source": "tok_chargeDeclined"}, 402),
    ],
)
def test_seeding_customers_fits_the_document(
    doc: dict[str, Any], world: World, media: str, sent: dict[str, Any], status: int
) -> None:
    errors = schema_errors(
        doc, sent, control_body_at("/_fake/customers", media), wire=media == FORM
    )
    assert not errors, errors
    body = urlencode(sent).encode() if media == FORM else json.dumps(sent).encode()
    answer = control(world, "POST", "/_fake/customers", body, media)
    made = check_control(doc, "POST", "/_fake/customers", answer, status)
    if status == 200:
        assert len(made["data"]) == int(sent.get("n", 1))


@pytest.mark.parametrize(
    "sent",
    [
        {"n": "1"},
        {"api_key": "pk_test_x", "n": "1"},
        {"api_key": KEY, "n": "-1"},
        {"api_key": KEY, "n": "1", "id": "cus_5V50idQJ7fxkRX"},
        {"api_key": KEY, "id": "cus_short"},
        {"api_key": KEY, "bogus": "1"},
        {"api_key": KEY, "email": "not an email"},
        {"api_key": KEY, "metadata[a[b]]": "1"},
    ],
)
def test_seeding_refusals_are_outside_the_document(
    doc: dict[str, Any], world: World, sent: dict[str, str]
) -> None:
    at = control_body_at("/_fake/customers", FORM)
    assert schema_errors(doc, sent, at, wire=True), "the document allows it"
    answer = control(world, "POST", "/_fake/customers", urlencode(sent).encode())
    check_control(doc, "POST", "/_fake/customers", answer, 400)
