"""Events over HTTP (sync and async): what each change records, exactly, and what records nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.helpers import create, ok
from tests.conftest import KEY, LIVE_KEY, OTHER_KEY, Api
from tofupay_fake import FakeTofupay
from tofupay_fake.errors import TofupayError

EVENT_ID = re.compile(r"evt_[0-9A-Za-z]{24}")
EVENT_KEYS = ["id", "object", "type", "created", "livemode", "data"]
NONE = object()  # no previous_attributes
CARD_FORM = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2030"}


def check(
    event: dict[str, Any], type_: str, obj: dict[str, Any], previous: Any = NONE, *,
    created: int, livemode: bool = False,
) -> None:  # fmt: skip
    """``event`` is exactly this event (any ``evt_`` id), keys in the documented order."""
    assert list(event) == EVENT_KEYS
    assert EVENT_ID.fullmatch(event["id"]), event["id"]
    data: dict[str, Any] = {"object": obj}
    if previous is not NONE:
        data["previous_attributes"] = previous
    expected = {"object": "event", "type": type_, "created": created, "livemode": livemode}
    assert {k: v for k, v in event.items() if k not in ("id", "data")} == expected
    assert list(event["data"]) == list(data)
    assert event["data"] == data


def types(fake: FakeTofupay) -> list[str]:
    return [event["type"] for event in fake.events]


def path(customer: str, card: str | None = None) -> str:
    return f"/v1/customers/{customer}" + (f"/sources/{card}" if card else "")


def add_card(api: Api, customer: str, source: str = "tok_visa") -> dict[str, Any]:
    return ok(api.post(f"{path(customer)}/sources", data={"source": source}))


# -- customers -----------------------------------------------------------------------


def test_create_records_customer_created(api: Api, fake: FakeTofupay) -> None:
    body = create(api, email="a@example.com", description="first", **{"metadata[plan]": "pro"})
    [event] = fake.events
    check(event, "customer.created", body, created=fake.clock.now())


def test_create_with_a_source_records_the_customer_then_the_card(
    api: Api, fake: FakeTofupay
) -> None:
    body = create(api, email="a@example.com", source="tok_visa")
    [card] = body["sources"]["data"]
    created, card_created = fake.events
    now = fake.clock.now()
    check(created, "customer.created", body, created=now)
    check(card_created, "customer.source.created", card, created=now)
    assert created["id"] != card_created["id"]


def test_update_records_the_previous_values_of_changed_fields(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, email="a@example.com", **{"metadata[a]": "1", "metadata[b]": "2"})
    data = {"email": "z@example.com", "description": "vip", "account_balance": "250",
            "metadata[b]": "", "metadata[c]": "3"}  # fmt: skip
    body = ok(api.post(path(customer["id"]), data=data))
    assert body["metadata"] == {"a": "1", "c": "3"}
    assert types(fake) == ["customer.created", "customer.updated"]
    previous = {"email": "a@example.com", "description": None, "account_balance": 0,
                "metadata": {"a": "1", "b": "2"}}  # fmt: skip
    check(fake.events.last, "customer.updated", body, previous, created=fake.clock.now())


def test_unsetting_fields_records_their_previous_values(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, email="a@example.com", description="d", **{"metadata[a]": "1"})
    body = ok(api.post(path(customer["id"]), data={"email": "", "description": "", "metadata": ""}))
    previous = {"email": "a@example.com", "description": "d", "metadata": {"a": "1"}}
    check(fake.events.last, "customer.updated", body, previous, created=fake.clock.now())
    ok(api.post(path(customer["id"]), data={"email": "", "metadata[a]": ""}))  # no change
    ok(api.post(path(customer["id"]), data={"description": "d"}))
    ok(api.post(path(customer["id"]), data={"description": "d", "metadata[b]": ""}))  # no change
    assert types(fake) == ["customer.created", "customer.updated", "customer.updated"]


def test_updated_event_object_is_never_expanded(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, source="tok_visa")
    data = {"description": "x", "expand[]": "default_source"}
    body = ok(api.post(path(customer["id"]), data=data))
    assert isinstance(body["default_source"], dict)
    event = fake.events.last
    assert event["data"]["object"] == {**body, "default_source": body["default_source"]["id"]}
    assert event["data"]["previous_attributes"] == {"description": None}


def test_update_with_a_new_source_replaces_the_default(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, source="tok_visa")
    [old] = customer["sources"]["data"]
    body = ok(api.post(path(customer["id"]), data={"source": "tok_mastercard", "description": "d"}))
    [new] = body["sources"]["data"]
    assert (body["default_source"], new["brand"]) == (new["id"], "MasterCard")
    now = fake.clock.now()
    events = fake.events[2:]
    assert [e["type"] for e in events] == [
        "customer.source.created", "customer.source.deleted", "customer.updated",
    ]  # fmt: skip
    check(events[0], "customer.source.created", new, created=now)
    check(events[1], "customer.source.deleted", old, created=now)
    previous = {"description": None, "default_source": old["id"]}
    check(events[2], "customer.updated", body, previous, created=now)


def test_first_source_on_update_records_created_and_updated(api: Api, fake: FakeTofupay) -> None:
    customer = create(api)
    body = ok(api.post(path(customer["id"]), data=CARD_FORM))
    [card] = body["sources"]["data"]
    created, updated = fake.events[1:]
    check(created, "customer.source.created", card, created=fake.clock.now())
    check(updated, "customer.updated", body, {"default_source": None}, created=fake.clock.now())


def test_changing_default_source_records_customer_updated(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, source="tok_visa")
    second = add_card(api, customer["id"], "tok_amex")
    body = ok(api.post(path(customer["id"]), data={"default_source": second["id"]}))
    first_id = customer["default_source"]
    assert types(fake)[2:] == ["customer.source.created", "customer.updated"]
    check(fake.events.last, "customer.updated", body, {"default_source": first_id},
          created=fake.clock.now())  # fmt: skip


def test_delete_records_the_customer_as_it_was(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, email="a@example.com", source="tok_visa")
    add_card(api, customer["id"], "tok_discover")
    as_it_was = ok(api.get(path(customer["id"])))
    assert ok(api.delete(path(customer["id"]))) == {"deleted": True, "id": customer["id"]}
    assert types(fake) == [
        "customer.created", "customer.source.created", "customer.source.created",
        "customer.deleted",
    ]  # fmt: skip
    check(fake.events.last, "customer.deleted", as_it_was, created=fake.clock.now())


# -- cards ---------------------------------------------------------------------------


def test_sources_create_records_card_created(api: Api, fake: FakeTofupay) -> None:
    customer = create(api)
    first = add_card(api, customer["id"])
    after_first = ok(api.get(path(customer["id"])))
    created, updated = fake.events[1:]
    check(created, "customer.source.created", first, created=created["created"])
    check(updated, "customer.updated", after_first, {"default_source": None},
          created=created["created"])  # fmt: skip
    second = add_card(api, customer["id"], "tok_jcb")
    [only] = fake.events[3:]
    check(only, "customer.source.created", second, created=fake.clock.now())


def test_card_update_records_source_updated(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, source="tok_visa")
    [card] = customer["sources"]["data"]
    data = {"name": "Jane", "exp_month": str(card["exp_month"] % 12 + 1), "metadata[k]": "v"}
    body = ok(api.post(path(customer["id"], card["id"]), data=data))
    previous = {"exp_month": card["exp_month"], "name": None, "metadata": {}}
    assert types(fake) == ["customer.created", "customer.source.created", "customer.source.updated"]
    check(fake.events.last, "customer.source.updated", body, previous, created=fake.clock.now())


def test_deleting_the_default_card_moves_the_default(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, source="tok_visa")
    first = customer["sources"]["data"][0]
    second = add_card(api, customer["id"], "tok_amex")
    third = add_card(api, customer["id"], "tok_jcb")
    ok(api.delete(path(customer["id"], first["id"])))
    body = ok(api.get(path(customer["id"])))
    assert body["default_source"] == third["id"]  # the newest remaining
    deleted, updated = fake.events[4:]
    check(deleted, "customer.source.deleted", first, created=fake.clock.now())
    check(updated, "customer.updated", body, {"default_source": first["id"]},
          created=fake.clock.now())  # fmt: skip
    ok(api.delete(path(customer["id"], second["id"])))  # not the default: no customer.updated
    check(fake.events.last, "customer.source.deleted", second, created=fake.clock.now())
    assert len(fake.events) == 7
    ok(api.delete(path(customer["id"], third["id"])))
    body = ok(api.get(path(customer["id"])))
    assert body["default_source"] is None
    deleted, updated = fake.events[7:]
    check(deleted, "customer.source.deleted", third, created=fake.clock.now())
    check(updated, "customer.updated", body, {"default_source": third["id"]},
          created=fake.clock.now())  # fmt: skip


# -- what records nothing ---------------------------------------------------------------


FAILING = [
    pytest.param("POST", "/v1/customers", {"email": "nope"}, 400, id="bad-email"),
    pytest.param("POST", "/v1/customers", {"colour": "red"}, 400, id="unknown-param"),
    pytest.param("POST", "/v1/customers", {"source": "tok_chargeDeclined"}, 402, id="decline"),
    pytest.param("POST", "/v1/customers", {"account_balance": "x"}, 400, id="bad-integer"),
    pytest.param("POST", "{c}", {"email": "nope"}, 400, id="update-bad-email"),
    pytest.param("POST", "{c}", {"source": "tok_visa", "default_source": "{card}"}, 400,
                 id="source-and-default"),
    pytest.param("POST", "{c}", {"default_source": "card_nope"}, 400, id="bad-default"),
    pytest.param("POST", "{c}", {"source": "tok_chargeDeclined", "email": "b@example.com"}, 402,
                 id="update-decline"),
    pytest.param("POST", "/v1/customers/cus_nope", {"email": "b@example.com"}, 404, id="update-404"),
    pytest.param("DELETE", "/v1/customers/cus_nope", None, 404, id="delete-404"),
    pytest.param("POST", "{c}/sources", {"source": "tok_chargeDeclined"}, 402, id="card-decline"),
    pytest.param("POST", "{c}/sources/{card}", {"exp_month": "13"}, 402, id="card-update-bad"),
    pytest.param("POST", "{c}/sources/card_nope", {"name": "x"}, 404, id="card-update-404"),
    pytest.param("DELETE", "{c}/sources/card_nope", None, 404, id="card-delete-404"),
    pytest.param("POST", "/v1/unknown", {"email": "b@example.com"}, 404, id="unknown-url"),
]  # fmt: skip


@pytest.mark.truth_table
@pytest.mark.parametrize(("method", "where", "data", "status"), FAILING)
def test_failed_requests_record_nothing(
    api: Api, fake: FakeTofupay, method: str, where: str, data: Any, status: int
) -> None:
    customer = create(api, email="a@example.com", source="tok_visa")
    ids = {"c": path(customer["id"]), "card": customer["default_source"]}
    before = list(fake.events)
    filled = {k: v.format(**ids) for k, v in data.items()} if data else None
    response = api.request(method, where.format(**ids), data=filled)
    assert response.status_code == status, response.text
    assert list(fake.events) == before
    no_key = api.post(path(customer["id"]), key=None, data={"email": "b@example.com"})
    assert no_key.status_code == 401
    assert list(fake.events) == before


def test_gets_and_tokens_record_nothing(api: Api, fake: FakeTofupay) -> None:
    customer = create(api, source="tok_visa")
    card = customer["default_source"]
    for where in ["/v1/customers", path(customer["id"]), f"{path(customer['id'])}/sources",
                  path(customer["id"], card), f"{path(customer['id'])}/subscriptions"]:  # fmt: skip
        ok(api.get(where))
    token = ok(api.post("/v1/tokens", data=CARD_FORM))
    ok(api.get(f"/v1/tokens/{token['id']}"))
    fake.create_token()
    assert types(fake) == ["customer.created", "customer.source.created"]


def test_idempotent_replays_record_nothing(api: Api, fake: FakeTofupay) -> None:
    headers = {"Idempotency-Key": "signup-1"}
    first = api.post("/v1/customers", data={"email": "a@example.com"}, headers=headers)
    again = api.post("/v1/customers", data={"email": "a@example.com"}, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    update = {"description": "d"}
    where = path(first.json()["id"])
    ok(api.post(where, data=update, headers={"Idempotency-Key": "u"}))
    ok(api.post(where, data=update, headers={"Idempotency-Key": "u"}))
    assert types(fake) == ["customer.created", "customer.updated"]


@pytest.mark.parametrize("error", ["api_error", 402, 503, httpx.ConnectTimeout])
def test_injected_faults_record_nothing(api: Api, fake: FakeTofupay, error: Any) -> None:
    fake.fail_next(error, times=2)
    try:
        api.post("/v1/customers", data={"email": "a@example.com"})
    except httpx.ConnectTimeout:
        assert error is httpx.ConnectTimeout
    assert list(fake.events) == []
    customer = fake.add_customer(KEY)
    try:
        api.post(path(customer["id"]), data={"email": "a@example.com"})
    except httpx.ConnectTimeout:
        assert error is httpx.ConnectTimeout
    assert types(fake) == ["customer.created"]
    body = create(api, email="a@example.com")
    assert fake.events.last["data"]["object"] == body


# -- seeding, keys, determinism --------------------------------------------------------------


def test_add_customer_and_seed_customers_record_created(fake: FakeTofupay) -> None:
    added = fake.add_customer(KEY, email="a@example.com", source="tok_visa")
    check(fake.events[0], "customer.created", added, created=fake.events[0]["created"])
    check(fake.events[1], "customer.source.created", added["sources"]["data"][0],
          created=fake.events[0]["created"])  # fmt: skip
    seeded = fake.seed_customers(2, OTHER_KEY)
    assert [e["data"]["object"] for e in fake.events[2:]] == seeded
    assert types(fake)[2:] == ["customer.created", "customer.created"]
    with pytest.raises(TofupayError, match="Invalid email address: nope"):
        fake.add_customer(KEY, email="nope")
    assert len(fake.events) == 4


def test_events_of_every_key_share_one_log(api: Api, fake: FakeTofupay) -> None:
    test = create(api, email="t@example.com")
    live = create(api, LIVE_KEY, email="l@example.com")
    other = create(api, OTHER_KEY, email="o@example.com")
    assert [(e["livemode"], e["data"]["object"]) for e in fake.events] == [
        (False, test), (True, live), (False, other),
    ]  # fmt: skip
    assert live["livemode"] is True
    updated = ok(api.post(path(live["id"]), key=LIVE_KEY, data={"description": "d"}))
    check(fake.events.last, "customer.updated", updated, {"description": None},
          created=fake.clock.now(), livemode=True)  # fmt: skip
    assert api.post(path(live["id"]), data={"description": "x"}).status_code == 404
    assert len(fake.events) == 4


def scenario(api: Api) -> None:
    customer = create(api, email="a@example.com", source="tok_visa")
    amex = add_card(api, customer["id"], "tok_amex")
    ok(api.post(path(customer["id"]), data={"source": "tok_jcb", "metadata[a]": "1"}))
    ok(api.delete(path(customer["id"], amex["id"])))
    ok(api.delete(path(customer["id"])))


def run(mode: str, seed: int) -> list[dict[str, Any]]:
    with FakeTofupay(seed=seed) as own:
        client = Api(mode)
        try:
            scenario(client)
        finally:
            client.close()
        return list(own.events)


def test_events_are_deterministic() -> None:
    first = run("sync", 7)
    assert [e["type"] for e in first] == [
        "customer.created", "customer.source.created", "customer.source.created",
        "customer.source.created", "customer.source.deleted", "customer.updated",
        "customer.source.deleted", "customer.deleted",
    ]  # fmt: skip
    assert run("sync", 7) == first
    assert run("async", 7) == first
    other = run("sync", 8)
    assert [e["id"] for e in other] != [e["id"] for e in first]
    assert len({e["id"] for e in first}) == len(first)


def test_reset_clears_events_and_replays_the_same_ids(api: Api, fake: FakeTofupay) -> None:
    create(api)
    first = fake.events.last
    fake.reset()
    assert len(fake.events) == 0 and list(fake.events) == []
    create(api)
    assert list(fake.events) == [first]


# -- assert_event, filter, last -------------------------------------------------------------


def test_assert_event_returns_the_newest_match(api: Api, fake: FakeTofupay) -> None:
    a = create(api, email="a@example.com")
    b = create(api, email="b@example.com")
    ok(api.post(path(a["id"]), data={"description": "one"}))
    ok(api.post(path(a["id"]), data={"description": "two"}))
    assert fake.assert_event("customer.created") == fake.events[1]
    assert fake.assert_event("customer.created", email="a@example.com") == fake.events[0]
    newest_b = fake.assert_event("customer.created", id=b["id"], email="b@example.com")
    assert newest_b == fake.events[1]
    assert fake.assert_event("customer.updated", id=a["id"]) == fake.events[3]
    assert fake.assert_event("customer.updated", description="one") == fake.events[2]


def test_assert_event_failure_lists_the_events(api: Api, fake: FakeTofupay) -> None:
    with pytest.raises(AssertionError) as empty:
        fake.assert_event("customer.created")
    assert str(empty.value) == (
        "No customer.created event was recorded.\nEvents recorded:\n  (no events were recorded)"
    )
    a = create(api, email="a@example.com", source="tok_visa")
    ok(api.post(path(a["id"]), data={"email": "b@example.com", "description": "d"}))
    card = a["default_source"]
    with pytest.raises(AssertionError) as failed:
        fake.assert_event("customer.created", email="b@example.com")
    assert str(failed.value) == (
        "No customer.created with {'email': 'b@example.com'} event was recorded.\n"
        "Events recorded:\n"
        f"  1. customer.created {a['id']}\n"
        f"  2. customer.source.created {card}\n"
        f"  3. customer.updated {a['id']} changed ['description', 'email']"
    )
    with pytest.raises(AssertionError, match=r"No customer.deleted event was recorded"):
        fake.assert_event("customer.deleted")
    with pytest.raises(AssertionError):
        fake.assert_event("customer.created", no_such_field=None)


def test_filter_and_last(api: Api, fake: FakeTofupay) -> None:
    with pytest.raises(AssertionError, match=r"^No events were recorded by the Tofupay fake\.$"):
        _ = fake.events.last
    customer = create(api, source="tok_visa")
    card = add_card(api, customer["id"], "tok_amex")
    cards = fake.events.filter(type="customer.source.created")
    assert [e["data"]["object"] for e in cards] == [customer["sources"]["data"][0], card]
    assert cards.last == fake.events.last == fake.events[-1] == fake.events[2]
    assert len(fake.events.filter(type="customer.deleted")) == 0
    with pytest.raises(AssertionError):
        _ = fake.events.filter(type="customer.deleted").last
    assert list(fake.events.filter()) == list(fake.events)
    fake.events.last["type"] = "changed"  # each read is a fresh dict
    fake.events[0]["data"]["object"]["email"] = "x"
    assert types(fake) == ["customer.created", "customer.source.created", "customer.source.created"]
    assert fake.events[0]["data"]["object"] == customer
