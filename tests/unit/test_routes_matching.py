"""Which route answers a method and a raw path, with what path arguments, and which
params a route refuses."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tofupay_fake import messages, routes
from tofupay_fake.errors import TofupayError
from tofupay_fake.params import Params
from tofupay_fake.routes import Answer, Context, Route


def handler(ctx: Context, args: Mapping[str, str], raw: Params) -> Answer:
    return 200, {}


@pytest.mark.parametrize(
    ("template", "segments", "names"),
    [
        pytest.param("/v1/customers", ("", "v1", "customers"), (), id="static"),
        pytest.param("/v1/customers/{id}", ("", "v1", "customers", None), ("id",), id="one"),
        pytest.param(
            "/v1/customers/{id}/sources/{card}",
            ("", "v1", "customers", None, "sources", None),
            ("id", "card"),
            id="two",
        ),
    ],
)
def test_a_route_reads_its_template_into_segments_and_argument_names(
    template: str, segments: tuple[str | None, ...], names: tuple[str, ...]
) -> None:
    route = Route("GET", template, frozenset(), handler)
    assert (route.segments, route.names) == (segments, names)


@pytest.mark.parametrize(
    ("path", "args"),
    [
        pytest.param(
            "/v1/customers/cus_1/sources/card_2", {"id": "cus_1", "card": "card_2"}, id="ok"
        ),
        pytest.param("/v1/customers/a%2Fb/sources/c", {"id": "a%2Fb", "card": "c"}, id="as-given"),
        pytest.param("/v1/customers/cus_1/sources/", None, id="empty-argument"),
        pytest.param("/v1/customers//sources/card_2", None, id="empty-first-argument"),
        pytest.param("/v1/customers/cus_1/cards/card_2", None, id="other-literal"),
        pytest.param("/v1/customers/cus_1/sources", None, id="shorter"),
        pytest.param("/v1/customers/cus_1/sources/card_2/x", None, id="longer"),
    ],
)
def test_a_route_matches_whole_segments_only_and_its_pattern_agrees(
    path: str, args: dict[str, str] | None
) -> None:
    route = Route("GET", "/v1/customers/{id}/sources/{card}", frozenset(), handler)
    assert route.match_segments(path.split("/")) == args
    if "%" not in path:  # a raw path without escapes: the route's pattern agrees
        found = route.pattern.fullmatch(path)
        assert (found.groupdict() if found else None) == args


@pytest.mark.parametrize(
    ("method", "path", "template", "args"),
    [
        pytest.param("POST", "/v1/customers", "/v1/customers", {}, id="static-post"),
        pytest.param("GET", "/v1/customers", "/v1/customers", {}, id="static-get"),
        pytest.param("GET", "/v1/%63ustomers", "/v1/customers", {}, id="static-escaped"),
        pytest.param("POST", "/v1/tokens", "/v1/tokens", {}, id="tokens"),
        pytest.param("GET", "/v1/tokens/tok_1", "/v1/tokens/{id}", {"id": "tok_1"}, id="token"),
        pytest.param(
            "GET", "/v1/customers/cus_1", "/v1/customers/{id}", {"id": "cus_1"}, id="customer"
        ),
        pytest.param(
            "DELETE", "/v1/customers/cus_1", "/v1/customers/{id}", {"id": "cus_1"}, id="delete"
        ),
        pytest.param(
            "GET",
            "/v1/customers/%63us_1/sources",
            "/v1/customers/{id}/sources",
            {"id": "cus_1"},
            id="escaped-argument",
        ),
        pytest.param(
            "GET",
            "/v1/customers/cus_X%2Fsources%2Fcard_Y",
            "/v1/customers/{id}",
            {"id": "cus_X/sources/card_Y"},
            id="escaped-slash-stays-in-the-id",
        ),
        pytest.param(
            "GET",
            "/v1/customers%2Fcus_1",
            "/v1/customers/{id}",
            None,
            id="escaped-slash-is-no-separator",
        ),
        pytest.param(
            "POST",
            "/v1/customers/cus_1/sources/card_2",
            "/v1/customers/{id}/sources/{card}",
            {"id": "cus_1", "card": "card_2"},
            id="card",
        ),
        pytest.param(
            "GET",
            "/v1/customers/cus_1/subscriptions",
            "/v1/customers/{id}/subscriptions",
            {"id": "cus_1"},
            id="subscriptions",
        ),
        pytest.param(
            "GET",
            "/v1/customers/%FF",
            "/v1/customers/{id}",
            {"id": "\ufffd"},
            id="undecodable-escape-replaced",
        ),
        pytest.param("GET", "/v1%2Fcustomers", None, None, id="escaped-slash-in-a-static-path"),
        pytest.param("PUT", "/v1/customers", None, None, id="other-method"),
        pytest.param("PUT", "/v1/c%75stomers/cus_1", None, None, id="other-method-escaped"),
        pytest.param("POST", "/v1/tokens/tok_1", None, None, id="method-not-on-this-path"),
        pytest.param("GET", "/v1/customers//sources", None, None, id="empty-id"),
        pytest.param("GET", "/v1/customers/a/b", None, None, id="unknown-path"),
        pytest.param("GET", "/v1/customers/", None, None, id="trailing-slash"),
    ],
)
def test_match_finds_the_one_route_for_a_method_and_raw_path(
    method: str, path: str, template: str | None, args: dict[str, str] | None
) -> None:
    if template is None or args is None:
        with pytest.raises(TofupayError) as info:
            routes.match(method, path)
        assert (info.value.status, info.value.param) == (404, None)
        assert info.value.message == messages.UNRECOGNIZED_URL.format(
            method=method, path=routes.decode_path(path)
        )
        return
    route, found = routes.match(method, path)
    assert (route.method, route.template, found) == (method, template, args)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        pytest.param("/v1/customers", "/v1/customers", id="plain"),
        pytest.param("/v1/customers/caf%C3%A9", "/v1/customers/café", id="utf8"),
        pytest.param("/v1/customers/%FF", "/v1/customers/\ufffd", id="undecodable-replaced"),
        pytest.param("/v1/customers/a%2Fb", "/v1/customers/a/b", id="slash"),
    ],
)
def test_decode_path_shows_a_path_with_its_escapes_decoded(raw: str, shown: str) -> None:
    assert routes.decode_path(raw) == shown


def test_an_unrecognized_url_names_the_decoded_path() -> None:
    with pytest.raises(TofupayError) as info:
        routes.match("GET", "/v1/caf%C3%A9")
    assert info.value.message == "Unrecognized request URL (GET: /v1/café)."


UPDATE = routes.match("POST", "/v1/customers/cus_1")[0]
RETRIEVE = routes.match("GET", "/v1/customers/cus_1")[0]


@pytest.mark.parametrize(
    ("route", "sent", "message", "param"),
    [
        pytest.param(
            UPDATE,
            {"metadata[a[b]]": "1"},
            messages.METADATA_KEY_BRACKETS.format(key="a[b]"),
            "metadata",
            id="metadata-key-with-brackets",
        ),
        pytest.param(
            UPDATE,
            {"nickname]": "x"},
            messages.UNKNOWN_PARAMETER.format(name="nickname]"),
            "nickname]",
            id="name-ending-in-a-bracket",
        ),
        pytest.param(
            UPDATE,
            {"metadata[a": "x"},
            messages.UNKNOWN_PARAMETER.format(name="metadata[a"),
            "metadata[a",
            id="unclosed-metadata",
        ),
        pytest.param(
            RETRIEVE,
            {"metadata[a]]": "1"},
            messages.UNKNOWN_PARAMETER.format(name="metadata[a]]"),
            "metadata[a]]",
            id="route-without-metadata",
        ),
        pytest.param(
            UPDATE,
            {"email": "a@b.co", "nickname": "x"},
            messages.UNKNOWN_PARAMETER.format(name="nickname"),
            "nickname",
            id="unknown-after-known",
        ),
    ],
)
def test_a_route_refuses_the_first_param_it_does_not_take(
    route: Route, sent: Params, message: str, param: str
) -> None:
    with pytest.raises(TofupayError) as info:
        route.check_params(sent)
    assert (info.value.status, info.value.message, info.value.param) == (400, message, param)


def test_a_route_takes_its_own_params() -> None:
    UPDATE.check_params({"email": "a@b.co", "metadata": {"a": "1"}, "default_source": "c"})
    RETRIEVE.check_params({"expand": ["default_source"]})
