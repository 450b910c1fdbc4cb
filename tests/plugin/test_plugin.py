"""The ``tofupay`` fixture: a started fake for the test, and nothing after it."""

from __future__ import annotations

import pytest

from ._helpers import KEY, URL, write_ini

FIXTURE_TESTS = f"""
import httpx
import pytest
import respx

from tofupay_fake import FakeTofupay

URL = {URL!r}
AUTH = ({KEY!r}, "")
SEEN = []


def test_sync(tofupay):
    assert isinstance(tofupay, FakeTofupay)
    assert tofupay.started
    assert len(tofupay.calls) == 0 and tofupay.customers() == []
    r = httpx.post(URL, auth=AUTH, data={{"email": "a@example.com"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"].startswith("cus_") and body["email"] == "a@example.com"
    tofupay.assert_called("POST", "/v1/customers", params={{"email": "a@example.com"}}, times=1)
    assert tofupay.calls.last.api_key == {KEY!r}
    assert tofupay.get_customer(body["id"])["email"] == "a@example.com"
    assert [c["id"] for c in tofupay.customers(api_key={KEY!r})] == [body["id"]]
    SEEN.append(tofupay)


@pytest.mark.asyncio
async def test_async(tofupay):
    assert tofupay.started
    # A new fake for every test: nothing of test_sync is left.
    assert all(tofupay is not other for other in SEEN)
    assert len(tofupay.calls) == 0 and tofupay.customers() == []
    async with httpx.AsyncClient() as client:
        r = await client.post(URL, auth=AUTH, data={{"email": "b@example.com"}})
        listed = await client.get(URL, auth=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"].startswith("cus_") and body["email"] == "b@example.com"
    assert [c["id"] for c in listed.json()["data"]] == [body["id"]]
    tofupay.assert_called("POST", "/v1/customers", params={{"email": "b@example.com"}}, times=1)
    tofupay.assert_called("GET", "/v1/customers", times=1)
    assert tofupay.get_customer(body["id"])["id"] == body["id"]
    SEEN.append(tofupay)


def test_failing_test_still_stops(tofupay):
    assert httpx.post(URL, auth=AUTH).status_code == 200
    SEEN.append(tofupay)
    raise AssertionError("this test fails on purpose")


def test_later_without_fixture():
    assert len(SEEN) == 3
    assert not any(fake.started for fake in SEEN)
    calls_before = [len(fake.calls) for fake in SEEN]
    with respx.MockRouter(assert_all_called=False) as router:
        route = router.post(URL).respond(299, json={{"from": "own router"}})
        r = httpx.post(URL, auth=AUTH, data={{"email": "c@example.com"}})
        async_r = router_async_post()
    assert route.call_count == 2
    assert (r.status_code, r.json()) == (299, {{"from": "own router"}})
    assert (async_r.status_code, async_r.json()) == (299, {{"from": "own router"}})
    assert [len(fake.calls) for fake in SEEN] == calls_before


def router_async_post():
    import asyncio

    async def post():
        async with httpx.AsyncClient() as client:
            return await client.post(URL, auth=AUTH)

    return asyncio.run(post())
"""


def test_fixture_intercepts_sync_and_async_then_stops(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_fixture=FIXTURE_TESTS)
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*this test fails on purpose*"])
    result.stdout.fnmatch_lines(["FAILED *test_failing_test_still_stops*"])
    assert "test_later_without_fixture FAILED" not in result.stdout.str()


def test_the_documented_example_works_verbatim(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        """
        import httpx

        def test_signup(tofupay):
            r = httpx.post("https://api.tofupay.com/v1/customers",
                           auth=("sk_test_123", ""), data={"email": "a@example.com"})
            assert r.json()["id"].startswith("cus_")
            tofupay.assert_called("POST", "/v1/customers", params={"email": "a@example.com"})
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_fixture_is_function_scoped_and_documented(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["tofupay *", "*started*FakeTofupay*"])


TESTS_USING_PLUGIN = """
import pytest

def test_uses_fixture(tofupay):
    assert tofupay.started
"""


def test_plugin_is_active_by_default(pytester: pytest.Pytester) -> None:
    # The control for the test below: the same file passes with the plugin on.
    write_ini(pytester)
    pytester.makepyfile(TESTS_USING_PLUGIN)
    pytester.runpytest("--tofupay-seed=3").assert_outcomes(passed=1)


def test_p_no_tofupay_disables_the_plugin(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(TESTS_USING_PLUGIN)
    result = pytester.runpytest("-p", "no:tofupay")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'tofupay' not found*"])


def test_p_no_tofupay_removes_option_and_marker(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("-p", "no:tofupay", "--tofupay-seed=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --tofupay-seed=1*"])
    markers = pytester.runpytest("-p", "no:tofupay", "--markers")
    assert markers.ret == 0
    assert "@pytest.mark.tofupay" not in markers.stdout.str()
