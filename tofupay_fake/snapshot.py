"""Snapshots: an immutable world (accounts, customers, cards, tokens, idempotent answers,
the clock and the object id streams) that fakes fork from, and its JSON text.

A snapshot shares its records with the fake it was taken from and with every
fake restored from it; fakes copy a record before they change it (see
:class:`tofupay_fake.store.Account`), so a snapshot never changes and taking
or restoring one copies no customer.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import operator
import random
import struct
from collections.abc import Callable
from typing import Any

from . import render
from .clock import MAX_TIME, Clock, _wall_time
from .index import OrderIndex
from .store import AccountState, Card, Customer, SavedResponse, Token, order_of

FORMAT = "tofupay-fake/1"
#: The id streams a snapshot carries: the objects of the world (requests and events go on).
OBJECT_PREFIXES = ("card", "cus", "tok")
_STATE_WORDS = 625  # a Mersenne Twister state: 624 words and the position

__all__ = ["FORMAT", "OBJECT_PREFIXES", "ClockState", "Snapshot"]


@dataclasses.dataclass(frozen=True, slots=True)
class ClockState:
    """A clock's settings and reading: frozen at ``now``, or wall time shifted by ``offset``."""

    start: int
    tick: int
    now: int | None  # frozen clocks
    offset: int  # wall clocks
    source: Callable[[], float] | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def of(cls, clock: Clock) -> ClockState:
        if clock.source is None:
            return cls(clock.start, clock.step, clock.now(), 0)
        return cls(clock.start, clock.step, None, clock._offset, clock.source)

    def apply(self, clock: Clock) -> None:
        """Make ``clock`` exactly this one (the same object: the fake's resources hold it)."""
        clock.start, clock.step = self.start, self.tick
        if self.now is not None:
            clock.source, clock._now, clock._offset = None, self.now, 0
        else:
            clock.source = self.source or clock.source or _wall_time
            clock._now, clock._offset = self.start, self.offset


class Snapshot:
    """An immutable copy of a fake's world: take one with ``fake.snapshot()``.

    ``fake.restore(snapshot)`` or ``FakeTofupay.from_snapshot(snapshot)``
    start from it (cheaply: nothing is copied until written);
    :meth:`to_json` / :meth:`from_json` keep it in a file.
    """

    __slots__ = ("_card_ids", "_json", "accounts", "clock", "seed", "sequence", "streams", "tokens")

    def __init__(
        self,
        seed: int,
        accounts: tuple[AccountState, ...],
        tokens: dict[str, Token],
        clock: ClockState,
        streams: dict[str, tuple[Any, ...]],
        sequence: int,
    ) -> None:
        self.seed = seed
        self.accounts = accounts
        self.tokens = tokens
        self.clock = clock
        self.streams = streams
        self.sequence = sequence
        self._json: str | None = None
        self._card_ids: frozenset[str] | None = None

    # -- what it holds --------------------------------------------------------

    @property
    def api_keys(self) -> list[str]:
        """The secret keys of its accounts, in the order they appeared."""
        return [state.api_key for state in self.accounts]

    def customers(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """Its live customers, newest first, of one key (or of every key), as the API shows them."""
        return [
            render.customer(customer)
            for state in self.accounts
            if api_key is None or state.api_key == api_key
            for customer in reversed(state.order)
        ]

    def card_ids(self) -> frozenset[str]:
        """Every card id the world holds (customers' cards and tokens' cards)."""
        if self._card_ids is None:
            found = {token.card.id for token in self.tokens.values()}
            for state in self.accounts:
                for customer in state.customers.values():
                    found.update(customer.cards)
            self._card_ids = frozenset(found)
        return self._card_ids

    def __repr__(self) -> str:
        count = sum(len(state.customers) for state in self.accounts)
        return f"<Snapshot seed={self.seed} accounts={len(self.accounts)} customers={count}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    # -- JSON -----------------------------------------------------------------

    def to_json(self) -> str:
        """The snapshot as JSON text (``"format": "tofupay-fake/1"``); the same world, the same text."""
        if self._json is None:
            self._json = json.dumps(self.document(), separators=(",", ":"))
        return self._json

    def document(self) -> dict[str, Any]:
        """The snapshot as the JSON document :meth:`to_json` writes (new dicts, the caller's)."""
        return {
            "format": FORMAT,
            "seed": self.seed,
            "clock": clock_json(self.clock),
            "ids": {
                "sequence": self.sequence,
                "streams": {p: state_text(self.streams[p]) for p in sorted(self.streams)},
            },
            "accounts": [_account_json(state) for state in self.accounts],
            "tokens": [token_json(self.tokens[t]) for t in sorted(self.tokens)],
        }

    @classmethod
    def from_json(cls, text: str | bytes) -> Snapshot:
        """A snapshot from :meth:`to_json`'s text; ValueError for any other text."""
        if not isinstance(text, (str, bytes, bytearray)):
            raise TypeError(f"Snapshot.from_json() takes the JSON text, got {type(text).__name__}")
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ValueError(
                f"not a tofupay-fake snapshot: the JSON does not parse ({exc})"
            ) from None
        return cls.from_document(document)

    @classmethod
    def from_document(cls, document: Any) -> Snapshot:
        """A snapshot from :meth:`document`'s JSON document; ValueError naming the first problem."""
        if not isinstance(document, dict) or "format" not in document:
            raise ValueError('not a tofupay-fake snapshot: no "format" field at the top')
        if document["format"] != FORMAT:
            raise ValueError(
                f"unknown snapshot format {document['format']!r}: this version of tofupay-fake "
                f"reads {FORMAT!r}"
            )
        return _Reader().snapshot(document)


# -- writing ------------------------------------------------------------------


def state_text(state: tuple[Any, ...]) -> str:
    """An id stream's state (``random.Random.getstate()``) as base64 text."""
    version, words, gauss = state
    if version != 3 or gauss is not None or len(words) != _STATE_WORDS:  # pragma: no cover
        raise ValueError("unexpected random state")
    return base64.b64encode(struct.pack(f">{_STATE_WORDS}I", *words)).decode("ascii")


def stream_state(text: Any, where: str) -> tuple[Any, ...]:
    """An id stream's state from :func:`state_text`'s text; ValueError naming ``where``."""
    return _Reader().stream(text, where)


def clock_json(clock: ClockState) -> dict[str, Any]:
    """A clock's state as a snapshot document holds it."""
    if clock.now is not None:
        return {"mode": "frozen", "start": clock.start, "tick": clock.tick, "now": clock.now}
    return {"mode": "wall", "start": clock.start, "tick": clock.tick, "offset": clock.offset}


_NAMES: dict[tuple[object, tuple[str, ...]], tuple[str, ...]] = {}


def _names(cls: object, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The field names of a record class, less ``skip`` (remembered)."""
    found = _NAMES.get((cls, skip))
    if found is None:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        found = _NAMES[cls, skip] = tuple(f.name for f in fields if f.name not in skip)
    return found


_GETTERS: dict[tuple[object, tuple[str, ...]], Callable[[Any], tuple[Any, ...]]] = {}


def _record(record: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    names = _names(type(record), skip)
    getter = _GETTERS.get((type(record), skip))
    if getter is None:
        getter = _GETTERS[type(record), skip] = operator.attrgetter(*names)
    found = dict(zip(names, getter(record), strict=True))
    if "failing_checks" in found:
        found["failing_checks"] = sorted(found["failing_checks"])
    return found


def customer_json(customer: Customer) -> dict[str, Any]:
    """One customer as a snapshot document holds it (its cards inside, oldest first)."""
    fields = _record(customer, ("cards",))
    fields["cards"] = [_record(card) for card in customer.cards.values()]
    return fields


def saved_json(key: str, saved: SavedResponse) -> dict[str, Any]:
    """One idempotent answer as a snapshot document holds it."""
    return {"key": key, **_record(saved)}


def _account_json(state: AccountState) -> dict[str, Any]:
    return {
        "api_key": state.api_key,
        "customers": [customer_json(customer) for customer in state.order],
        "deleted": sorted(state.deleted),
        "idempotency": [saved_json(key, saved) for key, saved in state.idempotency.items()],
    }


def token_json(token: Token) -> dict[str, Any]:
    """One token as a snapshot document holds it."""
    fields = _record(token, ("card",))
    fields["card"] = _record(token.card)
    return fields


# -- reading ------------------------------------------------------------------

_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "str | None": lambda v: v is None or isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "dict[str, str]": lambda v: (
        isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items())
    ),
    "dict[str, Any]": lambda v: isinstance(v, dict),
    "frozenset[str]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


_KEYSETS: dict[tuple[object, tuple[str, ...]], frozenset[str]] = {}


def _keyset(cls: object, skip: tuple[str, ...]) -> frozenset[str]:
    """Every key a record's object has: its fields, ``skip`` included (remembered)."""
    found = _KEYSETS.get((cls, skip))
    if found is None:
        found = _KEYSETS[cls, skip] = frozenset(_names(cls, skip) + skip)
    return found


Check = tuple[str, str, Callable[[Any], bool]]
_CHECKS_OF: dict[tuple[object, tuple[str, ...]], tuple[Check, ...]] = {}


def _checks(cls: object, skip: tuple[str, ...]) -> tuple[Check, ...]:
    """(name, type, check) of each field of a record class, less ``skip`` (remembered)."""
    found = _CHECKS_OF.get((cls, skip))
    if found is None:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        found = _CHECKS_OF[cls, skip] = tuple(
            (f.name, str(f.type), _CHECKS[str(f.type)]) for f in fields if f.name not in skip
        )
    return found


class _Reader:
    """Checks every field of a snapshot document; the first problem is a ValueError naming it."""

    def snapshot(self, doc: dict[str, Any]) -> Snapshot:
        self.keys(doc, "the snapshot", ("format", "seed", "clock", "ids", "accounts", "tokens"))
        seed = self.number(doc["seed"], "seed", lo=None)  # any int seeds a fake
        clock = self.clock(doc["clock"])
        ids = self.object(doc["ids"], "ids")
        self.keys(ids, "ids", ("sequence", "streams"))
        sequence = self.number(ids["sequence"], "ids.sequence")
        raw_streams = self.object(ids["streams"], "ids.streams")
        self.keys(raw_streams, "ids.streams", OBJECT_PREFIXES)
        streams = {p: self.stream(raw_streams[p], f"ids.streams.{p}") for p in OBJECT_PREFIXES}
        accounts = tuple(
            self.account(raw, f"accounts[{i}]")
            for i, raw in enumerate(self.array(doc["accounts"], "accounts"))
        )
        if len({state.api_key for state in accounts}) != len(accounts):
            raise self.bad("accounts", "two accounts have the same api_key")
        tokens: dict[str, Token] = {}
        for i, raw in enumerate(self.array(doc["tokens"], "tokens")):
            token = self.token(raw, f"tokens[{i}]")
            tokens[token.id] = token
        return Snapshot(seed, accounts, tokens, clock, streams, sequence)

    def bad(self, where: str, problem: str) -> ValueError:
        return ValueError(f"not a valid tofupay-fake snapshot: {where}: {problem}")

    def object(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.bad(where, f"expected an object, got {type(value).__name__}")
        return value

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.bad(where, f"expected an array, got {type(value).__name__}")
        return value

    def number(self, value: Any, where: str, lo: int | None = 0, hi: int | None = None) -> int:
        if (
            not _CHECKS["int"](value)
            or (lo is not None and value < lo)
            or (hi is not None and value > hi)
        ):
            least = "" if lo is None else f" >= {lo}"
            raise self.bad(where, f"expected a whole number{least}, got {value!r}")
        return int(value)

    def keys(self, value: dict[str, Any], where: str, wanted: tuple[str, ...]) -> None:
        if set(value) != set(wanted):
            missing = sorted(set(wanted) - set(value))
            extra = sorted(set(value) - set(wanted))
            detail = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(extra)}" if extra else "",
                )
                if part
            )
            raise self.bad(where, detail)

    def clock(self, raw: Any) -> ClockState:
        doc = self.object(raw, "clock")
        mode = doc.get("mode")
        if mode == "frozen":
            self.keys(doc, "clock", ("mode", "start", "tick", "now"))
            now = self.number(doc["now"], "clock.now", hi=MAX_TIME)
            return ClockState(
                self.number(doc["start"], "clock.start", hi=MAX_TIME),
                self.number(doc["tick"], "clock.tick"),
                now,
                0,
            )
        if mode == "wall":
            self.keys(doc, "clock", ("mode", "start", "tick", "offset"))
            offset = doc["offset"]
            if not _CHECKS["int"](offset):
                raise self.bad("clock.offset", f"expected a whole number, got {offset!r}")
            return ClockState(
                self.number(doc["start"], "clock.start", hi=MAX_TIME),
                self.number(doc["tick"], "clock.tick"),
                None,
                offset,
            )
        raise self.bad("clock.mode", f"expected 'frozen' or 'wall', got {mode!r}")

    def stream(self, raw: Any, where: str) -> tuple[Any, ...]:
        try:
            packed = base64.b64decode(raw, validate=True) if isinstance(raw, str) else b""
            words = struct.unpack(f">{_STATE_WORDS}I", packed)
            state = (3, words, None)
            random.Random().setstate(state)
        except (ValueError, struct.error, TypeError):
            raise self.bad(where, "not an id stream's state") from None
        return state

    def record(
        self, cls: type[Any], raw: Any, where: str, skip: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        doc = self.object(raw, where)
        names = _names(cls, skip)
        if doc.keys() != _keyset(cls, skip):
            self.keys(doc, where, names + skip)
        found = {name: doc[name] for name in names}
        for name, kind, check in _checks(cls, skip):
            if not check(found[name]):
                raise self.bad(f"{where}.{name}", f"expected {kind}, got {found[name]!r}")
        if "failing_checks" in found:
            found["failing_checks"] = frozenset(found["failing_checks"])
        return found

    def card(self, raw: Any, where: str) -> Card:
        return Card(**self.record(Card, raw, where))

    def account(self, raw: Any, where: str) -> AccountState:
        doc = self.object(raw, where)
        self.keys(doc, where, ("api_key", "customers", "deleted", "idempotency"))
        api_key = doc["api_key"]
        if not isinstance(api_key, str) or not api_key:
            raise self.bad(f"{where}.api_key", f"expected a secret key, got {api_key!r}")
        records: list[Customer] = []
        for i, item in enumerate(self.array(doc["customers"], f"{where}.customers")):
            at = f"{where}.customers[{i}]"
            fields = self.record(Customer, item, at, ("cards",))
            cards = {}
            for j, card_raw in enumerate(self.array(item["cards"], f"{at}.cards")):
                card = self.card(card_raw, f"{at}.cards[{j}]")
                cards[card.id] = card
            customer = Customer(**fields, cards=cards)
            if records and customer.order <= records[-1].order:
                raise self.bad(at, "customers must be in increasing order")
            records.append(customer)
        customers = {customer.id: customer for customer in records}
        if len(customers) != len(records):
            raise self.bad(f"{where}.customers", "two customers have the same id")
        by_email: dict[str, list[Customer]] = {}
        for customer in records:
            if customer.email is not None:
                by_email.setdefault(customer.email, []).append(customer)
        deleted = self.array(doc["deleted"], f"{where}.deleted")
        if not all(isinstance(ident, str) for ident in deleted):
            raise self.bad(f"{where}.deleted", "expected customer ids")
        idempotency: dict[str, SavedResponse] = {}
        for i, item in enumerate(self.array(doc["idempotency"], f"{where}.idempotency")):
            at = f"{where}.idempotency[{i}]"
            key = self.object(item, at).get("key")
            if not isinstance(key, str):
                raise self.bad(f"{at}.key", f"expected a string, got {key!r}")
            fields = self.record(SavedResponse, {k: v for k, v in item.items() if k != "key"}, at)
            idempotency[key] = SavedResponse(**fields)
        return AccountState(
            api_key,
            customers,
            OrderIndex.from_sorted(records, order_of),
            by_email,
            set(deleted),
            idempotency,
        )

    def token(self, raw: Any, where: str) -> Token:
        fields = self.record(Token, raw, where, ("card",))
        return Token(**fields, card=self.card(raw["card"], f"{where}.card"))
