"""Edges of the snapshot documents and the state file: each refusal names what is wrong."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tofupay_fake import FakeTofupay, Snapshot
from tofupay_fake.persistence import StateError, StateFile

KEY = "sk_test_edges"


def world() -> FakeTofupay:
    fake = FakeTofupay(seed=3)
    fake.add_customer(KEY, email="ada@example.com", source="tok_visa")
    fake.add_customer(KEY, email="bob@example.com")
    fake.handle(
        "POST",
        "/v1/customers",
        headers={"authorization": f"Bearer {KEY}", "idempotency-key": "k1"},
        body=b"email=c%40example.com",
    )
    return fake


def document() -> dict[str, Any]:
    return json.loads(world().snapshot().to_json())  # type: ignore[no-any-return]


def test_a_snapshot_describes_itself_and_equals_only_snapshots() -> None:
    snapshot = world().snapshot()
    assert repr(snapshot) == "<Snapshot seed=3 accounts=1 customers=3>"
    assert snapshot == Snapshot.from_json(snapshot.to_json())
    assert snapshot != snapshot.to_json()
    assert (snapshot == 5) is False


def with_wall_offset(doc: dict[str, Any]) -> None:
    doc["clock"] = {"mode": "wall", "start": 0, "tick": 1, "offset": "soon"}


def with_one_id_twice(doc: dict[str, Any]) -> None:
    customers = doc["accounts"][0]["customers"]
    customers[1]["id"] = customers[0]["id"]


def with_a_keyless_answer(doc: dict[str, Any]) -> None:
    doc["accounts"][0]["idempotency"][0]["key"] = 5


@pytest.mark.parametrize(
    ("spoil", "named"),
    [
        (with_wall_offset, "clock.offset: expected a whole number, got 'soon'"),
        (with_one_id_twice, "accounts[0].customers: two customers have the same id"),
        (with_a_keyless_answer, "accounts[0].idempotency[0].key: expected a string, got 5"),
    ],
)
def test_a_document_that_does_not_hold_together_is_refused(spoil: Any, named: str) -> None:
    doc = document()
    spoil(doc)
    with pytest.raises(ValueError, match="not a valid tofupay-fake snapshot") as refused:
        Snapshot.from_document(doc)
    assert named in str(refused.value)


# -- the state file ---------------------------------------------------------------


def test_a_call_field_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    fake = world()
    with StateFile(tmp_path / "s.db") as state:
        state.resume(fake)
    db = sqlite3.connect(tmp_path / "s.db")
    with db:
        (text,) = db.execute("SELECT state FROM base").fetchone()
        doc = json.loads(text)
        doc["calls"][0]["status_code"] = "200"
        db.execute("UPDATE base SET state = ?", (json.dumps(doc),))
    db.close()
    with StateFile(tmp_path / "s.db") as state, pytest.raises(StateError) as refused:
        state.resume(FakeTofupay())
    assert "calls[0].status_code is '200'" in str(refused.value)


def test_a_directory_is_not_a_state_file(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="is not a file; give --state the path of a file"):
        StateFile(tmp_path)


class Failing:
    """A SQLite connection whose statements fail from ``after`` on, as a failing disk would."""

    def __init__(self, real: sqlite3.Connection, after: str, error: Exception) -> None:
        self.real, self.after, self.error, self.failing = real, after, error, False

    def execute(self, sql: str, *args: Any) -> Any:
        self.failing = self.failing or sql.startswith(self.after)
        if self.failing:
            raise self.error
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> Any:
        return self.real.__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        return self.real.__exit__(*exc_info)


@pytest.mark.parametrize(
    ("after", "error", "says"),
    [
        ("PRAGMA locking_mode", sqlite3.OperationalError("disk I/O error"), "not a readable"),
        (
            "UPDATE meta",
            sqlite3.OperationalError("attempt to write a readonly database"),
            "not a readable",
        ),
        ("SELECT name", sqlite3.DatabaseError("file is not a database"), "not a readable"),
    ],
)
def test_sqlite_failures_while_opening_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: str, error: Exception, says: str
) -> None:
    path = tmp_path / "s.db"
    StateFile(path).close()  # a file of ours, so opening it takes the write lock
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: Failing(connect(*a, **k), after, error))
    with pytest.raises(StateError, match=says) as refused:
        StateFile(path)
    assert str(error) in str(refused.value)


def test_a_file_sqlite_cannot_open_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.DatabaseError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    with pytest.raises(StateError, match=r"cannot open .*unable to open database file"):
        StateFile(tmp_path / "s.db")
