"""The answer path's shortcuts give exactly what the plain code gives.

Customers' JSON built directly and kept per record (``render.customer_json``,
``render.Texts``), lists joined from kept texts, request ids from one draw,
the call log's lazily made calls, path matching without escapes and the
form's unescaping.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from tofupay_fake import FakeTofupay, render, routes
from tofupay_fake.errors import TofupayError
from tofupay_fake.ids import ALPHABET, IdFactory
from tofupay_fake.params import parse_pairs
from tofupay_fake.recorder import CallLog, RecordedCall
from tofupay_fake.resources.lists import Page
from tofupay_fake.store import Card, Customer

KEY = "sk_test_texts"
AUTH = {"Authorization": f"Bearer {KEY}"}


def plain(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def card(n: int, customer: str = "cus_A", **fields: Any) -> Card:
    return Card(f"card_{n}", customer, "4242", "Visa", "credit", 12, 2030, "fp", seq=n, **fields)


def customers() -> Iterator[Customer]:
    yield Customer("cus_A", 1421056271, False)
    yield Customer(
        "cus_B",
        0,
        True,
        description='Ünïcode \u2028 "quoted" \\ \x00 \ud7ff',
        email="a@example.com",
        metadata={"plan": "pro", "ключ": "значение", "": "empty key"},
        account_balance=-(2**40),
        currency=None,
        delinquent=True,
    )
    for count in (1, 10, 11, 25):
        cards = {f"card_{n}": card(n, name="Jenny ✓", metadata={"a": "1"}) for n in range(count)}
        yield Customer("cus_C", 5, False, cards=cards, default_source=f"card_{count - 1}")


@pytest.mark.parametrize("record", list(customers()), ids=lambda c: f"{c.id}-{len(c.cards)}")
def test_customer_json_is_dumps_of_the_customer_object(record: Customer) -> None:
    assert render.customer_json(record) == plain(render.customer(record))


@pytest.mark.parametrize("include_total", [False, True])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_list_json_is_dumps_of_the_list_object(count: int, include_total: bool) -> None:
    records = list(customers())[:count]
    page: Page[Customer] = Page(records, count > 1, 40)
    texts = [render.customer_json(record) for record in records]
    dicts = [render.customer(record) for record in records]
    assert render.list_json("/v1/customers/é", page, texts, include_total) == plain(
        render.list_object("/v1/customers/é", page, dicts, include_total)
    )


@pytest.mark.parametrize("ident", ["cus_A", 'cus_"\u2028'])
def test_deleted_json_is_dumps_of_the_deleted_object(ident: str) -> None:
    assert render.deleted_json(ident) == plain(render.deleted(ident))


def test_a_kept_text_is_reused_only_for_its_own_record() -> None:
    texts = render.Texts()
    record = Customer("cus_A", 1, False, email="a@example.com")
    first = texts.customer(record)
    assert texts.customer(record) is first
    twin = Customer("cus_A", 1, False, email="b@example.com")  # a fork's copy, changed
    assert json.loads(texts.customer(twin))["email"] == "b@example.com"
    assert json.loads(texts.customer(record))["email"] == "a@example.com"


def test_forget_drops_the_text_and_gives_it_back_for_the_same_record() -> None:
    texts = render.Texts()
    record = Customer("cus_A", 1, False)
    text = texts.customer(record)
    assert texts.forget(record) == text
    assert texts.forget(record) is None
    record.email = "new@example.com"
    assert json.loads(texts.customer(record))["email"] == "new@example.com"


def test_texts_keep_at_most_their_limit() -> None:
    texts = render.Texts(limit=2)
    records = [Customer(f"cus_{n}", n, False) for n in range(3)]
    for record in records:
        texts.customer(record)
    assert [json.loads(texts.customer(record))["id"] for record in records] == [
        "cus_0",
        "cus_1",
        "cus_2",
    ]


def call(fake: FakeTofupay, method: str, path: str, body: str = "") -> dict[str, Any]:
    answer = fake.handle(method, path, headers=AUTH, body=body.encode())
    assert answer.status_code == 200, answer.content
    found: dict[str, Any] = answer.json()
    return found


def test_every_write_shows_in_the_next_answers_and_in_its_events() -> None:
    fake = FakeTofupay(seed=3)
    ident = call(fake, "POST", "/v1/customers", "email=a%40example.com")["id"]
    path = f"/v1/customers/{ident}"
    assert call(fake, "GET", path)["email"] == "a@example.com"
    call(fake, "POST", path, "description=VIP&metadata[plan]=pro")
    call(fake, "POST", f"{path}/sources", "source=tok_visa")
    shown = call(fake, "GET", path)
    assert (shown["description"], shown["metadata"]) == ("VIP", {"plan": "pro"})
    assert shown["sources"]["total_count"] == 1
    listed = call(fake, "GET", "/v1/customers", "")["data"]
    assert listed == [shown]
    card = shown["default_source"]
    call(fake, "POST", f"{path}/sources/{card}", "name=Jenny")
    assert call(fake, "GET", path)["sources"]["data"][0]["name"] == "Jenny"
    call(fake, "DELETE", f"{path}/sources/{card}")
    last = call(fake, "GET", path)
    assert (last["sources"]["data"], last["default_source"]) == ([], None)
    call(fake, "DELETE", path)
    assert call(fake, "GET", path) == {"id": ident, "object": "customer", "deleted": True}
    assert fake.events.last["type"] == "customer.deleted"
    assert fake.events.last["data"]["object"] == last
    updated = next(event for event in fake.events if event["type"] == "customer.updated")
    assert updated["data"]["object"]["description"] == "VIP"


def test_a_snapshot_never_sees_a_forks_change_and_a_fork_never_sees_a_stale_text() -> None:
    fake = FakeTofupay(seed=4)
    ident = call(fake, "POST", "/v1/customers", "email=a%40example.com")["id"]
    path = f"/v1/customers/{ident}"
    before = call(fake, "GET", path)
    world = fake.snapshot()
    call(fake, "POST", path, "email=changed%40example.com")
    assert call(fake, "GET", path)["email"] == "changed@example.com"
    fork = FakeTofupay.from_snapshot(world)
    assert call(fork, "GET", path) == before
    call(fork, "POST", path, "description=fork")
    assert call(fork, "GET", path)["description"] == "fork"
    assert call(fake, "GET", path)["description"] is None
    fake.restore(world)
    assert call(fake, "GET", path) == before


def test_an_expanded_answer_and_an_idempotent_replay_give_the_same_bytes_as_before() -> None:
    fake = FakeTofupay(seed=5)
    headers = {**AUTH, "Idempotency-Key": "k1"}
    first = fake.handle("POST", "/v1/customers", headers=headers, body=b"source=tok_visa")
    again = fake.handle("POST", "/v1/customers", headers=headers, body=b"source=tok_visa")
    assert again.content == first.content
    assert again.header("Idempotent-Replayed") == "true"
    ident = first.json()["id"]
    expanded = fake.handle(
        "GET", f"/v1/customers/{ident}", query="expand[]=default_source", headers=AUTH
    )
    assert expanded.json()["default_source"] == first.json()["sources"]["data"][0]
    assert fake.calls[-1].response == expanded.json()


@pytest.mark.parametrize("seed", [0, 1, 2**63])
def test_request_ids_come_from_one_draw_of_the_request_stream(seed: int) -> None:
    factory, stream = IdFactory(seed), random.Random(f"{seed}:req")
    for _ in range(500):
        raw = stream.getrandbits(8 * 14).to_bytes(14, "little")
        expected = "req_" + "".join(ALPHABET[byte % len(ALPHABET)] for byte in raw)
        assert factory.new("req") == expected


def test_request_ids_never_shift_object_ids() -> None:
    plain_ids, with_requests = IdFactory(9), IdFactory(9)
    for _ in range(50):
        with_requests.new("req")
    assert [plain_ids.new("cus") for _ in range(5)] == [with_requests.new("cus") for _ in range(5)]


def test_calls_kept_as_parts_are_made_when_read_in_order() -> None:
    log = CallLog(limit=3)
    for n in range(4):
        log.add("GET", f"/v1/x/{n}", {}, {"idempotency-key": f"k{n}"}, None, 200, "{}", f"r{n}")
    made = RecordedCall("POST", "/v1/y", {}, {}, None, None, 201, {"a": [1]}, "r9")
    log.append(made)
    log.add("GET", "/v1/z", {"a": "1"}, {}, "sk_test_x", 404, '{"error": {}}', "r10")
    assert [call.path for call in log] == ["/v1/x/3", "/v1/y", "/v1/z"]
    assert log[1] is made
    assert log[0].idempotency_key == "k3"
    assert log.last.response == {"error": {}}
    assert log.last is log[2]
    response = log.last.response
    response["changed"] = True
    assert log.last.response == {"error": {}}


ESCAPES = "%%%" + "0123456789abcdefABCDEF" + "zZ+ &=/é\u2028"


def test_form_unescaping_is_unquote_with_strict_utf8() -> None:
    rng = random.Random(1)
    for _ in range(20000):
        text = "".join(rng.choice(ESCAPES) for _ in range(rng.randint(1, 10)))
        try:
            expected: Any = [
                tuple(unquote(part, encoding="utf-8", errors="strict") for part in pair)
                for pair in (
                    item.replace("+", " ").partition("=")[::2] for item in text.split("&") if item
                )
            ]
        except UnicodeError:
            expected = TofupayError
        try:
            found: Any = parse_pairs(text, "body")
        except TofupayError:
            found = TofupayError
        assert found == expected, text


def slow_match(method: str, raw: str) -> tuple[routes.Route, dict[str, str]] | None:
    for route in routes.ROUTES:
        if route.method == method:
            args = route.match_segments(raw.split("/"))
            if args is not None:
                return route, args
    return None


def test_paths_without_escapes_match_as_their_segments_do() -> None:
    rng = random.Random(2)
    parts = ["", "cus_1", "sources", "card_2", "subscriptions", "tokens", "x.y", "a+b", "é", "*"]
    for _ in range(20000):
        segments = [rng.choice(parts) for _ in range(rng.randint(0, 4))]
        raw = (
            "/v1/"
            + rng.choice(["customers", "tokens", "customer"])
            + "".join("/" + segment for segment in segments)
        )
        method = rng.choice(["GET", "POST", "DELETE"])
        try:
            found: Any = routes.match(method, raw)
        except TofupayError:
            found = None
        assert found == slow_match(method, raw), (method, raw)
