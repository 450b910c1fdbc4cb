"""``serve --state`` start-ups that fail: exit 1, a clear line, and the state file closed.

Each command line here ends before anything is served (a fixture file that
does not load, a damaged state, a bad webhook secret), so ``main`` runs in
this process; that the file was closed shows in the next start opening it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tofupay_fake.transports.cli import main

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
HOOK = ["--webhook-url", "http://127.0.0.1:9/hook", "--webhook-secret", "not-a-whsec"]
BAD_SECRET = "tofupay-fake: The webhook secret must be 'whsec_' followed by the key\n"


def serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``tofupay-fake serve --port 0 ARGS``: (exit status, stderr); nothing on stdout."""
    status = main(["serve", "--port", "0", *args])
    out, err = capsys.readouterr()
    assert out == ""
    return status, err


def test_a_fixture_file_that_does_not_load_is_refused_and_the_file_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, missing = str(tmp_path / "state.db"), str(tmp_path / "missing.json")
    expected = (
        f"tofupay-fake: --fixtures: {missing}: cannot read the fixture file "
        "(No such file or directory)\n"
    )
    assert serve(capsys, "--state", state, "--fixtures", missing) == (1, expected)
    # Closed, so the same start fails the same way (an open file would be "in use").
    assert serve(capsys, "--state", state, "--fixtures", missing) == (1, expected)


def test_a_bad_webhook_secret_after_the_state_opened_closes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "state.db")
    assert serve(capsys, "--state", state, "--seed", "3", *HOOK) == (1, BAD_SECRET)
    # The file was closed: a second start opens it and resumes what the first one stored.
    status, err = serve(capsys, "--state", state, "--seed", "3", *HOOK)
    assert status == 1
    assert err == (
        f"tofupay-fake: resumed {state} (0 customers, 0 changes since its last base)\n" + BAD_SECRET
    )


def test_a_restart_with_other_options_keeps_the_first_ones_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, world = str(tmp_path / "state.db"), tmp_path / "world.json"
    world.write_text(json.dumps({"_meta": {"template_version": 0}, "fixtures": []}))
    assert serve(capsys, "--state", state, "--seed", "3", *HOOK) == (1, BAD_SECRET)
    status, err = serve(
        capsys, "--state", state, "--seed", "4", "--api-key", KEY, "--fixtures", str(world), *HOOK
    )
    assert status == 1
    assert err.splitlines() == [
        f"tofupay-fake: {state} keeps the options it was first started with; "
        "ignoring --seed, --api-key, --fixtures.",
        f"tofupay-fake: resumed {state} (0 customers, 0 changes since its last base)",
        BAD_SECRET.rstrip("\n"),
    ]


def test_a_state_that_does_not_load_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "state.db")
    assert serve(capsys, "--state", state, *HOOK) == (1, BAD_SECRET)
    with sqlite3.connect(state) as db:
        db.execute("UPDATE base SET state = '[]'")
    db.close()
    before = Path(state).read_bytes()
    status, err = serve(capsys, "--state", state)
    assert status == 1
    assert err.startswith(
        f"tofupay-fake: --state: {state} holds a state this tofupay-fake cannot read "
        "(a base of format None, expected "
    ), err
    assert err.endswith(
        "it was left untouched. Restore it from a copy, or give --state a new path.\n"
    )
    assert Path(state).read_bytes() == before
    assert serve(capsys, "--state", state)[0] == 1  # closed: refused again, not "in use"
