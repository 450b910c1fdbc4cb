"""Real requests and answers of the fake fit tofupay_fake/openapi.json.

Every request the fake accepts here must fit the documented params, and every
body it answers (successes, 400, 401, 402, 404, 413 and injected 429/500) must
fit the documented response of that status, with the documented headers; the
same for the control endpoints of server mode, whose refusals must be requests
the document does not allow; and for what only the server answers (pages,
scripts, the token preflight, the 403 of a foreign page). Values are checked
with jsonschema's Draft 2020-12 validator against the document (see
openapi_helpers.py); one test shows those checks reject bodies that differ from
it.
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
    operations,
    pointer,
    response_at,
    route_id,
    schema_errors,
    serve,
)
from tofupay_fake import control as control_endpoints
from tofupay_fake import dashboard
from tofupay_fake.core import MAX_BODY_BYTES
from tofupay_fake.faults import InjectedException
from tofupay_fake.routes import ROUTES, Route
from tofupay_fake.transports.asgi_app import make_app

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


def encoded(media: str, sent: dict[str, Any]) -> bytes:
    return urlencode(sent, doseq=True).encode() if media == FORM else json.dumps(sent).encode()


@pytest.mark.parametrize(
    ("media", "sent"),
    [
        (FORM, {"advance": "3600"}),
        (FORM, {"set": "2026-01-15"}),
        ("application/json", {"set": "2026-01-15T10:00:00Z"}),
        ("application/json", {"set": 1421056271}),
        ("application/json", {"advance": 0}),
    ],
)
def test_the_clock_fits_the_document(
    doc: dict[str, Any], world: World, media: str, sent: dict[str, Any]
) -> None:
    errors = schema_errors(doc, sent, control_body_at("/_fake/clock", media), wire=media == FORM)
    assert not errors, errors
    before = check_control(doc, "GET", "/_fake/clock", control(world, "GET", "/_fake/clock"), 200)
    answer = control(world, "POST", "/_fake/clock", encoded(media, sent), media)
    after = check_control(doc, "POST", "/_fake/clock", answer, 200)
    if "advance" in sent:
        assert after["now"] == before["now"] + int(sent["advance"])
    got = check_control(doc, "GET", "/_fake/clock", control(world, "GET", "/_fake/clock"), 200)
    assert got == after


@pytest.mark.parametrize(
    ("sent", "allowed"),
    [
        ({}, False),
        ({"advance": "1", "set": "2026-01-15"}, False),
        ({"advance": "-1"}, False),
        ({"advance": "soon"}, False),
        ({"bogus": "1"}, False),
        ({"set": "yesterday"}, True),  # a string the document allows, the clock refuses
        ({"advance": "253402300799"}, True),  # past the year 9999
    ],
)
def test_clock_refusals_are_documented_400s(
    doc: dict[str, Any], world: World, sent: dict[str, str], allowed: bool
) -> None:
    at = control_body_at("/_fake/clock", FORM)
    assert bool(schema_errors(doc, sent, at, wire=True)) != allowed
    answer = control(world, "POST", "/_fake/clock", urlencode(sent).encode())
    body = check_control(doc, "POST", "/_fake/clock", answer, 400)
    assert body["error"]["type"] == "invalid_request_error"
    bad = control(world, "GET", "/_fake/clock", query="bogus=1")
    check_control(doc, "GET", "/_fake/clock", bad, 400)


@pytest.mark.parametrize(
    ("media", "sent"),
    [
        (FORM, {"url": "http://127.0.0.1:9/hooks", "secret": "whsec_test"}),
        (FORM, {"url": "https://app.test/hooks", "secret": "s", "events": "customer.*"}),
        (
            FORM,
            {
                "url": "http://127.0.0.1:9/hooks",
                "secret": "s",
                "events[]": ["customer.created", "customer.source.*"],
                "api_key": KEY,
            },
        ),
        ("application/json", {"url": "http://localhost:9/h", "secret": "s", "events": ["*"]}),
    ],
)
def test_adding_a_webhook_fits_the_document(
    doc: dict[str, Any], world: World, media: str, sent: dict[str, Any]
) -> None:
    """Only registered: no API request follows, so nothing is delivered anywhere."""
    decoded = {k.removesuffix("[]"): v for k, v in sent.items()}
    errors = schema_errors(doc, decoded, control_body_at("/_fake/webhooks", media), wire=True)
    assert not errors, errors
    answer = control(world, "POST", "/_fake/webhooks", encoded(media, sent), media)
    added = check_control(doc, "POST", "/_fake/webhooks", answer, 200)
    assert added["url"] == sent["url"]


@pytest.mark.parametrize(
    "sent",
    [
        {"secret": "s"},
        {"url": "http://127.0.0.1:9/hooks"},
        {"url": "ftp://127.0.0.1/hooks", "secret": "s"},
        {"url": "http://127.0.0.1:9/hooks", "secret": "s", "events": "invoice.*"},
        {"url": "http://127.0.0.1:9/hooks", "secret": "s", "api_key": "pk_test_x"},
        {"url": "http://127.0.0.1:9/hooks", "secret": "s", "bogus": "1"},
    ],
)
def test_webhook_refusals_are_documented_400s(
    doc: dict[str, Any], world: World, sent: dict[str, str]
) -> None:
    answer = control(world, "POST", "/_fake/webhooks", urlencode(sent).encode())
    check_control(doc, "POST", "/_fake/webhooks", answer, 400)
    assert not world.fake.webhooks.deliveries


def test_webhook_deliveries_fit_the_document(doc: dict[str, Any], world: World) -> None:
    world.fake.webhooks.deliver_to(callback=lambda body, headers: 200)
    world.fake.webhooks.deliver_to(callback=lambda body, headers: 500, events="customer.created")
    world.send("POST", "/v1/customers", [("email", "a@example.com")])
    world.fake.webhooks.flush()
    path = "/_fake/webhooks/deliveries"
    listed = check_control(doc, "GET", path, control(world, "GET", path), 200)
    assert {delivery["status"] for delivery in listed["data"]} == {200, 500}
    newest = check_control(doc, "GET", path, control(world, "GET", path, query="limit=1"), 200)
    assert newest["data"] == listed["data"][-1:]
    for query in ("limit=0", "limit=x", "bogus=1"):
        check_control(doc, "GET", path, control(world, "GET", path, query=query), 400)


FIXTURES: dict[str, Any] = {
    "_meta": {"template_version": 0},
    "fixtures": [
        {
            "name": "jenny",
            "path": "/v1/customers",
            "method": "post",
            "params": {"email": "jenny.rosen@example.com", "source": "tok_visa"},
        },
        {"name": "again", "path": "/v1/customers/${jenny:id}", "method": "get"},
    ],
}


@pytest.mark.parametrize("query", ["", f"api_key={KEY}"])
def test_loading_fixtures_fits_the_document(doc: dict[str, Any], world: World, query: str) -> None:
    at = control_body_at("/_fake/fixtures", "application/json")
    assert not schema_errors(doc, FIXTURES, at)
    body = json.dumps(FIXTURES).encode()
    answer = control(world, "POST", "/_fake/fixtures", body, "application/json", query)
    loaded = check_control(doc, "POST", "/_fake/fixtures", answer, 200)
    assert loaded["fixtures"]["again"]["email"] == "jenny.rosen@example.com"


@pytest.mark.parametrize(
    ("body", "query"),
    [
        (b"not json", ""),
        (b"[1, 2]", ""),
        (b'"fixtures.json"', ""),
        (json.dumps({"fixtures": [{"name": "a", "path": "/v1/x/${b:id}", "method": "get"}]}), ""),
        (json.dumps(FIXTURES), "api_key=pk_test_x"),
        (json.dumps(FIXTURES), "bogus=1"),
    ],
)
def test_fixture_refusals_are_documented_400s(
    doc: dict[str, Any], world: World, body: bytes | str, query: str
) -> None:
    raw = body.encode() if isinstance(body, str) else body
    before = world.fake.snapshot().to_json()
    answer = control(world, "POST", "/_fake/fixtures", raw, "application/json", query)
    check_control(doc, "POST", "/_fake/fixtures", answer, 400)
    assert world.fake.snapshot().to_json() == before, "a document that fails changes nothing"
    big = b"{" + b" " * MAX_BODY_BYTES + b"}"
    too_big = control(world, "POST", "/_fake/fixtures", big, "application/json")
    check_control(doc, "POST", "/_fake/fixtures", too_big, 413)


def test_snapshots_fit_the_document(doc: dict[str, Any], world: World) -> None:
    path = control_endpoints.SNAPSHOT_PATH
    status, text = control(world, "GET", path)
    assert isinstance(text, str)
    saved = check_control(doc, "GET", path, (status, json.loads(text)), 200)
    assert not schema_errors(doc, saved, control_body_at(path, "application/json"))
    live = [customer["id"] for customer in world.fake.customers()]
    world.send("POST", "/v1/customers")
    answer = control(world, "POST", path, text.encode(), "application/json")
    restored = check_control(doc, "POST", path, answer, 200)
    assert restored == {"restored": True, "customers": len(live)}
    assert [customer["id"] for customer in world.fake.customers()] == live
    check_control(doc, "GET", path, control(world, "GET", path, query="bogus=1"), 400)


@pytest.mark.parametrize(
    ("body", "query"),
    [
        (b"", ""),
        (b"{}", ""),
        (b'{"format": "tofupay-fake/0"}', ""),
        (b"[]", ""),
        (b"\xff", ""),
        (b"{}", "bogus=1"),
    ],
)
def test_snapshot_refusals_are_documented_400s(
    doc: dict[str, Any], world: World, body: bytes, query: str
) -> None:
    path = control_endpoints.SNAPSHOT_PATH
    answer = control(world, "POST", path, body, "application/json", query)
    check_control(doc, "POST", path, answer, 400)
    assert world.fake.customers(KEY), "the world is unchanged"


def test_an_oversized_snapshot_is_a_documented_413(
    doc: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit (256 MiB) made small, so the test need not send that much."""
    monkeypatch.setattr(control_endpoints, "MAX_SNAPSHOT_BYTES", 16)
    answer = control(world, "POST", control_endpoints.SNAPSHOT_PATH, b"{" + b" " * 16 + b"}")
    body = check_control(doc, "POST", control_endpoints.SNAPSHOT_PATH, answer, 413)
    assert "16 bytes" in body["error"]["message"]


# -- what only the server answers: pages, scripts, preflights, the guard's 403 --------------


@pytest.mark.parametrize("path", sorted(dashboard.ASSETS))
def test_pages_and_scripts_have_the_documented_content_type(
    doc: dict[str, Any], world: World, path: str
) -> None:
    served = serve(make_app(world.fake), "GET", path)
    assert served.status == 200
    assert served.body
    assert served.media in operation(doc, "GET", path)["responses"]["200"]["content"]


def test_token_preflight_has_the_documented_headers(doc: dict[str, Any], world: World) -> None:
    headers = {"Origin": "https://shop.test", "Access-Control-Request-Method": "POST"}
    served = serve(make_app(world.fake), "OPTIONS", "/v1/tokens", headers)
    assert served.status == 204
    assert served.body == b""
    at = response_at(doc, "OPTIONS", "/v1/tokens", 204)
    documented = doc["paths"]["/v1/tokens"]["options"]["responses"]["204"]["headers"]
    assert "content" not in operation(doc, "OPTIONS", "/v1/tokens")["responses"]["204"]
    for name, header in documented.items():
        assert header["required"] is True
        value = served.headers[name.lower()]
        assert not schema_errors(doc, value, at + pointer("headers", name, "schema")), name


FOREIGN = [{"Origin": "https://evil.test"}, {"Host": "rebound.evil.test"}]


@pytest.mark.parametrize("headers", FOREIGN, ids=["origin", "host"])
def test_foreign_pages_get_the_documented_403(
    doc: dict[str, Any], world: World, headers: dict[str, str]
) -> None:
    app = make_app(world.fake)
    before = world.fake.snapshot().to_json()
    for method, template in sorted(
        (m, t) for m, t, _ in operations(doc) if t.startswith(control_endpoints.PREFIX)
    ):
        served = serve(app, method, template, headers)
        assert served.status == 403, f"{method} {template}"
        assert served.media == "application/json"
        at = response_at(doc, method, template, 403) + pointer(
            "content", "application/json", "schema"
        )
        body = json.loads(served.body)
        assert not schema_errors(doc, body, at), body
        assert body["error"]["type"] == "invalid_request_error"
    assert world.fake.snapshot().to_json() == before, "refused before anything was done"
    for path in ("/openapi.json", "/js/v2/tofupay.js"):  # open to every page
        assert serve(app, "GET", path, headers).status == 200, path
