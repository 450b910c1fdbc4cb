"""The fixture's seed: from the node id and ``--tofupay-seed``, reproducible anywhere.

Each sub-session test writes what the fake answered (two API responses and two
Faker-seeded customers, byte for byte) to ``$TOFUPAY_OUT/seed/<name>.body``; the
tests here compare those files between runs. The project lives in a ``seed/``
folder, beside which test_xdist.py puts the world's project for one xdist run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ._helpers import KEY, URL, run_recorded, write_ini

RECORDER = f"""
import json
import os
import pathlib

import httpx

URL = {URL!r}
AUTH = ({KEY!r}, "")
CLIENT = httpx.Client(auth=AUTH)  # one client (and TLS context) for the whole run


def record(tofupay, name):
    first = CLIENT.post(URL, data={{"email": "same@example.com"}})
    second = CLIENT.post(URL, data={{"email": "same@example.com", "source": "tok_visa"}})
    assert (first.status_code, second.status_code) == (200, 200), second.text
    seeded = tofupay.seed_customers(2, api_key=AUTH[0])
    body = b"\\n".join([first.content, second.content, json.dumps(seeded).encode()])
    print(body.decode())
    out = pathlib.Path(os.environ["TOFUPAY_OUT"]) / "seed"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{{name}}.body").write_bytes(body)
    (out / f"{{name}}.worker").write_text(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    with open(out / "order.log", "a") as log:
        log.write(name + "\\n")
"""

SEEDED_TESTS = """
import pytest

from seed_recorder import record


def test_alpha(tofupay):
    record(tofupay, "alpha")


def test_beta(tofupay):
    record(tofupay, "beta")


@pytest.mark.parametrize("n", [1, 2])
def test_gamma(tofupay, n):
    record(tofupay, f"gamma-{n}")


class TestGroup:
    def test_alpha(self, tofupay):
        record(tofupay, "group-alpha")
"""

# The same function name in another module: a different node id.
OTHER_TESTS = """
from seed_recorder import record


def test_alpha(tofupay):
    record(tofupay, "other-alpha")
"""

ALL = {"alpha", "beta", "gamma-1", "gamma-2", "group-alpha", "other-alpha"}
#: The project's folder, and its tests' node ids in the order a plain run runs them.
FOLDER = "seed"
NODE_IDS = [
    f"{FOLDER}/test_other.py::test_alpha",
    f"{FOLDER}/test_seeded.py::test_alpha",
    f"{FOLDER}/test_seeded.py::test_beta",
    f"{FOLDER}/test_seeded.py::test_gamma[1]",
    f"{FOLDER}/test_seeded.py::test_gamma[2]",
    f"{FOLDER}/test_seeded.py::TestGroup::test_alpha",
]
CUSTOMER_ID = re.compile(rb"cus_[0-9A-Za-z]{14}")
PRINTED = re.compile(r'\[?\{"object": "customer".*')


def write_project(pytester: pytest.Pytester) -> None:
    """The project's files, in its folder (the tests import the recorder from beside them)."""
    folder = pytester.mkdir(FOLDER)
    (folder / "seed_recorder.py").write_text(RECORDER, encoding="utf-8")
    (folder / "test_seeded.py").write_text(SEEDED_TESTS, encoding="utf-8")
    (folder / "test_other.py").write_text(OTHER_TESTS, encoding="utf-8")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_ini(pytester)
    write_project(pytester)
    return pytester


class Run:
    """One sub-session's recorded bodies."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.bodies = {path.stem: path.read_bytes() for path in out.glob("*.body")}
        self.workers = {path.stem: path.read_text() for path in out.glob("*.worker")}
        self.order = (out / "order.log").read_text().split()

    def ids(self, name: str) -> set[bytes]:
        found = set(CUSTOMER_ID.findall(self.bodies[name]))
        assert len(found) == 4, self.bodies[name]  # two created, two seeded
        return found


def run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tag: str,
    *args: str,
    passed: int = len(ALL),
) -> Run:
    """A run of ``args`` (default: the whole project) with output shown."""
    out = run_recorded(pytester, monkeypatch, tag, "-s", *(args or [FOLDER]), passed=passed)
    return Run(out / FOLDER)


#: The default run (no option, the project as ``project`` makes it) that several tests
#: compare with, made once per process by the first test that needs it.
_DEFAULT: list[Run] = []


def default_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Run:
    if not _DEFAULT:
        _DEFAULT.append(run(pytester, monkeypatch, "default"))
    return _DEFAULT[0]


def printed_bodies(result: pytest.RunResult) -> list[str]:
    """The JSON the sub-session's tests printed (``-s`` output), one body a line."""
    return [found.group() for line in result.outlines if (found := PRINTED.search(line))]


def test_printed_bodies_are_identical_between_runs(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOFUPAY_OUT", str(project.path / "out"))
    first = project.runpytest("-s", FOLDER, "-k", "alpha and not Group")
    second = project.runpytest("-s", FOLDER, "-k", "alpha and not Group")
    first.assert_outcomes(passed=2)
    printed = printed_bodies(first)
    assert len(printed) == 6  # two tests x (two responses + the seeded list)
    assert printed == printed_bodies(second)


def test_different_tests_get_different_ids(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = default_run(project, monkeypatch)
    seen: set[bytes] = set()
    for name in sorted(ALL):
        ids = result.ids(name)
        assert not ids & seen, f"{name} reuses ids of another test"
        seen |= ids


def test_base_seed_option_changes_every_id(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = default_run(project, monkeypatch)
    zero = run(project, monkeypatch, "zero", FOLDER, "--tofupay-seed=0")
    one = run(project, monkeypatch, "one", FOLDER, "--tofupay-seed", "1")
    assert zero.bodies == default.bodies
    for name in ALL:
        assert not default.ids(name) & one.ids(name), name
    assert one.bodies == run(project, monkeypatch, "one-again", FOLDER, "--tofupay-seed=1").bodies


def test_ini_option_sets_the_base_seed(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = default_run(project, monkeypatch)
    option_seven = run(project, monkeypatch, "option-7", FOLDER, "--tofupay-seed=7")
    write_ini(project, "tofupay_seed = 7")
    ini_seven = run(project, monkeypatch, "ini-7")
    assert ini_seven.bodies == option_seven.bodies
    for name in ALL:
        assert not default.ids(name) & ini_seven.ids(name), name
    # The command line wins over the ini file.
    ini_overridden = run(project, monkeypatch, "ini-7-option-0", FOLDER, "--tofupay-seed=0")
    assert ini_overridden.bodies == default.bodies


def test_seed_is_the_same_alone_and_in_any_order(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    together = default_run(project, monkeypatch)
    alone = run(project, monkeypatch, "alone", FOLDER, "-k", "test_beta", passed=1)
    assert alone.bodies == {"beta": together.bodies["beta"]}
    reverse = [NODE_IDS[i] for i in (5, 4, 2, 0, 1, 3)]
    reordered = run(project, monkeypatch, "reordered", *reverse)
    assert reordered.order == [
        "group-alpha",
        "gamma-2",
        "beta",
        "other-alpha",
        "alpha",
        "gamma-1",
    ]
    assert reordered.order != together.order
    assert reordered.bodies == together.bodies
    second_only = run(project, monkeypatch, "second-only", NODE_IDS[4], passed=1)
    assert second_only.bodies == {"gamma-2": together.bodies["gamma-2"]}
