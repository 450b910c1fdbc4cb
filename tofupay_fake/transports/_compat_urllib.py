"""The one place that builds ``http.client.HTTPResponse`` objects from bytes, for urllib and requests.

A fake's answer is written out as the HTTP/1.1 message a server would send
(status line, the fake's headers, ``Content-Length``, the body) and parsed by
``http.client.HTTPResponse`` itself, reading from an in-memory "socket"
(``HTTPResponse`` only calls ``sock.makefile("rb")``). So every client
sees the response exactly as it sees a real server's: urllib's
``HTTPErrorProcessor`` turns 4xx/5xx into ``HTTPError`` with the body
readable, ``HEAD`` gets no body, and requests extracts cookies from the
parsed headers (``_original_response.msg``) as it does for real answers.

The ``HTTPResponse(sock, method=..., url=...)`` constructor and ``begin()``
are documented as not for direct use but have kept this shape since
Python 3.0; checked on CPython 3.11 (the signature is unchanged through 3.13).

The request side has one shared piece too: :func:`body_bytes`, the bytes a
body given to urllib or requests goes out as.
"""

from __future__ import annotations

import http.client
import io
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from ..request import Response


class _Wire:
    """A connected "socket" whose only content is one response message."""

    def __init__(self, message: bytes) -> None:
        self._message = message

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BytesIO:
        """The message, as ``HTTPResponse`` reads it."""
        return io.BytesIO(self._message)


def reason_of(status: int) -> str:
    """The standard reason phrase of ``status`` ("" for a code without one)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def message_of(answer: Response) -> bytes:
    """The HTTP/1.1 message a server sends for ``answer`` (its ``Content-Length`` added)."""
    lines = [f"HTTP/1.1 {answer.status_code} {reason_of(answer.status_code)}"]
    lines.extend(f"{name}: {value}" for name, value in answer.headers)
    lines.append(f"Content-Length: {len(answer.content)}")  # the fake's answers carry none
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1") + answer.content


def http_response(answer: Response, method: str, url: str) -> http.client.HTTPResponse:
    """``answer`` as the ``http.client.HTTPResponse`` a real connection would give, unread."""
    response = http.client.HTTPResponse(_Wire(message_of(answer)), method=method, url=url)  # type: ignore[arg-type]
    response.begin()
    return response


def body_bytes(body: Any, encoding: str) -> bytes:
    """The bytes sent for a request body: bytes-like as they are, a file object read,
    else its chunks joined; text (read or a chunk) encoded in ``encoding``."""
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    read = getattr(body, "read", None)
    if read is not None:
        return _chunk_bytes(read(), encoding)
    chunks: Iterable[Any] = body
    return b"".join(_chunk_bytes(chunk, encoding) for chunk in chunks)


def _chunk_bytes(chunk: Any, encoding: str) -> bytes:
    return chunk.encode(encoding) if isinstance(chunk, str) else bytes(chunk)
