"""A real uvicorn server on a loopback port, in a thread, serving a swappable fake."""

from __future__ import annotations

from types import TracebackType

from tofupay_fake.transports.loopback import LoopbackServer


class ServerThread(LoopbackServer):
    """``with ServerThread(fake) as server:`` serves ``server.app.fake`` at ``server.url``.

    ``fake.url``'s server, started at once; leaving the block drops whatever a test left
    open (a request held by a fault, a keep-alive connection) and closes every connection.
    """

    def __enter__(self) -> ServerThread:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.force_exit = True  # nothing a test left open holds the teardown
        self.stop()
        if self._thread.is_alive():  # no thread left behind: a stuck loop is a failure
            raise RuntimeError("the test server's thread did not stop")
