"""``serve --host NAME``: whether to warn is decided on the address bound, not the name given."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import SSL_CONTEXT
from tests.server.served import Served

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"


@pytest.mark.parametrize("host", ["localhost", "127.1"])
def test_a_name_or_short_form_of_loopback_serves_quietly_on_127_0_0_1(host: str) -> None:
    with Served("--host", host, "--port", "0") as served:
        match = served.ready()
        assert match.group(2) == "127.0.0.1"
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url, trust_env=False) as client:
            assert client.get("/v1/customers", auth=(KEY, "")).status_code == 200
        assert served.stop() == 0
    assert served.stderr == ""  # no "reachable from other machines" warning
