"""The state file of ``serve --state``: versioned state, one change per write, never requests.

A fake kept in a file and a fake resumed from that file are the same fake:
the same world, clock, id streams, calls, events, webhook endpoints and
faults, whatever writes came in between and wherever the file was last
folded into a new base. Bad files are refused whole, and leave the fake as
it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tofupay_fake import FakeTofupay, persistence
from tofupay_fake.persistence import StateError, StateFile

KEY = "sk_test_state"
OTHER = "sk_test_other"


def call(fake: FakeTofupay, method: str, path: str, body: str = "", key: str = KEY) -> Any:
    return fake.handle(method, path, headers={"authorization": f"Bearer {key}"}, body=body.encode())


def picture(fake: FakeTofupay) -> dict[str, Any]:
    """Everything a restart must give back, as bytes and plain values."""
    return {
        "world": fake.snapshot().to_json(),
        "calls": [persistence._call_json(c) for c in fake.calls],
        "events": fake.events.texts(),
        "faults": fake._faults.state(),
        "webhooks": persistence._endpoints_json(fake),
        # the next ids of every stream, without drawing from the fake itself
        "next": FakeTofupay.from_snapshot(fake.snapshot())._ids.positions(("cus",)),
        "log_streams": fake._ids.positions(persistence.LOG_PREFIXES),
    }


def kill(state: StateFile) -> Path:
    """Let go of the file as a killed server would: its changes stay unfolded."""
    state._db.close()
    state._tracker = None
    return state.path


def resumed(path: Path, **options: Any) -> FakeTofupay:
    fake = FakeTofupay(**options)
    with StateFile(path) as state:
        state.resume(fake)
    return fake


@pytest.fixture
def kept(tmp_path: Path) -> Iterator[tuple[FakeTofupay, StateFile]]:
    fake = FakeTofupay(seed=4, clock="2026-03-01")
    state = StateFile(tmp_path / "state.db")
    state.resume(fake)
    yield fake, state
    state.close()


def test_a_new_file_keeps_the_fake_as_it_is(tmp_path: Path) -> None:
    fake = FakeTofupay(seed=2)
    fake.seed_customers(3, api_key=KEY)
    with StateFile(tmp_path / "s.db") as state:
        assert not state.has_state
        assert state.resume(fake) == 0
        assert state.has_state
    assert picture(resumed(tmp_path / "s.db", seed=2)) == picture(fake)


def test_every_kind_of_write_comes_back(
    kept: tuple[FakeTofupay, StateFile], tmp_path: Path
) -> None:
    fake, state = kept
    ada = call(fake, "POST", "/v1/customers", "email=ada%40example.com&source=tok_visa").json()
    state.commit()
    steps = [
        ("POST", f"/v1/customers/{ada['id']}", "metadata[plan]=pro"),
        ("POST", f"/v1/customers/{ada['id']}/sources", "source=tok_mastercard"),
        ("GET", "/v1/customers", ""),
        (
            "POST",
            "/v1/tokens",
            "card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=2031",
        ),
        ("POST", "/v1/customers", "email=bob%40example.com"),
        ("DELETE", f"/v1/customers/{ada['id']}", ""),
        ("GET", f"/v1/customers/{ada['id']}", ""),
        ("POST", "/v1/customers", "email=nope"),  # refused: a call, no record
    ]
    for method, path, body in steps:
        call(fake, method, path, body)
        state.commit()
    fake.handle(
        "POST",
        "/v1/customers",
        headers={"authorization": f"Bearer {OTHER}", "idempotency-key": "k1"},
        body=b"email=c%40example.com",
    )
    state.commit()
    fake.clock.advance(3600)
    fake.fail_next("rate_limit", path="/v1/customers", times=2)
    fake.latency(0.5, method="GET")
    fake.webhooks.deliver_to(url="http://127.0.0.1:9/hook", secret="whsec_x", events=["customer.*"])
    state.commit()
    assert len(state) == len(steps) + 3
    assert picture(resumed(kill(state), seed=4)) == picture(fake)


def test_a_wall_clock_goes_on_from_its_offset(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    fake = FakeTofupay(clock=lambda: now[0])
    with StateFile(tmp_path / "s.db") as state:
        state.resume(fake)
        fake.clock.advance(500)
        call(fake, "POST", "/v1/customers")
        state.commit()
    again = resumed(tmp_path / "s.db", clock=lambda: now[0])
    assert again.clock.now() == fake.clock.now() == 1_800_000_500
    now[0] += 10
    assert again.clock.now() == 1_800_000_510


def test_a_reset_is_kept_and_the_logs_start_again(kept: tuple[FakeTofupay, StateFile]) -> None:
    fake, state = kept
    for _ in range(3):
        call(fake, "POST", "/v1/customers")
        state.commit()
    fake.reset()
    state.commit()
    call(fake, "POST", "/v1/customers")
    state.commit()
    again = resumed(kill(state), seed=4)
    assert picture(again) == picture(fake)
    assert len(again.calls) == 1 and len(again.customers()) == 1


def test_a_read_that_changes_nothing_stores_only_its_call(
    kept: tuple[FakeTofupay, StateFile],
) -> None:
    fake, state = kept
    call(fake, "GET", "/v1/customers")
    state.commit()
    (text,) = state._db.execute("SELECT change FROM changes").fetchone()
    assert set(json.loads(text)) == {"calls", "ids"}
    state.commit()  # nothing happened since: nothing written
    assert len(state) == 1


def test_writes_are_folded_into_a_new_base(
    kept: tuple[FakeTofupay, StateFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, state = kept
    monkeypatch.setattr(persistence, "COMPACT_EVERY", 5)
    sizes = []
    for i in range(12):
        call(fake, "POST", "/v1/customers", f"description=c{i}")
        state.commit()
        sizes.append(len(state))
    assert sizes == [1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2]
    assert picture(resumed(kill(state), seed=4)) == picture(fake)


def four_writes_kept(path: Path) -> tuple[FakeTofupay, StateFile]:
    """A fake kept in ``path`` after four creates, none folded into the base yet."""
    fake = FakeTofupay()
    state = StateFile(path)
    state.resume(fake)
    for _ in range(4):
        call(fake, "POST", "/v1/customers")
        state.commit()
    assert len(state) == 4
    return fake, state


def test_closing_folds_the_changes_and_a_restart_applies_none(tmp_path: Path) -> None:
    _, state = four_writes_kept(tmp_path / "s.db")
    state.close()
    with StateFile(tmp_path / "s.db") as again:
        assert len(again) == 0
        assert again.resume(FakeTofupay()) == 0


def test_changes_left_by_a_killed_server_are_applied(tmp_path: Path) -> None:
    fake, state = four_writes_kept(tmp_path / "s.db")
    kill(state)
    with StateFile(tmp_path / "s.db") as again:
        copy = FakeTofupay()
        assert again.resume(copy) == 4
        assert len(again) == 0  # resuming wrote a new base
    assert picture(copy) == picture(fake)


def test_commit_before_resume_is_a_clear_error(tmp_path: Path) -> None:
    with StateFile(tmp_path / "s.db") as state, pytest.raises(RuntimeError, match="resume"):
        state.commit()


# -- bad contents: refused whole, the fake untouched ---------------------------------


def spoil(path: Path, sql: str, *args: Any) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(sql, args)
    db.close()


def saved_file(tmp_path: Path) -> Path:
    fake = FakeTofupay()
    with StateFile(tmp_path / "s.db") as state:
        state.resume(fake)
        call(fake, "POST", "/v1/customers", "email=a%40example.com")
        state.commit()
        return kill(state)


def base_with(path: Path, change: Any) -> None:
    db = sqlite3.connect(path)
    (text,) = db.execute("SELECT state FROM base").fetchone()
    db.close()
    document = json.loads(text)
    change(document)
    spoil(path, "UPDATE base SET state = ?", json.dumps(document))


@pytest.mark.parametrize(
    ("spoiled", "says"),
    [
        (lambda p: spoil(p, "UPDATE base SET state = ?", "{not json"), "cannot read"),
        (
            lambda p: spoil(p, "UPDATE base SET state = ?", '{"format": "tofupay-fake-state/9"}'),
            "tofupay-fake-state/9",
        ),
        (lambda p: spoil(p, "UPDATE changes SET change = ?", '{"accounts": 5}'), "cannot read"),
        (lambda p: spoil(p, "UPDATE changes SET change = ?", "[1, 2"), "cannot read"),
        (lambda p: base_with(p, lambda d: d.pop("calls")), "parts"),
        (lambda p: base_with(p, lambda d: d["world"].update(format="x")), "format"),
        (lambda p: base_with(p, lambda d: d["world"]["ids"]["streams"].update(tok="?")), "tok"),
        (lambda p: base_with(p, lambda d: d["events"].append(7)), "events[0]"),
        (lambda p: base_with(p, lambda d: d["calls"].append({"method": 1})), "calls[0]"),
        (lambda p: base_with(p, lambda d: d["faults"]["faults"].append({"error": "x"})), "x"),
        (lambda p: base_with(p, lambda d: d["webhooks"].append({"url": "ftp://x"})), "url"),
    ],
)
def test_a_state_that_does_not_load_is_refused_and_nothing_changes(
    tmp_path: Path, spoiled: Any, says: str
) -> None:
    path = saved_file(tmp_path)
    spoiled(path)
    before = path.read_bytes()
    fake = FakeTofupay(seed=9)
    call(fake, "POST", "/v1/customers")
    was = picture(fake)
    with StateFile(path) as state, pytest.raises(StateError, match="cannot read") as refused:
        state.resume(fake)
    assert says in str(refused.value)
    assert picture(fake) == was
    assert path.read_bytes() == before


# -- a model: any writes, any restarts ---------------------------------------------

WRITES = st.lists(
    st.sampled_from(
        [
            ("POST", "/v1/customers", "email=m%40example.com"),
            ("POST", "/v1/customers", "source=tok_visa"),
            ("POST", "{last}", "description=changed"),
            ("POST", "{last}/sources", "source=tok_amex"),
            ("DELETE", "{last}", ""),
            ("GET", "/v1/customers", "limit=2"),
            ("POST", "/v1/customers", "email=bad"),
            ("restart", "", ""),
            ("killed", "", ""),
            ("fold", "", ""),
            ("reset", "", ""),
        ]
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(writes=WRITES)
def test_any_writes_and_restarts_give_back_the_same_fake(tmp_path: Path, writes: list[Any]) -> None:
    path = tmp_path / f"model-{abs(hash(tuple(writes)))}.db"
    path.unlink(missing_ok=True)
    fake, state = FakeTofupay(seed=1), StateFile(path)
    state.resume(fake)
    last = "/v1/customers/cus_none"
    try:
        for method, where, body in writes:
            if method in ("restart", "killed"):
                if method == "restart":
                    state.close()
                else:
                    kill(state)
                fake, state = FakeTofupay(seed=1), StateFile(path)
                state.resume(fake)
                continue
            if method == "fold":
                state._write_base()
                continue
            if method == "reset":
                fake.reset()
            else:
                answer = call(fake, method, where.format(last=last), body)
                if method == "POST" and where == "/v1/customers" and answer.status_code == 200:
                    last = f"/v1/customers/{answer.json()['id']}"
            state.commit()
        assert picture(resumed(kill(state), seed=1)) == picture(fake)
    finally:
        state.close()
