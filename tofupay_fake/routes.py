"""The API's routes: (method, path template) -> handler, with each route's params."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from . import messages, params, render
from .errors import invalid_request, unrecognized_url
from .params import Params
from .resources import Env, cards, customers, metadata, sources, tokens
from .store import Account, Customer, Token

#: An answer's body: the JSON object, or its JSON text (what the hot paths make).
Body = dict[str, Any] | str
Answer = tuple[int, Body]


@dataclass(slots=True)
class Context:
    """One request's account; the fake's ids, clock and options; its customers' texts.

    ``created``: the id of the customer the request made (set by the create route).
    """

    account: Account
    env: Env
    texts: render.Texts
    created: str | None = None


Handler = Callable[[Context, Mapping[str, str], Params], Answer]


@dataclass(frozen=True)
class Route:
    """One endpoint: its method, path template, accepted params and handler.

    ``writes`` says the route may change a customer or its cards, so the
    fake compares the customer's records before and after it for events;
    ``publishable`` that a publishable key may call it.
    """

    method: str
    template: str
    params: frozenset[str]
    handler: Handler
    writes: bool = False
    publishable: bool = False
    segments: tuple[str | None, ...] = field(init=False, repr=False, compare=False)
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: (position, text) of each literal segment, and (name, position) of each argument.
    _literals: tuple[tuple[int, str], ...] = field(init=False, repr=False, compare=False)
    _arguments: tuple[tuple[str, int], ...] = field(init=False, repr=False, compare=False)
    #: The template as a pattern over a raw path without escapes: an argument is a
    #: non-empty segment (what :meth:`match_segments` gives for such a path).
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = self.template.split("/")
        names = tuple(part[1:-1] for part in parts if part.startswith("{"))
        segments = tuple(None if part.startswith("{") else part for part in parts)
        object.__setattr__(self, "segments", segments)
        object.__setattr__(self, "names", names)
        literals = tuple((at, part) for at, part in enumerate(segments) if part is not None)
        positions = [at for at, part in enumerate(segments) if part is None]
        object.__setattr__(self, "_literals", literals)
        object.__setattr__(self, "_arguments", tuple(zip(names, positions, strict=True)))
        pattern = "/".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in parts
        )
        object.__setattr__(self, "pattern", re.compile(pattern))

    def match_segments(self, segments: list[str]) -> dict[str, str] | None:
        """The path arguments when the (decoded) path segments fit the template, else None.

        An argument is one whole segment: an escaped ``/`` inside it stays part of it.
        """
        if len(segments) != len(self.segments):
            return None
        for at, literal in self._literals:
            if segments[at] != literal:
                return None
        args: dict[str, str] = {}
        for name, at in self._arguments:
            got = segments[at]
            if not got:
                return None
            args[name] = got
        return args

    def check_params(self, decoded: Params) -> None:
        """400 for the first param this route does not take (``metadata[a[b]]``: a metadata error)."""
        if self.params.issuperset(decoded):  # the usual case: every name is one it takes
            return
        if "metadata" in self.params:
            for name in decoded:
                error = None if name in self.params else metadata.bracketed_key_error(name)
                if error is not None:
                    raise error
        params.check_known(decoded, self.params)


def _expand(raw: Params, allowed: frozenset[str]) -> set[str]:
    """The names ``raw["expand"]`` asks for (callers check it is there), each one allowed."""
    wanted = set(params.string_list(raw["expand"], "expand"))
    for name in sorted(wanted):
        if name not in allowed:
            raise invalid_request(messages.CANNOT_EXPAND.format(name=name), "expand")
    return wanted


_CUSTOMER_EXPAND = frozenset({"default_source"})
_LIST_EXPAND = frozenset({"data.default_source"})


# A customer answers with its kept text (Context.texts), or as an object when expanded;
# ``_expand`` runs first, so that a bad ``expand`` changes nothing.


def create_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = _expand(raw, _CUSTOMER_EXPAND) if "expand" in raw else None
    customer = customers.create(ctx.account, raw, ctx.env)
    ctx.created = customer.id
    return 200, render.customer(customer, expand) if expand else ctx.texts.customer(customer)


def retrieve_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = _expand(raw, _CUSTOMER_EXPAND) if "expand" in raw else None
    if customers.is_deleted(ctx.account, args["id"]):
        return 200, render.deleted_customer(args["id"])
    customer = customers.get(ctx.account, args["id"])
    return 200, render.customer(customer, expand) if expand else ctx.texts.customer(customer)


def update_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = _expand(raw, _CUSTOMER_EXPAND) if "expand" in raw else None
    customer = customers.update(ctx.account, args["id"], raw, ctx.env)
    return 200, render.customer(customer, expand) if expand else ctx.texts.customer(customer)


def delete_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return 200, render.deleted_json(customers.delete(ctx.account, args["id"]))


def list_customers(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = (
        {name.removeprefix("data.") for name in _expand(raw, _LIST_EXPAND)}
        if "expand" in raw
        else None
    )
    page = customers.list_page(ctx.account, raw)
    if expand:
        data = [render.customer(customer, expand) for customer in page.items]
        return 200, render.list_object("/v1/customers", page, data, "include" in raw)
    texts = [ctx.texts.customer(customer) for customer in page.items]
    return 200, render.list_json("/v1/customers", page, texts, "include" in raw)


def _customer(ctx: Context, args: Mapping[str, str]) -> Customer:
    return customers.get(ctx.account, args["id"])


def list_sources(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    page = sources.list_page(_customer(ctx, args), raw)
    data = [render.card(card) for card in page.items]
    return 200, render.list_object(f"/v1/customers/{args['id']}/sources", page, data, False)


def create_source(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return 200, render.card(sources.create(ctx.account, _customer(ctx, args), raw, ctx.env))


def retrieve_source(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return 200, render.card(sources.get(_customer(ctx, args), args["card"]))


def update_source(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    card = sources.update(_customer(ctx, args), args["card"], raw, ctx.env)
    return 200, render.card(card)


def delete_source(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return 200, render.deleted(sources.delete(_customer(ctx, args), args["card"]))


def list_subscriptions(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    _customer(ctx, args)
    page = sources.subscriptions_page(raw)
    url = f"/v1/customers/{args['id']}/subscriptions"
    return 200, render.list_object(url, page, [], False)


def _token(ctx: Context, token: Token) -> Answer:
    return 200, render.token(token, cards.token_card(token, ctx.account.api_key))


def create_token(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return _token(ctx, tokens.create(ctx.account, raw, ctx.env))


def retrieve_token(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return _token(ctx, tokens.get(ctx.account, args["id"], ctx.env))


_SOURCE = "/v1/customers/{id}/sources/{card}"

CREATE_CUSTOMER = Route(
    "POST", "/v1/customers", customers.CREATE_PARAMS, create_customer, writes=True
)

ROUTES: tuple[Route, ...] = (
    CREATE_CUSTOMER,
    Route("GET", "/v1/customers", customers.LIST_PARAMS, list_customers),
    Route("GET", "/v1/customers/{id}", frozenset({"expand"}), retrieve_customer),
    Route("POST", "/v1/customers/{id}", customers.UPDATE_PARAMS, update_customer, writes=True),
    Route("DELETE", "/v1/customers/{id}", frozenset(), delete_customer, writes=True),
    Route("GET", "/v1/customers/{id}/sources", sources.LIST_PARAMS, list_sources),
    Route("POST", "/v1/customers/{id}/sources", sources.CREATE_PARAMS, create_source, writes=True),
    Route("GET", _SOURCE, frozenset(), retrieve_source),
    Route("POST", _SOURCE, cards.UPDATE_PARAMS, update_source, writes=True),
    Route("DELETE", _SOURCE, frozenset(), delete_source, writes=True),
    Route(
        "GET",
        "/v1/customers/{id}/subscriptions",
        sources.SUBSCRIPTION_LIST_PARAMS,
        list_subscriptions,
    ),
    Route("POST", "/v1/tokens", tokens.CREATE_PARAMS, create_token, publishable=True),
    Route("GET", "/v1/tokens/{id}", frozenset(), retrieve_token),
)


def _index(
    routes: tuple[Route, ...],
) -> tuple[dict[tuple[str, str], Route], dict[str, tuple[Route, ...]]]:
    """Exact-path routes by (method, path), and the templated ones per method in ROUTES order."""
    static: dict[tuple[str, str], Route] = {}
    templated: dict[str, list[Route]] = {}
    for route in routes:
        if "{" not in route.template:
            static.setdefault((route.method, route.template), route)
        else:
            templated.setdefault(route.method, []).append(route)
    return static, {method: tuple(found) for method, found in templated.items()}


_STATIC, _TEMPLATED = _index(ROUTES)


def decode_path(raw: str) -> str:
    """The path with its percent-escapes decoded (how calls and errors show it)."""
    return unquote(raw, errors="replace") if "%" in raw else raw


def match(method: str, raw: str) -> tuple[Route, dict[str, str]]:
    """The route for ``method`` and the raw (still escaped) path, and its path arguments.

    Escapes are decoded segment by segment, so ``cus_X%2Fsources%2Fcard_Y``
    is one id (unknown: a 404), never a path to another resource. No route:
    the 404 for an unrecognized URL.
    """
    route = _STATIC.get((method, raw))
    if route is not None:
        return route, {}
    if "%" not in raw:  # nothing to decode: the raw path is the segments
        for route in _TEMPLATED.get(method, ()):
            matched = route.pattern.fullmatch(raw)
            if matched is not None:
                return route, matched.groupdict()
        raise unrecognized_url(method, raw)
    segments = [unquote(segment, errors="replace") for segment in raw.split("/")]
    if not any("/" in segment for segment in segments):
        route = _STATIC.get((method, "/".join(segments)))
        if route is not None:
            return route, {}
    for route in _TEMPLATED.get(method, ()):
        found = route.match_segments(segments)
        if found is not None:
            return route, found
    raise unrecognized_url(method, decode_path(raw))
