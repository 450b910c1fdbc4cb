"""``tofupay-fake serve --state PATH``: the server's state, calls and events in a SQLite file.

The file keeps *state*, never requests: a base document (the world as a
snapshot's JSON, the id streams, the calls, the events and the webhook
endpoints) and, after it, one change per answered write: the records that
write added, changed or removed, the calls and events it added, and where the
clock and the id streams stand. Each change is committed before its answer
is sent. A restart reads the base, applies the changes in order, checks the
result as :meth:`Snapshot.from_json` checks a snapshot, and writes it back as
the new base, so starting again costs the size of the state, not of its
history; a running server folds its changes into a new base every
:data:`COMPACT_EVERY` writes.

Nothing depends on the code that answered the requests: a restart never
answers anything again, and a wall clock's reading is part of the state.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed change
survives the process being killed (``SIGKILL``); the file is locked so that
only one server uses it. A file that is not a SQLite database, is damaged,
belongs to something else or has another schema version is refused with a
clear :class:`StateError`, and never written to.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from itertools import compress
from operator import is_not
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .faults import FaultQueue
from .snapshot import (
    Snapshot,
    clock_json,
    customer_json,
    saved_json,
    state_text,
    stream_state,
    token_json,
)

if TYPE_CHECKING:
    from .core import Core
    from .recorder import RecordedCall
    from .store import AccountState

#: What the ``meta`` table's ``app`` row says.
APP = "tofupay-fake"
#: The schema this version writes and reads.
SCHEMA_VERSION = "2"
#: What a base document's ``format`` says.
STATE_FORMAT = "tofupay-fake-state/1"
#: A running server writes a new base after this many changes.
COMPACT_EVERY = 500
#: The id streams besides a snapshot's object streams: request and event ids go on too.
LOG_PREFIXES = ("evt", "req")
#: Control requests that only read.
_READS = ("GET", "HEAD")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE base (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
CREATE TABLE changes (n INTEGER PRIMARY KEY, change TEXT NOT NULL);
"""
_TABLES = {"meta", "base", "changes"}
#: The parts of a base document.
_PARTS = {"format", "world", "streams", "calls", "events", "webhooks", "faults"}


class StateError(Exception):
    """The state file cannot be used; the message says why and what to do."""


class StateFile:
    """An open state file: its start-up settings, its base and its changes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = _connect(self.path)
        try:
            self.startup = self._check_or_create()
        except BaseException:
            self._db.close()
            raise
        self._tracker: _Tracker | None = None
        self._changes = int(self._db.execute("SELECT count(*) FROM changes").fetchone()[0])

    # -- opening ----------------------------------------------------------------

    def _check_or_create(self) -> dict[str, Any] | None:
        """The stored start-up settings (None: a new file, nothing stored yet)."""
        db = self._db
        try:  # reads only, until the file is known to be ours
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            meta: dict[str, str] = {}
            checked = "ok"
            if "meta" in tables:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
                checked = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise self._not_opened(exc) from None
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from None
        if tables and meta.get("app") != APP:
            raise StateError(
                f"{self.path} is a SQLite database of something else, not a tofupay-fake "
                "state file; it was left untouched. Give --state a new path."
            )
        version = meta.get("schema_version")
        if tables and version != SCHEMA_VERSION:
            raise StateError(
                f"{self.path} has state schema version {version!r}; this tofupay-fake reads "
                f"version {SCHEMA_VERSION!r}. Use the tofupay-fake that wrote it, or give "
                "--state a new path. The file was left untouched."
            )
        if checked != "ok" or (tables and not tables >= _TABLES):
            raise StateError(
                f"{self.path} is damaged ({checked}); it was left untouched. Restore it from "
                "a copy, or give --state a new path."
            )
        try:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: durable when the process dies
            if not tables:
                with db:
                    db.executescript(_SCHEMA)
                    db.executemany(
                        "INSERT INTO meta VALUES (?, ?)",
                        [("app", APP), ("schema_version", SCHEMA_VERSION)],
                    )
            else:
                with db:  # take the write lock now: a second server fails here, not later
                    db.execute("UPDATE meta SET value = value WHERE key = 'app'")
        except sqlite3.OperationalError as exc:
            raise self._not_opened(exc) from None
        startup = meta.get("startup")
        return None if startup is None else dict(json.loads(startup))

    def _not_opened(self, exc: sqlite3.OperationalError) -> StateError:
        """The error for a file SQLite would not open: locked by another server, or unreadable."""
        if "locked" in str(exc):
            return StateError(
                f"{self.path} is in use by another tofupay-fake server; stop it or "
                "give this one another --state file."
            )
        return self._unreadable(exc)

    def _unreadable(self, exc: Exception) -> StateError:
        return StateError(
            f"{self.path} is not a readable tofupay-fake state file ({exc}); it was left "
            "untouched. Give --state a new path, or restore the file from a copy."
        )

    # -- start-up ---------------------------------------------------------------

    def save_startup(self, settings: Mapping[str, Any]) -> None:
        """Keep how the server started (its options and fixture documents)."""
        with self._db:
            self._db.execute(
                "INSERT INTO meta VALUES ('startup', ?)",
                (json.dumps(dict(settings), sort_keys=True),),
            )
        self.startup = dict(settings)

    @property
    def has_state(self) -> bool:
        """True once a state was written (a restart resumes it)."""
        return self._db.execute("SELECT 1 FROM base").fetchone() is not None

    def resume(self, fake: Core) -> int:
        """Make ``fake`` the stored state and keep it from now on; how many changes were applied.

        A file with no state yet stores ``fake`` as it is. Nothing is changed
        (neither the fake nor the file) when the stored state does not load.
        """
        applied = 0
        if self.has_state:
            loaded, applied = self._load()
            _apply_state(fake, loaded)
        self._tracker = _Tracker(fake)
        self._write_base()
        return applied

    def _load(self) -> tuple[_Loaded, int]:
        """The stored state with every change applied and checked, and how many changes."""
        row = self._db.execute("SELECT state FROM base").fetchone()
        try:
            document = json.loads(row[0])
            if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
                found = document.get("format") if isinstance(document, dict) else None
                raise ValueError(f"a base of format {found!r}, expected {STATE_FORMAT!r}")
            if set(document) != _PARTS:
                raise ValueError(
                    f"a base with the parts {sorted(document)}, expected {sorted(_PARTS)}"
                )
            document = _opened(document)
            count = 0
            for (text,) in self._db.execute("SELECT change FROM changes ORDER BY n"):
                count += 1
                _apply_change(document, json.loads(text))
            loaded = _checked(_closed(document))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            why = f"no {exc} where one was expected" if isinstance(exc, KeyError) else exc
            raise StateError(
                f"{self.path} holds a state this tofupay-fake cannot read ({why}); it was "
                "left untouched. Restore it from a copy, or give --state a new path."
            ) from None
        return loaded, count

    # -- while serving ----------------------------------------------------------

    def commit(self) -> None:
        """Keep what the last request changed (committed, durable once this returns)."""
        tracker = self._tracker
        if tracker is None:
            raise RuntimeError("resume() a fake before committing its changes")
        change = tracker.change()
        if change is None:
            return
        if self._changes + 1 >= COMPACT_EVERY:
            self._write_base()
            return
        with self._db:
            self._db.execute("INSERT INTO changes (change) VALUES (?)", (json.dumps(change),))
        self._changes += 1

    def _write_base(self) -> None:
        """Write the fake's whole state as the base and drop the changes (one transaction)."""
        assert self._tracker is not None
        text = json.dumps(self._tracker.document())
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO base (id, state) VALUES (1, ?)", (text,))
            self._db.execute("DELETE FROM changes")
        self._changes = 0

    def __len__(self) -> int:
        """How many changes wait to be folded into the base."""
        return self._changes

    def close(self) -> None:
        """Fold the changes into the base (a quick next start) and close the file."""
        try:
            if self._tracker is not None and self._changes:
                self._write_base()
        finally:
            self._db.close()

    def __enter__(self) -> StateFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def is_kept(kind: str, method: str, status: int) -> bool:
    """Whether a request may change the state: every API request (each is a recorded call),
    and control requests that write and worked."""
    return kind == "api" or (method not in _READS and status == 200)


# -- what a fake's state is -------------------------------------------------------


def _call_json(call: RecordedCall) -> dict[str, Any]:
    return {
        "method": call.method,
        "path": call.path,
        "params": call.params,
        "headers": dict(call.headers),  # masked: no full key in the file's calls
        "api_key": call.api_key,
        "status_code": call.status_code,
        "response": call.response,
        "request_id": call.request_id,
    }


def _endpoints_json(fake: Core) -> list[dict[str, Any]]:
    """The webhook endpoints that post to a URL (the ones a server can have)."""
    if fake._webhooks is None:
        return []
    return [
        {
            "url": endpoint.url,
            "secret": endpoint.secret,
            "events": None if endpoint.events is None else list(endpoint.events),
            "api_key": endpoint.api_key,
        }
        for endpoint in fake._webhooks.endpoints
        if endpoint.kind == "url"
    ]


class _Tracker:
    """What a fake's state was at the last commit, to tell what a request changed.

    The fake copies a record before it changes one a snapshot holds, so a
    record that is not the very object the last snapshot held is new or
    changed; an account whose dicts are still the snapshot's changed nothing.
    """

    def __init__(self, fake: Core) -> None:
        self.fake = fake
        self.events = fake.events.texts()  # first: it gives waiting events their ids
        self.world = fake.snapshot()
        self.streams = self._streams()
        self.calls = list(fake.calls)
        self.endpoints = _endpoints_json(fake)
        self.faults = fake._faults.state()

    def _streams(self) -> dict[str, str]:
        ids = self.fake._ids
        states = ids.positions((*sorted(self.world.streams), *LOG_PREFIXES))
        return {prefix: state_text(state) for prefix, state in states.items()}

    def document(self) -> dict[str, Any]:
        """The whole state as a base document."""
        return {
            "format": STATE_FORMAT,
            "world": self.world.document(),
            "streams": {p: self.streams[p] for p in LOG_PREFIXES},
            "calls": [_call_json(call) for call in self.calls],
            "events": self.events,
            "webhooks": self.endpoints,
            "faults": self.faults,
        }

    def change(self) -> dict[str, Any] | None:
        """What changed since the last call (None: nothing), and remember the state now."""
        fake = self.fake
        with fake._lock:
            events = fake.events.texts()  # first: it gives waiting events their ids
            world = fake.snapshot()
            streams = self._streams()
            calls = list(fake.calls)
            endpoints = _endpoints_json(fake)
            faults = fake._faults.state()
        change: dict[str, Any] = {}
        accounts = _accounts_change(self.world.accounts, world.accounts)
        if accounts:
            change["accounts"] = accounts
        tokens = _records_change(
            self.world.tokens, world.tokens, lambda _, token: token_json(token)
        )
        if tokens:
            change["tokens"] = tokens
        if world.clock != self.world.clock:
            change["clock"] = clock_json(world.clock)
        moved = {p: text for p, text in streams.items() if self.streams.get(p) != text}
        if moved or world.sequence != self.world.sequence:
            change["ids"] = {"sequence": world.sequence, "streams": moved}
        for name, before, now, as_json in (
            ("calls", self.calls, calls, _call_json),
            ("events", self.events, events, None),
        ):
            added = _appended(before, now)
            if added is None:  # cleared (a reset): the log starts again
                change[name] = {"clear": True, "add": [_as(as_json, x) for x in now]}
            elif added:
                change[name] = {"clear": False, "add": [_as(as_json, x) for x in added]}
        if endpoints != self.endpoints:
            change["webhooks"] = endpoints
        if faults != self.faults:
            change["faults"] = faults
        self.world, self.streams, self.calls, self.events = world, streams, calls, events
        self.endpoints, self.faults = endpoints, faults
        return change or None


def _as(as_json: Callable[[Any], Any] | None, item: Any) -> Any:
    return item if as_json is None else as_json(item)


def _appended(before: list[Any], now: list[Any]) -> list[Any] | None:
    """What ``now`` has after ``before``'s newest item (None: that item is gone, a reset)."""
    if not before:
        return now
    newest = before[-1]
    for at in range(len(now) - 1, -1, -1):
        if now[at] is newest:
            return now[at + 1 :]
    return None


def _records_change(
    before: Mapping[str, Any], now: Mapping[str, Any], as_json: Callable[[str, Any], Any]
) -> dict[str, Any]:
    """``{key: record's JSON}`` for each record added or changed, ``{key: None}`` for each gone."""
    if before is now:
        return {}
    # Each record against the one ``before`` held under its key, compared in C (map, compress):
    # a world of 10,000 customers costs a fraction of a millisecond a write.
    changed_keys = compress(now, map(is_not, now.values(), map(before.get, now)))
    changed = {key: as_json(key, now[key]) for key in changed_keys}
    if len(before) + len(changed) != len(now):  # some were removed
        for key in before.keys() - now.keys():
            changed[key] = None
    return changed


def _accounts_change(
    before: tuple[AccountState, ...], now: tuple[AccountState, ...]
) -> dict[str, Any]:
    """Per secret key: its records' changes (None: the account is gone)."""
    was = {state.api_key: state for state in before}
    found: dict[str, Any] = {}
    for state in now:
        old = was.pop(state.api_key, None)
        if (
            old is not None
            and old.customers is state.customers
            and old.deleted is state.deleted
            and old.idempotency is state.idempotency
        ):
            continue  # still the dicts of the last snapshot: nothing written
        entry: dict[str, Any] = {}
        customers = _records_change(
            {} if old is None else old.customers,
            state.customers,
            lambda _, customer: customer_json(customer),
        )
        if customers:
            entry["customers"] = customers
        saved = _records_change(
            {} if old is None else old.idempotency, state.idempotency, saved_json
        )
        if saved:
            entry["idempotency"] = saved
        deleted: set[str] = set() if old is None else old.deleted
        if deleted is not state.deleted and deleted != state.deleted:
            entry["deleted"] = {
                "add": sorted(state.deleted - deleted),
                "remove": sorted(deleted - state.deleted),
            }
        if entry or old is None:
            found[state.api_key] = entry
    for api_key in was:
        found[api_key] = None
    return found


# -- reading a state back ---------------------------------------------------------


class _Loaded(NamedTuple):
    """A stored state, every part checked: what :func:`_apply_state` makes a fake."""

    world: Snapshot
    streams: dict[str, tuple[Any, ...]]
    calls: list[dict[str, Any]]
    events: list[str]
    webhooks: list[dict[str, Any]]
    faults: FaultQueue


def _opened(document: dict[str, Any]) -> dict[str, Any]:
    """A base document with its world's lists as dicts by id, for changes to apply to."""
    world = document["world"]
    accounts = {}
    for account in world["accounts"]:
        accounts[account["api_key"]] = {
            "customers": {customer["id"]: customer for customer in account["customers"]},
            "deleted": set(account["deleted"]),
            "idempotency": {saved["key"]: saved for saved in account["idempotency"]},
        }
    world["accounts"] = accounts
    world["tokens"] = {token["id"]: token for token in world["tokens"]}
    return document


def _closed(document: dict[str, Any]) -> dict[str, Any]:
    """:func:`_opened`'s document back in the snapshot's own shape."""
    world = document["world"]
    world["accounts"] = [
        {
            "api_key": api_key,
            "customers": sorted(account["customers"].values(), key=lambda c: c["order"]),
            "deleted": sorted(account["deleted"]),
            "idempotency": list(account["idempotency"].values()),
        }
        for api_key, account in world["accounts"].items()
    ]
    world["tokens"] = [world["tokens"][ident] for ident in sorted(world["tokens"])]
    return document


def _update(records: dict[str, Any], changed: dict[str, Any]) -> None:
    for key, record in changed.items():
        if record is None:
            records.pop(key, None)
        else:
            records[key] = record


def _apply_change(document: dict[str, Any], change: dict[str, Any]) -> None:
    """Apply one stored change to an :func:`_opened` document."""
    world = document["world"]
    for api_key, entry in change.get("accounts", {}).items():
        if entry is None:
            world["accounts"].pop(api_key, None)
            continue
        account = world["accounts"].setdefault(
            api_key, {"customers": {}, "deleted": set(), "idempotency": {}}
        )
        _update(account["customers"], entry.get("customers", {}))
        _update(account["idempotency"], entry.get("idempotency", {}))
        deleted = entry.get("deleted", {"add": [], "remove": []})
        account["deleted"].update(deleted["add"])
        account["deleted"].difference_update(deleted["remove"])
    _update(world["tokens"], change.get("tokens", {}))
    if "clock" in change:
        world["clock"] = change["clock"]
    if "ids" in change:
        world["ids"]["sequence"] = change["ids"]["sequence"]
        for prefix, text in change["ids"]["streams"].items():
            target = document["streams"] if prefix in LOG_PREFIXES else world["ids"]["streams"]
            target[prefix] = text
    for name in ("calls", "events"):
        if name in change:
            if change[name]["clear"]:
                document[name] = []
            document[name].extend(change[name]["add"])
    for name in ("webhooks", "faults"):
        if name in change:
            document[name] = change[name]


_CALL_FIELDS: dict[str, type | tuple[type, ...]] = {
    "method": str,
    "path": str,
    "params": dict,
    "headers": dict,
    "api_key": (str, type(None)),
    "status_code": int,
    "response": dict,
    "request_id": str,
}


def _checked(document: dict[str, Any]) -> _Loaded:
    """Every part of a base document checked (ValueError naming the first problem)."""
    from .endpoints import check_api_key, check_events, check_secret, check_url

    world = Snapshot.from_document(document["world"])
    streams = {
        prefix: stream_state(document["streams"].get(prefix), f"streams.{prefix}")
        for prefix in LOG_PREFIXES
    }
    calls = document["calls"]
    for at, call in enumerate(calls):
        if not isinstance(call, dict) or set(call) != set(_CALL_FIELDS):
            raise ValueError(f"calls[{at}] is not a recorded call")
        for name, kind in _CALL_FIELDS.items():
            if not isinstance(call[name], kind):
                raise ValueError(f"calls[{at}].{name} is {call[name]!r}")
    events = document["events"]
    for at, text in enumerate(events):
        if not isinstance(text, str) or not isinstance(json.loads(text), dict):
            raise ValueError(f"events[{at}] is not an event's JSON")
    webhooks = document["webhooks"]
    for hook in webhooks:
        check_url(hook["url"])
        check_secret(hook["secret"])
        check_events(hook["events"])
        check_api_key(hook["api_key"])
    faults = FaultQueue()
    faults.load(document["faults"])
    return _Loaded(world, streams, calls, events, webhooks, faults)


def _apply_state(fake: Core, loaded: _Loaded) -> None:
    """Make ``fake`` exactly the loaded state: world, clock, ids, calls, events, webhooks."""
    with fake._lock:
        fake.reset()
        fake.restore(loaded.world)
        fake._ids.set_positions(loaded.streams, loaded.world.sequence)
        for call in loaded.calls:
            fake.calls.add(
                call["method"],
                call["path"],
                call["params"],
                call["headers"],
                call["api_key"],
                call["status_code"],
                call["response"],
                call["request_id"],
            )
        fake.events.load(loaded.events)
        fake._faults.load(loaded.faults.state())
        for hook in loaded.webhooks:
            fake.webhooks.deliver_to(
                url=hook["url"],
                secret=hook["secret"],
                events=hook["events"],
                api_key=hook["api_key"],
                mode="auto",
            )


def _connect(path: Path) -> sqlite3.Connection:
    if path.exists() and not path.is_file():
        raise StateError(f"{path} is not a file; give --state the path of a file.")
    if not path.parent.is_dir():
        raise StateError(f"{path.parent} is not a directory; create it or choose another path.")
    try:
        db = sqlite3.connect(path, timeout=0.2, isolation_level="DEFERRED")
    except sqlite3.DatabaseError as exc:
        raise StateError(f"cannot open {path}: {exc}") from None
    return db
