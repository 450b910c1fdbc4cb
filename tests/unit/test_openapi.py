"""tofupay_fake/openapi.json: a valid OpenAPI 3.1 document that agrees with routes.ROUTES.

openapi-spec-validator checks the whole document and jsonschema each schema in
it; the tests here check what those cannot: every ``$ref`` resolves and every
component is used, the operations are exactly routes.ROUTES' plus what the
server answers besides (the control tables, the pages and scripts, the token
preflight), every ``/_fake/`` operation documents the 403 of a foreign page, and
each operation's params are its route's, in Stripe's bracket notation. That real requests and answers fit the document is
test_openapi_bodies.py's part; openapi_helpers.py holds what both share.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
import pytest

import tofupay_fake
from tests.unit.openapi_helpers import (
    FORM,
    deref,
    load_document,
    located,
    operation,
    operations,
    pointer,
    query_params,
    resolve,
    route_id,
    schema_errors,
)
from tofupay_fake import control, dashboard
from tofupay_fake.routes import ROUTES, Route
from tofupay_fake.transports.asgi_app import CORS_PATHS

#: What the server answers besides routes.ROUTES: the tables it dispatches on, so an
#: endpoint added there without documentation fails test_server_operations_are_documented.
CONTROL_OPERATIONS = {
    *control.ENDPOINTS,
    *control.RAW_ENDPOINTS,
    ("POST", control.SNAPSHOT_PATH),  # answered before the tables (a larger body)
    *(("GET", path) for path in dashboard.ASSETS),
    ("GET", "/openapi.json"),
}
#: The CORS preflights of the paths a page of any origin may call.
PREFLIGHTS = {("OPTIONS", path) for path in CORS_PATHS}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return load_document()


def schema_positions(doc: Mapping[str, Any]) -> Iterator[str]:
    """The pointer of every schema the document holds (not those inside other schemas)."""
    components = doc["components"]
    for name in components["schemas"]:
        yield pointer("components", "schemas", name)
    for kind in ("parameters", "headers"):
        for name in components[kind]:
            yield pointer("components", kind, name, "schema")
    for method, template, op in operations(doc):
        at = pointer("paths", template, method.lower())
        for index, parameter in enumerate(op.get("parameters", [])):
            if "$ref" not in parameter:
                yield at + pointer("parameters", str(index), "schema")
        for media in op.get("requestBody", {}).get("content", {}):
            yield at + pointer("requestBody", "content", media, "schema")
        for status, response in op["responses"].items():
            for media in response.get("content", {}):
                yield at + pointer("responses", status, "content", media, "schema")


def subschemas(
    doc: Mapping[str, Any], at: str, *, follow: bool = False
) -> Iterator[tuple[str, Any]]:
    """The schema at ``at`` and every schema in it (and behind its ``$ref``s, with ``follow``)."""

    def walk(at: str, schema: Any, seen: frozenset[str]) -> Iterator[tuple[str, Any]]:
        yield at, schema
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if follow and ref is not None and ref not in seen:
            yield from walk(ref.removeprefix("#"), resolve(doc, ref), seen | {ref})
        for name, child in schema.get("properties", {}).items():
            yield from walk(at + pointer("properties", name), child, seen)
        for keyword in ("additionalProperties", "items", "not", "propertyNames"):
            if keyword in schema:
                yield from walk(at + pointer(keyword), schema[keyword], seen)
        for keyword in ("anyOf", "oneOf", "allOf"):
            for index, child in enumerate(schema.get(keyword, [])):
                yield from walk(at + pointer(keyword, str(index)), child, seen)

    yield from walk(at, resolve(doc, "#" + at), frozenset())


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
    found = sorted(set(refs(doc)))
    assert "#/components/schemas/Customer" in found
    for ref in found:
        assert ref.startswith("#/components/"), f"only local $refs are used: {ref}"
        resolve(doc, ref)  # referencing.exceptions.Unresolvable names a dangling $ref


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


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    """openapi-spec-validator checks the whole document; jsonschema each schema in it."""
    import openapi_spec_validator  # imported here: ~0.25 s a process that collects this module

    openapi_spec_validator.validate(doc)
    for at in schema_positions(doc):
        try:
            jsonschema.Draft202012Validator.check_schema(resolve(doc, "#" + at))
        except jsonschema.SchemaError as error:
            pytest.fail(f"{at}: {error.message}")


def test_schemas_agree_with_themselves(doc: dict[str, Any]) -> None:
    """What a well-formed schema may still get wrong: unsatisfiable ``required``, bad examples."""
    for top in schema_positions(doc):
        for at, schema in subschemas(doc, top):
            if not isinstance(schema, dict):
                continue
            if "properties" in schema and schema.get("additionalProperties") is False:
                missing = set(schema.get("required", ())) - set(schema["properties"])
                assert not missing, f"{at}: required but not a property: {missing}"
            if "enum" in schema and "type" in schema:
                of_type = jsonschema.Draft202012Validator({"type": schema["type"]})
                assert all(of_type.is_valid(option) for option in schema["enum"]), at
            for example in schema.get("examples", []):
                assert not schema_errors(doc, example, at), f"{at}: {example!r}"


def test_operations_are_well_formed(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    for method, template, op in operations(doc):
        where = f"{method} {template}"
        resolved = [deref(doc, p) for p in op.get("parameters", [])]
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
            response = deref(doc, response)
            assert response["description"], where
            for header in response.get("headers", {}).values():
                assert "schema" in deref(doc, header), where
        body = op.get("requestBody")
        if body is not None:
            for media, content in body["content"].items():
                properties = deref(doc, content["schema"])
                names: set[str] = set(properties.get("properties", {}))
                for branch in properties.get("anyOf", []):
                    names |= set(deref(doc, branch).get("properties", {}))
                for name, encoding in content.get("encoding", {}).items():
                    assert media == FORM, where
                    assert name in names, where
                    assert encoding == {"style": "deepObject", "explode": True}, where


def test_links_name_real_operations_and_params(doc: dict[str, Any]) -> None:
    by_id = {op["operationId"]: op for _, _, op in operations(doc)}
    links = [
        link
        for _, _, op in operations(doc)
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert links
    for link in links:
        declared = [deref(doc, p) for p in by_id[link["operationId"]]["parameters"]]
        assert set(link["parameters"]) <= {f"{p['in']}.{p['name']}" for p in declared}
        for expression in link["parameters"].values():
            assert re.fullmatch(r"\$response\.body#/[a-z_]+", expression)


def test_security(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert doc["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
    for method, template, op in operations(doc):
        if template.startswith("/v1/") and method != "OPTIONS":
            assert "security" not in op, f"{method} {template} must use the global keys"
        else:
            assert op["security"] == [], f"{method} {template} needs no key"


def test_the_server_serves_this_document() -> None:
    from tofupay_fake import FakeTofupay
    from tofupay_fake.transports.asgi_app import make_app

    served = make_app(FakeTofupay()).openapi()
    packaged = (importlib.resources.files("tofupay_fake") / "openapi.json").read_bytes()
    assert served == packaged


# -- the document against routes.ROUTES -------------------------------------------------


def test_v1_operations_are_exactly_the_routes(doc: dict[str, Any]) -> None:
    documented = {(m, t) for m, t, _ in operations(doc) if t.startswith("/v1/")}
    assert documented == {(route.method, route.template) for route in ROUTES} | PREFLIGHTS


def test_server_operations_are_documented(doc: dict[str, Any]) -> None:
    """Every control endpoint, page and script the server answers, and nothing else."""
    documented = {(m, t) for m, t, _ in operations(doc) if not t.startswith("/v1/")}
    assert documented == CONTROL_OPERATIONS
    assert {("GET", "/_fake/clock"), ("POST", "/_fake/fixtures"), ("GET", "/_fake/")} <= documented


def test_control_operations_document_the_403_of_foreign_pages(doc: dict[str, Any]) -> None:
    """The guard refuses a foreign ``Origin`` or ``Host`` on every ``/_fake/`` path."""
    for method, template, op in operations(doc):
        forbidden = op["responses"].get("403")
        if template.startswith(control.PREFIX):
            assert forbidden == {"$ref": "#/components/responses/ControlForbidden"}, template
        else:
            assert forbidden is None, f"{method} {template} is open to every page"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_documented_params_are_the_route_params(doc: dict[str, Any], route: Route) -> None:
    op = operation(doc, route.method, route.template)
    query = set(query_params(doc, route.method, route.template))
    if route.method == "POST":
        assert query == set()
        assert list(op["requestBody"]["content"]) == [FORM]
        schema = op["requestBody"]["content"][FORM]["schema"]
        assert set(schema["properties"]) == set(route.params)
        assert schema["additionalProperties"] is False
    else:
        assert "requestBody" not in op
        assert query == set(route.params)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_param_styles(doc: dict[str, Any], route: Route) -> None:
    """Arrays as ``name[]``, hashes as ``name[key]``: Stripe's bracket notation."""
    op = operation(doc, route.method, route.template)
    at = pointer("paths", route.template, route.method.lower())
    for index in range(len(op.get("parameters", []))):
        parameter_at = located(doc, at + pointer("parameters", str(index)))
        parameter = resolve(doc, "#" + parameter_at)
        schemas = [s for _, s in subschemas(doc, parameter_at + "/schema") if isinstance(s, dict)]
        if any(s.get("type") == "array" for s in schemas):
            assert parameter["name"].endswith("[]")
            assert (parameter["style"], parameter["explode"]) == ("form", True)
        if any(s.get("type") == "object" for s in schemas):
            assert (parameter["style"], parameter["explode"]) == ("deepObject", True)
    if "requestBody" in op:
        content = op["requestBody"]["content"][FORM]
        body_at = at + pointer("requestBody", "content", FORM, "schema")
        nested = set()
        for name in content["schema"]["properties"]:
            found = subschemas(doc, body_at + pointer("properties", name), follow=True)
            if any(isinstance(s, dict) and s.get("type") in ("array", "object") for _, s in found):
                nested.add(name)
        assert set(content.get("encoding", {})) == nested
    if route.method == "POST":
        header = deref(doc, op["parameters"][-1])
        assert (header["name"], header["in"]) == ("Idempotency-Key", "header")
