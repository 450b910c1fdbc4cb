"""Fuzzing the request surface: whatever arrives, a documented answer and no damage.

Hypothesis draws raw requests -- bodies (random bytes, broken percent-encoding,
deep or unbalanced brackets, duplicated keys, NUL and control characters,
non-UTF-8, huge numbers), query strings, headers (bad ``Authorization`` forms,
wrong or missing ``Content-Type``, odd ``Idempotency-Key``), paths (odd ids,
``..``, encoded slashes, very long ids, unicode, lone surrogates) and methods --
and sends them to ``FakeTofupay.handle`` directly and, for a smaller share,
through a real ``httpx.Client``. A 10 MB body is one explicit example.

Every answer must be JSON with ``Content-Type: application/json`` and a
``Request-Id``, with a status in {200, 400, 401, 402, 404, 413}; an error body
must be exactly the documented error shape (a documented ``type`` for its status, a
non-empty ``message``, ``param`` / ``code`` / ``decline_code`` strings when
present, nothing else). No exception may escape, and a rejected request must
leave the state (customers of every key, the deleted stub, tokens, events) as
it was.

CI runs are derandomized (the same examples every run). Long mode:
``TOFUPAY_LONG=1`` runs 75 to 200 times as many examples, randomized.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import BASE, KEY, LIVE_KEY, OTHER_KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay
from tofupay_fake.errors import TofupayError

LONG = os.environ.get("TOFUPAY_LONG") == "1"
SETTINGS = settings(
    deadline=None,
    database=None,
    derandomize=not LONG,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Examples per test: (short, long). The short run is a fixed, derandomized sample of
#: every strategy; the long one explores (randomized).
DIRECT_RAW = 40_000 if LONG else 200
DIRECT_FORM = 40_000 if LONG else 200
FIELD_VALUES = 12_000 if LONG else 100
SEEDED_TEXT = 6_000 if LONG else 75
THROUGH_HTTPX = 12_000 if LONG else 75

#: Examples run this session, per test (the figures the tests assert).
EXAMPLES: Counter[str] = Counter()

ALLOWED_STATUS = {200, 400, 401, 402, 404, 413}
ERROR_TYPES = {
    400: {"invalid_request_error", "idempotency_error"},
    401: {"authentication_error"},
    402: {"card_error"},
    404: {"invalid_request_error"},
    413: {"invalid_request_error"},
}
ERROR_KEYS = {"type", "message", "param", "code", "decline_code"}
REQUEST_ID = re.compile(r"req_[0-9A-Za-z]{14}")
TEN_MB = b"description=" + b"x" * (10 * 1024 * 1024)
#: The 10 MB body as one explicit example (never generated), for the tests that send it.
TEN_MB_POST_ARGS: dict[str, Any] = {
    "method": "POST",
    "path": "/v1/customers",
    "query": "",
    "headers": {"Authorization": f"Bearer {KEY}"},
    "body": TEN_MB,
}
TEN_MB_POST = example(**TEN_MB_POST_ARGS)
ONE_MIB = b"description=" + b"y" * (1024 * 1024 - len(b"description="))  # just at the limit


# -- the state every example starts from ---------------------------------------------


def populate(fake: FakeTofupay) -> dict[str, str]:
    """Customers with cards under two keys, a deleted customer and an issued token."""

    def post(key: str, path: str, body: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {key}"}
        response = fake.handle("POST", path, headers=headers, body=body.encode())
        assert response.status_code == 200, response.content
        answer: dict[str, Any] = response.json()
        return answer

    alice = post(KEY, "/v1/customers", "email=a@x.io&metadata[plan]=pro&source=tok_visa")
    card = post(KEY, f"/v1/customers/{alice['id']}/sources", "source=tok_mastercard")
    gone = post(KEY, "/v1/customers", "email=gone@x.io")
    response = fake.handle(
        "DELETE", f"/v1/customers/{gone['id']}", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == 200
    other = post(OTHER_KEY, "/v1/customers", "source=tok_visa")
    live = post(LIVE_KEY, "/v1/customers", "description=live")
    return {
        "customer": alice["id"],
        "card": alice["default_source"],
        "second_card": card["id"],
        "deleted": gone["id"],
        "other_customer": other["id"],
        "other_card": other["default_source"],
        "live_customer": live["id"],
        "token": fake.create_token(),
    }


def snapshot(fake: FakeTofupay, objects: Mapping[str, str]) -> Any:
    """What a rejected request must not change (the token read shows whether it was used)."""
    bearer = {"Authorization": f"Bearer {KEY}"}
    token = fake.handle("GET", f"/v1/tokens/{objects['token']}", headers=bearer).content
    return fake.customers(), fake.get_customer(objects["deleted"]), len(fake.events), token


def _ids() -> dict[str, str]:
    """The ids ``populate`` makes (the same on every reset: ids come from the seed)."""
    return populate(FakeTofupay(seed=0))


IDS = _ids()


@pytest.fixture(scope="module")
def started() -> Iterator[tuple[FakeTofupay, httpx.Client]]:
    """One started fake and client for every example; each example resets and repopulates."""
    with FakeTofupay(seed=0) as fake, httpx.Client(base_url=BASE, verify=SSL_CONTEXT) as client:
        yield fake, client


def fresh(fake: FakeTofupay) -> Any:
    fake.reset()
    assert populate(fake) == IDS
    return snapshot(fake, IDS)


# -- the answer every request must get ------------------------------------------------


def check_answer(status: int, headers: Mapping[str, str], content: bytes) -> dict[str, Any]:
    """A documented answer: status, JSON headers, and a success or documented error body."""
    assert status in ALLOWED_STATUS, (status, content[:500])
    assert headers["content-type"] == "application/json", headers
    assert REQUEST_ID.fullmatch(headers["request-id"]), headers
    body = json.loads(content.decode("utf-8"))
    assert isinstance(body, dict), body
    if status == 200:
        if body.get("deleted") is True:
            assert set(body) <= {"id", "object", "deleted"} and isinstance(body["id"], str), body
        else:
            assert body["object"] in {"customer", "card", "token", "list"}, body
        return body
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) <= ERROR_KEYS, error
    assert {"type", "message"} <= set(error), error
    assert error["type"] in ERROR_TYPES[status], (status, error)
    assert isinstance(error["message"], str) and error["message"], error
    for name in ("param", "code", "decline_code"):
        assert name not in error or isinstance(error[name], str), error
    if error["type"] == "card_error":
        assert "code" in error, error
    return body


def send_direct(
    fake: FakeTofupay, method: str, path: str, query: str, headers: dict[str, str], body: bytes
) -> None:
    """``handle`` must answer (never raise) and a rejected request must change nothing."""
    before = fresh(fake)
    response = fake.handle(method, path, query=query, headers=headers, body=body)
    lowered = {name.lower(): value for name, value in response.headers}
    check_answer(response.status_code, lowered, response.content)
    if response.status_code != 200:
        assert snapshot(fake, IDS) == before, (method, path, query, headers, body[:300])


# -- strategies: pieces ---------------------------------------------------------------

KNOWN_NAMES = [
    "email", "description", "source", "card", "metadata", "account_balance", "expand",
    "default_source", "limit", "starting_after", "ending_before", "created", "include",
    "object", "name", "exp_month", "exp_year", "address_line1", "address_zip",
]  # fmt: skip
SUBKEYS = [
    "",
    "0",
    "1",
    "plan",
    "number",
    "exp_month",
    "exp_year",
    "cvc",
    "gt",
    "lte",
    "object",
    "x",
]
ODD_IDS = [
    "..", ".", "%2F", "a%2Fb", "a/b", "%00", "\x00", " ", "", "cus_", "card_", "tok_",
    "cus_" + "x" * 5000, "card_" + "9" * 300, "\uff43\uff55\uff53\uff3f\uff11", "cus_é",
    "\u202ecus_x", "😀",
    "\ud800", "cus_\udcff", "%ED%A0%80", "%25", "?x=1", "#frag", "cus_00000000000000",
]  # fmt: skip
VALUES = [
    "", "a@x.io", "not-an-email", "tok_visa", "tok_mastercard", "tok_chargeDeclined",
    "tok_unknownButWellFormed", "tok_", "4242424242424242", "4000000000000002", "12", "13", "0",
    "2030", "1999", "123", "12345", "-1", "1", "100", "101", "9" * 25, "-" + "9" * 19,
    "9223372036854775808", "1e309", "NaN", "0x10", " 1", "1.5", "default_source",
    "total_count", "card", "bank_account", "\x00", "\x01\x1f\x7f", "line\nbreak", "é", "😀",
    "x" * 600, "[", "]", "[]", "&", "=", "%", "%zz", "%ff", "%c3%28", "%00", "\ud800", "a\udcff@x.io",
]  # fmt: skip


REAL_IDS = st.sampled_from(sorted(IDS.values()))
#: Ids of real objects (of this key or another), odd ids, and arbitrary text.
OBJECT_IDS = st.one_of(REAL_IDS, REAL_IDS, st.sampled_from(ODD_IDS), st.text(max_size=12))
TEMPLATES = [
    "/v1/customers",
    "/v1/customers/{id}",
    "/v1/customers/{id}",
    "/v1/customers/{id}/sources",
    "/v1/customers/{id}/sources/{card}",
    "/v1/customers/{id}/subscriptions",
    "/v1/tokens",
    "/v1/tokens/{id}",
]
ODD_PATHS = [
    "", "/", "/v1", "/v1/", "/v1/customers/", "//v1/customers", "/v1//customers",
    "/v1/customers/../tokens", "/v1/customers/%2e%2e/sources", "/v1/customers/a%2Fb/sources",
    "/V1/CUSTOMERS", "/v1/customers?limit=1", "/v1/customers#x", "/v2/customers",
    "/v1/customers/{id}/sources/{card}/extra", "/v1/customers/{id}/subscriptions/sub_1",
    "/_fake/reset", "/v1/charges", "/v1/customers/{id}/../../tokens",
]  # fmt: skip
#: A path: mostly the API's templates with odd ids, else odd paths or any text.
PATHS = st.one_of(
    st.builds(
        lambda template, ident, card: template.replace("{id}", ident).replace("{card}", card),
        st.sampled_from(TEMPLATES * 3 + ODD_PATHS),
        OBJECT_IDS,
        OBJECT_IDS,
    ),
    st.text(max_size=40).map(lambda text: "/" + text),
)
METHODS = st.sampled_from(
    ["GET", "POST", "POST", "DELETE"] * 4
    + ["PUT", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "post", "delete", "", "POST ", "GÉT"]
)


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


GOOD_AUTH = [
    basic(f"{KEY}:".encode()),
    basic(f"{OTHER_KEY}:".encode()),
    basic(f"{LIVE_KEY}:".encode()),
    f"Bearer {KEY}",
    f"bearer {OTHER_KEY}",
    f"Bearer {LIVE_KEY}",
]
BAD_AUTH = [
    "", " ", "Bearer", "Bearer ", "Basic", "Basic ", "Basic !!!", "Basic é", "Basic ===",
    basic(b"\xff\xfe:"), basic(b":"), basic(b"sk_test_abc"), basic(KEY.encode() + b":pw"),
    "Digest abc", "Token sk_test_x", f"Bearer  {KEY}  ", f"Bearer {KEY} extra",
    "Bearer pk_test_abcdefgh", "Bearer sk_test_", "Bearer sk_prod_abcd1234", "Bearer \x00",
    "Bearer sk_test_abc\ud800", f"Basic {KEY}", "Bearer " + "k" * 5000,
]  # fmt: skip
CONTENT_TYPES = [
    None, None, "application/x-www-form-urlencoded", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1", "APPLICATION/X-WWW-FORM-URLENCODED",
    "application/json", "application/json; charset=utf-8", "application/vnd.api+json",
    "multipart/form-data; boundary=x", "text/plain", "", ";", "application/xml", "*/*",
    "application/x-www-form-urlencoded\x00", "téxt/plain",
]  # fmt: skip
HEADER_TEXT = st.text(max_size=30)
ASCII_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


def header_sets(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
    """Authorization (mostly good), Content-Type (often missing), sometimes Idempotency-Key."""
    good = st.sampled_from(GOOD_AUTH)
    return st.fixed_dictionaries(
        {},
        optional={
            "Authorization": st.one_of(good, good, good, good, st.sampled_from(BAD_AUTH), text),
            "Content-Type": st.sampled_from([c for c in CONTENT_TYPES if c is not None]) | text,
            "Idempotency-Key": st.sampled_from(["k1", "x" * 300, "", "é"]) | text,
            "X-Junk": text,
        },
    )


VISIBLE = "".join(c for c in map(chr, range(33, 127)) if c != "#")  # kept as is, even a lone "%"


def printable(text: str) -> str:
    """httpx refuses ASCII control characters in a URL (client side): send them escaped."""
    return "".join(quote(c) if c.isascii() and not c.isprintable() else c for c in text)


def ascii_only(headers: dict[str, str]) -> dict[str, str]:
    """httpx sends ASCII header values (it refuses others client side)."""
    return {name: value for name, value in headers.items() if value.isascii()}


JUNK_BRACKETS = ["[", "]", "[[", "]]", "[a", "a]", "[a[b]]", "][", "[]]", "[[]", "[a]b", "[a][", ""]
NAMES = st.sampled_from(KNOWN_NAMES) | st.text(max_size=6)
#: Param names: known ones, with bracket suffixes, deep, unbalanced, or junk.
FORM_KEYS = st.one_of(
    NAMES,
    st.builds(
        lambda name, segments: name + "".join(f"[{segment}]" for segment in segments),
        NAMES,
        st.lists(st.sampled_from(SUBKEYS), min_size=1, max_size=3),
    ),
    st.builds(lambda name, depth: name + "[a]" * depth, NAMES, st.integers(4, 40)),
    st.builds(
        lambda name, junk: name + "".join(junk),
        NAMES,
        st.lists(st.sampled_from(JUNK_BRACKETS), min_size=1, max_size=4),
    ),
)
FORM_VALUES = st.sampled_from(VALUES) | st.text(max_size=6)
QUOTING = st.sampled_from(["raw", "plus", "full"])
BREAKS = st.sampled_from(["%", "%z", "%e9", "%c3%28", "&&", "=", "==", "&=&", ";", "%00"])


def quoted(text: str, how: str) -> str:
    if how == "raw":
        return text
    if how == "plus":
        return quote(text, safe="[]", errors="surrogatepass").replace("%20", "+")
    return quote(text, safe="", errors="surrogatepass")


@st.composite
def form_texts(draw: st.DrawFn) -> str:
    """A form-encoded string: pairs of (often odd) keys and values, sometimes duplicated."""
    pairs: list[tuple[str, str]] = draw(st.lists(st.tuples(FORM_KEYS, FORM_VALUES), max_size=6))
    duplicate: bool = draw(st.booleans())
    if pairs and duplicate:
        key, _ = pairs[draw(st.integers(0, len(pairs) - 1))]
        pairs.append((key, draw(FORM_VALUES)))  # a duplicated key
    how = draw(QUOTING)
    text = "&".join(f"{quoted(key, how)}={quoted(value, how)}" for key, value in pairs)
    if draw(st.integers(0, 5)) == 0:  # break it further
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(BREAKS) + text[at:]
    return text


FORMS = form_texts()
NUMBER_NAMES = ["account_balance", "limit", "created", "created[gt]", "card[exp_year]", "exp_month"]
JSON_BODY = json.dumps({"email": "a@x.io", "metadata": {"a": [1, {"b": None}]}}).encode()
#: Form bodies (valid-ish or broken), random bytes, non-UTF-8, JSON, huge numbers, deep nesting.
BODIES = st.one_of(
    FORMS.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    FORMS.map(lambda text: text.encode("latin-1", "replace") + b"&description=caf\xe9\xff"),
    st.just(JSON_BODY),
    st.builds(
        lambda name, sign, digits: f"{name}={sign}{'9' * digits}".encode(),
        st.sampled_from(NUMBER_NAMES),
        st.sampled_from(["", "-", "+"]),
        st.integers(1, 5000),
    ),
    st.builds(
        lambda name, opening, depth: (name + opening * depth + "=1").encode(),
        st.sampled_from(["metadata", "card", "expand", "x"]),
        st.sampled_from(["[a]", "[]", "[0]", "[", "]"]),
        st.integers(1, 500),
    ),
)


# -- tests --------------------------------------------------------------------------


@settings(SETTINGS, max_examples=DIRECT_RAW)
@given(
    method=METHODS,
    path=PATHS,
    query=st.text(max_size=40) | FORMS | st.sampled_from(["description=\ud800", "\udcff=1"]),
    headers=header_sets(HEADER_TEXT),
    body=st.binary(max_size=300) | BODIES,
)
@TEN_MB_POST
@example(**{**TEN_MB_POST_ARGS, "body": ONE_MIB})
def _raw_requests_direct(
    fake: FakeTofupay, method: str, path: str, query: str, headers: dict[str, str], body: bytes
) -> None:
    EXAMPLES["raw_direct"] += 1
    send_direct(fake, method, path, query, headers, body)


def test_raw_requests_to_handle_get_documented_answers(
    started: tuple[FakeTofupay, httpx.Client],
) -> None:
    """Anything at all through ``handle``: method, path, query, headers and body."""
    run(_raw_requests_direct, "raw_direct", DIRECT_RAW, started[0])


ROUTES = [
    ("POST", "/v1/customers"),
    ("POST", "/v1/customers/{id}"),
    ("POST", "/v1/customers/{id}"),
    ("GET", "/v1/customers"),
    ("GET", "/v1/customers/{id}"),
    ("DELETE", "/v1/customers/{id}"),
    ("GET", "/v1/customers/{id}/sources"),
    ("POST", "/v1/customers/{id}/sources"),
    ("GET", "/v1/customers/{id}/sources/{card}"),
    ("POST", "/v1/customers/{id}/sources/{card}"),
    ("DELETE", "/v1/customers/{id}/sources/{card}"),
    ("GET", "/v1/customers/{id}/subscriptions"),
    ("POST", "/v1/tokens"),
    ("GET", "/v1/tokens/{id}"),
]
CUSTOMER_IDS = [
    IDS["customer"],
    IDS["customer"],
    IDS["other_customer"],
    IDS["deleted"],
    IDS["live_customer"],
]
CARD_IDS = [IDS["card"], IDS["second_card"], IDS["other_card"]]
ROUTE_IDS = st.one_of(
    st.sampled_from(CUSTOMER_IDS),
    st.sampled_from(CUSTOMER_IDS),
    st.sampled_from([IDS["token"], "tok_visa", *ODD_IDS]),
)
ROUTE_CARDS = st.one_of(
    st.sampled_from(CARD_IDS), st.sampled_from(CARD_IDS), st.sampled_from(ODD_IDS)
)
API_HEADERS = st.fixed_dictionaries(
    {"Authorization": st.sampled_from(GOOD_AUTH * 4 + BAD_AUTH[:6])},
    optional={
        "Content-Type": st.sampled_from([c for c in CONTENT_TYPES if c is not None]),
        "Idempotency-Key": st.sampled_from(["k1", "k2", "x" * 256]),
    },
)
POST_QUERIES = st.sampled_from(["", "", "expand[]=default_source"]) | FORMS
OTHER_BODIES = st.one_of(st.just(b""), st.just(b""), BODIES)  # a GET or DELETE body is ignored


CARD_DICT = ["card[number]", "card[exp_month]", "card[exp_year]", "card[cvc]", "card[name]"]
SOURCE_DICT = [name.replace("card", "source", 1) for name in CARD_DICT]
CUSTOMER_PARAMS = [
    "email", "description", "metadata[plan]", "metadata[x]", "metadata", "source", "card",
    "account_balance", "expand[]", *CARD_DICT, *SOURCE_DICT,
]  # fmt: skip
#: The params each route takes: forms of these (with odd values) get past the name checks.
ROUTE_PARAMS: dict[tuple[str, str], list[str]] = {
    ("POST", "/v1/customers"): CUSTOMER_PARAMS,
    ("POST", "/v1/customers/{id}"): [*CUSTOMER_PARAMS, "default_source", "default_source"],
    ("GET", "/v1/customers"): [
        "limit",
        "starting_after",
        "ending_before",
        "created",
        "created[gt]",
        "created[lte]",
        "email",
        "include[]",
        "expand[]",
    ],
    ("GET", "/v1/customers/{id}"): ["expand[]", "expand[0]"],
    ("GET", "/v1/customers/{id}/sources"): ["limit", "starting_after", "ending_before", "object"],
    ("POST", "/v1/customers/{id}/sources"): ["source", "card", "metadata[plan]", *CARD_DICT],
    ("POST", "/v1/customers/{id}/sources/{card}"): [
        "name",
        "exp_month",
        "exp_year",
        "address_line1",
        "address_zip",
        "metadata[plan]",
        "metadata",
    ],
    ("GET", "/v1/customers/{id}/subscriptions"): ["limit", "starting_after", "ending_before"],
    ("POST", "/v1/tokens"): CARD_DICT,
}
#: Values for a route's params: odd ones, real ids, and text a stored field must survive.
REAL_VALUES = st.one_of(
    st.sampled_from(VALUES), REAL_IDS, st.sampled_from(["\ud800", "a\udcff@x.io", "\x00", "é"])
)


@st.composite
def api_requests(draw: st.DrawFn) -> tuple[str, str, str, dict[str, str], bytes]:
    """A request to a real route, usually authenticated and form-encoded: deeper code runs.

    Half the forms use only the route's param names (with odd values), so they
    get past the unknown-param check into validation and the handlers.
    """
    method, template = draw(st.sampled_from(ROUTES))
    path = template.replace("{id}", draw(ROUTE_IDS)).replace("{card}", draw(ROUTE_CARDS))
    headers = draw(API_HEADERS)
    names = ROUTE_PARAMS.get((method, template))
    if names and draw(st.booleans()):
        pairs = draw(st.lists(st.tuples(st.sampled_from(names), REAL_VALUES), max_size=3))
        how = draw(st.sampled_from(["raw", "full"]))
        form = "&".join(f"{quoted(key, how)}={quoted(value, how)}" for key, value in pairs)
    else:
        form = draw(FORMS)
    where = draw(st.sampled_from(["body", "query"]))  # POST params may come in either
    if method == "POST" and where == "body":
        body = form.encode("utf-8", "surrogatepass")
        return method, path, draw(POST_QUERIES), headers, body
    if method == "POST":
        return method, path, form, headers, b""
    headers.pop("Idempotency-Key", None)
    return method, path, form, headers, draw(OTHER_BODIES)


@settings(SETTINGS, max_examples=DIRECT_FORM)
@given(request=api_requests())
def _form_requests_direct(
    fake: FakeTofupay, request: tuple[str, str, str, dict[str, str], bytes]
) -> None:
    EXAMPLES["form_direct"] += 1
    method, path, query, headers, body = request
    send_direct(fake, method, path, query, headers, body)


def test_form_requests_to_real_routes_get_documented_answers(
    started: tuple[FakeTofupay, httpx.Client],
) -> None:
    """Authenticated requests to the API's routes with fuzzed params: validation paths."""
    run(_form_requests_direct, "form_direct", DIRECT_FORM, started[0])


#: Any text, with control characters and lone surrogates (category Cs) made common.
ANY_TEXT = st.lists(
    st.characters() | st.sampled_from(["\ud800", "\udcff", "\x00", "\x1f", "\x7f", "\u2028"]),
    max_size=20,
).map("".join)
#: (method, path, param, the field of a 200 answer that must hold the value, or None)
TEXT_FIELDS = [
    ("POST", "/v1/customers", "description", "description"),
    ("POST", "/v1/customers", "email", "email"),
    ("POST", "/v1/customers", "metadata[note]", "metadata"),
    ("POST", "/v1/customers/{customer}", "description", "description"),
    ("POST", "/v1/customers/{customer}", "metadata[note]", "metadata"),
    ("POST", "/v1/customers/{customer}", "default_source", None),
    ("POST", "/v1/customers/{customer}/sources/{card}", "name", "name"),
    ("POST", "/v1/customers/{customer}/sources/{card}", "address_line1", "address_line1"),
    ("POST", "/v1/customers/{customer}/sources", "source", None),
    ("POST", "/v1/tokens", "card[name]", None),
    ("GET", "/v1/customers", "email", None),
    ("GET", "/v1/customers", "starting_after", None),
    ("GET", "/v1/customers/{customer}", "expand[]", None),
]


@settings(SETTINGS, max_examples=FIELD_VALUES)
@given(
    field=st.sampled_from(TEXT_FIELDS),
    value=ANY_TEXT,
    in_query=st.booleans(),
    extra=st.sampled_from(
        ["", "card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=2030"]
    ),
)
def _text_values_direct(
    fake: FakeTofupay,
    field: tuple[str, str, str, str | None],
    value: str,
    in_query: bool,
    extra: str,
) -> None:
    """Any text (control characters, unicode, lone surrogates) in a valid request's field."""
    EXAMPLES["text_values"] += 1
    method, template, param, shown = field
    path = template.format(customer=IDS["customer"], card=IDS["card"])
    form = f"{param}={quote(value, safe='', errors='surrogatepass')}"
    if param == "card[name]":
        form += "&" + extra if extra else ""
    query, body = (form, b"") if in_query or method == "GET" else ("", form.encode())
    if in_query:  # a direct caller may pass the text unescaped
        escaped = value.replace("%", "%25").replace("&", "%26").replace("+", "%2B")
        query = f"{param}={escaped}"
    headers = {"Authorization": f"Bearer {KEY}"}
    before = fresh(fake)
    response = fake.handle(method, path, query=query, headers=headers, body=body)
    lowered = {name.lower(): text for name, text in response.headers}
    answer = check_answer(response.status_code, lowered, response.content)
    if response.status_code != 200:
        assert snapshot(fake, IDS) == before, (method, path, query, body)
    elif method == "POST" and shown is not None:
        stored = answer["metadata"].get("note") if shown == "metadata" else answer[shown]
        assert stored == (value or None), (value, answer)


def test_any_text_in_a_field_is_stored_or_refused(
    started: tuple[FakeTofupay, httpx.Client],
) -> None:
    """Text fields keep any valid text exactly; undecodable text is a 400, never a crash."""
    run(_text_values_direct, "text_values", FIELD_VALUES, started[0])


@settings(SETTINGS, max_examples=SEEDED_TEXT)
@given(
    field=st.sampled_from(["description", "email", "metadata", "metadata key", "card name"]),
    value=ANY_TEXT,
)
def _seeded_text_direct(fake: FakeTofupay, field: str, value: str) -> None:
    """The seeding helpers take any text too: stored exactly, or a 400; answers stay whole."""
    EXAMPLES["seeded_text"] += 1
    before = fresh(fake)
    choices: dict[str, dict[str, Any]] = {
        "description": {"description": value},
        "email": {"email": value},
        "metadata": {"metadata": {"note": value}},
        "metadata key": {"metadata": {value: "v"}},
        "card name": {
            "source": {
                "number": "4242424242424242",
                "exp_month": 1,
                "exp_year": 2030,
                "name": value,
            }
        },
    }
    try:
        made = fake.add_customer(KEY, **choices[field])
    except TofupayError as refused:
        assert refused.status == 400 and refused.message, refused
        assert snapshot(fake, IDS) == before
    else:
        if field == "description":
            assert made["description"] == (value or None)
        elif field == "metadata":
            assert made["metadata"].get("note") == (value or None)
    for path in ("/v1/customers", f"/v1/customers/{IDS['customer']}"):
        response = fake.handle(
            "GET", path, query="limit=100", headers={"Authorization": f"Bearer {KEY}"}
        )
        lowered = {name.lower(): text for name, text in response.headers}
        check_answer(response.status_code, lowered, response.content)


def test_seeding_helpers_store_only_text_the_api_can_answer(
    started: tuple[FakeTofupay, httpx.Client],
) -> None:
    """``add_customer`` with any text: a 400 ``TofupayError`` or a customer every list can show."""
    run(_seeded_text_direct, "seeded_text", SEEDED_TEXT, started[0])


@settings(SETTINGS, max_examples=THROUGH_HTTPX)
@given(
    method=st.sampled_from(["GET", "POST", "POST", "DELETE", "PUT", "PATCH"]),
    path=PATHS.map(lambda path: printable(path.encode("utf-8", "replace").decode())),
    query=FORMS,
    headers=header_sets(ASCII_TEXT).map(ascii_only),
    body=BODIES,
)
@TEN_MB_POST
def _requests_through_httpx(
    started: tuple[FakeTofupay, httpx.Client],
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    EXAMPLES["httpx"] += 1
    fake, client = started
    before = fresh(fake)
    url = httpx.URL(BASE + (path if path.startswith("/") else "/" + path))
    if query:
        url = url.copy_with(query=quote(query.encode("utf-8", "replace"), safe=VISIBLE).encode())
    content = body if method in ("POST", "PUT", "PATCH") else None
    response = client.request(method, url, headers=headers, content=content)
    check_answer(response.status_code, response.headers, response.content)
    if response.status_code != 200:
        assert snapshot(fake, IDS) == before, (method, url, headers, body[:300])


def test_requests_through_httpx_get_documented_answers(
    started: tuple[FakeTofupay, httpx.Client],
) -> None:
    """The same through the in-process interception: a real ``httpx.Client``."""
    run(_requests_through_httpx, "httpx", THROUGH_HTTPX, started)


def run(test: Any, name: str, wanted: int, *args: Any) -> None:
    """Run a hypothesis test, then check that its examples really ran."""
    before = EXAMPLES[name]
    test(*args)
    ran = EXAMPLES[name] - before
    print(f"\ntest_fuzz {name}: {ran} examples (session total {sum(EXAMPLES.values())})")
    assert ran >= wanted, f"only {ran} examples ran; expected at least {wanted}"
