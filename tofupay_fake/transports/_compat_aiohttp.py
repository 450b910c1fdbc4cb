"""The one place that touches aiohttp's private parts.

Read in the sources of aiohttp 3.9.0 to 3.14.0; the aiohttp tests of this
package pass on 3.9.5, 3.10.11, 3.11.0, 3.12.15, 3.13.3, 3.14.0 and 3.14.5:

- ``TCPConnector._create_connection(req, traces, timeout)``: the method a
  connector calls, inside its own limits and pool bookkeeping, to open a new
  connection; it returns the connection's protocol. It has kept this name,
  signature and job since aiohttp 3.0. Everything aiohttp does before it
  (building the request, the pool, ``limit``) and after it (writing the
  request, parsing the answer, timeouts, retries, redirects, cookies,
  building ``ClientResponse``) stays aiohttp's own code, so the constructors
  that change between releases (``ClientResponse`` gained a required
  argument in 3.14) are never called by us.
- ``aiohttp.client_proto.ResponseHandler(loop=...)``: the protocol every
  aiohttp connection uses; we make one and connect it to an in-memory
  transport. ``set_exception(exc)`` hands it an error for the waiting
  response (what aiohttp itself does on a read timeout); ``force_close()``
  keeps the connection out of the pool (missing in 3.11.0 only, where our
  transport reports itself closing once it has answered instead).
- ``ClientRequest.connection_key`` and ``request_info``: what aiohttp's own
  connection errors and response errors are built from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler

ATTRIBUTE = "_create_connection"

#: ``TCPConnector._create_connection``: (connector, request, traces, timeout) -> protocol.
ConnectionFactory = Callable[[Any, Any, Any, Any], Awaitable[Any]]

#: What aiohttp raises when no data arrives within ``ClientTimeout(sock_read=...)``
#: (``SocketTimeoutError`` since 3.10, a ``ServerTimeoutError``).
READ_TIMEOUT: type[aiohttp.ServerTimeoutError] = getattr(
    aiohttp, "SocketTimeoutError", aiohttp.ServerTimeoutError
)


def factory_of(connector_class: type[Any]) -> ConnectionFactory:
    """The connection factory a connector class has now (ours or aiohttp's)."""
    found: ConnectionFactory = connector_class.__dict__[ATTRIBUTE]
    return found


def set_factory(connector_class: type[Any], factory: ConnectionFactory) -> None:
    """Make ``factory`` the connector class's connection factory."""
    setattr(connector_class, ATTRIBUTE, factory)


def new_protocol(loop: asyncio.AbstractEventLoop) -> ResponseHandler:
    """A fresh aiohttp connection protocol that will not be pooled."""
    protocol = ResponseHandler(loop=loop)
    force_close = getattr(protocol, "force_close", None)
    if force_close is not None:  # pragma: no branch - missing in aiohttp 3.11.0 only
        force_close()
    return protocol


def fail(protocol: ResponseHandler, error: BaseException) -> None:
    """Make the response being awaited on ``protocol`` raise ``error``."""
    protocol.set_exception(error)


def connection_key(request: Any) -> Any:
    """The request's connection key (host, port, ssl, ...), for aiohttp's connection errors."""
    return request.connection_key


def request_info(request: Any) -> Any:
    """The request's ``RequestInfo``, for aiohttp's response errors."""
    return request.request_info
