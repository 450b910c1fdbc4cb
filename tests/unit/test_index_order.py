"""The ordered indexes behind list pages, checked against a plain sorted list: order,
equal keys, block splits, positions, slices, forks and clearing."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

import pytest

from tofupay_fake.index import BLOCK, ListIndex, OrderIndex, inserted, insort


@dataclass(eq=False)
class Item:
    """An object with an order key; compared by identity, like the fake's records."""

    key: int
    name: str = ""

    def __repr__(self) -> str:
        return f"Item({self.key}, {self.name!r})"


def key_of(item: Item) -> int:
    return item.key


def check(index: OrderIndex[Item], model: list[Item]) -> None:
    """``index`` holds exactly ``model`` (sorted by key, equal keys in insertion order)."""
    assert len(index) == len(model)
    assert list(index) == model
    assert list(reversed(index)) == model[::-1]
    keys = [item.key for item in model]
    assert keys == sorted(keys)
    probes = {-1, 0, *keys, *(key + 1 for key in keys)}
    for probe in sorted(probes):
        assert index.bisect_left(probe) == bisect.bisect_left(keys, probe), probe
        assert index.bisect_right(probe) == bisect.bisect_right(keys, probe), probe
    size = len(model)
    for start, stop in [(0, size), (-5, 3), (1, 1), (5, 2), (size - 3, size + 10), (0, 0)]:
        assert index.slice(start, stop) == model[max(start, 0) : stop], (start, stop)
    for start in range(0, size, max(size // 7, 1)):
        assert index.slice(start, start + 150) == model[start : start + 150]


@pytest.mark.parametrize("order", ["ascending", "descending", "shuffled"])
def test_an_index_keeps_any_insertion_order_sorted_across_blocks(order: str) -> None:
    items = [Item(key) for key in range(0, 2 * BLOCK + 300)]
    sent = {"ascending": items, "descending": items[::-1]}.get(order) or random.Random(7).sample(
        items, len(items)
    )
    index: OrderIndex[Item] = OrderIndex(key_of)
    for item in sent:
        index.add(item)
    check(index, items)


def test_equal_keys_keep_their_insertion_order_and_removal_finds_the_same_object() -> None:
    index: OrderIndex[Item] = OrderIndex(key_of)
    first, second, third = Item(5, "first"), Item(5, "second"), Item(5, "third")
    low, high = Item(1, "low"), Item(9, "high")
    for item in (first, high, second, low, third):
        index.add(item)
    check(index, [low, first, second, third, high])
    index.remove(second)
    check(index, [low, first, third, high])
    twin = Item(5, "first")  # an equal key, another object
    with pytest.raises(ValueError) as info:
        index.remove(twin)
    assert str(info.value) == f"{twin!r} is not in the index"
    replacement = Item(5, "replacement")
    index.replace(third, replacement)
    check(index, [low, first, replacement, high])
    with pytest.raises(ValueError):
        index.replace(third, twin)


def test_removing_every_other_object_and_whole_blocks_keeps_the_rest() -> None:
    items = [Item(key) for key in range(3 * BLOCK)]
    index = OrderIndex.from_sorted(items, key_of)
    check(index, items)
    model = list(items)
    for item in items[::2]:
        index.remove(item)
        model.remove(item)
    check(index, model)
    for item in items[BLOCK : 2 * BLOCK]:
        if item in model:
            index.remove(item)
            model.remove(item)
    check(index, model)
    for item in list(model):
        index.remove(item)
    check(index, [])
    with pytest.raises(ValueError):
        index.remove(items[0])
    index.add(items[3])
    check(index, [items[3]])


def test_adding_between_existing_objects_splits_a_full_block() -> None:
    items = [Item(key * 2) for key in range(BLOCK + 10)]
    index = OrderIndex.from_sorted(items, key_of)
    model = list(items)
    rng = random.Random(3)
    for _ in range(BLOCK + 50):
        item = Item(rng.randrange(0, 2 * len(items)) | 1)
        index.add(item)
        model.append(item)
    model.sort(key=key_of)  # stable: equal keys stay in insertion order
    check(index, model)


def test_a_fork_and_its_original_change_apart() -> None:
    items = [Item(key) for key in range(2 * BLOCK + 10)]
    original = OrderIndex.from_sorted(items, key_of)
    fork = original.fork()
    added, gone = Item(BLOCK + 1, "added"), items[5]
    fork.add(added)
    fork.remove(gone)
    changed = Item(items[-1].key, "changed")
    original.replace(items[-1], changed)
    check(original, [*items[:-1], changed])
    fork_model = [item for item in items if item is not gone]
    fork_model.insert(fork_model.index(items[BLOCK + 1]) + 1, added)
    check(fork, fork_model)
    second = fork.fork()
    second.clear()
    check(second, [])
    check(fork, fork_model)
    second.add(added)
    check(second, [added])


def test_a_cleared_index_answers_like_a_new_one() -> None:
    index = OrderIndex.from_sorted([Item(key) for key in range(10)], key_of)
    index.clear()
    check(index, [])
    assert index.slice(0, 10) == []
    items = [Item(3), Item(1), Item(2)]
    for item in items:
        index.add(item)
    check(index, sorted(items, key=key_of))


def test_a_list_index_gives_a_sorted_list_the_same_positions() -> None:
    model = [Item(1), Item(3), Item(3), Item(7)]
    index = ListIndex(model, key_of)
    assert len(index) == 4
    assert [index.bisect_left(key) for key in (0, 1, 3, 4, 7, 8)] == [0, 0, 1, 3, 3, 4]
    assert [index.bisect_right(key) for key in (0, 1, 3, 4, 7, 8)] == [0, 1, 3, 3, 4, 4]
    assert index.slice(1, 3) == model[1:3]
    assert index.slice(2, 10) == model[2:]


@pytest.mark.parametrize(
    ("keys", "key", "at"),
    [
        pytest.param([], 5, 0, id="empty"),
        pytest.param([1, 3], 0, 0, id="first"),
        pytest.param([1, 3], 2, 1, id="between"),
        pytest.param([1, 3], 9, 2, id="last"),
        pytest.param([1, 3, 3, 5], 3, 3, id="after-equal-keys"),
    ],
)
def test_insort_and_inserted_put_an_object_after_equal_keys(
    keys: list[int], key: int, at: int
) -> None:
    items = [Item(k) for k in keys]
    new = Item(key, "new")
    made = inserted(items, new, key_of)
    assert made[at] is new
    assert made == [*items[:at], new, *items[at:]]
    assert [item.key for item in items] == keys  # left as it was
    insort(items, new, key_of)
    assert items == made


def test_a_fork_stays_whole_when_the_original_splits_a_shared_block() -> None:
    items = [Item(key * 1000) for key in range(3 * BLOCK // 2)]  # three blocks of BLOCK // 2
    original = OrderIndex.from_sorted(items, key_of)
    fork = original.fork()
    model = list(items)
    middle = items[BLOCK // 2].key  # the first key of the second block
    for offset in range(1, BLOCK // 2 + 10):  # fill the second block past BLOCK: it splits
        item = Item(middle + offset)
        original.add(item)
        model.insert(BLOCK // 2 + offset, item)
    check(original, model)
    for gone in (items[0], items[BLOCK // 2 + 1], items[-1], model[BLOCK]):
        original.remove(gone)  # a write to every block, shared or split
        model.remove(gone)
    check(original, model)
    check(fork, items)
