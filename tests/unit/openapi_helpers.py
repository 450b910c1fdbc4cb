"""What test_openapi.py and test_openapi_bodies.py share: the document, checks against it.

Values are checked with ``jsonschema.Draft202012Validator``; the whole document is one
``referencing`` resource (under ``URN``), so a schema is checked as
``{"$ref": URN + "#" + pointer}`` and its ``#/components/...`` refs resolve. Form and
query values are checked "on the wire" (``WireValidator``): there every scalar is a
string, so a string of digits fits where only an integer does.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jsonschema
import jsonschema.validators
import referencing.jsonschema
from referencing import Registry, Resource

from tofupay_fake import FakeTofupay, params
from tofupay_fake.request import Response
from tofupay_fake.routes import Route

KEY = "sk_test_openapiDocument0001"
FORM = "application/x-www-form-urlencoded"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Where the document is in the ``referencing`` registry.
URN = "urn:tofupay-fake:openapi.json"


def load_document() -> dict[str, Any]:
    resource = importlib.resources.files("tofupay_fake") / "openapi.json"
    document: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return document


def route_id(route: Route) -> str:
    return f"{route.method} {route.template}"


def operation(doc: Mapping[str, Any], method: str, template: str) -> dict[str, Any]:
    found: dict[str, Any] = doc["paths"][template][method.lower()]
    return found


def operations(doc: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for template, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), template, item[method]


def pointer(*parts: str) -> str:
    """The JSON pointer (RFC 6901) of ``parts``: ``pointer("paths", "/v1/x")`` is ``/paths/~1v1~1x``."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def registry(doc: Mapping[str, Any]) -> Registry[Any]:
    resource = Resource.from_contents(doc, default_specification=referencing.jsonschema.DRAFT202012)
    holding: Registry[Any] = Registry().with_resource(URN, resource)
    return holding


def resolve(doc: Mapping[str, Any], ref: str) -> Any:
    """What a local ``$ref`` (``#/components/...``) names; ``referencing`` raises if nothing."""
    return registry(doc).resolver().lookup(URN + ref).contents


def deref(doc: Mapping[str, Any], node: Any) -> Any:
    """``node``, or what it names if it is a ``{"$ref": ...}``."""
    return resolve(doc, node["$ref"]) if isinstance(node, dict) and "$ref" in node else node


def located(doc: Mapping[str, Any], at: str) -> str:
    """The pointer of what is at ``at``, following ``$ref``s (of responses, headers, params)."""
    node = resolve(doc, "#" + at)
    while isinstance(node, dict) and "$ref" in node:
        at = node["$ref"].removeprefix("#")
        node = resolve(doc, node["$ref"])
    return at


_WIRE_INTEGER = re.compile(r"-?[0-9]+")


def _from_wire(instance: Any, schema: Any) -> Any:
    """A form or query string as the schema reads it: digits where only an integer fits."""
    if not isinstance(instance, str) or not isinstance(schema, dict) or "type" not in schema:
        return instance
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if "integer" in types and "string" not in types and _WIRE_INTEGER.fullmatch(instance):
        return int(instance)
    return instance


def _on_the_wire(check: Any) -> Any:
    def wired(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        return check(validator, value, _from_wire(instance, schema), schema)

    return wired


#: Draft 2020-12, every keyword seeing a string of digits as the integer where it must be one.
WireValidator: Any = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    {
        keyword: _on_the_wire(check)
        for keyword, check in jsonschema.Draft202012Validator.VALIDATORS.items()
    },
)


def schema_errors(doc: Mapping[str, Any], value: Any, at: str, *, wire: bool = False) -> list[str]:
    """Why ``value`` does not fit the schema at pointer ``at`` of the document (none if it does)."""
    cls = WireValidator if wire else jsonschema.Draft202012Validator
    validator = cls({"$ref": URN + "#" + at}, registry=registry(doc))
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(value)]


def query_params(doc: Mapping[str, Any], method: str, template: str) -> dict[str, str]:
    """The pointer of each documented query param, by its name without a ``[]`` suffix."""
    op = operation(doc, method, template)
    found = {}
    for index in range(len(op.get("parameters", []))):
        at = located(doc, pointer("paths", template, method.lower(), "parameters", str(index)))
        parameter = resolve(doc, "#" + at)
        if parameter["in"] == "query":
            found[parameter["name"].removesuffix("[]")] = at
    return found


# -- real requests ---------------------------------------------------------------------------


@dataclass
class World:
    """A fake with a customer with two cards, a deleted customer and an unused token."""

    fake: FakeTofupay
    customer: str
    card: str
    other_card: str
    deleted: str
    token: str

    def send(
        self,
        method: str,
        path: str,
        pairs: list[tuple[str, str]] | None = None,
        *,
        key: str | None = KEY,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        sent = {} if key is None else {"Authorization": f"Bearer {key}"}
        sent.update(headers or {})
        encoded = urlencode(pairs or [])
        if method == "POST":
            sent.setdefault("Content-Type", FORM)
            return self.fake.handle(method, path, headers=sent, body=encoded.encode())
        return self.fake.handle(method, path, query=encoded, headers=sent)

    def ok(self, method: str, path: str, pairs: list[tuple[str, str]] | None = None) -> Any:
        response = self.send(method, path, pairs)
        assert response.status_code == 200, response.content
        return response.json()


CARD_DICT = [
    ("card[number]", "4000000000000010"),
    ("card[exp_month]", "12"),
    ("card[exp_year]", "2030"),
    ("card[cvc]", "123"),
    ("card[name]", "Kif Kroker"),
    ("card[address_line1]", "1 Main St"),
    ("card[address_zip]", "10001"),
    ("card[address_country]", "US"),
]


def make_world() -> World:
    fake = FakeTofupay(seed=7)
    made = World(fake, "", "", "", "", "")
    customer = made.ok("POST", "/v1/customers", [("email", "kif@hong.com"), ("source", "tok_visa")])
    made.customer, made.card = customer["id"], customer["default_source"]
    other = made.ok("POST", f"/v1/customers/{made.customer}/sources", [("source", "tok_amex")])
    made.other_card = other["id"]
    made.deleted = made.ok("POST", "/v1/customers")["id"]
    made.ok("DELETE", f"/v1/customers/{made.deleted}")
    made.token = made.ok("POST", "/v1/tokens", CARD_DICT)["id"]
    return made


def check_request(doc: Mapping[str, Any], route: Route, pairs: list[tuple[str, str]]) -> None:
    """The params as the fake decodes them fit the documented params (values on the wire)."""
    op = operation(doc, route.method, route.template)
    decoded = params.decode_form(pairs)
    if route.method == "POST":
        if op["requestBody"]["required"]:
            assert decoded, "the documented body is required"
        at = pointer("paths", route.template, "post", "requestBody", "content", FORM, "schema")
        errors = schema_errors(doc, decoded, at, wire=True)
        assert not errors, errors
        return
    documented = query_params(doc, route.method, route.template)
    for name, value in decoded.items():
        assert name in documented, f"undocumented query param {name}"
        errors = schema_errors(doc, value, documented[name] + "/schema", wire=True)
        assert not errors, f"{name}: {errors}"


def response_at(doc: Mapping[str, Any], method: str, template: str, status: int | str) -> str:
    """The pointer of the documented response (asserted to exist) of ``status``."""
    responses = operation(doc, method, template)["responses"]
    assert str(status) in responses, f"{status} is not documented for {method} {template}"
    return located(doc, pointer("paths", template, method.lower(), "responses", str(status)))


def check_response(
    doc: Mapping[str, Any], route: Route, response: Response, *, status: int
) -> dict[str, Any]:
    """The response has ``status``, documented for the route, with a body and headers that fit."""
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    at = response_at(doc, route.method, route.template, status)
    documented = resolve(doc, "#" + at)
    headers = dict(response.headers)
    assert headers["Content-Type"] in documented["content"]
    errors = schema_errors(doc, body, at + pointer("content", headers["Content-Type"], "schema"))
    assert not errors, f"{route_id(route)} {status}: {errors}\n{json.dumps(body, indent=1)}"
    for name in documented["headers"]:
        header_at = located(doc, at + pointer("headers", name))
        if resolve(doc, "#" + header_at).get("required"):
            assert name in headers, f"the documented header {name} is missing"
        if name in headers:
            assert not schema_errors(doc, headers[name], header_at + "/schema"), name
    for name in headers:
        assert name == "Content-Type" or name in documented["headers"], (
            f"undocumented header {name}"
        )
    return body


def control(
    world: World,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str = FORM,
    query: str = "",
) -> tuple[int, Any]:
    """What a control endpoint of server mode answers: a dict, or JSON text (a snapshot)."""
    from tofupay_fake import control as control_endpoints

    headers = {"content-type": content_type} if body else {}
    return control_endpoints.handle(world.fake, method, path, query, headers, body)


def check_control(
    doc: Mapping[str, Any], method: str, path: str, answer: tuple[int, Any], status: int
) -> dict[str, Any]:
    got, body = answer
    assert got == status, body
    assert isinstance(body, dict), body
    at = response_at(doc, method, path, status) + pointer("content", "application/json", "schema")
    errors = schema_errors(doc, body, at)
    assert not errors, f"{method} {path} {status}: {errors}"
    return body


def control_body_at(path: str, media: str) -> str:
    """The pointer of the documented body of the control endpoint ``POST path`` as ``media``."""
    return pointer("paths", path, "post", "requestBody", "content", media, "schema")


# -- requests for every route: accepted, refused for a card, naming what is not there --


Request = tuple[str, list[tuple[str, str]]]  # (path, params)
Scenario = Callable[[World], list[Request]]


def customer_path(w: World, tail: str = "") -> str:
    return f"/v1/customers/{w.customer}{tail}"


#: Accepted requests for every route: each must fit the documented params and answer 200.
SUCCESSES: dict[tuple[str, str], Scenario] = {
    ("POST", "/v1/customers"): lambda w: [
        ("/v1/customers", []),
        (
            "/v1/customers",
            [
                ("email", "a@example.com"),
                ("description", "Customer for a@example.com"),
                ("source", "tok_15XZLsLdZh7jQOUq86ISvtjn"),
                ("metadata[plan]", "pro"),
                ("account_balance", "-250"),
                ("expand[]", "default_source"),
            ],
        ),
        ("/v1/customers", [*CARD_DICT, ("email", ""), ("account_balance", "")]),
        ("/v1/customers", [("source", w.token), ("metadata", "")]),
    ],
    ("GET", "/v1/customers"): lambda w: [
        ("/v1/customers", []),
        (
            "/v1/customers",
            [("limit", "1"), ("include[]", "total_count"), ("expand[]", "data.default_source")],
        ),
        ("/v1/customers", [("created[gte]", "0"), ("created[lt]", "9999999999")]),
        ("/v1/customers", [("created", "1421056271"), ("email", "kif@hong.com")]),
        ("/v1/customers", [("limit", "100"), ("ending_before", w.customer)]),
    ],
    ("GET", "/v1/customers/{id}"): lambda w: [
        (customer_path(w), []),
        (customer_path(w), [("expand[]", "default_source")]),
        (f"/v1/customers/{w.deleted}", []),
    ],
    ("POST", "/v1/customers/{id}"): lambda w: [
        (
            customer_path(w),
            [
                ("description", ""),
                ("email", ""),
                ("metadata[a]", "1"),
                ("metadata[b]", "2"),
                ("default_source", w.other_card),
                ("expand[]", "default_source"),
            ],
        ),
        (customer_path(w), [("card", "tok_mastercard_prepaid"), ("metadata[a]", "")]),
        (customer_path(w), [("account_balance", "9223372036854775807"), ("email", "b@c.io")]),
    ],
    ("DELETE", "/v1/customers/{id}"): lambda w: [(customer_path(w), [])],
    ("GET", "/v1/customers/{id}/sources"): lambda w: [
        (customer_path(w, "/sources"), []),
        (customer_path(w, "/sources"), [("limit", "1"), ("object", "card")]),
        (customer_path(w, "/sources"), [("object", "bank_account"), ("starting_after", w.card)]),
    ],
    ("POST", "/v1/customers/{id}/sources"): lambda w: [
        (customer_path(w, "/sources"), [("source", "tok_jcb"), ("metadata[k]", "v")]),
        (customer_path(w, "/sources"), [("source", "tok_mastercard_debit")]),
        (customer_path(w, "/sources"), [(k.replace("card[", "source["), v) for k, v in CARD_DICT]),
    ],
    ("GET", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (customer_path(w, f"/sources/{w.card}"), []),
    ],
    ("POST", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (
            customer_path(w, f"/sources/{w.card}"),
            [
                ("name", "Kif"),
                ("exp_month", "1"),
                ("exp_year", "2031"),
                ("address_line1", "1 Main St"),
                ("address_zip", "10001"),
                ("metadata[k]", "v"),
            ],
        ),
        (customer_path(w, f"/sources/{w.card}"), [("name", ""), ("metadata", "")]),
    ],
    ("DELETE", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (customer_path(w, f"/sources/{w.card}"), []),
    ],
    ("GET", "/v1/customers/{id}/subscriptions"): lambda w: [
        (customer_path(w, "/subscriptions"), []),
        (customer_path(w, "/subscriptions"), [("limit", "3")]),
    ],
    ("POST", "/v1/tokens"): lambda w: [
        ("/v1/tokens", CARD_DICT),
        (
            "/v1/tokens",
            [
                ("card[number]", "4242424242424242"),
                ("card[exp_month]", "3"),
                ("card[exp_year]", "2016"),
            ],
        ),
    ],
    ("GET", "/v1/tokens/{id}"): lambda w: [(f"/v1/tokens/{w.token}", [])],
}

#: A request answering 402 for every route that takes a card.
CARD_ERRORS: dict[tuple[str, str], Scenario] = {
    ("POST", "/v1/customers"): lambda w: [("/v1/customers", [("source", "tok_chargeDeclined")])],
    ("POST", "/v1/customers/{id}"): lambda w: [
        (
            customer_path(w),
            [(k, "4242424242424241" if k == "card[number]" else v) for k, v in CARD_DICT],
        )
    ],
    ("POST", "/v1/customers/{id}/sources"): lambda w: [
        (customer_path(w, "/sources"), [("source", "tok_chargeDeclinedExpiredCard")])
    ],
    ("POST", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (customer_path(w, f"/sources/{w.card}"), [("exp_month", "12"), ("exp_year", "2014")])
    ],
    ("POST", "/v1/tokens"): lambda w: [
        ("/v1/tokens", [*CARD_DICT, ("card[number]", "4242424242424241")])
    ],
}

#: A request answering 404 for every route that names an object.
MISSING = "cus_00000000000000"
NOT_FOUND: dict[tuple[str, str], Scenario] = {
    ("GET", "/v1/customers"): lambda w: [("/v1/customers", [("starting_after", MISSING)])],
    ("GET", "/v1/customers/{id}"): lambda w: [(f"/v1/customers/{MISSING}", [])],
    ("POST", "/v1/customers/{id}"): lambda w: [(f"/v1/customers/{w.deleted}", [("email", "")])],
    ("DELETE", "/v1/customers/{id}"): lambda w: [(f"/v1/customers/{w.deleted}", [])],
    ("GET", "/v1/customers/{id}/sources"): lambda w: [
        (f"/v1/customers/{MISSING}/sources", []),
        (customer_path(w, "/sources"), [("ending_before", "card_000000000000000000000000")]),
    ],
    ("POST", "/v1/customers/{id}/sources"): lambda w: [
        (f"/v1/customers/{MISSING}/sources", [("source", "tok_visa")])
    ],
    ("GET", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (customer_path(w, "/sources/card_000000000000000000000000"), [])
    ],
    ("POST", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (f"/v1/customers/{MISSING}/sources/{w.card}", [("name", "x")])
    ],
    ("DELETE", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (customer_path(w, "/sources/card_000000000000000000000000"), [])
    ],
    ("GET", "/v1/customers/{id}/subscriptions"): lambda w: [
        (f"/v1/customers/{MISSING}/subscriptions", []),
        (customer_path(w, "/subscriptions"), [("starting_after", "sub_0")]),
    ],
    ("GET", "/v1/tokens/{id}"): lambda w: [("/v1/tokens/tok_000000000000000000000000", [])],
}


def key_of(route: Route) -> tuple[str, str]:
    return route.method, route.template


def a_path(world: World, route: Route) -> str:
    """The route's path with ids of objects that exist."""
    ident = world.token if route.template.startswith("/v1/tokens/") else world.customer
    return route.template.format(id=ident, card=world.card)


# -- the ASGI app: what only the server answers (pages, scripts, preflights, the guard's 403) --


@dataclass
class Served:
    """One answer of the ASGI app."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def media(self) -> str:
        """The content type without its parameters (``text/html``), or ``""``."""
        return self.headers.get("content-type", "").partition(";")[0].strip()


def serve(app: Any, method: str, path: str, headers: Mapping[str, str] | None = None) -> Served:
    """``method path`` answered by the ASGI ``app`` as a server on 127.0.0.1:12111 would."""
    import asyncio

    sent = {"host": "127.0.0.1:12111", **{k.lower(): v for k, v in (headers or {}).items()}}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in sent.items()],
        "server": ("127.0.0.1", 12111),
        "client": ("127.0.0.1", 50000),
    }
    messages: list[Mapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Mapping[str, Any]) -> None:
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    start = messages[0]
    return Served(
        start["status"],
        {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]},
        b"".join(m.get("body", b"") for m in messages[1:]),
    )
