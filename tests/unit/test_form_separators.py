"""How a form's separators read: empty fields between ``&`` are skipped, and ``+`` is a space
in names as in values (as ``urllib.parse.parse_qsl`` reads them), in the query and the body."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.conftest import KEY
from tofupay_fake import FakeTofupay

FORM = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}

QUERIES = [
    # (query of GET /v1/customers, the params the call records)
    ("limit=1&&include[]=total_count", {"limit": "1", "include": ["total_count"]}),
    ("&limit=1&", {"limit": "1"}),
    ("&&&", {}),
    ("limit=1&include%5B%5D=total_count", {"limit": "1", "include": ["total_count"]}),
    ("limit=2&&&&", {"limit": "2"}),
]


@pytest.mark.parametrize(("query", "recorded"), QUERIES)
def test_empty_fields_are_skipped(query: str, recorded: dict[str, Any]) -> None:
    fake = FakeTofupay()
    response = fake.handle("GET", "/v1/customers", query=query, headers=FORM)
    assert fake.calls.last.params == recorded
    assert response.status_code == 200


BODIES = [
    # (body of POST /v1/customers, the params the call records, the metadata answered or None)
    (b"metadata[plan+name]=pro+plan", {"metadata": {"plan name": "pro plan"}}, {"plan name": "pro plan"}),
    (b"metadata[a%2Bb]=c&&description=x", {"metadata": {"a+b": "c"}, "description": "x"}, {"a+b": "c"}),
    (b"metadata[a+%2B+b]=1", {"metadata": {"a + b": "1"}}, {"a + b": "1"}),
    (b"e+mail=x", {"e mail": "x"}, None),
]  # fmt: skip


@pytest.mark.parametrize(("body", "recorded", "metadata"), BODIES)
def test_a_plus_is_a_space_in_names_and_values(
    body: bytes, recorded: dict[str, Any], metadata: dict[str, str] | None
) -> None:
    fake = FakeTofupay()
    answer = fake.handle("POST", "/v1/customers", headers=FORM, body=body).json()
    assert fake.calls.last.params == recorded
    if metadata is None:
        assert answer["error"]["message"] == "Received unknown parameter: e mail"
        assert answer["error"]["param"] == "e mail"
    else:
        assert answer["metadata"] == metadata


@pytest.mark.parametrize(
    "query",
    ["a+b=c+d", "a%20b=1&&c=2", "&x=&y=%2B&", "name+=+value+", "p%2Bq=r+s&t"],
)
def test_flat_names_read_as_parse_qsl_reads_them(query: str) -> None:
    """A name the API does not know is refused, but the call records it as parse_qsl reads it."""
    fake = FakeTofupay()
    fake.handle("GET", "/v1/customers", query=query, headers=FORM)
    assert fake.calls.last.params == dict(parse_qsl(query, keep_blank_values=True))
