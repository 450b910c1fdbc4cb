"""The API's routes: (method, path template) -> handler, with each route's params."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import messages, params, render
from .errors import invalid_request, unrecognized_url
from .params import Params
from .resources import Env, cards, customers, metadata, sources, tokens
from .store import Account, Customer, Token

Answer = tuple[int, dict[str, Any]]


@dataclass(slots=True)
class Context:
    """One request's account and the fake's ids, clock and options."""

    account: Account
    env: Env


Handler = Callable[[Context, Mapping[str, str], Params], Answer]


@dataclass(frozen=True)
class Route:
    """One endpoint: its method, path template, accepted params and handler."""

    method: str
    template: str
    params: frozenset[str]
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(regex))

    def check_params(self, decoded: Params) -> None:
        """400 for the first param this route does not take (``metadata[a[b]]``: a metadata error)."""
        if "metadata" in self.params:
            for name in decoded:
                error = None if name in self.params else metadata.bracketed_key_error(name)
                if error is not None:
                    raise error
        params.check_known(decoded, self.params)


def _expand(raw: Params, allowed: frozenset[str]) -> set[str]:
    if "expand" not in raw:
        return set()
    wanted = set(params.string_list(raw["expand"], "expand"))
    for name in sorted(wanted):
        if name not in allowed:
            raise invalid_request(messages.CANNOT_EXPAND.format(name=name), "expand")
    return wanted


_CUSTOMER_EXPAND = frozenset({"default_source"})
_LIST_EXPAND = frozenset({"data.default_source"})


def create_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = _expand(raw, _CUSTOMER_EXPAND)
    return 200, render.customer(customers.create(ctx.account, raw, ctx.env), expand)


def retrieve_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = _expand(raw, _CUSTOMER_EXPAND)
    if customers.is_deleted(ctx.account, args["id"]):
        return 200, render.deleted_customer(args["id"])
    return 200, render.customer(customers.get(ctx.account, args["id"]), expand)


def update_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = _expand(raw, _CUSTOMER_EXPAND)
    return 200, render.customer(customers.update(ctx.account, args["id"], raw, ctx.env), expand)


def delete_customer(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return 200, render.deleted(customers.delete(ctx.account, args["id"]))


def list_customers(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    expand = {name.removeprefix("data.") for name in _expand(raw, _LIST_EXPAND)}
    page = customers.list_page(ctx.account, raw)
    data = [render.customer(customer, expand) for customer in page.items]
    return 200, render.list_object("/v1/customers", page, data, "include" in raw)


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

CREATE_CUSTOMER = Route("POST", "/v1/customers", customers.CREATE_PARAMS, create_customer)

ROUTES: tuple[Route, ...] = (
    CREATE_CUSTOMER,
    Route("GET", "/v1/customers", customers.LIST_PARAMS, list_customers),
    Route("GET", "/v1/customers/{id}", frozenset({"expand"}), retrieve_customer),
    Route("POST", "/v1/customers/{id}", customers.UPDATE_PARAMS, update_customer),
    Route("DELETE", "/v1/customers/{id}", frozenset(), delete_customer),
    Route("GET", "/v1/customers/{id}/sources", sources.LIST_PARAMS, list_sources),
    Route("POST", "/v1/customers/{id}/sources", sources.CREATE_PARAMS, create_source),
    Route("GET", _SOURCE, frozenset(), retrieve_source),
    Route("POST", _SOURCE, cards.UPDATE_PARAMS, update_source),
    Route("DELETE", _SOURCE, frozenset(), delete_source),
    Route(
        "GET",
        "/v1/customers/{id}/subscriptions",
        sources.SUBSCRIPTION_LIST_PARAMS,
        list_subscriptions,
    ),
    Route("POST", "/v1/tokens", tokens.CREATE_PARAMS, create_token),
    Route("GET", "/v1/tokens/{id}", frozenset(), retrieve_token),
)


def _index(
    routes: tuple[Route, ...],
) -> tuple[dict[tuple[str, str], Route], dict[str, tuple[Route, ...]]]:
    """Exact-path routes by (method, path), and the rest per method in ROUTES order.

    A static route goes in the dict only if its pattern matches just its own
    text and no earlier route of its method would match that path first, so
    ``match`` answers exactly as a scan of ``ROUTES`` in order would.
    """
    static: dict[tuple[str, str], Route] = {}
    templated: dict[str, list[Route]] = {}
    for index, route in enumerate(routes):
        path = route.template
        earlier = routes[:index]
        if (
            "{" not in path
            and re.escape(path) == path
            and not any(r.method == route.method and r.pattern.fullmatch(path) for r in earlier)
        ):
            static.setdefault((route.method, path), route)
        else:
            templated.setdefault(route.method, []).append(route)
    return static, {method: tuple(found) for method, found in templated.items()}


_STATIC, _TEMPLATED = _index(ROUTES)


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for ``method path`` and its path arguments, else the 404."""
    route = _STATIC.get((method, path))
    if route is not None:
        return route, {}
    for route in _TEMPLATED.get(method, ()):
        found = route.pattern.fullmatch(path)
        if found is not None:
            return route, found.groupdict()
    raise unrecognized_url(method, path)
