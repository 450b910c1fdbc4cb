"""Without an optional library: the clients that are there still reach the fake, and
``fake.url`` says what to install; a loopback server that cannot start says so.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import uvicorn

from tofupay_fake import FakeTofupay
from tofupay_fake.transports.serving import INSTALL_HINT

WITHOUT_EXTRAS = """
import sys
for name in ("aiohttp", "requests", "uvicorn"):
    sys.modules[name] = None  # as if not installed
import httpx
from tofupay_fake import FakeTofupay
from tofupay_fake.transports import httpx_transport
httpx_transport.uninstall()  # before anything was installed: nothing to undo
with FakeTofupay() as fake:
    answer = httpx.get("https://api.tofupay.com/v1/customers", auth=("sk_test_x", ""))
    print(answer.status_code, len(fake.calls))
    try:
        fake.url
    except RuntimeError as exc:
        print(exc)
"""


def test_httpx_reaches_the_fake_without_aiohttp_requests_or_uvicorn() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert (
        result.stdout == "200 1\n" + INSTALL_HINT.replace("tofupay-fake serve", "fake.url") + "\n"
    )


def test_fake_url_without_uvicorn_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with FakeTofupay() as fake, pytest.raises(RuntimeError) as refused:
        fake.url  # noqa: B018 - the property starts the server
    assert str(refused.value) == INSTALL_HINT.replace("tofupay-fake serve", "fake.url")
    assert "pip install 'tofupay-fake[server]'" in str(refused.value)


def test_a_loopback_server_that_does_not_start_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)  # ends at once
    with FakeTofupay() as fake, pytest.raises(RuntimeError) as refused:
        fake.url  # noqa: B018 - the property starts the server
    assert str(refused.value).startswith("tofupay_fake: the server for fake.url did not start (")
    assert fake._server is None  # nothing half-started is kept
