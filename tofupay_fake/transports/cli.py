"""``tofupay-fake serve``: the fake over HTTP, with uvicorn (the ``[server]`` extra)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gc
import importlib.util
import ipaddress
import logging
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from .. import __version__
from ..auth import checked_keys, mask_key
from .guard import Guard
from .serving import INSTALL_HINT, bind

if TYPE_CHECKING:
    from ..fake import FakeTofupay

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 12111
DEFAULT_HISTORY = 10_000
#: The environment variable holding the webhook secret, so that it stays off the command line.
SECRET_VARIABLE = "TOFUPAY_WEBHOOK_SECRET"
#: Seconds a stopping server lets requests in progress finish before dropping their
#: connections (``--grace``).
GRACE = 2.0
#: The longest ``--grace`` accepted: an hour.
MAX_GRACE = 3600.0
#: Seconds after the grace period when the process exits 0, whatever still runs.
HARD_STOP = 2.5
#: The longest a stopping server waits for webhook deliveries still queued (it waits
#: no longer than its grace period either).
WEBHOOK_STOP = 1.0


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
        "--clock",
        metavar="TIME",
        help="start of the fake's clock: a Unix time, an ISO date (2026-01-15, midnight UTC) or "
        "datetime (2026-01-15T10:00:00Z), or 'wall' for the real time; it ticks one second per "
        "object made (default: 1421056271, 2015-01-12)",
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
    serve.add_argument(
        "--fixtures",
        action="append",
        metavar="FILE",
        help="load this fixture file (the Stripe CLI's fixtures format) before serving; "
        "repeat for more, loaded in order",
    )
    serve.add_argument(
        "--fixtures-key",
        action="append",
        dest="fixtures_keys",
        metavar="KEY",
        help="secret key to load the fixtures under (repeat for more); default: each "
        "--api-key, else sk_test_tofupay",
    )
    serve.add_argument(
        "--state",
        metavar="PATH",
        help="keep the state, calls and events in this SQLite file: every write is saved "
        "before it is answered, and a restart resumes where the server stopped (the file "
        "keeps the options and fixtures it was first started with)",
    )
    serve.add_argument("--webhook-url", metavar="URL", help="POST every event to this URL, signed")
    serve.add_argument(
        "--webhook-secret",
        metavar="whsec_...",
        help=f"secret of the Tofupay-Signature header (default: ${SECRET_VARIABLE}, which keeps "
        "it off the command line that ps shows)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        dest="allow_origins",
        metavar="ORIGIN",
        help="let web pages of this origin (http://localhost:3000) use /_fake/...; repeat "
        "for more, * for any (default: only the server's own pages, e.g. the dashboard)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        dest="allow_hosts",
        metavar="HOST",
        help="answer /_fake/... under this Host name too (NAME or NAME:PORT); repeat for "
        "more, * for any (default: 127.0.0.1, localhost, [::1] and the --host address)",
    )
    serve.add_argument(
        "--grace",
        metavar="SECONDS",
        help="on SIGINT/SIGTERM, let requests in progress finish for this many seconds, then "
        f"drop their connections; 0 drops them at once (default: {GRACE:g})",
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
        args.webhook_secret = os.environ.get(SECRET_VARIABLE) or None
    if args.webhook_url and not args.webhook_secret:
        return _fail("--webhook-url needs --webhook-secret (whsec_...) to sign deliveries.")
    if args.webhook_secret and not args.webhook_url:
        return _fail("--webhook-secret is only used with --webhook-url.")
    if args.fixtures_keys and not args.fixtures:
        return _fail("--fixtures-key is only used with --fixtures.")
    if args.history < 0:
        return _fail(f"--history must be 0 (keep all) or more, got {args.history}.")
    if not 0 <= args.port <= 65535:
        return _fail(f"--port must be 0..65535, got {args.port}.")
    grace = GRACE if args.grace is None else grace_seconds(args.grace)
    if grace is None:
        return _fail(
            f"--grace must be a number of seconds from 0 to {MAX_GRACE:g}, got {args.grace!r}."
        )
    args.grace = grace
    for option, keys in (("--api-key", args.api_keys), ("--fixtures-key", args.fixtures_keys)):
        try:
            checked_keys(keys or (), option)
        except ValueError as exc:
            return _fail(str(exc))
    try:
        Guard(args.allow_origins or (), args.allow_hosts or ())
    except ValueError as exc:
        return _fail(f"--allow-origin: {exc}")
    if args.clock is not None:
        from ..clock import parse_clock

        try:
            parse_clock(args.clock)
        except ValueError as exc:
            return _fail(f"--clock: {exc}")
    if importlib.util.find_spec("uvicorn") is None:
        return _fail(INSTALL_HINT)
    return serve(args)


def grace_seconds(text: str) -> float | None:
    """``--grace``'s value in seconds, or None when ``text`` is not a number from 0 to
    :data:`MAX_GRACE`."""
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_GRACE else None  # NaN compares false


def serve(args: argparse.Namespace) -> int:
    """Bind, print the base URL once ready, serve until SIGINT or SIGTERM."""
    from ..fake import FakeTofupay
    from .asgi_app import make_app

    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        return _fail(_bind_error(args.host, args.port, exc))
    host, port = sock.getsockname()[:2]
    base_url = f"http://{_url_host(host)}:{port}"
    if not ipaddress.ip_address(host).is_loopback:  # the address bound, names resolved
        print(
            f"tofupay-fake: warning: listening on {args.host}, reachable from other machines. "
            "The fake checks no real credentials; bind 127.0.0.1 unless you need this.",
            file=sys.stderr,
        )
    state = None
    if args.state:
        from .. import persistence

        try:
            state = persistence.StateFile(args.state)
        except persistence.StateError as exc:
            sock.close()
            return _fail(f"--state: {exc}")
        _startup_settings(args, state)
    fake = FakeTofupay(
        seed=args.seed,
        clock=args.clock,
        api_keys=args.api_keys,
        strict_tokens=args.strict_tokens,
        history=args.history or None,
    )
    resuming = state is not None and state.has_state
    problem = None
    if args.fixtures and not resuming:  # a resumed state holds what its first start loaded
        problem = _load_fixtures(fake, args.fixtures, args.fixtures_keys or args.api_keys)
    if problem is None and state is not None:
        problem = _resume(fake, state, args)
    if problem is not None:  # loaded before webhooks are wired: a world, not news
        sock.close()
        if state is not None:
            state.close()
        return _fail(problem)
    on_shutdown = None
    if args.webhook_url:
        try:
            on_shutdown = _deliver_webhooks(fake, args.webhook_url, args.webhook_secret, args.grace)
        except ValueError as exc:
            sock.close()
            if state is not None:
                state.close()
            return _fail(str(exc))
    ready = f"tofupay-fake serving {base_url} (seed {args.seed})"
    if args.webhook_url:
        ready += f", webhooks to {args.webhook_url}"
    app = make_app(
        fake,
        on_shutdown=on_shutdown,
        allowed_origins=args.allow_origins or (),
        allowed_hosts=[
            *([args.host] if args.host not in _ANY_ADDRESS else []),
            *(args.allow_hosts or ()),
        ],
    )
    if state is not None:
        app.keep_state = _keep_state(state)
    server = _server(app, args.log_level, ready, args.grace)
    with contextlib.closing(sock), contextlib.ExitStack() as stack:
        if state is not None:
            stack.callback(state.close)  # folds the changes into the base: a quick next start
        server.run(sockets=[sock])
    # The process ends next: its last collections need not visit every object the
    # server made (a tenth of a second of a stop).
    gc.freeze()
    return 0


def _startup_settings(args: argparse.Namespace, state: Any) -> None:
    """A state file's first start keeps the options (and fixture documents) that shape the
    fake; a restart takes them from the file, so the state resumes on the same fake."""
    import json

    names = ("seed", "clock", "api_keys", "strict_tokens", "fixtures", "fixtures_keys")
    if state.startup is None:
        documents: list[Any] = []
        for path in args.fixtures or ():
            try:  # the document itself: a restart must not depend on the file still being there
                with open(path, encoding="utf-8") as file:
                    documents.append(json.load(file))
            except (OSError, ValueError):
                documents.append(path)  # loading it reports the problem
        args.fixtures = documents or None
        return
    stored = state.startup
    given = {name: getattr(args, name) for name in names if name != "fixtures"}
    differs = [_option(name) for name in given if given[name] != stored[name]]
    if differs or args.fixtures:
        print(
            f"tofupay-fake: {args.state} keeps the options it was first started with; "
            f"ignoring {', '.join(differs + (['--fixtures'] if args.fixtures else []))}.",
            file=sys.stderr,
        )
    for name in names:
        setattr(args, name, stored[name])


def _option(name: str) -> str:
    """The command-line option of an ``args`` attribute (``api_keys``: ``--api-key``)."""
    return "--" + name.removesuffix("s" if name.endswith("_keys") else "").replace("_", "-")


def _resume(fake: FakeTofupay, state: Any, args: argparse.Namespace) -> str | None:
    """Save a new file's start-up settings, or resume an existing file's state; what went
    wrong, else None."""
    from ..persistence import StateError

    if state.startup is None:
        names = ("seed", "clock", "api_keys", "strict_tokens", "fixtures", "fixtures_keys")
        state.save_startup({name: getattr(args, name) for name in names})
    resumed = state.has_state
    try:
        applied = state.resume(fake)
    except StateError as exc:
        return f"--state: {exc}"
    if resumed:
        print(
            f"tofupay-fake: resumed {args.state} ({len(fake.customers())} customers, "
            f"{applied} changes since its last base)",
            file=sys.stderr,
        )
    return None


def _keep_state(state: Any) -> Any:
    """The app's hook: keep what a request changed (committed) before its answer is sent."""
    from ..persistence import is_kept

    def keep(kind: str, method: str, status: int) -> None:
        if is_kept(kind, method, status):
            state.commit()

    return keep


def _load_fixtures(
    fake: FakeTofupay, files: Sequence[str], keys: Sequence[str] | None
) -> str | None:
    """Load each fixture file under each key, in order; what went wrong, else None."""
    from ..fixtures import DEFAULT_KEY, FixtureError

    for key in dict.fromkeys(keys or [DEFAULT_KEY]):
        for path in files:
            try:
                fake.load_fixtures(path, api_key=key)
            except FixtureError as exc:
                return f"--fixtures: {exc}"
    return None


def _deliver_webhooks(fake: FakeTofupay, url: str, secret: str, grace: float) -> Any:
    """Send ``fake``'s events to ``url``; the server's stop hook, which gives deliveries
    still queued the grace period, at most :data:`WEBHOOK_STOP` (``--grace 0``: none)."""
    from ..webhooks import WebhookSender

    sender = WebhookSender(url, secret)
    fake.events.subscribe(sender.send)
    return functools.partial(sender.close, timeout=min(grace, WEBHOOK_STOP))


def _server(app: Any, log_level: str, ready: str, grace: float = GRACE) -> Any:
    """A uvicorn server that prints ``ready`` once listening and exits 0 on a signal.

    On SIGINT or SIGTERM it stops listening, closes idle connections, lets
    requests in progress finish for ``grace`` seconds, then drops every
    connection still open (a client stalled mid-body, one not reading its
    answer); a request still running a quarter of a second later is
    cancelled. A second signal drops them at once. Whatever still runs
    :data:`HARD_STOP` seconds after the grace period, the process exits 0 then.
    It exits as soon as nothing is left open, with no fixed wait.
    """
    import uvicorn

    from ._compat_uvicorn import half_close_protocol, quick_server

    class Server(quick_server()):  # type: ignore[misc]
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            # should_exit is only set here by a signal in the startup's first milliseconds
            # (our lifespan startup never fails): a race no test can aim at.
            if not self.should_exit:  # pragma: no branch
                print(ready, flush=True)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn re-raises the signal after shutting down; a fake should just exit 0.
            def stop(signum: int, frame: object) -> None:
                if self.should_exit:
                    self.force_exit = True  # a second signal: stop waiting for anyone
                else:
                    self.stop_soon()
                    _exit_after(grace + HARD_STOP)

            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                # Stopped by a signal, the process only has to exit now: another signal
                # (an impatient second SIGTERM) is ignored rather than let kill it.
                for sig, handler in previous.items():
                    signal.signal(sig, signal.SIG_IGN if self.should_exit else handler)

    protocol = half_close_protocol() if importlib.util.find_spec("httptools") is None else None
    config = uvicorn.Config(
        app,
        http=protocol or "auto",
        log_level=log_level,
        access_log=log_level in ("info", "debug"),
        lifespan="on",
    )
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(_MASK_KEYS)
    return Server(config, grace)


class _MaskKeys(logging.Filter):
    """Mask API keys in the request lines uvicorn logs (``--log-level info``).

    Clients should send keys in the Authorization header or the body, but a
    key in a query string (``/_fake/fixtures?api_key=sk_test_...``, or a
    client's mistake) would otherwise reach the log in full, even
    percent-encoded: such a line is logged decoded, each key masked.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_keys_in(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = mask_keys_in(record.msg)
        return True


_MASK_KEYS = _MaskKeys()
_ANY_KEY = re.compile(r"[a-z]{2}_(?:test|live)_[0-9A-Za-z]+")


def mask_keys_in(text: str) -> str:
    """``text`` with every API key masked (percent-escapes decoded first if they hide one)."""
    if "_" not in text and "%" not in text:
        return text
    decoded = unquote_plus(text) if "%" in text or "+" in text else text
    if not _ANY_KEY.search(decoded):
        return text
    return _ANY_KEY.sub(lambda found: mask_key(found.group(0)), decoded)


#: Bind addresses that name no host (the guard knows the address a connection came in on).
_ANY_ADDRESS = ("0.0.0.0", "::", "")


def _exit_after(seconds: float) -> None:
    """Exit the process with status 0 after ``seconds``, whatever the server is doing."""

    def hard_exit() -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0)

    timer = threading.Timer(seconds, hard_exit)
    timer.daemon = True
    timer.start()


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen on {host}:{port}: the port is in use. Stop the other server, or choose another port with --port (0 picks a free one)."
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}:{port}: {host} is not an address of this machine."
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}."


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _fail(message: str) -> int:
    print(f"tofupay-fake: {message}", file=sys.stderr)
    return 1
