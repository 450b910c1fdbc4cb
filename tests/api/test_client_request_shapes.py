"""Requests as clients may shape them: the fake reads what the client would put on the wire.

A Host header given by hand, a body whose length header was taken off (urllib3
then sends it chunked), an Accept-Encoding of the caller's, a timeout object
that leaves the read timeout to the socket's default; and URLs the client
library refuses itself are refused the same way, before anything is answered.
"""

from __future__ import annotations

import http.client
import socket
import urllib.request

import pytest
import requests
import urllib3

from tests.conftest import BASE, KEY
from tofupay_fake import FakeTofupay

AUTH = {"Authorization": f"Bearer {KEY}"}


def test_requests_with_a_host_header_given_by_hand(fake: FakeTofupay) -> None:
    answer = requests.get(
        f"{BASE}/v1/customers", headers={**AUTH, "Host": "api.tofupay.com"}, timeout=10
    )
    assert answer.status_code == 200
    assert fake.calls[-1].headers["host"] == "api.tofupay.com"


def test_requests_body_without_a_length_header_goes_chunked(fake: FakeTofupay) -> None:
    prepared = requests.Request(
        "POST", f"{BASE}/v1/customers", data={"email": "c@example.com"}, headers=AUTH
    ).prepare()
    del prepared.headers["Content-Length"]
    with requests.Session() as session:
        answer = session.send(prepared, timeout=10)
    assert (answer.status_code, answer.json()["email"]) == (200, "c@example.com")
    assert fake.calls[-1].headers["transfer-encoding"] == "chunked"


def test_requests_timeout_object_without_a_read_timeout_uses_the_socket_default(
    fake: FakeTofupay, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.fail_next("timeout", delay=30)
    # socket.setdefaulttimeout(0.01), for this test's calls only (urllib3 2 keeps its own name).
    monkeypatch.setattr(socket, "getdefaulttimeout", lambda: 0.01)
    monkeypatch.setattr(urllib3.util.timeout, "getdefaulttimeout", lambda: 0.01, raising=False)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{BASE}/v1/customers", headers=AUTH, timeout=urllib3.Timeout(connect=5))
    monkeypatch.undo()
    answer = requests.get(f"{BASE}/v1/customers", headers=AUTH, timeout=urllib3.Timeout(connect=5))
    assert answer.status_code == 200


def test_requests_url_with_a_port_that_is_not_a_number(fake: FakeTofupay) -> None:
    prepared = requests.Request("GET", f"{BASE}/v1/customers", headers=AUTH).prepare()
    prepared.url = "https://api.tofupay.com:port/v1/customers"
    with requests.Session() as session, pytest.raises(requests.exceptions.InvalidURL):
        session.send(prepared, timeout=10)
    assert len(fake.calls) == 0


def test_urllib_keeps_the_caller_s_accept_encoding(fake: FakeTofupay) -> None:
    sent = urllib.request.Request(
        f"{BASE}/v1/customers", headers={**AUTH, "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(sent, timeout=10) as answer:
        assert answer.status == 200
    assert fake.calls[-1].headers["accept-encoding"] == "gzip"


def test_urllib_refuses_control_characters_in_the_url_as_http_client_does(
    fake: FakeTofupay,
) -> None:
    with pytest.raises(http.client.InvalidURL, match="URL can't contain control characters"):
        urllib.request.urlopen(f"{BASE}/v1/customers\r\nX-Injected: 1", timeout=10)
    assert len(fake.calls) == 0
