"""What a test reads from the fake is its own; bounded logs agree with themselves under
threads; idle keys cost no memory; a customer's card count does not slow its writes."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import tracemalloc
from types import FrameType
from typing import Any

import pytest

from tofupay_fake import FakeTofupay, render

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
FORM = "application/x-www-form-urlencoded"


def headers(key: str = KEY, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}", "content-type": FORM, **extra}


# -- what the call log hands out ----------------------------------------------------------


def test_changing_a_calls_response_or_params_changes_no_replay_store_or_event() -> None:
    fake = FakeTofupay()
    sent = headers(**{"idempotency-key": "once"})
    body = b"email=a@example.com&metadata[plan]=pro"
    first = fake.handle("POST", "/v1/customers", headers=sent, body=body)
    call = fake.calls[0]
    call.response["email"] = "changed@example.com"
    call.response["metadata"]["plan"] = "changed"
    call.params["metadata"]["plan"] = "changed"
    call.params["email"] = "changed@example.com"

    again = fake.handle("POST", "/v1/customers", headers=sent, body=body)
    assert again.headers[2] == ("Idempotent-Replayed", "true")
    assert again.content == first.content
    assert fake.calls[1].params == {"email": "a@example.com", "metadata": {"plan": "pro"}}
    assert fake.calls[0].response["email"] == "a@example.com"
    (customer,) = fake.customers(KEY)
    assert customer["email"] == "a@example.com"
    assert customer["metadata"] == {"plan": "pro"}
    assert fake.events[0]["data"]["object"]["metadata"] == {"plan": "pro"}


def test_changing_a_card_answer_changes_no_event() -> None:
    fake = FakeTofupay()
    fake.handle("POST", "/v1/customers", headers=headers(), body=b"source=tok_visa")
    fake.calls[0].response["sources"]["data"][0]["last4"] = "0000"
    assert fake.events[1]["type"] == "customer.source.created"
    assert fake.events[1]["data"]["object"]["last4"] == "4242"


def test_a_recorded_call_stays_read_only() -> None:
    fake = FakeTofupay()
    fake.handle("GET", "/v1/customers", headers=headers())
    with pytest.raises(AttributeError):
        fake.calls[0].response = {}  # type: ignore[misc]
    assert "sk_test_****s0Jc" in repr(fake.calls[0])
    assert KEY not in repr(fake.calls[0])


# -- bounded logs -------------------------------------------------------------------------


def test_a_bounded_event_log_agrees_with_itself_before_it_is_read() -> None:
    fake = FakeTofupay(history=3)
    for number in range(5):
        fake.handle(
            "POST", "/v1/customers", headers=headers(), body=f"email=c{number}@x.io".encode()
        )
    events = fake.events
    assert len(events) == 3
    listed = list(events)
    assert len(listed) == 3
    assert [event["data"]["object"]["email"] for event in listed] == [
        "c2@x.io",
        "c3@x.io",
        "c4@x.io",
    ]
    assert events[-1] == events.last == listed[-1]
    assert events[0] == listed[0]
    assert len(events.filter("customer.created")) == 3
    assert len(fake.calls) == 3 == len(list(fake.calls))
    assert (
        fake.calls[0].params == {"email": "c2@x.io"}
        and fake.calls.last.params["email"] == "c4@x.io"
    )


def test_reading_bounded_logs_while_threads_write_never_raises_and_stays_consistent() -> None:
    fake = FakeTofupay(history=20)
    stop = threading.Event()
    problems: list[BaseException] = []

    def write(worker: int) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            body = f"email=w{worker}n{number}@x.io".encode()
            fake.handle("POST", "/v1/customers", headers=headers(), body=body)

    def read() -> None:
        try:
            for _ in range(300):
                calls, events = fake.calls, fake.events
                listed = list(calls)
                assert len(listed) <= 20
                assert len(calls) <= 20 and len(events) <= 20
                assert all(call.method == "POST" for call in calls.filter("POST", "/v1/customers"))
                assert len(calls.filter(params={"email": "nobody@x.io"})) == 0
                if listed:
                    assert calls.last.path == "/v1/customers"
                    assert calls[0].method == "POST"
                    assert calls[-1].status_code == 200
                    calls.describe()
                assert len(list(events)) <= 20
                assert len(events.filter("customer.created")) <= 20
                if len(events):
                    assert events.last["type"] == "customer.created"
                    assert events[0]["object"] == "event"
                    events.describe()
        except BaseException as exc:
            problems.append(exc)

    writers = [threading.Thread(target=write, args=(worker,)) for worker in range(3)]
    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in writers + readers:
        thread.start()
    for thread in readers:
        thread.join(120)
    stop.set()
    for thread in writers:
        thread.join(120)
    assert problems == []
    assert len(fake.calls) == 20 == len(list(fake.calls))
    assert len(fake.events) == 20 == len(list(fake.events))


# -- memory per key -----------------------------------------------------------------------


def visit(fake: FakeTofupay, number: int) -> None:
    """A key that lists, fetches, and makes refused writes."""
    key = f"sk_test_visitor{number:08d}"
    fake.handle("GET", "/v1/customers", headers=headers(key))
    fake.handle("GET", "/v1/customers/cus_AAAAAAAAAAAAAA", headers=headers(key))
    fake.handle("POST", "/v1/customers", headers=headers(key), body=b"account_balance=x")
    fake.handle("POST", "/v1/customers/cus_AAAAAAAAAAAAAA", headers=headers(key), body=b"email=x")
    fake.handle("DELETE", "/v1/customers/cus_AAAAAAAAAAAAAA", headers=headers(key))


def test_keys_that_only_read_or_are_refused_leave_no_account() -> None:
    fake = FakeTofupay(history=10)
    for number in range(200):
        visit(fake, number)
    assert fake._store.accounts == {}
    assert fake.customers() == []
    listed = fake.handle("GET", "/v1/customers", headers=headers("sk_test_visitor00000001"))
    assert listed.status_code == 200
    assert b'"data": []' in listed.content
    fake.handle("POST", "/v1/customers", headers=headers("sk_test_writer"), body=b"email=w@x.io")
    assert list(fake._store.accounts) == ["sk_test_writer"]
    fake.seed_customers(0, "sk_test_seedsnothing")
    assert list(fake._store.accounts) == ["sk_test_writer"]
    fake.seed_customers(1, "sk_test_seeds")
    assert list(fake._store.accounts) == ["sk_test_writer", "sk_test_seeds"]


def test_memory_stays_flat_over_1000_distinct_keys() -> None:
    fake = FakeTofupay(history=10)
    for number in range(500):  # warm up: caches, id streams, the bounded logs
        visit(fake, number)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(500, 1_500):
            visit(fake, number)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert fake._store.accounts == {}
    # An account is about 1.5 KiB: 1,000 kept would be about 1.5 MiB. The growth is a fixed
    # ~61 KiB whatever the number of keys (the same over 2,000), so this bound fails at
    # ~50 bytes kept a key.
    assert grown < 110 * 1024, grown


# -- a customer's card count --------------------------------------------------------------


def customer_with_cards(count: int) -> tuple[FakeTofupay, str, str]:
    """A fake, a customer with ``count`` cards and its first card's id (the default)."""
    fake = FakeTofupay()
    made = fake.handle("POST", "/v1/customers", headers=headers(), body=b"source=tok_visa")
    customer_id = json.loads(made.content)["id"]
    record = fake._store.accounts[KEY].customers[customer_id]
    (first,) = record.cards.values()
    for number in range(1, count):  # as attaching would, without thousands of requests
        card = dataclasses.replace(first, id=f"card_{number:024d}", seq=first.seq + number)
        record.cards[card.id] = card
    return fake, customer_id, first.id


def work(fake: FakeTofupay, method: str, path: str, body: bytes = b"") -> int:
    """Lines of Python the fake runs to answer one request (a count, not a time)."""
    lines = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        answer = fake.handle(method, path, headers=headers(), body=body)
    finally:
        sys.settrace(previous)
    assert answer.status_code == 200, answer.content
    return lines


WRITES = [
    ("POST", "", b"metadata[plan]=pro"),
    ("POST", "", b"source=tok_mastercard"),
    ("POST", "/sources", b"source=tok_visa"),
    ("POST", "/sources/{card}", b"name=Ada"),
    ("DELETE", "/sources/{card}", b""),
]


@pytest.mark.parametrize(("method", "suffix", "body"), WRITES)
def test_a_write_costs_the_same_with_4000_cards_as_with_20(
    method: str, suffix: str, body: bytes
) -> None:
    counted: list[int] = []
    rendered: list[int] = []
    for count in (20, 4_000):  # both show the newest 10 inside the customer
        fake, customer_id, card_id = customer_with_cards(count)
        path = f"/v1/customers/{customer_id}" + suffix.format(card=card_id)
        real = render.card
        calls = 0

        def card(record: Any, real: Any = real) -> dict[str, Any]:
            nonlocal calls
            calls += 1
            return real(record)  # type: ignore[no-any-return]

        render.card = card
        try:
            counted.append(work(fake, method, path, body))
        finally:
            render.card = real
        rendered.append(calls)
        assert fake.events.last["type"].startswith("customer.")
    assert rendered[0] == rendered[1]
    assert abs(counted[1] - counted[0]) <= 20, counted  # about 2 lines a card before


def test_events_of_card_writes_name_exactly_the_cards_changed() -> None:
    fake, customer_id, first = customer_with_cards(50)
    base = f"/v1/customers/{customer_id}"
    fake.handle("POST", base + f"/sources/{first}", headers=headers(), body=b"name=Ada")
    assert [e["type"] for e in fake.events][-1:] == ["customer.source.updated"]
    assert fake.events.last["data"]["object"]["id"] == first
    fake.handle("POST", base, headers=headers(), body=b"source=tok_mastercard")
    types = [event["type"] for event in fake.events][-3:]
    assert types == ["customer.source.created", "customer.source.deleted", "customer.updated"]
    assert fake.events[-2]["data"]["object"]["id"] == first  # the default the source replaced
    fake.handle("DELETE", base + "/sources/card_000000000000000000000007", headers=headers())
    assert fake.events.last["type"] == "customer.source.deleted"
    assert fake.events.last["data"]["object"]["id"] == "card_000000000000000000000007"


# -- an escaped slash ---------------------------------------------------------------------


def test_an_escaped_slash_in_an_id_is_a_404_and_changes_nothing() -> None:
    fake, customer_id, card_id = customer_with_cards(2)
    before = fake.get_customer(customer_id)
    events = len(fake.events)
    for method in ("DELETE", "POST", "GET"):
        path = f"/v1/customers/{customer_id}%2Fsources%2F{card_id}"
        answer = fake.handle(method, path, headers=headers(), body=b"")
        assert answer.status_code == 404, (method, answer.content)
        assert json.loads(answer.content)["error"]["type"] == "invalid_request_error"
    assert fake.get_customer(customer_id) == before
    assert len(fake.events) == events
