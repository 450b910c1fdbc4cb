"""The state machine behind every transport: ``Core.respond(Request) -> Response``.

It owns the store, ids, clock, calls, events and faults, and answers one
request at a time under its lock. It knows nothing of interception: the
transports build the :class:`~tofupay_fake.request.Request` and install
themselves (see :class:`tofupay_fake.fake.FakeTofupay`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Self

from . import auth, changes, idempotency, messages, params, render, routes
from .changes import Change
from .clock import Clock, as_clock
from .errors import TofupayError, invalid_request
from .events import EventLog
from .faults import Failure, FaultQueue, InjectedException
from .ids import IdFactory
from .recorder import CallLog
from .request import EMPTY_HEADERS, Headers, Origin, Request, Response, origin_of
from .resources import Env, cards, customers, tokens
from .store import Account, Store

if TYPE_CHECKING:
    from .deliveries import Webhooks
    from .snapshot import Snapshot

DEFAULT_BASE_URL = "https://api.tofupay.com"
#: Larger request bodies get a 413 (form bodies of this API are a few KiB).
MAX_BODY_BYTES = 1024 * 1024

#: An event a seeding request made, kept until the load succeeds: (created, livemode, change, key).
HeldEvent = tuple[int, bool, Change, str]

__all__ = ["DEFAULT_BASE_URL", "MAX_BODY_BYTES", "Core", "Response", "check_body_size"]


class Core:
    """An in-memory, deterministic Tofupay Customers API, answering :class:`Request` values.

    ``history`` keeps only that many of the newest calls and events (a
    long-running server); by default all are kept.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        base_url: str = DEFAULT_BASE_URL,
        clock: Clock | Callable[[], float] | int | str | None = None,
        api_keys: Iterable[str] | None = None,
        strict_tokens: bool = False,
        history: int | None = None,
    ) -> None:
        if history is not None and (
            isinstance(history, bool) or not isinstance(history, int) or history < 1
        ):
            raise ValueError(
                f"history takes a number of calls >= 1 (or None for all), got {history!r}"
            )
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed takes a whole number, got {seed!r}")
        if not isinstance(base_url, str):
            raise TypeError(f"base_url takes a URL as text, got {base_url!r}")
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self.origin: Origin = origin_of(self.base_url)
        self.clock = as_clock(clock)
        self.api_keys: frozenset[str] | None = (
            None if api_keys is None else auth.checked_keys(api_keys, "api_keys: the key")
        )
        self.strict_tokens = strict_tokens
        self._ids = IdFactory(seed)
        self._store = Store()
        #: Customers' JSON texts, kept until a request may write the customer (see render.Texts).
        self._texts = render.Texts()
        #: The one routes.Context the fake's requests take turns with (None while in use).
        self._context: routes.Context | None = None
        self._env = Env(self._store, self._ids, self.clock, strict_tokens)
        self._calls = CallLog(limit=history)
        self._events = EventLog(limit=history)
        self._faults = FaultQueue()
        self._lock = threading.RLock()
        self._faker: Any = None
        #: Card ids of a world whose id streams this fake does not continue (see from_snapshot).
        self._world_cards: frozenset[str] = frozenset()
        self._ids.skip_taken("cus", self._customer_taken)
        self._ids.skip_taken("tok", self._store_tokens_has)
        self._ids.skip_taken("card", self._world_cards_has)

    # -- the API ------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        raise_exceptions: bool = True,
    ) -> Response:
        """Answer one API request given by its parts (see :meth:`respond`).

        ``path`` is the path as sent (percent-escapes kept); header names are
        matched case-insensitively.
        """
        if not isinstance(method, str) or not isinstance(path, str):
            raise TypeError(f"handle() takes a method and a path as text, got {method!r}, {path!r}")
        request = Request(
            method.upper(), path, query, EMPTY_HEADERS if not headers else Headers(headers), body
        )
        return self.respond(request, raise_exceptions=raise_exceptions)

    def respond(self, request: Request, *, raise_exceptions: bool = True) -> Response:
        """Answer one API request: the one entry point of every transport.

        Raises :class:`~tofupay_fake.faults.InjectedException` for an exception
        or network fault queued by :meth:`fail_next` (transports raise their
        client's error for it). With ``raise_exceptions=False`` (a server,
        which cannot raise into its client) an exception class is answered
        and recorded as a 500 ``api_error`` saying so; network faults are
        still raised, for the server to act out.
        """
        method, raw_path, query, headers, body = request
        path = routes.decode_path(raw_path) if "%" in raw_path else raw_path
        # The headers' dict, read directly (a Request made by hand may hold any mapping).
        lowered = headers.lowered if type(headers) is Headers else Headers(headers).lowered
        with self._lock:
            request_id = self._ids.request_id()
            api_key: str | None = None
            decoded: params.Params = _NO_PARAMS  # recorded (and copied when read), never changed
            replayed = False
            delay = 0.0
            fault = after = None
            if self._faults.active:
                delay = self._faults.latency(method, path)
                fault = self._faults.take(method, path)
                if fault is not None:
                    delay += fault.delay
                    if fault.when == "after":
                        fault, after = None, fault
            try:
                if fault is not None:
                    api_key, decoded = _as_sent(method, query, lowered, body)
                    raise fault.trigger()
                if len(body) > MAX_BODY_BYTES:
                    check_body_size(body)
                api_key, decoded, status, answer, replayed = self._answer(
                    method, raw_path, path, query, lowered, body
                )
            except TofupayError as error:
                status, answer = error.status, error.body()
                if api_key is None:  # refused before the key was checked: record it as sent
                    api_key = _as_sent(method, "", lowered, b"")[0]
            except InjectedException as injected:
                status, answer = self._injected(injected, raise_exceptions, delay)
                if status == 0:
                    self._calls.add(method, path, decoded, lowered, api_key, 0, {}, request_id)
                    raise injected from None
            if after is not None:
                trigger = after.trigger()
                if isinstance(trigger, InjectedException):
                    status, answer = self._injected(trigger, raise_exceptions, delay)
                    if status == 0:
                        self._calls.add(method, path, decoded, lowered, api_key, 0, {}, request_id)
                        raise trigger
                else:
                    status, answer = trigger.status, trigger.body()
                replayed = False
            text = answer if isinstance(answer, str) else render.dumps(answer)
            self._calls.add(method, path, decoded, lowered, api_key, status, text, request_id)
            answer_headers = (
                (_CONTENT_TYPE, ("Request-Id", request_id))  # the usual answer's
                if status < 400 and not replayed
                else _headers(status, request_id, replayed)
            )
            # Response(...) without its Python-level __new__ (this runs on every request).
            return _new_tuple(Response, (status, answer_headers, text.encode(), delay))

    @staticmethod
    def _injected(
        injected: InjectedException, raise_exceptions: bool, delay: float
    ) -> tuple[int, dict[str, Any]]:
        """(0, {}) when the exception goes to the client, else the 500 a server answers."""
        injected.delay = delay
        if raise_exceptions or isinstance(injected.error, str):
            return 0, {}
        error = TofupayError(
            500, "api_error", messages.EXCEPTION_OVER_HTTP.format(error=injected.name)
        )
        return error.status, error.body()

    def _answer(
        self,
        method: str,
        raw_path: str,
        path: str,
        query: str,
        lowered: dict[str, str],
        body: bytes,
        held: list[HeldEvent] | None = None,
    ) -> tuple[str | None, params.Params, int, routes.Body, bool]:
        """Authenticate, route, decode once, replay or run the handler, record events.

        Returns (api key, params, status, the body or its JSON text, replayed).
        ``held``: a seeding request's events go there instead (see :meth:`_seeding_answer`).
        """
        authorization = lowered.get("authorization")
        pairs: list[tuple[str, str]] | None = None
        problem: TofupayError | None = None
        key: str | None = None
        form_key: str | None = None
        try:
            account_key = key = _known_key(authorization, self.api_keys)
            route, args = routes.match(method, raw_path)
        except TofupayError:
            key = auth.extract_key(authorization)  # a malformed header: its 401
            found = _route_or_none(method, raw_path)
            if (
                found is None
                or not found[0].publishable
                or not (key is None or auth.is_publishable(key))
            ):
                account_key = auth.check_key(key, self.api_keys)  # the 401 (or a 404 below)
                route, args = routes.match(method, raw_path)
            else:
                route, args = found
        if query or (body and method == "POST"):
            try:
                pairs = params.request_pairs(method, query, lowered, body)
            except TofupayError as error:
                problem = error
        if route.publishable and (key is None or auth.is_publishable(key)):
            if key is None and pairs:
                form_key = next((value for name, value in pairs if name == "key"), None)
                pairs = [pair for pair in pairs if pair[0] != "key"]
                key = form_key
            if auth.is_publishable(key):
                assert key is not None
                account_key = auth.account_of_publishable(key, self.api_keys)
            else:
                account_key = auth.check_key(key, self.api_keys)
        store = self._store
        writes = method != "GET"  # it may write: copy what a snapshot shares
        account = store.account(account_key, writable=writes)
        idem = lowered.get("idempotency-key") if method == "POST" else None
        signature = ""
        if idem:
            signature = idempotency.signature(method, path, pairs, query, body)
            saved = idempotency.replay(account, idem, signature)
            if saved is not None:
                return key, saved.params, saved.status, saved.payload, True
        decoded: params.Params = {}
        answer: routes.Body
        try:
            if problem is not None:
                raise problem
            if pairs:
                decoded = params.decode_form(pairs)
                route.check_params(decoded)
            was = None
            if route.writes and "id" in args:
                account.own(args["id"])
                current = account.customers.get(args["id"])
                if current is not None:  # its kept text is about to go stale
                    was = changes.before(current, args.get("card"), self._texts.forget(current))
            context = self._context
            if context is None:  # in use by a request this one was made from
                context = routes.Context(account, self._env, self._texts)
            else:  # one per fake, reused: the lock keeps requests one at a time
                self._context = None
                context.account, context.created = account, None
            try:
                status, answer = route.handler(context, args, decoded)
            finally:
                self._context = context
            if route.writes:
                customer_id = args.get("id") or context.created
                assert customer_id is not None
                self._record_changes(account, was, customer_id, held=held)
        except TofupayError as error:
            status, answer = error.status, error.body()
        if form_key is not None:
            decoded = {**decoded, "key": auth.mask_key(form_key)}
        if idem:
            payload = answer if isinstance(answer, dict) else json.loads(answer)
            idempotency.save(account, idem, signature, decoded, status, payload)
        if writes and account_key not in store.accounts:  # kept once it holds anything
            store.keep(account)
        return key, decoded, status, answer, False

    def _record_changes(
        self,
        account: Account,
        was: changes.Before | None,
        customer_id: str,
        *,
        seeded: bool = False,
        held: list[HeldEvent] | None = None,
    ) -> None:
        """Record an event per change a request (or a seeding helper) made to one customer.

        With ``held``, the events are kept there instead, to be recorded later.
        The customer objects are the texts :attr:`_texts` keeps (an answer just made them).
        """
        found = changes.changes(was, account.customers.get(customer_id), self._texts)
        if not found:
            return
        created, livemode, api_key = self.clock.now(), account.livemode, account.api_key
        for change in found:
            if held is not None:
                held.append((created, livemode, change, api_key))
            else:
                self._events.record(
                    self._ids, created, livemode, change, api_key=api_key, seeded=seeded
                )

    def _seeding_answer(self, request: Request, held: list[HeldEvent]) -> tuple[int, str]:
        """The API's answer to a seeding request (a fixture file's step): (status, JSON).

        Exactly the answer :meth:`respond` would give, but the call is not
        recorded, no request id is drawn, faults and latency do not apply, and
        its events go to ``held`` (recorded as seeded by :meth:`_record_held`).
        """
        method, raw_path, query, headers, body = request
        with self._lock:
            try:
                check_body_size(body)
                path = routes.decode_path(raw_path)
                *_, status, answer, _ = self._answer(
                    method, raw_path, path, query, headers.lowered, body, held=held
                )
            except TofupayError as error:
                status, answer = error.status, error.body()
            return status, answer if isinstance(answer, str) else render.dumps(answer)

    def _record_held(self, held: list[HeldEvent]) -> None:
        """Record the events of seeding requests, as seeded (never delivered to webhooks)."""
        with self._lock:
            for created, livemode, change, api_key in held:
                self._events.record(
                    self._ids, created, livemode, change, api_key=api_key, seeded=True
                )

    _webhooks: Webhooks | None = None

    @property
    def webhooks(self) -> Webhooks:
        """Webhooks into the application under test: ``deliver_to``, ``flush``, ``deliveries``."""
        if self._webhooks is None:
            with self._lock:
                # Never false in tests: only when another thread made them while this one
                # waited for the lock, a race no test can aim at.
                if self._webhooks is None:  # pragma: no branch
                    from .deliveries import Webhooks

                    self._webhooks = Webhooks(self)
        return self._webhooks

    def deliver_webhooks(self) -> None:
        """Deliver the auto-mode webhooks of the requests just answered (sync clients).

        Transports call it after each answer, before the client call returns.
        """
        webhooks = self._webhooks
        if webhooks is not None and webhooks.auto_pending:
            webhooks.deliver_auto()

    async def adeliver_webhooks(self) -> None:
        """:meth:`deliver_webhooks` for asyncio clients."""
        webhooks = self._webhooks
        if webhooks is not None and webhooks.auto_pending:
            await webhooks.adeliver_auto()

    def fail_next(
        self,
        error: Failure,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        when: str = "before",
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` matching requests fail.

        ``error``: ``"api_error"`` (500), ``"rate_limit"`` (429),
        ``"card_declined"`` (402), a status 400..599, ``"timeout"`` or
        ``"connection_error"`` (the client's own exception of that kind), or an
        exception class (e.g. ``httpx.ConnectTimeout``) raised into the client.
        ``path`` may use ``*`` for one segment. ``when="before"`` changes no
        state; ``when="after"`` handles the request first (state changed,
        events recorded, the idempotent answer saved) and then fails, as a
        response lost on the wire. ``delay``: seconds to wait before the
        client gets the fault. Faulted calls are recorded with what the client
        saw (status 0 for an exception).
        """
        with self._lock:
            self._faults.add(error, method=method, path=path, times=times, when=when, delay=delay)

    def latency(
        self, seconds: float, *, method: str | None = None, path: str | None = None
    ) -> None:
        """Make every matching request wait ``seconds`` before its answer.

        The same filters again replace the wait; ``latency(0)`` with the same
        filters removes it, and ``latency(0)`` with none removes every rule.
        A wait longer than the client's read timeout ends in the client's own
        timeout error (the request was still handled).
        """
        with self._lock:
            self._faults.set_latency(seconds, method, path)

    # -- seeding and state --------------------------------------------------

    def add_customer(self, api_key: str, *, id: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create a customer as ``POST /v1/customers`` would; bad params raise ``TofupayError``.

        Not recorded in :attr:`calls`. ``metadata={"a": "1"}``, ints and
        ``None`` (unset) are accepted as the form would carry them. ``id``
        chooses the customer's id (``cus_`` and 14 letters or digits), e.g.
        to match ids in fixtures or documentation.
        """
        raw = params.from_python(fields)
        with self._lock:
            auth.check_key(api_key, self.api_keys)
            routes.CREATE_CUSTOMER.check_params(raw)
            account = self._store.account(api_key, writable=True)
            if id is not None:
                _check_new_id(account, id)
            created = customers.create(account, raw, self._env, id)
            self._store.keep(account)
            self._record_changes(account, None, created.id, seeded=True)
            return render.customer(created)

    def seed_customers(
        self, n: int, api_key: str, *, with_cards: bool = False, **overrides: Any
    ) -> list[dict[str, Any]]:
        """Create ``n`` customers with realistic Faker data, deterministic by seed.

        Emails are unique within the account, also against the emails already
        there (unless ``email`` is among ``overrides``). ``with_cards`` gives
        each a Visa card; ``overrides`` are params every customer gets.
        Not recorded in :attr:`calls`; bad params raise ``TofupayError``.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"seed_customers() takes a count >= 0, got {n!r}")
        extra = params.from_python(overrides)
        routes.CREATE_CUSTOMER.check_params(extra)
        if with_cards:
            extra = {"source": "tok_visa", **extra}
        with self._lock:
            auth.check_key(api_key, self.api_keys)
            if self._faker is None:
                from .seeding import CustomerData

                self._faker = CustomerData(self.seed)
            account = self._store.account(api_key, writable=True)
            made = []
            for _ in range(n):
                raw = self._faker.fields(account.by_email)
                raw.update(extra)
                created = customers.create(account, raw, self._env)
                self._store.keep(account)
                self._record_changes(account, None, created.id, seeded=True)
                made.append(render.customer(created))
            return made

    def create_token(
        self,
        number: str = "4242424242424242",
        exp_month: int = 12,
        exp_year: int | None = None,
        cvc: str | None = "123",
        *,
        api_key: str | None = None,
        **card: Any,
    ) -> str:
        """Issue a single-use card token, validated as ``POST /v1/tokens`` would.

        ``exp_year`` defaults to next year by the fake's clock; ``cvc=None``
        sends none; ``card`` takes ``name`` and ``address_*`` fields. Without
        ``api_key`` any account may use the token. A declining test number
        gives a token that declines when it is attached, as the API's does.
        """
        fields: dict[str, Any] = {"number": number, "exp_month": exp_month, **card}
        next_year = cards.next_year(self.clock.now())
        fields["exp_year"] = exp_year if exp_year is not None else next_year
        if cvc is not None:
            fields["cvc"] = cvc
        with self._lock:
            livemode = False
            if api_key is not None:
                livemode = self._store.account(auth.check_key(api_key, self.api_keys)).livemode
            details = cards.from_dict(params.from_python(fields), "card", self._env)
            self._store.writable()
            return tokens.issue(api_key, livemode, details, self._env).id

    def load_fixtures(
        self, fixtures: str | os.PathLike[str] | Mapping[str, Any], *, api_key: str
    ) -> dict[str, Any]:
        """Build a world from a fixture file (the Stripe CLI's ``fixtures`` format); name -> answer.

        ``fixtures``: a path to a JSON file or the document as a dict. Each step
        runs as the API request it describes, under ``api_key``; a step with
        ``repeat`` answers a list. Not recorded in :attr:`calls`; the events are
        seeding events (not delivered to webhooks). Raises
        :class:`~tofupay_fake.fixtures.FixtureError` naming the step and the
        problem, and then leaves the fake exactly as it was.
        """
        from .fixtures import load

        return load(self, fixtures, api_key=api_key)

    def customers(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """Live customers, newest first, of one key (or of every key when None)."""
        with self._lock:
            accounts = (
                ([self._store.accounts[api_key]] if api_key in self._store.accounts else [])
                if api_key is not None
                else list(self._store.accounts.values())
            )
            return [
                render.customer(customer)
                for account in accounts
                for customer in reversed(account.order)
            ]

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        """One customer of any key, as the API renders it (a stub once deleted).

        Raises ``KeyError`` naming the known ids when there is no such customer.
        """
        with self._lock:
            for account in self._store.accounts.values():
                found = account.customers.get(customer_id)
                if found is not None:
                    return render.customer(found)
                if customer_id in account.deleted:
                    return render.deleted_customer(customer_id)
            known = [cid for account in self._store.accounts.values() for cid in account.customers]
        raise KeyError(f"No customer {customer_id!r} in the fake; live customers: {known}")

    @property
    def events(self) -> EventLog:
        """Every change as an event (``customer.created`` …), oldest first."""
        return self._events

    def assert_event(self, type: str, **fields: Any) -> dict[str, Any]:
        """The newest event of ``type`` whose ``data.object`` has these field values.

        Raises AssertionError listing the events recorded when there is none.
        """
        with self._lock:
            return self._events.find(type, fields)

    @property
    def calls(self) -> CallLog:
        """Every request answered, oldest first."""
        return self._calls

    def assert_called(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        times: int | None = None,
    ) -> CallLog:
        """Assert a matching call was made (``times`` exactly, if given); return the matches.

        ``path`` may use ``*`` for one segment; ``params`` need only be a subset
        of what was sent. The failure message lists every call made.
        """
        return self._calls.assert_called(method, path, params, times)

    def assert_not_called(self, method: str | None = None, path: str | None = None) -> None:
        """Assert no call matched (no call at all when both are None)."""
        self._calls.assert_not_called(method, path)

    def reset(self) -> None:
        """Back to a new fake's state: no accounts, no calls, ids and clock from the start."""
        with self._lock:
            self._store.clear()
            self._texts.clear()
            self._calls.clear()
            self._events.clear()
            self._faults.clear()
            self._ids.reset()
            self.clock.reset()
            self._faker = None
            if self._webhooks is not None:
                self._webhooks.reset()

    # -- worlds: snapshots and forks ------------------------------------------

    def snapshot(self) -> Snapshot:
        """An immutable copy of the state: accounts, customers, cards, tokens, idempotent
        answers, the clock and the object id streams (not calls or events).

        Nothing is copied now: the fake copies a record before it next changes it.
        """
        from .snapshot import OBJECT_PREFIXES, ClockState, Snapshot

        with self._lock:
            accounts, tokens = self._store.freeze()
            return Snapshot(
                self.seed,
                accounts,
                tokens,
                ClockState.of(self.clock),
                self._ids.positions(OBJECT_PREFIXES),
                self._ids.counter,
            )

    def restore(self, snapshot: Snapshot) -> None:
        """Make the state, the clock and the object id streams exactly ``snapshot``'s.

        Calls, events and queued faults stay; request and event ids go on from
        where they are. Cheap: records are shared until written.
        """
        from .snapshot import Snapshot

        if not isinstance(snapshot, Snapshot):
            raise TypeError(f"restore() takes a Snapshot, got {type(snapshot).__name__}")
        with self._lock:
            self._store.thaw(snapshot.accounts, snapshot.tokens)
            snapshot.clock.apply(self.clock)
            self._ids.set_positions(snapshot.streams, snapshot.sequence)
            self._world_cards = frozenset()

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, seed: int | None = None, **options: Any) -> Self:
        """A new fake whose state is ``snapshot``'s; ``options`` as the constructor takes.

        With ``seed=None`` its ids continue the snapshot's streams; with a
        seed they come from that seed, skipping any id the world holds. The
        clock is the snapshot's unless ``clock`` is given.
        """
        from .snapshot import Snapshot

        if not isinstance(snapshot, Snapshot):
            raise TypeError(f"from_snapshot() takes a Snapshot, got {type(snapshot).__name__}")
        fake = cls(snapshot.seed if seed is None else seed, **options)
        with fake._lock:
            fake._store.thaw(snapshot.accounts, snapshot.tokens)
            if options.get("clock") is None:
                snapshot.clock.apply(fake.clock)
            if seed is None:
                fake._ids.set_positions(snapshot.streams, snapshot.sequence)
            else:
                fake._ids.set_positions({}, snapshot.sequence)
                fake._world_cards = snapshot.card_ids()
        return fake

    def _customer_taken(self, ident: str) -> bool:
        for account in self._store.accounts.values():
            if ident in account.customers or ident in account.deleted:
                return True
        return False

    def _store_tokens_has(self, ident: str) -> bool:
        return ident in self._store.tokens

    def _world_cards_has(self, ident: str) -> bool:
        return ident in self._world_cards

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"<{name} seed={self.seed} base_url={self.base_url!r} calls={len(self._calls)}>"


def check_body_size(body: bytes) -> None:
    """The 413 for a body over :data:`MAX_BODY_BYTES`."""
    if len(body) > MAX_BODY_BYTES:
        raise invalid_request(messages.BODY_TOO_LARGE.format(limit=MAX_BODY_BYTES), status=413)


_CONTENT_TYPE = ("Content-Type", "application/json")
_REPLAYED = (("Idempotent-Replayed", "true"),)
_RETRY_AFTER = (("Retry-After", "1"),)
#: The retry header SDKs decide by, by ``status >= 500``.
_SHOULD_RETRY = {
    False: (("Tofupay-Should-Retry", "false"),),
    True: (("Tofupay-Should-Retry", "true"),),
}


def _headers(status: int, request_id: str, replayed: bool) -> tuple[tuple[str, str], ...]:
    """Content type, request id, the replay mark and the retry headers SDKs decide by."""
    found: tuple[tuple[str, str], ...] = (_CONTENT_TYPE, ("Request-Id", request_id))
    if replayed:
        found += _REPLAYED
    if status >= 400:
        found += _RETRY_AFTER if status == 429 else _SHOULD_RETRY[status >= 500]
    return found


_new_tuple = tuple.__new__
_NO_PARAMS: params.Params = {}


_CUSTOMER_ID = re.compile(r"cus_[0-9A-Za-z]{14}")


def _check_new_id(account: Account, ident: Any) -> None:
    """400 (param ``id``) unless ``ident`` is a well-formed customer id new to the account."""
    if not isinstance(ident, str) or _CUSTOMER_ID.fullmatch(ident) is None:
        raise invalid_request(messages.SEED_ID_INVALID.format(value=ident), "id")
    if ident in account.customers or ident in account.deleted:
        raise invalid_request(messages.SEED_ID_TAKEN.format(value=ident), "id")


@functools.lru_cache(maxsize=256)
def _known_key(authorization: str | None, allowed: frozenset[str] | None) -> str:
    """The checked secret key of an Authorization header, remembered: both steps are pure."""
    return auth.check_key(auth.extract_key(authorization), allowed)


def _route_or_none(method: str, raw_path: str) -> tuple[routes.Route, dict[str, str]] | None:
    try:
        return routes.match(method, raw_path)
    except TofupayError:
        return None


def _as_sent(
    method: str, query: str, headers: Mapping[str, str], body: bytes
) -> tuple[str | None, params.Params]:
    """The key and params of a request, as far as they read, for recording a faulted call."""
    try:
        key = auth.extract_key(headers.get("authorization"))
    except TofupayError:
        key = None
    try:
        return key, params.decode_request(method, query, headers, body)
    except TofupayError:
        return key, {}
