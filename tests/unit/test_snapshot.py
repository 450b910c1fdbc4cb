"""Snapshots: what they hold, their JSON text, restore and from_snapshot (no HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tofupay_fake import FakeTofupay, Snapshot
from tofupay_fake.clock import Clock

KEY = "sk_test_worlds"
OTHER = "sk_test_other"


def call(
    fake: FakeTofupay,
    method: str,
    path: str,
    body: str = "",
    key: str = KEY,
    idempotency_key: str | None = None,
) -> tuple[int, dict[str, Any], str]:
    """(status, JSON body, Request-Id) of one request answered by ``fake``."""
    headers = {"authorization": f"Bearer {key}"}
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    if idempotency_key:
        headers["idempotency-key"] = idempotency_key
    path, _, query = path.partition("?")
    answer = fake.handle(method, path, query=query, headers=headers, body=body.encode())
    request_id = dict(answer.headers)["Request-Id"]
    return answer.status_code, json.loads(answer.content), request_id


def world(seed: int = 7) -> FakeTofupay:
    """A small world: two accounts, cards, a deleted customer, a token, an idempotent answer."""
    fake = FakeTofupay(seed)
    ada = fake.add_customer(KEY, email="ada@example.com", source="tok_visa", metadata={"a": "1"})
    fake.add_customer(KEY, email="bob@example.com")
    gone = fake.add_customer(KEY, email="gone@example.com")
    fake.add_customer(OTHER, description="other account", source="tok_mastercard")
    call(fake, "POST", f"/v1/customers/{ada['id']}/sources", "source=tok_amex")
    call(fake, "DELETE", f"/v1/customers/{gone['id']}")
    call(fake, "POST", "/v1/customers", "email=idem@example.com", idempotency_key="once")
    fake.create_token(number="5555555555554444")
    return fake


def customer_ids(fake: FakeTofupay) -> set[str]:
    return {customer["id"] for customer in fake.customers()}


# -- what a snapshot holds -----------------------------------------------------


def test_a_snapshot_holds_the_state_and_not_the_calls_or_events() -> None:
    fake = world()
    snapshot = fake.snapshot()
    assert isinstance(snapshot, Snapshot)
    assert snapshot.customers() == fake.customers()
    assert snapshot.customers(OTHER) == fake.customers(OTHER)
    assert snapshot.api_keys == [KEY, OTHER]
    document = json.loads(snapshot.to_json())
    assert document["format"] == "tofupay-fake/1"
    assert list(document) == ["format", "seed", "clock", "ids", "accounts", "tokens"]
    assert document["clock"] == {"mode": "frozen", "start": 1421056271, "tick": 1,
                                 "now": fake.clock.now()}  # fmt: skip
    assert sorted(document["ids"]["streams"]) == ["card", "cus", "tok"]
    assert [len(a["customers"]) for a in document["accounts"]] == [3, 1]
    assert len(document["accounts"][0]["deleted"]) == 1
    assert [saved["key"] for saved in document["accounts"][0]["idempotency"]] == ["once"]
    assert len(document["tokens"]) == 1
    assert "calls" not in document and "events" not in document


def test_the_same_world_gives_the_same_text() -> None:
    first, second = world().snapshot().to_json(), world().snapshot().to_json()
    assert first == second
    assert world(8).snapshot().to_json() != first


@pytest.mark.parametrize("seed", [7, -3, 2**64 + 1])
def test_the_text_round_trips_byte_for_byte(seed: int) -> None:
    text = world(seed).snapshot().to_json()
    again = Snapshot.from_json(text)
    assert again.to_json() == text
    assert Snapshot.from_json(text.encode()).to_json() == text
    assert FakeTofupay.from_snapshot(again).snapshot().to_json() == text
    assert again == Snapshot.from_json(text)


def test_a_snapshot_from_text_continues_exactly_like_the_original() -> None:
    original = world()
    restored = FakeTofupay.from_snapshot(Snapshot.from_json(original.snapshot().to_json()))
    for fake in (original, restored):
        fake.request_bodies = [  # type: ignore[attr-defined]
            call(fake, "POST", "/v1/customers", "email=next@example.com&source=tok_visa")[1],
            call(fake, "GET", "/v1/customers?limit=3")[1],
        ]
    assert original.request_bodies == restored.request_bodies  # type: ignore[attr-defined]


def test_a_snapshot_keeps_the_wall_clock_offset() -> None:
    fake = FakeTofupay(clock=lambda: 2_000_000_000.0)
    fake.clock.advance(60)
    snapshot = fake.snapshot()
    assert json.loads(snapshot.to_json())["clock"]["mode"] == "wall"
    assert FakeTofupay.from_snapshot(snapshot).clock.now() == 2_000_000_060


# -- refused text --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"seed": 0}',
        '{"format": "tofupay-fake/2"}',
        '{"format": "something-else/1", "seed": 0}',
    ],
)
def test_unknown_formats_and_other_text_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Snapshot.from_json(text)


def test_an_unknown_format_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown snapshot format 'tofupay-fake/9'"):
        Snapshot.from_json('{"format": "tofupay-fake/9"}')


def test_every_truncation_is_refused() -> None:
    text = world().snapshot().to_json()
    for end in range(0, len(text), max(1, len(text) // 200)):
        with pytest.raises(ValueError):
            Snapshot.from_json(text[:end])


def _edit(path: list[Any], value: Any) -> str:
    document = json.loads(world().snapshot().to_json())
    target = document
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(document)


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (["seed"], "0", "seed"),
        (["seed"], 1.0, "seed"),
        (["clock", "mode"], "sundial", "clock.mode"),
        (["clock", "now"], 1.5, "clock.now"),
        (["clock"], KeyError, "missing clock"),
        (["ids", "sequence"], None, "ids.sequence"),
        (["ids", "streams", "cus"], "AAAA", "ids.streams.cus"),
        (["ids", "streams", "evt"], "AAAA", "unknown evt"),
        (["accounts"], {}, "accounts"),
        (["accounts", 0, "api_key"], "", "accounts[0].api_key"),
        (["accounts", 0, "customers", 0, "email"], 5, "accounts[0].customers[0].email"),
        (["accounts", 0, "customers", 0, "metadata"], {"a": 1}, "customers[0].metadata"),
        (["accounts", 0, "customers", 1, "order"], 0, "increasing order"),
        (["accounts", 0, "customers", 0, "cards", 0, "exp_year"], "2030", "cards[0].exp_year"),
        (["accounts", 0, "customers", 0, "cards", 0, "surprise"], 1, "unknown surprise"),
        (["accounts", 0, "customers", 0, "cards"], KeyError, "missing cards"),
        (["accounts", 0, "deleted"], [1], "deleted"),
        (["accounts", 0, "idempotency", 0, "status"], "200", "idempotency[0].status"),
        (["accounts", 1, "api_key"], KEY, "same api_key"),
        (["tokens", 0, "used"], "no", "tokens[0].used"),
        (["tokens", 0, "card"], [], "tokens[0].card"),
    ],
)
def test_malformed_fields_are_refused_naming_the_field(
    path: list[Any], value: Any, named: str
) -> None:
    with pytest.raises(ValueError, match="not a valid tofupay-fake snapshot") as caught:
        Snapshot.from_json(_edit(path, value))
    assert named in str(caught.value)


def test_only_text_is_read() -> None:
    with pytest.raises(TypeError, match="JSON text"):
        Snapshot.from_json({"format": "tofupay-fake/1"})  # type: ignore[arg-type]


# -- restore -------------------------------------------------------------------


def test_restore_brings_back_the_state_clock_and_streams_and_keeps_calls_and_events() -> None:
    fake = world()
    snapshot = fake.snapshot()
    expected_next = FakeTofupay.from_snapshot(snapshot)
    before = fake.customers()
    now = fake.clock.now()
    _, made, first_request = call(fake, "POST", "/v1/customers", "email=later@example.com")
    fake.clock.advance(3600)
    calls, events = len(fake.calls), len(fake.events)
    event_ids = [event["id"] for event in fake.events]

    fake.restore(snapshot)

    assert fake.customers() == before
    assert fake.clock.now() == now
    assert made["id"] not in customer_ids(fake)
    assert (len(fake.calls), len(fake.events)) == (calls, events)
    # Object ids start again from the snapshot's streams: the same as a fresh fork makes.
    _, again, second_request = call(fake, "POST", "/v1/customers", "email=later@example.com")
    _, expected, _ = call(expected_next, "POST", "/v1/customers", "email=later@example.com")
    assert again == expected == made
    # Request and event ids go on: never one seen before.
    assert second_request != first_request
    assert not {call.request_id for call in fake.calls[:-1]} & {second_request}
    new_event_ids = [event["id"] for event in fake.events][len(event_ids) :]
    assert new_event_ids and not set(new_event_ids) & set(event_ids)


def test_restore_takes_only_a_snapshot() -> None:
    with pytest.raises(TypeError, match="takes a Snapshot"):
        FakeTofupay().restore("{}")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes a Snapshot"):
        FakeTofupay.from_snapshot({})  # type: ignore[arg-type]


def test_idempotent_answers_are_part_of_the_world() -> None:
    fake = world()
    fork = FakeTofupay.from_snapshot(fake.snapshot())
    _, replayed, _ = call(
        fork, "POST", "/v1/customers", "email=idem@example.com", idempotency_key="once"
    )
    assert replayed["email"] == "idem@example.com"
    assert len(fork.customers(KEY)) == len(fake.customers(KEY))
    status, error, _ = call(
        fork, "POST", "/v1/customers", "email=x@example.com", idempotency_key="once"
    )
    assert (status, error["error"]["type"]) == (400, "idempotency_error")


# -- forks never see each other's writes ---------------------------------------


def test_writes_to_a_fork_never_show_in_another_fork_or_the_snapshot() -> None:
    fake = world()
    snapshot = fake.snapshot()
    text = snapshot.to_json()
    one, two = FakeTofupay.from_snapshot(snapshot), FakeTofupay.from_snapshot(snapshot)
    ada = next(c for c in one.customers(KEY) if c["email"] == "ada@example.com")
    card = ada["sources"]["data"][0]["id"]
    call(one, "POST", f"/v1/customers/{ada['id']}", "email=ada2@example.com&metadata[b]=2")
    call(one, "POST", f"/v1/customers/{ada['id']}/sources/{card}", "name=Ada")
    call(one, "DELETE", f"/v1/customers/{ada['id']}/sources/{card}")
    call(one, "POST", f"/v1/customers/{ada['id']}/sources", "source=tok_discover")
    bob = next(c for c in one.customers(KEY) if c["email"] == "bob@example.com")
    call(one, "DELETE", f"/v1/customers/{bob['id']}")
    one.clock.advance(99)

    assert snapshot.to_json() == text
    assert two.customers() == fake.customers() == snapshot.customers()
    assert two.snapshot().to_json() == text
    assert call(two, "GET", "/v1/customers?email=ada@example.com")[1]["data"][0]["id"] == ada["id"]
    assert call(one, "GET", "/v1/customers?email=ada@example.com")[1]["data"] == []
    assert call(two, "GET", f"/v1/customers/{bob['id']}")[1].get("deleted") is None


def test_writes_after_a_snapshot_never_show_in_it() -> None:
    fake = world()
    snapshot = fake.snapshot()
    text = snapshot.to_json()
    for customer in fake.customers(KEY):
        call(fake, "POST", f"/v1/customers/{customer['id']}", "description=changed")
    call(fake, "POST", "/v1/customers", "email=new@example.com")
    assert snapshot.to_json() == text
    assert all(c["description"] is None for c in snapshot.customers(KEY))


def test_using_a_token_in_a_fork_leaves_it_unused_in_the_world() -> None:
    fake = FakeTofupay(3)
    token = fake.create_token()
    snapshot = fake.snapshot()
    fork = FakeTofupay.from_snapshot(snapshot)
    assert call(fork, "POST", "/v1/customers", f"source={token}")[0] == 200
    assert call(fork, "POST", "/v1/customers", f"source={token}")[0] == 400
    assert call(fake, "GET", f"/v1/tokens/{token}")[1]["used"] is False
    assert FakeTofupay.from_snapshot(snapshot).handle(
        "POST", "/v1/customers", headers={"authorization": f"Bearer {KEY}"},
        body=f"source={token}".encode(),
    ).status_code == 200  # fmt: skip


# -- ids of forks --------------------------------------------------------------


def test_from_snapshot_without_a_seed_continues_the_streams() -> None:
    original = world()
    fork = FakeTofupay.from_snapshot(original.snapshot())
    assert fork.seed == original.seed
    assert (
        call(fork, "POST", "/v1/customers", "source=tok_visa")[1]
        == call(original, "POST", "/v1/customers", "source=tok_visa")[1]
    )


def test_from_snapshot_with_a_seed_draws_from_it_and_never_repeats_a_world_id() -> None:
    builder = FakeTofupay(11)
    made = builder.seed_customers(20, KEY, with_cards=True)
    tokens = {builder.create_token() for _ in range(5)}
    snapshot = builder.snapshot()
    world_cards = {card["id"] for c in made for card in c["sources"]["data"]}
    # The same seed as the world's: its streams would give the world's ids again.
    fork = FakeTofupay.from_snapshot(snapshot, seed=11)
    assert fork.seed == 11
    new = [call(fork, "POST", "/v1/customers", "source=tok_visa")[1] for _ in range(25)]
    new_tokens = {fork.create_token() for _ in range(6)}
    assert not {c["id"] for c in new} & {c["id"] for c in made}
    assert not {c["sources"]["data"][0]["id"] for c in new} & world_cards
    assert not new_tokens & tokens
    assert len(fork.customers(KEY)) == 45
    # Another seed: other ids, the same for the same seed.
    other = FakeTofupay.from_snapshot(snapshot, seed=12)
    again = FakeTofupay.from_snapshot(snapshot, seed=12)
    assert call(other, "POST", "/v1/customers")[1] == call(again, "POST", "/v1/customers")[1]


def test_a_chosen_id_is_never_generated_again() -> None:
    probe = FakeTofupay(5)
    next_id = probe.add_customer(KEY)["id"]
    fake = FakeTofupay(5)
    fake.add_customer(KEY, id=next_id, email="chosen@example.com")
    _, made, _ = call(fake, "POST", "/v1/customers", "email=generated@example.com")
    assert made["id"] != next_id
    assert sorted(c["email"] for c in fake.customers(KEY)) == [
        "chosen@example.com",
        "generated@example.com",
    ]
    fake.add_customer(OTHER, id=made["id"].replace(made["id"][4], "Z"))  # ids of any account
    probe_next = FakeTofupay(5)
    probe_next.add_customer(KEY)
    taken = probe_next.add_customer(KEY)["id"]
    shared = FakeTofupay(5)
    shared.add_customer(OTHER, id=taken)
    shared.add_customer(KEY)
    assert shared.add_customer(KEY)["id"] != taken


def test_from_snapshot_takes_the_constructor_options() -> None:
    snapshot = world().snapshot()
    fork = FakeTofupay.from_snapshot(snapshot, seed=1, api_keys=[KEY], clock=1_700_000_000)
    assert fork.clock.now() == 1_700_000_000
    assert call(fork, "GET", "/v1/customers", key=OTHER)[0] == 401
    assert len(call(fork, "GET", "/v1/customers")[1]["data"]) == 3
    assert FakeTofupay.from_snapshot(snapshot, clock=Clock(5)).clock.now() == 5


def test_a_fork_shares_every_record_until_it_writes_one() -> None:
    fake = world()
    snapshot = fake.snapshot()
    fork = FakeTofupay.from_snapshot(snapshot)
    shared = snapshot.accounts[0].customers
    live = fork._store.accounts[KEY]
    assert live.customers is shared  # not even the dict is copied yet
    ada = next(c for c in fork.customers(KEY) if c["email"] == "ada@example.com")
    bob = next(c for c in fork.customers(KEY) if c["email"] == "bob@example.com")
    call(fork, "POST", f"/v1/customers/{ada['id']}", "description=changed")
    assert live.customers is not shared
    assert live.customers[ada["id"]] is not shared[ada["id"]]  # copied on its first write
    assert live.customers[bob["id"]] is shared[bob["id"]]  # the others are still shared
