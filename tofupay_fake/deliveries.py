"""Webhooks into the application under test: ``fake.webhooks``.

:meth:`Webhooks.deliver_to` adds an :class:`Endpoint` (an ASGI app, a WSGI
app, a URL or a callable). From then on each event an API request records
is queued for every endpoint that wants it; seeding helpers' events never
are. Manual endpoints wait for :meth:`Webhooks.flush`; auto endpoints are
delivered by the transports right after the request that caused them
(``Core.deliver_webhooks`` / ``adeliver_webhooks``). Each delivery is tried
up to four times without sleeping, every try kept in
:attr:`Webhooks.deliveries`. Queues and the log keep at most the fake's
``history`` entries, so a receiver that is down never grows memory.

Endpoints, deliveries and the argument checks are in
:mod:`tofupay_fake.endpoints`; the HTTP side lives in
:mod:`tofupay_fake.targets`, imported on the first delivery.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from .endpoints import (
    DEFAULT_PATH,
    DEFAULT_SECRET,
    Delivery,
    Endpoint,
    Timestamp,
    check_api_key,
    check_events,
    check_secret,
    check_target,
    url_origin,
)
from .events import EventLog, Recorded
from .ids import ALPHABET
from .request import origin_of
from .webhooks import HEADER, sign


class Host(Protocol):
    """What the webhooks need of their fake: its lock, events, seed and base URL."""

    _lock: threading.RLock
    seed: int
    base_url: str

    @property
    def events(self) -> EventLog: ...


MODES = ("manual", "auto")
#: What :meth:`Webhooks.fail_next` takes.
FAULTS = ("duplicate", "out_of_order", "bad_signature", "stale_timestamp")
#: Tries of one delivery in all: the first and three retries.
TRIES = 4
#: Seconds a ``stale_timestamp`` fault moves ``t`` back: just past the usual 300 s tolerance.
STALE_BY = 301
PORTAL_THREAD = "tofupay-fake-asgi"

logger = logging.getLogger("tofupay_fake.webhooks")


class _Job(NamedTuple):
    """An event waiting for one endpoint; ``fault`` spoils its first try."""

    order: int
    heard: Recorded
    endpoint: Endpoint
    fault: str | None


class Webhooks:
    """The webhooks of one fake (``fake.webhooks``): endpoints, queues, faults and the log."""

    def __init__(self, fake: Host) -> None:
        self._fake = fake
        self._limit = fake.events.limit
        self._lock = threading.RLock()
        self._draining = threading.Lock()
        self._drainer: int | None = None
        self._endpoints: list[Endpoint] = []
        self._auto: deque[_Job] = deque()
        self._manual: deque[_Job] = deque()
        self._held: list[_Job] = []
        self._faults: deque[list[Any]] = deque()
        self._log: deque[Delivery] = deque(maxlen=self._limit)
        self._order = 0
        self._made = 0
        #: Queued deliveries dropped because the queue was full (a receiver that is down).
        self.dropped = 0

    # -- endpoints -------------------------------------------------------------

    def deliver_to(
        self,
        *,
        asgi: Any = None,
        wsgi: Any = None,
        url: str | None = None,
        callback: Callable[[bytes, dict[str, str]], int] | None = None,
        path: str = DEFAULT_PATH,
        secret: str = DEFAULT_SECRET,
        events: Iterable[str] | str | None = None,
        api_key: str | None = None,
        mode: str = "manual",
        timestamp: Timestamp | None = None,
    ) -> Endpoint:
        """Deliver the events of API requests made from now on to one target.

        Exactly one of ``asgi`` (FastAPI, Starlette), ``wsgi`` (Flask,
        Django), ``url`` (a real POST; its path is used, ``path`` is not) or
        ``callback`` (``(body, headers) -> status``). ``events``: ``fnmatch``
        globs of event types (default every type); ``api_key``: only that
        account's events. ``mode="manual"`` queues until :meth:`flush`;
        ``"auto"`` delivers before the client call that caused the event
        returns. ``timestamp`` (e.g. ``fake.clock.now``) fixes the signed
        ``t`` instead of the wall clock. Bad arguments raise TypeError or
        ValueError saying what was expected.
        """
        kind, target = check_target(asgi=asgi, wsgi=wsgi, url=url, callback=callback)
        if kind == "url":
            self._check_not_the_fake(target)
        if not isinstance(path, str):
            raise TypeError(f"path= takes a string such as {DEFAULT_PATH!r}, got {path!r}")
        if not path.startswith("/"):
            raise ValueError(f"path= must start with '/', e.g. {DEFAULT_PATH!r}; got {path!r}")
        secret = check_secret(secret)
        globs = check_events(events)
        api_key = check_api_key(api_key)
        if mode not in MODES:
            raise ValueError(f"mode= takes 'manual' or 'auto', got {mode!r}")
        if timestamp is not None and not callable(timestamp):
            raise TypeError(
                f"timestamp= takes a callable returning a Unix time (e.g. fake.clock.now), got {timestamp!r}"
            )
        if kind == "url":
            path = urlsplit(target).path or "/"
        with self._fake._lock:
            with self._lock:
                self._made += 1
                endpoint = Endpoint(
                    self,
                    self._new_id(),
                    kind,
                    target,
                    path,
                    secret,
                    globs,
                    api_key,
                    mode,
                    timestamp,
                )
                self._endpoints.append(endpoint)
                first = len(self._endpoints) == 1
            if first:
                self._fake.events.listen(self._hear)
        return endpoint

    @property
    def endpoints(self) -> list[Endpoint]:
        """The endpoints delivered to, in the order they were added."""
        with self._lock:
            return list(self._endpoints)

    def _remove(self, endpoint: Endpoint) -> None:
        with self._fake._lock:
            with self._lock:
                if endpoint.removed or endpoint not in self._endpoints:
                    return
                endpoint.removed = True
                self._endpoints.remove(endpoint)
                for queue in (self._auto, self._manual):
                    kept = [job for job in queue if job.endpoint is not endpoint]
                    queue.clear()
                    queue.extend(kept)
                self._held = [job for job in self._held if job.endpoint is not endpoint]
                last = not self._endpoints
            if last:
                self._fake.events.unlisten(self._hear)

    def reset(self) -> None:
        """No endpoints, queues, faults or deliveries: a new fake's webhooks."""
        for endpoint in self.endpoints:
            endpoint.remove()
        with self._lock:
            self._auto.clear()
            self._manual.clear()
            self._held = []
            self._faults.clear()
            self._log.clear()
            self.dropped = 0

    def _new_id(self) -> str:
        digest = hashlib.sha256(f"{self._fake.seed}:we:{self._made}".encode()).digest()
        return "we_" + "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:24])

    def _check_not_the_fake(self, url: str) -> None:
        """A URL target must not be the fake itself (its base URL or its loopback server)."""
        target = url_origin(url)
        server = getattr(self._fake, "_server", None)
        mine = [self._fake.base_url] + ([server.url] if server is not None else [])
        for base in mine:
            if target == origin_of(base):
                raise ValueError(
                    f"url= {url!r} is the fake itself ({base}): deliver to the application "
                    "that receives webhooks, e.g. asgi=app, wsgi=app or its own URL"
                )

    # -- faults ----------------------------------------------------------------

    def fail_next(self, kind: str, times: int = 1) -> None:
        """Spoil the deliveries of the next ``times`` events, to every endpoint.

        ``"duplicate"``: the event is delivered twice; ``"out_of_order"``: it
        and the next event swap (delivered at :meth:`flush` if no next event
        comes); ``"bad_signature"``: a wrong ``v1``; ``"stale_timestamp"``: a
        valid signature with ``t`` 301 s early. One try is affected; retries
        are sent normally.
        """
        if kind not in FAULTS:
            raise ValueError(
                f"fail_next() takes one of {', '.join(map(repr, FAULTS))}, got {kind!r}"
            )
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times= takes a whole number >= 1, got {times!r}")
        with self._lock:
            self._faults.append([kind, times])

    def _take_fault(self) -> str | None:
        if not self._faults:
            return None
        fault = self._faults[0]
        fault[1] -= 1
        if fault[1] == 0:
            self._faults.popleft()
        return str(fault[0])

    # -- queueing (under the fake's lock: hand on only) -------------------------

    def _hear(self, heard: Recorded) -> None:
        if heard.seeded:
            return
        with self._lock:
            targets = [endpoint for endpoint in self._endpoints if endpoint.wants(heard)]
            if not targets:
                return
            if self._held:
                held, self._held = self._held, []
                self._queue(heard, targets, None)
                for job in held:
                    self._enqueue(job.heard, job.endpoint, job.fault)
                return
            fault = self._take_fault()
            if fault == "out_of_order":
                self._held = [self._job(heard, endpoint, None) for endpoint in targets]
                return
            spoil = fault if fault in ("bad_signature", "stale_timestamp") else None
            self._queue(heard, targets, spoil)
            if fault == "duplicate":
                self._queue(heard, targets, None)

    def _job(self, heard: Recorded, endpoint: Endpoint, fault: str | None) -> _Job:
        self._order += 1
        return _Job(self._order, heard, endpoint, fault)

    def _queue(self, heard: Recorded, targets: list[Endpoint], fault: str | None) -> None:
        for endpoint in targets:
            self._enqueue(heard, endpoint, fault)

    def _enqueue(self, heard: Recorded, endpoint: Endpoint, fault: str | None) -> None:
        queue = self._auto if endpoint.mode == "auto" else self._manual
        if self._limit is not None and len(queue) >= self._limit:
            gone = queue.popleft()
            self.dropped += 1
            if (
                str(self.dropped).strip("0") == "1"
            ):  # the 1st, 10th, 100th... : a log that stays small
                logger.warning(
                    "Webhook queue full (%d): dropped %s for %s; %d dropped so far",
                    self._limit, gone.heard.id, gone.endpoint.where, self.dropped,
                )  # fmt: skip
        queue.append(self._job(heard, endpoint, fault))

    @property
    def pending(self) -> int:
        """Deliveries waiting: queued for manual or auto endpoints, or held back by a fault."""
        with self._lock:
            return len(self._auto) + len(self._manual) + len(self._held)

    @property
    def auto_pending(self) -> bool:
        """True when auto endpoints have events waiting (what the transports' hook checks)."""
        return bool(self._auto)

    def _next(self, manual: bool) -> _Job | None:
        with self._lock:
            auto = self._auto[0] if self._auto else None
            other = self._manual[0] if manual and self._manual else None
            if other is not None and (auto is None or other.order < auto.order):
                return self._manual.popleft()
            return self._auto.popleft() if auto is not None else None

    # -- delivering --------------------------------------------------------------

    def flush(self) -> list[Delivery]:
        """Deliver every queued event now, in order; the deliveries made (``[]`` when none)."""
        with self._lock:
            held, self._held = self._held, []
            for job in held:
                self._enqueue(job.heard, job.endpoint, job.fault)
        return self._drain(manual=True, wait=threading.current_thread().name != PORTAL_THREAD)

    def deliver_auto(self) -> list[Delivery]:
        """Deliver what auto endpoints wait for (sync clients' hook)."""
        return self._drain(manual=False, wait=False)

    def _claim(self, wait: bool) -> bool:
        """Become the one delivering; False when a delivery is under way (it goes on to these)."""
        me = threading.get_ident()
        if self._drainer == me or not self._draining.acquire(blocking=wait):
            return False
        self._drainer = me
        return True

    def _release(self) -> None:
        self._drainer = None
        self._draining.release()

    def _drain(self, *, manual: bool, wait: bool) -> list[Delivery]:
        from .targets import send

        made: list[Delivery] = []
        if not self._claim(wait):
            return made
        try:
            for job, attempt, headers in self._tries(manual, made):
                outcome = (
                    headers
                    if isinstance(headers, tuple)
                    else send(job.endpoint, job.heard.text.encode(), headers)
                )
                made.append(self._record(job, attempt, outcome))
        finally:
            self._release()
        return made

    async def adeliver_auto(self) -> list[Delivery]:
        """:meth:`deliver_auto` on an event loop: ASGI apps and URLs are awaited."""
        from .targets import asend

        made: list[Delivery] = []
        if not self._claim(False):
            return made
        try:
            for job, attempt, headers in self._tries(False, made):
                outcome = (
                    headers
                    if isinstance(headers, tuple)
                    else await asend(job.endpoint, job.heard.text.encode(), headers)
                )
                made.append(self._record(job, attempt, outcome))
        finally:
            self._release()
        return made

    def _tries(
        self, manual: bool, made: list[Delivery]
    ) -> Iterator[tuple[_Job, int, dict[str, str] | tuple[None, str]]]:
        """Each try to make, in order: the job, its attempt number and its headers.

        The caller sends it and appends the delivery to ``made``; a job gets no
        further try once one succeeds, after :data:`TRIES`, or once its endpoint
        is removed.
        """
        while (job := self._next(manual)) is not None:
            for attempt in range(1, TRIES + 1):
                if job.endpoint.removed:
                    break
                yield job, attempt, self._headers(job, attempt)
                if made[-1].ok:
                    break

    def _headers(self, job: _Job, attempt: int) -> dict[str, str] | tuple[None, str]:
        """The headers of one try, or the failed try's outcome when ``timestamp=`` raised."""
        endpoint = job.endpoint
        body = job.heard.text.encode("utf-8")
        try:
            stamp = int(endpoint.timestamp() if endpoint.timestamp is not None else time.time())
        except Exception as exc:
            return None, f"timestamp= raised {type(exc).__name__}: {exc}"
        fault = job.fault if attempt == 1 else None
        if fault == "stale_timestamp":
            stamp -= STALE_BY
        signature = sign(body, endpoint.secret, stamp)
        if fault == "bad_signature":
            signature = sign(body, endpoint.secret + "-not-the-secret", stamp)
        return {"Content-Type": "application/json", HEADER: signature, "User-Agent": "tofupay-fake"}

    def _record(self, job: _Job, attempt: int, outcome: tuple[int | None, str]) -> Delivery:
        status, text = outcome
        delivery = Delivery(job.heard, job.endpoint, status, attempt, text)
        with self._lock:
            self._log.append(delivery)
        if not delivery.ok:
            logger.info("Webhook delivery failed: %s", delivery.describe())
        return delivery

    # -- looking at it -------------------------------------------------------------

    @property
    def deliveries(self) -> list[Delivery]:
        """Every try, oldest first (the newest ``history`` of them on a server)."""
        with self._lock:
            return list(self._log)

    def assert_delivered(self, type: str, *, status: int | None = 200, **fields: Any) -> Delivery:
        """The newest delivery of ``type`` answered ``status`` whose ``data.object`` has ``fields``.

        Raises AssertionError listing the deliveries made (and saying what
        still waits) when there is none.
        """
        for delivery in reversed(self.deliveries):
            if delivery.type == type and delivery.status == status:
                obj = delivery.event["data"]["object"]
                if all(key in obj and obj[key] == value for key, value in fields.items()):
                    return delivery
        wanted = f"{type} delivery answered {status}" + (f" with {fields!r}" if fields else "")
        waiting = self.pending
        hint = (
            f"\n{waiting} deliveries wait in the queue: call fake.webhooks.flush() "
            "(or add the endpoint with mode='auto')."
            if waiting
            else ""
        )
        raise AssertionError(f"No {wanted} was made.\nDeliveries made:\n{self.describe()}{hint}")

    def describe(self) -> str:
        """Every delivery, one a line, for failure messages."""
        found = self.deliveries
        if not found:
            return "  (no deliveries were made)"
        return "\n".join(f"  {n}. {delivery.describe()}" for n, delivery in enumerate(found, 1))

    def __repr__(self) -> str:
        return (
            f"<Webhooks endpoints={len(self._endpoints)} pending={self.pending} "
            f"deliveries={len(self._log)}>"
        )


__all__ = ["FAULTS", "MODES", "TRIES", "Delivery", "Endpoint", "Webhooks"]
