"""resources/lists.py pagination and customers.list_page filters, with no HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import messages
from tofupay_fake.clock import DEFAULT_START, Clock
from tofupay_fake.errors import TofupayError
from tofupay_fake.ids import IdFactory
from tofupay_fake.resources import Env, customers, lists
from tofupay_fake.store import Account, Store

S = DEFAULT_START
ITEMS = list(range(1, 21))  # oldest first: 1 is the oldest, 20 the newest


def ids(numbers: range | list[int]) -> list[str]:
    return [str(n) for n in numbers]


def page_of(raw: dict[str, Any], keep: Any = None) -> lists.Page[int]:
    return lists.paginate(ITEMS, lists.parse_query(raw), id_of=str, keep=keep)


# -- paginate ----------------------------------------------------------------


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
def test_paginate(raw: dict[str, Any], expected: Any, has_more: bool) -> None:
    page = page_of(raw)
    assert page.items == list(expected)
    assert page.has_more is has_more


def even(n: int) -> bool:
    return n % 2 == 0


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
def test_paginate_with_filter(raw: dict[str, Any], expected: list[int], has_more: bool) -> None:
    page = page_of(raw, keep=even)
    assert (page.items, page.has_more) == (expected, has_more)


@pytest.mark.parametrize(
    ("raw", "keep", "total"),
    [
        pytest.param({}, None, 20, id="all"),
        pytest.param({"starting_after": "5"}, None, 20, id="whole-list-not-page"),
        pytest.param({}, even, 10, id="filtered"),
        pytest.param({"ending_before": "3", "limit": "1"}, even, 10, id="filtered-cursor"),
    ],
)
def test_paginate_total_count(raw: dict[str, Any], keep: Any, total: int) -> None:
    page = page_of({**raw, "include": ["total_count"]}, keep=keep)
    assert page.total_count == total


def test_paginate_empty() -> None:
    page = lists.paginate([], lists.ListQuery(), id_of=str)
    assert (page.items, page.has_more, page.total_count) == ([], False, 0)


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_paginate_unknown_cursor(param: str) -> None:
    with pytest.raises(TofupayError) as info:
        page_of({param: "99"})
    assert (info.value.status, info.value.type, info.value.param) == (
        404,
        "invalid_request_error",
        param,
    )
    assert info.value.message == "No such object: 99"


def test_paginate_missing_callback() -> None:
    query = lists.ListQuery(starting_after="x")
    with pytest.raises(LookupError, match="x starting_after"):
        lists.paginate([], query, id_of=str, missing=lambda i, p: LookupError(f"{i} {p}"))


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
