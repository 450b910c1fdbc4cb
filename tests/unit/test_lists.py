"""resources/lists.py pagination and customers.list_page filters, with no HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import messages
from tofupay_fake.clock import DEFAULT_START, Clock
from tofupay_fake.errors import TofupayError
from tofupay_fake.ids import IdFactory
from tofupay_fake.index import ListIndex, Ordered, OrderIndex
from tofupay_fake.resources import Env, customers, lists
from tofupay_fake.store import Account, Store

S = DEFAULT_START
ITEMS = list(range(1, 21))  # oldest first: 1 is the oldest, 20 the newest


def ids(numbers: range | list[int]) -> list[str]:
    return [str(n) for n in numbers]


def identity(n: int) -> int:
    return n


def make_index(kind: str, items: list[int]) -> Ordered[int]:
    if kind == "list":
        return ListIndex(items, identity)
    index: OrderIndex[int] = OrderIndex(identity)
    for item in reversed(items):  # insertion order must not matter
        index.add(item)
    return index


@pytest.fixture(params=["list", "sorted"])
def kind(request: pytest.FixtureRequest) -> str:
    """Every page rule holds for a plain sorted list and for the O(log n) index."""
    return str(request.param)


def page_of(kind: str, raw: dict[str, Any], items: list[int] = ITEMS) -> lists.Page[int]:
    query = lists.parse_query(raw)
    named = lists.cursor_id(query)
    return lists.page(
        make_index(kind, items), query, cursor=None if named is None else int(named[0])
    )


# -- page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "has_more"),
    [
        pytest.param({}, range(20, 10, -1), True, id="default-limit-10"),
        pytest.param({"limit": "100"}, range(20, 0, -1), False, id="all"),
        pytest.param({"limit": "20"}, range(20, 0, -1), False, id="exactly-all"),
        pytest.param({"limit": "19"}, range(20, 1, -1), True, id="all-but-one"),
        pytest.param({"limit": "1"}, [20], True, id="limit-1"),
        pytest.param({"limit": "5", "starting_after": "16"}, range(15, 10, -1), True, id="after"),
        pytest.param(
            {"limit": "5", "starting_after": "6"}, range(5, 0, -1), False, id="after-last-page"
        ),
        pytest.param({"limit": "5", "starting_after": "3"}, [2, 1], False, id="after-short"),
        pytest.param({"starting_after": "1"}, [], False, id="after-oldest"),
        pytest.param({"limit": "3", "ending_before": "5"}, [8, 7, 6], True, id="before-nearest"),
        pytest.param(
            {"limit": "3", "ending_before": "17"}, [20, 19, 18], False, id="before-first-page"
        ),
        pytest.param({"limit": "3", "ending_before": "18"}, [20, 19], False, id="before-short"),
        pytest.param({"ending_before": "20"}, [], False, id="before-newest"),
        pytest.param({"ending_before": "1"}, range(11, 1, -1), True, id="before-oldest"),
    ],
)
def test_page(kind: str, raw: dict[str, Any], expected: Any, has_more: bool) -> None:
    page = page_of(kind, raw)
    assert page.items == list(expected)
    assert page.has_more is has_more


EVEN = [n for n in ITEMS if n % 2 == 0]


@pytest.mark.parametrize(
    ("raw", "expected", "has_more"),
    [
        pytest.param({"limit": "3"}, [20, 18, 16], True, id="first"),
        pytest.param({"limit": "3", "starting_after": "16"}, [14, 12, 10], True, id="after"),
        pytest.param({"limit": "3", "starting_after": "15"}, [14, 12, 10], True, id="after-unkept"),
        pytest.param({"limit": "3", "starting_after": "6"}, [4, 2], False, id="after-end"),
        pytest.param({"limit": "3", "ending_before": "9"}, [14, 12, 10], True, id="before-unkept"),
        pytest.param({"limit": "3", "ending_before": "14"}, [20, 18, 16], False, id="before-start"),
    ],
)
def test_page_of_a_filtered_index(
    kind: str, raw: dict[str, Any], expected: list[int], has_more: bool
) -> None:
    """A cursor may name an object the filter leaves out: its key still places it."""
    page = page_of(kind, raw, EVEN)
    assert (page.items, page.has_more) == (expected, has_more)


@pytest.mark.parametrize(
    ("raw", "items", "lo", "hi", "total"),
    [
        pytest.param({}, ITEMS, 0, None, 20, id="all"),
        pytest.param({"starting_after": "5"}, ITEMS, 0, None, 20, id="whole-list-not-page"),
        pytest.param({}, EVEN, 0, None, 10, id="filtered"),
        pytest.param({"ending_before": "3", "limit": "1"}, EVEN, 0, None, 10, id="filtered-cursor"),
        pytest.param({}, ITEMS, 5, 15, 10, id="window"),
        pytest.param({}, ITEMS, 15, 5, 0, id="empty-window"),
    ],
)
def test_page_total_count(
    kind: str, raw: dict[str, Any], items: list[int], lo: int, hi: int | None, total: int
) -> None:
    query = lists.parse_query({**raw, "include": ["total_count"]})
    named = lists.cursor_id(query)
    cursor = None if named is None else int(named[0])
    page = lists.page(make_index(kind, items), query, lo=lo, hi=hi, cursor=cursor)
    assert page.total_count == total


@pytest.mark.parametrize(
    ("lo", "hi", "raw", "expected", "has_more"),
    [
        pytest.param(5, 15, {"limit": "3"}, [15, 14, 13], True, id="newest-in-window"),
        pytest.param(5, 15, {"limit": "20"}, list(range(15, 5, -1)), False, id="whole-window"),
        pytest.param(5, 15, {"limit": "3", "starting_after": "8"}, [7, 6], False, id="after"),
        pytest.param(5, 15, {"limit": "3", "ending_before": "2"}, [8, 7, 6], True, id="before-lo"),
        pytest.param(
            5, 15, {"limit": "3", "starting_after": "19"}, [15, 14, 13], True, id="after-hi"
        ),
        pytest.param(15, 5, {}, [], False, id="empty"),
    ],
)
def test_page_within_positions(
    kind: str, lo: int, hi: int, raw: dict[str, Any], expected: list[int], has_more: bool
) -> None:
    """``[lo, hi)`` (what a created filter gives) bounds the page and ``has_more``."""
    query = lists.parse_query(raw)
    named = lists.cursor_id(query)
    cursor = None if named is None else int(named[0])
    page = lists.page(make_index(kind, ITEMS), query, lo=lo, hi=hi, cursor=cursor)
    assert (page.items, page.has_more) == (expected, has_more)


def test_page_of_nothing(kind: str) -> None:
    page = lists.page(make_index(kind, []), lists.ListQuery())
    assert (page.items, page.has_more, page.total_count) == ([], False, 0)


def test_cursor_id() -> None:
    assert lists.cursor_id(lists.ListQuery()) is None
    assert lists.cursor_id(lists.ListQuery(starting_after="a")) == ("a", "starting_after")
    assert lists.cursor_id(lists.ListQuery(ending_before="b")) == ("b", "ending_before")


def test_order_index_add_remove_and_iterate() -> None:
    index: OrderIndex[int] = OrderIndex(identity)
    for n in (5, 1, 3):
        index.add(n)
    index.remove(3)
    assert (list(index), list(reversed(index)), len(index)) == ([1, 5], [5, 1], 2)
    assert (index.bisect_left(5), index.bisect_right(5), index.slice(0, 5)) == (1, 2, [1, 5])
    index.clear()
    assert len(index) == 0


# -- parse_query -------------------------------------------------------------


def test_parse_query_defaults() -> None:
    assert lists.parse_query({}) == lists.ListQuery(10, None, None, False)
    assert (lists.DEFAULT_LIMIT, lists.MAX_LIMIT) == (10, 100)


@pytest.mark.parametrize(
    ("raw", "param", "message"),
    [
        pytest.param(
            {"limit": "0"}, "limit", "This value must be greater than or equal to 1.", id="limit-0"
        ),
        pytest.param(
            {"limit": "101"},
            "limit",
            "This value must be less than or equal to 100.",
            id="limit-101",
        ),
        pytest.param({"limit": "abc"}, "limit", "Invalid integer: abc", id="limit-abc"),
        pytest.param(
            {"limit": ""}, "limit", messages.CANNOT_UNSET.format(name="limit"), id="limit-empty"
        ),
        pytest.param(
            {"starting_after": ""},
            "starting_after",
            messages.CANNOT_UNSET.format(name="starting_after"),
            id="empty-cursor",
        ),
        pytest.param(
            {"starting_after": "1", "ending_before": "2"},
            None,
            messages.BOTH_CURSORS,
            id="both-cursors",
        ),
        pytest.param(
            {"include": "total_count"}, "include", "Invalid array", id="include-not-array"
        ),
        pytest.param(
            {"include": ["bogus"]},
            "include",
            "Invalid include[]: 'bogus'. The only value that can be included is total_count.",
            id="include-unknown",
        ),
    ],
)
def test_parse_query_errors(raw: dict[str, Any], param: str | None, message: str) -> None:
    with pytest.raises(TofupayError) as info:
        lists.parse_query(raw)
    assert (info.value.status, info.value.param, info.value.message) == (400, param, message)


def test_parse_query_include_indexed() -> None:
    assert lists.parse_query({"include": {"0": "total_count"}}).include_total_count is True


# -- customers.list_page -----------------------------------------------------


@pytest.fixture
def account() -> Account:
    """Five customers created at S .. S+4, emails c0..c4; c2 and c4 share an email."""
    env = Env(Store(), IdFactory(0), Clock())
    account = env.store.account("sk_test_abc123")
    for i, email in enumerate(["c0@x.io", "c1@x.io", "same@x.io", "c3@x.io", "same@x.io"]):
        customers.create(account, {"email": email, "description": f"c{i}"}, env)
    return account


def names(page: lists.Page[Any]) -> list[str]:
    return [customer.description for customer in page.items]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({}, ["c4", "c3", "c2", "c1", "c0"], id="newest-first"),
        pytest.param({"created": str(S + 2)}, ["c2"], id="created-exact"),
        pytest.param({"created": str(S + 99)}, [], id="created-none"),
        pytest.param({"created": {"gt": str(S + 2)}}, ["c4", "c3"], id="gt"),
        pytest.param({"created": {"gte": str(S + 2)}}, ["c4", "c3", "c2"], id="gte"),
        pytest.param({"created": {"lt": str(S + 2)}}, ["c1", "c0"], id="lt"),
        pytest.param({"created": {"lte": str(S + 2)}}, ["c2", "c1", "c0"], id="lte"),
        pytest.param({"created": {"gt": str(S), "lt": str(S + 4)}}, ["c3", "c2", "c1"], id="range"),
        pytest.param({"email": "same@x.io"}, ["c4", "c2"], id="email"),
        pytest.param({"email": "SAME@x.io"}, [], id="email-exact-case"),
        pytest.param(
            {"email": "same@x.io", "created": {"lt": str(S + 4)}}, ["c2"], id="email-and-created"
        ),
        pytest.param({"limit": "2"}, ["c4", "c3"], id="limit"),
    ],
)
def test_list_page(account: Account, raw: dict[str, Any], expected: list[str]) -> None:
    assert names(customers.list_page(account, raw)) == expected


def test_list_page_cursors_and_total(account: Account) -> None:
    ids_newest_first = list(reversed(account.customers))
    after = customers.list_page(
        account, {"limit": "2", "starting_after": ids_newest_first[1], "include": ["total_count"]}
    )
    assert (names(after), after.has_more, after.total_count) == (["c2", "c1"], True, 5)
    before = customers.list_page(account, {"limit": "2", "ending_before": ids_newest_first[4]})
    assert (names(before), before.has_more) == (["c2", "c1"], True)


def test_list_page_leaves_out_deleted(account: Account) -> None:
    gone = list(account.customers)[3]
    customers.delete(account, gone)
    assert names(customers.list_page(account, {})) == ["c4", "c2", "c1", "c0"]
    with pytest.raises(TofupayError) as info:
        customers.list_page(account, {"starting_after": gone})
    assert (info.value.status, info.value.param) == (404, "starting_after")


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_list_page_unknown_cursor(account: Account, param: str) -> None:
    with pytest.raises(TofupayError) as info:
        customers.list_page(account, {param: "cus_nope"})
    assert (info.value.status, info.value.type, info.value.param) == (
        404,
        "invalid_request_error",
        param,
    )
    assert info.value.message == "No such customer: cus_nope"


@pytest.mark.parametrize(
    ("raw", "param", "message"),
    [
        pytest.param(
            {"created": {"foo": "1"}},
            "created[foo]",
            "Received unknown parameter: created[foo]",
            id="unknown-op",
        ),
        pytest.param({"created": {"gt": "x"}}, "created[gt]", "Invalid integer: x", id="bad-bound"),
        pytest.param({"created": "soon"}, "created", "Invalid integer: soon", id="bad-exact"),
        pytest.param({"created": ["1"]}, "created", "Invalid hash", id="array"),
        pytest.param(
            {"email": ""}, "email", messages.CANNOT_UNSET.format(name="email"), id="empty-email"
        ),
        pytest.param(
            {"email": ["a@b.co"]}, "email", 'Invalid string: ["a@b.co"]', id="email-array"
        ),
    ],
)
def test_list_page_filter_errors(
    account: Account, raw: dict[str, Any], param: str, message: str
) -> None:
    with pytest.raises(TofupayError) as info:
        customers.list_page(account, raw)
    assert (info.value.status, info.value.param, info.value.message) == (400, param, message)


def test_list_orders_by_created_then_creation_when_the_clock_goes_back() -> None:
    """Wall time may repeat or step back: newest ``created`` first, ties newest-made first."""
    times = iter([100, 300, 200, 300, 100])
    env = Env(Store(), IdFactory(0), Clock(source=lambda: next(times)))
    account = env.store.account("sk_test_abc123")
    made = [customers.create(account, {"description": f"c{i}"}, env) for i in range(5)]
    page = customers.list_page(account, {"limit": "10"})
    assert [c.description for c in page.items] == ["c3", "c1", "c2", "c4", "c0"]
    window = customers.list_page(account, {"created": {"gte": "200", "lt": "300"}})
    assert [c.description for c in window.items] == ["c2"]
    after = customers.list_page(account, {"starting_after": made[1].id, "limit": "2"})
    assert ([c.description for c in after.items], after.has_more) == (["c2", "c4"], True)
    before = customers.list_page(account, {"ending_before": made[4].id, "limit": "2"})
    assert ([c.description for c in before.items], before.has_more) == (["c1", "c2"], True)
