"""``tofupay-fake serve`` stops on SIGTERM or SIGINT, exit status 0, whatever its connections do.

Each test starts a real server subprocess, puts a raw socket in one state
(stalled in the middle of a request body, not reading a large answer, idle on
keep-alive), signals the server and checks it exited 0, quietly, and stopped
listening. The bounds on waiting are generous hang guards, not timings.

The servers here run with a short ``--grace``: the connections a stop must drop
are dropped when it is over, so a shorter grace proves the same stop sooner.
The tests that need time while stopping (to finish a request, to send a second
signal) run with the default grace.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.server.served import EXIT_TIMEOUT, Served

KEY = "sk_test_shutdown0000000001"
HEADERS = (
    "POST /v1/customers HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\n"
    f"Authorization: Bearer {KEY}\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: {length}\r\n"
    "Expect: 100-continue\r\n"
    "\r\n"
)
BODY = b"email=stalled%40example.com&description=half"
#: Seconds of ``--grace`` for the servers whose stop drops what is still open.
SHORT_GRACE = "0.05"


@pytest.fixture
def served() -> Iterator[Served]:
    with Served("--port", "0", "--grace", SHORT_GRACE) as server:
        server.ready()
        yield server


def port_of(served: Served) -> int:
    return int(served.url.rsplit(":", 1)[1])


def connect(served: Served) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port_of(served)), timeout=EXIT_TIMEOUT)


def send_half_a_body(sock: socket.socket) -> None:
    """Headers announcing the whole body, then only its first half.

    The server's ``100 Continue`` shows it has the request and waits for the body.
    """
    sock.sendall(HEADERS.format(length=len(BODY)).encode())
    interim = b""
    while not interim.endswith(b"\r\n\r\n"):
        chunk = sock.recv(1)
        assert chunk, interim
        interim += chunk
    assert interim.startswith(b"HTTP/1.1 100 "), interim
    sock.sendall(BODY[: len(BODY) // 2])


def send_unread_requests(sock: socket.socket) -> None:
    """Pipelined requests for the 80 KB OpenAPI document, only the start of one answer read.

    The server's writes back up and its answer stays unfinished.
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 100)
    start = b""
    while len(start) < 12:
        chunk = sock.recv(12 - len(start))
        assert chunk, start
        start += chunk
    assert start == b"HTTP/1.1 200", start


def answer(sock: socket.socket) -> bytes:
    """One small HTTP answer (headers and body) read off ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, data
        body += chunk
    return head + b"\r\n\r\n" + body


def closed_by_the_server(sock: socket.socket) -> bool:
    """True once the peer has closed (EOF or reset), reading whatever was still queued."""
    sock.settimeout(EXIT_TIMEOUT)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


def stopped_listening(served: Served) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port_of(served)), timeout=EXIT_TIMEOUT).close()
    except ConnectionRefusedError:
        return True
    return False


def wait_until_stopping(served: Served) -> None:
    """Wait until the server no longer accepts connections: it has begun to stop."""
    deadline = time.monotonic() + EXIT_TIMEOUT
    while not stopped_listening(served):
        assert time.monotonic() < deadline, "the server never stopped listening"
        time.sleep(0.01)


def assert_clean_exit(served: Served, signum: int = signal.SIGTERM) -> None:
    assert served.stop(signum) == 0
    assert served.stderr == ""
    assert stopped_listening(served)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_client_stalled_in_the_middle_of_a_body(served: Served, signum: int) -> None:
    with connect(served) as stalled:
        send_half_a_body(stalled)
        assert_clean_exit(served, signum)
        assert closed_by_the_server(stalled)


def test_a_client_that_does_not_read_a_large_answer(served: Served) -> None:
    with connect(served) as greedy:
        send_unread_requests(greedy)
        assert_clean_exit(served)
        # (Not drained here: a tiny receive window can make what the kernel still
        # holds trickle in for a long while, which says nothing about the server.)


def test_idle_keep_alive_connections(served: Served) -> None:
    idle = [connect(served) for _ in range(5)]
    try:
        for sock in idle:
            sock.sendall(b"GET /_fake/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert answer(sock).startswith(b"HTTP/1.1 200 ")
        never_sent = connect(served)  # connected, no request yet
        idle.append(never_sent)
        assert_clean_exit(served)
        assert all(closed_by_the_server(sock) for sock in idle)
    finally:
        for sock in idle:
            sock.close()


def test_every_state_at_once_and_a_second_sigterm() -> None:
    # The default grace: the second signal comes while the first stop still waits.
    with Served("--port", "0") as served:
        served.ready()
        with connect(served) as stalled, connect(served) as greedy, connect(served) as idle:
            send_half_a_body(stalled)
            send_unread_requests(greedy)
            idle.sendall(b"GET /_fake/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert answer(idle).startswith(b"HTTP/1.1 200 ")
            served.proc.send_signal(signal.SIGTERM)
            wait_until_stopping(served)
            assert_clean_exit(served)  # a second SIGTERM, impatient: stop waiting for anyone
            for sock in (stalled, idle):
                assert closed_by_the_server(sock)


def test_a_request_finished_while_stopping_is_still_answered() -> None:
    # The default grace: time enough to send the rest of the body once the stop began.
    with Served("--port", "0") as served:
        served.ready()
        with connect(served) as slow:
            send_half_a_body(slow)
            served.proc.send_signal(signal.SIGTERM)
            wait_until_stopping(served)
            # The rest of the body, sent soon enough, still gets its answer; then the
            # connection closes.
            slow.sendall(BODY[len(BODY) // 2 :])
            reply = answer(slow)
            assert reply.startswith(b"HTTP/1.1 200 "), reply
            assert b"stalled@example.com" in reply
            assert_clean_exit(served)
            assert closed_by_the_server(slow)


HELD_APP = """
import asyncio

from tofupay_fake.transports.cli import _server, bind


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/held":  # how many requests are held right now
        body = str(len(HELD)).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return
    HELD.append(scope)
    await asyncio.sleep(600)  # held, the way a timeout fault holds a request


HELD = []


sock = bind("127.0.0.1", 0)
ready = "tofupay-fake serving http://127.0.0.1:%d (seed 0)" % sock.getsockname()[1]
_server(app, "warning", ready, grace=0.0).run(sockets=[sock])
"""


def held_count(served: Served) -> int:
    with connect(served) as asking:
        asking.sendall(b"GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return int(answer(asking).partition(b"\r\n\r\n")[2])


def test_a_request_the_server_itself_holds() -> None:
    # The serve command's server, around an app that never answers: the
    # request is cancelled when the graceful wait is over, without a traceback.
    # (No grace: the connection is dropped at once, the request cancelled a moment later.)
    with Served(command=[sys.executable, "-c", HELD_APP]) as held:
        held.ready()
        with connect(held) as waiting:
            waiting.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            deadline = time.monotonic() + EXIT_TIMEOUT
            while not held_count(held):
                assert time.monotonic() < deadline, "the request never reached the app"
                time.sleep(0.01)
            assert_clean_exit(held)
            assert closed_by_the_server(waiting)


def test_the_last_resort_exit_is_status_0() -> None:
    # Whatever still runs a few seconds after the first signal, the process ends with 0.
    code = (
        "import time\n"
        "from tofupay_fake.transports.cli import _exit_after\n"
        "print('waiting', flush=True)\n"
        "_exit_after(0.1)\n"
        "time.sleep(60)\n"
        "raise SystemExit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=EXIT_TIMEOUT
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "waiting\n", "")
