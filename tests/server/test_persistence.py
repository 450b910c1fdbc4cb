"""``tofupay-fake serve --state PATH``: no answered write is lost, even to SIGKILL.

A second process drives writes at the server and logs each answer it gets;
the server is killed (SIGKILL) mid-load and started again on the same file:
every answered write is there, and ids, clock, calls and events go on. Files
that are not the server's own are refused with exit status 1 and left as they
were (those start-ups end before anything listens, so ``main`` runs them in this
process). ``GET``/``POST /_fake/snapshot`` save and restore the world.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SSL_CONTEXT
from tofupay_fake import FakeTofupay, Snapshot
from tofupay_fake.persistence import StateError, StateFile
from tofupay_fake.transports.cli import main

from .served import EXIT_TIMEOUT, Served

KEY = "sk_test_persistence"
LONG = os.environ.get("TOFUPAY_LONG") == "1"
#: Answers the writer logs before the SIGKILL (creates and updates, about half each).
ANSWERS_BEFORE_KILL = 400 if LONG else 60

WRITER = """
import ssl
import sys
import threading

import httpx

log_path, threads = sys.argv[1], int(sys.argv[2])
context = ssl.create_default_context()  # one CA bundle load for both clients
url = sys.stdin.readline().strip()  # started beside the server: its URL comes once it listens
lock = threading.Lock()
log = open(log_path, "a", buffering=1)


def write(number):
    with httpx.Client(
        base_url=url, auth=("sk_test_persistence", ""), timeout=10, verify=context
    ) as client:
        for i in range(100_000):
            try:
                made = client.post("/v1/customers", data={"email": f"w{number}-{i}@example.com"})
                body = made.json()
                with lock:
                    log.write(f"create {body['id']} {body['created']} {made.headers['request-id']}\\n")
                changed = client.post(f"/v1/customers/{body['id']}", data={"description": f"d{i}"})
                with lock:
                    log.write(f"update {body['id']} d{i} {changed.headers['request-id']}\\n")
            except httpx.HTTPError:
                return


workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
"""


def serve(*args: str) -> Served:
    served = Served("--port", "0", *args)
    served.ready()
    return served


def api(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, auth=(KEY, ""), timeout=10, verify=SSL_CONTEXT)


def get(url: str, **kwargs: Any) -> httpx.Response:
    """``httpx.get`` with the suite's SSL context (a new client loads the CA bundle, ~40 ms)."""
    return httpx.get(url, verify=SSL_CONTEXT, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    """``httpx.post`` with the suite's SSL context."""
    return httpx.post(url, verify=SSL_CONTEXT, **kwargs)


def all_customers(client: httpx.Client) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    after: dict[str, str] = {}
    while True:
        page = client.get("/v1/customers", params={"limit": 100, **after}).json()
        found.update({customer["id"]: customer for customer in page["data"]})
        if not page["has_more"]:
            return found
        after = {"starting_after": page["data"][-1]["id"]}


def wait_for_lines(path: Path, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"the writer logged fewer than {count} answers within {timeout} s")


def test_sigkill_under_load_loses_no_answered_write(tmp_path: Path) -> None:
    state, log = tmp_path / "state.db", tmp_path / "answers.log"
    writer_script = tmp_path / "writer.py"
    writer_script.write_text(WRITER)
    writer = subprocess.Popen(
        [sys.executable, str(writer_script), str(log), "2"], stdin=subprocess.PIPE, text=True
    )  # starts beside the server
    assert writer.stdin is not None
    try:
        with serve("--state", str(state), "--seed", "3") as first:
            writer.stdin.write(f"{first.url}\n")
            writer.stdin.close()
            wait_for_lines(log, ANSWERS_BEFORE_KILL)
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(EXIT_TIMEOUT)
            assert writer.wait(EXIT_TIMEOUT) == 0
    finally:
        writer.kill()
        writer.wait(EXIT_TIMEOUT)
    answers = [line.split() for line in log.read_text().splitlines()]
    created = {ident: int(when) for kind, ident, when, _ in answers if kind == "create"}
    updated = {ident: text for kind, ident, text, _ in answers if kind == "update"}
    request_ids = {line[-1] for line in answers}
    assert len(created) >= ANSWERS_BEFORE_KILL // 2 - 5 and len(request_ids) == len(answers)

    with serve("--state", str(state), "--seed", "3") as second, api(second.url) as client:
        stored = all_customers(client)
        for ident, when in created.items():
            assert ident in stored, f"the answered create of {ident} was lost"
            assert stored[ident]["created"] == when
        for ident, description in updated.items():
            assert stored[ident]["description"] == description
        calls = get(f"{second.url}/_fake/calls").json()["data"]
        assert request_ids <= {call["request_id"] for call in calls}
        events = get(f"{second.url}/_fake/events", params={"type": "customer.created"})
        assert set(created) <= {event["data"]["object"]["id"] for event in events.json()["data"]}
        # Ids, clock and request ids go on: nothing is given twice.
        fresh = client.post("/v1/customers", data={"email": "after@example.com"})
        assert fresh.status_code == 200
        assert fresh.json()["id"] not in stored
        assert fresh.json()["created"] > max(c["created"] for c in stored.values())
        assert fresh.headers["request-id"] not in {call["request_id"] for call in calls}
        assert second.stop() == 0


def test_a_restart_gives_back_exactly_the_same_server(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with serve("--state", str(state), "--clock", "2026-01-15") as first, api(first.url) as client:
        ada = client.post("/v1/customers", data={"email": "ada@example.com", "source": "tok_visa"})
        client.post(f"/v1/customers/{ada.json()['id']}", data={"metadata[plan]": "pro"})
        client.get("/v1/customers/cus_missing0000000")
        post(f"{first.url}/_fake/clock", data={"advance": "3600"})
        post(f"{first.url}/_fake/customers", data={"api_key": KEY, "n": "3"})
        post(f"{first.url}/_fake/fail_next", data={"error": "rate_limit"})
        before = {
            path: get(f"{first.url}{path}").content
            for path in ("/_fake/snapshot", "/_fake/calls", "/_fake/events", "/_fake/faults")
        }
        assert first.stop() == 0
    # Other options on the command line: the file's win (and the server says so).
    with serve("--state", str(state), "--seed", "8") as second:
        after = {path: get(f"{second.url}{path}").content for path in before}
        assert after == before
        assert "ignoring --seed, --clock" in second.stderr
        assert post(f"{second.url}/v1/customers", auth=(KEY, "")).status_code == 429


def test_snapshot_endpoints_save_and_restore_the_world(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with serve("--state", str(state)) as served, api(served.url) as client:
        post(f"{served.url}/_fake/customers", data={"api_key": KEY, "n": "5"})
        saved = get(f"{served.url}/_fake/snapshot")
        assert saved.status_code == 200
        assert saved.headers["content-type"] == "application/json"
        assert json.loads(saved.content)["format"] == "tofupay-fake/1"
        world = Snapshot.from_json(saved.text)
        assert saved.text == world.to_json()
        client.post("/v1/customers", data={"email": "later@example.com"})
        assert len(all_customers(client)) == 6
        restored = post(f"{served.url}/_fake/snapshot", content=saved.content)
        assert restored.json() == {"restored": True, "customers": 5}
        assert len(all_customers(client)) == 5
        for bad in (b"", b"{", saved.content[:-10], b'{"format": "tofupay-fake/0"}'):
            refused = post(f"{served.url}/_fake/snapshot", content=bad)
            assert refused.status_code == 400
            assert refused.json()["error"]["message"].startswith("Invalid snapshot: ")
        assert len(all_customers(client)) == 5
        assert served.stop() == 0
    with serve("--state", str(state)) as again, api(again.url) as client:
        assert get(f"{again.url}/_fake/snapshot").text == saved.text
        assert len(all_customers(client)) == 5


def test_a_big_world_goes_through_the_snapshot_endpoints() -> None:
    # The server starts while the world is built: a snapshot's text names its fake's seed.
    with Served("--port", "0", "--seed", "1") as served:
        builder = FakeTofupay(1)
        builder.seed_customers(1400, KEY, with_cards=True)
        text = builder.snapshot().to_json()
        assert len(text) > 1024 * 1024  # more than an API request may carry
        served.ready()
        answer = post(f"{served.url}/_fake/snapshot", content=text.encode(), timeout=60)
        assert answer.json() == {"restored": True, "customers": 1400}
        assert get(f"{served.url}/_fake/snapshot", timeout=60).text == text


# -- files that are not ours --------------------------------------------------------


def refused(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    """``serve --port 0 --state PATH`` refused before anything listens, run by ``main`` in
    this process: exit 1, nothing on stdout; what it printed on stderr."""
    assert main(["serve", "--port", "0", "--state", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    return err


def make_refused(kind: str, path: Path) -> None:
    if kind == "not sqlite":
        path.write_bytes(b"this is a text file that happens to be here\n" * 50)
    elif kind == "another app":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE songs (title TEXT)")
        db.close()
    elif kind == "unknown schema":
        with StateFile(path):
            pass
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        db.close()
    else:  # damaged: a valid state file with a hole in the middle
        fake = FakeTofupay()
        fake.seed_customers(300, api_key=KEY)
        with StateFile(path) as state:
            state.resume(fake)
        whole = path.read_bytes()
        path.write_bytes(whole[: len(whole) // 2] + b"\0" * 100 + whole[len(whole) // 2 + 100 :])


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("not sqlite", "not a readable tofupay-fake state file"),
        ("another app", "of something else, not a tofupay-fake state file"),
        ("unknown schema", "has state schema version '99'; this tofupay-fake reads version '2'"),
        ("damaged", "state"),
    ],
)
def test_files_that_are_not_ours_are_refused_and_left_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, says: str
) -> None:
    path = tmp_path / "state.db"
    make_refused(kind, path)
    before = path.read_bytes()
    err = refused(capsys, path)
    assert err.startswith("tofupay-fake: --state: "), err
    assert says in err
    assert path.read_bytes() == before
    with pytest.raises(StateError):
        StateFile(path)


def test_one_file_serves_one_server_at_a_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    state = tmp_path / "state.db"
    with serve("--state", str(state)):
        assert "in use by another tofupay-fake server" in refused(capsys, state)


def test_a_missing_directory_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "is not a directory" in refused(capsys, tmp_path / "nowhere" / "state.db")


def test_fixtures_loaded_at_the_first_start_are_part_of_the_state(tmp_path: Path) -> None:
    state, fixtures = tmp_path / "state.db", tmp_path / "world.json"
    fixtures.write_text(
        json.dumps(
            {
                "_meta": {"template_version": 0},
                "fixtures": [
                    {
                        "name": "ada",
                        "path": "/v1/customers",
                        "method": "post",
                        "params": {"email": "ada@example.com"},
                    }
                ],
            }
        )
    )
    args = ("--state", str(state), "--fixtures", str(fixtures), "--fixtures-key", KEY)
    with serve(*args) as first, api(first.url) as client:
        client.post("/v1/customers", data={"email": "bob@example.com"})
        before = all_customers(client)
        assert first.stop() == 0
    fixtures.unlink()  # the file keeps the document itself
    with serve("--state", str(state)) as second, api(second.url) as client:
        assert all_customers(client) == before
        assert sorted(c["email"] for c in before.values()) == ["ada@example.com", "bob@example.com"]
