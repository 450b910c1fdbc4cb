"""Ordered indexes behind the list endpoints: objects sorted by an int key.

``OrderIndex`` (sortedcontainers' ``SortedKeyList``) adds, removes and finds a
cursor in O(log n) and slices a page in O(log n + page), however many objects
are stored. ``ListIndex`` puts the same face on a small plain list (a
customer's cards, the customers sharing one email).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sortedcontainers import SortedKeyList  # type: ignore[import-untyped]

T = TypeVar("T")


class Ordered(Protocol[T]):
    """What a list page needs: a length, bisection by key, and slices (oldest first)."""

    def __len__(self) -> int: ...
    def bisect_left(self, key: int) -> int: ...
    def bisect_right(self, key: int) -> int: ...
    def slice(self, start: int, stop: int) -> list[T]: ...


class OrderIndex(Generic[T]):
    """Objects kept sorted by ``key`` (ascending: oldest first)."""

    __slots__ = ("_items",)

    def __init__(self, key: Callable[[T], int]) -> None:
        self._items: Any = SortedKeyList(key=key)

    def add(self, item: T) -> None:
        self._items.add(item)

    def remove(self, item: T) -> None:
        self._items.remove(item)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[T]:
        return reversed(self._items)  # type: ignore[no-any-return]

    def bisect_left(self, key: int) -> int:
        return self._items.bisect_key_left(key)  # type: ignore[no-any-return]

    def bisect_right(self, key: int) -> int:
        return self._items.bisect_key_right(key)  # type: ignore[no-any-return]

    def slice(self, start: int, stop: int) -> list[T]:
        return list(self._items.islice(start, stop))

    def clear(self) -> None:
        self._items.clear()


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
