"""FakeTofupay: the state machine of :mod:`tofupay_fake.core`, with interception and ``url``.

``start()`` routes every supported client's requests for ``base_url`` to the
fake (see :mod:`tofupay_fake.transports.intercept`); ``url`` serves the same
fake on a loopback port for what cannot be intercepted.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from .core import Core

if TYPE_CHECKING:
    from .transports.loopback import LoopbackServer


class FakeTofupay(Core):
    """An in-memory, deterministic Tofupay Customers API.

    ``with FakeTofupay() as fake:`` (or ``start()`` / ``stop()``) routes the
    requests of httpx, httpx2, requests, aiohttp and urllib for ``base_url``
    to it; :meth:`handle` / :meth:`respond` answer one request directly;
    :attr:`url` serves it over HTTP on a loopback port. ``history`` keeps
    only that many of the newest calls and events (a long-running server);
    by default all are kept.
    """

    _started = False
    _server: LoopbackServer | None = None

    def start(self) -> FakeTofupay:
        """Route requests for ``base_url`` to this fake (idempotent).

        Raises RuntimeError when another started fake has the same origin.
        """
        if not self._started:
            from .transports import intercept

            intercept.start(self)
            self._started = True
        return self

    def stop(self) -> None:
        """Remove the interception and stop :attr:`url`'s server (idempotent); state stays."""
        server, self._server = self._server, None
        try:
            if self._started:
                from .transports import intercept

                self._started = False
                intercept.stop(self)
        finally:
            if server is not None:
                server.stop()

    @property
    def started(self) -> bool:
        """True while requests for ``base_url`` are routed to this fake."""
        return self._started

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: a loopback server serving this fake (started on first use).

        The API, its state, calls, events and the control endpoints, for
        subprocesses, browsers and clients that cannot be intercepted.
        Stopped by :meth:`stop`. Needs the ``[server]`` extra (uvicorn).
        """
        if self._server is None:
            from .transports.loopback import LoopbackServer

            self._server = LoopbackServer(self)
        return self._server.url

    def __enter__(self) -> FakeTofupay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
