"""``tofupay-fake serve`` / ``python -m tofupay_fake serve`` as real subprocesses.

Each server is started with ``--port 0`` and found through its ready line on
stdout, read with a timeout so a hang fails the test instead of blocking it.
Read-only checks share one module-scoped server (the console script); tests
that stop a server start their own. Every process is killed and reaped in the
end, whatever happens.
"""

from __future__ import annotations

import base64
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

import tofupay_fake
from tests.conftest import SSL_CONTEXT
from tests.server.served import EXIT_TIMEOUT, READY, Served, console_script, python_m
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay
from tofupay_fake.request import Response
from tofupay_fake.transports.cli import main

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
ONLY = "sk_test_only"
FORM = "application/x-www-form-urlencoded"


def run(*args: str, command: Sequence[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command line that is expected to end by itself (bounded)."""
    argv = [*(command or python_m()), *args]
    return subprocess.run(
        argv, capture_output=True, text=True, encoding="utf-8", timeout=EXIT_TIMEOUT
    )


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def in_process(
    fake: FakeTofupay, method: str, path: str, body: bytes = b"", key: str = KEY
) -> Response:
    """The same request answered by an in-process fake."""
    headers = {"authorization": basic(key), "content-type": FORM}
    return fake.handle(method, path, headers=headers, body=body)


def same_answer(response: httpx.Response, expected: Response) -> None:
    """Status, body bytes and Request-Id equal to the in-process answer."""
    assert response.status_code == expected.status_code, response.text
    assert response.content == expected.content
    assert response.headers["request-id"] == dict(expected.headers)["Request-Id"]
    assert response.headers["content-type"] == "application/json"


# -- a shared server for read-only checks (the console script) ------------------------


@pytest.fixture(scope="module")
def shared() -> Iterator[Served]:
    with Served(
        "--port", "0", "--seed", "7", "--api-key", ONLY, "--api-key", KEY,
        command=console_script(),
    ) as served:  # fmt: skip
        served.ready()
        yield served
        assert served.stop() == 0
        assert "Traceback" not in served.stderr


@pytest.fixture
def shared_http(shared: Served) -> Iterator[httpx.Client]:
    with httpx.Client(verify=SSL_CONTEXT, base_url=shared.url, trust_env=False) as client:
        assert client.post("/_fake/reset").json() == {"reset": True}
        yield client


def test_ready_line_names_a_loopback_url_the_port_and_the_seed(shared: Served) -> None:
    match = READY.fullmatch(shared.ready_line)
    assert match is not None
    assert match.group(2) == "127.0.0.1"  # loopback by default
    assert 0 < int(match.group(3)) < 65536
    assert match.group(4) == "7" and match.group(5) is None
    with socket.create_connection(("127.0.0.1", int(match.group(3))), timeout=10):
        pass


def test_seed_7_answers_byte_for_byte_like_the_in_process_fake(shared_http: httpx.Client) -> None:
    reference = FakeTofupay(seed=7, api_keys=[ONLY, KEY])
    create = b"email=ada%40example.com&metadata[plan]=pro&source=tok_visa"
    sent = shared_http.post("/v1/customers", content=create, auth=(KEY, ""), headers={
        "Content-Type": FORM})  # fmt: skip
    expected = in_process(reference, "POST", "/v1/customers", create)
    same_answer(sent, expected)
    customer_id = sent.json()["id"]
    assert customer_id == FakeTofupay(seed=7).add_customer(KEY)["id"]
    assert customer_id != FakeTofupay(seed=0).add_customer(KEY)["id"]

    update = b"description=VIP"
    path = f"/v1/customers/{customer_id}"
    sent = shared_http.post(path, content=update, auth=(KEY, ""), headers={"Content-Type": FORM})
    same_answer(sent, in_process(reference, "POST", path, update))
    listing = shared_http.get("/v1/customers", auth=(KEY, ""))
    same_answer(listing, in_process(reference, "GET", "/v1/customers"))


def test_api_key_allow_list(shared_http: httpx.Client) -> None:
    allowed = shared_http.post("/v1/customers", auth=(ONLY, ""))
    assert allowed.status_code == 200, allowed.text
    for other in ("sk_test_notOnTheList", "sk_live_notOnTheListEither"):
        refused = shared_http.get("/v1/customers", auth=(other, ""))
        assert refused.status_code == 401
        assert refused.json() == {
            "error": {
                "type": "authentication_error",
                "message": f"Invalid API Key provided: {other[:8]}****{other[-4:]}",
            }
        }
    # The allowed key's customer is not visible to the other allowed key (own accounts).
    assert shared_http.get("/v1/customers", auth=(KEY, "")).json()["data"] == []


def test_control_endpoints_and_openapi_over_the_command(shared_http: httpx.Client) -> None:
    seeded = shared_http.post("/_fake/customers", data={"api_key": ONLY, "n": "2"})
    assert seeded.status_code == 200, seeded.text
    assert seeded.json()["data"] == FakeTofupay(seed=7).seed_customers(2, ONLY)
    shared_http.get("/v1/customers", auth=(ONLY, ""))
    calls = shared_http.get("/_fake/calls").json()["data"]
    assert [(c["method"], c["path"], c["api_key"]) for c in calls] == [
        ("GET", "/v1/customers", "sk_test_****")  # 4 characters: no tail shown
    ]
    assert [e["type"] for e in shared_http.get("/_fake/events").json()["data"]] == [
        "customer.created",
        "customer.created",
    ]
    document = shared_http.get("/openapi.json")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/json"
    assert document.json()["openapi"].startswith("3.1")


# -- servers of their own: defaults, signals ----------------------------------------------


def test_default_seed_is_0_and_sigterm_exits_0_quietly() -> None:
    with Served("--port", "0") as served:
        match = served.ready()
        assert (match.group(2), match.group(4)) == ("127.0.0.1", "0")
        body = b"email=a%40example.com"
        # Signalled with a keep-alive connection still open: the exit is still clean.
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url, trust_env=False) as client:
            sent = client.post(
                "/v1/customers", content=body, auth=(KEY, ""), headers={"Content-Type": FORM}
            )
            same_answer(sent, in_process(FakeTofupay(seed=0), "POST", "/v1/customers", body))
            assert served.stop(signal.SIGTERM) == 0
        assert served.stderr == ""
        assert served.stdout_rest() == ""


def test_sigint_exits_0_without_a_traceback() -> None:
    with Served("--port", "0", "--seed", "3", command=console_script()) as served:
        assert served.ready().group(4) == "3"
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url, trust_env=False) as client:
            assert client.get("/v1/customers", auth=(KEY, "")).status_code == 200
        assert served.stop(signal.SIGINT) == 0
        assert "Traceback" not in served.stderr
        assert "KeyboardInterrupt" not in served.stderr
        assert served.stderr == ""


def test_all_interfaces_warns_it_is_reachable_from_other_machines() -> None:
    with Served("--host", "0.0.0.0", "--port", "0") as served:
        match = served.ready()
        assert match.group(2) == "0.0.0.0"
        port = int(match.group(3))
        with httpx.Client(verify=SSL_CONTEXT, trust_env=False) as client:
            answer = client.get(f"http://127.0.0.1:{port}/v1/customers", auth=(KEY, ""))
            assert answer.status_code == 200
        assert served.stop() == 0
    assert "warning" in served.stderr
    assert "reachable from other machines" in served.stderr
    assert "0.0.0.0" in served.stderr
    assert "Traceback" not in served.stderr


# -- command lines that end by themselves ------------------------------------------------
#
# Those that end before anything listens run ``main``, the console script's entry point,
# in this process; ``--version`` runs the installed command itself.


def test_a_port_in_use_exits_1_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in err
    assert "--port" in err
    assert "Traceback" not in err


def test_version() -> None:
    result = run("--version", command=console_script())
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"tofupay-fake {tofupay_fake.__version__}\n"


def test_a_malformed_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "eighty"])
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "invalid int value: 'eighty'" in err
    assert "Traceback" not in err


def test_without_uvicorn_the_install_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the [server] extra were missing
    assert main(["serve", "--port", "0"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "pip install 'tofupay-fake[server]'" in err
    assert "Traceback" not in err


# -- the listening socket --------------------------------------------------------------


def test_accepted_connections_disable_nagle(server: ServerThread) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"GET /_fake/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert raw.recv(65536).startswith(b"HTTP/1.1 200")
        mine = raw.getsockname()
        served: Any = server._server  # the uvicorn.Server of the test server thread
        [ours] = [
            protocol.transport.get_extra_info("socket")
            for protocol in list(served.server_state.connections)
            if protocol.transport.get_extra_info("peername") == mine
        ]
        assert ours.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
