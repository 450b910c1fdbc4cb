"""List pagination shared by every list endpoint: newest first, cursors, filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from .. import messages, params
from ..errors import invalid_request
from ..index import Ordered
from ..params import Value

T = TypeVar("T")

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a list: its items (newest first), ``has_more`` and the filtered total."""

    items: list[T]
    has_more: bool
    total_count: int


@dataclass(slots=True)
class ListQuery:
    """The common list params, validated: ``limit``, cursors, ``include[]``."""

    limit: int = DEFAULT_LIMIT
    starting_after: str | None = None
    ending_before: str | None = None
    include_total_count: bool = False


def parse_query(raw: Mapping[str, Value]) -> ListQuery:
    """Validate ``limit starting_after ending_before include`` from ``raw``."""
    query = ListQuery()
    if "limit" in raw:
        query.limit = params.integer(
            _non_empty(raw["limit"], "limit"), "limit", minimum=1, maximum=MAX_LIMIT
        )
    if "starting_after" in raw:
        query.starting_after = params.required_string(raw["starting_after"], "starting_after")
    if "ending_before" in raw:
        query.ending_before = params.required_string(raw["ending_before"], "ending_before")
    if query.starting_after is not None and query.ending_before is not None:
        raise invalid_request(messages.BOTH_CURSORS)
    if "include" in raw:
        for item in params.string_list(raw["include"], "include"):
            if item != "total_count":
                raise invalid_request(messages.INVALID_INCLUDE.format(value=item), "include")
            query.include_total_count = True
    return query


def _non_empty(value: Value, name: str) -> Value:
    if value == "":
        raise invalid_request(messages.CANNOT_UNSET.format(name=name), name)
    return value


def page(
    index: Ordered[T],
    query: ListQuery,
    *,
    lo: int = 0,
    hi: int | None = None,
    cursor: int | None = None,
) -> Page[T]:
    """One page of ``index`` (oldest first) within positions ``[lo, hi)``, newest first.

    ``cursor`` is the order key of the object named by ``starting_after`` (the
    next older objects follow) or ``ending_before`` (the ``limit`` newer objects
    nearest to it). Costs O(log n + limit): nothing outside the page is read.
    """
    hi = len(index) if hi is None else hi
    total = max(hi - lo, 0)
    if cursor is not None and query.starting_after is not None:
        hi = min(hi, index.bisect_left(cursor))
    elif cursor is not None and query.ending_before is not None:
        lo = max(lo, index.bisect_right(cursor))
    if query.ending_before is not None:
        start, stop = lo, min(hi, lo + query.limit)
        has_more = stop < hi
    else:
        start, stop = max(lo, hi - query.limit), hi
        has_more = start > lo
    items = index.slice(start, stop) if start < stop else []
    items.reverse()
    return Page(items, has_more, total)


def cursor_key(
    query: ListQuery,
    objects: Mapping[str, T],
    key: Callable[[T], int],
    missing: Callable[[str, str], Exception],
) -> int | None:
    """The order key of the object a cursor names; ``missing(id, param)`` if it is not live."""
    named = cursor_id(query)
    if named is None:
        return None
    found = objects.get(named[0])
    if found is None:
        raise missing(*named)
    return key(found)


def cursor_id(query: ListQuery) -> tuple[str, str] | None:
    """The object id a cursor names and the param that named it, if any."""
    if query.starting_after is not None:
        return query.starting_after, "starting_after"
    if query.ending_before is not None:
        return query.ending_before, "ending_before"
    return None
