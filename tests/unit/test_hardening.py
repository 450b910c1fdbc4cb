"""What a test reads from the fake is its own; bounded logs agree with themselves under
threads; idle keys cost no memory; a customer's card count does not slow its writes."""

from __future__ import annotations

import threading
import tracemalloc

import pytest

from tofupay_fake import FakeTofupay

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
