"""FakeTofupay: owns the store, ids, clock and calls; answers requests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import auth, messages, params, render, routes
from .clock import Clock
from .errors import TofupayError, invalid_request
from .ids import IdFactory
from .recorder import CallLog, RecordedCall
from .resources import Env, customers, metadata
from .store import Store

if TYPE_CHECKING:
    from .transports.respx_routes import FakeRouter

DEFAULT_BASE_URL = "https://api.tofupay.com"
_FORM = "application/x-www-form-urlencoded"
_DEFAULT_PORTS = {"http": 80, "https": 443}


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
    directly, for any other transport.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        base_url: str = DEFAULT_BASE_URL,
        clock: Clock | Callable[[], float] | None = None,
        api_keys: Iterable[str] | None = None,
        strict_tokens: bool = False,
    ) -> None:
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
        self._env = Env(self._ids, self.clock, strict_tokens)
        self._calls = CallLog()
        self._lock = threading.RLock()
        self._router: FakeRouter | None = None
        self._faker: Any = None

    # -- interception -------------------------------------------------------

    def start(self) -> FakeTofupay:
        """Route httpx requests for ``base_url`` to this fake (idempotent)."""
        if self._router is None:
            from .transports.respx_routes import FakeRouter

            router = FakeRouter(self)
            router.start()
            self._router = router
        return self

    def stop(self) -> None:
        """Remove the interception (idempotent); state stays for inspection."""
        router, self._router = self._router, None
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
    ) -> Response:
        """Answer one API request; header names are matched case-insensitively."""
        method = method.upper()
        lowered = {name.lower(): value for name, value in (headers or {}).items()}
        with self._lock:
            request_id = self._ids.new("req")
            api_key: str | None = None
            decoded: params.Params = {}
            try:
                api_key = auth.extract_key(lowered.get("authorization"))
                auth.check_key(api_key, self.api_keys)
                route, args = routes.match(method, path)
                decoded = _decode(method, query, lowered, body)
                _check_known(decoded, route.params)
                account = self._store.account(api_key or "")
                status, payload = route.handler(routes.Context(account, self._env), args, decoded)
            except TofupayError as error:
                status, payload = error.status, error.body()
            content = json.dumps(payload, ensure_ascii=False).encode()
            response_headers = (
                ("Content-Type", "application/json"),
                ("Request-Id", request_id),
            )
            self._calls.append(
                RecordedCall(
                    method=method,
                    path=path,
                    params=decoded,
                    headers=lowered,
                    api_key=api_key,
                    idempotency_key=lowered.get("idempotency-key"),
                    status_code=status,
                    response=payload,
                    request_id=request_id,
                )
            )
            return Response(status, response_headers, content)

    # -- seeding and state --------------------------------------------------

    def add_customer(self, api_key: str, **fields: Any) -> dict[str, Any]:
        """Create a customer as ``POST /v1/customers`` would; bad params raise ``TofupayError``.

        Not recorded in :attr:`calls`. ``metadata={"a": "1"}``, ints and
        ``None`` (unset) are accepted as the form would carry them.
        """
        raw = params.from_python(fields)
        with self._lock:
            auth.check_key(api_key, self.api_keys)
            _check_known(raw, customers.CREATE_PARAMS)
            account = self._store.account(api_key)
            created = customers.create(account, raw, self._env)
            return render.customer(created)

    def seed_customers(
        self, n: int, api_key: str, *, with_cards: bool = False, **overrides: Any
    ) -> list[dict[str, Any]]:
        """Create ``n`` customers with realistic Faker data, deterministic by seed."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"seed_customers() takes a count >= 0, got {n!r}")
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
                for customer in reversed(account.customers.values())
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
        matches = self._calls.filter(method, path, params=params)
        count = len(matches)
        if (times is None and count == 0) or (times is not None and count != times):
            wanted = f"{method.upper()} {path}" + (
                f" with params {dict(params)!r}" if params else ""
            )
            expected = "at least once" if times is None else f"{times} time(s)"
            raise AssertionError(
                f"Expected {wanted} to be called {expected}; it was called {count} time(s).\n"
                f"Calls made:\n{self._calls.describe()}"
            )
        return matches

    def assert_not_called(self, method: str | None = None, path: str | None = None) -> None:
        """Assert no call matched (no call at all when both are None)."""
        matches = self._calls.filter(method, path)
        if matches:
            what = (
                " ".join(part for part in (method and method.upper(), path) if part) or "any call"
            )
            raise AssertionError(
                f"Expected no {what}; {len(matches)} matching call(s).\nCalls made:\n"
                f"{self._calls.describe()}"
            )

    def reset(self) -> None:
        """Back to a new fake's state: no accounts, no calls, ids and clock from the start."""
        with self._lock:
            self._store.clear()
            self._calls.clear()
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


def _decode(method: str, query: str, headers: Mapping[str, str], body: bytes) -> params.Params:
    pairs = params.parse_pairs(query, "query string")
    if method == "POST" and body:
        content_type = headers.get("content-type", _FORM).partition(";")[0].strip().lower()
        if content_type == "application/json" or content_type.endswith("+json"):
            raise invalid_request(messages.JSON_BODY)
        if content_type not in (_FORM, ""):
            raise invalid_request(
                messages.UNSUPPORTED_CONTENT_TYPE.format(content_type=content_type)
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid_request(messages.UNDECODABLE_BODY.format(where="body")) from None
        pairs += params.parse_pairs(text, "body")
    return params.decode_form(pairs)


def _check_known(decoded: Mapping[str, params.Value], allowed: frozenset[str]) -> None:
    if "metadata" in allowed:
        for name in decoded:
            error = None if name in allowed else metadata.bracketed_key_error(name)
            if error is not None:
                raise error
    params.check_known(decoded, allowed)
