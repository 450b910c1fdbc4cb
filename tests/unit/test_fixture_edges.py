"""Fixture files at their edges: lists in params, nesting limits, files nested too deeply.

The answers are compared with what a twin fake answers the same request sent
by hand, so each row pins down how a step's params become the API's form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KEY
from tofupay_fake import FakeTofupay, FixtureError

BEARER = {"Authorization": f"Bearer {KEY}"}
#: How deep a fixture's params may nest (as the fixture format documents it).
LIMIT = 32


def doc(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"_meta": {"template_version": 0}, "fixtures": list(steps)}


def nested(levels: int, inner: Any) -> dict[str, Any]:
    """``{"x": {"x": ... {"metadata": inner}}}`` with ``levels`` ``x`` keys."""
    value: dict[str, Any] = {"metadata": inner}
    for _ in range(levels):
        value = {"x": value}
    return value


LISTS = [
    # (the list step's params, the query a client would send for it)
    ({"include": ["total_count"]}, "include[]=total_count"),
    ({"include": ["${.env:TOFUPAY_FIXTURE_UNSET|total_count}"]}, "include[]=total_count"),
    ({"include": ["total_count"], "limit": 1}, "include[]=total_count&limit=1"),
    ({"include": [], "limit": 1}, "limit=1"),
]


@pytest.mark.parametrize(("params", "query"), LISTS)
def test_a_flat_list_is_sent_as_repeated_bracket_pairs(
    monkeypatch: pytest.MonkeyPatch, params: dict[str, Any], query: str
) -> None:
    monkeypatch.delenv("TOFUPAY_FIXTURE_UNSET", raising=False)
    fake, twin = FakeTofupay(seed=5), FakeTofupay(seed=5)
    seed = {"name": "c", "path": "/v1/customers", "method": "post"}
    listed = {"name": "l", "path": "/v1/customers", "method": "get", "params": params}
    answers = fake.load_fixtures(doc(seed, listed), api_key=KEY)
    twin.handle("POST", "/v1/customers", headers=BEARER)
    assert answers["l"] == twin.handle("GET", "/v1/customers", query=query, headers=BEARER).json()


def test_a_list_of_objects_is_sent_with_indexes() -> None:
    """``[{"x": "y"}]`` goes as ``include[0][x]=y``: the API reads a list holding an object."""
    fake, twin = FakeTofupay(), FakeTofupay()
    step = {
        "name": "bad",
        "path": "/v1/customers",
        "method": "get",
        "params": {"include": [{"x": "total_count"}]},
        "expected_error_type": "invalid_request_error",
    }
    answer = fake.load_fixtures(doc(step), api_key=KEY)["bad"]
    sent = twin.handle("GET", "/v1/customers", query="include[0][x]=total_count", headers=BEARER)
    assert sent.status_code == 400
    assert answer == sent.json()
    assert answer["error"]["param"] == "include[]"


def deep_reference(levels: int, **step: Any) -> Any:
    """A customer with metadata, then a step nesting a reference to it ``levels`` deep."""
    return doc(
        {
            "name": "c",
            "path": "/v1/customers",
            "method": "post",
            "params": {"metadata": {"a": "b"}},
        },
        {
            "name": "deep",
            "path": "/v1/customers",
            "method": "post",
            "params": nested(levels, "${c:metadata}"),
            **step,
        },
    )


def test_a_reference_may_bring_nesting_up_to_the_limit() -> None:
    """The deepest pair the reference makes is at the limit: the request is sent (and the API
    refuses it with its own, much lower, limit)."""
    fake = FakeTofupay()
    answers = fake.load_fixtures(
        deep_reference(LIMIT - 2, expected_error_type="invalid_request_error"), api_key=KEY
    )
    assert answers["deep"]["error"]["message"] == (
        "Invalid parameter x: nested more than 5 levels deep."
    )


def test_a_reference_that_nests_beyond_the_limit_is_refused_and_nothing_changes() -> None:
    """The document itself is shallow enough; the object the reference brings is not."""
    fake, twin = FakeTofupay(seed=2), FakeTofupay(seed=2)
    with pytest.raises(FixtureError) as caught:
        fake.load_fixtures(deep_reference(LIMIT - 1), api_key=KEY)
    assert str(caught.value) == "fixtures: step 2 ('deep'): params are nested too deeply"
    assert caught.value.step == "deep"
    assert fake.customers() == [] and list(fake.events) == []
    assert (
        fake.handle("POST", "/v1/customers", headers=BEARER).content
        == twin.handle("POST", "/v1/customers", headers=BEARER).content
    )


def test_a_file_nested_too_deeply_for_the_json_reader_is_a_fixture_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        FakeTofupay().load_fixtures(path, api_key=KEY)
    assert str(caught.value) == f"{path}: not valid JSON: nested too deeply"
    assert caught.value.step is None


@pytest.mark.parametrize(
    "reference", ["${.env:\\ud800}", "${.env:A\\udfffB|x}", "${.env:\\ud800|fallback}"]
)
def test_an_environment_variable_name_the_system_cannot_encode_is_refused_before_any_step(
    tmp_path: Path, reference: str
) -> None:
    """A JSON file may spell a lone surrogate (``\\ud800``); no environment variable has it."""
    path = tmp_path / "env.json"
    path.write_text(
        '{"fixtures": [{"name": "a", "path": "/v1/customers", "method": "post"},'
        ' {"name": "b", "path": "/v1/customers", "method": "post",'
        f' "params": {{"description": "{reference}"}}}}]}}',
        encoding="utf-8",
    )
    fake = FakeTofupay()
    with pytest.raises(FixtureError) as caught:
        fake.load_fixtures(path, api_key=KEY)
    shown = reference.encode().decode("unicode_escape", "surrogatepass")
    name = shown[len("${.env:") :].split("|")[0].rstrip("}")
    assert str(caught.value) == (
        f"{path}: step 2 ('b'): malformed reference {shown!r}: "
        f"{name!r} cannot be the name of an environment variable"
    )
    assert caught.value.step == "b"
    assert fake.customers() == [] and list(fake.events) == []


def test_an_environment_variable_name_the_system_encodes_is_looked_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An undecodable byte of a name (``surrogateescape``'s ``\\udcff``) is a name the system has."""
    monkeypatch.delenv("TOFUPAY_\udcff", raising=False)
    step = {
        "name": "a",
        "path": "/v1/customers",
        "method": "post",
        "params": {"description": "${.env:TOFUPAY_\udcff|unset}"},
    }
    assert FakeTofupay().load_fixtures(doc(step), api_key=KEY)["a"]["description"] == "unset"
