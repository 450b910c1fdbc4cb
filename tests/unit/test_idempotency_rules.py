"""When a second POST with the same ``Idempotency-Key`` is the same request (replayed) or
another one (``idempotency_error``): decoded params grouped by name, raw bytes otherwise."""

from __future__ import annotations

import pytest

from tofupay_fake import FakeTofupay, messages

KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
HEADERS = {
    "Authorization": f"Bearer {KEY}",
    "Content-Type": "application/x-www-form-urlencoded",
    "Idempotency-Key": "k",
}


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param("email=a@b.co", "email=a@b.co", True, id="same-body"),
        pytest.param(
            "email=a@b.co&description=d", "description=d&email=a@b.co", True, id="names-reordered"
        ),
        pytest.param(
            "metadata[a]=1&metadata[b]=2", "metadata[b]=2&metadata[a]=1", True, id="hash-reordered"
        ),
        pytest.param("email=a@b.co", "email=a%40b.co", True, id="same-decoded"),
        pytest.param("?email=a@b.co", "email=a@b.co", True, id="query-or-body"),
        pytest.param("email=a@b.co", "email=c@d.co", False, id="other-value"),
        pytest.param("expand[]=a&expand[]=b", "expand[]=b&expand[]=a", False, id="array-reordered"),
        pytest.param("email=a%ff", "email=a%ff", True, id="same-undecodable-body"),
        pytest.param("email=a%ff", "email=a%fe", False, id="other-undecodable-body"),
        pytest.param("?email=a%ff", "?email=a%fe", False, id="other-undecodable-query"),
        pytest.param("?email=a%ff", "email=a%ff", False, id="undecodable-query-or-body"),
    ],
)
def test_a_key_replays_the_same_request_and_refuses_another(
    first: str, second: str, same: bool
) -> None:
    fake = FakeTofupay(seed=0)

    def send(request: str) -> tuple[int, bytes]:
        query, body = (request[1:], "") if request.startswith("?") else ("", request)
        answer = fake.handle(
            "POST", "/v1/customers", query=query, headers=HEADERS, body=body.encode()
        )
        return answer.status_code, answer.content

    answered = send(first)
    again = send(second)
    if same:
        assert again == answered
        assert len(fake.customers()) == (1 if answered[0] == 200 else 0)
    else:
        assert again[0] == 400
        assert fake.calls.last.response == {
            "error": {
                "type": "idempotency_error",
                "message": messages.IDEMPOTENCY_MISMATCH.format(key="k"),
            }
        }
