"""Every error of the Core scope: exact status, type, message, param (code, decline_code)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import MakeApi
from tests.api.helpers import START, assert_error, create, list_ids, ok
from tests.api_cards import DECLINES as DOCUMENTED_DECLINES
from tests.api_cards import DECLINING_TOKENS
from tests.conftest import KEY, LIVE_KEY, OTHER_KEY, Api
from tofupay_fake import FakeTofupay

IRE = "invalid_request_error"
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY') or Basic auth "
    "(curl -u YOUR_SECRET_KEY:). See https://tofupay.com/docs/api#authentication for details."
)
MALFORMED = (
    "Invalid Authorization header. Send your secret key as 'Authorization: Bearer sk_test_...' "
    "or with Basic auth, the key as user name and an empty password (curl -u sk_test_...:)."
)
JSON_BODY = (
    "Invalid request: request bodies must be form-encoded (Content-Type: "
    "application/x-www-form-urlencoded), not JSON. With httpx or requests pass data={...} rather than json={...}."
)
UNSUPPORTED = (
    "Invalid request: unsupported Content-Type '{}'; request bodies must be form-encoded "
    "(application/x-www-form-urlencoded)."
)
CANNOT_UNSET = (
    "You passed an empty string for '{0}'. We assume empty values are an attempt to unset a "
    "parameter; however '{0}' cannot be unset. You should remove '{0}' from your request or "
    "supply a non-empty value."
)
CONFLICT = (
    "Invalid parameter {0}: it was sent both as a single value and as a hash or array "
    "(e.g. both {0}=... and {0}[...]=...)."
)
BOTH_CURSORS = "You may only specify one of these parameters: starting_after, ending_before."
PUBLISHABLE = "This API call cannot be made with a publishable API key."
TOO_SMALL = "This value must be greater than or equal to 1."
TOO_LARGE = "This value must be less than or equal to 100."

# -- 401 ---------------------------------------------------------------------------


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        pytest.param(None, NO_KEY, id="no-header"),
        # "Bearer " is an illegal header value on the wire (h11 refuses to send it).
        pytest.param("Bearer ", NO_KEY, id="bearer-empty", marks=pytest.mark.in_process),
        pytest.param("Basic", NO_KEY, id="basic-empty"),
        pytest.param("Basic OnB3", NO_KEY, id="basic-password-only"),
        pytest.param("Bearer pk_test_abcdefgh", PUBLISHABLE),
        pytest.param("Bearer pk_live_51HqAbcd", PUBLISHABLE),
        pytest.param("Bearer rk_test_abcd1234", "Invalid API Key provided: rk_test_****"),
        pytest.param("Bearer rk_test_abcd12345678", "Invalid API Key provided: rk_test_****5678"),
        pytest.param("Bearer sk_test_", "Invalid API Key provided: sk_test_****"),
        pytest.param("Bearer garbage-key", "Invalid API Key provided: ****"),
        pytest.param("Bearer garbage-key-long", "Invalid API Key provided: ****long"),
        pytest.param("Bearer abcd", "Invalid API Key provided: ****"),
        pytest.param("Token sk_test_abc", MALFORMED, id="token-scheme"),
        pytest.param("Digest username=sk_test_abc", MALFORMED, id="digest-scheme"),
        pytest.param("sk_test_abc", MALFORMED, id="no-scheme"),
        pytest.param("Basic !!!", MALFORMED, id="basic-not-base64"),
        pytest.param("Basic /zo=", MALFORMED, id="basic-not-utf8"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/customers"), ("POST", "/v1/customers"), ("GET", "/v1/customers/cus_x"),
     ("DELETE", "/v1/customers/cus_x"), ("GET", "/v1/unknown")],
)  # fmt: skip
def test_authentication_errors(
    api: Api, authorization: str | None, message: str, method: str, path: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api.request(method, path, key=None, headers=headers)
    assert_error(response, 401, "authentication_error", message)


@pytest.mark.parametrize("auth", ["basic", "bearer"])
def test_non_secret_key_is_masked_with_basic_auth_too(api: Api, auth: str) -> None:
    response = api.post("/v1/customers", key="rk_test_qg15eqpUrbT6Gufhjq9ds0Jc", auth=auth)
    assert_error(
        response, 401, "authentication_error", "Invalid API Key provided: rk_test_****s0Jc"
    )


def test_authentication_comes_before_params_and_body_checks(api: Api) -> None:
    assert_error(
        api.post("/v1/customers", key=None, json={"a": 1}), 401, "authentication_error", NO_KEY
    )
    response = api.get("/v1/customers", key="pk_test_abcdefgh", params={"limit": "abc"})
    assert_error(response, 401, "authentication_error", PUBLISHABLE)


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("key", "auth", "message"),
    [
        (OTHER_KEY, "basic", "Invalid API Key provided: sk_test_****0000"),
        (OTHER_KEY, "bearer", "Invalid API Key provided: sk_test_****0000"),
        (LIVE_KEY, "basic", "Invalid API Key provided: sk_live_****0000"),
        ("pk_test_abcdefgh", "bearer", PUBLISHABLE),
    ],
)
def test_allow_list_rejects_other_keys(
    api_with: MakeApi, key: str, auth: str, message: str
) -> None:
    _, api = api_with(api_keys=[KEY])
    assert_error(api.get("/v1/customers", key=key, auth=auth), 401, "authentication_error", message)
    assert_error(api.get("/v1/unknown", key=key, auth=auth), 401, "authentication_error", message)
    assert ok(api.get("/v1/customers", key=KEY, auth=auth))["data"] == []


def test_allow_list_must_be_a_list_not_one_key() -> None:
    with pytest.raises(TypeError, match="api_keys takes a list of keys, not one string"):
        FakeTofupay(api_keys=KEY)


# -- 404 ---------------------------------------------------------------------------


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("method", "path", "shown"),
    [
        ("GET", "/v1/foo", "/v1/foo"),
        ("GET", "/v1/foo?limit=3", "/v1/foo"),
        ("GET", "/", "/"),
        ("GET", "/v1", "/v1"),
        ("GET", "/v1/customers/", "/v1/customers/"),
        ("GET", "/v2/customers", "/v2/customers"),
        ("POST", "/v1/charges", "/v1/charges"),
        ("PUT", "/v1/customers", "/v1/customers"),
        ("DELETE", "/v1/customers", "/v1/customers"),
        ("PATCH", "/v1/customers/cus_x", "/v1/customers/cus_x"),
        ("PUT", "/v1/customers/cus_x", "/v1/customers/cus_x"),
        ("GET", "/v1/customers/cus_x/x/y", "/v1/customers/cus_x/x/y"),
    ],
)
def test_unrecognized_url(api: Api, method: str, path: str, shown: str) -> None:
    response = api.request(method, path)
    assert_error(response, 404, IRE, f"Unrecognized request URL ({method}: {shown}).")


@pytest.mark.truth_table
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize(
    "ident", ["cus_doesnotexist00", "nonsense", "card_15g9tMLdZh7jQOUqZKKlKMIr"]
)
def test_no_such_customer(api: Api, method: str, ident: str) -> None:
    response = api.request(method, f"/v1/customers/{ident}")
    assert_error(response, 404, IRE, f"No such customer: {ident}", "id")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_deleted_customer_cannot_be_changed(api: Api, method: str) -> None:
    ident = create(api)["id"]
    ok(api.delete(f"/v1/customers/{ident}"))
    response = api.request(
        method, f"/v1/customers/{ident}", data={"email": "a@b.co"} if method == "POST" else None
    )
    assert_error(response, 404, IRE, f"No such customer: {ident}", "id")


@pytest.mark.truth_table
@pytest.mark.parametrize("cursor", ["starting_after", "ending_before"])
@pytest.mark.parametrize("which", ["unknown", "other-account", "deleted"])
def test_unknown_cursor(api: Api, cursor: str, which: str) -> None:
    create(api)
    ident = "cus_nope00000000"
    if which == "other-account":
        ident = create(api, key=OTHER_KEY)["id"]
    elif which == "deleted":
        ident = create(api)["id"]
        ok(api.delete(f"/v1/customers/{ident}"))
    response = api.get("/v1/customers", params={cursor: ident})
    assert_error(response, 404, IRE, f"No such customer: {ident}", cursor)


# -- 400: requests and params -------------------------------------------------------

C, U, L = "/v1/customers", "/v1/customers/{id}", "/v1/customers"


def row(
    method: str, path: str, data: Any, message: str, param: str | None = None, *, id: str
) -> Any:
    return pytest.param(method, path, data, message, param, id=id)


def unknown(method: str, path: str, data: Any, name: str, id: str) -> Any:
    return row(method, path, data, f"Received unknown parameter: {name}", name, id=f"unknown-{id}")


BAD_REQUESTS = [
    unknown("POST", C, {"foo": "1"}, "foo", "create-foo"),
    unknown("POST", C, {"default_source": "card_x"}, "default_source", "create-default_source"),
    unknown("POST", C, {"limit": "3"}, "limit", "create-limit"),
    unknown("POST", C, {"foo[bar]": "1"}, "foo", "create-foo-hash"),
    unknown("POST", C + "?foo=1", {"email": "a@b.co"}, "foo", "create-query-foo"),
    unknown("POST", U, {"created": "1"}, "created", "update-created"),
    unknown("GET", U, {"email": "a@b.co"}, "email", "retrieve-email"),
    unknown("DELETE", U, {"expand[]": "default_source"}, "expand", "delete-expand"),
    unknown("GET", L, {"description": "x"}, "description", "list-description"),
    unknown("GET", L, {"source": "tok_visa"}, "source", "list-source"),
    unknown("GET", L, {"created[foo]": "1"}, "created[foo]", "list-created-foo"),
    unknown("GET", L, {"created[gt]": "1", "created[after]": "2"}, "created[after]", "list-created-after"),
    row("GET", L, {"include[]": "foo"}, "Invalid include[]: 'foo'. The only value that can be included is total_count.", "include", id="list-include-foo"),
    unknown("GET", L, "foo[a[b]]=1", "foo[a[b]]", "list-literal-brackets"),
    row("POST", C, "description=a&description[x]=b", CONFLICT.format("description"), "description", id="conflict-value-then-hash"),
    row("POST", C, "metadata[a]=b&metadata=", CONFLICT.format("metadata"), "metadata", id="conflict-hash-then-value"),
    row("POST", C, "expand[]=a&expand[x]=b", CONFLICT.format("expand"), "expand", id="conflict-array-then-hash"),
    row("POST", C, "metadata[a][b][c][d][e]=1", "Invalid parameter metadata: nested more than 5 levels deep.", "metadata", id="too-deep"),
    row("POST", C, {"account_balance": "abc"}, "Invalid integer: abc", "account_balance", id="int-abc"),
    row("POST", U, {"account_balance": "1.5"}, "Invalid integer: 1.5", "account_balance", id="int-float"),
    row("POST", C, {"account_balance": "9223372036854775808"}, "Invalid integer: 9223372036854775808", "account_balance", id="int-over-int64"),
    row("POST", C, {"account_balance": "-9223372036854775809"}, "Invalid integer: -9223372036854775809", "account_balance", id="int-under-int64"),
    row("GET", L, {"limit": "abc"}, "Invalid integer: abc", "limit", id="limit-abc"),
    row("GET", L, {"limit": "1.0"}, "Invalid integer: 1.0", "limit", id="limit-float"),
    row("GET", L, {"limit": "0"}, TOO_SMALL, "limit", id="limit-0"),
    row("GET", L, {"limit": "-1"}, TOO_SMALL, "limit", id="limit-negative"),
    row("GET", L, {"limit": "101"}, TOO_LARGE, "limit", id="limit-101"),
    row("GET", L, {"created": "abc"}, "Invalid integer: abc", "created", id="created-abc"),
    row("GET", L, {"created[gte]": "x"}, "Invalid integer: x", "created[gte]", id="created-gte-x"),
    row("GET", L, {"created[]": "1"}, "Invalid hash", "created", id="created-array"),
    row("POST", C, {"description[]": "a"}, 'Invalid string: ["a"]', "description", id="string-array"),
    row("POST", C, {"email[x]": "1"}, 'Invalid string: {"x":"1"}', "email", id="string-hash"),
    row("POST", C, {"source[]": "tok_visa"}, 'Invalid string: ["tok_visa"]', "source", id="source-array"),
    row("POST", U, {"default_source[]": "x"}, 'Invalid string: ["x"]', "default_source", id="default-source-array"),
    row("POST", C, {"expand": "default_source"}, "Invalid array", "expand", id="expand-not-array"),
    row("GET", L, {"include": "total_count"}, "Invalid array", "include", id="include-not-array"),
    row("POST", C, {"metadata": "x"}, "Invalid hash", "metadata", id="metadata-string"),
    row("POST", C, {"metadata[]": "x"}, "Invalid hash", "metadata", id="metadata-array"),
    *(
        row(m, p, {name: ""}, CANNOT_UNSET.format(name), name, id=f"unset-{name}-{m}")
        for m, p, name in [("POST", C, "source"), ("POST", U, "card"), ("POST", U, "default_source"),
                           ("GET", L, "limit"), ("GET", L, "starting_after"), ("GET", L, "ending_before"),
                           ("GET", L, "email")]
    ),
    *(
        row(m, p, {"email": bad}, f"Invalid email address: {bad}", "email", id=f"email-{i}")
        for i, (m, p, bad) in enumerate([("POST", C, "not-an-email"), ("POST", U, "a@b"),
                                         ("POST", C, "a b@c.com"), ("POST", U, "a@@b.co"),
                                         ("POST", C, "a" * 505 + "@b.co.uk")])
    ),
    row("POST", C, {f"metadata[k{i}]": "v" for i in range(51)}, "Invalid metadata: metadata can have at most 50 keys; got 51.", "metadata", id="metadata-51-keys"),
    row("POST", U, {"metadata[" + "k" * 41 + "]": "v"}, f"Invalid metadata: keys must be at most 40 characters; '{'k' * 41}' has 41.", "metadata", id="metadata-key-41"),
    row("POST", C, {"metadata[k]": "v" * 501}, "Invalid metadata: values must be at most 500 characters; the value of 'k' has 501.", "metadata", id="metadata-value-501"),
    row("POST", C, "metadata[a[b]]=1", "Invalid metadata: keys cannot contain '[' or ']': 'a[b]'.", "metadata", id="metadata-key-brackets"),
    row("POST", U, "metadata[a][b]=1", "Invalid metadata: the value of 'a' must be a string, not a hash or array.", "metadata", id="metadata-nested"),
    row("POST", C, {"expand[]": "foo"}, "This property cannot be expanded (foo).", "expand", id="expand-create"),
    row("GET", U, {"expand[]": "sources"}, "This property cannot be expanded (sources).", "expand", id="expand-retrieve"),
    row("POST", U, {"expand[0]": "customer"}, "This property cannot be expanded (customer).", "expand", id="expand-update"),
    row("GET", L, {"expand[]": "default_source"}, "This property cannot be expanded (default_source).", "expand", id="expand-list-without-data"),
    row("GET", L, {"expand[]": "data.sources"}, "This property cannot be expanded (data.sources).", "expand", id="expand-list-sources"),
    row("GET", L, {"starting_after": "{id}", "ending_before": "{id}"}, BOTH_CURSORS, id="both-cursors"),
    row("POST", C, {"source": "tok_visa", "card": "tok_visa"}, "Received both card and source parameters. Please pass in only one.", id="card-and-source"),
    row("POST", U, {"source": "tok_visa", "default_source": "{card}"}, "You may only specify one of these parameters: source, default_source. A new source already becomes the default.", id="source-and-default-source"),
    row("POST", U, {"default_source": "card_nope"}, "Customer {id} does not have a linked source with ID card_nope.", "default_source", id="default-source-unknown"),
    row("POST", U, {"default_source": "{other_card}"}, "Customer {id} does not have a linked source with ID {other_card}.", "default_source", id="default-source-other-customer"),
    *(
        row("POST", p, {name: token}, f"No such token: {token}", name, id=f"no-such-token-{name}-{token[:8]}")
        for p, name, token in [(C, "source", "card_123"), (U, "card", "cus_abc"), (C, "card", "tok_"),
                               (U, "source", "tok_bad-char"), (C, "source", "4242424242424242"),
                               (C, "source", "pk_test_abcdefgh")]
    ),
]  # fmt: skip


@pytest.mark.truth_table
@pytest.mark.parametrize(("method", "path", "data", "message", "param"), BAD_REQUESTS)
def test_bad_request(
    api: Api, method: str, path: str, data: Any, message: str, param: str | None
) -> None:
    made = create(api, source="tok_visa")
    other = create(api, source="tok_visa")
    names = {
        "id": made["id"],
        "card": made["default_source"],
        "other_card": other["default_source"],
    }

    def fill(text: str) -> str:
        for name, value in names.items():
            text = text.replace("{" + name + "}", value)
        return text

    path, message = fill(path), fill(message)
    if isinstance(data, dict):
        data = {key: fill(value) for key, value in data.items()}
    kwargs = {"data": data} if method == "POST" else {"params": data}
    assert_error(api.request(method, path, **kwargs), 400, IRE, message, param)
    assert_nothing_changed(api, [other, made])


def assert_nothing_changed(api: Api, customers: list[dict[str, Any]]) -> None:
    """No customer or card was made or changed, and the clock did not move."""
    assert [ok(api.get(f"/v1/customers/{c['id']}")) for c in customers] == customers
    assert list_ids(api) == ([c["id"] for c in customers], False)
    objects = sum(1 + c["sources"]["total_count"] for c in customers)
    assert create(api)["created"] == START + objects


@pytest.mark.truth_table
@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/json", '{"email": "a@b.co"}', JSON_BODY),
        ("application/json; charset=utf-8", '{"email": "a@b.co"}', JSON_BODY),
        ("application/vnd.api+json", "{}", JSON_BODY),
        ("text/plain", "email=a@b.co", UNSUPPORTED.format("text/plain")),
        ("multipart/form-data; boundary=x", "--x--", UNSUPPORTED.format("multipart/form-data")),
        ("application/xml", "<a/>", UNSUPPORTED.format("application/xml")),
    ],
)
@pytest.mark.parametrize("path", ["/v1/customers", "/v1/customers/{id}"])
def test_body_must_be_form_encoded(
    api: Api, content_type: str, body: str, message: str, path: str
) -> None:
    made = create(api)
    response = api.post(
        path.format(id=made["id"]), data=body, headers={"Content-Type": content_type}
    )
    assert_error(response, 400, IRE, message)
    assert_nothing_changed(api, [made])


def test_json_keyword_gives_the_json_body_error(api: Api) -> None:
    assert_error(api.post("/v1/customers", json={"email": "a@b.co"}), 400, IRE, JSON_BODY)
    assert list_ids(api) == ([], False)


@pytest.mark.parametrize(
    ("method", "raw", "message"),
    [
        ("POST", b"description=%FF", "Invalid request: the body is not valid UTF-8 form encoding."),
        ("POST", b"\xff=1", "Invalid request: the body is not valid UTF-8 form encoding."),
        ("POST", "&".join(f"a{i}=1" for i in range(1001)), "Invalid request: the body has too many fields (Max number of fields exceeded)."),
        ("GET", "?email=%FF", "Invalid request: the query string is not valid UTF-8 form encoding."),
    ],
)  # fmt: skip
def test_undecodable_or_oversized_params(
    api: Api, method: str, raw: str | bytes, message: str
) -> None:
    if method == "POST":
        response = api.post("/v1/customers", data=raw)
    else:
        response = api.get(f"/v1/customers{raw!s}")
    assert_error(response, 400, IRE, message)


@pytest.mark.parametrize(
    ("size", "status"), [(1024 * 1024, 200), (1024 * 1024 + 1, 413), (10 * 1024 * 1024, 413)]
)
def test_body_size_limit(api: Api, size: int, status: int) -> None:
    prefix = b"description="
    body = prefix + b"x" * (size - len(prefix))
    response = api.post("/v1/customers", data=body)
    if status == 200:
        assert response.status_code == 200, response.text
        assert len(response.json()["description"]) == size - len(prefix)
        return
    message = "Request body too large: the limit is 1048576 bytes."
    assert_error(response, 413, IRE, message)
    assert list_ids(api) == ([], False)


@pytest.mark.parametrize("balance", ["9223372036854775807", "-9223372036854775808"])
def test_signed_64_bit_integer_bounds_are_accepted(api: Api, balance: str) -> None:
    assert create(api, account_balance=balance)["account_balance"] == int(balance)


def test_metadata_limit_counts_the_merged_result(api: Api) -> None:
    made = create(api, **{f"metadata[old{i}]": "v" for i in range(30)})
    path = f"/v1/customers/{made['id']}"
    new = {f"metadata[new{i}]": "v" for i in range(21)}
    message = "Invalid metadata: metadata can have at most 50 keys; got 51."
    assert_error(api.post(path, data=new), 400, IRE, message, "metadata")
    assert ok(api.get(path)) == made
    assert len(ok(api.post(path, data={**new, "metadata[old0]": ""}))["metadata"]) == 50


# -- tokens --------------------------------------------------------------------------

DECLINES = [
    (token, message, code, decline_code, param)
    for token, number in DECLINING_TOKENS.items()
    for code, decline_code, message, param in [DOCUMENTED_DECLINES[number]]
]


@pytest.mark.truth_table
@pytest.mark.parametrize(("token", "message", "code", "decline_code", "param"), DECLINES)
@pytest.mark.parametrize("name", ["source", "card"])
@pytest.mark.parametrize("path", ["/v1/customers", "/v1/customers/{id}"])
def test_declining_tokens(
    api: Api,
    token: str,
    message: str,
    code: str,
    decline_code: str | None,
    param: str | None,
    name: str,
    path: str,
) -> None:
    made = create(api, source="tok_visa")
    response = api.post(path.format(id=made["id"]), data={name: token, "description": "x"})
    assert_error(response, 402, "card_error", message, param, code=code, decline_code=decline_code)
    assert_nothing_changed(api, [made])


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/customers/{id}"])
def test_strict_tokens_rejects_tokens_it_did_not_issue(api_with: MakeApi, path: str) -> None:
    _, api = api_with(strict_tokens=True)
    made = create(api, source="tok_mastercard")
    response = api.post(path.format(id=made["id"]), data={"source": "tok_15XZLsLdZh7jQOUq86ISvtjn"})
    assert_error(response, 400, IRE, "No such token: tok_15XZLsLdZh7jQOUq86ISvtjn", "source")
    response = api.post("/v1/customers", data={"card": "tok_unissued"})
    assert_error(response, 400, IRE, "No such token: tok_unissued", "card")
    assert_nothing_changed(api, [made])


# -- found by the fuzz tests: inputs only a direct ``handle`` call can send -----

BEARER = {"Authorization": f"Bearer {KEY}"}
UNDECODABLE_QUERY = "Invalid request: the query string is not valid UTF-8 form encoding."


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "status", "error"),
    [
        pytest.param("GET", "/v1/customers", "", {"Authorization": "Basic é"}, 401, ("authentication_error", MALFORMED, None), id="basic-non-ascii"),
        pytest.param("GET", "/v1/customers/\ud800", "", BEARER, 404, (IRE, "No such customer: \\ud800", "id"), id="surrogate-id"),
        pytest.param("GET", "/v1/x\ud800", "", BEARER, 404, (IRE, "Unrecognized request URL (GET: /v1/x\\ud800).", None), id="surrogate-url"),
        pytest.param("POST", "/v1/customers", "description=\ud800", BEARER, 400, (IRE, UNDECODABLE_QUERY, None), id="surrogate-description"),
        pytest.param("POST", "/v1/customers", "email=\udcff@x.io", BEARER, 400, (IRE, UNDECODABLE_QUERY, None), id="surrogate-email"),
        pytest.param("GET", "/v1/customers", "", {"Authorization": "Bearer sk_test_abcdefghijk\ud800"}, 401, ("authentication_error", "Invalid API Key provided: sk_test_****ijk\\ud800", None), id="surrogate-key"),
    ],
)  # fmt: skip
def test_direct_handle_never_crashes_on_undecodable_text(
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    status: int,
    error: tuple[str, str, str | None],
) -> None:
    """These raised ValueError / UnicodeEncodeError out of ``handle``; the surrogate
    description was stored first, so the crash also left a customer behind."""
    fake = FakeTofupay()
    response = fake.handle(method, path, query=query, headers=headers)
    type_, message, param = error
    expected: dict[str, Any] = {"type": type_, "message": message}
    if param is not None:
        expected["param"] = param
    assert (response.status_code, response.json()) == (status, {"error": expected})
    assert fake.customers() == []
