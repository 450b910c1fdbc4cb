"""The ``tofupay`` fixture and ``requests``: intercepted with the extra, left alone without it."""

from __future__ import annotations

import pytest
import requests  # noqa: F401  (imported once here: in-process sub-sessions drop what they import)
import responses  # noqa: F401

import tofupay_fake.transports.responses_routes  # noqa: F401

from ._helpers import KEY, URL, write_ini

WITH_RESPONSES = f"""
import pytest
import requests

URL = {URL!r}
AUTH = ({KEY!r}, "")
ORIGINAL_SEND = requests.adapters.HTTPAdapter.send


def test_requests_calls_reach_the_fake(tofupay):
    data = {{"email": "a@example.com", "metadata[plan]": "pro"}}
    created = requests.post(URL, auth=AUTH, data=data)
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["id"].startswith("cus_") and body["metadata"] == {{"plan": "pro"}}
    assert created.headers["Request-Id"] == tofupay.calls.last.request_id
    with requests.Session() as session:
        listed = session.get(URL, auth=AUTH, params={{"limit": 1}})
    assert [c["id"] for c in listed.json()["data"]] == [body["id"]]
    tofupay.assert_called("POST", "/v1/customers",
                          params={{"email": "a@example.com", "metadata": {{"plan": "pro"}}}},
                          times=1)
    tofupay.assert_called("GET", "/v1/customers", params={{"limit": "1"}}, times=1)
    assert [call.api_key for call in tofupay.calls] == [AUTH[0], AUTH[0]]
    assert tofupay.assert_event("customer.created", email="a@example.com")["data"]["object"] == body
    assert requests.adapters.HTTPAdapter.send is not ORIGINAL_SEND


@pytest.mark.tofupay(api_keys=["sk_test_allowed"])
def test_marker_applies_to_requests(tofupay):
    denied = requests.get(URL, auth=AUTH)
    assert denied.status_code == 401
    assert denied.json()["error"]["type"] == "authentication_error"
    assert requests.get(URL, auth=("sk_test_allowed", "")).status_code == 200
    assert [call.status_code for call in tofupay.calls] == [401, 200]


def test_fault_exception_reaches_requests(tofupay):
    tofupay.fail_next(requests.exceptions.ReadTimeout)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(URL, auth=AUTH)
    assert [call.status_code for call in tofupay.calls] == [0]


def test_later_test_has_requests_unpatched():
    assert requests.adapters.HTTPAdapter.send is ORIGINAL_SEND
"""


def test_fixture_intercepts_requests_with_the_extra(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_with_responses=WITH_RESPONSES)
    result = pytester.runpytest()
    result.assert_outcomes(passed=4)


# A stub for the network, installed before the fixture starts the fake: whatever
# the fake does not answer reaches it (and it answers 418, so no network is used).
STUB_CONFTEST = """
import sys

import pytest
import requests
from requests.structures import CaseInsensitiveDict

{block}


@pytest.fixture
def network():
    seen = []

    def send(self, request, **kwargs):
        seen.append((request.method, request.url))
        response = requests.Response()
        response.status_code = 418
        response._content = b"stub"
        response.headers = CaseInsensitiveDict({{"Content-Type": "text/plain"}})
        response.url = request.url
        response.request = request
        return response

    original = requests.adapters.HTTPAdapter.send
    requests.adapters.HTTPAdapter.send = send
    try:
        yield seen
    finally:
        requests.adapters.HTTPAdapter.send = original
"""

# Without ``responses`` (import blocked before any fixture runs).
BLOCK = 'sys.modules["responses"] = None  # "import responses" now raises ImportError'

WITHOUT_RESPONSES = f"""
import sys

import httpx
import pytest
import requests

URL = {URL!r}
AUTH = ({KEY!r}, "")


def test_responses_is_not_importable():
    assert sys.modules["responses"] is None
    with pytest.raises(ImportError):
        import responses  # noqa: F401


def test_httpx_still_works(tofupay):
    created = httpx.post(URL, auth=AUTH, data={{"email": "a@example.com"}})
    assert created.status_code == 200, created.text
    listed = httpx.get(URL, auth=AUTH)
    assert [c["id"] for c in listed.json()["data"]] == [created.json()["id"]]
    tofupay.assert_called("POST", "/v1/customers", params={{"email": "a@example.com"}}, times=1)
    assert [e["type"] for e in tofupay.events] == ["customer.created"]


def test_requests_is_not_intercepted(network, tofupay):
    assert tofupay.started
    answer = requests.post(URL, auth=AUTH, data={{"email": "a@example.com"}})
    assert (answer.status_code, answer.content) == (418, b"stub")
    assert network == [("POST", URL)]
    assert len(tofupay.calls) == 0 and tofupay.customers() == []
    assert len(tofupay.events) == 0
"""

# The control: the same stub and test with ``responses`` importable, where the
# fake answers and the stub is never reached.
CONTROL = f"""
import requests

URL = {URL!r}
AUTH = ({KEY!r}, "")


def test_requests_is_intercepted(network, tofupay):
    answer = requests.post(URL, auth=AUTH, data={{"email": "a@example.com"}})
    assert answer.status_code == 200, answer.text
    assert network == []
    tofupay.assert_called("POST", "/v1/customers", params={{"email": "a@example.com"}}, times=1)
    other = requests.get("https://example.invalid/x")
    assert (other.status_code, other.content) == (418, b"stub")
    assert network == [("GET", "https://example.invalid/x")]
    assert len(tofupay.calls) == 1
"""


def test_without_responses_the_fixture_still_serves_httpx(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makeconftest(STUB_CONFTEST.format(block=BLOCK))
    pytester.makepyfile(test_without_responses=WITHOUT_RESPONSES)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=3)


def test_control_with_responses_the_stub_is_not_reached(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makeconftest(STUB_CONFTEST.format(block=""))
    pytester.makepyfile(test_control=CONTROL)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
