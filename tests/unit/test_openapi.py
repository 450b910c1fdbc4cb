"""tofupay_fake/openapi.json: a valid OpenAPI 3.1 document that agrees with the fake.

The document's operations and params must be exactly routes.ROUTES', every
request the fake accepts here must fit the documented params, and every body
the fake answers (successes, 400, 401, 402, 404, 413 and injected 429/500) must
fit the documented response of that status; the same for the control endpoints
of server mode. Bodies are checked with a small validator of the JSON Schema
subset the document uses (no jsonschema dependency); the document is also
checked to use nothing outside that subset.
"""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jsonschema
import openapi_spec_validator
import pytest

import tofupay_fake
from tofupay_fake import FakeTofupay, params
from tofupay_fake.core import MAX_BODY_BYTES, Response
from tofupay_fake.faults import InjectedException
from tofupay_fake.routes import ROUTES, Route

KEY = "sk_test_openapiDocument0001"
FORM = "application/x-www-form-urlencoded"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: The control endpoints outside /v1 (SPEC §7) and the document itself.
CONTROL_OPERATIONS = {
    ("POST", "/_fake/reset"),
    ("GET", "/_fake/calls"),
    ("POST", "/_fake/fail_next"),
    ("POST", "/_fake/customers"),
    ("GET", "/_fake/events"),
    ("GET", "/openapi.json"),
}

#: Every status an API operation may answer besides 200 (402 and 404 only where they happen).
ALWAYS = {"400", "401", "413", "429", "500"}


def load_document() -> dict[str, Any]:
    resource = importlib.resources.files("tofupay_fake") / "openapi.json"
    document: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return load_document()


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


# -- a validator of the JSON Schema subset the document uses ---------------------------

_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "string": lambda value: isinstance(value, str),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}
#: Keywords the validator checks, and annotations it may ignore.
ASSERTIONS = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "items",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "anyOf",
        "oneOf",
        "not",
    }
)
ANNOTATIONS = frozenset({"description", "title", "default", "examples"})
_WIRE_INTEGER = re.compile(r"-?[0-9]+")


def _same(left: Any, right: Any) -> bool:
    """JSON equality (``true`` is not ``1``)."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


class Validator:
    """Validate JSON values against the document's schemas, resolving local ``$ref``s.

    ``wire=True`` checks form and query values as the fake reads them: every
    scalar arrives as a string, so a string of digits passes as an integer.
    """

    def __init__(self, root: Mapping[str, Any], *, wire: bool = False) -> None:
        self.root = root
        self.wire = wire

    def resolve(self, ref: str) -> Any:
        assert ref.startswith("#/"), f"only local $refs are used: {ref}"
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def errors(self, value: Any, schema: Any, where: str = "$") -> list[str]:
        if schema is True:
            return []
        if schema is False:
            return [f"{where}: no value is allowed here"]
        unknown = set(schema) - ASSERTIONS - ANNOTATIONS
        assert not unknown, f"the validator does not know {sorted(unknown)} (at {where})"
        found: list[str] = []
        if "$ref" in schema:
            found += self.errors(value, self.resolve(schema["$ref"]), where)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            value = self._from_wire(value, types)
            if not any(_TYPES[name](value) for name in types):
                return [*found, f"{where}: {value!r} is not of type {types}"]
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            found.append(f"{where}: {value!r} is not one of {schema['enum']}")
        if "const" in schema and not _same(value, schema["const"]):
            found.append(f"{where}: {value!r} is not {schema['const']!r}")
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                passing = [not self.errors(value, branch, where) for branch in schema[keyword]]
                wanted = sum(passing) >= 1 if keyword == "anyOf" else sum(passing) == 1
                if not wanted:
                    found.append(f"{where}: {sum(passing)} branches of {keyword} match {value!r}")
        if "not" in schema and not self.errors(value, schema["not"], where):
            found.append(f"{where}: {value!r} matches a schema it must not")
        if isinstance(value, dict):
            found += self._object(value, schema, where)
        if isinstance(value, list):
            found += self._array(value, schema, where)
        if isinstance(value, str):
            found += self._string(value, schema, where)
        if _TYPES["number"](value):
            if "minimum" in schema and value < schema["minimum"]:
                found.append(f"{where}: {value} < {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                found.append(f"{where}: {value} > {schema['maximum']}")
        return found

    def _from_wire(self, value: Any, types: list[str]) -> Any:
        wired = self.wire and isinstance(value, str) and "string" not in types
        if wired and "integer" in types and _WIRE_INTEGER.fullmatch(value):
            return int(value)
        return value

    def _object(self, value: dict[str, Any], schema: Mapping[str, Any], where: str) -> list[str]:
        found = [
            f"{where}: {name!r} is missing"
            for name in schema.get("required", ())
            if name not in value
        ]
        properties = schema.get("properties", {})
        for name, item in value.items():
            at = f"{where}.{name}"
            if name in properties:
                found += self.errors(item, properties[name], at)
            elif "additionalProperties" in schema:
                extra = schema["additionalProperties"]
                found += [f"{at}: not allowed"] if extra is False else self.errors(item, extra, at)
            if "propertyNames" in schema:
                found += self.errors(name, schema["propertyNames"], f"{at} (name)")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            found.append(f"{where}: more than {schema['maxProperties']} properties")
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            found.append(f"{where}: fewer than {schema['minProperties']} properties")
        return found

    def _array(self, value: list[Any], schema: Mapping[str, Any], where: str) -> list[str]:
        found: list[str] = []
        if "items" in schema:
            for index, item in enumerate(value):
                found += self.errors(item, schema["items"], f"{where}[{index}]")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{where}: more than {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            found.append(f"{where}: fewer than {schema['minItems']} items")
        return found

    def _string(self, value: str, schema: Mapping[str, Any], where: str) -> list[str]:
        found: list[str] = []
        if "minLength" in schema and len(value) < schema["minLength"]:
            found.append(f"{where}: {value!r} is shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{where}: {value!r} is longer than {schema['maxLength']}")
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            found.append(f"{where}: {value!r} does not match {schema['pattern']!r}")
        return found


def subschemas(schema: Any, follow: Validator | None = None) -> Iterator[Any]:
    """``schema`` and every schema inside it (and behind its ``$ref``s, with ``follow``)."""
    yield schema
    if not isinstance(schema, dict):
        return
    if follow is not None and "$ref" in schema:
        yield from subschemas(follow.resolve(schema["$ref"]), follow)
    for child in schema.get("properties", {}).values():
        yield from subschemas(child, follow)
    for keyword in ("additionalProperties", "items", "not", "propertyNames"):
        if keyword in schema:
            yield from subschemas(schema[keyword], follow)
    for keyword in ("anyOf", "oneOf", "allOf"):
        for child in schema.get(keyword, []):
            yield from subschemas(child, follow)


def schema_positions(doc: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every schema the document holds, with where it is."""
    components = doc["components"]
    for name, schema in components["schemas"].items():
        yield f"components.schemas.{name}", schema
    for name, parameter in components["parameters"].items():
        yield f"components.parameters.{name}", parameter["schema"]
    for name, header in components["headers"].items():
        yield f"components.headers.{name}", header["schema"]
    for method, template, op in operations(doc):
        for parameter in op.get("parameters", []):
            if "$ref" not in parameter:
                yield f"{method} {template} {parameter['name']}", parameter["schema"]
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            yield f"{method} {template} body {media}", content["schema"]
        for status, response in op["responses"].items():
            for media, content in response.get("content", {}).items():
                yield f"{method} {template} {status} {media}", content["schema"]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


# -- the document itself --------------------------------------------------------


def test_loads_from_the_installed_package() -> None:
    document = load_document()
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Tofupay Customers API (tofupay_fake)"
    assert document["info"]["version"] == tofupay_fake.__version__
    assert document["servers"] == [{"url": "http://127.0.0.1:12111"}]


def test_file_is_stable_two_space_json_ending_with_a_newline() -> None:
    text = (importlib.resources.files("tofupay_fake") / "openapi.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_every_ref_resolves(doc: dict[str, Any]) -> None:
    validator = Validator(doc)
    found = sorted(set(refs(doc)))
    assert "#/components/schemas/Customer" in found
    for ref in found:
        validator.resolve(ref)  # KeyError names a dangling $ref


def test_every_component_is_used(doc: dict[str, Any]) -> None:
    used = set(refs(doc))
    for kind in ("schemas", "parameters", "headers", "responses"):
        for name in doc["components"][kind]:
            assert f"#/components/{kind}/{name}" in used, f"unused component {kind}/{name}"


@pytest.mark.parametrize(
    "name",
    [
        "Customer",
        "DeletedCustomer",
        "Deleted",
        "Card",
        "Token",
        "CustomerList",
        "CardList",
        "SubscriptionList",
        "Error",
        "Event",
    ],
)
def test_named_components_exist(doc: dict[str, Any], name: str) -> None:
    schema = doc["components"]["schemas"][name]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False


def test_schemas_use_only_the_checked_subset(doc: dict[str, Any]) -> None:
    """Well-formed schemas, and none the body checks here would silently pass."""
    for where, top in schema_positions(doc):
        for schema in subschemas(top):
            if isinstance(schema, bool):
                continue
            unknown = set(schema) - ASSERTIONS - ANNOTATIONS
            assert not unknown, f"{where}: keywords {sorted(unknown)}"
            types = schema.get("type", [])
            for name in types if isinstance(types, list) else [types]:
                assert name in _TYPES, f"{where}: type {name!r}"
            if "pattern" in schema:
                re.compile(schema["pattern"])
            if "properties" in schema and schema.get("additionalProperties") is False:
                missing = set(schema.get("required", ())) - set(schema["properties"])
                assert not missing, f"{where}: required but not a property: {missing}"
            for keyword in ("enum", "required", "anyOf", "oneOf"):
                if keyword in schema:
                    assert isinstance(schema[keyword], list) and schema[keyword], where
            if "enum" in schema and "type" in schema:
                for option in schema["enum"]:
                    assert not Validator(doc).errors(option, {"type": schema["type"]}), where
            for example in schema.get("examples", []):
                assert not Validator(doc).errors(example, schema), f"{where}: {example!r}"


def test_operations_are_well_formed(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    validator = Validator(doc)
    for method, template, op in operations(doc):
        where = f"{method} {template}"
        resolved = [
            validator.resolve(p["$ref"]) if "$ref" in p else p for p in op.get("parameters", [])
        ]
        declared = {(p["name"], p["in"]) for p in resolved}
        assert len(declared) == len(resolved), f"{where}: a parameter twice"
        for parameter in resolved:
            assert parameter["in"] in ("query", "header", "path", "cookie"), where
            assert "schema" in parameter, where
            if parameter["in"] == "path":
                assert parameter["required"] is True, where
            if "style" in parameter:
                allowed = {"query": {"form", "deepObject"}, "header": {"simple"}}
                assert parameter["style"] in allowed[parameter["in"]], where
        in_path = set(re.findall(r"\{([^}]+)\}", template))
        assert in_path == {name for name, where_ in declared if where_ == "path"}, where
        assert op["responses"], where
        for status, response in op["responses"].items():
            assert status == "default" or re.fullmatch(r"[1-5][0-9]{2}", status), where
            response = validator.resolve(response["$ref"]) if "$ref" in response else response
            assert response["description"], where
            for header in response.get("headers", {}).values():
                header = validator.resolve(header["$ref"]) if "$ref" in header else header
                assert "schema" in header, where
        body = op.get("requestBody")
        if body is not None:
            for media, content in body["content"].items():
                schema = content["schema"]
                properties = validator.resolve(schema["$ref"]) if "$ref" in schema else schema
                names: set[str] = set(properties.get("properties", {}))
                for branch in properties.get("anyOf", []):
                    branch = validator.resolve(branch["$ref"]) if "$ref" in branch else branch
                    names |= set(branch.get("properties", {}))
                for name, encoding in content.get("encoding", {}).items():
                    assert media == FORM, where
                    assert name in properties.get("properties", {}) or name in names, where
                    assert encoding == {"style": "deepObject", "explode": True}, where


def test_links_name_real_operations_and_params(doc: dict[str, Any]) -> None:
    validator = Validator(doc)
    by_id = {op["operationId"]: op for _, _, op in operations(doc)}
    links = [
        link
        for _, _, op in operations(doc)
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert links
    for link in links:
        target = by_id[link["operationId"]]
        declared = [
            validator.resolve(p["$ref"]) if "$ref" in p else p for p in target["parameters"]
        ]
        assert set(link["parameters"]) <= {f"{p['in']}.{p['name']}" for p in declared}
        for expression in link["parameters"].values():
            assert re.fullmatch(r"\$response\.body#/[a-z_]+", expression)


def test_security(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert doc["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
    for method, template, op in operations(doc):
        if template.startswith("/v1/"):
            assert "security" not in op, f"{method} {template} must use the global keys"
        else:
            assert op["security"] == [], f"{method} {template} needs no key"


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    """openapi-spec-validator checks the whole document; jsonschema each schema in it."""
    openapi_spec_validator.validate(doc)
    for where, schema in schema_positions(doc):
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            pytest.fail(f"{where}: {error.message}")


# -- the document against routes.ROUTES -------------------------------------------------


def test_v1_operations_are_exactly_the_routes(doc: dict[str, Any]) -> None:
    documented = {(m, t) for m, t, _ in operations(doc) if t.startswith("/v1/")}
    assert documented == {(route.method, route.template) for route in ROUTES}


def test_control_operations(doc: dict[str, Any]) -> None:
    documented = {(m, t) for m, t, _ in operations(doc) if not t.startswith("/v1/")}
    assert documented == CONTROL_OPERATIONS


def documented_params(doc: Mapping[str, Any], route: Route) -> tuple[set[str], set[str]]:
    """(query param names without a ``[]`` suffix, form body property names)."""
    op = operation(doc, route.method, route.template)
    validator = Validator(doc)
    query: set[str] = set()
    for parameter in op.get("parameters", []):
        parameter = validator.resolve(parameter["$ref"]) if "$ref" in parameter else parameter
        if parameter["in"] == "query":
            query.add(parameter["name"].removesuffix("[]"))
    body: set[str] = set()
    if "requestBody" in op:
        assert list(op["requestBody"]["content"]) == [FORM]
        body = set(op["requestBody"]["content"][FORM]["schema"]["properties"])
    return query, body


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_documented_params_are_the_route_params(doc: dict[str, Any], route: Route) -> None:
    query, body = documented_params(doc, route)
    if route.method == "POST":
        assert query == set()
        assert body == set(route.params)
        schema = operation(doc, route.method, route.template)["requestBody"]["content"][FORM]
        assert schema["schema"]["additionalProperties"] is False
    else:
        assert "requestBody" not in operation(doc, route.method, route.template)
        assert query == set(route.params)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_param_styles(doc: dict[str, Any], route: Route) -> None:
    """Arrays as ``name[]``, hashes as ``name[key]``: Stripe's bracket notation."""
    op = operation(doc, route.method, route.template)
    validator = Validator(doc)
    for parameter in op.get("parameters", []):
        parameter = validator.resolve(parameter["$ref"]) if "$ref" in parameter else parameter
        schemas = [s for s in subschemas(parameter["schema"]) if isinstance(s, dict)]
        if any(s.get("type") == "array" for s in schemas):
            assert parameter["name"].endswith("[]")
            assert (parameter["style"], parameter["explode"]) == ("form", True)
        if any(s.get("type") == "object" for s in schemas):
            assert (parameter["style"], parameter["explode"]) == ("deepObject", True)
    if "requestBody" in op:
        content = op["requestBody"]["content"][FORM]
        nested = set()
        for name, schema in content["schema"]["properties"].items():
            found = [s for s in subschemas(schema, validator) if isinstance(s, dict)]
            if any(s.get("type") in ("array", "object") for s in found):
                nested.add(name)
        assert set(content.get("encoding", {})) == nested
    if route.method == "POST":
        header = validator.resolve(op["parameters"][-1]["$ref"])
        assert (header["name"], header["in"]) == ("Idempotency-Key", "header")


# -- real requests and bodies ------------------------------------------------------------


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


@pytest.fixture
def world() -> World:
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


Request = tuple[str, list[tuple[str, str]]]  # (path, params)
Scenario = Callable[[World], list[Request]]


def _customer(w: World, tail: str = "") -> str:
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
        (_customer(w), []),
        (_customer(w), [("expand[]", "default_source")]),
        (f"/v1/customers/{w.deleted}", []),
    ],
    ("POST", "/v1/customers/{id}"): lambda w: [
        (
            _customer(w),
            [
                ("description", ""),
                ("email", ""),
                ("metadata[a]", "1"),
                ("metadata[b]", "2"),
                ("default_source", w.other_card),
                ("expand[]", "default_source"),
            ],
        ),
        (_customer(w), [("card", "tok_mastercard_prepaid"), ("metadata[a]", "")]),
        (_customer(w), [("account_balance", "9223372036854775807"), ("email", "b@c.io")]),
    ],
    ("DELETE", "/v1/customers/{id}"): lambda w: [(_customer(w), [])],
    ("GET", "/v1/customers/{id}/sources"): lambda w: [
        (_customer(w, "/sources"), []),
        (_customer(w, "/sources"), [("limit", "1"), ("object", "card")]),
        (_customer(w, "/sources"), [("object", "bank_account"), ("starting_after", w.card)]),
    ],
    ("POST", "/v1/customers/{id}/sources"): lambda w: [
        (_customer(w, "/sources"), [("source", "tok_jcb"), ("metadata[k]", "v")]),
        (_customer(w, "/sources"), [("source", "tok_mastercard_debit")]),
        (_customer(w, "/sources"), [(k.replace("card[", "source["), v) for k, v in CARD_DICT]),
    ],
    ("GET", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (_customer(w, f"/sources/{w.card}"), []),
    ],
    ("POST", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (
            _customer(w, f"/sources/{w.card}"),
            [
                ("name", "Kif"),
                ("exp_month", "1"),
                ("exp_year", "2031"),
                ("address_line1", "1 Main St"),
                ("address_zip", "10001"),
                ("metadata[k]", "v"),
            ],
        ),
        (_customer(w, f"/sources/{w.card}"), [("name", ""), ("metadata", "")]),
    ],
    ("DELETE", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (_customer(w, f"/sources/{w.card}"), []),
    ],
    ("GET", "/v1/customers/{id}/subscriptions"): lambda w: [
        (_customer(w, "/subscriptions"), []),
        (_customer(w, "/subscriptions"), [("limit", "3")]),
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
            _customer(w),
            [(k, "4242424242424241" if k == "card[number]" else v) for k, v in CARD_DICT],
        )
    ],
    ("POST", "/v1/customers/{id}/sources"): lambda w: [
        (_customer(w, "/sources"), [("source", "tok_chargeDeclinedExpiredCard")])
    ],
    ("POST", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (_customer(w, f"/sources/{w.card}"), [("exp_month", "12"), ("exp_year", "2014")])
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
        (_customer(w, "/sources"), [("ending_before", "card_000000000000000000000000")]),
    ],
    ("POST", "/v1/customers/{id}/sources"): lambda w: [
        (f"/v1/customers/{MISSING}/sources", [("source", "tok_visa")])
    ],
    ("GET", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (_customer(w, "/sources/card_000000000000000000000000"), [])
    ],
    ("POST", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (f"/v1/customers/{MISSING}/sources/{w.card}", [("name", "x")])
    ],
    ("DELETE", "/v1/customers/{id}/sources/{card}"): lambda w: [
        (_customer(w, "/sources/card_000000000000000000000000"), [])
    ],
    ("GET", "/v1/customers/{id}/subscriptions"): lambda w: [
        (f"/v1/customers/{MISSING}/subscriptions", []),
        (_customer(w, "/subscriptions"), [("starting_after", "sub_0")]),
    ],
    ("GET", "/v1/tokens/{id}"): lambda w: [("/v1/tokens/tok_000000000000000000000000", [])],
}


def key_of(route: Route) -> tuple[str, str]:
    return route.method, route.template


def a_path(world: World, route: Route) -> str:
    """The route's path with ids of objects that exist."""
    ident = world.token if route.template.startswith("/v1/tokens/") else world.customer
    return route.template.format(id=ident, card=world.card)


def check_request(doc: Mapping[str, Any], route: Route, pairs: list[tuple[str, str]]) -> None:
    """The params as the fake decodes them fit the documented params (values on the wire)."""
    op = operation(doc, route.method, route.template)
    validator = Validator(doc, wire=True)
    decoded = params.decode_form(pairs)
    if route.method == "POST":
        body = op["requestBody"]
        if body["required"]:
            assert decoded, "the documented body is required"
        errors = validator.errors(decoded, body["content"][FORM]["schema"], "body")
        assert not errors, errors
        return
    by_name = {}
    for parameter in op.get("parameters", []):
        parameter = validator.resolve(parameter["$ref"]) if "$ref" in parameter else parameter
        if parameter["in"] == "query":
            by_name[parameter["name"].removesuffix("[]")] = parameter
    for name, value in decoded.items():
        assert name in by_name, f"undocumented query param {name}"
        errors = validator.errors(value, by_name[name]["schema"], name)
        assert not errors, errors


def check_response(
    doc: Mapping[str, Any], route: Route, response: Response, *, status: int
) -> dict[str, Any]:
    """The response has ``status``, documented for the route, with a body and headers that fit."""
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    op = operation(doc, route.method, route.template)
    assert str(status) in op["responses"], f"{status} is not documented for {route_id(route)}"
    validator = Validator(doc)
    documented = op["responses"][str(status)]
    documented = validator.resolve(documented["$ref"]) if "$ref" in documented else documented
    headers = dict(response.headers)
    assert headers["Content-Type"] in documented["content"]
    schema = documented["content"][headers["Content-Type"]]["schema"]
    errors = validator.errors(body, schema)
    assert not errors, f"{route_id(route)} {status}: {errors}\n{json.dumps(body, indent=1)}"
    declared = {name: validator.resolve(h["$ref"]) for name, h in documented["headers"].items()}
    for name, header in declared.items():
        if header.get("required"):
            assert name in headers, f"the documented header {name} is missing"
        if name in headers:
            assert not validator.errors(headers[name], header["schema"], name)
    for name in headers:
        assert name == "Content-Type" or name in declared, f"undocumented header {name}"
    return body


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_success_bodies_fit_the_document(doc: dict[str, Any], world: World, route: Route) -> None:
    requests = SUCCESSES[key_of(route)](world)
    assert requests
    for path, pairs in requests:
        check_request(doc, route, pairs)
        check_response(doc, route, world.send(route.method, path, pairs), status=200)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_unknown_param_is_a_documented_400(doc: dict[str, Any], world: World, route: Route) -> None:
    body = check_response(
        doc, route, world.send(route.method, a_path(world, route), [("bogus", "1")]), status=400
    )
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": "Received unknown parameter: bogus",
        "param": "bogus",
    }


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=route_id)
def test_json_body_and_idempotency_mismatch_are_documented_400s(
    doc: dict[str, Any], world: World, route: Route
) -> None:
    path = a_path(world, route)
    as_json = world.send(
        "POST", path, headers={"Content-Type": "application/json"}, pairs=[("a", "b")]
    )
    check_response(doc, route, as_json, status=400)
    world.send("POST", path, [("bogus", "1")], headers={"Idempotency-Key": "k1"})
    reused = world.send("POST", path, [("bogus", "2")], headers={"Idempotency-Key": "k1"})
    assert check_response(doc, route, reused, status=400)["error"]["type"] == "idempotency_error"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=route_id)
def test_replayed_answer_has_the_documented_header(
    doc: dict[str, Any], world: World, route: Route
) -> None:
    path, pairs = SUCCESSES[key_of(route)](world)[0]
    first = world.send("POST", path, pairs, headers={"Idempotency-Key": "replay-me"})
    again = world.send("POST", path, pairs, headers={"Idempotency-Key": "replay-me"})
    assert again.content == first.content
    assert ("Idempotent-Replayed", "true") in again.headers
    check_response(doc, route, again, status=first.status_code)


@pytest.mark.parametrize("key", [None, "pk_test_notASecretKey", "sk_test_"])
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_bad_key_is_a_documented_401(
    doc: dict[str, Any], world: World, route: Route, key: str | None
) -> None:
    response = world.send(route.method, a_path(world, route), key=key)
    assert (
        check_response(doc, route, response, status=401)["error"]["type"] == "authentication_error"
    )


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_402_is_documented_exactly_where_cards_are_taken(doc: dict[str, Any], route: Route) -> None:
    documented = "402" in operation(doc, route.method, route.template)["responses"]
    assert documented == (key_of(route) in CARD_ERRORS)


@pytest.mark.parametrize("route", [r for r in ROUTES if key_of(r) in CARD_ERRORS], ids=route_id)
def test_card_errors_fit_the_document(doc: dict[str, Any], world: World, route: Route) -> None:
    for path, pairs in CARD_ERRORS[key_of(route)](world):
        check_request(doc, route, pairs)  # a well-formed request the card check refuses
        error = check_response(doc, route, world.send(route.method, path, pairs), status=402)
        assert error["error"]["type"] == "card_error"
        assert "code" in error["error"]


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_404_is_documented_exactly_where_objects_are_named(
    doc: dict[str, Any], route: Route
) -> None:
    documented = "404" in operation(doc, route.method, route.template)["responses"]
    assert documented == (key_of(route) in NOT_FOUND)


@pytest.mark.parametrize("route", [r for r in ROUTES if key_of(r) in NOT_FOUND], ids=route_id)
def test_not_found_fits_the_document(doc: dict[str, Any], world: World, route: Route) -> None:
    for path, pairs in NOT_FOUND[key_of(route)](world):
        check_request(doc, route, pairs)
        error = check_response(doc, route, world.send(route.method, path, pairs), status=404)
        assert error["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_documented_error_statuses(doc: dict[str, Any], route: Route) -> None:
    statuses = set(operation(doc, route.method, route.template)["responses"])
    expected = ALWAYS | {"200", "default"}
    expected |= {"402"} if key_of(route) in CARD_ERRORS else set()
    expected |= {"404"} if key_of(route) in NOT_FOUND else set()
    assert statuses == expected


@pytest.mark.parametrize(
    ("fault", "status"), [("rate_limit", 429), ("api_error", 500), (503, 503), (409, 409)]
)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_injected_faults_fit_the_document(
    doc: dict[str, Any], world: World, route: Route, fault: str | int, status: int
) -> None:
    world.fake.fail_next(fault)
    response = world.send(route.method, a_path(world, route))
    if str(status) not in operation(doc, route.method, route.template)["responses"]:
        # statuses only fail_next makes are the documented `default` response
        op = operation(doc, route.method, route.template)
        schema = Validator(doc).resolve(op["responses"]["default"]["$ref"])
        assert response.status_code == status
        assert not Validator(doc).errors(
            response.json(), schema["content"]["application/json"]["schema"]
        )
        return
    check_response(doc, route, response, status=status)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_oversized_body_is_a_documented_413(
    doc: dict[str, Any], world: World, route: Route
) -> None:
    body = b"a=" + b"x" * MAX_BODY_BYTES
    response = world.fake.handle(
        route.method, a_path(world, route), headers={"Authorization": f"Bearer {KEY}"}, body=body
    )
    check_response(doc, route, response, status=413)


def test_events_and_seeded_customers_fit_the_document(doc: dict[str, Any], world: World) -> None:
    seeded = world.fake.seed_customers(3, api_key=KEY, with_cards=True)
    for route in sorted(ROUTES, key=lambda r: r.method == "DELETE"):  # deletes last
        for path, pairs in SUCCESSES[key_of(route)](world):
            world.send(route.method, path, pairs)
    validator = Validator(doc)
    schemas = doc["components"]["schemas"]
    for customer in seeded:
        assert not validator.errors(customer, schemas["Customer"])
    kinds = {event["type"] for event in world.fake.events}
    assert kinds == set(schemas["Event"]["properties"]["type"]["enum"])
    events = {"object": "list", "data": list(world.fake.events)}
    assert not validator.errors(events, schemas["EventList"])


# -- the validator finds what it should ------------------------------------------------------


def test_validator_rejects_bodies_that_differ_from_the_document(
    doc: dict[str, Any], world: World
) -> None:
    validator = Validator(doc)
    schema = {"$ref": "#/components/schemas/Customer"}
    customer = world.ok("GET", _customer(world))
    assert not validator.errors(customer, schema)
    card = customer["sources"]["data"][0]
    mutations: list[Callable[[dict[str, Any]], None]] = [
        lambda c: c.pop("email"),
        lambda c: c.update(extra=1),
        lambda c: c.update(livemode="false"),
        lambda c: c.update(created=True),
        lambda c: c.update(metadata={"a": 1}),
        lambda c: c.update(default_source=5),
        lambda c: c.update(id="cus_short"),
        lambda c: c["sources"].update(object="card"),
        lambda c: c["sources"]["data"].append({**card, "brand": "Tofu"}),
        lambda c: c["sources"]["data"].append({**card, "fingerprint": None}),
        lambda c: c["subscriptions"]["data"].append({}),
    ]
    for mutate in mutations:
        changed = json.loads(json.dumps(customer))
        mutate(changed)
        assert validator.errors(changed, schema), changed
    error = {"$ref": "#/components/schemas/Error"}
    assert not validator.errors({"error": {"type": "api_error", "message": "x"}}, error)
    assert validator.errors({"error": {"type": "oops", "message": "x"}}, error)
    assert validator.errors({"error": {"type": "api_error"}}, error)
    assert Validator(doc, wire=True).errors("abc", {"type": "integer"})
    assert not Validator(doc, wire=True).errors("-12", {"type": "integer", "minimum": -12})


# -- the control endpoints (server mode) ----------------------------------------------------------


def control(
    world: World,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str = FORM,
    query: str = "",
) -> tuple[int, dict[str, Any]]:
    from tofupay_fake import control as control_endpoints

    headers = {"content-type": content_type} if body else {}
    return control_endpoints.handle(world.fake, method, path, query, headers, body)


def check_control(
    doc: Mapping[str, Any], method: str, path: str, answer: tuple[int, dict[str, Any]], status: int
) -> dict[str, Any]:
    got, body = answer
    assert got == status, body
    responses = operation(doc, method, path)["responses"]
    assert str(status) in responses, f"{status} is not documented for {method} {path}"
    validator = Validator(doc)
    documented = responses[str(status)]
    documented = validator.resolve(documented["$ref"]) if "$ref" in documented else documented
    errors = validator.errors(body, documented["content"]["application/json"]["schema"])
    assert not errors, f"{method} {path} {status}: {errors}"
    return body


def check_control_request(
    doc: Mapping[str, Any], path: str, media: str, sent: Mapping[str, Any]
) -> None:
    schema = operation(doc, "POST", path)["requestBody"]["content"][media]["schema"]
    errors = Validator(doc, wire=media == FORM).errors(dict(sent), schema, "body")
    assert not errors, errors


def test_control_endpoints_take_no_key_and_answer_as_documented(
    doc: dict[str, Any], world: World
) -> None:
    world.fake.fail_next(ValueError)  # an exception fault: recorded with status 0
    with pytest.raises(InjectedException):
        world.send("GET", "/v1/customers")
    world.send("POST", "/v1/customers", [("metadata[a]", "b"), ("expand[]", "default_source")])
    world.send("GET", "/v1/customers", key=None)
    calls = check_control(doc, "GET", "/_fake/calls", control(world, "GET", "/_fake/calls"), 200)
    assert {call["status_code"] for call in calls["data"]} >= {0, 200, 401}
    events = check_control(doc, "GET", "/_fake/events", control(world, "GET", "/_fake/events"), 200)
    assert events["data"]
    reset = control(world, "POST", "/_fake/reset")
    assert check_control(doc, "POST", "/_fake/reset", reset, 200) == {"reset": True}
    for method, path in [
        ("GET", "/_fake/calls"),
        ("GET", "/_fake/events"),
        ("POST", "/_fake/reset"),
    ]:
        check_control(doc, method, path, control(world, method, path, query="bogus=1"), 400)
        big = b"a=" + b"x" * MAX_BODY_BYTES
        check_control(doc, method, path, control(world, method, path, body=big), 413)


@pytest.mark.parametrize(
    ("media", "sent"),
    [
        (FORM, {"error": "rate_limit"}),
        (FORM, {"error": "503", "method": "post", "path": "/v1/customers/*", "times": "3"}),
        (FORM, {"error": "card_declined", "method": "", "path": ""}),
        ("application/json", {"error": 418, "times": 1000}),
        ("application/json", {"error": "api_error", "method": "DELETE"}),
    ],
)
def test_fail_next_fits_the_document(
    doc: dict[str, Any], world: World, media: str, sent: dict[str, Any]
) -> None:
    check_control_request(doc, "/_fake/fail_next", media, sent)
    body = urlencode(sent).encode() if media == FORM else json.dumps(sent).encode()
    answer = control(world, "POST", "/_fake/fail_next", body, media)
    queued = check_control(doc, "POST", "/_fake/fail_next", answer, 200)
    assert queued == {"queued": int(sent.get("times", 1))}


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"error": "oops"},
        {"error": "600"},
        {"error": "api_error", "times": "0"},
        {"error": "api_error", "method": "PUT"},
        {"error": "api_error", "path": "v1/customers"},
        {"error": "api_error", "bogus": "1"},
    ],
)
def test_fail_next_refusals_are_outside_the_document(
    doc: dict[str, Any], world: World, sent: dict[str, str]
) -> None:
    schema = operation(doc, "POST", "/_fake/fail_next")["requestBody"]["content"][FORM]["schema"]
    assert Validator(doc, wire=True).errors(sent, schema), "the document allows it"
    answer = control(world, "POST", "/_fake/fail_next", urlencode(sent).encode())
    check_control(doc, "POST", "/_fake/fail_next", answer, 400)


@pytest.mark.parametrize(
    ("media", "sent", "status"),
    [
        (FORM, {"api_key": KEY, "n": "3"}, 200),
        (FORM, {"api_key": KEY, "n": "2", "with_cards": "true", "description": "Same"}, 200),
        ("application/json", {"api_key": KEY, "n": 0}, 200),
        ("application/json", {"api_key": "sk_live_x1", "n": 1, "with_cards": True}, 200),
        (FORM, {"api_key": KEY}, 200),
        (FORM, {"api_key": KEY, "id": "cus_5V50idQJ7fxkRX", "email": "kif@hong.com"}, 200),
        (
            "application/json",
            {"api_key": KEY, "metadata": {"a": "b"}, "source": "tok_visa", "account_balance": 7},
            200,
        ),
        (FORM, {"api_key": KEY, "source": "tok_chargeDeclined"}, 402),
    ],
)
def test_seeding_customers_fits_the_document(
    doc: dict[str, Any], world: World, media: str, sent: dict[str, Any], status: int
) -> None:
    check_control_request(doc, "/_fake/customers", media, sent)
    body = urlencode(sent).encode() if media == FORM else json.dumps(sent).encode()
    answer = control(world, "POST", "/_fake/customers", body, media)
    made = check_control(doc, "POST", "/_fake/customers", answer, status)
    if status == 200:
        assert len(made["data"]) == int(sent.get("n", 1))


@pytest.mark.parametrize(
    "sent",
    [
        {"n": "1"},
        {"api_key": "pk_test_x", "n": "1"},
        {"api_key": KEY, "n": "-1"},
        {"api_key": KEY, "n": "1", "id": "cus_5V50idQJ7fxkRX"},
        {"api_key": KEY, "id": "cus_short"},
        {"api_key": KEY, "bogus": "1"},
        {"api_key": KEY, "email": "not an email"},
        {"api_key": KEY, "metadata[a[b]]": "1"},
    ],
)
def test_seeding_refusals_are_outside_the_document(
    doc: dict[str, Any], world: World, sent: dict[str, str]
) -> None:
    schema = operation(doc, "POST", "/_fake/customers")["requestBody"]["content"][FORM]["schema"]
    assert Validator(doc, wire=True).errors(sent, schema), "the document allows it"
    answer = control(world, "POST", "/_fake/customers", urlencode(sent).encode())
    check_control(doc, "POST", "/_fake/customers", answer, 400)


def test_the_server_serves_this_document() -> None:
    from tofupay_fake.transports.asgi_app import make_app

    served = make_app(FakeTofupay()).openapi()
    packaged = (importlib.resources.files("tofupay_fake") / "openapi.json").read_bytes()
    assert served == packaged
