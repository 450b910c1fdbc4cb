"""``fake.url``: the same fake served on a loopback port, for what cannot be intercepted."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import httpx
import pytest

from tests.conftest import KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay


def test_url_serves_the_same_state_journal_and_control_endpoints() -> None:
    fake = FakeTofupay(seed=3)
    try:
        url = fake.url
        assert url.startswith("http://127.0.0.1:")
        assert fake.url == url  # started once
        made = fake.add_customer(KEY, email="seeded@example.com")
        answer = httpx.get(f"{url}/v1/customers/{made['id']}", auth=(KEY, ""), verify=SSL_CONTEXT)
        assert answer.json() == made
        created = httpx.post(
            f"{url}/v1/customers", auth=(KEY, ""), data={"email": "b@x.io"}, verify=SSL_CONTEXT
        )
        assert created.status_code == 200
        assert fake.get_customer(created.json()["id"])["email"] == "b@x.io"
        assert [call.path for call in fake.calls] == [
            f"/v1/customers/{made['id']}",
            "/v1/customers",
        ]
        calls = httpx.get(f"{url}/_fake/calls", verify=SSL_CONTEXT).json()["data"]
        assert [call["status_code"] for call in calls] == [200, 200]
    finally:
        fake.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/customers", auth=(KEY, ""), verify=SSL_CONTEXT)


def test_url_works_without_interception_and_from_a_subprocess() -> None:
    fake = FakeTofupay(seed=4)  # never started
    try:
        script = (
            "import json, sys, urllib.request, base64\n"
            "req = urllib.request.Request(sys.argv[1] + '/v1/customers', data=b'email=p%40x.io',"
            " headers={'Authorization': 'Bearer ' + sys.argv[2]})\n"
            "print(urllib.request.urlopen(req).read().decode())\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, fake.url, KEY],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        made = json.loads(done.stdout)
        assert fake.customers(KEY) == [made]
        assert not fake.started
    finally:
        fake.stop()


def test_url_and_interception_answer_the_same_bytes(fake: FakeTofupay) -> None:
    twin = FakeTofupay(seed=0)
    try:
        served = urllib.request.urlopen(
            urllib.request.Request(
                f"{twin.url}/v1/customers",
                data=b"email=a%40b.co&source=tok_visa",
                headers={"Authorization": f"Bearer {KEY}"},
            )
        ).read()
    finally:
        twin.stop()
    intercepted = httpx.post(
        "https://api.tofupay.com/v1/customers",
        headers={"Authorization": f"Bearer {KEY}"},
        data={"email": "a@b.co", "source": "tok_visa"},
        verify=SSL_CONTEXT,
    ).content
    assert served == intercepted


def test_the_fixture_stops_the_url_server(pytester: pytest.Pytester) -> None:
    from tests.plugin._helpers import write_ini

    write_ini(pytester)
    pytester.makepyfile(
        """
        import httpx
        import pytest

        SEEN = []

        def test_one(tofupay):
            SEEN.append(tofupay.url)
            assert httpx.get(tofupay.url + "/_fake/calls").json()["data"] == []

        def test_after():
            with pytest.raises(httpx.ConnectError):
                httpx.get(SEEN[0] + "/_fake/calls")
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)
