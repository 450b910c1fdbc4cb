"""Forks behave exactly like the fake they were taken from, and never see each other.

Hypothesis draws a world (a list of API calls) and then calls made after the
snapshot; the fake that took the snapshot and a fork of it must give the same
answers and end in the same world, while the snapshot and a second fork stay
as they were. The copy-on-write index is checked against a plain sorted list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tofupay_fake.index as index
from tofupay_fake import FakeTofupay, Snapshot
from tofupay_fake.index import OrderIndex

KEY = "sk_test_forks"
OTHER = "sk_test_forks_other"

Op = tuple[str, int, int]
ops = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "create_card",
                "update",
                "delete",
                "add_card",
                "update_card",
                "delete_card",
                "token",
                "idempotent",
                "list",
                "other_account",
                "advance",
            ]
        ),
        st.integers(0, 50),
        st.integers(0, 3),
    ),
    max_size=25,
)
EMAILS = ["a@example.com", "b@example.com", "c@example.com", ""]


def send(fake: FakeTofupay, method: str, path: str, body: str = "", **extra: str) -> str:
    """One request; its status and body (the Request-Id aside: request ids are not world state)."""
    headers = {"authorization": f"Bearer {extra.pop('key', KEY)}", **extra}
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    path, _, query = path.partition("?")
    answer = fake.handle(method, path, query=query, headers=headers, body=body.encode())
    return f"{answer.status_code} {answer.content.decode()}"


def apply(fake: FakeTofupay, steps: list[Op]) -> Iterator[str]:
    """Run ``steps``; targets are picked among the fake's own customers, oldest first."""
    for kind, pick, value in steps:
        live = list(reversed(fake.customers(KEY)))
        target = live[pick % len(live)] if live else None
        cards = target["sources"]["data"] if target else []
        card = cards[pick % len(cards)]["id"] if cards else "card_none"
        where = f"/v1/customers/{target['id'] if target else 'cus_none'}"
        if kind == "create":
            yield send(fake, "POST", "/v1/customers", f"email={EMAILS[value]}")
        elif kind == "create_card":
            yield send(fake, "POST", "/v1/customers", f"source=tok_visa&description=d{value}")
        elif kind == "update":
            yield send(fake, "POST", where, f"email={EMAILS[value]}&metadata[k]={value}")
        elif kind == "delete":
            yield send(fake, "DELETE", where)
        elif kind == "add_card":
            yield send(fake, "POST", f"{where}/sources", "source=tok_mastercard")
        elif kind == "update_card":
            yield send(fake, "POST", f"{where}/sources/{card}", f"name=n{value}")
        elif kind == "delete_card":
            yield send(fake, "DELETE", f"{where}/sources/{card}")
        elif kind == "token":
            token = fake.create_token()
            yield send(fake, "POST", f"{where}/sources", f"source={token}")
        elif kind == "idempotent":
            yield send(fake, "POST", "/v1/customers", f"description={value}", **{
                "idempotency-key": f"k{pick % 3}"})  # fmt: skip
        elif kind == "list":
            yield send(fake, "GET", f"/v1/customers?limit={value + 1}&email={EMAILS[value]}")
            yield send(
                fake, "GET", f"/v1/customers?limit=2&starting_after={target and target['id']}"
            )
        elif kind == "other_account":
            yield send(fake, "POST", "/v1/customers", f"description=o{value}", key=OTHER)
        else:
            fake.clock.advance(value * 100)
            yield str(fake.clock.now())


FORKS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FORKS
@given(seed=st.integers(0, 3), world=ops, after=ops, elsewhere=ops)
def test_a_fork_answers_like_the_original_and_forks_stay_apart(
    seed: int, world: list[Op], after: list[Op], elsewhere: list[Op]
) -> None:
    original = FakeTofupay(seed)
    list(apply(original, world))
    snapshot = original.snapshot()
    text = snapshot.to_json()
    fork, bystander = FakeTofupay.from_snapshot(snapshot), FakeTofupay.from_snapshot(snapshot)
    from_text = FakeTofupay.from_snapshot(Snapshot.from_json(text))

    answers = list(apply(original, after))
    assert list(apply(fork, after)) == answers
    assert list(apply(from_text, after)) == answers
    assert fork.snapshot().to_json() == original.snapshot().to_json()
    list(apply(FakeTofupay.from_snapshot(snapshot), elsewhere))

    assert snapshot.to_json() == text
    assert bystander.snapshot().to_json() == text
    # The bystander's lists still read the world (indexes shared, never written).
    listed = json.loads(send(bystander, "GET", "/v1/customers?limit=100").split(" ", 1)[1])
    assert [c["id"] for c in listed["data"]] == [c["id"] for c in snapshot.customers(KEY)]


@FORKS
@given(world=ops, after=ops)
def test_restore_is_as_good_as_a_new_fork(world: list[Op], after: list[Op]) -> None:
    fake = FakeTofupay(1)
    list(apply(fake, world))
    snapshot = fake.snapshot()
    list(apply(fake, after))
    fake.restore(snapshot)
    assert fake.snapshot().to_json() == snapshot.to_json()
    assert list(apply(fake, after)) == list(apply(FakeTofupay.from_snapshot(snapshot), after))


# -- the copy-on-write index ----------------------------------------------------

index_ops = st.lists(
    st.tuples(st.sampled_from(["add", "remove", "fork", "switch"]), st.integers(0, 400)),
    max_size=200,
)


class Item:
    """An object with an int key (identity matters, as for customers)."""

    def __init__(self, key: int) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"Item({self.key})"


def key_of(item: Item) -> int:
    return item.key


def check(built: OrderIndex[Item], model: list[Item], probes: list[int]) -> None:
    assert list(built) == model and len(built) == len(model)
    assert list(reversed(built)) == model[::-1]
    keys = [item.key for item in model]
    for probe in probes:
        left = sum(1 for k in keys if k < probe)
        right = sum(1 for k in keys if k <= probe)
        assert (built.bisect_left(probe), built.bisect_right(probe)) == (left, right)
        assert built.slice(left, left + 7) == model[left : left + 7]


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "BLOCK", 4)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=index_ops, start=st.lists(st.integers(0, 400), unique=True, max_size=30))
def test_forked_indexes_match_sorted_lists(
    small_blocks: None, steps: list[tuple[str, int]], start: list[int]
) -> None:
    first = [Item(k) for k in sorted(start)]
    indexes: list[tuple[OrderIndex[Item], list[Item]]] = [
        (OrderIndex.from_sorted(first, key_of), list(first))
    ]
    current = 0
    taken = set(start)
    for kind, number in steps:
        built, model = indexes[current]
        if kind == "add" and number not in taken:
            taken.add(number)
            item = Item(number)
            built.add(item)
            model.append(item)
            model.sort(key=key_of)
        elif kind == "remove" and model:
            item = model.pop(number % len(model))
            built.remove(item)
        elif kind == "fork":
            indexes.append((built.fork(), list(model)))
        elif kind == "switch":
            current = number % len(indexes)
    for built, model in indexes:
        check(built, model, [0, 1, 57, 200, 399, 401])


def test_removing_what_is_not_there_is_a_value_error() -> None:
    built: OrderIndex[Item] = OrderIndex(key_of)
    built.add(Item(1))
    with pytest.raises(ValueError):
        built.remove(Item(1))  # an equal key, another object
    assert built.slice(0, 5)[0].key == 1 and built.slice(3, 1) == []


def test_replace_puts_the_new_object_in_place_in_this_fork_only() -> None:
    items = [Item(k) for k in range(10)]
    built = OrderIndex.from_sorted(items, key_of)
    twin = built.fork()
    new = Item(5)
    twin.replace(items[5], new)
    assert list(twin)[5] is new and list(built)[5] is items[5]
