"""``fake.url``: the fake served by uvicorn on a loopback port, in a thread of this process."""

from __future__ import annotations

import importlib.util
import threading
import time
from typing import TYPE_CHECKING

from .asgi_app import make_app
from .serving import INSTALL_HINT, bind

if TYPE_CHECKING:
    from ..core import Core

#: How long starting or stopping may take before it is an error.
_START_TIMEOUT = 10.0
#: Seconds a stopping server lets requests in progress finish.
_GRACE = 1.0


class LoopbackServer:
    """Serves one fake at ``url`` (``http://127.0.0.1:PORT``, the port chosen by the OS)."""

    def __init__(self, fake: Core) -> None:
        if importlib.util.find_spec("uvicorn") is None:
            raise RuntimeError(INSTALL_HINT.replace("tofupay-fake serve", "fake.url"))
        import uvicorn

        from ._compat_uvicorn import quick_server

        self.app = make_app(fake)
        self._sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        # In a thread, uvicorn leaves signals alone; a request still running when the
        # fake stops gets a second to finish.
        self._server = quick_server()(config, grace=_GRACE)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name="tofupay-fake-url",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._sock.close()
                raise RuntimeError(
                    f"tofupay_fake: the server for fake.url did not start ({self.url})"
                )
            time.sleep(0.002)

    def stop(self) -> None:
        """Stop serving and wait for the thread (idempotent)."""
        self._server.stop_soon()
        self._thread.join(_START_TIMEOUT)
        self._sock.close()
