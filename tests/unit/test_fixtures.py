"""Fixture files (the Stripe CLI's ``fixtures`` format): ``fake.load_fixtures``.

Every answer is compared with what the API answers a twin fake for the same
request; every error is a row of a truth table, and after each the fake is
exactly as it was (the next request answers the same bytes as a twin's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import KEY, OTHER_KEY
from tofupay_fake import FakeTofupay, FixtureError, messages

BEARER = {"Authorization": f"Bearer {KEY}"}
FORM = {**BEARER, "Content-Type": "application/x-www-form-urlencoded"}


def doc(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"_meta": {"template_version": 0}, "fixtures": list(steps)}


def step(
    name: str, path: str = "/v1/customers", method: str = "post", **more: Any
) -> dict[str, Any]:
    return {"name": name, "path": path, "method": method, **more}


JENNY = step(
    "cus_jenny",
    params={"email": "jenny.rosen@example.com", "source": "tok_visa", "metadata": {"plan": "pro"}},
)


def post(fake: FakeTofupay, path: str, **data: str) -> Any:
    return fake.handle("POST", path, headers=FORM, body=urlencode(data).encode()).json()


# -- answers ----------------------------------------------------------------------


def test_each_step_answers_what_the_api_answers() -> None:
    fake, twin = FakeTofupay(seed=7), FakeTofupay(seed=7)
    answers = fake.load_fixtures(
        doc(
            JENNY,
            step(
                "card",
                "/v1/customers/${cus_jenny:id}/sources",
                params={"source": "tok_mastercard"},
            ),
            step("again", "/v1/customers/${cus_jenny:id}", "get"),
            step("listed", "/v1/customers", "get", params={"limit": 1}),
            step("gone", "/v1/customers/${cus_jenny:id}/sources/${card:id}", "delete"),
        ),
        api_key=KEY,
    )
    jenny = post(
        twin,
        "/v1/customers",
        **{"email": "jenny.rosen@example.com", "source": "tok_visa", "metadata[plan]": "pro"},
    )
    card = post(twin, f"/v1/customers/{jenny['id']}/sources", source="tok_mastercard")
    again = twin.handle("GET", f"/v1/customers/{jenny['id']}", headers=BEARER).json()
    listed = twin.handle("GET", "/v1/customers", query="limit=1", headers=BEARER).json()
    gone = twin.handle(
        "DELETE", f"/v1/customers/{jenny['id']}/sources/{card['id']}", headers=BEARER
    ).json()
    assert answers == {
        "cus_jenny": jenny,
        "card": card,
        "again": again,
        "listed": listed,
        "gone": gone,
    }
    assert list(answers) == ["cus_jenny", "card", "again", "listed", "gone"]
    assert gone == {"id": card["id"], "deleted": True}


def test_loading_is_not_a_call_and_draws_no_request_id() -> None:
    fake, twin = FakeTofupay(), FakeTofupay()
    fake.load_fixtures(doc(JENNY), api_key=KEY)
    assert len(fake.calls) == 0
    assert not fake.calls.called
    first = fake.handle("GET", "/v1/customers", headers=BEARER)
    assert first.header("Request-Id") == twin.handle("GET", "/v1/customers", headers=BEARER).header(
        "Request-Id"
    )
    assert len(fake.calls) == 1


def test_its_events_are_recorded_like_the_other_seeding_helpers() -> None:
    fake, twin = FakeTofupay(), FakeTofupay()
    answers = fake.load_fixtures(
        doc(JENNY, step("upd", "/v1/customers/${cus_jenny:id}", params={"description": "VIP"})),
        api_key=KEY,
    )
    jenny = twin.add_customer(
        KEY, email="jenny.rosen@example.com", source="tok_visa", metadata={"plan": "pro"}
    )
    assert answers["cus_jenny"] == jenny
    assert [event["type"] for event in fake.events] == [
        "customer.created",
        "customer.source.created",
        "customer.updated",
    ]
    assert fake.events[0] == twin.events[0]  # the same id, time and object as add_customer's
    assert fake.assert_event("customer.updated", description="VIP")["data"][
        "previous_attributes"
    ] == {"description": None}


def test_loaded_events_are_not_delivered_to_webhooks() -> None:
    fake = FakeTofupay()
    got: list[bytes] = []
    fake.webhooks.deliver_to(callback=lambda body, headers: got.append(body) or 200, mode="auto")
    fake.load_fixtures(doc(JENNY), api_key=KEY)
    fake.webhooks.flush()
    assert got == []
    assert fake.webhooks.deliveries == []
    assert len(fake.events) == 2


def test_faults_and_latency_do_not_touch_a_load() -> None:
    fake = FakeTofupay()
    fake.fail_next("api_error")
    fake.latency(5.0)
    answers = fake.load_fixtures(doc(JENNY), api_key=KEY)
    assert answers["cus_jenny"]["object"] == "customer"
    response = fake.handle("GET", "/v1/customers", headers=BEARER)
    assert response.status_code == 500  # the fault is still queued for the test's own request
    assert response.delay == 5.0


def test_each_account_gets_its_own_world() -> None:
    fake = FakeTofupay()
    mine = fake.load_fixtures(doc(JENNY), api_key=KEY)
    theirs = fake.load_fixtures(doc(JENNY), api_key=OTHER_KEY)
    assert mine["cus_jenny"]["id"] != theirs["cus_jenny"]["id"]
    assert [c["id"] for c in fake.customers(KEY)] == [mine["cus_jenny"]["id"]]
    assert [c["id"] for c in fake.customers(OTHER_KEY)] == [theirs["cus_jenny"]["id"]]


# -- references --------------------------------------------------------------------

REFERENCE_TABLE = [
    # (params of the second step, the customer field it sets, the value the API shows)
    ({"description": "${cus_jenny:email}"}, "description", "jenny.rosen@example.com"),
    ({"description": "card ${cus_jenny:sources.data.0.last4}!"}, "description", "card 4242!"),
    ({"description": "${cus_jenny:sources.data.0.exp_month}"}, "description", "3"),
    ({"description": "${cus_jenny:livemode}"}, "description", "false"),
    ({"description": "${cus_jenny:account_balance}/${cus_jenny:currency}"}, "description", "0/usd"),
    ({"description": "[${cus_jenny:discount}]"}, "description", "[]"),
    ({"description": "${cus_jenny:description|no description}"}, "description", "no description"),
    ({"description": "${cus_jenny:nickname|nameless}"}, "description", "nameless"),
    ({"description": "${cus_jenny:email|unused}"}, "description", "jenny.rosen@example.com"),
    ({"metadata": "${cus_jenny:metadata}"}, "metadata", {"plan": "pro"}),
    ({"metadata": {"card": "${cus_jenny:default_source}"}}, "metadata", "card"),
    ({"account_balance": "${cus_jenny:sources.data.0.exp_month}"}, "account_balance", 3),
    ({"email": "copy.${cus_jenny:email}"}, "email", "copy.jenny.rosen@example.com"),
]


@pytest.mark.parametrize(("params", "field", "shown"), REFERENCE_TABLE)
def test_references_read_an_earlier_answer(params: dict[str, Any], field: str, shown: Any) -> None:
    fake = FakeTofupay()
    answers = fake.load_fixtures(doc(JENNY, step("copy", params=params)), api_key=KEY)
    jenny, copy = answers["cus_jenny"], answers["copy"]
    if shown == "card":  # a nested params value: metadata[card] holds the card's id
        assert copy["metadata"] == {"card": jenny["default_source"]}
    else:
        assert copy[field] == shown


def test_a_reference_in_the_path_and_in_the_idempotency_key() -> None:
    fake = FakeTofupay()
    answers = fake.load_fixtures(
        doc(
            JENNY,
            step(
                "upd",
                "/v1/customers/${cus_jenny:id}",
                params={"email": "new@example.com"},
                idempotency_key="rename-${cus_jenny:id}",
                repeat=2,
            ),
        ),
        api_key=KEY,
    )
    first, replayed = answers["upd"]
    assert first == replayed
    assert first["id"] == answers["cus_jenny"]["id"]
    assert len(fake.events.filter("customer.updated")) == 1  # the second was a replay


def test_a_reference_in_the_path_is_escaped_inside_its_segment() -> None:
    fake = FakeTofupay()
    with pytest.raises(FixtureError) as caught:
        fake.load_fixtures(
            doc(
                step("first", params={"description": "x/../../v1/customers"}),
                step("read", "/v1/customers/${first:description}", "get"),
            ),
            api_key=KEY,
        )
    assert 'answered 404 invalid_request_error: "No such customer: x/../../v1/customers"' in str(
        caught.value
    )


ENV_TABLE = [
    # (environment, reference, description the customer gets)
    ({"PLAN": "gold"}, "${.env:PLAN}", "gold"),
    ({"PLAN": "gold"}, "${.env:PLAN|silver}", "gold"),
    ({}, "${.env:PLAN|silver}", "silver"),
    ({"PLAN": ""}, "${.env:PLAN|silver}", "silver"),
    ({}, "${.env:PLAN|}", None),
    ({"PLAN": "gold"}, "plan: ${.env:PLAN} (${.env:TIER|basic})", "plan: gold (basic)"),
]


@pytest.mark.parametrize(("environ", "reference", "shown"), ENV_TABLE)
def test_env_references(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], reference: str, shown: str | None
) -> None:
    for name in ("PLAN", "TIER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    answers = FakeTofupay().load_fixtures(
        doc(step("c", params={"description": reference})), api_key=KEY
    )
    assert answers["c"]["description"] == shown


# -- params ------------------------------------------------------------------------

PARAMS_TABLE = [
    # (params in the document, what the customer shows for the field)
    ({"account_balance": 500}, ("account_balance", 500)),
    ({"account_balance": -12.0}, ("account_balance", -12)),
    ({"description": None}, ("description", None)),
    ({"description": ""}, ("description", None)),
    ({"description": "Zoë ✓ 100%+&=?"}, ("description", "Zoë ✓ 100%+&=?")),
    (
        {"metadata": {"a": 1, "b": True, "c": "x y"}},
        ("metadata", {"a": "1", "b": "true", "c": "x y"}),
    ),
    ({"metadata": {}}, ("metadata", {})),
    (
        {
            "source": {
                "object": "card",
                "number": "4242424242424242",
                "exp_month": 12,
                "exp_year": 2030,
            }
        },
        ("sources.data.0.last4", "4242"),
    ),
]


@pytest.mark.parametrize(("params", "shown"), PARAMS_TABLE)
def test_params_are_sent_as_the_api_s_form(params: dict[str, Any], shown: tuple[str, Any]) -> None:
    answer = FakeTofupay().load_fixtures(doc(step("c", params=params)), api_key=KEY)["c"]
    field, value = shown
    for part in field.split("."):
        answer = answer[int(part)] if isinstance(answer, list) else answer[part]
    assert answer == value


def test_params_null_and_missing_are_the_same() -> None:
    fake = FakeTofupay()
    answers = fake.load_fixtures(
        doc(step("a", params=None), step("b"), step("c", "/v1/customers", "GET", params={})),
        api_key=KEY,
    )
    assert answers["a"]["email"] is None and answers["b"]["email"] is None
    assert answers["c"]["data"] == [answers["b"], answers["a"]]


# -- repeat and expected errors -----------------------------------------------------


def test_repeat_answers_a_list_and_references_read_the_last() -> None:
    fake = FakeTofupay()
    answers = fake.load_fixtures(
        doc(
            step("many", params={"email": "same@example.com"}, repeat=3),
            step("one", repeat=1),
            step("last", "/v1/customers/${many:id}", "get"),
        ),
        api_key=KEY,
    )
    many = answers["many"]
    assert isinstance(many, list) and len(many) == 3
    assert len({customer["id"] for customer in many}) == 3
    assert isinstance(answers["one"], list) and len(answers["one"]) == 1
    assert answers["last"] == many[-1]


def test_an_expected_error_is_the_answer() -> None:
    fake = FakeTofupay()
    answers = fake.load_fixtures(
        doc(
            step(
                "missing",
                "/v1/customers/cus_nope",
                "get",
                expected_error_type="invalid_request_error",
            ),
            step(
                "declined",
                params={"source": "tok_chargeDeclined"},
                expected_error_type="card_error",
            ),
            step("ok", expected_error_type="card_error"),  # no error: the answer as it is
            step("after", params={"description": "${declined:error.code}"}),
        ),
        api_key=KEY,
    )
    assert (
        answers["missing"]
        == FakeTofupay().handle("GET", "/v1/customers/cus_nope", headers=BEARER).json()
    )
    assert answers["declined"]["error"]["type"] == "card_error"
    assert answers["ok"]["object"] == "customer"
    assert answers["after"]["description"] == answers["declined"]["error"]["code"]


def test_an_empty_document_loads_nothing() -> None:
    fake = FakeTofupay()
    assert fake.load_fixtures({"fixtures": []}, api_key=KEY) == {}
    assert fake.customers() == []


def test_the_cli_s_own_fields_are_accepted() -> None:
    document = {
        "_meta": {"template_version": 0, "exclude_metadata": True, "aliases": ["c"]},
        "fixtures": [step("c")],
        "env": {"CUSTOMER_ID": "${c:id}"},
    }
    assert FakeTofupay().load_fixtures(document, api_key=KEY)["c"]["object"] == "customer"


def test_a_method_in_any_case() -> None:
    answers = FakeTofupay().load_fixtures(
        doc(step("a", method="POST"), step("b", method="Get", path="/v1/customers/${a:id}")),
        api_key=KEY,
    )
    assert answers["a"] == answers["b"]


# -- files -------------------------------------------------------------------------


@pytest.mark.parametrize("as_text", [True, False])
def test_a_file_by_path(tmp_path: Path, as_text: bool) -> None:
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc(JENNY), indent=2), encoding="utf-8")
    answers = FakeTofupay().load_fixtures(str(path) if as_text else path, api_key=KEY)
    assert answers["cus_jenny"]["email"] == "jenny.rosen@example.com"


FILE_ERRORS = [
    # (file bytes or None for no file, message after the path)
    (None, ": cannot read the fixture file (No such file or directory)"),
    (b'{"fixtures": [}', ": not valid JSON: Expecting value (line 1, column 15)"),
    (
        b'{\n  "fixtures": []\n  "x": 1\n}',
        ": not valid JSON: Expecting ',' delimiter (line 3, column 3)",
    ),
    (b"\xff\xfe{}", ": the fixture file is not UTF-8 text"),
    (b"[]", ': a fixture document is a JSON object with "_meta" and "fixtures", got a list'),
]


@pytest.mark.parametrize(("content", "message"), FILE_ERRORS)
def test_file_errors(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "world.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FixtureError) as caught:
        FakeTofupay().load_fixtures(path, api_key=KEY)
    assert str(caught.value) == f"{path}{message}"
    assert caught.value.step is None


# -- errors ------------------------------------------------------------------------

P = "fixtures: "
NEAR = "Perhaps you meant"

ERROR_TABLE: list[tuple[str, Any, str | None, str]] = [
    # (id, document, the step named, the message after "fixtures: ")
    ("no-fixtures", {"_meta": {"template_version": 0}}, None,
     'the document has no "fixtures" list of steps'),
    ("fixtures-not-list", {"fixtures": {"a": 1}}, None, '"fixtures" is a list of steps, got an object'),
    ("unknown-top-field", {"fixture": []}, None,
     "unknown field 'fixture' in the document (it takes _meta, fixtures, env). "
     "Perhaps you meant 'fixtures'?"),
    ("meta-not-object", {"_meta": 0, "fixtures": []}, None, '"_meta" is an object, got a number'),
    ("version-1", {"_meta": {"template_version": 1}, "fixtures": []}, None,
     "template_version 1 is not supported (fixture documents are version 0)"),
    ("version-text", {"_meta": {"template_version": "0"}, "fixtures": []}, None,
     'template_version "0" is not supported (fixture documents are version 0)'),
    ("meta-field", {"_meta": {"template_versoin": 0}, "fixtures": []}, None,
     "unknown field 'template_versoin' in \"_meta\" (it takes template_version, "
     "exclude_metadata, aliases). Perhaps you meant 'template_version'?"),
    ("step-not-object", doc("x"), None,
     "step 1: a step is an object with name, path and method, got a string"),
    ("no-name", doc({"path": "/v1/customers", "method": "post"}), None,
     'step 1: every step needs a "name" (a non-empty string)'),
    ("empty-name", doc(step("")), None, 'step 1: every step needs a "name" (a non-empty string)'),
    ("name-number", doc(step(3)), None, 'step 1: every step needs a "name" (a non-empty string)'),  # type: ignore[arg-type]
    ("name-colon", doc(step("a:b")), "a:b",
     "step 1 ('a:b'): a step name cannot be '.env' nor hold any of { } : |"),
    ("name-env", doc(step(".env")), ".env",
     "step 1 ('.env'): a step name cannot be '.env' nor hold any of { } : |"),
    ("duplicate", doc(step("a"), step("b"), step("a")), "a",
     "step 3 ('a'): the name 'a' is already used by step 1; each step needs its own name"),
    ("unknown-field", doc(step("a", parms={})), "a",
     "step 1 ('a'): unknown field 'parms' in a step (it takes name, path, method, params, "
     "expected_error_type, idempotency_key, repeat). Perhaps you meant 'params'?"),
    ("no-method", doc({"name": "a", "path": "/v1/customers"}), "a",
     "step 1 ('a'): method must be get, post or delete, got no method."),
    ("bad-method", doc(step("a", method="pots")), "a",
     "step 1 ('a'): method must be get, post or delete, got \"pots\". Perhaps you meant 'post'?"),
    ("put", doc(step("a", method="put")), "a",
     "step 1 ('a'): method must be get, post or delete, got \"put\"."),
    ("no-path", doc({"name": "a", "method": "get"}), "a",
     "step 1 ('a'): path must be the API path, starting with \"/\" (e.g. \"/v1/customers\"), "
     "got no path"),
    ("relative-path", doc(step("a", "v1/customers")), "a",
     "step 1 ('a'): path must be the API path, starting with \"/\" (e.g. \"/v1/customers\"), "
     'got "v1/customers"'),
    ("params-list", doc(step("a", params=["email"])), "a",
     "step 1 ('a'): params must be an object, got a list"),
    ("error-type", doc(step("a", expected_error_type="card_eror")), "a",
     'step 1 (\'a\'): expected_error_type "card_eror" is not an error type of the API '
     "(api_error, authentication_error, card_error, idempotency_error, invalid_request_error, "
     "rate_limit_error). Perhaps you meant 'card_error'?"),
    ("idempotency-number", doc(step("a", idempotency_key=5)), "a",
     "step 1 ('a'): idempotency_key must be a non-empty string, got 5"),
    ("repeat-0", doc(step("a", repeat=0)), "a",
     "step 1 ('a'): repeat must be an integer from 1 to 10000, got 0"),
    ("repeat-negative", doc(step("a", repeat=-2)), "a",
     "step 1 ('a'): repeat must be an integer from 1 to 10000, got -2"),
    ("repeat-float", doc(step("a", repeat=1.5)), "a",
     "step 1 ('a'): repeat must be an integer from 1 to 10000, got 1.5"),
    ("repeat-text", doc(step("a", repeat="2")), "a",
     'step 1 (\'a\'): repeat must be an integer from 1 to 10000, got "2"'),
    ("repeat-bool", doc(step("a", repeat=True)), "a",
     "step 1 ('a'): repeat must be an integer from 1 to 10000, got true"),
    ("repeat-null", doc(step("a", repeat=None)), "a",
     "step 1 ('a'): repeat must be an integer from 1 to 10000, got null"),
    ("repeat-huge", doc(step("a", repeat=10_001)), "a",
     "step 1 ('a'): repeat must be an integer from 1 to 10000, got 10001"),
    ("no-path-in-ref", doc(step("a"), step("b", "/v1/customers/${a}")), "b",
     "step 2 ('b'): malformed reference '${a}': write ${step:field.path} (e.g. ${cus_jenny:id}) "
     "or ${.env:VAR|default}"),
    ("unclosed-ref", doc(step("a"), step("b", "/v1/customers/${a:id")), "b",
     "step 2 ('b'): malformed reference '${a:id': write ${step:field.path} (e.g. ${cus_jenny:id}) "
     "or ${.env:VAR|default}"),
    ("empty-name-ref", doc(step("b", params={"email": "${:id}"})), "b",
     "step 1 ('b'): malformed reference '${:id}': write ${step:field.path} "
     "(e.g. ${cus_jenny:sources.data.0.id}) or ${.env:VAR|default}"),
    ("empty-path-ref", doc(step("a"), step("b", params={"email": "${a:}"})), "b",
     "step 2 ('b'): malformed reference '${a:}': write ${step:field.path} "
     "(e.g. ${cus_jenny:sources.data.0.id}) or ${.env:VAR|default}"),
    ("empty-segment", doc(step("a"), step("b", params={"m": {"x": ["${a:sources..id}"]}})), "b",
     "step 2 ('b'): malformed reference '${a:sources..id}': write ${step:field.path} "
     "(e.g. ${cus_jenny:sources.data.0.id}) or ${.env:VAR|default}"),
    ("unknown-ref", doc(step("cus_jenny"), step("b", "/v1/customers/${cus_jeny:id}")), "b",
     "step 2 ('b'): unknown reference ${cus_jeny:id}: no step is named 'cus_jeny'. "
     "Perhaps you meant 'cus_jenny'?"),
    ("unknown-ref-far", doc(step("a"), step("b", idempotency_key="${zzz:id}")), "b",
     "step 2 ('b'): unknown reference ${zzz:id}: no step is named 'zzz'."),
    ("self-cycle", doc(step("a", "/v1/customers/${a:id}")), "a",
     "step 1 ('a'): a cycle of references: a -> a; a step can only use the answers of the "
     "steps before it"),
    ("cycle", doc(step("x"), step("a", params={"email": "${b:email}"}), step("b", params={"m": "${a:id}"})),
     "a", "step 2 ('a'): a cycle of references: a -> b -> a; a step can only use the answers "
     "of the steps before it"),
    ("forward", doc(step("a", params={"description": "${b:id}"}), step("b")), "a",
     "step 1 ('a'): ${b:id} refers to step 2 ('b'), which runs later; move 'b' before 'a'"),
    ("nested-too-deep", doc(step("a", params={"m": json.loads("[" * 40 + "]" * 40)})), "a",
     "step 1 ('a'): params are nested too deeply"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "named", "message"),
    [row[1:] for row in ERROR_TABLE],
    ids=[row[0] for row in ERROR_TABLE],
)
def test_a_bad_document_is_refused_before_any_step_runs(
    document: Any, named: str | None, message: str
) -> None:
    fake, twin = FakeTofupay(), FakeTofupay()
    with pytest.raises(FixtureError) as caught:
        fake.load_fixtures(document, api_key=KEY)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == P + message
    assert caught.value.step == named
    assert_untouched(fake, twin)


ADD_EXPECTED = (
    'add "expected_error_type": "invalid_request_error" to the step if this error is expected'
)

RUN_ERROR_TABLE: list[tuple[str, list[dict[str, Any]], str, str]] = [
    # (id, steps after two good ones, the step named, the message after "fixtures: ")
    ("api-error", [step("bad", params={"emial": "x"})], "bad",
     "step 3 ('bad'): POST /v1/customers answered 400 invalid_request_error: "
     '"Received unknown parameter: emial" (param: emial); ' + ADD_EXPECTED),
    ("other-error", [step("bad", params={"source": "tok_chargeDeclined"},
                          expected_error_type="invalid_request_error")], "bad",
     "step 3 ('bad'): POST /v1/customers answered 402 card_error: "
     '"Your card was declined."; the step expected invalid_request_error'),
    ("repeat-fails", [step("bad", "/v1/customers/${good:id}/sources", repeat=3,
                           params={"source": "tok_visa"}, idempotency_key="same"),
                      step("worse", "/v1/customers/cus_nope", "delete")], "worse",
     "step 4 ('worse'): DELETE /v1/customers/cus_nope answered 404 invalid_request_error: "
     '"No such customer: cus_nope" (param: id); ' + ADD_EXPECTED),
    ("repetition", [step("bad", "/v1/customers/${good:id}", "delete", repeat=2)], "bad",
     "step 3 ('bad'), repetition 2 of 2: DELETE /v1/customers/${good:id} answered 404 "
     'invalid_request_error: "No such customer: {good}" (param: id); ' + ADD_EXPECTED),
    ("unknown-field", [step("bad", "/v1/customers/${good:emial}", "get")], "bad",
     "step 3 ('bad'): unknown reference ${good:emial}: the answer of 'good' has no field "
     "'emial'. Perhaps you meant 'email'?"),
    ("no-such-item", [step("bad", "/v1/customers/${good:sources.data.1.id}", "get")], "bad",
     "step 3 ('bad'): unknown reference ${good:sources.data.1.id}: the answer of 'good' at "
     "sources.data is a list of 1 item(s); '1' is not an index of it"),
    ("into-text", [step("bad", "/v1/customers/${good:email.x}", "get")], "bad",
     "step 3 ('bad'): unknown reference ${good:email.x}: the answer of 'good' at email is a "
     "string, not an object or a list"),
    ("into-null", [step("bad", "/v1/customers/${good:description.x}", "get")], "bad",
     "step 3 ('bad'): unknown reference ${good:description.x}: the answer of 'good' at "
     "description is null, not an object or a list"),
    ("object-in-text", [step("bad", params={"description": "meta: ${good:metadata}"})], "bad",
     "step 3 ('bad'): ${good:metadata} is an object, which cannot be written inside text; "
     "use it as a whole params value"),
    ("object-in-path", [step("bad", "/v1/customers/${good:sources}", "get")], "bad",
     "step 3 ('bad'): ${good:sources} is an object, which cannot be written inside text; "
     "use it as a whole params value"),
    ("env-unset", [step("bad", params={"email": "${.env:TOFUPAY_FIXTURE_UNSET}"})], "bad",
     "step 3 ('bad'): ${.env:TOFUPAY_FIXTURE_UNSET}: the environment variable "
     "TOFUPAY_FIXTURE_UNSET is not set (give a default: ${.env:TOFUPAY_FIXTURE_UNSET|value})"),
    ("set-value", [step("bad", params={"metadata": {"a": {1, 2}}})], "bad",
     "step 3 ('bad'): params: metadata[a] cannot be sent as a form value (set)"),
    ("unrecognized-url", [step("bad", "/v1/charges")], "bad",
     "step 3 ('bad'): POST /v1/charges answered 404 invalid_request_error: "
     + json.dumps(messages.UNRECOGNIZED_URL.format(method="POST", path="/v1/charges"))
     + "; " + ADD_EXPECTED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("steps", "named", "message"),
    [row[1:] for row in RUN_ERROR_TABLE],
    ids=[row[0] for row in RUN_ERROR_TABLE],
)
def test_a_failing_step_leaves_the_fake_as_it_was(
    monkeypatch: pytest.MonkeyPatch, steps: list[dict[str, Any]], named: str, message: str
) -> None:
    monkeypatch.delenv("TOFUPAY_FIXTURE_UNSET", raising=False)
    fake = FakeTofupay(seed=3)
    fake.add_customer(KEY, email="before@example.com")  # a world before the load
    post(fake, "/v1/customers", email="called@example.com")
    good = [step("good", params={"email": "good@example.com", "source": "tok_visa"}), step("two")]
    with pytest.raises(FixtureError) as caught:
        fake.load_fixtures(doc(*good, *steps), api_key=KEY)
    text = str(caught.value)
    assert caught.value.step == named
    if "{good}" in message:
        prefix, _, suffix = (P + message).partition("{good}")
        assert text.startswith(prefix) and text.endswith(suffix)
    else:
        assert text == P + message
    assert_untouched(fake, FakeTofupay(seed=3), before=True)


def assert_untouched(fake: FakeTofupay, twin: FakeTofupay, *, before: bool = False) -> None:
    """``fake`` holds exactly what ``twin`` holds, and answers its next requests alike."""
    if before:
        twin.add_customer(KEY, email="before@example.com")
        post(twin, "/v1/customers", email="called@example.com")
    assert fake.customers() == twin.customers()
    assert [call.describe() for call in fake.calls] == [call.describe() for call in twin.calls]
    assert list(fake.events) == list(twin.events)
    assert fake.clock.now() == twin.clock.now()
    for each in (fake, twin):
        each.add_customer(KEY, email="after@example.com", source="tok_visa")
    request = {"headers": FORM, "body": b"email=next%40example.com&source=tok_mastercard"}
    assert (
        fake.handle("POST", "/v1/customers", **request).content
        == twin.handle("POST", "/v1/customers", **request).content
    )
    assert list(fake.events) == list(twin.events)


def test_an_allow_list_refuses_other_keys() -> None:
    fake = FakeTofupay(api_keys=[KEY])
    with pytest.raises(FixtureError) as caught:
        fake.load_fixtures(doc(JENNY), api_key=OTHER_KEY)
    assert str(caught.value).startswith("fixtures: api_key: ")
    assert caught.value.step is None
    assert fake.customers() == []


@pytest.mark.parametrize("key", ["pk_test_123", "", "sk_nope"])
def test_a_bad_key_is_refused(key: str) -> None:
    with pytest.raises(FixtureError, match=r"^fixtures: api_key: "):
        FakeTofupay().load_fixtures(doc(JENNY), api_key=key)


@pytest.mark.parametrize(
    ("source", "key", "message"),
    [
        (b"{}", KEY, "load_fixtures() takes a path to a fixture file or the document as a dict, got bytes"),
        (None, KEY, "load_fixtures() takes a path to a fixture file or the document as a dict, got NoneType"),
        (doc(JENNY), None, "load_fixtures() takes api_key as a str, got NoneType"),
    ],
)  # fmt: skip
def test_wrong_types_are_type_errors(source: Any, key: Any, message: str) -> None:
    with pytest.raises(TypeError) as caught:
        FakeTofupay().load_fixtures(source, api_key=key)
    assert str(caught.value) == message


def test_fixture_error_is_public_and_a_value_error() -> None:
    import tofupay_fake
    from tofupay_fake.fixtures import FixtureError as Home

    assert tofupay_fake.FixtureError is Home
    assert issubclass(FixtureError, ValueError)
