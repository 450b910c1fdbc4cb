"""The ``tofupay calls`` report section of a failing test that used the fixture."""

from __future__ import annotations

import pytest

from ._helpers import URL, write_ini

SECRET = "sk_test_reportAccountKey9876"

TESTS = f"""
import httpx
import pytest

URL = {URL!r}
AUTH = ({SECRET!r}, "")
OTHER = ("sk_test_otherAccount5555", "")


def test_fails_after_calls(tofupay):
    made = httpx.post(URL, auth=AUTH, data={{"email": "a@example.com"}}).json()
    httpx.get(URL + "/cus_00000000000000", auth=AUTH)
    httpx.get(URL)
    httpx.post(URL + "/" + made["id"], auth=OTHER)
    print("captured output stays")
    assert made["email"] == "b@example.com"


def test_fails_without_calls(tofupay):
    assert tofupay.calls.called


def test_passes(tofupay):
    assert httpx.get(URL, auth=AUTH).status_code == 200


def test_fails_without_the_fixture():
    assert False, "no fixture here"
"""


def write(pytester: pytest.Pytester, extra: str = "") -> None:
    write_ini(pytester, extra)
    pytester.makepyfile(test_report=TESTS)


def run(pytester: pytest.Pytester, extra: str = "") -> pytest.RunResult:
    write(pytester, extra)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rN")
    result.assert_outcomes(passed=1, failed=3)
    return result


#: The run without an ini option that several tests read, made once per process by
#: the first test that needs it.
_DEFAULT: list[pytest.RunResult] = []


def default_run(pytester: pytest.Pytester) -> pytest.RunResult:
    if not _DEFAULT:
        _DEFAULT.append(run(pytester))
    return _DEFAULT[0]


def sections(result: pytest.RunResult) -> dict[str, list[str]]:
    """Each failure's lines, by test name, from the FAILURES part of the output."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in result.outlines:
        if line.startswith("_____") and line.rstrip("_ ").lstrip("_ "):
            current = found.setdefault(line.strip("_ "), [])
        elif line.startswith("====="):
            current = None if "FAILURES" not in line else current
        elif current is not None:
            current.append(line)
    return found


def test_a_failing_test_lists_its_calls_one_a_line_with_keys_masked(
    pytester: pytest.Pytester,
) -> None:
    result = default_run(pytester)
    failures = sections(result)
    assert set(failures) == {
        "test_fails_after_calls",
        "test_fails_without_calls",
        "test_fails_without_the_fixture",
    }
    listed = failures["test_fails_after_calls"]
    start = next(i for i, line in enumerate(listed) if "tofupay calls" in line)
    assert listed[start].startswith("---") and listed[start].endswith("---")
    assert listed[start + 1 : start + 5] == [
        "1. POST /v1/customers -> 200  sk_test_****9876",
        "2. GET /v1/customers/cus_00000000000000 -> 404  sk_test_****9876",
        "3. GET /v1/customers -> 401",
        listed[start + 4],
    ]
    assert listed[start + 4].startswith("4. POST /v1/customers/cus_")
    assert listed[start + 4].endswith(" -> 404  sk_test_****5555")
    # The test's own captured output is still there; keys never show in full.
    assert any("captured output stays" in line for line in listed)
    assert SECRET not in result.stdout.str()
    assert "sk_test_otherAccount5555" not in result.stdout.str()


def test_a_failing_test_without_calls_says_so(pytester: pytest.Pytester) -> None:
    failures = sections(default_run(pytester))
    listed = failures["test_fails_without_calls"]
    start = next(i for i, line in enumerate(listed) if "tofupay calls" in line)
    assert listed[start + 1] == "(no calls were made)"


def test_passing_tests_and_tests_without_the_fixture_get_no_section(
    pytester: pytest.Pytester,
) -> None:
    result = default_run(pytester)
    failures = sections(result)
    assert not any("tofupay calls" in line for line in failures["test_fails_without_the_fixture"])
    # Three failing tests, two with the fixture: two sections; the passing test has none.
    assert sum("tofupay calls" in line for line in result.outlines) == 2
    # Even with -rA, which shows passing tests' sections, the passing test has none.
    write(pytester)
    again = pytester.runpytest("-p", "no:cacheprovider", "-rA", "-k", "test_passes")
    again.assert_outcomes(passed=1)
    assert "tofupay calls" not in again.stdout.str()


@pytest.mark.parametrize("value", ["false", "0", "no"])
def test_the_ini_option_turns_it_off(pytester: pytest.Pytester, value: str) -> None:
    result = run(pytester, f"tofupay_report = {value}")
    assert "tofupay calls" not in result.stdout.str()
    assert "captured output stays" in result.stdout.str()


def test_the_ini_option_true_keeps_it_on(pytester: pytest.Pytester) -> None:
    result = run(pytester, "tofupay_report = true")
    assert sum("tofupay calls" in line for line in result.outlines) == 2


def test_a_long_journal_shows_the_newest_calls(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_long=f"""
import httpx

def test_many(tofupay):
    with httpx.Client() as client:  # one client: each new one loads the CA bundle
        for _ in range(105):
            client.get({URL!r}, auth=({SECRET!r}, ""))
    assert False
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- tofupay calls -*",
            "(5 earlier calls not shown)",
            "6. GET /v1/customers -> 200  sk_test_****9876",
            "*",
        ]
    )
    result.stdout.fnmatch_lines(["105. GET /v1/customers -> 200  sk_test_****9876"])
    listed = [line for line in result.outlines if line.split(". GET ")[0].isdigit()]
    assert len(listed) == 100 and listed[0].startswith("6. GET")
