"""The hot path's shortcuts give exactly what the plain code gives.

``render.dumps`` (one C encoder made once),
``events.encode`` (event JSON by concatenation), events given ids and JSON
when first read, ``IdFactory.new`` (the draws of ``random.choices``),
``CallLog.add`` and the httpx transport's header dict.
"""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import SSL_CONTEXT
from tofupay_fake import FakeTofupay, render
from tofupay_fake.events import EventLog, encode, event
from tofupay_fake.ids import ALPHABET, BULK_PREFIXES, ID_LENGTHS, IdFactory
from tofupay_fake.recorder import CallLog, RecordedCall
from tofupay_fake.transports._compat_httpx import lowered_headers as _lowered_headers


def plain(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def customer(ident: str = "cus_A", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": "customer",
        "created": 1421056271,
        "id": ident,
        "livemode": False,
        "description": "Ünïcode \u2028 \"quoted\" \\ \x00",
        "email": "a@example.com",
        "delinquent": False,
        "metadata": {"plan": "pro", "ключ": "значение"},
        "subscriptions": {"object": "list", "total_count": 0, "has_more": False,
                          "url": f"/v1/customers/{ident}/subscriptions", "data": []},
        "discount": None,
        "account_balance": -5,
        "currency": "usd",
        "sources": {"object": "list", "total_count": 1, "has_more": False,
                    "url": f"/v1/customers/{ident}/sources",
                    "data": [{"id": "card_1", "object": "card", "metadata": {}}]},
        "default_source": "card_1",
    }  # fmt: skip
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "obj",
    [
        customer(),
        {"a": 'é\u2028\x00"\\', "b": [1, 2.5, None, True, False, float("nan"), float("-inf")]},
        {"nested": {"deep": [{"x": []}, {}]}, "big": 2**70, "neg": -0.0, "tiny": 1e-300},
        {1: "int key", False: "bool key", None: "none key", 2.5: "float key"},
        "just a string",
        [],
        {},
    ],
)
def test_dumps_is_json_dumps(obj: Any) -> None:
    assert render.dumps(obj) == plain(obj)


def test_dumps_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        render.dumps({"a": object()})


@pytest.mark.parametrize(
    "change",
    [
        ("customer.created", customer(), None),
        ("customer.updated", customer(), {"email": None, "metadata": {"ä": "1"}}),
        ("customer.deleted", customer("cus_gone"), None),
        ("customer.source.created", {"id": "card_1", "object": "card"}, None),
    ],
)
@pytest.mark.parametrize("livemode", [False, True])
def test_event_encoding_is_json_dumps(change: Any, livemode: bool) -> None:
    assert encode("evt_123", 1421056272, livemode, change) == plain(
        event("evt_123", 1421056272, livemode, change)
    )


@pytest.mark.parametrize("seed", [0, 1, 7, 2**63, 12345678901234567890])
def test_ids_are_those_of_random_choices(seed: int) -> None:
    factory = IdFactory(seed)
    prefixes = [prefix for prefix in ID_LENGTHS if prefix not in BULK_PREFIXES]
    streams = {prefix: random.Random(f"{seed}:{prefix}") for prefix in prefixes}
    for index in range(2000):
        prefix = prefixes[index % len(prefixes)]
        draws = "".join(streams[prefix].choices(ALPHABET, k=ID_LENGTHS[prefix]))
        assert factory.new(prefix) == f"{prefix}_{draws}"
    factory.reset()
    assert factory.new("cus") == "cus_" + "".join(
        random.Random(f"{seed}:cus").choices(ALPHABET, k=14)
    )


def test_events_get_their_ids_in_order_however_late_they_are_read() -> None:
    change = ("customer.created", customer(), None)
    eager, lazy = IdFactory(3), IdFactory(3)
    expected = [encode(eager.new("evt"), 100 + n, False, change) for n in range(4)]
    log = EventLog()
    for n in range(2):
        log.record(lazy, 100 + n, False, change)
    assert len(log) == 2
    assert log[0] == json.loads(expected[0])
    for n in range(2, 4):
        log.record(lazy, 100 + n, False, change)
    assert [e["id"] for e in log] == [json.loads(text)["id"] for text in expected]
    assert list(log) == [json.loads(text) for text in expected]


def test_clearing_pending_events_uses_up_their_ids() -> None:
    change = ("customer.created", customer(), None)
    eager, lazy = IdFactory(4), IdFactory(4)
    log = EventLog()
    log.record(lazy, 100, False, change)
    log.clear()
    eager.new("evt")
    log.record(lazy, 101, False, change)
    assert log.last["id"] == eager.new("evt")


def test_listeners_hear_every_event_recorded_after_they_subscribe() -> None:
    change = ("customer.created", customer(), None)
    ids = IdFactory(5)
    log = EventLog()
    log.record(ids, 100, False, change)  # before anyone listens: never delivered
    heard: list[str] = []
    log.subscribe(heard.append)
    log.record(ids, 101, False, change)
    assert [json.loads(text)["created"] for text in heard] == [101]
    assert [e["created"] for e in log] == [100, 101]
    assert len({e["id"] for e in log}) == 2


def test_calllog_add_makes_the_recorded_call_the_constructor_makes() -> None:
    log = CallLog()
    headers = {"idempotency-key": "k1", "authorization": "Bearer sk_test_x"}
    log.add(
        "POST", "/v1/customers", {"email": "a"}, headers, "sk_test_x", 200, {"id": "c"}, "req_1"
    )
    assert log.last == RecordedCall(
        method="POST",
        path="/v1/customers",
        params={"email": "a"},
        headers=headers,
        api_key="sk_test_x",
        idempotency_key="k1",
        status_code=200,
        response={"id": "c"},
        request_id="req_1",
    )
    assert repr(log.last).startswith("RecordedCall(POST /v1/customers")


@pytest.mark.parametrize(
    "raw",
    [
        [(b"Authorization", b"Basic eA=="), (b"X-Thing", b"1")],
        [(b"x-dup", b"1"), (b"X-Dup", b"2")],  # repeated: httpx joins them
        [(b"x-utf8", "é".encode())],  # not ASCII: httpx's own decoding
        [(b"x-latin", b"\xe9\xff")],
    ],
)
def test_transport_headers_are_what_handle_would_make(raw: list[tuple[bytes, bytes]]) -> None:
    headers = httpx.Headers(raw)
    lowered = _lowered_headers(headers)
    expected = {name.lower(): value for name, value in headers.items()}
    assert lowered is None or lowered == expected
    if len({name.lower() for name, _ in raw}) < len(raw) or not all(
        value.isascii() for _, value in raw
    ):
        assert lowered is None


ORIGINAL_LOOKUPS = (httpx.Client._transport_for_url, httpx.AsyncClient._transport_for_url)


def created(client: httpx.Client) -> int:
    return client.post("/v1/customers", data={"email": "a@b.co"}).status_code


def test_stopping_out_of_order_beside_respx_leaves_httpx_as_it_was() -> None:
    fake = FakeTofupay()
    with httpx.Client(
        base_url="https://api.tofupay.com", auth=("sk_test_x", ""), verify=SSL_CONTEXT
    ) as client:
        fake.start()
        router = respx.mock(using="httpx", assert_all_called=False)
        router.get("https://other.example/").respond(204)
        router.start()  # respx's patch now wraps ours
        fake.stop()  # not last in, first out
        assert client.get("https://other.example/").status_code == 204
        router.stop()
        again = FakeTofupay(seed=1).start()  # reuses our lookup left inside respx's
        try:
            assert created(client) == 200
            assert len(again.calls) == 1
        finally:
            again.stop()
    assert (httpx.Client._transport_for_url, httpx.AsyncClient._transport_for_url) == (
        ORIGINAL_LOOKUPS
    )
    assert len(fake.calls) == 0


def test_two_fakes_on_one_origin_cannot_both_be_started() -> None:
    first, second = FakeTofupay(), FakeTofupay(seed=2)
    with httpx.Client(
        base_url="https://api.tofupay.com", auth=("sk_test_x", ""), verify=SSL_CONTEXT
    ) as client:
        first.start()
        with pytest.raises(RuntimeError) as refused:
            second.start()
        assert repr(first) in str(refused.value) and repr(second) in str(refused.value)
        assert created(client) == 200  # the first still answers
        first.stop()
        second.start()  # once the first is stopped
        assert created(client) == 200
        second.stop()
    assert (len(first.calls), len(second.calls)) == (1, 1)
    assert (httpx.Client._transport_for_url, httpx.AsyncClient._transport_for_url) == (
        ORIGINAL_LOOKUPS
    )


def test_a_long_run_draws_no_event_id_until_the_log_is_read() -> None:
    change = ("customer.created", customer(), None)
    eager, lazy = IdFactory(6), IdFactory(6)
    untouched = IdFactory(6).positions(("evt",))
    log = EventLog()
    for n in range(600):
        log.record(lazy, n, False, change)
    assert len(log) == 600
    assert lazy.positions(("evt",)) == untouched  # nothing paid yet
    assert [e["id"] for e in log] == [eager.new("evt") for _ in range(600)]


def test_a_log_with_a_limit_encodes_as_it_goes_and_keeps_the_newest() -> None:
    change = ("customer.created", customer(), None)
    eager, lazy = IdFactory(6), IdFactory(6)
    untouched = IdFactory(6).positions(("evt",))
    log = EventLog(limit=100)
    for n in range(250):
        log.record(lazy, n, False, change)
    assert lazy.positions(("evt",)) != untouched  # encoded while recording: memory stays flat
    assert len(log) == 100
    ids = [eager.new("evt") for _ in range(250)]
    assert [e["id"] for e in log] == ids[-100:]
    assert [e["created"] for e in log] == list(range(150, 250))


@pytest.mark.parametrize("prefix", sorted(ID_LENGTHS))
@pytest.mark.parametrize("count", [0, 1, 2, 7, 256])
def test_many_ids_at_once_are_the_ids_one_at_a_time(prefix: str, count: int) -> None:
    one_by_one, at_once = IdFactory(5), IdFactory(5)
    one_by_one.new(prefix)
    at_once.new(prefix)  # from a stream already drawn from, as in use
    expected = [one_by_one.new(prefix) for _ in range(count)]
    assert at_once.many(prefix, count) == expected
    assert at_once.new(prefix) == one_by_one.new(prefix)  # and the stream goes on alike


def test_many_ids_skip_taken_ones_as_new_does() -> None:
    one_by_one, at_once = IdFactory(9), IdFactory(9)
    taken = {one_by_one.new("evt")}
    one_by_one = IdFactory(9)
    for factory in (one_by_one, at_once):
        factory.skip_taken("evt", taken.__contains__)
    assert at_once.many("evt", 3) == [one_by_one.new("evt") for _ in range(3)]
    assert not taken & set(at_once.many("evt", 3))


def test_request_ids_come_from_the_same_stream_as_new() -> None:
    fast, generic = IdFactory(2), IdFactory(2)
    assert [fast.request_id() for _ in range(5)] == [generic.new("req") for _ in range(5)]
    fast.reset()
    generic.reset()
    assert fast.new("req") == generic.request_id()
