"""``@pytest.mark.tofupay(fixtures="world.json")``: a fixture file, relative to the test file."""

from __future__ import annotations

import json
from fnmatch import fnmatch

import pytest

from ._helpers import URL, error_sections, write_ini

WORLD = {
    "_meta": {"template_version": 0},
    "fixtures": [
        {
            "name": "cus_jenny",
            "path": "/v1/customers",
            "method": "post",
            "params": {"email": "jenny.rosen@example.com", "source": "tok_visa"},
        },
        {
            "name": "vip",
            "path": "/v1/customers/${cus_jenny:id}",
            "method": "post",
            "params": {"metadata": {"tier": "vip", "card": "${cus_jenny:sources.data.0.id}"}},
        },
    ],
}
SECOND = {
    "fixtures": [
        {"name": "bob", "path": "/v1/customers", "method": "post", "params": {"email": "bob@x.io"}}
    ]
}

HEADER = f"""
import httpx
import pytest

URL = {URL!r}
ALLOWED = "sk_test_allowedKey0001"
SECOND = "sk_test_allowedKey0002"


def emails(key):
    listed = httpx.get(URL, auth=(key, "")).json()
    return [customer["email"] for customer in listed["data"]]
"""


@pytest.fixture
def sub(pytester: pytest.Pytester) -> pytest.Pytester:
    """A sub-session whose tests live in ``suite/``, beside ``suite/world.json``; run from above."""
    write_ini(pytester)
    folder = pytester.mkpydir("suite")
    (folder / "world.json").write_text(json.dumps(WORLD), encoding="utf-8")
    (folder / "worlds").mkdir()
    (folder / "worlds" / "second.json").write_text(json.dumps(SECOND), encoding="utf-8")
    return pytester


def run(sub: pytest.Pytester, body: str) -> pytest.RunResult:
    (sub.path / "suite" / "test_world.py").write_text(HEADER + body, encoding="utf-8")
    return sub.runpytest_inprocess("suite")


def test_the_file_beside_the_test_loads_under_the_default_key(sub: pytest.Pytester) -> None:
    result = run(
        sub,
        """
@pytest.mark.tofupay(fixtures="world.json")
def test_world(tofupay):
    jenny = tofupay.customers("sk_test_tofupay")[0]
    assert jenny["email"] == "jenny.rosen@example.com"
    assert jenny["metadata"] == {"tier": "vip", "card": jenny["default_source"]}
    assert emails("sk_test_tofupay") == ["jenny.rosen@example.com"]
    assert emails("sk_test_someoneElse") == []
    assert len(tofupay.calls) == 2  # the two GETs above: loading is not a call
    assert [event["type"] for event in tofupay.events] == [
        "customer.created", "customer.source.created", "customer.updated"
    ]
""",
    )
    result.assert_outcomes(passed=1)


def test_under_each_key_of_api_keys_after_its_customers(sub: pytest.Pytester) -> None:
    result = run(
        sub,
        """
@pytest.mark.tofupay(fixtures="world.json", api_keys=[ALLOWED, SECOND], customers=2)
def test_each_key(tofupay):
    for key in (ALLOWED, SECOND):
        listed = emails(key)
        assert len(listed) == 3
        assert listed[0] == "jenny.rosen@example.com"  # newest first: loaded after the Faker two
    assert tofupay.customers("sk_test_tofupay") == []
""",
    )
    result.assert_outcomes(passed=1)


def test_several_files_a_folder_and_a_document(sub: pytest.Pytester) -> None:
    result = run(
        sub,
        f"""
@pytest.mark.tofupay(fixtures=["world.json", "worlds/second.json"])
def test_two_files(tofupay):
    assert emails("sk_test_tofupay") == ["bob@x.io", "jenny.rosen@example.com"]


@pytest.mark.tofupay(fixtures={SECOND!r})
def test_a_document(tofupay):
    assert emails("sk_test_tofupay") == ["bob@x.io"]


pytestmark = pytest.mark.tofupay(fixtures="worlds/second.json")


def test_from_the_module_marker(tofupay):
    assert emails("sk_test_tofupay") == ["bob@x.io"]
""",
    )
    result.assert_outcomes(passed=3)


def test_the_same_world_in_every_run_and_order(sub: pytest.Pytester) -> None:
    body = """
@pytest.mark.tofupay(fixtures="world.json", seed=5)
def test_ids(tofupay):
    print("ID", tofupay.customers("sk_test_tofupay")[0]["id"])
"""
    first = run(sub, body)
    second = run(sub, body)
    ids = [
        [line for line in result.outlines if line.startswith("ID ")] for result in (first, second)
    ]
    first.assert_outcomes(passed=1)
    assert ids[0] == ids[1]


UNLOADABLE = [
    (
        'fixtures="missing.json"',
        "*@pytest.mark.tofupay(fixtures=...): *suite/missing.json: cannot read the fixture "
        "file (No such file or directory)",
    ),
    (
        'fixtures={"fixtures": [{"name": "a", "path": "/v1/customers/${b:id}", "method": "get"}]}',
        "*@pytest.mark.tofupay(fixtures=...): fixtures: step 1 ('a'): unknown reference "
        "${b:id}: no step is named 'b'.",
    ),
    (
        'fixtures={"fixtures": [{"name": "a", "path": "/v1/customers", "method": "post", '
        '"params": {"emial": "x"}}]}',
        "*@pytest.mark.tofupay(fixtures=...): fixtures: step 1 ('a'): POST /v1/customers "
        'answered 400 invalid_request_error: "Received unknown parameter: emial"*',
    ),
]
WRONG_KINDS = ["5", "[1]", "None or b'x'", "[]"]

#: One sub-session with a test for each world that does not load and one for each wrong
#: kind of value (its ERRORS part, by test name), made once per process by the first
#: test that needs it.
_ERRORS_RUN: list[dict[str, list[str]]] = []


def errors_run(sub: pytest.Pytester) -> dict[str, list[str]]:
    if not _ERRORS_RUN:
        body = ""
        for index, (marker, _) in enumerate(UNLOADABLE):
            body += f"""
@pytest.mark.tofupay({marker})
def test_never_runs_{index}(tofupay):
    raise AssertionError("the test body ran")
"""
        for index, value in enumerate(WRONG_KINDS):
            body += f"""
@pytest.mark.tofupay(fixtures={value})
def test_without_fixture_{index}():
    pass
"""
        result = run(sub, body)
        result.assert_outcomes(errors=len(UNLOADABLE) + len(WRONG_KINDS))
        result.stdout.no_fnmatch_line("*the test body ran*")
        _ERRORS_RUN.append(error_sections(result))
    return _ERRORS_RUN[0]


@pytest.mark.parametrize(
    ("marker", "message"), UNLOADABLE, ids=["missing-file", "unknown-reference", "failing-step"]
)
def test_a_world_that_does_not_load_is_a_setup_error(
    sub: pytest.Pytester, marker: str, message: str
) -> None:
    listed = errors_run(sub)[f"test_never_runs_{UNLOADABLE.index((marker, message))}"]
    assert any(fnmatch(line, message) for line in listed), listed


@pytest.mark.parametrize("value", WRONG_KINDS)
def test_a_wrong_kind_of_value_is_an_error_even_without_the_fixture(
    sub: pytest.Pytester, value: str
) -> None:
    listed = errors_run(sub)[f"test_without_fixture_{WRONG_KINDS.index(value)}"]
    message = (
        "*@pytest.mark.tofupay(fixtures=...) takes a fixture file's path (relative to the "
        "test file's folder), a list of paths, or the document as a dict; got *"
    )
    assert any(fnmatch(line, message) for line in listed), listed
