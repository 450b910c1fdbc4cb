"""A real uvicorn server on a loopback port, in a thread, serving a swappable fake."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn

from tofupay_fake import FakeTofupay
from tofupay_fake.transports._compat_uvicorn import quick_server
from tofupay_fake.transports.asgi_app import App, make_app
from tofupay_fake.transports.serving import bind


class ServerThread:
    """``with ServerThread(fake) as server:`` serves ``server.app.fake`` at ``server.url``."""

    def __init__(self, fake: FakeTofupay) -> None:
        self.app: App = make_app(fake)
        self._sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        # fake.url's server: at the teardown it drops whatever a test left open (a request
        # held by a fault, a keep-alive connection) and closes every connection.
        self._server = quick_server()(config, grace=0.0)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.005)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.force_exit = True  # nothing a test left open holds the teardown
        self._server.stop_soon()
        self._thread.join(10)
        self._sock.close()
        if self._thread.is_alive():  # no thread left behind: a stuck loop is a failure
            raise RuntimeError("the test server's thread did not stop")
