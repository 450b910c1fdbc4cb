"""``tofupay-fake serve``: the fake over HTTP, with uvicorn (the ``[server]`` extra)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib.util
import ipaddress
import signal
import socket
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .. import __version__

if TYPE_CHECKING:
    from ..core import FakeTofupay

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 12111
DEFAULT_HISTORY = 10_000
INSTALL_HINT = (
    "tofupay-fake serve needs the server extra (uvicorn). Install it with:\n"
    "    pip install 'tofupay-fake[server]'"
)


def parser() -> argparse.ArgumentParser:
    """The command line: ``tofupay-fake serve [options]``."""
    top = argparse.ArgumentParser(
        prog="tofupay-fake", description="A stateful fake of the Tofupay Customers API."
    )
    top.add_argument("--version", action="version", version=f"tofupay-fake {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the fake over HTTP (needs the [server] extra)")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s, loopback only)"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port (default: %(default)s; 0 picks a free one)",
    )
    serve.add_argument(
        "--seed", type=int, default=0, help="seed of ids and Faker data (default: %(default)s)"
    )
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this secret key (repeat for more); default: any sk_test_/sk_live_ key",
    )
    serve.add_argument(
        "--history",
        type=int,
        default=DEFAULT_HISTORY,
        metavar="N",
        help="keep the newest N calls and events for /_fake/calls and /_fake/events, so memory "
        "stays flat (default: %(default)s; 0 keeps all)",
    )
    serve.add_argument(
        "--strict-tokens", action="store_true", help="reject token ids the fake did not issue"
    )
    serve.add_argument("--webhook-url", metavar="URL", help="POST every event to this URL, signed")
    serve.add_argument(
        "--webhook-secret", metavar="whsec_...", help="secret of the Tofupay-Signature header"
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level; info logs each request (default: %(default)s)",
    )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parser().parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        return _fail("--webhook-url needs --webhook-secret (whsec_...) to sign deliveries.")
    if args.webhook_secret and not args.webhook_url:
        return _fail("--webhook-secret is only used with --webhook-url.")
    if args.history < 0:
        return _fail(f"--history must be 0 (keep all) or more, got {args.history}.")
    if not 0 <= args.port <= 65535:
        return _fail(f"--port must be 0..65535, got {args.port}.")
    if importlib.util.find_spec("uvicorn") is None:
        return _fail(INSTALL_HINT)
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    """Bind, print the base URL once ready, serve until SIGINT or SIGTERM."""
    from ..core import FakeTofupay
    from .asgi_app import make_app

    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        return _fail(_bind_error(args.host, args.port, exc))
    host, port = sock.getsockname()[:2]
    base_url = f"http://{_url_host(host)}:{port}"
    if not _is_loopback(args.host):
        print(
            f"tofupay-fake: warning: listening on {args.host}, reachable from other machines. "
            "The fake checks no real credentials; bind 127.0.0.1 unless you need this.",
            file=sys.stderr,
        )
    fake = FakeTofupay(
        seed=args.seed,
        api_keys=args.api_keys,
        strict_tokens=args.strict_tokens,
        history=args.history or None,
    )
    on_shutdown = None
    if args.webhook_url:
        try:
            on_shutdown = _deliver_webhooks(fake, args.webhook_url, args.webhook_secret)
        except ValueError as exc:
            sock.close()
            return _fail(str(exc))
    ready = f"tofupay-fake serving {base_url} (seed {args.seed})"
    if args.webhook_url:
        ready += f", webhooks to {args.webhook_url}"
    server = _server(make_app(fake, on_shutdown=on_shutdown), args.log_level, ready)
    with contextlib.closing(sock):
        server.run(sockets=[sock])
    return 0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off only for such sockets, and
    # with Nagle on every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _deliver_webhooks(fake: FakeTofupay, url: str, secret: str) -> Any:
    from ..webhooks import WebhookSender

    sender = WebhookSender(url, secret)
    fake.events.subscribe(sender.send)
    return sender.close


def _server(app: Any, log_level: str, ready: str) -> Any:
    """A uvicorn server that prints ``ready`` once listening and exits 0 on a signal."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                print(ready, flush=True)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn re-raises the signal after shutting down; a fake should just exit 0.
            def stop(signum: int, frame: object) -> None:
                self.force_exit = self.should_exit and signum == signal.SIGINT
                self.should_exit = True

            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(
        app, log_level=log_level, access_log=log_level in ("info", "debug"), lifespan="on"
    )
    return Server(config)


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen on {host}:{port}: the port is in use. Stop the other server, or choose another port with --port (0 picks a free one)."
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}:{port}: {host} is not an address of this machine."
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}."


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _fail(message: str) -> int:
    print(f"tofupay-fake: {message}", file=sys.stderr)
    return 1
