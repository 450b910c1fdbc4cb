"""``tofupay-fake serve`` under clients that misbehave at the socket level.

Stalls mid-headers and mid-body, a half-closed connection, two pipelined
requests, a slow reader of a large answer, a long seeding call beside a quick
request; SIGTERM in each state ends the process with 0 (bounded waits guard
against a hang). Also: a key sent in a query string never reaches the log.

The tests that stop the server start one each; the others share one, reset
before each test.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from typing import BinaryIO

import pytest

from .served import Served

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
#: A hang guard, not a speed test: the server stops within seconds of SIGTERM.
EXIT_WITHIN = 10.0
#: Bounds every socket read, so a broken server fails the test instead of hanging it.
READ_TIMEOUT = 30.0
#: ``--grace`` seconds: a stop drops the stalled connections this soon (any grace proves
#: the same stop; a short one proves it sooner).
SHORT_GRACE = "0.05"
#: Customers the long seeding call makes: far more work than the quick request beside it.
SEEDED = 4000


@pytest.fixture
def stopping() -> Iterator[Served]:
    """A server of the test's own, which the test stops."""
    with Served("--port", "0", "--grace", SHORT_GRACE) as served:
        served.ready()
        yield served


@pytest.fixture(scope="module")
def running() -> Iterator[Served]:
    """One server for the module's tests that do not stop it."""
    with Served("--port", "0") as served:
        served.ready()
        yield served


@pytest.fixture
def served(running: Served) -> Served:
    """The module's server, reset: each test starts from an empty fake."""
    with connect(running) as sock:
        sock.sendall(request("POST", "/_fake/reset", connection="close"))
        assert read_response(sock.makefile("rb"))[0] == 200
    return running


def address(served: Served) -> tuple[str, int]:
    host, port = served.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def connect(served: Served) -> socket.socket:
    sock = socket.create_connection(address(served), timeout=READ_TIMEOUT)
    return sock


def request(method: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    if body or method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_response(stream: BinaryIO) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 answer from ``stream``: status, headers (lower case), body."""
    status_line = stream.readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    headers: dict[str, str] = {}
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


def answered(served: Served) -> int:
    """A well-behaved client's request on a connection of its own: the status."""
    with connect(served) as sock:
        sock.sendall(request("GET", "/_fake/clock", connection="close"))
        status, _, body = read_response(sock.makefile("rb"))
    assert json.loads(body)["now"] > 0
    return status


def stops_quickly(served: Served) -> None:
    served.proc.send_signal(signal.SIGTERM)
    try:
        code = served.proc.wait(EXIT_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server was still running {EXIT_WITHIN} s after SIGTERM")
    assert code == 0, served.stderr
    served.close()
    assert "Traceback" not in served.stderr


# -- each state, then SIGTERM ---------------------------------------------------------------


def stalled_mid_headers(served: Served) -> socket.socket:
    sock = connect(served)
    sock.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz")
    return sock


def stalled_mid_body(served: Served) -> socket.socket:
    sock = connect(served)
    whole = request("POST", "/_fake/customers", f"api_key={KEY}&email=a@example.com".encode())
    sock.sendall(whole[:-10])
    return sock


def idle_keep_alive(served: Served) -> socket.socket:
    sock = connect(served)
    sock.sendall(request("GET", "/_fake/clock"))
    status, _, _ = read_response(sock.makefile("rb"))
    assert status == 200
    return sock


def unread_large_answer(served: Served) -> socket.socket:
    with connect(served) as seeder:
        seeder.sendall(request("POST", "/_fake/customers", f"api_key={KEY}&n=3000".encode()))
        assert read_response(seeder.makefile("rb"))[0] == 200
    sock = connect(served)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(request("GET", "/_fake/snapshot"))
    sock.recv(100)  # the answer has begun; the rest waits for a reader that never comes
    return sock


def pipelined_unread(served: Served) -> socket.socket:
    sock = connect(served)
    sock.sendall(request("GET", "/_fake/clock") + request("GET", "/_fake/calls"))
    return sock


STATES: dict[str, Callable[[Served], socket.socket]] = {
    "mid-headers": stalled_mid_headers,
    "mid-body": stalled_mid_body,
    "idle-keep-alive": idle_keep_alive,
    "unread-large-answer": unread_large_answer,
    "pipelined-unread": pipelined_unread,
}


@pytest.mark.parametrize("state", sorted(STATES))
def test_others_are_answered_and_sigterm_exits_0_in_each_state(
    stopping: Served, state: str
) -> None:
    sock = STATES[state](stopping)
    try:
        assert answered(stopping) == 200  # the stalled client holds up nobody
        stops_quickly(stopping)
    finally:
        sock.close()


def test_a_stalled_body_is_answered_once_it_is_complete(served: Served) -> None:
    with connect(served) as sock:
        whole = request("POST", "/_fake/customers", f"api_key={KEY}&email=a@example.com".encode())
        sock.sendall(whole[:-10])
        assert answered(served) == 200
        sock.sendall(whole[-10:])
        status, _, body = read_response(sock.makefile("rb"))
    assert status == 200
    assert json.loads(body)["data"][0]["email"] == "a@example.com"


def test_a_half_closed_connection_still_gets_its_answer(served: Served) -> None:
    with connect(served) as setup:  # the answer waits, so the server sees the EOF first
        setup.sendall(request("POST", "/_fake/fail_next", b"error=402&delay=0.2"))
        assert read_response(setup.makefile("rb"))[0] == 200
    with connect(served) as sock:
        sock.sendall(request("GET", "/v1/customers", authorization=f"Bearer {KEY}"))
        sock.shutdown(socket.SHUT_WR)  # the client sends nothing more, and waits
        stream = sock.makefile("rb")
        status, _, body = read_response(stream)
        assert stream.read() == b""  # then the server closes its side too
    assert status == 402
    assert json.loads(body)["error"]["type"] == "card_error"


def test_pipelined_requests_then_a_half_close_get_both_answers(served: Served) -> None:
    with connect(served) as sock:
        sock.sendall(
            request("POST", "/_fake/customers", f"api_key={KEY}&n=500".encode())
            + request("GET", "/_fake/customers", connection="close")
        )
        sock.shutdown(socket.SHUT_WR)
        stream = sock.makefile("rb")
        first, second = read_response(stream), read_response(stream)
    assert len(json.loads(first[2])["data"]) == 500
    assert json.loads(second[2])["total_count"] == 500


def test_two_pipelined_requests_are_answered_in_order(served: Served) -> None:
    with connect(served) as sock:
        sock.sendall(
            request("POST", "/_fake/customers", f"api_key={KEY}&email=p@x.io".encode())
            + request("GET", "/_fake/customers")
        )
        stream = sock.makefile("rb")
        first = read_response(stream)
        second = read_response(stream)
    assert first[0] == second[0] == 200
    assert json.loads(first[2])["data"][0]["email"] == "p@x.io"
    assert json.loads(second[2])["total_count"] == 1


def read_fast(sock: socket.socket) -> None:
    """Open the receive window again after a small ``SO_RCVBUF``: the window stays
    clamped below one loopback segment, so the rest would trickle in at ~40 KB/s."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    if hasattr(socket, "TCP_WINDOW_CLAMP"):  # Linux
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_WINDOW_CLAMP, 1 << 20)


def test_a_slow_reader_gets_a_large_answer_whole_while_others_are_answered(
    served: Served,
) -> None:
    with connect(served) as seeder:
        seeder.sendall(request("POST", "/_fake/customers", f"api_key={KEY}&n=2000".encode()))
        assert read_response(seeder.makefile("rb"))[0] == 200
    with connect(served) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(request("GET", "/_fake/snapshot"))
        stream = sock.makefile("rb", buffering=0)
        status_line = stream.readline()
        chunks = [status_line]
        while len(b"".join(chunks)) < 64 * 1024:
            chunks.append(sock.recv(1024))  # a little at a time
            if len(chunks) % 16 == 0:
                assert answered(served) == 200  # the slow reader holds up nobody
        read_fast(sock)
        rest = sock.makefile("rb")
        head, _, start = b"".join(chunks).partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        body = start + rest.read(length - len(start))
    world = json.loads(body)
    assert sum(len(account["customers"]) for account in world["accounts"]) == 2000


def test_a_quick_request_is_answered_while_a_large_seeding_runs(served: Served) -> None:
    with connect(served) as seeder, connect(served) as quick:
        seeder.sendall(request("POST", "/_fake/customers", f"api_key={KEY}&n={SEEDED}".encode()))
        seeder.recv(0)
        quick.sendall(request("GET", "/openapi.json", connection="close"))
        status, _, body = read_response(quick.makefile("rb"))
        assert status == 200 and json.loads(body)["openapi"].startswith("3.")
        seeder.setblocking(False)
        try:
            early = seeder.recv(1)
        except BlockingIOError:
            early = b""
        seeder.setblocking(True)
        seeder.settimeout(READ_TIMEOUT)
        assert early == b"", "the seeding call was answered before the quick request"
        status, _, body = read_response(seeder.makefile("rb"))
    assert status == 200
    assert len(json.loads(body)["data"]) == SEEDED


def test_an_escaped_slash_in_an_id_is_a_404_over_http_and_changes_nothing(
    served: Served,
) -> None:
    with connect(served) as sock:
        stream = sock.makefile("rb")
        sock.sendall(request("POST", "/_fake/customers", f"api_key={KEY}&source=tok_visa".encode()))
        customer = json.loads(read_response(stream)[2])["data"][0]
        card = customer["default_source"]
        path = f"/v1/customers/{customer['id']}%2Fsources%2F{card}"
        sock.sendall(request("DELETE", path, authorization=f"Bearer {KEY}"))
        status, _, body = read_response(stream)
        assert status == 404, body
        sock.sendall(request("GET", "/_fake/customers"))
        (listed,) = json.loads(read_response(stream)[2])["data"]
    assert listed["customer"] == customer


# -- keys and the request log ---------------------------------------------------------------


def test_a_key_in_a_query_string_is_masked_in_the_request_log() -> None:
    escaped = KEY.replace("_", "%5F")
    with Served("--port", "0", "--log-level", "info") as served:
        served.ready()
        for path in (
            f"/_fake/fixtures?api_key={KEY}",
            f"/_fake/customers?api_key={escaped}",
            f"/v1/customers?key={KEY}",
            f"/v1/customers/{KEY}",
        ):
            with connect(served) as sock:
                sock.sendall(request("GET", path, connection="close"))
                assert read_response(sock.makefile("rb"))[0] in (400, 401, 404)
        assert served.stop() == 0
        log = served.stdout_rest() + served.stderr
    assert "GET /_fake/fixtures?api_key=sk_test_****s0Jc HTTP/1.1" in log
    assert "GET /_fake/customers?api_key=sk_test_****s0Jc HTTP/1.1" in log
    assert KEY not in log
    assert escaped not in log
    assert KEY[-12:] not in log
