"""The control endpoints of server mode (``/_fake/...``): reset, calls, faults, seeding, events.

Clients in other languages use them instead of the Python helpers. They need
no API key and take form or JSON bodies; bad input gets a 400 error body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from . import messages, params, routes
from .auth import check_key, mask_key
from .core import check_body_size
from .errors import TofupayError, invalid_request, unrecognized_url
from .faults import NAMED, NETWORK, WHEN

if TYPE_CHECKING:
    from .core import Core as FakeTofupay

PREFIX = "/_fake/"
#: How long the server holds a request for a ``timeout`` fault given no ``delay``.
SERVER_TIMEOUT = 30.0
#: The longest ``delay`` a fault may ask for (seconds).
MAX_DELAY = 3600.0
#: Most customers one ``POST /_fake/customers`` may seed with ``n``.
MAX_SEED = 10_000
#: Most items a ``limit`` of the listing endpoints may ask for.
MAX_LIST = 100_000

_METHOD = re.compile(r"[A-Za-z]{1,16}")
T = TypeVar("T")

Answer = tuple[int, dict[str, Any]]


def reset(fake: FakeTofupay, fields: params.Params) -> Answer:
    params.check_known(fields, ())
    fake.reset()
    return 200, {"reset": True}


def calls(fake: FakeTofupay, fields: params.Params) -> Answer:
    """The call journal, oldest first; ``method``, ``path`` (``*`` = a segment), ``status``
    and ``limit`` (the newest N) narrow it. Keys are masked."""
    params.check_known(fields, ("method", "path", "status", "limit"))
    method = _method_filter(fields)
    path = _path_filter(fields)
    status = None
    if "status" in fields:
        status = params.integer(fields["status"], "status", minimum=0, maximum=599)
    limit = _limit(fields)
    found = fake.calls.filter(method, path, status=status)
    data = [
        {
            "method": call.method,
            "path": call.path,
            "params": call.params,
            "status_code": call.status_code,
            "api_key": mask_key(call.api_key) if call.api_key else None,
            "idempotency_key": call.idempotency_key,
            "response": call.response,
            "request_id": call.request_id,
        }
        for call in _newest(found, limit)
    ]
    return 200, {"object": "list", "data": data}


def events(fake: FakeTofupay, fields: params.Params) -> Answer:
    """The events, oldest first; ``type`` and ``limit`` (the newest N) narrow them."""
    params.check_known(fields, ("type", "limit"))
    kind = _optional_string(fields, "type")
    limit = _limit(fields)
    found = fake.events.filter(kind) if kind is not None else fake.events
    return 200, {"object": "list", "data": list(_newest(found, limit))}


def faults(fake: FakeTofupay, fields: params.Params) -> Answer:
    """The queued faults in the order they apply, each with the times it has left."""
    params.check_known(fields, ())
    return 200, {"object": "list", "data": fake._faults.pending()}


def list_customers(fake: FakeTofupay, fields: params.Params) -> Answer:
    """The live customers of every account, each with its account's masked key.

    ``q`` keeps those whose id or email contains it (any case); ``limit`` keeps
    the first N. Accounts in the order they appeared, customers newest first.
    """
    params.check_known(fields, ("q", "limit"))
    query = (_optional_string(fields, "q") or "").strip().lower()
    limit = _limit(fields)
    with fake._lock:
        keys = list(fake._store.accounts)
    data: list[dict[str, Any]] = []
    total = 0
    for key in keys:
        for customer in fake.customers(key):
            if query and not _customer_matches(customer, query):
                continue
            total += 1
            if limit is None or len(data) < limit:
                data.append({"api_key": mask_key(key), "customer": customer})
    return 200, {"object": "list", "total_count": total, "data": data}


def _customer_matches(customer: Mapping[str, Any], query: str) -> bool:
    email = customer.get("email") or ""
    return query in str(customer["id"]).lower() or query in str(email).lower()


def _method_filter(fields: params.Params) -> str | None:
    method = _optional_string(fields, "method")
    if method is not None and not _METHOD.fullmatch(method):
        raise invalid_request(messages.CONTROL_BAD_METHOD_FILTER.format(value=method), "method")
    return method.upper() if method is not None else None


def _path_filter(fields: params.Params) -> str | None:
    path = _optional_string(fields, "path")
    if path is not None and not path.startswith("/"):
        raise invalid_request(messages.CONTROL_BAD_PATH.format(value=path), "path")
    return path


def _limit(fields: params.Params) -> int | None:
    if "limit" not in fields:
        return None
    return params.integer(fields["limit"], "limit", minimum=1, maximum=MAX_LIST)


def _newest(items: Sequence[T], limit: int | None) -> Sequence[T]:
    """The newest ``limit`` items (all when None), still oldest first."""
    if limit is None or limit >= len(items):
        return items
    return items[len(items) - limit :]


def fail_next(fake: FakeTofupay, fields: params.Params) -> Answer:
    params.check_known(fields, ("error", "method", "path", "times", "when", "delay"))
    if "error" not in fields:
        raise invalid_request(messages.MISSING_PARAM.format(name="error"), "error")
    name = params.string(fields["error"], "error")
    error: str | int = name
    if name not in NAMED and name not in NETWORK:
        if not name.isdigit():
            raise invalid_request(messages.CONTROL_BAD_ERROR.format(value=name), "error")
        error = params.integer(name, "error", minimum=400, maximum=599)
    method = _optional_string(fields, "method")
    if method is not None and method.upper() not in ("GET", "POST", "DELETE"):
        raise invalid_request(messages.CONTROL_BAD_METHOD.format(value=method), "method")
    path = _optional_string(fields, "path")
    if path is not None and not path.startswith("/"):
        raise invalid_request(messages.CONTROL_BAD_PATH.format(value=path), "path")
    times = 1
    if "times" in fields:
        times = params.integer(fields["times"], "times", minimum=1, maximum=1000)
    when = _optional_string(fields, "when") or "before"
    if when not in WHEN:
        raise invalid_request(messages.CONTROL_BAD_WHEN.format(value=when), "when")
    delay = SERVER_TIMEOUT if name == "timeout" else 0.0
    if "delay" in fields:
        delay = _seconds(params.string(fields["delay"], "delay"), "delay")
    fake.fail_next(error, method=method, path=path, times=times, when=when, delay=delay)
    return 200, {"queued": times}


def _seconds(text: str, name: str) -> float:
    """A number of seconds 0..MAX_DELAY (fractions allowed), else the 400 naming ``name``."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (0.0 <= value <= MAX_DELAY):  # also refuses NaN
        raise invalid_request(messages.CONTROL_BAD_DELAY.format(value=text, most=MAX_DELAY), name)
    return value


def customers(fake: FakeTofupay, fields: params.Params) -> Answer:
    fields = dict(fields)
    if "api_key" not in fields:
        raise invalid_request(messages.MISSING_PARAM.format(name="api_key"), "api_key")
    api_key = params.required_string(fields.pop("api_key"), "api_key")
    try:
        check_key(api_key, fake.api_keys)
    except TofupayError as error:  # a bad param here, not a failed authentication
        raise invalid_request(error.message, "api_key") from None
    if "n" in fields:
        count = params.integer(fields.pop("n"), "n", minimum=0, maximum=MAX_SEED)
        with_cards = _flag(fields.pop("with_cards", "false"), "with_cards")
        if "id" in fields:
            raise invalid_request(messages.CONTROL_ID_WITH_N, "id")
        # Checked here, before any name may meet a Python parameter's (``self``).
        routes.CREATE_CUSTOMER.check_params(fields)
        made = fake.seed_customers(count, api_key, with_cards=with_cards, **fields)
    else:
        ident = params.string(fields.pop("id"), "id") if "id" in fields else None
        routes.CREATE_CUSTOMER.check_params(fields)
        made = [fake.add_customer(api_key, id=ident, **fields)]
    return 200, {"object": "list", "data": made}


def clock_now(fake: FakeTofupay, fields: params.Params) -> Answer:
    """``GET /_fake/clock``: the fake's current Unix time."""
    params.check_known(fields, ())
    return 200, {"now": fake.clock.now()}


def clock(fake: FakeTofupay, fields: params.Params) -> Answer:
    """``POST /_fake/clock``: ``advance`` it by seconds, or ``set`` it (backwards too)."""
    params.check_known(fields, ("advance", "set"))
    if ("advance" in fields) == ("set" in fields):
        raise invalid_request(messages.CONTROL_CLOCK_ONE_OF, "set" if fields else "advance")
    if "advance" in fields:
        seconds = params.integer(fields["advance"], "advance", minimum=0)
        try:
            fake.clock.advance(seconds)
        except ValueError:
            raise invalid_request(
                messages.CONTROL_CLOCK_TOO_FAR.format(value=seconds), "advance"
            ) from None
    else:
        when = params.string(fields["set"], "set")
        try:
            fake.clock.set(when)
        except ValueError:
            raise invalid_request(
                messages.CONTROL_CLOCK_BAD_SET.format(value=when), "set"
            ) from None
    return 200, {"now": fake.clock.now()}


def fixtures(fake: FakeTofupay, fields: params.Params, body: bytes) -> Answer:
    """``POST /_fake/fixtures``: load the fixture document of the JSON body; name -> answer.

    ``api_key`` (query string) is the account it loads under, ``sk_test_tofupay``
    by default. A document that fails to load is a 400 saying which step and
    why, and changes nothing.
    """
    from .fixtures import DEFAULT_KEY, FixtureError

    params.check_known(fields, ("api_key",))
    api_key = DEFAULT_KEY
    if "api_key" in fields:
        api_key = params.required_string(fields["api_key"], "api_key")
    try:
        check_key(api_key, fake.api_keys)
    except TofupayError as error:  # a bad param here, not a failed authentication
        raise invalid_request(error.message, "api_key") from None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise invalid_request(messages.CONTROL_FIXTURES_NOT_JSON) from None
    if not isinstance(document, dict):  # never a path: a client names no file of the server's
        raise invalid_request(messages.CONTROL_FIXTURES_NOT_JSON)
    try:
        answers = fake.load_fixtures(document, api_key=api_key)
    except FixtureError as error:
        raise invalid_request(str(error)) from None
    return 200, {"fixtures": answers}


def add_webhook(fake: FakeTofupay, fields: params.Params) -> Answer:
    """``POST /_fake/webhooks``: deliver the events of API requests to ``url`` from now on.

    ``secret`` signs them; optional ``events`` (globs, a list or one string
    with commas) and ``api_key`` (one account) narrow them. Each event is
    delivered before the request that caused it is answered.
    """
    from . import endpoints

    params.check_known(fields, ("url", "secret", "events", "api_key"))
    for name in ("url", "secret"):
        if name not in fields:
            raise invalid_request(messages.MISSING_PARAM.format(name=name), name)
    url = params.required_string(fields["url"], "url")
    secret = params.required_string(fields["secret"], "secret")
    events: list[str] | None = None
    if "events" in fields and fields["events"] != "":
        raw = fields["events"]
        if isinstance(raw, str):
            events = [glob.strip() for glob in raw.split(",")]
        else:
            events = params.string_list(raw, "events")
    api_key = _optional_string(fields, "api_key")
    checks: list[tuple[str, Callable[[], object]]] = [
        ("url", lambda: endpoints.check_url(url)),
        ("events", lambda: endpoints.check_events(events)),
        ("api_key", lambda: endpoints.check_api_key(api_key)),
    ]
    for name, check in checks:
        try:
            check()
        except (TypeError, ValueError) as exc:
            raise invalid_request(str(exc), name) from None
    try:
        endpoint = fake.webhooks.deliver_to(
            url=url, secret=secret, events=events, api_key=api_key, mode="auto"
        )
    except (TypeError, ValueError) as exc:
        raise invalid_request(str(exc), "url") from None
    return 200, {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events) if endpoint.events is not None else ["*"],
    }


def webhook_deliveries(fake: FakeTofupay, fields: params.Params) -> Answer:
    """``GET /_fake/webhooks/deliveries``: every try, oldest first; ``limit``: the newest N."""
    params.check_known(fields, ("limit",))
    limit = _limit(fields)
    data = [
        {
            "event_id": delivery.event_id,
            "type": delivery.type,
            "url": delivery.endpoint.url,
            "status": delivery.status,
            "attempt": delivery.attempt,
        }
        for delivery in _newest(fake.webhooks.deliveries, limit)
    ]
    return 200, {"object": "list", "data": data}


def _flag(value: params.Value, name: str) -> bool:
    if value not in ("true", "false"):
        raise invalid_request(messages.CONTROL_BAD_FLAG.format(name=name), name)
    return value == "true"


def _optional_string(fields: params.Params, name: str) -> str | None:
    if name not in fields or fields[name] == "":
        return None
    return params.string(fields[name], name)


#: The largest snapshot ``POST /_fake/snapshot`` takes (its text is about 750 bytes a customer).
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024
SNAPSHOT_PATH = "/_fake/snapshot"


def snapshot(fake: FakeTofupay, fields: params.Params) -> tuple[int, str]:
    """``GET /_fake/snapshot``: the world as ``Snapshot.to_json()`` text (that exact body)."""
    params.check_known(fields, ())
    return 200, fake.snapshot().to_json()


def restore(fake: FakeTofupay, query: str, body: bytes) -> Answer:
    """``POST /_fake/snapshot``: make the world the snapshot of the body; calls and events stay.

    Bad text is a 400 saying what is wrong; the world is then unchanged.
    """
    from .snapshot import Snapshot

    params.check_known(params.decode_form(params.parse_pairs(query, "query string")), ())
    if len(body) > MAX_SNAPSHOT_BYTES:
        raise invalid_request(messages.BODY_TOO_LARGE.format(limit=MAX_SNAPSHOT_BYTES), status=413)
    try:
        world = Snapshot.from_json(body)
    except ValueError as exc:
        raise invalid_request(messages.CONTROL_SNAPSHOT_INVALID.format(detail=exc)) from None
    fake.restore(world)
    return 200, {"restored": True, "customers": sum(len(a.customers) for a in world.accounts)}


#: What an endpoint answers: a status and a dict, or JSON text already encoded.
Reply = tuple[int, "dict[str, Any] | str"]
Handler = Callable[["FakeTofupay", params.Params], Reply]

ENDPOINTS: Mapping[tuple[str, str], Handler] = {
    ("POST", "/_fake/reset"): reset,
    ("GET", "/_fake/calls"): calls,
    ("POST", "/_fake/fail_next"): fail_next,
    ("POST", "/_fake/customers"): customers,
    ("GET", "/_fake/events"): events,
    ("GET", "/_fake/clock"): clock_now,
    ("POST", "/_fake/clock"): clock,
    ("GET", "/_fake/faults"): faults,
    ("GET", "/_fake/customers"): list_customers,
    ("GET", SNAPSHOT_PATH): snapshot,
    ("POST", "/_fake/webhooks"): add_webhook,
    ("GET", "/_fake/webhooks/deliveries"): webhook_deliveries,
}


#: Endpoints that read the raw body themselves (a JSON document, not form params).
RAW_ENDPOINTS: Mapping[tuple[str, str], Callable[[FakeTofupay, params.Params, bytes], Answer]] = {
    ("POST", "/_fake/fixtures"): fixtures,
}


def handle(
    fake: FakeTofupay, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> Reply:
    """Answer one control request: (status, JSON body). Header names are lower case.

    The body is a dict, or JSON text already encoded (``GET /_fake/snapshot``).
    """
    try:
        if method.upper() == "POST" and path == SNAPSHOT_PATH:  # a body larger than others
            return restore(fake, query, body)
        raw = RAW_ENDPOINTS.get((method.upper(), path))
        if raw is not None:
            check_body_size(body)
            return raw(fake, params.decode_form(params.parse_pairs(query, "query string")), body)
        handler = ENDPOINTS.get((method.upper(), path))
        if handler is None:
            raise unrecognized_url(method.upper(), path)
        check_body_size(body)
        return handler(fake, decode(query, headers, body))
    except TofupayError as error:
        return error.status, error.body()


def decode(query: str, headers: Mapping[str, str], body: bytes) -> params.Params:
    """The query string plus a form or JSON body, as form params."""
    fields = params.decode_form(params.parse_pairs(query, "query string"))
    if not body:
        return fields
    content_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise invalid_request(messages.CONTROL_BAD_JSON) from None
        if not isinstance(document, dict):
            raise invalid_request(messages.CONTROL_BAD_JSON)
        try:
            fields.update(params.from_python(document))
        except (TypeError, RecursionError) as exc:
            raise invalid_request(messages.CONTROL_BAD_VALUE.format(detail=exc)) from None
        return fields
    fields.update(params.decode_request("POST", "", headers, body))
    return fields
