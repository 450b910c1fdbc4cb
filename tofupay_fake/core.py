"""FakeTofupay: owns the store, ids, clock and calls; answers requests."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import auth, events, idempotency, messages, params, render, routes
from .clock import Clock
from .errors import TofupayError, invalid_request
from .faults import Failure, FaultQueue, InjectedException
from .ids import IdFactory
from .recorder import CallLog
from .resources import Env, cards, customers, tokens
from .store import Account, Store

if TYPE_CHECKING:
    from .transports.responses_routes import RequestsRouter
    from .transports.respx_routes import FakeRouter

DEFAULT_BASE_URL = "https://api.tofupay.com"
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Larger request bodies get a 413 (form bodies of this API are a few KiB).
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Response:
    """What the fake answers: status, headers and JSON bytes."""

    status_code: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.content)


class FakeTofupay:
    """An in-memory, deterministic Tofupay Customers API.

    ``with FakeTofupay() as fake:`` (or ``start()`` / ``stop()``) routes httpx
    requests for ``base_url`` to it; :meth:`handle` answers one request
    directly, for any other transport. ``history`` keeps only that many of the
    newest calls and events (a long-running server); by default all are kept.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        base_url: str = DEFAULT_BASE_URL,
        clock: Clock | Callable[[], float] | None = None,
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
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        if isinstance(clock, Clock):
            self.clock = clock
        else:
            self.clock = Clock(source=clock)
        if isinstance(api_keys, str):
            raise TypeError("api_keys takes a list of keys, not one string")
        self.api_keys: frozenset[str] | None = None if api_keys is None else frozenset(api_keys)
        self.strict_tokens = strict_tokens
        self._ids = IdFactory(seed)
        self._store = Store()
        self._env = Env(self._store, self._ids, self.clock, strict_tokens)
        self._calls = CallLog(limit=history)
        self._events = events.EventLog(limit=history)
        self._faults = FaultQueue()
        self._lock = threading.RLock()
        self._router: FakeRouter | None = None
        self._requests_router: RequestsRouter | None = None
        self._faker: Any = None

    # -- interception -------------------------------------------------------

    def start(self) -> FakeTofupay:
        """Route httpx requests for ``base_url`` to this fake (idempotent).

        With the ``[requests]`` extra installed (``responses``), ``requests``
        calls to ``base_url`` are routed here too.
        """
        if self._router is None:
            from .transports.respx_routes import FakeRouter

            router = FakeRouter(self)
            router.start()
            self._router = router
            if importlib.util.find_spec("responses") is not None:
                from .transports.responses_routes import RequestsRouter

                self._requests_router = RequestsRouter(self)
                self._requests_router.start()
        return self

    def stop(self) -> None:
        """Remove the interception (idempotent); state stays for inspection."""
        router, self._router = self._router, None
        requests_router, self._requests_router = self._requests_router, None
        try:
            if requests_router is not None:
                requests_router.stop()
        finally:
            if router is not None:
                router.stop(quiet=True)

    @property
    def started(self) -> bool:
        """True while httpx requests are routed to this fake."""
        return self._router is not None

    def __enter__(self) -> FakeTofupay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def owns(self, scheme: str, host: str, port: int | None) -> bool:
        """True when a request to that origin is for this fake."""
        return (scheme, host, port or _DEFAULT_PORTS.get(scheme)) == self._origin

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
        """Answer one API request; header names are matched case-insensitively.

        Raises :class:`~tofupay_fake.faults.InjectedException` for an exception
        fault queued by :meth:`fail_next` (transports raise it into the client);
        with ``raise_exceptions=False`` (a server, which cannot) such a fault is
        answered and recorded as a 500 ``api_error`` saying so.
        """
        lowered = {name.lower(): value for name, value in (headers or {}).items()}
        return self._handle(method.upper(), path, query, lowered, body, raise_exceptions)

    def _handle(
        self,
        method: str,
        path: str,
        query: str,
        lowered: dict[str, str],
        body: bytes,
        raise_exceptions: bool = True,
    ) -> Response:
        """:meth:`handle` with the method in capitals and a fresh dict of lowercase headers."""
        with self._lock:
            request_id = self._ids.new("req")
            api_key: str | None = None
            decoded: params.Params = {}
            replayed = False
            text: str | None = None  # the body's JSON, once encoded
            fault = self._faults.take(method, path)
            try:
                if fault is not None:
                    api_key, decoded = _as_sent(method, query, lowered, body)
                    raise fault.trigger()
                check_body_size(body)
                authorization = lowered.get("authorization")
                try:
                    api_key = account_key = _known_key(authorization, self.api_keys)
                except (TofupayError, TypeError):  # the 401 (or an unhashable api_keys): as ever
                    api_key = auth.extract_key(authorization)
                    account_key = auth.check_key(api_key, self.api_keys)
                route, args = routes.match(method, path)
                account = self._store.account(account_key)
                key = lowered.get("idempotency-key") if method == "POST" else None
                request = idempotency.signature(method, path, query, body) if key else ""
                saved = idempotency.replay(account, key, request) if key else None
                if saved is not None:
                    decoded, status, payload = saved.params, saved.status, saved.payload
                    replayed = True
                else:
                    decoded, status, payload, text = self._answer(
                        route, args, account, query, lowered, body
                    )
                    if key:
                        idempotency.save(account, key, request, decoded, status, payload)
            except TofupayError as error:
                status, payload = error.status, error.body()
            except InjectedException as injected:
                if raise_exceptions:
                    self._calls.add(method, path, decoded, lowered, api_key, 0, {}, request_id)
                    raise injected
                name = injected.error.__name__
                status = 500
                payload = TofupayError(
                    status, "api_error", messages.EXCEPTION_OVER_HTTP.format(error=name)
                ).body()
            self._calls.add(method, path, decoded, lowered, api_key, status, payload, request_id)
            response_headers: tuple[tuple[str, str], ...] = (
                ("Content-Type", "application/json"),
                ("Request-Id", request_id),
            )
            if replayed:
                response_headers += (("Idempotent-Replayed", "true"),)
            if text is None:
                text = render.dumps(payload)
            return Response(status, response_headers, text.encode())

    def _answer(
        self,
        route: routes.Route,
        args: Mapping[str, str],
        account: Account,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[params.Params, int, dict[str, Any], str | None]:
        """Decode and check the params, run the handler: (params, status, body, its JSON)."""
        decoded: params.Params = {}
        changes = route.method != "GET" and route.template.startswith("/v1/customers")
        try:
            if query or (body and route.method == "POST"):
                decoded = params.decode_request(route.method, query, headers, body)
                route.check_params(decoded)
            customer_id = args.get("id")
            before = events.NOTHING
            if changes and customer_id is not None:
                before = events.snapshot(account.customers.get(customer_id))
            status, payload = route.handler(routes.Context(account, self._env), args, decoded)
        except TofupayError as error:
            return decoded, error.status, error.body(), None
        if changes:
            self._record_changes(account, before, customer_id or payload["id"])
        return decoded, status, payload, render.dumps(payload)

    def _record_changes(self, account: Account, before: events.Snapshot, customer_id: str) -> None:
        """Record an event per change to the customer since ``before``."""
        after = events.snapshot(account.customers.get(customer_id))
        for change in events.changes(before, after):
            self._events.record(self._ids, self.clock.now(), account.livemode, change)

    def fail_next(
        self,
        error: Failure,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` matching requests fail, changing no state.

        ``error``: ``"api_error"`` (500), ``"rate_limit"`` (429),
        ``"card_declined"`` (402), a status 400..599, or an exception class
        (e.g. ``httpx.ConnectTimeout``) raised into the client. ``path`` may use
        ``*`` for one segment. Faulted calls are recorded (status 0 for an
        exception) and are never saved for idempotent replay.
        """
        with self._lock:
            self._faults.add(error, method=method, path=path, times=times)

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
            account = self._store.account(api_key)
            if id is not None:
                _check_new_id(account, id)
            created = customers.create(account, raw, self._env, id)
            self._record_changes(account, events.NOTHING, created.id)
            return render.customer(created)

    def seed_customers(
        self, n: int, api_key: str, *, with_cards: bool = False, **overrides: Any
    ) -> list[dict[str, Any]]:
        """Create ``n`` customers with realistic Faker data, deterministic by seed."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"seed_customers() takes a count >= 0, got {n!r}")
        routes.CREATE_CUSTOMER.check_params(params.from_python(overrides))
        if self._faker is None:
            from .seeding import make_faker

            self._faker = make_faker(self.seed)
        from .seeding import customer_fields

        made = []
        for _ in range(n):
            fields = customer_fields(self._faker)
            if with_cards:
                fields["source"] = "tok_visa"
            fields.update(overrides)
            made.append(self.add_customer(api_key, **fields))
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
        next_year = cards.year_of(self.clock.now()) + 1
        fields["exp_year"] = exp_year if exp_year is not None else next_year
        if cvc is not None:
            fields["cvc"] = cvc
        with self._lock:
            livemode = False
            if api_key is not None:
                livemode = self._store.account(auth.check_key(api_key, self.api_keys)).livemode
            details = cards.from_dict(params.from_python(fields), "card", self._env)
            return tokens.issue(api_key, livemode, details, self._env).id

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
    def events(self) -> events.EventLog:
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
            self._calls.clear()
            self._events.clear()
            self._faults.clear()
            self._ids.reset()
            self.clock.reset()
            self._faker = None

    def __repr__(self) -> str:
        return f"<FakeTofupay seed={self.seed} base_url={self.base_url!r} calls={len(self._calls)}>"


def _origin(base_url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(base_url)
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(f"base_url must be http(s)://host[:port] with no path, got {base_url!r}")
    return parts.scheme, parts.hostname, parts.port or _DEFAULT_PORTS[parts.scheme]


def check_body_size(body: bytes) -> None:
    """The 413 for a body over :data:`MAX_BODY_BYTES`."""
    if len(body) > MAX_BODY_BYTES:
        raise invalid_request(messages.BODY_TOO_LARGE.format(limit=MAX_BODY_BYTES), status=413)


_CUSTOMER_ID = re.compile(r"cus_[0-9A-Za-z]{14}")


def _check_new_id(account: Account, ident: Any) -> None:
    """400 (param ``id``) unless ``ident`` is a well-formed customer id new to the account."""
    if not isinstance(ident, str) or _CUSTOMER_ID.fullmatch(ident) is None:
        raise invalid_request(messages.SEED_ID_INVALID.format(value=ident), "id")
    if ident in account.customers or ident in account.deleted:
        raise invalid_request(messages.SEED_ID_TAKEN.format(value=ident), "id")


@functools.lru_cache(maxsize=256)
def _known_key(authorization: str | None, allowed: frozenset[str] | None) -> str:
    """The checked key of an Authorization header, remembered: both steps are pure functions."""
    return auth.check_key(auth.extract_key(authorization), allowed)


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
