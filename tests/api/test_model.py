"""A stateful model test: random histories over real httpx requests, checked step by step.

A hypothesis ``RuleBasedStateMachine`` drives one started ``FakeTofupay`` through
an ``httpx.Client`` (the in-process respx interception, base
``https://api.tofupay.com``) under three API keys (two ``sk_test_``, one
``sk_live_``): customer creates (with or without email, description, metadata
and a source), card adds (test tokens, card dictionaries under ``source`` or
its alias ``card``, a declining token), card updates and deletes, metadata
merges / unsets / clears, ``default_source`` changes (to a card of the
customer, or to another customer's card: 400), updates with ``source`` (the new
card becomes the default, the old default is deleted), customer deletes, full
page walks of ``GET /v1/customers`` both ways (optionally filtered by email)
and idempotent requests (a retry replays; the same key with other params is an
``idempotency_error``; keys are per account).

Each response is compared with a small reference model: per key, the live
customers in creation order; per customer its cards in attach order, the
default card, metadata, email, description; the deleted ids. After every step
the invariants check that every key's list equals the model (ids newest first,
``has_more``, fields, embedded cards), that ``default_source`` is a live card of
the customer or null, that deleted customers never reappear (their stub is
served; update / delete are 404) and that no key sees another key's objects.

Determinism: CI runs are derandomized (``derandomize=True``, ``database=None``):
the same histories every run, so CI is reproducible and its step count is a
fixed figure. ``TOFUPAY_LONG=1`` runs 1,250 histories instead of 10, randomized
(each long run explores new ones; hypothesis prints the failing history, and
``@reproduce_failure`` replays it).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import BASE, KEY, LIVE_KEY, OTHER_KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay

LONG = os.environ.get("TOFUPAY_LONG") == "1"
KEYS = (KEY, OTHER_KEY, LIVE_KEY)
STEPS_PER_HISTORY = 50
HISTORIES = 1250 if LONG else 10
MIN_STEPS = 50_000 if LONG else 300

#: Rule executions of the current session, by rule name (the figure the test asserts).
STEPS: Counter[str] = Counter()
#: Every rule of the machine: each must run in every session.
RULES = (
    "first_customer", "create_customer", "update_customer", "delete_customer", "touch_deleted",
    "add_card", "delete_card", "update_card", "set_default_source", "set_foreign_default_source",
    "update_with_source", "walk_customers", "walk_cards", "idempotent_create", "idempotent_update",
    "retry_idempotent", "reuse_idempotency_key", "idempotency_key_of_another_account",
    "other_key_sees_nothing",
)  # fmt: skip

EMAILS = ("a@x.io", "b@x.io", "A@x.io")  # exact match: "A@x.io" is not "a@x.io"
META_KEYS = ("plan", "tier", "ref")
META_VALUES = ("pro", "free", "7", "")  # "" unsets the key
NAMES = ("Ada", "Grace", "")  # "" unsets the name
PICK = st.integers(0, 1000)  # which object of a list, modulo its length

#: What a test token or card number attaches: (brand, last4).
ATTACHES = {
    "tok_visa": ("Visa", "4242"),
    "tok_mastercard": ("MasterCard", "4444"),
    "4242424242424242": ("Visa", "4242"),
    "5555555555554444": ("MasterCard", "4444"),
    "378282246310005": ("American Express", "0005"),
}
DECLINING = "tok_chargeDeclined"

# A source is ("token", id) or ("dict", param name, number); declines are rare.
sources = st.one_of(
    st.tuples(st.just("token"), st.sampled_from(["tok_visa", "tok_visa", "tok_mastercard"])),
    st.tuples(
        st.just("dict"),
        st.sampled_from(["source", "card"]),
        st.sampled_from(["4242424242424242", "5555555555554444", "378282246310005"]),
    ),
    st.tuples(st.just("token"), st.just(DECLINING)),
)
maybe_source = st.none() | sources
metadata_changes = st.dictionaries(st.sampled_from(META_KEYS), st.sampled_from(META_VALUES))
maybe_text = st.sampled_from([None, None, "vip", "first customer", ""])  # "" unsets


def source_params(source: tuple[str, ...]) -> dict[str, str]:
    """The form params that send ``source``."""
    if source[0] == "token":
        return {"source": source[1]}
    _, name, number = source
    return {
        f"{name}[number]": number,
        f"{name}[exp_month]": "12",
        f"{name}[exp_year]": "2030",
        f"{name}[cvc]": "123",
        f"{name}[name]": "Card Holder",
    }


def attaches(source: tuple[str, ...]) -> tuple[str, str] | None:
    """(brand, last4) of the card ``source`` attaches; None when it declines."""
    return None if source[1] == DECLINING else ATTACHES[source[-1]]


def merge(current: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """The documented merge: set each key, ``""`` removes it."""
    merged = dict(current)
    for name, value in changes.items():
        if value == "":
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


# -- the reference model -------------------------------------------------------------


@dataclass
class ModelCard:
    id: str
    brand: str
    last4: str
    name: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelCustomer:
    id: str
    key: str
    email: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    cards: list[ModelCard] = field(default_factory=list)  # attach order, oldest first
    default: str | None = None

    def card_ids(self) -> list[str]:
        return [card.id for card in self.cards]

    def add(self, card: ModelCard) -> None:
        """The first card added becomes the default."""
        self.cards.append(card)
        self.default = self.default or card.id

    def remove(self, card_id: str) -> None:
        """Deleting the default makes the newest remaining card the default, or none."""
        self.cards = [card for card in self.cards if card.id != card_id]
        if self.default == card_id:
            self.default = self.cards[-1].id if self.cards else None


@dataclass
class Idempotent:
    """A POST sent with an Idempotency-Key, and what it first answered."""

    key: str
    idempotency_key: str
    path: str
    data: dict[str, str]
    status: int
    body: dict[str, Any]


@pytest.fixture(scope="module")
def started() -> Iterator[tuple[FakeTofupay, httpx.Client]]:
    """One started fake and one real client for every history (reset between them)."""
    with FakeTofupay(seed=0) as fake, httpx.Client(base_url=BASE, verify=SSL_CONTEXT) as client:
        yield fake, client


class TofupayMachine(RuleBasedStateMachine):
    """The fake against the model, one HTTP request (or a few) per rule."""

    fake: ClassVar[FakeTofupay]
    client: ClassVar[httpx.Client]

    def __init__(self) -> None:
        super().__init__()
        self.fake.reset()
        self.customers: dict[str, list[ModelCustomer]] = {key: [] for key in KEYS}
        self.deleted: dict[str, str] = {}  # customer id -> key
        self.gone_cards: set[str] = set()  # deleted or replaced cards
        self.idempotent: list[Idempotent] = []
        self.sent_keys = 0

    # -- helpers ---------------------------------------------------------------

    def send(
        self,
        method: str,
        path: str,
        key: str,
        *,
        data: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        response = self.client.request(
            method, path, data=data, params=params, headers=headers, auth=(key, "")
        )
        assert response.headers["content-type"] == "application/json", response.headers
        assert response.headers["request-id"].startswith("req_"), response.headers
        return response

    def ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, (response.request.url, response.text)
        body: dict[str, Any] = response.json()
        return body

    def error(
        self, response: httpx.Response, status: int, type_: str = "invalid_request_error"
    ) -> dict[str, Any]:
        assert response.status_code == status, (response.request.url, response.text)
        body = response.json()
        assert set(body) == {"error"}, body
        assert body["error"]["type"] == type_, body
        error: dict[str, Any] = body["error"]
        return error

    def live(self) -> list[ModelCustomer]:
        return [customer for key in KEYS for customer in self.customers[key]]

    def pick(self, pick: int) -> ModelCustomer:
        live = self.live()
        return live[pick % len(live)]

    def with_cards(self) -> list[ModelCustomer]:
        return [customer for customer in self.live() if customer.cards]

    def has_live(self) -> bool:
        return any(self.customers.values())

    def has_cards(self) -> bool:
        return bool(self.with_cards())

    def check_customer(self, body: dict[str, Any], want: ModelCustomer) -> None:
        """A rendered customer equals the model's (embedded cards included)."""
        assert body["object"] == "customer"
        assert body["id"] == want.id
        assert body["livemode"] is want.key.startswith("sk_live_")
        got = (body["email"], body["description"], body["metadata"], body["default_source"])
        assert got == (want.email, want.description, want.metadata, want.default), want
        assert want.default is None or want.default in want.card_ids()
        newest = want.cards[::-1]
        embedded = body["sources"]
        assert embedded["total_count"] == len(newest)
        assert embedded["has_more"] is (len(newest) > 10)
        assert [card["id"] for card in embedded["data"]] == [card.id for card in newest[:10]]
        for card, model in zip(embedded["data"], newest, strict=False):
            got_card = (card["brand"], card["last4"], card["name"], card["metadata"])
            assert got_card == (model.brand, model.last4, model.name, model.metadata), model
            assert card["customer"] == want.id

    def new_card(
        self, body: dict[str, Any], brand_last4: tuple[str, str], source: tuple[str, ...]
    ) -> ModelCard:
        assert body["object"] == "card"
        assert (body["brand"], body["last4"]) == brand_last4
        return ModelCard(
            body["id"], *brand_last4, name="Card Holder" if source[0] == "dict" else None
        )

    # -- customers -------------------------------------------------------------

    @initialize(key=st.sampled_from(KEYS))
    def first_customer(self, key: str) -> None:
        """Every history starts with one customer, so the other rules have work."""
        STEPS["first_customer"] += 1
        body = self.ok(self.send("POST", "/v1/customers", key))
        self.customers[key].append(ModelCustomer(body["id"], key))

    @rule(
        key=st.sampled_from(KEYS),
        email=st.none() | st.sampled_from(EMAILS),
        description=st.sampled_from([None, "vip", "first customer"]),
        metadata=metadata_changes,
        source=maybe_source,
        expand=st.booleans(),
    )
    def create_customer(
        self,
        key: str,
        email: str | None,
        description: str | None,
        metadata: dict[str, str],
        source: tuple[str, ...] | None,
        expand: bool,
    ) -> None:
        STEPS["create_customer"] += 1
        data: dict[str, str] = {}
        if email is not None:
            data["email"] = email
        if description is not None:
            data["description"] = description
        data.update({f"metadata[{name}]": value for name, value in metadata.items()})
        if source is not None:
            data.update(source_params(source))
        params = {"expand[]": "default_source"} if expand else None
        response = self.send("POST", "/v1/customers", key, data=data, params=params)
        if source is not None and attaches(source) is None:
            error = self.error(response, 402, "card_error")
            assert error["code"] == "card_declined"
            return  # nothing created
        body = self.ok(response)
        want = ModelCustomer(body["id"], key, email, description, merge({}, metadata))
        assert want.id not in self.deleted and all(c.id != want.id for c in self.live())
        if source is not None:
            card_body = body["sources"]["data"][0]
            brand_last4 = attaches(source)
            assert brand_last4 is not None
            want.add(self.new_card(card_body, brand_last4, source))
            if expand:
                assert body["default_source"]["id"] == want.default
                body["default_source"] = want.default
        self.check_customer(body, want)
        self.customers[key].append(want)

    @precondition(has_live)
    @rule(
        pick=PICK,
        metadata=metadata_changes,
        clear=st.booleans(),
        email=st.none() | st.sampled_from([*EMAILS, ""]),
        description=maybe_text,
    )
    def update_customer(
        self,
        pick: int,
        metadata: dict[str, str],
        clear: bool,
        email: str | None,
        description: str | None,
    ) -> None:
        """Merge metadata (``k=""`` unsets), or clear it with ``metadata=""``; set or unset fields."""
        STEPS["update_customer"] += 1
        want = self.pick(pick)
        data: dict[str, str] = {}
        if clear:
            data["metadata"] = ""
        else:
            data.update({f"metadata[{name}]": value for name, value in metadata.items()})
        if email is not None:
            data["email"] = email
        if description is not None:
            data["description"] = description
        body = self.ok(self.send("POST", f"/v1/customers/{want.id}", want.key, data=data))
        want.metadata = {} if clear else merge(want.metadata, metadata)
        if email is not None:
            want.email = email or None
        if description is not None:
            want.description = description or None
        self.check_customer(body, want)

    @precondition(has_live)
    @rule(pick=PICK)
    def delete_customer(self, pick: int) -> None:
        STEPS["delete_customer"] += 1
        want = self.pick(pick)
        body = self.ok(self.send("DELETE", f"/v1/customers/{want.id}", want.key))
        assert body == {"deleted": True, "id": want.id}
        self.customers[want.key].remove(want)
        self.deleted[want.id] = want.key
        self.gone_cards.update(want.card_ids())

    @precondition(lambda self: bool(self.deleted))
    @rule(pick=PICK, how=st.sampled_from(["get", "update", "delete", "sources", "add_card"]))
    def touch_deleted(self, pick: int, how: str) -> None:
        """A deleted customer: the stub on GET, 404 for everything else."""
        STEPS["touch_deleted"] += 1
        ident, key = sorted(self.deleted.items())[pick % len(self.deleted)]
        path = f"/v1/customers/{ident}"
        if how == "get":
            body = self.ok(self.send("GET", path, key))
            assert body == {"id": ident, "object": "customer", "deleted": True}
            return
        if how == "update":
            response = self.send("POST", path, key, data={"description": "back?"})
        elif how == "delete":
            response = self.send("DELETE", path, key)
        elif how == "sources":
            response = self.send("GET", f"{path}/sources", key)
        else:
            response = self.send("POST", f"{path}/sources", key, data={"source": "tok_visa"})
        error = self.error(response, 404)
        assert error["message"] == f"No such customer: {ident}"

    # -- cards -----------------------------------------------------------------

    @precondition(has_live)
    @rule(pick=PICK, source=sources, metadata=metadata_changes)
    def add_card(self, pick: int, source: tuple[str, ...], metadata: dict[str, str]) -> None:
        STEPS["add_card"] += 1
        want = self.pick(pick)
        data = source_params(source)
        data.update({f"metadata[{name}]": value for name, value in metadata.items()})
        response = self.send("POST", f"/v1/customers/{want.id}/sources", want.key, data=data)
        brand_last4 = attaches(source)
        if brand_last4 is None:
            assert self.error(response, 402, "card_error")["code"] == "card_declined"
            return
        body = self.ok(response)
        card = self.new_card(body, brand_last4, source)
        card.metadata = merge({}, metadata)
        assert body["metadata"] == card.metadata
        assert body["customer"] == want.id
        assert card.id not in self.gone_cards
        want.add(card)

    @precondition(has_cards)
    @rule(pick=PICK, card_pick=PICK)
    def delete_card(self, pick: int, card_pick: int) -> None:
        STEPS["delete_card"] += 1
        want = self.with_cards()[pick % len(self.with_cards())]
        card = want.cards[card_pick % len(want.cards)]
        path = f"/v1/customers/{want.id}/sources/{card.id}"
        body = self.ok(self.send("DELETE", path, want.key))
        assert body == {"deleted": True, "id": card.id}
        want.remove(card.id)
        self.gone_cards.add(card.id)
        again = self.send("DELETE", path, want.key)
        assert self.error(again, 404)["message"] == f"No such source: {card.id}"

    @precondition(has_cards)
    @rule(
        pick=PICK,
        card_pick=PICK,
        name=st.none() | st.sampled_from(NAMES),
        metadata=metadata_changes,
        clear=st.booleans(),
    )
    def update_card(
        self, pick: int, card_pick: int, name: str | None, metadata: dict[str, str], clear: bool
    ) -> None:
        STEPS["update_card"] += 1
        want = self.with_cards()[pick % len(self.with_cards())]
        card = want.cards[card_pick % len(want.cards)]
        data: dict[str, str] = {}
        if name is not None:
            data["name"] = name
        if clear:
            data["metadata"] = ""
        else:
            data.update({f"metadata[{key}]": value for key, value in metadata.items()})
        path = f"/v1/customers/{want.id}/sources/{card.id}"
        body = self.ok(self.send("POST", path, want.key, data=data))
        if name is not None:
            card.name = name or None
        card.metadata = {} if clear else merge(card.metadata, metadata)
        assert (body["id"], body["name"], body["metadata"]) == (card.id, card.name, card.metadata)

    @precondition(has_cards)
    @rule(pick=PICK, card_pick=PICK, expand=st.booleans())
    def set_default_source(self, pick: int, card_pick: int, expand: bool) -> None:
        STEPS["set_default_source"] += 1
        want = self.with_cards()[pick % len(self.with_cards())]
        card = want.cards[card_pick % len(want.cards)]
        params = {"expand[]": "default_source"} if expand else None
        path = f"/v1/customers/{want.id}"
        data = {"default_source": card.id}
        body = self.ok(self.send("POST", path, want.key, data=data, params=params))
        want.default = card.id
        if expand:
            assert body["default_source"]["id"] == card.id
            assert body["default_source"]["customer"] == want.id
            body["default_source"] = card.id
        self.check_customer(body, want)

    @precondition(has_live)
    @rule(pick=PICK, other_pick=PICK)
    def set_foreign_default_source(self, pick: int, other_pick: int) -> None:
        """Another customer's card (any key), a deleted card or an unknown one: 400."""
        STEPS["set_foreign_default_source"] += 1
        want = self.pick(pick)
        foreign = [
            card.id for customer in self.live() if customer is not want for card in customer.cards
        ]
        foreign += [*sorted(self.gone_cards), "card_000000000000000000000000"]
        card_id = foreign[other_pick % len(foreign)]
        path = f"/v1/customers/{want.id}"
        response = self.send("POST", path, want.key, data={"default_source": card_id})
        error = self.error(response, 400)
        assert error["param"] == "default_source"
        expected = f"Customer {want.id} does not have a linked source with ID {card_id}."
        assert error["message"] == expected

    @precondition(has_live)
    @rule(pick=PICK, source=sources)
    def update_with_source(self, pick: int, source: tuple[str, ...]) -> None:
        """``source`` on update: the new card is the default, the old default is deleted."""
        STEPS["update_with_source"] += 1
        want = self.pick(pick)
        response = self.send(
            "POST", f"/v1/customers/{want.id}", want.key, data=source_params(source)
        )
        brand_last4 = attaches(source)
        if brand_last4 is None:
            assert self.error(response, 402, "card_error")["code"] == "card_declined"
            return
        body = self.ok(response)
        new_id = body["default_source"]
        assert new_id not in want.card_ids() and new_id not in self.gone_cards
        card_body = next(card for card in body["sources"]["data"] if card["id"] == new_id)
        card = self.new_card(card_body, brand_last4, source)
        old = want.default
        want.cards.append(card)
        want.default = card.id
        if old is not None:
            want.cards = [c for c in want.cards if c.id != old]
            self.gone_cards.add(old)
            response = self.send("GET", f"/v1/customers/{want.id}/sources/{old}", want.key)
            self.error(response, 404)
        self.check_customer(body, want)

    # -- lists ----------------------------------------------------------------

    @rule(
        key=st.sampled_from(KEYS),
        limit=st.integers(1, 4),
        email=st.none() | st.sampled_from(EMAILS),
        total=st.booleans(),
    )
    def walk_customers(self, key: str, limit: int, email: str | None, total: bool) -> None:
        """Forward with ``starting_after`` from the first page, then back with ``ending_before``."""
        STEPS["walk_customers"] += 1
        want = [c.id for c in self.customers[key][::-1] if email is None or c.email == email]
        base: dict[str, Any] = {"limit": limit}
        if email is not None:
            base["email"] = email
        if total:
            base["include[]"] = "total_count"
        forward = self.walk(key, base, "starting_after", None, limit, len(want) if total else None)
        assert forward == want
        if want:
            oldest = want[-1]
            backward = self.walk(key, base, "ending_before", oldest, limit, None)
            assert [*backward, oldest] == want

    def walk(
        self,
        key: str,
        base: dict[str, Any],
        param: str,
        cursor: str | None,
        limit: int,
        total: int | None,
    ) -> list[str]:
        """Every id a walk sees, newest first; ``has_more`` true on every page but the last."""
        pages: list[list[str]] = []
        for _ in range(200):
            query = dict(base)
            if cursor is not None:
                query[param] = cursor
            body = self.ok(self.send("GET", "/v1/customers", key, params=query))
            assert (body["object"], body["url"]) == ("list", "/v1/customers")
            ids = [customer["id"] for customer in body["data"]]
            if total is not None:
                assert body["total_count"] == total
            pages.append(ids)
            if not body["has_more"]:
                break
            assert len(ids) == limit, body
            cursor = ids[-1] if param == "starting_after" else ids[0]
        else:
            pytest.fail("the walk did not end")
        if param == "ending_before":
            pages.reverse()
        return [ident for page in pages for ident in page]

    @precondition(has_cards)
    @rule(pick=PICK, limit=st.integers(1, 3))
    def walk_cards(self, pick: int, limit: int) -> None:
        STEPS["walk_cards"] += 1
        want = self.with_cards()[pick % len(self.with_cards())]
        path = f"/v1/customers/{want.id}/sources"
        seen: list[str] = []
        query: dict[str, Any] = {"limit": limit}
        while True:
            body = self.ok(self.send("GET", path, want.key, params=query))
            seen += [card["id"] for card in body["data"]]
            if not body["has_more"]:
                break
            query = {"limit": limit, "starting_after": seen[-1]}
        assert seen == want.card_ids()[::-1]

    # -- idempotency ------------------------------------------------------------

    @rule(
        key=st.sampled_from(KEYS),
        email=st.none() | st.sampled_from(EMAILS),
        source=maybe_source,
    )
    def idempotent_create(
        self, key: str, email: str | None, source: tuple[str, ...] | None
    ) -> None:
        """A create retried with its key: the first answer replayed, one customer made."""
        STEPS["idempotent_create"] += 1
        data = {} if email is None else {"email": email}
        if source is not None:
            data.update(source_params(source))
        sent = self.idempotent_post(key, "/v1/customers", data)
        if source is not None and attaches(source) is None:
            assert sent.status == 402
            return
        assert sent.status == 200, sent.body
        want = ModelCustomer(sent.body["id"], key, email)
        if source is not None:
            brand_last4 = attaches(source)
            assert brand_last4 is not None
            want.add(self.new_card(sent.body["sources"]["data"][0], brand_last4, source))
        self.check_customer(sent.body, want)
        self.customers[key].append(want)

    @precondition(has_live)
    @rule(pick=PICK, description=st.sampled_from(["retry me", "again"]))
    def idempotent_update(self, pick: int, description: str) -> None:
        STEPS["idempotent_update"] += 1
        want = self.pick(pick)
        sent = self.idempotent_post(
            want.key, f"/v1/customers/{want.id}", {"description": description}
        )
        want.description = description
        self.check_customer(sent.body, want)

    def idempotent_post(self, key: str, path: str, data: dict[str, str]) -> Idempotent:
        """Send twice with a new Idempotency-Key; the second answer is the replayed first."""
        self.sent_keys += 1
        headers = {"Idempotency-Key": f"idem-{self.sent_keys}"}
        first = self.send("POST", path, key, data=data, headers=headers)
        assert "idempotent-replayed" not in first.headers
        second = self.send("POST", path, key, data=data, headers=headers)
        assert second.headers.get("idempotent-replayed") == "true"
        assert (second.status_code, second.content) == (first.status_code, first.content)
        sent = Idempotent(
            key, headers["Idempotency-Key"], path, data, first.status_code, first.json()
        )
        self.idempotent.append(sent)
        return sent

    @precondition(lambda self: bool(self.idempotent))
    @rule(pick=PICK)
    def retry_idempotent(self, pick: int) -> None:
        """Any later retry replays the first answer, whatever happened since; nothing changes."""
        STEPS["retry_idempotent"] += 1
        sent = self.idempotent[pick % len(self.idempotent)]
        headers = {"Idempotency-Key": sent.idempotency_key}
        response = self.send("POST", sent.path, sent.key, data=sent.data, headers=headers)
        assert response.headers.get("idempotent-replayed") == "true"
        assert (response.status_code, response.json()) == (sent.status, sent.body)

    @precondition(lambda self: bool(self.idempotent))
    @rule(pick=PICK)
    def reuse_idempotency_key(self, pick: int) -> None:
        """The same key with other params: 400 ``idempotency_error``, nothing done."""
        STEPS["reuse_idempotency_key"] += 1
        sent = self.idempotent[pick % len(self.idempotent)]
        headers = {"Idempotency-Key": sent.idempotency_key}
        data = {**sent.data, "description": "other params"}
        response = self.send("POST", sent.path, sent.key, data=data, headers=headers)
        error = self.error(response, 400, "idempotency_error")
        assert sent.idempotency_key in error["message"]
        assert "idempotent-replayed" not in response.headers

    @precondition(lambda self: bool(self.idempotent))
    @rule(pick=PICK, key_pick=st.integers(1, 2))
    def idempotency_key_of_another_account(self, pick: int, key_pick: int) -> None:
        """Keys are per account: another account's key runs a new create."""
        STEPS["idempotency_key_of_another_account"] += 1
        sent = self.idempotent[pick % len(self.idempotent)]
        key = KEYS[(KEYS.index(sent.key) + key_pick) % len(KEYS)]
        if any(
            other.key == key and other.idempotency_key == sent.idempotency_key
            for other in self.idempotent
        ):
            return
        headers = {"Idempotency-Key": sent.idempotency_key}
        response = self.send(
            "POST", "/v1/customers", key, data={"email": "a@x.io"}, headers=headers
        )
        assert "idempotent-replayed" not in response.headers
        body = self.ok(response)
        self.idempotent.append(
            Idempotent(key, sent.idempotency_key, "/v1/customers", {"email": "a@x.io"}, 200, body)
        )
        self.customers[key].append(ModelCustomer(body["id"], key, "a@x.io"))

    # -- accounts ----------------------------------------------------------------

    @precondition(has_live)
    @rule(
        pick=PICK,
        key_pick=st.integers(1, 2),
        how=st.sampled_from(["get", "update", "delete", "card"]),
    )
    def other_key_sees_nothing(self, pick: int, key_pick: int, how: str) -> None:
        STEPS["other_key_sees_nothing"] += 1
        want = self.pick(pick)
        key = KEYS[(KEYS.index(want.key) + key_pick) % len(KEYS)]
        path = f"/v1/customers/{want.id}"
        if how == "get":
            response = self.send("GET", path, key)
        elif how == "update":
            response = self.send("POST", path, key, data={"description": "not mine"})
        elif how == "delete":
            response = self.send("DELETE", path, key)
        elif want.cards:
            response = self.send("GET", f"{path}/sources/{want.cards[0].id}", key)
        else:
            response = self.send("GET", f"{path}/sources", key)
        assert self.error(response, 404)["message"] == f"No such customer: {want.id}"

    # -- invariants --------------------------------------------------------------

    @invariant()
    def lists_equal_the_model(self) -> None:
        """Every key's list is the model's: ids newest first, fields, no deleted, no other key's."""
        for key in KEYS:
            want = self.customers[key][::-1]
            body = self.ok(self.send("GET", "/v1/customers", key, params={"limit": 100}))
            assert body["has_more"] is (len(want) > 100)
            assert [c["id"] for c in body["data"]] == [c.id for c in want][:100]
            for got, model in zip(body["data"], want, strict=False):
                self.check_customer(got, model)
        assert not self.deleted.keys() & {c.id for c in self.live()}
        assert not self.gone_cards & {card for c in self.live() for card in c.card_ids()}

    @invariant()
    def deleted_stay_deleted(self) -> None:
        """The newest deleted customer still answers its stub (the rule checks older ones)."""
        if self.deleted:
            ident, key = next(reversed(self.deleted.items()))
            body = self.ok(self.send("GET", f"/v1/customers/{ident}", key))
            assert body == {"id": ident, "object": "customer", "deleted": True}

    @invariant()
    def keys_see_only_their_own(self) -> None:
        """Each key's newest customer is a 404 under the next key."""
        for number, key in enumerate(KEYS):
            if self.customers[key]:
                ident = self.customers[key][-1].id
                other = KEYS[(number + 1) % len(KEYS)]
                response = self.send("GET", f"/v1/customers/{ident}", other)
                assert self.error(response, 404)["param"] == "id"


def test_fake_matches_the_model_step_by_step(started: tuple[FakeTofupay, httpx.Client]) -> None:
    TofupayMachine.fake, TofupayMachine.client = started
    before = Counter(STEPS)
    run_state_machine_as_test(
        TofupayMachine,
        settings=settings(
            max_examples=HISTORIES,
            stateful_step_count=STEPS_PER_HISTORY,
            deadline=None,
            database=None,
            derandomize=not LONG,
            report_multiple_bugs=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    ran = STEPS - before
    total = sum(ran.values())
    print(f"\ntest_model: {total} steps in {HISTORIES} histories: {dict(sorted(ran.items()))}")
    assert total >= MIN_STEPS, f"only {total} steps ran; expected at least {MIN_STEPS}"
    rules = [name for name in dir(TofupayMachine) if name in RULES]
    assert sorted(ran) == sorted(rules) == sorted(RULES), f"some rules never ran: {ran}"
