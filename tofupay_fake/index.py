"""Ordered indexes behind the list endpoints: objects sorted by an int key.

``OrderIndex`` keeps its objects in blocks of at most a few thousand, each
sorted, with the largest key of every block: adding, removing and finding a
cursor take O(log n + block), a page O(log n + page), however many objects
are stored. :meth:`OrderIndex.fork` makes a copy in O(n / block) that shares
every block with the original: whichever of the two writes to a block first
copies that block alone (copy on write), so forking a world of 10,000
customers copies a handful of block pointers and no customer.

``ListIndex`` puts the same face on a small plain list (a customer's cards,
the customers sharing one email).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate, chain
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")

#: Most objects a block holds before it splits in two.
BLOCK = 1024


class Ordered(Protocol[T]):
    """What a list page needs: a length, bisection by key, and slices (oldest first)."""

    def __len__(self) -> int: ...
    def bisect_left(self, key: int) -> int: ...
    def bisect_right(self, key: int) -> int: ...
    def slice(self, start: int, stop: int) -> list[T]: ...


class OrderIndex(Generic[T]):
    """Objects kept sorted by ``key`` (ascending: oldest first); keys are unique ints."""

    __slots__ = ("_blocks", "_key", "_keys", "_len", "_maxes", "_offsets", "_owned")

    def __init__(self, key: Callable[[T], int]) -> None:
        self._key = key
        self._blocks: list[list[T]] = []  # the objects, block by block
        self._keys: list[list[int]] = []  # their keys, the same shape
        self._maxes: list[int] = []  # the last key of each block
        self._owned: list[bool] = []  # may this index write to the block in place?
        self._offsets: list[int] | None = []  # position of each block's first object
        self._len = 0

    @classmethod
    def from_sorted(cls, items: Sequence[T], key: Callable[[T], int]) -> OrderIndex[T]:
        """An index of ``items``, already in increasing key order (not checked)."""
        index: OrderIndex[T] = cls(key)
        half = BLOCK // 2
        for start in range(0, len(items), half):
            block = list(items[start : start + half])
            index._blocks.append(block)
            index._keys.append([key(item) for item in block])
            index._maxes.append(index._keys[-1][-1])
            index._owned.append(True)
        index._offsets = None
        index._len = len(items)
        return index

    # -- forks ----------------------------------------------------------------

    def fork(self) -> OrderIndex[T]:
        """A copy sharing every block with this index; both copy a block before writing it."""
        twin: OrderIndex[T] = OrderIndex(self._key)
        twin._blocks = self._blocks.copy()
        twin._keys = self._keys.copy()
        twin._maxes = self._maxes.copy()
        twin._offsets = None
        twin._len = self._len
        twin._owned = [False] * len(self._blocks)
        self._owned = [False] * len(self._blocks)
        return twin

    def _own(self, block: int) -> None:
        if not self._owned[block]:
            self._blocks[block] = self._blocks[block].copy()
            self._keys[block] = self._keys[block].copy()
            self._owned[block] = True

    # -- writes ---------------------------------------------------------------

    def add(self, item: T) -> None:
        """Insert ``item`` after any object of an equal key."""
        key = self._key(item)
        self._offsets = None
        self._len += 1
        if not self._blocks:
            self._blocks.append([item])
            self._keys.append([key])
            self._maxes.append(key)
            self._owned.append(True)
            return
        block = bisect.bisect_right(self._maxes, key)
        if block == len(self._blocks):
            block -= 1
        self._own(block)
        keys, items = self._keys[block], self._blocks[block]
        at = bisect.bisect_right(keys, key)
        keys.insert(at, key)
        items.insert(at, item)
        self._maxes[block] = keys[-1]
        if len(keys) > BLOCK:
            # Appending (the usual case: ids are made in time order) fills blocks whole;
            # an insertion elsewhere splits the block in half.
            half = BLOCK if at == BLOCK and block == len(self._blocks) - 1 else len(keys) // 2
            self._blocks[block + 1 : block + 1] = [items[half:]]
            self._keys[block + 1 : block + 1] = [keys[half:]]
            self._owned.insert(block + 1, True)
            self._blocks[block] = items[:half]  # exact-size copies: no room left unused
            self._keys[block] = keys = keys[:half]
            self._maxes[block : block + 1] = [keys[-1], self._keys[block + 1][-1]]

    def remove(self, item: T) -> None:
        """Remove ``item`` (the same object); ValueError when it is not there."""
        block, at = self._find(item)
        self._own(block)
        del self._keys[block][at], self._blocks[block][at]
        self._offsets = None
        self._len -= 1
        if self._keys[block]:
            self._maxes[block] = self._keys[block][-1]
        else:
            del self._keys[block], self._blocks[block], self._maxes[block], self._owned[block]

    def replace(self, old: T, new: T) -> None:
        """Put ``new`` (of the same key) where ``old`` is."""
        block, at = self._find(old)
        self._own(block)
        self._blocks[block][at] = new

    def _find(self, item: T) -> tuple[int, int]:
        key = self._key(item)
        block = bisect.bisect_left(self._maxes, key)
        if block < len(self._blocks):
            keys, items = self._keys[block], self._blocks[block]
            at = bisect.bisect_left(keys, key)
            while at < len(keys) and keys[at] == key:
                if items[at] is item:
                    return block, at
                at += 1
        raise ValueError(f"{item!r} is not in the index")

    def clear(self) -> None:
        """Forget every object."""
        self._blocks, self._keys, self._maxes, self._owned = [], [], [], []
        self._offsets = []
        self._len = 0

    # -- reads ----------------------------------------------------------------

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[T]:
        return chain.from_iterable(self._blocks)

    def __reversed__(self) -> Iterator[T]:
        return chain.from_iterable(reversed(block) for block in reversed(self._blocks))

    def _starts(self) -> list[int]:
        offsets = self._offsets
        if offsets is None:
            offsets = self._offsets = [0, *accumulate(len(b) for b in self._blocks)][:-1]
        return offsets

    def bisect_left(self, key: int) -> int:
        """The position of the first object whose key is ``key`` or more."""
        block = bisect.bisect_left(self._maxes, key)
        if block == len(self._blocks):
            return self._len
        return self._starts()[block] + bisect.bisect_left(self._keys[block], key)

    def bisect_right(self, key: int) -> int:
        """The position of the first object whose key is more than ``key``."""
        block = bisect.bisect_right(self._maxes, key)
        if block == len(self._blocks):
            return self._len
        return self._starts()[block] + bisect.bisect_right(self._keys[block], key)

    def slice(self, start: int, stop: int) -> list[T]:
        """The objects at positions ``start`` to ``stop`` (oldest first)."""
        start, stop = max(start, 0), min(stop, self._len)
        if start >= stop:
            return []
        starts = self._starts()
        block = bisect.bisect_right(starts, start) - 1
        found: list[T] = []
        at = start - starts[block]
        wanted = stop - start
        while len(found) < wanted:
            items = self._blocks[block]
            found.extend(items[at : at + wanted - len(found)])
            block, at = block + 1, 0
        return found


class ListIndex(Generic[T]):
    """A plain list already sorted by ``key``, with the :class:`Ordered` face."""

    __slots__ = ("_items", "_key")

    def __init__(self, items: Sequence[T], key: Callable[[T], int]) -> None:
        self._items = items
        self._key = key

    def __len__(self) -> int:
        return len(self._items)

    def bisect_left(self, key: int) -> int:
        return bisect.bisect_left(self._items, key, key=self._key)

    def bisect_right(self, key: int) -> int:
        return bisect.bisect_right(self._items, key, key=self._key)

    def slice(self, start: int, stop: int) -> list[T]:
        return list(self._items[start:stop])


def insort(items: list[T], item: T, key: Callable[[T], int]) -> None:
    """Insert ``item`` into ``items`` (sorted by ``key``), after any equal keys."""
    bisect.insort_right(items, item, key=key)


def inserted(items: Sequence[T], item: T, key: Callable[[T], int]) -> list[T]:
    """A new list: ``items`` (sorted by ``key``) with ``item`` inserted after equal keys.

    Made at its exact size (one customer per email is the usual case: 8 bytes, not 32).
    """
    at = bisect.bisect_right(items, key(item), key=key)
    return list(items[:at]) + [item] + list(items[at:])  # noqa: RUF005 (unpacking over-allocates)
