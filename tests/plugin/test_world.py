"""``tofupay_world``: every ``tofupay`` fixture starts from a fork of the user's world.

The sub-session's conftest builds a world once per session (50 customers with
a card); each test checks it starts from exactly that world, changes it, and
writes what the fake answered to ``$TOFUPAY_OUT/world/<name>.body``; the tests
here compare those bytes between runs: alone and in another order (test_xdist.py
runs the project, in its ``world/`` folder, under xdist).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ._helpers import KEY, URL, run_recorded, write_ini

CONFTEST = f"""
import pytest

from tofupay_fake import FakeTofupay

KEY = {KEY!r}
BUILDS = []


@pytest.fixture(scope="{{scope}}")
def tofupay_world():
    BUILDS.append(1)
    fake = FakeTofupay(seed=99)
    fake.seed_customers(50, api_key=KEY, with_cards=True)
    return fake.snapshot()
"""

RECORDER = f"""
import json
import os
import pathlib

import httpx

URL = {URL!r}
CLIENT = httpx.Client(auth=({KEY!r}, ""))


def record(tofupay, name):
    world = CLIENT.get(URL, params={{"limit": 100}}).json()["data"]
    assert len(world) == 50, "every test starts from the whole world"
    assert tofupay.calls.call_count == 1, "a fork starts with no calls"
    oldest = world[-1]
    made = CLIENT.post(URL, data={{"email": "new@example.com", "source": "tok_visa"}})
    changed = CLIENT.post(f"{{URL}}/{{oldest['id']}}", data={{"description": name}})
    gone = CLIENT.delete(f"{{URL}}/{{world[0]['id']}}")
    listed = CLIENT.get(URL, params={{"limit": 3}})
    answers = [made, changed, gone, listed]
    assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers]
    assert made.json()["id"] not in {{customer["id"] for customer in world}}
    body = b"\\n".join(answer.content for answer in answers)
    out = pathlib.Path(os.environ["TOFUPAY_OUT"]) / "world"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{{name}}.body").write_bytes(body)
    (out / f"{{name}}.worker").write_text(os.environ.get("PYTEST_XDIST_WORKER", "main"))
"""

TESTS = """
import pytest

from world_recorder import record


def test_alpha(tofupay):
    record(tofupay, "alpha")


def test_beta(tofupay):
    record(tofupay, "beta")


@pytest.mark.parametrize("n", [1, 2, 3])
def test_gamma(tofupay, n):
    record(tofupay, f"gamma-{n}")


@pytest.mark.tofupay(seed=99)
def test_world_seed(tofupay):
    record(tofupay, "world-seed")
"""

ALL = {"alpha", "beta", "gamma-1", "gamma-2", "gamma-3", "world-seed"}
#: The project's folder, and its tests' node ids in the order a plain run runs them.
FOLDER = "world"
NODE_IDS = [
    f"{FOLDER}/test_world.py::test_alpha",
    f"{FOLDER}/test_world.py::test_beta",
    f"{FOLDER}/test_world.py::test_gamma[1]",
    f"{FOLDER}/test_world.py::test_gamma[2]",
    f"{FOLDER}/test_world.py::test_gamma[3]",
    f"{FOLDER}/test_world.py::test_world_seed",
]
CUSTOMER_ID = re.compile(rb"cus_[0-9A-Za-z]{14}")


def write_project(pytester: pytest.Pytester, scope: str = "session") -> None:
    """The project's files, in its folder (the tests import the recorder from beside them)."""
    folder = pytester.path / FOLDER
    folder.mkdir(exist_ok=True)
    (folder / "conftest.py").write_text(CONFTEST.format(scope=scope), encoding="utf-8")
    (folder / "world_recorder.py").write_text(RECORDER, encoding="utf-8")
    (folder / "test_world.py").write_text(TESTS, encoding="utf-8")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_ini(pytester)
    write_project(pytester)
    return pytester


def run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tag: str,
    *args: str,
    passed: int = len(ALL),
) -> dict[str, bytes]:
    """What each test of a run of ``args`` (default: the whole project) recorded."""
    out = run_recorded(pytester, monkeypatch, tag, *(args or [FOLDER]), passed=passed)
    return bodies(out / FOLDER)


def bodies(out: Path) -> dict[str, bytes]:
    """What each test of a run recorded in ``out``, by name."""
    return {path.stem: path.read_bytes() for path in out.glob("*.body")}


#: The default run (a session-scoped world, no option) that several tests compare with,
#: made once per process by the first test that needs it.
_DEFAULT: list[dict[str, bytes]] = []


def default_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    if not _DEFAULT:
        _DEFAULT.append(run(pytester, monkeypatch, "default"))
    return _DEFAULT[0]


def workers(out: Path) -> set[str]:
    """The xdist workers (or ``main``) that ran the tests recording in ``out``."""
    return {path.read_text() for path in out.glob("*.worker")}


def test_every_test_starts_from_the_world_and_makes_its_own_ids(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies = default_run(project, monkeypatch)
    assert set(bodies) == ALL
    made = {name: CUSTOMER_ID.search(body) for name, body in bodies.items()}
    new_ids = {match.group() for match in made.values() if match}
    assert len(new_ids) == len(ALL), "each test's new customer has an id of its own seed"


def test_the_same_bytes_alone_and_in_any_order(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    together = default_run(project, monkeypatch)
    alone = run(project, monkeypatch, "alone", NODE_IDS[3], passed=1)
    assert alone == {"gamma-2": together["gamma-2"]}
    reverse = [NODE_IDS[i] for i in (5, 4, 1, 2, 0, 3)]
    assert run(project, monkeypatch, "reversed", *reverse) == together


@pytest.mark.parametrize("scope", ["function", "module", "package"])
def test_a_world_fixture_of_any_scope(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    session = default_run(project, monkeypatch)
    write_project(project, scope)
    assert run(project, monkeypatch, scope) == session


def test_the_world_is_built_once_per_session(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makeconftest(CONFTEST.format(scope="session"))
    pytester.makepyfile(
        """
        import conftest

        def test_one(tofupay):
            assert len(tofupay.customers()) == 50

        def test_two(tofupay):
            tofupay.reset()

        def test_three(tofupay):
            assert len(tofupay.customers()) == 50
            assert conftest.BUILDS == [1]
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_marker_settings_apply_on_top_of_the_world(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "tofupay_clock = 2030-01-01")
    pytester.makeconftest(CONFTEST.format(scope="session"))
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.tofupay(customers=2, api_keys=[{KEY!r}, "sk_test_second"])
        def test_customers_are_added(tofupay):
            assert len(tofupay.customers({KEY!r})) == 52
            assert len(tofupay.customers("sk_test_second")) == 2
            emails = [c["email"] for c in tofupay.customers({KEY!r})]
            assert len(set(emails)) == 52

        def test_the_world_keeps_its_clock(tofupay):
            assert tofupay.clock.now() == 1421056271 + 100

        @pytest.mark.tofupay(clock="2031-01-01")
        def test_the_marker_clock_wins(tofupay):
            assert tofupay.clock.now() == 1924992000
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_a_world_that_is_not_a_snapshot_fails_clearly(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def tofupay_world():
            return {"customers": []}
        """
    )
    pytester.makepyfile("def test_it(tofupay):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*tofupay_world fixture must return a tofupay_fake.Snapshot*"])


def test_without_a_world_the_fixture_starts_empty(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        """
        def test_it(tofupay, tofupay_world):
            assert tofupay_world is None
            assert tofupay.customers() == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
