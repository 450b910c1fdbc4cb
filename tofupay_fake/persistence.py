"""``tofupay-fake serve --state PATH``: the server's state, calls and events in a SQLite file.

The fake is deterministic: the same requests in the same order give the same
state, ids, clock, calls and events. So the file keeps how the server started
(its options and fixture documents) and a journal of every request that may
change something (every API request, since each one is a recorded call, and
every control request that succeeded except reads), each committed before
its answer is sent. A restart builds the same fake again and replays the
journal. A wall clock's reading is kept with each request and given back to
it during the replay.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed request
survives the process being killed (``SIGKILL``); the file is locked so that
only one server uses it. A file that is not a SQLite database, is damaged,
belongs to something else or has an unknown schema version is refused with a
clear :class:`StateError`, and never written to.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Core

#: What the ``meta`` table's ``app`` row says.
APP = "tofupay-fake"
#: The schema this version writes and reads.
SCHEMA_VERSION = "1"
#: Control requests the journal keeps (the others only read).
_READS = ("GET", "HEAD")
#: Paths replayed after the rest: registering a webhook must not resend old events.
_AFTER_REPLAY = ("/_fake/webhooks",)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE journal (
    n INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('api', 'control')),
    method TEXT NOT NULL,
    path BLOB NOT NULL,
    query TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    wall REAL
);
"""


class StateError(Exception):
    """The state file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Entry:
    """One journaled request."""

    kind: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    wall: float | None


class StateFile:
    """An open state file: its start-up settings and its journal."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = _connect(self.path)
        try:
            self.startup = self._check_or_create()
        except BaseException:
            self._db.close()
            raise
        self.replaying = False

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
        if checked != "ok" or (tables and "journal" not in tables):
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

    # -- writing ----------------------------------------------------------------

    def save_startup(self, settings: Mapping[str, Any]) -> None:
        """Keep how the server started (its options and fixture documents)."""
        with self._db:
            self._db.execute(
                "INSERT INTO meta VALUES ('startup', ?)",
                (json.dumps(dict(settings), sort_keys=True),),
            )
        self.startup = dict(settings)

    def record(
        self,
        kind: str,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        wall: float | None = None,
    ) -> None:
        """Append one request to the journal and commit it (durable once this returns)."""
        if self.replaying:
            return
        with self._db:
            self._db.execute(
                "INSERT INTO journal (kind, method, path, query, headers, body, wall) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    method,
                    path.encode("utf-8", "surrogatepass"),
                    query,
                    json.dumps(dict(headers)),
                    body,
                    wall,
                ),
            )

    def entries(self) -> Iterator[Entry]:
        """The journal, oldest first."""
        rows = self._db.execute(
            "SELECT kind, method, path, query, headers, body, wall FROM journal ORDER BY n"
        )
        for kind, method, path, query, headers, body, wall in rows:
            yield Entry(
                kind,
                method,
                bytes(path).decode("utf-8", "surrogatepass"),
                query,
                json.loads(headers),
                bytes(body),
                wall,
            )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM journal").fetchone()[0])

    def close(self) -> None:
        """Close the file (the journal is committed already)."""
        self._db.close()

    def __enter__(self) -> StateFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- replay -----------------------------------------------------------------

    def replay(self, fake: Core, control_handle: Callable[..., Any]) -> int:
        """Answer every journaled request again, in order; how many there were."""
        from .faults import InjectedException

        clock = fake.clock
        source = clock.source
        later: list[Entry] = []
        count = 0
        self.replaying = True
        try:
            for entry in self.entries():
                count += 1
                if entry.kind == "control" and entry.path in _AFTER_REPLAY:
                    later.append(entry)
                    continue
                if entry.wall is not None and source is not None:
                    clock.source = _fixed(entry.wall)
                if entry.kind == "api":
                    with contextlib.suppress(InjectedException):
                        fake.handle(
                            entry.method,
                            entry.path,
                            query=entry.query,
                            headers=entry.headers,
                            body=entry.body,
                            raise_exceptions=False,
                        )
                else:
                    control_handle(
                        fake, entry.method, entry.path, entry.query, entry.headers, entry.body
                    )
        finally:
            if source is not None:
                clock.source = source
            self.replaying = False
        for entry in later:
            control_handle(fake, entry.method, entry.path, entry.query, entry.headers, entry.body)
        return count


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


def _fixed(wall: float) -> Callable[[], float]:
    return lambda: wall


def is_journaled(kind: str, method: str, status: int) -> bool:
    """Whether a request goes into the journal: every API request, control writes that worked."""
    return kind == "api" or (method not in _READS and status == 200)
