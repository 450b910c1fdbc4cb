"""Property tests of list pagination over HTTP: random histories checked against a model.

``test_customer_list_matches_model`` draws random interleavings of creates (emails
from a small pool, some under ``OTHER_KEY``), email changes, deletes, bad cursors
and full page walks of ``GET /v1/customers`` -- forward with ``starting_after``
(from the first page or from any live customer), backward with ``ending_before``
(from the oldest matching customer or from any live one) -- with a random
``limit`` and a random ``email`` / ``created`` filter. Every page is compared with
a plain reference model: newest first (``created`` desc, then creation order
desc), deleted and other-key customers never listed, each matching customer
returned exactly once, ``has_more`` true on every page but the last of a walk,
``include[]=total_count`` equal to the model's count. The clock is either the
default frozen one (+1 s per object) or a callable whose answers repeat and go
backwards. ``test_card_list_matches_model`` does the same, smaller, for the cards
of one customer (``/v1/customers/{id}/sources``).

Runs are derandomized, so CI is deterministic. Long mode: ``TOFUPAY_LONG=1``
runs 10,000 and 4,000 histories instead of 60 and 30.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.helpers import START
from tests.conftest import BASE, KEY, OTHER_KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay

LONG = os.environ.get("TOFUPAY_LONG") == "1"
#: Histories per test: a fixed, derandomized sample in the short run, many more in the long one.
CUSTOMER_HISTORIES = 10_000 if LONG else 60
CARD_HISTORIES = 4_000 if LONG else 30
SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EMAILS = ["a@x.io", "b@x.io", "A@x.io"]  # "A@x.io" is not "a@x.io": the filter is exact
FILTER_EMAILS = [*EMAILS, "nobody@x.io"]
MAX_OPS = 25
CONTROLLED_SPAN = 4  # the controlled clock answers START .. START + 3, in any order
PICK = st.integers(0, 1000)  # which object of a list, modulo its length

T = TypeVar("T")


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One real httpx client for every example (each fake patches the transport)."""
    with httpx.Client(base_url=BASE, verify=SSL_CONTEXT) as made:
        yield made


# -- model helpers shared by both lists ----------------------------------------------


def expected_page(
    ordered: list[T], key: Callable[[T], Any], side: str, cursor: Any, limit: int
) -> tuple[list[T], bool]:
    """The model's page of ``ordered`` (newest first) and its ``has_more``.

    ``cursor`` is the sort key of the object the cursor names (it need not be
    in ``ordered``), or None for the first page.
    """
    if side == "after":
        older = [item for item in ordered if cursor is None or key(item) < cursor]
        return older[:limit], len(older) > limit
    newer = [item for item in reversed(ordered) if key(item) > cursor]  # nearest first
    return newer[:limit][::-1], len(newer) > limit


def check_walk(pages: list[dict[str, Any]], limit: int) -> None:
    """Only the final page says ``has_more: false``; earlier pages are full, none empty."""
    assert [p["has_more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    assert all(len(p["data"]) == limit for p in pages[:-1])
    assert len(pages) == 1 or pages[-1]["data"], "a walk ended on an empty page"


def walked_ids(pages: list[dict[str, Any]], side: str) -> list[str]:
    """The ids a walk saw, newest first (a backward walk's pages come oldest first)."""
    ordered_pages = pages if side == "after" else pages[::-1]
    seen = [item["id"] for page in ordered_pages for item in page["data"]]
    assert len(seen) == len(set(seen)), f"an item was listed twice: {seen}"
    return seen


def cursor_param(side: str) -> str:
    return "starting_after" if side == "after" else "ending_before"


# -- customer lists: strategies --------------------------------------------------------

limits = st.sampled_from([1, 1, 2, 2, 2, 3, 3, 4, 5, None, 7, 100])  # None: the default 10
keys = st.sampled_from([KEY, KEY, KEY, OTHER_KEY])
maybe_email = st.sampled_from([None, *EMAILS])
sides = st.sampled_from(["after", "before"])
CUSTOMER_OPS = ["create"] * 6 + ["delete", "set_email", "bad_cursor", "walk", "walk"]

# A ``created`` bound is drawn as (rank, delta): the rank-th distinct ``created``
# value stored when the walk runs (modulo their number), plus delta seconds.
bounds = st.tuples(PICK, st.sampled_from([0, 0, -1, 1]))


@st.composite
def filters(draw: st.DrawFn) -> tuple[str | None, Any]:
    """(email, created): each often absent; created an exact second or a range."""
    email = draw(st.sampled_from([None] * 6 + FILTER_EMAILS))
    kind = draw(st.sampled_from(["none", "none", "none", "exact", "range", "range"]))
    if kind == "none":
        return email, None
    if kind == "exact":
        return email, draw(bounds)
    operators = st.sampled_from(["gt", "gte", "lt", "lte"])
    return email, draw(st.dictionaries(operators, bounds, min_size=1, max_size=2))


def walks(
    side: st.SearchStrategy[str] = sides, limit: st.SearchStrategy[int | None] = limits
) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(
        st.just("walk"),
        side,  # "after": forward with starting_after; "before": backward with ending_before
        keys,
        limit,
        filters(),
        st.sampled_from([None, None]) | PICK,  # anchor; None: first page / oldest match
        st.booleans(),  # include[]=total_count
    )


@st.composite
def customer_ops(draw: st.DrawFn) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(CUSTOMER_OPS))
    if kind == "create":
        clock_answer = draw(st.integers(0, CONTROLLED_SPAN - 1))  # used by a controlled clock
        return (kind, draw(maybe_email), draw(keys), clock_answer)
    if kind == "delete":
        return (kind, draw(PICK))
    if kind == "set_email":
        return (kind, draw(PICK), draw(maybe_email))
    if kind == "bad_cursor":
        return (kind, draw(keys), draw(PICK), draw(sides))
    return draw(walks())


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[bool, list[tuple[Any, ...]]]:
    """(controlled clock?, ops ending with a forward and a backward walk)."""
    controlled = draw(st.booleans())
    history = draw(st.lists(customer_ops(), min_size=16, max_size=MAX_OPS - 2))
    small = st.integers(1, 3)  # the final walks: small pages, so several of them
    last = [draw(walks(st.just(side), small)) for side in ("after", "before")]
    return controlled, [*history, *last]


# -- customer lists: model and run -----------------------------------------------------


@dataclass
class Rec:
    """One customer as the model sees it."""

    id: str
    created: int
    index: int  # creation order over the whole fake
    email: str | None
    key: str
    deleted: bool = False


def rec_order(rec: Rec) -> tuple[int, int]:
    return (rec.created, rec.index)


def matches(rec: Rec, key: str, email: str | None, created: int | dict[str, int] | None) -> bool:
    if rec.deleted or rec.key != key or (email is not None and rec.email != email):
        return False
    if created is None:
        return True
    if isinstance(created, int):
        return rec.created == created
    tests = {
        "gt": lambda bound: rec.created > bound,
        "gte": lambda bound: rec.created >= bound,
        "lt": lambda bound: rec.created < bound,
        "lte": lambda bound: rec.created <= bound,
    }
    return all(tests[op](bound) for op, bound in created.items())


class CustomerRun:
    """Plays ops on a fresh fake and on the model, checking every list page."""

    def __init__(self, client: httpx.Client, controlled: bool) -> None:
        self.client = client
        self.controlled = controlled
        self.now = START
        self.recs: list[Rec] = []

    def clock(self) -> float:
        """The controlled clock: whatever the last create op said."""
        return self.now

    def live(self, key: str | None = None) -> list[Rec]:
        return [r for r in self.recs if not r.deleted and key in (None, r.key)]

    def bound(self, drawn: tuple[int, int]) -> int:
        values = sorted({r.created for r in self.recs}) or [START]
        rank, delta = drawn
        return values[rank % len(values)] + delta

    def created_filter(self, drawn: Any) -> int | dict[str, int] | None:
        if drawn is None:
            return None
        if isinstance(drawn, tuple):
            return self.bound(drawn)
        return {op: self.bound(value) for op, value in drawn.items()}

    def create(self, email: str | None, key: str, clock_answer: int) -> None:
        if self.controlled:
            self.now = START + clock_answer
        data = {} if email is None else {"email": email}
        response = self.client.post("/v1/customers", data=data, auth=(key, ""))
        assert response.status_code == 200, response.text
        body = response.json()
        # frozen: +1 s per object made (only customers are made here)
        assert body["created"] == (self.now if self.controlled else START + len(self.recs))
        assert body["email"] == email
        self.recs.append(Rec(body["id"], body["created"], len(self.recs), email, key))

    def delete(self, pick: int) -> None:
        live = self.live()
        if live:
            rec = live[pick % len(live)]
            response = self.client.delete(f"/v1/customers/{rec.id}", auth=(rec.key, ""))
            assert response.status_code == 200, response.text
            assert response.json() == {"deleted": True, "id": rec.id}
            rec.deleted = True

    def set_email(self, pick: int, email: str | None) -> None:
        live = self.live()
        if live:
            rec = live[pick % len(live)]
            data = {"email": email or ""}
            response = self.client.post(f"/v1/customers/{rec.id}", data=data, auth=(rec.key, ""))
            assert response.status_code == 200, response.text
            assert response.json()["email"] == email
            rec.email = email

    def bad_cursor(self, key: str, pick: int, side: str) -> None:
        """A cursor naming a deleted customer, or one of another key, is a 404 naming it."""
        bad = [r.id for r in self.recs if r.deleted or r.key != key] or ["cus_00000000000000"]
        param = cursor_param(side)
        query = {param: bad[pick % len(bad)]}
        response = self.client.get("/v1/customers", params=query, auth=(key, ""))
        assert response.status_code == 404, (query, response.text)
        error = response.json()["error"]
        assert (error["type"], error.get("param")) == ("invalid_request_error", param), query

    def walk(
        self,
        side: str,
        key: str,
        limit: int | None,
        drawn: tuple[str | None, Any],
        anchor_pick: int | None,
        total: bool,
    ) -> None:
        email, created = drawn[0], self.created_filter(drawn[1])
        ordered = sorted(
            (r for r in self.recs if matches(r, key, email, created)), key=rec_order, reverse=True
        )
        live = self.live(key)
        anchor: Rec | None = None
        if anchor_pick is not None and live:
            anchor = live[anchor_pick % len(live)]  # need not match the filter
        elif side == "before" and ordered:
            anchor = ordered[-1]  # the oldest matching customer
        if side == "before" and anchor is None:
            side = "after"  # nothing to stand on: walk from the first page instead

        base: dict[str, str] = {}
        if email is not None:
            base["email"] = email
        if isinstance(created, int):
            base["created"] = str(created)
        elif created is not None:
            base.update({f"created[{op}]": str(value) for op, value in created.items()})
        if limit is not None:
            base["limit"] = str(limit)
        if total:
            base["include[]"] = "total_count"
        size = 10 if limit is None else limit

        by_id = {r.id: r for r in self.recs}
        cursor = anchor
        pages: list[dict[str, Any]] = []
        for _ in range(len(self.recs) + 2):
            query = dict(base)
            if cursor is not None:
                query[cursor_param(side)] = cursor.id
            response = self.client.get("/v1/customers", params=query, auth=(key, ""))
            assert response.status_code == 200, (query, response.text)
            body = response.json()
            mark = None if cursor is None else rec_order(cursor)
            want, want_more = expected_page(ordered, rec_order, side, mark, size)
            got = [(c["id"], c["created"], c["email"]) for c in body["data"]]
            assert got == [(r.id, r.created, r.email) for r in want], query
            assert body["has_more"] is want_more, query
            if total:
                assert body["total_count"] == len(ordered), query
            else:
                assert "total_count" not in body, query
            pages.append(body)
            if not body["has_more"] or not body["data"]:
                break
            cursor = by_id[body["data"][-1 if side == "after" else 0]["id"]]
        else:
            pytest.fail(f"the walk did not end: {base}")

        check_walk(pages, size)
        seen = walked_ids(pages, side)
        if anchor is None:
            assert seen == [r.id for r in ordered], base  # every match, once, in order
        elif side == "after":
            assert seen == [r.id for r in ordered if rec_order(r) < rec_order(anchor)], base
        else:
            assert seen == [r.id for r in ordered if rec_order(r) > rec_order(anchor)], base
            if anchor_pick is None:  # from the oldest match: all the others
                assert [*seen, anchor.id] == [r.id for r in ordered], base
        event(f"customer walk {side}: pages={min(len(pages), 4)}")


@settings(SETTINGS, max_examples=CUSTOMER_HISTORIES)
@given(scenario=scenarios())
def test_customer_list_matches_model(
    client: httpx.Client, scenario: tuple[bool, list[tuple[Any, ...]]]
) -> None:
    """Every page of every walk equals the model's, whatever the history and the clock."""
    controlled, history = scenario
    run = CustomerRun(client, controlled)
    with FakeTofupay(clock=run.clock if controlled else None):
        for name, *args in history:
            getattr(run, name)(*args)


# -- card lists ------------------------------------------------------------------------

CARD_OPS = ["add"] * 6 + ["delete", "replace", "bad_cursor", "walk", "walk"]


@st.composite
def card_ops(draw: st.DrawFn) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(CARD_OPS))
    if kind in ("add", "replace"):
        return (kind,)
    if kind == "delete":
        return (kind, draw(PICK))
    if kind == "bad_cursor":
        return (kind, draw(PICK), draw(sides))
    anchor = st.sampled_from([None, None]) | PICK
    return (kind, draw(sides), draw(limits), draw(anchor))


class CardRun:
    """Cards of one customer: attach order is the list order (newest first)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.customer = self.post("/v1/customers", {})["id"]
        self.path = f"/v1/customers/{self.customer}/sources"
        other = self.post("/v1/customers", {"source": "tok_visa"})
        self.foreign = other["default_source"]  # a card of another customer
        self.cards: list[str] = []  # attach order, oldest first
        self.deleted: set[str] = set()
        self.default: str | None = None

    def post(self, path: str, data: dict[str, str]) -> dict[str, Any]:
        response = self.client.post(path, data=data, auth=(KEY, ""))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def live(self) -> list[str]:
        return [c for c in self.cards if c not in self.deleted]

    def add(self) -> None:
        card = self.post(self.path, {"source": "tok_visa"})["id"]
        self.cards.append(card)
        self.default = self.default or card  # the first card becomes the default

    def replace(self) -> None:
        """``source`` on update: a new default card; the old default is deleted."""
        body = self.post(f"/v1/customers/{self.customer}", {"source": "tok_visa"})
        card = body["default_source"]
        assert card not in self.cards
        if self.default is not None:
            self.deleted.add(self.default)
        self.cards.append(card)
        self.default = card

    def delete(self, pick: int) -> None:
        live = self.live()
        if live:
            card = live[pick % len(live)]
            response = self.client.delete(f"{self.path}/{card}", auth=(KEY, ""))
            assert response.status_code == 200, response.text
            self.deleted.add(card)
            if card == self.default:  # the newest remaining card, or none
                self.default = next(iter(self.live()[::-1]), None)

    def bad_cursor(self, pick: int, side: str) -> None:
        bad = [*sorted(self.deleted), self.foreign]
        param = cursor_param(side)
        query = {param: bad[pick % len(bad)]}
        response = self.client.get(self.path, params=query, auth=(KEY, ""))
        assert response.status_code == 404, (query, response.text)
        error = response.json()["error"]
        assert (error["type"], error.get("param")) == ("invalid_request_error", param), query

    def walk(self, side: str, limit: int | None, anchor_pick: int | None) -> None:
        ordered = self.live()[::-1]  # newest first
        rank = {card: i for i, card in enumerate(self.cards)}.__getitem__
        anchor: str | None = None
        if anchor_pick is not None and ordered:
            anchor = ordered[anchor_pick % len(ordered)]
        elif side == "before" and ordered:
            anchor = ordered[-1]
        if side == "before" and anchor is None:
            side = "after"
        size = 10 if limit is None else limit
        base = {} if limit is None else {"limit": str(limit)}

        cursor = anchor
        pages: list[dict[str, Any]] = []
        for _ in range(len(self.cards) + 2):
            query = dict(base)
            if cursor is not None:
                query[cursor_param(side)] = cursor
            response = self.client.get(self.path, params=query, auth=(KEY, ""))
            assert response.status_code == 200, (query, response.text)
            body = response.json()
            assert (body["object"], body["url"]) == ("list", self.path)
            mark = None if cursor is None else rank(cursor)
            want, want_more = expected_page(ordered, rank, side, mark, size)
            assert [c["id"] for c in body["data"]] == want, query
            assert all(c["customer"] == self.customer for c in body["data"]), query
            assert body["has_more"] is want_more, query
            pages.append(body)
            if not body["has_more"] or not body["data"]:
                break
            cursor = body["data"][-1 if side == "after" else 0]["id"]
        else:
            pytest.fail(f"the walk did not end: {base}")

        check_walk(pages, size)
        seen = walked_ids(pages, side)
        if anchor is None:
            assert seen == ordered
        elif side == "after":
            assert seen == [c for c in ordered if rank(c) < rank(anchor)]
        else:
            assert seen == [c for c in ordered if rank(c) > rank(anchor)]

        response = self.client.get(f"/v1/customers/{self.customer}", auth=(KEY, ""))
        customer = response.json()
        assert customer["default_source"] == self.default
        embedded = customer["sources"]
        assert [c["id"] for c in embedded["data"]] == ordered[:10]
        assert (embedded["total_count"], embedded["has_more"]) == (len(ordered), len(ordered) > 10)
        event(f"card walk {side}: pages={min(len(pages), 4)}")


@settings(SETTINGS, max_examples=CARD_HISTORIES)
@given(history=st.lists(card_ops(), min_size=14, max_size=MAX_OPS))
def test_card_list_matches_model(client: httpx.Client, history: list[tuple[Any, ...]]) -> None:
    """A customer's cards list newest first (attach order), deleted ones never."""
    with FakeTofupay():
        run = CardRun(client)
        for name, *args in [*history, ("walk", "after", None, None)]:  # default limit: 10
            getattr(run, name)(*args)
