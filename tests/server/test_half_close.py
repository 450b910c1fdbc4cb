"""A client that sends its request and shuts its side down gets its answer, then the server
closes the connection too (without waiting for a keep-alive timeout), and stops cleanly."""

from __future__ import annotations

import socket

from tests.server.served import Served

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"


def test_a_half_closed_keep_alive_connection_is_answered_then_closed() -> None:
    with Served("--port", "0") as served:
        served.ready()
        port = int(served.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as setup:
            body = b"error=402&delay=0.2"  # the answer waits: the server sees the EOF first
            setup.sendall(
                b"POST /_fake/fail_next HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            assert setup.recv(65536).startswith(b"HTTP/1.1 200 ")
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            client.sendall(
                b"GET /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer " + KEY.encode() + b"\r\n\r\n"
            )
            client.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := client.recv(65536):  # until the server closes its side
                answer += chunk
        assert served.stop() == 0
    assert answer.startswith(b"HTTP/1.1 402 ")
    assert answer.endswith(b"}")
    assert b'"type": "card_error"' in answer
    assert served.stderr == ""
