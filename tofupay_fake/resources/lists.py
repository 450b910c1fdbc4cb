"""List pagination shared by every list endpoint: newest first, cursors, filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .. import messages, params
from ..errors import invalid_request, not_found
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


def paginate(
    items: Sequence[T],
    query: ListQuery,
    *,
    id_of: Callable[[T], str],
    keep: Callable[[T], bool] | None = None,
    missing: Callable[[str, str], Exception] | None = None,
) -> Page[T]:
    """Page ``items`` (oldest first) newest first, as Stripe lists do.

    A cursor names an object of ``items`` (else ``missing(id, param)``, a 404
    naming the param); ``keep`` filters. ``starting_after`` gives the next
    older objects, ``ending_before`` the ``limit`` newer objects nearest to it.
    """
    newest_first = list(reversed(items))
    position = {id_of(item): index for index, item in enumerate(newest_first)}
    make_missing = missing or (lambda ident, param: not_found(f"No such object: {ident}", param))
    if query.starting_after is not None:
        start = _cursor(position, query.starting_after, "starting_after", make_missing) + 1
        candidates = newest_first[start:]
    elif query.ending_before is not None:
        end = _cursor(position, query.ending_before, "ending_before", make_missing)
        candidates = newest_first[:end]
    else:
        candidates = newest_first
    matching = [item for item in candidates if keep is None or keep(item)]
    total = (
        sum(1 for item in newest_first if keep is None or keep(item))
        if query.include_total_count
        else 0
    )
    if query.ending_before is not None:
        page = matching[-query.limit :]
        return Page(page, len(matching) > len(page), total)
    page = matching[: query.limit]
    return Page(page, len(matching) > len(page), total)


def _cursor(
    position: Mapping[str, int], ident: str, param: str, missing: Callable[[str, str], Exception]
) -> int:
    index = position.get(ident)
    if index is None:
        raise missing(ident, param)
    return index
